"""Peak memory of translate-train at 10,000 and 100,000 sentences: does it stream?

Builds a labelled English source of N sentences (CoNLL-2003 English train from
``../shared/data``, repeated until N; labels kept, since it is a source) and its
"translation" file (each sentence's own text, one line per sentence: the ``file:``
translator answers by position at once, so the run measures everything but MT). Then
runs, in a fresh process each time,

    python -m spacy_xlproj translate-train SRC OUT -s en -t es \\
        --translator file:TRANSLATIONS --aligner lexical --no-progress

and reports its wall time and peak RSS (``ru_maxrss`` of that child, from
``os.wait4``: what ``resource.getrusage(RUSAGE_CHILDREN)`` gives for one child). If the
run streams, peak RSS at 100,000 sentences stays close to the one at 10,000.

The data is written to a temporary folder outside the repository (``--work``).

    .venv/bin/python benchmarks/streaming_memory.py --sizes 10000 100000 --formats conll spacy
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONLL = ROOT.parent / "shared" / "data" / "conll2003" / "train.txt"


def build_source(folder: Path, n: int) -> tuple[Path, Path]:
    """A column file of ``n`` labelled sentences and its one-line-per-sentence translations."""
    from spacy_xlproj.io import iter_columns, write_columns

    src = folder / f"src-{n}.conll"
    translations = folder / f"translations-{n}.txt"
    if src.is_file() and translations.is_file():
        return src, translations
    sentences = list(iter_columns(CONLL))
    write_columns(src, islice(cycle(sentences), n))
    with translations.open("w", encoding="utf8") as out:
        for sentence in islice(cycle(sentences), n):
            out.write(" ".join(sentence.words) + "\n")
    return src, translations


def run(cmd: list[str]) -> tuple[float, float, int]:
    """Run ``cmd``; return (wall seconds, peak RSS in MiB, exit status)."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait4 gives this child's own rusage (ru_maxrss in KiB on Linux).
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0 and child.stderr is not None:
        sys.stderr.write(child.stderr.read().decode("utf8", "replace"))
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=["conll", "spacy"])
    parser.add_argument("--aligner", default="lexical")
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "xlproj-stream")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    cpus = os.cpu_count()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; cpus: {cpus}")
    print("| sentences | output | wall s | peak RSS MiB |")
    print("|---:|---|---:|---:|")
    for n in args.sizes:
        src, translations = build_source(args.work, n)
        for fmt in args.formats:
            out = args.work / f"out-{n}.{fmt}"
            cmd = [
                sys.executable, "-m", "spacy_xlproj", "translate-train", str(src), str(out),
                "-s", "en", "-t", "es", "--translator", f"file:{translations}",
                "--aligner", args.aligner, "--chunk-size", str(args.chunk_size), "--no-progress",
            ]  # fmt: skip
            wall, rss, status = run(cmd)
            if status != 0:
                raise SystemExit(f"translate-train failed ({status}): {' '.join(cmd)}")
            print(f"| {n:,} | .{fmt} | {wall:.1f} | {rss:.0f} |", flush=True)
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
