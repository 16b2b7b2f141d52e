"""Benchmark translate-test on WikiANN test (Spanish by default): an English CoNLL model tags it.

Compares, on PER/ORG/LOC (the model's MISC is ignored; WikiANN has none):
zero-shot (the English model on the Spanish words), translate-test with Apertium
spa-eng + eflomal + heuristic projection, and the same with back-translation
refinement (Apertium eng-spa with markers + the lexical aligner). The redirect keyword
of WikiANN's redirect lines is hidden from every run (``--keep-markup`` shows it).

The ``diagnose`` run separates tagger error from projection error: the gold Spanish
entities are projected onto the English translations (reverse links) and the tagger
is scored against them there; the projected gold is then projected back (the
projection ceiling: what a perfect English tagger would score).

    python benchmarks/translate_test_wikiann.py --model /work/models/en_conll_cnn/out/model-best

``--lang`` picks another WikiANN test set (``eo``, ``eu``, ``is``, ``mk``: the data
folder and the Apertium source language follow it; ``--data`` overrides the folder).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from harness import cpu_seconds, data_root, main_recorded

ROOT = Path(__file__).resolve().parents[1]
WIKIANN = data_root() / "wikiann"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="English spaCy NER pipeline (folder)")
    parser.add_argument(
        "--lang", default="es", help="WikiANN language (ISO code): es, eo, eu, is, mk"
    )
    parser.add_argument("--data", type=Path, default=None, help="default: wikiann/<lang>/test")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: a new temp dir")
    parser.add_argument("--aligner", default="eflomal", help="eflomal or lexical")
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["zero-shot", "none", "backtranslation"],
        help="zero-shot, none, backtranslation, diagnose, agreement (the spans on which "
        "zero-shot and the translate-test run before it agree exactly)",
    )
    parser.add_argument("--keep-markup", action="store_true", help="don't hide REDIRECCIÓN")
    parser.add_argument(
        "--refine-projector", action="store_true", help="HeuristicProjector(refine=True)"
    )
    parser.add_argument(
        "--expand-names",
        action="store_true",
        help="NameExpandingProjector: grow spans to whole capitalised names",
    )
    parser.add_argument(
        "--harmonize-labels",
        default="none",
        help="none, first or last: one label per head word over the whole test set",
    )
    args = parser.parse_args()
    if args.data is None:
        args.data = WIKIANN / args.lang / "test"
    if args.cache_dir is None:
        args.cache_dir = Path(tempfile.mkdtemp(prefix="xlproj-bench-"))

    from spacy_xlproj.align.build import build_aligner
    from spacy_xlproj.evaluate import entity_scores
    from spacy_xlproj.io import read_sentences
    from spacy_xlproj.ner.spacy_tagger import SpacyTagger
    from spacy_xlproj.project.heuristic import HeuristicProjector
    from spacy_xlproj.project.names import NameExpander, NameExpandingProjector
    from spacy_xlproj.transfer import translate_test
    from spacy_xlproj.transfer.backtranslation import RefineStats
    from spacy_xlproj.transfer.tagging import wiki_markup
    from spacy_xlproj.translate.build import build_translator

    gold = read_sentences(args.data)
    if args.limit:
        gold = gold[: args.limit]
    tagger = SpacyTagger(args.model, label_map={"MISC": None})
    gold_spans = [s.spans for s in gold]
    ignore = None if args.keep_markup else wiki_markup
    projector = HeuristicProjector(refine=args.refine_projector)
    if args.expand_names:
        projector = NameExpandingProjector(projector, NameExpander(args.lang))
    if "diagnose" in args.runs:
        _diagnose(gold, tagger, projector, args, ignore)
    print("| run | sentences | P | R | F1 | PER F1 | ORG F1 | LOC F1 | wall s | CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    preds: dict[str, list] = {}
    for run in args.runs:
        start, cpu0 = time.perf_counter(), cpu_seconds()
        refine_stats = RefineStats()
        if run == "diagnose":
            continue
        if run == "agreement":
            tt = preds.get("backtranslation", preds.get("none"))
            if "zero-shot" not in preds or tt is None:
                raise SystemExit(
                    "--runs agreement needs zero-shot and none/backtranslation before it"
                )
            pred = [
                [s for s in spans if (s.start, s.end) in {(z.start, z.end) for z in zs}]
                for spans, zs in zip(tt, preds["zero-shot"], strict=True)
            ]
        elif run == "zero-shot":
            expander = NameExpander(args.lang) if args.expand_names else None
            pred = _zero_shot(tagger, gold, ignore, expander)
        else:
            out, _ = translate_test(
                gold,
                translator=build_translator("apertium", args.lang, "en", cache_dir=args.cache_dir),
                tagger=tagger,
                aligner=build_aligner(args.aligner),
                projector=projector,
                # Only the backtranslation run needs en->X (Apertium has no en-eu, en-isl…).
                back_translator=build_translator(
                    "apertium", "en", args.lang, cache_dir=args.cache_dir
                )
                if run == "backtranslation"
                else None,
                backtranslation=run == "backtranslation",
                progress=False,
                refine_stats=refine_stats,
                ignore=ignore,
            )
            pred = [s.spans for s in out]
        if args.harmonize_labels != "none" and run != "agreement":
            from spacy_xlproj.transfer.consistency import harmonize_labels
            from spacy_xlproj.types import Sentence

            harmonized, _ = harmonize_labels(
                [Sentence(s.words, p) for s, p in zip(gold, pred, strict=True)],
                head=args.harmonize_labels,
            )
            pred = [s.spans for s in harmonized]
        preds[run] = pred
        wall = time.perf_counter() - start
        cpu = cpu_seconds() - cpu0
        scores = entity_scores(pred, gold_spans)
        per = {k: v.f1 for k, v in scores.per_label.items()}
        m = scores.micro
        label = run if run in ("zero-shot", "agreement") else f"translate-test, refine={run}"
        print(
            f"| {label} | {len(gold)} | {m.precision:.3f} | {m.recall:.3f} | {m.f1:.3f} "
            f"| {per.get('PER', 0):.3f} | {per.get('ORG', 0):.3f} | {per.get('LOC', 0):.3f} "
            f"| {wall:.0f} | {cpu:.0f} |",
            flush=True,
        )
        if run == "backtranslation":
            print(f"<!-- refinement: {refine_stats.to_dict()} -->", flush=True)


def _zero_shot(tagger, gold, ignore, expander=None) -> list:
    """The English model on the visible Spanish words (spans grown by ``expander``)."""
    from spacy_xlproj.transfer.tagging import hide_words, unhide_spans

    visible, words = hide_words([s.words for s in gold], ignore)
    tagged = tagger.tag(words)
    if expander is not None:
        tagged = [expander.expand_spans(w, t) for w, t in zip(words, tagged, strict=True)]
    return [unhide_spans(spans, v) for spans, v in zip(tagged, visible, strict=True)]


def _diagnose(gold, tagger, projector, args, ignore) -> None:
    """Print the tagger-vs-projection breakdown (see the module docstring)."""
    from spacy_xlproj.align.build import build_aligner
    from spacy_xlproj.evaluate import entity_scores
    from spacy_xlproj.tokenize import Tokenizer, detokenize
    from spacy_xlproj.translate.build import build_translator
    from spacy_xlproj.types import Sentence, Span

    # The gold sentences as the pipeline sees them: hidden words removed, spans shifted.
    es = []
    for sentence in gold:
        hidden = [ignore is not None and ignore(w) for w in sentence.words]
        before = [0]
        for h in hidden:
            before.append(before[-1] + (not h))
        words = [w for w, h in zip(sentence.words, hidden, strict=True) if not h]
        es.append(
            Sentence(words, [Span(before[s.start], before[s.end], s.label) for s in sentence.spans])
        )
    translator = build_translator("apertium", args.lang, "en", cache_dir=args.cache_dir)
    en = Tokenizer("en").pipe(translator.translate([detokenize(s.words) for s in es]))
    links = build_aligner(args.aligner).align([(e, s.words) for e, s in zip(en, es, strict=True)])
    rev = [[(t, s) for s, t in sentence] for sentence in links]
    en_gold = [
        projector.project(s.words, s.spans, e, r).target_spans()
        for s, e, r in zip(es, en, rev, strict=True)
    ]
    en_pred = tagger.tag(en)
    back_gold = [
        projector.project(e, g, s.words, lk).target_spans()
        for s, e, g, lk in zip(es, en, en_gold, links, strict=True)
    ]
    back_pred = [
        projector.project(e, p, s.words, lk).target_spans()
        for s, e, p, lk in zip(es, en, en_pred, links, strict=True)
    ]
    spans = [s.spans for s in es]

    def unlabelled(doc_spans):
        return [[Span(s.start, s.end, "ENT") for s in d] for d in doc_spans]

    rows = [
        ("tagger on translations (vs projected gold)", en_pred, en_gold),
        ("projection ceiling (projected gold, back)", back_gold, spans),
        ("translate-test (tagger + projection)", back_pred, spans),
    ]
    print("| measure | P | R | F1 | unlabelled F1 | PER F1 | ORG F1 | LOC F1 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, pred, ref in rows:
        scores = entity_scores(pred, ref)
        m, per = scores.micro, {k: v.f1 for k, v in scores.per_label.items()}
        unl = entity_scores(unlabelled(pred), unlabelled(ref)).micro.f1
        print(
            f"| {name} | {m.precision:.3f} | {m.recall:.3f} | {m.f1:.3f} | {unl:.3f} "
            f"| {per.get('PER', 0):.3f} | {per.get('ORG', 0):.3f} | {per.get('LOC', 0):.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main_recorded("translate_test_wikiann", main)
