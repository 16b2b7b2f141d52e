"""The lexical same-language aligner and back-translation refinement."""

from __future__ import annotations

from spacy_xlproj.align.lexical import LexicalAligner, word_similarity
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.registry import aligners
from spacy_xlproj.tokenize import Tokenizer
from spacy_xlproj.transfer.backtranslation import BacktranslationRefiner
from spacy_xlproj.types import Dropped, DropReason, ProjectedSpan, Projection, Sentence, Span


def test_word_similarity_levels():
    assert word_similarity("Madrid", "Madrid") == 1.0
    assert word_similarity("madrid", "Madrid") == 0.95
    assert word_similarity("Unión", "union") == 0.9
    # Inflection: a long shared prefix.
    assert 0.5 < word_similarity("europeo", "europea") < 0.8
    assert word_similarity("casa", "perro") == 0.0
    assert word_similarity("de", "el") == 0.0


def test_lexical_aligner_monotone_with_repeated_words():
    src = ["el", "presidente", "de", "la", "Unión", "Europea", "visitó", "la", "ciudad"]
    tgt = ["El", "presidente", "de", "la", "unión", "europea", "visitó", "la", "capital"]
    links = LexicalAligner().align_pair(src, tgt)
    # Each "la" links to its own copy, on the diagonal; "ciudad"/"capital" stay unlinked.
    assert links == [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7)]


def test_lexical_aligner_links_moved_words():
    src = ["ayer", "llegó", "Juan", "a", "Madrid"]
    tgt = ["Juan", "llegó", "ayer", "a", "Madrid"]
    links = LexicalAligner().align_pair(src, tgt)
    assert set(links) == {(0, 2), (1, 1), (2, 0), (3, 3), (4, 4)}
    assert LexicalAligner(reorder=False).align_pair(src, tgt) == [(1, 1), (3, 3), (4, 4)]
    assert LexicalAligner().align([(src, []), ([], tgt)]) == [[], []]


def test_lexical_aligner_is_registered():
    aligner = aligners.get("spacy_xlproj.LexicalAligner.v1")(distortion=0.1)
    assert isinstance(aligner, LexicalAligner)
    assert aligner.distortion == 0.1


class TableTranslator:
    name = "table"
    src_lang = "en"
    tgt_lang = "es"

    def __init__(self, table):
        self.table = table
        self.seen: list[str] = []

    def translate(self, texts):
        self.seen.extend(texts)
        return [self.table[t] for t in texts]


def _refiner(table):
    return BacktranslationRefiner(
        TableTranslator(table), Tokenizer("es"), HeuristicProjector(), LexicalAligner()
    )


def test_refine_places_entities_through_the_back_translation():
    tagged = [
        Sentence(
            ["The", "president", "of", "France", "visited", "Berlin", "."],
            [Span(3, 4, "LOC"), Span(5, 6, "LOC")],
        ),
        Sentence(["It", "rained", "."], []),
    ]
    originals = [
        ["El", "presidente", "de", "Francia", "visitó", "Berlín", "ayer", "."],
        ["Llovió", "."],
    ]
    marked = "The president of [ France ] visited [ Berlin ] ."
    refiner = _refiner({marked: "El presidente de [Francia] visitó [Berlín]."})
    # The cross-lingual baseline found nothing: the alignment was useless.
    baseline = [
        Projection([], [Dropped(0, DropReason.UNALIGNED), Dropped(1, DropReason.UNALIGNED)]),
        Projection(),
    ]
    result = refiner.refine(tagged, originals, baseline)
    assert result[0].spans == [
        ProjectedSpan(3, 4, "LOC", 0, 1.0),
        ProjectedSpan(5, 6, "LOC", 1, 1.0),
    ]
    assert result[0].dropped == []
    assert result[1] is baseline[1]
    # Sentences without entities are not back-translated.
    assert refiner.back_translator.seen == [marked]
    assert refiner.stats.to_dict() == {
        "sentences": {"ok": 1},
        "entities_refined": 2,
        "entities_from_alignment": 0,
        "entities_dropped": 0,
    }


def test_refine_keeps_the_alignment_for_lost_markers():
    tagged = [
        Sentence(
            ["Angela", "Merkel", "visited", "Paris", "."], [Span(0, 2, "PER"), Span(3, 4, "LOC")]
        ),
    ]
    originals = [["Angela", "Merkel", "visitó", "París", "hoy", "."]]
    # The back-translation lost the markers of the person.
    refiner = _refiner({"[ Angela Merkel ] visited [ Paris ] .": "Angela Merkel visitó [París]."})
    baseline = [
        Projection([ProjectedSpan(0, 2, "PER", 0, 0.5)], [Dropped(1, DropReason.UNALIGNED)])
    ]
    result = refiner.refine(tagged, originals, baseline)
    assert result[0].spans == [
        ProjectedSpan(0, 2, "PER", 0, 0.5),
        ProjectedSpan(3, 4, "LOC", 1, 1.0),
    ]
    assert result[0].dropped == []
    stats = refiner.stats.to_dict()
    assert stats["sentences"] == {"wrong_count": 1}
    assert (stats["entities_refined"], stats["entities_from_alignment"]) == (1, 1)


def test_refine_reports_entities_nobody_placed():
    tagged = [Sentence(["Anna", "met", "Bob", "."], [Span(0, 1, "PER"), Span(2, 3, "PER")])]
    originals = [["Ana", "conoció", "a", "Roberto", "."]]
    refiner = _refiner({"[ Anna ] met [ Bob ] .": "Anna conoció a Bob."})
    baseline = [Projection([], [Dropped(0, DropReason.UNALIGNED)])]
    result = refiner.refine(tagged, originals, baseline)
    assert result[0].spans == []
    assert result[0].dropped == [
        Dropped(0, DropReason.UNALIGNED),
        Dropped(1, DropReason.MARKERS_LOST),
    ]
