"""Build a projector from a method name and options, as the command line names them."""

from __future__ import annotations

from .base import Projector

ALIGNMENT_METHODS = ("heuristic", "greedy", "ilp")


def build_projector(
    method: str = "heuristic",
    *,
    candidates: str = "ngrams",
    max_len: int = 10,
    merge_distance: int = 1,
    length_ratio: float | None = 0.8,
    top_k: int | None = None,
    only_i: bool = False,
    refine: bool = False,
    n_proj: int = 1,
    constraint: str = "le",
    weights: dict[str, float] | None = None,
) -> Projector:
    """Build the alignment projector that ``--method`` names.

    method (str): ``"heuristic"`` (HeuristicProjector), ``"greedy"`` / ``"ilp"``
        (MatchingProjector with that solver), or ``"markers"``, whose sentences with lost
        markers fall back to the heuristic built here.
    The heuristic uses ``merge_distance``, ``length_ratio``, ``top_k``, ``only_i`` and
    ``refine``; matching uses ``candidates``, ``max_len``, ``n_proj``, ``constraint`` and
    ``weights`` (named scores, default ``{"align": 1.0}``).
    RETURNS (Projector): The projector.
    """
    if method in ("heuristic", "markers"):
        from .heuristic import HeuristicProjector

        return HeuristicProjector(
            merge_distance=merge_distance,
            length_ratio=length_ratio,
            top_k=top_k,
            only_i=only_i,
            refine=refine,
        )
    if method in ("greedy", "ilp"):
        from .matching import MatchingProjector

        return MatchingProjector(
            candidates=candidates,  # type: ignore[arg-type]
            max_len=max_len,
            solver=method,  # type: ignore[arg-type]
            n_proj=n_proj,
            constraint=constraint,  # type: ignore[arg-type]
            weights=weights or None,
        )
    raise ValueError(
        f"Unknown method {method!r}: use one of {', '.join((*ALIGNMENT_METHODS, 'markers'))}."
    )
