"""translate-test on Wikipedia-style input: markup words hidden from the pipeline."""

from __future__ import annotations

from spacy_xlproj.align.lexical import LexicalAligner
from spacy_xlproj.io import read_sentences
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.transfer import translate_test
from spacy_xlproj.transfer.tagging import wiki_markup
from spacy_xlproj.types import Sentence, Span


class CopyTranslator:
    """Returns each text unchanged (names pass through MT this way) and records it."""

    name = "copy"
    src_lang = "es"
    tgt_lang = "en"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def translate(self, texts):
        self.seen.extend(texts)
        return list(texts)


class CapitalRunTagger:
    """Tags every maximal run of capitalised words as PER, like a naive NER model."""

    name = "capital-runs"

    def tag(self, sentences):
        out = []
        for words in sentences:
            spans, start = [], None
            for i, word in enumerate([*words, ""]):
                if word[:1].isupper():
                    start = i if start is None else start
                elif start is not None:
                    spans.append(Span(start, i, "PER"))
                    start = None
            out.append(spans)
        return out


REDIRECTS = [
    Sentence(["REDIRECCIÓN", "Sancho", "Ramírez"]),
    Sentence(["Ver", "la", "redirección", "Ramírez", "Sancho"]),
    Sentence(["REDIRECCIÓN"]),
]


def _run(ignore=None):
    translator = CopyTranslator()
    out, stats = translate_test(
        REDIRECTS,
        translator=translator,
        tagger=CapitalRunTagger(),
        aligner=LexicalAligner(),
        projector=HeuristicProjector(),
        progress=False,
        ignore=ignore,
    )
    return out, stats, translator.seen


def test_redirect_keyword_becomes_part_of_the_name_when_visible():
    out, _, seen = _run()
    assert seen == [
        "REDIRECCIÓN Sancho Ramírez",
        "Ver la redirección Ramírez Sancho",
        "REDIRECCIÓN",
    ]
    assert [s.spans for s in out] == [
        [Span(0, 3, "PER")],
        [Span(0, 1, "PER"), Span(3, 5, "PER")],
        [Span(0, 1, "PER")],
    ]


def test_hidden_markup_is_not_translated_nor_tagged():
    out, stats, seen = _run(ignore=wiki_markup)
    assert seen == ["Sancho Ramírez", "Ver la Ramírez Sancho", ""]
    # The output keeps every original word; spans index the full sentence.
    assert [s.words for s in out] == [s.words for s in REDIRECTS]
    assert [s.spans for s in out] == [
        [Span(1, 3, "PER")],
        [Span(0, 1, "PER"), Span(3, 5, "PER")],
        [],
    ]
    # A sentence of markup only has nothing to translate and is counted as dropped.
    assert stats.sentences_dropped == {"empty_translation": 1}


def test_wiki_markup_words():
    assert wiki_markup("REDIRECCIÓN") and wiki_markup("redirección") and wiki_markup("#REDIRECT")
    assert wiki_markup("ALIDIREKTU") and wiki_markup("ПРЕНАСОЧУВАЊЕ")
    assert not wiki_markup("Dirección") and not wiki_markup("''")


def test_redirect_keyword_is_never_inside_a_wikiann_entity(shared_data):
    # Hiding the keyword is safe only if the gold data never labels it.
    sentences = read_sentences(shared_data / "wikiann" / "es" / "dev")
    hits = [(s, i) for s in sentences for i, w in enumerate(s.words) if wiki_markup(w)]
    assert len(hits) > 1000
    assert not [s for s, i in hits if any(sp.start <= i < sp.end for sp in s.spans)]
