"""The ``project`` and ``evaluate`` commands, on small files written in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_xlproj.cli import app

SRC = "the\tO\nEuropean\tB-ORG\nParliament\tI-ORG\nmet\tO\n\nRome\tB-LOC\nwins\tO\n"
TGT = "el Parlamento Europeo se reunió\nRoma gana\n"
ALIGN = "0-0 1-2 2-1 3-3 3-4\n0-0 1-1\n"
EXPECTED = "el\tO\nParlamento\tB-ORG\nEuropeo\tI-ORG\nse\tO\nreunió\tO\n\nRoma\tB-LOC\ngana\tO\n"


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "src": tmp_path / "src.conll",
        "tgt": tmp_path / "tgt.txt",
        "align": tmp_path / "a.txt",
    }
    paths["src"].write_text(SRC, encoding="utf-8")
    paths["tgt"].write_text(TGT, encoding="utf-8")
    paths["align"].write_text(ALIGN, encoding="utf-8")
    return paths


def _run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_project_writes_projected_spans_and_stats(files, tmp_path):
    out = tmp_path / "out.conll"
    stats = tmp_path / "stats.json"
    result = _run(
        "project", files["src"], files["tgt"], out, "--alignments", files["align"], "--stats", stats
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").strip() == EXPECTED.strip()
    data = json.loads(stats.read_text(encoding="utf-8"))
    assert (data["sentences"], data["source_entities"], data["projected"]) == (2, 2, 2)
    assert data["projector"].startswith("HeuristicProjector(merge_distance=1")
    assert "projected entities                       2 (100.0%)" in result.output
    assert "sentences/s" in result.output


def test_project_reports_drops_by_reason(files, tmp_path):
    files["align"].write_text("0-0 3-3 3-4\n0-0 1-1\n", encoding="utf-8")
    out = tmp_path / "out.conll"
    args = ("--alignments", files["align"], "--preset", "paper")
    result = _run("project", files["src"], files["tgt"], out, *args)
    assert result.exit_code == 0, result.output
    assert "dropped: unaligned                       1" in result.output
    assert out.read_text(encoding="utf-8").count("B-") == 1


def test_project_with_matching_method(files, tmp_path):
    out = tmp_path / "out.conll"
    result = _run(
        "project",
        files["src"],
        files["tgt"],
        out,
        "--alignments",
        files["align"],
        "--method",
        "greedy",
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").strip() == EXPECTED.strip()


def test_project_mismatched_sentence_counts(files, tmp_path):
    files["tgt"].write_text("Roma gana\n", encoding="utf-8")
    result = _run(
        "project", files["src"], files["tgt"], tmp_path / "o.conll", "--alignments", files["align"]
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {files['tgt']}: has 1 target sentences but the source file {files['src']} "
        "has 2 sentences. The source, target and alignment files must be parallel, one "
        "sentence each."
    )


def test_project_link_out_of_range_names_file_and_line(files, tmp_path):
    files["align"].write_text("0-0 1-2 2-1\n0-0 1-7\n", encoding="utf-8")
    result = _run(
        "project", files["src"], files["tgt"], tmp_path / "o.conll", "--alignments", files["align"]
    )
    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: {files['align']}, line 2: link 1-7 is out of range: the source sentence "
        "has 2 words and the target 2."
    )
    assert "Traceback" not in result.output


def test_project_rejects_bad_length_ratio_and_output(files, tmp_path):
    result = _run(
        "project",
        files["src"],
        files["tgt"],
        tmp_path / "o.conll",
        "--alignments",
        files["align"],
        "--projection.length_ratio",
        "big",
    )
    assert result.exit_code == 2
    assert (
        result.output == "Error: projection.length_ratio: expected a number or none, got 'big'.\n"
    )
    result = _run(
        "project", files["src"], files["tgt"], tmp_path / "o.xyz", "--alignments", files["align"]
    )
    assert result.exit_code == 1
    assert "unsupported output format '.xyz'." in result.output


def test_project_length_ratio_none_keeps_short_runs(files, tmp_path):
    # "European Parliament" aligned to one word only: dropped at 0.8, kept with none.
    files["align"].write_text("0-0 1-2 3-3\n0-0 1-1\n", encoding="utf-8")
    out = tmp_path / "o.conll"
    args = ("--alignments", files["align"], "--projection.refine", "false")
    assert _run("project", files["src"], files["tgt"], out, *args).exit_code == 0
    assert "Europeo\tO" in out.read_text(encoding="utf-8")
    args = (
        "--alignments",
        files["align"],
        "--projection.refine=false",
        "--projection.length_ratio",
        "none",
    )
    assert _run("project", files["src"], files["tgt"], out, *args).exit_code == 0
    assert "Europeo\tB-ORG" in out.read_text(encoding="utf-8")


def test_project_help_explains_options():
    result = _run("project", "--help")
    assert result.exit_code == 0
    # The flags, and where every other setting lives: the keys of [projection].
    for text in ("--alignments", "--method", "--stats", "--preset", "--config", "--section.key"):
        assert text in result.output
    for key in ("merge_distance", "length_ratio", "top_k", "refine", "n_proj", "constraint"):
        assert key in result.output


def test_evaluate_prints_scores_and_writes_json(tmp_path):
    gold = tmp_path / "gold.conll"
    pred = tmp_path / "pred.conll"
    gold.write_text("Roma\tB-LOC\ngana\tO\n\nAna\tB-PER\nvive\tO\n", encoding="utf-8")
    pred.write_text("Roma\tB-LOC\ngana\tO\n\nAna\tB-ORG\nvive\tO\n", encoding="utf-8")
    out = tmp_path / "metrics" / "es" / "m.json"  # parent folders are created
    result = _run("evaluate", pred, gold, "--output", out)
    assert result.exit_code == 0, result.output
    assert "micro  0.5000  0.5000  0.5000       1       1       1" in result.output
    assert json.loads(out.read_text())["per_label"]["LOC"]["f1"] == 1.0


def test_evaluate_rejects_different_tokens_and_counts(tmp_path):
    gold = tmp_path / "gold.conll"
    pred = tmp_path / "pred.conll"
    gold.write_text("Roma\tB-LOC\ngana\tO\n", encoding="utf-8")
    pred.write_text("Roma\tB-LOC\npierde\tO\n", encoding="utf-8")
    result = _run("evaluate", pred, gold)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {pred}: sentence 1 differs from sentence 1 of {gold} at word 2: "
        "'pierde' vs 'gana'. Both files must hold the same tokens; only the tags may differ."
    )
    pred.write_text("Roma\tB-LOC\ngana\tO\n\notra\tO\n", encoding="utf-8")
    result = _run("evaluate", pred, gold)
    assert result.exit_code == 1
    assert f"Error: {pred}: has 2 sentences but the gold file {gold} has 1." in result.output


def test_project_expand_names_merges_and_counts(tmp_path):
    src = tmp_path / "src.conll"
    tgt = tmp_path / "tgt.txt"
    align = tmp_path / "a.txt"
    # "Juan" and "Pérez" are two entities whose projections touch: one name, one merged.
    src.write_text("Juan\tB-PER\nPérez\tB-PER\nlives\tO\n", encoding="utf-8")
    tgt.write_text("Juan Pérez vive\n", encoding="utf-8")
    align.write_text("0-0 1-1 2-2\n", encoding="utf-8")
    out, stats = tmp_path / "out.conll", tmp_path / "stats.json"
    result = _run(
        "project",
        src,
        tgt,
        out,
        "--alignments",
        align,
        "--stats",
        stats,
        "--projection.expand_names",
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").split() == [
        "Juan", "B-PER", "Pérez", "I-PER", "vive", "O"
    ]  # fmt: skip
    assert "dropped: merged                          1" in result.output
    data = json.loads(stats.read_text(encoding="utf-8"))
    assert data["projector"].startswith("NameExpandingProjector(HeuristicProjector(")
