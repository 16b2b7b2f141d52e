"""Tag the gold tokens of a labelled file with a spaCy pipeline.

    python scripts/predict.py MODEL INPUT OUTPUT [--labels PER,ORG,LOC]

The pipeline sees the gold words (no re-tokenisation), so its entities can be
scored against the gold spans word for word. OUTPUT is a column file (or ``.spacy``)
with the predicted entities; ``--labels`` keeps only those labels and reports how
many predictions it removed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from spacy_xlproj.io import read_sentences, write_sentences
from spacy_xlproj.types import Sentence, Span

try:  # run as a script (python scripts/predict.py) or imported as scripts.predict
    from convert import keep_labels, parse_labels
except ImportError:  # pragma: no cover
    from scripts.convert import keep_labels, parse_labels


def predict(model: str | Path, sentences: list[Sentence], batch_size: int = 256) -> list[Sentence]:
    """Run the pipeline's entity recogniser on the words of every sentence."""
    import spacy
    from spacy.tokens import Doc

    nlp = spacy.load(model)
    docs = (
        Doc(nlp.vocab, words=s.words, spaces=[True] * len(s.words)) if s.words else nlp.make_doc("")
        for s in sentences
    )
    out = []
    for sentence, doc in zip(sentences, nlp.pipe(docs, batch_size=batch_size), strict=True):
        spans = [Span(ent.start, ent.end, ent.label_) for ent in doc.ents]
        out.append(Sentence(list(sentence.words), spans))
    return out


def main(
    model: Path = typer.Argument(..., help="spaCy pipeline directory or package name"),
    input_path: Path = typer.Argument(..., help="Sentences to tag (their tags are ignored)"),
    output_path: Path = typer.Argument(..., help="Predicted entities: column file or .spacy"),
    labels: str = typer.Option(
        "", "--labels", help="Labels to keep, comma-separated (all if empty)"
    ),
    lang: str = typer.Option("xx", "--lang", "-l", help="Language of the output DocBin"),
) -> None:
    start = time.perf_counter()
    sentences = read_sentences(input_path, lang=lang)
    predicted, removed = keep_labels(predict(model, sentences), parse_labels(labels))
    write_sentences(output_path, predicted, lang=lang)
    summary = {
        "model": str(model),
        "sentences": len(predicted),
        "entities": sum(len(s.spans) for s in predicted),
        "removed_by_label": dict(removed),
        "seconds": round(time.perf_counter() - start, 2),
    }
    # Kept next to the predictions: the report finds the model (and its run) from it.
    Path(f"{output_path}.json").write_text(json.dumps(summary) + "\n", encoding="utf8")
    typer.echo(json.dumps(summary))


if __name__ == "__main__":
    typer.run(main)
