"""The ``xlproj_translate_test`` and ``xlproj_translate_train`` components.

An English NER pipeline is trained in a fixture on hand-written sentences; Apertium
translates for real (the tests that need it are skipped without it) and the lexical
aligner links the names that translation leaves unchanged.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys

import pytest
import spacy
from spacy.tokens import Doc, Span
from spacy.training import Example
from thinc.api import Config, ConfigValidationError

from spacy_xlproj.ner.build import SourceModelNotFoundError
from spacy_xlproj.registry import aligners, translators
from spacy_xlproj.types import Span as XSpan

HAS_APERTIUM = shutil.which("apertium") is not None
needs_apertium = pytest.mark.apertium  # conftest: slow, and skipped without apertium

# Hand-written English training sentences for the source NER fixture.
PEOPLE = ["María López", "Carlos Pérez", "Ana Torres", "Juan García", "Lucía Romero", "Pedro Ruiz"]
PLACES = ["Madrid", "Barcelona", "Seville", "Lisbon", "Lima", "Valencia", "Bogotá", "Quito"]
ORGS = ["Google", "Toyota", "Iberia", "Siemens", "Unicef"]
TEMPLATES = [
    "{PER} lives in {LOC} .",
    "{PER} works for {ORG} in {LOC} .",
    "{PER} was born in {LOC} .",
    "The president of {ORG} visited {LOC} on Monday .",
    "{ORG} opened an office in {LOC} .",
    "{PER} met {PER2} in {LOC} yesterday .",
    "Yesterday {PER} travelled to {LOC} with {PER2} .",
    "The workers of {ORG} protested in {LOC} .",
    "It rained a lot on Sunday .",
    "The meeting ended late in the evening .",
]

LEXICAL = {"@xlproj_aligners": "spacy_xlproj.LexicalAligner.v1"}
SPA_ENG = {
    "@xlproj_translators": "spacy_xlproj.ApertiumTranslator.v1",
    "src_lang": "es",
    "tgt_lang": "en",
}
ENG_SPA = {
    "@xlproj_translators": "spacy_xlproj.ApertiumTranslator.v1",
    "src_lang": "en",
    "tgt_lang": "es",
}


def _training_docs(nlp, n: int = 60, seed: int = 0) -> list[Doc]:
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        template = rng.choice(TEMPLATES)
        fill = {
            "PER": rng.choice(PEOPLE),
            "PER2": rng.choice(PEOPLE),
            "LOC": rng.choice(PLACES),
            "ORG": rng.choice(ORGS),
        }
        words: list[str] = []
        ents: list[tuple[int, int, str]] = []
        for piece in template.split():
            if piece.startswith("{"):
                key = piece.strip("{}")
                value = fill[key].split()
                ents.append((len(words), len(words) + len(value), key.rstrip("2")))
                words.extend(value)
            else:
                words.append(piece)
        doc = Doc(nlp.vocab, words=words)
        doc.ents = [Span(doc, s, e, label=label) for s, e, label in ents]
        docs.append(doc)
    return docs


@pytest.fixture(scope="session")
def source_ner(tmp_path_factory) -> str:
    """Path of a small English NER pipeline trained on the sentences above (seconds)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    examples = [Example(nlp.make_doc(d.text), d) for d in _training_docs(nlp)]
    nlp.initialize(lambda: examples)
    rng = random.Random(1)
    for _ in range(10):
        rng.shuffle(examples)
        for i in range(0, len(examples), 8):
            nlp.update(examples[i : i + 8], drop=0.1)
    path = tmp_path_factory.mktemp("source_ner") / "en_ner"
    nlp.to_disk(path)
    return str(path)


# -- backends that count their calls (registered once per test session) -------------

CALLS: dict[str, int] = {"translate": 0, "align": 0}
WORDS = {"vive": "lives", "en": "in", "nació": "was born", "trabaja": "works", "para": "for"}


class WordByWordTranslator:
    """Spanish -> English by a small word list: deterministic, and counts its calls."""

    name = "test:word-by-word"
    src_lang = "es"
    tgt_lang = "en"

    def translate(self, texts):
        CALLS["translate"] += 1
        return [" ".join(WORDS.get(w, w) for w in t.split()) for t in texts]


class CountingLexicalAligner:
    name = "test:counting-lexical"

    def __init__(self) -> None:
        from spacy_xlproj.align.lexical import LexicalAligner

        self.inner = LexicalAligner()

    def align(self, pairs):
        CALLS["align"] += 1
        return self.inner.align(pairs)


class DiagonalExcept:
    """Links word i to word i, except the source word ``word``."""

    def __init__(self, word: str) -> None:
        self.name = f"test:diagonal-except-{word}"
        self.word = word

    def align(self, pairs):
        return [[(i, i) for i, w in enumerate(s[: len(t)]) if w != self.word] for s, t in pairs]


class FailingTranslator:
    name = "test:failing"
    src_lang = "es"
    tgt_lang = "en"

    def translate(self, texts):
        raise RuntimeError("translation service down")


if "test_pipes.WordByWord.v1" not in translators.get_all():
    translators.register("test_pipes.WordByWord.v1", func=WordByWordTranslator)
    translators.register("test_pipes.Failing.v1", func=FailingTranslator)
    aligners.register("test_pipes.CountingLexical.v1", func=CountingLexicalAligner)
    aligners.register("test_pipes.DiagonalExcept.v1", func=DiagonalExcept)


def _ents(doc: Doc) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label_) for e in doc.ents]


def _translate_test_nlp(source_ner: str, **config) -> spacy.Language:
    nlp = spacy.blank("es")
    settings = {"translator": SPA_ENG, "source_ner": source_ner, "aligner": LEXICAL}
    settings.update(config)
    nlp.add_pipe("xlproj_translate_test", config=settings)
    return nlp


# -- translate-test --------------------------------------------------------------------


@pytest.mark.apertium
@needs_apertium
def test_translate_test_with_apertium_sets_exact_entities(source_ner):
    nlp = _translate_test_nlp(source_ner)
    texts = [
        "María López vive en Madrid.",
        "Carlos Pérez trabaja para Google en Barcelona.",
        "Ayer llovió mucho.",
    ]
    docs = list(nlp.pipe(texts))
    assert _ents(docs[0]) == [(0, 2, "PER"), (4, 5, "LOC")]
    assert [e.text for e in docs[0].ents] == ["María López", "Madrid"]
    assert _ents(docs[1]) == [(0, 2, "PER"), (4, 5, "ORG"), (6, 7, "LOC")]
    assert _ents(docs[2]) == []
    group = docs[1].spans["xlproj"]
    assert [s.text for s in group] == ["Carlos Pérez", "Google", "Barcelona"]
    assert group.attrs["source_texts"] == ["Carlos Pérez", "Google", "Barcelona"]
    assert all(0.0 < score <= 1.0 for score in group.attrs["scores"])
    assert group.attrs["translation"] == "Carlos Pérez works for Google in Barcelona."
    # One doc through __call__ gives the same as through pipe.
    assert _ents(nlp(texts[0])) == _ents(docs[0])


@pytest.mark.apertium
@needs_apertium
def test_translate_test_pipeline_saves_and_loads(source_ner, tmp_path):
    nlp = _translate_test_nlp(source_ner, min_confidence=0.25, batch_size=8)
    expected = _ents(nlp("Ana Torres nació en Sevilla."))
    assert expected == [(0, 2, "PER"), (4, 5, "LOC")]
    nlp.to_disk(tmp_path / "pipeline")
    # A fresh interpreter: the factory and every @xlproj_* block resolve via entry points.
    code = (
        "import spacy, sys; nlp = spacy.load(sys.argv[1]); "
        "doc = nlp('Ana Torres nació en Sevilla.'); "
        "print([(e.start, e.end, e.label_) for e in doc.ents])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "pipeline")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == str(expected)
    loaded = spacy.load(tmp_path / "pipeline")
    pipe = loaded.get_pipe("xlproj_translate_test")
    assert (pipe.min_confidence, pipe.batch_size, pipe.source_ner) == (0.25, 8, source_ner)


def test_config_round_trip(source_ner):
    nlp = _translate_test_nlp(source_ner, min_confidence=0.5, overwrite_ents=False)
    text = nlp.config.to_str()
    again = spacy.util.load_model_from_config(Config().from_str(text), auto_fill=True)
    assert again.config["components"] == nlp.config["components"]
    component = again.config["components"]["xlproj_translate_test"]
    assert component["min_confidence"] == 0.5
    assert component["overwrite_ents"] is False
    assert component["projector"]["@xlproj_projectors"] == "spacy_xlproj.Projector.v1"
    # The filled config shows every projection option with its default.
    assert (component["projector"]["method"], component["projector"]["refine"]) == (
        "heuristic",
        True,
    )
    assert {k: component["translator"][k] for k in SPA_ENG} == SPA_ENG


def test_invalid_config_is_rejected(source_ner):
    nlp = spacy.blank("es")
    with pytest.raises(ConfigValidationError, match="source_ner"):
        nlp.add_pipe("xlproj_translate_test", config={"translator": SPA_ENG})
    with pytest.raises(ValueError, match=r"min_confidence must lie in \[0, 1\], got 1.5"):
        _translate_test_nlp(source_ner, min_confidence=1.5)
    # A block from the wrong registry: an aligner where the projector goes.
    with pytest.raises(TypeError) as info:
        _translate_test_nlp(source_ner, projector=LEXICAL)
    assert str(info.value).startswith(
        "projector must be a spec string or an object with a project() method, got LexicalAligner"
    )


def test_pipe_batches_translation_and_alignment(source_ner):
    nlp = _translate_test_nlp(
        source_ner,
        translator={"@xlproj_translators": "test_pipes.WordByWord.v1"},
        aligner={"@xlproj_aligners": "test_pipes.CountingLexical.v1"},
        batch_size=3,
    )
    texts = ["María López vive en Lima .", "Pedro Ruiz nació en Quito ."] * 4  # 8 docs
    CALLS.update(translate=0, align=0)
    docs = list(nlp.pipe(texts, batch_size=1000))
    assert CALLS == {"translate": 3, "align": 3}  # ceil(8 / 3) batches
    assert [_ents(d) for d in docs[:2]] == [
        [(0, 2, "PER"), (4, 5, "LOC")],
        [(0, 2, "PER"), (4, 5, "LOC")],
    ]


# A word-by-word translator and an aligner that leaves "López" unlinked.
UNLINKED_LOPEZ = {
    "translator": {"@xlproj_translators": "test_pipes.WordByWord.v1"},
    "aligner": {"@xlproj_aligners": "test_pipes.DiagonalExcept.v1", "word": "López"},
}
# Unrefined: refinement would anchor the unlinked, copied name by its spelling.
LOOSE_HEURISTIC = {
    "@xlproj_projectors": "spacy_xlproj.Projector.v1",
    "length_ratio": None,
    "refine": False,
}


def test_min_confidence_keeps_weak_spans_out_of_ents(source_ner):
    # "López" is left unlinked, so "María López" projects onto "María" alone, with
    # confidence 1/1 (words of the span linked) x 1/2 (entity words linked) = 0.5.
    config = {**UNLINKED_LOPEZ, "projector": LOOSE_HEURISTIC}
    text = "María López vive en Lima ."
    loose = _translate_test_nlp(source_ner, **config)(text)
    strict = _translate_test_nlp(source_ner, min_confidence=0.6, **config)(text)
    for doc in (loose, strict):
        assert [(s.start, s.end, s.label_) for s in doc.spans["xlproj"]] == [
            (0, 1, "PER"),
            (4, 5, "LOC"),
        ]
        assert doc.spans["xlproj"].attrs["scores"] == [0.5, 1.0]
    assert _ents(loose) == [(0, 1, "PER"), (4, 5, "LOC")]
    assert _ents(strict) == [(4, 5, "LOC")]


def test_name_expanding_projector_in_the_component_config(source_ner):
    # The same unlinked "López" as above: expansion restores the whole name.
    config = {
        **UNLINKED_LOPEZ,
        "projector": {
            "@xlproj_projectors": "spacy_xlproj.NameExpandingProjector.v1",
            "lang": "es",
            "projector": LOOSE_HEURISTIC,
        },
    }
    nlp = _translate_test_nlp(source_ner, **config)
    doc = nlp("María López vive en Lima .")
    assert _ents(doc) == [(0, 2, "PER"), (4, 5, "LOC")]
    assert doc.spans["xlproj"].attrs["scores"] == [0.5, 1.0]
    component = nlp.config["components"]["xlproj_translate_test"]["projector"]
    assert component["projector"]["@xlproj_projectors"] == "spacy_xlproj.Projector.v1"
    # The filled config shows every projection option, defaults included.
    assert (component["projector"]["method"], component["projector"]["refine"]) == (
        "heuristic",
        False,
    )


def test_existing_entities_overwritten_or_kept(source_ner):
    def run(overwrite: bool) -> list[tuple[int, int, str]]:
        nlp = _translate_test_nlp(
            source_ner,
            translator={"@xlproj_translators": "test_pipes.WordByWord.v1"},
            overwrite_ents=overwrite,
        )
        doc = nlp.make_doc("María López vive en Lima .")
        doc.ents = [Span(doc, 0, 1, label="MISC"), Span(doc, 3, 4, label="MISC")]
        return _ents(nlp.get_pipe("xlproj_translate_test")(doc))

    assert run(True) == [(0, 2, "PER"), (4, 5, "LOC")]
    # Kept: "María" (MISC) blocks the projected PER "María López"; "Lima" is added.
    assert run(False) == [(0, 1, "MISC"), (3, 4, "MISC"), (4, 5, "LOC")]


def test_error_handler_gets_each_failed_batch(source_ner):
    nlp = _translate_test_nlp(
        source_ner, translator={"@xlproj_translators": "test_pipes.Failing.v1"}, batch_size=2
    )
    with pytest.raises(RuntimeError, match="translation service down"):
        list(nlp.pipe(["Ana vive en Lima .", "Juan vive en Quito ."]))
    failed: list[list[str]] = []
    nlp.set_error_handler(lambda name, proc, docs, e: failed.append([d.text for d in docs]))
    docs = list(nlp.pipe(["Ana vive en Lima .", "Juan vive en Quito .", "Hola ."]))
    assert failed == [["Ana vive en Lima .", "Juan vive en Quito ."], ["Hola ."]]
    assert [d.ents for d in docs] == [(), (), ()]


def test_missing_source_model_says_how_to_fix(tmp_path):
    missing = str(tmp_path / "no_such_model")
    nlp = _translate_test_nlp(
        missing, translator={"@xlproj_translators": "test_pipes.WordByWord.v1"}
    )
    with pytest.raises(SourceModelNotFoundError) as info:
        nlp.initialize()
    message = str(info.value)
    assert message.startswith(f"Can't load the source NER pipeline '{missing}' ([E050]")
    assert f"`python -m spacy download {missing}`" in message
    assert "set `source_ner` to its path, e.g. 'training/model-best'" in message
    # Without initialize(), the first doc raises the same error.
    with pytest.raises(SourceModelNotFoundError):
        nlp("Ana vive en Lima .")


def test_source_pipeline_without_ner_is_rejected(tmp_path):
    spacy.blank("en").to_disk(tmp_path / "blank_en")
    nlp = _translate_test_nlp(
        str(tmp_path / "blank_en"), translator={"@xlproj_translators": "test_pipes.WordByWord.v1"}
    )
    with pytest.raises(SourceModelNotFoundError, match=r"it has no component that sets entities"):
        nlp.initialize()


# -- translate-train -------------------------------------------------------------------


@pytest.mark.apertium
@needs_apertium
def test_translate_train_attaches_labelled_translations(source_ner):
    nlp = spacy.load(source_ner)
    nlp.add_pipe(
        "xlproj_translate_train",
        config={"tgt_lang": "es", "translator": ENG_SPA, "aligner": LEXICAL},
    )
    texts = [
        "María López was born in Madrid.",
        "Ana Torres travelled to Lisbon with Juan García.",
    ]
    translations = [doc._.xlproj_translation for doc in nlp.pipe(texts)]
    assert [t.text for t in translations] == [
        "María López nació en Madrid.",
        "Ana Torres viajó a Lisboa con Juan García.",
    ]
    assert translations[0].lang_ == "es"
    assert _ents(translations[0]) == [(0, 2, "PER"), (4, 5, "LOC")]
    # "Lisbon" -> "Lisboa": the aligner links the cognate, so the place is carried over.
    assert _ents(translations[1]) == [(0, 2, "PER"), (4, 5, "LOC"), (6, 8, "PER")]
    group = translations[1].spans["xlproj"]
    assert group.attrs["source_texts"] == ["Ana Torres", "Lisbon", "Juan García"]
    assert group.attrs["dropped"] == 0


def test_translate_train_on_gold_entities_counts_dropped():
    class Identity:
        name = "test:identity"
        src_lang = "en"
        tgt_lang = "es"

        def translate(self, texts):
            return [t.replace(" in ", " en ") for t in texts]

    class NoLinksFor:
        """Links every word to itself except the word 'Lima'."""

        name = "test:no-lima"

        def align(self, pairs):
            return [[(i, i) for i, w in enumerate(s) if w != "Lima"] for s, _ in pairs]

    from spacy_xlproj.pipes.translate_train_pipe import TranslateTrainComponent
    from spacy_xlproj.project.heuristic import HeuristicProjector

    nlp = spacy.blank("en")
    component = TranslateTrainComponent(
        nlp.vocab,
        src_lang="en",
        tgt_lang="es",
        translator=Identity(),
        aligner=NoLinksFor(),
        projector=HeuristicProjector(refine=False),  # no anchoring of the copied "Lima"
    )
    doc = nlp.make_doc("Ana Torres lives in Lima")
    doc.ents = [Span(doc, 0, 2, label="PER"), Span(doc, 4, 5, label="LOC")]
    target = component(doc)._.xlproj_translation
    assert target.text == "Ana Torres lives en Lima"
    assert _ents(target) == [(0, 2, "PER")]
    assert target.spans["xlproj"].attrs["dropped"] == 1


class Upper:
    name = "test:upper"
    src_lang = "en"
    tgt_lang = "es"

    def __init__(self) -> None:
        self.texts: list[str] = []

    def translate(self, texts):
        self.texts.extend(texts)
        return [t.upper() for t in texts]


class Diagonal:
    name = "test:diagonal"

    def align(self, pairs):
        return [[(i, i) for i in range(min(len(s), len(t)))] for s, t in pairs]


def test_empty_doc_gets_an_empty_translation_and_drops_its_entities():
    from spacy_xlproj.pipes.translate_train_pipe import TranslateTrainComponent
    from spacy_xlproj.project.heuristic import HeuristicProjector

    nlp = spacy.blank("en")
    translator = Upper()
    component = TranslateTrainComponent(
        nlp.vocab,
        src_lang="en",
        tgt_lang="es",
        translator=translator,
        aligner=Diagonal(),
        projector=HeuristicProjector(),
    )
    empty = nlp.make_doc("  ")
    doc = nlp.make_doc("Ana runs")
    doc.ents = [Span(doc, 0, 1, label="PER")]
    docs = list(component.pipe([empty, doc]))
    assert translator.texts == ["Ana runs"]  # the empty doc is not sent
    assert len(docs[0]._.xlproj_translation) == 0
    assert docs[0]._.xlproj_translation.spans["xlproj"].attrs["dropped"] == 0
    target = docs[1]._.xlproj_translation
    assert (target.text, _ents(target)) == ("ANA RUNS", [(0, 1, "PER")])


def test_project_sentences_keeps_scores_and_dropped_entities():
    from spacy_xlproj.project.heuristic import HeuristicProjector
    from spacy_xlproj.tokenize import Tokenizer
    from spacy_xlproj.transfer import project_sentences
    from spacy_xlproj.types import Sentence

    results = project_sentences(
        [
            Sentence([], []),
            Sentence(["Ana", "runs", "in", "Lima"], [XSpan(0, 1, "PER"), XSpan(3, 4, "LOC")]),
        ],
        translator=Upper(),
        aligner=DiagonalExcept("Lima"),
        projector=HeuristicProjector(refine=False),  # no anchoring of "LIMA" by spelling
        tokenizer=Tokenizer("es"),
    )
    assert [r.words for r in results] == [[], ["ANA", "RUNS", "IN", "LIMA"]]
    assert results[0].dropped_sentence == "empty_translation"
    assert results[1].dropped_sentence is None
    assert results[1].projection.target_spans() == [XSpan(0, 1, "PER")]
    assert [s.score for s in results[1].projection.spans] == [1.0]
    assert [(d.source, d.reason) for d in results[1].projection.dropped] == [(1, "unaligned")]
    assert results[1].translation == "ANA RUNS IN LIMA"


def test_mark_text_keeps_the_spacing_of_the_text():
    from spacy_xlproj.transfer.train import mark_text
    from spacy_xlproj.types import Sentence

    sentence = Sentence(
        ["Ana", "Torres", "met", "Lima", "Quito", "."],
        [XSpan(0, 2, "PER"), XSpan(3, 4, "LOC"), XSpan(4, 5, "LOC")],
    )
    assert mark_text("Ana Torres met Lima Quito.", sentence) == "[Ana Torres] met [Lima] [Quito]."
    # A marker character in the text: the words are marked instead (it is replaced).
    assert mark_text("Ana Torres met Lima Quito[.", sentence) == (
        "[ Ana Torres ] met [ Lima ] [ Quito ] ."
    )


@pytest.mark.apertium
@needs_apertium
def test_translate_train_component_with_markers():
    from spacy_xlproj.pipes.translate_train_pipe import TranslateTrainComponent

    nlp = spacy.blank("en")
    component = TranslateTrainComponent(
        nlp.vocab,
        src_lang="en",
        tgt_lang="es",
        translator=translators.get("spacy_xlproj.ApertiumTranslator.v1")("en", "es"),
        aligner=None,
        projector="markers",
    )
    doc = nlp.make_doc("Ana Torres travelled to Lisbon with Juan García.")
    doc.ents = [
        Span(doc, 0, 2, label="PER"),
        Span(doc, 4, 5, label="LOC"),
        Span(doc, 6, 8, label="PER"),
    ]
    target = component(doc)._.xlproj_translation
    # "[Ana Torres] travelled to [Lisbon] with [Juan García]." was translated; the
    # brackets are gone from the text and the ranges they marked carry the labels.
    assert target.text == "Ana Torres viajó a Lisboa con Juan García."
    assert _ents(target) == [(0, 2, "PER"), (4, 5, "LOC"), (6, 8, "PER")]
    group = target.spans["xlproj"]
    assert group.attrs["source_texts"] == ["Ana Torres", "Lisbon", "Juan García"]
    assert group.attrs["dropped"] == 0


def test_translate_train_projector_settings_are_checked():
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="Unknown projection method 'marks'"):
        nlp.add_pipe(
            "xlproj_translate_train",
            config={"tgt_lang": "es", "translator": ENG_SPA, "projector": "marks"},
        )
    with pytest.raises(
        ValueError, match='set aligner \\(e.g. "eflomal"\\), or projector = "markers"'
    ):
        nlp.add_pipe("xlproj_translate_train", config={"tgt_lang": "es", "aligner": None})
    nlp.add_pipe(
        "xlproj_translate_train",
        config={"tgt_lang": "es", "aligner": None, "projector": "markers"},
    )
    assert nlp.get_pipe("xlproj_translate_train").projector == "markers"


def test_factories_module_imports_nothing_heavy():
    # spaCy imports the factories module on every spacy.blank/spacy.load. Make the heavy
    # modules unimportable (spaCy and thinc cope with a missing torch): the import must
    # still work and must not even have tried them.
    heavy = ["torch", "transformers", "spacy_transformers", "simalign", "eflomal", "scipy.optimize"]
    code = (
        "import sys\n"
        f"for name in {heavy!r}: sys.modules[name] = None\n"
        "from spacy.language import Language\n"
        "import spacy_xlproj.pipes.factories\n"
        "print(Language.has_factory('xlproj_translate_test'),"
        " Language.has_factory('xlproj_translate_train'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True True"


def test_unknown_backend_specs_are_refused_at_add_pipe(source_ner):
    # Refused when the component is built, before any text is processed.
    nlp = spacy.blank("es")
    with pytest.raises(ValueError) as info:
        nlp.add_pipe(
            "xlproj_translate_test", config={"source_ner": source_ner, "translator": "apertum"}
        )
    assert str(info.value).startswith("translator: Unknown translator spec 'apertum'.")
    with pytest.raises(ValueError, match="aligner: Unknown aligner spec 'eflomall'. Use one of"):
        nlp.add_pipe(
            "xlproj_translate_test", config={"source_ner": source_ner, "aligner": "eflomall"}
        )
    with pytest.raises(ValueError, match="source_ner: Empty NER model spec"):
        nlp.add_pipe("xlproj_translate_test", config={"source_ner": ""})
    en = spacy.blank("en")
    with pytest.raises(ValueError, match="aligner: Unknown aligner spec 'simalign'"):
        en.add_pipe("xlproj_translate_train", config={"tgt_lang": "es", "aligner": "simalign"})
    assert nlp.pipe_names == [] and en.pipe_names == []
