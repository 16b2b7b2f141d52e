"""Column files (CoNLL, IOB, TSV): one token per line, its tag in the last column.

Every common tagging scheme is read (IOB1, IOB2, BIOES and BILOU) and turned into
:class:`~spacy_xlproj.types.Span` objects; files are always written as IOB2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import DataFormatError
from ..types import Sentence, Span
from .text import iter_line_blocks

DOCSTART = "-DOCSTART-"
# WikiANN's raw files prefix every token with its language ("eu:Bilbo").
LANG_PREFIX = re.compile(r"^[a-z]{2,3}:")
_LANG_PREFIX_FIRST = re.compile(r"^[a-z]{2,3}:.")
_PREFIXES = frozenset("BIESLU")
_TAG_HINT = "Tags must be 'O' or one of B-, I-, E-, S-, L-, U- followed by a label (e.g. 'B-PER')."


@dataclass
class ReadReport:
    """Counts of what a reader saw, fixed and skipped; pass one in to collect them.

    The counts add up when the same report is passed to several reads.
    """

    sentences: int = 0
    tokens: int = 0
    entities: int = 0
    repaired_entities: int = 0
    docstarts_skipped: int = 0
    prefixes_stripped: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@lru_cache(maxsize=4096)
def _parse_tag(tag: str) -> tuple[str, str]:
    """Split a tag into (prefix, label); ``("O", "")`` for outside. Raises ValueError."""
    if tag == "O":
        return ("O", "")
    label = tag[2:]
    # A label with whitespace ("B-NEW YORK", possible in a tab-separated file) could
    # not be written back.
    if tag[1:2] == "-" and tag[0] in _PREFIXES and label and not any(c.isspace() for c in label):
        return (tag[0], label)
    raise ValueError(f"malformed tag {tag!r}")


def tags_to_spans(tags: Sequence[str]) -> tuple[list[Span], int]:
    """Turn a sentence's IOB1, IOB2, BIOES or BILOU tags into labelled spans.

    tags (Sequence[str]): One tag per word.
    RETURNS (tuple[list[Span], int]): The spans, and how many entities had to be
        repaired because they did not start with ``B-``/``S-``/``U-`` (an entity
        opened by ``I-`` — which includes every IOB1 entity — or by a stray ``E-``/``L-``).
    """
    spans: list[Span] = []
    repaired = 0
    start = -1
    label = ""
    for i, tag in enumerate(tags):
        if tag == "O":
            if start >= 0:
                spans.append(Span(start, i, label))
                start = -1
            continue
        prefix, tag_label = _parse_tag(tag)
        continues = start >= 0 and tag_label == label
        if prefix == "I" or prefix == "E" or prefix == "L":
            if not continues:
                if start >= 0:
                    spans.append(Span(start, i, label))
                start, label = i, tag_label
                repaired += 1
            if prefix != "I":
                spans.append(Span(start, i + 1, label))
                start = -1
        else:
            if start >= 0:
                spans.append(Span(start, i, label))
            if prefix == "B":
                start, label = i, tag_label
            else:  # S- or U-: a one-word entity
                spans.append(Span(i, i + 1, tag_label))
                start = -1
    if start >= 0:
        spans.append(Span(start, len(tags), label))
    return spans, repaired


def spans_to_tags(spans: Sequence[Span], n_words: int) -> list[str]:
    """Turn labelled spans into IOB2 tags.

    spans (Sequence[Span]): Non-overlapping spans inside ``[0, n_words)``.
    n_words (int): The length of the sentence.
    RETURNS (list[str]): One tag per word.
    """
    tags = ["O"] * n_words
    end = 0
    for span in sorted(spans):
        if not 0 <= span.start < span.end <= n_words:
            raise ValueError(
                f"span {span.start}-{span.end} ({span.label}) is out of range or empty "
                f"in a sentence of {n_words} words"
            )
        if span.start < end:
            raise ValueError(
                f"span {span.start}-{span.end} ({span.label}) overlaps another span: "
                "IOB tags cannot express overlapping entities"
            )
        if not span.label or any(c.isspace() for c in span.label):
            raise ValueError(f"span label {span.label!r} must be non-empty and without whitespace")
        tags[span.start] = "B-" + span.label
        for i in range(span.start + 1, span.end):
            tags[i] = "I-" + span.label
        end = span.end
    return tags


def iter_columns(
    path: str | Path,
    *,
    report: ReadReport | None = None,
    strip_lang_prefix: bool | None = None,
) -> Iterator[Sentence]:
    """Stream the sentences of a column file.

    The token is the first column and the tag the last; a line with a tab is split
    on tabs, any other on whitespace. Sentences are separated by blank lines and
    ``-DOCSTART-`` lines are skipped.

    path (str | Path): The file, UTF-8 (a byte order mark is fine), LF or CRLF.
    report (ReadReport | None): Counts are added to it.
    strip_lang_prefix (bool | None): Strip a ``lang:`` prefix (as in ``eu:Bilbo``)
        from every token. ``None`` strips it when the file's first token has one.
    YIELDS (Sentence): The sentences, with their entity spans.
    """
    path = Path(path)
    if report is None:
        report = ReadReport()
    words: list[str] = []
    tags: list[str] = []
    strip = strip_lang_prefix
    known_tags: set[str] = set()
    for first, lines in iter_line_blocks(path):
        for lineno, line in enumerate(lines, start=first):
            if "\t" in line:
                fields = line.split("\t")
                token = fields[0].strip()
                tag = fields[-1].strip()
                if not token and line.isspace():
                    fields = []
            else:
                fields = line.split()
                if fields:
                    token = fields[0]
                    tag = fields[-1]
            if not fields:
                if words:
                    yield _make_sentence(words, tags, report)
                    words, tags = [], []
                continue
            if tag in known_tags and not strip and len(fields) > 1 and token and token != DOCSTART:
                # The common case: a valid tag seen before and nothing to strip.
                words.append(token)
                tags.append(tag)
                continue
            if token == DOCSTART:
                report.docstarts_skipped += 1
                if words:
                    yield _make_sentence(words, tags, report)
                    words, tags = [], []
                continue
            if len(fields) < 2 or not token or not tag:
                raise DataFormatError(
                    path,
                    lineno,
                    f"expected a token and a tag separated by a tab or spaces, found {line!r}.",
                    "Column files have one token per line with its tag in the last column "
                    "and a blank line between sentences.",
                )
            if tag not in known_tags:
                try:
                    _parse_tag(tag)
                except ValueError:
                    raise DataFormatError(
                        path, lineno, f"malformed tag {tag!r}.", _TAG_HINT
                    ) from None
                known_tags.add(tag)
            if strip is None:
                strip = _LANG_PREFIX_FIRST.match(token) is not None
            if strip:
                match = LANG_PREFIX.match(token)
                # Keep a token that is nothing but a prefix-like string ("de:").
                if match is not None and match.end() < len(token):
                    token = token[match.end() :]
                    report.prefixes_stripped += 1
            words.append(token)
            tags.append(tag)
    if words:
        yield _make_sentence(words, tags, report)


def _make_sentence(words: list[str], tags: list[str], report: ReadReport) -> Sentence:
    spans, repaired = tags_to_spans(tags)
    report.sentences += 1
    report.tokens += len(words)
    report.entities += len(spans)
    report.repaired_entities += repaired
    return Sentence(words, spans)


def read_columns(
    path: str | Path,
    *,
    report: ReadReport | None = None,
    strip_lang_prefix: bool | None = None,
) -> list[Sentence]:
    """Read all sentences of a column file; see :func:`iter_columns`."""
    return list(iter_columns(path, report=report, strip_lang_prefix=strip_lang_prefix))


def write_columns(path: str | Path, sentences: Iterable[Sentence]) -> None:
    """Write sentences as ``token<TAB>tag`` lines (IOB2), a blank line after each.

    path (str | Path): The output file; its folder must exist.
    sentences (Iterable[Sentence]): Words must be non-empty and without whitespace,
        since such words could not be read back.
    """
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for i, sentence in enumerate(sentences):
            if not sentence.words:
                # An empty sentence has no lines, so it cannot be written without vanishing.
                raise ValueError(
                    f"sentence {i} has no words and cannot be written to a column file "
                    f"({path}): drop it or write a DocBin instead."
                )
            for word in sentence.words:
                _check_word(word, i, path)
            try:
                tags = spans_to_tags(sentence.spans, len(sentence.words))
            except ValueError as err:
                raise ValueError(f"sentence {i} cannot be written to {path}: {err}.") from None
            file.write("".join(f"{w}\t{t}\n" for w, t in zip(sentence.words, tags, strict=True)))
            file.write("\n")


def _check_word(word: str, index: int, path: Path) -> None:
    if not word or word == DOCSTART or any(c.isspace() for c in word):
        raise ValueError(
            f"sentence {index} has the word {word!r}, which cannot be written to a column "
            f"file ({path}): words must be non-empty, contain no whitespace and not be "
            f"{DOCSTART!r}. Re-tokenise the sentence or replace the word."
        )
