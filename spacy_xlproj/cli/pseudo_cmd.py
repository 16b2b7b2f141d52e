"""``pseudo-label``: teachers label unlabelled target text; the agreed spans train a student."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from ..errors import UsageError
from ..io.paths import check_cache_dir
from ..project.build import ALIGNMENT_METHODS
from ..project.options import ProjectionOptions
from ..settings import Settings
from . import _options as opt
from ._app import command


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


@command("pseudo-label")
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
    src_lang: str = opt.src_lang(help="Language of the source models"),
    tgt_lang: str = opt.tgt_lang("Language of INPUT"),
    translator: str = opt.translator(
        "translate-test teachers: apertium, hf:DIR, ct2:DIR or file:PATH (TGT -> SRC)"
    ),
    aligner: str = opt.aligner("translate-test teachers: eflomal, simalign:MODEL_DIR or lexical"),
    method: str | None = opt.method(ALIGNMENT_METHODS),
    stats: Path | None = opt.stats(),
    cache_dir: Path | None = opt.cache_dir(),
    limit: int | None = opt.limit(),
    progress: bool = opt.progress(),
    engine: str = opt.engine(),
    workers: int | None = opt.workers(),
    settings: Settings = None,  # type: ignore[assignment]  # --preset, --config, overrides
) -> None:
    """Label INPUT with the spans the teachers agree on and write OUTPUT for `spacy train`.

    Each accepted span keeps its confidence in doc.spans["xlproj"].attrs["scores"]. Prints
    what each teacher proposed, what was agreed, and the missing and dropped counts.
    """
    from ..ner.build import parse_label_map
    from ..teach.ensemble import check_weights
    from ..teach.pseudo_labels import check_pseudo_label_paths, pseudo_label_file, voters
    from ..teach.teachers import parse_teacher_spec

    # Everything the user typed is checked before any model is loaded.
    specs = [parse_teacher_spec(t) for t in teacher]
    check_weights([s.weight for s in specs])
    options = settings.projection(method, ALIGNMENT_METHODS)
    user_projection = method is not None or bool(settings.given.get("projection"))
    if user_projection and not any(s.kind == "translate-test" for s in specs):
        raise UsageError(
            "projection settings apply to translate-test teachers only, and no --teacher "
            "is translate-test:MODEL."
        )
    ensemble = settings.ensemble()
    labels = parse_label_map(settings.get("pseudo_label", "label_map"))
    limit = opt.check_limit(limit)
    batch_size = opt.chunk_size(settings)
    engine_options = opt.engine_options(engine, workers, settings)
    # Paths too: loading models and translating must not come before "file not found".
    check_cache_dir(cache_dir)
    check_pseudo_label_paths(input, output, stats, cache_dir=cache_dir)

    started = time.perf_counter()
    # The teachers are built where the batches are labelled: here, or on each Ray worker.
    backends = TeacherBackends(
        tuple(str(s) for s in specs), src_lang, tgt_lang, translator, aligner, options,
        labels, cache_dir=cache_dir,
        ignore_wiki_markup=settings.get("pseudo_label", "ignore_wiki_markup"),
        progress=progress and engine_options.local,
    )  # fmt: skip
    with opt.start_engine(engine_options, backends) as pool:
        report = {
            "command": "pseudo-label",
            "input": str(input),
            "teacher_specs": [str(s) for s in specs],
            "src_lang": src_lang,
            "tgt_lang": tgt_lang,
            "settings": settings.to_dict(),  # every section, preset and config resolved
        }
        if any(s.kind == "translate-test" for s in specs):
            report.update(
                translator=translator, aligner=aligner, projection_options=options.applicable()
            )
        report["engine"] = pool.report(memory=False)  # written before the run ends
        spans_key = settings.get("pseudo_label", "spans_key")
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
            checked=True,
        )
    typer.echo(result.table())
    seconds = time.perf_counter() - started
    typer.echo(f"time: {seconds:.1f}s (teachers and ensemble {result.seconds:.1f}s)")
    typer.echo(f"Wrote {result.sentences_written} sentences to {output}")
    if stats is not None:
        typer.echo(f"statistics: {stats}")
