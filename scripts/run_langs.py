"""Run the project's workflow for many languages and methods, skipping finished runs.

    python scripts/run_langs.py --langs es,ca,gl [--methods heuristic,ilp] [--preset conll]
    python scripts/run_langs.py --preset demo --methods heuristic,ilp      # make demo

For every language and method it calls ``spacy project run <workflow>`` with the
language's variables (spaCy language class, gold test sets and their labels) and
the preset's (data, training length). A run whose metrics files all exist is
skipped, so an interrupted sweep resumes where it stopped. Languages without a
gold test set are trained (and packaged) but not scored. At the end the report is
built and its table printed.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class TestSet:
    name: str
    path: str
    labels: str = ""  # labels the test set uses; predictions of others are removed


@dataclass
class LangSpec:
    spacy_lang: str
    tests: list[TestSet] = field(default_factory=list)
    # Apertium goes only into English for some languages: translate-test only.
    translate_train: bool = True


D = "assets/data"
LANGS: dict[str, LangSpec] = {
    "es": LangSpec(
        "es",
        [
            TestSet("conll2002", f"{D}/conll2002/esp.testa"),
            TestSet("wikiann", f"{D}/wikiann/es/test", "PER,ORG,LOC"),
        ],
    ),
    "ca": LangSpec("ca"),
    "gl": LangSpec("xx"),
    "eo": LangSpec("xx", [TestSet("wikiann", f"{D}/wikiann/eo/test", "PER,ORG,LOC")]),
    "eu": LangSpec("eu", [TestSet("wikiann", f"{D}/wikiann/eu/test", "PER,ORG,LOC")], False),
    "is": LangSpec("is", [TestSet("wikiann", f"{D}/wikiann/is/test", "PER,ORG,LOC")], False),
    "mk": LangSpec("mk", [TestSet("wikiann", f"{D}/wikiann/mk/test", "PER,ORG,LOC")], False),
}

PRESETS: dict[str, dict[str, str]] = {
    # CoNLL-2003 English as the source; project.yml's defaults.
    "conll": {},
    # The offline demo: original data in assets/demo, short training.
    "demo": {
        "src_name": "demo",
        "src_train": "assets/demo/en_train.iob",
        "src_dev": "assets/demo/en_dev.iob",
        "max_steps": "300",
        "eval_frequency": "100",
        "unlabelled": "assets/demo/es_unlabelled.txt",
    },
}
DEMO_TEST = TestSet("demo", "assets/demo/es_test.iob")


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


def run_language(
    lang: str,
    methods: list[str],
    preset: str,
    extra: dict[str, str],
    force: bool = False,
    dry: bool = False,
) -> None:
    """Run every method for one language (each gold test set in turn)."""
    spec = LANGS.get(lang, LangSpec("xx"))
    tests = [DEMO_TEST] if preset == "demo" else spec.tests
    base = {"lang": lang, "spacy_lang": spec.spacy_lang, **PRESETS[preset], **extra}
    for method in methods:
        done = metrics_paths(lang, tests, method, spec.translate_train, preset == "demo")
        if done and all(p.exists() for p in done) and not force:
            print(f"✔ {lang} {method}: done already (metrics exist), skipping", flush=True)
            continue
        variables = {**base, "method": method}
        if not tests:  # nothing to score on: build the training data and the model
            for command in ("convert", "translate-train", "train", "package"):
                project_run(command, variables, dry)
            continue
        for i, test in enumerate(tests):
            v = {**variables, "test_name": test.name, "test_gold": test.path}
            v["test_labels"] = test.labels
            if preset == "demo":
                project_run("demo", v, dry)
                continue
            steps = ["convert", "train-source", "baseline", "translate-test"]
            if spec.translate_train:
                steps += ["translate-train", "train", "evaluate"]
                if i == 0:
                    steps.append("package")
            for command in steps:
                project_run(command, v, dry)


def main(
    langs: str = typer.Option("es", "--langs", help="Comma-separated target languages"),
    methods: str = typer.Option("heuristic", "--methods", help="Comma-separated methods"),
    preset: str = typer.Option("conll", "--preset", help="conll (real data) or demo"),
    var: list[str] = typer.Option([], "--var", help="Extra project variable KEY=VALUE"),
    force: bool = typer.Option(False, "--force", help="Rerun languages that are done"),
    dry: bool = typer.Option(False, "--dry", help="Only print the commands"),
) -> None:
    if preset not in PRESETS:
        raise typer.BadParameter(f"unknown preset {preset!r}: use one of {', '.join(PRESETS)}")
    extra = dict(item.split("=", 1) for item in var)
    for lang in [x.strip() for x in langs.split(",") if x.strip()]:
        run_language(lang, [m.strip() for m in methods.split(",")], preset, extra, force, dry)
    project_run("report", {}, dry)
    table = ROOT / "reports" / "metrics.md"
    if table.exists() and not dry:
        print(table.read_text("utf8"))
        print(f"HTML report: {ROOT / 'reports' / 'index.html'}")


if __name__ == "__main__":
    typer.run(main)
