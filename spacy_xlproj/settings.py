"""The settings of every command: a preset, then a config file, then ``--section.key`` overrides.

One schema (:data:`SECTIONS`) checks all three, as ``spacy train`` checks its config:
an unknown section or key, a value of the wrong type or outside its choices, is a
:class:`~spacy_xlproj.errors.UsageError` in one line naming the key. The
``[projection]`` section is derived from :class:`~spacy_xlproj.project.options.ProjectionOptions`
(the one definition of a projection option), so a ``[projection]`` block is also a
valid ``spacy_xlproj.Projector.v1`` block of a pipeline or a ``ProjectedCorpus.v1``
reader, and the reverse. Presets are config files shipped in ``spacy_xlproj/presets``.

A command reads only its own sections (:data:`COMMAND_SECTIONS`); a config file may
hold the others (one file for a whole workflow), but an override of a section the
command does not read is refused, since it would change nothing.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UsageError
from .project.options import FIELDS, ProjectionOptions

PRESET_DIR = Path(__file__).parent / "presets"
PRESETS = ("default", "paper", "wikiann")
# A [projection] block pasted from a pipeline config may keep its registry line.
PROJECTOR_REF = ("@xlproj_projectors", "spacy_xlproj.Projector.v1")


@dataclass(frozen=True)
class Key:
    """One setting: its type (a type hint), default, help and allowed values."""

    kind: Any
    default: Any
    help: str
    choices: tuple[Any, ...] = ()


def _projection_section() -> dict[str, Key]:
    hints = typing.get_type_hints(ProjectionOptions)
    section = {}
    for name, f in FIELDS.items():
        default = f.default_factory() if callable(f.default_factory) else f.default
        section[name] = Key(hints[name], default, f.metadata["help"])
    return section


_LIST = list[str]
_OPT_STR = str | None
_OPT_INT = int | None
# fmt: off
SECTIONS: dict[str, dict[str, Key]] = {
    "projection": _projection_section(),
    "translate_train": {
        "markers": Key(str, "[,]", "markers method: opening and closing marker, comma-separated"),
    },
    "translate_test": {
        "back_translator": Key(_OPT_STR, None, "SRC -> TGT translator of backtranslation "
                               "(default: the --translator spec)"),
        "backtranslation": Key(bool, False, "Re-check each projected entity by translating the "
                               "tagged translation back with its entities marked"),
        "harmonize_labels": Key(str, "none", "After tagging the whole input, give spans that "
                                "share a head word their majority label: first (head-initial "
                                "names), last, or none", ("none", "first", "last")),
        "ignore_wiki_markup": Key(bool, False, "Hide Wikipedia redirect keywords (REDIRECCIÓN…, "
                                  "as in WikiANN) from MT and NER"),
        "label_map": Key(str, "", "Rename or drop the NER model's labels: PERSON=PER,MISC="),
    },
    "filter": {
        "drop_lowercase_spans": Key(bool, False, "Make spans with no upper-case letter O "
                                    "(español as MISC); uncased scripts are kept"),
        "drop_labels": Key(_LIST, [], "Make spans with these labels O, e.g. [\"MISC\"]"),
    },
    "pseudo_label": {
        "agreement": Key(float, 1.0, "Vote share a span needs, in (0, 1]: 1 = every teacher "
                         "proposes exactly it, 0.5 = half of the teachers' weight"),
        "vote": Key(str, "weight", "How a vote counts: weight, or confidence (weight x the "
                    "span's confidence)", ("weight", "confidence")),
        "uncertain": Key(str, "missing", "Words of spans the teachers disagree on: missing, "
                         "outside (O) or drop-sentence", ("missing", "outside", "drop-sentence")),
        "label_map": Key(str, "", "Rename or drop the source models' labels (translate-test, "
                         "zero-shot teachers): PERSON=PER,MISC="),
        "ignore_wiki_markup": Key(bool, False, "Hide Wikipedia redirect keywords from every "
                                  "teacher"),
        "spans_key": Key(str, "xlproj", "Span group of the accepted spans and their "
                         "confidences; \"\" writes none"),
    },
    "engine": {
        "chunk_size": Key(int, 10_000, "Sentences per chunk (pseudo-label: per batch): the unit "
                          "of translation, alignment (eflomal learns from the whole chunk), "
                          "--work-dir storage and Ray shards"),
        "ray_address": Key(_OPT_STR, None, "--engine ray: the cluster to join (auto, "
                           "ray://HOST:PORT); default a local Ray started for this run"),
    },
    "align": {
        "symmetrize": Key(_OPT_STR, None, "eflomal: gdfa (default), grow-diag, intersect, "
                          "union"),
        "layer": Key(_OPT_INT, None, "SimAlign: encoder layer (default 2/3 of its depth)"),
        "simalign_method": Key(_OPT_STR, None, "SimAlign: argmax, itermax (default) or match"),
        "token_type": Key(_OPT_STR, None, "SimAlign: bpe (default) or word"),
        "batch_size": Key(int, 32, "SimAlign: sentence pairs per forward pass"),
        "device": Key(_OPT_STR, None, "SimAlign: cpu, cuda… (default: cuda if any)"),
    },
}
# fmt: on

COMMAND_SECTIONS: dict[str, tuple[str, ...]] = {
    "project": ("projection",),
    "align": ("align",),
    "translate": (),
    "translate-train": ("projection", "translate_train", "filter", "engine"),
    "translate-test": ("projection", "translate_test", "engine"),
    "pseudo-label": ("projection", "pseudo_label", "filter", "engine"),
    "evaluate": (),
}


def _is_optional(kind: Any) -> bool:
    return type(None) in typing.get_args(kind)


def _base(kind: Any) -> Any:
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        return args[0]
    return kind


def coerce(section: str, name: str, value: Any) -> Any:
    """``value`` of ``[section] name`` as its type, or a UsageError naming the key.

    Values from overrides arrive as JSON or as plain text, so ``none``/``null``,
    ``true``/``false``, numbers in text, comma-separated lists and ``NAME=NUMBER``
    weights are read as well.
    """
    key = SECTIONS[section][name]
    where = f"{section}.{name}"
    if (
        isinstance(value, str)
        and value.strip().lower() in ("none", "null")
        and (_is_optional(key.kind))
    ):
        return None
    if value is None:
        if _is_optional(key.kind):
            return None
        raise UsageError(f"{where}: a value is needed, got null.")
    base = _base(key.kind)
    out: Any
    try:
        if base is bool:
            out = _bool(value)
        elif base is int:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError
            out = int(value)
        elif base is float:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise ValueError
            out = float(value)
        elif base is str:
            if not isinstance(value, str):
                raise ValueError
            out = value
        elif typing.get_origin(base) is list:
            out = _labels(value)
        elif typing.get_origin(base) is dict:
            out = _weights(value)
        else:  # pragma: no cover - a schema entry of a type this module cannot read
            raise TypeError(f"{where}: no reader for {base!r}")
    except ValueError:
        raise UsageError(f"{where}: expected {_describe(key.kind)}, got {value!r}.") from None
    if key.choices and out not in key.choices:
        choices = ", ".join(map(str, key.choices))
        raise UsageError(f"{where}: use one of {choices}, got {out!r}.")
    return out


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError


def _labels(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")] if value.strip() else []
    if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
        raise ValueError
    return list(dict.fromkeys(value))


def _weights(value: Any) -> dict[str, float]:
    if isinstance(value, str):
        pairs = [item.partition("=") for item in value.split(",") if item.strip()]
        value = {name.strip(): number for name, _, number in pairs}
    if not isinstance(value, Mapping) or not value:
        raise ValueError
    out = {}
    for name, number in value.items():
        if isinstance(number, bool):
            raise ValueError
        out[str(name)] = float(number)
    return out


def _describe(kind: Any) -> str:
    base = _base(kind)
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
    if typing.get_origin(base) is list:
        text = 'a list of labels (["MISC", "LOC"] or MISC,LOC)'
    elif typing.get_origin(base) is dict:
        text = "NAME=NUMBER weights (align=1,string=0.5)"
    else:
        text = names.get(base, str(base))
    return text + (" or none" if _is_optional(kind) else "")


# -- reading ----------------------------------------------------------------------------


def parse_overrides(args: Sequence[str]) -> dict[str, Any]:
    """``--section.key value`` arguments (as ``spacy train`` reads them) as a dict.

    ``--section.key=value`` works too; a flag with no value is ``true``; a value is read
    as JSON where it is JSON (``2``, ``true``, ``["MISC"]``), else as text.
    RAISES (UsageError): An argument that is not such an override.
    """
    out: dict[str, Any] = {}
    args = list(args)
    while args:
        arg = args.pop(0)
        if not arg.startswith("--") or "." not in arg:
            raise UsageError(
                f"Unexpected argument {arg!r}: options are listed in --help; other settings "
                "are given as --section.key value (see --help)."
            )
        name, eq, value = arg[2:].partition("=")
        if not eq:
            value = args.pop(0) if args and not args[0].startswith("--") else "true"
        try:
            out[name.replace("-", "_")] = json.loads(value)
        except json.JSONDecodeError:
            out[name.replace("-", "_")] = value
    return out


def read_config(path: str | Path) -> dict[str, dict[str, Any]]:
    """A thinc/confection config file as ``{section: {key: value}}``.

    RAISES (UsageError): A file that does not parse, or a value outside a section.
    """
    from confection import Config

    from .io.paths import check_input

    check_input(path, what="Config file")
    try:
        config = Config().from_disk(path, interpolate=True)
    except Exception as err:  # confection raises several types for a bad file
        message = " ".join(str(err).split())
        raise UsageError(f"Config file {path} cannot be read: {message}") from None
    out: dict[str, dict[str, Any]] = {}
    for section, values in config.items():
        if not isinstance(values, dict):
            raise UsageError(f"Config file {path}: {section} is outside a [section].")
        out[section] = dict(values)
    return out


def preset_path(name: str) -> Path:
    """The file of a shipped preset; a UsageError names the presets for another name."""
    if name not in PRESETS:
        raise UsageError(f"--preset: use one of {', '.join(PRESETS)}, got {name!r}.")
    return PRESET_DIR / f"{name}.cfg"


@dataclass
class Settings:
    """A command's settings: each section's values, checked, from the preset (``preset``),
    the config file and the overrides (``given``: the user's, checked strictly)."""

    command: str
    preset: dict[str, dict[str, Any]]
    given: dict[str, dict[str, Any]]
    # What projection() built, with the --method flag: to_dict reports it.
    resolved_projection: ProjectionOptions | None = None

    def get(self, section: str, name: str) -> Any:
        """The value of ``[section] name``: the user's, else the preset's, else the default."""
        for layer in (self.given, self.preset):
            if name in layer.get(section, {}):
                return layer[section][name]
        return SECTIONS[section][name].default

    def section(self, section: str) -> dict[str, Any]:
        """Every key of ``section`` with its value."""
        return {name: self.get(section, name) for name in SECTIONS[section]}

    def projection(
        self, method: str | None = None, methods: Sequence[str] = ()
    ) -> ProjectionOptions:
        """The projection options; ``method`` (the ``--method`` flag) wins over the config.

        A preset sets options for several methods: its options that the chosen method
        does not use are left out. The user's are refused (``ProjectionOptionError``).
        """
        given = dict(self.given.get("projection", {}))
        if method is not None:
            given["method"] = method
        chosen = given.get("method", self.preset.get("projection", {}).get("method", "heuristic"))
        if methods and chosen not in methods:
            raise UsageError(f"--method: use one of {', '.join(methods)}, got {chosen!r}.")
        values = {
            name: value
            for name, value in self.preset.get("projection", {}).items()
            if chosen in FIELDS[name].metadata["methods"]
        }
        values.update(given)
        self.resolved_projection = ProjectionOptions.from_given(values)
        return self.resolved_projection

    def span_filter(self) -> Any:
        """The ``[filter]`` section as a ``SpanFilter``."""
        from .transfer.span_filters import SpanFilter

        return SpanFilter(
            self.get("filter", "drop_lowercase_spans"), tuple(self.get("filter", "drop_labels"))
        )

    def ensemble(self) -> Any:
        """The ``[pseudo_label]`` vote settings and the ``[filter]`` section as the
        ``EnsembleOptions`` of pseudo-label and ``TeacherEnsemble.v1``."""
        from .teach.pseudo_labels import EnsembleOptions

        return EnsembleOptions(
            agreement=self.get("pseudo_label", "agreement"),
            uncertain=self.get("pseudo_label", "uncertain"),
            vote=self.get("pseudo_label", "vote"),
            span_filter=self.span_filter(),
        )

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Every section this command reads, with its values (statistics files); the
        projection as built, with the options its method uses."""
        out = {s: self.section(s) for s in COMMAND_SECTIONS[self.command]}
        if "projection" in out and self.resolved_projection is not None:
            out["projection"] = self.resolved_projection.applicable()
        return out


def check_section(
    section: str, values: Mapping[str, Any], origin: str, *, prefix: str = ""
) -> dict[str, Any]:
    """``values`` of ``[section]`` checked against the schema and read as their types.

    origin (str): Where they come from, named in the error (``config file x.cfg``).
    prefix (str): ``--`` for overrides, so the error names the argument as typed.
    """
    if section not in SECTIONS:
        raise UsageError(
            f"Unknown config section [{section}] ({origin}): known are {', '.join(SECTIONS)}."
        )
    out = {}
    for name, value in values.items():
        if section == "projection" and (name, value) == PROJECTOR_REF:
            continue
        if name not in SECTIONS[section]:
            raise UsageError(
                f"Unknown config key {prefix}{section}.{name} ({origin}): [{section}] has "
                f"{', '.join(SECTIONS[section])}."
            )
        out[name] = coerce(section, name, value)
    return out


def from_sections(command: str, sections: Mapping[str, Mapping[str, Any] | None]) -> Settings:
    """Settings from config blocks given as dicts (a registered function's arguments),
    checked as a config file's sections are; no preset (the schema defaults)."""
    given = {
        name: check_section(name, values or {}, f"{command} block [{name}]")
        for name, values in sections.items()
    }
    return Settings(command, {}, given)


def load_settings(
    command: str,
    *,
    preset: str | None = None,
    config: str | Path | None = None,
    overrides: Sequence[str] | Mapping[str, Any] = (),
) -> Settings:
    """The settings of ``command``: ``preset`` (default ``default``), then the ``config``
    file, then the overrides (``--section.key value`` arguments, or a dict).

    RAISES (UsageError): An unknown preset, section or key, or a bad value.
    """
    reads = COMMAND_SECTIONS[command]
    preset_values: dict[str, dict[str, Any]] = {}
    name = preset or "default"
    for section, values in read_config(preset_path(name)).items():
        preset_values[section] = check_section(section, values, f"preset {name}")
    given: dict[str, dict[str, Any]] = {}
    if config is not None:
        for section, values in read_config(config).items():
            given[section] = check_section(section, values, f"config file {config}")
    flat = overrides if isinstance(overrides, Mapping) else parse_overrides(overrides)
    for dotted, value in flat.items():
        section, _, key = dotted.partition(".")
        if section in SECTIONS and section not in reads:
            raise UsageError(
                f"--{dotted}: {command} does not read [{section}]; its sections are "
                f"{', '.join(reads) or 'none'}."
            )
        checked = check_section(section, {key: value}, "override", prefix="--")
        given.setdefault(section, {}).update(checked)
    return Settings(command, preset_values, given)


def sections_table(command: str | None = None) -> str:
    """A Markdown table of the sections (of ``command``, or all), for --help and the README."""
    rows = ["| key | default | what |", "|---|---|---|"]
    for section, keys in SECTIONS.items():
        if command is not None and section not in COMMAND_SECTIONS[command]:
            continue
        for name, key in keys.items():
            default = json.dumps(key.default, ensure_ascii=False)
            rows.append(f"| `{section}.{name}` | `{default}` | {key.help} |")
    return "\n".join(rows)
