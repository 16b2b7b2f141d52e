"""The typer app behind ``python -m spacy_xlproj`` and ``spacy xlproj``."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="xlproj",
    help="Cross-lingual NER by annotation projection: translate, align, project, evaluate.",
    no_args_is_help=True,
    add_completion=False,
)
