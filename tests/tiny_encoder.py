"""A tiny random BERT with a WordPiece tokenizer trained here, saved to a folder.

Tests of code that runs a Hugging Face encoder (SimAligner, taggers) need a real model
directory but no download: this builds one in about a second. Use the session fixture
``tiny_encoder`` (import it into a test module) or call ``build_tiny_encoder(path)``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

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
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from tokenizers.trainers import WordPieceTrainer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = WordPieceTrainer(vocab_size=120, special_tokens=_SPECIALS, show_progress=False)
    text = [" ".join(words) for words in tiny_sentences(300, seed)]
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
        model_max_length=MAX_POSITIONS,
    )
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=MAX_POSITIONS,
    )
    path.mkdir(parents=True, exist_ok=True)
    BertModel(config).eval().save_pretrained(path)
    fast.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny random BERT + WordPiece tokenizer (built once per session)."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    return build_tiny_encoder(tmp_path_factory.mktemp("tiny_encoder"))
