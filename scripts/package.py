"""Package a trained pipeline as a wheel that loads with spaCy alone, with an honest card.

    python scripts/package.py MODEL_DIR OUTPUT_DIR --name NAME --version V
        [--metrics METRICS_JSON] [--training TRAINING_JSON] [--about KEY=VALUE]...
        [--description TEXT] [--author TEXT] [--url URL] [--license TEXT]
        [--check-text TEXT] [--check-cache DIR] [--no-check]

It writes ``OUTPUT_DIR/{lang}_{NAME}-{V}/`` with ``spacy package`` and builds the wheel
in its ``dist/``. What a pipeline needs from this project travels inside the package:
a pipeline ending with ``xlproj_span_filter`` gets the component's standalone module
(``spacy package --code``; it imports only spaCy), and ``spacy-xlproj`` is removed from
the requirements spaCy infers. Components that need the library itself
(``xlproj_translate_test``…) cannot be packaged and are refused.

The model card (``spacy_xlproj.package_card``): ``performance`` holds the held-out
scores of ``--metrics`` (an ``evaluate --output`` file) and the name of the test set
(``--about test_data=…``); the score that chose the training step (``--training``,
``training.json``) is kept apart under ``model_selection``, labelled with the kind of
data it was measured on (gold, projected or pseudo-labelled: guessed from the
config's ``paths.dev``, or ``--about dev_kind=…``); every other ``--about`` is
provenance. The README spaCy generates shows them.

The check is the real thing: the wheel is installed into a virtualenv that holds only
spaCy (the version installed here, from the package index pip is configured with, plus
the package's own requirements such as spacy-transformers), loaded with
``spacy.load`` and run on ``--check-text``; the command fails (exit 1) with one line
otherwise. The virtualenv is kept between runs under ``--check-cache`` (default
``~/.cache/spacy-xlproj/package-check``), one per spaCy version, Python version and
requirements: the first check creates it (~30 s), later ones take ~10 s.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from spacy_xlproj.errors import DataError, SetupError, UsageError, XlprojError

CHECK_TEXT = "El Gobierno de España y Telefónica en Madrid."
OWN_DISTRIBUTION = "spacy-xlproj"
# Run inside the check virtualenv with ``python -I``: load the package by name, tag the
# text, report what ran. The library must not be importable there.
CHECK_SCRIPT = """
import importlib.util, json, sys
if importlib.util.find_spec("spacy_xlproj") is not None:
    sys.exit("the check virtualenv has spacy_xlproj installed; delete it to rebuild it")
import spacy
nlp = spacy.load(sys.argv[1])
doc = nlp(sys.argv[2])
print(json.dumps({
    "spacy": spacy.__version__,
    "pipeline": nlp.pipe_names,
    "tokens": len(doc),
    "ents": [[e.text, e.label_] for e in doc.ents],
}, ensure_ascii=False))
"""


# --- what the pipeline is ------------------------------------------------------------


def read_json(path: Path, what: str) -> dict[str, Any]:
    """A JSON object from ``path``; a DataError naming the option otherwise."""
    if not path.is_file():
        raise DataError(f"{what} {path} does not exist.")
    try:
        data = json.loads(path.read_text(encoding="utf8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataError(f"{what} {path} is not valid JSON: {err}.") from None
    if not isinstance(data, dict):
        raise DataError(f"{what} {path} holds a JSON {type(data).__name__}, not an object.")
    return data


def read_config(model: Path) -> Any:
    """The pipeline's config, uninterpolated (no registered function is resolved)."""
    from thinc.api import Config

    path = model / "config.cfg"
    if not path.is_file() or not (model / "meta.json").is_file():
        raise DataError(f"{model} is not a saved spaCy pipeline (no config.cfg or meta.json).")
    return Config().from_disk(path, interpolate=False)


def library_parts(config: Any) -> list[str]:
    """What in the pipeline would need spacy_xlproj installed to load (should be none).

    Only ``xlproj_span_filter`` travels inside the package; other ``xlproj_`` components
    and ``spacy_xlproj.*`` registered functions in ``[nlp]``/``[components]`` (what
    ``spacy.load`` resolves) would need the library.
    """
    from spacy_xlproj.pipes.standalone_span_filter import FACTORY

    found = []
    for name, block in config.get("components", {}).items():
        factory = block.get("factory", "")
        if factory.startswith("xlproj_") and factory != FACTORY:
            found.append(f"component {name!r} (factory {factory})")
    stack = [config.get("nlp", {}), config.get("components", {})]
    while stack:
        section = stack.pop()
        for key, value in section.items():
            if isinstance(value, dict):
                stack.append(value)
            elif key.startswith("@") and str(value).startswith("spacy_xlproj."):
                found.append(f"{key} = {value!r}")
    return found


def uses_span_filter(config: Any) -> bool:
    from spacy_xlproj.pipes.standalone_span_filter import FACTORY

    return any(b.get("factory") == FACTORY for b in config.get("components", {}).values())


def score_name(config: Any) -> str:
    """What the training score is: the one weighted metric (``ents_f``) or a mix."""
    weights = config.get("training", {}).get("score_weights", {})
    used = [k for k, w in weights.items() if w]
    return used[0] if len(used) == 1 else "weighted score (" + ", ".join(used) + ")"


def language_name(lang: str) -> str:
    """``Spanish`` for ``es``: the project's language table, else spaCy's class name."""
    from spacy_xlproj.languages import LANGUAGES

    for row in LANGUAGES.values():
        if lang in (row.code, row.iso639_1):
            return row.name
    from spacy.util import get_lang_class

    return get_lang_class(lang).__name__


def build_meta(
    model: Path,
    config: Any,
    *,
    metrics: Path | None,
    training: Path | None,
    about: dict[str, str],
    description: str | None,
    author: str | None,
    url: str | None,
    license: str | None,
) -> dict[str, Any]:
    """The package's meta.json (see ``spacy_xlproj.package_card.card_meta``)."""
    from spacy_xlproj.package_card import card_meta

    meta = read_json(model / "meta.json", "Pipeline meta")
    return card_meta(
        meta,
        lang_name=language_name(meta.get("lang", "xx")),
        metrics=read_json(metrics, "--metrics") if metrics else None,
        metrics_name=str(metrics) if metrics else "",
        training=read_json(training, "--training") if training else None,
        dev_path=str(config.get("paths", {}).get("dev") or ""),
        score_name=score_name(config),
        about=about,
        description=description,
        author=author,
        url=url,
        license=license,
    )


# --- the package -------------------------------------------------------------------------


def check_name(name: str, version: str) -> None:
    """Refuse what ``spacy package`` would refuse silently or setuptools later."""
    from packaging.version import InvalidVersion, Version
    from spacy.cli.package import _is_permitted_package_name

    if not name.isidentifier() or not _is_permitted_package_name(name):
        raise UsageError(f"--name {name!r}: use ASCII letters, digits and _ (a module name).")
    try:
        Version(version)
    except InvalidVersion:
        raise UsageError(f"--version {version!r}: not a version such as 0.1.0.") from None


def is_own(requirement: str) -> bool:
    """Whether a requirement names this project (``spacy-xlproj>=0.1.0,<0.2.0``)."""
    from spacy.util import split_requirement

    name = split_requirement(requirement)[0]
    return re.sub(r"[-_.]+", "-", name).lower() == OWN_DISTRIBUTION


def package_pipeline(
    model: Path, output_dir: Path, name: str, version: str, meta: dict[str, Any]
) -> tuple[Path, Path, dict[str, Any]]:
    """Write the package folder with ``spacy package``; fix its meta; build the wheel.

    The span filter's standalone module goes in when the pipeline uses the component.

    RETURNS (tuple[Path, Path, dict]): The package folder, the wheel and the final meta.
    """
    from spacy.cli.package import generate_readme
    from spacy.cli.package import package as spacy_package

    from spacy_xlproj.pipes import standalone_span_filter

    code = uses_span_filter(read_config(model))
    output_dir.mkdir(parents=True, exist_ok=True)
    model_name = f"{meta['lang']}_{name}"
    package_dir = output_dir / f"{model_name}-{version}"
    with tempfile.TemporaryDirectory() as tmp:
        meta_path = Path(tmp) / "meta.json"
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf8")
        try:
            spacy_package(
                model,
                output_dir,
                meta_path=meta_path,
                code_paths=[Path(standalone_span_filter.__file__)] if code else [],
                name=name,
                version=version,
                create_meta=False,
                create_sdist=False,
                create_wheel=False,
                force=True,
                silent=True,
            )
        except SystemExit:
            raise DataError(
                f"spacy package failed on {model}; run `python -m spacy package {model} "
                f"{output_dir}` to see why."
            ) from None
    # spaCy adds a requirement for every package whose registered functions the config
    # names, this project's included: the copy of the component inside makes it moot.
    final = json.loads((package_dir / "meta.json").read_text(encoding="utf8"))
    final["requirements"] = [r for r in final.get("requirements", []) if not is_own(r)]
    # spaCy links the author to meta["url"] whenever the key is there, even empty.
    readme = generate_readme({k: v for k, v in final.items() if k != "url" or v})
    data_dir = package_dir / model_name / f"{model_name}-{version}"
    for folder in (package_dir, data_dir):
        (folder / "meta.json").write_text(
            json.dumps(final, indent=2, ensure_ascii=False), encoding="utf8"
        )
        (folder / "README.md").write_text(readme, encoding="utf8")
    return package_dir, build_wheel(package_dir), final


def build_wheel(package_dir: Path) -> Path:
    """Build the wheel as ``spacy package --build wheel`` does, from a clean state."""
    from spacy.cli.package import has_build

    for leftover in ("build", "dist", *(p.name for p in package_dir.glob("*.egg-info"))):
        shutil.rmtree(package_dir / leftover, ignore_errors=True)
    if has_build():
        command = [sys.executable, "-m", "build", ".", "--wheel"]
    else:  # spaCy's own fallback without the `build` package
        command = [sys.executable, "setup.py", "-q", "bdist_wheel"]
    done = subprocess.run(command, cwd=package_dir, capture_output=True, text=True)
    wheels = sorted((package_dir / "dist").glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SetupError(f"building the wheel in {package_dir} failed: {last[0]}")
    return wheels[0]


# --- the check -----------------------------------------------------------------------


def default_check_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spacy-xlproj" / "package-check"


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (two checks share one virtualenv in turn)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str], what: str, timeout: int, cwd: Path | None = None) -> str:
    """Run a step of the check; a SetupError with its last line of output otherwise."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd
        )
    except subprocess.TimeoutExpired:
        raise SetupError(f"package check: {what} took over {timeout} s.") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise SetupError(f"package check: {what} failed: {lines[-1] if lines else 'no output'}")
    return done.stdout


def check_venv(cache: Path, requirements: list[str]) -> Path:
    """The python of a virtualenv with only spaCy (this version) and ``requirements``.

    Built once per key, in a temporary folder renamed into place when complete, so an
    interrupted build is never used. Call it under ``locked``.
    """
    import spacy

    spec = [f"spacy=={spacy.__version__}", *sorted(requirements)]
    key = f"spacy-{spacy.__version__}-py{sys.version_info[0]}{sys.version_info[1]}"
    if requirements:
        key += "-" + hashlib.sha256("\n".join(spec).encode()).hexdigest()[:10]
    venv = cache / key
    python = venv / "bin" / "python"
    if python.exists():
        return python
    tmp = cache / f".{key}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    _run([sys.executable, "-m", "venv", str(tmp)], "creating a virtualenv", 300)
    pip = [str(tmp / "bin" / "python"), "-m", "pip", "install", "-q", *spec]
    _run(pip, f"pip install {' '.join(spec)}", 900)
    # Its scripts name the temporary folder, but pip and the check run as `python -m`.
    tmp.rename(venv)
    return python


def check_wheel(
    wheel: Path, model_name: str, text: str, requirements: list[str], cache: Path
) -> dict[str, Any]:
    """Install the wheel where only spaCy is, load it, tag ``text``; what ran, and how long.

    RAISES (SetupError): Any step failed (one line: the step and its last line of output).
    """
    start = time.perf_counter()
    with locked(cache / ".lock"):
        python = check_venv(cache, requirements)
        install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall"]
        _run([*install, str(wheel.resolve())], f"pip install {wheel.name}", 300)
        try:
            with tempfile.TemporaryDirectory() as cwd:  # nothing importable from here
                out = _run(
                    [str(python), "-I", "-c", CHECK_SCRIPT, model_name, text],
                    f"spacy.load({model_name!r}) with only spaCy installed",
                    300,
                    cwd=Path(cwd),
                )
        finally:  # the next check starts from spaCy alone again
            uninstall = [str(python), "-m", "pip", "uninstall", "-q", "-y", model_name]
            subprocess.run(uninstall, capture_output=True, timeout=300)
    result = json.loads(out.strip().splitlines()[-1])
    result["venv"] = str(python.parent.parent)
    result["seconds"] = round(time.perf_counter() - start, 1)
    return result


def check_result_line(result: dict[str, Any], text: str) -> str:
    ents = ", ".join(f"{t}/{label}" for t, label in result["ents"]) or "no entities"
    return (
        f"check passed in {result['seconds']} s: installed into a virtualenv with only "
        f"spaCy {result['spacy']} ({result['venv']}), loaded, pipeline "
        f"{result['pipeline']}, tagged {text!r}: {ents}"
    )


# --- command -------------------------------------------------------------------------


def main(
    model: Path = typer.Argument(..., help="Trained pipeline directory (model-best)"),
    output_dir: Path = typer.Argument(..., help="Where the package folder is written"),
    name: str = typer.Option(..., "--name", help="Package name (without the language prefix)"),
    version: str = typer.Option("0.1.0", "--version", help="Package version"),
    metrics: Path | None = typer.Option(
        None, "--metrics", help="Held-out scores (evaluate --output JSON): meta performance"
    ),
    training: Path | None = typer.Option(
        None, "--training", help="training.json of the run: the score that chose the step"
    ),
    about: list[str] = typer.Option(
        [], "--about", help="Provenance KEY=VALUE (source_data, source_licence, translator…)"
    ),
    description: str | None = typer.Option(None, "--description", help="Default: generated"),
    author: str | None = typer.Option(None, "--author", help="Model author"),
    url: str | None = typer.Option(None, "--url", help="Model URL"),
    license: str | None = typer.Option(
        None, "--license", help="Model licence (default: --about source_licence)"
    ),
    check_text: str = typer.Option(CHECK_TEXT, "--check-text", help="Sentence the check tags"),
    check_cache: Path | None = typer.Option(
        None, "--check-cache", help="Where check virtualenvs are kept (~/.cache/spacy-xlproj/…)"
    ),
    check: bool = typer.Option(True, "--check/--no-check", help="Install and load the wheel"),
) -> None:
    from spacy_xlproj.package_card import parse_about

    try:
        check_name(name, version)
        provenance = parse_about(about)
        config = read_config(model)
        needs_library = library_parts(config)
        if needs_library:
            raise UsageError(
                f"{model} cannot load without spacy_xlproj: {'; '.join(needs_library)}. "
                "Only xlproj_span_filter travels inside a package."
            )
        lang = read_json(model / "meta.json", "Pipeline meta").get("lang", "")
        if name.startswith(f"{lang}_"):
            # spaCy's setup.py would name the distribution {lang}_{lang}_…
            raise UsageError(f"--name {name!r}: leave out the language prefix {lang}_.")
        meta = build_meta(
            model,
            config,
            metrics=metrics,
            training=training,
            about=provenance,
            description=description,
            author=author,
            url=url,
            license=license,
        )
        package_dir, wheel, final = package_pipeline(model, output_dir, name, version, meta)
        typer.echo(f"wrote {wheel}")
        if check:
            model_name = f"{final['lang']}_{final['name']}"
            result = check_wheel(
                wheel,
                model_name,
                check_text,
                final.get("requirements", []),
                check_cache or default_check_cache(),
            )
            typer.echo(check_result_line(result, check_text))
    except XlprojError as err:
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(err.exit_code) from None


if __name__ == "__main__":
    typer.run(main)
