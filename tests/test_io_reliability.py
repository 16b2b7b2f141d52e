"""Issue 10, items 2, 3 and 9: outputs are atomic, reader and writer agree, bad input is
never misread silently, and target-first alignments are recognised.

Each test builds the reproducing input itself (or reads the shared data by path).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import Doc, DocBin

from spacy_xlproj.errors import DataFormatError
from spacy_xlproj.io import (
    EMPTY_SENTENCE,
    ReadReport,
    atomic_path,
    atomic_write,
    blank_vocab,
    check_alignments,
    check_direction,
    detect_format,
    direction_evidence,
    iter_columns,
    iter_lines,
    no_entities_warning,
    read_columns,
    read_docbin,
    read_pharaoh,
    read_sentences,
    read_text,
    swap_links,
    write_atomic,
    write_columns,
    write_docbin,
    write_pharaoh,
    write_sentences,
    write_text,
)
from spacy_xlproj.io import text as text_module
from spacy_xlproj.types import Sentence, Span


def write_bytes(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def leftovers(folder: Path) -> list[str]:
    """Temporary files an atomic writer left behind (there must be none)."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- item 2: atomic outputs ----------------------------------------------------------


def test_atomic_write_replaces_only_on_success(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(path) as file:
        file.write("new, but half")
        raise RuntimeError("the writer failed")
    assert path.read_text() == "old\n"
    assert leftovers(tmp_path) == []
    with atomic_write(path) as file:
        file.write("new\n")
    assert path.read_text() == "new\n"
    assert leftovers(tmp_path) == []


def test_atomic_write_cleans_up_on_keyboard_interrupt(tmp_path):
    path = tmp_path / "out.txt"
    with pytest.raises(KeyboardInterrupt), atomic_write(path) as file:
        file.write("x")
        raise KeyboardInterrupt
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_binary_text_and_newlines(tmp_path):
    with atomic_write(tmp_path / "b.bin", "wb") as file:
        file.write(b"\x00\xff")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    # Text mode writes UTF-8 and LF whatever the platform and locale.
    with atomic_write(tmp_path / "t.txt") as file:
        file.write("Bilbo, ñ\n")
    assert (tmp_path / "t.txt").read_bytes() == "Bilbo, ñ\n".encode()
    with pytest.raises(ValueError), atomic_write(tmp_path / "a.txt", "a"):
        pass
    assert not (tmp_path / "a.txt").exists()


def test_write_atomic_and_atomic_path(tmp_path):
    write_atomic(tmp_path / "stats.json", '{"a": 1}\n')
    assert (tmp_path / "stats.json").read_text() == '{"a": 1}\n'
    write_atomic(tmp_path / "raw", b"\x01\x02")
    assert (tmp_path / "raw").read_bytes() == b"\x01\x02"
    with atomic_path(tmp_path / "doc.spacy") as tmp:
        # The temporary file sits beside the target, hidden, and never matches *.spacy.
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".doc.spacy.") and tmp.suffix == ".tmp"
        tmp.write_bytes(b"data")
    assert (tmp_path / "doc.spacy").read_bytes() == b"data"
    with pytest.raises(OSError), atomic_path(tmp_path / "doc.spacy") as tmp:
        raise OSError("disk full")
    assert (tmp_path / "doc.spacy").read_bytes() == b"data"
    assert leftovers(tmp_path) == []


def test_atomic_write_missing_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError), atomic_write(tmp_path / "no" / "such" / "x"):
        pass


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and symlinks")
def test_atomic_write_keeps_permissions_and_follows_symlinks(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_atomic(link, "new")
    # The link still points at the file, which has the new content and its old mode.
    assert link.is_symlink()
    assert real.read_text() == "new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    # A new file gets the usual permissions (0o666 less the umask), not mkstemp's 0o600.
    umask = os.umask(0)
    os.umask(umask)
    write_atomic(tmp_path / "fresh.txt", "x")
    assert stat.S_IMODE((tmp_path / "fresh.txt").stat().st_mode) == 0o666 & ~umask


def sentences_then_bad_word():
    """A stream that fails after two good sentences, as a long run can."""
    yield Sentence(["Peter", "Blackburn"], [Span(0, 2, "PER")])
    yield Sentence(["Bilbo"])
    yield Sentence(["New York"], [Span(0, 1, "LOC")])


@pytest.mark.parametrize("name", ["out.conll", "out.spacy", "out.txt"])
def test_failed_write_keeps_existing_output(tmp_path, name):
    # Issue 10.2: the column writer left a partial file, also over an existing output.
    path = tmp_path / name
    old = [Sentence(["old"], [Span(0, 1, "X")])]
    fmt = "text" if name.endswith(".txt") else None
    write_sentences(path, old, format=fmt)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        write_sentences(path, sentences_then_bad_word(), format=fmt)
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_failed_write_creates_no_file(tmp_path):
    with pytest.raises(ValueError):
        write_columns(tmp_path / "new.conll", sentences_then_bad_word())
    with pytest.raises(ValueError):
        write_text(tmp_path / "new.txt", [["a"], ["b c"]])
    with pytest.raises(ValueError):
        write_pharaoh(tmp_path / "new.align", [[(0, 0)], [(-1, 2)]])
    with pytest.raises(ValueError):
        write_docbin(tmp_path / "new.spacy", [Sentence(["a"], [Span(0, 1, "X"), Span(0, 1, "Y")])])
    assert list(tmp_path.iterdir()) == []


# --- item 2: what can be read can be written back -------------------------------------


def test_text_with_empty_line_round_trips_through_a_column_file(tmp_path):
    # Issue 10.1/10.2: translate-test read a text file with an empty line, then the column
    # writer refused the empty sentence half-way through its output.
    src = write_bytes(tmp_path, "in.txt", "Ana vive en Bilbao .\n\nGracias .\n")
    sentences = read_text(src)
    sentences[0].spans.append(Span(3, 4, "LOC"))
    out = tmp_path / "out.conll"
    write_columns(out, sentences)
    assert out.read_text().count(f"{EMPTY_SENTENCE}\tO\n") == 1
    assert read_columns(out) == sentences
    # Format detection still sees a column file without the extension.
    plain = write_bytes(tmp_path, "out", out.read_bytes())
    assert detect_format(plain) == "columns"
    # And back to text: line i is still sentence i.
    write_text(tmp_path / "back.txt", read_columns(out))
    assert (tmp_path / "back.txt").read_text() == "Ana vive en Bilbao .\n\nGracias .\n"


def test_empty_docs_round_trip_through_every_format(tmp_path):
    sentences = [Sentence([]), Sentence(["Ana"], [Span(0, 1, "PER")]), Sentence([])]
    for name in ("a.spacy", "a.conll"):
        write_sentences(tmp_path / name, sentences)
        assert read_sentences(tmp_path / name) == sentences


def test_token_with_space_in_tsv_is_refused_with_its_line(tmp_path):
    # Issue 10.2: read as one token, then refused by the writer at the end of a run.
    path = write_bytes(tmp_path, "a.tsv", "Ana\tB-PER\n\nvive\tO\nen\tO\nNew York\tB-LOC\n")
    with pytest.raises(DataFormatError) as info:
        read_columns(path)
    assert str(info.value) == (
        f"{path}, line 5: the token 'New York' contains whitespace, which text files, "
        "alignments and translators would read as several words. Put one word per line, "
        "or join the parts with another character (e.g. 'New_York')."
    )
    # A no-break space is whitespace too.
    path = write_bytes(tmp_path, "b.tsv", "10\u00a0000\tO\n")
    with pytest.raises(DataFormatError) as info:
        read_columns(path)
    assert info.value.line == 1


def test_docbin_with_whitespace_token_is_refused(tmp_path):
    # spaCy makes whitespace tokens from raw text ("Hello  world", newlines).
    vocab = blank_vocab("en")
    path = tmp_path / "ws.spacy"
    DocBin(docs=[Doc(vocab, words=["a"]), Doc(vocab, words=["Hello", "\n", "world"])]).to_disk(path)
    with pytest.raises(DataFormatError) as info:
        read_docbin(path)
    assert str(info.value) == (
        f"{path}: doc 1, token 1: '\\n' contains whitespace, which text files, alignments "
        "and translators would read as several words or none. Remove whitespace tokens "
        "(keep `[t for t in doc if not t.is_space]`) or re-tokenise, then write the DocBin "
        "again."
    )


@pytest.mark.parametrize(
    "content,line,problem",
    [
        ("a\tO\n-EMPTY-\tO\n", 2, "shares its sentence with other tokens."),
        ("-EMPTY-\tO\na\tO\n", 1, "shares its sentence with other tokens."),
        ("-EMPTY-\tO\n-EMPTY-\tO\n", 1, "shares its sentence with other tokens."),
        ("-EMPTY-\tB-PER\n", 1, "has the tag 'B-PER'."),
    ],
)
def test_misplaced_empty_sentence_line_is_an_error(tmp_path, content, line, problem):
    path = write_bytes(tmp_path, "a.tsv", content)
    with pytest.raises(DataFormatError) as info:
        read_columns(path)
    assert info.value.line == line
    assert info.value.problem.endswith(problem)


def test_empty_sentence_line_alone_or_before_docstart(tmp_path):
    path = write_bytes(tmp_path, "a.conll", "-EMPTY-\n-DOCSTART- O\n\nb O\n\n-EMPTY- O")
    report = ReadReport()
    assert read_columns(path, report=report) == [Sentence([]), Sentence(["b"]), Sentence([])]
    assert report.empty_sentences == 2


# Words the column, text and DocBin writers accept: no whitespace, not a reserved line.
# (A leading U+FEFF on the very first word would be taken for a byte order mark.)
WORD = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\ufeff"), min_size=1
).filter(lambda w: not any(c.isspace() for c in w) and w not in ("-DOCSTART-", "-EMPTY-"))


@st.composite
def sentences(draw):
    words = draw(st.lists(WORD, max_size=6))
    n = len(words)
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=4, unique=True)))
    spans = [
        Span(a, b, draw(st.sampled_from(["PER", "LOC", "B-X", "ORG:1"])))
        for a, b in zip(cuts[::2], cuts[1::2], strict=False)
        if a < b
    ]
    return Sentence(words, spans)


@settings(max_examples=60, deadline=None)
@given(st.lists(sentences(), max_size=5))
def test_writers_and_readers_agree(tmp_path_factory, corpus):
    folder = tmp_path_factory.mktemp("round")
    write_columns(folder / "a.conll", corpus)
    # Prefix detection off: random words may look like "eu:x" (see the prefix tests).
    assert read_columns(folder / "a.conll", strip_lang_prefix=False) == corpus
    write_docbin(folder / "a.spacy", corpus)
    assert read_docbin(folder / "a.spacy") == corpus
    write_text(folder / "a.txt", corpus)
    assert [s.words for s in read_text(folder / "a.txt")] == [s.words for s in corpus]


# --- item 3: line endings ------------------------------------------------------------

COLUMNS = (
    "EU\tB-ORG\nrejects\tO\nGerman\tB-MISC\n\nPeter\tB-PER\nBlackburn\tI-PER\n\nBRUSSELS\tB-LOC\n\n"
)


def test_cr_only_column_file_is_read_correctly(tmp_path):
    # Issue 10.3: read as one sentence of one token, and translate-train exited 0.
    lf = write_bytes(tmp_path, "lf", COLUMNS)
    cr = write_bytes(tmp_path, "cr", COLUMNS.replace("\n", "\r"))
    expected = read_columns(lf)
    assert len(expected) == 3
    assert read_columns(cr) == expected
    assert detect_format(cr) == "columns"
    # The same for text and Pharaoh files, whose lines must stay parallel.
    text = write_bytes(tmp_path, "t.txt", "a b\r\rc\r")
    assert [s.words for s in read_text(text)] == [["a", "b"], [], ["c"]]
    links = write_bytes(tmp_path, "l.align", "0-0 1-1\r\r0-0\r")
    assert read_pharaoh(links) == [[(0, 0), (1, 1)], [], [(0, 0)]]


def test_cr_file_that_later_has_lf_is_an_error(tmp_path, monkeypatch):
    # The line ending is decided on the first block (1 MB): small blocks here.
    monkeypatch.setattr(text_module, "_BLOCK_BYTES", 3)
    path = write_bytes(tmp_path, "mixed.txt", "a\rb\rcc\nd\r")
    with pytest.raises(DataFormatError) as info:
        read_text(path)
    assert str(info.value) == (
        f"{path}, line 3: mixes CR-only and LF line endings, so its lines cannot be told "
        "apart reliably. Convert it to LF line endings, e.g. with `mac2unix` or "
        "`tr '\\r' '\\n'` if it has no CRLF."
    )
    # With an LF in the first block it is an LF file, whose CRs are inside lines.
    monkeypatch.setattr(text_module, "_BLOCK_BYTES", 1 << 20)
    assert [line for _, line in iter_lines(path)] == ["a\rb\rcc", "d\r"]


def test_invalid_utf8_line_number_in_cr_file(tmp_path):
    path = write_bytes(tmp_path, "a.txt", b"a\rb\r\xe9\r")
    with pytest.raises(DataFormatError) as info:
        read_text(path)
    assert info.value.line == 3


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 64])
def test_lines_across_block_boundaries(tmp_path, monkeypatch, newline, block):
    # Tiny blocks cut lines, CRLF pairs and UTF-8 sequences: the lines must not change.
    lines = ["\ufeffÀ", "", "ñandú ü", "x\u2028y" if newline != "\r" else "xy", "", "último"]
    path = write_bytes(tmp_path, "a.txt", newline.join(lines) + newline)
    monkeypatch.setattr(text_module, "_BLOCK_BYTES", block)
    assert [line for _, line in iter_lines(path)] == ["À", *lines[1:]]
    assert [n for n, _ in iter_lines(path)] == list(range(1, len(lines) + 1))
    # And without a final line ending.
    path = write_bytes(tmp_path, "b.txt", newline.join(lines))
    assert [line for _, line in iter_lines(path)] == ["À", *lines[1:]]


# --- item 3: WikiANN prefixes ----------------------------------------------------------


def test_prefix_detection_when_the_first_token_lacks_one(tmp_path):
    # Issue 10.3: detection looked at the first token only, and kept every "eu:".
    content = "Bilbo\tB-LOC\neu:dago\tO\neu:.\tO\n\neu:Athletic\tB-ORG\neu:eu:\tO\n"
    path = write_bytes(tmp_path, "test", content)
    report = ReadReport()
    assert read_columns(path, report=report) == [
        Sentence(["Bilbo", "dago", "."], [Span(0, 1, "LOC")]),
        Sentence(["Athletic", "eu:"], [Span(0, 1, "ORG")]),
    ]
    assert report.prefixes_stripped == 4
    # Only the file's own prefix is stripped once it is detected.
    path = write_bytes(tmp_path, "mixed", "eu:a\tO\neu:b\tO\nes:c\tO\n")
    assert read_columns(path)[0].words == ["a", "b", "es:c"]


def test_prefix_detection_looks_past_the_first_sentence(tmp_path):
    # A first sentence without prefixes is outvoted by the rest of the sample.
    content = "Ratio\tO\n\n" + "".join(f"eu:w{i}\tO\n" for i in range(5))
    path = write_bytes(tmp_path, "test", content)
    assert read_columns(path)[1].words == [f"w{i}" for i in range(5)]


def test_prefix_detection_streams_and_reports_errors_after_the_sample(tmp_path):
    path = write_bytes(tmp_path, "a.conll", "eu:a O\n\neu:b O\n\neu:c X-BAD\n")
    sentences = iter_columns(path)
    assert next(sentences).words == ["a"]
    assert next(sentences).words == ["b"]
    with pytest.raises(DataFormatError) as info:
        next(sentences)
    assert info.value.line == 5


# --- item 3: unlabelled sources and -DOCSTART- ----------------------------------------


def test_no_entities_warning(tmp_path):
    # Issue 10.3: a source file without tags gave zero entities and no warning.
    untagged = write_bytes(tmp_path, "src.conll", "Ana\tO\nvive\tO\n\nBilbao\tO\n")
    report = ReadReport()
    read_sentences(untagged, report=report)
    assert no_entities_warning(untagged, report) == (
        f"{untagged}: no entities in its 2 sentences (every tag is 'O', or the file has no "
        "tag column), so nothing can be projected. Check that it is the labelled source file."
    )
    text = write_bytes(tmp_path, "src.txt", "Ana vive en Bilbao .\n")
    report = ReadReport()
    read_sentences(text, report=report)
    assert no_entities_warning(text, report).startswith(f"{text}: no entities in its 1 ")
    empty = write_bytes(tmp_path, "empty.conll", "")
    report = ReadReport()
    read_sentences(empty, report=report)
    assert no_entities_warning(empty, report) == (
        f"{empty}: has no sentences. Check that it is the right file and not empty."
    )
    labelled = write_bytes(tmp_path, "ok.conll", "Ana\tB-PER\n")
    report = ReadReport()
    read_sentences(labelled, report=report)
    assert no_entities_warning(labelled, report) is None


def test_docstart_inside_a_sentence_is_an_error(tmp_path):
    # Issue 10.3: the line split the sentence in two without a word.
    path = write_bytes(
        tmp_path, "a.conll", "-DOCSTART- -X- O\n\nEU B-ORG\nrejects O\n-DOCSTART- -X- O\nGerman O\n"
    )
    with pytest.raises(DataFormatError) as info:
        read_columns(path)
    assert str(info.value) == (
        f"{path}, line 5: a -DOCSTART- line inside a sentence (token lines right before "
        "and after it), so where the sentence ends is unknown. Put a blank line before and "
        "after each -DOCSTART- line, or delete it if the sentence goes on."
    )


# --- item 9: alignments in the wrong direction -----------------------------------------


def test_swap_links():
    assert swap_links([(0, 1), (2, 0), (0, 1)]) == [(0, 2), (1, 0)]


def test_check_direction_by_ranges_only():
    # Lengths only: source sentences are longer, so target-first links fall out of range.
    links = [[(0, 0), (3, 1)], [(1, 0), (4, 1)], [(2, 2)]]
    swapped = [swap_links(x) for x in links]
    src, tgt = [4, 5, 3], [2, 2, 3]
    check_direction(links, src, tgt)
    with pytest.raises(DataFormatError) as info:
        check_direction(swapped, src, tgt, path="a.align")
    assert str(info.value) == (
        "a.align, line 1: the links look target first: 2 of 3 sentences have a link out of "
        "range as given, 0 with each pair swapped. Pharaoh links are source index first: "
        "swap each pair, e.g. with `sed -E 's/([0-9]+)-([0-9]+)/\\2-\\1/g'`, or align again "
        "with the source first."
    )
    with pytest.raises(DataFormatError) as info:
        check_direction(swapped, src, tgt, path="a.align", fix="Pass --swap-links.")
    assert str(info.value).endswith("0 with each pair swapped. Pass --swap-links.")


def test_check_direction_ignores_a_few_bad_lines():
    # One broken line in a long correct file is a broken line, not a swapped file: the
    # line-by-line range check reports it.
    links = [[(0, 0), (1, 1)]] * 30 + [[(3, 0)]]
    src, tgt = [2] * 30 + [2], [2] * 30 + [5]
    assert direction_evidence(links, src, tgt).out_given == 1
    check_direction(links, src, tgt)
    with pytest.raises(DataFormatError) as info:
        check_alignments(links, [["a", "b"]] * 31, [["x", "y"]] * 30 + [["x"] * 5])
    assert info.value.line == 31
    assert "link 3-0 is out of range" in info.value.problem


def test_check_alignments_counts(tmp_path):
    with pytest.raises(DataFormatError) as info:
        check_alignments([[(0, 0)]], [["a"], ["b"]], [["x"], ["y"]], path="x.align")
    assert str(info.value) == (
        "x.align: has 1 lines of links for 2 source and 2 target sentences. The source, "
        "target and alignment files must be parallel, one sentence each."
    )


EUROPARL = "europarl_ner/{}-europarl.test.conll02"
GDFA = "alignments/europarl.en-es.eflomal-gdfa.txt"


@pytest.fixture(scope="module")
def europarl_pairs(shared_data):
    en = [s.words for s in read_columns(shared_data / EUROPARL.format("en"))]
    es = [s.words for s in read_columns(shared_data / EUROPARL.format("es"))]
    return en, es, read_pharaoh(shared_data / GDFA)


def test_swapped_europarl_alignment_is_named(shared_data, tmp_path, europarl_pairs):
    # Issue 10.9: the shared en-es alignment file written target first.
    en, es, links = europarl_pairs
    check_alignments(links, en, es, path=shared_data / GDFA)
    swapped_path = tmp_path / "es-en.align"
    write_pharaoh(swapped_path, [swap_links(x) for x in links])
    swapped = read_pharaoh(swapped_path)
    with pytest.raises(DataFormatError) as info:
        check_alignments(swapped, en, es, path=swapped_path)
    message = str(info.value)
    assert message.startswith(f"{swapped_path}, line 1: the links look target first: ")
    assert "\n" not in message
    # Lengths alone tell as well.
    with pytest.raises(DataFormatError):
        check_direction(swapped, [len(w) for w in en], [len(w) for w in es])


def test_swapped_alignment_on_pairs_that_pass_the_range_check(europarl_pairs):
    # The pairs where swapped links are all in range (sentences of equal length): there
    # the range check passed and F1 silently fell. The words still tell.
    en, es, links = europarl_pairs
    swapped = [swap_links(x) for x in links]
    keep = [
        k
        for k, (x, a, b) in enumerate(zip(swapped, en, es, strict=True))
        if all(i < len(a) and j < len(b) for i, j in x)
    ]
    assert len(keep) > 50
    sub_en, sub_es = [en[k] for k in keep], [es[k] for k in keep]
    check_direction([links[k] for k in keep], sub_en, sub_es)
    with pytest.raises(DataFormatError) as info:
        check_direction([swapped[k] for k in keep], sub_en, sub_es, path="es-en.align")
    assert info.value.line is None
    assert "links join identical words with each pair swapped" in info.value.problem
    # Even 20 such short pairs are enough.
    with pytest.raises(DataFormatError):
        check_direction([swapped[k] for k in keep[:20]], sub_en[:20], sub_es[:20])
    # From lengths alone equal-length pairs cannot be told apart: no claim is made.
    lengths = [len(w) for w in sub_en]
    check_direction([swapped[k] for k in keep], lengths, lengths)


def test_wikiann_file_whose_first_token_lost_its_prefix(shared_data, tmp_path):
    # Built from the real Basque test file: its first token without "eu:".
    raw = (shared_data / "wikiann/eu/test").read_bytes()
    assert raw.startswith(b"eu:")
    path = write_bytes(tmp_path, "eu-test", raw[3:])
    report = ReadReport()
    sentences = read_columns(path, report=report)
    assert report.prefixes_stripped == report.tokens - 1
    assert sentences == read_columns(shared_data / "wikiann/eu/test")
