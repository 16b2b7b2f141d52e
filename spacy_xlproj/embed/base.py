"""The word encoder interface: sentences of words in, a vector per word out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class WordEncoder(Protocol):
    """Gives every word of a sentence a vector, in context.

    Any object with this method serves (no inheritance needed): a Hugging Face encoder
    (``HFEncoder``), a static embedding table, a test double.
    """

    def encode(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Return one ``(len(words), dim)`` array per sentence, all with the same ``dim``.

        A word the encoder cannot represent (e.g. cut by a length limit) gets zeros.
        """
        ...
