"""Write project.yml's ``assets`` from the languages table, or check they agree.

    python scripts/sync_assets.py            # rewrite the block in project.yml
    python scripts/sync_assets.py --check    # exit 1 if project.yml differs from the table

The table (``spacy_xlproj/languages.py``) is the one home of every data file's
destination, URL and MD5; project.yml lists them so that ``spacy project assets``
downloads them (the default languages; ``--extra`` adds the rest of the paper's 57).
Only the ``assets:`` block is replaced, so the rest of project.yml keeps its comments.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import typer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from spacy_xlproj.languages import DEFAULT_ASSET_LANGS, project_assets  # noqa: E402

HEADER = (
    "  # Generated from spacy_xlproj/languages.py by scripts/sync_assets.py: edit the table,\n"
    "  # then run the script. `spacy project assets` downloads the languages of the shared\n"
    f"  # data ({', '.join(DEFAULT_ASSET_LANGS)}); `spacy project assets --extra` also the\n"
    "  # rest of the paper's 57. WikiANN eo/eu/is/mk come as archives of the original files\n"
    "  # (`lang:` token prefixes) that `extract-wikiann` unpacks and checks.\n"
)
# A top-level key of the YAML file: where the assets block ends.
_TOP_LEVEL = re.compile(r"^[A-Za-z_][\w-]*:")


def _scalar(value: Any) -> str:
    # JSON strings are valid YAML double-quoted scalars (the URLs and notes are ASCII
    # or plain UTF-8 text with no YAML escapes needed beyond JSON's).
    return "true" if value is True else json.dumps(value, ensure_ascii=False)


def render(assets: list[dict[str, Any]]) -> str:
    """The ``assets:`` block, as project.yml writes it."""
    lines = ["assets:\n", HEADER]
    for asset in assets:
        first = True
        for key, value in asset.items():
            lines.append(f"  {'- ' if first else '  '}{key}: {_scalar(value)}\n")
            first = False
    return "".join(lines)


def replace_block(text: str, block: str) -> str:
    """``text`` with its top-level ``assets:`` block replaced by ``block``."""
    lines = text.splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("assets:"))
    except StopIteration:
        raise ValueError("project.yml has no top-level 'assets:' block") from None
    end = next((i for i in range(start + 1, len(lines)) if _TOP_LEVEL.match(lines[i])), len(lines))
    # Blank lines and comments just before the next key belong to that key.
    while end - 1 > start and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1
    return "".join(lines[:start]) + block + "".join(lines[end:])


def main(
    project: Path = typer.Option(ROOT / "project.yml", "--project", help="The project file"),
    check: bool = typer.Option(False, "--check", help="Only check; exit 1 if it differs"),
) -> None:
    text = project.read_text(encoding="utf8")
    assets = project_assets()
    new = replace_block(text, render(assets))
    if check:
        if new != text:
            typer.echo(
                f"✘ {project}: its assets differ from spacy_xlproj/languages.py; run "
                "python scripts/sync_assets.py",
                err=True,
            )
            raise typer.Exit(1)
        typer.echo(f"✔ {project}: assets agree with the languages table")
        return
    if new != text:
        from spacy_xlproj.io.atomic import atomic_path

        with atomic_path(project) as tmp:
            Path(tmp).write_text(new, encoding="utf8")
    typer.echo(f"✔ {project}: {len(assets)} assets from the languages table")


if __name__ == "__main__":
    typer.run(main)
