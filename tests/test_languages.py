"""The language table: every language resolves offline, and run_langs plans them all."""

from __future__ import annotations

import importlib.util
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
    paper_languages,
    project_assets,
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


def test_checksums_agree_with_project_yml() -> None:
    import srsly

    published = {
        asset["dest"].removeprefix("assets/data/"): asset["checksum"]
        for asset in srsly.read_yaml(ROOT / "project.yml")["assets"]
        if asset.get("checksum")
    }
    shared = set(published) & set(CHECKSUMS)
    assert shared, "the table and project.yml share no file"
    assert {key: CHECKSUMS[key] for key in shared} == {key: published[key] for key in shared}


def sync_assets(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(ROOT / "scripts" / "sync_assets.py"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_project_yml_assets_are_the_table() -> None:
    import srsly

    assert sync_assets("--check").returncode == 0
    assets = srsly.read_yaml(ROOT / "project.yml")["assets"]
    assert assets == project_assets()
    by_dest = {a["dest"]: a for a in assets}
    assert len(by_dest) == len(assets), "a file listed twice"
    # Every paper language's test set can be downloaded; only the shared data's
    # languages (and the English source data) come without --extra.
    for lang in paper_languages():
        for f in lang.files:
            assert by_dest[f.dest]["url"] == f.url
            assert by_dest[f.dest].get("extra", False) == (lang.code not in DEFAULT_ASSET_LANGS)
    default = {a["dest"] for a in assets if not a.get("extra")}
    assert "assets/data/conll2003/train.txt" in default
    assert "assets/data/wikiann/eu.tar.gz" in default
    assert "assets/data/wikiann/de/test" not in default
    assert by_dest["assets/data/masakhaner2/hau/test.txt"]["description"] == (
        "MasakhaNER 2.0 Hausa test.txt (Adelani et al. 2022; CC-BY-NC-4.0; PER/ORG/LOC/DATE)"
    )


def test_sync_assets_rewrites_only_the_assets_block(tmp_path: Path) -> None:
    text = (ROOT / "project.yml").read_text(encoding="utf8")
    start, end = text.index("\nassets:\n"), text.index("\nworkflows:")
    stale = text.replace('checksum: "c64202bf8f4491326ccf657914014ca3"', 'checksum: "0" ')
    stale = stale.replace('  - dest: "assets/data/wikiann/de/test"', '  - dest: "old"')
    project = tmp_path / "project.yml"
    project.write_text(stale, encoding="utf8")
    result = sync_assets("--check", "--project", str(project))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"✘ {project}: its assets differ from spacy_xlproj/languages.py; run "
        "python scripts/sync_assets.py"
    )
    assert sync_assets("--project", str(project)).returncode == 0
    assert project.read_text(encoding="utf8") == text
    # The edits were inside the block: what is around it is the same in both.
    assert stale.startswith(text[:start]) and stale.endswith(text[end:])


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
        steps = [line.split()[5] for line in lines if f"--vars.lang={lang} " in line]
        if lang in ("ca", "gl"):  # no gold test set: trained and packaged only
            assert steps == ["convert", "translate-train", "train", "package"]
        elif lang in ("eu", "is", "mk"):
            assert steps == ["convert", "train-source", "baseline", "translate-test"]
        else:
            assert "translate-train" in steps and "evaluate" in steps
    es_gold = [line for line in lines if "--vars.lang=es " in line]
    assert any("--vars.test_gold=assets/data/conll2002/esp.testa" in line for line in es_gold)
    assert any("--vars.test_gold=assets/data/wikiann/es/test" in line for line in es_gold)


def test_demo_preset_dry_run_is_unchanged() -> None:
    spec = importlib.util.spec_from_file_location("langs_run_langs", ROOT / "scripts/run_langs.py")
    script = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(script)  # type: ignore[union-attr]
    args = ("--preset", "demo", "--langs", "es", "--methods", "heuristic,ilp", "--dry", "--force")
    result = run_langs(*args)
    assert result.returncode == 0, result.stderr
    preset = " ".join(f"--vars.{k}={v}" for k, v in script.PRESETS["demo"].items())
    test = "--vars.test_name=demo --vars.test_gold=assets/demo/es_test.iob --vars.test_labels="
    run = f"$ -m spacy project run demo {ROOT} --vars.lang=es --vars.spacy_lang=es {preset}"
    expected = [f"{run} --vars.method={m} {test}" for m in ("heuristic", "ilp")]
    assert commands(result.stdout) == [*expected, f"$ -m spacy project run report {ROOT}"]
