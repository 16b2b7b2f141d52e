"""Europarl-NER en→es projection F1 through the command line, with the default options.

Runs ``python -m spacy_xlproj project`` exactly as a user would (defaults, and with
``--no-refine-links`` for the published behaviour), then ``evaluate``, on every shared
alignment file, and prints a Markdown table of micro F1.

    python benchmarks/europarl_cli_defaults.py [--aligners eflomal-gdfa,...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from europarl_intrinsic import ALIGNERS  # noqa: E402  (the same alignment files)

DATA = Path(os.environ.get("XLPROJ_SHARED_DATA", ROOT.parent / "shared" / "data"))
SRC = DATA / "europarl_ner" / "en-europarl.test.conll02"
GOLD = DATA / "europarl_ner" / "es-europarl.test.conll02"
RUNS = {
    "heuristic (defaults)": [],
    "heuristic --no-refine-links": ["--no-refine-links"],
    "--method ilp (defaults)": ["--method", "ilp"],
    "--method ilp --no-refine-links": ["--method", "ilp", "--no-refine-links"],
}


def f1(args: list[str], align: Path, work: Path) -> float:
    out, scores = work / "out.conll", work / "scores.json"
    cli = [sys.executable, "-m", "spacy_xlproj"]
    subprocess.run(
        [*cli, "project", str(SRC), str(GOLD), str(out), "-a", str(align), *args],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*cli, "evaluate", str(out), str(GOLD), "--output", str(scores)],
        check=True,
        capture_output=True,
    )
    return json.loads(scores.read_text(encoding="utf8"))["micro"]["f1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aligners", default=",".join(ALIGNERS))
    names = parser.parse_args().aligners.split(",")
    print("| command | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    with tempfile.TemporaryDirectory() as tmp:
        for label, args in RUNS.items():
            cells = [
                f"{f1(args, DATA / 'alignments' / f'europarl.en-es.{n}.txt', Path(tmp)):.4f}"
                for n in names
            ]
            print(f"| `project` {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
