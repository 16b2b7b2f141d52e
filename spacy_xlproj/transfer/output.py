"""Write a stream of sentences in bounded memory: column files and ``.spacy`` DocBins.

``io.write_columns`` already writes sentence by sentence. A DocBin is one
zlib-compressed msgpack message whose arrays (tokens, spaces, lengths…) are prefixed
with their total size, so ``io.write_docbin`` builds it whole in memory: for a
100,000-sentence translate-train that is the largest thing the run holds.
``write_docbin_stream`` builds a small DocBin per chunk instead, spools each part of it
to temporary files beside the output, and at the end writes the same message as
``DocBin.to_bytes`` (same keys, same values) by streaming the parts through one zlib
compressor. Only the set of distinct strings (the vocabulary) is held whole.

Beside its output translate-train writes the source side of each target sentence, one
JSON line each (``source_sidecar``, at ``source_sidecar_path(OUTPUT)``), for the review
app to draw (``review.data.read_sources`` reads it).
"""

from __future__ import annotations

import contextlib
import json
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

from ..errors import DataError
from ..io.atomic import atomic_write
from ..types import Link, Sentence, Span

# Docs per DocBin built in memory before its parts are spooled to disk.
SPOOL_CHUNK = 2_000
_COPY_BLOCK = 1 << 20
SOURCE_SUFFIX = ".source.jsonl"


def source_sidecar_path(path: str | Path) -> Path:
    """Where the source side of translate-train's output ``path`` is: beside it, its
    extension replaced by ``.source.jsonl`` (``train.spacy`` -> ``train.source.jsonl``,
    ``es.conll`` -> ``es.source.jsonl``, ``out`` -> ``out.source.jsonl``)."""
    path = Path(path)
    return path.with_name(path.stem + SOURCE_SUFFIX)


def source_line(words: Sequence[str], spans: Sequence[Span], links: Iterable[Link]) -> str:
    """One target sentence's line of the source side: its source words, the source
    entities and the word alignment links ``[source index, target index]``."""
    body = {
        "words": list(words),
        "spans": [[s.start, s.end, s.label] for s in spans],
        "links": [[i, j] for i, j in links],
    }
    # Compact separators: the file has a line per sentence of the corpus.
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"


@contextlib.contextmanager
def source_sidecar(
    path: str | Path,
) -> Iterator[Callable[[Sequence[str], Sequence[Span], Iterable[Link]], None]]:
    """Write the source side of an output line by line, atomically.

    Yields ``add(words, spans, links)``, which writes one line (``source_line``); the
    file replaces ``path`` when the block ends without an error, so it is written as
    the sentences stream by and never holds the corpus in memory.

    path (str | Path): The file, e.g. ``source_sidecar_path(output)``; its folder must exist.
    """
    with atomic_write(path, "w") as out:

        def add(words: Sequence[str], spans: Sequence[Span], links: Iterable[Link]) -> None:
            out.write(source_line(words, spans, links))

        yield add


def write_stream(path: str | Path, sentences: Iterable[Sentence], lang: str = "xx") -> int:
    """Write sentences as they come: ``.spacy`` by extension, else a column file.

    The output is replaced atomically once every sentence is written (an error in the
    stream leaves the old file, or none).

    path (str | Path): The output; its folder is created.
    sentences (Iterable[Sentence]): The sentences, e.g. a generator.
    lang (str): The language of the blank vocab for ``.spacy`` output.
    RETURNS (int): The number of sentences written.
    """
    from ..io import write_columns

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".spacy":
        return write_docbin_stream(path, sentences, lang)
    counted = _Counted(sentences)
    write_columns(path, counted)
    return counted.n


class _Counted:
    """An iterable that counts what went through it."""

    def __init__(self, items: Iterable[Sentence]) -> None:
        self.items = items
        self.n = 0

    def __iter__(self):  # noqa: ANN204
        for item in self.items:
            self.n += 1
            yield item


def _pack_str(text: str) -> bytes:
    import srsly

    return srsly.msgpack_dumps(text)


def _array_header(n: int) -> bytes:
    if n < 16:
        return bytes([0x90 | n])
    if n < 1 << 16:
        return b"\xdc" + struct.pack(">H", n)
    return b"\xdd" + struct.pack(">I", n)


def _bin_header(n: int) -> bytes:
    if n < 1 << 8:
        return b"\xc4" + struct.pack(">B", n)
    if n < 1 << 16:
        return b"\xc5" + struct.pack(">H", n)
    return b"\xc6" + struct.pack(">I", n)


class _Spool:
    """A temporary file that a part of the DocBin message is appended to."""

    def __init__(self, folder: Path) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
        self.size = 0
        self.items = 0

    def add(self, data: bytes, items: int = 1) -> None:
        self.file.write(data)
        self.size += len(data)
        self.items += items

    def copy_to(self, sink: Any) -> None:
        self.file.seek(0)
        while block := self.file.read(_COPY_BLOCK):
            sink(block)

    def close(self) -> None:
        self.file.close()


def write_docbin_stream(path: str | Path, sentences: Iterable[Sentence], lang: str = "xx") -> int:
    """Write sentences to a ``.spacy`` file without holding the whole DocBin.

    The file reads back exactly as ``io.write_docbin``'s (the same msgpack message:
    ``DocBin.from_disk`` and ``io.read_docbin`` see the same docs). It is written to a
    temporary file and renamed into place when complete.

    path (str | Path): The output file; its folder must exist.
    sentences (Iterable[Sentence]): The sentences; words as ``io.write_docbin`` requires.
    lang (str): The language of the blank vocab.
    RETURNS (int): The number of sentences (docs) written.
    """
    import srsly

    from ..io import blank_vocab, sentences_to_docbin

    path = Path(path)
    # One vocab for the whole run: its string store grows with the vocabulary only.
    vocab = blank_vocab(lang)

    holder = SimpleNamespace(vocab=vocab)  # sentences_to_docbin takes a pipeline's vocab
    folder = path.resolve().parent
    parts = {
        name: _Spool(folder) for name in ("tokens", "spaces", "lengths", "cats", "flags", "groups")
    }
    strings: set[str] = set()
    head: dict[str, Any] | None = None
    n = 0
    iterator = iter(sentences)
    try:
        while chunk := list(islice(iterator, SPOOL_CHUNK)):
            # Errors name the sentence by its index in the whole stream.
            try:
                docbin = sentences_to_docbin(chunk, lang, nlp=holder)  # type: ignore[arg-type]
            except ValueError as err:
                raise DataError(_renumber(str(err), n)) from None
            if head is None:
                head = {"version": docbin.version, "attrs": docbin.attrs}
            for tokens, spaces in zip(docbin.tokens, docbin.spaces, strict=True):
                parts["tokens"].add(tokens.tobytes("C"), 0)
                parts["spaces"].add(spaces.tobytes("C"), 0)
                parts["lengths"].add(struct.pack("=i", len(tokens)), 0)
            for cats, flags, groups in zip(
                docbin.cats, docbin.flags, docbin.span_groups, strict=True
            ):
                parts["cats"].add(srsly.msgpack_dumps(cats))
                parts["flags"].add(srsly.msgpack_dumps(flags))
                parts["groups"].add(srsly.msgpack_dumps(groups))
            strings |= docbin.strings
            n += len(chunk)
        if head is None:  # no sentence: what DocBin.to_bytes gives for an empty DocBin
            from spacy.tokens import DocBin

            empty = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE", "SENT_START"])
            head = {"version": empty.version, "attrs": empty.attrs}
        with atomic_write(path, "wb") as out:
            _write_message(out, head, parts, strings)
    finally:
        for part in parts.values():
            part.close()
    return n


def _renumber(message: str, offset: int) -> str:
    import re

    return re.sub(r"^sentence (\d+)", lambda m: f"sentence {int(m.group(1)) + offset}", message)


def _write_message(
    out: IO[bytes], head: dict[str, Any], parts: dict[str, _Spool], strings: set[str]
) -> None:
    """``DocBin.to_bytes``'s message, streamed through zlib: keys in the same order."""
    import srsly

    compressor = zlib.compressobj()

    def emit(data: bytes) -> None:
        out.write(compressor.compress(data))

    # Native byte order, as numpy's tobytes() in DocBin.to_bytes; lengths are int32.
    emit(bytes([0x80 | 9]))  # a map of 9 keys (no user_data: store_user_data is off)
    emit(_pack_str("version") + srsly.msgpack_dumps(head["version"]))
    emit(_pack_str("attrs") + srsly.msgpack_dumps(head["attrs"]))
    for key, name in (("tokens", "tokens"), ("spaces", "spaces"), ("lengths", "lengths")):
        emit(_pack_str(key) + _bin_header(parts[name].size))
        parts[name].copy_to(emit)
    emit(_pack_str("strings") + srsly.msgpack_dumps(sorted(strings)))
    for key, name in (("cats", "cats"), ("flags", "flags"), ("span_groups", "groups")):
        emit(_pack_str(key) + _array_header(parts[name].items))
        parts[name].copy_to(emit)
    out.write(compressor.flush())
