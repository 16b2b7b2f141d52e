"""Run the project's workflow for many languages and methods, skipping finished runs.

    python scripts/run_langs.py --langs es,ca,gl [--methods heuristic,ilp] [--preset conll]
    python scripts/run_langs.py --langs masakhaner --nllb /models/nllb-200-distilled-600M
    python scripts/run_langs.py --langs all --dry-run        # the plan for the paper's 57
    python scripts/run_langs.py --preset demo --methods heuristic,ilp      # make demo

Languages come from the table in ``spacy_xlproj.languages``: ``--langs`` takes codes,
``xtreme`` (39), ``masakhaner`` (18) or ``all`` (the paper's 57). For every language and
method it calls ``spacy project run <workflow>`` with the language's variables (spaCy
language class, gold test sets and their labels, translator) and the preset's (data,
training length). The translator is Apertium where a mode for the direction is
installed, else NLLB-200 from the folder ``--nllb`` names (languages with no Apertium
pair at all need it; for Basque, Icelandic and Macedonian, whose pairs only go into
English, it adds translate-train). A run whose metrics files all exist is skipped, so an
interrupted sweep resumes where it stopped. Languages without a gold test set are
trained (and packaged) but not scored. At the end the report is built and its table
printed. ``--dry-run`` prints the plan instead: per language the data files, the models
and the commands, without running anything.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from spacy_xlproj.languages import DEFAULT_ASSET_LANGS, LANGUAGES, Language, TestSet, select

ROOT = Path(__file__).resolve().parents[1]

PRESETS: dict[str, dict[str, str]] = {
    # CoNLL-2003 English as the source; project.yml's defaults.
    "conll": {},
    # The offline demo: original data in assets/demo. Its 248 training sentences need
    # less patience than CoNLL's 14,041: training stops (converged) once the dev score
    # has not improved for 300 steps; max_steps is only a safety net.
    "demo": {
        "src_name": "demo",
        "src_train": "assets/demo/en_train.iob",
        "src_dev": "assets/demo/en_dev.iob",
        "max_steps": "3000",
        "eval_frequency": "100",
        "patience": "300",
        "src_patience": "300",
        "unlabelled": "assets/demo/es_unlabelled.txt",
    },
}
DEMO_TEST = TestSet("demo", "assets/demo/es_test.iob")
# Shown for --nllb in a dry run without it: the plan stays complete, nothing is loaded.
NLLB_PLACEHOLDER = "<NLLB_DIR>"
DEFAULT_TRANSLATOR = "apertium"  # project.yml's translator and back_translator


def project_run(command: str, variables: dict[str, str], dry: bool = False) -> None:
    """``spacy project run COMMAND .`` with ``--vars.KEY VALUE`` overrides."""
    args = [sys.executable, "-m", "spacy", "project", "run", command, str(ROOT)]
    for key, value in variables.items():
        args.append(f"--vars.{key}={value}")
    print("$", " ".join(args[1:]), flush=True)
    if not dry:
        subprocess.run(args, check=True, cwd=ROOT)


def metrics_paths(
    lang: str, tests: list[TestSet], method: str, tt: bool, student: bool = False
) -> list[Path]:
    """The metrics files a finished run of this language and method has written."""
    out = []
    for test in tests:
        base = ROOT / "metrics" / lang / test.name
        out.append(base / f"translate-test-{method}.json")
        if tt:
            out.append(base / f"translate-train-{method}.json")
        if student:
            out.append(base / f"student-{method}-1.json")
    return out


def translators(
    language: Language | None, extra: dict[str, str], nllb: str | None
) -> tuple[str | None, str | None]:
    """The translator specs English -> language and language -> English (None: none).

    ``--var translator=…`` wins; a language the table lacks gets project.yml's default.
    NLLB serves where Apertium has no mode for a direction and ``nllb`` names a model,
    or (as a placeholder to fill in) where the language has no Apertium pair at all.
    """
    if "translator" in extra:
        return extra["translator"], extra["translator"]
    if language is None:
        return DEFAULT_TRANSLATOR, DEFAULT_TRANSLATOR
    folder = nllb or (None if language.apertium_modes else NLLB_PLACEHOLDER)
    return language.translator(True, folder), language.translator(False, folder)


def translator_vars(
    command: str, into: str | None, back: str | None, extra: dict[str, str]
) -> dict[str, str]:
    """The translator variables COMMAND needs beyond project.yml's defaults."""
    wanted = {
        "translate-train": {"translator": into},
        "translate-test": {"translator": back, "back_translator": into},
    }.get(command, {})
    return {
        key: value
        for key, value in wanted.items()
        if value and value != DEFAULT_TRANSLATOR and key not in extra
    }


def run_language(
    lang: str,
    methods: list[str],
    preset: str,
    extra: dict[str, str],
    force: bool = False,
    dry: bool = False,
    nllb: str | None = None,
) -> None:
    """Run every method for one language (each gold test set in turn)."""
    language = LANGUAGES.get(lang)
    spacy_lang = language.spacy_lang if language else "xx"
    tests = [DEMO_TEST] if preset == "demo" else list(language.tests if language else ())
    into, back = translators(language, extra, nllb)
    tt = into is not None  # translate-train needs a translator into the language
    if not into and not back:
        print(
            f"✘ {lang}: no translator (no Apertium pair, not in NLLB-200): pass --var translator=…",
            flush=True,
        )
        return
    base = {"lang": lang, "spacy_lang": spacy_lang, **PRESETS[preset], **extra}
    for method in methods:
        done = metrics_paths(lang, tests, method, tt, preset == "demo")
        if done and all(p.exists() for p in done) and not force:
            print(f"✔ {lang} {method}: done already (metrics exist), skipping", flush=True)
            continue
        variables = {**base, "method": method}
        if not tests:  # nothing to score on: build the training data and the model
            for command in ("convert", "translate-train", "train", "package") if tt else ():
                project_run(
                    command, {**variables, **translator_vars(command, into, back, extra)}, dry
                )
            continue
        for i, test in enumerate(tests):
            v = {**variables, "test_name": test.name, "test_gold": test.path}
            v["test_labels"] = test.labels
            if preset == "demo":
                project_run("demo", v, dry)
                continue
            steps = ["convert", "train-source", "baseline"] + (["translate-test"] if back else [])
            if tt:
                steps += ["translate-train", "train", "evaluate"]
                if i == 0:
                    steps.append("package")
            for command in steps:
                project_run(command, {**v, **translator_vars(command, into, back, extra)}, dry)


def project_vars(preset: str, extra: dict[str, str]) -> dict[str, str]:
    """project.yml's variables with the preset's and the user's overrides."""
    import srsly

    defaults = srsly.read_yaml(ROOT / "project.yml").get("vars", {})
    return {key: str(value) for key, value in {**defaults, **PRESETS[preset], **extra}.items()}


def plan(
    lang: str, preset: str, extra: dict[str, str], nllb: str | None, v: dict[str, str]
) -> list[str]:
    """What one language needs, as comment lines: its codes, data files and models.

    v (dict[str, str]): The project variables, from :func:`project_vars`.
    """
    language = LANGUAGES.get(lang)
    if language is None:
        return [f"# {lang}: not in spacy_xlproj.languages (spaCy xx, no gold test set)"]
    lines = [
        f"# {lang}: {language.name} ({language.benchmark or 'beyond the paper'})"
        f" · ISO 639-1 {language.iso639_1 or '-'}, 639-3 {language.iso639_3}"
        f" · NLLB-200 {language.nllb or '-'} · spaCy {language.spacy_lang}"
    ]
    if preset == "demo":
        lines.append(f"#   data {DEMO_TEST.path} (in the repository)")
    # project.yml lists every file (from the same table); the shared data's languages
    # come with `spacy project assets`, the others with `--extra`.
    fetch = "spacy project assets" + ("" if lang in DEFAULT_ASSET_LANGS else " --extra")
    for test in [] if preset == "demo" else language.tests:
        for f in test.files:
            md5 = f"md5 {f.checksum}" if f.checksum else "md5 unknown"
            lines.append(f"#   data {f.dest} <- {f.url} ({md5}; {fetch})")
    if not language.tests and preset != "demo":
        lines.append("#   data: no gold test set (trained and packaged, not scored)")
    src = v["src_lang"]
    source = f"training/{src}/{v['src_name']}-{v['src_config']}/model-best"
    lines.append(f"#   model source NER {source} (spacy project run train-source)")
    into, back = translators(language, extra, nllb)
    for direction, spec in ((f"{src}->{lang}", into), (f"{lang}->{src}", back)):
        if spec and spec.startswith("hf:"):
            spec += f" (NLLB-200 code {language.nllb})"
        if not spec:
            spec = "none" + (" (--nllb DIR adds NLLB-200)" if language.nllb else "")
        lines.append(f"#   model translator {direction}: {spec}")
    lines.append(f"#   model aligner {v['aligner']}")
    if "ner_trf" in (v["config"], v["src_config"]):
        lines.append(f"#   model encoder {v['trf_model']} (ner_trf)")
    if language.spacy_requires:
        lines.append(
            f"#   needs for spaCy '{language.spacy_lang}': {', '.join(language.spacy_requires)}"
        )
    if language.note:
        lines.append(f"#   note: {language.note}")
    return lines


def main(
    langs: str = typer.Option(
        "es", "--langs", help="Codes, or xtreme / masakhaner / all (comma-separated)"
    ),
    methods: str = typer.Option("heuristic", "--methods", help="Comma-separated methods"),
    preset: str = typer.Option("conll", "--preset", help="conll (real data) or demo"),
    var: list[str] = typer.Option([], "--var", help="Extra project variable KEY=VALUE"),
    nllb: str = typer.Option(
        "", "--nllb", help="Local NLLB-200 folder: the translator where Apertium has no mode"
    ),
    force: bool = typer.Option(False, "--force", help="Rerun languages that are done"),
    dry: bool = typer.Option(
        False, "--dry-run", "--dry", help="Print the plan (data, models, commands); run nothing"
    ),
) -> None:
    if preset not in PRESETS:
        raise typer.BadParameter(f"unknown preset {preset!r}: use one of {', '.join(PRESETS)}")
    extra = dict(item.split("=", 1) for item in var)
    folder = nllb or None
    codes = select(langs)
    if not dry:  # refuse before anything runs, not after hours of other languages
        missing = [
            code
            for code in codes
            if any(
                spec and NLLB_PLACEHOLDER in spec
                for spec in translators(LANGUAGES.get(code), extra, folder)
            )
        ]
        if missing:
            raise typer.BadParameter(
                f"{', '.join(missing)} need an NLLB-200 model (no Apertium pair): "
                "pass --nllb DIR (a local copy of e.g. facebook/nllb-200-distilled-600M)"
            )
    v = project_vars(preset, extra) if dry else {}
    method_list = [m.strip() for m in methods.split(",")]
    for lang in codes:
        if dry:
            print("\n".join(plan(lang, preset, extra, folder, v)), flush=True)
        run_language(lang, method_list, preset, extra, force, dry, folder)
    project_run("report", {}, dry)
    table = ROOT / "reports" / "metrics.md"
    if table.exists() and not dry:
        print(table.read_text("utf8"))
        print(f"HTML report: {ROOT / 'reports' / 'index.html'}")


if __name__ == "__main__":
    typer.run(main)
