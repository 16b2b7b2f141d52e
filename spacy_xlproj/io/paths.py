"""Checks every command runs on its paths and counts before any work starts (one home each).

A run that fails after translating a whole corpus, or that overwrites its own input or
its cache, loses the user's time or data; these checks make it fail at once, in one
line. The library raises :class:`PathProblem` (a ``DataError``, exit 1); the command
line prints it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import DataError, UsageError

# What a translation cache folder holds (translate/cache.py, and ProjectedCorpus.v1).
CACHE_FILE = "translations.sqlite3"
_CACHE_ENTRIES = (CACHE_FILE, f"{CACHE_FILE}-wal", f"{CACHE_FILE}-shm", "corpora")
_SQLITE_HEADER = b"SQLite format 3\x00"


class PathProblem(DataError):
    """An input or output path that the command cannot use."""


def check_limit(limit: int | None, name: str = "limit") -> int | None:
    """A sentence limit: 0 or more, 0 (or None) meaning every sentence (returned as None).

    RAISES (UsageError): A negative limit (slicing with -1 used to drop the last sentence
        without a word).
    """
    if limit is not None and limit < 0:
        raise UsageError(f"{name} must be 0 or more (0: every sentence), got {limit}.")
    return limit or None


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


def check_output(
    path: str | Path,
    *inputs: str | Path | None,
    what: str = "Output",
    folders: Iterable[tuple[str, str | Path | None]] = (),
) -> Path:
    """A file the command may write: not one of its inputs, in a writable folder.

    Symlinks are resolved, so a link to an input is refused too. A missing parent
    folder is created (as ``evaluate --output`` always did).

    folders: ``(flag, folder)`` pairs the run owns (``--cache-dir``, ``--work-dir``): a
        file inside one would be overwritten by the run, or would break the next one.
    """
    path = Path(path)
    target = path.resolve()
    for given in inputs:
        if given is not None and Path(given).exists() and Path(given).resolve() == target:
            raise PathProblem(
                f"{what} {path} is also an input of this command ({given}); writing it would "
                "destroy the input. Choose another output path."
            )
    for flag, folder in folders:
        if folder is not None and target.is_relative_to(Path(folder).expanduser().resolve()):
            raise PathProblem(
                f"{what} {path} is inside {flag} {folder}, which this run manages; writing it "
                "would damage that folder. Choose another output path."
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


def check_cache_dir(path: str | Path | None) -> None:
    """A folder that is new, empty, or a translation cache (never a user's other folder).

    RAISES (PathProblem): A file, a folder of other files, or a damaged cache file.
    """
    if path is None:
        return
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise PathProblem(
            f"--cache-dir {path} is a file; give a folder (new, or an earlier --cache-dir)."
        )
    if not path.is_dir():
        return
    database = path / CACHE_FILE
    if database.is_file():
        with database.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
        # An empty file is what sqlite itself leaves before the first write: accepted.
        if header and header != _SQLITE_HEADER:
            raise PathProblem(
                f"--cache-dir {path}: {database.name} is not an sqlite database, so this is "
                "not a translation cache. Give another folder, or delete that file."
            )
        return
    others = sorted(p.name for p in path.iterdir() if p.name not in _CACHE_ENTRIES)
    others = [name for name in others if not name.startswith(".")]
    if others:
        raise PathProblem(
            f"--cache-dir {path} is not a translation cache: it holds other files (e.g. "
            f"{others[0]!r}) and no {CACHE_FILE}. Give a new or empty folder, or an earlier "
            "--cache-dir."
        )
