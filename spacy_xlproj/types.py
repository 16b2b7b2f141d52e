"""Plain data types shared by every layer: words, spans, links and projections.

Everything here is spaCy-free so that the projection algorithms can be used on
word lists alone. Spans are half-open word ranges ``[start, end)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# A word alignment: (source word index, target word index) pairs.
Link = tuple[int, int]
Links = Iterable[Link]


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A labelled range of words ``[start, end)``."""

    start: int
    end: int
    label: str

    def __len__(self) -> int:
        return self.end - self.start


@dataclass(slots=True)
class Sentence:
    """A tokenised sentence with (possibly no) labelled entity spans."""

    words: list[str]
    spans: list[Span] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.words)


@dataclass(frozen=True, slots=True, order=True)
class ProjectedSpan:
    """A target span projected from source entity ``source`` with a confidence in [0, 1]."""

    start: int
    end: int
    label: str
    source: int
    score: float = 1.0

    def __len__(self) -> int:
        return self.end - self.start

    def to_span(self) -> Span:
        return Span(self.start, self.end, self.label)


@dataclass(frozen=True, slots=True)
class Dropped:
    """A source entity (index into the source spans) that was not projected, and why."""

    source: int
    reason: str


@dataclass(slots=True)
class Projection:
    """The result of projecting one sentence's entities."""

    spans: list[ProjectedSpan] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)

    def target_spans(self) -> list[Span]:
        return [s.to_span() for s in sorted(self.spans)]


class DropReason:
    """Why a source entity was not projected (the strings appear in statistics)."""

    UNALIGNED = "unaligned"  # no target word is aligned to the entity
    LENGTH_RATIO = "length_ratio"  # every run was shorter than the length-ratio threshold
    TOP_K = "top_k"  # cut by the top-k limit (only for extra runs; counted per run)
    OVERLAP = "overlap"  # every candidate overlapped a span that was already labelled
    NO_CANDIDATE = "no_candidate"  # every candidate scored zero
    NOT_SELECTED = "not_selected"  # the solver preferred other entities for these words
    MARKERS_LOST = "markers_lost"  # marker projection lost the entity and no fallback took it
    EMPTY_TRANSLATION = "empty_translation"  # the sentence or its translation had no words
    MERGED = "merged"  # name expansion joined its span into another entity's name
