"""``build_aligner`` specs and the ``align`` command."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_encoder import tiny_encoder, tiny_sentences  # noqa: F401
from typer.testing import CliRunner

from spacy_xlproj.align import EflomalAligner, SimAligner
from spacy_xlproj.align.build import AlignerSpecError, build_aligner
from spacy_xlproj.cli import app

runner = CliRunner()


def test_build_simalign():
    aligner = build_aligner("simalign:/models/mbert", layer=8, method="argmax", batch_size=4)
    assert isinstance(aligner, SimAligner)
    assert (aligner.model_name, aligner.layer, aligner.method) == ("/models/mbert", 8, "argmax")
    assert aligner.batch_size == 4 and aligner.token_type == "bpe"
    assert build_aligner("simalign:/m").layer is None  # two thirds of the depth, on load


def test_build_eflomal():
    aligner = build_aligner("eflomal", symmetrize="union", extra_parallel=[("a", "b")])
    assert isinstance(aligner, EflomalAligner)
    assert aligner.name == "eflomal:union"
    assert aligner.extra_parallel == [("a", "b")]


@pytest.mark.parametrize(
    "spec,options,message",
    [
        ("simalign", {}, "Aligner spec 'simalign' names no model: use simalign:MODEL_OR_DIR"),
        ("simalign:", {}, "Aligner spec 'simalign:' names no model"),
        (
            "fast_align",
            {},
            "Unknown aligner spec 'fast_align'. Use one of: simalign:MODEL_OR_DIR, ",
        ),
        ("eflomal:x", {}, "Aligner spec 'eflomal:x': eflomal takes no argument after ':'"),
        ("eflomal", {"layer": 3}, "Option(s) layer do not apply to the aligner 'eflomal'."),
        ("simalign:m", {"symmetrize": "gdfa"}, "Option(s) symmetrize do not apply to the aligner"),
        ("simalign:m", {"method": "best"}, "Unknown method 'best'. Choose one of: argmax, "),
    ],
)
def test_build_errors(spec, options, message):
    with pytest.raises(ValueError) as err:
        build_aligner(spec, **options)
    assert str(err.value).startswith(message)
    if "spec" in message:
        assert isinstance(err.value, AlignerSpecError)


def _write(path: Path, sentences: list[list[str]]) -> Path:
    path.write_text("".join(" ".join(s) + "\n" for s in sentences), encoding="utf-8")
    return path


def test_align_command_writes_pharaoh(tiny_encoder, tmp_path):  # noqa: F811
    sentences = tiny_sentences(12, seed=3)
    targets = [list(reversed(s)) for s in sentences]
    targets[4] = []  # an empty line is an empty sentence and keeps its line
    src = _write(tmp_path / "src.txt", sentences)
    tgt = _write(tmp_path / "tgt.txt", targets)
    out = tmp_path / "out" / "links.txt"
    spec = f"simalign:{tiny_encoder}"
    args = ["align", str(src), str(tgt), str(out), "--aligner", spec,
            "--align.layer", "2", "--align.simalign_method", "argmax"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    expected = SimAligner(tiny_encoder, layer=2, method="argmax").align(
        list(zip(sentences, targets, strict=True))
    )
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[:-1] == [" ".join(f"{i}-{j}" for i, j in links) for links in expected]
    assert lines[4] == "" and lines[-1] == ""
    n_links = sum(map(len, expected))
    assert (
        f"Aligned 12 sentence pairs with simalign:{tiny_encoder}:L2:argmax:bpe: " in result.output
    )
    assert f"{n_links} links" in result.output
    assert "pairs/s)" in result.output
    assert f"Wrote 12 lines to {out}" in result.output


def test_align_command_errors(tiny_encoder, tmp_path):  # noqa: F811
    src = _write(tmp_path / "src.txt", [["a"], ["b"]])
    tgt = _write(tmp_path / "tgt.txt", [["x"]])
    out = tmp_path / "links.txt"
    spec = f"simalign:{tiny_encoder}"
    result = runner.invoke(app, ["align", str(src), str(tgt), str(out), "--aligner", spec])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {tgt}: has 1 sentences but the source file {src} has 2. "
        "The source and target files must be parallel, one sentence each."
    )
    assert not out.exists()
    args = ["align", str(src), str(src), str(out), "--aligner", spec, "--align.symmetrize", "gdfa"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "Option(s) symmetrize do not apply" in result.output
    result = runner.invoke(
        app,
        ["align", str(src), str(src), str(out), "--aligner", "eflomal", "--extra-src", str(src)],
    )
    assert result.exit_code == 2
    assert result.output == "Error: Give as many --extra-tgt as --extra-src files (0 vs 1).\n"
