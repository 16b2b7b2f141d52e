"""Word aligners: SimAlign-style over HF encoders, eflomal, lexical; symmetrisation.

Each backend's module is imported on first access of one of its names, so importing
the package costs nothing. The registered functions (``spacy_xlproj.SimAligner.v1``,
``spacy_xlproj.EflomalAligner.v1``, ``spacy_xlproj.LexicalAligner.v1``) reach
``registry.aligners`` through entry points; torch, transformers and eflomal are imported
only when an aligner first runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .base import Aligner, WordPair
    from .build import AlignerSpecError, build_aligner
    from .eflomal import EflomalAligner, read_parallel
    from .lexical import LexicalAligner
    from .simalign import SimAligner, argmax, itermax, match, similarity
    from .symmetrize import get_symmetrizer, grow_diag, grow_diag_final_and, intersect, union

_EXPORTS = {
    "Aligner": ".base",
    "AlignerSpecError": ".build",
    "EflomalAligner": ".eflomal",
    "LexicalAligner": ".lexical",
    "SimAligner": ".simalign",
    "WordPair": ".base",
    "argmax": ".simalign",
    "build_aligner": ".build",
    "get_symmetrizer": ".symmetrize",
    "grow_diag": ".symmetrize",
    "grow_diag_final_and": ".symmetrize",
    "intersect": ".symmetrize",
    "itermax": ".simalign",
    "match": ".simalign",
    "read_parallel": ".eflomal",
    "similarity": ".simalign",
    "union": ".symmetrize",
}

__all__ = [
    "Aligner",
    "AlignerSpecError",
    "EflomalAligner",
    "LexicalAligner",
    "SimAligner",
    "WordPair",
    "argmax",
    "build_aligner",
    "get_symmetrizer",
    "grow_diag",
    "grow_diag_final_and",
    "intersect",
    "itermax",
    "match",
    "read_parallel",
    "similarity",
    "union",
]

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
