"""Assemble docs/benchmarks.md: the summary, then every section in docs/benchmarks/.

Each benchmark script writes (or its author pastes) its own section file under
``docs/benchmarks/``; this keeps the one page readers look at in step with them.

    python benchmarks/collect.py
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
)


def main() -> None:
    docs = ROOT / "docs"
    parts = [(docs / "benchmarks" / "summary.md").read_text(encoding="utf8").rstrip()]
    for name in SECTIONS:
        parts.append((docs / "benchmarks" / f"{name}.md").read_text(encoding="utf8").rstrip())
    (docs / "benchmarks.md").write_text("\n\n".join(parts) + "\n", encoding="utf8")


if __name__ == "__main__":
    main()
