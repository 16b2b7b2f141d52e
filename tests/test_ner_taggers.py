"""NER taggers: a tiny spaCy pipeline trained here, a tiny random HF token classifier."""

from __future__ import annotations

import random

import numpy as np
import pytest

from spacy_xlproj.ner.base import EntityTagger, TagScorer
from spacy_xlproj.ner.build import build_tagger, parse_label_map
from spacy_xlproj.ner.hf_tagger import HFTagger
from spacy_xlproj.ner.spacy_tagger import SpacyTagger
from spacy_xlproj.registry import taggers
from spacy_xlproj.types import Span

TRAIN = [
    ("Anna visited Paris .", [(0, 4, "PER"), (13, 18, "LOC")]),
    ("Peter lives in Rome .", [(0, 5, "PER"), (15, 19, "LOC")]),
    ("Maria works for Google in Berlin .", [(0, 5, "PER"), (16, 22, "ORG"), (26, 32, "LOC")]),
    ("The weather is nice today .", []),
    ("Paul called Anna from London .", [(0, 4, "PER"), (12, 16, "PER"), (22, 28, "LOC")]),
]


@pytest.fixture(scope="module")
def spacy_ner(tmp_path_factory):
    """A blank English pipeline with an NER trained until it knows the sentences above."""
    import spacy
    from spacy.training import Example

    random.seed(0)
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    examples = [Example.from_dict(nlp.make_doc(text), {"entities": ents}) for text, ents in TRAIN]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(30):
        random.shuffle(examples)
        nlp.update(examples, sgd=optimizer, drop=0.0)
    path = tmp_path_factory.mktemp("spacy_ner") / "model"
    nlp.to_disk(path)
    return nlp, path


def test_spacy_tagger_keeps_word_indices(spacy_ner):
    nlp, _ = spacy_ner
    tagger = SpacyTagger(nlp)
    assert isinstance(tagger, EntityTagger)
    words = [
        ["Anna", "visited", "Paris", "."],
        ["Maria", "works", "for", "Google", "in", "Berlin", "."],
        [],
        ["The", "weather", "is", "nice", "today", "."],
    ]
    assert tagger.tag(words) == [
        [Span(0, 1, "PER"), Span(2, 3, "LOC")],
        [Span(0, 1, "PER"), Span(3, 4, "ORG"), Span(5, 6, "LOC")],
        [],
        [],
    ]


def test_spacy_tagger_from_path_and_label_map(spacy_ner):
    _, path = spacy_ner
    tagger = build_tagger(str(path), label_map={"LOC": "GPE", "ORG": None})
    assert tagger.name == f"spacy:{path}"
    assert tagger.tag([["Maria", "works", "for", "Google", "in", "Berlin", "."]]) == [
        [Span(0, 1, "PER"), Span(5, 6, "GPE")]
    ]
    made = taggers.get("spacy_xlproj.SpacyTagger.v1")(model=str(path), batch_size=2)
    assert made.tag([["Peter", "lives", "in", "Rome", "."]]) == [
        [Span(0, 1, "PER"), Span(3, 4, "LOC")]
    ]


def test_build_tagger_errors(tmp_path):
    with pytest.raises(ValueError, match="Empty NER model spec"):
        build_tagger("")
    missing = tmp_path / "no_model"
    # One resolver for the CLI and the components: the same error from both.
    from spacy_xlproj.ner.build import SourceModelNotFoundError

    with pytest.raises(SourceModelNotFoundError, match="Can't load the source NER pipeline"):
        build_tagger(str(missing))


def test_parse_label_map():
    assert parse_label_map("PERSON=PER, MISC=") == {"PERSON": "PER", "MISC": None}
    assert parse_label_map("") == {}
    from spacy_xlproj.errors import UsageError

    with pytest.raises(UsageError, match="label_map: bad item 'MISC': write FROM=TO"):
        parse_label_map("MISC")
    # An empty source label, and a label mapped twice, were accepted (#25, "Also").
    with pytest.raises(UsageError, match="label_map: bad item '=PER'"):
        parse_label_map("=PER")
    with pytest.raises(UsageError, match="label_map: 'PERSON' is mapped twice"):
        parse_label_map("PERSON=PER,PERSON=")


TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


@pytest.fixture(scope="module")
def hf_model(tmp_path_factory):
    """A tiny random BERT token classifier with a WordPiece tokenizer trained on a few words."""
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers

    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=120, special_tokens=special)
    tok.train_from_iterator(["anna visited paris .", "peter lives in rome ."] * 5, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    config = transformers.BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        id2label=dict(enumerate(TAGS)),
        label2id={t: i for i, t in enumerate(TAGS)},
    )
    transformers.set_seed(0)
    model = transformers.BertForTokenClassification(config)
    path = tmp_path_factory.mktemp("hf") / "tiny-ner"
    model.save_pretrained(path)
    fast.save_pretrained(path)
    return path


def _set_bias(path, tag: str) -> None:
    """Make the classifier ignore its input and always prefer ``tag``."""
    import torch
    from transformers import BertForTokenClassification

    model = BertForTokenClassification.from_pretrained(path)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.bias[TAGS.index(tag)] = 5.0
    model.save_pretrained(path)


def test_hf_tagger_first_subword_probabilities(hf_model):
    import torch

    tagger = HFTagger(hf_model, batch_size=2)
    assert isinstance(tagger, TagScorer)
    assert tagger.tags == TAGS
    # "Romeanna" is not in the vocabulary: several subwords, one row.
    sentences = [["Anna", "Romeanna", "."], ["Peter"], [], ["lives", "in", "Rome"]]
    probs = tagger.tag_probabilities(sentences)
    assert [p.shape for p in probs] == [(3, 5), (1, 5), (0, 5), (3, 5)]
    for p in probs:
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    enc = tagger.tokenizer(sentences[0], is_split_into_words=True, return_tensors="pt")
    assert enc.word_ids().count(1) > 1
    with torch.no_grad():
        direct = torch.softmax(tagger.model(**enc).logits, -1)[0].numpy()
    first = [enc.word_ids().index(w) for w in range(3)]
    np.testing.assert_allclose(probs[0], direct[first], rtol=1e-4, atol=1e-6)


def test_hf_tagger_decodes_spans_and_truncates(hf_model, tmp_path):
    import shutil

    path = tmp_path / "always-loc"
    shutil.copytree(hf_model, path)
    _set_bias(path, "I-LOC")
    tagger = build_tagger(f"hf:{path}")
    assert isinstance(tagger, HFTagger)
    # Every word I-LOC: repaired into one LOC entity over the sentence.
    assert tagger.tag([["Anna", "visited", "Paris"], []]) == [[Span(0, 3, "LOC")], []]
    assert HFTagger(path, label_map={"LOC": None}).tag([["Rome"]]) == [[]]
    # With room for [CLS], three words and [SEP], the fourth and fifth word are cut off: O.
    short = HFTagger(path, max_length=5)
    words = ["anna", "in", "rome", "peter", "paris"]
    probs = short.tag_probabilities([words])[0]
    assert probs[3:].tolist() == [[1.0, 0.0, 0.0, 0.0, 0.0]] * 2
    assert short.tag([words]) == [[Span(0, 3, "LOC")]]
    made = taggers.get("spacy_xlproj.HFTagger.v1")(model=str(path))
    assert made.tag([["Paris"]]) == [[Span(0, 1, "LOC")]]
