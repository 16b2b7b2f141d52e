"""The flags several commands share, each defined once, and the checks of their values.

Only what most runs set is a flag (the contract of issue #23: languages, backends, the
projection method, paths, the engine); every other setting is a config key
(``spacy_xlproj.settings``), given in a ``--config`` file, a ``--preset`` or as a
``--section.key value`` override.
"""

from __future__ import annotations

from typing import Any

import typer

from ..errors import UsageError
from ..io import paths
from ..transfer.engine import EngineOptions, LocalPool, RayPool, WorkerSpec

TRANSLATOR_FORMS = "apertium, hf:MODEL_DIR, ct2:MODEL_DIR, file:PATH or file:PATH:SOURCE"


def src_lang(default: str | None = "en", help: str = "Source language code") -> Any:
    return typer.Option(default, "--src-lang", help=help)


def tgt_lang(help: str = "Target language code") -> Any:
    return typer.Option(..., "--tgt-lang", help=help)


def translator(help: str = TRANSLATOR_FORMS) -> Any:
    return typer.Option("apertium", "--translator", "-T", help=help)


def aligner(help: str = "eflomal, simalign:MODEL_DIR or lexical") -> Any:
    return typer.Option("eflomal", "--aligner", help=help)


def method(methods: tuple[str, ...]) -> Any:
    return typer.Option(
        None,
        "--method",
        help=f"Projection method: {', '.join(methods)} (= projection.method; default heuristic)",
    )


def stats() -> Any:
    return typer.Option(None, "--stats", help="Write statistics JSON here")


def cache_dir() -> Any:
    return typer.Option(None, "--cache-dir", help="Translation cache folder")


def limit() -> Any:
    return typer.Option(None, "--limit", "-n", help="Only the first N sentences (0: all)")


def progress() -> Any:
    return typer.Option(True, "--progress/--no-progress", help="Show progress bars")


def engine() -> Any:
    # No "[ray]" here: typer's rich help would read it as markup.
    return typer.Option(
        "local",
        "--engine",
        help="Where the work runs: local (this process) or ray (Ray workers, each loading "
        "the backends once; needs the package's ray extra; engine.ray_address)",
    )


def workers() -> Any:
    return typer.Option(
        None, "--workers", help="--engine ray: workers; default one per GPU, else one per CPU"
    )


def check_limit(limit: int | None) -> int | None:
    """``--limit``: 0 or more, 0 (or not given) meaning every sentence."""
    return paths.check_limit(limit, "--limit")


def chunk_size(settings: Any) -> int:
    """``engine.chunk_size``, checked: the unit of work of every chunked command."""
    size = settings.get("engine", "chunk_size")
    if size < 1:
        raise UsageError(f"engine.chunk_size must be at least 1 sentence, got {size}.")
    return int(size)


def engine_options(engine: str, workers: int | None, settings: Any) -> EngineOptions:
    """``--engine``, ``--workers`` and ``engine.ray_address``, checked, with Ray importable
    when it is asked for (``EngineError``: exit 2; Ray missing: exit 1)."""
    from ..transfer.engine import require_ray

    options = EngineOptions(engine, workers, settings.get("engine", "ray_address")).check()
    if not options.local:
        require_ray()
    return options


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
