"""A same-language word aligner: string matches with a monotonicity prior.

Used by back-translation refinement, where a target sentence is aligned to its own
round-trip translation: most words recur exactly or with small changes (case,
accents, inflection), so string similarity plus a preference for the diagonal
is enough, without any model. The links are the best monotone alignment (dynamic
programming over word similarities minus a distortion penalty) plus exact matches
that the translation moved out of order.

Both steps compare every source word with every target word, so a pair longer than
``max_words`` on either side is first cut where both sides end the same sentence
(``split.split_pair``, as eflomal's long pairs are) and aligned piece by piece: a
5,000-word pair costs about 25 pairs of 200 words instead of one of 25 million cells.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from ..errors import UsageError
from ..registry import aligners
from ..types import Link
from .base import WordPair
from .split import split_pair

# Longest side aligned in one piece: past it, a pair is cut at shared sentence ends.
MAX_WORDS = 200


@lru_cache(maxsize=200_000)
def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _edit_ratio(a: str, b: str) -> float:
    """1 - Levenshtein distance / longer length."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return 1.0 - previous[-1] / len(a)


def word_similarity(a: str, b: str, min_prefix: int = 4, min_edit_ratio: float = 0.75) -> float:
    """Similarity of two words of the same language in [0, 1].

    1.0 exact; 0.95 equal when case-folded; 0.9 equal without accents; a shared prefix
    of at least ``min_prefix`` characters (inflection: ``europeo``/``europea``) or an
    edit ratio of at least ``min_edit_ratio`` scores up to 0.8; otherwise 0.
    """
    if a == b:
        return 1.0
    if a.casefold() == b.casefold():
        return 0.95
    fa, fb = _fold(a), _fold(b)
    if fa == fb:
        return 0.9
    shorter = min(len(fa), len(fb))
    if shorter < 3:
        return 0.0
    prefix = 0
    for x, y in zip(fa, fb, strict=False):
        if x != y:
            break
        prefix += 1
    if prefix >= min_prefix and prefix >= 0.6 * shorter:
        return 0.5 + 0.3 * prefix / max(len(fa), len(fb))
    if abs(len(fa) - len(fb)) <= 0.25 * max(len(fa), len(fb)):
        ratio = _edit_ratio(fa, fb)
        if ratio >= min_edit_ratio:
            return 0.8 * ratio
    return 0.0


def one_to_one(scored: list[tuple[float, float, int, int]]) -> set[Link]:
    """Links chosen greedily from ``(key, tie-break, i, j)`` tuples, best (lowest) first,
    each source and target word used at most once."""
    links: set[Link] = set()
    used_src: set[int] = set()
    used_tgt: set[int] = set()
    for _, _, i, j in sorted(scored):
        if i not in used_src and j not in used_tgt:
            links.add((i, j))
            used_src.add(i)
            used_tgt.add(j)
    return links


class LexicalAligner:
    """Aligns two sentences of the same language by string similarity.

    distortion (float): Penalty per unit of relative position difference
        (``|i/n - j/m|``), which breaks ties between repeated words towards the diagonal.
    min_similarity (float): Word pairs below this similarity are never linked.
    reorder (bool): Also link words outside the monotone path when both are otherwise
        unlinked and at least ``min_moved_similarity`` similar (best pairs first).
    min_moved_similarity (float): The similarity a moved pair needs.
    max_words (int): A pair with more words on either side is cut at the sentence ends
        both sides share and aligned piece by piece (words moved across a cut are then
        not linked).
    """

    name = "lexical"

    def __init__(
        self,
        distortion: float = 0.3,
        min_similarity: float = 0.5,
        reorder: bool = True,
        min_moved_similarity: float = 0.7,
        max_words: int = MAX_WORDS,
    ) -> None:
        if max_words < 2:
            raise UsageError(f"max_words must be at least 2, got {max_words}")
        self.distortion = distortion
        self.min_similarity = min_similarity
        self.reorder = reorder
        self.min_moved_similarity = min_moved_similarity
        self.max_words = max_words

    def align(self, pairs: Sequence[WordPair]) -> list[list[Link]]:
        return [self.align_pair(src, tgt) for src, tgt in pairs]

    def align_pair(self, src: Sequence[str], tgt: Sequence[str]) -> list[Link]:
        """Links of one sentence pair, sorted by source then target index; a pair longer
        than ``max_words`` is aligned in pieces cut at shared sentence ends."""
        links: list[Link] = []
        for s0, s1, t0, t1 in split_pair(src, tgt, self.max_words):
            piece = self._align_piece(src[s0:s1], tgt[t0:t1])
            links.extend((i + s0, j + t0) for i, j in piece)
        return sorted(links)

    def _align_piece(self, src: Sequence[str], tgt: Sequence[str]) -> set[Link]:
        n, m = len(src), len(tgt)
        if not n or not m:
            return set()
        # Words recur (articles, punctuation): each distinct pair is compared once.
        similar: dict[tuple[str, str], float] = {}
        weight = [[0.0] * m for _ in range(n)]
        for i, a in enumerate(src):
            for j, b in enumerate(tgt):
                s = similar.get((a, b))
                if s is None:
                    s = similar[a, b] = word_similarity(a, b)
                if s >= self.min_similarity:
                    w = s - self.distortion * abs(i / n - j / m)
                    weight[i][j] = max(w, 1e-6)
        links = self._monotone(weight, n, m)
        if self.reorder:
            links |= self._moved(src, tgt, links)
        return links

    @staticmethod
    def _monotone(weight: list[list[float]], n: int, m: int) -> set[Link]:
        # Best weighted common subsequence: score[i][j] over src[:i], tgt[:j].
        score = [[0.0] * (m + 1) for _ in range(n + 1)]
        for i in range(1, n + 1):
            row, prev, w_row = score[i], score[i - 1], weight[i - 1]
            for j in range(1, m + 1):
                best = prev[j] if prev[j] >= row[j - 1] else row[j - 1]
                w = w_row[j - 1]
                if w > 0.0 and prev[j - 1] + w > best:
                    best = prev[j - 1] + w
                row[j] = best
        links: set[Link] = set()
        i, j = n, m
        while i > 0 and j > 0:
            w = weight[i - 1][j - 1]
            if w > 0.0 and abs(score[i][j] - (score[i - 1][j - 1] + w)) < 1e-12:
                links.add((i - 1, j - 1))
                i, j = i - 1, j - 1
            elif score[i - 1][j] >= score[i][j - 1]:
                i -= 1
            else:
                j -= 1
        return links

    def _moved(self, src: Sequence[str], tgt: Sequence[str], links: set[Link]) -> set[Link]:
        # Words left unlinked on both sides, paired best-first when clearly similar:
        # the translation moved them (``Unión Europea`` / ``European Union``).
        free_src = [i for i in range(len(src)) if i not in {a for a, _ in links}]
        linked_tgt = {b for _, b in links}
        free_tgt = [j for j in range(len(tgt)) if j not in linked_tgt]
        scored = []
        for i in free_src:
            if not any(c.isalnum() for c in src[i]):
                continue
            for j in free_tgt:
                s = word_similarity(src[i], tgt[j])
                if s >= self.min_moved_similarity:
                    scored.append((-s, abs(i - j), i, j))
        return one_to_one(scored)

    def __repr__(self) -> str:
        return (
            f"LexicalAligner(distortion={self.distortion}, min_similarity={self.min_similarity}, "
            f"reorder={self.reorder}, max_words={self.max_words})"
        )


@aligners.register("spacy_xlproj.LexicalAligner.v1")
def make_lexical_aligner(
    distortion: float = 0.3,
    min_similarity: float = 0.5,
    reorder: bool = True,
    max_words: int = MAX_WORDS,
) -> LexicalAligner:
    """A same-language string-similarity aligner (for back-translation refinement)."""
    return LexicalAligner(
        distortion=distortion,
        min_similarity=min_similarity,
        reorder=reorder,
        max_words=max_words,
    )
