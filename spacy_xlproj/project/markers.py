"""Marker-based projection (EasyProject style): translate with the entities bracketed.

The source entities are wrapped in markers (``[`` ``]`` by default), the marked
sentence is translated, and the bracketed target ranges are read back. Labels go to
the marked ranges in order; a fuzzy check (character similarity of the entity texts)
keeps entities that the translation reordered with their own label, and matches by
similarity when the counts differ. Sentences whose markers were lost or broken
(unbalanced, nested, empty, wrong count) are counted; their entities can fall back to
alignment projection on the unmarked translation. Everything here works on strings
and word lists; the translator call lives in the pipelines.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ..tokenize import Tokenizer, tokenize_marked
from ..types import Dropped, DropReason, ProjectedSpan, Projection, Span

Markers = tuple[str, str]
DEFAULT_MARKERS: Markers = ("[", "]")
# A marker character inside a source word would be read back as a marker: swap it out.
_MARKER_SUBSTITUTES = {"[": "(", "]": ")", "{": "(", "}": ")", "<": "(", ">": ")"}


class MarkerStatus:
    """How the markers of one sentence came back (the strings appear in statistics)."""

    OK = "ok"  # every marker pair came back, one per entity
    NO_ENTITIES = "no_entities"  # nothing to mark
    LOST = "lost"  # no marker came back at all
    UNBALANCED = "unbalanced"  # an opening marker without its closing one, or the reverse
    NESTED = "nested"  # a marker pair inside another
    EMPTY = "empty"  # a marker pair around no word
    WRONG_COUNT = "wrong_count"  # well-formed, but not one pair per entity

    BROKEN = (LOST, UNBALANCED, NESTED, EMPTY)


def mark(words: Sequence[str], spans: Sequence[Span], markers: Markers = DEFAULT_MARKERS) -> str:
    """Return the sentence as text with every entity wrapped in ``markers``.

    Spans must not overlap. Marker characters inside words are replaced, so that the
    only markers in the text are ours.
    """
    opening, closing = markers
    clean = [_strip_markers(w, markers) for w in words]
    starts = {s.start for s in spans}
    ends = Counter(s.end for s in spans)
    out: list[str] = []
    for i, word in enumerate(clean):
        if i in starts:
            out.append(opening)
        out.append(word)
        out.extend([closing] * ends.get(i + 1, 0))
    return " ".join(out)


def _strip_markers(word: str, markers: Markers) -> str:
    for m in markers:
        if m in word:
            word = word.replace(m, _MARKER_SUBSTITUTES.get(m, ""))
    return word or "_"


def read_marked(
    tokens: Sequence[str], markers: Markers = DEFAULT_MARKERS
) -> tuple[list[str], list[tuple[int, int]], str]:
    """Split marked tokens into words and the ``[start, end)`` ranges the markers enclose.

    Returns the words without markers, the ranges (empty when broken) and a status
    from ``MarkerStatus`` (``ok`` for well-formed markers, whatever their count).
    """
    opening, closing = markers
    words: list[str] = []
    ranges: list[tuple[int, int]] = []
    status = MarkerStatus.OK
    open_at: int | None = None
    seen = False
    for token in tokens:
        if token == opening:
            seen = True
            if open_at is not None:
                status = MarkerStatus.NESTED
            open_at = len(words)
        elif token == closing:
            seen = True
            if open_at is None:
                if status == MarkerStatus.OK:
                    status = MarkerStatus.UNBALANCED
                continue
            if open_at == len(words):
                if status == MarkerStatus.OK:
                    status = MarkerStatus.EMPTY
            else:
                ranges.append((open_at, len(words)))
            open_at = None
        else:
            words.append(token)
    if open_at is not None and status == MarkerStatus.OK:
        status = MarkerStatus.UNBALANCED
    if not seen:
        status = MarkerStatus.LOST
    if status != MarkerStatus.OK:
        ranges = []
    return words, ranges, status


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def span_similarity(source_text: str, target_text: str) -> float:
    """Similarity in [0, 1] of an entity's source text and a marked target text.

    The larger of the character similarity of the case- and accent-folded texts
    and the share of source words found, folded, in the target (names survive
    translation; ``the European Union`` / ``la Unión Europea`` share ``union``, ``europea``).
    """
    a, b = _fold(source_text), _fold(target_text)
    if not a or not b:
        return 0.0
    chars = SequenceMatcher(None, a, b, autojunk=False).ratio()
    a_words, b_words = a.split(), b.split()
    found = sum(1 for w in a_words if any(_word_match(w, v) for v in b_words))
    return max(chars, found / len(a_words))


def _word_match(a: str, b: str) -> bool:
    if a == b:
        return True
    prefix = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix += 1
    return prefix >= 4 and prefix >= 0.6 * min(len(a), len(b))


def assign_labels(
    src_words: Sequence[str],
    src_spans: Sequence[Span],
    tgt_words: Sequence[str],
    ranges: Sequence[tuple[int, int]],
    *,
    min_similarity: float = 0.5,
    reorder_margin: float = 0.5,
) -> tuple[list[ProjectedSpan], list[int]]:
    """Give each marked target range the label of one source entity.

    With one range per entity, labels go in order unless another one-to-one
    assignment is more similar by more than ``reorder_margin`` in total (the
    translation moved the entities). With other counts, entities and ranges are
    matched by similarity, keeping only pairs of at least ``min_similarity``.
    Returns the projected spans (score = similarity) and the source entities left out.
    """
    if not src_spans or not ranges:
        return [], list(range(len(src_spans)))
    src_texts = [" ".join(src_words[s.start : s.end]) for s in src_spans]
    tgt_texts = [" ".join(tgt_words[a:b]) for a, b in ranges]
    sim = [[span_similarity(s, t) for t in tgt_texts] for s in src_texts]
    pairs: list[tuple[int, int]]
    if len(src_spans) == len(ranges):
        in_order = [(i, i) for i in range(len(ranges))]
        best = _best_assignment(sim)
        gain = sum(sim[i][j] for i, j in best) - sum(sim[i][j] for i, j in in_order)
        pairs = best if gain > reorder_margin else in_order
    else:
        pairs = [(i, j) for i, j in _best_assignment(sim) if sim[i][j] >= min_similarity]
    spans = [
        ProjectedSpan(ranges[j][0], ranges[j][1], src_spans[i].label, i, round(sim[i][j], 4))
        for i, j in pairs
    ]
    placed = {i for i, _ in pairs}
    return sorted(spans), [i for i in range(len(src_spans)) if i not in placed]


def _best_assignment(sim: list[list[float]]) -> list[tuple[int, int]]:
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(sim, maximize=True)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=False)]


@dataclass(slots=True)
class MarkedTranslation:
    """One sentence's marked translation, read back.

    words: the target words without markers (the unmarked translation).
    spans: entities placed by markers. lost: source entity indices not placed.
    status: a ``MarkerStatus`` string.
    """

    words: list[str]
    spans: list[ProjectedSpan]
    lost: list[int]
    status: str


def read_translation(
    src_words: Sequence[str],
    src_spans: Sequence[Span],
    translation: str,
    tokenizer: Tokenizer,
    *,
    markers: Markers = DEFAULT_MARKERS,
    min_similarity: float = 0.5,
) -> MarkedTranslation:
    """Read the entities back from the translation of ``mark(src_words, src_spans)``."""
    tokens = tokenize_marked(translation, tokenizer, markers)
    words, ranges, status = read_marked(tokens, markers)
    if not src_spans:
        # Markers in a translation of an unmarked sentence are the translator's own text.
        return MarkedTranslation(tokens, [], [], MarkerStatus.NO_ENTITIES)
    if status == MarkerStatus.OK and len(ranges) != len(src_spans):
        status = MarkerStatus.WRONG_COUNT
    spans, lost = assign_labels(src_words, src_spans, words, ranges, min_similarity=min_similarity)
    return MarkedTranslation(words, spans, lost, status)


def merge_fallback(
    marked: MarkedTranslation, fallback: Projection | None, n_sources: int
) -> Projection:
    """Combine marker spans with fallback spans for the lost entities.

    ``fallback`` was projected from the lost entities only, so its ``source``
    indices point into ``marked.lost``. A fallback span that overlaps a marker span
    is not taken. Every entity that ends up without a span is dropped as
    ``markers_lost``.
    """
    spans = list(marked.spans)
    taken = [False] * len(marked.words)
    for s in spans:
        for k in range(s.start, s.end):
            taken[k] = True
    if fallback is not None:
        for s in sorted(fallback.spans, key=lambda s: (-s.score, s.start)):
            if any(taken[s.start : s.end]):
                continue
            source = marked.lost[s.source]
            spans.append(ProjectedSpan(s.start, s.end, s.label, source, s.score))
            for k in range(s.start, s.end):
                taken[k] = True
    placed = {s.source for s in spans}
    dropped = [Dropped(i, DropReason.MARKERS_LOST) for i in range(n_sources) if i not in placed]
    return Projection(sorted(spans), dropped)


@dataclass(slots=True)
class MarkerStats:
    """Counts of the markers method: how sentences came back and who placed each entity."""

    sentences: Counter = field(default_factory=Counter)
    by_markers: int = 0
    by_fallback: int = 0
    lost: int = 0

    def add(self, status: str, by_markers: int, projection: Projection) -> None:
        """Count one sentence: its ``MarkerStatus``, the spans markers placed, the result."""
        self.sentences[status] += 1
        self.by_markers += by_markers
        self.by_fallback += len(projection.spans) - by_markers
        self.lost += len(projection.dropped)

    def to_dict(self) -> dict:
        failed = sum(n for s, n in self.sentences.items() if s in MarkerStatus.BROKEN)
        return {
            "sentences": dict(sorted(self.sentences.items())),
            "sentences_broken": failed,
            "sentences_wrong_count": self.sentences.get(MarkerStatus.WRONG_COUNT, 0),
            "entities_by_markers": self.by_markers,
            "entities_by_fallback": self.by_fallback,
            "entities_lost": self.lost,
        }
