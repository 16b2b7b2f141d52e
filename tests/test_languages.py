"""The language table: every language resolves offline, and run_langs plans them all."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from spacy_xlproj.languages import (
    CHECKSUMS,
    DEFAULT_ASSET_LANGS,
    LANGUAGES,
    MASAKHANER,
    XTREME,
    Language,
    archive_members,
    data_files,
    paper_languages,
    select,
)
from spacy_xlproj.translate import langcodes
from spacy_xlproj.translate.build import parse_translator_spec

ROOT = Path(__file__).resolve().parents[1]
APERTIUM_MODES = Path("/usr/share/apertium/modes")
NLLB_CODE = re.compile(r"^[a-z]{3}_[A-Z][a-z]{3}$")
MD5 = re.compile(r"^[0-9a-f]{32}$")
ALL = list(LANGUAGES.values())
LEGACY = ["es", "ca", "gl", "eo", "eu", "is", "mk"]  # what run_langs configured before


def ids(languages: list[Language]) -> list[str]:
    return [lang.code for lang in languages]


def run_langs(*args: str) -> subprocess.CompletedProcess[str]:
    script = ROOT / "scripts" / "run_langs.py"
    cmd = [sys.executable, str(script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)


def commands(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("$")]


# --- the table ---------------------------------------------------------------------


def test_the_paper_has_57_languages() -> None:
    assert len(paper_languages(XTREME)) == 39
    assert len(paper_languages(MASAKHANER)) == 18
    assert len(paper_languages()) == 57
    assert "en" not in LANGUAGES  # the source language, not a target
    # MasakhaNER 2.0 has 20; the paper leaves out the two that NLLB-200 does not cover.
    masakhaner = [lang for lang in ALL if lang.benchmark == MASAKHANER]
    assert len(masakhaner) == 20
    assert {lang.code for lang in masakhaner if not lang.in_paper} == {"bbj", "pcm"}


@pytest.mark.parametrize("lang", ALL, ids=ids(ALL))
def test_codes_are_well_formed(lang: Language) -> None:
    assert re.fullmatch(r"[a-z]{3}", lang.iso639_3)
    assert lang.iso639_1 is None or re.fullmatch(r"[a-z]{2}", lang.iso639_1)
    # The project's code is the data set's: ISO 639-1 for WikiANN, 639-3 for MasakhaNER.
    if lang.benchmark == MASAKHANER:
        assert lang.code == lang.iso639_3
    else:
        assert lang.code == lang.iso639_1
    if lang.iso639_1 in langcodes.ISO1_TO_ISO3:
        assert langcodes.ISO1_TO_ISO3[lang.iso639_1] == lang.iso639_3
    if lang.nllb is None:
        assert lang.note and not lang.in_paper, "a missing NLLB code needs a reason"
    else:
        assert NLLB_CODE.match(lang.nllb)


def test_nllb_codes_are_the_ones_the_hf_translator_picks() -> None:
    # The translator maps the project's code itself; the table must say the same.
    nllb = pytest.importorskip("transformers.models.nllb.tokenization_nllb")
    valid = nllb.FAIRSEQ_LANGUAGE_CODES
    for lang in ALL:
        if lang.nllb is None:
            with pytest.raises(langcodes.UnknownLanguageError):
                langcodes.to_nllb(lang.code, valid)
        else:
            assert langcodes.to_nllb(lang.code, valid) == lang.nllb, lang.code


@pytest.mark.slow  # imports every language class
def test_spacy_language_classes_resolve() -> None:
    from spacy.util import get_lang_class

    for lang in ALL:
        assert get_lang_class(lang.spacy_lang).lang == lang.spacy_lang, lang.code
        if lang.spacy_lang == "xx":  # spaCy really has no class for it
            for code in {lang.code, lang.iso639_1, lang.iso639_3} - {None}:
                with pytest.raises(ImportError):
                    get_lang_class(code)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ALL, ids=ids(ALL))
def test_translator_specs_parse(lang: Language) -> None:
    for into in (True, False):
        spec = lang.translator(into, "/models/nllb-200")
        if lang.nllb is None and not lang.apertium_modes:
            assert spec is None
            continue
        assert spec is not None
        kind, arg = parse_translator_spec(spec)
        if lang.apertium_mode(into):
            assert kind == "apertium"
        else:
            assert (kind, arg) == ("hf", "/models/nllb-200")
    if APERTIUM_MODES.is_dir():  # the modes the table lists are the installed ones
        for mode in lang.apertium_modes:
            assert (APERTIUM_MODES / f"{mode}.mode").is_file(), mode


def test_apertium_directions() -> None:
    es, eu, hau = LANGUAGES["es"], LANGUAGES["eu"], LANGUAGES["hau"]
    assert (es.apertium_mode(True), es.apertium_mode(False)) == ("eng-spa", "spa-eng")
    assert (eu.apertium_mode(True), eu.apertium_mode(False)) == (None, "eu-en")
    assert eu.translator(True) is None and eu.translator(True, "/m") == "hf:/m"
    assert hau.translator(True, "/m") == hau.translator(False, "/m") == "hf:/m"


@pytest.mark.parametrize("lang", ALL, ids=ids(ALL))
def test_data_sources(lang: Language) -> None:
    if lang.in_paper:
        assert lang.tests, "a paper language needs its gold test set"
    for test in lang.tests:
        assert test.path.startswith("assets/data/")
        for f in test.files:
            assert f.dest.startswith("assets/data/") and f.url.startswith("https://")
            assert f.checksum is None or MD5.match(f.checksum)
        dests = {f.dest for f in test.files}
        archive = any(d.endswith(".tar.gz") for d in dests)
        assert archive or test.path in dests


def test_data_files_are_the_source_data_and_each_languages_files_once() -> None:
    files = data_files(["es", "eu", "es", "zz"])
    dests = [f.dest for f in files]
    assert len(dests) == len(set(dests))
    assert dests[:3] == [f"assets/data/conll2003/{s}.txt" for s in ("train", "dev", "test")]
    assert "assets/data/conll2002/esp.testa" in dests
    assert "assets/data/wikiann/es/test" in dests
    archive = next(f for f in files if f.dest == "assets/data/wikiann/eu.tar.gz")
    # An archive stands for the files in it, each with its MD5.
    members = archive_members(archive)
    assert sorted(members) == [f"wikiann/eu/{s}" for s in ("dev", "test", "train")]
    assert all(MD5.match(m) for m in members.values())
    assert {f.dest for f in data_files(["zz"])} == {f.dest for f in data_files([])}


def test_every_default_language_has_a_checksum_for_every_file() -> None:
    for f in data_files(list(DEFAULT_ASSET_LANGS)):
        if f.dest.endswith(".tar.gz"):
            assert set(archive_members(f)) <= set(CHECKSUMS)
        else:
            assert f.checksum == CHECKSUMS.get(f.dest.removeprefix("assets/data/"), f.checksum)
            assert f.checksum is not None and MD5.match(f.checksum), f.dest


def test_select() -> None:
    assert select("all") == ids(paper_languages())
    assert select("xtreme,masakhaner") == select("all")
    assert select("es, hau,es,,zz") == ["es", "hau", "zz"]  # unknown codes pass through
    assert "bbj" not in select("masakhaner") and select("bbj") == ["bbj"]


# --- scripts/run_langs.py ----------------------------------------------------------


def test_dry_run_plans_all_57_languages() -> None:
    result = run_langs("--langs", "all", "--dry-run", "--methods", "heuristic", "--force")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    headers = re.findall(r"^# ([a-z]+): ", out, flags=re.M)
    assert headers == select("all")
    for lang in paper_languages():
        assert f"--vars.lang={lang.code} " in out, lang.code
    for url in (f.url for lang in paper_languages() for f in lang.files):
        assert url in out
    # Languages without an Apertium pair translate with the NLLB folder still to fill in.
    hau = [c for c in commands(out) if "--vars.lang=hau " in c]
    assert any("translate-train" in c and "--vars.translator=hf:<NLLB_DIR>" in c for c in hau)
    assert "model translator en->hau: hf:<NLLB_DIR> (NLLB-200 code hau_Latn)" in out


def test_run_without_nllb_is_refused_before_running() -> None:
    result = run_langs("--langs", "es,hau")
    assert result.returncode != 0
    assert "--nllb" in result.stderr and not commands(result.stdout)


def test_legacy_languages_plan_as_before() -> None:
    # --dry still works; Apertium stays project.yml's default translator, and the
    # languages Apertium only translates into English run translate-test only.
    result = run_langs("--langs", ",".join(LEGACY), "--dry", "--force")
    assert result.returncode == 0, result.stderr
    lines = commands(result.stdout)
    assert not any("--vars.translator" in line for line in lines)
    for lang in LEGACY:
        steps = [line.split()[5] for line in lines if f"--vars.lang={lang}" in line.split()]
        if lang in ("ca", "gl"):  # no gold test set: trained, neither scored nor packaged
            assert steps == ["assets-lang", "convert", "translate-train", "train"]
        elif lang in ("eu", "is", "mk"):
            assert steps == ["assets-lang", "convert", "train-source", "baseline", "translate-test"]
        else:
            assert "translate-train" in steps and "evaluate" in steps
    es_gold = [line for line in lines if "--vars.lang=es " in line]
    assert any("--vars.test_gold=assets/data/conll2002/esp.testa" in line for line in es_gold)
    # WikiANN test sets are scored with the wikiann preset.
    wikiann = [line for line in es_gold if "--vars.test_gold=assets/data/wikiann/es/test" in line]
    assert wikiann and all(line.endswith("--vars.preset=wikiann") for line in wikiann)
    steps = [line for line in lines if line.split()[5] not in ("assets-lang", "report")]
    assert all("--force" in line.split() for line in steps)


def test_demo_preset_runs_the_demo_workflow_on_project_yml_defaults() -> None:
    args = ("--preset", "demo", "--langs", "es", "--methods", "heuristic,ilp", "--dry")
    result = run_langs(*args)
    assert result.returncode == 0, result.stderr
    run = f"$ -m spacy project run demo {ROOT} --vars.lang=es --vars.spacy_lang=es"
    expected = [f"{run} --vars.method={m}" for m in ("heuristic", "ilp")]
    assert commands(result.stdout) == [*expected, f"$ -m spacy project run report {ROOT}"]
