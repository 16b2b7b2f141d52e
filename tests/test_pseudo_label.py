"""Pseudo-labelling: teachers, the Python API, the DocBin it writes, and the command.

The teachers are deterministic: entity-ruler pipelines saved to tmp_path, and
translate-test through a file of translations and the lexical aligner.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_xlproj.cli import app
from spacy_xlproj.errors import UsageError
from spacy_xlproj.teach import (
    EnsembleOptions,
    EnsembleTagger,
    HidingTeacher,
    PseudoLabelled,
    ScoredSpan,
    SpacyTeacher,
    TaggerTeacher,
    TeacherSpec,
    TeacherSpecError,
    TranslateTestTeacher,
    build_teacher,
    parse_teacher_spec,
    pseudo_label,
    to_doc,
    write_pseudo_docbin,
)
from spacy_xlproj.types import Sentence, Span

ES = [
    "Juan Pérez vive en Madrid .",
    "Hoy llueve mucho .",
    "Ana trabaja en Iberia .",
    "La Unión de Europa habló .",
]
# What the file translator returns for ES, line by line (ES -> EN).
EN = [
    "Juan Pérez lives in Madrid .",
    "Today it rains a lot .",
    "Ana works at Iberia .",
    "The European Union spoke .",
]
EN_PATTERNS = [
    ("PER", "Juan Pérez"),
    ("LOC", "Madrid"),
    ("PER", "Ana"),
    ("ORG", "Iberia"),
    ("ORG", "European Union"),
]
# The target pipeline calls Madrid an ORG and finds the Spanish name of the EU.
ES_PATTERNS = [
    ("PER", "Juan Pérez"),
    ("ORG", "Madrid"),
    ("PER", "Ana"),
    ("ORG", "Iberia"),
    ("ORG", "Unión de Europa"),
]
# translate-test finds "Unión de Europa" through "European Union": 2 aligned words of a
# 3-word run, for a 2-word entity, so the heuristic's score is 2 * 2 / (3 * 2).
EU_SCORE = 2 / 3


def _ruler(lang: str, patterns: list[tuple[str, str]]):
    import spacy

    nlp = spacy.blank(lang)
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": label, "pattern": text} for label, text in patterns])
    return nlp


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("teachers")
    paths = {
        "en": tmp / "en_ruler",
        "es": tmp / "es_ruler",
        "es_txt": tmp / "es.txt",
        "en_txt": tmp / "en.txt",
    }
    _ruler("en", EN_PATTERNS).to_disk(paths["en"])
    _ruler("es", ES_PATTERNS).to_disk(paths["es"])
    paths["es_txt"].write_text("\n".join(ES) + "\n", encoding="utf8")
    paths["en_txt"].write_text("\n".join(EN) + "\n", encoding="utf8")
    return paths


class FixedTeacher:
    """Returns given spans for sentences identified by their first word."""

    def __init__(self, name: str, spans: dict[str, list[ScoredSpan]], weight: float = 1.0):
        self.name = name
        self.spans = spans
        self.weight = weight
        self.calls: list[int] = []

    def label(self, sentences):
        self.calls.append(len(sentences))
        return [list(self.spans.get(words[0], [])) for words in sentences]


def S(start: int, end: int, label: str, confidence: float = 1.0) -> ScoredSpan:
    return ScoredSpan(start, end, label, confidence)


WORDS = [s.split() for s in ES]


def _fixed() -> list[FixedTeacher]:
    a = {"Juan": [S(0, 2, "PER", 0.9), S(4, 5, "LOC", 0.8)], "Ana": [S(0, 1, "PER")]}
    b = {"Juan": [S(0, 2, "PER", 0.7), S(4, 5, "ORG")], "Ana": [S(0, 1, "PER")]}
    return [FixedTeacher("a", a), FixedTeacher("b", b)]


# -- the Python API ---------------------------------------------------------------------


def test_pseudo_label_missing_is_the_default():
    out, stats = pseudo_label(WORDS, _fixed())
    assert [item.index for item in out] == [0, 1, 2, 3]
    assert out[0].spans == [S(0, 2, "PER", pytest.approx(0.8))]
    assert out[0].missing == [4]
    assert (out[1].spans, out[1].missing) == ([], [])
    assert out[2].spans == [S(0, 1, "PER")]
    assert out[0].to_sentence() == Sentence(WORDS[0], [Span(0, 2, "PER")])
    d = stats.to_dict()
    assert [(t["name"], t["spans"], t["accepted"]) for t in d["teachers"]] == [
        ("a", 3, 2),
        ("b", 3, 2),
    ]
    assert d["sentences"] == d["sentences_written"] == 4
    assert (d["agreed_spans"], d["disagreements"], d["below_agreement"]) == (2, 2, 2)
    assert (d["uncertain_tokens"], d["missing_tokens"], d["sentences_dropped"]) == (1, 1, 0)
    assert d["agreed_per_label"] == {"PER": 2}
    assert d["average_confidence"] == pytest.approx(0.9)
    table = stats.table()
    assert "teacher a (weight 1)" in table and "missing tokens" in table


def test_pseudo_label_outside_and_drop_sentence():
    out, stats = pseudo_label(WORDS, _fixed(), EnsembleOptions(uncertain="outside"))
    assert [item.missing for item in out] == [[], [], [], []]
    assert (stats.uncertain_tokens, stats.missing_tokens) == (1, 0)

    out, stats = pseudo_label(WORDS, _fixed(), EnsembleOptions(uncertain="drop-sentence"))
    assert [item.index for item in out] == [1, 2, 3]
    assert (stats.sentences_dropped, stats.sentences_written, stats.spans_written) == (1, 3, 1)
    assert stats.agreed_spans == 2  # counted before the sentence was dropped


def test_pseudo_label_majority_and_weights():
    teachers = _fixed()
    out, stats = pseudo_label(WORDS, teachers, EnsembleOptions(agreement=0.5))
    # LOC and ORG tie on share; LOC's confidence 0.8/2 is below ORG's 1/2.
    assert out[0].spans == [S(0, 2, "PER", pytest.approx(0.8)), S(4, 5, "ORG", 0.5)]
    assert out[0].missing == []
    assert (stats.below_agreement, stats.overlapping) == (0, 1)
    teachers[0].weight = 3.0
    out, stats = pseudo_label(WORDS, teachers, EnsembleOptions(agreement=0.5))
    assert out[0].spans == [S(0, 2, "PER", pytest.approx(0.85)), S(4, 5, "LOC", pytest.approx(0.6))]
    assert stats.to_dict()["teachers"][0]["weight"] == 3.0
    # ORG now has 1/4 of the weight.
    assert (stats.below_agreement, stats.overlapping) == (1, 0)


def test_pseudo_label_batches_and_accepts_sentences():
    teachers = _fixed()
    sentences = [Sentence(words, [Span(0, 1, "X")]) for words in WORDS]  # gold spans ignored
    out, _ = pseudo_label(sentences, teachers, batch_size=3)
    assert teachers[0].calls == [3, 1]
    assert [item.index for item in out] == [0, 1, 2, 3]
    assert out[1].spans == []


def test_teachers_may_return_spans_projected_spans_or_tuples():
    from spacy_xlproj.types import ProjectedSpan

    class Plain:
        name, weight = "plain", 1.0

        def __init__(self, span):
            self.span = span

        def label(self, sentences):
            return [[self.span] if words[0] == "Juan" else [] for words in sentences]

    teachers = [
        Plain(Span(0, 2, "PER")),
        Plain(ProjectedSpan(0, 2, "PER", source=0, score=0.5)),
        Plain((0, 2, "PER", 0.75)),
    ]
    out, _ = pseudo_label(WORDS[:1], teachers)
    assert out[0].spans == [S(0, 2, "PER", pytest.approx(0.75))]


def test_pseudo_label_checks_teachers_and_settings():
    with pytest.raises(ValueError, match="at least one teacher"):
        pseudo_label(WORDS, [])
    with pytest.raises(ValueError, match="uncertain must be one of"):
        EnsembleOptions(uncertain="skip")  # type: ignore[arg-type]
    bad = FixedTeacher("bad", {"Hoy": [S(3, 9, "PER")]})
    with pytest.raises(ValueError, match="teacher bad proposed"):
        pseudo_label(WORDS, [bad])

    class Short(FixedTeacher):
        def label(self, sentences):
            return []

    with pytest.raises(ValueError, match="returned 0 results for 4 sentences"):
        pseudo_label(WORDS, [Short("short", {})])


# A nationality adjective that projection calls MISC (issue 11): hand-written.
GOVERNMENT = ["El", "gobierno", "español", "habló", "con", "Juan", "Pérez", "."]


def test_span_filter_makes_accepted_spans_outside():
    from spacy_xlproj.io import blank_vocab
    from spacy_xlproj.transfer.span_filters import SpanFilter

    agreed = [S(2, 3, "MISC"), S(5, 7, "PER", 0.5)]
    a = FixedTeacher("a", {"El": [S(1, 2, "ORG"), *agreed]})  # gobierno: a disagreement
    b = FixedTeacher("b", {"El": agreed})
    out, stats = pseudo_label([GOVERNMENT], [a, b])
    assert "filtered spans" not in stats.table()
    assert stats.to_dict()["filtered"] == {}

    out, stats = pseudo_label(
        [GOVERNMENT], [a, b], EnsembleOptions(span_filter=SpanFilter(drop_lowercase=True))
    )
    assert out[0].spans == [S(5, 7, "PER", 0.5)]
    assert out[0].missing == [1]  # the disagreement stays missing; español becomes O
    doc = to_doc(blank_vocab("es"), out[0])
    assert [t.ent_iob_ for t in doc] == ["O", "", "O", "O", "O", "B", "I", "O"]
    d = stats.to_dict()
    assert d["filtered"] == {"lowercase": 1}
    assert d["span_filter"] == {"drop_lowercase": True, "drop_labels": []}
    # The ensemble's counts are before the filter; spans_written after it.
    assert (d["agreed_spans"], d["spans_written"], d["agreed_per_label"]) == (
        2,
        1,
        {"MISC": 1, "PER": 1},
    )
    assert "filtered spans" in stats.table() and "  lowercase" in stats.table()

    # Dropped sentences are counted too, like agreed_spans; a label never seen shows 0.
    span_filter = SpanFilter(drop_labels=("PER", "PERSON"))
    out, stats = pseudo_label(
        [GOVERNMENT], [a, b], EnsembleOptions(uncertain="drop-sentence", span_filter=span_filter)
    )
    assert out == []
    assert stats.to_dict()["filtered"] == {"label:PER": 1, "label:PERSON": 0}


def test_harmonize_gives_each_teacher_its_majority_label_before_the_vote():
    # Teacher a calls Pinochet PER twice and LOC once; b says PER every time. Without
    # harmonizing the third sentence is a disagreement (missing); with it a votes PER.
    corpus = [
        ["Pinochet", "habló", "."],
        ["Dijo", "Pinochet", "."],
        ["Con", "Pinochet", "y", "Chile", "."],
    ]
    a = FixedTeacher(
        "a",
        {"Pinochet": [S(0, 1, "PER")], "Dijo": [S(1, 2, "PER")], "Con": [S(1, 2, "LOC", 0.5)]},
    )
    b = FixedTeacher("b", {"Pinochet": [S(0, 1, "PER")], "Dijo": [S(1, 2, "PER")],
                           "Con": [S(1, 2, "PER"), S(3, 4, "LOC")]})  # fmt: skip
    out, stats = pseudo_label(corpus, [a, b])
    assert (out[2].spans, out[2].missing) == ([], [1, 3])
    assert stats.to_dict()["harmonize"] == "none"

    out, stats = pseudo_label(corpus, [a, b], EnsembleOptions(harmonize="first"))
    # The relabelled span keeps a's confidence (0.5); Chile has one vote in all: missing.
    assert (out[2].spans, out[2].missing) == ([S(1, 2, "PER", 0.75)], [3])
    assert stats.harmonized == [1, 0]
    assert [t["harmonized"] for t in stats.to_dict()["teachers"]] == [1, 0]
    assert re.search(r"\n  a: relabelled by head word +1\n", stats.table())
    # The majority is per batch: with one sentence per batch nothing is outvoted.
    out, stats = pseudo_label(corpus, [a, b], EnsembleOptions(harmonize="first"), batch_size=1)
    assert (out[2].spans, stats.harmonized) == ([], [0, 0])
    with pytest.raises(ValueError, match="head must be 'first' or 'last', got 'middle'"):
        EnsembleOptions(harmonize="middle")  # type: ignore[arg-type]


def test_docs_mark_missing_tokens_and_keep_scores(tmp_path):
    from spacy.tokens import DocBin

    from spacy_xlproj.io import blank_vocab, read_sentences

    items = [
        PseudoLabelled(
            0, ["Juan", "Pérez", "vive", "en", "Madrid", "."], [S(0, 2, "PER", 0.8)], [4]
        ),
        PseudoLabelled(2, ["La", "Unión", "de", "Europa"], [], [1, 2, 3]),
        PseudoLabelled(3, [], [], []),
    ]
    doc = to_doc(blank_vocab("es"), items[0])
    assert [t.ent_iob_ for t in doc] == ["B", "I", "O", "O", "", "O"]
    assert [(e.start, e.end, e.label_) for e in doc.ents] == [(0, 2, "PER")]
    assert doc.spans["xlproj"].attrs["scores"] == [0.8]

    path = tmp_path / "pseudo.spacy"
    assert write_pseudo_docbin(path, items, "es") == 3
    docs = list(DocBin().from_disk(path).get_docs(blank_vocab("es")))
    assert [t.ent_iob_ for t in docs[0]] == ["B", "I", "O", "O", "", "O"]
    assert [t.ent_iob_ for t in docs[1]] == ["O", "", "", ""]
    assert docs[0].spans["xlproj"].attrs["scores"] == [0.8]
    assert [(s.start, s.end, s.label_) for s in docs[0].spans["xlproj"]] == [(0, 2, "PER")]
    assert len(docs[2]) == 0
    # The project's own reader reads it as words and entities.
    assert read_sentences(path)[0].spans == [Span(0, 2, "PER")]
    # srsly's encoder lookup, cached while the DocBin was built, is its own again.
    from srsly.msgpack import msgpack_encoders

    assert "get_all" not in vars(msgpack_encoders)

    write_pseudo_docbin(path, items, "es", spans_key=None)
    docs = list(DocBin().from_disk(path).get_docs(blank_vocab("es")))
    assert "xlproj" not in docs[0].spans
    assert [t.ent_iob_ for t in docs[0]] == ["B", "I", "O", "O", "", "O"]

    with pytest.raises(ValueError, match="cannot be written to a DocBin"):
        write_pseudo_docbin(tmp_path / "bad.spacy", [PseudoLabelled(0, ["a b"], [], [])])
    assert not (tmp_path / "bad.spacy").exists()


# -- teachers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("translate-test:en_core_web_sm", TeacherSpec("translate-test", "en_core_web_sm")),
        ("spacy:training/model-best@2", TeacherSpec("spacy", "training/model-best", 2.0)),
        ("Zero-Shot:hf:/models/ner@0.5", TeacherSpec("zero-shot", "hf:/models/ner", 0.5)),
        # Only a number after the last "@" is a weight.
        ("spacy:/data/run@home/model", TeacherSpec("spacy", "/data/run@home/model")),
    ],
)
def test_parse_teacher_spec(text, expected):
    assert parse_teacher_spec(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("student:model", "Unknown teacher 'student:model'"),
        ("model-best", "Unknown teacher 'model-best'"),
        ("spacy:", "names no model"),
        ("spacy:model@0", "must be a finite number above 0"),
        ("spacy:model@-1", "must be a finite number above 0"),
        # #25 case 7: an infinite weight made every share NaN, so no span was accepted.
        ("spacy:model@inf", "the weight after '@' must be a finite number above 0."),
        ("spacy:model@nan", "the weight after '@' must be a finite number above 0."),
    ],
)
def test_parse_teacher_spec_errors(text, message):
    with pytest.raises(TeacherSpecError, match=message):
        parse_teacher_spec(text)


def test_spacy_teacher_uses_ents_or_scored_span_group(models):
    from spacy.language import Language
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import SpanGroup

    teacher = build_teacher(f"spacy:{models['es']}@2", tgt_lang="es")
    assert isinstance(teacher, SpacyTeacher)
    assert teacher.weight == 2.0
    assert teacher.label(WORDS[:1]) == [[S(0, 2, "PER"), S(4, 5, "ORG")]]

    # Label maps apply to source models (zero-shot); ORG is renamed, PER dropped.
    zero = build_teacher(
        f"zero-shot:{models['en']}", tgt_lang="es", label_map={"ORG": "ORGANIZATION", "PER": None}
    )
    assert zero.label(WORDS[2:3]) == [[S(3, 4, "ORGANIZATION")]]

    @Language.component("test_pseudo_scored_spans")
    def scored_spans(doc):
        spans = [SpacySpan(doc, 0, 2, "PER"), SpacySpan(doc, 1, 2, "LOC")]
        doc.spans["sc"] = SpanGroup(doc, name="sc", spans=spans, attrs={"scores": [0.75, 0.5]})
        return doc

    nlp = _ruler("es", ES_PATTERNS)
    nlp.add_pipe("test_pseudo_scored_spans")
    scored = SpacyTeacher(nlp, spans_key="sc", name="spancat")
    assert scored.label(WORDS[:1]) == [[S(0, 2, "PER", 0.75), S(1, 2, "LOC", 0.5)]]
    # Without the key, the entities at confidence 1.
    assert SpacyTeacher(nlp).label(WORDS[:1]) == [[S(0, 2, "PER"), S(4, 5, "ORG")]]


def test_translate_test_teacher_confidence_is_the_projection_score(models):
    teacher = build_teacher(
        f"translate-test:{models['en']}",
        tgt_lang="es",
        translator=f"file:{models['en_txt']}",
        aligner="lexical",
    )
    assert isinstance(teacher, TranslateTestTeacher)
    assert teacher.label(WORDS) == [
        [S(0, 2, "PER"), S(4, 5, "LOC")],
        [],
        [S(0, 1, "PER"), S(3, 4, "ORG")],
        [S(1, 4, "ORG", pytest.approx(EU_SCORE))],
    ]
    assert teacher.stats.sentences == 4
    assert teacher.stats.source_entities == 5


def test_translate_test_returns_scores_on_unhidden_words(models, tmp_path):
    from spacy_xlproj.align.lexical import LexicalAligner
    from spacy_xlproj.ner.spacy_tagger import SpacyTagger
    from spacy_xlproj.project.heuristic import HeuristicProjector
    from spacy_xlproj.transfer.tagging import translate_test, wiki_markup
    from spacy_xlproj.translate.file import FileTranslator

    # The redirect keyword is hidden from MT: the translation covers the other words.
    (tmp_path / "en.txt").write_text("The European Union\n", encoding="utf8")
    scored: list = []
    out, _ = translate_test(
        [Sentence(["REDIRECCIÓN", "Unión", "de", "Europa"])],
        translator=FileTranslator(tmp_path / "en.txt", "es", "en"),
        tagger=SpacyTagger(str(models["en"])),
        aligner=LexicalAligner(),
        projector=HeuristicProjector(),
        progress=False,
        ignore=wiki_markup,
        scored=scored,
    )
    assert out[0].spans == [Span(1, 4, "ORG")]
    assert [(p.start, p.end, p.label) for p in scored[0]] == [(1, 4, "ORG")]
    assert scored[0][0].score == pytest.approx(EU_SCORE)


class CapitalRuns:
    """Tags each run of capitalised words as PER, as a tagger reads a redirect keyword."""

    name = "capital-runs"

    def tag(self, sentences: list[list[str]]) -> list[list[Span]]:
        out = []
        for words in sentences:
            spans, start = [], None
            for i, word in enumerate([*words, "."]):
                if word[:1].isupper() and start is None:
                    start = i
                elif not word[:1].isupper() and start is not None:
                    spans.append(Span(start, i, "PER"))
                    start = None
            out.append(spans)
        return out


def test_hidden_words_are_not_shown_to_a_teacher(models):
    from spacy_xlproj.transfer.tagging import wiki_markup

    words = [["REDIRECCIÓN", "Sancho", "I", "de", "Cerdaña"], ["Sancho", "REDIRECT", "Panza"]]
    plain = TaggerTeacher(CapitalRuns(), weight=2.0)
    assert plain.label(words) == [[S(0, 3, "PER"), S(4, 5, "PER")], [S(0, 3, "PER")]]
    hiding = HidingTeacher(plain, wiki_markup)
    assert (hiding.name, hiding.weight) == ("capital-runs", 2.0)
    # The keyword starts no name; one inside a name stays inside it.
    assert hiding.label(words) == [[S(1, 3, "PER"), S(4, 5, "PER")], [S(0, 3, "PER")]]
    assert hiding.label([["REDIRECT"], []]) == [[], []]

    # --ignore-wiki-markup hides the keyword from spaCy and zero-shot teachers too.
    for kind in ("spacy", "zero-shot"):
        teacher = build_teacher(f"{kind}:{models['es']}@2", tgt_lang="es", ignore_wiki_markup=True)
        assert isinstance(teacher, HidingTeacher)
        assert teacher.weight == 2.0
        assert teacher.label([["REDIRECCIÓN", *WORDS[0]]]) == [[S(1, 3, "PER"), S(5, 6, "ORG")]]
    assert isinstance(build_teacher(f"spacy:{models['es']}", tgt_lang="es"), SpacyTeacher)


def test_missing_model_is_one_clear_error(tmp_path):
    with pytest.raises(TeacherSpecError, match="spaCy pipeline not found: .*nowhere"):
        build_teacher(f"spacy:{tmp_path / 'nowhere'}", tgt_lang="es")
    with pytest.raises(TeacherSpecError, match="spaCy pipeline not found"):
        build_teacher(f"translate-test:{tmp_path / 'nowhere'}", tgt_lang="es", aligner="lexical")


def test_ensemble_tagger_and_its_registered_function(models):
    from spacy_xlproj.registry import attach_to_spacy

    registry = attach_to_spacy()
    config = {
        "tagger": {
            "@xlproj_taggers": "spacy_xlproj.TeacherEnsemble.v1",
            "teachers": [f"spacy:{models['es']}", f"zero-shot:{models['en']}"],
            "tgt_lang": "es",
            # The sections of the pseudo-label command's config, unchanged.
            "pseudo_label": {"agreement": 1.0, "uncertain": "outside"},
            "filter": {"drop_labels": ["ORG"]},
        }
    }
    tagger = registry.resolve(config)["tagger"]
    assert isinstance(tagger, EnsembleTagger)
    # Madrid (ORG vs LOC) and the EU (one teacher) are not agreed: not entities here;
    # the filter drops the agreed ORG.
    assert tagger.tag(WORDS) == [[Span(0, 2, "PER")], [], [Span(0, 1, "PER")], []]
    assert tagger.stats.sentences == 4
    assert tagger.stats.filtered == {"label:ORG": 1}
    # The blocks are checked by the command's schema.
    config["tagger"]["pseudo_label"] = {"harmonize": "first"}
    with pytest.raises(UsageError, match=r"Unknown config key pseudo_label.harmonize"):
        registry.resolve(config)


# -- the command ---------------------------------------------------------------------------


def _run(*args: object):
    return CliRunner().invoke(app, ["pseudo-label", *(str(a) for a in args)])


def _teachers(models: dict[str, Path]) -> list[str]:
    return [
        "--teacher", f"translate-test:{models['en']}",
        "--teacher", f"spacy:{models['es']}",
        "--teacher", f"zero-shot:{models['en']}",
        "--tgt-lang", "es",
        "--translator", f"file:{models['en_txt']}",
        "--aligner", "lexical",
        "--no-progress",
    ]  # fmt: skip


def _read(path: Path) -> list:
    from spacy.tokens import DocBin

    from spacy_xlproj.io import blank_vocab

    return list(DocBin().from_disk(path).get_docs(blank_vocab("es")))


def _ents(doc) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label_) for e in doc.ents]


def test_cli_three_teachers_full_agreement(models, tmp_path):
    out, stats = tmp_path / "pseudo.spacy", tmp_path / "stats.json"
    result = _run(models["es_txt"], out, *_teachers(models), "--stats", stats)
    assert result.exit_code == 0, result.output
    docs = _read(out)
    assert [_ents(d) for d in docs] == [[(0, 2, "PER")], [], [(0, 1, "PER"), (3, 4, "ORG")], []]
    # Madrid: LOC (2 teachers) vs ORG (1); the EU: not found zero-shot. Both missing.
    assert [[t.i for t in d if t.ent_iob_ == ""] for d in docs] == [[4], [], [], [1, 2, 3]]
    assert docs[0].spans["xlproj"].attrs["scores"] == [1.0]
    report = json.loads(stats.read_text(encoding="utf8"))
    assert [(t["spans"], t["accepted"]) for t in report["teachers"]] == [(5, 3), (5, 3), (4, 3)]
    assert report["teachers"][1]["name"] == f"spacy:{models['es']}"
    assert (report["sentences"], report["sentences_written"], report["agreed_spans"]) == (4, 4, 3)
    assert (report["disagreements"], report["missing_tokens"], report["sentences_dropped"]) == (
        3,
        4,
        0,
    )
    assert report["command"] == "pseudo-label"
    assert report["projection_options"]["method"] == "heuristic"
    assert report["projection"][f"translate-test:{models['en']}"]["source_entities"] == 5
    assert "agreed spans" in result.output and "missing tokens" in result.output
    assert f"Wrote 4 sentences to {out}" in result.output


def test_cli_majority_keeps_confidence(models, tmp_path):
    out = tmp_path / "pseudo.spacy"
    result = _run(models["es_txt"], out, *_teachers(models), "--pseudo_label.agreement", "0.5")
    assert result.exit_code == 0, result.output
    docs = _read(out)
    assert _ents(docs[0]) == [(0, 2, "PER"), (4, 5, "LOC")]
    assert _ents(docs[3]) == [(1, 4, "ORG")]
    assert all(t.ent_iob_ != "" for d in docs for t in d)
    # translate-test (2/3) and the target pipeline (1) agree, of three teachers.
    (score,) = docs[3].spans["xlproj"].attrs["scores"]
    assert score == pytest.approx((EU_SCORE + 1.0) / 3, abs=1e-6)
    assert docs[0].spans["xlproj"].attrs["scores"] == pytest.approx([1.0, 2 / 3])


def test_cli_uncertain_outside_and_drop_sentence(models, tmp_path):
    columns = tmp_path / "es.conll"
    # A column file: its (wrong) tags are ignored.
    columns.write_text(
        "\n\n".join("\n".join(f"{w}\tB-MISC" for w in s.split()) for s in ES) + "\n",
        encoding="utf8",
    )
    out = tmp_path / "outside.spacy"
    result = _run(
        columns,
        out,
        *_teachers(models),
        "--pseudo_label.uncertain",
        "outside",
        "--pseudo_label.spans_key",
        "",
    )
    assert result.exit_code == 0, result.output
    docs = _read(out)
    assert not any(d.spans for d in docs)
    assert all(t.ent_iob_ in ("B", "I", "O") for d in docs for t in d)
    assert [_ents(d) for d in docs][0] == [(0, 2, "PER")]

    out, stats = tmp_path / "dropped.spacy", tmp_path / "dropped.json"
    result = _run(
        models["es_txt"], out, *_teachers(models), "--stats", stats,
        "--pseudo_label.uncertain", "drop-sentence",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [d.text for d in _read(out)] == [ES[1], ES[2]]
    report = json.loads(stats.read_text(encoding="utf8"))
    assert (report["sentences_dropped"], report["sentences_written"]) == (2, 2)
    assert report["missing_tokens"] == 0
    assert f"Wrote 2 sentences to {out}" in result.output


def test_cli_weighted_teacher(models, tmp_path):
    out = tmp_path / "w.spacy"
    args = [
        "--teacher", f"spacy:{models['es']}@2", "--teacher", f"zero-shot:{models['en']}",
        "--tgt-lang", "es", "--no-progress", "--pseudo_label.agreement", "0.6",
    ]  # fmt: skip
    result = _run(models["es_txt"], out, *args)
    assert result.exit_code == 0, result.output
    # The target pipeline holds 2/3 of the weight: its spans pass 0.6 alone.
    assert [_ents(d) for d in _read(out)] == [
        [(0, 2, "PER"), (4, 5, "ORG")],
        [],
        [(0, 1, "PER"), (3, 4, "ORG")],
        [(1, 4, "ORG")],
    ]


def _error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_cli_errors(models, tmp_path):
    out = tmp_path / "x.spacy"
    base = ["--tgt-lang", "es", "--no-progress"]

    result = _run(models["es_txt"], out, "--teacher", "student:model", *base)
    assert result.exit_code == 2
    assert _error(result).startswith("Error: Unknown teacher 'student:model': write KIND:MODEL")

    missing = tmp_path / "no_such_model"
    result = _run(models["es_txt"], out, "--teacher", f"spacy:{missing}", *base)
    assert result.exit_code == 1  # a missing model: an environment error, not a usage error
    assert _error(result).startswith(f"Error: spaCy pipeline not found: {missing}.")

    result = _run(tmp_path / "none.txt", out, "--teacher", f"spacy:{models['es']}", *base)
    assert result.exit_code == 1
    assert (
        _error(result) == f"Error: Input file not found: {tmp_path / 'none.txt'}. Check the path."
    )

    result = _run(models["es_txt"], models["es_txt"], "--teacher", f"spacy:{models['es']}", *base)
    assert result.exit_code == 1
    assert _error(result) == (
        f"Error: {models['es_txt']}: pseudo-labels are written as a spaCy DocBin, so the output "
        "must end in .spacy (column files cannot mark missing annotation)."
    )

    same = tmp_path / "same.spacy"
    same.write_bytes(b"")
    result = _run(same, same, "--teacher", f"spacy:{models['es']}", *base)
    assert result.exit_code == 1
    assert "is also an input of this command" in _error(result)

    result = _run(
        models["es_txt"], tmp_path / "x.conll", "--teacher", f"spacy:{models['es']}", *base
    )
    assert "must end in .spacy" in _error(result)

    result = _run(
        models["es_txt"], out, "--teacher", f"spacy:{models['es']}", *base,
        "--projection.merge_distance", "2",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "projection settings apply to translate-test teachers only" in _error(result)

    # Measured without gain, pseudo-label's harmonize is no setting any more.
    result = _run(
        models["es_txt"], out, "--teacher", f"spacy:{models['es']}", *base,
        "--pseudo_label.harmonize_labels", "first",
    )  # fmt: skip
    assert result.exit_code == 2
    assert _error(result).startswith("Error: Unknown config key --pseudo_label.harmonize_labels")

    bad = (
        ("agreement", "0", "Error: agreement must be above 0 and at most 1"),
        ("uncertain", "skip", "Error: pseudo_label.uncertain: use one of missing, outside, "),
        ("vote", "max", "Error: pseudo_label.vote: use one of weight, confidence, got 'max'."),
    )
    for key, value, message in bad:
        result = _run(
            models["es_txt"], out, "--teacher", f"spacy:{models['es']}", *base,
            f"--pseudo_label.{key}", value,
        )  # fmt: skip
        assert result.exit_code == 2, key
        assert _error(result).startswith(message)

    result = _run(
        models["es_txt"], out, "--teacher", f"translate-test:{models['en']}",
        "--translator", "babel", *base,
    )  # fmt: skip
    assert result.exit_code == 2
    assert _error(result).startswith("Error: Unknown translator spec 'babel'")
    assert not out.exists()


def test_cli_limit_as_in_translate_train(models, tmp_path):
    # #25 case 8: --limit -1 dropped the last sentence and 0 wrote nothing.
    out = tmp_path / "l.spacy"
    args = ["--teacher", f"spacy:{models['es']}", "--tgt-lang", "es", "--no-progress"]
    result = _run(models["es_txt"], out, *args, "--limit", "-1")
    assert (result.exit_code, _error(result)) == (
        2,
        "Error: --limit must be 0 or more (0: every sentence), got -1.",
    )
    assert not out.exists()
    for limit, n in (("0", 4), ("2", 2)):
        result = _run(models["es_txt"], out, *args, "--limit", limit)
        assert result.exit_code == 0, result.output
        assert len(_read(out)) == n


def test_cli_refuses_outputs_in_the_cache_and_bad_weights(models, tmp_path):
    cache = tmp_path / "cache"
    database = cache / "translations.sqlite3"
    args = ["--teacher", f"spacy:{models['es']}", "--tgt-lang", "es", "--no-progress"]
    out = tmp_path / "p.spacy"
    # #25 case 11: the statistics must not overwrite the cache database.
    result = _run(models["es_txt"], out, *args, "--cache-dir", cache, "--stats", database)
    assert (result.exit_code, _error(result)) == (
        1,
        f"Error: Statistics file {database} is inside --cache-dir {cache}, which this run "
        "manages; writing it would damage that folder. Choose another output path.",
    )
    result = _run(models["es_txt"], out, *args, "--stats", out)
    assert _error(result) == (
        f"Error: --stats {out} is the output file too; give the statistics another path."
    )
    # #25 case 7: two weights of 1e308 sum to inf, and every share was NaN.
    huge = [
        "--teacher",
        f"spacy:{models['es']}@1e308",
        "--teacher",
        f"zero-shot:{models['en']}@1e308",
    ]
    result = _run(models["es_txt"], out, *huge, "--tgt-lang", "es", "--no-progress")
    assert result.exit_code == 2
    assert _error(result) == (
        "Error: teacher weights are too large: their sum overflows ([1e+308, 1e+308])."
    )
    assert not out.exists()


def test_cli_teacher_pipeline_without_ner_is_refused(models, tmp_path):
    import spacy

    # #25 case 6: a pipeline with no entity recogniser labelled every word O, exit 0.
    empty = tmp_path / "no_ner"
    spacy.blank("es").to_disk(empty)
    args = ["--tgt-lang", "es", "--no-progress"]
    for kind in ("spacy", "zero-shot"):
        result = _run(models["es_txt"], tmp_path / "p.spacy", "--teacher", f"{kind}:{empty}", *args)
        assert result.exit_code == 1, kind
        assert _error(result) == (
            f"Error: Can't load the source NER pipeline '{empty}' (it has no component that "
            "sets entities: its pipes are []). Give a spaCy pipeline that is installed or a "
            "local directory: install a package with `python -m spacy download "
            f"{empty}` (for a published pipeline such as en_core_web_sm), or train one and "
            "set `source_ner` to its path, e.g. 'training/model-best'; or hf:MODEL_DIR for a "
            "Hugging Face model."
        )


def test_cli_span_filter(tmp_path):
    model, text = tmp_path / "es_ruler", tmp_path / "es.txt"
    _ruler("es", [("MISC", "español"), ("PER", "Juan Pérez"), ("ORG", "EFE")]).to_disk(model)
    text.write_text(" ".join(GOVERNMENT) + "\nEFE informa .\n", encoding="utf8")
    out, stats = tmp_path / "pseudo.spacy", tmp_path / "stats.json"
    args = ["--teacher", f"spacy:{model}", "--tgt-lang", "es", "--no-progress"]
    flags = ["--stats", stats, "--filter.drop_lowercase_spans", "--filter.drop_labels", "ORG"]
    result = _run(text, out, *args, *flags)
    assert result.exit_code == 0, result.output
    docs = _read(out)
    assert [_ents(d) for d in docs] == [[(5, 7, "PER")], []]
    assert all(t.ent_iob_ == "O" for d in docs for t in d if not t.ent_type_)
    report = json.loads(stats.read_text(encoding="utf8"))
    assert report["filtered"] == {"label:ORG": 1, "lowercase": 1}
    assert report["span_filter"] == {"drop_lowercase": True, "drop_labels": ["ORG"]}
    assert (report["agreed_spans"], report["spans_written"]) == (3, 1)
    assert "filtered spans" in result.output and "label:ORG" in result.output

    result = _run(text, out, *args, "--filter.drop_labels", "ORG,,MISC")
    assert result.exit_code == 2
    assert _error(result).startswith("Error: filter.drop_labels: expected a list of labels")
