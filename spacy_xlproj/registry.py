"""Custom catalogue registries, so configs can select backends with one ``@…`` line.

``[x.translator] @xlproj_translators = "spacy_xlproj.ApertiumTranslator.v1"``.
Third-party packages add backends through the entry point groups
``spacy_xlproj_translators``, ``spacy_xlproj_aligners``, ``spacy_xlproj_projectors`` and
``spacy_xlproj_taggers``.
"""

from __future__ import annotations

import catalogue
from spacy.util import registry

REGISTRY_NAMES = ("xlproj_translators", "xlproj_aligners", "xlproj_projectors", "xlproj_taggers")

for _name in REGISTRY_NAMES:
    if not hasattr(registry, _name):
        # Not ``registry.create``: that names the entry point group ``thinc_…``; the
        # "spacy" namespace gives the documented ``spacy_xlproj_…`` groups.
        setattr(registry, _name, catalogue.create("spacy", _name, entry_points=True))

translators = registry.xlproj_translators
aligners = registry.xlproj_aligners
projectors = registry.xlproj_projectors
taggers = registry.xlproj_taggers
