"""LinkRefiner: punctuation links, string anchoring, edge trimming (hand-worked examples)."""

from __future__ import annotations

from spacy_xlproj.project.refine import LinkRefiner, is_cap, is_punct

SRC = ["I", "met", "Romano", "Prodi", "in", "Brussels", "."]
TGT = ["Conocí", "a", "Romano", "Prodi", "en", "Bruselas", "."]


def test_word_classes():
    assert is_punct("«") and is_punct("...") and not is_punct("") and not is_punct("a.")
    assert is_cap("Ésta") and not is_cap("ésta") and not is_cap("1999") and not is_cap("")


def test_verbatim_names_are_anchored_over_wrong_links():
    refiner = LinkRefiner(SRC, TGT)
    links = [(0, 0), (2, 1), (3, 3), (3, 6), (5, 6)]
    assert refiner.refine_links(2, 4, links) == [(2, 2), (3, 3)]


def test_cognates_are_anchored_and_punctuation_links_dropped():
    refiner = LinkRefiner(SRC, TGT)
    # "Brussels" ~ "Bruselas" (similarity 0.875) replaces the link to "."
    assert refiner.anchors(5) == [5]
    assert refiner.refine_links(5, 6, [(5, 6)]) == [(5, 5)]


def test_lower_case_words_keep_their_links_minus_punctuation():
    src = ["the", "euro", "area"]
    tgt = ["la", "zona", ",", "euro"]
    refiner = LinkRefiner(src, tgt)
    assert refiner.refine_links(1, 3, [(0, 0), (1, 3), (1, 2), (2, 1)]) == [(1, 3), (2, 1)]
    # A punctuation entity word keeps its link to punctuation.
    refiner = LinkRefiner(["(", "CEN", ")"], ["(", "CEN", ")"])
    assert refiner.refine_links(0, 3, [(0, 0), (1, 0), (2, 2)]) == [(0, 0), (1, 1), (2, 2)]


def test_repeated_names_pair_up_in_order_or_follow_the_aligner():
    refiner = LinkRefiner(["Smith", "met", "Smith"], ["Smith", "vio", "a", "Smith"])
    assert refiner.refine_links(2, 3, [(2, 0)]) == [(2, 3)]
    assert refiner.refine_links(0, 1, [(0, 3)]) == [(0, 0)]
    # Two target copies for one source copy: keep the aligner's links among them.
    refiner = LinkRefiner(["Smith", "met", "Jones"], ["Smith", "y", "Smith"])
    assert refiner.refine_links(0, 1, [(0, 2), (0, 1)]) == [(0, 2)]
    # No link on any copy: the aligner's links stay.
    assert refiner.refine_links(0, 1, [(0, 1)]) == [(0, 1)]


def test_unaligned_entity_words_stay_unaligned():
    refiner = LinkRefiner(SRC, TGT)
    assert refiner.refine_links(4, 5, [(3, 3)]) == []


def test_trim_drops_articles_and_punctuation_at_name_edges():
    src = ["the", "Structural", "Funds"]
    refiner = LinkRefiner(src, ["los", "Fondos", "Estructurales", ","])
    assert refiner.trim(1, 3, (0, 4)) == (1, 3)
    # Longer lower-case words may be part of the name.
    refiner = LinkRefiner(["Member", "States"], ["los", "Estados", "miembros", "."])
    assert refiner.trim(0, 2, (0, 4)) == (1, 3)
    # Nothing but punctuation: nothing is left.
    assert refiner.trim(0, 2, (3, 4)) is None


def test_trim_keeps_the_entitys_own_punctuation_and_lower_case_entities():
    refiner = LinkRefiner(["(", "CEN", ")"], ["(", "CEN", ")", "."])
    # The entity starts and ends on punctuation: punctuation at either edge stays ...
    assert refiner.trim(0, 3, (0, 3)) == (0, 3)
    assert refiner.trim(0, 3, (0, 4)) == (0, 4)
    # ... while the entity "CEN" alone sheds it.
    assert refiner.trim(1, 2, (0, 4)) == (1, 2)
    # A lower-case entity keeps short lower-case edge words.
    refiner = LinkRefiner(["the", "euro"], ["el", "euro", "."])
    assert refiner.trim(0, 2, (0, 3)) == (0, 2)
