"""Column files (CoNLL, IOB, TSV): one token per line, its tag in the last column.

Every common tagging scheme is read (IOB1, IOB2, BIOES and BILOU) and turned into
:class:`~spacy_xlproj.types.Span` objects; files are always written as IOB2.

Whatever the reader accepts, the writer can write back, and the other way round:

* Tokens never contain whitespace: text files, Pharaoh links and translators all see a
  sentence as its words joined by spaces, so a token ``New York`` (possible in a
  tab-separated file) would silently become two words there. The reader refuses it
  with the line number; the writer refuses to write it.
* An empty sentence (an empty line of a parallel text file, an empty ``Doc``) is
  written as a line ``-EMPTY-<TAB>O`` alone between blank lines, and read back as an
  empty sentence, so sentence *i* stays sentence *i*. Other tools see a one-token,
  untagged sentence, which keeps their sentence count right as well.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path

from ..errors import DataError, DataFormatError
from ..types import Sentence, Span
from .atomic import atomic_write
from .text import iter_line_blocks

DOCSTART = "-DOCSTART-"
# The line that stands for a sentence without words (see the module docstring).
EMPTY_SENTENCE = "-EMPTY-"
_RESERVED = frozenset({DOCSTART, EMPTY_SENTENCE})
# WikiANN's raw files prefix every token with its language ("eu:Bilbo").
LANG_PREFIX = re.compile(r"^[a-z]{2,3}:")
# A prefix followed by a word: "de:" alone is a word, not a prefix.
_LANG_PREFIX_WORD = re.compile(r"^([a-z]{2,3}):.")
# How many tokens the automatic prefix detection looks at before it decides.
PREFIX_SAMPLE_TOKENS = 1000
_SPACE = re.compile(r"\s")
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
    empty_sentences: int = 0  # included in ``sentences``

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def no_entities_warning(path: str | Path, report: ReadReport) -> str | None:
    """A one-line warning if a file that should be labelled gave no entity at all.

    A source file whose tags are all ``O``, or a plain text file passed where a labelled
    file was meant, reads without error but projects nothing. Callers that need labels
    (``project``, ``translate-train``, corpus readers) read the file with a fresh
    :class:`ReadReport` and print this message when it is not ``None``::

        report = ReadReport()
        sentences = read_sentences(src, report=report)
        if (warning := no_entities_warning(src, report)) is not None:
            print(f"Warning: {warning}", file=sys.stderr)

    path (str | Path): The file, named in the message.
    report (ReadReport): What reading that file (only that file) counted.
    RETURNS (str | None): The message, or ``None`` when the file had an entity.
    """
    if report.entities:
        return None
    if report.sentences == 0:
        return f"{path}: has no sentences. Check that it is the right file and not empty."
    return (
        f"{path}: no entities in its {report.sentences} sentences (every tag is 'O', or the "
        "file has no tag column), so nothing can be projected. Check that it is the labelled "
        "source file."
    )


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
            raise DataError(
                f"span {span.start}-{span.end} ({span.label}) is out of range or empty "
                f"in a sentence of {n_words} words"
            )
        if span.start < end:
            raise DataError(
                f"span {span.start}-{span.end} ({span.label}) overlaps another span: "
                "IOB tags cannot express overlapping entities"
            )
        if not span.label or any(c.isspace() for c in span.label):
            raise DataError(f"span label {span.label!r} must be non-empty and without whitespace")
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
    on tabs, any other on whitespace. Sentences are separated by blank lines,
    ``-DOCSTART-`` lines are skipped, and an ``-EMPTY-`` line alone between blank lines
    is an empty sentence. A DataFormatError names the line of a token with whitespace
    (``New York`` in a tab-separated file), of a ``-DOCSTART-`` line inside a sentence
    (a token line right before and after it: where one sentence ends is unknown), of a
    malformed tag or of a line without a tag.

    path (str | Path): The file, UTF-8 (a byte order mark is fine), LF, CRLF or CR.
    report (ReadReport | None): Counts are added to it.
    strip_lang_prefix (bool | None): Strip a ``lang:`` prefix (as in ``eu:Bilbo``)
        from tokens. ``True`` strips any such prefix from every token; ``None`` looks
        at the first 1,000 tokens and, if more than half of them carry the same prefix
        (WikiANN's raw files: all of them), strips that prefix from every token of the
        file. A token that is nothing but a prefix (``de:``) is kept.
    YIELDS (Sentence): The sentences, with their entity spans.
    """
    path = Path(path)
    if report is None:
        report = ReadReport()
    blocks = _iter_blocks(path, report)
    if strip_lang_prefix is not None:
        for words, tags in blocks:
            if strip_lang_prefix:
                words = _strip_prefix(words, None, report)
            yield _make_sentence(words, tags, report)
        return
    # Decide on a sample, not on the first token: a file whose first token lacks the
    # prefix would otherwise keep it everywhere (and send "eu:" text to a translator).
    sample: list[tuple[list[str], list[str]]] = []
    error: DataFormatError | None = None
    n_tokens = 0
    try:
        for words, tags in blocks:
            sample.append((words, tags))
            n_tokens += len(words)
            if n_tokens >= PREFIX_SAMPLE_TOKENS:
                break
    except DataFormatError as err:
        # Yield the sentences before the bad line first, as a plain stream would.
        error = err
    prefix = _common_prefix(sample)
    rest: Iterable[tuple[list[str], list[str]]] = () if error is not None else blocks
    for words, tags in chain(sample, rest):
        if prefix is not None:
            words = _strip_prefix(words, prefix, report)
        yield _make_sentence(words, tags, report)
    if error is not None:
        raise error


def _common_prefix(sample: Sequence[tuple[list[str], list[str]]]) -> str | None:
    """The language prefix of more than half of the sample's tokens, if there is one."""
    counts: Counter[str] = Counter()
    total = 0
    for words, _ in sample:
        total += len(words)
        for word in words:
            match = _LANG_PREFIX_WORD.match(word)
            if match is not None:
                counts[match.group(1)] += 1
    if not counts:
        return None
    prefix, count = counts.most_common(1)[0]
    return prefix if count * 2 > total else None


def _strip_prefix(words: list[str], prefix: str | None, report: ReadReport) -> list[str]:
    """Strip ``prefix:`` (any ``lang:`` prefix if ``None``) from the words that have one."""
    out = []
    for word in words:
        match = _LANG_PREFIX_WORD.match(word)
        if match is not None and (prefix is None or match.group(1) == prefix):
            word = word[match.end(1) + 1 :]
            report.prefixes_stripped += 1
        out.append(word)
    return out


def _iter_blocks(path: Path, report: ReadReport) -> Iterator[tuple[list[str], list[str]]]:
    """Yield each sentence's raw (words, tags), with every line checked."""
    words: list[str] = []
    tags: list[str] = []
    known_tags: set[str] = set()
    # The line of an -EMPTY- marker whose block has not ended yet, else 0.
    empty_line = 0
    # The line of a -DOCSTART- that came right after a token line, else 0: if a token
    # line follows too, the -DOCSTART- is inside a sentence.
    docstart_line = 0
    for first, lines in iter_line_blocks(path):
        for lineno, line in enumerate(lines, start=first):
            if "\t" in line:
                fields = line.split("\t")
                token = fields[0].strip()
                tag = fields[-1].strip()
                if not token and line.isspace():
                    fields = []
                elif _SPACE.search(token) is not None:
                    raise DataFormatError(
                        path,
                        lineno,
                        f"the token {token!r} contains whitespace, which text files, "
                        "alignments and translators would read as several words.",
                        "Put one word per line, or join the parts with another character "
                        "(e.g. 'New_York').",
                    )
            else:
                fields = line.split()
                if fields:
                    token = fields[0]
                    tag = fields[-1]
            if not fields:
                if words:
                    yield words, tags
                    words, tags = [], []
                elif empty_line:
                    yield [], []
                    empty_line = 0
                docstart_line = 0
                continue
            if (
                tag in known_tags
                and len(fields) > 1
                and token
                and not (empty_line or docstart_line)
                and token not in _RESERVED
            ):
                # The common case: a valid tag seen before, nothing pending.
                words.append(token)
                tags.append(tag)
                continue
            if token == DOCSTART:
                report.docstarts_skipped += 1
                if words:
                    yield words, tags
                    words, tags = [], []
                    docstart_line = lineno
                elif empty_line:
                    yield [], []
                    empty_line = 0
                continue
            if docstart_line:
                raise DataFormatError(
                    path,
                    docstart_line,
                    f"a {DOCSTART} line inside a sentence (token lines right before and "
                    "after it), so where the sentence ends is unknown.",
                    f"Put a blank line before and after each {DOCSTART} line, or delete "
                    "it if the sentence goes on.",
                )
            if token == EMPTY_SENTENCE or empty_line:
                if token == EMPTY_SENTENCE and not words and not empty_line:
                    if len(fields) > 1 and tag != "O":
                        raise DataFormatError(
                            path,
                            lineno,
                            f"the empty-sentence line {EMPTY_SENTENCE} has the tag {tag!r}.",
                            _EMPTY_HINT,
                        )
                    empty_line = lineno
                    continue
                raise DataFormatError(
                    path,
                    empty_line or lineno,
                    f"the empty-sentence line {EMPTY_SENTENCE} shares its sentence with "
                    "other tokens.",
                    _EMPTY_HINT,
                )
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
            words.append(token)
            tags.append(tag)
    if words:
        yield words, tags
    elif empty_line:
        yield [], []


_EMPTY_HINT = (
    f"A line '{EMPTY_SENTENCE}<TAB>O' alone between blank lines stands for a sentence "
    "without words; a token of that spelling cannot be read."
)


def _make_sentence(words: list[str], tags: list[str], report: ReadReport) -> Sentence:
    spans, repaired = tags_to_spans(tags)
    report.sentences += 1
    report.tokens += len(words)
    report.entities += len(spans)
    report.repaired_entities += repaired
    report.empty_sentences += not words
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

    An empty sentence is written as ``-EMPTY-<TAB>O``, which :func:`iter_columns`
    reads back as an empty sentence. The file is replaced only once every sentence is
    written (see :func:`~spacy_xlproj.io.atomic.atomic_write`): a sentence that cannot
    be written leaves the old file, or none, never a partial one.

    path (str | Path): The output file; its folder must exist.
    sentences (Iterable[Sentence]): Words must be non-empty, without whitespace and
        not ``-DOCSTART-`` or ``-EMPTY-``, since such words could not be read back.
    """
    path = Path(path)
    with atomic_write(path) as file:
        for i, sentence in enumerate(sentences):
            for word in sentence.words:
                _check_word(word, i, path)
            try:
                tags = spans_to_tags(sentence.spans, len(sentence.words))
            except ValueError as err:
                raise DataError(f"sentence {i} cannot be written to {path}: {err}.") from None
            if not sentence.words:
                file.write(f"{EMPTY_SENTENCE}\tO\n\n")
                continue
            file.write("".join(f"{w}\t{t}\n" for w, t in zip(sentence.words, tags, strict=True)))
            file.write("\n")


def _check_word(word: str, index: int, path: Path) -> None:
    if not word or word in _RESERVED or _SPACE.search(word) is not None:
        raise DataError(
            f"sentence {index} has the word {word!r}, which cannot be written to a column "
            f"file ({path}): words must be non-empty, contain no whitespace and not be "
            f"{DOCSTART!r} or {EMPTY_SENTENCE!r}. Re-tokenise the sentence or replace the word."
        )
