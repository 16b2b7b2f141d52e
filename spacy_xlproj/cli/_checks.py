"""Checks every command runs on its paths before any work starts.

A command that fails after translating a whole corpus, or that overwrites its own
input, loses the user's time or data; these checks make it fail at once, in one line.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from ..errors import XlprojError


class PathProblem(XlprojError, ValueError):
    """An input or output path that the command cannot use."""


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``Error: message`` on stderr (the one error style of every command)."""
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


def check_input(path: str | Path, what: str = "Input file") -> Path:
    """An existing, readable file."""
    path = Path(path)
    if not path.exists():
        raise PathProblem(f"{what} not found: {path}. Check the path.")
    if path.is_dir():
        raise PathProblem(f"{what} {path} is a folder; give a file.")
    if not os.access(path, os.R_OK):
        raise PathProblem(f"{what} {path} is not readable; check its permissions.")
    return path


def check_output(path: str | Path, *inputs: str | Path | None, what: str = "Output") -> Path:
    """A file the command may write: not one of its inputs, in a writable folder.

    Symlinks are resolved, so a link to an input is refused too. A missing parent
    folder is created (as ``evaluate --output`` always did).
    """
    path = Path(path)
    target = path.resolve()
    for given in inputs:
        if given is not None and Path(given).exists() and Path(given).resolve() == target:
            raise PathProblem(
                f"{what} {path} is also an input of this command ({given}); writing it would "
                "destroy the input. Choose another output path."
            )
    if target.is_dir():
        raise PathProblem(f"{what} {path} is a folder; give a file name.")
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise PathProblem(f"Can't create the folder of {what.lower()} {path}: {err}.") from None
    if not os.access(parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise PathProblem(f"{what} {path} is not writable; check the folder's permissions.")
    return path
