"""Language code mapping: ISO codes in, each backend's own codes out."""

from __future__ import annotations

import pytest

from spacy_xlproj.translate.langcodes import (
    UnknownLanguageError,
    closest,
    iso3,
    normalize,
    to_m2m100,
    to_mbart,
    to_nllb,
    variants,
)

# The real NLLB-200 code list ships with transformers; no model is needed to read it.
NLLB = pytest.importorskip("transformers.models.nllb.tokenization_nllb").FAIRSEQ_LANGUAGE_CODES
M2M = pytest.importorskip(
    "transformers.models.m2m_100.tokenization_m2m_100"
).FAIRSEQ_LANGUAGE_CODES["m2m100"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("es", "es"), ("spa", "es"), ("ES", "es"), ("es-ES", "es"), ("spa_Latn", "es"),
     ("hau", "ha"), ("swa", "sw"), ("swh", "sw"), ("yor", "yo"), ("baq", "eu"), ("xyz", "xyz")],
)  # fmt: skip
def test_normalize(code: str, expected: str) -> None:
    assert normalize(code) == expected


def test_iso3_and_variants() -> None:
    assert iso3("eu") == "eus"
    assert iso3("mkd") == "mkd"
    assert variants("es") == ["es", "spa"]
    assert variants("swa") == ["sw", "swa", "swh"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [("en", "eng_Latn"), ("es", "spa_Latn"), ("ca", "cat_Latn"), ("gl", "glg_Latn"),
     ("eo", "epo_Latn"), ("eu", "eus_Latn"), ("is", "isl_Latn"), ("mk", "mkd_Cyrl"),
     ("hau", "hau_Latn"), ("swa", "swh_Latn"), ("sw", "swh_Latn"), ("yor", "yor_Latn"),
     ("de", "deu_Latn"), ("fr", "fra_Latn"), ("it", "ita_Latn"), ("pt", "por_Latn"),
     ("nl", "nld_Latn"), ("zh", "zho_Hans"), ("ar", "arb_Arab"), ("spa_Latn", "spa_Latn"),
     ("tur", "tur_Latn")],
)  # fmt: skip
def test_to_nllb(code: str, expected: str) -> None:
    assert to_nllb(code, NLLB) == expected


@pytest.mark.parametrize(
    ("code", "expected"),
    [("en", "en"), ("spa", "es"), ("glg", "gl"), ("hau", "ha"), ("swa", "sw"), ("yor", "yo"),
     ("isl", "is"), ("mk", "mk"), ("ast", "ast")],
)  # fmt: skip
def test_to_m2m100(code: str, expected: str) -> None:
    assert to_m2m100(code, M2M) == expected


def test_to_mbart() -> None:
    assert to_mbart("spa", ["en_XX", "es_XX", "fr_XX"]) == "es_XX"


def test_m2m100_has_no_basque_and_says_so() -> None:
    with pytest.raises(UnknownLanguageError) as err:
        to_m2m100("eus", M2M)
    assert str(err.value) == (
        "Unknown language code 'eus' for M2M100. Closest valid codes: es, zu, uz, ur, uk."
    )


def test_unknown_nllb_code_lists_closest() -> None:
    with pytest.raises(UnknownLanguageError) as err:
        to_nllb("spx", NLLB)
    assert "Unknown language code 'spx' for NLLB." in str(err.value)
    assert "spa_Latn" in err.value.suggestions


def test_closest_prefers_same_language() -> None:
    assert closest("zho", NLLB)[:2] == ["zho_Hans", "zho_Hant"]
