"""Plain text files, one whitespace-tokenised sentence per line.

Also home of :func:`iter_lines`, the one place where data files are opened and
decoded, so that every reader reports missing files and bad bytes the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ..errors import DataError, DataFormatError
from ..types import Sentence
from .atomic import atomic_write

_BOM = "\ufeff"
_BLOCK_BYTES = 1 << 20


class DataFileNotFoundError(DataFormatError, FileNotFoundError):
    """A data file does not exist (a :class:`DataFormatError` and a FileNotFoundError)."""

    def __init__(self, path: str | Path) -> None:
        DataFormatError.__init__(
            self, path, None, "file not found.", "Check the path and the working directory."
        )
        # OSError's fields, so code that inspects FileNotFoundError still works.
        self.errno = 2
        self.strerror = "file not found"
        self.filename = str(path)

    def __str__(self) -> str:
        return str(self.args[0])


def _line_ending(data: bytes, at_eof: bool) -> bytes | None:
    """The line ending of a file whose first bytes are ``data``; None: not known yet.

    Any LF makes it an LF (or CRLF) file, in which a lone CR is part of a line. A file
    with CRs and no LF uses CR-only line endings (classic Mac OS, some Excel exports):
    read as LF it would be a single line, e.g. a whole column file one token long.
    """
    if b"\n" in data:
        return b"\n"
    if b"\r" in data and (at_eof or not data.endswith(b"\r")):
        return b"\r"
    # No line ending yet, or a CR that may be the first half of a CRLF split by the read.
    return b"\n" if at_eof else None


def iter_line_blocks(path: str | Path) -> Iterator[tuple[int, list[str]]]:
    """Yield blocks of about 1 MB of a UTF-8 file's lines, without line endings.

    Decoding a block at a time is several times faster than a line at a time,
    which matters for the column reader. In a file with LF line endings only LF ends
    a line (a CR before it is removed), so a stray CR or a Unicode line separator
    inside a line cannot shift the line numbers of parallel files. A file with CRs
    and no LF at all has CR-only line endings and is split on CR; if such a file later
    has an LF, a DataFormatError names the line. A byte order mark at the start is
    skipped.

    path (str | Path): The file.
    YIELDS (tuple[int, list[str]]): The 1-based number of the block's first line,
        and the block's lines.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileNotFoundError(path)
    first = 1
    newline: bytes | None = None
    rest = b""
    with path.open("rb") as file:
        while True:
            chunk = file.read(_BLOCK_BYTES)
            data = rest + chunk if rest else chunk
            if not data:
                break
            at_eof = not chunk
            if newline is None:
                newline = _line_ending(data, at_eof)
                if newline is None:
                    rest = data
                    continue
            if at_eof:
                rest = b""
            else:
                # Cut after the last complete line: a line ending is never inside a
                # UTF-8 sequence, so each block decodes on its own.
                cut = data.rfind(newline) + 1
                if cut == 0:
                    rest = data
                    continue
                data, rest = data[:cut], data[cut:]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as err:
                lineno = first + data.count(newline, 0, err.start)
                raise DataFormatError(
                    path,
                    lineno,
                    f"is not valid UTF-8 ({err.reason}).",
                    "Convert the file to UTF-8, e.g. with `iconv -f latin1 -t utf-8`.",
                ) from None
            if first == 1 and text.startswith(_BOM):
                text = text[1:]
            if newline == b"\n":
                lines = text.replace("\r\n", "\n").split("\n")
                if text.endswith("\n"):
                    lines.pop()
            else:
                if "\n" in text:
                    lineno = first + text.count("\r", 0, text.index("\n"))
                    raise DataFormatError(
                        path,
                        lineno,
                        "mixes CR-only and LF line endings, so its lines cannot be told apart "
                        "reliably.",
                        "Convert it to LF line endings, e.g. with `mac2unix` or "
                        "`tr '\\r' '\\n'` if it has no CRLF.",
                    )
                lines = text.split("\r")
                if text.endswith("\r"):
                    lines.pop()
            yield first, lines
            first += len(lines)


def iter_lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, line)`` for a UTF-8 file, without the line ending.

    See :func:`iter_line_blocks` for how lines are split and decoded.

    path (str | Path): The file.
    YIELDS (tuple[int, str]): The 1-based line number and the line's text.
    """
    for first, lines in iter_line_blocks(path):
        yield from enumerate(lines, start=first)


def iter_text(path: str | Path) -> Iterator[Sentence]:
    """Stream a text file with one whitespace-tokenised sentence per line.

    An empty line is an empty sentence, so that line *i* stays sentence *i* of a
    parallel file.

    path (str | Path): The file, UTF-8.
    YIELDS (Sentence): One sentence per line, without spans.
    """
    for _, line in iter_lines(path):
        yield Sentence(line.split())


def read_text(path: str | Path) -> list[Sentence]:
    """Read a text file with one sentence per line; see :func:`iter_text`."""
    return list(iter_text(path))


def write_text(path: str | Path, sentences: Iterable[Sentence | Sequence[str]]) -> None:
    """Write one sentence per line, words joined by single spaces.

    An empty sentence is an empty line. The file is replaced only once every sentence
    is written (see :func:`~spacy_xlproj.io.atomic.atomic_write`): a sentence that
    cannot be written leaves the old file, not a partial one.

    path (str | Path): The output file; its folder must exist.
    sentences (Iterable[Sentence | Sequence[str]]): Sentences or word lists. Words
        must be non-empty and without whitespace, since they could not be read back.
    """
    path = Path(path)
    with atomic_write(path) as file:
        for i, sentence in enumerate(sentences):
            words = sentence.words if isinstance(sentence, Sentence) else sentence
            if isinstance(words, str):
                raise TypeError(
                    f"sentence {i} is a string; pass a Sentence or a list of words "
                    "(e.g. text.split())."
                )
            for word in words:
                if not word or any(c.isspace() for c in word):
                    raise DataError(
                        f"sentence {i} has the word {word!r}, which cannot be written to a "
                        f"text file ({path}): words must be non-empty and contain no "
                        "whitespace. Re-tokenise the sentence or replace the word."
                    )
            file.write(" ".join(words))
            file.write("\n")
