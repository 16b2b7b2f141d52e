"""ProjectionOptions: every option reaches the projector of every method that uses it."""

from __future__ import annotations

from operator import attrgetter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_xlproj.cli import app
from spacy_xlproj.project.build import build_projector
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.project.matching import MatchingProjector
from spacy_xlproj.project.names import NameExpandingProjector
from spacy_xlproj.project.options import (
    DEFAULTS,
    FIELDS,
    METHODS,
    ProjectionOptionError,
    ProjectionOptions,
)
from spacy_xlproj.registry import projectors

# A value other than the default for each option, and the projector attribute it sets.
NON_DEFAULT = {
    "merge_distance": (3, "merge_distance"),
    "length_ratio": (None, "length_ratio"),
    "top_k": (2, "top_k"),
    "only_i": (True, "only_i"),
    "candidates": ("aligned", "candidates"),
    "max_len": (7, "max_len"),
    "n_proj": (2, "n_proj"),
    "constraint": ("ge", "constraint"),
    "weights": ({"align": 1.0, "string": 0.5}, "weights"),
    "embedding_model": ("/models/encoder", "encoder.model_name"),
    "embedding_layer": (3, "encoder.layer"),
    "refine": (False, "refine"),
}
# The options an option needs beside it (an encoder serves the embedding weight only).
WITH_EMBEDDING = {"weights": {"align": 1.0, "embedding": 0.5}}
NEEDS = {
    "embedding_model": WITH_EMBEDDING,
    "embedding_layer": {**WITH_EMBEDDING, "embedding_model": "/models/encoder"},
}
MATCHING_OPTIONS = {
    "candidates",
    "max_len",
    "n_proj",
    "constraint",
    "weights",
    "embedding_model",
    "embedding_layer",
    "refine",
    "expand_names",
}
USES = {
    "heuristic": {"merge_distance", "length_ratio", "top_k", "only_i", "refine", "expand_names"},
    "markers": {"merge_distance", "length_ratio", "top_k", "only_i", "refine"},
    "greedy": MATCHING_OPTIONS,
    "ilp": MATCHING_OPTIONS,
}
PAIRS = [(m, o) for m in METHODS for o in NON_DEFAULT if o in USES[m]]
UNUSED = [(m, o) for m in METHODS for o in [*NON_DEFAULT, "expand_names"] if o not in USES[m]]


def test_every_option_is_classified():
    assert set(FIELDS) == {"method", "expand_names", *NON_DEFAULT}
    for method in METHODS:
        assert set(ProjectionOptions(method=method).applicable()) == USES[method] | {"method"}


@pytest.mark.parametrize(("method", "option"), PAIRS)
def test_option_reaches_the_projector(method, option):
    value, attr = NON_DEFAULT[option]
    given = {**NEEDS.get(option, {}), option: value}
    projector = build_projector(ProjectionOptions(method=method, **given))
    expected = HeuristicProjector if method in ("heuristic", "markers") else MatchingProjector
    assert type(projector) is expected
    assert attrgetter(attr)(projector) == value
    if method in ("greedy", "ilp"):
        assert projector.solver == method


@pytest.mark.parametrize("method", ["heuristic", "greedy", "ilp"])
def test_expand_names_wraps_the_projector(method):
    projector = build_projector(ProjectionOptions(method=method, expand_names=True), lang="es")
    assert isinstance(projector, NameExpandingProjector)
    assert projector.expander.lang == "es"
    assert projector.projector.refine is True


@pytest.mark.parametrize(("method", "option"), UNUSED)
def test_inapplicable_option_is_refused(method, option):
    value = NON_DEFAULT[option][0] if option in NON_DEFAULT else True
    with pytest.raises(ProjectionOptionError, match=f"not used by method '{method}'"):
        ProjectionOptions(method=method, **{option: value})
    # Given explicitly, even the default value is refused: the user asked for it.
    default = getattr(DEFAULTS, option)
    with pytest.raises(ProjectionOptionError, match=f"projection.{option} applies to"):
        ProjectionOptions.from_given({"method": method, option: default})


def test_defaults_are_the_best_measured_settings():
    heuristic = build_projector()
    assert (heuristic.merge_distance, heuristic.length_ratio, heuristic.refine) == (1, 0.8, True)
    ilp = build_projector(ProjectionOptions(method="ilp"))
    assert (ilp.candidates, ilp.max_len, ilp.weights, ilp.refine) == (
        "ngrams",
        10,
        {"align": 1.0},
        True,
    )
    # The projectors' own constructors share the same defaults.
    assert HeuristicProjector().refine is MatchingProjector().refine is True


def test_bad_values_and_methods_are_refused():
    with pytest.raises(ProjectionOptionError, match="Unknown projection method 'lp'"):
        ProjectionOptions(method="lp")
    with pytest.raises(ProjectionOptionError, match="merge_distance must be >= 0, got -1"):
        ProjectionOptions(merge_distance=-1)
    with pytest.raises(ProjectionOptionError, match="constraint must be one of le, eq, ge"):
        ProjectionOptions(method="ilp", constraint="lt")
    with pytest.raises(ProjectionOptionError, match="Unknown projection option"):
        ProjectionOptions.from_given({"merge": 1})


def test_config_block_takes_the_same_options():
    make = projectors.get("spacy_xlproj.Projector.v1")
    projector = make(method="ilp", max_len=6, refine=False)
    assert (projector.solver, projector.max_len, projector.refine) == ("ilp", 6, False)
    assert make().refine is True
    with pytest.raises(ProjectionOptionError, match="projection.max_len applies to greedy, ilp"):
        make(method="heuristic", max_len=6)
    with pytest.raises(ProjectionOptionError, match='projector = "markers"'):
        make(method="markers")


def test_config_block_resolves_from_a_config():
    from spacy.util import registry
    from thinc.api import Config

    import spacy_xlproj.pipes.factories  # noqa: F401  (puts our registries on spaCy's)

    cfg = Config().from_str(
        """
        [p]
        @xlproj_projectors = "spacy_xlproj.Projector.v1"
        method = "greedy"
        weights = {"align": 1.0, "string": 0.5}
        expand_names = true
        lang = "es"
        """
    )
    projector = registry.resolve(cfg)["p"]
    assert isinstance(projector, NameExpandingProjector)
    assert projector.projector.weights == {"align": 1.0, "string": 0.5}
    assert projector.projector.solver == "greedy"


# --- the command line -------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "src": tmp_path / "src.conll",
        "tgt": tmp_path / "tgt.txt",
        "align": tmp_path / "a.align",
    }
    paths["src"].write_text("the\tO\nEuropean\tB-ORG\nParliament\tI-ORG\n\n", encoding="utf-8")
    paths["tgt"].write_text("el Parlamento Europeo\n", encoding="utf-8")
    paths["align"].write_text("0-0 1-2 2-1\n", encoding="utf-8")
    return paths


def _project(files: dict[str, Path], tmp_path: Path, *args: str):
    out = tmp_path / "out.conll"
    stats = tmp_path / "stats.json"
    result = runner.invoke(
        app,
        [
            "project",
            *map(str, (files["src"], files["tgt"], out)),
            "--alignments",
            str(files["align"]),
            "--stats",
            str(stats),
            *args,
        ],
    )
    return result, stats


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            (),
            "HeuristicProjector(merge_distance=1, length_ratio=0.8, top_k=None, only_i=False, "
            "refine=True)",
        ),
        (
            ("--projection.refine", "false", "--projection.merge_distance", "2"),
            "HeuristicProjector(merge_distance=2, length_ratio=0.8, top_k=None, only_i=False, "
            "refine=False)",
        ),
        (("--method", "ilp"), "MatchingProjector(candidates='ngrams', max_len=10, solver='ilp'"),
        (
            ("--method", "greedy", "--preset", "paper", "--projection.max_len", "4"),
            "MatchingProjector(candidates='ngrams', max_len=4, solver='greedy'",
        ),
    ],
)
def test_cli_flags_reach_the_projector(files, tmp_path, args, expected):
    import json

    result, stats = _project(files, tmp_path, *args)
    assert result.exit_code == 0, result.output
    projector = json.loads(stats.read_text(encoding="utf-8"))["projector"]
    assert projector.startswith(expected)


def test_cli_refine_reaches_matching(files, tmp_path):
    import json

    for args, value in (((), True), (("--projection.refine", "false"), False)):
        result, stats = _project(files, tmp_path, "--method", "ilp", *args)
        assert result.exit_code == 0, result.output
        assert f"refine={value}" in json.loads(stats.read_text(encoding="utf-8"))["projector"]


def test_cli_refuses_an_option_the_method_does_not_use(files, tmp_path):
    result, _ = _project(files, tmp_path, "--method", "ilp", "--projection.merge_distance", "1")
    assert result.exit_code == 2
    assert result.output == (
        "Error: Option(s) not used by method 'ilp': projection.merge_distance applies to "
        "heuristic, markers. Remove them or choose a method that uses them.\n"
    )
    result, _ = _project(files, tmp_path, "--method", "markers")
    assert result.exit_code == 2
    assert result.output == "Error: --method: use one of heuristic, greedy, ilp, got 'markers'.\n"


def test_a_preset_sets_only_what_the_method_uses(files, tmp_path):
    import json

    # wikiann sets expand_names (not a markers option); default sets the heuristic's options
    # (not ilp's): neither is an error, since the user did not ask for them.
    result, stats = _project(files, tmp_path, "--method", "ilp", "--preset", "wikiann")
    assert result.exit_code == 0, result.output
    projector = json.loads(stats.read_text(encoding="utf-8"))["projector"]
    assert projector.startswith("NameExpandingProjector(MatchingProjector(")


def test_readme_sections_table_matches_the_schema():
    from spacy_xlproj.settings import sections_table

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert sections_table() in readme
