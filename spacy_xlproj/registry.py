"""Custom catalogue registries, so configs can select backends with one ``@…`` line.

``[x.translator] @xlproj_translators = "spacy_xlproj.ApertiumTranslator.v1"``.
Third-party packages add backends through the entry point groups
``spacy_xlproj_translators``, ``spacy_xlproj_aligners``, ``spacy_xlproj_projectors``,
``spacy_xlproj_taggers`` and ``spacy_xlproj_encoders`` (word encoders of the embedding
score).

The registries are plain ``catalogue`` registries: importing this module does not import
spaCy, whose ``spacy.util`` pulls in thinc and with it torch (seconds), although
projecting, aligning and evaluating column files need none of them. spaCy resolves a
config block ``@xlproj_projectors = …`` by looking the registry up as an attribute of
``spacy.util.registry``, so :func:`attach_to_spacy` adds ours there. It runs when spaCy
imports one of our entry point modules (the component factories, which every
``Language`` loads, the readers and the ``spacy xlproj`` command), or when this module is
imported after spaCy. Modules that are only ever imported by spaCy get spaCy's registry
with ours attached by importing it from here: ``from .registry import spacy_registry``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import catalogue

if TYPE_CHECKING:
    from spacy.util import registry as SpacyRegistry

REGISTRY_NAMES = (
    "xlproj_translators",
    "xlproj_aligners",
    "xlproj_projectors",
    "xlproj_taggers",
    "xlproj_encoders",
)


def _create(name: str) -> catalogue.Registry:
    # The "spacy" namespace makes the entry point groups ``spacy_xlproj_…``, the names
    # pyproject.toml advertises (``thinc.registry.create`` would make them ``thinc_…``).
    # ``catalogue.Registry`` rather than ``catalogue.create``: the latter refuses a
    # namespace that already holds a function, which a re-imported module would hit.
    return catalogue.Registry(("spacy", name), entry_points=True)


translators = _create("xlproj_translators")
aligners = _create("xlproj_aligners")
projectors = _create("xlproj_projectors")
taggers = _create("xlproj_taggers")
encoders = _create("xlproj_encoders")

_REGISTRIES: dict[str, catalogue.Registry] = dict(
    zip(REGISTRY_NAMES, (translators, aligners, projectors, taggers, encoders), strict=True)
)


def attach_to_spacy() -> type[SpacyRegistry]:
    """Make our registries attributes of ``spacy.util.registry``; safe to call repeatedly.

    Imports spaCy. Afterwards ``registry.xlproj_projectors`` (and the other four) is
    the same object as :data:`projectors`, and configs naming ``@xlproj_*`` blocks resolve.

    RETURNS (type): ``spacy.util.registry``.
    """
    from spacy.util import registry

    for name, reg in _REGISTRIES.items():
        # A registry that an older copy of this module attached keeps its functions
        # (catalogue stores them by namespace), so replacing it loses nothing.
        if getattr(registry, name, None) is not reg:
            setattr(registry, name, reg)
    return registry


def __getattr__(name: str) -> Any:
    # ``from .registry import spacy_registry`` attaches on every such import (not
    # cached in globals()), so a module that spaCy loads through an entry point needs
    # no statement besides its import line to make the ``@xlproj_*`` blocks resolve.
    # ``registry`` is the name this module exported when it imported spaCy eagerly.
    if name in ("spacy_registry", "registry"):
        return attach_to_spacy()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if getattr(sys.modules.get("spacy.util"), "registry", None) is not None:
    # spaCy is already loaded (e.g. a user's script imported a backend module after
    # ``import spacy``): attaching costs nothing then.
    attach_to_spacy()
