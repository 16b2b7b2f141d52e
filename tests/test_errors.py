"""One error taxonomy (issue #23): what kind of failure it is decides the exit code; one
handler prints it on one line; anything else is a bug and keeps its traceback."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_xlproj.errors import DataError, SetupError, UsageError, XlprojError

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _classes() -> list[tuple[type, type, int]]:
    from spacy_xlproj.align.build import AlignerSpecError
    from spacy_xlproj.io.paths import PathProblem
    from spacy_xlproj.ner.build import SourceModelNotFoundError
    from spacy_xlproj.project.options import ProjectionOptionError
    from spacy_xlproj.teach.teachers import TeacherModelError, TeacherSpecError
    from spacy_xlproj.transfer.chunks import WorkDirError
    from spacy_xlproj.transfer.engine import EngineError, EngineMissingError
    from spacy_xlproj.translate.apertium import ApertiumError
    from spacy_xlproj.translate.build import TranslatorSpecError
    from spacy_xlproj.translate.langcodes import UnknownLanguageError

    return [
        (AlignerSpecError, UsageError, 2),
        (ProjectionOptionError, UsageError, 2),
        (UnknownLanguageError, UsageError, 2),
        (TranslatorSpecError, UsageError, 2),
        (TeacherSpecError, UsageError, 2),
        (EngineError, UsageError, 2),
        (TeacherModelError, SetupError, 1),
        (EngineMissingError, SetupError, 1),
        (SourceModelNotFoundError, SetupError, 1),
        (ApertiumError, SetupError, 1),
        (WorkDirError, DataError, 1),
        (PathProblem, DataError, 1),
    ]


def test_every_error_class_has_its_kind_and_exit_code():
    for cls, kind, code in _classes():
        assert issubclass(cls, kind), cls
        assert cls.exit_code == code, cls


def test_the_library_never_imports_the_command_line():
    package = ROOT / "spacy_xlproj"
    # The two entry points are the command line's own: ``python -m`` and ``spacy xlproj``.
    allowed = {package / "__main__.py", package / "spacy_cli.py"}
    offenders = []
    for path in package.rglob("*.py"):
        if path in allowed or (package / "cli") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                if module.lstrip(".").split(".")[0] == "cli" or "spacy_xlproj.cli" in module:
                    offenders.append(f"{path.relative_to(ROOT)}: {module}")
    assert offenders == []


# -- the one handler ------------------------------------------------------------------------


@pytest.fixture()
def files(tmp_path: Path) -> list[str]:
    src, tgt, links = tmp_path / "s.conll", tmp_path / "t.txt", tmp_path / "a.txt"
    src.write_text("Rome\tB-LOC\n", encoding="utf-8")
    tgt.write_text("Roma\n", encoding="utf-8")
    links.write_text("0-0\n", encoding="utf-8")
    return ["project", str(src), str(tgt), str(tmp_path / "o.conll"), "--alignments", str(links)]


def _raising(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    import spacy_xlproj.cli.project_cmd as project_cmd

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(project_cmd, "project_files", fail)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("a bad value of projection.x: use 1 or 2."), 2),
        (DataError("data.conll, line 3: a broken line."), 1),
        (SetupError("Apertium is not installed: apt-get install apertium."), 1),
    ],
)
def test_a_user_error_is_one_line_with_its_exit_code(monkeypatch, files, error, code):
    _raising(monkeypatch, error)
    result = runner.invoke(__import__("spacy_xlproj.cli", fromlist=["app"]).app, files)
    assert (result.exit_code, result.output) == (code, f"Error: {error}\n")


def test_a_bug_keeps_its_traceback_in_process(monkeypatch, files):
    from spacy_xlproj.cli import app

    # The case: a ValueError deep inside a library used to print as "Error:".
    _raising(monkeypatch, ValueError("operands could not be broadcast together"))
    result = runner.invoke(app, files)
    assert isinstance(result.exception, ValueError)
    assert "Error:" not in result.output


BUG = """
import sys
import spacy_xlproj.cli.project_cmd as project_cmd

def bug(*args, **kwargs):
    raise ValueError("operands could not be broadcast together")

project_cmd.project_files = bug
from spacy_xlproj.cli import app
app(sys.argv[1:], prog_name="xlproj")
"""


def test_a_bug_shows_its_traceback(files):
    env = {"_TYPER_STANDARD_TRACEBACK": "1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", BUG, *files], capture_output=True, text=True, env=env
    )
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert done.stderr.rstrip().endswith("ValueError: operands could not be broadcast together")
    lines = (done.stderr + done.stdout).splitlines()
    assert not [line for line in lines if line.startswith("Error:")]


def test_real_user_errors_keep_their_codes(files, tmp_path):
    from spacy_xlproj.cli import app

    missing = str(tmp_path / "missing.conll")
    result = runner.invoke(app, [files[0], missing, *files[2:]])
    assert (result.exit_code, result.output) == (
        1,
        f"Error: Input file not found: {missing}. Check the path.\n",
    )
    result = runner.invoke(app, [*files, "--method", "markers"])
    assert (result.exit_code, result.output) == (
        2,
        "Error: --method: use one of heuristic, greedy, ilp, got 'markers'.\n",
    )
    assert isinstance(result.exception, SystemExit)
    assert issubclass(UsageError, XlprojError) and issubclass(DataError, XlprojError)
