"""Exceptions with messages that say where the problem is and what to do."""

from __future__ import annotations

from pathlib import Path


class XlprojError(Exception):
    """Base class of every error raised by spacy-xlproj."""


class DataFormatError(XlprojError, ValueError):
    """A data file could not be read: names the file, the line and the fix."""

    def __init__(self, path: str | Path, line: int | None, problem: str, hint: str = "") -> None:
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.hint = hint
        where = f"{self.path}, line {line}" if line is not None else self.path
        message = f"{where}: {problem}"
        if hint:
            message += f" {hint}"
        super().__init__(message)


class MissingDependencyError(XlprojError, ImportError):
    """An optional dependency is needed: says which extra or command installs it."""

    def __init__(self, what: str, install: str) -> None:
        super().__init__(f"{what} is not available. Install it with: {install}")
