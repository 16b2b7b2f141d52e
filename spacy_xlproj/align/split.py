"""Cut a sentence pair that is too long for an aligner into shorter, parallel pieces.

eflomal reads at most 1,023 tokens per sentence: a longer sentence (on either side) is
replaced by an empty one and gets no links, without any message. A "sentence" that long
is almost always several sentences (a paragraph, a list, a document read without
sentence breaks), so the pair is cut where both sides end a sentence, at the same
relative position, and each piece is aligned as a pair of its own. Where the sides do
not end sentences at matching places, the cut falls at the nearest punctuation, or at
the same relative position on both sides as a last resort: a few words next to such a
cut may then be linked to nothing, which is far better than the whole pair unlinked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import accumulate

# A piece of a pair: source words [src_start, src_end) and target words [tgt_start, tgt_end).
Piece = tuple[int, int, int, int]

# Words that end a sentence (a cut after them splits no clause), then weaker breaks.
_STRONG = frozenset({".", "!", "?", ";", "…", "。", "！", "？", "；", "؟", "।", "..."})
_WEAK = frozenset({",", ":", "、", "，", "：", "—", "–", "-"})

# Sentence groups (source sentences, target sentences, cost): one to one is the norm;
# a merged, split or dropped sentence costs about what Gale & Church's priors say.
_BEADS = ((1, 1, 0.0), (2, 1, 2.3), (1, 2, 2.3), (1, 0, 4.6), (0, 1, 4.6), (2, 2, 4.6))
# Variance of the target length per source word (Gale & Church measured 6.8 in characters;
# words vary less: a sentence of 25 words may be translated by 20 to 30).
_VARIANCE = 1.0


def split_pair(src: Sequence[str], tgt: Sequence[str], max_len: int) -> list[Piece]:
    """Cut ``(src, tgt)`` into consecutive pieces with at most ``max_len`` words per side.

    A pair short enough stays whole. A longer one is cut at every place where both
    sides end the same sentence (``_paired_breaks``), so that each piece is what an
    aligner handles best, a sentence and its translation; a piece still too long is
    cut near equal relative positions, at punctuation where there is some.

    src (Sequence[str]): Source words.
    tgt (Sequence[str]): Target words.
    max_len (int): Most words a piece may have on either side (at least 2).
    RETURNS (list[Piece]): The pieces, covering both sides in order without overlap.
    """
    if max_len < 2:
        raise ValueError(f"max_len must be at least 2, got {max_len}")
    n, m = len(src), len(tgt)
    if (n <= max_len and m <= max_len) or not n or not m:
        # Short enough, or nothing to link on one side.
        return [(0, n, 0, m)]
    pieces: list[Piece] = []
    s0 = t0 = 0
    for s1, t1 in [*_paired_breaks(src, tgt), (n, m)]:
        if s1 - s0 <= max_len and t1 - t0 <= max_len:
            pieces.append((s0, s1, t0, t1))
        else:
            cut = _split_evenly(src[s0:s1], tgt[t0:t1], max_len)
            pieces.extend((a + s0, b + s0, c + t0, d + t0) for a, b, c, d in cut)
        s0, t0 = s1, t1
    return pieces


def _split_evenly(src: Sequence[str], tgt: Sequence[str], max_len: int) -> list[Piece]:
    """Cut a pair with no shared sentence end into pieces of similar relative size.

    Pieces aim at half the limit, so that moving a cut to the nearest punctuation (up
    to a quarter piece either way) cannot make one too long; the target's cut follows
    the source's relative position.
    """
    n, m = len(src), len(tgt)
    if not n or not m:
        return _hard_split(0, n, 0, m, max_len)
    k = math.ceil(max(n, m) / (max_len // 2))
    window = 1 / (4 * k)
    pieces: list[Piece] = []
    s0 = t0 = 0
    for c in range(1, k + 1):
        if c < k:
            s1 = _snap(src, n, c / k, window)
            t1 = _snap(tgt, m, s1 / n, window)
        else:
            s1, t1 = n, m
        # Cuts only move forward; one that would not would give an empty piece.
        if s1 <= s0 or t1 <= t0:
            continue
        pieces.extend(_hard_split(s0, s1, t0, t1, max_len))
        s0, t0 = s1, t1
    if s0 < n or t0 < m:
        pieces.extend(_hard_split(s0, n, t0, m, max_len))
    return pieces


def _paired_breaks(src: Sequence[str], tgt: Sequence[str]) -> list[tuple[int, int]]:
    """Sentence ends of ``src`` and ``tgt`` that close the same sentence.

    The sentences of the two sides are aligned by their lengths as Gale & Church (1993)
    align sentences: one sentence to one, to two, or to none, where a translation merged,
    split or dropped one. The cost of a group is its squared length mismatch (in standard
    deviations, expecting the pair's overall length ratio) plus a fixed cost for each
    kind that is not one to one. Only a band around the diagonal is searched, so that a
    pair of many thousands of sentences costs little. The ends between groups are the
    answer, as (source cut, target cut).
    """
    a = _sentence_lengths(src)
    b = _sentence_lengths(tgt)
    p, q = len(a), len(b)
    if p < 2 or q < 2:
        return []
    ratio = len(tgt) / len(src)
    band = max(8, (p + q) // 10)
    cum_a = [0, *accumulate(a)]
    cum_b = [0, *accumulate(b)]
    inf = float("inf")
    cost: dict[tuple[int, int], float] = {(0, 0): 0.0}
    back: dict[tuple[int, int], tuple[int, int]] = {}
    for i in range(p + 1):
        centre = i * q / p
        for j in range(max(0, int(centre) - band), min(q, int(centre) + band) + 1):
            if (i, j) == (0, 0):
                continue
            best, arg = inf, None
            for di, dj, penalty in _BEADS:
                prev = (i - di, j - dj)
                if prev not in cost:
                    continue
                ls, lt = cum_a[i] - cum_a[i - di], cum_b[j] - cum_b[j - dj]
                mismatch = (lt - ls * ratio) ** 2 / (_VARIANCE * max(ls, lt, 1))
                total = cost[prev] + mismatch + penalty
                if total < best:
                    best, arg = total, prev
            if arg is not None:
                cost[i, j], back[i, j] = best, arg
    if (p, q) not in back:
        return []
    ends = []
    cell = back[p, q]
    while cell != (0, 0):
        ends.append((cum_a[cell[0]], cum_b[cell[1]]))
        cell = back[cell]
    return ends[::-1]


def _sentence_lengths(words: Sequence[str]) -> list[int]:
    """Lengths of the sentences of ``words`` (each ends after a strong break)."""
    ends = [*_breaks(words, _STRONG), len(words)]
    return [end - start for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def _breaks(words: Sequence[str], marks: frozenset[str]) -> list[int]:
    """Positions right after a word in ``marks`` (a cut there starts a new piece)."""
    return [i + 1 for i, w in enumerate(words[:-1]) if w in marks]


def _snap(words: Sequence[str], length: int, r: float, window: float) -> int:
    """The cut nearest to ``r * length`` after a strong, else a weak break, else there."""
    ideal = r * length
    reach = window * length
    for marks in (_STRONG, _WEAK):
        near = [p for p in _breaks(words, marks) if abs(p - ideal) <= reach]
        if near:
            return min(near, key=lambda p: abs(p - ideal))
    return max(1, min(length - 1, round(ideal)))


def _hard_split(s0: int, s1: int, t0: int, t1: int, max_len: int) -> list[Piece]:
    """Cut a piece still too long into equal parts (a guard: cuts normally prevent it)."""
    parts = max(math.ceil((s1 - s0) / max_len), math.ceil((t1 - t0) / max_len), 1)
    if parts == 1:
        return [(s0, s1, t0, t1)]
    out = []
    for p in range(parts):
        out.append(
            (
                s0 + (s1 - s0) * p // parts,
                s0 + (s1 - s0) * (p + 1) // parts,
                t0 + (t1 - t0) * p // parts,
                t0 + (t1 - t0) * (p + 1) // parts,
            )
        )
    return out
