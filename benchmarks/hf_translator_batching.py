"""Translator speed: HF batching vs one sentence at a time, and Apertium throughput.

    python benchmarks/hf_translator_batching.py --conll ../shared/data/conll2003/train.txt

Part 1 builds a tiny random M2M100 model (tests/tiny_seq2seq.py) and translates the
same sentences batched (sorted by length) and one at a time. Part 2 translates the
CoNLL-2003 English sentences to Spanish with Apertium, without the cache
(``benchmarks/results/hf_translator_batching.json``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from harness import Recorder, add_arguments, data  # noqa: E402


def bench_hf(n: int, batch_size: int, num_beams: int, max_length: int) -> list[tuple[str, str]]:
    from tiny_seq2seq import build_tiny_m2m100, make_sentences

    from spacy_xlproj.translate import HFTranslator

    texts = make_sentences(n, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        model = build_tiny_m2m100(Path(tmp) / "m2m")
        common = {"num_beams": num_beams, "max_length": max_length}
        batched = HFTranslator(str(model), "en", "es", batch_size=batch_size, **common)
        single = HFTranslator(str(model), "en", "es", batch_size=1, **common)
        batched.translate(texts[:4])  # warm up
        start = time.perf_counter()
        out_batched = batched.translate(texts)
        t_batched = time.perf_counter() - start
        start = time.perf_counter()
        out_single = [single.translate([t])[0] for t in texts]
        t_single = time.perf_counter() - start
    same = sum(a == b for a, b in zip(out_batched, out_single, strict=True))
    return [
        ("HF tiny M2M100, sentences", str(n)),
        (f"HF batched (batch_size={batch_size}), s", f"{t_batched:.2f}"),
        ("HF one at a time, s", f"{t_single:.2f}"),
        ("HF speed-up of batching", f"{t_single / t_batched:.1f}x"),
        ("HF identical outputs", f"{same}/{n}"),
    ]


def bench_apertium(conll: Path, limit: int | None, chunk_size: int) -> list[tuple[str, str]]:
    from spacy_xlproj.io import read_sentences
    from spacy_xlproj.translate import ApertiumTranslator

    texts = [" ".join(s.words) for s in read_sentences(conll)][:limit]
    translator = ApertiumTranslator("en", "es", chunk_size=chunk_size)
    start = time.perf_counter()
    out = translator.translate(texts)
    seconds = time.perf_counter() - start
    assert len(out) == len(texts)
    return [
        (f"Apertium eng-spa, {conll.name} sentences", str(len(texts))),
        (f"Apertium processes (chunk_size={chunk_size})", str(translator.n_calls)),
        ("Apertium time, s", f"{seconds:.1f}"),
        ("Apertium throughput, sentences/s", f"{len(texts) / seconds:.0f}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conll", type=Path, default=data("conll2003/train.txt"))
    parser.add_argument("--apertium-limit", type=int, default=None)
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--n-hf", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--num-beams", type=int, default=1)
    parser.add_argument("--max-length", type=int, default=16)
    parser.add_argument("--skip-apertium", action="store_true")
    add_arguments(parser, data_folder=False)
    args = parser.parse_args()
    rec = Recorder("hf_translator_batching")
    rows = bench_hf(args.n_hf, args.batch_size, args.num_beams, args.max_length)
    if not args.skip_apertium:
        rows += bench_apertium(args.conll, args.apertium_limit, args.chunk_size)
    rec.table("measures", ["measure", "value"], [list(row) for row in rows])
    rec.figures.update(rows)
    rec.finish(args)


if __name__ == "__main__":
    main()
