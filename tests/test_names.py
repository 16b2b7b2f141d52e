"""NameExpander and NameExpandingProjector: spans grown to whole capitalised names."""

from __future__ import annotations

import pytest

from spacy_xlproj.project.base import Projector
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.project.names import NameExpander, NameExpandingProjector, name_particles
from spacy_xlproj.registry import projectors
from spacy_xlproj.types import Dropped, DropReason, ProjectedSpan, Projection, Span


def words(text: str) -> list[str]:
    return text.split()


def test_grows_left_through_particles_to_the_head_noun():
    w = words("Vivió en la Provincia de Tierra del Fuego durante años .")
    # The tagger found "Tierra del Fuego"; the name is "Provincia de Tierra del Fuego".
    assert NameExpander("es").expand_spans(w, [Span(5, 8, "LOC")]) == [Span(3, 8, "LOC")]


def test_grows_right_and_stops_at_lowercase_words_and_punctuation():
    w = words("la Universidad Pedagógica Nacional de Colombia , en Bogotá")
    assert NameExpander("es").expand_spans(w, [Span(1, 2, "ORG")]) == [Span(1, 6, "ORG")]
    # A particle must be followed by a capitalised word to be taken in.
    w = words("el Banco de la ciudad")
    assert NameExpander("es").expand_spans(w, [Span(1, 2, "ORG")]) == [Span(1, 2, "ORG")]


def test_conjunctions_are_not_particles():
    w = words("Se encuentra en Malasia y Tailandia .")
    spans = [Span(3, 4, "LOC"), Span(5, 6, "LOC")]
    assert NameExpander("es").expand_spans(w, spans) == spans


def test_sentence_initial_capital_joins_a_name_that_follows_it():
    # Titles (WikiANN's lines) start with the head noun: it is part of the name.
    w = words("Selección de Arabia Saudita")
    assert NameExpander("es").expand_spans(w, [Span(2, 4, "LOC")]) == [Span(0, 4, "LOC")]


def test_adjacent_spans_merge_with_the_leftmost_label_and_the_other_is_reported():
    w = words("con Juan Martín Fernández Lobbe")
    proj = Projection(
        [ProjectedSpan(1, 3, "PER", 0, 0.9), ProjectedSpan(3, 5, "ORG", 1, 0.5)],
        [Dropped(2, DropReason.UNALIGNED)],
    )
    out = NameExpander("es").expand(w, proj)
    assert out.spans == [ProjectedSpan(1, 5, "PER", 0, 0.9)]
    assert out.dropped == [Dropped(2, DropReason.UNALIGNED), Dropped(1, DropReason.MERGED)]


def test_an_entity_with_another_span_left_is_not_reported_merged():
    w = words("Ana López y López Ana")
    # Entity 0 has two spans; its second joins entity 1's name, its first stays.
    proj = Projection(
        [
            ProjectedSpan(0, 1, "PER", 0),
            ProjectedSpan(3, 4, "PER", 1),
            ProjectedSpan(4, 5, "PER", 0),
        ]
    )
    out = NameExpander("es").expand(w, proj)
    assert out.spans == [ProjectedSpan(0, 2, "PER", 0), ProjectedSpan(3, 5, "PER", 1)]
    assert out.dropped == []


def test_particles_by_language_and_override():
    assert "del" in name_particles("es") and "von" in name_particles("es")
    assert "dos" in name_particles("pt-BR")
    assert "y" not in name_particles("es")
    assert name_particles(None) == name_particles("xx")
    w = words("Casa y Jardín Botánico")
    only_y = NameExpander(particles=["Y"])
    assert only_y.expand_spans(w, [Span(0, 1, "ORG")]) == [Span(0, 4, "ORG")]
    assert NameExpander("es").expand_spans(w, [Span(0, 1, "ORG")]) == [Span(0, 1, "ORG")]


def test_uncased_words_are_left_alone():
    w = ["東京", "都", "に", "住む"]
    assert NameExpander().expand_spans(w, [Span(0, 1, "LOC")]) == [Span(0, 1, "LOC")]
    assert NameExpander().expand_spans([], []) == []


def test_expanding_projector_wraps_any_projector():
    src = ["Tierra", "del", "Fuego", "Province"]
    tgt = words("Provincia de Tierra del Fuego")
    links = [(0, 2), (1, 3), (2, 4)]  # "Province" unaligned
    inner = HeuristicProjector(length_ratio=None, refine=False)
    assert inner.project(src, [Span(0, 4, "LOC")], tgt, links).target_spans() == [Span(2, 5, "LOC")]
    wrapped = NameExpandingProjector(inner, NameExpander("es"))
    assert isinstance(wrapped, Projector)
    assert wrapped.project(src, [Span(0, 4, "LOC")], tgt, links).target_spans() == [
        Span(0, 5, "LOC")
    ]


def test_registered_and_nested_in_a_config():
    from confection import Config

    from spacy_xlproj.registry import registry

    cfg = Config().from_str(
        """
        [projector]
        @xlproj_projectors = "spacy_xlproj.NameExpandingProjector.v1"
        lang = "es"

        [projector.projector]
        @xlproj_projectors = "spacy_xlproj.HeuristicProjector.v1"
        """
    )
    made = registry.resolve(cfg)["projector"]
    assert isinstance(made, NameExpandingProjector)
    assert isinstance(made.projector, HeuristicProjector)
    assert projectors.get("spacy_xlproj.NameExpandingProjector.v1") is not None


@pytest.mark.parametrize("lang", ["es", "ca", "gl", "pt", "it", "fr", "en", "de", "nl", "eo"])
def test_every_listed_language_keeps_lowercase_words_out(lang):
    w = ["la", "ciudad", "Roma"]
    assert NameExpander(lang).expand_spans(w, [Span(2, 3, "LOC")]) == [Span(2, 3, "LOC")]
