"""Every public data set under ``shared_data`` loads, with the counts its README states."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from spacy_xlproj.errors import DataFormatError
from spacy_xlproj.io import (
    ReadReport,
    check_alignments,
    check_direction,
    check_links,
    detect_format,
    iter_columns,
    iter_sentences,
    read_columns,
    read_pharaoh,
    swap_links,
    write_columns,
)
from spacy_xlproj.types import Sentence

WIKIANN = [
    f"wikiann/{lang}/{split}"
    for lang in ("eo", "es", "eu", "is", "mk")
    for split in ("train", "dev", "test")
]
MASAKHANER = [
    f"masakhaner2/{lang}/{split}.txt"
    for lang in ("hau", "swa", "yor")
    for split in ("train", "dev", "test")
]
COLUMN_FILES = [
    "conll2003/train.txt",
    "conll2003/dev.txt",
    "conll2003/test.txt",
    "conll2002/esp.train",
    "conll2002/esp.testa",
    "europarl_ner/en-europarl.test.conll02",
    "europarl_ner/es-europarl.test.conll02",
    *WIKIANN,
    *MASAKHANER,
]
ALIGNMENTS = [
    f"alignments/europarl.en-es.{name}.txt"
    for name in (
        "eflomal-fwd",
        "eflomal-gdfa",
        "eflomal-inter",
        "eflomal-rev",
        "simalign-L3-argmax",
        "simalign-L3-itermax",
        "simalign-L4-argmax",
        "simalign-L4-itermax",
    )
]

PREFIXED = re.compile(r"^[a-z]{2,3}:.")

# (sentences, entities, repaired entities) as the data README states them; None: not stated.
STATED = {
    "conll2003/train.txt": (14041, 23499, None),
    "conll2003/dev.txt": (3250, 5942, None),
    "conll2003/test.txt": (3453, 5648, None),
    # "CoNLL-2002 Spanish has one sentence-initial I- tag per file".
    "conll2002/esp.train": (8323, None, 1),
    "conll2002/esp.testa": (1915, None, 1),
    "europarl_ner/en-europarl.test.conll02": (799, 702, None),
    "europarl_ner/es-europarl.test.conll02": (799, 697, None),
    "wikiann/es/train": (20000, None, None),
    "wikiann/es/dev": (10000, None, None),
    "wikiann/es/test": (10000, None, None),
    "masakhaner2/hau/train.txt": (5716, None, None),
    "masakhaner2/hau/dev.txt": (816, None, None),
    "masakhaner2/hau/test.txt": (1633, None, None),
}


@dataclass
class Summary:
    """What one streaming pass over a file found (files are big: keep no sentences)."""

    report: ReadReport
    n_sentences: int = 0
    n_tokens: int = 0
    n_entities: int = 0
    bad_sentences: int = 0  # empty, a bad word, or spans out of order or range
    prefixed_words: int = 0  # words that still look like "eu:Bilbo"
    first_words: list[str] = field(default_factory=list)


@cache
def summarise(path: Path) -> Summary:
    """Read a file once per test session and check every sentence on the way."""
    summary = Summary(ReadReport())
    for sentence in iter_sentences(path, report=summary.report):
        if not summary.first_words:
            summary.first_words = sentence.words
        summary.n_sentences += 1
        summary.n_tokens += len(sentence.words)
        summary.n_entities += len(sentence.spans)
        summary.prefixed_words += sum(1 for w in sentence.words if PREFIXED.match(w))
        end = 0
        ok = bool(sentence.words) and all(w and not w.isspace() for w in sentence.words)
        for span in sentence.spans:
            ok = ok and end <= span.start < span.end <= len(sentence.words)
            end = span.end
        summary.bad_sentences += not ok
    return summary


@cache
def europarl(shared_data: Path, side: str) -> list[Sentence]:
    return read_columns(shared_data / f"europarl_ner/{side}-europarl.test.conll02")


@pytest.mark.slow  # reads every data set whole
@pytest.mark.parametrize("name", COLUMN_FILES)
def test_data_file_loads(shared_data, name):
    path = shared_data / name
    assert detect_format(path) == "columns"
    summary = summarise(path)
    report = summary.report
    assert report.sentences == summary.n_sentences > 0
    assert report.tokens == summary.n_tokens
    assert report.entities == summary.n_entities
    assert summary.bad_sentences == 0
    # Only CoNLL-2003 has document separators.
    assert (report.docstarts_skipped > 0) == name.startswith("conll2003/")


@pytest.mark.slow  # reads every data set whole
@pytest.mark.parametrize("name", sorted(STATED))
def test_data_file_counts_match_readme(shared_data, name):
    n_sentences, n_entities, n_repaired = STATED[name]
    report = summarise(shared_data / name).report
    assert report.sentences == n_sentences
    if n_entities is not None:
        assert report.entities == n_entities
    if n_repaired is not None:
        assert report.repaired_entities == n_repaired


@pytest.mark.parametrize("name", [n for n in WIKIANN if not n.startswith("wikiann/es/")])
def test_wikiann_language_prefixes_are_stripped(shared_data, name):
    lang = name.split("/")[1]
    summary = summarise(shared_data / name)
    assert summary.report.prefixes_stripped == summary.report.tokens
    assert summary.prefixed_words == 0
    # Reading without stripping keeps the raw tokens.
    raw = next(iter_columns(shared_data / name, strip_lang_prefix=False))
    assert raw.words == [f"{lang}:{word}" for word in summary.first_words]


def test_wikiann_es_has_no_prefixes(shared_data):
    assert summarise(shared_data / "wikiann/es/test").report.prefixes_stripped == 0


def test_europarl_sides_are_parallel(shared_data):
    en, es = europarl(shared_data, "en"), europarl(shared_data, "es")
    assert len(en) == len(es) == 799
    assert all(s.words for s in en) and all(s.words for s in es)


@pytest.mark.parametrize("name", ["europarl_ner/es-europarl.test.conll02", "conll2002/esp.testa"])
def test_column_round_trip_on_real_data(shared_data, tmp_path, name):
    sentences = read_columns(shared_data / name)
    out = tmp_path / "copy.conll"
    write_columns(out, sentences)
    assert read_columns(out) == sentences


@pytest.mark.parametrize("name", ALIGNMENTS)
def test_alignment_file_matches_europarl(shared_data, name):
    path = shared_data / name
    alignments = read_pharaoh(path)
    assert len(alignments) == 799
    en, es = europarl(shared_data, "en"), europarl(shared_data, "es")
    for lineno, (links, src, tgt) in enumerate(zip(alignments, en, es, strict=True), start=1):
        check_links(links, len(src.words), len(tgt.words), path=path, line=lineno)
    # An alignment that links nothing in the whole corpus would mean a broken file.
    assert sum(len(links) for links in alignments) > 799


@pytest.mark.parametrize("name", ALIGNMENTS)
def test_alignment_direction_check_on_europarl(shared_data, name):
    # No false alarm on any real source-first file, and each one swapped is caught,
    # from the words and from the lengths alone.
    alignments = read_pharaoh(shared_data / name)
    en = [s.words for s in europarl(shared_data, "en")]
    es = [s.words for s in europarl(shared_data, "es")]
    check_alignments(alignments, en, es, path=shared_data / name)
    swapped = [swap_links(links) for links in alignments]
    for src, tgt in ((en, es), ([len(w) for w in en], [len(w) for w in es])):
        with pytest.raises(DataFormatError) as info:
            check_direction(swapped, src, tgt, path=name)
        assert "the links look target first" in info.value.problem
