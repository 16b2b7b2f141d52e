"""Label consistency across a tagged corpus: one label per name head.

A tagger that sees one translated sentence at a time labels the same kind of name
differently from sentence to sentence (``County of Crittenden``/LOC here,
``County of Waseca``/ORG there). Over a whole corpus, the label that most spans with
the same head word got is usually the right one for all of them. The head of a name
is its first word in head-initial languages (Spanish ``Provincia de …``,
``Universidad …``) and its last word in head-final ones (English ``… County``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from ..errors import UsageError
from ..types import Sentence, Span

Head = Literal["first", "last"]
HEADS = ("first", "last")
# The settings of a ``--harmonize-labels`` option: a head, or none.
Harmonize = Literal["none", "first", "last"]
HARMONIZE_MODES = ("none", *HEADS)


class _Labelled(Protocol):
    start: int
    end: int
    label: str


@dataclass(slots=True)
class ConsistencyStats:
    """What ``harmonize_labels`` changed."""

    spans: int = 0  # spans looked at
    relabelled: int = 0  # spans whose label changed
    heads: int = 0  # head words with at least min_count spans

    def to_dict(self) -> dict[str, int]:
        return {"spans": self.spans, "relabelled": self.relabelled, "heads": self.heads}


def check_head(head: str) -> Head:
    """``head`` if it is ``first`` or ``last``, else a ValueError that says so."""
    if head not in HEADS:
        raise UsageError(f"head must be 'first' or 'last', got {head!r}")
    return head  # type: ignore[return-value]


def head_word(words: Sequence[str], span: _Labelled, head: Head) -> str:
    """The head word of ``span``: its first or last word."""
    return words[span.start if head == "first" else span.end - 1]


def head_majority(
    tagged: Iterable[tuple[Sequence[str], Iterable[_Labelled]]],
    *,
    head: Head = "first",
    min_count: int = 2,
    min_share: float = 0.5,
) -> tuple[dict[str, str], int]:
    """The majority label of each head word over ``(words, spans)`` pairs.

    A head word with fewer than ``min_count`` spans, or whose commonest label holds
    no more than ``min_share`` of them, gets none.
    RETURNS (tuple[dict[str, str], int]): Head word -> label, and how many head words
        had at least ``min_count`` spans.
    """
    check_head(head)
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for words, spans in tagged:
        for span in spans:
            votes[head_word(words, span, head)][span.label] += 1
    majority: dict[str, str] = {}
    heads = 0
    for word, labels in votes.items():
        total = sum(labels.values())
        if total < min_count:
            continue
        heads += 1
        label, count = labels.most_common(1)[0]
        if count / total > min_share:
            majority[word] = label
    return majority, heads


def harmonize_labels(
    sentences: Sequence[Sentence],
    *,
    head: Head = "first",
    min_count: int = 2,
    min_share: float = 0.5,
) -> tuple[list[Sentence], ConsistencyStats]:
    """Relabel each span with the majority label of the spans that share its head word.

    head (str): ``"first"`` or ``"last"`` word of a span is its head.
    min_count (int): A head word needs at least this many spans to vote.
    min_share (float): The majority label must hold more than this share of them.
    RETURNS (tuple[list[Sentence], ConsistencyStats]): New sentences (the same words)
        and what changed.
    """
    majority, heads = head_majority(
        ((s.words, s.spans) for s in sentences),
        head=head,
        min_count=min_count,
        min_share=min_share,
    )
    stats = ConsistencyStats(heads=heads)
    out = []
    for sentence in sentences:
        spans = []
        for span in sentence.spans:
            stats.spans += 1
            label = majority.get(head_word(sentence.words, span, head), span.label)
            if label != span.label:
                stats.relabelled += 1
                span = Span(span.start, span.end, label)
            spans.append(span)
        out.append(Sentence(list(sentence.words), spans))
    return out, stats
