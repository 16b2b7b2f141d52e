"""The benchmark suite's plumbing: the harness's result files, the runner's registry and
the generated docs/benchmarks.md (issue 23, item 7). Nothing here is timed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import collect  # noqa: E402
import harness  # noqa: E402
import run  # noqa: E402


def _recorded(folder: Path) -> Path:
    rec = harness.Recorder("demo", command="python benchmarks/demo.py")
    rec.figures["sentences_per_s"] = 1234.5
    rec.table("speed", ["method", "sentences/s"], [["heuristic", 1234.5]], align=["---", "---:"])
    rec.notes.append("a note")
    return rec.write(folder)


def test_the_harness_writes_a_complete_result_atomically(tmp_path):
    path = _recorded(tmp_path)
    assert path == tmp_path / "demo.json"
    assert [p.name for p in tmp_path.iterdir()] == ["demo.json"]  # no temporary file left
    result = harness.read_result(path)
    assert result["name"] == "demo"
    assert result["provenance"] == "measured"
    assert result["command"] == "python benchmarks/demo.py"
    assert result["figures"] == {"sentences_per_s": 1234.5}
    assert result["tables"]["speed"] == {
        "columns": ["method", "sentences/s"],
        "rows": [["heuristic", "1234.5"]],
        "align": ["---", "---:"],
    }
    assert len(result["load_average"]["before"]) == 3
    assert len(result["load_average"]["after"]) == 3
    assert result["machine"]["cpu_count"] >= 1
    assert result["machine"]["memory_gib"] > 0
    assert result["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert result["versions"]["spacy"]
    assert result["commit"] and len(result["commit"].split("+")[0]) == 40
    assert result["date"].endswith("+00:00")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"provenance": "guessed"}, "result 'demo': provenance must be one of"),
        ({"provenance": "transcribed"}, "result 'demo' is transcribed but names no source"),
        (
            {"tables": {"t": {"columns": ["a", "b"], "rows": [["1"]]}}},
            "result 'demo', table 't': a row of 1 cells under 2 columns",
        ),
    ],
)
def test_an_invalid_result_is_refused(tmp_path, change, message):
    result = json.loads(_recorded(tmp_path).read_text(encoding="utf8")) | change
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        harness.write_result(result, tmp_path / "other")
    assert not (tmp_path / "other" / "demo.json").exists()


def test_a_markdown_report_becomes_tables_and_notes():
    rec = harness.Recorder("demo")
    rec.add_markdown(
        "# Demo\nFirst line\nof a paragraph.\n\n## Speed, CPU\n| a | b |\n|---|---:|\n"
        "| 1 | x \\| y |\n\nAfter.\n| c |\n|---|\n| 5 |\n"
    )
    assert {k: t.to_json() for k, t in rec.tables.items()} == {
        "speed-cpu": {"columns": ["a", "b"], "rows": [["1", "x \\| y"]], "align": ["---", "---:"]},
        "speed-cpu-2": {"columns": ["c"], "rows": [["5"]], "align": ["---"]},
    }
    assert rec.notes == ["First line of a paragraph.", "After."]


def test_run_child_measures_a_process():
    child = harness.run_child(
        [
            sys.executable,
            "-c",
            "import sys; b = bytearray(50 * 2**20); print('out'); sys.stderr.write('err')",
        ]  # fmt: skip
    )
    assert child.returncode == 0
    assert (child.stdout, child.stderr) == ("out\n", "err")
    assert child.peak_rss_mib >= 50
    assert child.wall_s > 0
    assert child.cpu_s > 0


def test_a_failing_child_exits_with_its_command():
    with pytest.raises(SystemExit, match="failed \\(3\\): "):
        harness.run_child([sys.executable, "-c", "raise SystemExit(3)"])


def test_data_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("XLPROJ_SHARED_DATA", str(tmp_path))
    assert harness.data("conll2003/train.txt") == tmp_path / "conll2003" / "train.txt"
    monkeypatch.delenv("XLPROJ_SHARED_DATA")
    assert harness.data_root() == ROOT.parent / "shared" / "data"


def _docs(tmp_path: Path, marker: str) -> Path:
    docs = tmp_path / "docs"
    (docs / "benchmarks").mkdir(parents=True)
    (docs / "benchmarks" / "summary.md").write_text("# Benchmarks\n", encoding="utf8")
    for name in collect.SECTIONS:
        (docs / "benchmarks" / f"{name}.md").write_text(f"## {name}\n", encoding="utf8")
    (docs / "benchmarks" / "io.md").write_text(f"## io\n\n{marker}\n\nAfter.\n", encoding="utf8")
    return docs


def test_collect_fills_a_marker_with_the_results_table(tmp_path):
    results = tmp_path / "results"
    _recorded(results)
    text, unused = collect.generate(_docs(tmp_path, "<!-- table: demo#speed -->"), results)
    assert unused == []
    result = harness.read_result(results / "demo.json")
    io = text[text.index("## io") : text.index("After.")]
    assert io == (
        "## io\n\n| method | sentences/s |\n|---|---:|\n| heuristic | 1234.5 |\n\n"
        f"<sub>`benchmarks/results/demo.json`: measured {result['date'][:10]} at commit "
        f"{result['commit'][:10]} on {result['machine']['cpu_count']} cores; load "
        f"{result['load_average']['before'][0]}→{result['load_average']['after'][0]}.</sub>\n\n"
    )


def test_collect_names_a_missing_table(tmp_path):
    results = tmp_path / "results"
    _recorded(results)
    with pytest.raises(SystemExit, match=r"<!-- table: demo#nope -->: .*demo.json has no table"):
        collect.generate(_docs(tmp_path, "<!-- table: demo#nope -->"), results)


def test_docs_benchmarks_md_is_generated_from_the_results_and_up_to_date():
    first, _ = collect.generate()
    second, _ = collect.generate()
    assert first == second
    assert "<!-- table:" not in first
    committed = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf8")
    assert committed == first, "run: python benchmarks/collect.py"


def test_every_result_file_is_valid():
    for path in sorted((ROOT / "benchmarks" / "results").glob("*.json")):
        result = harness.read_result(path)
        assert result["name"] == path.stem


def test_the_runner_knows_every_script():
    scripts = {p.name for p in (ROOT / "benchmarks").glob("*.py")}
    scripts -= {"harness.py", "collect.py", "run.py"}
    assert scripts == {entry.script for entry in run.REGISTRY.values()}
    assert {e.kind for e in run.REGISTRY.values()} == {"benchmark", "study", "device"}


def test_the_runner_says_which_model_is_missing():
    entry = run.Entry("x.py", "benchmark", "about", "1 s", args=("--model", "{model:xx/none}"))
    assert run.resolve_args(entry) == "no trained model xx/none (training/xx/none/model-best)"
    plain = run.Entry("x.py", "benchmark", "about", "1 s", args=("--limit", "3"))
    assert run.resolve_args(plain) == ["--limit", "3"]
