"""Build an aligner from a short spec string, as the command line and configs name them.

``simalign:MODEL_OR_DIR`` → :class:`SimAligner` over that encoder;
``eflomal`` → :class:`EflomalAligner`;
``lexical`` → :class:`LexicalAligner` (same-language string matching: back-translation
refinement, or languages that share names and numbers).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from .base import Aligner

if TYPE_CHECKING:
    from .eflomal import ExtraParallel

SPEC_FORMS = ("simalign:MODEL_OR_DIR", "eflomal", "lexical")


class AlignerSpecError(UsageError):
    """An aligner spec or one of its options is not understood."""


def build_aligner(
    spec: str,
    *,
    layer: int | None = None,
    method: str | None = None,
    symmetrize: str | None = None,
    batch_size: int = 32,
    extra_parallel: ExtraParallel | None = None,
    device: str | None = None,
    token_type: str | None = None,
    min_batch: int | None = None,
    small_batch: str | None = None,
) -> Aligner:
    """Build the aligner that ``spec`` names.

    spec (str): ``"simalign:MODEL_OR_DIR"``, ``"eflomal"`` or ``"lexical"``.
    layer (int | None): SimAlign: the encoder layer; default two thirds of its depth.
    method (str | None): SimAlign: ``argmax``, ``itermax`` (default) or ``match``.
    symmetrize (str | None): eflomal: ``gdfa`` (default), ``grow-diag``,
        ``intersect`` or ``union``.
    batch_size (int): SimAlign: sentence pairs per forward pass.
    extra_parallel (ExtraParallel | None): eflomal: extra parallel text to train on.
    device (str | None): SimAlign: ``cpu``, ``cuda``…; default CUDA when available.
    token_type (str | None): SimAlign: ``bpe`` (default) or ``word``.
    min_batch (int | None): eflomal: batches with fewer pairs to train on (the batch
        plus the extra text) get the deterministic ``small_batch`` aligner; default 32,
        0 for eflomal always.
    small_batch (str | None): eflomal: ``gloss`` (default: words glossed by a
        translator that a pipeline lends, string matching without one) or ``lexical``.
    RETURNS (Aligner): The aligner; models are loaded on first use.
    """
    kind, sep, arg = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "simalign":
        if not sep or not arg.strip():
            raise AlignerSpecError(
                f"Aligner spec '{spec}' names no model: use simalign:MODEL_OR_DIR, e.g. "
                "simalign:/models/bert-base-multilingual-cased."
            )
        # Imported per branch: SimAligner's module imports numpy, which the lexical
        # and eflomal aligners do without (a light `align` start-up).
        from .simalign import SimAligner

        _reject(
            spec,
            symmetrize=symmetrize,
            extra_parallel=extra_parallel or None,
            min_batch=min_batch,
            small_batch=small_batch,
        )
        model = arg.strip()
        return SimAligner(
            str(Path(model).expanduser()) if model.startswith("~") else model,
            layer=layer,
            method=method or "itermax",
            token_type=token_type or "bpe",
            batch_size=batch_size,
            device=device,
        )
    if kind == "eflomal":
        if sep:
            raise AlignerSpecError(
                f"Aligner spec '{spec}': eflomal takes no argument after ':'; "
                "give extra parallel text with extra_parallel (--extra-src/--extra-tgt)."
            )
        from .eflomal import DEFAULT_MIN_BATCH, EflomalAligner

        _reject(spec, layer=layer, method=method, token_type=token_type)
        return EflomalAligner(
            symmetrize=symmetrize or "gdfa",
            extra_parallel=extra_parallel,
            min_batch=DEFAULT_MIN_BATCH if min_batch is None else min_batch,
            small_batch=small_batch or "gloss",
        )
    if kind == "lexical" and not sep:
        from .lexical import LexicalAligner

        _reject(
            spec,
            layer=layer,
            method=method,
            token_type=token_type,
            symmetrize=symmetrize,
            min_batch=min_batch,
            small_batch=small_batch,
        )
        return LexicalAligner()
    raise AlignerSpecError(f"Unknown aligner spec '{spec}'. Use one of: {', '.join(SPEC_FORMS)}.")


def _reject(spec: str, **options: object) -> None:
    given = [name for name, value in options.items() if value is not None]
    if given:
        names = ", ".join(given)
        raise AlignerSpecError(f"Option(s) {names} do not apply to the aligner '{spec}'.")


def resolve_aligner(value: str | Aligner) -> Aligner:
    """An aligner from a config value: a spec (built here) or an aligner (as it is)."""
    return build_aligner(value) if isinstance(value, str) else value


def check_aligner_spec(spec: str) -> None:
    """Refuse a mistyped aligner spec at once, without loading any model or tool.

    RAISES (AlignerSpecError): The spec is not one of :data:`SPEC_FORMS`.
    """
    kind, sep, arg = spec.partition(":")
    kind = kind.strip().lower()
    if (kind == "simalign" and arg.strip()) or (kind in ("eflomal", "lexical") and not sep):
        return
    raise AlignerSpecError(f"Unknown aligner spec '{spec}'. Use one of: {', '.join(SPEC_FORMS)}.")
