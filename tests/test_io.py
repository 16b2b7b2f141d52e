"""Readers and writers of spacy_xlproj.io on small hand-made files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from hypothesis import given
from hypothesis import strategies as st
from spacy.tokens import Doc, DocBin

from spacy_xlproj.errors import DataFormatError
from spacy_xlproj.io import (
    DataFileNotFoundError,
    ReadReport,
    blank_vocab,
    check_links,
    detect_format,
    doc_to_sentence,
    format_links,
    iter_columns,
    iter_sentences,
    parse_links,
    read_columns,
    read_docbin,
    read_pharaoh,
    read_sentences,
    read_text,
    sentence_to_doc,
    spans_to_tags,
    tags_to_spans,
    write_columns,
    write_docbin,
    write_pharaoh,
    write_sentences,
    write_text,
)
from spacy_xlproj.types import Sentence, Span

COLUMN_HINT = (
    "Column files have one token per line with its tag in the last column "
    "and a blank line between sentences."
)
TAG_HINT = "Tags must be 'O' or one of B-, I-, E-, S-, L-, U- followed by a label (e.g. 'B-PER')."


def write_bytes(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- tags_to_spans / spans_to_tags -------------------------------------------------------


def test_tags_to_spans_iob2():
    tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"]
    assert tags_to_spans(tags) == (
        [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(4, 6, "LOC")],
        0,
    )


def test_tags_to_spans_iob1_counts_every_entity_opened_by_i():
    # IOB1: I- opens an entity; B- only separates two adjacent entities of one type.
    tags = ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "O", "I-ORG", "I-ORG"]
    assert tags_to_spans(tags) == (
        [Span(0, 2, "PER"), Span(2, 3, "PER"), Span(4, 5, "LOC"), Span(6, 8, "ORG")],
        3,
    )


def test_tags_to_spans_bioes():
    tags = ["B-ORG", "I-ORG", "E-ORG", "S-PER", "O", "S-LOC", "S-LOC", "B-MISC", "E-MISC"]
    assert tags_to_spans(tags) == (
        [
            Span(0, 3, "ORG"),
            Span(3, 4, "PER"),
            Span(5, 6, "LOC"),
            Span(6, 7, "LOC"),
            Span(7, 9, "MISC"),
        ],
        0,
    )


def test_tags_to_spans_bilou():
    tags = ["U-PER", "B-LOC", "I-LOC", "L-LOC", "O", "U-ORG", "B-PER", "L-PER"]
    assert tags_to_spans(tags) == (
        [Span(0, 1, "PER"), Span(1, 4, "LOC"), Span(5, 6, "ORG"), Span(6, 8, "PER")],
        0,
    )


def test_tags_to_spans_repairs_label_changes_and_stray_ends():
    # I-LOC after B-PER opens a new entity; E-ORG after O is a one-word entity;
    # I-X after E-X (entity already closed) opens a new one.
    tags = ["B-PER", "I-LOC", "O", "E-ORG", "B-X", "E-X", "I-X", "L-Y"]
    assert tags_to_spans(tags) == (
        [
            Span(0, 1, "PER"),
            Span(1, 2, "LOC"),
            Span(3, 4, "ORG"),
            Span(4, 6, "X"),
            Span(6, 7, "X"),
            Span(7, 8, "Y"),
        ],
        4,
    )


def test_tags_to_spans_s_closes_open_entity():
    assert tags_to_spans(["B-PER", "I-PER", "S-PER", "I-PER"]) == (
        [Span(0, 2, "PER"), Span(2, 3, "PER"), Span(3, 4, "PER")],
        1,
    )


def test_tags_to_spans_empty_and_outside():
    assert tags_to_spans([]) == ([], 0)
    assert tags_to_spans(["O", "O"]) == ([], 0)


def test_tags_to_spans_keeps_hyphenated_labels():
    assert tags_to_spans(["B-DATE-TIME", "I-DATE-TIME"]) == ([Span(0, 2, "DATE-TIME")], 0)


@pytest.mark.parametrize(
    "tag", ["X-PER", "B-", "PER", "b-PER", "", "I_PER", "o", "-PER", "B-NEW YORK", "B- X"]
)
def test_tags_to_spans_rejects_malformed_tags(tag):
    with pytest.raises(ValueError) as info:
        tags_to_spans(["O", tag])
    assert str(info.value) == f"malformed tag {tag!r}"


def test_spans_to_tags():
    spans = [Span(3, 4, "LOC"), Span(0, 2, "PER"), Span(4, 6, "LOC")]
    assert spans_to_tags(spans, 7) == ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "O"]
    assert spans_to_tags([], 2) == ["O", "O"]


def test_spans_to_tags_rejects_overlap_and_out_of_range():
    with pytest.raises(ValueError) as info:
        spans_to_tags([Span(0, 2, "PER"), Span(1, 3, "LOC")], 4)
    assert str(info.value) == (
        "span 1-3 (LOC) overlaps another span: IOB tags cannot express overlapping entities"
    )
    with pytest.raises(ValueError) as info:
        spans_to_tags([Span(2, 5, "PER")], 4)
    assert str(info.value) == "span 2-5 (PER) is out of range or empty in a sentence of 4 words"
    with pytest.raises(ValueError):
        spans_to_tags([Span(2, 2, "PER")], 4)


@st.composite
def sentences_with_spans(draw):
    n = draw(st.integers(0, 12))
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=8, unique=True)))
    spans = []
    for start, end in zip(cuts[::2], cuts[1::2], strict=False):
        if start < end:
            spans.append(Span(start, end, draw(st.sampled_from(["PER", "LOC", "B-X"]))))
    return n, spans


@given(sentences_with_spans())
def test_spans_tags_round_trip(case):
    n, spans = case
    assert tags_to_spans(spans_to_tags(spans, n)) == (spans, 0)


# --- column files ------------------------------------------------------------------------


def test_read_columns_conll2003_style(tmp_path):
    path = write_bytes(
        tmp_path,
        "a.txt",
        "-DOCSTART- -X- -X- O\r\n\r\n"
        "EU NNP B-NP B-ORG\r\nrejects VBZ B-VP O\r\nGerman JJ B-NP B-MISC\r\n\r\n"
        "Peter NNP B-NP B-PER\r\nBlackburn NNP I-NP I-PER\r\n\r\n"
        "-DOCSTART- -X- -X- O\r\n\r\n"
        "BRUSSELS NNP B-NP B-LOC\r\n\r\n\r\n",
    )
    report = ReadReport()
    assert read_columns(path, report=report) == [
        Sentence(["EU", "rejects", "German"], [Span(0, 1, "ORG"), Span(2, 3, "MISC")]),
        Sentence(["Peter", "Blackburn"], [Span(0, 2, "PER")]),
        Sentence(["BRUSSELS"], [Span(0, 1, "LOC")]),
    ]
    assert report.to_dict() == {
        "sentences": 3,
        "tokens": 6,
        "entities": 4,
        "repaired_entities": 0,
        "docstarts_skipped": 2,
        "prefixes_stripped": 0,
        "empty_sentences": 0,
    }


def test_read_columns_tabs_bom_no_final_newline(tmp_path):
    # A tab line is split on tabs only, and the token's surrounding spaces are dropped.
    path = write_bytes(tmp_path, "a.tsv", "\ufeff New \tB-LOC\nis\tO\n\n\nbig\tI-MISC")
    report = ReadReport()
    assert read_columns(path, report=report) == [
        Sentence(["New", "is"], [Span(0, 1, "LOC")]),
        Sentence(["big"], [Span(0, 1, "MISC")]),
    ]
    assert (report.sentences, report.tokens, report.entities, report.repaired_entities) == (
        2,
        3,
        2,
        1,
    )


def test_read_columns_whitespace_only_line_ends_sentence(tmp_path):
    path = write_bytes(tmp_path, "a.iob", "a O\n  \t \nb B-PER\n")
    assert read_columns(path) == [Sentence(["a"]), Sentence(["b"], [Span(0, 1, "PER")])]


def test_read_columns_docstart_without_blank_line_ends_sentence(tmp_path):
    # A -DOCSTART- right after a sentence, or right before one, is unambiguous.
    path = write_bytes(tmp_path, "a.iob", "a O\n-DOCSTART- O\n\nb O\n-DOCSTART- O\n")
    assert [s.words for s in read_columns(path)] == [["a"], ["b"]]
    path = write_bytes(tmp_path, "b.iob", "a O\n\n-DOCSTART- O\nb O\n")
    assert [s.words for s in read_columns(path)] == [["a"], ["b"]]


def test_read_columns_strips_wikiann_prefix(tmp_path):
    path = write_bytes(
        tmp_path, "test", "eu:Bilbo\tB-LOC\neu:eu:\tO\n\neu:``\tO\neu:Athletic\tB-ORG\n"
    )
    report = ReadReport()
    assert read_columns(path, report=report) == [
        Sentence(["Bilbo", "eu:"], [Span(0, 1, "LOC")]),
        Sentence(["``", "Athletic"], [Span(1, 2, "ORG")]),
    ]
    assert report.prefixes_stripped == 4
    kept = read_columns(path, strip_lang_prefix=False)
    assert kept[0].words == ["eu:Bilbo", "eu:eu:"]


def test_read_columns_prefix_detection_needs_most_tokens(tmp_path):
    # One prefixed-looking token in three is not a WikiANN file.
    path = write_bytes(tmp_path, "a.tsv", "Ratio\tO\nes:1\tO\nde:\tO\n")
    report = ReadReport()
    assert read_columns(path, report=report)[0].words == ["Ratio", "es:1", "de:"]
    assert report.prefixes_stripped == 0
    # Forced: a prefix is stripped wherever it is, but a bare "de:" stays.
    assert read_columns(path, strip_lang_prefix=True)[0].words == ["Ratio", "1", "de:"]


def test_read_columns_one_column_error(tmp_path):
    path = write_bytes(tmp_path, "bad.conll", "EU B-ORG\nrejects O\n\nBilbo\n")
    with pytest.raises(DataFormatError) as info:
        read_columns(path)
    assert str(info.value) == (
        f"{path}, line 4: expected a token and a tag separated by a tab or spaces, "
        f"found 'Bilbo'. {COLUMN_HINT}"
    )
    assert (info.value.path, info.value.line) == (str(path), 4)


def test_read_columns_empty_token_error(tmp_path):
    path = write_bytes(tmp_path, "bad.tsv", "a\tO\n\tO\n")
    with pytest.raises(DataFormatError) as info:
        read_columns(path)
    assert str(info.value) == (
        f"{path}, line 2: expected a token and a tag separated by a tab or spaces, "
        f"found '\\tO'. {COLUMN_HINT}"
    )


def test_read_columns_bad_tag_error(tmp_path):
    path = write_bytes(tmp_path, "bad.conll", "-DOCSTART- O\n\nEU NNP B-ORG\nrejects VBZ X-PER\n")
    with pytest.raises(DataFormatError) as info:
        read_columns(path)
    assert str(info.value) == f"{path}, line 4: malformed tag 'X-PER'. {TAG_HINT}"


def test_read_columns_bad_tag_seen_after_valid_ones(tmp_path):
    # The fast path for known tags must not let a new bad tag through.
    path = write_bytes(tmp_path, "bad.conll", "a O\nb B-PER\n\nc O\nd B-\n")
    with pytest.raises(DataFormatError) as info:
        read_columns(path)
    assert str(info.value) == f"{path}, line 5: malformed tag 'B-'. {TAG_HINT}"


def test_read_columns_invalid_utf8_names_line(tmp_path):
    path = write_bytes(tmp_path, "latin1.conll", b"Bilbo O\n\nDonostia\xe9 O\n")
    with pytest.raises(DataFormatError) as info:
        read_columns(path)
    assert str(info.value) == (
        f"{path}, line 3: is not valid UTF-8 (invalid continuation byte). "
        "Convert the file to UTF-8, e.g. with `iconv -f latin1 -t utf-8`."
    )


def test_lone_cr_in_an_lf_file_does_not_split_lines(tmp_path):
    # In a file with LF line endings a stray CR or U+2028 is inside a line, so line i
    # of a text file stays sentence i of its parallel files.
    path = write_bytes(tmp_path, "a.txt", "a\u2028b\nc\rd\n\ne\n")
    assert [s.words for s in read_text(path)] == [["a", "b"], ["c", "d"], [], ["e"]]
    # In a column file such a token has whitespace: refused, with the right line.
    path = write_bytes(tmp_path, "a.tsv", "x\tO\n\nc\rd\tO\n")
    with pytest.raises(DataFormatError) as info:
        read_columns(path)
    assert info.value.line == 3


def test_read_columns_missing_file(tmp_path):
    path = tmp_path / "nope.conll"
    with pytest.raises(DataFileNotFoundError) as info:
        read_columns(path)
    assert isinstance(info.value, FileNotFoundError)
    assert isinstance(info.value, DataFormatError)
    assert str(info.value) == f"{path}: file not found. Check the path and the working directory."


def test_iter_columns_streams(tmp_path):
    path = write_bytes(tmp_path, "a.conll", "a O\n\nb O\n\nc X-BAD\n")
    sentences = iter_columns(path)
    assert next(sentences).words == ["a"]
    assert next(sentences).words == ["b"]
    with pytest.raises(DataFormatError):
        next(sentences)


def test_write_columns_round_trip(tmp_path):
    sentences = [
        Sentence(
            ["Peter", "Blackburn", "in", "New", "York"], [Span(0, 2, "PER"), Span(3, 5, "LOC")]
        ),
        Sentence(["Ça", "va", "."], []),
        Sentence(["Bilbo"], [Span(0, 1, "LOC")]),
    ]
    path = tmp_path / "out.conll"
    write_columns(path, sentences)
    assert path.read_text(encoding="utf-8") == (
        "Peter\tB-PER\nBlackburn\tI-PER\nin\tO\nNew\tB-LOC\nYork\tI-LOC\n\n"
        "Ça\tO\nva\tO\n.\tO\n\n"
        "Bilbo\tB-LOC\n\n"
    )
    assert read_columns(path) == sentences


@pytest.mark.parametrize(
    "word", ["New York", "", "a\tb", "-DOCSTART-", "-EMPTY-", "x\u00a0y", "a\rb"]
)
def test_write_columns_rejects_words_that_cannot_round_trip(tmp_path, word):
    path = tmp_path / "out.conll"
    with pytest.raises(ValueError) as info:
        write_columns(path, [Sentence(["ok"]), Sentence(["a", word])])
    assert str(info.value) == (
        f"sentence 1 has the word {word!r}, which cannot be written to a column file "
        f"({path}): words must be non-empty, contain no whitespace and not be "
        "'-DOCSTART-' or '-EMPTY-'. Re-tokenise the sentence or replace the word."
    )
    # Nothing is left behind: no partial output, no temporary file.
    assert list(tmp_path.iterdir()) == []


def test_write_columns_empty_sentence_round_trips_and_overlap_fails(tmp_path):
    path = tmp_path / "out.conll"
    sentences = [Sentence([]), Sentence(["a"], [Span(0, 1, "X")]), Sentence([]), Sentence([])]
    write_columns(path, sentences)
    assert path.read_text() == "-EMPTY-\tO\n\na\tB-X\n\n-EMPTY-\tO\n\n-EMPTY-\tO\n\n"
    report = ReadReport()
    assert read_columns(path, report=report) == sentences
    assert (report.sentences, report.empty_sentences, report.tokens) == (4, 3, 1)
    with pytest.raises(ValueError) as info:
        write_columns(path, [Sentence(["a", "b"], [Span(0, 2, "X"), Span(1, 2, "Y")])])
    assert str(info.value) == (
        f"sentence 0 cannot be written to {path}: span 1-2 (Y) overlaps another span: "
        "IOB tags cannot express overlapping entities."
    )
    with pytest.raises(ValueError):
        write_columns(path, [Sentence([], [Span(0, 1, "X")])])
    # The failed writes kept the earlier file.
    assert read_columns(path) == sentences


# --- text files --------------------------------------------------------------------------


def test_read_text_keeps_empty_lines(tmp_path):
    path = write_bytes(tmp_path, "a.txt", "\ufeffHello  world !\r\n\r\n  Bilbo\tdago \nlast")
    assert read_text(path) == [
        Sentence(["Hello", "world", "!"]),
        Sentence([]),
        Sentence(["Bilbo", "dago"]),
        Sentence(["last"]),
    ]


def test_text_round_trip(tmp_path):
    path = tmp_path / "a.txt"
    write_text(path, [Sentence(["Hola", "mundo"]), [], ["Adiós", "."]])
    assert path.read_text(encoding="utf-8") == "Hola mundo\n\nAdiós .\n"
    assert [s.words for s in read_text(path)] == [["Hola", "mundo"], [], ["Adiós", "."]]


def test_write_text_errors(tmp_path):
    path = tmp_path / "a.txt"
    with pytest.raises(ValueError) as info:
        write_text(path, [["a", "b c"]])
    assert str(info.value) == (
        f"sentence 0 has the word 'b c', which cannot be written to a text file ({path}): "
        "words must be non-empty and contain no whitespace. Re-tokenise the sentence or "
        "replace the word."
    )
    with pytest.raises(TypeError):
        write_text(path, ["a sentence as a string"])


# --- Pharaoh alignments ------------------------------------------------------------------


def test_parse_links_sorts_and_deduplicates():
    assert parse_links("0-0 2-1 1-0 2-1\n") == [(0, 0), (1, 0), (2, 1)]
    assert parse_links("") == []
    assert parse_links("  ") == []
    assert parse_links("10-12") == [(10, 12)]


@pytest.mark.parametrize("item", ["0-0-0.5", "a-b", "1:2", "-1-2", "3-", "3", "1-٣"])
def test_parse_links_rejects_bad_items(item):
    with pytest.raises(ValueError) as info:
        parse_links(f"0-0 {item}")
    assert str(info.value) == f"malformed link {item!r}: expected 'i-j' with two word indices"


def test_read_pharaoh_error_names_line(tmp_path):
    path = write_bytes(tmp_path, "a.align", "0-0 1-1\n\n2-x\n")
    with pytest.raises(DataFormatError) as info:
        read_pharaoh(path)
    assert str(info.value) == (
        f"{path}, line 3: malformed link '2-x': expected 'i-j' with two word indices. "
        "Pharaoh lines hold space-separated 'i-j' pairs of 0-based word indices, "
        "source index first (e.g. '0-0 2-1')."
    )


def test_pharaoh_round_trip(tmp_path):
    alignments = [[(0, 0), (2, 1)], [], [(1, 3), (0, 0), (1, 3)]]
    path = tmp_path / "a.align"
    write_pharaoh(path, alignments)
    assert path.read_text() == "0-0 2-1\n\n0-0 1-3\n"
    assert read_pharaoh(path) == [[(0, 0), (2, 1)], [], [(0, 0), (1, 3)]]
    assert format_links([(3, 1), (0, 2)]) == "0-2 3-1"
    with pytest.raises(ValueError):
        format_links([(-1, 0)])


def test_check_links():
    check_links([(0, 0), (3, 5)], 4, 6)
    with pytest.raises(DataFormatError) as info:
        check_links([(0, 0), (5, 3)], 4, 6, path="x.align", line=7)
    assert str(info.value) == (
        "x.align, line 7: link 5-3 is out of range: the source sentence has 4 words and "
        "the target 6. Check that the alignment file matches the source and target files "
        "line by line (source index first)."
    )
    with pytest.raises(DataFormatError) as info:
        check_links([(0, 6)], 4, 6)
    assert str(info.value).startswith("<alignment>: link 0-6 is out of range")


# --- DocBin ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vocab():
    # A blank vocab, not spacy.blank(): building a Language loads every spaCy plugin.
    return blank_vocab("xx")


def test_sentence_to_doc_and_back(vocab):
    sentence = Sentence(
        ["Peter", "lives", "in", "New", "York"], [Span(3, 5, "LOC"), Span(0, 1, "PER")]
    )
    doc = sentence_to_doc(vocab, sentence)
    assert doc.text == "Peter lives in New York"
    assert [(e.text, e.label_) for e in doc.ents] == [("Peter", "PER"), ("New York", "LOC")]
    # Words outside the entities are known to be outside ("O"), not missing.
    assert [t.ent_iob_ for t in doc] == ["B", "O", "O", "B", "I"]
    assert doc_to_sentence(doc) == Sentence(sentence.words, sorted(sentence.spans))
    assert sentence_to_doc(vocab, Sentence([])).text == ""


def test_sentence_to_doc_rejects_overlap(vocab):
    with pytest.raises(ValueError):
        sentence_to_doc(vocab, Sentence(["a", "b"], [Span(0, 2, "X"), Span(1, 2, "Y")]))


def test_docbin_round_trip(tmp_path):
    sentences = [
        Sentence(["Peter", "Blackburn"], [Span(0, 2, "PER")]),
        Sentence([]),
        Sentence(["in", "Bilbo", "."], [Span(1, 2, "LOC")]),
    ]
    path = tmp_path / "a.spacy"
    write_docbin(path, sentences, lang="es")
    assert read_docbin(path) == sentences
    assert read_docbin(path, lang="en") == sentences


def test_docbin_multi_sentence_docs(tmp_path, vocab):
    words = ["Peter", "lives", ".", "He", "likes", "New", "York", "."]
    doc = Doc(vocab, words=words, sent_starts=[True, False, False, True] + [False] * 4)
    doc.set_ents(
        [spacy.tokens.Span(doc, 0, 1, label="PER"), spacy.tokens.Span(doc, 5, 7, label="LOC")]
    )
    plain = Doc(vocab, words=["Hola", "Ana"])
    plain.set_ents([spacy.tokens.Span(plain, 1, 2, label="PER")])
    path = tmp_path / "multi.spacy"
    DocBin(docs=[doc, plain]).to_disk(path)
    assert read_docbin(path) == [
        Sentence(["Peter", "lives", "."], [Span(0, 1, "PER")]),
        Sentence(["He", "likes", "New", "York", "."], [Span(2, 4, "LOC")]),
        Sentence(["Hola", "Ana"], [Span(1, 2, "PER")]),
    ]


def test_docbin_entity_across_sentences(tmp_path, vocab):
    doc = Doc(vocab, words=["a", "b", "c"], sent_starts=[True, True, False])
    doc.set_ents([spacy.tokens.Span(doc, 0, 2, label="ORG")])
    path = tmp_path / "cross.spacy"
    DocBin(docs=[doc]).to_disk(path)
    with pytest.raises(DataFormatError) as info:
        read_docbin(path)
    assert str(info.value) == (
        f"{path}: doc 0: the entity 'a b' (ORG, tokens 0-2) crosses a sentence boundary. "
        "Fix the sentence boundaries or the entity so that each entity lies inside one "
        "sentence."
    )


def test_read_docbin_unreadable(tmp_path):
    path = write_bytes(tmp_path, "bad.spacy", "EU B-ORG\n")
    with pytest.raises(DataFormatError) as info:
        read_docbin(path)
    message = str(info.value)
    assert message.startswith(f"{path}: could not be read as a spaCy DocBin (")
    assert message.endswith(
        "Check that it is a .spacy file made by DocBin.to_disk or `spacy convert`."
    )
    with pytest.raises(DataFileNotFoundError):
        read_docbin(tmp_path / "missing.spacy")


# --- format detection and dispatch -------------------------------------------------------


@pytest.mark.parametrize(
    "name,expected",
    [
        ("x.spacy", "spacy"),
        ("x.conll", "columns"),
        ("x.CONLL02", "columns"),
        ("x.conll03", "columns"),
        ("x.iob", "columns"),
        ("x.iob2", "columns"),
        ("x.bio", "columns"),
        ("x.tsv", "columns"),
    ],
)
def test_detect_format_by_extension(tmp_path, name, expected):
    # The extension decides without reading: the files do not exist.
    assert detect_format(tmp_path / name) == expected


@pytest.mark.parametrize(
    "content,expected",
    [
        ("-DOCSTART- -X- O\n\nEU B-ORG\n", "columns"),
        ("EU NNP B-ORG\nrejects VBZ O\n", "columns"),
        ("eu:Bilbo\tB-LOC\neu:dago\tO\n\neu:x\tU-PER\n", "columns"),
        # A blank line between mostly tagged lines: a column file with one bad line.
        ("EU B-ORG\nrejects O\n\nBilbo\n", "columns"),
        ("The cat sat .\nBilbo dago .\n", "text"),
        # A text file may have empty lines (empty sentences).
        ("The cat sat .\n\nBilbo is big .\n", "text"),
        ("I O\n", "columns"),
        ("O\n", "text"),
        ("", "text"),
    ],
)
def test_detect_format_by_content(tmp_path, content, expected):
    assert detect_format(write_bytes(tmp_path, "data.txt", content)) == expected


def test_detect_format_only_reads_the_head(tmp_path):
    lines = "a O\n" * 60 + "a sentence of text\n"
    assert detect_format(write_bytes(tmp_path, "data", lines)) == "columns"


def test_read_sentences_dispatch_and_report(tmp_path):
    columns = write_bytes(tmp_path, "train", "EU B-ORG\nrejects O\n\nBilbo I-LOC\n")
    text = write_bytes(tmp_path, "src.txt", "EU rejects\n\nBilbo\n")
    report = ReadReport()
    assert read_sentences(columns, report=report) == [
        Sentence(["EU", "rejects"], [Span(0, 1, "ORG")]),
        Sentence(["Bilbo"], [Span(0, 1, "LOC")]),
    ]
    assert read_sentences(text, report=report) == [
        Sentence(["EU", "rejects"]),
        Sentence([]),
        Sentence(["Bilbo"]),
    ]
    # Forcing "text" reads the tags as words.
    assert read_sentences(columns, "text")[0].words == ["EU", "B-ORG"]
    assert report.to_dict() == {
        "sentences": 5,
        "tokens": 6,
        "entities": 2,
        "repaired_entities": 1,
        "docstarts_skipped": 0,
        "prefixes_stripped": 0,
        "empty_sentences": 0,
    }


def test_read_sentences_errors(tmp_path):
    with pytest.raises(ValueError) as info:
        read_sentences(write_bytes(tmp_path, "a.txt", "a\n"), "json")
    assert str(info.value) == (
        f"unknown format 'json' for {tmp_path / 'a.txt'}: use one of columns, text, spacy "
        "(or None to detect it)."
    )
    missing = tmp_path / "missing.txt"
    with pytest.raises(FileNotFoundError) as info:
        read_sentences(missing)
    assert (
        str(info.value) == f"{missing}: file not found. Check the path and the working directory."
    )
    with pytest.raises(DataFileNotFoundError):
        list(iter_sentences(tmp_path / "missing.spacy"))


def test_write_sentences_by_extension_and_format(tmp_path):
    sentences = [Sentence(["Peter", "Blackburn"], [Span(0, 2, "PER")]), Sentence(["Hola"])]
    spacy_path = tmp_path / "deep" / "er" / "a.spacy"
    write_sentences(spacy_path, sentences, "es")
    assert detect_format(spacy_path) == "spacy"
    assert read_sentences(spacy_path) == sentences

    conll_path = tmp_path / "new" / "a.txt"
    write_sentences(conll_path, sentences)
    assert conll_path.read_text() == "Peter\tB-PER\nBlackburn\tI-PER\n\nHola\tO\n\n"
    assert detect_format(conll_path) == "columns"
    assert read_sentences(conll_path) == sentences

    text_path = tmp_path / "b.txt"
    write_sentences(text_path, sentences, format="text")
    assert text_path.read_text() == "Peter Blackburn\nHola\n"
    assert read_sentences(text_path) == [Sentence(["Peter", "Blackburn"]), Sentence(["Hola"])]


def test_importing_io_is_light():
    # The readers are used by light tools (scripts, the CLI): no torch at import.
    code = "import sys, spacy_xlproj.io; print('torch' in sys.modules, 'spacy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_docbin_for_a_language_spacy_lacks_uses_multilanguage_rules(tmp_path):
    # Esperanto has no spaCy class: writing its projected corpus must not fail at the end
    # of a long translate-train run.
    from spacy_xlproj.io.docbin import spacy_lang

    assert spacy_lang("eo") == "xx"
    assert spacy_lang("es") == "es"
    path = tmp_path / "eo.spacy"
    sentence = Sentence(["Zamenhof", "loĝis", "en", "Varsovio", "."], [Span(0, 1, "PER")])
    write_sentences(path, [sentence], lang="eo")
    assert read_sentences(path, lang="eo") == [sentence]
