"""Package a trained pipeline as a wheel with ``spacy package`` and check it stands alone.

    python scripts/package.py MODEL OUTPUT_DIR --name NAME --version 0.1.0

The packaged pipeline must load with spaCy alone (plus spacy-transformers for a
transformer pipeline): its ``config.cfg`` and ``meta.json`` must not mention
``spacy_xlproj``. The check runs after packaging and fails the command if they do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

FORBIDDEN = "spacy_xlproj"


def find_references(package_dir: Path) -> list[str]:
    """The packaged config/meta files that refer to spacy_xlproj (should be none)."""
    found = []
    for path in sorted(package_dir.rglob("*")):
        if path.name in ("config.cfg", "meta.json") and FORBIDDEN in path.read_text("utf8"):
            found.append(str(path))
    return found


def package_pipeline(
    model: Path, output_dir: Path, name: str, version: str = "0.1.0", build: str = "wheel"
) -> tuple[Path, list[Path]]:
    """Run ``spacy package``; return the package folder and the wheels it built."""
    from spacy.cli.package import package

    meta = json.loads((model / "meta.json").read_text("utf8"))
    output_dir.mkdir(parents=True, exist_ok=True)
    package(
        model,
        output_dir,
        name=name,
        version=version,
        create_meta=False,
        create_sdist="sdist" in build,
        create_wheel="wheel" in build,
        force=True,
        silent=True,
    )
    package_dir = output_dir / f"{meta['lang']}_{name}-{version}"
    dist = package_dir / "dist"
    return package_dir, sorted(dist.glob("*.whl")) if dist.is_dir() else []


def main(
    model: Path = typer.Argument(..., help="Trained pipeline directory (model-best)"),
    output_dir: Path = typer.Argument(..., help="Where spacy package writes the package"),
    name: str = typer.Option(..., "--name", help="Package name (without the language prefix)"),
    version: str = typer.Option("0.1.0", "--version", help="Package version"),
    build: str = typer.Option("wheel", "--build", help="sdist, wheel, or none"),
) -> None:
    package_dir, wheels = package_pipeline(model, output_dir, name, version, build)
    bad = find_references(package_dir)
    if bad:
        typer.echo(f"{FORBIDDEN} is referenced in: {', '.join(bad)}", err=True)
        sys.exit(1)
    typer.echo(json.dumps({"package": str(package_dir), "wheels": [str(w) for w in wheels]}))


if __name__ == "__main__":
    typer.run(main)
