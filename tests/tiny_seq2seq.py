"""Builders of tiny random seq2seq translation models, saved like hub models.

The weights are random, so translations are nonsense, but the code paths (tokenizer
language codes, batching, generation, forced decoding) are the real ones. Each builder
trains a small sentencepiece model on generated sentences and takes well under a second.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def _words(text: str) -> list[str]:
    return text.split()


# Our own small vocabularies; sentences are random combinations of them.
EN_WORDS = _words(
    "the a cat dog house river city mountain teacher doctor friend market train "
    "walks sees likes builds visits paints finds near with from into under over "
    "red green small large old new quiet busy Anna Peter Lisbon Berlin Nairobi Lagos"
)
ES_WORDS = _words(
    "el la gato perro casa río ciudad montaña maestra médico amigo mercado tren "
    "camina ve quiere construye visita pinta encuentra cerca con desde en bajo sobre "
    "rojo verde pequeño grande viejo nuevo tranquilo ocupado Ana Pedro Lisboa Berlín"
)


def make_sentences(n: int = 300, seed: int = 0) -> list[str]:
    """``n`` random sentences mixing both vocabularies, with punctuation."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.choice([EN_WORDS, ES_WORDS])
        sent = " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))
        out.append(sent[0].upper() + sent[1:] + rng.choice([".", "!", "?", ", yes."]))
    return out


def train_spm(folder: Path, name: str, vocab_size: int = 160, seed: int = 0) -> Path:
    """Train a sentencepiece model ``folder/name.model`` on generated sentences."""
    return train_spm_on(make_sentences(400, seed), folder, name, vocab_size)


def train_spm_on(
    sentences: Iterable[str], folder: Path, name: str, vocab_size: int, **options: Any
) -> Path:
    """Train a unigram sentencepiece model ``folder/name.model`` on ``sentences``.

    ``options`` go to the trainer (e.g. ``hard_vocab_limit=False`` for a small text).
    """
    import sentencepiece as spm

    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder / name
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        minloglevel=2,
        **options,
    )
    return prefix.with_suffix(".model")


def _spm_pieces(model: Path) -> list[str]:
    import sentencepiece as spm

    proc = spm.SentencePieceProcessor(model_file=str(model))
    return [
        proc.id_to_piece(i)
        for i in range(proc.get_piece_size())
        if not (proc.is_control(i) or proc.is_unknown(i))
    ]


def _vocab_size(tokenizer) -> int:  # noqa: ANN001
    # Some slow tokenizers (M2M100) leave their language tokens out of len() and vocab.
    ids = [*tokenizer.get_vocab().values(), *getattr(tokenizer, "lang_code_to_id", {}).values()]
    ids.extend(tokenizer.convert_tokens_to_ids(tokenizer.all_special_tokens))
    return max(len(tokenizer), max(ids) + 1)


def _small(config_cls, vocab_size: int, **kw):  # noqa: ANN001, ANN202
    return config_cls(
        vocab_size=vocab_size,
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        max_position_embeddings=64,
        **kw,
    )


def build_tiny_m2m100(folder: Path, seed: int = 0) -> Path:
    """Save a tiny random M2M100 model and its tokenizer (100 language codes) in ``folder``."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    folder.mkdir(parents=True, exist_ok=True)
    spm_file = train_spm(folder / "_spm", "m2m", seed=seed)
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in _spm_pieces(spm_file):
        vocab.setdefault(piece, len(vocab))
    (folder / "_spm" / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = M2M100Tokenizer(
        vocab_file=str(folder / "_spm" / "vocab.json"), spm_file=str(spm_file), model_max_length=64
    )
    torch.manual_seed(seed)
    config = _small(
        M2M100Config,
        _vocab_size(tokenizer),
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
    )
    M2M100ForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_nllb(folder: Path, seed: int = 0) -> Path:
    """Save a tiny random NLLB-style model (M2M100 weights, NLLB tokenizer) in ``folder``."""
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    spm_file = train_spm(folder / "_spm", "nllb", seed=seed)
    tokenizer = NllbTokenizer(vocab_file=str(spm_file), model_max_length=64)
    torch.manual_seed(seed)
    config = _small(
        M2M100Config,
        _vocab_size(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
    )
    M2M100ForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_marian(folder: Path, src: str = "en", tgt: str = "es", seed: int = 0) -> Path:
    """Save a tiny random Marian model for ``src``->``tgt`` in ``folder``."""
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    spm_file = train_spm(folder / "_spm", "marian", seed=seed)
    vocab = {"</s>": 0, "<unk>": 1}
    for piece in _spm_pieces(spm_file):
        vocab.setdefault(piece, len(vocab))
    vocab["<pad>"] = len(vocab)
    (folder / "_spm" / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = MarianTokenizer(
        source_spm=str(spm_file),
        target_spm=str(spm_file),
        vocab=str(folder / "_spm" / "vocab.json"),
        source_lang=src,
        target_lang=tgt,
        model_max_length=64,
    )
    torch.manual_seed(seed)
    pad = vocab["<pad>"]
    config = _small(
        MarianConfig,
        len(vocab),
        pad_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
        decoder_start_token_id=pad,
    )
    MarianMTModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


# Session-scoped fixtures; test modules import the ones they use.
try:
    import pytest
except ImportError:  # pragma: no cover - the builders also serve the benchmarks
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture(scope="session")
    def tiny_m2m100(tmp_path_factory: pytest.TempPathFactory) -> Path:
        pytest.importorskip("transformers")
        return build_tiny_m2m100(tmp_path_factory.mktemp("tiny_m2m100"))

    @pytest.fixture(scope="session")
    def tiny_nllb(tmp_path_factory: pytest.TempPathFactory) -> Path:
        pytest.importorskip("transformers")
        return build_tiny_nllb(tmp_path_factory.mktemp("tiny_nllb"))

    @pytest.fixture(scope="session")
    def tiny_marian(tmp_path_factory: pytest.TempPathFactory) -> Path:
        pytest.importorskip("transformers")
        return build_tiny_marian(tmp_path_factory.mktemp("tiny_marian"), "en", "es")
