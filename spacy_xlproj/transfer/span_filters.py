"""Drop projected or pseudo-labelled spans that the target language does not call names.

Projection copies the source language's notion of a name onto the target words, and
some of it is wrong there: English capitalises nationality adjectives (``French`` is
MISC in CoNLL), Spanish does not (``francés``, ``israelí``, ``europeos`` are ordinary
adjectives), so translate-train data is full of lower-case MISC spans that a Spanish
annotator would never mark. A :class:`SpanFilter` removes such spans after projection
(or after a teacher ensemble), and counts every removal by reason:

* ``drop_lowercase``: a span none of whose characters is upper case, *in a script that
  has case*. A span whose words hold no cased letter at all (digits such as ``1998``,
  or words of uncased scripts: Chinese ``北京``, Arabic, Hebrew…) is kept: the rule says
  nothing there, and dropping every Chinese entity would be a disaster.
  Reason key: ``"lowercase"``.
* ``drop_labels``: spans with one of these labels, whatever their words (e.g. ``MISC``,
  the label most damaged by projection). Reason key: ``"label:MISC"``.

A span that both rules would drop is counted once, under its label (the label rule is
unconditional, the case rule a guess). The filter is spaCy-free and works on any span
with ``start``, ``end`` and ``label`` (``types.Span``, ``types.ProjectedSpan``,
``teach.ensemble.ScoredSpan``): it returns the kept objects themselves.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

# The rules themselves live in the component's standalone module (it is shipped inside
# packaged pipelines, which cannot import spacy_xlproj); it imports no spaCy at import.
from ..pipes.standalone_span_filter import (
    LABEL_PREFIX,
    LOWERCASE,
    as_labels,
    drop_reason,
    is_lowercase,
    parse_labels,
    reason_keys,
)
from ..types import Sentence

__all__ = [
    "LABEL_PREFIX",
    "LOWERCASE",
    "SpanFilter",
    "describe",
    "filter_sentences",
    "is_lowercase",
    "parse_labels",
]


class _LabelledRange(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def label(self) -> str: ...


SpanT = TypeVar("SpanT", bound=_LabelledRange)


@dataclass(frozen=True, slots=True)
class SpanFilter:
    """Which spans to drop: lower-case spans in cased scripts, and/or chosen labels.

    drop_lowercase (bool): Drop spans with a cased letter but no upper-case one.
    drop_labels (tuple[str, ...]): Drop spans with these labels (exact match).
    """

    drop_lowercase: bool = False
    drop_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A list (e.g. from a config or JSON) would make the frozen dataclass unhashable,
        # and a string is one label or comma-separated labels, never its characters.
        object.__setattr__(self, "drop_labels", as_labels(self.drop_labels))

    @property
    def active(self) -> bool:
        """Whether the filter can drop anything."""
        return self.drop_lowercase or bool(self.drop_labels)

    def reasons(self) -> list[str]:
        """The reason keys this filter counts under, labels first (as they are checked)."""
        return reason_keys(self.drop_lowercase, self.drop_labels)

    def new_counts(self) -> Counter[str]:
        """A counter with every reason at 0, so a label that never occurs (a typo) shows."""
        return Counter(dict.fromkeys(self.reasons(), 0))

    def reason(self, words: Sequence[str], span: _LabelledRange) -> str | None:
        """Why ``span`` is dropped (a reason key), or None when it is kept."""
        return drop_reason(
            words[span.start : span.end], span.label, self.drop_lowercase, self.drop_labels
        )

    def apply(
        self, words: Sequence[str], spans: Iterable[SpanT], counts: Counter[str] | None = None
    ) -> list[SpanT]:
        """The spans of one sentence that the filter keeps, in their order.

        words (Sequence[str]): The sentence's words.
        spans (Iterable): Its spans, each with ``start``, ``end`` and ``label``.
        counts (Counter[str] | None): Dropped spans are counted here by reason.
        RETURNS (list): The kept spans themselves (same objects, same type).
        RAISES (ValueError): A span outside the words.
        """
        spans = list(spans)
        if not self.active:
            return spans
        kept = []
        for span in spans:
            if not 0 <= span.start <= span.end <= len(words):
                raise ValueError(f"{span!r} is not a span of a sentence of {len(words)} words.")
            why = self.reason(words, span)
            if why is None:
                kept.append(span)
            elif counts is not None:
                counts[why] += 1
        return kept

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON (statistics files)."""
        return {
            "drop_lowercase": self.drop_lowercase,
            "drop_labels": list(self.drop_labels),
        }


def filter_sentences(
    sentences: Iterable[Sentence], span_filter: SpanFilter, counts: Counter[str] | None = None
) -> Iterator[Sentence]:
    """Filter the spans of labelled sentences (e.g. a model's predictions), streaming.

    Each sentence is yielded as a new ``Sentence`` with the same words and the kept
    spans; ``counts`` receives the dropped spans by reason.
    """
    for sentence in sentences:
        kept = span_filter.apply(sentence.words, sentence.spans, counts)
        yield Sentence(list(sentence.words), kept)


def describe(counts: Counter[str]) -> str:
    """One line for a command's output: ``filtered spans: 3 (label:MISC 2, lowercase 1)``."""
    parts = ", ".join(f"{reason} {n}" for reason, n in counts.items())
    return f"filtered spans: {sum(counts.values())}" + (f" ({parts})" if parts else "")
