"""Generate docs/benchmarks.md: the section pages with their tables filled in from results.

The prose lives in ``docs/benchmarks/*.md`` (the summary first, then :data:`SECTIONS`);
every table is a marker line ``<!-- table: NAME#ID -->`` that this script replaces with
table ``ID`` of ``benchmarks/results/NAME.json`` (written by :mod:`harness`), followed by
one line saying where the numbers come from: measured (date, commit, load average) or
transcribed from the docs of an earlier commit. The output depends on nothing but those
files, so two runs give the same bytes.

    python benchmarks/collect.py            # write docs/benchmarks.md
    python benchmarks/collect.py --check    # exit 1 if docs/benchmarks.md is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import RESULTS, ROOT, read_result  # noqa: E402
from harness import markdown as render_table  # noqa: E402

SECTIONS = (
    "europarl_intrinsic",
    "projection_speed",
    "io",
    "translators",
    "aligners",
    "transfer",
    "spacy_integration",
    "workflow",
    "teacher_student",
    "embedding",
    "ray",
    "translators_ct2",
    "review",
)
MARKER = re.compile(r"^<!-- table: ([\w.-]+)#([\w.-]+) -->$")


def provenance(name: str, result: dict[str, Any]) -> str:
    where = f"`benchmarks/results/{name}.json`"
    commit = (result.get("commit") or "unknown commit")[:10]
    if result["provenance"] == "transcribed":
        return (
            f"<sub>{where}: transcribed from the table pasted in {result['source']}, "
            f"last changed {result['date'][:10]} (commit {commit}); not re-run since.</sub>"
        )
    load = result.get("load_average") or {}
    before, after = load.get("before") or [], load.get("after") or []
    loads = f"; load {before[0]}→{after[0]}" if before and after else ""
    cpus = (result.get("machine") or {}).get("cpu_count")
    return (
        f"<sub>{where}: measured {result['date'][:10]} at commit {commit}"
        f"{f' on {cpus} cores' if cpus else ''}{loads}.</sub>"
    )


def fill(text: str, results: dict[str, dict[str, Any]], used: set[tuple[str, str]]) -> str:
    out = []
    for line in text.splitlines():
        match = MARKER.match(line)
        if not match:
            out.append(line)
            continue
        name, table_id = match.groups()
        if name not in results:
            raise SystemExit(f"{line}: no benchmarks/results/{name}.json")
        tables = results[name]["tables"]
        if table_id not in tables:
            raise SystemExit(f"{line}: benchmarks/results/{name}.json has no table {table_id!r}")
        used.add((name, table_id))
        out += [*render_table(tables[table_id]), "", provenance(name, results[name])]
    return "\n".join(out)


def load_results(folder: Path = RESULTS) -> dict[str, dict[str, Any]]:
    return {path.stem: read_result(path) for path in sorted(folder.glob("*.json"))}


def generate(docs: Path = ROOT / "docs", results_dir: Path = RESULTS) -> tuple[str, list[str]]:
    """The page's text, and the tables of results that no section shows."""
    results = load_results(results_dir)
    used: set[tuple[str, str]] = set()
    parts = []
    for name in ("summary", *SECTIONS):
        text = (docs / "benchmarks" / f"{name}.md").read_text(encoding="utf8")
        parts.append(fill(text, results, used).rstrip())
    unused = [
        f"{name}#{table_id}"
        for name, result in results.items()
        if result.get("kind") != "device-check" and not result.get("superseded_by")
        for table_id in result["tables"]
        if (name, table_id) not in used and table_id not in result.get("superseded_tables", {})
    ]
    return "\n\n".join(parts) + "\n", unused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--output", type=Path, default=None, help="default DOCS/benchmarks.md")
    args = parser.parse_args()
    text, unused = generate(args.docs, args.results)
    for table in unused:
        print(f"note: table {table} is in the results but in no section", file=sys.stderr)
    output = args.output or args.docs / "benchmarks.md"
    if args.check:
        current = output.read_text(encoding="utf8") if output.is_file() else ""
        if current != text:
            raise SystemExit(f"{output} is out of date: run python benchmarks/collect.py")
        return
    from spacy_xlproj.io.atomic import write_atomic

    write_atomic(output, text)
    print(f"wrote {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
