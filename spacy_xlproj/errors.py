"""The one error taxonomy: what kind of failure it is decides the exit code.

Library code raises these where the fault is found; the command line has one handler
(``cli._app``) that prints ``Error: <message>`` on one line and exits with
``exit_code``. Any other exception is a bug and keeps its traceback.

- :class:`UsageError` (exit 2): a bad option, value, config key or spec.
- :class:`DataError` (exit 1): a file that cannot be read or written as asked.
- :class:`SetupError` (exit 1): the environment lacks something (a model, a tool, an extra).
"""

from __future__ import annotations

from pathlib import Path


class XlprojError(Exception):
    """Base class of every error raised by spacy-xlproj on purpose."""

    exit_code = 1


class UsageError(XlprojError, ValueError):
    """A bad option, value, config setting or backend spec (exit 2)."""

    exit_code = 2


class DataError(XlprojError, ValueError):
    """A data file, cache or folder that cannot be used as asked (exit 1)."""


class SetupError(XlprojError):
    """Something the run needs is missing from this machine: a model, a tool (exit 1)."""


class DataFormatError(DataError):
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


class MissingDependencyError(SetupError, ImportError):
    """An optional dependency is needed: says which extra or command installs it."""

    def __init__(self, what: str, install: str) -> None:
        super().__init__(f"{what} is not available. Install it with: {install}")
