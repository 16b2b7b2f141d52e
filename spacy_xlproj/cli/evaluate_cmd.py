"""``evaluate``: entity-level precision, recall and F1 of predicted against gold spans."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..errors import DataFormatError, XlprojError
from ..evaluate import EntityScores, entity_scores
from ._app import app
from ._checks import check_input, check_output


def evaluate_files(pred_path: str | Path, gold_path: str | Path) -> EntityScores:
    """Score the entities of ``pred_path`` against those of ``gold_path``.

    Both files must hold the same sentences with the same words (any supported format).

    pred_path (str | Path): The predicted (e.g. projected) sentences.
    gold_path (str | Path): The gold sentences.
    RETURNS (EntityScores): Micro and per-label precision, recall and F1.
    """
    from ..io import read_sentences

    pred = read_sentences(pred_path)
    gold = read_sentences(gold_path)
    if len(pred) != len(gold):
        raise DataFormatError(
            pred_path,
            None,
            f"has {len(pred)} sentences but the gold file {gold_path} has {len(gold)}.",
            "Both files must hold the same sentences in the same order.",
        )
    for i, (p, g) in enumerate(zip(pred, gold, strict=True)):
        if p.words != g.words:
            where = next(
                (j for j, (a, b) in enumerate(zip(p.words, g.words, strict=False)) if a != b),
                min(len(p.words), len(g.words)),
            )
            p_word = p.words[where] if where < len(p.words) else "(end)"
            g_word = g.words[where] if where < len(g.words) else "(end)"
            raise DataFormatError(
                pred_path,
                None,
                f"sentence {i + 1} differs from sentence {i + 1} of {gold_path} at word "
                f"{where + 1}: {p_word!r} vs {g_word!r}.",
                "Both files must hold the same tokens; only the tags may differ.",
            )
    return entity_scores([p.spans for p in pred], [g.spans for g in gold])


@app.command("evaluate")
def evaluate_cli(
    pred: Path = typer.Argument(
        ..., help="Predicted sentences with entities (column file or .spacy)."
    ),
    gold: Path = typer.Argument(
        ..., help="Gold sentences with the same tokens (column file or .spacy)."
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write the scores to this JSON file."
    ),
) -> None:
    """Print entity precision, recall and F1 of PRED against GOLD, per label and micro.

    Entities count as correct only with exactly the same words and label.
    """
    try:
        for path in (pred, gold):
            check_input(path)
        if output is not None:
            check_output(output, pred, gold, what="Scores file")
        scores = evaluate_files(pred, gold)
    except (XlprojError, ValueError, OSError) as err:
        typer.echo(f"Error: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(scores.table())
    if output is not None:
        from ..io.atomic import write_atomic

        write_atomic(output, json.dumps(scores.to_dict(), indent=2) + "\n")
        typer.echo(f"Wrote scores to {output}")
