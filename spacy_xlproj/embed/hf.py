"""Word vectors from a Hugging Face encoder, through SimAligner's encoder.

The model is loaded, tokenised and run exactly as ``SimAligner`` does it (one copy of
that code): BERT-family folders run packed without transformers, other models through
``AutoModel``, CLIP-style models through their text tower, and sentence-transformers
folders are found by their ``modules.json``. Each word's vector is the mean of its
subword vectors at ``layer``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..registry import encoders


class HFEncoder:
    """A ``WordEncoder`` over a Hugging Face encoder; the model loads on first use.

    model (str | Path): Local folder (or hub name) of an encoder with a fast tokenizer
        (``tokenizer.json``): BERT- or XLM-R-like, a sentence-transformers folder, a
        ``CLIPTextModel`` or a CLIP-style model (its text tower), e.g. a multilingual
        CLIP whose text side is an XLM-R.
    layer (int | None): The hidden state to read: 0 is the embedding layer, ``k`` the
        output of layer ``k``; None: two thirds of the model's depth (as SimAlign).
    batch_size (int): Sentences per forward pass.
    device (str | None): ``"cpu"``, ``"cuda"``…; default CUDA when available.
    max_length (int | None): Most subword tokens per sentence; words beyond it get
        zero vectors. Default: the model's limit.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        layer: int | None = None,
        batch_size: int = 32,
        device: str | None = None,
        max_length: int | None = None,
    ) -> None:
        from ..align.simalign import SimAligner

        if batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, got {batch_size}.")
        self.model_name = str(model)
        self.batch_size = batch_size
        # SimAligner batches sentence pairs: two sentences each.
        self._aligner = SimAligner(
            model,
            layer=layer,
            token_type="word",
            batch_size=max(1, (batch_size + 1) // 2),
            device=device,
            max_length=max_length,
        )
        self._given_layer = layer

    @property
    def layer(self) -> int | None:
        """The layer read; when none was given, None until the model is loaded."""
        return self._aligner.layer

    @property
    def name(self) -> str:
        layer = "auto" if self.layer is None else self.layer
        return f"hf-encoder:{self.model_name}:L{layer}"

    def __repr__(self) -> str:
        return f"HFEncoder(model={self.model_name!r}, layer={self._given_layer!r})"

    def load(self) -> HFEncoder:
        """Load the tokenizer and model (done on first use; call it to fail early)."""
        self._aligner.load()
        return self

    def encode(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """One ``(len(words), hidden size)`` float32 array per sentence (see ``WordEncoder``)."""
        if not sentences:
            return []
        return self._aligner.word_vectors(sentences)


@encoders("spacy_xlproj.HFEncoder.v1")
def make_hf_encoder(
    model: str,
    layer: int | None = None,
    batch_size: int = 32,
    device: str | None = None,
    max_length: int | None = None,
) -> HFEncoder:
    """Build a word encoder over a Hugging Face encoder (see ``HFEncoder``)."""
    return HFEncoder(
        model, layer=layer, batch_size=batch_size, device=device, max_length=max_length
    )
