"""The typer app behind ``python -m spacy_xlproj`` and ``spacy xlproj``, and the one way a
command is registered: :func:`command` gives it ``--preset``, ``--config`` and
``--section.key value`` overrides, and the one error handler.

The handler prints an :class:`~spacy_xlproj.errors.XlprojError` as ``Error: <message>``
on one line and exits with its ``exit_code`` (2: usage, 1: data or setup). Any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from ..errors import XlprojError

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    name="xlproj",
    help="Cross-lingual NER by annotation projection: translate, align, project, evaluate.",
    no_args_is_help=True,
    add_completion=False,
)

# Settings after the arguments (``--projection.merge_distance 2``) reach the command
# in ctx.args, as in ``spacy train``.
_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True}


def one_line(err: BaseException) -> str:
    """The message on one line (some backends list valid forms on several)."""
    return " ".join(str(err).split())


def _epilog(name: str) -> str:
    from ..settings import COMMAND_SECTIONS, PRESETS, SECTIONS

    sections = COMMAND_SECTIONS[name]
    if not sections:
        return ""
    lines = [
        "Every other setting is a key of the config sections below: give it in a --config "
        'file or after the arguments as "--section.key value" (e.g. '
        '"--projection.merge_distance 2"). --preset names a shipped config '
        f"({', '.join(PRESETS)}; default: default); the --config file and the overrides go "
        "on top. Keys, defaults and meanings: README.md, Command line."
    ]
    for section in sections:
        lines.append(f"Section {section}: " + ", ".join(SECTIONS[section]))
    # Typer's rich help keeps lines apart only when separated by a blank line.
    return "\n\n".join(lines)


def _settings_parameters() -> list[inspect.Parameter]:
    keyword = inspect.Parameter.KEYWORD_ONLY
    return [
        inspect.Parameter("ctx", keyword, annotation=typer.Context),
        inspect.Parameter(
            "preset",
            keyword,
            annotation=str | None,
            default=typer.Option(
                None, "--preset", help="A shipped config: default, paper or wikiann."
            ),
        ),
        inspect.Parameter(
            "config",
            keyword,
            annotation=Path | None,
            default=typer.Option(
                None,
                "--config",
                help="A config file (.cfg) read after the preset; see the sections below.",
            ),
        ),
    ]


def command(name: str, *, help: str | None = None) -> Callable[[F], F]:
    """Register ``func`` as command ``name`` with the settings options and the error handler.

    A command that declares ``settings: Settings`` receives the checked settings of its
    sections (``spacy_xlproj.settings``); every command accepts ``--preset``, ``--config``
    and the overrides, so one config file can serve a whole workflow.
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func, eval_str=True)
        wants_settings = "settings" in signature.parameters
        kept = [p for p in signature.parameters.values() if p.name != "settings"]
        params = kept + _settings_parameters()

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            from ..settings import load_settings

            ctx: typer.Context = kwargs.pop("ctx")
            preset, config = kwargs.pop("preset"), kwargs.pop("config")
            try:
                settings = load_settings(name, preset=preset, config=config, overrides=ctx.args)
                if wants_settings:
                    kwargs["settings"] = settings
                return func(*args, **kwargs)
            except XlprojError as err:
                typer.echo(f"Error: {one_line(err)}", err=True)
                raise typer.Exit(err.exit_code) from None

        run.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        app.command(name, help=help, epilog=_epilog(name), context_settings=_CONTEXT)(run)
        return func

    return decorate
