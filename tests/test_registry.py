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
REGISTRIES = ("translators", "aligners", "projectors", "taggers")
# `@aligners("name")` or `@aligners.register("name")`, then the function it decorates.
REGISTRATION = re.compile(
    r'^@(?:registry\.)?(translators|aligners|projectors|taggers)(?:\.register)?\(\s*"([^"]+)"\s*\)'
    r"\s*\n(?:@.*\n)*def (\w+)",
    re.M,
)


def _registrations() -> dict[str, dict[str, str]]:
    """What the source registers: registry -> {name: "module:function"}."""
    found: dict[str, dict[str, str]] = {reg: {} for reg in REGISTRIES}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for reg, name, func in REGISTRATION.findall(path.read_text(encoding="utf8")):
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
print(json.dumps({
    "found": found,
    "factories": factories,
    "corpus": [type(corpus.aligner).__name__, corpus.projector.merge_distance],
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
    # Resolving a name imports its module, not the backend library it wraps.
    assert result["heavy"] == []
