"""Entity scores and projection statistics."""

from __future__ import annotations

import pytest

from spacy_xlproj.evaluate import PRF, ProjectionStats, entity_scores
from spacy_xlproj.types import Dropped, DropReason, ProjectedSpan, Projection, Span


def test_entity_scores_exact_span_and_label_match():
    gold = [[Span(0, 2, "PER"), Span(4, 5, "LOC")], [Span(1, 2, "ORG")]]
    pred = [[Span(0, 2, "PER"), Span(4, 5, "ORG")], [Span(1, 3, "ORG")]]
    scores = entity_scores(pred, gold)
    assert scores.micro == PRF(1 / 3, 1 / 3, pytest.approx(1 / 3), 1, 2, 2)
    assert scores.per_label["PER"] == PRF(1.0, 1.0, 1.0, 1, 0, 0)
    assert scores.per_label["LOC"] == PRF(0.0, 0.0, 0.0, 0, 0, 1)
    assert scores.per_label["ORG"] == PRF(0.0, 0.0, 0.0, 0, 2, 1)
    assert scores.to_dict()["micro"]["tp"] == 1
    assert sorted(scores.to_dict()["per_label"]) == ["LOC", "ORG", "PER"]


def test_entity_scores_table_is_aligned():
    scores = entity_scores([[Span(0, 1, "PER")]], [[Span(0, 1, "PER"), Span(2, 3, "LOC")]])
    assert scores.table().splitlines() == [
        "label       P       R      F1      TP      FP      FN",
        "-----------------------------------------------------",
        "LOC    0.0000  0.0000  0.0000       0       0       1",
        "PER    1.0000  1.0000  1.0000       1       0       0",
        "micro  1.0000  0.5000  0.6667       1       0       1",
    ]


def test_entity_scores_rejects_different_sentence_counts():
    with pytest.raises(ValueError) as err:
        entity_scores([[]], [[], []])
    assert str(err.value) == (
        "Cannot score 1 predicted sentences against 2 gold sentences: "
        "the two must have the same number of sentences."
    )


def test_projection_stats_accumulate_and_merge():
    src = [Span(0, 1, "PER"), Span(2, 4, "ORG"), Span(5, 6, "LOC")]
    proj = Projection(
        spans=[ProjectedSpan(0, 1, "PER", 0, 1.0), ProjectedSpan(3, 5, "ORG", 1, 0.5)],
        dropped=[Dropped(2, DropReason.UNALIGNED)],
    )
    stats = ProjectionStats()
    stats.add(src, proj)
    stats.add([Span(0, 1, "LOC")], Projection(dropped=[Dropped(0, DropReason.LENGTH_RATIO)]))
    stats.add([], Projection())
    other = ProjectionStats()
    other.add_sentence_dropped("translation_failed", [Span(0, 1, "PER")])
    stats.merge(other)
    assert stats.to_dict() == {
        "sentences": 4,
        "source_entities": 5,
        "projected": 2,
        "projected_spans": 2,
        "dropped": {"length_ratio": 1, "translation_failed": 1, "unaligned": 1},
        "sentences_dropped": {"translation_failed": 1},
        "source_per_label": {"LOC": 2, "ORG": 1, "PER": 2},
        "projected_per_label": {"ORG": 1, "PER": 1},
        "average_confidence": 0.75,
        "sentences_unprojected": 2,
        "seconds": 0.0,
    }
    table = stats.table()
    assert "projected entities                       2 (40.0%)" in table
    assert "dropped: unaligned                       1" in table
    assert "label PER                                1/2 (50.0%)" in table


def test_one_entity_with_two_spans_counts_once():
    stats = ProjectionStats()
    proj = Projection(
        spans=[ProjectedSpan(0, 1, "LOC", 0, 1.0), ProjectedSpan(3, 4, "LOC", 0, 0.5)]
    )
    stats.add([Span(0, 1, "LOC")], proj)
    assert (stats.projected, stats.projected_spans, stats.average_confidence) == (1, 2, 0.75)


def test_taught_quality_counts_what_a_student_learns():
    from spacy_xlproj.evaluate import taught_quality

    # Sentence 1: "Juan vive en Nueva York ." gold PER 0-1, LOC 3-5.
    # Accepted: PER 0-1 (right); "Nueva York" left missing.
    # Sentence 2: "la ONU y Madrid" gold ORG 1-2, LOC 3-4.
    # Accepted: LOC 1-2 (wrong label); "Madrid" annotated O: taught to miss it.
    spans = [[Span(0, 1, "PER")], [Span(1, 2, "LOC")]]
    missing = [[False, False, False, True, True, False], [False, False, False, False]]
    gold = [[Span(0, 1, "PER"), Span(3, 5, "LOC")], [Span(1, 2, "ORG"), Span(3, 4, "LOC")]]
    q = taught_quality(spans, missing, gold)
    assert (q.accepted.micro.tp, q.accepted.micro.fp, q.accepted.micro.fn) == (1, 1, 3)
    assert q.gold_entities == 4
    assert q.gold_left_missing == 1
    assert q.gold_taught_outside == 1
    assert (q.words, q.missing_words) == (10, 2)
    assert q.table().splitlines()[1] == "gold entities: 4; taught as O 1, left missing 1"


def test_taught_quality_rejects_other_sentence_counts():
    from spacy_xlproj.evaluate import taught_quality

    with pytest.raises(ValueError, match="pseudo-label the gold file itself"):
        taught_quality([[]], [[False]], [[], []])


def test_taught_quality_ignores_labels_the_gold_set_does_not_use():
    from spacy_xlproj.evaluate import taught_quality

    # "Juan es español": gold (PER, ORG, LOC only) has PER 0-1. The accepted MISC 2-3
    # can be neither confirmed nor refuted: its word counts as missing, not as a wrong
    # span. A gold MISC is not scored either.
    spans = [[Span(0, 1, "PER"), Span(2, 3, "MISC")]]
    missing = [[False, False, False]]
    gold = [[Span(0, 1, "PER"), Span(1, 2, "MISC")]]
    q = taught_quality(spans, missing, gold, labels={"PER", "ORG", "LOC"})
    assert (q.accepted.micro.tp, q.accepted.micro.fp, q.accepted.micro.fn) == (1, 0, 0)
    assert (q.gold_entities, q.missing_words) == (1, 1)
    assert missing == [[False, False, False]]  # the caller's masks are not changed
    everything = taught_quality(spans, missing, gold)
    assert (everything.accepted.micro.tp, everything.accepted.micro.fp) == (1, 1)
    assert (everything.gold_entities, everything.gold_taught_outside) == (2, 1)
