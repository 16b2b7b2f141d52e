"""Benchmark translate-train: CoNLL-2003 English train -> Spanish (Apertium + eflomal).

Reports one table row per method (``benchmarks/results/translate_train_conll.json``):
sentences, wall time (and the share spent translating and aligning), projection rate.
Translations are cached in --cache-dir, so the first method pays for Apertium and the
later ones read the cache (the table says which).

    python benchmarks/translate_train_conll.py --methods heuristic ilp markers
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from harness import Recorder, add_arguments, cpu_seconds, data_root

ROOT = Path(__file__).resolve().parents[1]
DATA = data_root() / "conll2003" / "train.txt"


class Timed:
    """Wraps a translator or an aligner and adds up the seconds spent in it."""

    def __init__(self, inner, method: str) -> None:
        self.inner, self.method, self.seconds = inner, method, 0.0
        self.name = inner.name
        self.src_lang = getattr(inner, "src_lang", None)
        self.tgt_lang = getattr(inner, "tgt_lang", None)

    def _call(self, *args):
        start = time.perf_counter()
        try:
            return getattr(self.inner, self.method)(*args)
        finally:
            self.seconds += time.perf_counter() - start

    def translate(self, texts):
        return self._call(texts)

    def align(self, pairs):
        return self._call(pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--methods", nargs="+", default=["heuristic"])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: a new temp dir")
    parser.add_argument("--chunk-size", type=int, default=20_000)
    add_arguments(parser, data_folder=False)
    args = parser.parse_args()

    from spacy_xlproj.align.eflomal import EflomalAligner
    from spacy_xlproj.io import read_sentences
    from spacy_xlproj.project.build import ProjectionOptions, build_projector
    from spacy_xlproj.project.markers import MarkerStats
    from spacy_xlproj.transfer import translate_train
    from spacy_xlproj.translate.build import build_translator

    if args.cache_dir is None:
        args.cache_dir = Path(tempfile.mkdtemp(prefix="xlproj-bench-"))
    sentences = read_sentences(args.data)
    if args.limit:
        sentences = sentences[: args.limit]
    rec = Recorder("translate_train_conll")
    rows = []
    for method in args.methods:
        mt = build_translator("apertium", "en", "es", cache_dir=args.cache_dir)
        translator = Timed(mt, "translate")
        aligner = Timed(EflomalAligner(), "align")
        projector = build_projector(ProjectionOptions(method=method))
        stats_m = MarkerStats()
        start, cpu0 = time.perf_counter(), cpu_seconds()
        out, stats = translate_train(
            sentences,
            translator=translator,
            aligner=aligner,
            projector="markers" if method == "markers" else projector,
            fallback_projector=projector if method == "markers" else None,
            tgt_lang="es",
            chunk_size=args.chunk_size,
            progress=False,
            marker_stats=stats_m,
        )
        wall = time.perf_counter() - start
        cpu = cpu_seconds() - cpu0
        rate = stats.projected / stats.source_entities if stats.source_entities else 0.0
        rows.append([method, str(len(sentences)), str(mt.misses), f"{wall:.1f}", f"{cpu:.1f}",
                     f"{translator.seconds:.1f}", f"{aligner.seconds:.1f}",
                     f"{stats.projected}/{stats.source_entities}", f"{rate:.1%}"])  # fmt: skip
        print(" | ".join(rows[-1]), flush=True)
        rec.figures[method] = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                               "projected": round(rate, 4)}  # fmt: skip
        if method == "markers":
            rec.figures["markers"]["marker_stats"] = stats_m.to_dict()
    columns = ["method", "sentences", "MT misses", "wall s", "CPU s", "translate s", "align s",
               "projected", "rate"]  # fmt: skip
    rec.table("methods", columns, rows)
    rec.finish(args)


if __name__ == "__main__":
    main()
