"""The translator interface: a batch of sentences in, translations out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Translator(Protocol):
    """Translates plain-text sentences from ``src_lang`` to ``tgt_lang``.

    ``name`` identifies backend, model and direction; the translation cache keys on it.
    """

    name: str
    src_lang: str
    tgt_lang: str

    def translate(self, texts: Sequence[str]) -> list[str]:
        """Translate every text; the result has one string per input, in order."""
        ...
