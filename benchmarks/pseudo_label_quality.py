"""Score pseudo-labels against gold: what a student would be taught, before training it.

Run ``pseudo-label`` on a labelled development set (its tags are ignored), then compare
the written DocBin with the same file's gold tags (``evaluate.taught_quality``): the
accepted spans' precision and recall, the gold entities the student is taught to miss
(all their words O) and the missing words. Choosing teachers and vote options on dev
this way costs a pseudo-labelling run (a minute or two), not a student training (half
an hour).

    python -m spacy_xlproj pseudo-label assets/data/wikiann/es/dev dev-pseudo.spacy \\
        --tgt-lang es --teacher translate-test:MODEL --teacher spacy:TARGET_MODEL
    python benchmarks/pseudo_label_quality.py dev-pseudo.spacy assets/data/wikiann/es/dev \\
        --labels PER,ORG,LOC
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness import main_recorded

from spacy_xlproj.evaluate import taught_quality
from spacy_xlproj.io.columns import read_columns
from spacy_xlproj.types import Span


def read_taught(path: Path) -> tuple[list[list[Span]], list[list[bool]]]:
    """The entities and the missing words of each doc."""
    from spacy.tokens import DocBin

    from spacy_xlproj.io.docbin import blank_vocab

    spans, missing = [], []
    for doc in DocBin().from_disk(path).get_docs(blank_vocab()):
        spans.append([Span(ent.start, ent.end, ent.label_) for ent in doc.ents])
        missing.append([tok.ent_iob == 0 for tok in doc])
    return spans, missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pseudo", type=Path, help="pseudo-label's output .spacy")
    parser.add_argument("gold", type=Path, help="The column file it was made from, with tags")
    parser.add_argument("--labels", default="", help="Labels the gold set uses, e.g. PER,ORG,LOC")
    parser.add_argument("--output", type=Path, default=None, help="Also write the numbers as JSON")
    args = parser.parse_args()
    labels = set(args.labels.split(",")) if args.labels else None
    gold = [sent.spans for sent in read_columns(args.gold)]
    result = taught_quality(*read_taught(args.pseudo), gold, labels)
    print(result.table())
    if args.output:
        args.output.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf8")


if __name__ == "__main__":
    main_recorded("pseudo_label_quality", main, kind="study")
