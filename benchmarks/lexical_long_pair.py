"""Time and peak memory of the lexical aligner on one long sentence pair (issue 25, case 12).

One generated pair of about 5,000 words a side: 250 sentences of 20 words from a small
vocabulary, the target a round trip of the source (some words re-cased, re-inflected,
replaced or swapped with a neighbour), as back-translation refinement sees. Runs the
aligner once in this process and prints the wall time, the growth of the peak resident
memory, the number of links and how many of them are more than one position off the
diagonal (wrong by construction: every target word is at its source word's place or
a neighbour's). ``--module FILE`` loads another version of
``spacy_xlproj/align/lexical.py`` (e.g. ``git show HEAD~1:spacy_xlproj/align/lexical.py``)
to compare.

    python benchmarks/lexical_long_pair.py [--words 5000] [--module FILE]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import resource
import time

from harness import main_recorded

_WORDS = (
    "the a of in to and city river council mayor market teacher doctor station bridge "
    "north south old new large small visits builds opens closes reports announces "
    "Lisbon Quito Berlin Nairobi Anna Pedro Maria Torres government committee project"
)
VOCAB = _WORDS.split()


def make_pair(n_words: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """A source of ``n_words`` words in 20-word sentences and its perturbed round trip."""
    rng = random.Random(seed)
    src: list[str] = []
    while len(src) < n_words:
        src.extend([*(rng.choice(VOCAB) for _ in range(19)), "."])
    src = src[:n_words]
    tgt = []
    for word in src:
        r = rng.random()
        if word == "." or r < 0.7:
            tgt.append(word)
        elif r < 0.8:
            tgt.append(word.capitalize() if word.islower() else word.lower())
        elif r < 0.9:
            tgt.append(word + "s")
        else:
            tgt.append(rng.choice(VOCAB))
    for k in range(0, len(tgt) - 1, 37):  # some neighbours swapped
        if "." not in (tgt[k], tgt[k + 1]):
            tgt[k], tgt[k + 1] = tgt[k + 1], tgt[k]
    return src, tgt


def load_aligner(module_file: str | None):  # noqa: ANN201
    if module_file is None:
        from spacy_xlproj.align.lexical import LexicalAligner

        return LexicalAligner()
    # Loaded inside the package, so that its relative imports resolve.
    spec = importlib.util.spec_from_file_location("spacy_xlproj.align._lexical_other", module_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LexicalAligner()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--module", default=None)
    args = parser.parse_args()
    src, tgt = make_pair(args.words)
    aligner = load_aligner(args.module)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    links = aligner.align_pair(src, tgt)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    grown = (peak - before) / 1024  # ru_maxrss is in KiB on Linux
    # The target keeps each word at its place or swaps it with a neighbour: a link more
    # than one position off the diagonal is wrong by construction.
    far = sum(abs(i - j) > 1 for i, j in links)
    print(
        f"words {len(src)}/{len(tgt)}  time {seconds:.2f} s  peak RSS +{grown:.0f} MB"
        f" (peak {peak / 1024:.0f} MB)  links {len(links)} ({far} off the diagonal)"
        f"  load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main_recorded("lexical_long_pair", main)
