"""``nlp.pipe`` throughput of ``xlproj_translate_test`` on the WikiANN Spanish test set.

A blank Spanish pipeline with the component (Apertium spa->eng, an English NER
pipeline, eflomal, the alignment heuristic) tags WikiANN sentences; the script reports
docs/s for each ``batch_size``, where the time goes (each backend is wrapped in a
timer), and entity F1 on PER/ORG/LOC against the gold tags (MISC is mapped away).
Apertium is used without the translation cache, so every run translates afresh.

    python benchmarks/pipe_throughput.py --source-ner /work/models/en_conll_cnn/out/model-best \\
        --limit 2000 --batch-sizes 64,256,1000
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

from harness import data_root, main_recorded

ROOT = Path(__file__).resolve().parents[1]
TIMES: dict[str, float] = defaultdict(float)


class Timed:
    """Wraps a backend and adds the time of each call of ``method`` to ``TIMES[key]``."""

    def __init__(self, inner, method: str, key: str) -> None:
        self.inner, self.method, self.key = inner, method, key
        self.name = getattr(inner, "name", key)

    def __getattr__(self, attr):
        value = getattr(self.inner, attr)
        if attr != self.method:
            return value

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return value(*args, **kwargs)
            finally:
                TIMES[self.key] += time.perf_counter() - start

        return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_root())
    parser.add_argument("--source-ner", required=True, help="English spaCy NER pipeline (path)")
    parser.add_argument("--limit", type=int, default=2000, help="sentences (0: all 10,000)")
    parser.add_argument("--batch-sizes", default="64,256,1000")
    parser.add_argument("--aligner", default="eflomal", help="aligner spec (build_aligner)")
    args = parser.parse_args()

    import spacy
    from spacy.tokens import Doc

    from spacy_xlproj.align.build import build_aligner
    from spacy_xlproj.evaluate import entity_scores
    from spacy_xlproj.io import read_columns
    from spacy_xlproj.ner.spacy_tagger import SpacyTagger
    from spacy_xlproj.project.heuristic import HeuristicProjector
    from spacy_xlproj.translate.apertium import ApertiumTranslator
    from spacy_xlproj.types import Span

    sentences = read_columns(args.data / "wikiann" / "es" / "test")
    if args.limit:
        sentences = sentences[: args.limit]
    gold = [s.spans for s in sentences]
    tagger = SpacyTagger(args.source_ner, label_map={"MISC": None})
    print(f"{len(sentences)} WikiANN es test sentences; source NER {args.source_ner}")
    print(
        "| batch_size | docs/s | total s | translate s | tag s | align s | other s "
        "| F1 | P | R |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    for batch_size in (int(b) for b in args.batch_sizes.split(",")):
        from spacy_xlproj.pipes.translate_test_pipe import TranslateTestComponent

        nlp = spacy.blank("es")
        component = TranslateTestComponent(
            nlp.vocab,
            tgt_lang="es",
            src_lang="en",
            source_ner=Timed(tagger, "tag", "tag"),
            translator=Timed(ApertiumTranslator("es", "en"), "translate", "translate"),
            aligner=Timed(build_aligner(args.aligner), "align", "align"),
            projector=HeuristicProjector(),
            batch_size=batch_size,
        )
        docs = [Doc(nlp.vocab, words=s.words) for s in sentences]
        TIMES.clear()
        start = time.perf_counter()
        docs = list(component.pipe(docs))
        total = time.perf_counter() - start
        pred = [[Span(e.start, e.end, e.label_) for e in doc.ents] for doc in docs]
        scores = entity_scores(pred, gold).micro
        other = total - sum(TIMES.values())
        print(
            f"| {batch_size} | {len(docs) / total:.0f} | {total:.1f} | {TIMES['translate']:.1f} "
            f"| {TIMES['tag']:.1f} | {TIMES['align']:.1f} | {other:.1f} "
            f"| {scores.f1:.3f} | {scores.precision:.3f} | {scores.recall:.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main_recorded("pipe_throughput", main)
