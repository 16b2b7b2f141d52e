"""spacy-xlproj: cross-lingual NER for spaCy by annotation projection.

Importing the package is cheap: heavy backends (torch, transformers, simalign,
eflomal) are imported only when a backend that needs them is built.
"""

from .types import Dropped, ProjectedSpan, Projection, Sentence, Span

__version__ = "0.1.0"

__all__ = ["Dropped", "Projection", "ProjectedSpan", "Sentence", "Span", "__version__"]
