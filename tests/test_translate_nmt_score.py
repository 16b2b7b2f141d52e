"""NMTScore-style direct translation similarity on a tiny random M2M100 model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tiny_seq2seq import tiny_m2m100, tiny_marian  # noqa: F401

from spacy_xlproj.errors import XlprojError
from spacy_xlproj.translate import NMTScorer

pytestmark = pytest.mark.transformers

PAIRS = [("Anna", "Ana"), ("the red house", "la casa roja"), ("Lisbon", "Berlín"), ("", "x")]


@pytest.fixture(scope="module")
def scorer(tiny_m2m100: Path) -> NMTScorer:  # noqa: F811
    return NMTScorer(str(tiny_m2m100), "en", "es", batch_size=3)


def test_shape_and_range(scorer: NMTScorer) -> None:
    scores = scorer.score(PAIRS)
    assert scores.shape == (4,)
    assert scores.dtype == np.float64
    assert np.all((scores >= 0) & (scores <= 1))
    assert scores[3] == 0.0  # an empty text matches nothing
    assert scorer.score([]).shape == (0,)


def test_formula(scorer: NMTScorer) -> None:
    a, b = "the red house", "la casa roja"
    p = scorer.probability
    forward = p(a, b, "en", "es") / p(b, b, "es", "es")
    backward = p(b, a, "es", "en") / p(a, a, "en", "en")
    expected = 0.5 * (min(forward, 1.0) + min(backward, 1.0))
    assert scorer.score([(a, b)])[0] == pytest.approx(expected)
    assert 0 < p(a, b, "en", "es") < 1


def test_direction_symmetry(scorer: NMTScorer, tiny_m2m100: Path) -> None:  # noqa: F811
    reverse = NMTScorer(str(tiny_m2m100), "spa", "eng")
    forward = scorer.score(PAIRS)
    backward = reverse.score([(b, a) for a, b in PAIRS])
    np.testing.assert_allclose(forward, backward, rtol=1e-5)


def test_batched_equals_single(scorer: NMTScorer, tiny_m2m100: Path) -> None:  # noqa: F811
    batched = scorer.score(PAIRS)
    single = [NMTScorer(str(tiny_m2m100), "en", "es").score([pair])[0] for pair in PAIRS]
    np.testing.assert_allclose(batched, single, rtol=1e-5)


def test_cache(tiny_m2m100: Path) -> None:  # noqa: F811
    scorer = NMTScorer(str(tiny_m2m100), "en", "es")
    first = scorer.score(PAIRS[:2])
    assert scorer.n_forward == 8  # four forced decodings per pair
    again = scorer.score(list(reversed(PAIRS[:2])))
    assert scorer.n_forward == 8
    np.testing.assert_array_equal(again, first[::-1])
    scorer.score([("Anna", "la casa roja")])  # P(a|a), P(b|b) known: two new requests
    assert scorer.n_forward == 10


def test_needs_a_multilingual_model(tiny_marian: Path) -> None:  # noqa: F811
    with pytest.raises(XlprojError, match="NMTScorer needs a multilingual model"):
        NMTScorer(str(tiny_marian), "en", "es")


def test_is_a_translation_scorer(scorer: NMTScorer) -> None:
    from spacy_xlproj.project.scores import TranslationScorer

    assert isinstance(scorer, TranslationScorer)
