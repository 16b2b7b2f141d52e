"""argmax, itermax and match on hand-made similarity matrices (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from spacy_xlproj.align.simalign import argmax, itermax, match, similarity


def test_argmax_is_mutual():
    sim = np.array(
        [
            [0.9, 0.1, 0.2],
            [0.8, 0.3, 0.1],  # row 1 prefers column 0, which prefers row 0
            [0.1, 0.2, 0.7],
        ]
    )
    assert argmax(sim) == [(0, 0), (2, 2)]


def test_argmax_ties_go_to_the_first_index():
    sim = np.array([[0.5, 0.5], [0.5, 0.5]])
    assert argmax(sim) == [(0, 0)]


# Rows 1 and 3 lose the mutual argmax to rows 0 and 2.
SIM_4X3 = np.array(
    [
        [0.9, 0.2, 0.1],
        [0.8, 0.6, 0.1],
        [0.1, 0.3, 0.7],
        [0.2, 0.5, 0.6],
    ]
)


def test_itermax_hand_worked():
    # Round 1 (argmax): (0,0), (2,2). Unaligned: rows 1, 3 and column 1.
    # Weights: 1 where row and column are free, 0.9 where one is, 0 where neither:
    #   row 0: [0, .9*.2, 0]        = [0,   .18, 0  ]
    #   row 1: [.9*.8, .6, .9*.1]   = [.72, .6,  .09]
    #   row 2: [0, .9*.3, 0]        = [0,   .27, 0  ]
    #   row 3: [.9*.2, .5, .9*.6]   = [.18, .5,  .54]
    # Row argmax: 1, 0, 1, 2; column argmax: row 1, row 1, row 3.
    # Mutual: (1,0) and (3,2), both with a free word -> added.
    assert itermax(SIM_4X3) == [(0, 0), (1, 0), (2, 2), (3, 2)]
    assert argmax(SIM_4X3) == [(0, 0), (2, 2)]


def test_itermax_max_count_one_is_argmax():
    assert itermax(SIM_4X3, max_count=1) == argmax(SIM_4X3)


def test_itermax_alpha_ratio_changes_the_second_round():
    # With alpha 0.5 the second round scores
    #   row 0: [0, .1, 0]; row 1: [.4, .6, .05]; row 2: [0, .15, 0]; row 3: [.1, .5, .3]
    # Row argmax: 1, 1, 1, 1; column argmax: row 1, row 1, row 3 -> only (1,1) is mutual.
    assert itermax(SIM_4X3, alpha_ratio=0.5) == [(0, 0), (1, 1), (2, 2)]


def test_itermax_small_matrices_give_argmax():
    sim = np.array([[0.9, 0.8, 0.7], [0.95, 0.1, 0.2]])
    assert itermax(sim) == argmax(sim) == [(1, 0)]


def test_itermax_stops_when_a_side_is_fully_aligned():
    sim = np.eye(3) * 0.5 + 0.25
    assert itermax(sim) == [(0, 0), (1, 1), (2, 2)]


def test_match_beats_greedy():
    sim = np.array(
        [
            [0.9, 0.8, 0.0],
            [0.85, 0.1, 0.0],
            [0.0, 0.0, 0.5],
        ]
    )
    # Greedy would take (0,0) and then (1,1): 1.0; the best matching is 1.65.
    assert match(sim) == [(0, 1), (1, 0), (2, 2)]
    assert match(sim[:2]) == [(0, 1), (1, 0)]


@pytest.mark.parametrize("fn", [argmax, itermax, match])
def test_empty_matrices(fn):
    assert fn(np.zeros((0, 3))) == []
    assert fn(np.zeros((2, 0))) == []


def test_similarity_is_rescaled_cosine():
    src = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]], dtype=np.float32)
    tgt = np.array([[3.0, 0.0], [-1.0, 0.0]], dtype=np.float32)
    expected = np.array([[1.0, 0.0], [0.5, 0.5], [0.5, 0.5]], dtype=np.float32)
    np.testing.assert_allclose(similarity(src, tgt), expected)
