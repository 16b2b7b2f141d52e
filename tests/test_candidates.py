"""Candidate target spans: n-grams, aligned sub-ranges, endpoint pruning, given spans."""

from __future__ import annotations

import numpy as np
import pytest

from spacy_xlproj.project.candidates import (
    Candidates,
    aligned_candidates,
    endpoint_candidates,
    given_candidates,
    ngram_candidates,
    overlaps,
)
from spacy_xlproj.types import Span


def test_ngram_candidates_lists_every_ngram_up_to_max_len():
    cands = ngram_candidates(4, max_len=2)
    assert cands.ranges() == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (2, 4), (3, 4)]
    assert cands.lengths.tolist() == [1, 2, 1, 2, 1, 2, 1]


def test_ngram_candidates_count_matches_formula():
    # n words, lengths 1..L: sum_{l=1..L} (n - l + 1)
    assert len(ngram_candidates(27, max_len=10)) == sum(27 - n + 1 for n in range(1, 11))
    assert len(ngram_candidates(3, max_len=10)) == 6
    assert len(ngram_candidates(0)) == 0


def test_ngram_candidates_rejects_bad_max_len():
    with pytest.raises(ValueError, match="max_len must be >= 1, got 0"):
        ngram_candidates(5, max_len=0)


def test_aligned_candidates_are_subranges_between_outermost_aligned_words():
    links = [(0, 0), (1, 2), (2, 4), (3, 6)]
    cands = aligned_candidates(Span(1, 3, "PER"), links, n_tgt=7)
    assert cands.ranges() == [(2, 3), (2, 4), (2, 5), (3, 4), (3, 5), (4, 5)]
    limited = aligned_candidates((1, 3), links, n_tgt=7, max_len=1)
    assert limited.ranges() == [(2, 3), (3, 4), (4, 5)]


def test_aligned_candidates_empty_for_unaligned_entity():
    assert len(aligned_candidates(Span(1, 2, "LOC"), [(0, 0), (2, 1)], n_tgt=3)) == 0


def test_aligned_candidates_rejects_link_past_target_end():
    with pytest.raises(ValueError, match=r"Link to target word 5 points past the end"):
        aligned_candidates(Span(0, 1, "LOC"), [(0, 5)], n_tgt=3)


def test_endpoint_candidates_start_and_end_on_evidence():
    evidence = np.array(
        [
            [False, True, False, True, False],  # entity 0: words 1 and 3
            [False, False, False, False, True],  # entity 1: word 4
        ]
    )
    cands, allowed = endpoint_candidates(evidence, max_len=10)
    assert cands.ranges() == [(1, 2), (1, 4), (3, 4), (4, 5)]
    assert allowed.tolist() == [[True, True, True, False], [False, False, False, True]]
    short, _ = endpoint_candidates(evidence, max_len=2)
    assert short.ranges() == [(1, 2), (3, 4), (4, 5)]


def test_endpoint_candidates_without_evidence():
    cands, allowed = endpoint_candidates(np.zeros((2, 3), dtype=bool))
    assert len(cands) == 0 and allowed.shape == (2, 0)


def test_given_candidates_deduplicate_and_accept_spans_or_ranges():
    cands = given_candidates([Span(2, 4, "ORG"), (0, 1), Span(2, 4, "LOC")], n_tgt=5)
    assert cands.ranges() == [(0, 1), (2, 4)]


def test_given_candidates_reject_spans_outside_sentence():
    with pytest.raises(
        ValueError,
        match=r"Candidate span \[3, 6\) is empty or outside the target sentence of 5 words",
    ):
        given_candidates([Span(3, 6, "ORG")], n_tgt=5)
    with pytest.raises(ValueError, match=r"Candidate span \[2, 2\) is empty"):
        Candidates.from_ranges([(2, 2)], n_tgt=5)


def test_overlaps():
    cands = Candidates.from_ranges([(0, 2), (1, 3), (2, 4)], n_tgt=4)
    assert overlaps(cands.starts, cands.ends).tolist() == [
        [True, True, False],
        [True, True, True],
        [False, True, True],
    ]
