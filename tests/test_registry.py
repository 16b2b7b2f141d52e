"""Every registered function is advertised by an entry point and resolves without ``--code``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "spacy_xlproj"
REGISTRIES = ("translators", "aligners", "projectors", "taggers", "encoders")
# `@aligners("name")` or `@aligners.register("name")`, then the function it decorates.
REGISTRATION = re.compile(
    r'^@(?:registry\.)?(translators|aligners|projectors|taggers|encoders)(?:\.register)?\(\s*"([^"]+)"\s*\)'
    r"\s*\n(?:@.*\n)*def (\w+)",
    re.M,
)
# `projectors.register("name", func=Class)`: a class registered as it is.
ASSIGNED = re.compile(
    r"^(translators|aligners|projectors|taggers|encoders)"
    r'\.register\(\s*"([^"]+)",\s*func=(\w+)\)',
    re.M,
)


def _registrations() -> dict[str, dict[str, str]]:
    """What the source registers: registry -> {name: "module:function"}."""
    found: dict[str, dict[str, str]] = {reg: {} for reg in REGISTRIES}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        text = path.read_text(encoding="utf8")
        for reg, name, func in REGISTRATION.findall(text):
            found[reg][name] = f"{module}:{func}"
        for reg, name, func in ASSIGNED.findall(text):
            found[reg][name] = f"{module}:{func}"
    return found


def _advertised(group: str) -> dict[str, str]:
    """Our entry points in ``group`` (other installed packages may add their own)."""
    return {
        ep.name: ep.value
        for ep in entry_points(group=group)
        if ep.value.startswith("spacy_xlproj.")
    }


def test_every_registration_has_an_entry_point():
    registrations = _registrations()
    assert sum(len(names) for names in registrations.values()) >= 6
    for reg, names in registrations.items():
        assert _advertised(f"spacy_xlproj_{reg}") == names, reg


def test_spacy_entry_points():
    assert _advertised("spacy_factories") == {
        "xlproj_translate_test": "spacy_xlproj.pipes.factories:make_translate_test",
        "xlproj_translate_train": "spacy_xlproj.pipes.factories:make_translate_train",
        "xlproj_span_filter": "spacy_xlproj.pipes.factories:make_span_filter",
    }
    assert _advertised("spacy_readers") == {
        "spacy_xlproj.ProjectedCorpus.v1": "spacy_xlproj.readers:create_projected_corpus",
        "spacy_xlproj.ColumnCorpus.v1": "spacy_xlproj.readers:create_column_corpus",
    }
    assert _advertised("spacy_cli") == {"xlproj": "spacy_xlproj.spacy_cli:app"}
    assert _advertised("spacy_augmenters") == {
        "spacy_xlproj.entity_fragments.v1": "spacy_xlproj.augment:create_entity_fragments_augmenter"
    }


FRESH = """
import json, sys
import spacy
from spacy.language import Language
from spacy.util import registry
from thinc.api import Config

# What a user's script or `spacy train` does first: create a pipeline. spaCy loads the
# factory entry points, and with them our registries; nothing of ours is imported here.
spacy.blank("xx")
names = json.loads(sys.argv[1])
found = {}
for reg, funcs in names.items():
    for name in funcs:
        func = registry.get(f"xlproj_{reg}", name)
        found[name] = f"{func.__module__}:{func.__name__}"
for name in ("spacy_xlproj.ProjectedCorpus.v1", "spacy_xlproj.ColumnCorpus.v1"):
    func = registry.get("readers", name)
    found[name] = f"{func.__module__}:{func.__name__}"
factories = [Language.has_factory(n) for n in ("xlproj_translate_test", "xlproj_translate_train")]
# A training corpus block with nested backend blocks resolves from the config alone.
corpus = registry.resolve(Config({"c": {
    "@readers": "spacy_xlproj.ProjectedCorpus.v1",
    "path": "train.conll", "src_lang": "en", "tgt_lang": "es",
    "aligner": {"@xlproj_aligners": "spacy_xlproj.LexicalAligner.v1"},
    "projector": {"@xlproj_projectors": "spacy_xlproj.HeuristicProjector.v1", "merge_distance": 2},
}}))["c"]
# A component config with nested backend blocks, as `spacy train` or `spacy.load` meet it.
pipe = spacy.blank("es").add_pipe("xlproj_translate_test", config={
    "source_ner": "en_core_web_sm",  # resolved on first use: need not be installed
    "aligner": {"@xlproj_aligners": "spacy_xlproj.LexicalAligner.v1"},
    "projector": {"@xlproj_projectors": "spacy_xlproj.MatchingProjector.v1", "solver": "greedy"},
})
print(json.dumps({
    "found": found,
    "factories": factories,
    "corpus": [type(corpus.aligner).__name__, corpus.projector.merge_distance],
    "component": [type(pipe.aligner).__name__, type(pipe.projector).__name__],
    "heavy": [m for m in ("simalign", "eflomal") if m in sys.modules],
}))
"""


@pytest.mark.slow
def test_every_name_resolves_in_a_fresh_interpreter():
    registrations = _registrations()
    names = {reg: sorted(funcs) for reg, funcs in registrations.items()}
    out = subprocess.run(
        [sys.executable, "-c", FRESH, json.dumps(names)], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    expected = {name: value for funcs in registrations.values() for name, value in funcs.items()}
    expected["spacy_xlproj.ProjectedCorpus.v1"] = "spacy_xlproj.readers:create_projected_corpus"
    expected["spacy_xlproj.ColumnCorpus.v1"] = "spacy_xlproj.readers:create_column_corpus"
    assert result["found"] == expected
    assert result["factories"] == [True, True]
    assert result["corpus"] == ["LexicalAligner", 2]
    assert result["component"] == ["LexicalAligner", "MatchingProjector"]
    # Resolving a name imports its module, not the backend library it wraps.
    assert result["heavy"] == []


LIGHT_THEN_SPACY = """
import json, sys
# The projection core first, as `python -m spacy_xlproj project` imports it: no spaCy.
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.registry import aligners, encoders, projectors, taggers, translators
light = [m for m in ("spacy", "thinc", "torch") if m in sys.modules]
# spaCy afterwards: creating a pipeline attaches the same registries to spaCy's.
import spacy
from spacy.util import registry
from thinc.api import Config

spacy.blank("xx")
made = registry.resolve(Config({"p": {
    "@xlproj_projectors": "spacy_xlproj.HeuristicProjector.v1", "merge_distance": 3,
}}))["p"]
print(json.dumps({
    "light": light,
    "same": [
        registry.xlproj_translators is translators,
        registry.xlproj_aligners is aligners,
        registry.xlproj_projectors is projectors,
        registry.xlproj_taggers is taggers,
        registry.xlproj_encoders is encoders,
    ],
    "made": [type(made) is HeuristicProjector, made.merge_distance],
    "groups": [
        r.entry_point_namespace for r in (translators, aligners, projectors, taggers, encoders)
    ],
}))
"""


@pytest.mark.slow  # two fresh interpreters
def test_registries_load_without_spacy_and_attach_to_it_later():
    out = subprocess.run([sys.executable, "-c", LIGHT_THEN_SPACY], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["light"] == []
    assert result["same"] == [True] * 5
    assert result["made"] == [True, 3]
    # The entry point groups that pyproject.toml advertises.
    assert result["groups"] == [f"spacy_xlproj_{reg}" for reg in REGISTRIES]


def test_attach_to_spacy_is_idempotent():
    from spacy.util import registry as spacy_registry

    from spacy_xlproj import registry

    assert registry.attach_to_spacy() is spacy_registry
    assert registry.attach_to_spacy() is spacy_registry
    assert spacy_registry.xlproj_projectors is registry.projectors
    assert "xlproj_projectors" in spacy_registry.get_registry_names()
    # The name this module exported when it imported spaCy eagerly still works.
    from spacy_xlproj.registry import registry as exported

    assert exported is spacy_registry
