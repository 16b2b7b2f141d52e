"""SimAlign-style word alignment over any Hugging Face encoder.

Words are embedded with a (multilingual) encoder, source and target words are
compared by cosine similarity and links are read off the similarity matrix with
``argmax`` (mutual argmax), ``itermax`` (iterated mutual argmax) or ``match``
(maximum-weight matching), as in SimAlign (Jalili Sabet et al., 2020). The links
are the same as the ``simalign`` package's ``SentenceAligner`` for the same model,
layer, method and ``token_type``, but many sentences share one forward pass.

For BERT-family encoders in a local directory (BERT, RoBERTa, XLM-R, CamemBERT) the
encoder runs here, in plain torch, without transformers: only the layers up to the
one read, over sentences packed without padding (see ``_PackedEncoder``). Other
models go through transformers' ``AutoModel`` (the text tower, for CLIP-style
models). torch is imported when the model is first needed, transformers only when a
model or tokenizer needs it. ``SimAligner.word_vectors`` is this module's encoder for
other users too: the embedding score of matching projection (``spacy_xlproj.embed``).
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from ..registry import aligners
from ..types import Link
from .base import WordPair

logger = logging.getLogger(__name__)

METHODS = ("argmax", "itermax", "match")
TOKEN_TYPES = ("word", "bpe")
IMPLEMENTATIONS = ("auto", "transformers")

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
    # The positions in ``input_ids`` of the units' subwords, unit after unit (ascending:
    # a word's subwords are consecutive, and words come in order).
    unit_rows: list[int]
    # For each unit, the index of its word in the original sentence.
    unit_words: list[int]
    # How many subwords each unit has; None: one each (``bpe``).
    unit_sizes: list[int] | None = None
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


# Subword ids of one sentence, and for each the index of its word (None: special token).
_TokenizedSentence = tuple[list[int], list["int | None"]]


class _WordTokenizer:
    """Pre-split sentences to subword ids with their word indices.

    Wraps a ``tokenizers.Tokenizer`` read straight from ``tokenizer.json`` (no
    transformers import, which costs seconds of start-up) or a transformers fast
    tokenizer; both give the same ids where the first is used (see
    ``_load_fast_tokenizer``).
    """

    def __init__(
        self,
        encode: Callable[[list[list[str]]], list[_TokenizedSentence]],
        model_max_length: int | None,
        kind: str,
    ) -> None:
        self.encode = encode
        self.model_max_length = model_max_length
        self.kind = kind


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    with path.open(encoding="utf8") as handle:
        data = json.load(handle)
    return data if isinstance(data, dict) else None


def _load_fast_tokenizer(folder: Path, config: dict[str, Any]) -> _WordTokenizer | None:
    """A BERT WordPiece ``tokenizer.json`` run by ``tokenizers`` alone, or None.

    transformers' ``BertTokenizerFast`` runs the same backend, but rebuilds its
    normaliser when ``tokenizer_config.json`` disagrees with ``tokenizer.json`` about
    lower-casing, accents or Chinese characters, and adds special tokens that the file
    lacks; in those cases (and for other tokenizer kinds) this returns None and the
    caller uses transformers, so the ids are always the ones transformers gives.
    """
    if config.get("model_type") != "bert" or not (folder / "tokenizer.json").is_file():
        return None
    settings = _read_json(folder / "tokenizer_config.json") or {}
    if settings.get("tokenizer_class") not in (None, "BertTokenizer", "BertTokenizerFast"):
        return None
    try:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    except Exception:  # any file tokenizers cannot read: transformers may, or will say why
        return None
    normalizer = tokenizer.normalizer
    state = json.loads(normalizer.__getstate__()) if normalizer is not None else {}
    expected = {
        "type": "BertNormalizer",
        "lowercase": settings.get("do_lower_case", True),
        "strip_accents": settings.get("strip_accents"),
        "handle_chinese_chars": settings.get("tokenize_chinese_chars", True),
    }
    if any(state.get(key) != value for key, value in expected.items()):
        return None
    specials = _read_json(folder / "special_tokens_map.json") or {}
    added = {token.content for token in tokenizer.get_added_tokens_decoder().values()}
    for key in ("unk_token", "sep_token", "pad_token", "cls_token", "mask_token"):
        token = specials.get(key, settings.get(key))
        if isinstance(token, dict):
            token = token.get("content")
        if token is not None and token not in added:
            return None
    # tokenizer.json may ask for truncation or padding (MiniLM's pads to 128); the
    # aligner truncates whole words itself and packs sentences without padding.
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def encode(batch: list[list[str]]) -> list[_TokenizedSentence]:
        encodings = tokenizer.encode_batch(batch, is_pretokenized=True, add_special_tokens=True)
        return [(enc.ids, enc.word_ids) for enc in encodings]

    limit = settings.get("model_max_length")
    return _WordTokenizer(encode, int(limit) if isinstance(limit, int) else None, "tokenizers")


class _NotFastError(ValueError):
    """The model's tokenizer cannot map subwords to words (no ``tokenizer.json``)."""


def _load_hf_tokenizer(name: str, model_type: str) -> _WordTokenizer:
    from transformers import AutoTokenizer

    # Byte-level BPE needs a prefix space to tokenise pre-split words.
    prefix = model_type in {"roberta", "gpt2", "bart", "longformer"}
    tokenizer = AutoTokenizer.from_pretrained(
        name, use_fast=True, **({"add_prefix_space": True} if prefix else {})
    )
    if not tokenizer.is_fast:
        raise _NotFastError(
            f"The tokenizer of '{name}' is not a fast tokenizer, which SimAligner "
            "needs to map subwords to words. Save the model with a tokenizer.json."
        )

    def encode(batch: list[list[str]]) -> list[_TokenizedSentence]:
        enc = tokenizer(
            batch,
            is_split_into_words=True,
            add_special_tokens=True,
            truncation=False,
            verbose=False,
        )
        return [(enc["input_ids"][s], enc.word_ids(s)) for s in range(len(batch))]

    return _WordTokenizer(encode, getattr(tokenizer, "model_max_length", None), "transformers")


# --- Encoders: token ids of sentences in, packed hidden states out ----------------

# The model types whose layers ``_PackedEncoder`` runs (same layer, different embeddings).
_PACKED_TYPES = {"bert", "roberta", "xlm-roberta", "camembert"}
# Activations as transformers' ACT2FN computes them (``gelu`` is the exact erf form).
_ACTIVATIONS = {"gelu": "erf", "gelu_new": "tanh", "gelu_pytorch_tanh": "tanh", "relu": "relu"}
# Rows per block for the per-token steps: one block's feed-forward activations (1024 x
# 4 x hidden floats) stay in cache between the two products and the GELU (over a whole
# batch GELU took 3x as long per element), and the blocks are large enough for the
# products to run at full speed (256 rows: 8% slower on MiniLM; measured on 2 AMD cores).
_ROW_BLOCK = 1024


def _packed_config_ok(config: dict[str, Any]) -> bool:
    """Whether ``_PackedEncoder`` computes exactly what transformers would for ``config``."""
    heads = int(config.get("num_attention_heads", 0) or 0)
    return (
        config.get("model_type") in _PACKED_TYPES
        and config.get("position_embedding_type", "absolute") == "absolute"
        and config.get("hidden_act", "gelu") in _ACTIVATIONS
        and not config.get("is_decoder", False)
        and not config.get("add_cross_attention", False)
        and heads > 0
        and int(config.get("hidden_size", 0)) % heads == 0
    )


def _read_weights(folder: Path, names: Callable[[str], bool]) -> dict[str, Any] | None:
    """The tensors whose names pass ``names``, as float32; None when no single weight file.

    Only the layers that run are read (a safetensors file is read tensor by tensor).
    """
    import torch

    single = folder / "model.safetensors"
    if single.is_file():
        from safetensors import safe_open

        tensors = {}
        with safe_open(str(single), framework="pt") as handle:
            for key in handle.keys():  # noqa: SIM118 - safe_open has no __iter__
                if names(key):
                    tensors[key] = handle.get_tensor(key).float()
        return tensors
    legacy = folder / "pytorch_model.bin"
    if legacy.is_file():
        state = torch.load(legacy, map_location="cpu", weights_only=True)
        return {key: value.float() for key, value in state.items() if names(key)}
    return None  # sharded or other formats: transformers knows them


def _numpy_blas_threads() -> int:
    # OpenBLAS's rule for its thread count (it does not follow torch.set_num_threads).
    for var in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1


def _cpu_vendor() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf8") as handle:
            for line in handle:
                if line.startswith("vendor_id"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return ""


def _numpy_gemm_preferred() -> bool:
    """Whether numpy's OpenBLAS multiplies float32 matrices faster than torch's MKL here.

    MKL (torch's BLAS on x86) takes a slower code path on AMD CPUs: on this project's
    AMD EPYC, OpenBLAS ran the encoder's products 1.3-1.45x faster per CPU second, one
    thread each (``_PackedEncoder._use_numpy`` keeps it to one thread).
    """
    if _cpu_vendor() != "AuthenticAMD":
        return False
    try:
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    except (AttributeError, KeyError, TypeError):
        return False
    return "openblas" in str(blas).lower()


class _PackedEncoder:
    """The first ``layers`` layers of a BERT-family encoder, over sentences packed end to end.

    Computes what transformers' ``BertModel``/``RobertaModel`` (eval mode) give as
    ``hidden_states[layers]``, to float32 rounding, and faster on a CPU:

    - no padding: sentences are sorted by length and packed into one ``(tokens,
      hidden)`` matrix; the per-token steps (projections, feed-forward, layer norms)
      run on it in row blocks that stay in cache, and attention runs once per group of
      sentences of equal length, on views of the packed matrix (no mask, no copies);
    - query, key and value come from one matrix product;
    - only the layers up to the one read are loaded and run;
    - on AMD CPUs, single-threaded, the products go through numpy's OpenBLAS
      (``_numpy_gemm_preferred``).
    """

    def __init__(
        self, tensors: dict[str, Any], config: dict[str, Any], layers: int, device: Any
    ) -> None:
        import torch

        prefix = next(
            p
            for p in ("", "bert.", "roberta.", f"{config['model_type']}.")
            if f"{p}embeddings.word_embeddings.weight" in tensors
        )

        def get(name: str) -> Any:
            return tensors[prefix + name].to(device)

        self.hidden_size = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.activation = _ACTIVATIONS[config.get("hidden_act", "gelu")]
        self.device = device
        # RoBERTa-style models number positions from padding_idx + 1.
        roberta_like = config["model_type"] != "bert"
        self.first_position = int(config.get("pad_token_id") or 0) + 1 if roberta_like else 0
        self.word_embeddings = get("embeddings.word_embeddings.weight")
        self.position_embeddings = get("embeddings.position_embeddings.weight")
        self.token_type_embedding = get("embeddings.token_type_embeddings.weight")[0]
        self.embedding_norm = (
            get("embeddings.LayerNorm.weight"),
            get("embeddings.LayerNorm.bias"),
        )
        self.layers: list[dict[str, Any]] = []
        for k in range(layers):
            p = f"encoder.layer.{k}."

            def fused(part: str, p: str = p) -> Any:
                # Query, key and value from one product: one pass over the rows, not three.
                names = ("query", "key", "value")
                return torch.cat([get(f"{p}attention.self.{n}.{part}") for n in names])

            # Weights transposed once, so that every product is (rows x in) @ (in x out).
            self.layers.append(
                {
                    "qkv": fused("weight").t().contiguous(),
                    "qkv_bias": fused("bias"),
                    "out": get(p + "attention.output.dense.weight").t().contiguous(),
                    "out_bias": get(p + "attention.output.dense.bias"),
                    "norm1": (
                        get(p + "attention.output.LayerNorm.weight"),
                        get(p + "attention.output.LayerNorm.bias"),
                    ),
                    "up": get(p + "intermediate.dense.weight").t().contiguous(),
                    "up_bias": get(p + "intermediate.dense.bias"),
                    "down": get(p + "output.dense.weight").t().contiguous(),
                    "down_bias": get(p + "output.dense.bias"),
                    "norm2": (
                        get(p + "output.LayerNorm.weight"),
                        get(p + "output.LayerNorm.bias"),
                    ),
                }
            )
        self._on_cpu = torch.device(device).type == "cpu"
        self._numpy_gemm = self._on_cpu and _numpy_gemm_preferred()

    @staticmethod
    def weight_names(config: dict[str, Any], layers: int) -> Callable[[str], bool]:
        """Which checkpoint tensors the first ``layers`` layers need."""
        wanted = tuple(f"encoder.layer.{k}." for k in range(layers))

        def needed(name: str) -> bool:
            name = name.split(".", 1)[1] if name.startswith(("bert.", "roberta.")) else name
            if name.startswith(f"{config.get('model_type')}."):
                name = name.split(".", 1)[1]
            return name.startswith("embeddings.") or name.startswith(wanted)

        return needed

    def _use_numpy(self) -> bool:
        import torch

        # Only single-threaded: OpenBLAS keeps its own thread pool, and with two threads
        # torch's OpenMP threads, spinning after each torch step, slowed its products
        # down so much that the encoder took twice as long as with torch's products.
        return self._numpy_gemm and torch.get_num_threads() == 1 and _numpy_blas_threads() == 1

    def __call__(self, sentences: Sequence[Sequence[int]]) -> Any:
        """Hidden states of every token, sentence after sentence: ``(tokens, hidden)``.

        ``sentences`` must be sorted by length (attention runs per run of equal lengths).
        """
        import torch
        import torch.nn.functional as F

        lengths = [len(ids) for ids in sentences]
        if any(b < a for a, b in zip(lengths, lengths[1:], strict=False)):
            raise ValueError("_PackedEncoder needs the sentences sorted by length.")
        ids = torch.tensor([i for s in sentences for i in s], dtype=torch.long)
        positions = torch.cat([torch.arange(n) for n in lengths]) + self.first_position
        hidden = self.word_embeddings[ids.to(self.device)]
        hidden += self.token_type_embedding
        hidden += self.position_embeddings[positions.to(self.device)]
        size = self.hidden_size
        hidden = F.layer_norm(hidden, (size,), *self.embedding_norm, self.eps)
        # (first row, sentences, length) of each run of equal lengths.
        runs: list[tuple[int, int, int]] = []
        row = 0
        for n in lengths:
            if runs and runs[-1][2] == n:
                runs[-1] = (runs[-1][0], runs[-1][1] + 1, n)
            else:
                runs.append((row, 1, n))
            row += n
        tokens = row
        use_numpy = self._use_numpy()

        def dense(x: Any, weight: Any, bias: Any, out: Any) -> Any:
            if use_numpy:
                np.matmul(x.numpy(), weight.numpy(), out=out.numpy())
                out += bias
            else:
                torch.addmm(bias, x, weight, out=out)
            return out

        # Buffers allocated once per call and reused by every layer and row block.
        def empty(rows: int, cols: int) -> Any:
            return torch.empty((rows, cols), device=hidden.device)

        block = min(tokens, _ROW_BLOCK)
        inner = self.layers[0]["up"].shape[1] if self.layers else 0
        qkv, context, spare = empty(tokens, 3 * size), empty(tokens, size), empty(tokens, size)
        mid, up, down = empty(block, size), empty(block, inner), empty(block, size)
        heads, head_size = self.heads, size // self.heads
        for layer in self.layers:
            for r in range(0, tokens, _ROW_BLOCK):
                rows = slice(r, r + _ROW_BLOCK)
                dense(hidden[rows], layer["qkv"], layer["qkv_bias"], qkv[rows])
            for first, count, length in runs:
                rows = slice(first, first + count * length)
                q, k, v = qkv[rows].view(count, length, 3, heads, head_size).unbind(2)
                attended = F.scaled_dot_product_attention(
                    q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
                )
                context[rows].view(count, length, heads, head_size).copy_(attended.transpose(1, 2))
            out = spare
            for r in range(0, tokens, _ROW_BLOCK):
                rows = slice(r, r + _ROW_BLOCK)
                n = min(_ROW_BLOCK, tokens - r)
                a = dense(context[rows], layer["out"], layer["out_bias"], mid[:n])
                a += hidden[rows]
                a = F.layer_norm(a, (size,), *layer["norm1"], self.eps)
                u = dense(a, layer["up"], layer["up_bias"], up[:n])
                if self.activation == "erf":
                    torch.ops.aten.gelu_(u)
                elif self.activation == "tanh":
                    torch.ops.aten.gelu_(u, approximate="tanh")
                else:
                    u.relu_()
                d = dense(u, layer["down"], layer["down_bias"], down[:n])
                d += a
                out[rows] = F.layer_norm(d, (size,), *layer["norm2"], self.eps)
            spare, hidden = hidden, out
        return hidden


class _TransformersEncoder:
    """Any transformers encoder, over padded batches: the fallback of ``_PackedEncoder``."""

    def __init__(self, model: Any, layer: int, device: Any, pad_id: int) -> None:
        self.model = model
        self.layer = layer
        self.device = device
        self.pad_id = pad_id
        self.hidden_size = int(model.config.hidden_size)

    def __call__(self, sentences: Sequence[Sequence[int]]) -> Any:
        import torch

        width = max(len(ids) for ids in sentences)
        ids = torch.full((len(sentences), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(sentences), width), dtype=torch.long)
        for row, sentence in enumerate(sentences):
            ids[row, : len(sentence)] = torch.tensor(sentence)
            mask[row, : len(sentence)] = 1
        output = self.model(
            input_ids=ids.to(self.device),
            attention_mask=mask.to(self.device),
            output_hidden_states=True,
        )
        hidden = output.hidden_states[self.layer].float()
        return hidden[mask.to(hidden.device).bool()]  # packed: sentence after sentence


class SimAligner:
    """Align words by the similarity of their contextual embeddings (SimAlign).

    model (str | Path): A local model directory (or hub name) of a Hugging Face encoder
        with a fast tokenizer (``tokenizer.json``): BERT- or XLM-R-like, a
        sentence-transformers folder, or a CLIP-style model (its text tower is used).
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
    implementation (str): ``"auto"``: BERT-family encoders in a local directory run
        here without padding (faster, and no transformers import when the tokenizer is
        BERT's WordPiece), others through transformers; ``"transformers"``: always
        transformers' ``AutoModel`` (the vectors agree to float32 rounding).
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
        implementation: str = "auto",
    ) -> None:
        if method not in LINKERS:
            raise UsageError(f"Unknown method '{method}'. Choose one of: {', '.join(METHODS)}.")
        if token_type not in TOKEN_TYPES:
            raise UsageError(
                f"Unknown token_type '{token_type}'. Choose one of: {', '.join(TOKEN_TYPES)}."
            )
        if implementation not in IMPLEMENTATIONS:
            raise UsageError(
                f"Unknown implementation '{implementation}'. Choose one of: "
                f"{', '.join(IMPLEMENTATIONS)}."
            )
        if layer is not None and layer < 0:
            raise UsageError(f"layer must be 0 or more, got {layer}.")
        if batch_size < 1:
            raise UsageError(f"batch_size must be 1 or more, got {batch_size}.")
        if max_length is not None and max_length < 3:
            raise UsageError(f"max_length must be 3 or more, got {max_length}.")
        self.model_name = str(model)
        self.layer = layer
        self.method = method
        self.token_type = token_type
        self.batch_size = batch_size
        self.device = device
        self.max_length = max_length
        self.implementation = implementation
        self.name = self._make_name()
        self.truncation = TruncationReport()
        self._encoder: _PackedEncoder | _TransformersEncoder | None = None
        self._tokenizer: _WordTokenizer | None = None
        self._position_limit: int | None = None
        self._model_dir = self.model_name

    # -- loading ------------------------------------------------------------------

    def load(self) -> SimAligner:
        """Load the tokenizer and model (done on first use; call it to fail early)."""
        if self._encoder is not None:
            return self
        try:
            import torch
        except ImportError as err:  # pragma: no cover - depends on the environment
            from ..errors import MissingDependencyError

            raise MissingDependencyError(
                "torch and transformers (for the SimAlign aligner)",
                "pip install spacy-xlproj[transformers]",
            ) from err
        self._model_dir = _model_folder(self.model_name)
        folder = Path(self._model_dir)
        config = _read_json(folder / "config.json") if folder.is_dir() else None
        packed = self.implementation == "auto" and config is not None and _packed_config_ok(config)
        device = torch.device(self.device or ("cuda" if torch.cuda.is_available() else "cpu"))
        if packed and config is not None:
            self._load_packed(folder, config, device)
        else:
            self._load_transformers(device)
        return self

    def _loading_error(self, err: Exception) -> OSError:
        return OSError(
            f"Could not load the encoder '{self.model_name}' for SimAlign: {err}. Give a "
            "local directory that holds the model's config.json, weights and tokenizer "
            "files (there is no model hub access offline)."
        )

    def _check_layer(self, n_layers: int) -> int:
        if self.layer is None:
            self.layer = max(1, round(n_layers * 2 / 3))
            self.name = self._make_name()
        if self.layer > n_layers:
            raise UsageError(
                f"layer {self.layer} does not exist: '{self.model_name}' has {n_layers} layers. "
                f"Choose a layer from 0 (embeddings) to {n_layers}."
            )
        return self.layer

    def _load_packed(self, folder: Path, config: dict[str, Any], device: Any) -> None:
        layer = self._check_layer(int(config["num_hidden_layers"]))
        try:
            tensors = _read_weights(folder, _PackedEncoder.weight_names(config, layer))
        except (OSError, ValueError) as err:
            raise self._loading_error(err) from err
        try:
            encoder = _PackedEncoder(tensors, config, layer, device) if tensors else None
        except (KeyError, StopIteration):
            encoder = None  # tensors named otherwise than transformers saves them
        if encoder is None:
            self._load_transformers(device)
            return
        tokenizer = _load_fast_tokenizer(folder, config)
        self._tokenizer = tokenizer or self._hf_tokenizer(str(config["model_type"]))
        self._position_limit = _position_limit(config)
        self._encoder = encoder

    def _hf_tokenizer(self, model_type: str) -> _WordTokenizer:
        try:
            return _load_hf_tokenizer(self._model_dir, model_type)
        except (OSError, ValueError) as err:
            if isinstance(err, _NotFastError):
                raise
            raise self._loading_error(err) from err

    def _load_transformers(self, device: Any) -> None:
        from transformers import AutoModel

        try:
            model = _text_tower(AutoModel.from_pretrained(self._model_dir))
        except (OSError, ValueError) as err:
            raise self._loading_error(err) from err
        config = model.config.to_dict()
        tokenizer = self._hf_tokenizer(str(config.get("model_type", "")))
        layer = self._check_layer(int(config["num_hidden_layers"]))
        _drop_layers_above(model, layer)
        model.eval()
        model.to(device)
        pad_id = int(config.get("pad_token_id") or 0)
        self._tokenizer = tokenizer
        self._position_limit = _position_limit(config)
        self._encoder = _TransformersEncoder(model, layer, device, pad_id)

    def _make_name(self) -> str:
        layer = "auto" if self.layer is None else self.layer
        return f"simalign:{self.model_name}:L{layer}:{self.method}:{self.token_type}"

    @property
    def model_max_length(self) -> int:
        """The most subword tokens per sentence that are fed to the model."""
        self.load()
        assert self._tokenizer is not None
        limits = [self.max_length or 10**9]
        if self._position_limit:
            limits.append(self._position_limit)
        tok_limit = self._tokenizer.model_max_length
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
        vectors = self._embed(encoded, unit_length=True)
        linker = LINKERS[self.method]
        results: list[list[Link]] = []
        for k in range(len(pairs)):
            src, tgt = encoded[2 * k], encoded[2 * k + 1]
            self._count_truncation(src.truncated_words + tgt.truncated_words, first + k)
            if not src.unit_words or not tgt.unit_words:
                results.append([])
                continue
            # The rows are unit length already: the cosine is their product.
            sim = vectors[2 * k] @ vectors[2 * k + 1].T
            sim += 1.0
            sim /= 2.0
            unit_links = linker(sim)
            src_words, tgt_words = src.unit_words, tgt.unit_words
            links = {(src_words[i], tgt_words[j]) for i, j in unit_links}
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
        assert self._encoder is not None
        encoded = self._encode_words(sentences, token_type="word")
        vectors = self._embed(encoded)
        out = []
        for words, item, units in zip(sentences, encoded, vectors, strict=True):
            full = np.zeros((len(words), self._encoder.hidden_size), dtype=np.float32)
            full[item.unit_words] = units
            out.append(full)
        return out

    def _encode_words(
        self, sentences: Sequence[Sequence[str]], token_type: str | None = None
    ) -> list[_Encoded]:
        assert self._tokenizer is not None
        limit = self.model_max_length
        # Tokenise in one call (the fast tokenizer is parallel); we truncate ourselves
        # so that a cut never splits a word or shifts a word index.
        tokenized = self._tokenizer.encode([list(words) for words in sentences])
        kind = token_type or self.token_type
        return [self._encode_one(ids, word_ids, limit, kind) for ids, word_ids in tokenized]

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
        rows = [p for p, w in enumerate(word_ids) if w is not None]
        if token_type == "bpe":
            unit_words = [w for w in word_ids if w is not None]
            return _Encoded(list(ids), rows, unit_words, None, truncated_words)
        # One unit per word that has subwords (a word that tokenises to nothing has no
        # unit, and so no links).
        unit_words = []
        sizes: list[int] = []
        for p in rows:
            if unit_words and unit_words[-1] == word_ids[p]:
                sizes[-1] += 1
            else:
                unit_words.append(word_ids[p])  # type: ignore[arg-type]
                sizes.append(1)
        return _Encoded(list(ids), rows, unit_words, sizes, truncated_words)

    def _embed(self, encoded: Sequence[_Encoded], unit_length: bool = False) -> list[np.ndarray]:
        """Unit vectors of every sentence (each the mean of its subword vectors).

        Sentences go to the encoder sorted by length, ``2 * batch_size`` at a time.
        ``unit_length``: scale each vector to length 1 (zero vectors stay zero).
        """
        import torch

        assert self._encoder is not None
        encoder = self._encoder
        empty = np.zeros((0, encoder.hidden_size), dtype=np.float32)
        vectors: list[np.ndarray] = [empty] * len(encoded)
        order = sorted(range(len(encoded)), key=lambda s: len(encoded[s].input_ids))
        order = [s for s in order if encoded[s].unit_words]
        step = 2 * self.batch_size
        with torch.inference_mode():
            for start in range(0, len(order), step):
                chunk = order[start : start + step]
                hidden = encoder([encoded[s].input_ids for s in chunk])
                # Each unit's subwords in the packed states: one run of rows per unit.
                offsets = np.cumsum([0] + [len(encoded[s].input_ids) for s in chunk[:-1]])
                rows = np.concatenate(
                    [
                        np.asarray(encoded[s].unit_rows) + o
                        for s, o in zip(chunk, offsets, strict=True)
                    ]
                )
                states = hidden.cpu().numpy()[rows]
                if encoded[chunk[0]].unit_sizes is None:  # one subword per unit (bpe)
                    means = states
                else:
                    sizes = np.concatenate([encoded[s].unit_sizes for s in chunk])
                    starts = np.cumsum(sizes) - sizes
                    means = np.add.reduceat(states, starts, axis=0)
                    means /= sizes[:, np.newaxis].astype(np.float32)
                if unit_length:
                    means = _unit_rows(means)
                done = 0
                for s in chunk:
                    n = len(encoded[s].unit_words)
                    vectors[s] = means[done : done + n]
                    done += n
        return vectors


def _model_folder(name: str) -> str:
    """Where the encoder's own files are: ``name``, or for a sentence-transformers folder
    in the older layout (no ``config.json`` at the top), its Transformer module's folder."""
    folder = Path(name)
    modules = folder / "modules.json"
    if (folder / "config.json").is_file() or not modules.is_file():
        return name
    with modules.open(encoding="utf8") as handle:
        entries = json.load(handle)
    for entry in entries if isinstance(entries, list) else []:
        if str(entry.get("type", "")).endswith(".Transformer"):
            return str(folder / entry.get("path", ""))
    return name


def _text_tower(model: Any) -> Any:
    """The text encoder of a text-image model (CLIP, AltCLIP, SigLIP…), else ``model``.

    Their ``AutoModel`` needs images too; the text tower alone maps token ids to
    hidden states like any encoder (``CLIPTextModel`` directories load as they are).
    """
    tower = getattr(model, "text_model", None)
    if getattr(model.config, "text_config", None) is not None and tower is not None:
        return tower
    return model


# Model types whose positions count from 0 although their pad_token_id is not 0.
_ZERO_BASED_POSITIONS = {"bert", "clip_text_model", "siglip_text_model"}


def _position_limit(config: dict[str, Any]) -> int | None:
    positions = config.get("max_position_embeddings")
    if not positions:
        return None
    # RoBERTa-style models reserve the first positions (padding index + 1).
    offset = config.get("pad_token_id", 0) or 0
    if config.get("model_type") in _ZERO_BASED_POSITIONS:
        offset = 0
    return int(positions) - (offset + 1 if offset else 0)


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
    implementation: str = "auto",
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
        implementation=implementation,
    )
