"""What the two components share: batched processing and settings-only serialisation.

Both buffer ``batch_size`` docs so that a batch costs one translate and one align
call, and both save only their settings: models are referenced by name or path in the
config, so a saved pipeline stays small and loads wherever those models are installed.
The saved file only lets ``from_disk`` notice a directory edited by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import srsly
from spacy.pipeline import Pipe
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import ensure_path, minibatch

from ..spacy_bridge import check_settings

SETTINGS_FILE = "cfg"


class BatchedProjectionPipe(Pipe):
    """Base of the components: subclasses define ``backends``, ``set_annotations`` on a
    batch of docs, and ``_settings`` (what ``to_disk`` saves)."""

    name: str
    batch_size: int

    @property
    def backends(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def set_annotations(self, docs: list[Doc]) -> None:
        raise NotImplementedError

    def _settings(self) -> dict[str, Any]:
        raise NotImplementedError

    def initialize(
        self, get_examples: Callable[[], Iterable[Example]] | None = None, *, nlp: Any = None
    ) -> None:
        """Build the backends now, so that a missing model or tool fails here, not mid-run.

        get_examples (Callable[[], Iterable[Example]] | None): Unused; accepted so that
            ``nlp.initialize()`` can call every component alike.
        nlp (Language | None): Unused.
        """
        self.backends  # noqa: B018 - building them is the point

    def __call__(self, doc: Doc) -> Doc:
        """Process one doc (prefer ``nlp.pipe`` for many)."""
        error_handler = self.get_error_handler()
        try:
            self.set_annotations([doc])
        except Exception as e:
            error_handler(self.name, self, [doc], e)
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int | None = None) -> Iterator[Doc]:
        """Process a stream of docs, ``self.batch_size`` docs per batch.

        The ``batch_size`` that ``nlp.pipe`` passes is ignored: the component's own
        setting decides how many docs share a translate and an align call.
        """
        error_handler = self.get_error_handler()
        for docs in minibatch(stream, size=self.batch_size):
            try:
                self.set_annotations(docs)
            except Exception as e:
                error_handler(self.name, self, docs, e)
            yield from docs

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        return srsly.json_dumps(self._settings()).encode("utf8")

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()) -> Any:
        check_settings(self.name, json.loads(bytes_data), self._settings())
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()) -> None:
        """Write the component's settings (no model: those are referenced by name or path)."""
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / SETTINGS_FILE, self._settings())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = tuple()) -> Any:
        """Read the settings written by ``to_disk`` and check they match the config."""
        check_settings(
            self.name, srsly.read_json(ensure_path(path) / SETTINGS_FILE), self._settings()
        )
        return self
