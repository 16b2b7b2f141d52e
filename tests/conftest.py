"""Shared fixtures: where the real data sets are (``../shared/data`` beside the checkout)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("XLPROJ_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of public data sets; tests that need it are skipped when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set XLPROJ_SHARED_DATA)")
    return SHARED_DATA


# Tests that need a tool or a heavy extra carry its marker; they are slow (not in the fast
# lane, `make check`) and skipped, with the reason, where the tool is not installed.
def _apertium() -> bool:
    return shutil.which("apertium") is not None


def _module(name: str) -> Callable[[], bool]:
    return lambda: find_spec(name) is not None


TOOLS: dict[str, tuple[Callable[[], bool], str]] = {
    "apertium": (_apertium, "apertium is not installed (make test installs it)"),
    "eflomal": (_module("eflomal"), "eflomal is not installed (the eflomal extra)"),
    "transformers": (_module("transformers"), "transformers is not installed"),
    "ray": (_module("ray"), "Ray is not installed (the ray extra)"),
    "ct2": (_module("ctranslate2"), "CTranslate2 is not installed (the ct2 extra)"),
}


# The tiny random models of tiny_encoder.py and tiny_seq2seq.py need torch and transformers.
TRANSFORMER_FIXTURES = {"tiny_encoder", "tiny_m2m100", "tiny_nllb", "tiny_marian"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    available: dict[str, bool] = {}
    for item in items:
        needs = {mark.name for mark in item.iter_markers() if mark.name in TOOLS}
        if TRANSFORMER_FIXTURES & set(getattr(item, "fixturenames", ())):
            needs.add("transformers")
        if needs:
            item.add_marker(pytest.mark.slow)
        for name in sorted(needs):
            check, reason = TOOLS[name]
            if name not in available:
                available[name] = check()
            if not available[name]:
                item.add_marker(pytest.mark.skip(reason=reason))
