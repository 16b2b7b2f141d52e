"""Reading speed of spacy_xlproj.io on the public data sets.

    python benchmarks/io_read_speed.py [--data ../shared/data] [--repeat 3]

Reads each column file (and the Europarl alignments) ``--repeat`` times and reports the
best CPU time of the repeats, so that other processes on a shared machine disturb the
numbers as little as possible (``benchmarks/results/io_read_speed.json``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from harness import Recorder, add_arguments

from spacy_xlproj.io import ReadReport, read_columns, read_pharaoh

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
    parser.add_argument("--repeat", type=int, default=3)
    add_arguments(parser)
    args = parser.parse_args()
    rec = Recorder("io_read_speed")
    rows = []
    for name in FILES:
        path = args.data / name
        report = ReadReport()
        read_columns(path, report=report)
        n_lines = sum(1 for _ in path.open("rb"))
        seconds = best_cpu_seconds(lambda path=path: read_columns(path), args.repeat)
        rows.append([f"`{name}`", str(n_lines), str(report.sentences), str(report.entities),
                     f"{seconds:.3f}", f"{n_lines / seconds:,.0f}"])  # fmt: skip
        rec.figures[name] = {"lines": n_lines, "cpu_s": round(seconds, 4)}
    align = args.data / "alignments" / "europarl.en-es.eflomal-gdfa.txt"
    seconds = best_cpu_seconds(lambda: read_pharaoh(align), args.repeat)
    n_lines = len(read_pharaoh(align))
    name = str(align.relative_to(args.data))
    rows.append([f"`{name}`", str(n_lines), str(n_lines), "–", f"{seconds:.3f}",
                 f"{n_lines / seconds:,.0f}"])  # fmt: skip
    rec.figures[name] = {"lines": n_lines, "cpu_s": round(seconds, 4)}
    columns = ["file", "lines", "sentences", "entities", "CPU s (best)", "lines/s"]
    rec.table("read_speed", columns, rows, align=["---"] + ["---:"] * 5)
    rec.notes.append(f"Best CPU time of {args.repeat} reads of each file.")
    rec.finish(args)


if __name__ == "__main__":
    main()
