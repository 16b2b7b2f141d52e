"""translate-train and translate-test end to end on hand-written sentences."""

from __future__ import annotations

import json

import pytest

from spacy_xlproj.align.lexical import LexicalAligner
from spacy_xlproj.errors import XlprojError
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.transfer import translate_test, translate_train
from spacy_xlproj.transfer.backtranslation import RefineStats
from spacy_xlproj.types import Sentence, Span

needs_apertium = pytest.mark.apertium  # conftest: slow, and skipped without apertium

EN = [
    Sentence(["John", "Smith", "visited", "Madrid", "."], [Span(0, 2, "PER"), Span(3, 4, "LOC")]),
    Sentence(["The", "weather", "was", "nice", "."], []),
    Sentence(
        ["Maria", "works", "for", "the", "European", "Union", "in", "Brussels", "."],
        [Span(0, 1, "PER"), Span(4, 6, "ORG"), Span(7, 8, "LOC")],
    ),
]


class CountingTranslator:
    """Upper-cases the text: deterministic, and counts how often it was called."""

    name = "upper"
    src_lang = "en"
    tgt_lang = "xx"

    def __init__(self, empty: str | None = None) -> None:
        self.calls = 0
        self.empty = empty

    def translate(self, texts):
        self.calls += 1
        return ["" if t == self.empty else t.upper() for t in texts]


class NoLinks:
    """An aligner that finds nothing: only back-translation refinement can place entities."""

    name = "nolinks"

    def align(self, pairs):
        return [[] for _ in pairs]


@pytest.fixture(scope="module")
def ruler_nlp():
    """An English spaCy pipeline whose NER is an entity ruler: a fully known tagger."""
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "PER", "pattern": "Juan Pérez"},
            {"label": "ORG", "pattern": "European Union"},
            {"label": "LOC", "pattern": "London"},
            {"label": "LOC", "pattern": "Madrid"},
            {"label": "MISC", "pattern": "English"},
        ]
    )
    return nlp


@needs_apertium
def test_translate_train_with_apertium():
    from spacy_xlproj.translate.apertium import ApertiumTranslator

    out, stats = translate_train(
        EN,
        translator=ApertiumTranslator("en", "es"),
        aligner=LexicalAligner(),
        projector=HeuristicProjector(),
        tgt_lang="es",
        progress=False,
    )
    assert out[0].words == ["John", "Smith", "visitó", "Madrid", "."]
    assert out[0].spans == [Span(0, 2, "PER"), Span(3, 4, "LOC")]
    assert out[1].spans == []
    # "Maria trabaja para la Unión Europea en Bruselas ." : Brussels/Bruselas share a prefix.
    assert out[2].words[0] == "Maria"
    assert out[2].spans[0] == Span(0, 1, "PER")
    assert [(s.label, " ".join(out[2].words[s.start : s.end])) for s in out[2].spans[1:]] == [
        ("ORG", "Unión europea"),
        ("LOC", "Bruselas"),
    ]
    assert (stats.sentences, stats.source_entities, stats.projected) == (3, 5, 5)


def test_translate_train_resumes_from_work_dir(tmp_path):
    translator = CountingTranslator()
    kwargs = dict(
        aligner=LexicalAligner(),
        projector=HeuristicProjector(),
        tgt_lang="en",
        chunk_size=2,
        work_dir=tmp_path / "work",
        progress=False,
    )
    out, stats = translate_train(EN, translator=translator, **kwargs)
    assert translator.calls == 2  # two chunks
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == [
        "chunk-00000.json",
        "chunk-00001.json",
        "manifest.json",
    ]
    assert out[0] == Sentence(["JOHN", "SMITH", "VISITED", "MADRID", "."], EN[0].spans)
    # A crash after the first chunk: the rerun translates only the second one.
    (tmp_path / "work" / "chunk-00001.json").unlink()
    again = CountingTranslator()
    out2, stats2 = translate_train(EN, translator=again, **kwargs)
    assert again.calls == 1
    assert out2 == out
    assert stats2.to_dict() == stats.to_dict()
    with pytest.raises(XlprojError, match=r"other settings \(input: 3 sentences there, 2 now\)"):
        translate_train(EN[:2], translator=again, **kwargs)


def test_translate_train_counts_empty_translations():
    translator = CountingTranslator(empty="John Smith visited Madrid .")
    out, stats = translate_train(
        EN,
        translator=translator,
        aligner=LexicalAligner(),
        projector=HeuristicProjector(),
        tgt_lang="en",
        progress=False,
    )
    assert len(out) == 2
    assert dict(stats.sentences_dropped) == {"empty_translation": 1}
    assert dict(stats.dropped) == {"empty_translation": 2}
    assert stats.source_entities == 5


def test_translate_train_argument_errors():
    with pytest.raises(ValueError, match="Alignment projection needs an aligner"):
        translate_train(EN, translator=CountingTranslator(), aligner=None,
                        projector=HeuristicProjector(), tgt_lang="en")  # fmt: skip
    with pytest.raises(ValueError, match="Unknown projection method 'marks'"):
        translate_train(EN, translator=CountingTranslator(), aligner=None,
                        projector="marks", tgt_lang="en")  # fmt: skip


ES = [
    Sentence(["Juan", "Pérez", "vive", "en", "Madrid", "."]),
    Sentence(["La", "Unión", "Europea", "abrió", "una", "oficina", "en", "Londres", "."]),
    Sentence(["Hace", "frío", "."]),
]


@needs_apertium
def test_translate_test_with_apertium(ruler_nlp):
    from spacy_xlproj.ner.spacy_tagger import SpacyTagger
    from spacy_xlproj.translate.apertium import ApertiumTranslator

    out, stats = translate_test(
        ES,
        translator=ApertiumTranslator("es", "en"),
        tagger=SpacyTagger(ruler_nlp, label_map={"MISC": None}),
        aligner=LexicalAligner(),
        projector=HeuristicProjector(),
        progress=False,
    )
    assert [s.words for s in out] == [s.words for s in ES]
    assert out[0].spans == [Span(0, 2, "PER"), Span(4, 5, "LOC")]
    assert out[1].spans == [Span(1, 3, "ORG"), Span(7, 8, "LOC")]
    assert out[2].spans == []
    assert (stats.source_entities, stats.projected) == (4, 4)


@needs_apertium
def test_translate_test_backtranslation_refinement(ruler_nlp):
    from spacy_xlproj.ner.spacy_tagger import SpacyTagger
    from spacy_xlproj.translate.apertium import ApertiumTranslator

    kwargs = dict(
        translator=ApertiumTranslator("es", "en"),
        tagger=SpacyTagger(ruler_nlp),
        aligner=NoLinks(),
        # Unrefined: refinement would anchor the copied names without any link.
        projector=HeuristicProjector(refine=False),
        progress=False,
    )
    plain, plain_stats = translate_test(ES, **kwargs)
    assert [s.spans for s in plain] == [[], [], []]
    assert plain_stats.projected == 0
    refine_stats = RefineStats()
    refined, stats = translate_test(
        ES,
        back_translator=ApertiumTranslator("en", "es"),
        backtranslation=True,
        refine_stats=refine_stats,
        **kwargs,
    )
    assert refined[0].spans == [Span(0, 2, "PER"), Span(4, 5, "LOC")]
    assert refined[1].spans == [Span(1, 3, "ORG"), Span(7, 8, "LOC")]
    assert stats.projected == 4
    assert refine_stats.refined == 4
    with pytest.raises(ValueError, match="needs back_translator="):
        translate_test(ES, backtranslation=True, **kwargs)


@needs_apertium
def test_cli_translate_train_and_test(tmp_path, ruler_nlp):
    from typer.testing import CliRunner

    from spacy_xlproj.cli import app
    from spacy_xlproj.io import read_sentences, write_sentences

    src = tmp_path / "en.tsv"
    write_sentences(src, EN)
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "translate-train", str(src), str(tmp_path / "es.spacy"), "--tgt-lang", "es",
            "--aligner", "lexical", "--method", "markers", "--stats", str(tmp_path / "s.json"),
            "--cache-dir", str(tmp_path / "cache"), "--limit", "2", "--no-progress",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = read_sentences(tmp_path / "es.spacy", lang="es")
    assert out[0].spans == [Span(0, 2, "PER"), Span(3, 4, "LOC")]
    report = json.loads((tmp_path / "s.json").read_text())
    assert report["projection"]["projected"] == 2
    assert report["markers"]["sentences"] == {"no_entities": 1, "ok": 1}

    ruler_nlp.to_disk(tmp_path / "ruler")
    es = tmp_path / "es.txt"
    es.write_text("\n".join(" ".join(s.words) for s in ES) + "\n", encoding="utf8")
    result = runner.invoke(
        app,
        [
            "translate-test", str(es), str(tmp_path / "tagged.tsv"), "--tgt-lang", "es",
            "--ner", str(tmp_path / "ruler"), "--aligner", "lexical",
            "--translate_test.backtranslation", "true", "--cache-dir", str(tmp_path / "cache"),
            "--translate_test.label_map", "MISC=", "--no-progress",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    tagged = read_sentences(tmp_path / "tagged.tsv")
    assert [s.spans for s in tagged] == [
        [Span(0, 2, "PER"), Span(4, 5, "LOC")],
        [Span(1, 3, "ORG"), Span(7, 8, "LOC")],
        [],
    ]
    bad = runner.invoke(
        app,
        [
            "translate-train",
            str(src),
            str(tmp_path / "x.tsv"),
            "--tgt-lang",
            "es",
            "--method",
            "best",
        ],
    )
    assert bad.exit_code == 2
    assert (
        bad.output == "Error: --method: use one of heuristic, greedy, ilp, markers, got 'best'.\n"
    )


def test_cli_reports_bad_input(tmp_path):
    from typer.testing import CliRunner

    from spacy_xlproj.cli import app

    runner = CliRunner()
    missing = tmp_path / "nope.tsv"
    result = runner.invoke(
        app, ["translate-train", str(missing), str(tmp_path / "o.tsv"), "--tgt-lang", "es"]
    )
    assert result.exit_code == 1
    assert f"Input file not found: {missing}" in result.output
    bad = tmp_path / "bad.tsv"
    bad.write_text("Madrid\tB-LOC\nvisits\tX-LOC\n", encoding="utf8")
    result = runner.invoke(
        app, ["translate-train", str(bad), str(tmp_path / "o.tsv"), "--tgt-lang", "es"]
    )
    assert result.exit_code == 1
    assert f"{bad}, line 2:" in result.output


def test_cli_translate_test_hides_wiki_markup_and_refines_links(tmp_path, ruler_nlp):
    from typer.testing import CliRunner

    from spacy_xlproj.cli import app
    from spacy_xlproj.io import read_sentences

    ruler_nlp.to_disk(tmp_path / "ruler")
    es = tmp_path / "es.txt"
    es.write_text("REDIRECCIÓN " + " ".join(ES[0].words) + "\n", encoding="utf8")
    result = CliRunner().invoke(
        app,
        [
            "translate-test", str(es), str(tmp_path / "tagged.tsv"), "--tgt-lang", "es",
            "--ner", str(tmp_path / "ruler"), "--aligner", "lexical", "--projection.refine", "true",
            "--translate_test.ignore_wiki_markup", "--cache-dir", str(tmp_path / "cache"),
            "--translate_test.label_map", "MISC=", "--no-progress",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (tagged,) = read_sentences(tmp_path / "tagged.tsv")
    # The keyword is kept in the output words, outside every entity.
    assert tagged.words[0] == "REDIRECCIÓN"
    assert tagged.spans == [Span(1, 3, "PER"), Span(5, 6, "LOC")]


@needs_apertium
def test_cli_translate_test_expands_names_but_not_into_hidden_words(tmp_path, ruler_nlp):
    from typer.testing import CliRunner

    from spacy_xlproj.cli import app
    from spacy_xlproj.io import read_sentences

    ruler_nlp.to_disk(tmp_path / "ruler")
    es = tmp_path / "es.txt"
    es.write_text(
        "REDIRECCIÓN Comunidad de Madrid\nJuan Pérez Gómez vive en Madrid .\n", encoding="utf8"
    )
    args = [
        "translate-test", str(es), str(tmp_path / "tagged.tsv"), "--tgt-lang", "es",
        "--ner", str(tmp_path / "ruler"), "--aligner", "lexical",
        "--cache-dir", str(tmp_path / "cache"), "--no-progress",
        "--translate_test.ignore_wiki_markup",
    ]  # fmt: skip
    runner = CliRunner()
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    plain = read_sentences(tmp_path / "tagged.tsv")
    assert [s.spans for s in plain] == [[Span(3, 4, "LOC")], [Span(0, 2, "PER"), Span(5, 6, "LOC")]]
    stats = tmp_path / "stats.json"
    result = runner.invoke(
        app,
        [
            *args,
            "--projection.expand_names",
            "--translate_test.harmonize_labels",
            "first",
            "--stats",
            str(stats),
        ],
    )
    assert result.exit_code == 0, result.output
    # Three spans, no head word shared by two of them: nothing to harmonize.
    report = json.loads(stats.read_text())
    assert report["consistency"] == {"spans": 3, "relabelled": 0, "heads": 0}
    bad = runner.invoke(app, [*args, "--translate_test.harmonize_labels", "middle"])
    assert bad.exit_code == 2
    assert bad.output == (
        "Error: translate_test.harmonize_labels: use one of none, first, last, got 'middle'.\n"
    )
    expanded = read_sentences(tmp_path / "tagged.tsv")
    # "Madrid" grows to "Comunidad de Madrid", not into the hidden keyword before it.
    assert [s.spans for s in expanded] == [
        [Span(1, 4, "LOC")],
        [Span(0, 3, "PER"), Span(5, 6, "LOC")],
    ]
    # The wikiann preset is these three settings by name (the WikiANN recipe).
    plain_args = [a for a in args if a != "--translate_test.ignore_wiki_markup"]
    result = runner.invoke(app, [*plain_args, "--preset", "wikiann", "--stats", str(stats)])
    assert result.exit_code == 0, result.output
    assert [s.spans for s in read_sentences(tmp_path / "tagged.tsv")] == [
        [Span(1, 4, "LOC")],
        [Span(0, 3, "PER"), Span(5, 6, "LOC")],
    ]
    settings = json.loads(stats.read_text())["settings"]
    assert settings["translate_test"]["harmonize_labels"] == "first"
    assert settings["projection"]["expand_names"] is True
    src = tmp_path / "en.tsv"
    src.write_text("Madrid\tB-LOC\n", encoding="utf8")
    bad = runner.invoke(
        app,
        ["translate-train", str(src), str(tmp_path / "x.tsv"), "--tgt-lang", "es",
         "--method", "markers", "--projection.expand_names"],
    )  # fmt: skip
    assert bad.exit_code == 2
    assert bad.output.startswith(
        "Error: Option(s) not used by method 'markers': projection.expand_names "
        "applies to heuristic, greedy, ilp."
    )
