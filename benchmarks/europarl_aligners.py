"""Align the 799 Europarl-NER en-es pairs with each aligner and write Pharaoh files.

Aligners: eflomal alone (trained on the 799 pairs), eflomal with extra synthetic
parallel text (CoNLL-2003 English train sentences translated by ``apertium eng-spa``),
and SimAlign over all-MiniLM-L6-v2 (layers 3 and 4, argmax and itermax; bpe, or word).
Writes ``OUT/europarl.en-es.<aligner>.txt`` (links on the gold tokens, English first),
for projection benchmarks, and prints a markdown table: links per sentence, time, and
agreement (precision / recall / F1 of links) with the shared eflomal-gdfa file.

    python benchmarks/europarl_aligners.py --out /tmp/xlproj-aligners --extra-sentences 5000
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

from harness import data_root, main_recorded, minilm_dir

ROOT = Path(__file__).resolve().parents[1]
SHARED = data_root()


def agreement(predicted: list[list], reference: list[list]) -> tuple[float, float, float]:
    tp = sum(len(set(p) & set(r)) for p, r in zip(predicted, reference, strict=True))
    n_pred = sum(map(len, predicted))
    n_ref = sum(map(len, reference))
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_ref if n_ref else 0.0
    f1 = 2 * tp / (n_pred + n_ref) if n_pred + n_ref else 0.0
    return precision, recall, f1


def synthetic_parallel(out: Path, n: int) -> tuple[Path, Path]:
    """Translate the first ``n`` CoNLL-2003 English train sentences with Apertium."""
    src_path, tgt_path = out / f"conll2003-apertium-{n}.en", out / f"conll2003-apertium-{n}.es"
    if src_path.exists() and tgt_path.exists():
        return src_path, tgt_path
    from spacy_xlproj.io import read_sentences, write_text
    from spacy_xlproj.tokenize import Tokenizer, detokenize
    from spacy_xlproj.translate.build import build_translator

    english = [s.words for s in read_sentences(SHARED / "conll2003" / "train.txt") if s.words]
    english = english[:n]
    translator = build_translator("apertium", "en", "es", cache=False)
    t0 = time.perf_counter()
    spanish = translator.translate([detokenize(words) for words in english])
    print(f"Apertium: {len(english)} sentences in {time.perf_counter() - t0:.1f}s")
    tokenizer = Tokenizer("es")
    write_text(src_path, english)
    write_text(tgt_path, [tokenizer(text) for text in spanish])
    return src_path, tgt_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/xlproj-aligners"))
    parser.add_argument("--extra-sentences", type=int, default=5000)
    parser.add_argument("--model", default=None, help="SimAlign encoder dir (default MiniLM)")
    parser.add_argument("--skip", default="", help="comma-separated: eflomal,extra,simalign")
    parser.add_argument("--token-types", default="bpe", help="SimAlign: bpe, word or bpe,word")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    from spacy_xlproj.align import EflomalAligner, SimAligner, grow_diag_final_and, intersect
    from spacy_xlproj.io import read_pharaoh, read_sentences, write_pharaoh

    args.out.mkdir(parents=True, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))
    en = read_sentences(SHARED / "europarl_ner" / "en-europarl.test.conll02")
    es = read_sentences(SHARED / "europarl_ner" / "es-europarl.test.conll02")
    pairs = [(s.words, t.words) for s, t in zip(en, es, strict=True)]
    reference = read_pharaoh(SHARED / "alignments" / "europarl.en-es.eflomal-gdfa.txt")

    rows: list[tuple[str, list[list], float]] = []

    def run_eflomal(name: str, aligner: EflomalAligner) -> None:
        t0 = time.perf_counter()
        directions = aligner.align_directions(pairs)
        seconds = time.perf_counter() - t0
        both = list(zip(directions.forward, directions.reverse, strict=True))
        rows.append((f"{name}-gdfa", [grow_diag_final_and(f, r) for f, r in both], seconds))
        rows.append((f"{name}-inter", [intersect(f, r) for f, r in both], seconds))

    if "eflomal" not in skip:
        run_eflomal("eflomal", EflomalAligner())
    if "extra" not in skip:
        extra = synthetic_parallel(args.out, args.extra_sentences)
        name = f"eflomal+apertium{args.extra_sentences}"
        run_eflomal(name, EflomalAligner(extra_parallel=[extra]))
    if "simalign" not in skip:
        model = args.model
        if model is None:
            folder = minilm_dir()
            assert folder is not None, "give --model"
            model = str(folder)
        for token_type in args.token_types.split(","):
            for layer in (3, 4):
                aligner = SimAligner(model, layer=layer, token_type=token_type).load()
                for method in ("argmax", "itermax"):
                    aligner.method = method
                    t0 = time.perf_counter()
                    links = aligner.align(pairs)
                    seconds = time.perf_counter() - t0
                    suffix = "" if token_type == "bpe" else "-word"
                    rows.append((f"simalign-L{layer}-{method}{suffix}", links, seconds))

    print(f"\n{len(pairs)} pairs; agreement = links vs the shared eflomal-gdfa file\n")
    print("| aligner | links/sentence | P | R | F1 | seconds | file |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, links, seconds in rows:
        path = args.out / f"europarl.en-es.{name}.txt"
        write_pharaoh(path, links)
        p, r, f = agreement(links, reference)
        per_sentence = sum(map(len, links)) / len(links)
        print(
            f"| {name} | {per_sentence:.1f} | {p:.3f} | {r:.3f} | {f:.3f} | {seconds:.1f} "
            f"| {path} |"
        )


if __name__ == "__main__":
    main_recorded("europarl_aligners", main, kind="study")
