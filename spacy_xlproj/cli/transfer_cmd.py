"""``translate-train`` and ``translate-test``: thin wrappers over ``spacy_xlproj.transfer``.

Both check every path and option before any translation (inputs exist, outputs are
writable and are not inputs, ``--cache-dir`` is a cache, ``--work-dir`` belongs to
this run…) and report ordinary mistakes as one ``Error: …`` line, like every command.
translate-train streams: the source is read lazily, chunk by chunk, and the output is
written as the chunks are done (``transfer.output``), in memory bounded by a chunk; so is
its source side, beside it (``transfer.output.source_sidecar_path``), which ``review`` reads.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import typer

from ..errors import UsageError
from ..io.paths import PathProblem, check_cache_dir, check_input, check_output
from ..project.build import ALIGNMENT_METHODS, METHODS
from ..project.options import ProjectionOptions
from ..settings import Settings
from ..transfer.engine import EngineOptions
from ..transfer.span_filters import SpanFilter, describe
from . import _options as opt
from ._app import command


def _markers(text: str) -> tuple[str, str]:
    parts = text.split(",")
    if len(parts) != 2 or not all(parts) or parts[0] == parts[1]:
        raise UsageError(
            "translate_train.markers must be two different markers separated by a comma, "
            f"got {text!r}."
        )
    return parts[0], parts[1]


def _translator_files(*specs: str | None) -> list[Path]:
    """The files a ``file:PATH[:SOURCE]`` translator reads: inputs an output must not be."""
    # The spec parser of build_translator itself, so both read a spec the same way.
    from ..translate.build import _split_file_arg

    paths: list[Path] = []
    for spec in specs:
        if spec is None:
            continue
        kind, _, arg = spec.partition(":")
        if kind.strip().lower() == "file" and arg:
            path, source = _split_file_arg(arg)
            paths.extend(Path(p) for p in (path, source) if p)
    return paths


def _check_outputs(
    output: Path,
    stats: Path | None,
    inputs: list[Path],
    cache_dir: Path | None,
    work_dir: Path | None = None,
    sidecar: Path | None = None,
) -> None:
    """OUTPUT and --stats: not an input, not inside the cache or work folder, not each other.

    With ``sidecar`` (translate-train's source side), that file likewise.
    """
    folders = [("--cache-dir", cache_dir), ("--work-dir", work_dir)]
    check_output(output, *inputs, folders=folders)
    if sidecar is not None:
        check_output(sidecar, *inputs, what="Source side file", folders=folders)
    if stats is None:
        return
    check_output(stats, *inputs, what="Statistics file", folders=folders)
    if stats.resolve() == output.resolve():
        raise PathProblem(
            f"--stats {stats} is the output file too; give the statistics another path."
        )
    if sidecar is not None and stats.resolve() == sidecar.resolve():
        raise PathProblem(
            f"--stats {stats} is where the source side of {output} goes; give the statistics "
            "another path."
        )


def _write_stats(stats_path: Path | None, report: dict[str, Any], started: float) -> None:
    from ..io import write_atomic

    report["seconds"] = round(time.perf_counter() - started, 1)
    if stats_path is None:
        return
    stats_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(stats_path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    typer.echo(f"  statistics: {stats_path}")


def _limited(items: Iterator[Any], limit: int | None) -> Iterator[Any]:
    return islice(items, limit) if limit else items


@command("translate-train")
def translate_train_cli(
    src: Path = typer.Argument(
        ..., help="Labelled source file: column file (token<TAB>tag) or .spacy"
    ),
    output: Path = typer.Argument(
        ..., help="Output: .spacy, or a column file for any other extension"
    ),
    src_lang: str = opt.src_lang(),
    tgt_lang: str = opt.tgt_lang(),
    translator: str = opt.translator(
        "apertium, hf:MODEL_DIR, ct2:MODEL_DIR, file:PATH (line i translates sentence i) or "
        "file:PATH:SOURCE (looked up by source text)"
    ),
    aligner: str = opt.aligner(
        "eflomal, simalign:MODEL_DIR or lexical (markers: the fallback; 'none')"
    ),
    method: str | None = opt.method(METHODS),
    stats: Path | None = opt.stats(),
    cache_dir: Path | None = opt.cache_dir(),
    work_dir: Path | None = typer.Option(
        None,
        "--work-dir",
        help="Store finished chunks here; a rerun with the same settings resumes",
    ),
    limit: int | None = opt.limit(),
    progress: bool = opt.progress(),
    engine: str = opt.engine(),
    workers: int | None = opt.workers(),
    settings: Settings = None,  # type: ignore[assignment]  # --preset, --config, overrides
) -> None:
    """Translate a labelled corpus and project its entities: training data for TGT_LANG."""
    from ..transfer.chunks import check_work_dir
    from ..transfer.output import source_sidecar_path
    from ..transfer.train import TrainBackends

    started = time.perf_counter()
    # Every option and path first: nothing is read or translated before they pass.
    options = settings.projection(method, METHODS)
    span_filter = settings.span_filter()
    limit = opt.check_limit(limit)
    chunk_size = opt.chunk_size(settings)
    marker_pair = _markers(settings.get("translate_train", "markers"))
    engine_options = opt.engine_options(engine, workers, settings)
    files = _translator_files(translator)
    check_input(src)
    check_cache_dir(cache_dir)
    sidecar = source_sidecar_path(output)
    _check_outputs(output, stats, [src, *files], cache_dir, work_dir, sidecar)
    if work_dir is not None:
        check_work_dir(work_dir, "translate-train")
    n_source = _scan_source(src, src_lang)
    total = min(n_source, limit) if limit else n_source
    _check_positional(translator, src, n_source)
    # The backends are built where the chunks run: here, or once on each Ray worker.
    backends = TrainBackends(
        translator, aligner, options, src_lang, tgt_lang, cache_dir=cache_dir,
        markers=marker_pair, progress=progress and engine_options.local,
    )  # fmt: skip
    with opt.start_engine(engine_options, backends) as pool:
        run = _run_translate_train(
            src, output, options, pool, src_lang=src_lang, tgt_lang=tgt_lang,
            chunk_size=chunk_size, work_dir=work_dir, limit=limit, total=total,
            progress=progress, files=files, span_filter=span_filter,
        )  # fmt: skip
        engine_report = pool.report()
    n_written, projection_stats, marker_stats, filtered = run
    typer.echo(projection_stats.table())
    report = {"command": "translate-train", "options": options.applicable()}
    report["settings"] = settings.to_dict()  # every section, preset and config resolved
    report.update(translator=pool.info["translator"], aligner=pool.info["aligner"])
    report["engine"] = engine_report
    report["projection"] = projection_stats.to_dict()
    # The projection counts are before the filter; "filtered" is what it then removed.
    report["span_filter"] = span_filter.to_dict()
    report["filtered"] = dict(filtered)
    if span_filter.active:
        typer.echo(describe(filtered))
    if marker_stats is not None:
        report["markers"] = marker_stats.to_dict()
        typer.echo(json.dumps(report["markers"], indent=2))
    typer.secho(f"✔ Wrote {n_written} sentences to {output}", fg=typer.colors.GREEN)
    typer.echo(f"  source side (for review): {sidecar}")
    _write_stats(stats, report, started)


def _scan_source(src: Path, src_lang: str) -> int:
    """Read the source once without keeping it: format errors and the no-entity warning
    come before any translation, and the count sizes the progress bar.

    RETURNS (int): The number of sentences in ``src``.
    """
    from ..io import ReadReport, iter_sentences, no_entities_warning

    report = ReadReport()
    for _ in iter_sentences(src, report=report, lang=src_lang):
        pass
    if (warning := no_entities_warning(src, report)) is not None:
        typer.echo(f"Warning: {warning}", err=True)
    return report.sentences


def _check_positional(translator: str, src: Path, n_source: int) -> None:
    """``file:PATH`` answers by position: one line per source sentence, checked now."""
    from ..errors import DataFormatError
    from ..translate.build import _split_file_arg
    from ..translate.file import read_lines

    kind, _, arg = translator.partition(":")
    if kind.strip().lower() != "file" or not arg:
        return
    path, source = _split_file_arg(arg)
    if source is not None:
        return
    n_lines = len(read_lines(Path(path)))
    if n_lines != n_source:
        raise DataFormatError(
            path,
            None,
            f"has {n_lines} lines but {src} has {n_source} sentences.",
            "Line i must translate sentence i (as the translate command writes them); or "
            "give file:PATH:SOURCE to look translations up by source text.",
        )


def _run_translate_train(
    src: Path,
    output: Path,
    options: ProjectionOptions,
    pool: Any,
    *,
    src_lang: str,
    tgt_lang: str,
    chunk_size: int,
    work_dir: Path | None,
    limit: int | None,
    total: int,
    progress: bool,
    files: list[Path],
    span_filter: SpanFilter,
) -> tuple[int, Any, Any, Counter[str]]:
    """Stream the source through the chunked runner into the output, atomically, and
    each written sentence's source side into ``source_sidecar_path(output)``.

    The span filter works on the finished chunks, so it is not a work-folder setting:
    a resumed run may change it without translating again.
    """
    from ..evaluate import ProjectionStats
    from ..io import iter_sentences
    from ..project.markers import MarkerStats
    from ..transfer.chunks import file_identity
    from ..transfer.output import source_sidecar, source_sidecar_path, write_stream
    from ..transfer.train import ProjectedSentence, stream_translate_train

    method = options.method
    marker_stats = MarkerStats() if method == "markers" else None
    projection_stats = ProjectionStats()
    filtered = span_filter.new_counts()
    # What the work folder's chunks depend on, besides the backends' own settings.
    settings: dict[str, Any] = {
        "source": file_identity(src),
        "limit": limit or 0,
        "projection_options": options.to_dict(),
        "languages": [src_lang, tgt_lang],
    }
    if files:
        settings["translations"] = [file_identity(p) for p in files if p.is_file()]
    # The source side is written line by line as the output's sentences stream by; it
    # replaces its old version only once the output is complete.
    with source_sidecar(source_sidecar_path(output)) as add_source:

        def on_sentence(result: ProjectedSentence) -> None:
            add_source(result.source.words, result.source.spans, result.links)

        stream = stream_translate_train(
            _limited(iter_sentences(src, lang=src_lang), limit),
            pool,
            chunk_size=chunk_size,
            work_dir=work_dir,
            progress=progress,
            stats=projection_stats,
            marker_stats=marker_stats,
            settings=settings,
            total=total,
            span_filter=span_filter if span_filter.active else None,
            filtered=filtered,
            on_sentence=on_sentence,
        )
        n_written = write_stream(output, stream, tgt_lang)
    return n_written, projection_stats, marker_stats, filtered


@command("translate-test")
def translate_test_cli(
    input: Path = typer.Argument(
        ..., help="Target-language sentences: column file, .spacy or plain text"
    ),
    output: Path = typer.Argument(
        ..., help="Output: .spacy, or a column file for any other extension"
    ),
    src_lang: str = opt.src_lang(help="Language of the NER model"),
    tgt_lang: str = opt.tgt_lang("Language of INPUT"),
    translator: str = opt.translator(
        "apertium, hf:MODEL_DIR, ct2:MODEL_DIR or file:PATH (TGT -> SRC)"
    ),
    ner: str = typer.Option(
        ..., "--ner", help="Source NER model: spaCy package or folder, or hf:MODEL_DIR"
    ),
    aligner: str = opt.aligner(),
    method: str | None = opt.method(ALIGNMENT_METHODS),
    stats: Path | None = opt.stats(),
    cache_dir: Path | None = opt.cache_dir(),
    limit: int | None = opt.limit(),
    progress: bool = opt.progress(),
    engine: str = opt.engine(),
    workers: int | None = opt.workers(),
    settings: Settings = None,  # type: ignore[assignment]  # --preset, --config, overrides
) -> None:
    """Tag TGT_LANG sentences with a SRC_LANG model through translation, and project back."""
    from ..io import read_sentences, write_sentences
    from ..ner.build import parse_label_map

    started = time.perf_counter()
    options = settings.projection(method, ALIGNMENT_METHODS)
    test = settings.section("translate_test")
    label_map = parse_label_map(test["label_map"])
    limit = opt.check_limit(limit)
    chunk_size = opt.chunk_size(settings)
    engine_options = opt.engine_options(engine, workers, settings)
    files = _translator_files(translator, test["back_translator"])
    check_input(input)
    check_cache_dir(cache_dir)
    _check_outputs(output, stats, [input, *files], cache_dir)
    sentences = read_sentences(input, lang=tgt_lang)
    sentences = sentences[:limit] if limit else sentences
    out, projection_stats, report = _run_translate_test(
        sentences, options, translator, test["back_translator"], ner, label_map, aligner,
        backtranslation=test["backtranslation"], cache_dir=cache_dir, src_lang=src_lang,
        tgt_lang=tgt_lang,
        ignore_wiki_markup=test["ignore_wiki_markup"], harmonize_labels=test["harmonize_labels"],
        progress=progress, chunk_size=chunk_size, engine=engine_options,
    )  # fmt: skip
    write_sentences(output, out, lang=tgt_lang)
    report["settings"] = settings.to_dict()  # every section, preset and config resolved
    typer.secho(f"✔ Wrote {len(out)} sentences to {output}", fg=typer.colors.GREEN)
    _write_stats(stats, report, started)


def _run_translate_test(
    sentences: list[Any],
    options: ProjectionOptions,
    translator: str,
    back_translator: str | None,
    ner: str,
    label_map: dict[str, str | None],
    aligner: str,
    *,
    backtranslation: bool,
    cache_dir: Path | None,
    src_lang: str,
    tgt_lang: str,
    ignore_wiki_markup: bool,
    harmonize_labels: str,
    progress: bool,
    chunk_size: int,
    engine: EngineOptions,
) -> tuple[list[Any], Any, dict[str, Any]]:
    from ..transfer.backtranslation import RefineStats
    from ..transfer.tagging import TranslateTestBackends, translate_test_shards

    # The backends are built where the shards run: here, or once on each Ray worker.
    backends = TranslateTestBackends(
        translator, ner, aligner, options, src_lang, tgt_lang,
        label_map=label_map, backtranslation=backtranslation,
        back_translator=back_translator, cache_dir=cache_dir,
        ignore_wiki_markup=ignore_wiki_markup, progress=progress and engine.local,
    )  # fmt: skip
    refine_stats = RefineStats()
    with opt.start_engine(engine, backends) as pool:
        out, projection_stats = translate_test_shards(
            sentences,
            pool,
            chunk_size=chunk_size,
            progress=progress,
            refine_stats=refine_stats,
        )
        engine_report = pool.report()
    typer.echo(projection_stats.table())
    report: dict[str, Any] = {"command": "translate-test", "options": options.applicable()}
    report.update(backtranslation=backtranslation, ner=ner)
    report.update(translator=pool.info["translator"], aligner=pool.info["aligner"])
    report["engine"] = engine_report
    report["projection"] = projection_stats.to_dict()
    if backtranslation:
        report["refinement"] = refine_stats.to_dict()
        typer.echo(json.dumps(report["refinement"], indent=2))
    if harmonize_labels != "none":
        from ..transfer.consistency import harmonize_labels as harmonize

        out, consistency = harmonize(out, head=harmonize_labels)  # type: ignore[arg-type]
        report["consistency"] = consistency.to_dict()
        typer.echo(f"labels harmonized: {consistency.to_dict()}")
    return out, projection_stats, report
