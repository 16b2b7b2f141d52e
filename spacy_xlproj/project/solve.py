"""Choose the best non-overlapping (entity, candidate) matching.

Given a score matrix (entities × candidates) and the candidates' word ranges, pick
pairs to maximise the total score such that no two chosen candidates share a target
word and every entity is chosen ``<=``, ``==`` or ``>=`` ``n_proj`` times.

``method="ilp"`` is exact. The problem is first cut down to what can matter: entities
and candidates with no positive score are removed, and the rest splits into
independent sub-problems (connected components: candidates are joined when they
overlap, entities join the candidates they score on). Each sub-problem is solved
without a solver when it is easy:

* one entity: weighted interval scheduling by dynamic programming (exact, any
  constraint and ``n_proj``);
* ``n_proj == 1`` under ``le``/``eq`` and the entities' best candidates don't overlap:
  taking them is optimal, as it reaches the sum of the per-entity maxima.

Only the remaining ones become an integer linear program for HiGHS
(``scipy.optimize.milp``), in reduced form: one row per maximal set of candidates that
share a word ("at most one chosen candidate covers this word") and one row per entity.

``method="greedy"`` takes the best remaining pair, removes the candidates that overlap
it and retires entities that reached ``n_proj`` (under ``le``/``eq``).

Ties: a matching problem often has several optimal solutions (two spans with the same
score). The exact solver returns one fixed optimum on every path (shortcut, dynamic
programming, HiGHS), so any other exact solver of the same problem can reproduce it:
among the matchings whose total score is within ``TIE_TOLERANCE`` of the best, the one
with the smallest total ``tie_weight`` (spans further left, then shorter; earlier
entities weigh more, so two entities with equal scores keep the source order). HiGHS
needs a second call for it (best score fixed, tie weight minimised); the shortcuts and
the dynamic programme compare (score, tie weight) directly.

Infeasible ``eq``/``ge`` constraints (an entity cannot get ``n_proj`` disjoint
candidates, or entities compete for too few) never raise: the exact solver re-solves
that sub-problem without the lower bound (``eq`` becomes ``le``; ``ge`` has no bound),
greedy keeps what it could take, and both list the entities left short in
``Matching.relaxed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..errors import UsageError
from ..types import Dropped, DropReason

Constraint = Literal["le", "eq", "ge"]
Method = Literal["ilp", "greedy"]
CONSTRAINTS = ("le", "eq", "ge")
METHODS = ("ilp", "greedy")
# Totals closer than this (relative to their size, at least 1) are equal scores.
TIE_TOLERANCE = 1e-9
# tie_weight orders (start, end) lexicographically for sentences shorter than this.
_TIE_BASE = 1024


def tie_weight(entity: int, start: int, end: int, n_ent: int) -> int:
    """What choosing target words [start, end) for ``entity`` adds to the tie-break sum.

    Among equally good matchings the exact solver returns the one with the smallest sum:
    spans further left, then shorter ones. Entity 0 weighs ``n_ent`` times, the last
    entity once: on a swap between two equally scored entities the earlier entity gets
    the earlier span, and where two entities score the same on the one span they can
    both take, the later entity gets it.
    """
    return (n_ent - entity) * _span_rank(start, end)


def _span_rank(start: int, end: int) -> int:
    """Further left, then shorter, is smaller: the order tie_weight scales per entity."""
    return start * _TIE_BASE + end


def _tied(a: float, b: float) -> bool:
    return abs(a - b) <= TIE_TOLERANCE * max(1.0, abs(a), abs(b))


def _beats(score: float, tie: int, best_score: float, best_tie: int) -> bool:
    """(score, tie) is better than (best_score, best_tie): higher score, or tied and lighter."""
    if score == float("-inf") or best_score == float("-inf"):  # -inf: no such choice
        return score > best_score
    if _tied(score, best_score):
        return tie < best_tie
    return score > best_score


@dataclass
class Matching:
    """The chosen (entity, candidate, score) pairs and the entities that got none."""

    pairs: list[tuple[int, int, float]] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    # Entities whose eq/ge constraint could not be met (fewer than n_proj projections).
    relaxed: list[int] = field(default_factory=list)
    # Number of HiGHS calls made for this matching (trivial sub-problems make none).
    solver_calls: int = 0

    @property
    def objective(self) -> float:
        return float(sum(score for _, _, score in self.pairs))


@dataclass
class _Problem:
    """One sub-problem: parallel lists of pairs, with candidate ranges."""

    ents: list[int]
    cands: list[int]
    scores: list[float]


def _check(n_proj: int, constraint: str, method: str) -> None:
    if n_proj < 1:
        raise UsageError(f"n_proj must be >= 1, got {n_proj}")
    if constraint not in CONSTRAINTS:
        raise UsageError(f"constraint must be one of {', '.join(CONSTRAINTS)}, got {constraint!r}")
    if method not in METHODS:
        raise UsageError(f"method must be one of {', '.join(METHODS)}, got {method!r}")


def solve(
    scores: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    *,
    n_proj: int = 1,
    constraint: Constraint = "le",
    method: Method = "ilp",
) -> Matching:
    """Match entities to non-overlapping candidates, maximising the total score.

    scores (np.ndarray): Scores (entities × candidates); pairs scoring <= 0 are never chosen.
    starts (np.ndarray): First word of each candidate.
    ends (np.ndarray): One past the last word of each candidate.
    n_proj (int): How many projections per entity the constraint refers to.
    constraint (str): ``"le"`` (at most ``n_proj``), ``"eq"`` (exactly) or ``"ge"``
        (at least; with positive scores the solver then takes every candidate it can).
    method (str): ``"ilp"`` (exact) or ``"greedy"``.
    RETURNS (Matching): The chosen pairs sorted by (entity, candidate start).
    """
    _check(n_proj, constraint, method)
    scores = np.asarray(scores, dtype=np.float64)
    ent_arr, cand_arr = np.nonzero(scores > 0)
    return solve_pairs(
        ent_arr.tolist(),
        cand_arr.tolist(),
        scores[ent_arr, cand_arr].tolist(),
        np.asarray(starts).tolist(),
        np.asarray(ends).tolist(),
        scores.shape[0],
        n_proj=n_proj,
        constraint=constraint,
        method=method,
    )


def solve_pairs(
    ents: list[int],
    cands: list[int],
    values: list[float],
    starts: list[int],
    ends: list[int],
    n_ent: int,
    *,
    n_proj: int = 1,
    constraint: Constraint = "le",
    method: Method = "ilp",
) -> Matching:
    """``solve`` on a sparse problem: parallel lists of (entity, candidate, score) pairs.

    Every pair must have a positive score. Candidates may repeat a word range (two
    candidates with equal ranges simply overlap); this form skips building a matrix.

    ents (list[int]): Entity index of each pair.
    cands (list[int]): Candidate index of each pair (into ``starts``/``ends``).
    values (list[float]): Positive score of each pair.
    starts (list[int]): First word of each candidate.
    ends (list[int]): One past the last word of each candidate.
    n_ent (int): Number of entities (those without a pair are dropped as NO_CANDIDATE).
    RETURNS (Matching): As for ``solve``.
    """
    if method != "ilp" or constraint != "le" or n_proj != 1:
        _check(n_proj, constraint, method)
    result = Matching()
    if method == "greedy":
        if n_proj == 1 and constraint != "ge" and ents and min(ents) == max(ents):
            # One entity, one projection: greedy and exact both take the best pair.
            i = max(range(len(values)), key=values.__getitem__)
            result.pairs.append((ents[i], cands[i], values[i]))
        else:
            _greedy(_Problem(ents, cands, values), starts, ends, n_proj, constraint, result)
    else:
        for problem in _components(ents, cands, values, starts, ends):
            _solve_component(problem, starts, ends, n_ent, n_proj, constraint, result)
    _finish(result, n_ent, set(ents), starts)
    return result


def _finish(result: Matching, n_ent: int, active: set[int], starts: list[int]) -> None:
    result.pairs.sort(key=lambda p: (p[0], starts[p[1]]))
    chosen = {e for e, _, _ in result.pairs}
    for e in range(n_ent):
        if e not in active:
            result.dropped.append(Dropped(e, DropReason.NO_CANDIDATE))
        elif e not in chosen:
            result.dropped.append(Dropped(e, DropReason.NOT_SELECTED))
    result.relaxed.sort()


def _components(
    ents: list[int], cands: list[int], values: list[float], starts: list[int], ends: list[int]
) -> list[_Problem]:
    """Split the pairs into independent sub-problems."""
    if not ents:
        return []
    if len(set(ents)) == 1:
        return [_Problem(ents, cands, values)]
    # Overlapping candidates form clusters: sweep them by start, a gap starts a new one.
    cluster: dict[int, int] = {}
    n_clusters, reach = -1, -1
    for c in sorted(set(cands), key=starts.__getitem__):
        if starts[c] >= reach:
            n_clusters += 1
        reach = max(reach, ends[c])
        cluster[c] = n_clusters
    # Entities join the clusters they score on (union-find over clusters).
    parent = list(range(n_clusters + 1))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[int, int] = {}
    for e, c in zip(ents, cands, strict=True):
        root = find(cluster[c])
        if e in first:
            other = find(first[e])
            if other != root:
                parent[root] = other
        else:
            first[e] = root
    groups: dict[int, _Problem] = {}
    for e, c, v in zip(ents, cands, values, strict=True):
        root = find(cluster[c])
        problem = groups.get(root)
        if problem is None:
            problem = groups[root] = _Problem([], [], [])
        problem.ents.append(e)
        problem.cands.append(c)
        problem.scores.append(v)
    return list(groups.values())


def _ties(problem: _Problem, starts: list[int], ends: list[int], n_ent: int) -> list[int]:
    return [
        tie_weight(e, starts[c], ends[c], n_ent)
        for e, c in zip(problem.ents, problem.cands, strict=True)
    ]


def _better_pair(problem: _Problem, starts: list[int], ends: list[int], i: int, j: int) -> bool:
    """Pair i beats pair j of the same entity: a higher score, or tied and a smaller
    tie weight (for one entity, the order of ``_span_rank``; equal ranges: lower index)."""
    si, sj = problem.scores[i], problem.scores[j]
    if _tied(si, sj):
        ci, cj = problem.cands[i], problem.cands[j]
        return (_span_rank(starts[ci], ends[ci]), ci) < (_span_rank(starts[cj], ends[cj]), cj)
    return si > sj


def _solve_component(
    problem: _Problem,
    starts: list[int],
    ends: list[int],
    n_ent: int,
    n_proj: int,
    constraint: str,
    result: Matching,
) -> None:
    entities = set(problem.ents)
    if len(entities) == 1:
        _single_entity(problem, starts, ends, n_ent, n_proj, constraint, result)
        return
    if n_proj == 1 and constraint != "ge":
        # Each entity's best pair (ties: further left); if they don't overlap, that is
        # the optimum with the smallest tie weight, as tie_weight adds up per entity.
        best: dict[int, int] = {}
        for i, e in enumerate(problem.ents):
            j = best.get(e)
            if j is None or _better_pair(problem, starts, ends, i, j):
                best[e] = i
        picks = sorted(best.values(), key=lambda i: starts[problem.cands[i]])
        if all(
            ends[problem.cands[a]] <= starts[problem.cands[b]]
            for a, b in zip(picks, picks[1:], strict=False)
        ):
            result.pairs.extend(
                (problem.ents[i], problem.cands[i], problem.scores[i]) for i in picks
            )
            return
    _ilp(problem, starts, ends, n_ent, n_proj, constraint, result)


def _single_entity(
    problem: _Problem,
    starts: list[int],
    ends: list[int],
    n_ent: int,
    n_proj: int,
    constraint: str,
    result: Matching,
) -> None:
    """Weighted interval scheduling with a count constraint, by dynamic programming."""
    e = problem.ents[0]
    if n_proj == 1 and constraint != "ge":
        i = 0
        for j in range(1, len(problem.scores)):
            if _better_pair(problem, starts, ends, j, i):
                i = j
        result.pairs.append((e, problem.cands[i], problem.scores[i]))
        return
    order = sorted(range(len(problem.cands)), key=lambda i: ends[problem.cands[i]])
    cs = [problem.cands[i] for i in order]
    vs = [problem.scores[i] for i in order]
    ts = [tie_weight(e, starts[c], ends[c], n_ent) for c in cs]
    n = len(cs)
    end_list = [ends[c] for c in cs]
    # pred[j]: how many candidates (in end order) end at or before candidate j starts.
    pred = [_count_le(end_list, starts[c]) for c in cs]
    # ge counts are capped at n_proj ("n_proj or more"); le/eq never exceed n_proj.
    k_max = n_proj
    neg = (float("-inf"), 0)
    # best[j][k]: best (total, tie weight) over the first j candidates with k chosen;
    # back[j][k]: the count before candidate j-1 was taken, or None when it was not.
    best = [[(0.0, 0)] + [neg] * k_max]
    back: list[list[int | None]] = [[None] * (k_max + 1)]
    for j in range(1, n + 1):
        row = list(best[j - 1])
        brow: list[int | None] = [None] * (k_max + 1)
        before = best[pred[j - 1]]
        for k in range(k_max + 1):
            if before[k] == neg:
                continue
            k2 = k + 1
            if k2 > k_max:
                if constraint != "ge":
                    continue
                k2 = k_max
            value = (before[k][0] + vs[j - 1], before[k][1] + ts[j - 1])
            if _beats(*value, *row[k2]):
                row[k2] = value
                brow[k2] = k
        best.append(row)
        back.append(brow)
    final = best[n]
    if constraint != "le" and final[k_max] != neg:
        k = k_max
    else:
        if constraint != "le":
            # Infeasible: fewer than n_proj disjoint candidates; take the best we can.
            result.relaxed.append(e)
        k = 0
        for k2 in range(1, k_max + 1):
            if _beats(*final[k2], *final[k]):
                k = k2
    j, picked = n, []
    while j > 0:
        prev = back[j][k]
        if prev is None:
            j -= 1
        else:
            picked.append(j - 1)
            j, k = pred[j - 1], prev
    result.pairs.extend((e, cs[i], vs[i]) for i in reversed(picked))


def _count_le(sorted_values: list[int], x: int) -> int:
    lo, hi = 0, len(sorted_values)
    while lo < hi:
        mid = (lo + hi) // 2
        if sorted_values[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _run_milp(c: np.ndarray, a: np.ndarray, lb: np.ndarray, ub: np.ndarray):  # noqa: ANN202
    """Call HiGHS; a separate function so that tests can count the calls."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    # A zero gap: the tie-break call needs the true optimum, not one within 0.01%.
    return milp(
        c,
        constraints=LinearConstraint(a, lb, ub),
        integrality=np.ones(c.shape[0]),
        bounds=Bounds(0.0, 1.0),
        options={"mip_rel_gap": 0.0},
    )


def tie_floor(best: float) -> float:
    """The lowest total that still ties with ``best``: the lower bound of the row
    "total score" under which the tie-break call minimises the tie weights."""
    return best - TIE_TOLERANCE * max(1.0, abs(best))


def _ilp(
    problem: _Problem,
    starts: list[int],
    ends: list[int],
    n_ent: int,
    n_proj: int,
    constraint: str,
    result: Matching,
) -> None:
    n_var = len(problem.ents)
    uniq = sorted(set(problem.cands), key=lambda c: (starts[c], ends[c]))
    # Rows "at most one chosen candidate covers word w" for the words where a maximal
    # set of overlapping candidates meets: w = a candidate start that no candidate
    # covering it ends before the next start.
    points = sorted({starts[c] for c in uniq})
    cover_rows: list[list[int]] = []
    for i, w in enumerate(points):
        covering = [c for c in uniq if starts[c] <= w < ends[c]]
        nxt = points[i + 1] if i + 1 < len(points) else None
        if nxt is not None and min(ends[c] for c in covering) > nxt:
            continue  # every candidate here also covers the next start: a subset row
        cover_rows.append(covering)
    entities = sorted(set(problem.ents))
    ent_row = {e: i for i, e in enumerate(entities)}
    n_rows = len(cover_rows) + len(entities)
    a = np.zeros((n_rows, n_var))
    cand_vars: dict[int, list[int]] = {}
    for v, c in enumerate(problem.cands):
        cand_vars.setdefault(c, []).append(v)
    for r, covering in enumerate(cover_rows):
        for c in covering:
            a[r, cand_vars[c]] = 1.0
    base = len(cover_rows)
    for v, e in enumerate(problem.ents):
        a[base + ent_row[e], v] = 1.0
    lb = np.zeros(n_rows)
    ub = np.ones(n_rows)
    lo = 0.0 if constraint == "le" else float(n_proj)
    hi = float(n_proj) if constraint != "ge" else np.inf
    lb[base:], ub[base:] = lo, hi
    c_vec = -np.asarray(problem.scores)
    res = _run_milp(c_vec, a, lb, ub)
    result.solver_calls += 1
    if res.x is None:
        # eq/ge infeasible: drop the lower bound for this sub-problem and say so.
        lb[base:] = 0.0
        res = _run_milp(c_vec, a, lb, ub)
        result.solver_calls += 1
        if res.x is None:  # pragma: no cover - the relaxed problem is always feasible
            raise RuntimeError(f"HiGHS failed on a feasible matching problem: {res.message}")
        relaxed = True
    else:
        relaxed = False
    # Second call: the same rows, the best total kept, the smallest tie weight.
    scores = np.asarray(problem.scores)
    floor = tie_floor(float(scores @ (res.x > 0.5)))
    ties = np.asarray(_ties(problem, starts, ends, n_ent), dtype=np.float64)
    tied = _run_milp(ties, np.vstack([a, scores]), np.append(lb, floor), np.append(ub, np.inf))
    result.solver_calls += 1
    if tied.x is not None:  # HiGHS found the first solution, so this one is feasible
        res = tied
    chosen = np.nonzero(res.x > 0.5)[0].tolist()
    counts = dict.fromkeys(entities, 0)
    for v in chosen:
        result.pairs.append((problem.ents[v], problem.cands[v], problem.scores[v]))
        counts[problem.ents[v]] += 1
    if relaxed:
        result.relaxed.extend(e for e in entities if counts[e] < n_proj)


def _greedy(
    problem: _Problem,
    starts: list[int],
    ends: list[int],
    n_proj: int,
    constraint: str,
    result: Matching,
) -> None:
    order = sorted(
        range(len(problem.ents)),
        key=lambda i: (-problem.scores[i], problem.ents[i], starts[problem.cands[i]]),
    )
    occupied = 0  # bit w set: target word w is taken
    counts: dict[int, int] = {}
    for i in order:
        e, c = problem.ents[i], problem.cands[i]
        k = counts.get(e, 0)
        if k >= n_proj and constraint != "ge":
            continue
        mask = (1 << ends[c]) - (1 << starts[c])
        if occupied & mask:
            continue
        occupied |= mask
        counts[e] = k + 1
        result.pairs.append((e, c, problem.scores[i]))
    if constraint != "le":
        result.relaxed.extend(e for e in set(problem.ents) if counts.get(e, 0) < n_proj)
