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


def test_a_string_is_one_label_or_comma_separated_labels():
    # #25 case 10: "MISC" was read as the labels M, I, S, C and MISC was kept.
    nlp = _ruler_pipeline()
    component = nlp.add_pipe(
        "xlproj_span_filter", config={"drop_lowercase": False, "drop_labels": "MISC"}
    )
    assert component.drop_labels == ("MISC",)
    assert _ents(nlp(" ".join(WORDS))) == [("Juan Pérez", "PER"), ("1998", "DATE"), ("EFE", "ORG")]
    assert component.filtered == {"label:MISC": 1}
    nlp = _ruler_pipeline()
    nlp.add_pipe("xlproj_span_filter", config={"drop_lowercase": False, "drop_labels": "MISC, ORG"})
    assert _ents(nlp(" ".join(WORDS))) == [("Juan Pérez", "PER"), ("1998", "DATE")]
    # The library's filter reads a string the same way.
    assert SpanFilter(drop_labels="MISC").drop_labels == ("MISC",)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="labels separated by commas"):
        SpanFilterComponent("f", drop_labels="MISC,")


def test_the_string_setting_survives_saving(tmp_path):
    nlp = _ruler_pipeline()
    nlp.add_pipe("xlproj_span_filter", config={"drop_lowercase": False, "drop_labels": "MISC"})
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert loaded.get_pipe("xlproj_span_filter").drop_labels == ("MISC",)
    assert ("español", "MISC") not in _ents(loaded(" ".join(WORDS)))


@pytest.mark.slow
def test_a_packaged_copy_of_the_module_and_the_library_register_once(tmp_path):
    """A model package imports its own copy of the standalone module: with spacy_xlproj
    installed too, whichever registers first wins and the other does not raise E004."""
    import shutil
    import subprocess
    import sys

    from spacy_xlproj.pipes import standalone_span_filter

    shutil.copy(standalone_span_filter.__file__, tmp_path / "standalone_span_filter.py")
    script = (
        "import spacy, standalone_span_filter as copy\n"
        "from spacy.util import registry\n"
        # The copy came first (no Language yet): the library's entry point leaves it be.
        "nlp = spacy.blank('es')\n"
        "assert registry.factories.get('xlproj_span_filter') is copy.make_span_filter\n"
        "nlp.add_pipe('xlproj_span_filter', config={'drop_labels': 'MISC'})\n"
        "import spacy_xlproj.pipes.factories as lib\n"
        "assert lib.make_span_filter is not copy.make_span_filter\n"
        "print(nlp.pipe_names)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['xlproj_span_filter']"
    # The library came first: importing a copy afterwards does not raise either.
    script = (
        "import spacy\n"
        "nlp = spacy.blank('es')\n"
        "import standalone_span_filter as copy\n"
        "from spacy.util import registry\n"
        "from spacy_xlproj.pipes.factories import make_span_filter\n"
        "assert registry.factories.get('xlproj_span_filter') is make_span_filter\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


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
