"""The xlproj_span_filter component: predicted entities the target language does not call
names are removed, in a pipeline that saves and loads like any other."""

from __future__ import annotations

import pytest
import spacy

from spacy_xlproj.pipes.span_filter_pipe import SpanFilterComponent, add_span_filter
from spacy_xlproj.transfer.span_filters import SpanFilter

WORDS = ["El", "atleta", "español", "Juan", "Pérez", "ganó", "en", "1998", "a", "EFE", "."]


def _ruler_pipeline():
    nlp = spacy.blank("es")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "MISC", "pattern": "español"},
            {"label": "PER", "pattern": "Juan Pérez"},
            {"label": "DATE", "pattern": "1998"},
            {"label": "ORG", "pattern": "EFE"},
        ]
    )
    return nlp


def _ents(doc) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in doc.ents]


def test_the_factory_drops_lowercase_entities_by_default():
    nlp = _ruler_pipeline()
    component = nlp.add_pipe("xlproj_span_filter")
    doc = nlp(" ".join(WORDS))
    # español goes; names, all-caps words and digits (no cased letter) stay.
    assert _ents(doc) == [("Juan Pérez", "PER"), ("1998", "DATE"), ("EFE", "ORG")]
    assert [t.ent_iob_ for t in doc][:3] == ["O", "O", "O"]
    assert component.filtered == {"lowercase": 1}


def test_labels_and_an_inactive_filter():
    nlp = _ruler_pipeline()
    nlp.add_pipe("xlproj_span_filter", config={"drop_lowercase": False, "drop_labels": ["ORG"]})
    assert _ents(nlp(" ".join(WORDS))) == [
        ("español", "MISC"),
        ("Juan Pérez", "PER"),
        ("1998", "DATE"),
    ]
    nlp = _ruler_pipeline()
    nlp.add_pipe("xlproj_span_filter", config={"drop_lowercase": False})
    assert len(nlp(" ".join(WORDS)).ents) == 4


def test_capitalised_missing_is_refused():
    with pytest.raises(ValueError, match="does not apply here"):
        SpanFilterComponent("f", SpanFilter(capitalised_missing=True))


def test_add_span_filter_to_a_saved_pipeline(tmp_path):
    model = tmp_path / "model-best"
    _ruler_pipeline().to_disk(model)
    assert add_span_filter(model, SpanFilter(drop_lowercase=True)) is True
    nlp = spacy.load(model)
    assert nlp.pipe_names == ["entity_ruler", "xlproj_span_filter"]
    assert ("español", "MISC") not in _ents(nlp(" ".join(WORDS)))
    # Once only; no folder is left beside it.
    assert add_span_filter(model, SpanFilter(drop_lowercase=True)) is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model-best"]
    # A run killed between the two renames: the old pipeline is put back first.
    model.rename(tmp_path / "model-best.old")
    assert add_span_filter(model, SpanFilter(drop_lowercase=True)) is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model-best"]
