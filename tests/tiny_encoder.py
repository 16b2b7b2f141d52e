"""A tiny random BERT with a WordPiece tokenizer trained here, saved to a folder.

Tests of code that runs a Hugging Face encoder (SimAligner, taggers) need a real model
directory but no download: this builds one in about a second. Use the session fixture
``tiny_encoder`` (import it into a test module) or call ``build_tiny_encoder(path)``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

try:
    import pytest
except ImportError:  # pragma: no cover - the builders also serve benchmarks/device_check.py
    pytest = None  # type: ignore[assignment]

# Made-up "words": shared stems with affixes, so that WordPiece learns real subword splits.
_STEMS = [a + b for a in ("al", "bren", "cor", "dal", "erv") for b in ("b", "t", "st", "m")]
_AFFIXES = ["", "", "a", "en", "ing", "os", "ter", "ik", "um"]
_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

MAX_POSITIONS = 64  # small, so that tests can exceed the model's length limit


def tiny_sentences(n: int = 300, seed: int = 0) -> list[list[str]]:
    """Generate ``n`` sentences of made-up words and punctuation."""
    rng = random.Random(seed)
    sentences = []
    for _ in range(n):
        words = [rng.choice(_STEMS) + rng.choice(_AFFIXES) for _ in range(rng.randint(3, 14))]
        words[0] = words[0].capitalize()
        sentences.append([*words, rng.choice([".", "!", "?"])])
    return sentences


def build_tiny_encoder(path: Path, *, seed: int = 0) -> Path:
    """Train a WordPiece tokenizer and save it with a random 2-layer, 32-wide BERT at ``path``."""
    text = [" ".join(words) for words in tiny_sentences(300, seed)]
    return build_bert_encoder(
        path,
        text,
        vocab_size=120,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=MAX_POSITIONS,
        seed=seed,
    )


def build_bert_encoder(
    path: Path,
    text: Iterable[str],
    *,
    vocab_size: int,
    hidden_size: int,
    num_hidden_layers: int,
    num_attention_heads: int,
    intermediate_size: int,
    max_position_embeddings: int,
    model_vocab_size: int | None = None,
    seed: int = 0,
) -> Path:
    """Train a WordPiece tokenizer on ``text`` and save it with a random BERT of that shape.

    ``model_vocab_size`` (default: the tokenizer's) sizes the embedding matrix, so that a
    model can have a real model's size (mBERT: 119,547) with a smaller trained vocabulary.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from tokenizers.trainers import WordPieceTrainer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = WordPieceTrainer(vocab_size=vocab_size, special_tokens=_SPECIALS, show_progress=False)
    tokenizer.train_from_iterator(text, trainer)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer.decoder = decoders.WordPiece()
    fast = BertTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=max_position_embeddings,
    )
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=max(model_vocab_size or 0, tokenizer.get_vocab_size()),
        hidden_size=hidden_size,
        num_hidden_layers=num_hidden_layers,
        num_attention_heads=num_attention_heads,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_position_embeddings,
    )
    path.mkdir(parents=True, exist_ok=True)
    BertModel(config).eval().save_pretrained(path)
    fast.save_pretrained(path)
    return path


if pytest is not None:

    @pytest.fixture(scope="session")
    def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
        """Folder of a tiny random BERT + WordPiece tokenizer (built once per session)."""
        pytest.importorskip("torch")
        pytest.importorskip("transformers")
        return build_tiny_encoder(tmp_path_factory.mktemp("tiny_encoder"))
