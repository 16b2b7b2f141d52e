"""``spacy xlproj …``: our commands mounted into spaCy's CLI by the ``spacy_cli`` entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Optional backends the CLI must not need for `--help` (nor spaCy for any command).
HEAVY = ["torch", "transformers", "spacy_transformers", "simalign", "eflomal"]

SITECUSTOMIZE = """
import os, sys
# Make these modules unimportable: `import torch` raises ModuleNotFoundError.
for name in os.environ.get("XLPROJ_TEST_BLOCK", "").split(","):
    if name:
        sys.modules[name] = None
"""


def _spacy(args: list[str], tmp_path: Path, block: list[str]) -> subprocess.CompletedProcess:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "XLPROJ_TEST_BLOCK": ",".join(block),
        "COLUMNS": "200",  # typer/rich wrap help text to the terminal width
    }
    return subprocess.run(
        [sys.executable, "-m", "spacy", *args], capture_output=True, text=True, env=env
    )


def _our_commands() -> list[str]:
    import typer

    from spacy_xlproj.cli import app

    return sorted(typer.main.get_command(app).commands)


@pytest.mark.slow
def test_spacy_xlproj_help_lists_every_command_without_optional_backends(tmp_path):
    commands = _our_commands()
    assert len(commands) >= 1
    out = _spacy(["xlproj", "--help"], tmp_path, HEAVY)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Usage: python -m spacy xlproj" in out.stdout
    listed = [line.split()[0] for line in out.stdout.splitlines() if line.startswith("  ")]
    for command in commands:
        assert command in listed, out.stdout


@pytest.mark.slow
def test_spacy_help_and_train_help_without_optional_backends(tmp_path):
    out = _spacy(["--help"], tmp_path, HEAVY)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "xlproj" in out.stdout and "train" in out.stdout
    out = _spacy(["train", "--help"], tmp_path, HEAVY)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "config_path" in out.stdout.lower().replace("-", "_")


@pytest.mark.slow
def test_broken_commands_never_break_spacy(tmp_path):
    # Our whole command package fails to import: spaCy's own commands still work, and
    # `spacy xlproj` says what went wrong instead of a traceback.
    out = _spacy(["--help"], tmp_path, ["spacy_xlproj.cli", *HEAVY])
    assert out.returncode == 0, out.stderr[-3000:]
    assert "xlproj" in out.stdout
    out = _spacy(["xlproj"], tmp_path, ["spacy_xlproj.cli", *HEAVY])
    assert out.returncode == 1
    assert out.stderr.startswith(
        "The spacy-xlproj commands could not be loaded (ModuleNotFoundError: import of "
        "spacy_xlproj.cli halted; None in sys.modules). Run `python -m spacy_xlproj --help`"
    ), out.stderr
