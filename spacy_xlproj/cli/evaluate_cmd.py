"""``evaluate``: entity-level precision, recall and F1 of predicted against gold spans,
with an error analysis (label confusions, boundary errors, missed and spurious entities).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from ..errors import DataFormatError
from ..evaluate import EntityScores, ErrorAnalysis, entity_scores, error_analysis
from ..io.paths import PathProblem, check_input, check_output
from ..types import Sentence
from ._app import command


def evaluate_files(pred_path: str | Path, gold_path: str | Path) -> EntityScores:
    """Score the entities of ``pred_path`` against those of ``gold_path``.

    Both files must hold the same sentences with the same words (any supported format).

    pred_path (str | Path): The predicted (e.g. projected) sentences.
    gold_path (str | Path): The gold sentences.
    RETURNS (EntityScores): Micro and per-label precision, recall and F1.
    """
    pred, gold = read_pair(pred_path, gold_path)
    return entity_scores([p.spans for p in pred], [g.spans for g in gold])


def analyse_files(
    pred_path: str | Path, gold_path: str | Path, top: int = 20
) -> tuple[EntityScores, ErrorAnalysis]:
    """Score ``pred_path`` against ``gold_path`` and count its errors (files read once).

    pred_path (str | Path): The predicted (e.g. projected) sentences.
    gold_path (str | Path): The gold sentences; the entity strings take its words.
    top (int): How many missed and spurious entity strings to keep.
    RETURNS (tuple[EntityScores, ErrorAnalysis]): The scores and the error analysis.
    """
    pred, gold = read_pair(pred_path, gold_path)
    pred_spans, gold_spans = [p.spans for p in pred], [g.spans for g in gold]
    return (
        entity_scores(pred_spans, gold_spans),
        error_analysis(pred_spans, gold_spans, [g.words for g in gold], top=top),
    )


def read_pair(
    pred_path: str | Path, gold_path: str | Path
) -> tuple[list[Sentence], list[Sentence]]:
    """Read predicted and gold sentences, checking they hold the same words.

    pred_path (str | Path): The predicted sentences.
    gold_path (str | Path): The gold sentences.
    RETURNS (tuple[list[Sentence], list[Sentence]]): The predicted and the gold sentences.
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
    return pred, gold


def read_training(path: Path) -> dict[str, Any]:
    """The JSON object a training run wrote (steps, best step, convergence...)."""
    check_input(path, what="Training summary")
    try:
        data = json.loads(path.read_text(encoding="utf8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise PathProblem(f"Training summary {path} is not valid JSON: {err}.") from None
    if not isinstance(data, dict):
        raise PathProblem(
            f"Training summary {path} holds a JSON {type(data).__name__}; expected an object."
        )
    return data


@command("evaluate")
def evaluate_cli(
    pred: Path = typer.Argument(
        ..., help="Predicted sentences with entities (column file or .spacy)."
    ),
    gold: Path = typer.Argument(
        ..., help="Gold sentences with the same tokens (column file or .spacy)."
    ),
    output: Path | None = typer.Option(
        None,
        "--output",
        "-o",
        help='Write the scores to this JSON file, with the error analysis under "errors".',
    ),
    training: Path | None = typer.Option(
        None,
        "--training",
        help="JSON summary of the training run (steps, convergence); copied into the "
        '--output file under "training".',
    ),
    errors: bool = typer.Option(
        True,
        "--errors/--no-errors",
        help="Print the confusion table and the 10 most frequent missed and spurious entities.",
    ),
) -> None:
    """Print entity precision, recall and F1 of PRED against GOLD, per label and micro.

    Entities count as correct only with exactly the same words and label.
    """
    for path in (pred, gold):
        check_input(path)
    summary = read_training(training) if training is not None else None
    if output is not None:
        check_output(output, pred, gold, training, what="Scores file")
    scores, analysis = analyse_files(pred, gold)
    typer.echo(scores.table())
    if errors:
        typer.echo("\n" + analysis.table(top=10))
    if output is not None:
        from ..io.atomic import write_atomic

        # New keys go after the scores, so readers of the old layout keep working.
        result: dict[str, Any] = {**scores.to_dict(), "errors": analysis.to_dict()}
        if summary is not None:
            result["training"] = summary
        write_atomic(output, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        typer.echo(f"Wrote scores to {output}")
