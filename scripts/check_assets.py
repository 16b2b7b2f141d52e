"""Fetch a language's data (link it from a local copy or download it), and check the
demo's tools.

    python scripts/check_assets.py fetch --lang es [--shared ../shared/data] [--dest assets/data]
    python scripts/check_assets.py tools --translator apertium --src-lang en --lang es

``fetch`` places the source data (CoNLL-2003, Europarl-NER) and every file of the
languages' gold test sets (``spacy_xlproj.languages``, the one table of the 57
languages: URL and MD5) under ``--dest``: a file already there with the published MD5
is kept; else it becomes a symbolic link to the same file under ``--shared`` (a local
copy, for machines without internet); else it is downloaded. WikiANN eo/eu/is/mk come
as archives whose three files are unpacked. Every file is checked against its MD5
*before* it replaces anything, and a file is replaced by a rename, never written
through: a link into the shared copy stays a link and the copy is never changed.
``--lang`` takes codes, ``default`` (the shared data's languages) or ``all``.
``tools`` checks that Apertium's language pairs and eflomal are installed and says how
to install what is missing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import typer

from spacy_xlproj.languages import (
    ARCHIVE_SUFFIX,
    DEFAULT_ASSET_LANGS,
    DataFile,
    archive_members,
    data_files,
    select,
)

DATA_PREFIX = "assets/data/"
app = typer.Typer(add_completion=False, no_args_is_help=True)


def md5(path: Path) -> str:
    """The MD5 hex digest of a file's bytes."""
    digest = hashlib.md5()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _rel(f: DataFile) -> str:
    return f.dest.removeprefix(DATA_PREFIX)


def _good(path: Path, checksum: str | None) -> bool:
    return path.is_file() and (checksum is None or md5(path) == checksum)


def _replace_with(target: Path, write: Callable[[Path], None]) -> None:
    """Make ``target`` what ``write`` writes into a new file beside it, by a rename.

    The rename replaces a link itself, never the file it points to.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        tmp.unlink()
        write(tmp)
        os.replace(tmp, target)
    finally:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()


def link(source: Path, target: Path) -> None:
    """``target`` becomes a symbolic link to ``source`` (replacing what was there)."""
    _replace_with(target, lambda tmp: tmp.symlink_to(source.resolve()))


def download(url: str, target: Path, checksum: str | None) -> str | None:
    """Download ``url`` into ``target`` if its MD5 is ``checksum``; else the problem."""
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (https URLs)
            data = response.read()
    except OSError as err:
        return f"{url}: download failed ({err}); copy the file to {target} by hand"
    got = hashlib.md5(data).hexdigest()
    if checksum is not None and got != checksum:
        return f"{url}: checksum {got} differs from the published {checksum}; {target} unchanged"
    _replace_with(target, lambda tmp: tmp.write_bytes(data))
    return None


def place(rel: str, url: str | None, checksum: str | None, shared: Path, dest: Path) -> str | None:
    """Keep, link or download one file (``rel`` under ``dest``); the problem, if any."""
    target = dest / rel
    if _good(target, checksum):
        return None
    source = shared / rel
    if source.is_file():
        if checksum is not None and md5(source) != checksum:
            return f"{source}: checksum {md5(source)} differs from the published {checksum}"
        link(source, target)
        return None
    if url is None:
        return f"{target}: not found, and {source} neither"
    return download(url, target, checksum)


def extract(archive: Path, dest: Path, members: dict[str, str]) -> list[str]:
    """Unpack the ``train``/``dev``/``test`` files of a WikiANN archive into ``dest``,
    each checked against its MD5 before it replaces the file (or link) there."""
    problems = []
    wanted = {Path(rel).name: rel for rel in members}
    found: dict[str, bytes] = {}
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if member.isfile() and name in wanted:
                data = tar.extractfile(member)
                if data is not None:
                    found[name] = data.read()
    for name, rel in sorted(wanted.items()):
        if name not in found:
            problems.append(f"{archive}: has no {name} file")
            continue
        got = hashlib.md5(found[name]).hexdigest()
        if got != members[rel]:
            problems.append(f"{archive}: its {name} has checksum {got}, not {members[rel]}")
            continue
        data = found[name]
        _replace_with(dest / rel, lambda tmp, data=data: tmp.write_bytes(data))
    return problems


def fetch_files(files: list[DataFile], shared: Path, dest: Path) -> list[str]:
    """Place every file; the problems, one line each."""
    problems: list[str] = []
    for f in files:
        if not f.dest.endswith(ARCHIVE_SUFFIX):
            problem = place(_rel(f), f.url, f.checksum, shared, dest)
            problems += [problem] if problem else []
            continue
        members = archive_members(f)
        # The shared copy holds the unpacked files: link those; else unpack the archive.
        if all(_good(dest / rel, c) or (shared / rel).is_file() for rel, c in members.items()):
            for rel, checksum in members.items():
                problem = place(rel, None, checksum, shared, dest)
                problems += [problem] if problem else []
            continue
        archive = dest / _rel(f)
        problem = None if archive.is_file() else download(f.url, archive, None)
        problems += [problem] if problem else extract(archive, dest, members)
    return problems


def check_demo_tools(translator: str, src_lang: str, lang: str) -> list[str]:
    """What the demo needs and is missing: Apertium pairs, eflomal."""
    problems = []
    if importlib.util.find_spec("eflomal") is None:
        problems.append("eflomal is not installed: pip install 'spacy-xlproj[eflomal]'")
    if translator.startswith("apertium"):
        if shutil.which("apertium") is None:
            problems.append(
                "apertium is not installed: sudo apt-get install apertium apertium-eng-spa "
                "(or: make apertium)"
            )
        else:
            listed = subprocess.run(["apertium", "-l"], capture_output=True, text=True).stdout
            modes = set(listed.split())
            codes = {"en": "eng", "es": "spa"}
            for a, b in ((src_lang, lang), (lang, src_lang)):
                if f"{codes.get(a, a)}-{codes.get(b, b)}" not in modes and f"{a}-{b}" not in modes:
                    problems.append(
                        f"the Apertium pair {a}-{b} is not installed: sudo apt-get install "
                        f"apertium-{codes.get(src_lang, src_lang)}-{codes.get(lang, lang)}"
                    )
    return problems


def _report(problems: list[str], done: str) -> None:
    for problem in problems:
        typer.echo(f"✘ {problem}", err=True)
    if problems:
        sys.exit(1)
    typer.echo(done)


@app.command()
def fetch(
    lang: str = typer.Option(..., "--lang", help="Codes, default, or all (comma-separated)"),
    shared: Path = typer.Option(
        Path("../shared/data"), "--shared", help="A local copy of the data to link from"
    ),
    dest: Path = typer.Option(Path("assets/data"), "--dest", help="The project's data folder"),
) -> None:
    """Link or download the source data and the languages' gold data, checking MD5s."""
    codes = select(lang.replace("default", ",".join(DEFAULT_ASSET_LANGS)))
    files = data_files(codes)
    _report(fetch_files(files, shared, dest), f"✔ {dest}: data for {', '.join(codes)} in place")


@app.command()
def tools(
    translator: str = typer.Option("apertium", "--translator"),
    src_lang: str = typer.Option("en", "--src-lang"),
    lang: str = typer.Option("es", "--lang"),
) -> None:
    """Check that the demo's tools are installed (Apertium pairs, eflomal)."""
    _report(check_demo_tools(translator, src_lang, lang), "Demo tools found: Apertium and eflomal")


if __name__ == "__main__":
    app()
