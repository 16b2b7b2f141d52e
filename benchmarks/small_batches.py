"""Projection F1 of eflomal by batch size, and of the deterministic small-batch aligners."""

import argparse
import json
import time
from pathlib import Path

from harness import main_recorded

from spacy_xlproj.align.eflomal import EflomalAligner
from spacy_xlproj.align.gloss import GlossAligner
from spacy_xlproj.evaluate import entity_scores
from spacy_xlproj.io import read_sentences
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.tokenize import Tokenizer, detokenize
from spacy_xlproj.translate.apertium import ApertiumTranslator
from spacy_xlproj.types import Span


def load(data: Path, cache: Path):
    """human: (en, es) pairs and the gold en entities; tt: (Apertium en of es, es) pairs
    and the gold en entities found verbatim in the translation (an oracle tagger)."""
    en = read_sentences(data / "europarl_ner" / "en-europarl.test.conll02")
    es = read_sentences(data / "europarl_ner" / "es-europarl.test.conll02")
    if not cache.exists():
        text = ApertiumTranslator("es", "en").translate([detokenize(s.words) for s in es])
        cache.write_text(json.dumps(Tokenizer("en").pipe(text)), encoding="utf-8")
    translated = json.loads(cache.read_text(encoding="utf-8"))
    tagged = []
    for s, words in zip(en, translated, strict=False):
        found: list[Span] = []
        for span in s.spans:
            name = s.words[span.start : span.end]
            at = [i for i in range(len(words)) if words[i : i + len(name)] == name]
            if at and not any(at[0] < f.end and f.start < at[0] + len(name) for f in found):
                found.append(Span(at[0], at[0] + len(name), span.label))
        tagged.append(sorted(found))
    human = ([(s.words, t.words) for s, t in zip(en, es, strict=False)], [s.spans for s in en])
    tt = ([(w, t.words) for w, t in zip(translated, es, strict=False)], tagged)
    return {"human": human, "tt": tt}, [t.spans for t in es]


def make_aligner(kind: str, data: str):
    if kind == "eflomal":
        return EflomalAligner(min_batch=0)  # eflomal at every batch size
    if kind == "lexical":
        return GlossAligner(None)
    # Gloss the side the pipeline's translator translates from, as the components do.
    if data == "human":  # translate-train: en doc -> es translation
        return GlossAligner(ApertiumTranslator("en", "es"), "source")
    return GlossAligner(ApertiumTranslator("es", "en"), "target")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--cache", type=Path, default=Path("/tmp/europarl.es-en.apertium.json"))
    ap.add_argument("--first", type=int, default=0, help="first N sentences with entities")
    ap.add_argument("--reps", type=int, default=2, help="runs of eflomal (it is random)")
    ap.add_argument("runs", nargs="+", help="DATA:ALIGNER:BATCH (BATCH 0: all at once)")
    args = ap.parse_args()
    sets, gold = load(args.data, args.cache)
    for run in args.runs:
        name, kind, batch = run.split(":")
        pairs, spans = sets[name]
        keep = [k for k in range(len(pairs)) if spans[k]][: args.first or None]
        scored = keep if args.first else range(len(pairs))
        size = int(batch) or len(keep)
        preds: dict[bool, list[dict]] = {False: [], True: []}
        start = time.time()
        reps = args.reps if kind == "eflomal" else 1
        for _ in range(reps):
            aligner, links = make_aligner(kind, name), {}
            for b in range(0, len(keep), size):
                chunk = keep[b : b + size]
                links.update(zip(chunk, aligner.align([pairs[k] for k in chunk]), strict=False))
            for refine, runs in preds.items():
                p = HeuristicProjector(refine=refine)
                runs.append(
                    {
                        k: p.project(*pairs[k][:1], spans[k], pairs[k][1], links[k]).target_spans()
                        for k in keep
                    }
                )
        line = f"{name:6s} {kind:8s} B={batch:4s} n={len(keep):4d}"
        for refine, runs in preds.items():
            f1 = [
                entity_scores([r.get(k, []) for k in scored], [gold[k] for k in scored]).micro.f1
                for r in runs
            ]
            changed = sum(any(r[k] != runs[0][k] for r in runs[1:]) for k in keep)
            line += f" | refine={int(refine)} F1 {min(f1):.3f}-{max(f1):.3f} changed {changed}"
        print(f"{line} | {(time.time() - start) / reps:.0f} s/run", flush=True)


if __name__ == "__main__":
    main_recorded("small_batches", main, kind="study")
