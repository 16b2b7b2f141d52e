"""Neural translation with a Hugging Face seq2seq model (NLLB-200, M2M100, Marian, mBART-50).

The model is a hub name or, on machines without internet, a local directory saved with
``save_pretrained``. Language codes are mapped to the model's own codes; Marian models
translate one fixed direction, which is checked when the model says what it is.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import MissingDependencyError, SetupError, UsageError
from ..registry import translators
from . import langcodes
from .base import translate_nonempty
from .identity import DigestMemo, model_digest, settings_digest

logger = logging.getLogger(__name__)

_NLLB_CODE = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")
_MBART_CODE = re.compile(r"^[a-z]{2}_[A-Z]{2}$")
_MARIAN_TARGET = re.compile(r"^>>([A-Za-z_]+)<<$")
_OPUS_NAME = re.compile(r"opus-mt-([a-zA-Z_]+)-([a-zA-Z_]+)$")
# Where a too-long sentence may be cut: after sentence punctuation, then after clause
# punctuation; words are the last resort.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…。！？])\s+")
_CLAUSE_BREAK = re.compile(r"(?<=[,;:，；：])\s+|\s+(?=[–—-]\s)")


class ModelLoadError(SetupError, OSError):
    """A translation model could not be loaded; says where it was looked for."""


def split_to_fit(text: str, count: Callable[[str], int], limit: int) -> list[str]:
    """Cut ``text`` into consecutive parts that each have at most ``limit`` tokens.

    Cuts after sentence punctuation first, then after clause punctuation, then between
    words; neighbouring pieces are packed together while they fit. A single word that is
    longer than ``limit`` is cut into characters as a last resort. Joining the parts with
    single spaces gives back the text (up to whitespace).

    text (str): The text to cut.
    count (Callable[[str], int]): Number of tokens of a piece of text.
    limit (int): Largest number of tokens per part.
    """
    text = " ".join(text.split())
    if not text or count(text) <= limit:
        return [text]
    for splitter in (_SENTENCE_BREAK.split, _CLAUSE_BREAK.split, str.split):
        pieces = [p for p in splitter(text) if p]
        if len(pieces) > 1:
            return _pack(pieces, count, limit)
    # One word longer than the limit: cut it into equal character runs.
    n = 2
    while True:
        size = -(-len(text) // n)
        parts = [text[i : i + size] for i in range(0, len(text), size)]
        if all(count(p) <= limit for p in parts) or size == 1:
            return parts
        n *= 2


def _pack(pieces: list[str], count: Callable[[str], int], limit: int) -> list[str]:
    parts: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current} {piece}" if current else piece
        if count(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if count(piece) <= limit:
            current = piece
        else:
            parts.extend(split_to_fit(piece, count, limit))
            current = ""
    if current:
        parts.append(current)
    return parts


@dataclass
class ModelLanguages:
    """How one model family is told which languages to translate between."""

    kind: str  # "nllb", "m2m100", "mbart50", "marian"
    src_code: str | None = None
    tgt_code: str | None = None
    forced_bos_token_id: int | None = None
    prefix: str = ""  # Marian multi-target models want ">>spa<< " before the text


def _language_tokens(tokenizer: Any) -> list[str]:
    tokens = list(getattr(tokenizer, "additional_special_tokens", None) or [])
    mapping = getattr(tokenizer, "lang_code_to_id", None)
    if isinstance(mapping, dict):
        tokens.extend(mapping)
    return tokens


def language_ids(tokenizer: Any) -> set[int]:
    """Token ids of the tokenizer's language tokens (``__es__``, ``spa_Latn``, ``>>spa<<``)."""
    ids = set(getattr(tokenizer, "lang_code_to_id", {}).values())
    tokens = [
        t
        for t in _language_tokens(tokenizer)
        if _NLLB_CODE.match(t) or _MBART_CODE.match(t) or _MARIAN_TARGET.match(t)
    ]
    ids.update(i for i in tokenizer.convert_tokens_to_ids(tokens) if i is not None)
    return ids


def resolve_family(tokenizer: Any, config: Any, model: str, src: str, tgt: str) -> ModelLanguages:
    """Find the model family and its codes for ``src`` -> ``tgt``; unknown codes raise
    :class:`~spacy_xlproj.translate.langcodes.UnknownLanguageError`."""
    tok_class = type(tokenizer).__name__
    model_type = getattr(config, "model_type", "")
    if tok_class.startswith("M2M100") or hasattr(tokenizer, "get_lang_id"):
        valid = list(getattr(tokenizer, "lang_code_to_id", {}))
        s, t = langcodes.to_m2m100(src, valid), langcodes.to_m2m100(tgt, valid)
        return ModelLanguages("m2m100", s, t, tokenizer.get_lang_id(t))
    codes = _language_tokens(tokenizer)
    nllb = [c for c in codes if _NLLB_CODE.match(c)]
    if tok_class.startswith("Nllb") or nllb:
        s, t = langcodes.to_nllb(src, nllb), langcodes.to_nllb(tgt, nllb)
        return ModelLanguages("nllb", s, t, tokenizer.convert_tokens_to_ids(t))
    mbart = [c for c in codes if _MBART_CODE.match(c)]
    if mbart:
        s, t = langcodes.to_mbart(src, mbart), langcodes.to_mbart(tgt, mbart)
        return ModelLanguages("mbart50", s, t, tokenizer.convert_tokens_to_ids(t))
    if model_type == "marian" or tok_class.startswith("Marian"):
        return _resolve_marian(tokenizer, config, model, src, tgt)
    raise UsageError(
        f"Cannot tell which languages the model '{model}' ({model_type or tok_class}) "
        "translates between. Supported: NLLB-200, M2M100, mBART-50 and Marian models."
    )


def _resolve_marian(tokenizer: Any, config: Any, model: str, src: str, tgt: str) -> ModelLanguages:
    declared_src = getattr(tokenizer, "source_lang", None)
    declared_tgt = getattr(tokenizer, "target_lang", None)
    name = str(getattr(config, "_name_or_path", "") or model).rstrip("/")
    match = _OPUS_NAME.search(name)
    if match and not (declared_src or declared_tgt):
        declared_src, declared_tgt = match.groups()
    targets = [m.group(1) for t in tokenizer.get_vocab() if (m := _MARIAN_TARGET.match(t))]
    prefix = ""
    if targets:
        # A multi-target model: the target language is chosen by a ">>xxx<<" prefix.
        wanted = next((c for c in [tgt, *langcodes.variants(tgt)] if c in targets), None)
        if wanted is None:
            raise langcodes.UnknownLanguageError(tgt, f"the Marian model '{model}'", targets)
        prefix = f">>{wanted}<< "
        declared_tgt = None
    for declared, asked, side in ((declared_src, src, "from"), (declared_tgt, tgt, "to")):
        if not declared:
            continue
        # Group names such as "ROMANCE" or "mul" cover many languages: nothing to check.
        if declared.isupper() or declared in ("mul", "gem", "gmq", "roa", "sla", "zle", "zls"):
            continue
        if langcodes.normalize(declared) != langcodes.normalize(asked):
            raise UsageError(
                f"The Marian model '{model}' translates {side} '{declared}', but "
                f"'{asked}' was asked for. Marian models have one fixed direction: "
                f"use a model for {src}->{tgt} (e.g. opus-mt-{src}-{tgt})."
            )
    return ModelLanguages("marian", prefix=prefix)


def load_seq2seq(model: str) -> tuple[Any, Any]:
    """Load ``(tokenizer, model)`` from a local directory or a hub name, with clear errors."""
    return _load(model, weights=True)


def load_tokenizer(model: str) -> tuple[Any, Any]:
    """Load ``(tokenizer, config)`` without the weights, for a backend that runs the model
    in another engine (CTranslate2); same errors as :func:`load_seq2seq`."""
    return _load(model, weights=False)


def _load(model: str, weights: bool) -> tuple[Any, Any]:
    try:
        from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer
    except ImportError as err:
        raise MissingDependencyError(
            "Hugging Face transformers", "pip install 'spacy-xlproj[transformers]'"
        ) from err
    path = Path(model).expanduser()
    looks_local = path.exists() or model.startswith((".", "/", "~")) or model.count("/") > 1
    if looks_local and not path.is_dir():
        raise ModelLoadError(
            f"Translation model directory not found: {path}. Pass a folder saved with "
            "save_pretrained() (config.json, model weights, tokenizer files) or a hub name."
        )
    source = str(path) if looks_local else model
    try:
        try:
            tokenizer = AutoTokenizer.from_pretrained(source)
        except ImportError:
            # Building a fast tokenizer from a sentencepiece file needs protobuf; the slow
            # tokenizer gives the same tokens.
            tokenizer = AutoTokenizer.from_pretrained(source, use_fast=False)
        if weights:
            net = AutoModelForSeq2SeqLM.from_pretrained(source)
        else:
            net = AutoConfig.from_pretrained(source)
    except (OSError, ValueError) as err:
        hint = (
            "Check that the folder has config.json, the weights and the tokenizer files."
            if looks_local
            else "It is not a local folder and the model hub could not provide it. On a "
            f"connected machine run: huggingface-cli download {model} --local-dir DIR, "
            "then pass DIR."
        )
        raise ModelLoadError(f"Could not load the translation model '{model}'. {hint}") from err
    return tokenizer, net


def model_limit(config: Any, tokenizer: Any) -> int:
    """Longest input, in tokens, that the model and its tokenizer accept."""
    limits = [
        getattr(config, "max_position_embeddings", None),
        getattr(tokenizer, "model_max_length", None),
    ]
    # Tokenizers without a limit report a huge sentinel value.
    usable = [int(x) for x in limits if isinstance(x, int) and 0 < x < 100_000]
    return min(usable) if usable else 512


def model_id(model: str) -> str:
    """How a model is named in cache keys: a folder by its absolute path, so that ``./m``
    and ``m`` share cache entries; a hub name as it is."""
    local = Path(model).expanduser()
    return str(local.resolve()) if local.is_dir() else model


class Seq2SeqText:
    """The text side of a seq2seq translator, shared by every engine that runs the model
    (:class:`HFTranslator`, :class:`~spacy_xlproj.translate.ct2.CT2Translator`).

    Maps language codes, counts tokens, splits too-long sentences, batches by length and
    decodes; a subclass only runs one batch (:meth:`_generate`). Both engines going
    through the same code is what makes their translations comparable token for token.
    """

    model_name: str
    src_lang: str
    tgt_lang: str
    tokenizer: Any
    family: ModelLanguages
    batch_size: int
    num_beams: int
    max_length: int | None
    max_input_tokens: int
    n_split: int
    n_parts: int

    def _init_text(
        self,
        tokenizer: Any,
        config: Any,
        model: str,
        src_lang: str,
        tgt_lang: str,
        *,
        batch_size: int,
        num_beams: int,
        max_length: int | None,
        max_input_tokens: int | None,
    ) -> None:
        """Set the settings every engine shares; arguments as for :class:`HFTranslator`."""
        self.model_name = model
        self.src_lang = src_lang
        self.tgt_lang = tgt_lang
        self.batch_size = batch_size
        self.num_beams = num_beams
        self.max_length = max_length
        self.tokenizer = tokenizer
        self.family = resolve_family(tokenizer, config, model, src_lang, tgt_lang)
        if self.family.src_code is not None:
            tokenizer.src_lang = self.family.src_code
        if self.family.tgt_code is not None and hasattr(tokenizer, "tgt_lang"):
            tokenizer.tgt_lang = self.family.tgt_code
        self.max_input_tokens = max_input_tokens or model_limit(config, tokenizer)
        self._language_ids = language_ids(tokenizer)
        self.n_split = 0  # sentences that were too long and translated in parts
        self.n_parts = 0
        self._fingerprint: str | None = None

    def output_settings(self) -> dict[str, Any]:
        """The settings that change a translation (the batch size does not); an engine
        adds its own (precision)."""
        return {
            "num_beams": self.num_beams,
            "max_length": self.max_length,
            "max_input_tokens": self.max_input_tokens,
            "prefix": self.family.prefix,
        }

    def fingerprint(self, memo: DigestMemo | None = None) -> str:
        """A hash of the model's files (weights, config, tokenizer) and of
        :meth:`output_settings`: a model retrained in the same folder, or another beam
        size, is another translator. Computed once per object; ``memo`` remembers the
        weights' digests between runs."""
        if self._fingerprint is None:
            self._fingerprint = settings_digest(
                {"model": model_digest(self.model_name, memo), **self.output_settings()}
            )
        return self._fingerprint

    def _cache_name(self, engine: str) -> str:
        """``ENGINE:MODEL:SRC-TGT:beams=N``: the name cache keys are made of (an engine
        adds what else changes its output)."""
        family = self.family
        direction = f"{family.src_code or self.src_lang}-{family.tgt_code or self.tgt_lang}"
        return f"{engine}:{model_id(self.model_name)}:{direction}:beams={self.num_beams}"

    def _count(self, text: str) -> int:
        return self._counts([text])[0]

    def _counts(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        return [len(x) for x in self._encode(texts)]

    def _encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text, with the model's language prefix and special tokens."""
        return list(self.tokenizer([self.family.prefix + t for t in texts])["input_ids"])

    def _max_new_tokens(self, longest: int) -> int:
        """Most tokens generated for a batch whose longest input has ``longest`` tokens."""
        if self.max_length is not None:
            return self.max_length
        return min(self.max_input_tokens, 2 * longest + 16)

    def _decode(self, generated: list[list[int]]) -> list[str]:
        # Language tokens are not always "special" to the tokenizer (M2M100): drop them here.
        drop = self._language_ids
        cleaned = [[t for t in seq if t not in drop] for seq in generated]
        decoded = self.tokenizer.batch_decode(cleaned, skip_special_tokens=True)
        return [" ".join(d.split()) for d in decoded]

    def translate(self, texts: Sequence[str]) -> list[str]:
        """Translate every text, in order; too-long texts are split and re-joined."""
        units: list[str] = []
        owners: list[int] = []
        split_here = 0
        for i, (text, n) in enumerate(zip(texts, self._counts(texts), strict=True)):
            if n <= self.max_input_tokens:
                units.append(" ".join(text.split()))
                owners.append(i)
                continue
            parts = split_to_fit(text, self._count, self.max_input_tokens)
            if len(parts) > 1:
                split_here += 1
                self.n_split += 1
                self.n_parts += len(parts)
                logger.debug("sentence %d translated in %d parts", i, len(parts))
            units.extend(parts)
            owners.extend([i] * len(parts))
        if split_here:
            logger.warning(
                "%d of %d sentences had more than %d tokens and were translated in parts "
                "(%d in total so far)",
                split_here,
                len(texts),
                self.max_input_tokens,
                self.n_split,
            )
        done = translate_nonempty(units, self._translate_batches)
        out: list[list[str]] = [[] for _ in texts]
        for owner, translation in zip(owners, done, strict=True):
            out[owner].append(translation)
        return [" ".join(p for p in parts if p) for parts in out]

    def _translate_batches(self, texts: list[str]) -> list[str]:
        out = [""] * len(texts)
        lengths = self._counts(texts)
        # Longest first: similar lengths share a batch (little padding), and an
        # out-of-memory error shows up on the first batch, not after an hour.
        todo = sorted(range(len(texts)), key=lambda i: -lengths[i])
        for start in range(0, len(todo), self.batch_size):
            idx = todo[start : start + self.batch_size]
            for i, translation in zip(idx, self._generate([texts[i] for i in idx]), strict=True):
                out[i] = translation
        return out

    def _generate(self, batch: list[str]) -> list[str]:
        raise NotImplementedError


class HFTranslator(Seq2SeqText):
    """Translate with a Hugging Face sequence-to-sequence model.

    model (str): Hub name or local directory.
    src_lang (str): Source language (ISO 639-1/639-3 or the model's own code).
    tgt_lang (str): Target language.
    batch_size (int): Sentences per forward pass (sentences are sorted by length first).
    num_beams (int): Beam size.
    max_length (int | None): Most tokens generated per sentence; None: twice the input
        length plus 16, capped by the model's limit.
    device (str | None): ``cuda``, ``cpu``…; None picks the GPU when there is one.
    fp16 (bool | None): Half precision; None uses it on a GPU only.
    max_input_tokens (int | None): Longest input before a sentence is split; None reads
        the limit from the tokenizer and the model config.
    """

    def __init__(
        self,
        model: str,
        src_lang: str,
        tgt_lang: str,
        *,
        batch_size: int = 16,
        num_beams: int = 4,
        max_length: int | None = None,
        device: str | None = None,
        fp16: bool | None = None,
        max_input_tokens: int | None = None,
    ) -> None:
        import torch

        tokenizer, self.model = load_seq2seq(str(model))
        self._init_text(
            tokenizer,
            self.model.config,
            str(model),
            src_lang,
            tgt_lang,
            batch_size=batch_size,
            num_beams=num_beams,
            max_length=max_length,
            max_input_tokens=max_input_tokens,
        )
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.fp16 = self.device.type == "cuda" if fp16 is None else fp16
        self.model.to(self.device)
        if self.fp16:
            self.model.half()
        self.model.eval()
        self.name = self._cache_name("hf")

    def output_settings(self) -> dict[str, Any]:
        """:meth:`Seq2SeqText.output_settings` and the precision."""
        return {**super().output_settings(), "fp16": self.fp16}

    def _translate_batches(self, texts: list[str]) -> list[str]:
        import torch

        with torch.inference_mode():
            return super()._translate_batches(texts)

    def _generate(self, batch: list[str]) -> list[str]:
        enc = self.tokenizer(
            [self.family.prefix + t for t in batch], return_tensors="pt", padding=True
        ).to(self.device)
        max_new = self._max_new_tokens(int(enc["input_ids"].shape[1]))
        kwargs: dict[str, Any] = {"num_beams": self.num_beams, "max_new_tokens": max_new}
        if self.family.forced_bos_token_id is not None:
            kwargs["forced_bos_token_id"] = self.family.forced_bos_token_id
        return self._decode(self.model.generate(**enc, **kwargs).tolist())


@translators("spacy_xlproj.HFTranslator.v1")
def make_hf_translator(
    model: str,
    src_lang: str,
    tgt_lang: str,
    batch_size: int = 16,
    num_beams: int = 4,
    max_length: int | None = None,
    device: str | None = None,
    fp16: bool | None = None,
) -> HFTranslator:
    """Registered constructor of :class:`HFTranslator`."""
    return HFTranslator(
        model,
        src_lang,
        tgt_lang,
        batch_size=batch_size,
        num_beams=num_beams,
        max_length=max_length,
        device=device,
        fp16=fp16,
    )
