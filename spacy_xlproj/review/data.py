"""What a person reviews: the sentences of a pseudo-labelled DocBin, and their order.

:func:`load_review_data` reads a ``pseudo-label`` output (``doc.ents`` the accepted
spans, missing words with ``ent_iob_ == ""``, ``doc.spans["xlproj"]`` their confidences,
``doc.spans["xlproj_votes"]`` each teacher's proposals) into :class:`ReviewItem`
objects. Files without the vote group (older outputs, ``--spans-key ''``, any labelled
DocBin) still load: the accepted spans and missing words are then all there is to show.

Each sentence has a :attr:`ReviewItem.key`: a hash of its words (and which occurrence
of those words it is), so that decisions stored under it follow the text, not a file
position. :attr:`ReviewData.fingerprint` hashes every key in order: a database of
decisions belongs to one text.

:func:`load_review_data` also reads the source side of translate-train output (the
source words, entities and word alignment of each sentence): from ``--source``, or else
from the file translate-train writes beside its output (:func:`source_file`).

:func:`queue_order` is the order sentences are shown in: ``disagreement`` (most words
on which the teachers' tags differ, then most missing words), ``confidence`` (the least
confident accepted span first) or ``random`` (seeded).
"""

from __future__ import annotations

import hashlib
import json
import random
import struct
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import DataFormatError, UsageError
from ..io.docbin import msgpack_registry_looked_up_once
from ..teach.pseudo_labels import SPANS_KEY, VOTES_SUFFIX
from ..transfer.output import source_sidecar_path

ORDERS = ("disagreement", "confidence", "random")
Order = Literal["disagreement", "confidence", "random"]
# The span groups pseudo-label writes: the accepted spans' scores, each teacher's spans.
VOTES_KEY = SPANS_KEY + VOTES_SUFFIX


@dataclass(frozen=True, slots=True)
class ReviewSpan:
    """A labelled word range ``[start, end)`` as the page shows it.

    score: The ensemble confidence of an accepted span, a teacher's confidence of a
        proposal (None where the file has none).
    teachers: Indices of the teachers that proposed exactly this span.
    """

    start: int
    end: int
    label: str
    score: float | None = None
    teachers: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "score": self.score,
            "teachers": list(self.teachers),
        }


@dataclass(frozen=True, slots=True)
class SourceView:
    """What a translate-train sentence was projected from: the source words, their
    entities and the word alignment (``(source index, target index)`` links)."""

    words: list[str]
    spans: list[tuple[int, int, str]]
    links: list[tuple[int, int]]

    def to_json(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "spans": [list(s) for s in self.spans],
            "links": [list(x) for x in self.links],
        }


@dataclass(slots=True)
class ReviewItem:
    """One sentence to review.

    index: Its position in the data.
    key: The hash its decisions are stored under (see the module docstring).
    words: Its words.
    spans: The accepted spans, sorted, with their confidence and the teachers that
        proposed them.
    missing: Words without annotation (the teachers disagreed), ascending.
    proposals: Every distinct span any teacher proposed, with who proposed it and the
        best confidence given to it; empty when the file has no vote group.
    disagreement: Words on which the teachers' tags differ (0 without a vote group).
    """

    index: int
    key: str
    words: list[str]
    spans: list[ReviewSpan] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    proposals: list[ReviewSpan] = field(default_factory=list)
    disagreement: int = 0
    source: SourceView | None = None

    @property
    def confidence(self) -> float:
        """The least confident accepted span's score; 0 when nothing was accepted but
        words are missing (the teachers found something and disagreed), 1 when the
        teachers agreed the sentence has no entity."""
        scores = [s.score for s in self.spans if s.score is not None]
        if scores:
            return min(scores)
        if self.spans:
            return 1.0
        return 0.0 if self.missing else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "key": self.key,
            "words": self.words,
            "spans": [s.to_json() for s in self.spans],
            "missing": self.missing,
            "proposals": [s.to_json() for s in self.proposals],
            "disagreement": self.disagreement,
            "source": self.source.to_json() if self.source is not None else None,
        }


@dataclass(slots=True)
class ReviewData:
    """The sentences of one file, the teachers' names and the labels seen."""

    path: Path
    items: list[ReviewItem]
    teachers: list[str]
    labels: list[str]
    fingerprint: str

    def __len__(self) -> int:
        return len(self.items)


def sentence_keys(sentences: Sequence[Sequence[str]]) -> list[str]:
    """The review key of each sentence: ``<20 hex digits of sha256(words)>``, with
    ``-<n>`` appended for the n-th repeat of the same words (n ≥ 1), so that two equal
    sentences are reviewed (and exported) each once."""
    seen: Counter[str] = Counter()
    keys = []
    for words in sentences:
        digest = hashlib.sha256("\x1f".join(words).encode("utf-8")).hexdigest()[:20]
        n = seen[digest]
        seen[digest] += 1
        keys.append(digest if n == 0 else f"{digest}-{n}")
    return keys


def fingerprint(keys: Sequence[str]) -> str:
    """One hash of the whole text, in order (what a database of decisions belongs to)."""
    h = hashlib.sha256()
    for key in keys:
        h.update(key.encode("ascii"))
        h.update(b"\n")
    return h.hexdigest()[:32]


def source_file(path: str | Path, source: str | Path | None = None) -> Path | None:
    """The source side to show with ``path``: ``source`` if given, else the file
    translate-train wrote beside ``path`` (``transfer.output.source_sidecar_path``:
    ``train.spacy`` -> ``train.source.jsonl``) if it exists, else None."""
    if source is not None:
        return Path(source)
    sidecar = source_sidecar_path(path)
    return sidecar if sidecar.is_file() else None


def load_review_data(
    path: str | Path, source: str | Path | None = None, *, find_source: bool = True
) -> ReviewData:
    """Read a pseudo-labelled (or any labelled) ``.spacy`` file for review.

    path (str | Path): The DocBin, e.g. the output of ``pseudo-label``.
    source (str | Path | None): A JSON-lines file with the source side of each doc, in
        order (translate-train output): ``{"words": [...], "spans": [[start, end,
        label], ...], "links": [[source index, target index], ...]}`` per line. None:
        the one translate-train wrote beside ``path``, if any (``source_file``).
    find_source (bool): False: read no source side unless ``source`` is given (what
        the sentences are does not depend on it: export needs none).
    RETURNS (ReviewData): The sentences in file order, with their keys.
    RAISES (DataFormatError): The file is not a readable DocBin, or the source side
        does not match it (``read_sources``).
    """
    from spacy.tokens import DocBin

    path = Path(path)
    if path.suffix.lower() != ".spacy":
        raise DataFormatError(
            path, None, "review reads a spaCy DocBin (.spacy), e.g. the output of pseudo-label."
        )
    try:
        docbin = DocBin().from_disk(path)
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise DataFormatError(path, None, f"not a readable spaCy DocBin ({err}).") from None
    items: list[ReviewItem] = []
    teachers: list[str] = []
    labels: set[str] = set()
    try:
        for index, (words, ents, missing, groups) in enumerate(_rows(docbin)):
            scores = _group_scores(groups.get(SPANS_KEY))
            proposals, names = _proposals(groups.get(VOTES_KEY))
            if len(names) > len(teachers):
                teachers = names
            by_key = {(p.start, p.end, p.label): p.teachers for p in proposals}
            spans = [
                ReviewSpan(
                    start,
                    end,
                    label,
                    scores.get((start, end, label)),
                    by_key.get((start, end, label), ()),
                )
                for start, end, label in ents
            ]
            labels.update(label for _, _, label in ents)
            labels.update(p.label for p in proposals)
            item = ReviewItem(index, "", words, spans, missing, proposals)
            item.disagreement = _disagreement(len(words), proposals, len(names))
            items.append(item)
    except (KeyError, ValueError, IndexError, TypeError, struct.error) as err:
        raise DataFormatError(path, None, f"not a readable spaCy DocBin ({err!r}).") from None
    if source is None and find_source:
        source = source_file(path)
    if source is not None:
        for item, view in zip(
            items, read_sources(source, [len(i.words) for i in items]), strict=True
        ):
            item.source = view
    for item, key in zip(items, sentence_keys([i.words for i in items]), strict=True):
        item.key = key
    return ReviewData(path, items, teachers, sorted(labels), fingerprint([i.key for i in items]))


_Group = tuple[dict[str, Any], list[tuple[int, int, str]]]


def read_sources(path: str | Path, lengths: Sequence[int]) -> list[SourceView]:
    """The source side of each target sentence (see :func:`load_review_data`).

    lengths (Sequence[int]): Each target sentence's word count, for checking the links.
    RAISES (DataFormatError): A line that is no such object, a word index out of range,
        or another number of lines than sentences.
    """
    path = Path(path)
    out: list[SourceView] = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if number > len(lengths):
                raise DataFormatError(
                    path, number, f"more lines than the {len(lengths)} sentences of the data."
                )
            try:
                out.append(_source(json.loads(line), lengths[number - 1]))
            except (ValueError, TypeError, KeyError) as err:
                raise DataFormatError(
                    path,
                    number,
                    f"not a source line ({err}).",
                    'Expected {"words": [...], '
                    '"spans": [[start, end, label], ...], "links": [[i, j], ...]}.',
                ) from None
    if len(out) != len(lengths):
        raise DataFormatError(
            path, None, f"{len(out)} lines for the {len(lengths)} sentences of the data."
        )
    return out


def _source(obj: Any, n: int) -> SourceView:
    words = [str(w) for w in obj["words"]]
    spans = [(int(s), int(e), str(label)) for s, e, label in obj.get("spans", [])]
    links = [(int(i), int(j)) for i, j in obj.get("links", [])]
    if any(not 0 <= s < e <= len(words) for s, e, _ in spans):
        raise ValueError("a span outside the source words")
    if any(not (0 <= i < len(words) and 0 <= j < n) for i, j in links):
        raise ValueError("a link to a word that is not there")
    return SourceView(words, spans, links)


def _rows(
    docbin: Any,
) -> Iterator[tuple[list[str], list[tuple[int, int, str]], list[int], dict[str, _Group]]]:
    """Each doc's words, entities, missing words and span groups, read from the DocBin's
    arrays without building a Doc.

    Building 10,000 Docs and iterating their tokens took most of the 5 s an open may take;
    the arrays hold the same (the layout is spaCy's own: ``DocBin.attrs`` columns, span
    groups as msgpack with ``>QQQllll``-packed spans, as ``SpanGroup.to_bytes`` writes).
    """
    import srsly
    from spacy.attrs import ENT_IOB, ENT_TYPE, ORTH
    from spacy.strings import StringStore

    store = StringStore(list(docbin.strings))
    text = {store[s]: s for s in docbin.strings}
    text[0] = ""
    columns = list(docbin.attrs)
    orth = columns.index(ORTH)
    iob = columns.index(ENT_IOB) if ENT_IOB in columns else None
    kind = columns.index(ENT_TYPE) if ENT_TYPE in columns else None
    with msgpack_registry_looked_up_once("decoders"):
        for array, packed in zip(docbin.tokens, docbin.span_groups, strict=True):
            words = [text[h] for h in array[:, orth].tolist()]
            # No entity column: nothing is known about entities (missing, as spaCy reads it).
            tags = array[:, iob].tolist() if iob is not None else [0] * len(words)
            types = array[:, kind].tolist() if kind is not None else [0] * len(words)
            ents: list[tuple[int, int, str]] = []
            start = None
            for i, tag in enumerate([*tags, 2]):
                # 3 B, 1 I, 2 O, 0 missing (spaCy's ENT_IOB codes)
                if start is not None and (tag != 1 or types[i] != types[start]):
                    ents.append((start, i, text[types[start]]))
                    start = None
                if tag == 3 or (tag == 1 and start is None):
                    start = i
            missing = [i for i, tag in enumerate(tags) if tag == 0]
            yield words, ents, missing, _groups(packed, text, srsly)


def _groups(packed: bytes, text: dict[int, str], srsly: Any) -> dict[str, _Group]:
    if not packed or packed == b"\x90":  # SpanGroups._EMPTY_BYTES: an empty list
        return {}
    msg = srsly.msgpack_loads(packed)
    # A list of group bytes (old files) or {group bytes: [keys]} (spaCy >= 3.4).
    pairs = [(g, None) for g in msg] if isinstance(msg, list) else list(msg.items())
    out: dict[str, _Group] = {}
    for group_bytes, keys in pairs:
        group = srsly.msgpack_loads(group_bytes)
        spans = []
        for span in group["spans"]:
            _, _, label, start, end, _, _ = struct.unpack(">QQQllll", span)
            spans.append((start, end, text.get(label, str(label))))
        for key in keys or [group["name"]]:
            out[key] = (dict(group["attrs"]), spans)
    return out


def _group_scores(group: _Group | None) -> dict[tuple[int, int, str], float]:
    if group is None:
        return {}
    attrs, spans = group
    scores = attrs.get("scores") or []
    if len(scores) != len(spans):
        return {}
    return {span: float(x) for span, x in zip(spans, scores, strict=True)}


def _proposals(group: _Group | None) -> tuple[list[ReviewSpan], list[str]]:
    """The distinct spans the teachers proposed (who, best confidence) and their names."""
    if group is None:
        return [], []
    attrs, spans = group
    names = [str(n) for n in attrs.get("teachers") or []]
    who = attrs.get("teacher") or []
    scores = attrs.get("scores") or []
    if len(who) != len(spans) or len(scores) != len(spans):
        return [], names
    merged: dict[tuple[int, int, str], tuple[set[int], float]] = {}
    for span, k, score in zip(spans, who, scores, strict=True):
        ks, best = merged.get(span, (set(), 0.0))
        ks.add(int(k))
        merged[span] = (ks, max(best, float(score)))
    out = [
        ReviewSpan(start, end, label, score, tuple(sorted(ks)))
        for (start, end, label), (ks, score) in sorted(merged.items())
    ]
    return out, names


def _disagreement(n: int, proposals: Sequence[ReviewSpan], teachers: int) -> int:
    """Words on which the teachers' BIO tags differ."""
    if teachers < 2 or not proposals:
        return 0
    tags: list[list[str]] = [["O"] * n for _ in range(teachers)]
    for span in proposals:
        for k in span.teachers:
            if k < teachers:
                row = tags[k]
                for i in range(span.start, min(span.end, n)):
                    row[i] = ("B-" if i == span.start else "I-") + span.label
    return sum(1 for column in zip(*tags, strict=True) if len(set(column)) > 1)


def queue_order(data: ReviewData, order: str, seed: int = 0) -> list[int]:
    """The item indices in the order they are shown.

    order (str): ``disagreement``: most disagreeing words first, then most missing
        words; ``confidence``: least confident first; ``random``: shuffled with ``seed``.
        Ties keep the file order.
    RAISES (UsageError): An unknown order.
    """
    items = data.items
    if order == "disagreement":
        return sorted(
            range(len(items)), key=lambda i: (-items[i].disagreement, -len(items[i].missing), i)
        )
    if order == "confidence":
        return sorted(range(len(items)), key=lambda i: (items[i].confidence, i))
    if order == "random":
        out = list(range(len(items)))
        random.Random(seed).shuffle(out)
        return out
    raise UsageError(f"--order: use one of {', '.join(ORDERS)}, got {order!r}.")
