"""Benchmark translate-train on Ray: 1 vs 2 workers, against one process; streaming memory.

Part 1, CoNLL-2003 English train (14,041 sentences) -> Spanish with Apertium + eflomal,
each run in a fresh process, with its own empty translation cache (a shared cache
would let later runs skip Apertium):

    python -m spacy_xlproj translate-train train.txt OUT --tgt-lang es --translator apertium \\
        --aligner eflomal [--engine ray --workers W] --engine.chunk_size C

for the local engine and for Ray with 1 and 2 workers. Every run uses the same chunk
size C (default: half the corpus, so that 2 workers get one shard each; eflomal then
aligns 7,000-sentence shards, as a single process does with that chunk size). It
reports the wall time, Ray's own start-up (``ray.init`` and the workers building
their backends, from the ``--stats`` JSON) separately, the share of entities projected,
and the entity F1 of each Ray run's projections against the local run's (eflomal
samples at random, so even two local runs differ a little: ``--noise-floor`` adds a
second local run to show by how much).

Part 2, a 100,000-sentence translate-train with the ``file:`` translator (each
sentence's own text as its "translation") and the lexical aligner, on 2 Ray workers:
peak RSS of the driver (``ru_maxrss`` of the child, from ``os.wait4``) and of each
worker (from the ``--stats`` JSON), at 10,000 and at 100,000 sentences. If the run
streams, the peaks stay close.

    .venv/bin/python benchmarks/ray_translate_train.py    # full: results/ray_translate_train.json
    .venv/bin/python benchmarks/ray_translate_train.py --limit 200    # a check: prints only
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
from itertools import cycle, islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Recorder, data, run_child  # noqa: E402
from harness import markdown as render_table  # noqa: E402

CONLL = data("conll2003/train.txt")


def translate_train(
    src: Path, out: Path, stats: Path, extra: list[str], engine: list[str], chunk_size: int
) -> tuple[float, float, float, dict[str, Any]]:
    """Run the command (a whole process); (wall s, peak RSS MiB, busy CPU s, --stats JSON)."""
    cmd = [sys.executable, "-m", "spacy_xlproj", "translate-train", str(src), str(out),
           "--src-lang", "en", "--tgt-lang", "es", "--stats", str(stats), "--no-progress",
           *extra, *engine, "--engine.chunk_size", str(chunk_size)]  # fmt: skip
    run = run_child(cmd)
    return (
        run.wall_s,
        run.peak_rss_mib,
        run.cores_busy * run.wall_s,
        json.loads(stats.read_text(encoding="utf8")),
    )


def entity_f1(pred_path: Path, gold_path: Path) -> tuple[float, int]:
    """Entity F1 of one run's projections against another's; and sentences whose words differ."""
    from spacy_xlproj.evaluate import entity_scores
    from spacy_xlproj.io import read_sentences

    pred, gold = read_sentences(pred_path), read_sentences(gold_path)
    if len(pred) != len(gold):
        raise SystemExit(f"{pred_path} has {len(pred)} sentences, {gold_path} {len(gold)}")
    # Apertium is deterministic, so the words match; a sentence that differs is counted.
    differ = sum(p.words != g.words for p, g in zip(pred, gold, strict=True))
    scores = entity_scores([p.spans for p in pred], [g.spans for g in gold])
    return scores.micro.f1, differ


def conll_part(args: argparse.Namespace, work: Path, rec: Recorder) -> None:
    from spacy_xlproj.io import iter_sentences

    n = sum(1 for _ in iter_sentences(args.data))
    n = min(n, args.limit) if args.limit else n
    chunk = args.chunk_size or math.ceil(n / 2)
    extra = ["--translator", "apertium", "--aligner", "eflomal"]
    extra += ["--limit", str(args.limit)] if args.limit else []
    runs = [("local", [])]
    if args.noise_floor:
        runs.append(("local again", []))
    runs += [(f"ray, {w} worker{'s' * (w > 1)}", ["--engine", "ray", "--workers", str(w)])
             for w in (1, 2)]  # fmt: skip
    rows, results = [], {}
    for name, engine in runs:
        tag = name.replace(", ", "-").replace(" ", "-")
        cache = work / f"cache-{tag}"
        shutil.rmtree(cache, ignore_errors=True)  # an empty cache: Apertium runs every time
        out, stats = work / f"{tag}.conll", work / f"{tag}.json"
        wall, _, busy, report = translate_train(
            args.data, out, stats, [*extra, "--cache-dir", str(cache)], engine, chunk
        )
        eng = report["engine"]
        startup = eng.get("ray_start_seconds", 0.0) + eng.get("workers_start_seconds", 0.0)
        proj = report["projection"]
        share = proj["projected"] / proj["source_entities"] if proj["source_entities"] else 0.0
        results[name] = (wall, startup, out, busy / wall)
        print(f"{name}: {wall:.1f}s (Ray start-up {startup:.1f}s), {share:.1%} projected, "
              f"{busy / wall:.2f} cores busy", flush=True)  # fmt: skip
        rows.append([name, wall, eng.get("ray_start_seconds"), eng.get("workers_start_seconds"),
                     wall - startup, share, out, busy / wall])  # fmt: skip
    one = results["ray, 1 worker"]
    columns = ["run", "wall s", "Ray start s", "workers start s", "wall − start-up s",
               "speed-up vs 1 worker (wall − start-up)", "entities projected",
               "entity F1 vs local", "sentences with other words",
               f"cores busy (of {os.cpu_count()})"]  # fmt: skip
    table = []
    gold = results["local"][2]
    for name, wall, ray_s, workers_s, work_s, share, out, cores in rows:
        speed = (one[0] - one[1]) / work_s if name.startswith("ray") else None
        f1, differ = entity_f1(out, gold) if name != "local" else (1.0, 0)
        table.append([name, f"{wall:.1f}", _num(ray_s), _num(workers_s), f"{work_s:.1f}",
                      "" if speed is None else f"{speed:.2f}×", f"{share:.1%}",
                      "(reference)" if name == "local" else f"{f1:.4f}", str(differ),
                      f"{cores:.2f}"])  # fmt: skip
        rec.figures[name] = {
            "wall_s": round(wall, 2),
            "startup_s": round(wall - work_s, 2),
            "projected": round(share, 4),
            "cores_busy": round(cores, 2),
        }
    rec.table("conll", columns, table, align=["---"] + ["---:"] * (len(columns) - 1))
    # A run that keeps c cores busy can gain at most cpu_count / c from more workers.
    cores_one = one[3]
    rec.notes.append(
        f"CoNLL-2003 English train, {n:,} sentences -> Spanish, Apertium + eflomal, chunk "
        f"size {chunk:,} for every run; each run with an empty translation cache. Cores "
        f"busy: the machine's busy CPU seconds (/proc/stat, every process) over the wall "
        f"time. The 1-worker run keeps {cores_one:.2f} of the {os.cpu_count()} cores busy, "
        f"so no number of workers can make it more than "
        f"{(os.cpu_count() or 1) / cores_one:.2f}× faster on this machine."
    )


def build_source(folder: Path, data: Path, n: int) -> tuple[Path, Path]:
    """``n`` labelled sentences (CoNLL-2003 train, cycled) and their own text as translations."""
    from spacy_xlproj.io import iter_sentences, write_sentences

    src, translations = folder / f"src-{n}.conll", folder / f"translations-{n}.txt"
    if not (src.is_file() and translations.is_file()):
        sentences = [s for s in iter_sentences(data) if s.words]
        write_sentences(src, islice(cycle(sentences), n))
        with translations.open("w", encoding="utf8") as out:
            for sentence in islice(cycle(sentences), n):
                out.write(" ".join(sentence.words) + "\n")
    return src, translations


def memory_part(args: argparse.Namespace, work: Path, rec: Recorder) -> None:
    sizes = args.rss_sizes or ([args.limit, 2 * args.limit] if args.limit else [10_000, 100_000])
    rec.notes.append(
        f"Streaming: the file translator and the lexical aligner on {args.rss_workers} Ray "
        f"workers, chunk size {args.rss_chunk_size:,} (capped at the input's size)."
    )
    table = []
    for n in sizes:
        src, translations = build_source(work, args.data, n)
        out, stats = work / f"stream-{n}.conll", work / f"stream-{n}.json"
        extra = ["--translator", f"file:{translations}", "--aligner", "lexical"]
        engine = ["--engine", "ray", "--workers", str(args.rss_workers)]
        wall, rss, _, report = translate_train(
            src, out, stats, extra, engine, min(args.rss_chunk_size, n)
        )
        eng = report["engine"]
        startup = eng["ray_start_seconds"] + eng["workers_start_seconds"]
        workers = ", ".join(f"{w:.0f}" for w in eng["peak_rss_mib"]["workers"])
        print(f"{n:,} sentences: {wall:.1f}s, driver {rss:.0f} MiB, workers {workers} MiB",
              flush=True)  # fmt: skip
        table.append([f"{n:,}", f"{wall:.1f}", f"{startup:.1f}", f"{rss:.0f}", workers])
        rec.figures[f"stream-{n}"] = {
            "wall_s": round(wall, 2),
            "driver_peak_rss_mib": round(rss),
            "worker_peak_rss_mib": eng["peak_rss_mib"]["workers"],
        }
    columns = ["sentences", "wall s", "Ray start-up s", "peak RSS driver MiB",
               "peak RSS per worker MiB"]  # fmt: skip
    rec.table("streaming", columns, table, align=["---:"] * 4 + ["---"])


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=CONLL)
    parser.add_argument("--limit", type=int, default=0, help="Only N sentences (0: all)")
    parser.add_argument("--chunk-size", type=int, default=0, help="0: half the corpus")
    parser.add_argument("--noise-floor", action="store_true", help="a second local run")
    parser.add_argument("--rss-sizes", type=int, nargs="*", default=None)
    parser.add_argument("--rss-chunk-size", type=int, default=10_000)
    parser.add_argument("--rss-workers", type=int, default=2)
    parser.add_argument("--skip-conll", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "xlproj-ray")
    parser.add_argument("--results-dir", type=Path, default=None,
                        help="where ray_translate_train.json goes (default benchmarks/results "
                        "on a full run, none with --limit)")  # fmt: skip
    args = parser.parse_args()
    if shutil.which("apertium") is None and not args.skip_conll:
        raise SystemExit("apertium is not installed (make apertium), or pass --skip-conll")
    args.work.mkdir(parents=True, exist_ok=True)
    rec = Recorder("ray_translate_train")
    if not args.skip_conll:
        conll_part(args, args.work, rec)
    if not args.skip_memory:
        memory_part(args, args.work, rec)
    for table in rec.tables.values():
        print("\n".join(render_table(table.to_json())) + "\n")
    print("\n".join(rec.notes))
    if args.results_dir is not None or not args.limit:
        rec.write(args.results_dir)


if __name__ == "__main__":
    main()
