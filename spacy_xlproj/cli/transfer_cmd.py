"""``translate-train`` and ``translate-test``: thin wrappers over ``spacy_xlproj.transfer``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from ..errors import XlprojError
from ._app import app
from ._options import (
    Candidates,
    Constraint,
    ExpandNames,
    LengthRatio,
    MaxLen,
    MergeDistance,
    NProj,
    OnlyI,
    RefineLinks,
    TopK,
    Weights,
    projector_from_options,
)

METHODS = ("heuristic", "greedy", "ilp", "markers")


def _fail(message: str) -> typer.Exit:
    typer.secho(f"✘ {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def _markers(text: str) -> tuple[str, str]:
    parts = text.split(",")
    if len(parts) != 2 or not all(parts) or parts[0] == parts[1]:
        raise _fail(f"--markers must be two different markers separated by a comma, got {text!r}")
    return parts[0], parts[1]


def _read(path: Path, limit: int | None, lang: str):
    from ..io import read_sentences

    if not path.exists():
        raise _fail(f"Input file not found: {path}")
    try:
        sentences = read_sentences(path, lang=lang)
    except XlprojError as e:
        raise _fail(str(e)) from e
    return sentences[:limit] if limit else sentences


def _finish(output: Path, sentences, lang: str, stats_path: Path | None, report: dict, started):
    from ..io import write_sentences

    write_sentences(output, sentences, lang=lang)
    report["seconds"] = round(time.perf_counter() - started, 1)
    if stats_path is not None:
        stats_path.parent.mkdir(parents=True, exist_ok=True)
        stats_path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf8")
    typer.secho(f"✔ Wrote {len(sentences)} sentences to {output}", fg=typer.colors.GREEN)
    if stats_path is not None:
        typer.echo(f"  statistics: {stats_path}")


@app.command("translate-train")
def translate_train_cli(
    src: Path = typer.Argument(
        ..., help="Labelled source file: column file (token<TAB>tag) or .spacy"
    ),
    output: Path = typer.Argument(
        ..., help="Output: .spacy, or a column file for any other extension"
    ),
    src_lang: str = typer.Option("en", "--src-lang", "-s", help="Source language code"),
    tgt_lang: str = typer.Option(..., "--tgt-lang", "-t", help="Target language code"),
    translator: str = typer.Option(
        "apertium",
        "--translator",
        "-T",
        help="apertium, hf:MODEL_DIR or file:PATH (one translation per line)",
    ),
    aligner: str = typer.Option(
        "eflomal",
        "--aligner",
        "-a",
        help="eflomal, simalign:MODEL_DIR or lexical (markers: the fallback; 'none')",
    ),
    method: str = typer.Option(
        "heuristic", "--method", "-m", help="heuristic, greedy, ilp or markers"
    ),
    candidates: Candidates = "ngrams",
    max_len: MaxLen = 10,
    merge_distance: MergeDistance = 1,
    length_ratio: LengthRatio = "0.8",
    top_k: TopK = None,
    only_i: OnlyI = False,
    refine_links: RefineLinks = False,
    n_proj: NProj = 1,
    constraint: Constraint = "le",
    weights: Weights = "align=1",
    expand_names: ExpandNames = False,
    markers: str = typer.Option("[,]", "--markers", help="markers: opening and closing marker"),
    stats: Path | None = typer.Option(None, "--stats", help="Write statistics JSON here"),
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="Translation cache folder"),
    work_dir: Path | None = typer.Option(
        None, "--work-dir", help="Store finished chunks here; a rerun resumes"
    ),
    chunk_size: int = typer.Option(10_000, "--chunk-size", help="Sentences per chunk"),
    limit: int | None = typer.Option(None, "--limit", "-n", help="Only the first N sentences"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars"),
) -> None:
    """Translate a labelled corpus and project its entities: training data for TGT_LANG."""
    from ..align.build import build_aligner
    from ..project.markers import MarkerStats
    from ..transfer import translate_train
    from ..translate.build import build_translator

    if method not in METHODS:
        raise _fail(f"Unknown --method {method!r}: use one of {', '.join(METHODS)}.")
    started = time.perf_counter()
    sentences = _read(src, limit, src_lang)
    try:
        projector = projector_from_options(
            method,
            candidates=candidates,
            max_len=max_len,
            merge_distance=merge_distance,
            length_ratio=length_ratio,
            top_k=top_k,
            only_i=only_i,
            refine_links=refine_links,
            n_proj=n_proj,
            constraint=constraint,
            weights=weights,
            expand_names=expand_names,
            lang=tgt_lang,
        )
        mt = build_translator(translator, src_lang, tgt_lang, cache_dir=cache_dir)
        word_aligner = None if aligner == "none" else build_aligner(aligner)
    except (ValueError, XlprojError, typer.BadParameter) as e:
        raise _fail(str(e)) from e
    marker_stats = MarkerStats() if method == "markers" else None
    out, projection_stats = translate_train(
        sentences,
        translator=mt,
        aligner=word_aligner,
        projector="markers" if method == "markers" else projector,
        fallback_projector=projector if method == "markers" else None,
        tgt_lang=tgt_lang,
        markers=_markers(markers),
        chunk_size=chunk_size,
        work_dir=work_dir,
        progress=progress,
        marker_stats=marker_stats,
    )
    typer.echo(projection_stats.table())
    report = {"command": "translate-train", "method": method, "translator": mt.name}
    report["aligner"] = getattr(word_aligner, "name", None)
    report["projection"] = projection_stats.to_dict()
    if marker_stats is not None:
        report["markers"] = marker_stats.to_dict()
        typer.echo(json.dumps(report["markers"], indent=2))
    _finish(output, out, tgt_lang, stats, report, started)


@app.command("translate-test")
def translate_test_cli(
    input: Path = typer.Argument(
        ..., help="Target-language sentences: column file, .spacy or plain text"
    ),
    output: Path = typer.Argument(
        ..., help="Output: .spacy, or a column file for any other extension"
    ),
    src_lang: str = typer.Option("en", "--src-lang", "-s", help="Language of the NER model"),
    tgt_lang: str = typer.Option(..., "--tgt-lang", "-t", help="Language of INPUT"),
    translator: str = typer.Option(
        "apertium", "--translator", "-T", help="apertium, hf:MODEL_DIR or file:PATH (TGT -> SRC)"
    ),
    back_translator: str | None = typer.Option(
        None,
        "--back-translator",
        help="SRC -> TGT translator for --refine backtranslation (default: --translator's spec)",
    ),
    ner: str = typer.Option(
        ..., "--ner", help="Source NER model: spaCy package or folder, or hf:MODEL_DIR"
    ),
    label_map: str = typer.Option(
        "", "--label-map", help="Rename or drop model labels: PERSON=PER,MISC="
    ),
    aligner: str = typer.Option(
        "eflomal", "--aligner", "-a", help="eflomal, simalign:MODEL_DIR or lexical"
    ),
    method: str = typer.Option("heuristic", "--method", "-m", help="heuristic, greedy or ilp"),
    candidates: Candidates = "ngrams",
    max_len: MaxLen = 10,
    merge_distance: MergeDistance = 1,
    length_ratio: LengthRatio = "0.8",
    top_k: TopK = None,
    only_i: OnlyI = False,
    refine_links: RefineLinks = False,
    n_proj: NProj = 1,
    constraint: Constraint = "le",
    weights: Weights = "align=1",
    expand_names: ExpandNames = False,
    refine: str = typer.Option("none", "--refine", help="none or backtranslation"),
    stats: Path | None = typer.Option(None, "--stats", help="Write statistics JSON here"),
    cache_dir: Path | None = typer.Option(None, "--cache-dir", help="Translation cache folder"),
    limit: int | None = typer.Option(None, "--limit", "-n", help="Only the first N sentences"),
    ignore_wiki_markup: bool = typer.Option(
        False,
        "--ignore-wiki-markup",
        help="Hide Wikipedia redirect keywords (REDIRECCIÓN…, as in WikiANN) from MT and NER",
    ),
    harmonize_labels: str = typer.Option(
        "none",
        "--harmonize-labels",
        help="After tagging the whole input, give spans that share a head word its majority "
        "label: first (head-initial names, Spanish 'Provincia de …'), last, or none",
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress bars"),
) -> None:
    """Tag TGT_LANG sentences with a SRC_LANG model through translation, and project back."""
    from ..align.backtranslation import RefineStats
    from ..align.build import build_aligner
    from ..ner.build import build_tagger, parse_label_map
    from ..transfer.test import translate_test, wiki_markup
    from ..translate.build import build_translator

    if method not in METHODS or method == "markers":
        raise _fail(f"Unknown --method {method!r}: use heuristic, greedy or ilp.")
    if refine not in ("none", "backtranslation"):
        raise _fail(f"Unknown --refine {refine!r}: use none or backtranslation.")
    if harmonize_labels not in ("none", "first", "last"):
        raise _fail(f"Unknown --harmonize-labels {harmonize_labels!r}: use none, first or last.")
    started = time.perf_counter()
    sentences = _read(input, limit, tgt_lang)
    try:
        projector = projector_from_options(
            method,
            candidates=candidates,
            max_len=max_len,
            merge_distance=merge_distance,
            length_ratio=length_ratio,
            top_k=top_k,
            only_i=only_i,
            refine_links=refine_links,
            n_proj=n_proj,
            constraint=constraint,
            weights=weights,
            expand_names=expand_names,
            lang=tgt_lang,
        )
        tagger = build_tagger(ner, label_map=parse_label_map(label_map))
        mt = build_translator(translator, tgt_lang, src_lang, cache_dir=cache_dir)
        back = None
        if refine == "backtranslation":
            back = build_translator(
                back_translator or translator, src_lang, tgt_lang, cache_dir=cache_dir
            )
        word_aligner = build_aligner(aligner)
    except (ValueError, XlprojError, typer.BadParameter) as e:
        raise _fail(str(e)) from e
    refine_stats = RefineStats()
    out, projection_stats = translate_test(
        sentences,
        translator=mt,
        tagger=tagger,
        aligner=word_aligner,
        projector=projector,
        back_translator=back,
        refine=refine,
        progress=progress,
        refine_stats=refine_stats,
        ignore=wiki_markup if ignore_wiki_markup else None,
    )
    typer.echo(projection_stats.table())
    report = {"command": "translate-test", "method": method, "refine": refine, "ner": ner}
    report["translator"] = mt.name
    report["aligner"] = getattr(word_aligner, "name", None)
    report["projection"] = projection_stats.to_dict()
    if refine != "none":
        report["refinement"] = refine_stats.to_dict()
        typer.echo(json.dumps(report["refinement"], indent=2))
    if harmonize_labels != "none":
        from ..transfer.consistency import harmonize_labels as harmonize

        out, consistency = harmonize(out, head=harmonize_labels)  # type: ignore[arg-type]
        report["consistency"] = consistency.to_dict()
        typer.echo(f"labels harmonized: {consistency.to_dict()}")
    _finish(output, out, tgt_lang, stats, report, started)
