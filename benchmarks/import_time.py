"""What installing spacy-xlproj adds to ``spacy.blank()`` and what ``import spacy_xlproj`` costs.

spaCy imports every ``spacy_factories`` entry point each time it creates a pipeline, so
our factories module is imported by every ``spacy.blank``/``spacy.load`` in an
environment where the package is installed. This script times, in fresh interpreters:

- ``import spacy; spacy.blank(LANG)`` with the package installed, and with its entry
  points hidden (a ``sitecustomize`` filters ``importlib.metadata.entry_points`` for
  both runs, so the only difference is whether spaCy sees ours);
- ``import spacy_xlproj`` and ``import spacy_xlproj.pipes.factories`` after spaCy.

Runs alternate between the two settings so that a machine whose load changes affects
both alike. CPU time (``time.process_time``) is reported beside wall time, being the
steadier of the two on a shared machine.

    python benchmarks/import_time.py --runs 10 --lang es

``--startup`` instead times the start-up of the command line on column files, before and
after the registries stopped importing spaCy: ``python -m spacy_xlproj project`` on the
799 Europarl-NER en-es test sentences, whole processes, for the working tree and for a
copy of ``--before-rev`` (``git archive``, run from its folder so that it shadows the
editable install). Each run is timed twice, plainly (wall and CPU seconds) and with
``-X importtime`` (milliseconds spent importing, and how many of them in spaCy, thinc,
torch and transformers).

    python benchmarks/import_time.py --startup --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import ChildRun, data_root, main_recorded, run_child

ROOT = Path(__file__).resolve().parents[1]
# The last commit whose spacy_xlproj/registry.py imported spacy.util (thinc, torch).
BEFORE_REV = "ad0e228"
HEAVY = ("spacy", "thinc", "torch", "transformers", "spacy_transformers")

SITECUSTOMIZE = """
import os
if os.environ.get("XLPROJ_HIDE_ENTRY_POINTS") == "1":
    import importlib.metadata as md

    _entry_points = md.entry_points

    def entry_points(**params):
        eps = _entry_points(**params)
        if isinstance(eps, dict):  # Python < 3.12 without arguments: groups by name
            eps = [ep for group in eps.values() for ep in group]
        return md.EntryPoints(ep for ep in eps if not ep.value.startswith("spacy_xlproj"))

    md.entry_points = entry_points
"""

BLANK = """
import json, sys, time
w0, c0 = time.perf_counter(), time.process_time()
import spacy
w1, c1 = time.perf_counter(), time.process_time()
nlp = spacy.blank(sys.argv[1])
w2, c2 = time.perf_counter(), time.process_time()
spacy.blank(sys.argv[1])
w3, c3 = time.perf_counter(), time.process_time()
print(json.dumps({
    "import_spacy": [w1 - w0, c1 - c0],
    "first_blank": [w2 - w1, c2 - c1],
    "second_blank": [w3 - w2, c3 - c2],
    "total": [w2 - w0, c2 - c0],
    "xlproj_loaded": "spacy_xlproj" in sys.modules,
}))
"""

OWN_IMPORT = """
import json, sys, time
import spacy
w0, c0 = time.perf_counter(), time.process_time()
import spacy_xlproj
w1, c1 = time.perf_counter(), time.process_time()
import spacy_xlproj.pipes.factories
w2, c2 = time.perf_counter(), time.process_time()
import spacy_xlproj.readers
w3, c3 = time.perf_counter(), time.process_time()
print(json.dumps({
    "import_spacy_xlproj": [w1 - w0, c1 - c0],
    "import_factories": [w2 - w1, c2 - c1],
    "import_readers": [w3 - w2, c3 - c2],
}))
"""


def run(code: str, args: list[str], site: Path, hide: bool) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "XLPROJ_HIDE_ENTRY_POINTS": "1" if hide else "0",
    }
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"{statistics.median(ms):.0f} (min {ms[0]:.0f})"


# -- start-up of `python -m spacy_xlproj project` on column files -----------------------


def import_breakdown(stderr: str) -> tuple[float, float]:
    """Seconds of all imports and of the heavy ones, from ``-X importtime`` output.

    A heavy module's time is counted once, at its outermost entry (``spacy`` includes
    the thinc and torch it imports).
    """
    entries = []
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)$", line)
        if m:
            entries.append((len(m.group(3)) - 1, int(m.group(2)), m.group(4)))
    total = heavy = 0
    stack: list[tuple[int, bool]] = []  # (depth, inside a heavy module) of the ancestors
    for depth, cumulative, name in reversed(entries):  # postorder, reversed: parents first
        while stack and stack[-1][0] >= depth:
            stack.pop()
        inside = bool(stack) and stack[-1][1]
        is_heavy = name.split(".")[0] in HEAVY
        if depth == 0:
            total += cumulative
        if is_heavy and not inside:
            heavy += cumulative
        stack.append((depth, inside or is_heavy))
    return total / 1e6, heavy / 1e6


def extract(rev: str, dest: Path) -> Path:
    """A copy of the package as it was at ``rev``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "spacy_xlproj"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def project_command(tree: Path, data: Path, out: Path, method: str) -> list[str]:
    """``python -m spacy_xlproj project`` on the Europarl test set, the same problem in
    every tree: link refinement off (the default before; named where the flag exists)."""
    ner = data / "europarl_ner"
    cmd = [
        "-m",
        "spacy_xlproj",
        "project",
        str(ner / "en-europarl.test.conll02"),
        str(ner / "es-europarl.test.conll02"),
        str(out),
        "--alignments",
        str(data / "alignments" / "europarl.en-es.eflomal-gdfa.txt"),
        "--method",
        method,
    ]
    help_text = subprocess.run(
        [sys.executable, "-m", "spacy_xlproj", "project", "--help"],
        cwd=tree,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    if "--no-refine-links" in help_text:  # trees before the command line took presets
        cmd.append("--no-refine-links")
    elif "--preset" in help_text:
        cmd += ["--preset", "paper"]
    return cmd


def timed(args: list[str], cwd: Path) -> tuple[float, float, ChildRun]:
    """Wall and CPU seconds (user + system) of a child process."""
    proc = run_child([sys.executable, *args], cwd=cwd, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc.wall_s, proc.cpu_s, proc


def startup(args: argparse.Namespace) -> None:
    methods = args.methods.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "before").mkdir()
        trees = {"before": extract(args.before_rev, Path(tmp) / "before"), "after": args.after}
        for name, tree in trees.items():
            where = subprocess.run(
                [sys.executable, "-c", "import spacy_xlproj; print(spacy_xlproj.__file__)"],
                cwd=tree,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            assert Path(where).is_relative_to(tree), f"{name}: imported {where}, not {tree}"
        commands = {
            (name, method): project_command(tree, args.data, Path(tmp) / "out.conll", method)
            for name, tree in trees.items()
            for method in methods
        }
        runs: dict[tuple[str, str], list[dict]] = {key: [] for key in commands}
        for i in range(args.runs):
            order = list(commands) if i % 2 == 0 else list(commands)[::-1]
            for key in order:  # interleaved, so that drifting load hits every setting
                tree = trees[key[0]]
                wall, cpu, proc = timed(commands[key], tree)
                projection = re.search(r"^time: ([\d.]+)s", proc.stdout, re.M)
                _, _, traced = timed(["-X", "importtime", *commands[key]], tree)
                imports, heavy = import_breakdown(traced.stderr)
                runs[key].append(
                    {
                        "wall": wall,
                        "cpu": cpu,
                        "projection": float(projection.group(1)) if projection else None,
                        "imports": imports,
                        "heavy": heavy,
                    }
                )
    load = os.getloadavg()
    print(
        f"{args.runs} runs per setting, interleaved; seconds, median (min). "
        f"Load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        f"(1 / 5 / 15 min) on {os.cpu_count()} cores.\n"
    )
    print(
        "| tree | method | wall | CPU | imports (`-X importtime`) "
        "| of which spaCy/thinc/torch | projection |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for (name, method), rows in runs.items():
        label = f"before ({args.before_rev})" if name == "before" else "after"
        cells = []
        for key in ("wall", "cpu", "imports", "heavy", "projection"):
            values = sorted(r[key] for r in rows if r[key] is not None)
            cells.append(f"{statistics.median(values):.2f} ({values[0]:.2f})" if values else "–")
        print(f"| {label} | {method} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(
            json.dumps({f"{k[0]}:{k[1]}": v for k, v in runs.items()}, indent=1), encoding="utf8"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh interpreters per setting")
    parser.add_argument("--lang", default="es", help="language of spacy.blank")
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    parser.add_argument(
        "--startup", action="store_true", help="time `project` on column files, before/after"
    )
    parser.add_argument("--before-rev", default=BEFORE_REV, help="--startup: the 'before' tree")
    parser.add_argument("--methods", default="heuristic,ilp", help="--startup: methods to run")
    parser.add_argument(
        "--after", type=Path, default=ROOT, help="--startup: the 'after' tree (default: this one)"
    )
    parser.add_argument("--data", type=Path, default=data_root(), help="shared data folder")
    args = parser.parse_args()
    if args.startup:
        startup(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf8")
        runs: dict[str, list[dict]] = {"installed": [], "hidden": [], "own": []}
        for i in range(args.runs):
            # Alternate which setting goes first, so that drifting load hits both.
            order = [("installed", False), ("hidden", True)]
            for key, hide in order if i % 2 == 0 else order[::-1]:
                runs[key].append(run(BLANK, [args.lang], site, hide))
            runs["own"].append(run(OWN_IMPORT, [], site, False))
    assert all(r["xlproj_loaded"] for r in runs["installed"])
    assert not any(r["xlproj_loaded"] for r in runs["hidden"])
    rows = []
    for label, key in [
        ("`import spacy`", "import_spacy"),
        (f'first `spacy.blank("{args.lang}")`', "first_blank"),
        (f'second `spacy.blank("{args.lang}")`', "second_blank"),
        ("`import spacy` + first `spacy.blank`", "total"),
    ]:
        cells = []
        for setting in ("hidden", "installed"):
            for k, _ in enumerate(("wall", "cpu")):
                cells.append(summary([r[key][k] for r in runs[setting]]))
        added = []
        for k in range(2):
            on = statistics.median(r[key][k] for r in runs["installed"])
            off = statistics.median(r[key][k] for r in runs["hidden"])
            added.append(f"{(on - off) * 1000:+.0f}")
        rows.append(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(added) + " |")
    print(f"{args.runs} fresh interpreters per setting; milliseconds, median (min)\n")
    print(
        "| step | without: wall | without: CPU | installed: wall | installed: CPU "
        "| added: wall | added: CPU |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print("| import (spaCy already imported) | wall | CPU |")
    print("|---|---|---|")
    for label, key in [
        ("`import spacy_xlproj`", "import_spacy_xlproj"),
        ("then `spacy_xlproj.pipes.factories`", "import_factories"),
        ("then `spacy_xlproj.readers`", "import_readers"),
    ]:
        wall = summary([r[key][0] for r in runs["own"]])
        cpu = summary([r[key][1] for r in runs["own"]])
        print(f"| {label} | {wall} | {cpu} |")
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1), encoding="utf8")


if __name__ == "__main__":
    main_recorded("import_time", main)
