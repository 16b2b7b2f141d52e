"""Run the project's workflow for many languages and methods: a loop over ``spacy project``.

    python scripts/run_langs.py --langs es,ca,gl [--methods heuristic,ilp] [--preset conll]
    python scripts/run_langs.py --langs masakhaner --nllb /models/nllb-200-distilled-600M
    python scripts/run_langs.py --langs all --dry-run        # the plan for the paper's 57
    python scripts/run_langs.py --preset demo --methods heuristic,ilp      # the demo, twice

Languages come from the table in ``spacy_xlproj.languages``: ``--langs`` takes codes,
``xtreme`` (39), ``masakhaner`` (18) or ``all`` (the paper's 57). For every language it
runs ``spacy project run assets-lang`` (its data, linked from the shared copy or
downloaded), then for every method and gold test set the workflow's steps with the
language's variables (spaCy language class, test set and its labels, translator) and
the preset's: ``conll`` (CoNLL-2003 English as the source, models trained until they
converge) or ``demo`` (project.yml's defaults: the offline demo, ``spacy project run
demo``). The translator is Apertium where a mode for the direction is installed, else
NLLB-200 from the folder ``--nllb`` names (languages with no Apertium pair at all need
it; for Basque, Icelandic and Macedonian, whose pairs only go into English, it adds
translate-train). WikiANN test sets run with the ``wikiann`` preset of settings.

There is no resume mechanism here: ``spacy project`` skips every step whose inputs,
settings and outputs are unchanged (its lock file), so a stopped sweep resumes where it
stopped; ``--force`` reruns the steps anyway. Languages without a gold test set are
trained but neither scored nor packaged. At the end the report is built and its table
printed. ``--dry-run`` prints the plan instead: per language the data files, the models
and the commands, without running anything.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from spacy_xlproj.languages import LANGUAGES, Language, TestSet, select

ROOT = Path(__file__).resolve().parents[1]

PRESETS: dict[str, dict[str, str]] = {
    # project.yml's defaults: the offline demo on the original data in assets/demo.
    "demo": {},
    # CoNLL-2003 English as the source: 14,041 training sentences need more patience
    # than the demo's 248 (the converged English CNN stopped at 4,600 steps with 1,600).
    "conll": {
        "src_name": "conll2003",
        "src_train": "assets/data/conll2003/train.txt",
        "src_dev": "assets/data/conll2003/dev.txt",
        "src_licence": "CoNLL-2003 (Reuters): research use only",
        "package_license": "research use only (trained on CoNLL-2003)",
        "max_steps": "20000",
        "eval_frequency": "200",
        "patience": "1000",
        "src_patience": "1600",
    },
}
# The preset of settings each test set is scored with (project.yml's vars.preset).
TEST_PRESETS = {"wikiann": "wikiann"}
# Shown for --nllb in a dry run without it: the plan stays complete, nothing is loaded.
NLLB_PLACEHOLDER = "<NLLB_DIR>"
DEFAULT_TRANSLATOR = "apertium"  # project.yml's translator


def project_run(
    command: str, variables: dict[str, str], dry: bool = False, force: bool = False
) -> None:
    """``spacy project run COMMAND .`` with ``--vars.KEY=VALUE`` overrides."""
    args = [sys.executable, "-m", "spacy", "project", "run", command, str(ROOT)]
    args += ["--force"] if force else []
    for key, value in variables.items():
        args.append(f"--vars.{key}={value}")
    print("$", " ".join(args[1:]), flush=True)
    if not dry:
        subprocess.run(args, check=True, cwd=ROOT)


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
    """The translator variable COMMAND needs beyond project.yml's default."""
    wanted = {"translate-train": into, "translate-test": back}.get(command)
    if not wanted or wanted == DEFAULT_TRANSLATOR or "translator" in extra:
        return {}
    return {"translator": wanted}


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
    into, back = translators(language, extra, nllb)
    if not into and not back:
        print(
            f"✘ {lang}: no translator (no Apertium pair, not in NLLB-200): pass --var translator=…",
            flush=True,
        )
        return
    base = {"lang": lang, "spacy_lang": spacy_lang, **PRESETS[preset], **extra}
    if preset == "demo":
        for method in methods:
            project_run("demo", {**base, "method": method}, dry, force)
        return
    project_run("assets-lang", {"lang": lang}, dry)
    tests: list[TestSet | None] = list(language.tests if language else ()) or [None]
    for method in methods:
        for i, test in enumerate(tests):
            v = {**base, "method": method}
            if test is not None:
                v.update(test_name=test.name, test_gold=test.path, test_labels=test.labels)
                if test.name in TEST_PRESETS and "preset" not in extra:
                    v["preset"] = TEST_PRESETS[test.name]
            steps = ["convert"] if i == 0 else []
            if test is not None:
                steps += ["train-source", "baseline"] + (["translate-test"] if back else [])
            if into:
                steps += ["translate-train", "train"] if i == 0 else []
                steps += ["evaluate"] if test is not None else []
                steps += ["package"] if test is not None and i == 0 else []
            for command in steps:
                project_run(
                    command, {**v, **translator_vars(command, into, back, extra)}, dry, force
                )


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
        lines.append(f"#   data {v['test_gold']} (in the repository)")
    fetch = f"spacy project run assets-lang . --vars.lang {lang}"
    for test in [] if preset == "demo" else language.tests:
        for f in test.files:
            md5 = f"md5 {f.checksum}" if f.checksum else "md5 unknown"
            lines.append(f"#   data {f.dest} <- {f.url} ({md5}; {fetch})")
    if not language.tests and preset != "demo":
        lines.append("#   data: no gold test set (trained; not scored or packaged)")
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
    force: bool = typer.Option(False, "--force", help="Rerun every step (spacy project --force)"),
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
