"""Candidate target spans for matching projection.

A candidate is a half-open range ``[start, end)`` of target words that a source entity
may be projected onto. Candidates are kept as two parallel integer arrays so that the
score functions in ``scores.py`` can evaluate all of them at once. Three sources:

* ``ngram_candidates``: every n-gram of the target sentence up to ``max_len`` words;
* ``aligned_candidates``: the sub-ranges between the leftmost and rightmost target
  words aligned to one entity;
* ``given_candidates``: spans found by a target-language NER model.

``endpoint_candidates`` is the pruned form of the n-gram set that the matching projector
uses when every fused score is *trimmable* (see its docstring): it produces exactly the
n-grams that can be part of an optimal matching, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..types import Link, Span


@dataclass(frozen=True)
class Candidates:
    """Target word ranges ``[starts[i], ends[i])``, unique and sorted by (start, end)."""

    starts: np.ndarray
    ends: np.ndarray

    def __len__(self) -> int:
        return int(self.starts.shape[0])

    @property
    def lengths(self) -> np.ndarray:
        return self.ends - self.starts

    def ranges(self) -> list[tuple[int, int]]:
        """The candidates as a list of ``(start, end)`` tuples."""
        return list(zip(self.starts.tolist(), self.ends.tolist(), strict=True))

    @classmethod
    def from_ranges(cls, ranges: Iterable[tuple[int, int]], n_tgt: int) -> Candidates:
        """Build a candidate set from ``(start, end)`` pairs, dropping duplicates.

        ranges (Iterable[tuple[int, int]]): Half-open word ranges.
        n_tgt (int): Number of target words; every range must lie inside ``[0, n_tgt]``.
        RETURNS (Candidates): The unique ranges sorted by (start, end).
        """
        arr = np.asarray(list(ranges), dtype=np.int64).reshape(-1, 2)
        if arr.shape[0] == 0:
            return empty_candidates()
        bad = (arr[:, 0] < 0) | (arr[:, 1] <= arr[:, 0]) | (arr[:, 1] > n_tgt)
        if bad.any():
            start, end = arr[int(np.argmax(bad))].tolist()
            raise ValueError(
                f"Candidate span [{start}, {end}) is empty or outside the target sentence "
                f"of {n_tgt} words. Candidates must satisfy 0 <= start < end <= {n_tgt}."
            )
        return _unique(arr[:, 0], arr[:, 1], n_tgt)


def empty_candidates() -> Candidates:
    """A candidate set with no candidates."""
    return Candidates(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def _unique(starts: np.ndarray, ends: np.ndarray, n_tgt: int) -> Candidates:
    # One integer key per range sorts by (start, end) and removes duplicates in one call.
    keys = np.unique(starts * (n_tgt + 1) + ends)
    return Candidates(keys // (n_tgt + 1), keys % (n_tgt + 1))


def ngram_candidates(n_tgt: int, max_len: int = 10) -> Candidates:
    """Every n-gram of a target sentence with ``n_tgt`` words, up to ``max_len`` words long.

    n_tgt (int): Number of target words.
    max_len (int): Longest candidate, in words.
    RETURNS (Candidates): The n-grams sorted by (start, end).
    """
    if max_len < 1:
        raise ValueError(f"max_len must be >= 1, got {max_len}")
    if n_tgt <= 0:
        return empty_candidates()
    lengths = np.arange(1, min(max_len, n_tgt) + 1)
    starts = np.repeat(np.arange(n_tgt), lengths.shape[0])
    ends = starts + np.tile(lengths, n_tgt)
    keep = ends <= n_tgt
    return Candidates(starts[keep], ends[keep])


def aligned_targets(
    entity: Span | tuple[int, int], links: Iterable[Link], n_tgt: int | None = None
) -> list[int]:
    """The sorted target word indices linked to any word of ``entity``."""
    start, end = (entity.start, entity.end) if isinstance(entity, Span) else entity
    targets = sorted({t for s, t in links if start <= s < end})
    if n_tgt is not None and targets and targets[-1] >= n_tgt:
        raise ValueError(
            f"Link to target word {targets[-1]} points past the end of the target sentence "
            f"({n_tgt} words). Check that the alignment file matches the sentences."
        )
    return targets


def aligned_candidates(
    entity: Span | tuple[int, int],
    links: Iterable[Link],
    n_tgt: int,
    max_len: int | None = None,
) -> Candidates:
    """The sub-ranges between the leftmost and rightmost target words aligned to ``entity``.

    entity (Span | tuple[int, int]): The source entity (or its ``(start, end)`` range).
    links (Iterable[Link]): ``(source, target)`` word links of the sentence pair.
    n_tgt (int): Number of target words.
    max_len (int | None): Longest candidate in words; ``None`` for no limit.
    RETURNS (Candidates): The ranges, empty when no word of the entity is aligned.
    """
    targets = aligned_targets(entity, links, n_tgt)
    if not targets:
        return empty_candidates()
    lo, hi = targets[0], targets[-1] + 1
    window = ngram_candidates(hi - lo, max_len if max_len is not None else hi - lo)
    return Candidates(window.starts + lo, window.ends + lo)


def endpoint_candidates(evidence: np.ndarray, max_len: int = 10) -> tuple[Candidates, np.ndarray]:
    """The n-grams that start and end on a word with evidence for some entity.

    With scores such as the alignment score, a candidate whose first or last word has no
    evidence for an entity (no link to it) is *dominated*: dropping that word keeps the
    numerator and shrinks the length, so the shorter span scores higher, covers fewer
    words and can replace it in any matching. Only n-grams whose two end words have
    evidence for the entity are therefore worth generating.

    evidence (np.ndarray): Boolean array (entities × target words).
    max_len (int): Longest candidate, in words.
    RETURNS (tuple[Candidates, np.ndarray]): The candidates and a boolean mask
        (entities × candidates) of the pairs whose two end words have evidence.
    """
    n_ent, n_tgt = evidence.shape
    rows, cols = np.nonzero(evidence)
    if rows.shape[0] == 0:
        return empty_candidates(), np.zeros((n_ent, 0), dtype=bool)
    # All (start, end) pairs of evidence words of the same entity within max_len.
    same = rows[:, None] == rows[None, :]
    span = cols[None, :] - cols[:, None]
    ok = same & (span >= 0) & (span < max_len)
    i, j = np.nonzero(ok)
    cands = _unique(cols[i], cols[j] + 1, n_tgt)
    allowed = evidence[:, cands.starts] & evidence[:, cands.ends - 1]
    return cands, allowed


def given_candidates(spans: Sequence[Span | tuple[int, int]], n_tgt: int) -> Candidates:
    """Candidates from spans found by a target NER model (labels are ignored).

    spans (Sequence[Span | tuple[int, int]]): ``Span`` objects or ``(start, end)`` pairs.
    n_tgt (int): Number of target words.
    RETURNS (Candidates): The unique ranges sorted by (start, end).
    """
    ranges = [(s.start, s.end) if isinstance(s, Span) else (s[0], s[1]) for s in spans]
    return Candidates.from_ranges(ranges, n_tgt)


def overlaps(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Boolean matrix (candidates × candidates): do the two ranges share a word?"""
    return (starts[:, None] < ends[None, :]) & (starts[None, :] < ends[:, None])
