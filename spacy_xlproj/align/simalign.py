"""SimAlign-style word alignment over any Hugging Face encoder.

Words are embedded with a (multilingual) encoder, source and target words are
compared by cosine similarity and links are read off the similarity matrix with
``argmax`` (mutual argmax), ``itermax`` (iterated mutual argmax) or ``match``
(maximum-weight matching), as in SimAlign (Jalili Sabet et al., 2020). The links
are the same as the ``simalign`` package's ``SentenceAligner`` for the same model,
layer, method and ``token_type``, but many sentences share one forward pass.

torch and transformers are imported when the model is first needed.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..registry import aligners
from ..types import Link
from .base import WordPair

logger = logging.getLogger(__name__)

METHODS = ("argmax", "itermax", "match")
TOKEN_TYPES = ("word", "bpe")

# Sentence pairs per internal chunk: the word vectors of one chunk are held at once.
_CHUNK_PAIRS = 2048

# Encoders whose hidden state ``k`` is exactly the output of layer ``k`` (no final
# norm): for these the layers above the one we read can be dropped, which saves
# their compute without changing the vectors.
_TRUNCATABLE = {"bert", "roberta", "xlm-roberta", "camembert", "electra"}


# --- Links from a similarity matrix: plain numpy, no model needed. -----------------


def similarity(src: np.ndarray, tgt: np.ndarray) -> np.ndarray:
    """Cosine similarity of the rows of ``src`` and ``tgt``, rescaled to [0, 1].

    SimAlign uses ``(cos + 1) / 2`` so that masking a cell by multiplying it with 0
    makes it the smallest value; ``itermax`` relies on this.
    """
    src = _unit_rows(src)
    tgt = _unit_rows(tgt)
    return (src @ tgt.T + 1.0) / 2.0


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
    norms[norms == 0.0] = 1.0  # a zero vector stays zero instead of becoming NaN
    return matrix / norms[:, np.newaxis]


def _mutual_argmax(sim: np.ndarray) -> np.ndarray:
    m, n = sim.shape
    forward = np.zeros((m, n), dtype=bool)
    forward[np.arange(m), sim.argmax(axis=1)] = True
    backward = np.zeros((m, n), dtype=bool)
    backward[sim.argmax(axis=0), np.arange(n)] = True
    return forward & backward


def _to_links(matrix: np.ndarray) -> list[Link]:
    rows, cols = np.nonzero(matrix)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True)]


def argmax(sim: np.ndarray) -> list[Link]:
    """Link ``(i, j)`` when ``j`` is ``i``'s most similar word and ``i`` is ``j``'s.

    Ties go to the lowest index, as with ``numpy.argmax``.
    """
    if sim.size == 0:
        return []
    return _to_links(_mutual_argmax(sim))


def itermax(sim: np.ndarray, max_count: int = 2, alpha_ratio: float = 0.9) -> list[Link]:
    """SimAlign's iterative mutual argmax.

    Start from ``argmax``; then, up to ``max_count - 1`` times, look for mutual
    argmaxes again where each cell's similarity is kept whole when both words are
    still unaligned, scaled by ``alpha_ratio`` when one of them is, and zeroed when
    both are; only cells with an unaligned word can be added. Matrices with 2 rows
    or columns or fewer give the ``argmax`` links, as in SimAlign.
    """
    m, n = sim.shape
    if m == 0 or n == 0:
        return []
    aligned = _mutual_argmax(sim)
    if min(m, n) <= 2:
        return _to_links(aligned)
    for _ in range(max_count - 1):
        src_free = ~aligned.any(axis=1)
        tgt_free = ~aligned.any(axis=0)
        if not src_free.any() or not tgt_free.any():
            break
        weight = alpha_ratio * src_free[:, np.newaxis] + alpha_ratio * tgt_free[np.newaxis, :]
        masked = sim * np.minimum(weight, 1.0)
        open_cells = src_free[:, np.newaxis] | tgt_free[np.newaxis, :]
        new = _mutual_argmax(masked) & open_cells
        if not new.any():
            break
        aligned |= new
    return _to_links(aligned)


def match(sim: np.ndarray) -> list[Link]:
    """Maximum-weight bipartite matching: ``min(m, n)`` one-to-one links of largest total."""
    if sim.size == 0:
        return []
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(sim, maximize=True)
    return sorted((int(i), int(j)) for i, j in zip(rows, cols, strict=True))


LINKERS = {"argmax": argmax, "itermax": itermax, "match": match}


# --- Subword tokens to units (words or subwords) ---------------------------------


@dataclass(slots=True)
class _Encoded:
    """One sentence as model input, and which word each vector ("unit") belongs to."""

    input_ids: list[int]
    # For each unit, its token positions in ``input_ids``.
    unit_positions: list[list[int]]
    # For each unit, the index of its word in the original sentence.
    unit_words: list[int]
    truncated_words: int = 0


@dataclass(slots=True)
class TruncationReport:
    """Words that got no links because their sentence exceeded ``max_length`` subwords.

    ``sentences`` counts the sentence pairs with a cut, ``examples`` holds the
    indices of the first 20 such pairs in the input of ``align``.
    """

    sentences: int = 0
    words: int = 0
    examples: list[int] = field(default_factory=list)


class SimAligner:
    """Align words by the similarity of their contextual embeddings (SimAlign).

    model (str | Path): A local model directory (or hub name) for ``AutoModel`` and a
        fast ``AutoTokenizer``.
    layer (int | None): Which hidden state to use: 0 is the embedding layer, ``k``
        the output of the ``k``-th layer. ``None``: two thirds of the model's depth
        (8 of mBERT's 12 layers, SimAlign's default; 4 of MiniLM-L6's 6).
    method (str): ``"argmax"``, ``"itermax"`` or ``"match"``.
    token_type (str): ``"bpe"`` compares subwords and links two words when any of
        their subwords are linked (SimAlign's default); ``"word"`` compares words, each
        the mean of its subword vectors.
    batch_size (int): Sentence pairs per forward pass.
    device (str | None): ``"cpu"``, ``"cuda"``, ``"cuda:1"``…; default: CUDA when
        available.
    max_length (int | None): Most subword tokens per sentence (incl. special tokens);
        default: the model's limit. Words beyond it are not linked and are counted
        in ``truncation``.
    """

    # A new model is not trained on the input: pairs can be aligned in any chunks.
    trains_on_input = False

    def __init__(
        self,
        model: str | Path,
        *,
        layer: int | None = 8,
        method: str = "itermax",
        token_type: str = "bpe",
        batch_size: int = 32,
        device: str | None = None,
        max_length: int | None = None,
    ) -> None:
        if method not in LINKERS:
            raise ValueError(f"Unknown method '{method}'. Choose one of: {', '.join(METHODS)}.")
        if token_type not in TOKEN_TYPES:
            raise ValueError(
                f"Unknown token_type '{token_type}'. Choose one of: {', '.join(TOKEN_TYPES)}."
            )
        if layer is not None and layer < 0:
            raise ValueError(f"layer must be 0 or more, got {layer}.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, got {batch_size}.")
        if max_length is not None and max_length < 3:
            raise ValueError(f"max_length must be 3 or more, got {max_length}.")
        self.model_name = str(model)
        self.layer = layer
        self.method = method
        self.token_type = token_type
        self.batch_size = batch_size
        self.device = device
        self.max_length = max_length
        self.name = self._make_name()
        self.truncation = TruncationReport()
        self._model: Any = None
        self._tokenizer: Any = None
        self._torch_device: Any = None

    # -- loading ------------------------------------------------------------------

    def load(self) -> SimAligner:
        """Load the tokenizer and model (done on first use; call it to fail early)."""
        if self._model is not None:
            return self
        try:
            import torch
            from transformers import AutoModel, AutoTokenizer
        except ImportError as err:  # pragma: no cover - depends on the environment
            from ..errors import MissingDependencyError

            raise MissingDependencyError(
                "torch and transformers (for the SimAlign aligner)",
                "pip install spacy-xlproj[transformers]",
            ) from err
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.model_name, use_fast=True)
            model = AutoModel.from_pretrained(self.model_name)
        except (OSError, ValueError) as err:
            raise OSError(
                f"Could not load the encoder '{self.model_name}' for SimAlign: {err}. Give a "
                "local directory that holds the model's config.json, weights and tokenizer "
                "files (there is no model hub access offline)."
            ) from err
        if not tokenizer.is_fast:
            raise ValueError(
                f"The tokenizer of '{self.model_name}' is not a fast tokenizer, which SimAligner "
                "needs to map subwords to words. Save the model with a tokenizer.json."
            )
        if getattr(model.config, "model_type", "") in {"roberta", "gpt2", "bart", "longformer"}:
            # Byte-level BPE needs a prefix space to tokenise pre-split words.
            tokenizer = AutoTokenizer.from_pretrained(
                self.model_name, use_fast=True, add_prefix_space=True
            )
        n_layers = int(model.config.num_hidden_layers)
        if self.layer is None:
            self.layer = max(1, round(n_layers * 2 / 3))
            self.name = self._make_name()
        if self.layer > n_layers:
            raise ValueError(
                f"layer {self.layer} does not exist: '{self.model_name}' has {n_layers} layers. "
                f"Choose a layer from 0 (embeddings) to {n_layers}."
            )
        _drop_layers_above(model, self.layer)
        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._torch_device = torch.device(device)
        model.eval()
        model.to(self._torch_device)
        self._model = model
        self._tokenizer = tokenizer
        return self

    def _make_name(self) -> str:
        layer = "auto" if self.layer is None else self.layer
        return f"simalign:{self.model_name}:L{layer}:{self.method}:{self.token_type}"

    @property
    def model_max_length(self) -> int:
        """The most subword tokens per sentence that are fed to the model."""
        self.load()
        limits = [self.max_length or 10**9]
        positions = getattr(self._model.config, "max_position_embeddings", None)
        if positions:
            # RoBERTa-style models reserve the first positions (padding index + 1).
            offset = getattr(self._model.config, "pad_token_id", 0) or 0
            limits.append(positions - (offset + 1 if offset else 0))
        tok_limit = getattr(self._tokenizer, "model_max_length", None)
        if tok_limit and tok_limit < 10**6:
            limits.append(int(tok_limit))
        return min(limits)

    # -- aligning -----------------------------------------------------------------

    def align(self, pairs: Sequence[WordPair]) -> list[list[Link]]:
        """Align each ``(source words, target words)`` pair; links are sorted."""
        if not pairs:
            return []
        self.load()
        before = self.truncation.words
        results: list[list[Link]] = []
        # Chunks bound the memory that the word vectors take on large corpora.
        for start in range(0, len(pairs), _CHUNK_PAIRS):
            results.extend(self._align_chunk(pairs[start : start + _CHUNK_PAIRS], start))
        lost = self.truncation.words - before
        if lost:
            warnings.warn(
                f"SimAligner: {lost} words of sentences longer than {self.model_max_length} "
                "subwords were not aligned (see .truncation for the pair indices).",
                stacklevel=2,
            )
        return results

    def _align_chunk(self, pairs: Sequence[WordPair], first: int) -> list[list[Link]]:
        sentences: list[Sequence[str]] = []
        for src, tgt in pairs:
            sentences.append(src)
            sentences.append(tgt)
        encoded = self._encode_words(sentences)
        vectors = self._embed(encoded)
        linker = LINKERS[self.method]
        results: list[list[Link]] = []
        for k in range(len(pairs)):
            src, tgt = encoded[2 * k], encoded[2 * k + 1]
            self._count_truncation(src.truncated_words + tgt.truncated_words, first + k)
            if not src.unit_words or not tgt.unit_words:
                results.append([])
                continue
            unit_links = linker(similarity(vectors[2 * k], vectors[2 * k + 1]))
            links = {(src.unit_words[i], tgt.unit_words[j]) for i, j in unit_links}
            results.append(sorted(links))
        return results

    def _count_truncation(self, words: int, index: int) -> None:
        if words:
            self.truncation.sentences += 1
            self.truncation.words += words
            if len(self.truncation.examples) < 20:
                self.truncation.examples.append(index)

    def word_vectors(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """The vector of every word: the mean of its subword vectors at ``layer``.

        RETURNS (list[np.ndarray]): One ``(len(words), hidden size)`` array per
            sentence; words without subwords (or cut by ``max_length``) get zeros.
        """
        self.load()
        encoded = self._encode_words(sentences, token_type="word")
        vectors = self._embed(encoded)
        hidden_size = int(self._model.config.hidden_size)
        out = []
        for words, item, units in zip(sentences, encoded, vectors, strict=True):
            full = np.zeros((len(words), hidden_size), dtype=np.float32)
            full[item.unit_words] = units
            out.append(full)
        return out

    def _encode_words(
        self, sentences: Sequence[Sequence[str]], token_type: str | None = None
    ) -> list[_Encoded]:
        limit = self.model_max_length
        batch = [list(words) for words in sentences]
        # Tokenise in one call (the fast tokenizer is parallel); we truncate ourselves
        # so that a cut never splits a word or shifts a word index.
        enc = self._tokenizer(
            batch,
            is_split_into_words=True,
            add_special_tokens=True,
            truncation=False,
            verbose=False,
        )
        out: list[_Encoded] = []
        for s in range(len(batch)):
            ids: list[int] = enc["input_ids"][s]
            word_ids: list[int | None] = enc.word_ids(s)
            out.append(self._encode_one(ids, word_ids, limit, token_type or self.token_type))
        return out

    def _encode_one(
        self, ids: list[int], word_ids: list[int | None], limit: int, token_type: str
    ) -> _Encoded:
        content = [p for p, w in enumerate(word_ids) if w is not None]
        truncated_words = 0
        if len(ids) > limit and content:
            first, last = content[0], content[-1]
            prefix, suffix = ids[:first], ids[last + 1 :]
            budget = limit - len(prefix) - len(suffix)
            # Keep whole words only: cut before the first word that does not fit.
            keep = content[:budget]
            if len(keep) < len(content):
                cut_word = word_ids[content[len(keep)]]
                keep = [p for p in keep if word_ids[p] < cut_word]  # type: ignore[operator]
            kept_words = {word_ids[p] for p in keep}
            all_words = {word_ids[p] for p in content}
            truncated_words = len(all_words - kept_words)
            new_ids = prefix + [ids[p] for p in keep] + suffix
            new_word_ids = [None] * len(prefix) + [word_ids[p] for p in keep] + [None] * len(suffix)
            ids, word_ids = new_ids, new_word_ids
        unit_positions: list[list[int]] = []
        unit_words: list[int] = []
        if token_type == "bpe":
            for p, w in enumerate(word_ids):
                if w is not None:
                    unit_positions.append([p])
                    unit_words.append(w)
        else:
            by_word: dict[int, list[int]] = {}
            for p, w in enumerate(word_ids):
                if w is not None:
                    by_word.setdefault(w, []).append(p)
            # Words that tokenise to nothing have no unit (and so no links).
            for w in sorted(by_word):
                unit_positions.append(by_word[w])
                unit_words.append(w)
        return _Encoded(ids, unit_positions, unit_words, truncated_words)

    def _embed(self, encoded: Sequence[_Encoded]) -> list[np.ndarray]:
        """Unit vectors of every sentence, batched by length to keep padding small."""
        import torch

        hidden_size = int(self._model.config.hidden_size)
        vectors: list[np.ndarray] = [np.zeros((0, hidden_size), dtype=np.float32)] * len(encoded)
        order = sorted(range(len(encoded)), key=lambda s: len(encoded[s].input_ids))
        order = [s for s in order if encoded[s].unit_words]
        step = 2 * self.batch_size
        pad_id = self._tokenizer.pad_token_id or 0
        with torch.inference_mode():
            for start in range(0, len(order), step):
                chunk = order[start : start + step]
                width = max(len(encoded[s].input_ids) for s in chunk)
                ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
                mask = torch.zeros((len(chunk), width), dtype=torch.long)
                # Mean-pool each unit's subword vectors with one index_add over the batch.
                flat_pos: list[int] = []
                flat_unit: list[int] = []
                counts: list[int] = []
                for row, s in enumerate(chunk):
                    item = encoded[s]
                    ids[row, : len(item.input_ids)] = torch.tensor(item.input_ids)
                    mask[row, : len(item.input_ids)] = 1
                    for positions in item.unit_positions:
                        unit = len(counts)
                        counts.append(len(positions))
                        for p in positions:
                            flat_pos.append(row * width + p)
                            flat_unit.append(unit)
                output = self._model(
                    input_ids=ids.to(self._torch_device),
                    attention_mask=mask.to(self._torch_device),
                    output_hidden_states=True,
                )
                hidden = output.hidden_states[self.layer].float()
                hidden = hidden.reshape(-1, hidden.shape[-1])
                pos = torch.tensor(flat_pos, device=hidden.device)
                unit_idx = torch.tensor(flat_unit, device=hidden.device)
                sums = torch.zeros((len(counts), hidden.shape[-1]), device=hidden.device)
                sums.index_add_(0, unit_idx, hidden[pos])
                means = sums / torch.tensor(counts, device=hidden.device).unsqueeze(1)
                means_np = means.cpu().numpy()
                offset = 0
                for s in chunk:
                    n = len(encoded[s].unit_words)
                    vectors[s] = means_np[offset : offset + n]
                    offset += n
        return vectors


def _drop_layers_above(model: Any, layer: int) -> None:
    """Remove the encoder layers above ``layer`` and the pooler: their output is unused."""
    if getattr(model.config, "model_type", "") not in _TRUNCATABLE:
        return
    encoder = getattr(model, "encoder", None)
    layers = getattr(encoder, "layer", None)
    if layers is None or len(layers) <= layer:
        return
    encoder.layer = layers[:layer]
    if getattr(model, "pooler", None) is not None:
        model.pooler = None


@aligners("spacy_xlproj.SimAligner.v1")
def make_sim_aligner(
    model: str,
    layer: int | None = 8,
    method: str = "itermax",
    token_type: str = "bpe",
    batch_size: int = 32,
    device: str | None = None,
    max_length: int | None = None,
) -> SimAligner:
    """Build a SimAlign-style aligner over a Hugging Face encoder (see ``SimAligner``)."""
    return SimAligner(
        model,
        layer=layer,
        method=method,
        token_type=token_type,
        batch_size=batch_size,
        device=device,
        max_length=max_length,
    )
