"""One chunked, resumable runner: what ``translate_train`` and ``ProjectedCorpus`` run on.

A long translate-and-project run is cut into chunks of ``chunk_size`` items. With a
work folder, each finished chunk is stored there (``chunk-00000.json`` …) and a rerun
after a crash, a kill or Ctrl-C reads the finished chunks back instead of translating
them again. ``manifest.json`` records what the chunks were made with (translator,
aligner, projector and its options, chunk size, the source's identity…): a rerun with
any other setting is refused, naming the setting, so one output never mixes chunks of
two configurations. Each chunk file also holds a hash of the chunk's input, so a chunk
is only reused for the very sentences it was made from.

Items are consumed lazily and each chunk's records are handed on as soon as they
exist, so a caller that writes them out as they come runs in memory bounded by one
chunk, whatever the size of the input. Every file is written atomically.

The chunks not finished yet are processed by a ``process`` function, or by a pool of
workers (``transfer.engine``: this process, or Ray workers); either way each chunk is
stored here as its records come back, in order, so a run resumes with either engine.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from ..errors import DataError, UsageError, XlprojError
from ..io.atomic import write_atomic
from ..types import Dropped, ProjectedSpan, Projection, Sentence, Span
from .engine import LocalPool, Pool, Ready

T = TypeVar("T")

MANIFEST = "manifest.json"
# Bumped when the chunk files change shape: an old work folder is then refused, not misread.
FORMAT = 2
_CHUNK = "chunk-{:05d}.json"


class WorkDirError(DataError):
    """A work folder that this run cannot use (another run's, damaged, not a work folder)."""


def _fix(path: Path, kind: str = "translate-train") -> str:
    if kind == "translate-train":
        return f"Use another --work-dir, or delete {path} to start over."
    return f"Delete {path} to start over."


def file_identity(path: str | Path) -> dict[str, Any]:
    """What identifies an input file's content: its name, size, mtime and SHA-256.

    The hash decides (a copy or ``touch`` of the same bytes is the same input); size and
    mtime are kept so that a message can say how the file changed.
    """
    path = Path(path)
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    stat = path.stat()
    return {
        "name": path.name,
        "size": stat.st_size,
        "mtime": int(stat.st_mtime),
        "sha256": digest.hexdigest(),
    }


def sentences_key(sentences: Iterable[Sentence]) -> str:
    """A hash of sentences' words and entities (a chunk's input, or a whole input)."""
    h = hashlib.sha1()
    for s in sentences:
        h.update("\x1f".join(s.words).encode("utf8"))
        h.update(repr([(x.start, x.end, x.label) for x in s.spans]).encode("utf8"))
        h.update(b"\x1e")
    return h.hexdigest()


def _normal(settings: Mapping[str, Any]) -> dict[str, Any]:
    # What JSON gives back (tuples become lists…), so a reloaded manifest compares equal.
    return json.loads(json.dumps(dict(settings), sort_keys=True, default=str))


def _show(value: Any, limit: int = 70) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _flat(settings: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    # Nested options are compared one by one, so a message names "options.method".
    out: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict) and key not in ("source", "input"):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _differences(saved: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    out = []
    saved, current = _flat(saved), _flat(current)
    for key in sorted(set(saved) | set(current)):
        if key == "source" and key in saved and key in current:
            # Only the content matters: the same bytes moved or touched are the same input.
            if saved[key].get("sha256") != current[key].get("sha256"):
                out.append(
                    f"source: {saved[key].get('name')} had {saved[key].get('size')} bytes, "
                    f"sha256 {str(saved[key].get('sha256'))[:12]}…; this run's source "
                    f"{current[key].get('name')} has {current[key].get('size')} bytes, "
                    f"sha256 {str(current[key].get('sha256'))[:12]}…"
                )
            continue
        if key == "input" and key in saved and key in current and saved[key] != current[key]:
            out.append(
                f"input: {saved[key].get('sentences')} sentences there, "
                f"{current[key].get('sentences')} now"
                + (", other words or entities" if saved[key].get("sentences")
                   == current[key].get("sentences") else "")
            )  # fmt: skip
            continue
        if saved.get(key) != current.get(key):
            out.append(f"{key}: {_show(saved.get(key))} there, {_show(current.get(key))} now")
    return out


class WorkDir:
    """A folder of finished chunks and the manifest of what they were made with.

    path (str | Path | None): The folder (created); ``None`` stores nothing.
    settings (Mapping): Everything the chunks depend on; JSON-able (``str`` is used
        for anything else). A folder whose manifest differs is refused.
    kind (str): What made the chunks (``"translate-train"``…), also checked.
    RAISES (WorkDirError): The folder is a file, holds other files but no manifest,
        has an empty or damaged manifest, or belongs to another run.
    """

    def __init__(self, path: str | Path | None, settings: Mapping[str, Any], kind: str) -> None:
        self.path = Path(path) if path is not None else None
        self.kind = kind
        self.settings = _normal(settings)
        if self.path is None:
            return
        check_work_dir(self.path, kind)
        manifest = self.path / MANIFEST
        if manifest.exists():
            saved = _read_manifest(manifest)
            if saved.get("kind") != kind or saved.get("format") != FORMAT:
                raise WorkDirError(
                    f"The work folder {self.path} holds chunks of {saved.get('kind')!r} "
                    f"(format {saved.get('format')}), not of {kind!r} (format {FORMAT}). "
                    + _fix(self.path, kind)
                )
            diff = _differences(saved.get("settings", {}), self.settings)
            if diff:
                more = f"; and {len(diff) - 3} more" if len(diff) > 3 else ""
                raise WorkDirError(
                    f"The work folder {self.path} holds chunks made with other settings "
                    f"({'; '.join(diff[:3])}{more}). " + _fix(self.path, kind)
                )
            return
        self.path.mkdir(parents=True, exist_ok=True)
        body = {"kind": kind, "format": FORMAT, "settings": self.settings}
        write_atomic(manifest, json.dumps(body, indent=2, ensure_ascii=False) + "\n")

    def file(self, index: int) -> Path:
        """The file of chunk ``index`` (it may not exist)."""
        assert self.path is not None
        return self.path / _CHUNK.format(index)

    def load(self, index: int, input_key: str) -> list[dict] | None:
        """The records of chunk ``index`` if it was finished earlier, else None.

        input_key (str): The hash of this run's chunk ``index``; a stored chunk made
            from other items is refused, never reused.
        """
        if self.path is None:
            return None
        path = self.file(index)
        try:
            text = path.read_text(encoding="utf8")
        except FileNotFoundError:
            return None
        try:
            body = json.loads(text)
            records, key = body["records"], body["input"]
            if not isinstance(records, list):
                raise TypeError("records is not a list")
        except (ValueError, KeyError, TypeError) as err:
            # Chunks are written atomically: a damaged one was cut or edited by hand.
            raise WorkDirError(
                f"The chunk file {path} is damaged ({type(err).__name__}: {err}). Delete "
                f"that file to redo its chunk, or delete {self.path} to start over."
            ) from None
        if key != input_key:
            raise WorkDirError(
                f"Chunk {index} in the work folder {self.path} was made from other input "
                "sentences than this run's. " + _fix(self.path, self.kind)
            )
        return records

    def save(self, index: int, input_key: str, records: list[dict]) -> None:
        """Store chunk ``index``; written to a temporary file and renamed into place."""
        if self.path is None:
            return
        body = {"input": input_key, "records": records}
        # fsync off: a lost chunk after a power cut is only redone; speed matters here.
        write_atomic(self.file(index), json.dumps(body, ensure_ascii=False), fsync=False)

    def finished(self) -> list[int]:
        """The indices of the chunks stored so far."""
        if self.path is None or not self.path.is_dir():
            return []
        return sorted(int(p.stem.split("-")[1]) for p in self.path.glob("chunk-*.json"))


def _read_manifest(manifest: Path) -> dict[str, Any]:
    folder = manifest.parent
    try:
        saved = json.loads(manifest.read_text(encoding="utf8"))
        if not isinstance(saved, dict):
            raise TypeError(f"a {type(saved).__name__}, not an object")
    except (ValueError, TypeError) as err:
        raise WorkDirError(
            f"The manifest {manifest} is empty or damaged ({type(err).__name__}: {err}), "
            f"so the chunks in {folder} cannot be trusted. Delete {folder} to start over."
        ) from None
    return saved


def check_work_dir(path: str | Path, kind: str) -> None:
    """Fail fast on a path that can't be a work folder; settings are checked by ``WorkDir``.

    Refused: a file; a folder holding files but no manifest (a user's own folder given
    by mistake: chunks would be mixed into it, and deleting it to start over would be
    harmful); an empty or damaged manifest; the manifest of another kind of run.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise WorkDirError(f"The work folder {path} is a file; give a folder (new or empty).")
    if not path.is_dir():
        return
    manifest = path / MANIFEST
    if manifest.exists():
        saved = _read_manifest(manifest)
        if saved.get("kind") not in (None, kind):
            raise WorkDirError(
                f"The work folder {path} holds chunks of {saved.get('kind')!r}, not of "
                f"{kind!r}. " + _fix(path, kind)
            )
        return
    others = [p.name for p in path.iterdir() if not p.name.startswith(".")]
    if others:
        raise WorkDirError(
            f"The folder {path} is not a work folder (it holds {len(others)} other files, "
            f"e.g. {sorted(others)[0]!r}, and no {MANIFEST}). Give a new or empty folder."
        )
    if not os.access(path, os.W_OK):
        raise WorkDirError(f"The work folder {path} is not writable; check its permissions.")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter), read lazily."""
    if size < 1:
        raise UsageError(f"chunk_size must be >= 1, got {size}")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def run_chunks(
    items: Iterable[T],
    process: Callable[[int, int, list[T]], list[dict]] | None = None,
    *,
    chunk_size: int,
    work_dir: str | Path | WorkDir | None = None,
    settings: Mapping[str, Any] | None = None,
    kind: str = "chunks",
    key: Callable[[list[T]], str] | None = None,
    on_chunk: Callable[[int], Any] | None = None,
    pool: Pool | None = None,
) -> Iterator[list[dict]]:
    """Process ``items`` chunk by chunk, reusing the chunks a work folder already holds.

    Nothing is read, translated or stored before the work folder is checked, so a
    wrong folder costs nothing. The items are read lazily, one chunk at a time (with a
    ``pool`` of several workers, a few chunks ahead: two per worker).

    items (Iterable): The input; a generator is fine (never held whole).
    process (Callable[[int, int, list], list[dict]] | None): Called with the chunk's
        index, the index of its first item and its items; returns one JSON-able record
        per item (or any list of JSON-able records) for the work folder.
    chunk_size (int): Items per chunk (>= 1): the unit of work, storage and resumption.
    work_dir (str | Path | WorkDir | None): Where finished chunks are stored; None:
        nowhere (nothing resumes).
    settings (Mapping | None): What the chunks depend on, for the manifest; the chunk
        size is added.
    kind (str): What makes the chunks, for the manifest.
    key (Callable | None): Hash of a chunk's items (``sentences_key`` by default, which
        needs ``Sentence`` items).
    on_chunk (Callable[[int], Any] | None): Called with each chunk's size once done
        (progress bars).
    pool (Pool | None): Instead of ``process``: workers (``transfer.engine``) that are
        sent ``(index, begin, items)`` for each chunk not finished yet, in this process
        or on Ray. Each chunk is stored here, in order, as its records come back, so a
        killed run resumes with either engine.
    YIELDS (list[dict]): Each chunk's records, in order.
    RAISES (WorkDirError): See ``WorkDir``.
    """
    if chunk_size < 1:
        raise UsageError(f"chunk_size must be >= 1, got {chunk_size}")
    if (process is None) == (pool is None):
        raise ValueError("run_chunks needs one of process= and pool=.")
    if isinstance(work_dir, WorkDir):
        work = work_dir
    else:
        work = WorkDir(work_dir, {**(settings or {}), "chunk_size": chunk_size}, kind)
    hash_of = key or sentences_key  # type: ignore[assignment]
    if pool is None:
        assert process is not None
        pool = LocalPool(lambda task: process(*task))
    # What each chunk is, in order, for storing its records when they come back.
    sent: deque[tuple[int, str, int, bool]] = deque()

    def tasks() -> Iterator[tuple[int, int, list[T]] | Ready]:
        begin = 0
        for index, chunk in enumerate(batched(items, chunk_size)):
            input_key = hash_of(chunk)  # type: ignore[arg-type]
            records = work.load(index, input_key)
            sent.append((index, input_key, len(chunk), records is None))
            yield (index, begin, chunk) if records is None else Ready(records)
            begin += len(chunk)

    for records in pool.map_ordered(tasks()):
        index, input_key, size, new = sent.popleft()
        if new:
            work.save(index, input_key, records)
        if on_chunk is not None:
            on_chunk(size)
        yield records


# -- records: one sentence's result as JSON ------------------------------------------------


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
