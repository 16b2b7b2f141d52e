"""Projection options: the method and each of its options, with its default, written once.

``ProjectionOptions`` is the one place where an option is named, typed, documented and
given its default. Everything else is derived from it: ``build_projector`` builds the
projector, ``spacy_xlproj.settings`` makes the fields the ``[projection]`` config section
of every command (``--projection.merge_distance 2``), and the registered
``spacy_xlproj.Projector.v1`` config block takes the same fields. An option that does not
apply to the chosen method is refused, never silently dropped.

Defaults are the best measured settings (``docs/benchmarks.md``, Europarl-NER en→es,
shared eflomal-gdfa links): ``refine`` is on because it raised projection F1 on every
alignment file measured, heuristic 0.841 → 0.861 and ILP matching 0.829 → 0.844.
``refine = false`` (the ``paper`` preset) gives the published, unrefined behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from ..errors import UsageError

METHODS = ("heuristic", "greedy", "ilp", "markers")
# The markers method places what its markers lost with the heuristic, so it takes the
# heuristic's options too.
HEURISTIC = frozenset({"heuristic", "markers"})
MATCHING = frozenset({"greedy", "ilp"})
ALIGNMENT = frozenset({"heuristic", "greedy", "ilp"})
EVERY = frozenset(METHODS)
CANDIDATES = ("ngrams", "aligned")
CONSTRAINTS = ("le", "eq", "ge")


class ProjectionOptionError(UsageError):
    """A projection option has a bad value or does not apply to the chosen method."""


def _option(default: Any, methods: frozenset[str], help: str) -> Any:
    """A field with its help and the methods it serves (the config key is its name)."""
    metadata = {"methods": methods, "help": help}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class ProjectionOptions:
    """How entities are carried across: the method and its options.

    Construct it directly (``ProjectionOptions(method="ilp", max_len=8)``), from the
    options a user gave (``ProjectionOptions.from_given``), or from a config block
    (``spacy_xlproj.Projector.v1``). A value other than the default for an option that
    the method does not use raises ``ProjectionOptionError``.
    """

    method: str = _option(
        "heuristic",
        EVERY,
        "heuristic (alignment runs), greedy or ilp (candidate matching), or markers "
        "(bracket entities before translation; not for project/translate-test).",
    )
    merge_distance: int = _option(
        1,
        HEURISTIC,
        "Heuristic: merge aligned runs separated by at most this many words.",
    )
    length_ratio: float | None = _option(
        0.8,
        HEURISTIC,
        "Heuristic: drop runs shorter than this times the entity length; null keeps all.",
    )
    top_k: int | None = _option(
        None,
        HEURISTIC,
        "Heuristic: keep at most K runs per entity, those with most aligned words.",
    )
    only_i: bool = _option(
        False,
        HEURISTIC,
        "Heuristic: don't merge a run that starts at a word aligned to the entity's first "
        "word (a second copy of the entity).",
    )
    candidates: str = _option(
        "ngrams",
        MATCHING,
        "Matching: candidate spans, ngrams (all target n-grams) or aligned.",
    )
    max_len: int = _option(10, MATCHING, "Matching: longest candidate span, in words.")
    n_proj: int = _option(
        1, MATCHING, "Matching: projections per entity that 'constraint' refers to."
    )
    constraint: str = _option(
        "le", MATCHING, "Matching: le, eq or ge n_proj projections per entity."
    )
    weights: dict[str, float] = _option(
        {"align": 1.0},
        MATCHING,
        'Matching: weights of the fused scores, e.g. {"align": 1, "string": 0.5}.',
    )
    embedding_model: str | None = _option(
        None,
        MATCHING,
        "Matching: encoder folder of the 'embedding' score (cosine of entity and candidate "
        "span vectors): BERT- or XLM-R-like, sentence-transformers, or a CLIP-style "
        "model's text tower; give an embedding=W weight with it.",
    )
    embedding_layer: int | None = _option(
        None,
        MATCHING,
        "Matching: the embedding_model layer read (0: embeddings); null: two thirds of its depth.",
    )
    refine: bool = _option(
        True,
        EVERY,
        "Anchor copied names and cognates, ignore links to punctuation, trim punctuation "
        "and articles at name edges (+2 F1 heuristic, +1.5 ILP on Europarl-NER). "
        "false: the published, unrefined method (the 'paper' preset).",
    )
    expand_names: bool = _option(
        False,
        ALIGNMENT,
        "Grow each projected span to the whole capitalised name around it "
        "(Provincia de [Tierra del Fuego] -> [Provincia de Tierra del Fuego]); spans that "
        "join are merged and counted as dropped 'merged'.",
    )

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ProjectionOptionError(
                f"Unknown projection method {self.method!r}: use one of {', '.join(METHODS)}."
            )
        unused = [
            f.name
            for f in fields(self)
            if self.method not in f.metadata["methods"] and getattr(self, f.name) != _default(f)
        ]
        if unused:
            raise _not_applicable(self.method, unused)
        _check_values(self)
        # Frozen, yet the mapping must be a copy the caller cannot change afterwards.
        object.__setattr__(self, "weights", {k: float(v) for k, v in self.weights.items()})

    @classmethod
    def from_given(cls, given: Mapping[str, Any]) -> ProjectionOptions:
        """The options a user gave explicitly (unset ones absent), checked against the method.

        Unlike the constructor, this also refuses an inapplicable option given with its
        default value (``projection.max_len = 10`` with the heuristic): the user asked for it.
        """
        unknown = sorted(set(given) - set(OPTION_NAMES))
        if unknown:
            raise ProjectionOptionError(
                f"Unknown projection option(s) {', '.join(unknown)}: "
                f"known are {', '.join(OPTION_NAMES)}."
            )
        method = given.get("method", cls.method)
        if method in METHODS:
            unused = [n for n in given if method not in FIELDS[n].metadata["methods"]]
            if unused:
                raise _not_applicable(method, unused)
        return cls(**given)

    def to_dict(self) -> dict[str, Any]:
        """Every option with its value, for statistics files and cache keys."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def applicable(self) -> dict[str, Any]:
        """The options the chosen method uses, with their values."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if self.method in f.metadata["methods"]
        }


FIELDS = {f.name: f for f in fields(ProjectionOptions)}
OPTION_NAMES = tuple(FIELDS)


def key_of(name: str) -> str:
    """The config key of option ``name``, as errors name it (``projection.refine``)."""
    return f"projection.{name}"


def _default(f: Any) -> Any:
    return f.default_factory() if callable(f.default_factory) else f.default


def _not_applicable(method: str, names: list[str]) -> ProjectionOptionError:
    parts = []
    for name in names:
        methods = [m for m in METHODS if m in FIELDS[name].metadata["methods"]]
        parts.append(f"{key_of(name)} applies to {', '.join(methods)}")
    return ProjectionOptionError(
        f"Option(s) not used by method {method!r}: {'; '.join(parts)}. "
        f"Remove them or choose a method that uses them."
    )


def _check_values(o: ProjectionOptions) -> None:
    problems = []
    if o.merge_distance < 0:
        problems.append(f"projection.merge_distance must be >= 0, got {o.merge_distance}")
    if o.length_ratio is not None and o.length_ratio < 0:
        problems.append(f"projection.length_ratio must be >= 0 or None, got {o.length_ratio}")
    if o.top_k is not None and o.top_k < 1:
        problems.append(f"projection.top_k must be >= 1 or None, got {o.top_k}")
    if o.candidates not in CANDIDATES:
        problems.append(
            f"projection.candidates must be one of {', '.join(CANDIDATES)}, got {o.candidates!r}"
        )
    if o.max_len < 1 or o.n_proj < 1:
        problems.append(
            f"projection.max_len and n_proj must be >= 1, got {o.max_len} and {o.n_proj}"
        )
    if o.constraint not in CONSTRAINTS:
        problems.append(
            f"projection.constraint must be one of {', '.join(CONSTRAINTS)}, got {o.constraint!r}"
        )
    if not isinstance(o.weights, Mapping) or not o.weights:
        problems.append(f"projection.weights must name at least one score, got {o.weights!r}")
    elif o.weights.get("embedding", 0) > 0:
        if o.embedding_model is None:
            problems.append(
                "the 'embedding' weight needs an encoder: give projection.embedding_model"
            )
    elif o.embedding_model is not None or o.embedding_layer is not None:
        # An encoder that no score reads would be loaded for nothing.
        problems.append(
            "projection.embedding_model and embedding_layer serve the 'embedding' score "
            "only: add embedding=W to projection.weights"
        )
    if o.embedding_layer is not None and o.embedding_layer < 0:
        problems.append(f"projection.embedding_layer must be >= 0 or None, got {o.embedding_layer}")
    if problems:
        raise ProjectionOptionError("; ".join(problems) + ".")


# The defaults, for the projectors' own constructors (one definition of each).
DEFAULTS = ProjectionOptions()
