"""Word alignments in Pharaoh format: ``i-j`` pairs (source index first), one line per sentence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import DataFormatError
from ..types import Link
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


def write_pharaoh(path: str | Path, alignments: Iterable[Iterable[Link]]) -> None:
    """Write one line of links per sentence pair.

    path (str | Path): The output file; its folder must exist.
    alignments (Iterable[Iterable[Link]]): The links of each sentence pair.
    """
    with Path(path).open("w", encoding="utf-8", newline="\n") as file:
        for links in alignments:
            file.write(format_links(links))
            file.write("\n")
