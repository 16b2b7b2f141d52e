"""eflomal: a fast Bayesian HMM+fertility word aligner (Östling & Tiedemann, 2016).

eflomal is unsupervised: it is trained on the very sentence pairs it aligns, plus
any extra parallel text, in both directions, and the two directional alignments
are symmetrised (grow-diag-final-and by default). More text gives better links, so
adding a few thousand extra pairs helps small corpora a lot.

eflomal is GPL-3 licensed and therefore an optional extra
(``pip install spacy-xlproj[eflomal]``); it is imported when aligning.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataFormatError, MissingDependencyError
from ..registry import aligners
from ..types import Link
from .base import WordPair
from .symmetrize import get_symmetrizer

# Extra parallel text: (source file, target file) pairs, or pairs of word lists.
ExtraParallel = Sequence[tuple[str | Path, str | Path] | WordPair]

# eflomal reads whitespace-separated tokens; a token that is empty or holds spaces
# would shift every later index, so such words are written as a placeholder.
_EMPTY_WORD = "<empty>"


@dataclass(slots=True)
class DirectionalLinks:
    """The forward (each target word → ≤ 1 source word) and reverse links of each pair."""

    forward: list[list[Link]]
    reverse: list[list[Link]]


class EflomalAligner:
    """Align words with eflomal trained on the input pairs (plus extra parallel text).

    symmetrize (str): ``"gdfa"`` (grow-diag-final-and), ``"grow-diag"``,
        ``"intersect"`` or ``"union"``.
    extra_parallel (ExtraParallel | None): More parallel text to train on: a list of
        ``(source file, target file)`` pairs (any format ``spacy_xlproj.io`` reads,
        e.g. one tokenised sentence per line; the files must have as many sentences
        as each other), or ``(source words, target words)`` pairs.
    model (int): 1 = IBM1, 2 = HMM, 3 = HMM + fertility.
    n_samplers (int): Independent Gibbs samplers whose results are averaged; more
        are slower but vary less from run to run.
    rel_iterations (float): Iterations relative to eflomal's default.
    null_prior (float): Prior probability of a word being unaligned.
    seed (int | None): eflomal seeds its samplers from ``/dev/urandom`` and offers no
        way to set the seed, so runs differ slightly; a seed given here cannot be
        honoured and only triggers a warning.
    """

    # eflomal learns from the pairs it aligns: give it the whole corpus in one call.
    trains_on_input = True

    def __init__(
        self,
        *,
        symmetrize: str = "gdfa",
        extra_parallel: ExtraParallel | None = None,
        model: int = 3,
        n_samplers: int = 3,
        rel_iterations: float = 1.0,
        null_prior: float = 0.2,
        seed: int | None = None,
    ) -> None:
        self.symmetrizer = get_symmetrizer(symmetrize)
        if model not in (1, 2, 3):
            raise ValueError(
                f"eflomal model must be 1 (IBM1), 2 (HMM) or 3 (fertility), got {model}."
            )
        if n_samplers < 1:
            raise ValueError(f"n_samplers must be 1 or more, got {n_samplers}.")
        if seed is not None:
            warnings.warn(
                "eflomal cannot be seeded (it reads /dev/urandom): results vary slightly "
                "between runs; raise n_samplers to reduce the variance.",
                stacklevel=2,
            )
        self.symmetrize = symmetrize
        self.extra_parallel = list(extra_parallel or [])
        self.model = model
        self.n_samplers = n_samplers
        self.rel_iterations = rel_iterations
        self.null_prior = null_prior
        self.name = f"eflomal:{symmetrize}"
        self._extra_cache: list[WordPair] | None = None

    def align(self, pairs: Sequence[WordPair]) -> list[list[Link]]:
        """Train on ``pairs`` (and the extra text) and return their symmetrised links."""
        if not pairs:
            return []
        directions = self.align_directions(pairs)
        return [
            self.symmetrizer(fwd, rev)
            for fwd, rev in zip(directions.forward, directions.reverse, strict=True)
        ]

    def align_directions(self, pairs: Sequence[WordPair]) -> DirectionalLinks:
        """Train on ``pairs`` (and the extra text); return both directional alignments."""
        eflomal = _import_eflomal()
        extra = self._extra_pairs()
        src_lines = [_to_line(src) for src, _ in pairs] + [_to_line(src) for src, _ in extra]
        tgt_lines = [_to_line(tgt) for _, tgt in pairs] + [_to_line(tgt) for _, tgt in extra]
        aligner = eflomal.Aligner(
            model=self.model,
            n_samplers=self.n_samplers,
            rel_iterations=self.rel_iterations,
            null_prior=self.null_prior,
        )
        with tempfile.TemporaryDirectory(prefix="xlproj-eflomal-") as tmp:
            fwd_path, rev_path = Path(tmp) / "fwd", Path(tmp) / "rev"
            aligner.align(
                src_lines,
                tgt_lines,
                links_filename_fwd=str(fwd_path),
                links_filename_rev=str(rev_path),
                quiet=True,
            )
            forward = _read_links(fwd_path, pairs)
            reverse = _read_links(rev_path, pairs)
        return DirectionalLinks(forward, reverse)

    def _extra_pairs(self) -> list[WordPair]:
        if self._extra_cache is None:
            extra: list[WordPair] = []
            for item in self.extra_parallel:
                src, tgt = item
                if isinstance(src, (str, Path)) and isinstance(tgt, (str, Path)):
                    extra.extend(read_parallel(src, tgt))
                else:
                    extra.append((src, tgt))  # type: ignore[arg-type]
            self._extra_cache = extra
        return self._extra_cache


def read_parallel(src_path: str | Path, tgt_path: str | Path) -> list[WordPair]:
    """Read two parallel files (sentence *i* of one translates sentence *i* of the other)."""
    from ..io import read_sentences

    src = read_sentences(src_path)
    tgt = read_sentences(tgt_path)
    if len(src) != len(tgt):
        raise DataFormatError(
            tgt_path,
            None,
            f"has {len(tgt)} sentences but its parallel source file {src_path} has {len(src)}.",
            "Parallel files must hold the same number of sentences, one per line (keep empty "
            "lines for empty sentences).",
        )
    return [(s.words, t.words) for s, t in zip(src, tgt, strict=True)]


def _to_line(words: Sequence[str]) -> str:
    return " ".join("_".join(w.split()) or _EMPTY_WORD for w in words)


def _read_links(path: Path, pairs: Sequence[WordPair]) -> list[list[Link]]:
    """Read eflomal's links for the first ``len(pairs)`` lines (the extra text follows)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if len(lines) < len(pairs):
        raise RuntimeError(
            f"eflomal wrote {len(lines)} lines of links for {len(pairs)} sentence pairs."
        )
    out: list[list[Link]] = []
    for k, (src, tgt) in enumerate(pairs):
        links = set()
        for item in lines[k].split():
            i, _, j = item.partition("-")
            link = (int(i), int(j))
            if not (0 <= link[0] < len(src) and 0 <= link[1] < len(tgt)):
                raise RuntimeError(f"eflomal linked {item} outside sentence pair {k}.")
            links.add(link)
        out.append(sorted(links))
    return out


def _import_eflomal():  # type: ignore[no-untyped-def]
    try:
        import eflomal
    except ImportError as err:
        raise MissingDependencyError(
            "eflomal (for the eflomal aligner)", "pip install spacy-xlproj[eflomal]"
        ) from err
    return eflomal


@aligners("spacy_xlproj.EflomalAligner.v1")
def make_eflomal_aligner(
    symmetrize: str = "gdfa",
    seed: int | None = None,
    extra_parallel: list[list[str]] | None = None,
    model: int = 3,
    n_samplers: int = 3,
    rel_iterations: float = 1.0,
    null_prior: float = 0.2,
) -> EflomalAligner:
    """Build an eflomal aligner (see ``EflomalAligner``).

    extra_parallel (list[list[str]] | None): ``[[source file, target file], …]``.
    """
    extra = [(src, tgt) for src, tgt in extra_parallel or []]
    return EflomalAligner(
        symmetrize=symmetrize,
        extra_parallel=extra,
        model=model,
        n_samplers=n_samplers,
        rel_iterations=rel_iterations,
        null_prior=null_prior,
        seed=seed,
    )
