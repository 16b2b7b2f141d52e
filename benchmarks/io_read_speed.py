"""Reading speed of spacy_xlproj.io on the public data sets.

    python benchmarks/io_read_speed.py [--data ../shared/data] [--repeat 3] [--output FILE.md]

Reads each column file (and the Europarl alignments) ``--repeat`` times and prints a
markdown table with the best CPU time of the repeats, so that other processes on a
shared machine disturb the numbers as little as possible.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from spacy_xlproj.io import ReadReport, read_columns, read_pharaoh

ROOT = Path(__file__).resolve().parents[1]
FILES = (
    "conll2003/train.txt",
    "conll2002/esp.train",
    "europarl_ner/en-europarl.test.conll02",
    "wikiann/es/train",
    "wikiann/eu/train",
    "masakhaner2/hau/train.txt",
)


def best_cpu_seconds(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    rows = [
        "| file | lines | sentences | entities | CPU s (best) | lines/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in FILES:
        path = args.data / name
        report = ReadReport()
        read_columns(path, report=report)
        n_lines = sum(1 for _ in path.open("rb"))
        seconds = best_cpu_seconds(lambda path=path: read_columns(path), args.repeat)
        rows.append(
            f"| `{name}` | {n_lines} | {report.sentences} | {report.entities} | "
            f"{seconds:.3f} | {n_lines / seconds:,.0f} |"
        )
    align = args.data / "alignments" / "europarl.en-es.eflomal-gdfa.txt"
    seconds = best_cpu_seconds(lambda: read_pharaoh(align), args.repeat)
    n_lines = len(read_pharaoh(align))
    name = align.relative_to(args.data)
    rows.append(
        f"| `{name}` | {n_lines} | {n_lines} | – | {seconds:.3f} | {n_lines / seconds:,.0f} |"
    )
    table = "\n".join(rows)
    print(table)
    if args.output is not None:
        args.output.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
