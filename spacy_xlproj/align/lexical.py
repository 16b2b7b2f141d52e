"""A same-language word aligner: string matches with a monotonicity prior.

Used by back-translation refinement, where a target sentence is aligned to its own
round-trip translation: most words recur exactly or with small changes (case,
accents, inflection), so string similarity plus a preference for the diagonal
is enough, without any model. The links are the best monotone alignment (dynamic
programming over word similarities minus a distortion penalty) plus exact matches
that the translation moved out of order.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from ..registry import aligners
from ..types import Link
from .base import WordPair


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
    """

    name = "lexical"

    def __init__(
        self,
        distortion: float = 0.3,
        min_similarity: float = 0.5,
        reorder: bool = True,
        min_moved_similarity: float = 0.7,
    ) -> None:
        self.distortion = distortion
        self.min_similarity = min_similarity
        self.reorder = reorder
        self.min_moved_similarity = min_moved_similarity

    def align(self, pairs: Sequence[WordPair]) -> list[list[Link]]:
        return [self.align_pair(src, tgt) for src, tgt in pairs]

    def align_pair(self, src: Sequence[str], tgt: Sequence[str]) -> list[Link]:
        """Links of one sentence pair, sorted by source then target index."""
        n, m = len(src), len(tgt)
        if not n or not m:
            return []
        weight = [[0.0] * m for _ in range(n)]
        for i, a in enumerate(src):
            for j, b in enumerate(tgt):
                s = word_similarity(a, b)
                if s >= self.min_similarity:
                    w = s - self.distortion * abs(i / n - j / m)
                    weight[i][j] = max(w, 1e-6)
        links = self._monotone(weight, n, m)
        if self.reorder:
            links |= self._moved(src, tgt, links)
        return sorted(links)

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
            f"reorder={self.reorder})"
        )


@aligners.register("spacy_xlproj.LexicalAligner.v1")
def make_lexical_aligner(
    distortion: float = 0.3, min_similarity: float = 0.5, reorder: bool = True
) -> LexicalAligner:
    """A same-language string-similarity aligner (for back-translation refinement)."""
    return LexicalAligner(distortion=distortion, min_similarity=min_similarity, reorder=reorder)
