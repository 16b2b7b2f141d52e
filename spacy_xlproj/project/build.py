"""Build a projector from ``ProjectionOptions``; the ``spacy_xlproj.Projector.v1`` block."""

from __future__ import annotations

import inspect
from typing import Any, get_type_hints

from ..registry import projectors
from .base import Projector
from .options import FIELDS, METHODS, ProjectionOptionError, ProjectionOptions

ALIGNMENT_METHODS = ("heuristic", "greedy", "ilp")

__all__ = ["ALIGNMENT_METHODS", "METHODS", "ProjectionOptions", "build_projector"]


def build_projector(
    options: ProjectionOptions | None = None, *, lang: str | None = None
) -> Projector:
    """Build the alignment projector that ``options`` describe.

    options (ProjectionOptions | None): The method and its options; ``None``: defaults.
        For ``method="markers"`` this is the heuristic that places the entities whose
        markers were lost (the pipelines run the markers method around it).
    lang (str | None): Target language, for ``expand_names`` (its name particles).
    RETURNS (Projector): The projector.
    """
    o = options if options is not None else ProjectionOptions()
    projector: Projector
    if o.method in ("heuristic", "markers"):
        from .heuristic import HeuristicProjector

        projector = HeuristicProjector(
            merge_distance=o.merge_distance,
            length_ratio=o.length_ratio,
            top_k=o.top_k,
            only_i=o.only_i,
            refine=o.refine,
        )
    else:
        from .matching import MatchingProjector

        encoder = None
        if o.embedding_model is not None:
            # Only the encoder's Python object: its model loads at the first sentence.
            from ..embed.hf import HFEncoder

            encoder = HFEncoder(o.embedding_model, layer=o.embedding_layer)
        projector = MatchingProjector(
            candidates=o.candidates,  # type: ignore[arg-type]
            max_len=o.max_len,
            solver=o.method,  # type: ignore[arg-type]
            n_proj=o.n_proj,
            constraint=o.constraint,  # type: ignore[arg-type]
            weights=dict(o.weights),
            refine=o.refine,
            encoder=encoder,
        )
    if o.expand_names:
        from .names import NameExpander, NameExpandingProjector

        projector = NameExpandingProjector(projector, NameExpander(lang))
    return projector


@projectors("spacy_xlproj.Projector.v1")
def make_projector(lang: str | None = None, **given: Any) -> Projector:
    options = ProjectionOptions(**given)
    if options.method == "markers":
        # The markers method wraps translation itself; components take it as a string.
        raise ProjectionOptionError(
            "spacy_xlproj.Projector.v1 builds alignment projectors: for the markers method "
            'set projector = "markers" in the component or corpus config.'
        )
    return build_projector(options, lang=lang)


# The config block takes exactly the fields of ProjectionOptions (plus ``lang``), with
# their defaults: its signature is derived from the dataclass, so that an option is
# declared in one place only.
_HINTS = get_type_hints(ProjectionOptions)
make_projector.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter(
            f.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=f.default_factory() if callable(f.default_factory) else f.default,
            annotation=_HINTS[f.name],
        )
        for f in FIELDS.values()
    ]
    + [
        inspect.Parameter(
            "lang", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=str | None
        )
    ]
)
make_projector.__doc__ = (
    "Build the projector of ``ProjectionOptions`` from a config block: "
    f"method = one of {', '.join(M for M in METHODS if M != 'markers')}, plus its options."
)
