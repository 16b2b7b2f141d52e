"""Serialisation shared by the components: their settings only, never models.

Models are referenced by name or path in the config, so a saved pipeline stays small
and loads wherever those models are installed. The saved file only lets ``from_disk``
notice a pipeline directory whose settings were edited by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.util import ensure_path

from . import check_settings

SETTINGS_FILE = "cfg"


class SettingsSerializer:
    """Mixin: ``to_bytes``/``from_bytes``/``to_disk``/``from_disk`` of ``self._settings()``."""

    name: str

    def _settings(self) -> dict[str, Any]:
        raise NotImplementedError

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
