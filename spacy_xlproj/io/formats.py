"""Read and write sentences in any supported format, chosen by extension or by content."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Literal

from ..errors import UsageError
from ..types import Sentence
from .columns import DOCSTART, ReadReport, iter_columns, write_columns
from .docbin import iter_docbin, write_docbin
from .text import DataFileNotFoundError, iter_lines, iter_text, write_text

Format = Literal["columns", "text", "spacy"]
FORMATS: tuple[str, ...] = ("columns", "text", "spacy")
COLUMN_SUFFIXES = frozenset({".conll", ".conll02", ".conll03", ".iob", ".iob2", ".bio", ".tsv"})
_ALIASES = {"conll": "columns", "iob": "columns", "docbin": "spacy", "txt": "text"}
_TAG = re.compile(r"O|[BIESLU]-\S+")
_SNIFF_LINES = 50


def detect_format(path: str | Path) -> Format:
    """Guess a file's format from its extension, else from its first 50 lines.

    ``.spacy`` is a DocBin, and ``.conll``, ``.conll02``, ``.conll03``, ``.iob``,
    ``.iob2``, ``.bio`` and ``.tsv`` are column files. Any other file is a column
    file if it has a ``-DOCSTART-`` line, if every non-blank line has two or more
    columns and ends in a tag, or if it has a blank line between non-blank lines
    and most of its non-blank lines end in a tag. Anything else is text.

    path (str | Path): The file; it must exist unless the extension decides.
    RETURNS (str): ``"columns"``, ``"text"`` or ``"spacy"``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".spacy":
        return "spacy"
    if suffix in COLUMN_SUFFIXES:
        return "columns"
    n_lines = n_tagged = 0
    blank_inside = False
    seen_blank = False
    for _, line in islice(iter_lines(path), _SNIFF_LINES):
        fields = line.split()
        if not fields:
            seen_blank = n_lines > 0
            continue
        if fields[0] == DOCSTART:
            return "columns"
        blank_inside = blank_inside or seen_blank
        n_lines += 1
        if len(fields) >= 2 and _TAG.fullmatch(fields[-1]):
            n_tagged += 1
    if n_lines and n_tagged == n_lines:
        return "columns"
    # A text file may hold empty lines (empty sentences), so a blank line alone is
    # not enough: the lines must mostly look like tagged tokens too.
    if blank_inside and n_tagged * 2 > n_lines:
        return "columns"
    return "text"


def _resolve_format(path: Path, format: str | None) -> str:
    if format is None:
        return detect_format(path)
    name = _ALIASES.get(format.lower(), format.lower())
    if name not in FORMATS:
        raise UsageError(
            f"unknown format {format!r} for {path}: use one of {', '.join(FORMATS)} "
            "(or None to detect it)."
        )
    return name


def iter_sentences(
    path: str | Path,
    format: str | None = None,
    *,
    report: ReadReport | None = None,
    lang: str = "xx",
    strip_lang_prefix: bool | None = None,
) -> Iterator[Sentence]:
    """Stream the sentences of a column, text or ``.spacy`` file.

    path (str | Path): The file.
    format (str | None): ``"columns"``, ``"text"`` or ``"spacy"``; ``None`` detects it.
    report (ReadReport | None): Counts are added to it (all formats).
    lang (str): The language of the blank vocab used for ``.spacy`` files.
    strip_lang_prefix (bool | None): For column files: see :func:`iter_columns`.
    YIELDS (Sentence): The sentences.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileNotFoundError(path)
    name = _resolve_format(path, format)
    if name == "columns":
        yield from iter_columns(path, report=report, strip_lang_prefix=strip_lang_prefix)
        return
    sentences = iter_text(path) if name == "text" else iter_docbin(path, lang)
    for sentence in sentences:
        if report is not None:
            report.sentences += 1
            report.tokens += len(sentence.words)
            report.entities += len(sentence.spans)
        yield sentence


def read_sentences(
    path: str | Path,
    format: str | None = None,
    *,
    report: ReadReport | None = None,
    lang: str = "xx",
    strip_lang_prefix: bool | None = None,
) -> list[Sentence]:
    """Read all sentences of a column, text or ``.spacy`` file; see :func:`iter_sentences`."""
    return list(
        iter_sentences(path, format, report=report, lang=lang, strip_lang_prefix=strip_lang_prefix)
    )


def write_sentences(
    path: str | Path,
    sentences: Iterable[Sentence],
    lang: str = "xx",
    *,
    format: str | None = None,
) -> None:
    """Write sentences, choosing the format from ``format`` or the extension.

    ``.spacy`` files are DocBins, and ``format="text"`` writes one sentence per line
    (spans are not written). Anything else is a column file (``token<TAB>tag``, IOB2).
    Parent folders are created.

    path (str | Path): The output file.
    sentences (Iterable[Sentence]): The sentences.
    lang (str): The language of the blank vocab used for ``.spacy`` files.
    format (str | None): ``"columns"``, ``"text"`` or ``"spacy"`` to override the extension.
    """
    path = Path(path)
    if format is not None:
        name = _resolve_format(path, format)
    else:
        name = "spacy" if path.suffix.lower() == ".spacy" else "columns"
    path.parent.mkdir(parents=True, exist_ok=True)
    if name == "spacy":
        write_docbin(path, sentences, lang)
    elif name == "text":
        write_text(path, sentences)
    else:
        write_columns(path, sentences)
