"""Europarl-NER en→es projection F1 through the command line, with the default options.

Runs ``python -m spacy_xlproj project`` exactly as a user would (defaults, and with
``--preset paper`` for the published, unrefined methods), then ``evaluate``, on every
shared alignment file; micro F1 goes to ``benchmarks/results/europarl_cli_defaults.json``.

    python benchmarks/europarl_cli_defaults.py [--aligners eflomal-gdfa,...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from europarl_intrinsic import ALIGNERS  # noqa: E402  (the same alignment files)
from harness import Recorder, add_arguments, run_child  # noqa: E402

RUNS = {
    "heuristic (defaults)": [],
    "heuristic --preset paper": ["--preset", "paper"],
    "--method ilp (defaults)": ["--method", "ilp"],
    "--method ilp --preset paper": ["--method", "ilp", "--preset", "paper"],
}


def f1(data: Path, args: list[str], align: Path, work: Path) -> float:
    src = data / "europarl_ner" / "en-europarl.test.conll02"
    gold = data / "europarl_ner" / "es-europarl.test.conll02"
    out, scores = work / "out.conll", work / "scores.json"
    cli = [sys.executable, "-m", "spacy_xlproj"]
    run_child([*cli, "project", str(src), str(gold), str(out), "--alignments", str(align), *args])
    run_child([*cli, "evaluate", str(out), str(gold), "--output", str(scores)])
    return json.loads(scores.read_text(encoding="utf8"))["micro"]["f1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aligners", default=",".join(ALIGNERS))
    add_arguments(parser)
    args = parser.parse_args()
    names = args.aligners.split(",")
    rec = Recorder("europarl_cli_defaults")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, options in RUNS.items():
            scores = {
                n: f1(args.data, options, args.data / "alignments" / f"europarl.en-es.{n}.txt",
                      Path(tmp))
                for n in names
            }  # fmt: skip
            rec.figures[label] = {n: round(v, 4) for n, v in scores.items()}
            rows.append([f"`project` {label}", *(f"{scores[n]:.4f}" for n in names)])
            print(f"{label}: {rec.figures[label]}", flush=True)
    rec.table("f1", ["command", *names], rows, align=["---"] + ["---:"] * len(names))
    rec.finish(args)


if __name__ == "__main__":
    main()
