"""Marker projection: marking, reading markers back, label assignment, fallback, Apertium,
and the user's own brackets kept through translation (escaped, restored)."""

from __future__ import annotations

import re
import shutil

import pytest

from spacy_xlproj.align.lexical import LexicalAligner
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.project.markers import (
    Escape,
    MarkerStats,
    MarkerStatus,
    assign_labels,
    mark,
    mark_text,
    read_marked,
    read_translation,
    span_similarity,
    tokenize_marked,
    translate_marked,
    unmark,
)
from spacy_xlproj.tokenize import Tokenizer
from spacy_xlproj.transfer import project_sentences, translate_train
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
@pytest.mark.apertium
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


# --- The user's own brackets (issue 10, item 8) ---------------------------------------
# ``[[Reuters]] said`` with Reuters an ORG: the user's brackets are hidden behind
# placeholders while our markers go through the translator, then restored as words.

REUTERS = Sentence(["[", "[", "Reuters", "]", "]", "said", "."], [Span(2, 3, "ORG")])
REUTERS_TEXT = "[[Reuters]] said."
SIC = Sentence(["He", "said", "[", "sic", "]", "it", "."], [])
SIC_TEXT = "He said [sic] it."


class WordTranslator:
    """Word by word, like a rule-based system: known words translated, anything else kept.

    ``keep`` says which non-word characters survive (all by default); the others are
    dropped, as a translator that cannot represent them would.
    """

    name = "test:words"
    src_lang = "en"
    tgt_lang = "es"
    WORDS = {"said": "dijo", "He": "Él", "it": "lo", "met": "conoció", "in": "en"}

    def __init__(self, keep=lambda c: True) -> None:
        self.keep = keep
        self.texts: list[str] = []

    def translate(self, texts):
        self.texts.extend(texts)
        out = []
        for text in texts:
            text = "".join(c for c in text if c.isalnum() or c.isspace() or self.keep(c))
            out.append(re.sub(r"[A-Za-z]+", lambda m: self.WORDS.get(m.group(), m.group()), text))
        return out


def _project(sentences, translator, texts=None, aligner=None):
    return project_sentences(
        sentences,
        translator=translator,
        aligner=aligner,
        projector="markers",
        tokenizer=Tokenizer("es"),
        texts=texts,
    )


def test_escape_hides_and_restores_marker_characters():
    escape = Escape.choose(["[[Reuters]] said"], ("[", "]"))
    assert escape is not None
    hidden = escape.hide("[[Reuters]] said")
    assert "[" not in hidden and "]" not in hidden
    assert escape.restore(hidden) == "[[Reuters]] said"
    assert escape.intact(hidden, hidden.replace("said", "dijo"))
    assert not escape.intact(hidden, hidden[1:])  # a placeholder lost
    # Nothing to hide: no escape. A placeholder already in the text is not used.
    assert Escape.choose(["Reuters said"], ("[", "]")) is None
    used = "\U000f0000 [x]"
    escape = Escape.choose([used], ("[", "]"))
    assert "\U000f0000" not in escape.table.values()
    assert escape.restore(escape.hide(used)) == used
    # Multi-character markers: every character of them is hidden.
    escape = Escape.choose(["a > b"], ("<<", ">>"), "symbols")
    assert set(escape.table) == {"<", ">"}
    assert escape.hide("a > b") == "a } b"


def test_mark_and_mark_text_with_an_escape():
    escape = Escape.choose([REUTERS_TEXT, *REUTERS.words], ("[", "]"))
    o, c = escape.table["["], escape.table["]"]
    assert (
        mark(REUTERS.words, REUTERS.spans, escape=escape) == f"{o} {o} [ Reuters ] {c} {c} said ."
    )
    assert mark_text(REUTERS_TEXT, REUTERS, escape=escape) == f"{o}{o}[Reuters]{c}{c} said."
    # Without an escape, the old behaviour: words marked, the user's brackets replaced.
    assert mark_text(REUTERS_TEXT, REUTERS) == "( ( [ Reuters ] ) ) said ."


def test_tokenize_marked_and_unmark_restore_the_users_brackets():
    escape = Escape({"[": "{", "]": "}"})
    tokens = tokenize_marked("{{[Reuters]}} dijo.", Tokenizer("es"), escape=escape)
    assert tokens == ["[", "[", "[", "Reuters", "]", "]", "]", "dijo", "."]
    assert unmark("{{[Reuters]}} dijo.", escape=escape) == "[[Reuters]] dijo."
    assert unmark("Sierro [París] ayer.") == "Sierro París ayer."
    assert unmark("[ John ] vive en [Lima] [Quito].") == "John vive en Lima Quito."
    # Only our markers are read as markers: the restored brackets are words.
    marked = read_translation(
        REUTERS.words, REUTERS.spans, "{{[Reuters]}} dijo.", Tokenizer("es"), escape=escape
    )
    assert (marked.words, marked.status, marked.text) == (
        ["[", "[", "Reuters", "]", "]", "dijo", "."],
        MarkerStatus.OK,
        "[[Reuters]] dijo.",
    )
    assert marked.spans == [ProjectedSpan(2, 3, "ORG", 0, 1.0)]


@pytest.mark.parametrize("with_text", [True, False])
def test_users_brackets_survive_a_word_by_word_translator(with_text):
    texts = [REUTERS_TEXT, SIC_TEXT] if with_text else None
    reuters, sic = _project([REUTERS, SIC], WordTranslator(), texts)
    # The ORG is over Reuters, not over the brackets, which come back as words.
    assert reuters.words == ["[", "[", "Reuters", "]", "]", "dijo", "."]
    assert reuters.projection.target_spans() == [Span(2, 3, "ORG")]
    assert reuters.marker_status == MarkerStatus.OK
    assert sic.words == ["Él", "dijo", "[", "sic", "]", "lo", "."]
    assert sic.marker_status == MarkerStatus.NO_ENTITIES
    if with_text:
        assert (reuters.translation, sic.translation) == ("[[Reuters]] dijo.", "Él dijo [sic] lo.")
    else:
        assert (reuters.translation, sic.translation) == (
            "[ [ Reuters ] ] dijo .",
            "Él dijo [ sic ] lo .",
        )


def test_the_component_keeps_the_users_brackets_in_the_doc_text():
    import spacy

    from spacy_xlproj.pipes.translate_train_pipe import TranslateTrainComponent

    nlp = spacy.blank("en")
    component = TranslateTrainComponent(
        nlp.vocab,
        src_lang="en",
        tgt_lang="es",
        translator=WordTranslator(),
        aligner=None,
        projector="markers",
    )
    doc = nlp.make_doc(REUTERS_TEXT)
    assert [t.text for t in doc] == REUTERS.words
    doc.ents = [doc.char_span(2, 9, label="ORG")]
    target = component(doc)._.xlproj_translation
    assert target.text == "[[Reuters]] dijo."
    assert [(e.text, e.label_) for e in target.ents] == [("Reuters", "ORG")]


def test_lost_placeholders_are_tried_again_with_symbols():
    # The translator drops private-use characters (as Apertium does with the BMP ones):
    # the sentence is sent again with common symbols, which it keeps.
    translator = WordTranslator(keep=lambda c: not 0xE000 <= ord(c) <= 0x10FFFF)
    reuters, sic = _project([REUTERS, SIC], translator, [REUTERS_TEXT, SIC_TEXT])
    assert translator.texts == [
        "\U000f0000\U000f0000[Reuters]\U000f0001\U000f0001 said.",
        SIC_TEXT,
        "{{[Reuters]}} said.",
    ]
    assert reuters.translation == "[[Reuters]] dijo."
    assert reuters.projection.target_spans() == [Span(2, 3, "ORG")]
    assert sic.translation == "Él dijo [sic] lo."


def test_all_placeholders_lost_translates_unmarked_and_falls_back():
    # Only letters, spaces, brackets and full stops survive: every placeholder scheme
    # fails, so the sentence goes unmarked, keeps its brackets, and alignment places
    # the ORG (without an aligner it is dropped, and counted).
    translator = WordTranslator(keep=lambda c: c in "[].")
    [reuters] = _project([REUTERS], translator, [REUTERS_TEXT], aligner=LexicalAligner())
    assert translator.texts[-1] == REUTERS_TEXT
    assert reuters.marker_status == MarkerStatus.UNMARKED
    assert reuters.translation == "[[Reuters]] dijo."
    assert reuters.words == ["[", "[", "Reuters", "]", "]", "dijo", "."]
    assert reuters.projection.target_spans() == [Span(2, 3, "ORG")]
    [dropped] = _project([REUTERS], WordTranslator(keep=lambda c: c in "[]."), [REUTERS_TEXT])
    assert dropped.translation == "[[Reuters]] dijo."
    assert [d.reason for d in dropped.projection.dropped] == [DropReason.MARKERS_LOST]
    stats = MarkerStats()
    stats.add(dropped.marker_status, dropped.by_markers, dropped.projection)
    assert stats.to_dict()["sentences_broken"] == 1


def test_doubled_placeholder_is_not_restored():
    # A translator that repeats a placeholder would put a bracket the user never wrote.
    class Doubling(WordTranslator):
        def translate(self, texts):
            out = super().translate(texts)
            return [t.replace("\U000f0000", "\U000f0000\U000f0000") for t in out]

    marked = translate_marked(
        [REUTERS], Doubling().translate, Tokenizer("es"), texts=[REUTERS_TEXT]
    )
    assert marked[0].text == "[[Reuters]] dijo."  # from the second scheme
    assert marked[0].status == MarkerStatus.OK


@pytest.mark.apertium
@pytest.mark.apertium
def test_apertium_keeps_plane_15_private_use_characters():
    from spacy_xlproj.translate.apertium import ApertiumTranslator

    # Apertium drops the BMP's private-use characters (U+E000…) but passes those of
    # plane 15 unchanged, alone or glued to a word: the first escape scheme.
    p, q = "\U000f0000", "\U000f0001"
    out = ApertiumTranslator("en", "es").translate(
        [f"The house {p} the dog.", f"{p}{p}[Reuters]{q}{q} said that {p}the{q} dog."]
    )
    assert out == [f"La casa {p} el perro.", f"{p}{p}[Reuters]{q}{q} dijo que {p}el{q} perro."]


@pytest.mark.apertium
@pytest.mark.apertium
@pytest.mark.parametrize("with_text", [True, False])
def test_users_brackets_survive_apertium(with_text):
    from spacy_xlproj.translate.apertium import ApertiumTranslator

    translator = ApertiumTranslator("en", "es")
    texts = [REUTERS_TEXT, SIC_TEXT] if with_text else None
    reuters, sic = _project([REUTERS, SIC], translator, texts)
    assert reuters.words == ["[", "[", "Reuters", "]", "]", "dijo", "."]
    assert reuters.projection.target_spans() == [Span(2, 3, "ORG")]
    assert reuters.marker_status == MarkerStatus.OK
    assert sic.words == ["Dijo", "[", "sic", "]", "él", "."]
    if with_text:
        assert (reuters.translation, sic.translation) == ("[[Reuters]] dijo.", "Dijo [sic] él.")
    # Through translate_train (words joined by spaces), the same words and span.
    out, _ = translate_train(
        [REUTERS, SIC],
        translator=translator,
        aligner=None,
        projector="markers",
        tgt_lang="es",
        progress=False,
    )
    assert out[0] == Sentence(reuters.words, [Span(2, 3, "ORG")])
    assert out[1].words == sic.words


def test_mark_text_keeps_the_spacing_of_the_text():
    sentence = Sentence(
        ["Ana", "Torres", "met", "Lima", "Quito", "."],
        [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(4, 5, "LOC")],
    )
    assert mark_text("Ana Torres met Lima Quito.", sentence) == "[Ana Torres] met [Lima] [Quito]."
    # A text that lacks the words in order: the words are marked instead.
    assert mark_text("Ana  Torres met Quito Lima.", sentence) == (
        "[ Ana Torres ] met [ Lima ] [ Quito ] ."
    )


def test_a_scheme_without_free_placeholders_is_skipped():
    # The text holds every symbol placeholder: after the private-use ones are lost, the
    # sentence goes unmarked at once, never with its brackets rewritten.
    words = ["[", "Reuters", "]", "said", "{}|¦§¤~^"]
    sentence = Sentence(words, [Span(1, 2, "ORG")])
    translator = WordTranslator(keep=lambda c: not 0xE000 <= ord(c) <= 0x10FFFF)
    [result] = _project([sentence], translator)
    assert translator.texts[1:] == ["[ Reuters ] said {}|¦§¤~^"]
    assert result.marker_status == MarkerStatus.UNMARKED
    assert result.translation == "[ Reuters ] dijo {}|¦§¤~^"
