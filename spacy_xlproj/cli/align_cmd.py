"""``align``: word-align two parallel files and write Pharaoh links."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from ..errors import DataFormatError, UsageError
from ..io.paths import check_input, check_output
from ..settings import Settings
from ..types import Link
from ._app import command

# Below this many pairs a progress bar is only noise.
PROGRESS_MIN_PAIRS = 1000
# Pairs per call to an aligner that can work in chunks (for the progress bar).
CHUNK_PAIRS = 512


@dataclass(slots=True)
class AlignResult:
    """What ``align_files`` did."""

    pairs: int
    links: int
    seconds: float
    aligner: str
    truncated_words: int = 0

    @property
    def pairs_per_second(self) -> float:
        return self.pairs / self.seconds if self.seconds > 0 else float("inf")


def align_pairs(
    aligner: Any, pairs: Sequence[tuple[Sequence[str], Sequence[str]]], *, progress: bool = False
) -> list[list[Link]]:
    """Align ``pairs``, in chunks with a progress bar when the aligner allows it.

    Aligners that train on their input (``trains_on_input``, e.g. eflomal) get all
    pairs in one call, since splitting the corpus would weaken their model.
    """
    if getattr(aligner, "trains_on_input", True) or not progress:
        return aligner.align(pairs)
    from tqdm import tqdm

    links: list[list[Link]] = []
    with tqdm(total=len(pairs), desc="Aligning", unit="pair", file=sys.stderr) as bar:
        for start in range(0, len(pairs), CHUNK_PAIRS):
            chunk = pairs[start : start + CHUNK_PAIRS]
            links.extend(aligner.align(chunk))
            bar.update(len(chunk))
    return links


def align_files(
    src_path: str | Path,
    tgt_path: str | Path,
    output_path: str | Path,
    aligner: Any,
    *,
    progress: bool | None = None,
) -> AlignResult:
    """Align the sentences of two parallel files and write Pharaoh links.

    src_path (str | Path): Source sentences (column file, text one per line, .spacy).
    tgt_path (str | Path): Target sentences, parallel to the source.
    output_path (str | Path): The Pharaoh file to write (``i-j``, source index first).
    aligner (Aligner): Any aligner, e.g. from ``spacy_xlproj.align.build_aligner``.
    progress (bool | None): Show a progress bar; ``None``: for large inputs.
    RETURNS (AlignResult): Counts and the time spent aligning.
    """
    from ..io import read_sentences, write_pharaoh

    sources = read_sentences(src_path)
    targets = read_sentences(tgt_path)
    if len(sources) != len(targets):
        raise DataFormatError(
            tgt_path,
            None,
            f"has {len(targets)} sentences but the source file {src_path} has {len(sources)}.",
            "The source and target files must be parallel, one sentence each.",
        )
    pairs = [(s.words, t.words) for s, t in zip(sources, targets, strict=True)]
    if progress is None:
        progress = len(pairs) >= PROGRESS_MIN_PAIRS
    truncation = getattr(aligner, "truncation", None)
    truncated_before = truncation.words if truncation is not None else 0
    start = time.perf_counter()
    alignments = align_pairs(aligner, pairs, progress=progress)
    seconds = time.perf_counter() - start
    Path(output_path).parent.mkdir(parents=True, exist_ok=True)
    write_pharaoh(output_path, alignments)
    truncated = truncation.words - truncated_before if truncation is not None else 0
    return AlignResult(
        pairs=len(pairs),
        links=sum(len(links) for links in alignments),
        seconds=seconds,
        aligner=getattr(aligner, "name", type(aligner).__name__),
        truncated_words=truncated,
    )


@command("align")
def align_cli(
    src: Path = typer.Argument(..., help="Source sentences: column file, text or .spacy."),
    tgt: Path = typer.Argument(..., help="Target sentences, parallel to SRC."),
    output: Path = typer.Argument(..., help="Pharaoh links to write (i-j, source index first)."),
    aligner: str = typer.Option(
        ..., "--aligner", help="simalign:MODEL_OR_DIR, eflomal or lexical."
    ),
    extra_src: list[Path] | None = typer.Option(
        None, "--extra-src", help="eflomal: extra parallel source text."
    ),
    extra_tgt: list[Path] | None = typer.Option(
        None, "--extra-tgt", help="eflomal: target side of each --extra-src."
    ),
    settings: Settings = None,  # type: ignore[assignment]  # --preset, --config, overrides
) -> None:
    """Word-align SRC and TGT (same number of sentences) and write OUTPUT in Pharaoh format.

    Prints the number of links and the speed in sentence pairs per second.
    """
    from ..align.build import build_aligner

    extra_src, extra_tgt = list(extra_src or []), list(extra_tgt or [])
    if len(extra_src) != len(extra_tgt):
        raise UsageError(
            f"Give as many --extra-tgt as --extra-src files ({len(extra_tgt)} vs {len(extra_src)})."
        )
    for path in (src, tgt, *extra_src, *extra_tgt):
        check_input(path)
    check_output(output, src, tgt, *extra_src, *extra_tgt)
    values = settings.section("align")
    built = build_aligner(
        aligner,
        layer=values["layer"],
        method=values["simalign_method"],
        symmetrize=values["symmetrize"],
        batch_size=values["batch_size"],
        extra_parallel=list(zip(extra_src, extra_tgt, strict=True)) or None,
        device=values["device"],
        token_type=values["token_type"],
    )
    result = align_files(src, tgt, output, built)
    per_pair = result.links / result.pairs if result.pairs else 0.0
    typer.echo(
        f"Aligned {result.pairs} sentence pairs with {result.aligner}: {result.links} links "
        f"({per_pair:.1f} per pair)"
    )
    typer.echo(f"time: {result.seconds:.2f}s ({result.pairs_per_second:,.1f} pairs/s)")
    if result.truncated_words:
        typer.echo(
            f"Warning: {result.truncated_words} words of over-long sentences were not aligned "
            "(beyond the model's maximum length).",
            err=True,
        )
    typer.echo(f"Wrote {result.pairs} lines to {output}")
