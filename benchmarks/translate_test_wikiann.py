"""Benchmark translate-test on WikiANN Spanish test: an English CoNLL model tags Spanish.

Compares, on PER/ORG/LOC (the model's MISC is ignored; WikiANN has none):
zero-shot (the English model on the Spanish words), translate-test with Apertium
spa-eng + eflomal + heuristic projection, and the same with back-translation
refinement (Apertium eng-spa with markers + the lexical aligner).

    python benchmarks/translate_test_wikiann.py --model /work/models/en_conll_cnn/out/model-best
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "wikiann" / "es" / "test"


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Apertium, eflomal)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="English spaCy NER pipeline (folder)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: a new temp dir")
    parser.add_argument("--aligner", default="eflomal", help="eflomal or lexical")
    parser.add_argument("--runs", nargs="+", default=["zero-shot", "none", "backtranslation"])
    args = parser.parse_args()
    if args.cache_dir is None:
        args.cache_dir = Path(tempfile.mkdtemp(prefix="xlproj-bench-"))

    from spacy_xlproj.align.backtranslation import RefineStats
    from spacy_xlproj.cli.transfer_cmd import build_any_aligner
    from spacy_xlproj.evaluate import entity_scores
    from spacy_xlproj.io import read_sentences
    from spacy_xlproj.ner.spacy_tagger import SpacyTagger
    from spacy_xlproj.project.heuristic import HeuristicProjector
    from spacy_xlproj.transfer import translate_test
    from spacy_xlproj.translate.build import build_translator

    gold = read_sentences(args.data)
    if args.limit:
        gold = gold[: args.limit]
    tagger = SpacyTagger(args.model, label_map={"MISC": None})
    gold_spans = [s.spans for s in gold]
    print("| run | sentences | P | R | F1 | PER F1 | ORG F1 | LOC F1 | wall s | CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for run in args.runs:
        start, cpu0 = time.perf_counter(), _cpu()
        refine_stats = RefineStats()
        if run == "zero-shot":
            pred = tagger.tag([s.words for s in gold])
        else:
            out, _ = translate_test(
                gold,
                translator=build_translator("apertium", "es", "en", cache_dir=args.cache_dir),
                tagger=tagger,
                aligner=build_any_aligner(args.aligner),
                projector=HeuristicProjector(),
                back_translator=build_translator("apertium", "en", "es", cache_dir=args.cache_dir),
                refine=run,
                progress=False,
                refine_stats=refine_stats,
            )
            pred = [s.spans for s in out]
        wall = time.perf_counter() - start
        cpu = _cpu() - cpu0
        scores = entity_scores(pred, gold_spans)
        per = {k: v.f1 for k, v in scores.per_label.items()}
        m = scores.micro
        label = run if run == "zero-shot" else f"translate-test, refine={run}"
        print(
            f"| {label} | {len(gold)} | {m.precision:.3f} | {m.recall:.3f} | {m.f1:.3f} "
            f"| {per.get('PER', 0):.3f} | {per.get('ORG', 0):.3f} | {per.get('LOC', 0):.3f} "
            f"| {wall:.0f} | {cpu:.0f} |",
            flush=True,
        )
        if run == "backtranslation":
            print(f"<!-- refinement: {refine_stats.to_dict()} -->", flush=True)


if __name__ == "__main__":
    main()
