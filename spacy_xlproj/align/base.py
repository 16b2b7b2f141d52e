"""The aligner interface: pairs of word lists in, word links out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from ..types import Link

WordPair = tuple[Sequence[str], Sequence[str]]


@runtime_checkable
class Aligner(Protocol):
    """Aligns words of source and target sentences.

    Returns, for each pair, the sorted list of ``(source index, target index)`` links.
    """

    name: str

    def align(self, pairs: Sequence[WordPair]) -> list[list[Link]]: ...
