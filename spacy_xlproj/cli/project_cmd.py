"""``project``: carry the entities of a labelled source file onto its aligned target file."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import typer

from ..errors import DataFormatError
from ..evaluate import ProjectionStats
from ..io.paths import check_input, check_output
from ..project.base import Projector
from ..project.build import ALIGNMENT_METHODS, build_projector
from ..settings import Settings
from ..types import Sentence
from . import _options as options
from ._app import command

OUTPUT_SUFFIXES = (".conll", ".conll02", ".conll03", ".iob", ".iob2", ".bio", ".tsv", ".spacy")
# Below this many sentences a progress bar is only noise.
PROGRESS_MIN_SENTENCES = 5000


def project_files(
    src_path: str | Path,
    tgt_path: str | Path,
    align_path: str | Path,
    output_path: str | Path,
    projector: Projector,
    *,
    stats_path: str | Path | None = None,
    progress: bool | None = None,
) -> ProjectionStats:
    """Project the entities of ``src_path`` onto the sentences of ``tgt_path``.

    src_path (str | Path): Labelled source sentences (column file, ``.spacy``).
    tgt_path (str | Path): The target sentences, line by line parallel to the source
        (any supported format; its tags, if any, are ignored).
    align_path (str | Path): Pharaoh word links, one line per sentence, source first.
    output_path (str | Path): Where to write the target sentences with their projected
        entities: a column file (``.conll``, ``.iob``, ``.tsv`` …) or ``.spacy``.
    projector (Projector): Any projector, e.g. from :func:`build_projector`.
    stats_path (str | Path | None): If given, the statistics are written there as JSON.
    progress (bool | None): Show a progress bar on stderr; ``None``: for large inputs.
    RETURNS (ProjectionStats): What was projected and dropped; ``stats.seconds`` holds
        the projection time.
    """
    from ..io import (
        ReadReport,
        check_alignments,
        no_entities_warning,
        read_pharaoh,
        read_sentences,
        write_atomic,
        write_sentences,
    )

    for path in (src_path, tgt_path, align_path):
        check_input(path)
    check_output(output_path, src_path, tgt_path, align_path)
    if stats_path is not None:
        check_output(stats_path, src_path, tgt_path, align_path, what="Statistics file")
    output_path = Path(output_path)
    if output_path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise DataFormatError(
            output_path,
            None,
            f"unsupported output format {output_path.suffix or '(no extension)'!r}.",
            f"Use one of: {', '.join(OUTPUT_SUFFIXES)}.",
        )
    report = ReadReport()
    sources = read_sentences(src_path, report=report)
    if (warning := no_entities_warning(src_path, report)) is not None:
        typer.echo(f"Warning: {warning}", err=True)
    targets = read_sentences(tgt_path)
    alignments = read_pharaoh(align_path)
    _check_count(tgt_path, len(targets), src_path, len(sources), "target sentences")
    _check_count(align_path, len(alignments), src_path, len(sources), "alignment lines")
    check_alignments(
        alignments, [s.words for s in sources], [t.words for t in targets], path=align_path
    )

    stats = ProjectionStats()
    projected: list[Sentence] = []
    if progress is None:
        progress = len(sources) >= PROGRESS_MIN_SENTENCES
    items: Any = zip(sources, targets, alignments, strict=True)
    if progress:
        from tqdm import tqdm

        items = tqdm(items, total=len(sources), desc="Projecting", unit="sent", file=sys.stderr)
    start = time.perf_counter()
    for src, tgt, links in items:
        projection = projector.project(src.words, src.spans, tgt.words, links)
        stats.add(src.spans, projection)
        projected.append(Sentence(list(tgt.words), projection.target_spans()))
    stats.seconds = time.perf_counter() - start
    write_sentences(output_path, projected)
    if stats_path is not None:
        data = stats.to_dict()
        data["projector"] = repr(projector)
        write_atomic(stats_path, json.dumps(data, indent=2) + "\n")
    return stats


def _check_count(path: str | Path, n: int, src_path: str | Path, n_src: int, what: str) -> None:
    if n != n_src:
        raise DataFormatError(
            path,
            None,
            f"has {n} {what} but the source file {src_path} has {n_src} sentences.",
            "The source, target and alignment files must be parallel, one sentence each.",
        )


@command("project")
def project_cli(
    src: Path = typer.Argument(
        ..., help="Labelled source sentences: a column file (token<TAB>tag, IOB2) or .spacy."
    ),
    tgt: Path = typer.Argument(
        ..., help="Target sentences, parallel to SRC (column, text or .spacy; tags ignored)."
    ),
    output: Path = typer.Argument(
        ..., help="Output with the projected entities: .conll, .iob, .tsv (columns) or .spacy."
    ),
    alignments: Path = typer.Option(
        ...,
        "--alignments",
        help="Pharaoh word links (i-j, source index first), one line per sentence.",
    ),
    method: str | None = options.method(ALIGNMENT_METHODS),
    stats: Path | None = typer.Option(
        None, "--stats", help="Write the projection statistics to this JSON file."
    ),
    settings: Settings = None,  # type: ignore[assignment]  # --preset, --config, overrides
) -> None:
    """Project the entities of SRC onto TGT through word alignments and write OUTPUT.

    Prints what was projected and dropped (by reason) and how fast.
    """
    projector = build_projector(settings.projection(method, ALIGNMENT_METHODS))
    result = project_files(src, tgt, alignments, output, projector, stats_path=stats)
    typer.echo(result.table())
    speed = result.sentences / result.seconds if result.seconds > 0 else float("inf")
    typer.echo(f"time: {result.seconds:.3f}s ({speed:,.0f} sentences/s)")
    typer.echo(f"Wrote {result.sentences} sentences to {output}")
