"""Interfaces of NER models used by projection (tagging, and per-word tag probabilities)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from ..types import Span


@runtime_checkable
class EntityTagger(Protocol):
    """Finds labelled entity spans in tokenised sentences."""

    name: str

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[Span]]: ...


@runtime_checkable
class TagScorer(Protocol):
    """Gives per-word probabilities over IOB2 tags (``tags``, e.g. ``["O", "B-PER", …]``).

    Used by candidate matching's NER-model score; each array has shape (words, tags).
    """

    tags: list[str]

    def tag_probabilities(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]: ...
