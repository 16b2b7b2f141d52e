"""Word aligners: SimAlign-style over HF encoders, eflomal; symmetrisation.

Importing this package registers ``spacy_xlproj.SimAligner.v1`` and
``spacy_xlproj.EflomalAligner.v1``; torch, transformers and eflomal are imported
only when an aligner first runs.
"""

from .base import Aligner, WordPair
from .build import AlignerSpecError, build_aligner
from .eflomal import EflomalAligner, read_parallel
from .simalign import SimAligner, argmax, itermax, match, similarity
from .symmetrize import get_symmetrizer, grow_diag, grow_diag_final_and, intersect, union

__all__ = [
    "Aligner",
    "AlignerSpecError",
    "EflomalAligner",
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
