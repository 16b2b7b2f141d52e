"""Atomic file output: a file is either completely written or not touched at all.

Every output of spacy-xlproj (column files, ``.spacy`` DocBins, Pharaoh links, text,
JSON statistics, work-folder chunks, manifests) goes through one of these helpers:
the data is written to a temporary file beside the target (same folder, hence the
same file system) and renamed over the target only when the writer finished without
an error. A writer that fails half-way (a sentence that cannot be written, a full disk,
Ctrl-C) leaves the old file, or no file, instead of a truncated one.

* :func:`atomic_write`: a context manager yielding an open file (text or binary).
* :func:`atomic_path`: a context manager yielding a temporary path, for writers that
  insist on opening the file themselves (``DocBin.to_disk``, ``json.dump`` to a path…).
* :func:`write_atomic`: write a whole ``str`` or ``bytes`` at once.

Temporary files are named ``.<name>.<random>.tmp`` so that globs on the real suffix
(``*.spacy``, ``chunk-*.json``) never pick up an unfinished file. A symlink target is
followed: the file it points to is replaced and the link is kept. Folders are not
created here (callers decide), and the helpers write files, not folders.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_TMP_SUFFIX = ".tmp"
# O_EXCL: never open a file someone else created; O_BINARY (Windows only): no newline mangling.
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _target(path: str | Path) -> Path:
    """The file that will really be replaced: a symlink's target, not the link itself."""
    path = Path(path)
    # os.replace() on a symlink would swap the link for a regular file, and the file
    # the user pointed at would silently keep its old content.
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _create_temp(target: Path) -> tuple[int, Path]:
    """Create a new, empty temporary file beside ``target``; returns (fd, path)."""
    while True:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}{_TMP_SUFFIX}")
        try:
            # 0o666 filtered by the umask, as open() would do: mkstemp's 0o600 would
            # leave outputs unreadable to the group where the user expects otherwise.
            fd = os.open(tmp, _FLAGS, 0o666)
        except FileExistsError:  # a random name collided: draw another
            continue
        return fd, tmp


def _commit(tmp: Path, target: Path, *, fsync: bool) -> None:
    """Give ``tmp`` the target's permissions and rename it over ``target``."""
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        pass
    else:
        # Replacing a file keeps its permissions, as rewriting it in place would.
        os.chmod(tmp, mode)
    os.replace(tmp, target)
    if fsync and os.name == "posix":
        # Make the rename itself durable; best effort (some file systems refuse).
        with contextlib.suppress(OSError):
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


def _discard(tmp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()


@contextlib.contextmanager
def atomic_path(path: str | Path, *, fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` if the block succeeds.

    For writers that open the file themselves::

        with atomic_path(output) as tmp:
            docbin.to_disk(tmp)

    The temporary file exists (empty) when the block starts. If the block raises
    (anything, Ctrl-C included), it is deleted and ``path`` is left as it was.

    path (str | Path): The file to write; its folder must exist.
    fsync (bool): Flush the data to disk before the rename, so that a power cut
        cannot leave an empty file under the final name.
    YIELDS (Path): Where to write.
    """
    target = _target(path)
    fd, tmp = _create_temp(target)
    os.close(fd)
    try:
        yield tmp
        if fsync:
            with open(tmp, "rb+") as file:
                os.fsync(file.fileno())
        _commit(tmp, target, fsync=fsync)
    except BaseException:
        _discard(tmp)
        raise


@contextlib.contextmanager
def atomic_write(
    path: str | Path,
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = "\n",
    fsync: bool = True,
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; it replaces ``path`` on success.

    ::

        with atomic_write(output) as file:
            for sentence in sentences:
                file.write(...)  # an error here leaves ``output`` untouched

    path (str | Path): The file to write; its folder must exist.
    mode (str): ``"w"`` (text) or ``"wb"`` (binary); ``"x"`` is accepted for "w".
    encoding (str | None): Text encoding (ignored in binary mode). UTF-8 by default,
        not the locale's, so outputs are the same on every machine.
    newline (str | None): Line ending translation, as for :func:`open`. ``"\\n"`` by
        default: outputs have LF line endings on every platform.
    fsync (bool): Flush the data to disk before the rename.
    YIELDS (IO): The open file.
    """
    if mode not in ("w", "wt", "wb", "x", "xt", "xb"):
        raise ValueError(f"atomic_write mode must be 'w' or 'wb', not {mode!r}")
    binary = "b" in mode
    target = _target(path)
    fd, tmp = _create_temp(target)
    try:
        if binary:
            file: IO[Any] = os.fdopen(fd, "wb")
        else:
            file = os.fdopen(fd, "w", encoding=encoding, newline=newline)
    except BaseException:
        os.close(fd)
        _discard(tmp)
        raise
    try:
        with file:
            yield file
            file.flush()
            if fsync:
                os.fsync(file.fileno())
        _commit(tmp, target, fsync=fsync)
    except BaseException:
        _discard(tmp)
        raise


def write_atomic(
    path: str | Path, data: str | bytes, *, encoding: str = "utf-8", fsync: bool = True
) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`).

    A ``str`` is encoded (UTF-8 by default) and written with its line endings as they
    are; ``bytes`` are written unchanged. E.g. ``write_atomic(stats, json.dumps(d) + "\\n")``.

    path (str | Path): The file to write; its folder must exist.
    data (str | bytes): The whole content.
    encoding (str): The encoding of a ``str``.
    fsync (bool): Flush the data to disk before the rename.
    """
    raw = data.encode(encoding) if isinstance(data, str) else bytes(data)
    with atomic_write(path, "wb", fsync=fsync) as file:
        file.write(raw)
