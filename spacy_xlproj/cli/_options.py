"""Projection options shared by ``project``, ``translate-train`` and ``translate-test``.

One definition per option keeps flags, defaults and help texts the same in every
command; ``projector_from_options`` turns them into a projector.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ..project.base import Projector
from ..project.build import build_projector

Candidates = Annotated[
    str,
    typer.Option(
        "--candidates",
        "-c",
        help="Matching only: candidate spans, ngrams (all target n-grams) or aligned.",
    ),
]
MaxLen = Annotated[
    int, typer.Option("--max-len", help="Matching only: longest candidate span, in words.")
]
MergeDistance = Annotated[
    int,
    typer.Option(
        "--merge-distance",
        "-d",
        help="Heuristic: merge aligned runs separated by at most this many words.",
    ),
]
LengthRatio = Annotated[
    str,
    typer.Option(
        "--length-ratio",
        "-r",
        help="Heuristic: drop runs shorter than this times the entity length; 'none' keeps all.",
    ),
]
TopK = Annotated[
    int | None,
    typer.Option(
        "--top-k",
        "-k",
        help="Heuristic: keep at most K runs per entity, those with most aligned words.",
    ),
]
OnlyI = Annotated[
    bool,
    typer.Option(
        "--only-i",
        help="Heuristic: don't merge a run that starts at a word aligned to the entity's "
        "first word (a second copy of the entity).",
    ),
]
RefineLinks = Annotated[
    bool,
    typer.Option(
        "--refine-links",
        help="Heuristic and matching: anchor copied names and cognates, ignore links to "
        "punctuation, trim punctuation and articles at name edges.",
    ),
]
NProj = Annotated[
    int,
    typer.Option(
        "--n-proj", help="Matching only: projections per entity that --constraint refers to."
    ),
]
Constraint = Annotated[
    str,
    typer.Option(
        "--constraint", help="Matching only: le, eq or ge --n-proj projections per entity."
    ),
]
ExpandNames = Annotated[
    bool,
    typer.Option(
        "--expand-names",
        help="Grow each projected span to the whole capitalised name around it "
        "(Provincia de [Tierra del Fuego] -> [Provincia de Tierra del Fuego]); spans that "
        "join are merged and counted as dropped 'merged'. Not with --method markers.",
    ),
]
Weights = Annotated[
    str,
    typer.Option(
        "--weights",
        help="Matching only: weights of the fused scores, e.g. align=1,string=0.5.",
    ),
]


def parse_length_ratio(value: str) -> float | None:
    """``--length-ratio``: a number >= 0, or ``none`` to keep every run."""
    if value.strip().lower() == "none":
        return None
    try:
        ratio = float(value)
    except ValueError:
        raise typer.BadParameter(f"expected a number or 'none', got {value!r}") from None
    if ratio < 0:
        raise typer.BadParameter(f"must be >= 0 or 'none', got {value!r}")
    return ratio


def parse_weights(text: str) -> dict[str, float]:
    """``--weights``: ``NAME=NUMBER`` pairs separated by commas."""
    weights: dict[str, float] = {}
    for item in filter(None, (x.strip() for x in text.split(","))):
        name, _, value = item.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(
                f"--weights: write NAME=NUMBER pairs (align=1,string=0.5), got {item!r}"
            ) from None
    return weights


def projector_from_options(
    method: str,
    *,
    candidates: str = "ngrams",
    max_len: int = 10,
    merge_distance: int = 1,
    length_ratio: str = "0.8",
    top_k: int | None = None,
    only_i: bool = False,
    refine_links: bool = False,
    n_proj: int = 1,
    constraint: str = "le",
    weights: str = "align=1",
    expand_names: bool = False,
    lang: str | None = None,
) -> Projector:
    """The projector that the shared options describe (see ``project.build``).

    ``expand_names`` wraps it in a ``NameExpandingProjector`` for target language ``lang``.
    """
    projector = build_projector(
        method,
        candidates=candidates,
        max_len=max_len,
        merge_distance=merge_distance,
        length_ratio=parse_length_ratio(length_ratio),
        top_k=top_k,
        only_i=only_i,
        refine=refine_links,
        n_proj=n_proj,
        constraint=constraint,
        weights=parse_weights(weights),
    )
    if expand_names:
        if method == "markers":
            raise typer.BadParameter("--expand-names works with heuristic, greedy and ilp")
        from ..project.names import NameExpander, NameExpandingProjector

        projector = NameExpandingProjector(projector, NameExpander(lang))
    return projector
