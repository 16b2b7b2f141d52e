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

:func:`queue_order` is the order sentences are shown in: ``disagreement`` (most words
on which the teachers' tags differ, then most missing words), ``confidence`` (the least
confident accepted span first) or ``random`` (seeded).
"""

from __future__ import annotations

import contextlib
import hashlib
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import DataFormatError, UsageError

ORDERS = ("disagreement", "confidence", "random")
Order = Literal["disagreement", "confidence", "random"]
# The span groups pseudo-label writes (teach.pseudo_labels.SPANS_KEY and VOTES_SUFFIX);
# repeated here so that loading a file does not import the teachers' modules.
SPANS_KEY = "xlproj"
VOTES_KEY = "xlproj_votes"


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


def load_review_data(path: str | Path, lang: str = "xx") -> ReviewData:
    """Read a pseudo-labelled (or any labelled) ``.spacy`` file for review.

    path (str | Path): The DocBin, e.g. the output of ``pseudo-label``.
    lang (str): Its language (the vocab the docs are read with).
    RETURNS (ReviewData): The sentences in file order, with their keys.
    RAISES (DataFormatError): The file is not a readable DocBin.
    """
    from spacy.tokens import DocBin

    from ..io.docbin import blank_vocab

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
    with _decoders_looked_up_once():
        for index, doc in enumerate(docbin.get_docs(blank_vocab(lang))):
            words = [t.text for t in doc]
            scores = _group_scores(doc, SPANS_KEY)
            proposals, names = _proposals(doc)
            if names and len(names) > len(teachers):
                teachers = names
            by_key = {(p.start, p.end, p.label): p.teachers for p in proposals}
            spans = []
            for ent in doc.ents:
                score = scores.get((ent.start, ent.end, ent.label_))
                who = by_key.get((ent.start, ent.end, ent.label_), ())
                spans.append(ReviewSpan(ent.start, ent.end, ent.label_, score, who))
                labels.add(ent.label_)
            labels.update(p.label for p in proposals)
            missing = [t.i for t in doc if t.ent_iob == 0]
            item = ReviewItem(index, "", words, spans, missing, proposals)
            item.disagreement = _disagreement(len(words), proposals, len(names))
            items.append(item)
    for item, key in zip(items, sentence_keys([i.words for i in items]), strict=True):
        item.key = key
    return ReviewData(path, items, teachers, sorted(labels), fingerprint([i.key for i in items]))


def _group_scores(doc: Any, key: str) -> dict[tuple[int, int, str], float]:
    if key not in doc.spans:
        return {}
    group = doc.spans[key]
    scores = group.attrs.get("scores") or []
    if len(scores) != len(group):
        return {}
    return {(s.start, s.end, s.label_): float(x) for s, x in zip(group, scores, strict=True)}


def _proposals(doc: Any) -> tuple[list[ReviewSpan], list[str]]:
    """The distinct spans the teachers proposed (who, best confidence) and their names."""
    if VOTES_KEY not in doc.spans:
        return [], []
    group = doc.spans[VOTES_KEY]
    names = [str(n) for n in group.attrs.get("teachers") or []]
    who = group.attrs.get("teacher") or []
    scores = group.attrs.get("scores") or []
    if len(who) != len(group) or len(scores) != len(group):
        return [], names
    merged: dict[tuple[int, int, str], tuple[set[int], float]] = {}
    for span, k, score in zip(group, who, scores, strict=True):
        entry = merged.setdefault((span.start, span.end, span.label_), (set(), 0.0))
        entry[0].add(int(k))
        merged[(span.start, span.end, span.label_)] = (entry[0], max(entry[1], float(score)))
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


@contextlib.contextmanager
def _decoders_looked_up_once() -> Iterator[None]:
    """Let srsly find its msgpack decoders once, not for every span group read.

    srsly asks its catalogue registry for every decoder on each ``msgpack_loads``, a
    scan of the installed packages' entry points; a DocBin with two span groups per doc
    loads three times slower because of it (10,000 docs: 9 s instead of 3). Mirrors
    ``teach.pseudo_labels._encoders_looked_up_once`` for the reading side.
    """
    try:
        from srsly.msgpack import msgpack_decoders

        decoders = msgpack_decoders.get_all()
    except (ImportError, AttributeError):
        yield
        return
    if "get_all" in vars(msgpack_decoders):
        yield
        return
    msgpack_decoders.get_all = lambda: decoders  # type: ignore[method-assign]
    try:
        yield
    finally:
        del msgpack_decoders.get_all
