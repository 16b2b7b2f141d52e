"""scripts/package.py: the model card a package carries, and a wheel that loads with spaCy
alone (#24).

The fast tests build the card from a tiny pipeline and fixed metrics/training records
and check its exact fields and README lines; the slow test packages a tiny Spanish
pipeline ending with ``xlproj_span_filter``, installs the wheel into a virtualenv that
has only spaCy, and tags a sentence there.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
import spacy
import typer
from thinc.api import Config
from typer.testing import CliRunner

from spacy_xlproj.errors import DataError, SetupError, UsageError
from spacy_xlproj.package_card import guess_dev_kind, parse_about

ROOT = Path(__file__).resolve().parents[1]
TEXT = "El Gobierno de España y Telefónica en Madrid."
METRICS = {
    "micro": {"precision": 0.6, "recall": 0.59, "f1": 0.595, "tp": 59, "fp": 39, "fn": 41},
    "per_label": {
        "PER": {"precision": 0.8, "recall": 0.75, "f1": 0.7742, "tp": 30, "fp": 7, "fn": 10},
        "LOC": {"precision": 0.5, "recall": 0.6, "f1": 0.5455, "tp": 29, "fp": 32, "fn": 31},
    },
    "errors": {},
}
TRAINING = {
    "steps": 9400,
    "epochs": 3,
    "best_step": 7800,
    "best_score": 0.813,
    "patience": 1600,
    "max_steps": 20000,
    "max_epochs": 0,
    "stopped_by": "patience",
    "converged": True,
}
ABOUT = [
    "source_data=CoNLL-2003 (English)",
    "source_licence=research only",
    "translator=apertium",
    "method=heuristic",
    "teachers=translate-test MiniLM, student-1",
    "test_data=CoNLL-2002 es test (esp.testb)",
    "notebook=n1",
]
DEV = "corpus/es/student/round-2/dev.spacy"


def load_package_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("package_script", ROOT / "scripts/package.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


package = load_package_script()


def _tiny_pipeline(path: Path, *, ner: bool, dev: str | None = DEV) -> spacy.Language:
    """blank es (+ an initialised, untrained ner), a ruler and the span filter.

    The ruler marks ``Telefónica`` ORG and ``y`` MISC; the filter drops ``y`` (lower
    case), so what the pipeline finds in TEXT is known whatever the ner does.
    """
    nlp = spacy.blank("es")
    if ner:
        component = nlp.add_pipe("ner")
        for label in ("PER", "LOC", "ORG", "MISC"):
            component.add_label(label)
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    nlp.initialize()
    ruler.add_patterns(
        [{"label": "ORG", "pattern": "Telefónica"}, {"label": "MISC", "pattern": "y"}]
    )
    nlp.add_pipe("xlproj_span_filter")
    nlp.to_disk(path)
    if dev is not None:  # as a trained pipeline's config records its dev data
        config = Config().from_disk(path / "config.cfg", interpolate=False)
        config["paths"]["dev"] = dev
        config.to_disk(path / "config.cfg")
    return nlp


@pytest.fixture()
def records(tmp_path: Path) -> tuple[Path, Path]:
    metrics, training = tmp_path / "metrics.json", tmp_path / "training.json"
    metrics.write_text(json.dumps({**METRICS, "training": {"steps": 1}}), encoding="utf8")
    training.write_text(json.dumps(TRAINING), encoding="utf8")
    return metrics, training


def test_the_card_holds_held_out_scores_selection_and_provenance(tmp_path, records):
    from spacy.cli.package import generate_readme

    model = tmp_path / "model"
    _tiny_pipeline(model, ner=False)
    meta = package.build_meta(
        model,
        package.read_config(model),
        metrics=records[0],
        training=records[1],
        about=parse_about(ABOUT),
        description="",  # an unset workflow variable: the default
        author="Ana Pérez",
        url="https://example.org/es",
        license=None,
    )
    # performance: the held-out test scores only, in spaCy's keys, and the test set.
    assert meta["performance"] == {
        "ents_p": 0.6,
        "ents_r": 0.59,
        "ents_f": 0.595,
        "ents_per_type": {
            "LOC": {"p": 0.5, "r": 0.6, "f": 0.5455},
            "PER": {"p": 0.8, "r": 0.75, "f": 0.7742},
        },
        "test_set": "CoNLL-2002 es test (esp.testb)",
    }
    # The score that chose the step, from --training (not the metrics file's copy),
    # labelled with the kind of data it was measured on.
    assert meta["model_selection"] == {
        "score": 0.813,
        "score_name": "ents_f",
        "step": 7800,
        "dev_data": DEV,
        "dev_kind": "pseudo-labelled",
        "steps": 9400,
        "epochs": 3,
        "converged": True,
        "stopped_by": "patience",
        "patience": 1600,
        "max_steps": 20000,
        "note": "measured on pseudo-labelled data, not on human-annotated data: it chose "
        "the training step; it is not the model's accuracy.",
    }
    assert meta["provenance"] == {
        "source_data": "CoNLL-2003 (English)",
        "source_licence": "research only",
        "translator": "apertium",
        "method": "heuristic",
        "teachers": "translate-test MiniLM, student-1",
        "notebook": "n1",
    }
    assert meta["license"] == "research only"  # the source data's licence by default
    assert meta["author"] == "Ana Pérez" and meta["url"] == "https://example.org/es"
    assert meta["sources"] == [{"name": "CoNLL-2003 (English)", "license": "research only"}]
    assert meta["description"] == (
        "Spanish named-entity recognition (MISC, ORG) learnt without Spanish training "
        "annotations, by cross-lingual transfer from CoNLL-2003 (English) (translator "
        "apertium; projection method heuristic; teachers translate-test MiniLM, "
        "student-1), with spacy-xlproj."
    )
    readme = generate_readme(meta).splitlines()
    for line in (
        "| `ENTS_F` | 59.50 |",
        "Scored on **CoNLL-2002 es test (esp.testb)**, human-annotated Spanish data that "
        "played no part in training or in choosing the training step. Exact entity "
        "matches (same words, same label).",
        "| `LOC` | 50.00 | 60.00 | 54.55 |",
        "| `PER` | 80.00 | 75.00 | 77.42 |",
        "| **All** | 60.00 | 59.00 | 59.50 |",
        "The packaged weights are those of step 7,800 of 9,400 (converged: no improvement "
        f"for 1,600 steps), which scored ents_f 81.30 on the development data `{DEV}`: "
        "**pseudo-labelled** data.",
        "| Source data | CoNLL-2003 (English) |",
        "| Source data licence | research only |",
        "| Teachers | translate-test MiniLM, student-1 |",
        "| Notebook | n1 |",
        "| **License** | `research only` |",
    ):
        assert line in readme, line


def test_without_metrics_performance_is_empty_not_the_dev_score(tmp_path):
    model = tmp_path / "model"
    _tiny_pipeline(model, ner=False, dev="training/es/gold-dev.spacy")
    trained_meta = json.loads((model / "meta.json").read_text())
    # What spaCy's training leaves: the dev scores of the best step.
    trained_meta["performance"] = {"ents_f": 0.813, "ner_loss": 12.0}
    (model / "meta.json").write_text(json.dumps(trained_meta))
    training = tmp_path / "training.json"
    training.write_text(json.dumps(TRAINING))
    meta = package.build_meta(
        model,
        package.read_config(model),
        metrics=None,
        training=training,
        about={},
        description="Mine.",
        author=None,
        url=None,
        license=None,
    )
    assert meta["performance"] == {}
    assert meta["model_selection"]["dev_kind"] == "gold"
    assert "note" not in meta["model_selection"]
    assert meta["description"] == "Mine." and meta["license"] == ""
    assert meta["notes"].splitlines()[2] == (
        "None: this package was built without a held-out evaluation, so its accuracy on "
        "Spanish is not known."
    )


def test_dev_kind_guesses_and_about_errors(tmp_path):
    assert guess_dev_kind("training/es/x/gold-dev.spacy") == "gold"
    assert guess_dev_kind("corpus/es/gold/dev.spacy") == "gold"
    assert guess_dev_kind("corpus/es/student/round-1/dev.spacy") == "pseudo-labelled"
    assert guess_dev_kind("corpus/es/conll2003-heuristic/dev.spacy") == "projected"
    # A student's data step names the kind beside its dev set: reviewed gold.
    round_dir = tmp_path / "round-1"
    round_dir.mkdir()
    (round_dir / "dev.kind").write_text("gold\n", encoding="utf8")
    assert guess_dev_kind(str(round_dir / "dev.spacy")) == "gold"
    assert parse_about(["a=1", "b=x=y", "a=2", "c="]) == {"b": "x=y", "a": "2"}
    assert list(parse_about(["a=1", "b=x=y", "a=2", "c="])) == ["b", "a"]
    with pytest.raises(UsageError) as err:
        parse_about(["source data"])
    assert str(err.value) == (
        "--about 'source data': expected KEY=VALUE with KEY a word such as source_data."
    )
    with pytest.raises(UsageError, match="one of gold, projected, pseudo-labelled"):
        parse_about(["dev_kind=real"])


def test_a_bad_metrics_file_is_one_line(tmp_path):
    model = tmp_path / "model"
    _tiny_pipeline(model, ner=False)
    bad = tmp_path / "bad.json"
    bad.write_text('{"f1": 0.5}')
    with pytest.raises(DataError) as err:
        package.build_meta(
            model,
            package.read_config(model),
            metrics=bad,
            training=None,
            about={},
            description=None,
            author=None,
            url=None,
            license=None,
        )
    assert str(err.value) == (
        "--metrics: not a scores file of `python -m spacy_xlproj evaluate --output` "
        "(no micro and per_label precision, recall and f1)."
    )


def test_what_needs_the_library_is_refused(tmp_path):
    config = Config().from_str(
        """
[nlp]
lang = "es"
pipeline = ["tt", "f"]
[components]
[components.tt]
factory = "xlproj_translate_test"
[components.tt.projector]
@xlproj_projectors = "spacy_xlproj.Projector.v1"
[components.f]
factory = "xlproj_span_filter"
"""
    )
    assert package.library_parts(config) == [
        "component 'tt' (factory xlproj_translate_test)",
        "@xlproj_projectors = 'spacy_xlproj.Projector.v1'",
    ]
    assert package.is_own("spacy-xlproj>=0.1.0,<0.2.0") and package.is_own("spacy_xlproj")
    assert not package.is_own("spacy-transformers>=1.3.0,<1.4.0")
    # Through the command: exit 2 and one line, before anything is written.
    model = tmp_path / "model"
    _tiny_pipeline(model, ner=False)
    config.to_disk(model / "config.cfg")
    app = typer.Typer()
    app.command()(package.main)
    result = CliRunner().invoke(app, [str(model), str(tmp_path / "out"), "--name", "x"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"Error: {model} cannot load without spacy_xlproj: component 'tt' (factory "
        "xlproj_translate_test); @xlproj_projectors = 'spacy_xlproj.Projector.v1'. Only "
        "xlproj_span_filter travels inside a package."
    )
    assert not (tmp_path / "out").exists()
    _tiny_pipeline(model, ner=False)
    result = CliRunner().invoke(app, [str(model), str(tmp_path / "out"), "--name", "es_x"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: --name 'es_x': leave out the language prefix es_."


@pytest.mark.slow
def test_the_wheel_loads_and_tags_where_only_spacy_is(tmp_path, records):
    model = tmp_path / "model-best"
    nlp = _tiny_pipeline(model, ner=True)
    here = [(e.text, e.label_) for e in nlp(TEXT).ents]
    assert ("Telefónica", "ORG") in here and ("y", "MISC") not in here
    command = [sys.executable, str(ROOT / "scripts/package.py"), str(model), str(tmp_path)]
    command += ["--name", "xlproj_test", "--version", "0.0.1"]
    command += ["--metrics", str(records[0]), "--training", str(records[1])]
    for item in ABOUT:
        command += ["--about", item]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    package_dir = tmp_path / "es_xlproj_test-0.0.1"
    wheel = package_dir / "dist" / "es_xlproj_test-0.0.1-py3-none-any.whl"
    lines = done.stdout.splitlines()
    assert lines[0] == f"wrote {wheel}"
    # The fresh virtualenv ran the whole pipeline, filter included, and found exactly
    # what the same pipeline finds here (the same weights, the same rules).
    assert lines[1].startswith("check passed in ")
    assert "pipeline ['ner', 'entity_ruler', 'xlproj_span_filter'], tagged " in lines[1]
    found = ", ".join(f"{t}/{label}" for t, label in here)
    assert lines[1].endswith(f"tagged {TEXT!r}: {found}")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta = json.loads(archive.read("es_xlproj_test/meta.json"))
        readme = archive.read("es_xlproj_test/es_xlproj_test-0.0.1/README.md").decode()
    assert "es_xlproj_test/standalone_span_filter.py" in names
    assert meta["requirements"] == []
    assert meta["performance"]["ents_f"] == 0.595
    assert meta["model_selection"]["dev_kind"] == "pseudo-labelled"
    assert "| **All** | 60.00 | 59.00 | 59.50 |" in readme
    # With spacy_xlproj installed as well, the package's copy of the component and the
    # library's entry point do not collide (spaCy's E004).
    script = (
        f"import sys; sys.path.insert(0, {str(package_dir)!r}); import es_xlproj_test; "
        f"nlp = es_xlproj_test.load(); print([(e.text, e.label_) for e in nlp({TEXT!r}).ents])"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(here)
    # A package that does not load fails the check with one line.
    with pytest.raises(SetupError) as err:
        package.check_wheel(wheel, "es_missing", TEXT, [], package.default_check_cache())
    assert str(err.value).startswith(
        "package check: spacy.load('es_missing') with only spaCy installed failed: OSError: "
        "[E050] Can't find model 'es_missing'."
    )
