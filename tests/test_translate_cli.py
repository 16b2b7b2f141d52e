"""The ``translate`` command on small hand-written files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_xlproj.cli import app
from spacy_xlproj.cli.translate_cmd import translate_file

runner = CliRunner()

COLUMNS = "Anna\tB-PER\nwalks\tO\n.\tO\n\nGood\tO\nmorning\tO\n.\tO\n"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "in.conll"
    path.write_text(COLUMNS, encoding="utf-8")
    return path


def test_translate_with_file_translations(corpus: Path, tmp_path: Path) -> None:
    given = tmp_path / "given.txt"
    given.write_text("Ana camina .\nBuenos días .\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    result = runner.invoke(
        app,
        [
            "translate",
            str(corpus),
            str(out),
            "--src-lang",
            "en",
            "--tgt-lang",
            "es",
            "-T",
            f"file:{given}",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == "Ana camina .\nBuenos días .\n"
    assert result.output.startswith(f"Translated 2 sentences with file:{given.resolve()} in ")
    assert "split (too long): 0" in result.output


def test_translate_wrong_line_count(corpus: Path, tmp_path: Path) -> None:
    given = tmp_path / "given.txt"
    given.write_text("Ana camina .\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["translate", str(corpus), str(tmp_path / "o.txt"), "--src-lang", "en", "--tgt-lang", "es",
         "-T", f"file:{given}"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"Error: {given}: has 1 lines but 2 sentences were asked for." in result.output


def test_translate_unknown_spec(corpus: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "translate",
            str(corpus),
            str(tmp_path / "o.txt"),
            "--src-lang",
            "en",
            "--tgt-lang",
            "es",
            "-T",
            "x",
        ],
    )
    # A bad spec is a usage error (exit 2), on one line.
    assert result.exit_code == 2
    assert result.output.startswith("Error: Unknown translator spec 'x'. Valid forms: apertium")
    assert result.output.count("\n") == 1


@pytest.mark.apertium
@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium is not installed")
def test_translate_with_apertium_and_cache(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    report = translate_file(corpus, out, "en", "es", "apertium", cache_dir=tmp_path / "c")
    # Apertium reads "walks" as the plural noun; the point is one line per sentence.
    assert out.read_text(encoding="utf-8") == "Anna paseos .\nBuenos días .\n"
    assert (report.sentences, report.cache_misses, report.translator) == (2, 2, "apertium:eng-spa")
    again = translate_file(corpus, out, "en", "es", "apertium", cache_dir=tmp_path / "c")
    assert (again.cache_hits, again.cache_misses) == (2, 0)
