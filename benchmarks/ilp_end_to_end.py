"""Exact ILP projection end to end: the command line against a plain per-sentence ``milp``.

Both sides are whole processes, start-up included, on the Europarl-NER en-es test set
repeated ``--copies`` times (799 sentences each, with the shared eflomal gdfa links):

- ``python -m spacy_xlproj project EN ES OUT --alignments GDFA --method ilp`` with the
  options that make it the plain problem (n-gram candidates up to 10 words, alignment
  score only, at most one projection per entity, no link refinement), named explicitly
  so that a change of the command's defaults cannot change the problem;
- a plain script (this file with ``--plain-worker``): it reads the same files, solves
  each sentence with ``plain_milp`` from ``benchmarks/projection_speed.py`` (one
  ``scipy.optimize.milp`` call, one binary per (entity, n-gram) pair, no decomposition),
  and writes the projected target sentences.

Runs are interleaved so that a changing load hits both sides; the 1-minute load average
is recorded around every run. Both outputs are scored against the gold Spanish entities
and compared sentence by sentence. Optionally (``--defaults``) the command is also timed
with its default options, a different problem, for reference.

    python benchmarks/ilp_end_to_end.py --copies 4 --runs 3 --defaults
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from harness import Recorder, add_arguments, data_root, run_child

if TYPE_CHECKING:
    import numpy as np

    from spacy_xlproj.types import Sentence, Span

ROOT = Path(__file__).resolve().parents[1]
MAX_LEN = 10
# The problem plain_milp solves, spelled out as command-line options.
# (config overrides of the [projection] section: the command line keeps no flag for them)
SAME_PROBLEM = [
    "--projection.candidates", "ngrams",
    "--projection.max_len", str(MAX_LEN),
    "--projection.weights", '{"align": 1}',
    "--projection.n_proj", "1",
    "--projection.constraint", "le",
    "--projection.refine", "false",
]  # fmt: skip


def plain_worker(src: Path, tgt: Path, links_path: Path, out: Path, max_len: int) -> None:
    """The plain script: read, one ``milp`` per sentence with entities (and one more to
    pick, among equal optima, the one ``solve.tie_weight`` prefers), write."""
    from projection_speed import plain_milp  # benchmarks/ is on sys.path: this file's folder

    from spacy_xlproj.io import read_columns, read_pharaoh, read_sentences, write_columns
    from spacy_xlproj.project.candidates import ngram_candidates
    from spacy_xlproj.types import Sentence, Span

    sources = read_columns(src)
    targets = read_sentences(tgt)
    alignments = read_pharaoh(links_path)
    projected = []
    for source, target, links in zip(sources, targets, alignments, strict=True):
        spans: list[Span] = []
        if source.spans and target.words:
            case = (source.words, source.spans, target.words, links)
            _, chosen = plain_milp(case, max_len, tie_break=True)
            cands = ngram_candidates(len(target.words), max_len)
            for entity, cand in chosen:
                start, end = int(cands.starts[cand]), int(cands.ends[cand])
                spans.append(Span(start, end, source.spans[entity].label))
        projected.append(Sentence(list(target.words), sorted(spans)))
    write_columns(out, projected)


def matching_objective(
    scores: np.ndarray, ranges: list[tuple[int, int]], entities: list[Span], spans: list[Span]
) -> float:
    """The best objective that ``spans`` reach: entities assigned to spans of their label.

    The output files do not say which entity a span came from; for an optimal solution
    this assignment gives back its objective, so equal values mean equally good outputs.
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    if not spans:
        return 0.0
    col = {r: i for i, r in enumerate(ranges)}
    gain = np.zeros((len(entities), len(spans)))
    for i, entity in enumerate(entities):
        for j, span in enumerate(spans):
            if span.label == entity.label:
                gain[i, j] = scores[i, col[(span.start, span.end)]]
    rows, cols = linear_sum_assignment(-gain)
    return float(gain[rows, cols].sum())


def compare(data: Path, copies: int, cli: list[Sentence], plain: list[Sentence]) -> tuple[int, int]:
    """Sentences whose spans differ, and those of them whose objectives differ."""
    from spacy_xlproj.io import read_columns, read_pharaoh
    from spacy_xlproj.project.matching import MatchingProjector

    ner = data / "europarl_ner"
    en = read_columns(ner / "en-europarl.test.conll02") * copies
    es = read_columns(ner / "es-europarl.test.conll02") * copies
    links = read_pharaoh(data / "alignments" / "europarl.en-es.eflomal-gdfa.txt") * copies
    # The scores plain_milp maximises (projection_speed.py checks the same equality).
    exact = MatchingProjector(solver="ilp", max_len=MAX_LEN, weights={"align": 1.0}, refine=False)
    differing = worse = 0
    for src, tgt, lk, a, b in zip(en, es, links, cli, plain, strict=True):
        if a.spans == b.spans:
            continue
        differing += 1
        scores, cands = exact.score(src.words, src.spans, tgt.words, lk)
        ranges = cands.ranges()
        objectives = [matching_objective(scores, ranges, src.spans, x.spans) for x in (a, b)]
        worse += abs(objectives[0] - objectives[1]) > 1e-6
    return differing, worse


def replicate(data: Path, copies: int, folder: Path) -> dict[str, Path]:
    """The test set ``copies`` times over: source, target (gold) and links files."""
    from spacy_xlproj.io import read_columns, read_pharaoh, write_columns, write_pharaoh

    ner = data / "europarl_ner"
    paths = {
        "src": folder / "en.conll",
        "tgt": folder / "es.conll",
        "links": folder / "en-es.gdfa.txt",
    }
    write_columns(paths["src"], read_columns(ner / "en-europarl.test.conll02") * copies)
    write_columns(paths["tgt"], read_columns(ner / "es-europarl.test.conll02") * copies)
    links = read_pharaoh(data / "alignments" / "europarl.en-es.eflomal-gdfa.txt")
    write_pharaoh(paths["links"], links * copies)
    return paths


def timed(cmd: list[str], tree: Path) -> dict[str, float]:
    """Wall and CPU seconds of one process, and the 1-minute load average around it."""
    load_before = os.getloadavg()[0]
    # The package of ``tree`` shadows the editable install (PYTHONPATH comes first).
    env = {"PYTHONPATH": os.pathsep.join([str(tree), os.environ.get("PYTHONPATH", "")])}
    proc = run_child(cmd, cwd=tree, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
    return {"wall": proc.wall_s, "cpu": proc.cpu_s, "load": max(load_before, os.getloadavg()[0])}


def summary(values: list[float]) -> str:
    values = sorted(values)
    return f"{statistics.median(values):.2f} (min {values[0]:.2f}, max {values[-1]:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=data_root())
    parser.add_argument("--copies", type=int, default=4, help="repeat the test set this often")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each side")
    parser.add_argument("--defaults", action="store_true", help="also time default options")
    parser.add_argument(
        "--tree",
        type=Path,
        default=ROOT,
        help="run the package from this copy of the repository (default: this checkout)",
    )
    parser.add_argument("--plain-worker", nargs=4, type=Path, help=argparse.SUPPRESS)
    add_arguments(parser, data_folder=False)
    args = parser.parse_args()
    if args.plain_worker:
        plain_worker(*args.plain_worker, MAX_LEN)
        return
    rec = Recorder("ilp_end_to_end")

    from spacy_xlproj.evaluate import entity_scores
    from spacy_xlproj.io import read_columns

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = replicate(args.data, args.copies, folder)
        inputs = [str(files["src"]), str(files["tgt"])]
        cli = [sys.executable, "-m", "spacy_xlproj", "project"]
        sides = {
            "cli": [*cli, *inputs, str(folder / "cli.conll"), "--alignments", str(files["links"])]
            + ["--method", "ilp", *SAME_PROBLEM],
            "plain": [sys.executable, str(Path(__file__).resolve()), "--plain-worker"]
            + [*inputs, str(files["links"]), str(folder / "plain.conll")],
        }
        if args.defaults:
            sides["defaults"] = [*cli, *inputs, str(folder / "defaults.conll")]
            sides["defaults"] += ["--alignments", str(files["links"]), "--method", "ilp"]
        runs: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
        for i in range(args.runs):
            order = list(sides) if i % 2 == 0 else list(sides)[::-1]
            for side in order:
                runs[side].append(timed(sides[side], args.tree.resolve()))
                print(f"run {i + 1} {side}: {runs[side][-1]}", file=sys.stderr)
        gold = [s.spans for s in read_columns(files["tgt"])]
        outputs = {side: read_columns(folder / f"{side}.conll") for side in sides}
    scores = {
        side: entity_scores([s.spans for s in out], gold).micro for side, out in outputs.items()
    }
    differing, other_objective = compare(args.data, args.copies, outputs["cli"], outputs["plain"])
    n = len(gold)
    wall = {side: [r["wall"] for r in rows] for side, rows in runs.items()}
    ratio_median = statistics.median(wall["plain"]) / statistics.median(wall["cli"])
    ratio_min = min(wall["plain"]) / min(wall["cli"])
    loads = [r["load"] for rows in runs.values() for r in rows]
    cpu_ratio = statistics.median(r["cpu"] for r in runs["plain"]) / statistics.median(
        r["cpu"] for r in runs["cli"]
    )
    labels = {
        "cli": "`project --method ilp` + same-problem options",
        "plain": "plain script, two `milp` calls per sentence (best total, then tie-break)",
        "defaults": "`project --method ilp`, default options (another problem)",
    }
    rec.notes.append(
        f"Europarl-NER en-es test set ×{args.copies} ({n:,} sentences) with the shared "
        "eflomal gdfa links, each side a whole process, start-up, reading and writing "
        "included. The command runs `python -m spacy_xlproj project EN ES OUT --alignments "
        "GDFA --method ilp " + " ".join(SAME_PROBLEM) + "`. "
        f"{args.runs} runs per side, interleaved; 1-minute load average "
        f"{min(loads):.1f}–{max(loads):.1f} around the runs on {os.cpu_count()} cores."
    )
    table = []
    for side, rows in runs.items():
        prf = scores[side]
        cpu = statistics.median(r["cpu"] for r in rows)
        table.append([labels[side], summary(wall[side]), f"{cpu:.2f}", f"{prf.precision:.4f}",
                      f"{prf.recall:.4f}", f"{prf.f1:.4f}"])  # fmt: skip
        rec.figures[side] = {"wall_s": wall[side], "cpu_s_median": round(cpu, 3),
                             "f1": round(prf.f1, 4)}  # fmt: skip
    columns = ["side", "wall s, median (min, max)", "CPU s, median", "P", "R", "F1"]
    rec.table("end_to_end", columns, table, align=["---"] + ["---:"] * 5)
    same = "the same" if scores["cli"].f1 == scores["plain"].f1 else "**not** the same"
    if differing == 0:
        verdict = "The projected spans are identical in every sentence."
    elif other_objective == 0:
        verdict = (
            f"The projected spans differ in {differing} of {n:,} sentences with the same "
            "objective (total alignment score): equal optima chosen differently."
        )
    else:
        verdict = (
            f"The projected spans differ in {differing} of {n:,} sentences, the objective "
            f"in {other_objective} of them: **the two sides do not solve the same problem**."
        )
    rec.figures.update(
        speedup_median_wall=round(ratio_median, 1),
        speedup_min_wall=round(ratio_min, 1),
        speedup_cpu=round(cpu_ratio, 1),
        sentences_differing=differing,
        sentences_other_objective=other_objective,
    )
    rec.notes.append(
        f"The command is {ratio_median:.0f}× faster end to end (median wall; "
        f"{ratio_min:.0f}× on the fastest runs, {cpu_ratio:.0f}× in CPU time). F1 is {same} "
        f"({scores['cli'].f1:.4f} vs {scores['plain'].f1:.4f}). {verdict}"
    )
    rec.finish(args)


if __name__ == "__main__":
    main()
