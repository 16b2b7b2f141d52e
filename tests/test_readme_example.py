"""The README's spaCy example, run as a user runs it: the same, right spans every time.

The README adds ``xlproj_translate_test`` with Apertium and eflomal and tags one Spanish
sentence. eflomal learns from the pairs it aligns, so on that one sentence its links
changed from run to run (``[trabaja PER, Google LOC]``, then ``[Carlos Pérez trabaja
PER, en LOC]``). The English source NER here is an ``entity_ruler`` (no model to
download, and it tags the translation the same way every time), so only the aligner
and the projection could make the runs differ.
"""

from __future__ import annotations

import shutil

import pytest
import spacy
import srsly

TEXT = "Carlos Pérez trabaja para Google en Barcelona."
# The labels are the source model's: an English OntoNotes-style pipeline names them so.
EXPECTED = [("Carlos Pérez", "PERSON"), ("Google", "ORG"), ("Barcelona", "GPE")]
RUNS = 6

pytestmark = [
    pytest.mark.apertium,
    pytest.mark.eflomal,
    pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium is not installed"),
]


@pytest.fixture(scope="module")
def english_ner(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A saved English pipeline whose ``entity_ruler`` tags the example's names."""
    from spacy_xlproj.translate.apertium import installed_modes

    if "spa-eng" not in installed_modes():
        pytest.skip("apertium mode spa-eng is not installed")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "PERSON", "pattern": "Carlos Pérez"},
            {"label": "ORG", "pattern": "Google"},
            {"label": "GPE", "pattern": "Barcelona"},
            {"label": "ORG", "pattern": "European Commission"},
            {"label": "GPE", "pattern": "New York"},
        ]
    )
    path = tmp_path_factory.mktemp("models") / "en_ruler"
    nlp.to_disk(path)
    return str(path)


# Link refinement anchors names that translation copies, which hid eflomal's random links
# for this sentence; without it the spans rest on the aligner alone (eflomal on this one
# sentence gave e.g. [Google ORG, en GPE], then [en ORG, . GPE]).
UNREFINED = {"@xlproj_projectors": "spacy_xlproj.Projector.v1", "refine": False}


def _readme_nlp(source_ner: str, **config: object) -> spacy.language.Language:
    # As in the README, with the English pipeline given by path.
    nlp = spacy.blank("es")
    nlp.add_pipe(
        "xlproj_translate_test",
        config={
            "source_ner": source_ner,
            "translator": "apertium",
            "aligner": "eflomal",
            **config,
        },
    )
    return nlp


@pytest.mark.parametrize("refine", [True, False])
def test_readme_example_same_right_spans_every_run(english_ner: str, refine: bool) -> None:
    config = {} if refine else {"projector": UNREFINED}
    for run in range(RUNS):
        # A new pipeline each time, as a new process would build it.
        nlp = _readme_nlp(english_ner, **config)
        doc = nlp(TEXT)
        assert [(e.text, e.label_) for e in doc.ents] == EXPECTED, f"run {run}"
        assert doc.spans["xlproj"].attrs["source_texts"] == [text for text, _ in EXPECTED]


def test_names_that_translation_changes(english_ner: str) -> None:
    # "Comisión Europea" / "European Commission", "Nueva York" / "New York": no string
    # match, the glosses link them (refinement off, so the aligner alone places them).
    nlp = _readme_nlp(english_ner, projector=UNREFINED)
    text = "La Comisión Europea abrió una oficina en Nueva York."
    for _ in range(3):
        doc = nlp(text)
        assert doc.spans["xlproj"].attrs["translation"] == (
            "The European Commission opened an office in New York."
        )
        assert [(e.text, e.label_) for e in doc.ents] == [
            ("Comisión Europea", "ORG"),
            ("Nueva York", "GPE"),
        ]


def test_small_pipe_batches_align_alike(english_ner: str) -> None:
    nlp = _readme_nlp(english_ner)
    texts = [TEXT, "Ana Torres vive en Barcelona.", TEXT]
    for _ in range(2):
        docs = list(nlp.pipe(texts))
        assert [(e.text, e.label_) for e in docs[0].ents] == EXPECTED
        assert [(e.text, e.label_) for e in docs[2].ents] == EXPECTED
        assert [(e.text, e.label_) for e in docs[1].ents] == [("Barcelona", "GPE")]


def test_settings_say_how_small_batches_are_aligned(english_ner: str, tmp_path) -> None:
    nlp = _readme_nlp(english_ner)
    expected = {"min_batch": 32, "small_batch": "gloss:apertium"}
    pipe = nlp.get_pipe("xlproj_translate_test")
    assert pipe._settings()["aligner_settings"] == expected
    nlp(TEXT)  # the backends are built now: the settings stay the same
    assert pipe._settings()["aligner_settings"] == expected
    _, _, aligner = pipe.backends
    assert aligner.small_batch_aligner.name == "gloss:apertium:spa-eng"
    nlp.to_disk(tmp_path / "pipeline")
    saved = srsly.read_json(tmp_path / "pipeline" / "xlproj_translate_test" / "cfg")
    assert saved["aligner_settings"] == expected
    # The saved pipeline loads and gives the same spans.
    loaded = spacy.load(tmp_path / "pipeline")
    assert [(e.text, e.label_) for e in loaded(TEXT).ents] == EXPECTED


def test_translate_train_one_doc_at_a_time() -> None:
    """The other component on one doc: the English doc's entities on its translation."""
    from spacy_xlproj.translate.apertium import installed_modes

    if "eng-spa" not in installed_modes():
        pytest.skip("apertium mode eng-spa is not installed")
    expected = [("Carlos Pérez", "PERSON"), ("Google", "ORG"), ("Barcelona", "GPE")]
    for run in range(3):
        nlp = spacy.blank("en")
        ruler = nlp.add_pipe("entity_ruler")
        ruler.add_patterns([{"label": label, "pattern": text} for text, label in expected])
        nlp.add_pipe(
            "xlproj_translate_train",
            config={"tgt_lang": "es", "translator": "apertium", "aligner": "eflomal"},
        )
        # ("works for" would become "Obras de Pérez del Carlos": Apertium reads a noun.)
        doc = nlp("Yesterday Carlos Pérez visited the offices of Google in Barcelona.")
        translation = doc._.xlproj_translation
        assert translation.text == "Ayer Carlos Pérez visitó las oficinas de Google en Barcelona."
        assert [(e.text, e.label_) for e in translation.ents] == expected, f"run {run}"
    settings = nlp.get_pipe("xlproj_translate_train")._settings()["aligner_settings"]
    assert settings == {"min_batch": 32, "small_batch": "gloss:apertium"}
