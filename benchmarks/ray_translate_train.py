"""Benchmark translate-train on Ray: 1 vs 2 workers, against one process; streaming memory.

Part 1, CoNLL-2003 English train (14,041 sentences) -> Spanish with Apertium + eflomal,
each run in a fresh process, with its own empty translation cache (a shared cache
would let later runs skip Apertium):

    python -m spacy_xlproj translate-train train.txt OUT -t es -T apertium -a eflomal \\
        --chunk-size C [--engine ray --workers W]

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

    .venv/bin/python benchmarks/ray_translate_train.py    # full: writes docs/benchmarks/ray.md
    .venv/bin/python benchmarks/ray_translate_train.py --limit 200    # a check: prints only
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONLL = ROOT.parent / "shared" / "data" / "conll2003" / "train.txt"
REPORT = ROOT / "docs" / "benchmarks" / "ray.md"


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores, /proc/stat).

    Ray's workers, Apertium's pipeline and eflomal's sampler threads are not all children
    of the command, so the machine's own count is what says how many cores a run kept
    busy (on an otherwise idle machine).
    """
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run(cmd: list[str]) -> tuple[float, float, float]:
    """Run ``cmd``; return (wall seconds, the child's peak RSS in MiB, the machine's busy
    CPU seconds meanwhile); exit on failure."""
    busy = busy_seconds()
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait4: this child's own rusage (ru_maxrss in KiB on Linux); Ray's processes are
    # reported by the command itself (--stats).
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    busy = busy_seconds() - busy
    if os.waitstatus_to_exitcode(status) != 0:
        assert child.stderr is not None
        sys.stderr.write(child.stderr.read().decode("utf8", "replace"))
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024, busy


def translate_train(
    src: Path, out: Path, stats: Path, extra: list[str], engine: list[str]
) -> tuple[float, float, float, dict[str, Any]]:
    cmd = [sys.executable, "-m", "spacy_xlproj", "translate-train", str(src), str(out), "-s",
           "en", "-t", "es", "--stats", str(stats), "--no-progress", *extra, *engine]  # fmt: skip
    wall, rss, busy = run(cmd)
    return wall, rss, busy, json.loads(stats.read_text(encoding="utf8"))


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


def conll_part(args: argparse.Namespace, work: Path) -> list[str]:
    from spacy_xlproj.io import iter_sentences

    n = sum(1 for _ in iter_sentences(args.data))
    n = min(n, args.limit) if args.limit else n
    chunk = args.chunk_size or math.ceil(n / 2)
    extra = ["-T", "apertium", "-a", "eflomal", "--chunk-size", str(chunk)]
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
            args.data, out, stats, [*extra, "--cache-dir", str(cache)], engine
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
    lines = [
        f"CoNLL-2003 English train, {n:,} sentences -> Spanish, Apertium + eflomal, "
        f"--chunk-size {chunk:,} for every run; each run with an empty translation cache.",
        "",
        "| run | wall s | Ray start s | workers start s | wall − start-up s | speed-up vs "
        "1 worker (wall − start-up) | entities projected | entity F1 vs local | sentences "
        f"with other words | cores busy (of {os.cpu_count()}) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    gold = results["local"][2]
    for name, wall, ray_s, workers_s, work_s, share, out, cores in rows:
        speed = (one[0] - one[1]) / work_s if name.startswith("ray") else None
        f1, differ = entity_f1(out, gold) if name != "local" else (1.0, 0)
        lines.append(
            f"| {name} | {wall:.1f} | {_num(ray_s)} | {_num(workers_s)} | {work_s:.1f} | "
            f"{'' if speed is None else f'{speed:.2f}×'} | {share:.1%} | "
            f"{'(reference)' if name == 'local' else f'{f1:.4f}'} | {differ} | {cores:.2f} |"
        )
    # A run that keeps c cores busy can gain at most cpu_count / c from more workers.
    cores_one = one[3]
    lines += [
        "",
        f"Cores busy: the machine's busy CPU seconds (`/proc/stat`, every process) over the "
        f"wall time. The 1-worker run keeps {cores_one:.2f} of the {os.cpu_count()} cores "
        f"busy (Apertium's pipeline of processes and eflomal's sampler threads run in "
        f"parallel inside one worker), so no number of workers can make it more than "
        f"{(os.cpu_count() or 1) / cores_one:.2f}× faster on this machine.",
    ]
    return lines


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


def memory_part(args: argparse.Namespace, work: Path) -> list[str]:
    sizes = args.rss_sizes or ([args.limit, 2 * args.limit] if args.limit else [10_000, 100_000])
    lines = [
        "",
        f"Streaming: the file translator and the lexical aligner on {args.rss_workers} Ray "
        f"workers, --chunk-size {args.rss_chunk_size:,} (capped at the input's size).",
        "",
        "| sentences | wall s | Ray start-up s | peak RSS driver MiB | peak RSS per worker MiB |",
        "|---:|---:|---:|---:|---|",
    ]
    for n in sizes:
        src, translations = build_source(work, args.data, n)
        out, stats = work / f"stream-{n}.conll", work / f"stream-{n}.json"
        extra = ["-T", f"file:{translations}", "-a", "lexical",
                 "--chunk-size", str(min(args.rss_chunk_size, n))]  # fmt: skip
        engine = ["--engine", "ray", "--workers", str(args.rss_workers)]
        wall, rss, _, report = translate_train(src, out, stats, extra, engine)
        eng = report["engine"]
        startup = eng["ray_start_seconds"] + eng["workers_start_seconds"]
        workers = ", ".join(f"{w:.0f}" for w in eng["peak_rss_mib"]["workers"])
        print(f"{n:,} sentences: {wall:.1f}s, driver {rss:.0f} MiB, workers {workers} MiB",
              flush=True)  # fmt: skip
        lines.append(f"| {n:,} | {wall:.1f} | {startup:.1f} | {rss:.0f} | {workers} |")
    return lines


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
    parser.add_argument("--output", type=Path, default=None,
                        help=f"markdown report (default {REPORT.relative_to(ROOT)} on a full "
                        "run, none with --limit)")  # fmt: skip
    args = parser.parse_args()
    if shutil.which("apertium") is None and not args.skip_conll:
        raise SystemExit("apertium is not installed (make apertium), or pass --skip-conll")
    args.work.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    header = [
        "# translate-train on Ray",
        "",
        f"`{' '.join(['benchmarks/ray_translate_train.py', *sys.argv[1:]])}`; "
        f"{os.cpu_count()} CPUs; load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}.",
        "",
    ]
    lines = [] if args.skip_conll else conll_part(args, args.work)
    if not args.skip_memory:
        lines += memory_part(args, args.work)
    load = os.getloadavg()
    lines += ["", f"Load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}."]
    text = "\n".join(header + lines) + "\n"
    print(text)
    output = args.output or (None if args.limit else REPORT)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf8")
        print(f"wrote {output}")


if __name__ == "__main__":
    main()
