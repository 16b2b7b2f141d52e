"""Write a copy of a DocBin with one-entity fragments added (the augmenter, drawn once).

    python scripts/fragments.py train.spacy train-fragments.spacy --level 0.5 --seed 0

The ``spacy_xlproj.entity_fragments.v1`` augmenter draws new fragments every epoch;
this draws them once, for trainings whose corpus must be a fixed file (and to keep
the benchmarked source models reproducible). Each document is followed by its
fragments, in the augmenter's order.
"""

from __future__ import annotations

import random
from pathlib import Path

import typer


def add_fragments(src: Path, dst: Path, level: float, seed: int, lang: str = "en") -> int:
    """Copy ``src`` to ``dst`` with fragments; return how many fragments were added."""
    import spacy
    from spacy.tokens import DocBin

    from spacy_xlproj.augment import entity_fragments

    nlp = spacy.blank(lang)
    rng = random.Random(seed)
    out = DocBin()
    added = 0
    for doc in DocBin().from_disk(src).get_docs(nlp.vocab):
        out.add(doc)
        for fragment in entity_fragments(doc, level, rng):
            out.add(fragment)
            added += 1
    dst.parent.mkdir(parents=True, exist_ok=True)
    out.to_disk(dst)
    return added


def main(
    src: Path = typer.Argument(..., help="Training DocBin (.spacy)"),
    dst: Path = typer.Argument(..., help="Output DocBin"),
    level: float = typer.Option(0.5, "--level", help="Probability per entity"),
    seed: int = typer.Option(0, "--seed", help="Random seed"),
    lang: str = typer.Option("en", "--lang", help="spaCy language of the documents"),
) -> None:
    added = add_fragments(src, dst, level, seed, lang)
    typer.echo(f"Wrote {dst}: {added} fragments added")


if __name__ == "__main__":
    typer.run(main)
