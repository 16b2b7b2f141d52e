"""Check, link or unpack the project's data, and check the demo's tools.

    python scripts/check_assets.py --link ../shared/data --dest assets/data
    python scripts/check_assets.py --extract --dest assets/data
    python scripts/check_assets.py --demo --translator apertium --src-lang en --lang es

``--link`` makes every asset of project.yml (and the WikiANN files that come in
archives) a symbolic link to the same file under a local copy of the data, so a
machine without internet never downloads; ``--extract`` unpacks downloaded WikiANN
archives. Both check each file's MD5 against the published checksum and fail with
the file's name when one differs. ``--demo`` checks that Apertium's language pairs
and eflomal are installed and says how to install what is missing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parents[1]

# WikiANN files that come inside the archives of project.yml (original files with
# `lang:` token prefixes); MD5 of the published files.
EXTRACTED = {
    "wikiann/eo/train": "79afb59e99b81e139fb0a0debfd610c4",
    "wikiann/eo/dev": "07b337d540441695c5414441a8e671c6",
    "wikiann/eo/test": "d656083770d5bc8ca4fc6146eb41d1af",
    "wikiann/eu/train": "bcdd95da6f4b654d71811bad321d0bd2",
    "wikiann/eu/dev": "379b1e6beb1f9868ed1d05614fb297a3",
    "wikiann/eu/test": "8af84f15b5111fe0c64d7883127d780f",
    "wikiann/is/train": "3df21971a6d5e71fecec9e27b9f48ba2",
    "wikiann/is/dev": "cc918c4f861a171eedc565f2d6960e31",
    "wikiann/is/test": "4dc3de84beba54c149d11be8b0658bcb",
    "wikiann/mk/train": "69e239530cb7e662e10957cb393fec92",
    "wikiann/mk/dev": "473b6fde47b06187e31c8dd1cc81019c",
    "wikiann/mk/test": "c5a3c3a26cec984336c7bb7157e8cd12",
}


def md5(path: Path) -> str:
    """The MD5 hex digest of a file's bytes."""
    digest = hashlib.md5()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expected_files(
    project_file: Path, data_prefix: str = "assets/data/", *, extra: bool = False
) -> dict[str, str]:
    """Relative path (under the data folder) -> MD5 of every checked data file; the
    ``extra`` assets (languages beyond the shared data) only when ``extra``."""
    import srsly

    files = dict(EXTRACTED)
    for asset in srsly.read_yaml(project_file).get("assets", []):
        dest, checksum = asset.get("dest", ""), asset.get("checksum")
        if asset.get("extra") and not extra:
            continue
        if checksum and dest.startswith(data_prefix):
            files[dest[len(data_prefix) :]] = checksum
    return files


def link_assets(source: Path, dest: Path, files: dict[str, str]) -> list[str]:
    """Link every file from ``source`` into ``dest``, checking checksums; return problems."""
    problems = []
    for rel, checksum in sorted(files.items()):
        src = (source / rel).resolve()
        if not src.is_file():
            problems.append(f"{src}: not found (download it with `spacy project assets`)")
            continue
        if md5(src) != checksum:
            problems.append(f"{src}: checksum {md5(src)} differs from the published {checksum}")
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.exists():
            target.unlink()
        target.symlink_to(src)
    return problems


def extract_wikiann(dest: Path, files: dict[str, str]) -> list[str]:
    """Unpack ``dest/wikiann/<lang>.tar.gz`` archives into ``dest/wikiann/<lang>/``."""
    problems = []
    for archive in sorted((dest / "wikiann").glob("*.tar.gz")):
        lang = archive.name.split(".")[0]
        out = dest / "wikiann" / lang
        out.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                name = Path(member.name).name
                if member.isfile() and name in ("train", "dev", "test"):
                    data = tar.extractfile(member)
                    assert data is not None
                    (out / name).write_bytes(data.read())
        for split in ("train", "dev", "test"):
            rel = f"wikiann/{lang}/{split}"
            path = dest / rel
            if not path.is_file():
                problems.append(f"{archive}: has no {split} file")
            elif rel in files and md5(path) != files[rel]:
                problems.append(f"{path}: checksum {md5(path)} differs from {files[rel]}")
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


def main(
    link: Path = typer.Option(None, "--link", help="Link the data from this local copy"),
    extract: bool = typer.Option(False, "--extract", help="Unpack the WikiANN archives"),
    demo: bool = typer.Option(False, "--demo", help="Check the demo's tools"),
    dest: Path = typer.Option(Path("assets/data"), "--dest", help="The project's data folder"),
    translator: str = typer.Option("apertium", "--translator"),
    src_lang: str = typer.Option("en", "--src-lang"),
    lang: str = typer.Option("es", "--lang"),
) -> None:
    files = expected_files(ROOT / "project.yml")
    problems: list[str] = []
    if link is not None:
        problems += link_assets(link, dest, files)
        if not problems:
            typer.echo(f"Linked {len(files)} data files from {link} into {dest}")
    if extract:
        problems += extract_wikiann(dest, files)
    if demo:
        problems += check_demo_tools(translator, src_lang, lang)
        if not problems:
            typer.echo("Demo tools found: Apertium pairs and eflomal")
    for problem in problems:
        typer.echo(f"✘ {problem}", err=True)
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
