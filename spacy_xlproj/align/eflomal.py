"""eflomal: a fast Bayesian HMM+fertility word aligner (Östling & Tiedemann, 2016).

eflomal is unsupervised: it is trained on the very sentence pairs it aligns, plus
any extra parallel text, in both directions, and the two directional alignments
are symmetrised (grow-diag-final-and by default). More text gives better links, so
adding a few thousand extra pairs helps small corpora a lot.

Two limits of eflomal are handled here. With fewer than ``min_batch`` pairs to learn
from (one doc passed to a spaCy component) its links are poor and differ from run to
run: such batches are aligned by a deterministic ``GlossAligner`` instead. A sentence
of 1,024 words or more gets no links from eflomal at all: such pairs are cut into
parallel pieces (``split.split_pair``), counted and reported.

eflomal is GPL-3 licensed and therefore an optional extra
(``pip install spacy-xlproj[eflomal]``); it is imported when aligning.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataFormatError, MissingDependencyError, SetupError, UsageError
from ..registry import aligners
from ..types import Link
from .base import WordPair
from .gloss import GlossAligner, GlossSide
from .split import Piece, split_pair
from .symmetrize import get_symmetrizer

if TYPE_CHECKING:
    from ..translate.base import Translator

# Extra parallel text: (source file, target file) pairs, or pairs of word lists.
ExtraParallel = Sequence[tuple[str | Path, str | Path] | WordPair]

# eflomal reads whitespace-separated tokens; a token that is empty or holds spaces
# would shift every later index, so such words are written as a placeholder.
_EMPTY_WORD = "<empty>"

# eflomal (2.0) replaces a sentence of 1,024 words or more, on either side, by an empty
# one: the pair gets no links, and nothing says so. Longer pairs are cut into pieces.
MAX_WORDS = 1023


# Below this many pairs to train on, eflomal's links are worse than string matching,
# and far worse than glosses (docs/benchmarks/aligners.md, "Small batches").
DEFAULT_MIN_BATCH = 32
SMALL_BATCH_ALIGNERS = ("gloss", "lexical")


class LongPairsWarning(UserWarning):
    """Some sentence pairs were too long for eflomal and were aligned in pieces."""


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
    min_batch (int): The fewest sentence pairs (the batch plus the extra parallel text)
        that eflomal is trained on. A smaller batch, such as one doc passed to a
        component, is aligned by the deterministic ``small_batch`` aligner instead:
        eflomal trained on one pair projects Europarl-NER entities at 0.53 F1 and
        changes its links from run to run. ``0``: always eflomal.
    small_batch (str): The aligner of small batches: ``"gloss"`` (a ``GlossAligner``
        over the translator that a pipeline lends with ``use_translator``; without
        one, string matching only) or ``"lexical"`` (string matching only).

    ``settings()`` tells which aligner small batches get; ``long_pairs`` and
    ``n_long_pairs`` count the pairs too long for eflomal (see ``align_directions``).
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
        min_batch: int = DEFAULT_MIN_BATCH,
        small_batch: str = "gloss",
    ) -> None:
        self.symmetrizer = get_symmetrizer(symmetrize)
        if min_batch < 0:
            raise UsageError(f"min_batch must be 0 or more, got {min_batch}.")
        if small_batch not in SMALL_BATCH_ALIGNERS:
            raise UsageError(
                f"small_batch must be one of {', '.join(SMALL_BATCH_ALIGNERS)}, "
                f"got {small_batch!r}."
            )
        if model not in (1, 2, 3):
            raise UsageError(
                f"eflomal model must be 1 (IBM1), 2 (HMM) or 3 (fertility), got {model}."
            )
        if n_samplers < 1:
            raise UsageError(f"n_samplers must be 1 or more, got {n_samplers}.")
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
        self.min_batch = min_batch
        self.small_batch = small_batch
        self._small_aligner: GlossAligner | None = None
        # Pairs longer than MAX_WORDS words: indices in the last call, count over all calls.
        self.long_pairs: list[int] = []
        self.n_long_pairs = 0
        self._extra_cache: list[WordPair] | None = None

    def use_translator(self, translator: Translator, side: GlossSide) -> None:
        """Lend the translator of a pipeline, to gloss the words of small batches.

        translator (Translator): Translates the words of ``side`` into the language of
            the other side (the pipeline's own translator does exactly that).
        side (str): ``"target"`` (translate-test) or ``"source"`` (translate-train).
        """
        self._small_aligner = GlossAligner(
            translator if self.small_batch == "gloss" else None, side
        )

    @property
    def small_batch_aligner(self) -> GlossAligner:
        """The deterministic aligner of batches smaller than ``min_batch``."""
        if self._small_aligner is None:
            self._small_aligner = GlossAligner(None)
        return self._small_aligner

    def settings(self, translator: str | None = None) -> dict[str, int | str]:
        """How small batches are aligned: ``min_batch`` and the ``small_batch`` aligner.

        translator (str | None): The name of the translator a pipeline lends (or will
            lend) for glosses; by default the one lent already, if any.
        RETURNS (dict): e.g. ``{"min_batch": 32, "small_batch": "gloss:apertium"}``;
            ``small_batch`` is ``"lexical"`` where no translator glosses, ``"none"``
            where ``min_batch`` is 0.
        """
        if self.min_batch == 0:
            small = "none"
        elif self.small_batch == "gloss" and translator is not None:
            small = f"gloss:{translator}"
        else:
            small = self.small_batch_aligner.name
        return {"min_batch": self.min_batch, "small_batch": small}

    def align(self, pairs: Sequence[WordPair]) -> list[list[Link]]:
        """Train on ``pairs`` (and the extra text) and return their symmetrised links.

        Fewer than ``min_batch`` pairs to train on: the ``small_batch`` aligner's links.
        """
        if not pairs:
            return []
        # Checked for small batches too, so that a missing eflomal shows at the first
        # call, not at the first batch large enough to need it.
        _import_eflomal()
        if len(pairs) + len(self._extra_pairs()) < self.min_batch:
            return self.small_batch_aligner.align(pairs)
        directions = self.align_directions(pairs)
        return [
            self.symmetrizer(fwd, rev)
            for fwd, rev in zip(directions.forward, directions.reverse, strict=True)
        ]

    def align_directions(self, pairs: Sequence[WordPair]) -> DirectionalLinks:
        """Train on ``pairs`` (and the extra text); return both directional alignments.

        Pairs with more than ``MAX_WORDS`` words on a side are cut into parallel pieces
        (``split.split_pair``), aligned piece by piece and joined again: eflomal itself
        would give them no links. Their indices are kept in ``long_pairs`` (this call)
        and counted in ``n_long_pairs`` (every call), and a warning names them.
        """
        eflomal = _import_eflomal()
        extra = self._extra_pairs()
        pieces = [split_pair(src, tgt, MAX_WORDS) for src, tgt in pairs]
        self.long_pairs = [k for k, cut in enumerate(pieces) if len(cut) > 1]
        self.n_long_pairs += len(self.long_pairs)
        if self.long_pairs:
            warnings.warn(_long_pairs_message(self.long_pairs), LongPairsWarning, stacklevel=2)
        # One eflomal line per piece, the batch's pieces first, then the extra text's
        # (cut too, so that long extra sentences still train the model).
        lines = [
            (src[s0:s1], tgt[t0:t1])
            for (src, tgt), cut in zip(pairs, pieces, strict=True)
            for s0, s1, t0, t1 in cut
        ]
        n_batch = len(lines)
        for src, tgt in extra:
            lines.extend(
                (src[s0:s1], tgt[t0:t1]) for s0, s1, t0, t1 in split_pair(src, tgt, MAX_WORDS)
            )
        aligner = eflomal.Aligner(
            model=self.model,
            n_samplers=self.n_samplers,
            rel_iterations=self.rel_iterations,
            null_prior=self.null_prior,
        )
        with tempfile.TemporaryDirectory(prefix="xlproj-eflomal-") as tmp:
            fwd_path, rev_path = Path(tmp) / "fwd", Path(tmp) / "rev"
            aligner.align(
                [_to_line(src) for src, _ in lines],
                [_to_line(tgt) for _, tgt in lines],
                links_filename_fwd=str(fwd_path),
                links_filename_rev=str(rev_path),
                quiet=True,
            )
            forward = _join_pieces(_read_links(fwd_path, lines[:n_batch]), pieces)
            reverse = _join_pieces(_read_links(rev_path, lines[:n_batch]), pieces)
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
        raise SetupError(
            f"eflomal wrote {len(lines)} lines of links for {len(pairs)} sentence pairs."
        )
    out: list[list[Link]] = []
    for k, (src, tgt) in enumerate(pairs):
        links = set()
        for item in lines[k].split():
            i, _, j = item.partition("-")
            link = (int(i), int(j))
            if not (0 <= link[0] < len(src) and 0 <= link[1] < len(tgt)):
                raise SetupError(f"eflomal linked {item} outside sentence pair {k}.")
            links.add(link)
        out.append(sorted(links))
    return out


def _join_pieces(links: list[list[Link]], pieces: list[list[Piece]]) -> list[list[Link]]:
    """Put the links of each pair's pieces (one list per piece, in order) back together."""
    out: list[list[Link]] = []
    k = 0
    for cut in pieces:
        joined: list[Link] = []
        for s0, _, t0, _ in cut:
            joined.extend((i + s0, j + t0) for i, j in links[k])
            k += 1
        out.append(sorted(joined))
    return out


def _long_pairs_message(indices: list[int]) -> str:
    shown = ", ".join(map(str, indices[:10])) + (", …" if len(indices) > 10 else "")
    return (
        f"{len(indices)} sentence pair(s) have more than {MAX_WORDS:,} words on a side, "
        f"which eflomal cannot align (index {shown} in the batch): each was cut into "
        "pieces at sentence ends and aligned piece by piece."
    )


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
    min_batch: int = DEFAULT_MIN_BATCH,
    small_batch: str = "gloss",
) -> EflomalAligner:
    """Build an eflomal aligner (see ``EflomalAligner``).

    extra_parallel (list[list[str]] | None): ``[[source file, target file], …]``.
    min_batch (int): Batches with fewer pairs to train on get the ``small_batch`` aligner.
    small_batch (str): ``"gloss"`` or ``"lexical"``.
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
        min_batch=min_batch,
        small_batch=small_batch,
    )
