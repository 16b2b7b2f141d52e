"""Transitional: the path checks live in ``spacy_xlproj.io.paths``; the error handler in
``cli._app.command``. Kept only for ``review_cmd`` until it uses those; then removed."""

from __future__ import annotations

import typer

from ..io.paths import PathProblem, check_input, check_output

__all__ = ["PathProblem", "check_input", "check_output", "fail"]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``Error: message`` on stderr; prefer raising a typed error in a ``command``."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)
