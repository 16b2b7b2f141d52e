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
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh interpreters per setting")
    parser.add_argument("--lang", default="es", help="language of spacy.blank")
    parser.add_argument("--json", type=Path, help="also write the raw timings here")
    args = parser.parse_args()
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
    main()
