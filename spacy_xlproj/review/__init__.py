"""Review: a person corrects pseudo-labels in the browser, decisions go to SQLite.

The data flow: :mod:`.data` reads a ``pseudo-label`` DocBin (accepted spans, missing
words, each teacher's proposals) and orders the queue; :mod:`.store` keeps every
decision as one committed SQLite row; :mod:`.app` is the Starlette web app the
``review`` command serves; :mod:`.export` writes the reviewed sentences as gold
(a DocBin for ``spacy train``). Nothing here imports the command line.
"""

from __future__ import annotations

__all__: list[str] = []
