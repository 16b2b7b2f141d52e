"""Symmetrisation of two directional word alignments (Koehn et al. 2003, Moses).

A directional aligner (IBM models, HMM, eflomal) links every word of one side to
at most one word of the other. Running it both ways and combining the two link
sets trades precision (``intersect``) against recall (``union``); the
grow-diag-final-and heuristic starts from the intersection and adds union links
next to it, then unaligned words' links from each direction.

Both inputs are given as ``(source index, target index)`` links; the outputs are
sorted lists of such links.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..errors import UsageError
from ..types import Link

# The order matters: points are grown in this order (Koehn's pseudo-code).
_NEIGHBOURS: tuple[Link, ...] = (
    (-1, 0),
    (0, -1),
    (1, 0),
    (0, 1),
    (-1, -1),
    (-1, 1),
    (1, -1),
    (1, 1),
)


def intersect(forward: Iterable[Link], reverse: Iterable[Link]) -> list[Link]:
    """Links found in both directions: high precision, low recall."""
    return sorted(set(forward) & set(reverse))


def union(forward: Iterable[Link], reverse: Iterable[Link]) -> list[Link]:
    """Links found in either direction: high recall, low precision."""
    return sorted(set(forward) | set(reverse))


def grow_diag(forward: Iterable[Link], reverse: Iterable[Link]) -> list[Link]:
    """Grow the intersection towards the union through neighbouring (incl. diagonal) links."""
    forward, reverse = set(forward), set(reverse)
    alignment, src_aligned, tgt_aligned = _start(forward, reverse)
    _grow(alignment, src_aligned, tgt_aligned, forward | reverse)
    return sorted(alignment)


def grow_diag_final_and(forward: Iterable[Link], reverse: Iterable[Link]) -> list[Link]:
    """Moses' default ``grow-diag-final-and``.

    1. Start from the intersection.
    2. grow-diag: repeatedly, for every link in source-then-target order, add each
       neighbouring union link of which at least one word is still unaligned.
    3. final-and: add the links of either direction whose words are both still
       unaligned, visiting them in one source-major pass (as fast_align's ``atools``
       does; Koehn's pseudo-code visits all forward links before the reverse ones,
       which differs only when a forward and a reverse link compete for a word).
    """
    forward, reverse = set(forward), set(reverse)
    alignment, src_aligned, tgt_aligned = _start(forward, reverse)
    _grow(alignment, src_aligned, tgt_aligned, forward | reverse)
    for i, j in sorted(forward | reverse):
        if i not in src_aligned and j not in tgt_aligned:
            alignment.add((i, j))
            src_aligned.add(i)
            tgt_aligned.add(j)
    return sorted(alignment)


def _start(forward: set[Link], reverse: set[Link]) -> tuple[set[Link], set[int], set[int]]:
    alignment = forward & reverse
    return alignment, {i for i, _ in alignment}, {j for _, j in alignment}


def _grow(
    alignment: set[Link], src_aligned: set[int], tgt_aligned: set[int], union_links: set[Link]
) -> None:
    # Only union links can be added, so it is enough to visit the source and target
    # words that occur in the union, in the classic row-major order.
    rows = sorted({i for i, _ in union_links})
    cols = sorted({j for _, j in union_links})
    added = True
    while added:
        added = False
        for i in rows:
            for j in cols:
                if (i, j) not in alignment:
                    continue
                for di, dj in _NEIGHBOURS:
                    point = (i + di, j + dj)
                    if point in alignment or point not in union_links:
                        continue
                    if point[0] not in src_aligned or point[1] not in tgt_aligned:
                        alignment.add(point)
                        src_aligned.add(point[0])
                        tgt_aligned.add(point[1])
                        added = True


Symmetrizer = Callable[[Iterable[Link], Iterable[Link]], list[Link]]

SYMMETRIZERS: dict[str, Symmetrizer] = {
    "intersect": intersect,
    "union": union,
    "grow-diag": grow_diag,
    "gdfa": grow_diag_final_and,
    "grow-diag-final-and": grow_diag_final_and,
}


def get_symmetrizer(name: str) -> Symmetrizer:
    """Look a symmetrisation up by name: ``gdfa``, ``grow-diag``, ``intersect``, ``union``."""
    try:
        return SYMMETRIZERS[name]
    except KeyError:
        options = ", ".join(sorted(SYMMETRIZERS))
        raise UsageError(f"Unknown symmetrisation '{name}'. Choose one of: {options}.") from None
