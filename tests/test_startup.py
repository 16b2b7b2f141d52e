"""Column-file commands start light: no spaCy, thinc, torch or transformers is imported.

``project``, ``evaluate`` and ``align`` on CoNLL/text/Pharaoh files need none of them,
and importing spaCy (thinc, torch) costs seconds, far more than projecting a test set.
Each case runs ``python -m spacy_xlproj …`` in a fresh interpreter, through a small
runner that lists the modules loaded once the command has finished.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("spacy", "thinc", "torch", "transformers", "spacy_transformers")
# Reported too, so that a test can see the runner notices imports made by the command.
PROBES = (*HEAVY, "numpy")

# ``python -m spacy_xlproj ARGS`` (runpy does what -m does), then the probed modules
# that got imported, as the last line of stdout.
RUNNER = """
import json, runpy, sys
probes = json.loads(sys.argv[1])
sys.argv = ["spacy_xlproj", *sys.argv[2:]]
code = 0
try:
    runpy.run_module("spacy_xlproj", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    code = exit.code or 0
loaded = sorted({m.split(".")[0] for m in sys.modules} & set(probes))
print(json.dumps({"code": code, "loaded": loaded}))
"""

EN = [
    ["Carlos", "Pérez", "works", "for", "Google", "in", "Barcelona", "."],
    ["The", "European", "Parliament", "met", "in", "Strasbourg", "."],
    ["Nothing", "here", "."],
]
EN_TAGS = [
    ["B-PER", "I-PER", "O", "O", "B-ORG", "O", "B-LOC", "O"],
    ["O", "B-ORG", "I-ORG", "O", "O", "B-LOC", "O"],
    ["O", "O", "O"],
]
ES = [
    ["Carlos", "Pérez", "trabaja", "para", "Google", "en", "Barcelona", "."],
    ["El", "Parlamento", "Europeo", "se", "reunió", "en", "Estrasburgo", "."],
    ["Nada", "aquí", "."],
]
ES_TAGS = [
    ["B-PER", "I-PER", "O", "O", "B-ORG", "O", "B-LOC", "O"],
    ["O", "B-ORG", "I-ORG", "O", "O", "O", "B-LOC", "O"],
    ["O", "O", "O"],
]
LINKS = ["0-0 1-1 2-2 3-3 4-4 5-5 6-6 7-7", "0-0 1-2 2-1 3-4 4-5 5-6 6-7", "0-0 1-1 2-2"]


def _columns(words: list[list[str]], tags: list[list[str]]) -> str:
    blocks = [
        "\n".join(f"{w}\t{t}" for w, t in zip(ws, ts, strict=True))
        for ws, ts in zip(words, tags, strict=True)
    ]
    return "\n\n".join(blocks) + "\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("startup")
    paths = {
        "en": tmp / "en.conll",
        "es": tmp / "es.conll",
        "es_txt": tmp / "es.txt",
        "links": tmp / "en-es.align",
    }
    paths["en"].write_text(_columns(EN, EN_TAGS), encoding="utf8")
    paths["es"].write_text(_columns(ES, ES_TAGS), encoding="utf8")
    paths["es_txt"].write_text("".join(" ".join(ws) + "\n" for ws in ES), encoding="utf8")
    paths["links"].write_text("\n".join(LINKS) + "\n", encoding="utf8")
    return paths


def _run(args: list[str], cwd: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(PROBES), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return result


def _heavy(result: dict) -> list[str]:
    return [m for m in result["loaded"] if m in HEAVY]


@pytest.mark.parametrize("method", ["ilp", "heuristic"])
def test_project_columns_imports_no_spacy(files: dict[str, Path], method: str) -> None:
    out = files["en"].parent / f"projected.{method}.conll"
    result = _run(
        [
            "project",
            str(files["en"]),
            str(files["es_txt"]),  # a text target: the other reader
            str(out),
            "--alignments",
            str(files["links"]),
            "--method",
            method,
        ],
        files["en"].parent,
    )
    assert _heavy(result) == []
    assert "B-PER" in out.read_text(encoding="utf8")
    if method == "ilp":
        # The matching scores need numpy: the runner does see what the command imports.
        assert "numpy" in result["loaded"]


def test_evaluate_columns_imports_no_spacy(files: dict[str, Path]) -> None:
    result = _run(["evaluate", str(files["es"]), str(files["es"])], files["en"].parent)
    assert _heavy(result) == []


@pytest.mark.parametrize("aligner", ["lexical", pytest.param("eflomal", marks=pytest.mark.eflomal)])
def test_align_columns_imports_no_spacy(files: dict[str, Path], aligner: str) -> None:
    if aligner == "eflomal":
        pytest.importorskip("eflomal")
    out = files["en"].parent / f"links.{aligner}.txt"
    result = _run(
        ["align", str(files["en"]), str(files["es"]), str(out), "--aligner", aligner],
        files["en"].parent,
    )
    assert _heavy(result) == []
    assert len(out.read_text(encoding="utf8").splitlines()) == len(EN)
