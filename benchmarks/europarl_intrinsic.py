"""Europarl intrinsic benchmark: project gold English entities onto the human Spanish
translation through fixed word alignments, and score against the gold Spanish entities.

    python benchmarks/europarl_intrinsic.py [--data ../shared/data]
        [--methods heuristic-default,heuristic-refine,...] [--aligners eflomal-gdfa,...]
        [--alignments-dir DIR]   # e.g. the files written by benchmarks/europarl_aligners.py

Reports entity micro F1 (methods × aligners) in benchmarks/results/europarl_intrinsic.json.
The alignments are fixed, so differences between rows are the projection's own.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from harness import Recorder, add_arguments

from spacy_xlproj.evaluate import entity_scores
from spacy_xlproj.io import read_pharaoh, read_sentences
from spacy_xlproj.project.base import Projector
from spacy_xlproj.project.heuristic import HeuristicProjector

ALIGNERS = (
    "eflomal-fwd",
    "eflomal-rev",
    "eflomal-inter",
    "eflomal-gdfa",
    "simalign-L3-argmax",
    "simalign-L3-itermax",
    "simalign-L4-argmax",
    "simalign-L4-itermax",
)


def _matching(**kwargs: object) -> Callable[[], Projector]:
    def build() -> Projector:
        from spacy_xlproj.project.matching import MatchingProjector

        return MatchingProjector(**kwargs)  # type: ignore[arg-type]

    return build


METHODS: dict[str, tuple[str, Callable[[], Projector]]] = {
    "heuristic-default": (
        "`HeuristicProjector(refine=False)` (d=1, ratio 0.8)",
        lambda: HeuristicProjector(refine=False),
    ),
    "heuristic-raw": (
        "`HeuristicProjector(merge_distance=0, length_ratio=None, refine=False)` (raw runs)",
        lambda: HeuristicProjector(merge_distance=0, length_ratio=None, refine=False),
    ),
    "heuristic-refine": (
        "`HeuristicProjector(refine=True)`",
        lambda: HeuristicProjector(refine=True),
    ),
    "matching-ngrams-ilp": (
        "`MatchingProjector(candidates='ngrams', solver='ilp', refine=False)`",
        _matching(candidates="ngrams", solver="ilp", refine=False),
    ),
    "matching-aligned-ilp": (
        "`MatchingProjector(candidates='aligned', solver='ilp', refine=False)`",
        _matching(candidates="aligned", solver="ilp", refine=False),
    ),
    "matching-ngrams-greedy": (
        "`MatchingProjector(candidates='ngrams', solver='greedy', refine=False)`",
        _matching(candidates="ngrams", solver="greedy", refine=False),
    ),
    "matching-ngrams-string": (
        "`MatchingProjector(candidates='ngrams', solver='ilp', weights={'align': 1, "
        "'string': 0.5}, refine=False)`",
        _matching(
            candidates="ngrams", solver="ilp", weights={"align": 1.0, "string": 0.5}, refine=False
        ),
    ),
    "matching-ngrams-ilp-refine": (
        "`MatchingProjector(candidates='ngrams', solver='ilp', refine=True)` "
        "(matching ngrams ILP refine)",
        _matching(candidates="ngrams", solver="ilp", refine=True),
    ),
    "matching-ngrams-ilp-refine-string": (
        "`MatchingProjector(..., refine=True, weights={'align': 1, 'string': 0.5})` (… + string)",
        _matching(
            candidates="ngrams", solver="ilp", refine=True, weights={"align": 1.0, "string": 0.5}
        ),
    ),
}


def evaluate(
    data: Path, methods: list[str], aligners: list[str], alignments_dir: Path | None = None
) -> dict[str, dict[str, float]]:
    """Micro F1 of each method on each aligner's links."""
    alignments_dir = alignments_dir or data / "alignments"
    en = read_sentences(data / "europarl_ner" / "en-europarl.test.conll02")
    es = read_sentences(data / "europarl_ner" / "es-europarl.test.conll02")
    gold = [s.spans for s in es]
    results: dict[str, dict[str, float]] = {}
    for method in methods:
        try:
            projector = METHODS[method][1]()
        except ImportError as err:  # a backend that is not installed is skipped, loudly
            print(f"skipping {method}: {err}")
            continue
        results[method] = {}
        for aligner in aligners:
            links = read_pharaoh(alignments_dir / f"europarl.en-es.{aligner}.txt")
            start = time.perf_counter()
            pred = [
                projector.project(s.words, s.spans, t.words, ln).target_spans()
                for s, t, ln in zip(en, es, links, strict=True)
            ]
            seconds = time.perf_counter() - start
            f1 = entity_scores(pred, gold).micro.f1
            results[method][aligner] = f1
            print(f"{method:24s} {aligner:20s} F1 {f1:.4f} ({seconds:.2f}s)", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--aligners", default=",".join(ALIGNERS))
    parser.add_argument(
        "--alignments-dir",
        type=Path,
        default=None,
        help="Folder of europarl.en-es.<aligner>.txt files (default: DATA/alignments); "
        "the result is then europarl_intrinsic-own_aligners.json",
    )
    add_arguments(parser)
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown method(s) {', '.join(unknown)}; known: {', '.join(METHODS)}")
    aligners = [a for a in args.aligners.split(",") if a]
    own = args.alignments_dir is not None
    rec = Recorder("europarl_intrinsic" + ("-own_aligners" if own else ""))
    results = evaluate(args.data, methods, aligners, args.alignments_dir)
    rows = [
        [METHODS[m][0], *(f"{s[a]:.4f}" if a in s else "-" for a in aligners)]
        for m, s in results.items()
    ]
    rec.table("f1", ["method", *aligners], rows, align=["---"] + ["---:"] * len(aligners))
    rec.figures["f1"] = {m: {a: round(f, 4) for a, f in s.items()} for m, s in results.items()}
    rec.finish(args)


if __name__ == "__main__":
    main()
