"""Rule-based translation with the Apertium command line tool.

Many sentences go through one ``apertium`` process per chunk: sentences are joined with
blank lines, which Apertium's plain-text deformatter keeps as paragraph breaks, so the
output splits back into one translation per input. Apertium's own markup characters
(``^ $ @ * / < > { } [ ] \\``) are escaped by that deformatter (``-f txt``), and ``-u``
drops the ``*``/``#``/``@`` marks on unknown words.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from ..errors import MissingDependencyError, SetupError
from ..registry import translators
from . import langcodes
from .base import translate_nonempty
from .identity import DigestMemo, files_digest

logger = logging.getLogger(__name__)

MODES_DIRS = (Path("/usr/share/apertium/modes"), Path("/usr/local/share/apertium/modes"))
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_QUOTED_PATH = re.compile(r"'(/[^']+)'")


class ApertiumError(SetupError, RuntimeError):
    """Apertium failed or returned output that does not line up with the input."""


@lru_cache(maxsize=4)
def installed_modes(binary: str = "apertium") -> tuple[str, ...]:
    """Return the names of the installed Apertium modes (``eng-spa``, ``en-eo``, …)."""
    modes: set[str] = set()
    try:
        out = subprocess.run([binary, "-l"], capture_output=True, text=True, timeout=30).stdout
        modes.update(line.strip() for line in out.splitlines() if line.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    if not modes:
        for folder in MODES_DIRS:
            if folder.is_dir():
                modes.update(p.stem for p in folder.glob("*.mode"))
    return tuple(sorted(modes))


def find_mode(src_lang: str, tgt_lang: str, modes: Sequence[str]) -> str | None:
    """Return the installed mode that translates ``src_lang`` to ``tgt_lang``, if any.

    Tries every spelling of both codes (``en``/``eng`` × ``es``/``spa``) and prefers the
    plain mode (``eng-cat``) to its variants (``eng-cat_valencia``).
    """
    available = set(modes)
    for src in langcodes.variants(src_lang):
        for tgt in langcodes.variants(tgt_lang):
            if f"{src}-{tgt}" in available:
                return f"{src}-{tgt}"
    return None


def _install_hint(src_lang: str, tgt_lang: str) -> str:
    src, tgt = langcodes.iso3(src_lang), langcodes.iso3(tgt_lang)
    return f"apt-get install apertium apertium-{src}-{tgt}"


def _mode_files(binary: str, mode: str) -> list[tuple[str, Path]]:
    """``(name, path)`` of the files an Apertium mode translates with."""
    files = [("apertium", Path(binary))]
    for folder in MODES_DIRS:
        mode_file = folder / f"{mode}.mode"
        if mode_file.is_file():
            files.append(("mode", mode_file))
            # The pipeline names its data files by absolute path, quoted.
            for data in _QUOTED_PATH.findall(mode_file.read_text(encoding="utf-8")):
                if Path(data).is_file():
                    files.append((data, Path(data)))
            break
    return files


def _clean(text: str) -> str:
    # A line break inside a sentence would be read as a sentence boundary.
    return " ".join(text.split())


class ApertiumTranslator:
    """Translate with an installed Apertium language pair.

    src_lang (str): Source language (ISO 639-1 or 639-3 code).
    tgt_lang (str): Target language.
    mode (str | None): Apertium mode name (``eng-spa``); found from the codes when None.
    chunk_size (int): Sentences per ``apertium`` process.
    binary (str): The ``apertium`` executable.
    """

    def __init__(
        self,
        src_lang: str,
        tgt_lang: str,
        mode: str | None = None,
        *,
        chunk_size: int = 2000,
        binary: str = "apertium",
    ) -> None:
        path = shutil.which(binary)
        if path is None:
            raise MissingDependencyError(
                f"The Apertium binary '{binary}'", _install_hint(src_lang, tgt_lang)
            )
        self.binary = path
        modes = installed_modes(path)
        if mode is None:
            mode = find_mode(src_lang, tgt_lang, modes)
            if mode is None:
                raise MissingDependencyError(
                    f"The Apertium pair {src_lang}->{tgt_lang} "
                    f"(installed modes: {', '.join(modes) or 'none'})",
                    _install_hint(src_lang, tgt_lang),
                )
        elif mode not in modes:
            raise MissingDependencyError(
                f"The Apertium mode '{mode}' (installed modes: {', '.join(modes) or 'none'})",
                _install_hint(src_lang, tgt_lang),
            )
        self.mode = mode
        self.src_lang = src_lang
        self.tgt_lang = tgt_lang
        self.chunk_size = chunk_size
        self.name = f"apertium:{mode}"
        self.n_calls = 0  # apertium processes started, for tests and benchmarks
        self._fingerprint: str | None = None

    def fingerprint(self, memo: DigestMemo | None = None) -> str:
        """A hash of what translates: the ``apertium`` script (it names its version), the
        mode file and every data file the mode reads (dictionaries, rules). An upgraded
        language pair is another translator."""
        if self._fingerprint is None:
            self._fingerprint = files_digest(_mode_files(self.binary, self.mode), memo)
        return self._fingerprint

    def translate(self, texts: Sequence[str]) -> list[str]:
        """Translate every text; empty texts stay empty."""
        return translate_nonempty([_clean(t) for t in texts], self._translate_chunks)

    def _translate_chunks(self, texts: list[str]) -> list[str]:
        out: list[str] = []
        for start in range(0, len(texts), self.chunk_size):
            out.extend(self._translate_chunk(texts[start : start + self.chunk_size]))
        return out

    def _run(self, text: str) -> str:
        self.n_calls += 1
        proc = subprocess.run(
            [self.binary, "-u", "-f", "txt", self.mode],
            input=text,
            capture_output=True,
            text=True,
            encoding="utf-8",
        )
        if proc.returncode != 0:
            raise ApertiumError(
                f"apertium {self.mode} failed (exit {proc.returncode}): {proc.stderr.strip()}"
            )
        return proc.stdout

    def _translate_chunk(self, texts: list[str]) -> list[str]:
        output = self._run("\n\n".join(texts) + "\n")
        parts = [p.strip() for p in _BLANK_LINES.split(output.strip("\n"))]
        if len(parts) == len(texts):
            return [" ".join(p.split()) for p in parts]
        # Rare: a sentence whose translation gained or lost a paragraph break. Halve the
        # chunk until the bad sentence is alone, so the rest keeps its batch speed.
        if len(texts) == 1:
            logger.warning("apertium split one sentence into %d paragraphs", len(parts))
            return [" ".join(output.split())]
        mid = len(texts) // 2
        return self._translate_chunk(texts[:mid]) + self._translate_chunk(texts[mid:])


@translators("spacy_xlproj.ApertiumTranslator.v1")
def make_apertium_translator(
    src_lang: str, tgt_lang: str, mode: str | None = None, chunk_size: int = 2000
) -> ApertiumTranslator:
    """Registered constructor of :class:`ApertiumTranslator`."""
    return ApertiumTranslator(src_lang, tgt_lang, mode, chunk_size=chunk_size)
