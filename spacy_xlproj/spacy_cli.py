"""Mount the ``xlproj`` commands into spaCy's command line as ``spacy xlproj …``.

spaCy loads every ``spacy_cli`` entry point (``registry.cli.get_all()``) before it
builds its typer app, but loading an entry point only imports it: nothing adds our
app to spaCy's. Importing this module does that, once. Since spaCy imports it for
*every* command (``spacy --help``, ``spacy train``), a failure here must never
propagate: if our commands cannot be imported, ``spacy xlproj`` says why and
everything else keeps working.
"""

from __future__ import annotations

import typer
from spacy.cli._util import app as spacy_app

# ``spacy xlproj …`` and any ``spacy`` command after it (``spacy train`` with a config
# naming ``@xlproj_*`` blocks) see our registries on spaCy's.
from .registry import attach_to_spacy

try:
    from .cli import app
except Exception as err:  # noqa: BLE001 - any import failure must stay contained
    _error = f"{type(err).__name__}: {err}"
    app = typer.Typer(
        name="xlproj",
        help="Cross-lingual NER by annotation projection (unavailable: see `spacy xlproj`).",
        add_completion=False,
    )

    @app.callback(invoke_without_command=True)
    def _unavailable() -> None:
        """Explain why the xlproj commands could not be loaded."""
        typer.echo(
            f"The spacy-xlproj commands could not be loaded ({_error}). "
            "Run `python -m spacy_xlproj --help` for the full traceback, and reinstall "
            "with `pip install -e .` or the extra the message names.",
            err=True,
        )
        raise typer.Exit(1)


def _mount() -> None:
    attach_to_spacy()
    # Idempotent: spaCy may call registry.cli.get_all() more than once per process.
    for info in spacy_app.registered_groups:
        if info.name == "xlproj":
            return
    spacy_app.add_typer(app, name="xlproj")


_mount()
