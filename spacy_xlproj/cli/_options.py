"""Flags shared by several commands, each defined once.

``projection_options`` derives every flag from ``ProjectionOptions`` (name, help,
default), so a command cannot forget or mistype one: the command declares one
``options: ProjectionOptions`` parameter and receives the options the user gave,
checked against the method (an option the method does not use is an error).
``engine_options`` gives ``--engine``, ``--workers`` and ``--ray-address`` to the
commands that can run on Ray; the command receives ``engine: EngineOptions``.
``span_filter_options`` gives ``--drop-lowercase-spans`` and ``--drop-labels`` (and, where
the output can mark missing words, ``--capitalised-missing``); the command receives
``span_filter: SpanFilter``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, get_type_hints

import typer

from ..project.options import FIELDS, ProjectionOptionError, ProjectionOptions
from ..transfer.consistency import HARMONIZE_MODES
from ..transfer.engine import (
    EngineError,
    EngineOptions,
    LocalPool,
    RayPool,
    WorkerSpec,
    require_ray,
)
from ..transfer.span_filters import SpanFilter, parse_labels

F = TypeVar("F", bound=Callable[..., Any])

# How a flag's text becomes the option's value, where it is not the plain type.
_CLI_TYPES: dict[str, Any] = {"length_ratio": str, "weights": str}


def parse_length_ratio(value: str) -> float | None:
    """``--length-ratio``: a number >= 0, or ``none`` to keep every run."""
    if value.strip().lower() == "none":
        return None
    try:
        ratio = float(value)
    except ValueError:
        raise ProjectionOptionError(
            f"--length-ratio: expected a number or 'none', got {value!r}"
        ) from None
    return ratio


def parse_weights(text: str) -> dict[str, float]:
    """``--weights``: ``NAME=NUMBER`` pairs separated by commas."""
    weights: dict[str, float] = {}
    for item in filter(None, (x.strip() for x in text.split(","))):
        name, _, value = item.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise ProjectionOptionError(
                f"--weights: write NAME=NUMBER pairs (align=1,string=0.5), got {item!r}"
            ) from None
    return weights


_PARSERS: dict[str, Callable[[str], Any]] = {
    "length_ratio": parse_length_ratio,
    "weights": parse_weights,
}


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return ",".join(f"{k}={v:g}" for k, v in value.items())
    if isinstance(value, bool):
        return "on" if value else "off"
    return "none" if value is None else str(value)


def _cli_parameters() -> list[inspect.Parameter]:
    hints = get_type_hints(ProjectionOptions)
    params = []
    for name, f in FIELDS.items():
        meta = f.metadata
        default = f.default_factory() if callable(f.default_factory) else f.default
        kind = _CLI_TYPES.get(name, hints[name])
        if kind is bool:
            decls = [meta["flag"] + (f"/{meta['negative']}" if "negative" in meta else "")]
        else:
            decls = [meta["flag"]]
        if "short" in meta:
            decls.append(meta["short"])
        # None marks "not given", so that an option given for a method that does not
        # use it is refused even when its value equals the default.
        option = typer.Option(None, *decls, help=f"{meta['help']} Default: {_show(default)}.")
        annotation = kind if type(None) in getattr(kind, "__args__", ()) else kind | None
        params.append(
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=option, annotation=annotation
            )
        )
    return params


def options_from_cli(given: dict[str, Any], *, methods: tuple[str, ...]) -> ProjectionOptions:
    """The options of the flags given (``None``: not given), checked.

    methods (tuple[str, ...]): The methods this command offers.
    RAISES (ProjectionOptionError): A bad value, or an option the method does not use.
    """
    values = {k: _PARSERS[k](v) if k in _PARSERS else v for k, v in given.items() if v is not None}
    method = values.get("method", ProjectionOptions.method)
    if method not in methods:
        raise ProjectionOptionError(f"--method: use one of {', '.join(methods)}, got {method!r}")
    return ProjectionOptions.from_given(values)


def projection_options(methods: tuple[str, ...]) -> Callable[[F], F]:
    """Give a typer command every projection flag; it receives ``options=ProjectionOptions``.

    methods (tuple[str, ...]): The values ``--method`` accepts for this command.
    """

    def decorate(func: F) -> F:
        signature = inspect.signature(func, eval_str=True)
        kept = [p for p in signature.parameters.values() if p.name != "options"]
        added = _cli_parameters()

        @functools.wraps(func)
        def command(*args: Any, **kwargs: Any) -> Any:
            given = {name: kwargs.pop(name, None) for name in FIELDS}
            try:
                options = options_from_cli(given, methods=methods)
            except ProjectionOptionError as err:
                # One line, before any work, in the style of every other CLI error.
                typer.echo(f"Error: {err}", err=True)
                raise typer.Exit(2) from None
            return func(*args, options=options, **kwargs)

        command.__signature__ = signature.replace(parameters=kept + added)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in kept + added}
        return command  # type: ignore[return-value]

    return decorate


# fmt: off
_ENGINE_PARAMETERS = [
    inspect.Parameter(
        "engine", inspect.Parameter.KEYWORD_ONLY, annotation=str,
        default=typer.Option(
            "local", "--engine",
            # No "[ray]" here: typer's rich help would read it as markup.
            help="Where the work runs: local (this process) or ray (Ray workers, each "
            "loading the backends once; needs the package's ray extra)",
        ),
    ),
    inspect.Parameter(
        "workers", inspect.Parameter.KEYWORD_ONLY, annotation=int | None,
        default=typer.Option(
            None, "--workers",
            help="--engine ray: workers (Ray actors); default one per GPU, else one per CPU",
        ),
    ),
    inspect.Parameter(
        "ray_address", inspect.Parameter.KEYWORD_ONLY, annotation=str | None,
        default=typer.Option(
            None, "--ray-address",
            help="--engine ray: the cluster to join (auto, ray://HOST:PORT); default a "
            "local Ray started for this run",
        ),
    ),
]
# fmt: on


def engine_options(func: F) -> F:
    """Give a typer command ``--engine``, ``--workers`` and ``--ray-address``.

    The command declares ``engine: EngineOptions`` and receives the options, checked
    (``--workers 4`` without ``--engine ray`` is an error), with Ray importable when
    it is asked for: both fail in one ``Error:`` line before any work.
    """
    signature = inspect.signature(func, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.name != "engine"]
    params = kept + _ENGINE_PARAMETERS

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> Any:
        engine = EngineOptions(
            kwargs.pop("engine"), kwargs.pop("workers"), kwargs.pop("ray_address")
        )
        try:
            engine.check()
        except EngineError as err:
            typer.echo(f"Error: {err}", err=True)
            raise typer.Exit(2) from None
        if not engine.local:
            try:
                require_ray()
            except EngineError as err:  # a missing extra, not a usage error
                typer.echo(f"Error: {err}", err=True)
                raise typer.Exit(1) from None
        return func(*args, engine=engine, **kwargs)

    command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    return command  # type: ignore[return-value]


def start_engine(engine: EngineOptions, spec: WorkerSpec) -> LocalPool | RayPool:
    """Build the workers of ``spec`` (here, or Ray actors); say how long Ray took."""
    pool = engine.start(spec)
    if isinstance(pool, RayPool):
        typer.echo(
            f"ray: {pool.workers} workers ready in {pool.workers_start_seconds:.1f}s "
            f"(Ray itself: {pool.ray_start_seconds:.1f}s)",
            err=True,
        )
    return pool


# fmt: off
_SPAN_FILTER_PARAMETERS = [
    inspect.Parameter(
        "drop_lowercase", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
        default=typer.Option(
            False, "--drop-lowercase-spans",
            help="Make spans with no upper-case letter O (español as MISC); spans without "
            "cased letters (digits, Chinese) are kept",
        ),
    ),
    inspect.Parameter(
        "drop_labels", inspect.Parameter.KEYWORD_ONLY, annotation=str,
        default=typer.Option("", "--drop-labels", help="Make spans with these labels O: MISC,…"),
    ),
]
_CAPITALISED_PARAMETER = inspect.Parameter(
    "capitalised_missing", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
    default=typer.Option(
        False, "--capitalised-missing",
        help="Write capitalised words that no span covers (sentence starts excepted) as "
        "missing, not O: for languages that capitalise only names (Gobierno)",
    ),
)
# fmt: on


def span_filter_options(*, capitalised: bool = False) -> Callable[[F], F]:
    """Give a typer command the span-filter flags; it receives ``span_filter: SpanFilter``.

    capitalised (bool): Also ``--capitalised-missing``, for commands whose output can
        mark words as missing (pseudo-labels).
    A bad ``--drop-labels`` fails in one ``Error:`` line (exit 2) before any work.
    """
    extra = _SPAN_FILTER_PARAMETERS + ([_CAPITALISED_PARAMETER] if capitalised else [])

    def decorate(func: F) -> F:
        signature = inspect.signature(func, eval_str=True)
        kept = [p for p in signature.parameters.values() if p.name != "span_filter"]
        params = kept + extra

        @functools.wraps(func)
        def command(*args: Any, **kwargs: Any) -> Any:
            drop_lowercase, drop_labels = kwargs.pop("drop_lowercase"), kwargs.pop("drop_labels")
            capitalised_missing = kwargs.pop("capitalised_missing", False)
            try:
                labels = parse_labels(drop_labels)
            except ValueError as err:
                typer.echo(f"Error: {err}", err=True)
                raise typer.Exit(2) from None
            span_filter = SpanFilter(drop_lowercase, labels, capitalised_missing)
            return func(*args, span_filter=span_filter, **kwargs)

        command.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command  # type: ignore[return-value]

    return decorate


def harmonize_option(when: str) -> Any:
    """``--harmonize-labels``; ``when`` says over what the majority is taken."""
    return typer.Option(
        "none",
        "--harmonize-labels",
        help=f"{when}, give spans that share a head word their majority label: first "
        "(head-initial names, Spanish 'Provincia de …'), last, or none",
    )


def check_harmonize(value: str) -> str:
    """``value`` if it is a ``--harmonize-labels`` mode, else a ValueError naming the flag."""
    if value not in HARMONIZE_MODES:
        raise ValueError(f"Unknown --harmonize-labels {value!r}: use none, first or last.")
    return value
