"""Marker projection: marking, reading markers back, label assignment, fallback, Apertium."""

from __future__ import annotations

import shutil

import pytest

from spacy_xlproj.align.lexical import LexicalAligner
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.project.markers import (
    MarkerStats,
    MarkerStatus,
    assign_labels,
    mark,
    read_marked,
    read_translation,
    span_similarity,
)
from spacy_xlproj.tokenize import Tokenizer, tokenize_marked
from spacy_xlproj.transfer import translate_train
from spacy_xlproj.types import DropReason, ProjectedSpan, Sentence, Span

HAS_APERTIUM = shutil.which("apertium") is not None


class DictTranslator:
    """Translates by looking the text up: lets a test decide what the 'MT system' breaks."""

    name = "dict"
    src_lang = "en"
    tgt_lang = "es"

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def translate(self, texts):
        return [self.table[t] for t in texts]


def test_mark_wraps_entities_and_replaces_marker_characters():
    words = ["John", "Smith", "saw", "[sic]", "Madrid", "."]
    spans = [Span(0, 2, "PER"), Span(4, 5, "LOC")]
    assert mark(words, spans) == "[ John Smith ] saw (sic) [ Madrid ] ."
    assert mark(words, [], ("<<", ">>")) == "John Smith saw [sic] Madrid ."


def test_tokenize_marked_splits_glued_markers():
    tok = Tokenizer("es")
    assert tokenize_marked("[Juan] vive en [Madrid].", tok) == [
        "[",
        "Juan",
        "]",
        "vive",
        "en",
        "[",
        "Madrid",
        "]",
        ".",
    ]
    assert tokenize_marked("<<Juan>> vive", tok, ("<<", ">>")) == ["<<", "Juan", ">>", "vive"]


@pytest.mark.parametrize(
    "tokens,status,ranges",
    [
        ("[ a b ] c [ d ]", MarkerStatus.OK, [(0, 2), (3, 4)]),
        ("a b c", MarkerStatus.LOST, []),
        ("[ a b c", MarkerStatus.UNBALANCED, []),
        ("a ] b", MarkerStatus.UNBALANCED, []),
        ("[ a [ b ] ]", MarkerStatus.NESTED, []),
        ("a [ ] b", MarkerStatus.EMPTY, []),
    ],
)
def test_read_marked_statuses(tokens, status, ranges):
    words, found, got = read_marked(tokens.split())
    assert got == status
    assert found == ranges
    assert words == [t for t in tokens.split() if t not in "[]"]


def test_assign_labels_in_order_and_reordered():
    src = ["Madrid", "welcomed", "John", "Smith"]
    spans = [Span(0, 1, "LOC"), Span(2, 4, "PER")]
    # The translation put the person first: similarity beats the order.
    tgt = ["John", "Smith", "fue", "recibido", "en", "Madrid"]
    placed, lost = assign_labels(src, spans, tgt, [(0, 2), (5, 6)])
    assert [(s.start, s.end, s.label, s.source) for s in placed] == [
        (0, 2, "PER", 1),
        (5, 6, "LOC", 0),
    ]
    assert lost == []
    # Same order, translated names (low similarity): labels go in order.
    src2 = ["Germany", "and", "Spain"]
    spans2 = [Span(0, 1, "LOC"), Span(2, 3, "ORG")]
    placed2, _ = assign_labels(src2, spans2, ["Alemania", "y", "España"], [(0, 1), (2, 3)])
    assert [(s.label, s.source) for s in placed2] == [("LOC", 0), ("ORG", 1)]


def test_assign_labels_wrong_count_matches_by_similarity():
    src = ["Peter", "Smith", "met", "Angela", "Merkel", "in", "Berlin"]
    spans = [Span(0, 2, "PER"), Span(3, 5, "PER"), Span(6, 7, "LOC")]
    tgt = ["Peter", "Smith", "conoció", "a", "Angela", "Merkel", "en", "Berlín"]
    placed, lost = assign_labels(src, spans, tgt, [(4, 6), (7, 8)])
    assert [(s.start, s.end, s.label, s.source) for s in placed] == [
        (4, 6, "PER", 1),
        (7, 8, "LOC", 2),
    ]
    assert lost == [0]


def test_span_similarity_folds_case_and_accents():
    assert span_similarity("Berlin", "Berlín") == 1.0
    assert span_similarity("the European Union", "la Unión Europea") >= 2 / 3
    assert span_similarity("Germany", "") == 0.0


def test_read_translation_wrong_count():
    src = ["John", "met", "Mary", "in", "Rome", "."]
    spans = [Span(0, 1, "PER"), Span(2, 3, "PER"), Span(4, 5, "LOC")]
    marked = read_translation(src, spans, "[John] conoció a Mary en [Roma].", Tokenizer("es"))
    assert marked.status == MarkerStatus.WRONG_COUNT
    assert marked.words == ["John", "conoció", "a", "Mary", "en", "Roma", "."]
    assert marked.spans == [ProjectedSpan(0, 1, "PER", 0, 1.0), ProjectedSpan(5, 6, "LOC", 2, 0.75)]
    assert marked.lost == [1]


def _broken_translator():
    return DictTranslator(
        {
            # The opening bracket of the first entity is lost.
            "[ John Smith ] lives in [ Madrid ] .": "John Smith] vive en [Madrid].",
            # Both brackets of the organisation are lost.
            "[ Anna ] works for [ Google ] .": "[Anna] trabaja para Google.",
            "It rained .": "Llovió.",
        }
    )


SENTENCES = [
    Sentence(
        ["John", "Smith", "lives", "in", "Madrid", "."], [Span(0, 2, "PER"), Span(4, 5, "LOC")]
    ),
    Sentence(["Anna", "works", "for", "Google", "."], [Span(0, 1, "PER"), Span(3, 4, "ORG")]),
    Sentence(["It", "rained", "."], []),
]


def test_marker_loss_falls_back_to_alignment():
    stats = MarkerStats()
    out, projection_stats = translate_train(
        SENTENCES,
        translator=_broken_translator(),
        aligner=LexicalAligner(),
        projector="markers",
        tgt_lang="es",
        progress=False,
        marker_stats=stats,
    )
    assert [s.words for s in out] == [
        ["John", "Smith", "vive", "en", "Madrid", "."],
        ["Anna", "trabaja", "para", "Google", "."],
        ["Llovió", "."],
    ]
    assert out[0].spans == [Span(0, 2, "PER"), Span(4, 5, "LOC")]
    assert out[1].spans == [Span(0, 1, "PER"), Span(3, 4, "ORG")]
    assert out[2].spans == []
    assert stats.to_dict() == {
        "sentences": {"no_entities": 1, "unbalanced": 1, "wrong_count": 1},
        "sentences_broken": 1,
        "sentences_wrong_count": 1,
        "entities_by_markers": 1,
        "entities_by_fallback": 3,
        "entities_lost": 0,
    }
    assert projection_stats.projected == 4
    assert dict(projection_stats.dropped) == {}


def test_marker_loss_without_fallback_is_reported():
    stats = MarkerStats()
    out, projection_stats = translate_train(
        SENTENCES,
        translator=_broken_translator(),
        aligner=None,
        projector="markers",
        tgt_lang="es",
        progress=False,
        marker_stats=stats,
    )
    assert out[0].spans == []
    assert out[1].spans == [Span(0, 1, "PER")]
    assert dict(projection_stats.dropped) == {DropReason.MARKERS_LOST: 3}
    assert stats.lost == 3


@pytest.mark.apertium
@pytest.mark.skipif(not HAS_APERTIUM, reason="apertium is not installed")
def test_markers_with_apertium():
    from spacy_xlproj.translate.apertium import ApertiumTranslator

    sentences = [
        Sentence(
            ["John", "Smith", "visited", "Madrid", "with", "the", "European", "Union", "."],
            [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(5, 8, "ORG")],
        ),
        Sentence(
            ["The", "bank", "of", "Scotland", "opened", "an", "office", "in", "London", "."],
            [Span(1, 4, "ORG"), Span(8, 9, "LOC")],
        ),
    ]
    stats = MarkerStats()
    out, _ = translate_train(
        sentences,
        translator=ApertiumTranslator("en", "es"),
        aligner=LexicalAligner(),
        projector="markers",
        tgt_lang="es",
        progress=False,
        marker_stats=stats,
    )
    assert out[0].words[:2] == ["John", "Smith"]
    assert out[0].words[3:] == ["Madrid", "con", "la", "Unión", "europea", "."]
    assert out[0].spans == [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(5, 8, "ORG")]
    assert out[1].words == [
        "El",
        "banco",
        "de",
        "Escocia",
        "abrió",
        "una",
        "oficina",
        "en",
        "Londres",
        ".",
    ]
    assert out[1].spans == [Span(1, 4, "ORG"), Span(8, 9, "LOC")]
    assert stats.sentences == {MarkerStatus.OK: 2}


def test_heuristic_fallback_projector_is_used_by_default():
    # Without an explicit fallback projector, an aligner brings HeuristicProjector.
    out, _ = translate_train(
        SENTENCES[:1],
        translator=_broken_translator(),
        aligner=LexicalAligner(),
        projector="markers",
        fallback_projector=HeuristicProjector(length_ratio=None),
        tgt_lang="es",
        progress=False,
    )
    assert out[0].spans == [Span(0, 2, "PER"), Span(4, 5, "LOC")]


def test_tokenizer_modes_and_unknown_language():
    assert Tokenizer("es")("¿Dónde está Madrid?") == ["¿", "Dónde", "está", "Madrid", "?"]
    assert Tokenizer("es", mode="whitespace")("¿Dónde está  Madrid?") == [
        "¿Dónde",
        "está",
        "Madrid?",
    ]
    # spaCy has no "qq" language: the multi-language rules are used.
    assert Tokenizer("qq")("Kwa heri, Nairobi.") == ["Kwa", "heri", ",", "Nairobi", "."]
    with pytest.raises(ValueError, match="Unknown tokenizer mode 'nltk'"):
        Tokenizer("es", mode="nltk")
