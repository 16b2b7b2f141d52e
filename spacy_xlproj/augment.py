"""Training-data augmentation for source models that will tag translations.

Translate-test feeds a source-language model text it never saw in training: titles,
list items and redirect lines, where a name stands alone (WikiANN: about half of the
"sentences" are one entity and nothing else). A CoNLL-trained model has seen names only
inside news sentences, and without context it guesses their type badly. The
``spacy_xlproj.entity_fragments.v1`` augmenter adds, beside every training example,
some of its entities as one-entity examples of their own:

    [corpora.train.augmenter]
    @augmenters = "spacy_xlproj.entity_fragments.v1"
    level = 0.5

It is registered in spaCy's ``augmenters`` registry through an entry point, so a config
that names it needs no ``--code``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry

Augmenter = Callable[[Language, Example], Iterator[Example]]


@registry.augmenters("spacy_xlproj.entity_fragments.v1")
def create_entity_fragments_augmenter(level: float = 0.5, seed: int | None = None) -> Augmenter:
    """Yield each example, then each of its entities alone with probability ``level``.

    level (float): Probability that an entity also becomes an example of its own.
    seed (int | None): Seed of the augmenter's own random generator (None: unseeded).
    """
    if not 0.0 <= level <= 1.0:
        raise ValueError(f"entity_fragments: level must be between 0 and 1, got {level}")
    rng = random.Random(seed)

    def augment(nlp: Language, example: Example) -> Iterator[Example]:
        yield example
        for fragment in entity_fragments(example.reference, level, rng):
            predicted = Doc(nlp.vocab, words=[t.text for t in fragment])
            yield Example(predicted, fragment)

    return augment


def entity_fragments(doc: Doc, level: float, rng: random.Random) -> list[Doc]:
    """One-entity documents cut from ``doc``'s entities (each kept with prob. ``level``)."""
    fragments = []
    for ent in doc.ents:
        if level >= 1.0 or rng.random() < level:
            words = [t.text for t in ent]
            tags = [f"B-{ent.label_}"] + [f"I-{ent.label_}"] * (len(words) - 1)
            fragments.append(Doc(doc.vocab, words=words, ents=tags))
    return fragments
