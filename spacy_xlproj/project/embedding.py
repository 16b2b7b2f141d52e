"""The embedding score of matching projection: a word encoder, called once per sentence pair.

``EmbeddingScorer`` asks a ``WordEncoder`` for the word vectors of the source and the
target sentence in one call (one batched forward pass for a Hugging Face encoder), and
scores every (entity, candidate) pair from them with ``scores.embedding_scores``: all
candidates of a sentence reuse its vectors. The vectors are cached per sentence pair, so
scoring a pair again (another weight, another candidate set) encodes nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from ..embed.base import WordEncoder
from ..errors import UsageError
from ..types import Span
from . import scores as S
from .candidates import Candidates

_PairKey = tuple[tuple[str, ...], tuple[str, ...]]


class EmbeddingScorer:
    """Embedding similarity of source entities and target candidates, cached per pair.

    encoder (WordEncoder): Gives each word of a sentence a vector.
    cache_size (int): Sentence pairs whose vectors are kept (least recently used go
        first); 0 keeps none.

    ``n_encoded`` counts the sentences sent to the encoder (cache misses), over all calls.
    """

    def __init__(self, encoder: WordEncoder, cache_size: int = 1024) -> None:
        if cache_size < 0:
            raise UsageError(f"cache_size must be 0 or more, got {cache_size}.")
        self.encoder = encoder
        self.cache_size = cache_size
        self.n_encoded = 0
        self._cache: OrderedDict[_PairKey, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def vectors(
        self, src_words: Sequence[str], tgt_words: Sequence[str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The word vectors of the source and the target sentence (one encoder call)."""
        key = (tuple(src_words), tuple(tgt_words))
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        encoded = self.encoder.encode([list(src_words), list(tgt_words)])
        if len(encoded) != 2:
            raise ValueError(
                f"The word encoder returned {len(encoded)} arrays for 2 sentences: it must "
                "return one per sentence."
            )
        src, tgt = (np.asarray(v) for v in encoded)
        for words, vecs in ((src_words, src), (tgt_words, tgt)):
            if vecs.ndim != 2 or vecs.shape[0] != len(words):
                raise ValueError(
                    f"The word encoder returned an array of shape {vecs.shape} for a "
                    f"sentence of {len(words)} words: it must return (words × dim)."
                )
        self.n_encoded += 2
        if self.cache_size:
            self._cache[key] = (src, tgt)
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return src, tgt

    def scores(
        self,
        src_words: Sequence[str],
        src_spans: Sequence[Span],
        tgt_words: Sequence[str],
        cands: Candidates,
    ) -> np.ndarray:
        """``max(0, cos)`` of every entity's and candidate's mean word vector.

        RETURNS (np.ndarray): Float array (entities × candidates) in [0, 1].
        """
        if len(cands) == 0 or not src_spans:
            return np.zeros((len(src_spans), len(cands)))
        src, tgt = self.vectors(src_words, tgt_words)
        return S.embedding_scores(src, src_spans, tgt, cands)
