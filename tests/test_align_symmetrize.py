"""Symmetrisation heuristics on hand-worked examples, and on the shared eflomal files."""

from __future__ import annotations

import pytest

from spacy_xlproj.align.symmetrize import (
    get_symmetrizer,
    grow_diag,
    grow_diag_final_and,
    intersect,
    union,
)

# A 4 x 4 example, source words s0..s3, target words t0..t3.
#   forward (each target word -> one source word): t0-s0, t1-s1, t2-s1, t3-s3
#   reverse (each source word -> one target word): s0-t0, s1-t2, s2-t2, s3-t3
FORWARD = [(0, 0), (1, 1), (1, 2), (3, 3)]
REVERSE = [(0, 0), (1, 2), (2, 2), (3, 3)]


def test_intersect_and_union():
    assert intersect(FORWARD, REVERSE) == [(0, 0), (1, 2), (3, 3)]
    assert union(FORWARD, REVERSE) == [(0, 0), (1, 1), (1, 2), (2, 2), (3, 3)]


def test_grow_diag_hand_worked():
    # Intersection: (0,0) (1,2) (3,3); aligned source {0,1,3}, target {0,2,3}.
    # Pass over (0,0): neighbours (1,0) (0,1) (1,1)… only (1,1) is in the union, and
    #   t1 is unaligned -> add (1,1).
    # (1,1): neighbour (2,2) is in the union, s2 unaligned -> add (2,2).
    # Every union link is now in: the result is the union here.
    assert grow_diag(FORWARD, REVERSE) == [(0, 0), (1, 1), (1, 2), (2, 2), (3, 3)]


def test_grow_diag_only_adds_next_to_existing_links():
    # (3,0) is in the union but not next to any intersection link: grow-diag skips it,
    # final-and adds it since both s3 and t0 are unaligned.
    forward = [(0, 1), (3, 0)]
    reverse = [(0, 1)]
    assert grow_diag(forward, reverse) == [(0, 1)]
    assert grow_diag_final_and(forward, reverse) == [(0, 1), (3, 0)]


def test_grow_diag_needs_an_unaligned_word():
    # (1,1) neighbours (0,0) but both s1 and t1 are already aligned (to t2 and s2):
    # a union link between two aligned words is never added.
    forward = [(0, 0), (1, 1), (1, 2), (2, 1)]
    reverse = [(0, 0), (1, 2), (2, 1)]
    assert grow_diag(forward, reverse) == [(0, 0), (1, 2), (2, 1)]


def test_final_and_requires_both_words_unaligned():
    # Intersection (0,0). (2,3) from forward: s2, t3 unaligned -> added by final-and.
    # (2,4) from reverse: s2 is aligned by then -> not added ("and": both unaligned).
    forward = [(0, 0), (2, 3)]
    reverse = [(0, 0), (2, 4)]
    assert grow_diag_final_and(forward, reverse) == [(0, 0), (2, 3)]


def test_final_and_visits_both_directions_in_source_order():
    # Forward (5,1) and reverse (3,1) compete for t1. Visiting the links of both
    # directions in one source-major pass takes (3,1) first (fast_align's atools);
    # visiting all forward links first would take (5,1).
    forward = [(0, 0), (5, 1)]
    reverse = [(0, 0), (3, 1)]
    assert grow_diag_final_and(forward, reverse) == [(0, 0), (3, 1)]


def test_empty_and_one_sided():
    assert grow_diag_final_and([], []) == []
    assert intersect([(0, 0)], []) == []
    assert grow_diag_final_and([(0, 0), (1, 1)], []) == [(0, 0), (1, 1)]


def test_get_symmetrizer():
    assert get_symmetrizer("gdfa") is grow_diag_final_and
    assert get_symmetrizer("grow-diag-final-and") is grow_diag_final_and
    with pytest.raises(ValueError) as err:
        get_symmetrizer("gdf")
    assert str(err.value) == (
        "Unknown symmetrisation 'gdf'. Choose one of: gdfa, grow-diag, grow-diag-final-and, "
        "intersect, union."
    )


def test_reproduces_shared_eflomal_symmetrisations(shared_data):
    """The shared intersect and gdfa files were made from the shared fwd/rev files."""
    from spacy_xlproj.io import read_pharaoh

    folder = shared_data / "alignments"
    fwd = read_pharaoh(folder / "europarl.en-es.eflomal-fwd.txt")
    rev = read_pharaoh(folder / "europarl.en-es.eflomal-rev.txt")
    gdfa = read_pharaoh(folder / "europarl.en-es.eflomal-gdfa.txt")
    inter = read_pharaoh(folder / "europarl.en-es.eflomal-inter.txt")
    assert len(fwd) == len(rev) == len(gdfa) == len(inter) == 799
    assert [intersect(f, r) for f, r in zip(fwd, rev, strict=True)] == inter
    assert [grow_diag_final_and(f, r) for f, r in zip(fwd, rev, strict=True)] == gdfa
