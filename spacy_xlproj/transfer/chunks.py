"""Chunked runs that survive a crash: each finished chunk is stored in a work folder."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import XlprojError
from ..types import Dropped, ProjectedSpan, Projection, Sentence, Span


def fingerprint(sentences: Sequence[Sentence], settings: dict[str, Any]) -> str:
    """A hash of the input and the settings, so a work folder is only reused for the same run."""
    h = hashlib.sha1(json.dumps(settings, sort_keys=True, default=str).encode("utf8"))
    for s in sentences:
        h.update("\x1f".join(s.words).encode("utf8"))
        h.update(repr([(x.start, x.end, x.label) for x in s.spans]).encode("utf8"))
    return h.hexdigest()


class WorkDir:
    """Stores each finished chunk's records as JSON in ``path``; ``None`` stores nothing."""

    def __init__(self, path: str | Path | None, key: str) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is None:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        manifest = self.path / "manifest.json"
        if manifest.exists():
            found = json.loads(manifest.read_text(encoding="utf8")).get("fingerprint")
            if found != key:
                raise XlprojError(
                    f"The work folder {self.path} holds chunks of a different run (other input "
                    "or settings). Use a new --work-dir, or delete this one to start over."
                )
        else:
            manifest.write_text(json.dumps({"fingerprint": key}), encoding="utf8")

    def _file(self, index: int) -> Path:
        assert self.path is not None
        return self.path / f"chunk-{index:05d}.json"

    def load(self, index: int) -> list[dict] | None:
        """The records of chunk ``index`` if it was finished earlier."""
        if self.path is None or not self._file(index).exists():
            return None
        return json.loads(self._file(index).read_text(encoding="utf8"))

    def save(self, index: int, records: list[dict]) -> None:
        if self.path is None:
            return
        tmp = self._file(index).with_suffix(".tmp")
        tmp.write_text(json.dumps(records, ensure_ascii=False), encoding="utf8")
        # Rename last, so a crash mid-write never leaves a chunk that looks finished.
        tmp.replace(self._file(index))


def record(
    words: list[str] | None,
    src_spans: Sequence[Span],
    projection: Projection | None,
    dropped_sentence: str | None = None,
    **extra: Any,
) -> dict:
    """One sentence's result as a JSON-able dict."""
    out: dict[str, Any] = {
        "words": words,
        "src_spans": [[s.start, s.end, s.label] for s in src_spans],
        "dropped_sentence": dropped_sentence,
    }
    if projection is not None:
        out["spans"] = [[s.start, s.end, s.label, s.source, s.score] for s in projection.spans]
        out["dropped"] = [[d.source, d.reason] for d in projection.dropped]
    out.update(extra)
    return out


def from_record(rec: dict) -> tuple[list[str] | None, list[Span], Projection | None]:
    """Undo ``record``: target words, source spans, projection."""
    src_spans = [Span(a, b, label) for a, b, label in rec["src_spans"]]
    projection = None
    if "spans" in rec:
        projection = Projection(
            [ProjectedSpan(a, b, label, src, score) for a, b, label, src, score in rec["spans"]],
            [Dropped(src, reason) for src, reason in rec["dropped"]],
        )
    return rec["words"], src_spans, projection


def check_count(backend: object, what: str, got: Sequence, expected: int) -> None:
    """Raise a clear error when a backend returns the wrong number of results."""
    if len(got) != expected:
        name = getattr(backend, "name", type(backend).__name__)
        raise XlprojError(
            f"{name} returned {len(got)} {what} for {expected} sentences: the backend must "
            "return exactly one result per input, in order."
        )
