"""Peak memory of translate-train at 10,000 and 100,000 sentences: does it stream?

Builds a labelled English source of N sentences (CoNLL-2003 English train from
``../shared/data``, repeated until N; labels kept, since it is a source) and its
"translation" file (each sentence's own text, one line per sentence: the ``file:``
translator answers by position at once, so the run measures everything but MT). Then
runs, in a fresh process each time,

    python -m spacy_xlproj translate-train SRC OUT --src-lang en --tgt-lang es \\
        --translator file:TRANSLATIONS --aligner lexical --no-progress --engine.chunk_size C

and reports its wall time and peak RSS (``ru_maxrss`` of that child, from ``os.wait4``)
in ``benchmarks/results/streaming_memory.json``. If the run streams, peak RSS at
100,000 sentences stays close to the one at 10,000.

The data is written to a temporary folder outside the repository (``--work``).

    .venv/bin/python benchmarks/streaming_memory.py --sizes 10000 100000 --formats conll spacy
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from harness import Recorder, add_arguments, data_root, run_child
from ray_translate_train import build_source

ROOT = Path(__file__).resolve().parents[1]
CONLL = data_root() / "conll2003" / "train.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--formats", nargs="+", default=["conll", "spacy"])
    parser.add_argument("--aligner", default="lexical")
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "xlproj-stream")
    add_arguments(parser, data_folder=False)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rec = Recorder("streaming_memory")
    rows = []
    for n in args.sizes:
        src, translations = build_source(args.work, CONLL, n)
        for fmt in args.formats:
            out = args.work / f"out-{n}.{fmt}"
            cmd = [
                sys.executable, "-m", "spacy_xlproj", "translate-train", str(src), str(out),
                "--src-lang", "en", "--tgt-lang", "es", "--translator", f"file:{translations}",
                "--aligner", args.aligner, "--no-progress",
                "--engine.chunk_size", str(args.chunk_size),
            ]  # fmt: skip
            child = run_child(cmd)
            rows.append([f"{n:,}", f".{fmt}", f"{child.wall_s:.1f}", f"{child.peak_rss_mib:.0f}"])
            rec.figures[f"{n}.{fmt}"] = child.figures()
            print(" | ".join(rows[-1]), flush=True)
    columns = ["sentences", "output", "wall s", "peak RSS MiB"]
    rec.table("peak_rss", columns, rows, align=["---:", "---", "---:", "---:"])
    rec.finish(args)


if __name__ == "__main__":
    main()
