"""``pseudo-label``: teachers label unlabelled target text; the agreed spans train a student."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from ..errors import XlprojError
from ..project.build import ALIGNMENT_METHODS
from ..project.options import ProjectionOptions
from ..transfer.engine import EngineOptions
from ..transfer.span_filters import SpanFilter
from ._app import app
from ._checks import check_input, check_output, fail
from ._options import (
    check_harmonize,
    engine_options,
    harmonize_option,
    projection_options,
    span_filter_options,
    start_engine,
)


def _one_line(err: BaseException) -> str:
    # Some backends' messages list valid forms on several lines; every CLI error is one.
    return " ".join(str(err).split())


@dataclass(frozen=True)
class TeacherBackends:
    """pseudo-label's worker spec: the teachers as the command line names them.

    Picklable, so each Ray worker builds its own teachers (models, translator, aligner)
    from it, once; ``build()`` is the ``TeacherPanel`` that labels one batch.
    """

    specs: tuple[str, ...]
    src_lang: str
    tgt_lang: str
    translator: str
    aligner: str
    options: ProjectionOptions
    label_map: dict[str, str | None]
    cache_dir: Path | None = None
    ignore_wiki_markup: bool = False
    progress: bool = False

    def build(self) -> Any:
        from ..project.build import build_projector
        from ..teach.pseudo_labels import TeacherPanel
        from ..teach.teachers import build_teacher

        projector = build_projector(self.options, lang=self.tgt_lang)
        teachers = [
            build_teacher(
                spec,
                src_lang=self.src_lang,
                tgt_lang=self.tgt_lang,
                translator=self.translator,
                aligner=self.aligner,
                projector=projector,
                label_map=self.label_map,
                cache_dir=self.cache_dir,
                ignore_wiki_markup=self.ignore_wiki_markup,
                progress=self.progress,
            )
            for spec in self.specs
        ]
        return TeacherPanel(teachers)


@app.command("pseudo-label")
@projection_options(ALIGNMENT_METHODS)
@engine_options
@span_filter_options(capitalised=True)
def pseudo_label_cli(
    input: Path = typer.Argument(
        ...,
        help="Unlabelled target-language sentences: plain text (one per line, words separated "
        "by spaces), a column file (its tags are ignored) or .spacy.",
    ),
    output: Path = typer.Argument(
        ..., help="Output .spacy file: agreed spans as entities, disagreements as missing."
    ),
    teacher: list[str] = typer.Option(
        ...,
        "--teacher",
        help="A teacher, repeatable: translate-test:MODEL (a source NER model through "
        "translation), spacy:PATH (a target-language pipeline) or zero-shot:MODEL (a source "
        "model on the target words); MODEL is a spaCy name or folder, or hf:DIR. Append "
        "@WEIGHT to weigh its vote (default 1).",
    ),
    src_lang: str = typer.Option("en", "--src-lang", "-s", help="Language of the source models"),
    tgt_lang: str = typer.Option(..., "--tgt-lang", "-t", help="Language of INPUT"),
    agreement: float = typer.Option(
        1.0,
        "--agreement",
        help="Vote share a span needs, in (0, 1]: 1 = every teacher proposes exactly it, "
        "0.5 = half of the teachers' weight.",
    ),
    vote: str = typer.Option(
        "weight",
        "--vote",
        help="How a teacher's vote counts: weight, or confidence (weight x the span's "
        "confidence, e.g. translate-test's projection score).",
    ),
    uncertain: str = typer.Option(
        "missing",
        "--uncertain",
        help="Words of spans the teachers disagree on: missing (neither entity nor O, "
        "ignored in training), outside (O), or drop-sentence.",
    ),
    harmonize_labels: str = harmonize_option(
        "Before the vote, over each teacher's labels of each batch (--batch-size)"
    ),
    translator: str = typer.Option(
        "apertium",
        "--translator",
        "-T",
        help="translate-test teachers: apertium, hf:DIR, ct2:DIR or file:PATH (TGT -> SRC)",
    ),
    aligner: str = typer.Option(
        "eflomal",
        "--aligner",
        "-a",
        help="translate-test teachers: eflomal, simalign:MODEL_DIR or lexical",
    ),
    options: ProjectionOptions = None,  # type: ignore[assignment]  # the projection flags
    label_map: str = typer.Option(
        "",
        "--label-map",
        help="Rename or drop the labels of the source models (translate-test, zero-shot): "
        "PERSON=PER,MISC=",
    ),
    ignore_wiki_markup: bool = typer.Option(
        False,
        "--ignore-wiki-markup",
        help="Hide Wikipedia redirect keywords from every teacher (translate-test: MT and NER)",
    ),
    spans_key: str = typer.Option(
        "xlproj",
        "--spans-key",
        help="Span group of the accepted spans and their confidences (attrs['scores']); '' "
        "writes none (spaCy reads a span group back in about 1.5 ms per doc and epoch).",
    ),
    stats: Path | None = typer.Option(None, "--stats", help="Write statistics JSON here"),
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="Translation cache folder"),
    batch_size: int = typer.Option(
        10_000,
        "--batch-size",
        help="Sentences each teacher labels per call (eflomal aligns each batch on its own); "
        "with --engine ray, the shards sent to the workers",
    ),
    limit: int | None = typer.Option(None, "--limit", "-n", help="Only the first N sentences"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars"),
    engine: EngineOptions = None,  # type: ignore[assignment]  # --engine, --workers…
    span_filter: SpanFilter = None,  # type: ignore[assignment]  # --drop-lowercase-spans…
) -> None:
    """Label INPUT with the spans the teachers agree on and write OUTPUT for `spacy train`.

    Each accepted span keeps its confidence in doc.spans["xlproj"].attrs["scores"]. Prints
    what each teacher proposed, what was agreed, and the missing and dropped counts.
    """
    from ..ner.build import parse_label_map
    from ..teach.ensemble import VOTES, check_agreement
    from ..teach.pseudo_labels import (
        UNCERTAIN_MODES,
        EnsembleOptions,
        pseudo_label_file,
        voters,
    )
    from ..teach.teachers import parse_teacher_spec

    # Everything the user typed is checked before any model is loaded.
    try:
        specs = [parse_teacher_spec(t) for t in teacher]
        check_agreement(agreement)
        if vote not in VOTES:
            raise ValueError(f"--vote: use one of {', '.join(VOTES)}, got {vote!r}.")
        if uncertain not in UNCERTAIN_MODES:
            raise ValueError(
                f"--uncertain: use one of {', '.join(UNCERTAIN_MODES)}, got {uncertain!r}."
            )
        if batch_size < 1:
            raise ValueError(f"--batch-size must be at least 1, got {batch_size}.")
        if options != ProjectionOptions() and not any(s.kind == "translate-test" for s in specs):
            raise ValueError(
                "projection flags apply to translate-test teachers only, and no --teacher "
                "is translate-test:MODEL."
            )
        labels = parse_label_map(label_map)
        ensemble = EnsembleOptions(
            agreement,
            uncertain,  # type: ignore[arg-type]
            vote,  # type: ignore[arg-type]
            span_filter,
            check_harmonize(harmonize_labels),  # type: ignore[arg-type]
        )
    except (XlprojError, ValueError) as err:
        raise fail(_one_line(err), 2) from None
    # Paths too: loading models and translating must not come before "file not found".
    try:
        check_input(input)
        if output.suffix.lower() != ".spacy":
            raise ValueError(
                f"Output {output} must end in .spacy: pseudo-labels are a spaCy DocBin, "
                "since column files cannot mark missing annotation."
            )
        check_output(output, input)
        if stats is not None:
            check_output(stats, input, output, what="Statistics file")
    except (XlprojError, ValueError) as err:
        raise fail(_one_line(err)) from None

    started = time.perf_counter()
    # The teachers are built where the batches are labelled: here, or on each Ray worker.
    backends = TeacherBackends(
        tuple(str(s) for s in specs), src_lang, tgt_lang, translator, aligner, options,
        labels, cache_dir=cache_dir, ignore_wiki_markup=ignore_wiki_markup,
        progress=progress and engine.local,
    )  # fmt: skip
    try:
        with start_engine(engine, backends) as pool:
            report = {
                "command": "pseudo-label",
                "input": str(input),
                "teacher_specs": [str(s) for s in specs],
                "src_lang": src_lang,
                "tgt_lang": tgt_lang,
            }
            if any(s.kind == "translate-test" for s in specs):
                report.update(
                    translator=translator, aligner=aligner, projection_options=options.applicable()
                )
            report["engine"] = pool.report(memory=False)  # written before the run ends
            result = pseudo_label_file(
                input,
                output,
                voters(pool.info),
                ensemble,
                lang=tgt_lang,
                batch_size=batch_size,
                limit=limit,
                stats_path=stats,
                progress=progress,
                report=report,
                spans_key=spans_key or None,
                pool=pool,
            )
    except (XlprojError, ValueError, OSError) as err:
        raise fail(_one_line(err)) from None
    typer.echo(result.table())
    seconds = time.perf_counter() - started
    typer.echo(f"time: {seconds:.1f}s (teachers and ensemble {result.seconds:.1f}s)")
    typer.echo(f"Wrote {result.sentences_written} sentences to {output}")
    if stats is not None:
        typer.echo(f"statistics: {stats}")
