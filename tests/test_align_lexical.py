"""The lexical (same-language) aligner on long pairs (issue 25, case 12).

A pair longer than ``max_words`` on either side is cut where both sides end the same
sentence (``align.split.split_pair``, as eflomal's pairs are) and aligned piece by
piece, so its cost grows with the length, not its square.
"""

from __future__ import annotations

from spacy_xlproj.align.lexical import MAX_WORDS, LexicalAligner
from spacy_xlproj.registry import aligners

SRC = ["Anna", "visits", "Lisbon", ".", "The", "mayor", "opens", "it", "."]
# "Anna" moved into the second sentence; "today" added; "it" dropped.
TGT = ["visits", "Lisbon", "today", ".", "The", "mayor", "Anna", "opens", "."]
IN_ORDER = [(1, 0), (2, 1), (3, 3), (4, 4), (5, 5), (6, 7), (8, 8)]


def test_short_pair_is_aligned_whole() -> None:
    # Whole, the moved name is linked across the sentence end.
    assert LexicalAligner().align_pair(SRC, TGT) == sorted([*IN_ORDER, (0, 6)])


def test_long_pair_is_split_at_the_shared_sentence_end() -> None:
    # Longer than max_words: cut after the first "." on both sides, each sentence
    # aligned alone, links shifted back to the pair's positions; the name that moved
    # across the cut is not linked.
    assert LexicalAligner(max_words=5).align_pair(SRC, TGT) == IN_ORDER


def test_split_pieces_keep_their_offsets_over_many_sentences() -> None:
    sentence = ["the", "council", "opens", "the", "bridge", "."]
    src = sentence * 50  # 300 words
    tgt = [w.capitalize() if w == "bridge" else w for w in src]
    links = LexicalAligner(max_words=20).align_pair(src, tgt)
    assert links == [(i, i) for i in range(len(src))]
    assert MAX_WORDS == 200 and len(src) > MAX_WORDS
    assert LexicalAligner().align_pair(src, tgt) == links


def test_registered_function_takes_max_words() -> None:
    aligner = aligners.get("spacy_xlproj.LexicalAligner.v1")(max_words=50)
    assert aligner.max_words == 50
    assert aligner.align([(SRC, TGT)]) == [LexicalAligner(max_words=50).align_pair(SRC, TGT)]
