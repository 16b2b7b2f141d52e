"""``pseudo-label``: teachers label unlabelled target text; the agreed spans train a student."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from ..errors import XlprojError
from ..project.build import ALIGNMENT_METHODS
from ..project.options import ProjectionOptions
from ._app import app
from ._checks import check_input, check_output, fail
from ._options import projection_options


def _one_line(err: BaseException) -> str:
    # Some backends' messages list valid forms on several lines; every CLI error is one.
    return " ".join(str(err).split())


@app.command("pseudo-label")
@projection_options(ALIGNMENT_METHODS)
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
    translator: str = typer.Option(
        "apertium",
        "--translator",
        "-T",
        help="translate-test teachers: apertium, hf:MODEL_DIR or file:PATH (TGT -> SRC)",
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
        help="translate-test teachers: hide Wikipedia redirect keywords from MT and NER",
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
        help="Sentences each teacher labels per call (eflomal aligns each batch on its own)",
    ),
    limit: int | None = typer.Option(None, "--limit", "-n", help="Only the first N sentences"),
    drop_lowercase: bool = typer.Option(
        False,
        "--drop-lowercase-spans",
        help="Make accepted spans with no upper-case letter O (español as MISC); spans "
        "without cased letters (digits, Chinese) are kept",
    ),
    drop_labels: str = typer.Option(
        "", "--drop-labels", help="Make accepted spans with these labels O: MISC,…"
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars"),
) -> None:
    """Label INPUT with the spans the teachers agree on and write OUTPUT for `spacy train`.

    Each accepted span keeps its confidence in doc.spans["xlproj"].attrs["scores"]. Prints
    what each teacher proposed, what was agreed, and the missing and dropped counts.
    """
    from ..ner.build import parse_label_map
    from ..teach.ensemble import VOTES, check_agreement
    from ..teach.pseudo_labels import UNCERTAIN_MODES, pseudo_label_file
    from ..teach.teachers import build_teacher, parse_teacher_spec
    from ..transfer.span_filters import SpanFilter, parse_labels

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
        span_filter = SpanFilter(drop_lowercase, parse_labels(drop_labels))
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
    try:
        from ..project.build import build_projector

        projector = build_projector(options, lang=tgt_lang)
        teachers = [
            build_teacher(
                spec,
                src_lang=src_lang,
                tgt_lang=tgt_lang,
                translator=translator,
                aligner=aligner,
                projector=projector,
                label_map=labels,
                cache_dir=cache_dir,
                ignore_wiki_markup=ignore_wiki_markup,
                progress=progress,
            )
            for spec in specs
        ]
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
        result = pseudo_label_file(
            input,
            output,
            teachers,
            lang=tgt_lang,
            agreement=agreement,
            uncertain=uncertain,  # type: ignore[arg-type]
            vote=vote,  # type: ignore[arg-type]
            batch_size=batch_size,
            limit=limit,
            stats_path=stats,
            progress=progress,
            report=report,
            spans_key=spans_key or None,
            span_filter=span_filter,
        )
    except (XlprojError, ValueError, OSError) as err:
        raise fail(_one_line(err)) from None
    typer.echo(result.table())
    seconds = time.perf_counter() - started
    typer.echo(f"time: {seconds:.1f}s (teachers and ensemble {result.seconds:.1f}s)")
    typer.echo(f"Wrote {result.sentences_written} sentences to {output}")
    if stats is not None:
        typer.echo(f"statistics: {stats}")
