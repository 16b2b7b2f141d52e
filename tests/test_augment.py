"""The entity_fragments augmenter: one-entity examples beside each training example."""

from __future__ import annotations

import subprocess
import sys

import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example

from spacy_xlproj.augment import create_entity_fragments_augmenter


@pytest.fixture
def example():
    nlp = spacy.blank("en")
    words = ["John", "Smith", "works", "for", "the", "European", "Union", "."]
    ents = ["B-PER", "I-PER", "O", "O", "O", "B-ORG", "I-ORG", "O"]
    reference = Doc(nlp.vocab, words=words, ents=ents)
    return nlp, Example(Doc(nlp.vocab, words=words), reference)


def _as_tuples(examples):
    return [
        ([t.text for t in eg.reference], [(e.start, e.end, e.label_) for e in eg.reference.ents])
        for eg in examples
    ]


def test_level_one_adds_every_entity_alone(example):
    nlp, eg = example
    out = list(create_entity_fragments_augmenter(level=1.0)(nlp, eg))
    assert out[0] is eg
    assert _as_tuples(out[1:]) == [
        (["John", "Smith"], [(0, 2, "PER")]),
        (["European", "Union"], [(0, 2, "ORG")]),
    ]
    # The predicted side is unannotated text with the same words.
    assert [t.text for t in out[1].predicted] == ["John", "Smith"]
    assert list(out[1].predicted.ents) == []


def test_level_zero_keeps_the_example_only(example):
    nlp, eg = example
    assert list(create_entity_fragments_augmenter(level=0.0)(nlp, eg)) == [eg]


def test_seeded_level_is_reproducible(example):
    nlp, eg = example
    runs = [
        _as_tuples(list(create_entity_fragments_augmenter(level=0.5, seed=3)(nlp, eg))[1:])
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    counts = set()
    augment = create_entity_fragments_augmenter(level=0.5, seed=1)
    for _ in range(50):
        counts.add(len(list(augment(nlp, eg))) - 1)
    assert counts == {0, 1, 2}


def test_bad_level_is_refused():
    with pytest.raises(ValueError, match="level must be between 0 and 1, got 1.5"):
        create_entity_fragments_augmenter(level=1.5)


@pytest.mark.slow  # a fresh interpreter
def test_resolves_from_a_config_in_a_fresh_interpreter():
    code = (
        "from spacy.util import registry\n"
        "f = registry.augmenters.get('spacy_xlproj.entity_fragments.v1')\n"
        "print(f.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "spacy_xlproj.augment"
