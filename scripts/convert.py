"""Convert a labelled corpus (CoNLL/IOB/TSV column file or ``.spacy``) for training.

    python scripts/convert.py INPUT OUTPUT [--lang es] [--labels PER,ORG,LOC] [--limit N]

OUTPUT ``.spacy`` writes a DocBin (one doc per sentence), any other extension a
``token<TAB>tag`` column file. ``--labels`` keeps only those entity labels (e.g. to
score a four-label model against a three-label test set); every entity removed is
counted and reported, never dropped silently.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import typer

from spacy_xlproj.io import ReadReport, read_sentences, write_sentences
from spacy_xlproj.types import Sentence


def parse_labels(labels: str) -> set[str] | None:
    """Parse a comma-separated label list; an empty string keeps every label."""
    names = {name.strip() for name in labels.split(",") if name.strip()}
    return names or None


def keep_labels(
    sentences: list[Sentence], labels: set[str] | None
) -> tuple[list[Sentence], Counter[str]]:
    """Remove the spans whose label is not in ``labels``; return the removed counts."""
    removed: Counter[str] = Counter()
    if labels is None:
        return sentences, removed
    kept = []
    for sentence in sentences:
        spans = []
        for span in sentence.spans:
            if span.label in labels:
                spans.append(span)
            else:
                removed[span.label] += 1
        kept.append(Sentence(list(sentence.words), spans))
    return kept, removed


def convert(
    input_path: Path,
    output_path: Path,
    lang: str = "xx",
    labels: str = "",
    limit: int = 0,
    holdout: Path | None = None,
    holdout_every: int = 10,
) -> dict[str, object]:
    """Read ``input_path``, filter labels, write ``output_path``; return a summary.

    With ``holdout``, every ``holdout_every``-th sentence goes there instead (a
    development set cut from a training set, so that no test set decides when
    training stops).
    """
    report = ReadReport()
    sentences = read_sentences(input_path, report=report, lang=lang)
    if limit > 0:
        sentences = sentences[:limit]
    sentences, removed = keep_labels(sentences, parse_labels(labels))
    summary: dict[str, object] = {}
    if holdout is not None:
        if holdout_every < 2:
            raise typer.BadParameter(f"--holdout-every must be at least 2, got {holdout_every}.")
        held = sentences[holdout_every - 1 :: holdout_every]
        sentences = [s for i, s in enumerate(sentences) if (i + 1) % holdout_every]
        write_sentences(holdout, held, lang=lang)
        summary["holdout"] = {"output": str(holdout), "sentences": len(held)}
    write_sentences(output_path, sentences, lang=lang)
    return {
        "input": str(input_path),
        "output": str(output_path),
        **summary,
        "sentences": len(sentences),
        "entities": sum(len(s.spans) for s in sentences),
        "removed_by_label": dict(removed),
        "read": report.to_dict(),
    }


def main(
    input_path: Path = typer.Argument(..., help="Labelled input: column file or .spacy"),
    output_path: Path = typer.Argument(..., help="Output: .spacy or a column file"),
    lang: str = typer.Option("xx", "--lang", "-l", help="spaCy language code of the vocab"),
    labels: str = typer.Option(
        "", "--labels", help="Labels to keep, comma-separated (all if empty)"
    ),
    limit: int = typer.Option(0, "--limit", help="Keep only the first N sentences (0: all)"),
    holdout: Path | None = typer.Option(
        None, "--holdout", help="Write every --holdout-every-th sentence here instead"
    ),
    holdout_every: int = typer.Option(10, "--holdout-every", help="See --holdout"),
) -> None:
    summary = convert(input_path, output_path, lang, labels, limit, holdout, holdout_every)
    typer.echo(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    typer.run(main)
