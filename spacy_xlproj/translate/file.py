"""Translations that already exist: a text file with one translation per line.

Without a source file the translations are taken by position: line *i* translates the
*i*-th text asked for, and the counts must match. With a source file (the texts that
were translated, line by line), each text is looked up by its content, so any subset
in any order can be asked for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from ..errors import DataFormatError
from ..registry import translators


def _key(text: str) -> str:
    return " ".join(text.split())


def read_lines(path: Path) -> list[str]:
    """Read a UTF-8 file into lines, without line endings; a missing file names the path."""
    if not path.is_file():
        raise DataFormatError(path, None, "file not found.", "Check the path of the translations.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        line = path.read_bytes()[: err.start].count(b"\n") + 1
        raise DataFormatError(path, line, "is not valid UTF-8.", "Re-encode it as UTF-8.") from err
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline does not start another line
    return [line.rstrip("\r") for line in lines]


class FileTranslator:
    """Read translations from ``path`` instead of translating.

    path (str | Path): One translation per line.
    src_lang (str): Source language of the texts.
    tgt_lang (str): Language of the translations.
    source_path (str | Path | None): The translated texts, aligned line by line with
        ``path``. When given, texts are looked up by content; else by position.
    """

    def __init__(
        self,
        path: str | Path,
        src_lang: str,
        tgt_lang: str,
        source_path: str | Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.src_lang = src_lang
        self.tgt_lang = tgt_lang
        self.lines = read_lines(self.path)
        self.source_path = Path(source_path) if source_path is not None else None
        self.lookup: dict[str, str] | None = None
        content = hashlib.sha256("\n".join(self.lines).encode("utf8"))
        if self.source_path is not None:
            sources = read_lines(self.source_path)
            content.update(b"\0" + "\n".join(sources).encode("utf8"))
            if len(sources) != len(self.lines):
                raise DataFormatError(
                    self.path,
                    None,
                    f"has {len(self.lines)} lines but the source file {self.source_path} "
                    f"has {len(sources)}.",
                    "The two files must be aligned line by line.",
                )
            self.lookup = {}
            for source, target in zip(sources, self.lines, strict=True):
                self.lookup.setdefault(_key(source), target)
        self.name = f"file:{self.path.resolve()}"
        # The lines as read now are what this object serves: a file corrected later
        # is another translator.
        self._content = content.hexdigest()

    @property
    def cacheable(self) -> bool:
        # By position the answer depends on the whole request, not on each text.
        return self.lookup is not None

    def fingerprint(self, memo: object = None) -> str:
        """A hash of the translations' (and source texts') content, as read."""
        return self._content

    def translate(self, texts: Sequence[str]) -> list[str]:
        """Return the stored translations of ``texts``."""
        if self.lookup is None:
            if len(texts) != len(self.lines):
                raise DataFormatError(
                    self.path,
                    None,
                    f"has {len(self.lines)} lines but {len(texts)} sentences were asked for.",
                    "The translations must be aligned line by line with the input; "
                    "or pass source_path to look translations up by source text.",
                )
            return list(self.lines)
        out: list[str] = []
        for i, text in enumerate(texts):
            found = self.lookup.get(_key(text))
            if found is None:
                raise DataFormatError(
                    self.source_path or self.path,
                    None,
                    f"has no line equal to text {i + 1} asked for: {text[:80]!r}.",
                    "Translate the missing texts, or check that the source file is the "
                    "one that was translated.",
                )
            out.append(found)
        return out


@translators("spacy_xlproj.FileTranslator.v1")
def make_file_translator(
    path: str, src_lang: str, tgt_lang: str, source_path: str | None = None
) -> FileTranslator:
    """Registered constructor of :class:`FileTranslator`."""
    return FileTranslator(path, src_lang, tgt_lang, source_path)
