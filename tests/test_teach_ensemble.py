"""Span-level voting of teachers (``spacy_xlproj.teach.ensemble``) on hand-made spans."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacy_xlproj.teach.ensemble import ScoredSpan, combine, ranges


def S(start: int, end: int, label: str, confidence: float = 1.0) -> ScoredSpan:
    return ScoredSpan(start, end, label, confidence)


def test_unanimous_spans_are_accepted_with_mean_confidence():
    a = [S(0, 2, "PER", 0.8), S(4, 5, "LOC")]
    b = [S(0, 2, "PER", 0.6), S(4, 5, "LOC")]
    result = combine([a, b])
    assert result.spans == [S(0, 2, "PER", pytest.approx(0.7)), S(4, 5, "LOC", 1.0)]
    assert result.uncertain == []
    assert result.disagreements == 0
    assert result.accepted_by == [2, 2]


def test_default_agreement_needs_every_teacher():
    # The label differs on "Madrid" and only one teacher finds word 7: both uncertain.
    a = [S(0, 2, "PER"), S(4, 5, "LOC"), S(7, 8, "MISC")]
    b = [S(0, 2, "PER"), S(4, 5, "ORG")]
    result = combine([a, b])
    assert result.spans == [S(0, 2, "PER")]
    assert result.uncertain == [4, 7]
    assert (result.below_agreement, result.overlapping) == (3, 0)
    assert result.accepted_by == [1, 1]


def test_boundary_disagreement_makes_the_union_uncertain():
    result = combine([[S(1, 3, "ORG")], [S(1, 4, "ORG")]])
    assert result.spans == []
    assert result.uncertain == [1, 2, 3]


def test_majority_accepts_and_covers_the_minority_span():
    a = [S(4, 5, "LOC")]
    b = [S(4, 5, "LOC")]
    c = [S(4, 5, "ORG"), S(6, 8, "ORG")]
    result = combine([a, b, c], agreement=0.5)
    # 2/3 for LOC; ORG's word 4 lies inside the accepted span, 6-7 are only c's.
    assert result.spans == [S(4, 5, "LOC", pytest.approx(2 / 3))]
    assert result.uncertain == [6, 7]
    assert result.below_agreement == 2
    # 2/3 is not enough for agreement=0.7, and a share of exactly 2/3 is enough for 2/3.
    assert combine([a, b, c], agreement=0.7).spans == []
    assert combine([a, b, c], agreement=2 / 3).spans == [S(4, 5, "LOC", pytest.approx(2 / 3))]


def test_weights_decide_the_share_and_the_confidence():
    a = [S(0, 2, "PER", 0.9)]
    b = [S(0, 2, "ORG", 0.6)]
    # a weighs 2 of 3: its span has share 2/3, b's 1/3.
    result = combine([a, b], [2.0, 1.0], agreement=0.6)
    assert result.spans == [S(0, 2, "PER", pytest.approx(2 * 0.9 / 3))]
    assert result.uncertain == []
    assert result.accepted_by == [1, 0]
    both = combine([a, [S(0, 2, "PER", 0.6)]], [2.0, 1.0])
    assert both.spans == [S(0, 2, "PER", pytest.approx((2 * 0.9 + 0.6) / 3))]


def test_overlapping_candidates_keep_the_most_confident():
    a = [S(0, 2, "PER", 0.9)]
    b = [S(1, 3, "PER", 0.5)]
    result = combine([a, b], agreement=0.5)
    assert result.spans == [S(0, 2, "PER", pytest.approx(0.45))]
    assert result.uncertain == [2]
    assert (result.below_agreement, result.overlapping) == (0, 1)


def test_ties_break_by_length_then_position_then_label():
    # Same share and confidence: the longer span wins, whatever the teacher order.
    for order in ([[S(0, 1, "PER")], [S(0, 3, "PER")]], [[S(0, 3, "PER")], [S(0, 1, "PER")]]):
        assert combine(order, agreement=0.5).spans == [S(0, 3, "PER", 0.5)]
    # Same length: the earlier span, then the label in alphabetical order.
    assert combine([[S(1, 3, "X")], [S(0, 2, "X")]], agreement=0.5).spans == [S(0, 2, "X", 0.5)]
    assert combine([[S(0, 2, "PER")], [S(0, 2, "LOC")]], agreement=0.5).spans == [
        S(0, 2, "LOC", 0.5)
    ]


def test_confidence_vote_weighs_each_vote_by_its_confidence():
    a = [S(0, 2, "PER", 0.8)]
    b = [S(0, 2, "PER", 0.8)]
    assert combine([a, b], vote="weight").spans == [S(0, 2, "PER", pytest.approx(0.8))]
    # The share is now 0.8: below 1.0 and 0.9, enough for 0.8.
    assert combine([a, b], vote="confidence").spans == []
    assert combine([a, b], vote="confidence").uncertain == [0, 1]
    assert combine([a, b], vote="confidence", agreement=0.9).spans == []
    assert combine([a, b], vote="confidence", agreement=0.8).spans == [
        S(0, 2, "PER", pytest.approx(0.8))
    ]


def test_a_teachers_duplicates_count_once_at_their_best_confidence():
    a = [S(0, 2, "PER", 0.2), S(0, 2, "PER", 0.6)]
    result = combine([a, []], agreement=0.5)
    assert result.spans == [S(0, 2, "PER", pytest.approx(0.3))]
    assert result.accepted_by == [1, 0]


def test_confidence_outside_0_1_is_clipped():
    assert combine([[S(0, 1, "PER", 1.7)]]).spans == [S(0, 1, "PER", 1.0)]
    assert combine([[S(0, 1, "PER", -0.5)]]).spans == [S(0, 1, "PER", 0.0)]


def test_no_teacher_spans():
    result = combine([[], []])
    assert (result.spans, result.uncertain, result.disagreements) == ([], [], 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"agreement": 0.0}, "agreement must be above 0"),
        ({"agreement": 1.5}, "agreement must be above 0"),
        ({"weights": [1.0, 0.0]}, "weights must be finite numbers above 0"),
        ({"weights": [1.0]}, "1 weights for 2 teachers"),
        ({"vote": "max"}, "vote must be one of weight, confidence"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    weights = kwargs.pop("weights", None)
    with pytest.raises(ValueError, match=message):
        combine([[], []], weights, **kwargs)


def test_empty_span_is_refused():
    with pytest.raises(ValueError, match="at least one word"):
        combine([[S(2, 2, "PER")]])


def test_ranges():
    assert ranges([]) == []
    assert ranges([1, 2, 5]) == [(1, 3), (5, 6)]
    assert ranges([0, 1, 2, 3]) == [(0, 4)]


# -- properties ------------------------------------------------------------------------

N_WORDS = 12
LABELS = ("PER", "ORG", "LOC")
# Dyadic confidences and integer weights: sums are exact in floating point, so that
# reordering the teachers cannot turn a tie into a win.
confidences = st.sampled_from([0.25, 0.5, 0.75, 1.0])


@st.composite
def spans(draw: st.DrawFn) -> ScoredSpan:
    start = draw(st.integers(0, N_WORDS - 1))
    end = draw(st.integers(start + 1, min(N_WORDS, start + 4)))
    return ScoredSpan(start, end, draw(st.sampled_from(LABELS)), draw(confidences))


@st.composite
def non_overlapping(draw: st.DrawFn) -> list[ScoredSpan]:
    out: list[ScoredSpan] = []
    taken: set[int] = set()
    for span in draw(st.lists(spans(), max_size=5)):
        if not taken & set(range(span.start, span.end)):
            taken |= set(range(span.start, span.end))
            out.append(span)
    return sorted(out)


teachers = st.lists(st.lists(spans(), max_size=6), min_size=1, max_size=4)
agreements = st.sampled_from([0.25, 1 / 3, 0.5, 2 / 3, 0.75, 1.0])


def _words(span_list) -> set[int]:
    return {i for s in span_list for i in range(s.start, s.end)}


@settings(max_examples=150, deadline=None)
@given(teachers, agreements, st.sampled_from(["weight", "confidence"]))
def test_accepted_spans_never_overlap_and_were_proposed(proposals, agreement, vote):
    result = combine(proposals, agreement=agreement, vote=vote)
    covered = [i for s in result.spans for i in range(s.start, s.end)]
    assert len(covered) == len(set(covered))
    assert result.spans == sorted(result.spans)
    proposed = {s.key for teacher in proposals for s in teacher}
    assert {s.key for s in result.spans} <= proposed
    for span in result.spans:
        assert 0.0 <= span.confidence <= 1.0
    # Uncertain words: proposed somewhere, never inside an accepted span.
    assert set(result.uncertain) <= _words(s for t in proposals for s in t)
    assert not set(result.uncertain) & set(covered)
    assert result.uncertain == sorted(set(result.uncertain))
    assert result.disagreements == len(proposed) - len(result.spans)


@settings(max_examples=150, deadline=None)
@given(teachers)
def test_full_agreement_accepts_only_what_every_teacher_proposed(proposals):
    result = combine(proposals)
    for span in result.spans:
        assert all(span.key in {s.key for s in teacher} for teacher in proposals)


@settings(max_examples=100, deadline=None)
@given(non_overlapping())
def test_one_teacher_at_full_agreement_is_returned_unchanged(teacher):
    result = combine([teacher])
    assert result.spans == teacher
    assert result.uncertain == []
    assert result.disagreements == 0


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.lists(spans(), max_size=5), st.integers(1, 3)), min_size=1, max_size=4),
    agreements,
    st.randoms(use_true_random=False),
)
def test_teacher_order_does_not_matter(weighted, agreement, random):
    shuffled = list(weighted)
    random.shuffle(shuffled)
    one = combine([t for t, _ in weighted], [w for _, w in weighted], agreement=agreement)
    two = combine([t for t, _ in shuffled], [w for _, w in shuffled], agreement=agreement)
    assert (one.spans, one.uncertain) == (two.spans, two.uncertain)
