"""No command overwrites one of its own inputs, or starts work on a path it can't use."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_xlproj.cli import app

runner = CliRunner()
SRC = "Ana\tB-PER\nvive\tO\n\nLima\tB-LOC\n\n"
TGT = "Ana vive\nLima\n"
LINKS = "0-0 1-1\n0-0\n"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"src": tmp_path / "src.conll", "tgt": tmp_path / "tgt.txt", "al": tmp_path / "a.al"}
    for key, text in (("src", SRC), ("tgt", TGT), ("al", LINKS)):
        paths[key].write_text(text, encoding="utf-8")
    return paths


def _commands(f: dict[str, Path], out: Path) -> dict[str, list[str]]:
    return {
        "project": [
            "project", str(f["src"]), str(f["tgt"]), str(out), "--alignments", str(f["al"])
        ],
        "evaluate": ["evaluate", str(f["src"]), str(f["src"]), "--output", str(out)],
        "align": ["align", str(f["src"]), str(f["tgt"]), str(out), "--aligner", "lexical"],
        "translate": ["translate", str(f["tgt"]), str(out), "--src-lang", "es", "--tgt-lang", "en",
                      "--translator", f"file:{f['tgt']}", "--no-cache"],
    }  # fmt: skip


@pytest.mark.parametrize("command", ["project", "evaluate", "align", "translate"])
@pytest.mark.parametrize("target", ["src", "tgt", "link"])
def test_output_that_is_an_input_is_refused(files, tmp_path, command, target):
    if target == "link":  # a symlink to an input is the input
        out = tmp_path / "out.conll"
        out.symlink_to(files["src"] if command != "translate" else files["tgt"])
    else:
        out = files[target]
    commands = _commands(files, out)
    if (target == "tgt" and command == "evaluate") or (target == "src" and command == "translate"):
        pytest.skip("not an input of this command")
    before = {k: p.read_bytes() for k, p in files.items()}
    result = runner.invoke(app, commands[command])
    assert result.exit_code == 1, result.output
    assert "is also an input of this command" in result.output
    assert "Choose another output path." in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert {k: p.read_bytes() for k, p in files.items()} == before


def test_missing_input_and_folder_output_are_one_line_errors(files, tmp_path):
    result = runner.invoke(app, ["evaluate", str(tmp_path / "nope.conll"), str(files["src"])])
    assert result.exit_code == 1
    assert (
        result.output
        == f"Error: Input file not found: {tmp_path / 'nope.conll'}. Check the path.\n"
    )
    result = runner.invoke(app, _commands(files, tmp_path)["project"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: Output {tmp_path} is a folder; give a file name.")
