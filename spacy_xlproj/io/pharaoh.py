"""Word alignments in Pharaoh format: ``i-j`` pairs (source index first), one line per sentence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataFormatError
from ..types import Link
from .atomic import atomic_write
from .text import iter_lines

_FORMAT_HINT = (
    "Pharaoh lines hold space-separated 'i-j' pairs of 0-based word indices, "
    "source index first (e.g. '0-0 2-1')."
)


def parse_links(line: str) -> list[Link]:
    """Parse one line of Pharaoh links, e.g. ``"0-0 2-1"`` → ``[(0, 0), (2, 1)]``.

    line (str): Space-separated ``i-j`` pairs; an empty line has no links.
    RETURNS (list[Link]): The links, sorted and without duplicates.
    """
    links = set()
    for item in line.split():
        src, _, tgt = item.partition("-")
        # isascii(): isdigit() alone would accept digits such as "²" or "٣".
        if not (src.isdigit() and tgt.isdigit() and item.isascii()):
            raise ValueError(f"malformed link {item!r}: expected 'i-j' with two word indices")
        links.add((int(src), int(tgt)))
    return sorted(links)


def format_links(links: Iterable[Link]) -> str:
    """Format links as one Pharaoh line (sorted, without duplicates)."""
    unique = sorted(set(links))
    for i, j in unique:
        if i < 0 or j < 0:
            raise ValueError(f"link ({i}, {j}) has a negative word index")
    return " ".join(f"{i}-{j}" for i, j in unique)


def iter_pharaoh(path: str | Path) -> Iterator[list[Link]]:
    """Stream the links of a Pharaoh file, one list per line (sentence)."""
    for lineno, line in iter_lines(path):
        try:
            yield parse_links(line)
        except ValueError as err:
            raise DataFormatError(path, lineno, f"{err}.", _FORMAT_HINT) from None


def read_pharaoh(path: str | Path) -> list[list[Link]]:
    """Read a Pharaoh file: one list of links per line; an empty line has none.

    path (str | Path): The file.
    RETURNS (list[list[Link]]): The links of each sentence, sorted.
    """
    return list(iter_pharaoh(path))


def check_links(
    links: Iterable[Link],
    n_src: int,
    n_tgt: int,
    *,
    path: str | Path | None = None,
    line: int | None = None,
) -> None:
    """Raise DataFormatError if a link points past the end of either sentence.

    links (Iterable[Link]): The links of one sentence pair, source index first.
    n_src (int): The number of source words.
    n_tgt (int): The number of target words.
    path (str | Path | None): The alignment file, named in the error.
    line (int | None): The line of the alignment file, named in the error.
    """
    for i, j in links:
        if not (0 <= i < n_src and 0 <= j < n_tgt):
            raise DataFormatError(
                path if path is not None else "<alignment>",
                line,
                f"link {i}-{j} is out of range: the source sentence has {n_src} words "
                f"and the target {n_tgt}.",
                "Check that the alignment file matches the source and target files line "
                "by line (source index first).",
            )


def swap_links(links: Iterable[Link]) -> list[Link]:
    """Turn target-first links into source-first ones (or back): ``(i, j)`` → ``(j, i)``."""
    return sorted({(j, i) for i, j in links})


# The direction check (see check_direction) says "swapped" only on strong evidence:
# a wrong claim would stop a correct run.
# Sentences with a link out of range as given, as a share of the sentences with links.
_MIN_OUT_OF_RANGE_SHARE = 0.1
# Out of range as given must outnumber out of range swapped by this factor.
_OUT_OF_RANGE_RATIO = 20
# Links between identical words: how many (swapped) at least, and how many times more
# than as given. On Europarl en-es the right direction has 8 to 44 times more.
_MIN_IDENTICAL = 8
_IDENTICAL_RATIO = 3


@dataclass
class DirectionEvidence:
    """What :func:`check_direction` counted, as given and with every link swapped.

    ``linked``: sentences with at least one link. ``out_given``/``out_swapped``:
    sentences with a link out of range. ``same_given``/``same_swapped``: links between
    two identical words (case-insensitive; links ``i-i`` are left out, since swapping
    does not change them); counted only when words were given.
    """

    linked: int = 0
    out_given: int = 0
    out_swapped: int = 0
    first_out_given: int | None = None
    same_given: int = 0
    same_swapped: int = 0

    def looks_swapped(self) -> bool:
        """True when the links are most likely target first (thresholds above)."""
        by_words = self.same_swapped >= _MIN_IDENTICAL and (
            self.same_swapped > _IDENTICAL_RATIO * self.same_given
        )
        words_say_given = self.same_given >= _MIN_IDENTICAL and (
            self.same_given > _IDENTICAL_RATIO * self.same_swapped
        )
        by_range = (
            self.out_given > 0
            and self.out_given >= _MIN_OUT_OF_RANGE_SHARE * self.linked
            and self.out_swapped * _OUT_OF_RANGE_RATIO <= self.out_given
        )
        # Ranges alone cannot tell on sentences of equal length, where the words can;
        # if the words clearly say "as given", a few bad lines are just bad lines.
        return by_words or (by_range and not words_say_given)


def direction_evidence(
    alignments: Iterable[Sequence[Link]],
    sources: Iterable[int | Sequence[str]],
    targets: Iterable[int | Sequence[str]],
) -> DirectionEvidence:
    """Count the evidence for the links being source first or target first.

    alignments (Iterable[Sequence[Link]]): The links of each sentence pair, as read.
    sources (Iterable[int | Sequence[str]]): Each source sentence's words, or only its
        length (then only ranges are compared).
    targets (Iterable[int | Sequence[str]]): The same for the target sentences.
    RETURNS (DirectionEvidence): The counts.
    """
    found = DirectionEvidence()
    # Not strict: counts are checked by the caller (check_alignments), with a message.
    pairs = zip(alignments, sources, targets, strict=False)
    for line, (links, src, tgt) in enumerate(pairs, start=1):
        if not links:
            continue
        found.linked += 1
        src_words = None if isinstance(src, int) else [w.casefold() for w in src]
        tgt_words = None if isinstance(tgt, int) else [w.casefold() for w in tgt]
        n_src = src if isinstance(src, int) else len(src)
        n_tgt = tgt if isinstance(tgt, int) else len(tgt)
        out_given = out_swapped = False
        for i, j in links:
            given_ok = i < n_src and j < n_tgt
            swapped_ok = j < n_src and i < n_tgt
            out_given = out_given or not given_ok
            out_swapped = out_swapped or not swapped_ok
            if i == j or src_words is None or tgt_words is None:
                continue
            if given_ok and src_words[i] == tgt_words[j]:
                found.same_given += 1
            if swapped_ok and src_words[j] == tgt_words[i]:
                found.same_swapped += 1
        found.out_given += out_given
        found.out_swapped += out_swapped
        if out_given and found.first_out_given is None:
            found.first_out_given = line
    return found


def check_direction(
    alignments: Iterable[Sequence[Link]],
    sources: Iterable[int | Sequence[str]],
    targets: Iterable[int | Sequence[str]],
    *,
    path: str | Path | None = None,
    fix: str | None = None,
) -> DirectionEvidence:
    """Raise DataFormatError if the links look target first (``j-i`` instead of ``i-j``).

    Swapped links pass the range check wherever the two sentences have the same
    length, and then silently project onto the wrong words. Two kinds of evidence
    are counted over all sentences (see :func:`direction_evidence`): links out of
    range as given but not when swapped, and (given the words) links that join two
    identical words (names, numbers, punctuation) only when swapped. Call it before
    the line-by-line :func:`check_links`, whose error would not say why.

    alignments (Iterable[Sequence[Link]]): The links of each sentence pair, as read.
    sources (Iterable[int | Sequence[str]]): Source words per sentence (or lengths).
    targets (Iterable[int | Sequence[str]]): Target words per sentence (or lengths).
    path (str | Path | None): The alignment file, named in the error.
    fix (str | None): What to do, if not the default advice to swap the file (e.g. a
        command-line flag that swaps the links).
    RETURNS (DirectionEvidence): The counts, when the direction looks right.
    """
    found = direction_evidence(alignments, sources, targets)
    if not found.looks_swapped():
        return found
    if found.out_given and found.out_swapped * _OUT_OF_RANGE_RATIO <= found.out_given:
        line = found.first_out_given
        problem = (
            f"the links look target first: {found.out_given} of {found.linked} sentences have "
            f"a link out of range as given, {found.out_swapped} with each pair swapped."
        )
    else:
        line = None
        problem = (
            f"the links look target first: {found.same_swapped} links join identical words "
            f"with each pair swapped, {found.same_given} as given."
        )
    raise DataFormatError(
        path if path is not None else "<alignment>",
        line,
        problem,
        fix
        or (
            "Pharaoh links are source index first: swap each pair, e.g. with "
            "`sed -E 's/([0-9]+)-([0-9]+)/\\2-\\1/g'`, or align again with the source first."
        ),
    )


def check_alignments(
    alignments: Sequence[Sequence[Link]],
    sources: Sequence[Sequence[str]],
    targets: Sequence[Sequence[str]],
    *,
    path: str | Path | None = None,
    fix: str | None = None,
) -> None:
    """Check a whole alignment file: its direction, then every link's range.

    The one call for a command that reads links from a user's file: first
    :func:`check_direction` (which names a swapped file as such), then
    :func:`check_links` on each line (which names the first bad line).

    alignments (Sequence[Sequence[Link]]): The links of each sentence pair.
    sources (Sequence[Sequence[str]]): The source words of each sentence.
    targets (Sequence[Sequence[str]]): The target words of each sentence.
    path (str | Path | None): The alignment file, named in errors.
    fix (str | None): See :func:`check_direction`.
    """
    where = path if path is not None else "<alignment>"
    if not len(alignments) == len(sources) == len(targets):
        raise DataFormatError(
            where,
            None,
            f"has {len(alignments)} lines of links for {len(sources)} source and "
            f"{len(targets)} target sentences.",
            "The source, target and alignment files must be parallel, one sentence each.",
        )
    check_direction(alignments, sources, targets, path=path, fix=fix)
    pairs = zip(alignments, sources, targets, strict=True)
    for line, (links, src, tgt) in enumerate(pairs, start=1):
        check_links(links, len(src), len(tgt), path=path, line=line)


def write_pharaoh(path: str | Path, alignments: Iterable[Iterable[Link]]) -> None:
    """Write one line of links per sentence pair.

    The file is replaced only once every line is written (see
    :func:`~spacy_xlproj.io.atomic.atomic_write`).

    path (str | Path): The output file; its folder must exist.
    alignments (Iterable[Iterable[Link]]): The links of each sentence pair.
    """
    with atomic_write(path) as file:
        for links in alignments:
            file.write(format_links(links))
            file.write("\n")
