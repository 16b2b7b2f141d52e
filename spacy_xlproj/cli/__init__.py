"""Command line: each module registers its commands on the shared typer ``app``.

Command modules import only light modules at import time; optional backends are
imported when a command runs, so a missing extra never breaks ``spacy --help``.
"""

from . import align_cmd, evaluate_cmd, project_cmd, transfer_cmd, translate_cmd  # noqa: F401, E402
from . import pseudo_cmd as pseudo_cmd  # noqa: E402 - registers `pseudo-label`
from . import review_cmd as review_cmd  # noqa: E402 - registers `review`, `review-export`
from ._app import app

__all__ = ["app"]
