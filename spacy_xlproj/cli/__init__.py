"""Command line: each module registers its commands on the shared typer ``app``.

Command modules import only light modules at import time; optional backends are
imported when a command runs, so a missing extra never breaks ``spacy --help``.
"""

from ._app import app
from . import project_cmd, evaluate_cmd, align_cmd, translate_cmd, transfer_cmd  # noqa: F401, E402

__all__ = ["app"]
