"""Apertium, run for real on our own sentences (skipped where apertium is not installed)."""

from __future__ import annotations

import shutil
import time

import pytest

from spacy_xlproj.errors import MissingDependencyError
from spacy_xlproj.registry import translators
from spacy_xlproj.translate.apertium import ApertiumTranslator, find_mode, installed_modes

pytestmark = [
    pytest.mark.apertium,
    pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium is not installed"),
]


def _needs(mode: str) -> None:
    if mode not in installed_modes():
        pytest.skip(f"apertium mode {mode} is not installed")


@pytest.fixture(scope="module")
def en_es() -> ApertiumTranslator:
    _needs("eng-spa")
    return ApertiumTranslator("en", "es")


def test_mode_names_from_iso_codes() -> None:
    modes = ["eng-spa", "en-eo", "eu-en", "isl-eng", "mkd-eng", "eng-cat", "eng-cat_valencia"]
    assert find_mode("en", "es", modes) == "eng-spa"
    assert find_mode("eng", "spa", modes) == "eng-spa"
    assert find_mode("en", "eo", modes) == "en-eo"
    assert find_mode("eus", "en", modes) == "eu-en"
    assert find_mode("is", "en", modes) == "isl-eng"
    assert find_mode("mk", "en", modes) == "mkd-eng"
    assert find_mode("en", "ca", modes) == "eng-cat"
    assert find_mode("es", "en", modes) is None


def test_exact_translations(en_es: ApertiumTranslator) -> None:
    texts = ["Good morning.", "The cat is in the house.", "", "Hello world."]
    assert en_es.translate(texts) == ["Buenos días.", "El gato es en la casa.", "", "Hola Mundo."]
    assert en_es.name == "apertium:eng-spa"


def test_one_process_per_chunk(en_es: ApertiumTranslator) -> None:
    texts = [f"The house number {i} is red." for i in range(300)]
    before = en_es.n_calls
    out = en_es.translate(texts)
    assert en_es.n_calls - before == 1
    assert out[7] == "El número de casa 7 es rojo."
    assert out[299] == "El número de casa 299 es rojo."


def test_chunks_keep_order() -> None:
    _needs("eng-spa")
    small = ApertiumTranslator("en", "es", chunk_size=2)
    texts = ["Good morning.", "Hello world.", "The cat is in the house.", "Good morning."]
    assert small.translate(texts) == [
        "Buenos días.",
        "Hola Mundo.",
        "El gato es en la casa.",
        "Buenos días.",
    ]
    assert small.n_calls == 2


def test_brackets_survive(en_es: ApertiumTranslator) -> None:
    out = en_es.translate(["[ John ] lives in [ New York ] .", "I saw [Paris] yesterday."])
    # "lives" is read as the plural noun "vidas"; what matters is that the brackets stay.
    assert out == ["[ John ] vidas en [ Nueva York ] .", "Sierro [París] ayer."]


MARKUP = list("^$@*#/<>{}\\[]|~+&%_=")


def test_markup_characters_survive(en_es: ApertiumTranslator) -> None:
    # One call for all: a character that broke the stream would also shift the lines.
    out = en_es.translate([f"The house {char} the dog." for char in MARKUP])
    assert out == [f"La casa {char} el perro." for char in MARKUP]


def test_unknown_word_marks_removed(en_es: ApertiumTranslator) -> None:
    assert en_es.translate(["Xyzzplonk is here."]) == ["Xyzzplonk Es aquí."]


def test_line_breaks_inside_a_text_do_not_shift_lines(en_es: ApertiumTranslator) -> None:
    out = en_es.translate(["Good\n\nmorning.", "Hello world."])
    assert out == ["Buenos días.", "Hola Mundo."]


def test_other_pairs() -> None:
    _needs("eu-en")
    assert ApertiumTranslator("eus", "eng").translate(["Kaixo."]) == ["Hello."]


def test_missing_pair_says_how_to_install() -> None:
    with pytest.raises(MissingDependencyError) as err:
        ApertiumTranslator("en", "de")
    message = str(err.value)
    assert message.startswith("The Apertium pair en->de (installed modes: ")
    assert message.endswith(
        "is not available. Install it with: apt-get install apertium apertium-eng-deu"
    )


def test_missing_binary_says_how_to_install() -> None:
    with pytest.raises(MissingDependencyError) as err:
        ApertiumTranslator("en", "es", binary="apertium-not-here")
    assert str(err.value) == (
        "The Apertium binary 'apertium-not-here' is not available. "
        "Install it with: apt-get install apertium apertium-eng-spa"
    )


def test_registered() -> None:
    _needs("eng-spa")
    made = translators.get("spacy_xlproj.ApertiumTranslator.v1")("en", "es", mode="eng-spa")
    assert made.translate(["Hello world."]) == ["Hola Mundo."]


def test_batch_is_faster_than_one_call_per_sentence(en_es: ApertiumTranslator) -> None:
    texts = [f"The teacher {i} sees a red house." for i in range(4)]
    start = time.perf_counter()
    batched = en_es.translate(texts)
    batch_time = time.perf_counter() - start
    start = time.perf_counter()
    single = [en_es.translate([t])[0] for t in texts]
    single_time = time.perf_counter() - start
    assert batched == single
    assert batch_time < single_time


def test_cached_apertium_second_run_starts_no_process(tmp_path) -> None:  # noqa: ANN001
    _needs("eng-spa")
    from spacy_xlproj.translate import CachedTranslator

    backend = ApertiumTranslator("en", "es", chunk_size=3)
    cached = CachedTranslator(backend, tmp_path)
    assert cached.chunk_size == 3  # the backend's own chunk: one process each
    texts = ["Good morning.", "Hello world.", "The cat is in the house.", "Good night.", "Hi."]
    first = cached.translate(texts)
    assert backend.n_calls == 2
    assert CachedTranslator(backend, tmp_path).translate(texts) == first
    assert backend.n_calls == 2
