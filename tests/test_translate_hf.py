"""The Hugging Face translator on tiny random M2M100, NLLB and Marian models."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_seq2seq import tiny_m2m100, tiny_marian, tiny_nllb  # noqa: F401

from spacy_xlproj.errors import XlprojError
from spacy_xlproj.registry import translators
from spacy_xlproj.translate import HFTranslator, ModelLoadError, UnknownLanguageError, split_to_fit

pytestmark = pytest.mark.transformers

TEXTS = [
    "The cat sees the dog.",
    "Anna walks.",
    "",
    "The old teacher visits the busy market in Lisbon with a friend.",
    "Peter paints a small red house near the river.",
    "A train.",
]


def _words(text: str) -> int:
    return len(text.split())


def test_split_short_text_is_kept() -> None:
    assert split_to_fit("one  two three", _words, 3) == ["one two three"]


def test_split_at_sentence_then_clause_then_word() -> None:
    text = "a b c. d e, f g h; i j. k l m n o p"
    assert split_to_fit(text, _words, 5) == ["a b c.", "d e, f g h;", "i j.", "k l m n o", "p"]
    assert split_to_fit(text, _words, 7) == ["a b c.", "d e, f g h; i j.", "k l m n o p"]


def test_split_never_loses_words() -> None:
    text = "x " * 23 + "end."
    parts = split_to_fit(text, _words, 4)
    assert all(_words(p) <= 4 for p in parts)
    assert " ".join(parts).split() == text.split()


def test_split_one_long_word_into_characters() -> None:
    assert split_to_fit("abcdefgh", len, 3) == ["ab", "cd", "ef", "gh"]


@pytest.fixture(scope="module")
def m2m(tiny_m2m100: Path) -> HFTranslator:  # noqa: F811
    return HFTranslator(str(tiny_m2m100), "eng", "spa", num_beams=1, max_length=8, batch_size=4)


def test_m2m100_codes(m2m: HFTranslator) -> None:
    assert (m2m.family.kind, m2m.family.src_code, m2m.family.tgt_code) == ("m2m100", "en", "es")
    assert m2m.family.forced_bos_token_id == m2m.tokenizer.get_lang_id("es")
    assert m2m.name == f"hf:{Path(m2m.model_name).resolve()}:en-es:beams=1"


def test_translate_shapes_and_empty(m2m: HFTranslator) -> None:
    out = m2m.translate(TEXTS)
    assert len(out) == len(TEXTS)
    assert out[2] == ""
    assert all(isinstance(t, str) for t in out)
    assert all("__" not in t for t in out)  # language tokens are not text
    assert m2m.translate([]) == []


def test_batches_restore_order(m2m: HFTranslator) -> None:
    batched = m2m.translate(TEXTS)
    assert m2m.translate(list(reversed(TEXTS))) == list(reversed(batched))
    one_by_one = [m2m.translate([t])[0] for t in TEXTS]
    assert batched == one_by_one


def test_long_sentence_is_split_and_joined(tiny_m2m100: Path) -> None:  # noqa: F811
    translator = HFTranslator(
        str(tiny_m2m100), "en", "es", num_beams=1, max_length=6, max_input_tokens=14
    )
    long = "The cat sees the dog near the river. Anna walks into the city, with Peter. A train."
    parts = split_to_fit(long, translator._count, 14)
    assert len(parts) >= 2
    assert all(translator._count(p) <= 14 for p in parts)
    assert translator.translate([long, "A train."]) == [
        " ".join(translator.translate(parts)),
        translator.translate(["A train."])[0],
    ]
    assert translator.n_split == 1
    assert translator.n_parts == len(parts)


def test_limit_comes_from_the_model(m2m: HFTranslator) -> None:
    assert m2m.max_input_tokens == 64  # model_max_length and max_position_embeddings


def test_nllb_codes(tiny_nllb: Path) -> None:  # noqa: F811
    translator = HFTranslator(str(tiny_nllb), "en", "hau", num_beams=1, max_length=4)
    assert (translator.family.kind, translator.family.src_code) == ("nllb", "eng_Latn")
    assert translator.family.tgt_code == "hau_Latn"
    out = translator.translate(["Anna walks.", "The dog."])
    assert len(out) == 2 and all("_Latn" not in t for t in out)


def test_unknown_code(tiny_m2m100: Path) -> None:  # noqa: F811
    with pytest.raises(UnknownLanguageError) as err:
        HFTranslator(str(tiny_m2m100), "en", "eus")
    assert str(err.value) == (
        "Unknown language code 'eus' for M2M100. Closest valid codes: es, zu, uz, ur, uk."
    )


def test_unknown_nllb_code(tiny_nllb: Path) -> None:  # noqa: F811
    with pytest.raises(UnknownLanguageError, match="Closest valid codes: spa_Latn"):
        HFTranslator(str(tiny_nllb), "en", "spaa")


def test_marian_direction(tiny_marian: Path) -> None:  # noqa: F811
    translator = HFTranslator(str(tiny_marian), "eng", "es", num_beams=2, max_length=5)
    assert translator.family.kind == "marian"
    assert len(translator.translate(["Anna walks.", "", "The red house."])) == 3
    with pytest.raises(XlprojError) as err:
        HFTranslator(str(tiny_marian), "en", "fr")
    assert str(err.value) == (
        f"The Marian model '{tiny_marian}' translates to 'es', but 'fr' was asked for. Marian "
        "models have one fixed direction: use a model for en->fr (e.g. opus-mt-en-fr)."
    )


def test_missing_model_dir(tmp_path: Path) -> None:
    missing = tmp_path / "no-model"
    with pytest.raises(ModelLoadError) as err:
        HFTranslator(str(missing), "en", "es")
    assert str(err.value) == (
        f"Translation model directory not found: {missing}. Pass a folder saved with "
        "save_pretrained() (config.json, model weights, tokenizer files) or a hub name."
    )


def test_folder_without_model(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="Check that the folder has config.json"):
        HFTranslator(str(tmp_path), "en", "es")


def test_registered(tiny_m2m100: Path) -> None:  # noqa: F811
    make = translators.get("spacy_xlproj.HFTranslator.v1")
    translator = make(str(tiny_m2m100), "en", "es", batch_size=2, num_beams=1, max_length=3)
    assert translator.batch_size == 2
    assert len(translator.translate(["The dog."])) == 1


def test_build_hf_spec_is_cached(tiny_m2m100: Path, tmp_path: Path) -> None:  # noqa: F811
    from spacy_xlproj.translate import CachedTranslator, build_translator

    spec = f"hf:{tiny_m2m100}"
    made = build_translator(spec, "en", "es", cache_dir=tmp_path, num_beams=1, max_length=4)
    assert isinstance(made, CachedTranslator)
    assert made.batch_size == 16  # the backend's settings show through the cache
    first = made.translate(["Anna walks.", "The dog."])
    again = build_translator(spec, "en", "es", cache_dir=tmp_path, num_beams=1, max_length=4)
    assert again.translate(["The dog.", "Anna walks."]) == first[::-1]
    assert (again.hits, again.misses) == (2, 0)
