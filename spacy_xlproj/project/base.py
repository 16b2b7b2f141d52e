"""The projector interface: source entities + word links -> target spans."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ..types import Link, Projection, Span


@runtime_checkable
class Projector(Protocol):
    """Carries the labelled spans of a source sentence onto its target sentence."""

    def project(
        self,
        src_words: Sequence[str],
        src_spans: Sequence[Span],
        tgt_words: Sequence[str],
        links: Sequence[Link],
    ) -> Projection:
        """Project ``src_spans`` onto ``tgt_words`` using word ``links`` (source index first)."""
        ...
