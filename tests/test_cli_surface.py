"""The command-line surface (issue #23): at most 15 options a command, one meaning per
flag, and every other setting in a preset, a config file or a ``--section.key`` override."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from spacy_xlproj.cli import app
from spacy_xlproj.io import read_sentences
from spacy_xlproj.settings import PRESET_DIR, PRESETS, SECTIONS, read_config
from spacy_xlproj.types import Span

runner = CliRunner()
COMMANDS = sorted(c.name for c in app.registered_commands if c.name)
# The count of the issue, on the help as a wide terminal shows it.
_OPTION = re.compile(r"(?:^|[ │])(--[a-z][a-z0-9-]*)", re.MULTILINE)


def _options(command: str) -> set[str]:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return set(_OPTION.findall(result.output)) - {"--help"}


def test_every_command_is_counted():
    assert {
        "project", "align", "translate", "translate-train", "translate-test", "pseudo-label",
        "evaluate",
    } <= set(COMMANDS)  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_at_most_15_options_in_help(command):
    options = _options(command)
    assert len(options) <= 15, sorted(options)


def test_the_contract_flags():
    assert _options("translate-train") == {
        "--src-lang", "--tgt-lang", "--translator", "--aligner", "--method", "--preset",
        "--config", "--cache-dir", "--work-dir", "--stats", "--limit", "--engine", "--workers",
        "--progress", "--no-progress",
    }  # fmt: skip
    assert _options("pseudo-label") - _options("translate-test") == {"--teacher"}
    assert _options("translate-test") - _options("pseudo-label") == {"--ner"}


def test_no_short_flag_has_two_meanings():
    group = typer.main.get_command(app)
    meanings: dict[str, set[str]] = {}
    for command in group.commands.values():  # type: ignore[attr-defined]
        for param in command.params:
            opts = [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]
            longs = [o for o in opts if o.startswith("--")]
            for short in (o for o in opts if re.fullmatch(r"-[A-Za-z]", o)):
                meanings.setdefault(short, set()).update(longs)
    assert {s: m for s, m in meanings.items() if len(m) > 1} == {}
    # The contract's languages have no short flags (-s was also --symmetrize, -t …).
    assert "-s" not in meanings and "-t" not in meanings and "-m" not in meanings


def test_help_says_where_every_other_setting_lives():
    result = runner.invoke(app, ["translate-test", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.output.split())
    assert '"--section.key value"' in text
    for section in ("projection", "translate_test", "engine"):
        assert f"Section {section}: " + ", ".join(SECTIONS[section]) in text


def test_presets_are_shipped_and_checked():
    assert sorted(p.stem for p in PRESET_DIR.glob("*.cfg")) == sorted(PRESETS)
    # default.cfg lists every key with the schema's default: the measured defaults.
    default = read_config(PRESET_DIR / "default.cfg")
    assert default == {
        s: {k: key.default for k, key in keys.items()} for s, keys in SECTIONS.items()
    }
    assert read_config(PRESET_DIR / "paper.cfg") == {"projection": {"refine": False}}
    assert read_config(PRESET_DIR / "wikiann.cfg") == {
        "projection": {"expand_names": True},
        "translate_test": {"harmonize_labels": "first", "ignore_wiki_markup": True},
        "pseudo_label": {"ignore_wiki_markup": True},
    }


# -- preset, config file and overrides change the result ----------------------------------

SRC = "the\tO\nEuropean\tB-ORG\nParliament\tI-ORG\nmet\tO\n\nRome\tB-LOC\nwins\tO\n"
TGT = "el Parlamento Europeo se reunió\nRoma gana\n"
# "European Parliament" is linked to "Europeo" only: refine anchors the cognate
# Parlamento; unrefined, one word of two is below length_ratio 0.8.
ALIGN = "0-0 1-2 3-3\n0-0 1-1\n"


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {name: tmp_path / name for name in ("src.conll", "tgt.txt", "a.txt", "my.cfg")}
    paths["src.conll"].write_text(SRC, encoding="utf-8")
    paths["tgt.txt"].write_text(TGT, encoding="utf-8")
    paths["a.txt"].write_text(ALIGN, encoding="utf-8")
    paths["my.cfg"].write_text("[projection]\nlength_ratio = null\n", encoding="utf-8")
    return paths


def _spans(files: dict[str, Path], *args: str) -> list[list[Span]]:
    out = files["src.conll"].with_name("out.conll")
    argv = ["project", files["src.conll"], files["tgt.txt"], out, "--alignments", files["a.txt"]]
    result = runner.invoke(app, [*map(str, argv), *args])
    assert result.exit_code == 0, result.output
    return [s.spans for s in read_sentences(out)]


def test_preset_config_and_override_each_change_the_result(files):
    rome = [Span(0, 1, "LOC")]
    assert _spans(files) == [[Span(1, 3, "ORG")], rome]
    # The preset: refine off, so the half-aligned entity is dropped.
    assert _spans(files, "--preset", "paper") == [[], rome]
    # The config file, on top of the preset: no length ratio keeps the aligned word.
    config = ("--preset", "paper", "--config", str(files["my.cfg"]))
    assert _spans(files, *config) == [[Span(2, 3, "ORG")], rome]
    # An override, on top of both.
    assert _spans(files, *config, "--projection.length_ratio", "0.8") == [[], rome]
    assert _spans(files, *config, "--projection.refine=true") == [[Span(1, 3, "ORG")], rome]


def test_unknown_key_is_one_line_and_exit_2(files):
    argv = ["project", files["src.conll"], files["tgt.txt"], files["src.conll"].with_name("o.iob")]
    argv += ["--alignments", files["a.txt"]]
    keys = ", ".join(SECTIONS["projection"])
    result = runner.invoke(app, [*map(str, argv), "--projection.merge_distanse", "2"])
    assert result.exit_code == 2
    assert result.output == (
        "Error: Unknown config key --projection.merge_distanse (override): [projection] has "
        f"{keys}.\n"
    )
    files["my.cfg"].write_text("[projection]\nmerge = 2\n", encoding="utf-8")
    result = runner.invoke(app, [*map(str, argv), "--config", str(files["my.cfg"])])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: Unknown config key projection.merge (config file {files['my.cfg']}): "
        f"[projection] has {keys}.\n"
    )
    files["my.cfg"].write_text("[projektion]\nmerge_distance = 2\n", encoding="utf-8")
    result = runner.invoke(app, [*map(str, argv), "--config", str(files["my.cfg"])])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: Unknown config section [projektion] (config file {files['my.cfg']}): known are "
        f"{', '.join(SECTIONS)}.\n"
    )
    result = runner.invoke(app, [*map(str, argv), "--preset", "papers"])
    assert (result.exit_code, result.output) == (
        2,
        "Error: --preset: use one of default, paper, wikiann, got 'papers'.\n",
    )
    # A section the command does not read is refused as an override: it would do nothing.
    result = runner.invoke(app, [*map(str, argv), "--engine.chunk_size", "5"])
    assert (result.exit_code, result.output) == (
        2,
        "Error: --engine.chunk_size: project does not read [engine]; its sections are "
        "projection.\n",
    )
    # A mistyped flag reaches the override parser: one line, exit 2.
    result = runner.invoke(app, [*map(str, argv), "--stat", "x.json"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: Unexpected argument '--stat': options are listed")


def test_a_projection_block_is_a_projector_block(files):
    from spacy_xlproj.registry import projectors

    # The command's [projection] section, as the default preset writes it, builds the
    # projector of the spacy_xlproj.Projector.v1 config block unchanged…
    block = read_config(PRESET_DIR / "default.cfg")["projection"]
    projector = projectors.get("spacy_xlproj.Projector.v1")(**block)
    assert repr(projector).startswith(
        "HeuristicProjector(merge_distance=1, length_ratio=0.8, top_k=None, only_i=False, "
        "refine=True"
    )
    # …and a pipeline's projector block, registry line included, is a --config section.
    files["my.cfg"].write_text(
        '[projection]\n@xlproj_projectors = "spacy_xlproj.Projector.v1"\nrefine = false\n',
        encoding="utf-8",
    )
    assert _spans(files, "--config", str(files["my.cfg"])) == [[], [Span(0, 1, "LOC")]]
