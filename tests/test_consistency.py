"""harmonize_labels: one label per head word across a tagged corpus."""

from __future__ import annotations

import pytest

from spacy_xlproj.transfer.consistency import harmonize_labels
from spacy_xlproj.types import Sentence, Span


def s(text: str, *spans: tuple[int, int, str]) -> Sentence:
    return Sentence(text.split(), [Span(*x) for x in spans])


CORPUS = [
    s("Condado de Crittenden", (0, 3, "LOC")),
    s("Condado de Waseca", (0, 3, "ORG")),
    s("vive en el Condado de Harper", (3, 6, "LOC")),
    s("Universidad de Lima", (0, 3, "ORG")),
    s("Lima", (0, 1, "LOC")),
]


def test_majority_of_the_head_word_wins():
    out, stats = harmonize_labels(CORPUS)
    assert [x.spans for x in out] == [
        [Span(0, 3, "LOC")],
        [Span(0, 3, "LOC")],  # 2 of 3 "Condado" spans are LOC
        [Span(3, 6, "LOC")],
        [Span(0, 3, "ORG")],  # one "Universidad" span: too few to vote
        [Span(0, 1, "LOC")],
    ]
    assert stats.to_dict() == {"spans": 5, "relabelled": 1, "heads": 1}
    assert [x.words for x in out] == [x.words for x in CORPUS]
    assert CORPUS[1].spans == [Span(0, 3, "ORG")]  # the input is not changed


def test_last_word_heads_and_ties():
    corpus = [
        s("Crittenden County", (0, 2, "LOC")),
        s("Waseca County", (0, 2, "ORG")),
    ]
    out, stats = harmonize_labels(corpus, head="last")
    # A tie is no majority: both labels stay.
    assert [x.spans[0].label for x in out] == ["LOC", "ORG"]
    assert stats.relabelled == 0
    out, _ = harmonize_labels([*corpus, s("Harper County", (0, 2, "LOC"))], head="last")
    assert [x.spans[0].label for x in out] == ["LOC", "LOC", "LOC"]


def test_min_count_and_bad_head():
    out, stats = harmonize_labels(CORPUS, min_count=4)
    assert [x.spans for x in out] == [x.spans for x in CORPUS] and stats.heads == 0
    with pytest.raises(ValueError, match="head must be 'first' or 'last', got 'middle'"):
        harmonize_labels(CORPUS, head="middle")  # type: ignore[arg-type]
