"""Error analysis: confusion table, boundary errors, missed and spurious entities; the
``evaluate`` command's ``errors`` and ``training`` keys; the report's columns and section."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from spacy_xlproj.cli import app
from spacy_xlproj.evaluate import EntityCount, ErrorAnalysis, entity_scores, error_analysis
from spacy_xlproj.types import Span

ROOT = Path(__file__).resolve().parents[1]

WORDS = [
    ["Ana", "Pérez", "vive", "en", "Lima", "y", "trabaja", "en", "Madrid", "."],
    ["El", "Real", "Madrid", "ganó", "en", "Lima", "."],
]
GOLD = [
    [Span(0, 2, "PER"), Span(4, 5, "LOC"), Span(8, 9, "LOC")],
    [Span(1, 3, "ORG"), Span(5, 6, "LOC")],
]
PRED = [
    # PER right; Lima as ORG (label error); "en Madrid" LOC (boundary, same label);
    # "trabaja" MISC overlaps nothing (plain spurious).
    [Span(0, 2, "PER"), Span(4, 5, "ORG"), Span(7, 9, "LOC"), Span(6, 7, "MISC")],
    # "Real" PER inside the gold ORG (boundary, other label); Lima LOC right.
    [Span(1, 2, "PER"), Span(5, 6, "LOC")],
]


def test_confusion_boundary_missed_and_spurious():
    analysis = error_analysis(PRED, GOLD, WORDS)
    assert analysis.confusion == {
        "LOC": {"LOC": 1, "ORG": 1, "(missed)": 1},
        "ORG": {"(missed)": 1},
        "PER": {"PER": 1},
        "(spurious)": {"LOC": 1, "MISC": 1, "PER": 1},
    }
    assert analysis.boundary == {"same_label": 1, "other_label": 1}
    assert analysis.missed == [
        EntityCount("Lima", "LOC", 1),
        EntityCount("Madrid", "LOC", 1),
        EntityCount("Real Madrid", "ORG", 1),
    ]
    assert analysis.spurious == [
        EntityCount("Lima", "ORG", 1),
        EntityCount("Real", "PER", 1),
        EntityCount("en Madrid", "LOC", 1),
        EntityCount("trabaja", "MISC", 1),
    ]
    assert analysis.labels == ["LOC", "MISC", "ORG", "PER"]


def test_counts_agree_with_entity_scores():
    analysis = error_analysis(PRED, GOLD, WORDS)
    micro = entity_scores(PRED, GOLD).micro
    cells = [(g, p, n) for g, cols in analysis.confusion.items() for p, n in cols.items()]
    label_errors = sum(n for g, p, n in cells if g != p and "(" not in g + p)
    # A label error is both a false positive and a false negative.
    assert sum(n for g, p, n in cells if g == p) == micro.tp == 2
    assert sum(n for g, _, n in cells if g == "(spurious)") + label_errors == micro.fp == 4
    assert sum(n for _, p, n in cells if p == "(missed)") + label_errors == micro.fn == 3
    assert sum(e.count for e in analysis.missed) == micro.fn
    assert sum(e.count for e in analysis.spurious) == micro.fp


def test_same_boundaries_pair_same_label_first_and_once():
    gold = [[Span(0, 1, "PER")]]
    # Two predictions on the same word: PER pairs with the gold PER, ORG is left over.
    pred = [[Span(0, 1, "ORG"), Span(0, 1, "PER"), Span(0, 1, "PER")]]
    analysis = error_analysis(pred, gold, [["Ana"]])
    assert analysis.confusion == {"PER": {"PER": 1}, "(spurious)": {"ORG": 1}}
    # Same boundaries as a gold span: not a boundary error.
    assert analysis.boundary == {"same_label": 0, "other_label": 0}
    assert analysis.missed == []
    assert analysis.spurious == [EntityCount("Ana", "ORG", 1)]


def test_most_frequent_first_ties_by_string_and_cut_at_top():
    words = [["Lima", "y", "Roma"]] * 3
    gold = [[Span(0, 1, "LOC"), Span(2, 3, "LOC")]] * 3
    pred = [[], [Span(2, 3, "LOC")], [Span(0, 1, "PER")]]
    analysis = error_analysis(pred, gold, words, top=2)
    assert analysis.missed == [EntityCount("Lima", "LOC", 3), EntityCount("Roma", "LOC", 2)]
    assert analysis.spurious == [EntityCount("Lima", "PER", 1)]
    assert analysis.confusion["LOC"] == {"LOC": 1, "PER": 1, "(missed)": 4}
    assert error_analysis(pred, gold, words, top=1).missed == [EntityCount("Lima", "LOC", 3)]


def test_to_dict_round_trip_and_table():
    analysis = error_analysis(PRED, GOLD, WORDS)
    data = json.loads(json.dumps(analysis.to_dict()))
    assert list(data) == ["confusion", "boundary", "missed", "spurious"]
    assert data["missed"][0] == {"text": "Lima", "label": "LOC", "count": 1}
    assert list(data["confusion"]) == ["LOC", "ORG", "PER", "(spurious)"]
    assert ErrorAnalysis.from_dict(data) == analysis
    assert analysis.table(top=2).splitlines() == [
        "gold \\ pred  LOC  MISC  ORG  PER  (missed)",
        "LOC            1     0    1    0         1",
        "MISC           0     0    0    0         0",
        "ORG            0     0    0    0         1",
        "PER            0     0    0    1         0",
        "(spurious)     1     1    0    1         -",
        "",
        "boundary errors: 1 same label, 1 other label",
        "",
        "missed (gold, not predicted exactly):",
        "  1  LOC  Lima",
        "  1  LOC  Madrid",
        "",
        "spurious (predicted, not in gold):",
        "  1  ORG  Lima",
        "  1  PER  Real",
    ]


def test_perfect_predictions_have_only_a_diagonal():
    analysis = error_analysis(GOLD, GOLD, WORDS)
    assert analysis.confusion == {"LOC": {"LOC": 3}, "ORG": {"ORG": 1}, "PER": {"PER": 1}}
    assert analysis.missed == analysis.spurious == []
    assert "missed (gold, not predicted exactly):\n  (none)" in analysis.table()


def test_rejects_different_sentence_counts():
    with pytest.raises(ValueError) as err:
        error_analysis([[]], [[]], [[], []])
    assert str(err.value) == (
        "Cannot analyse 1 predicted sentences against 1 gold sentences with 2 word lists: "
        "all three must have the same number of sentences."
    )


# --- the evaluate command --------------------------------------------------------------

GOLD_IOB = "Roma\tB-LOC\ngana\tO\n\nAna\tB-PER\nvive\tO\nen\tO\nLima\tB-LOC\n"
PRED_IOB = "Roma\tB-LOC\ngana\tO\n\nAna\tB-ORG\nvive\tO\nen\tB-LOC\nLima\tI-LOC\n"


@pytest.fixture()
def pair(tmp_path: Path) -> tuple[Path, Path]:
    gold, pred = tmp_path / "gold.iob", tmp_path / "pred.iob"
    gold.write_text(GOLD_IOB, encoding="utf-8")
    pred.write_text(PRED_IOB, encoding="utf-8")
    return pred, gold


def _run(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_evaluate_writes_errors_and_training(pair, tmp_path):
    pred, gold = pair
    training = tmp_path / "training.json"
    summary = {"steps": 1200, "best_step": 800, "converged": True, "patience": 400}
    training.write_text(json.dumps(summary), encoding="utf-8")
    out = tmp_path / "m.json"
    result = _run("evaluate", pred, gold, "--output", out, "--training", training)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data) == ["micro", "per_label", "errors", "training"]
    assert data["micro"]["tp"] == 1 and data["micro"]["fp"] == 2 and data["micro"]["fn"] == 2
    assert data["training"] == summary
    assert data["errors"] == {
        "confusion": {
            "LOC": {"LOC": 1, "(missed)": 1},
            "PER": {"ORG": 1},
            "(spurious)": {"LOC": 1},
        },
        "boundary": {"same_label": 1, "other_label": 0},
        "missed": [
            {"text": "Ana", "label": "PER", "count": 1},
            {"text": "Lima", "label": "LOC", "count": 1},
        ],
        "spurious": [
            {"text": "Ana", "label": "ORG", "count": 1},
            {"text": "en Lima", "label": "LOC", "count": 1},
        ],
    }
    assert "gold \\ pred  LOC  ORG  PER  (missed)" in result.output
    assert "boundary errors: 1 same label, 0 other label" in result.output
    assert "  1  LOC  en Lima" in result.output


def test_evaluate_no_errors_prints_scores_only(pair, tmp_path):
    pred, gold = pair
    out = tmp_path / "m.json"
    result = _run("evaluate", pred, gold, "--no-errors", "--output", out)
    assert result.exit_code == 0, result.output
    assert "(missed)" not in result.output
    assert "micro  0.3333  0.3333  0.3333       1       2       2" in result.output
    # The file keeps the analysis, for the report; no training key without --training.
    assert list(json.loads(out.read_text(encoding="utf-8"))) == ["micro", "per_label", "errors"]


def test_evaluate_missing_or_bad_training_file(pair, tmp_path):
    pred, gold = pair
    missing = tmp_path / "nope.json"
    out = tmp_path / "m.json"
    result = _run("evaluate", pred, gold, "--output", out, "--training", missing)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: Training summary not found: {missing}. Check the path."
    )
    assert not out.exists()
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    result = _run("evaluate", pred, gold, "--training", bad)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: Training summary {bad} holds a JSON list; expected an object."
    )
    bad.write_text("{steps: 3", encoding="utf-8")
    result = _run("evaluate", pred, gold, "--training", bad)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: Training summary {bad} is not valid JSON: ")
    assert len(result.output.strip().splitlines()) == 1


def test_evaluate_refuses_to_overwrite_the_training_file(pair, tmp_path):
    pred, gold = pair
    training = tmp_path / "training.json"
    training.write_text("{}", encoding="utf-8")
    result = _run("evaluate", pred, gold, "--output", training, "--training", training)
    assert result.exit_code == 1
    assert "is also an input of this command" in result.output
    assert training.read_text(encoding="utf-8") == "{}"


# --- the report ------------------------------------------------------------------------


def load_report() -> ModuleType:
    """Import scripts/report.py (the scripts folder is not a package)."""
    spec = importlib.util.spec_from_file_location("ea_report", ROOT / "scripts" / "report.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _metrics(path: Path, pred, training: dict | None = None, errors: bool = True) -> None:
    data = entity_scores(pred, GOLD).to_dict()
    if errors:
        data["errors"] = error_analysis(pred, GOLD, WORDS).to_dict()
    if training is not None:
        data["training"] = training
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_report_steps_converged_and_error_analysis(tmp_path):
    report = load_report()
    metrics, corpus = tmp_path / "metrics", tmp_path / "corpus"
    corpus.mkdir()
    folder = metrics / "es" / "demo"
    _metrics(folder / "student-10.json", GOLD, {"steps": 300, "converged": False})
    _metrics(folder / "student-2.json", PRED, {"steps": 2000, "converged": True})
    _metrics(folder / "student-1.json", PRED)
    _metrics(folder / "zero-shot.json", PRED)
    _metrics(folder / "translate-test-ilp.json", PRED)
    _metrics(folder / "translate-train-ilp.json", PRED, {"steps": 1200, "best_step": 800})
    _metrics(folder / "supervised.json", GOLD, errors=False)
    rows = report.build_report(metrics, corpus, tmp_path / "out", samples=1)
    assert [r.system for r in rows] == [
        "supervised",
        "translate-train-ilp",
        "translate-test-ilp",
        "student-1",
        "student-2",
        "student-10",
        "zero-shot",
    ]
    text = (tmp_path / "out" / "metrics.md").read_text(encoding="utf-8")
    table, errors = text.split("## Error analysis\n")
    lines = table.splitlines()
    assert lines[0].endswith("| projected | time | steps | converged |")
    assert lines[3].startswith("| es | demo | translate-train | ilp |")
    assert lines[3].endswith("| – | – | 1200 | – |")
    assert lines[5].startswith("| es | demo | student-1 | – |")
    assert lines[5].endswith("| – | – | – | – |")
    assert lines[6].endswith("| – | – | 2000 | yes |")
    assert lines[7].endswith("| – | – | 300 | no |")
    # One block per system, in the table's order, with the evaluate command's rendering.
    titles = [line for line in errors.splitlines() if line.startswith("### ")]
    assert titles == [f"### es / demo / {r.system}" for r in rows]
    block = errors.split("### es / demo / student-2\n")[1].split("###")[0]
    assert error_analysis(PRED, GOLD, WORDS).table(top=10) in block
    assert "No error analysis in this metrics file" in errors.split("### es / demo / tr")[0]
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<h2>Error analysis</h2>" in page
    assert "<h3>es / demo / student-10</h3>" in page
    assert "<th>steps</th><th>converged</th>" in page
    assert "gold \\ pred  LOC  MISC  ORG  PER  (missed)" in page
    assert "1  LOC   en Madrid" in page
