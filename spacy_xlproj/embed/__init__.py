"""Word encoders: sentences of words in, one vector per word out.

They feed the ``embedding`` score of matching projection (``project/embedding.py``).
``HFEncoder`` runs any Hugging Face encoder (BERT- or XLM-R-like, sentence-transformers
folders, the text tower of CLIP-style models) through SimAligner's encoder; torch and
transformers are imported only when it first encodes. The registered function
``spacy_xlproj.HFEncoder.v1`` lives in ``registry.encoders``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .base import WordEncoder
    from .hf import HFEncoder

_EXPORTS = {"HFEncoder": ".hf", "WordEncoder": ".base"}

__all__ = ["HFEncoder", "WordEncoder"]

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
