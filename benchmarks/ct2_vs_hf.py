"""CTranslate2 vs Hugging Face generate on a random model of NLLB-200-distilled-600M's size.

    .venv/bin/python benchmarks/ct2_vs_hf.py                        # CPU, 200 sentences
    .venv/bin/python benchmarks/ct2_vs_hf.py --device cuda          # GPU, float16 at batch 64
    .venv/bin/python benchmarks/ct2_vs_hf.py --sentences 4 --small  # a check that it runs

The model is an M2M100 network built from NLLB-200-distilled-600M's config (the values
are written below, :data:`NLLB_600M`) with random weights: nothing is downloaded. NLLB's
tokenizer is not available offline either, so the model folder gets a stand-in
``NllbTokenizer`` (a small sentencepiece model trained on generated sentences, with the
NLLB language codes) and the sentences are fixed random token ids of realistic lengths:
neither engine sees text. Every sentence is decoded greedily to exactly
``--output-tokens`` tokens (minimum = maximum), so both engines do the same work whatever
the random weights predict.

Each engine runs in a fresh process, so that its peak RSS is its own. The process loads
the model through the project's translators (``HFTranslator``; ``CT2Translator``, whose
CTranslate2 model was converted beforehand in another process and is only loaded),
warms up on two sentences, then translates all sentences sorted by length, in batches.
Both engines use the same number of CPU threads. On CPU: CTranslate2 int8 against
transformers float32 (``--ct2-float32`` adds CTranslate2 float32, which separates the
engine's gain from int8's). With ``--device cuda``: transformers float32 and float16,
CTranslate2 float16 and int8_float16, all at ``--gpu-batch-size``.

The model folder and its conversions are kept in ``--work-dir`` for the next run.
Run in full (not ``--small``), the result goes to ``benchmarks/results/ct2_vs_hf.json``
(``ct2_vs_hf-cuda.json`` on a GPU). ``--text FILE --extra-tokens N`` translates real
sentences (the stand-in tokenizer is then trained on that file) and decodes each batch to
its longest source + N tokens; ``--runs`` lists the runs (``hf:float16:16,ct2:int8:16``).
``benchmarks/device_check.py`` uses it this way.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from harness import Recorder, run_child  # noqa: E402
from harness import markdown as render_table  # noqa: E402

SRC, TGT = "eng_Latn", "fra_Latn"

# facebook/nllb-200-distilled-600M's config.json (architecture values only).
NLLB_600M: dict[str, Any] = {
    "vocab_size": 256206,
    "d_model": 1024,
    "encoder_layers": 12,
    "decoder_layers": 12,
    "encoder_attention_heads": 16,
    "decoder_attention_heads": 16,
    "encoder_ffn_dim": 4096,
    "decoder_ffn_dim": 4096,
    "max_position_embeddings": 1024,
    "activation_function": "relu",
    "scale_embedding": True,
    "tie_word_embeddings": True,
}
# --small: the same architecture, about a thousandth of the size.
SMALL: dict[str, Any] = {
    **NLLB_600M,
    "vocab_size": 8192,
    "d_model": 64,
    "encoder_layers": 2,
    "decoder_layers": 2,
    "encoder_attention_heads": 4,
    "decoder_attention_heads": 4,
    "encoder_ffn_dim": 256,
    "decoder_ffn_dim": 256,
}


def default_work_dir(small: bool) -> Path:
    from spacy_xlproj.translate import default_cache_dir

    return default_cache_dir() / "benchmarks" / ("ct2_vs_hf-small" if small else "ct2_vs_hf")


def build_model(
    folder: Path, arch: dict[str, Any], text: list[str] | None = None, vocab: int = 8000
) -> Path:
    """Save a random M2M100 model with ``arch`` and a stand-in NLLB tokenizer in ``folder``.

    The tokenizer's sentencepiece model is trained on ``text`` (at most ``vocab`` pieces)
    when given, else on the tests' generated sentences. Built in a temporary sibling and
    renamed: an interrupted build is not reused.
    """
    if (folder / "config.json").is_file():
        return folder
    import torch
    from tiny_seq2seq import _vocab_size, train_spm, train_spm_on
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        if text:
            spm_file = train_spm_on(text, tmp / "_spm", "standin", vocab, hard_vocab_limit=False)
        else:
            spm_file = train_spm(tmp / "_spm", "standin")
        tokenizer = NllbTokenizer(vocab_file=str(spm_file), model_max_length=1024)
        torch.manual_seed(0)
        # The model's vocabulary is the architecture's, or the tokenizer's if that is larger.
        size = max(arch["vocab_size"], _vocab_size(tokenizer))
        config = M2M100Config(
            **{**arch, "vocab_size": size},
            pad_token_id=tokenizer.pad_token_id,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            decoder_start_token_id=tokenizer.eos_token_id,
        )
        M2M100ForConditionalGeneration(config).save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def read_text(path: Path | None, n: int = 0) -> list[str]:
    """The non-empty lines of ``path`` (the first ``n``; 0: all); none without a path."""
    if path is None:
        return []
    lines = [x for x in path.read_text(encoding="utf8").splitlines() if x.strip()]
    return lines[:n] if n else lines


def text_inputs(tokenizer: Any, lines: list[str]) -> list[list[int]]:
    """Real sentences as NLLB lays them out: language code, pieces, ``</s>``."""
    tokenizer.src_lang = SRC
    return [tokenizer(line)["input_ids"] for line in lines]


def make_inputs(tokenizer: Any, n: int, seed: int = 0) -> list[list[int]]:
    """``n`` source sentences as NLLB lays them out: language code, pieces, ``</s>``.

    12 to 40 pieces each, about what NLLB's tokenizer makes of a 10 to 30 word sentence.
    """
    from spacy_xlproj.translate.hf import language_ids

    special = set(tokenizer.all_special_ids) | language_ids(tokenizer)
    pieces = sorted(set(tokenizer.get_vocab().values()) - special)
    src = tokenizer.convert_tokens_to_ids(SRC)
    rng = random.Random(seed)
    return [
        [src, *rng.choices(pieces, k=rng.randint(12, 40)), tokenizer.eos_token_id] for _ in range(n)
    ]


class GpuMemory:
    """Peak GPU memory while it runs, sampled from nvidia-smi (both engines alike).

    ``peak_mib``: this process's own use (``--query-compute-apps``; empty inside some
    containers, whose process ids nvidia-smi does not see); ``device_peak_mib``: the whole
    device's used memory, the model and the CUDA context included (the check runs one
    engine at a time, so that is this process's too).
    """

    def __init__(self) -> None:
        self.peak_mib = 0
        self.device_peak_mib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> GpuMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        apps = ["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader"]
        device = ["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits"]
        while not self._stop.wait(0.2):
            try:
                lines = subprocess.run(apps, capture_output=True, text=True).stdout
                used = subprocess.run(device, capture_output=True, text=True).stdout.split()
            except OSError:
                return
            for line in lines.splitlines():
                pid, _, mib = line.partition(",")
                if pid.strip() == str(os.getpid()) and mib.split():
                    self.peak_mib = max(self.peak_mib, int(mib.split()[0]))
            if used and used[0].isdigit():
                self.device_peak_mib = max(self.device_peak_mib, int(used[0]))


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_engine(args: argparse.Namespace) -> dict[str, Any]:
    """Load one engine, translate every sentence, report times and memory (child process)."""
    model_dir = args.work_dir / "model"

    def out_len_of(batch: list[list[int]]) -> int:
        # --extra-tokens: the longest source of the batch plus that many (random weights
        # rarely emit </s>, so every engine decodes exactly this far); else a fixed length.
        if args.extra_tokens:
            return max(len(x) for x in batch) + args.extra_tokens
        return args.output_tokens

    # Both translators load the folder's tokenizer with transformers, which imports torch:
    # the RSS of an interpreter with them is measured apart from the model's.
    import torch
    import transformers  # noqa: F401

    if args.engine == "ct2":
        import ctranslate2  # noqa: F401
    rss_imports = _rss_mib()
    start = time.perf_counter()
    run_batch: Callable[[list[list[int]]], list[int]]
    if args.engine == "hf":
        from spacy_xlproj.translate import HFTranslator

        torch.set_num_threads(args.threads)
        fp16 = args.compute_type == "float16"
        hf = HFTranslator(str(model_dir), SRC, TGT, num_beams=1, device=args.device, fp16=fp16)
        tokenizer = hf.tokenizer
        pad = tokenizer.pad_token_id

        def run_batch(batch: list[list[int]]) -> list[int]:
            longest = max(len(x) for x in batch)
            ids = torch.tensor([x + [pad] * (longest - len(x)) for x in batch])
            mask = torch.tensor([[1] * len(x) + [0] * (longest - len(x)) for x in batch])
            with torch.inference_mode():
                out = hf.model.generate(
                    input_ids=ids.to(hf.device),
                    attention_mask=mask.to(hf.device),
                    num_beams=1,
                    do_sample=False,
                    min_new_tokens=out_len_of(batch),
                    max_new_tokens=out_len_of(batch),
                    forced_bos_token_id=hf.family.forced_bos_token_id,
                )
            return [out.shape[1] - 1] * len(batch)  # the decoder start token is not output

    else:
        from spacy_xlproj.translate import CT2Translator
        from spacy_xlproj.translate.ct2 import read_vocabulary

        ct2 = CT2Translator(
            model_dir,
            SRC,
            TGT,
            num_beams=1,
            device=args.device,
            compute_type=args.compute_type,
            threads=args.threads,
            ct2_dir=args.work_dir / "ct2",
        )
        if ct2.converted:
            raise RuntimeError("the CTranslate2 model should have been converted beforehand")
        tokenizer = ct2.tokenizer
        vocab = read_vocabulary(ct2.model_dir)
        prefix = [tokenizer.convert_ids_to_tokens(ct2.family.forced_bos_token_id)]

        def run_batch(batch: list[list[int]]) -> list[int]:
            results = ct2.model.translate_batch(
                [[vocab[i] for i in x] for x in batch],
                target_prefix=[prefix] * len(batch),
                beam_size=1,
                min_decoding_length=out_len_of(batch),  # counts the target language
                max_decoding_length=out_len_of(batch),  # token, as max_new_tokens does
                max_input_length=0,
            )
            return [len(r.hypotheses[0]) for r in results]

    load_s = time.perf_counter() - start
    rss_loaded = _rss_mib()
    lines = read_text(args.text, args.sentences)
    inputs = text_inputs(tokenizer, lines) if lines else make_inputs(tokenizer, args.sentences)
    if args.device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    order = sorted(inputs, key=len, reverse=True)
    batches = [order[i : i + args.batch_size] for i in range(0, len(order), args.batch_size)]
    run_batch(inputs[:2])  # warm-up: first-call allocations and kernel choice
    lengths: list[int] = []
    with GpuMemory() as gpu:
        start = time.perf_counter()
        for batch in batches:
            lengths.extend(run_batch(batch))
        seconds = time.perf_counter() - start
    return {
        "engine": args.engine,
        "compute_type": args.compute_type,
        "batch_size": args.batch_size,
        "threads": args.threads,
        "load_s": load_s,
        "seconds": seconds,
        "sentences": len(inputs),
        "tokens_per_sentence": sum(lengths) / len(lengths),
        "rss_imports_mib": rss_imports,
        "rss_loaded_mib": rss_loaded,
        # ru_maxrss is in KiB on Linux.
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "gpu_peak_mib": gpu.peak_mib if args.device == "cuda" else None,
        "gpu_device_peak_mib": gpu.device_peak_mib if args.device == "cuda" else None,
        # torch's own allocations (transformers only; CTranslate2 has its own allocator).
        "torch_peak_mib": (
            torch.cuda.max_memory_allocated() / 2**20
            if args.device == "cuda" and args.engine == "hf"
            else None
        ),
        "source_tokens_per_sentence": sum(map(len, inputs)) / len(inputs),
    }


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Build the model folder and convert it for one compute type (child process)."""
    from spacy_xlproj.translate import CT2Translator

    start = time.perf_counter()
    build_model(*_model_args(args))
    built = time.perf_counter() - start
    start = time.perf_counter()
    translator = CT2Translator(
        args.work_dir / "model",
        SRC,
        TGT,
        device=args.device,
        compute_type=args.compute_type,
        ct2_dir=args.work_dir / "ct2",
    )
    return {
        "build_s": built,
        "convert_s": time.perf_counter() - start,
        "converted": translator.converted,
        "model_mib": _folder_mib(translator.model_dir),
    }


def _model_args(args: argparse.Namespace) -> tuple[Path, dict[str, Any], list[str], int]:
    arch = SMALL if args.small else NLLB_600M
    return args.work_dir / "model", arch, read_text(args.text), 1000 if args.small else 8000


def _folder_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) / 2**20


def _child(args: argparse.Namespace, role: str, **overrides: Any) -> dict[str, Any]:
    options = {**vars(args), **overrides}
    cmd = [sys.executable, __file__, "--role", role]
    keys = ("sentences", "output_tokens", "extra_tokens", "threads", "device", "work_dir")
    for key in (*keys, "engine"):
        cmd += [f"--{key.replace('_', '-')}", str(options[key])]
    if options.get("text"):
        cmd += ["--text", str(options["text"])]
    cmd += ["--compute-type", options["compute_type"], "--batch-size", str(options["batch_size"])]
    if args.small:
        cmd.append("--small")
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    proc = run_child(cmd, env=env, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{role} {options['engine']} {options['compute_type']} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def runs_for(args: argparse.Namespace) -> list[tuple[str, str, int]]:
    """(engine, compute type, batch size) of each measured run; the first is the baseline."""
    if args.runs:
        runs = []
        for spec in args.runs.split(","):
            engine, compute_type, batch = spec.split(":")
            runs.append((engine, compute_type, int(batch)))
        return runs
    if args.device == "cuda":
        b = args.gpu_batch_size
        return [
            ("hf", "float32", b),
            ("hf", "float16", b),
            ("ct2", "float16", b),
            ("ct2", "int8_float16", b),
        ]
    runs = [("hf", "float32", args.batch_size), ("ct2", "int8", args.batch_size)]
    if args.ct2_float32:
        runs.append(("ct2", "float32", args.batch_size))
    return runs


def measure(
    args: argparse.Namespace,
    *,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    on_prepared: Callable[[str, dict[str, Any]], None] | None = None,
    deadline: float | None = None,
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Convert once per CTranslate2 compute type, then run every engine (child processes).

    ``on_row``/``on_prepared`` see each result as it comes; past ``deadline`` (a
    ``time.time()``) no further run starts.
    """
    runs = runs_for(args)
    prep: dict[str, dict[str, Any]] = {}
    if not any(engine == "ct2" for engine, _, _ in runs):  # the model is still built apart
        print(f"built: {_child(args, 'prepare', engine='hf', compute_type='none')}",
              file=sys.stderr, flush=True)  # fmt: skip
    for engine, compute_type, _ in runs:  # the first conversion also builds the model
        if engine == "ct2" and compute_type not in prep:
            prep[compute_type] = _child(args, "prepare", engine="ct2", compute_type=compute_type)
            print(f"prepared {compute_type}: {prep[compute_type]}", file=sys.stderr, flush=True)
            if on_prepared is not None:
                on_prepared(compute_type, prep[compute_type])
    rows = []
    for engine, compute_type, batch_size in runs:
        if deadline is not None and time.time() > deadline:
            print(f"out of time: {engine} {compute_type} not run", file=sys.stderr)
            continue
        row = _child(
            args, "engine", engine=engine, compute_type=compute_type, batch_size=batch_size
        )
        print(f"{engine} {compute_type} batch {batch_size}: {row}", file=sys.stderr, flush=True)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return prep, rows


def table(rows: list[dict[str, Any]], gpu: bool) -> tuple[list[str], list[list[str]]]:
    """The result table: one row per run, speed-up over the first run."""
    base = rows[0]["sentences"] / rows[0]["seconds"]
    columns = ["engine", "compute type", "batch", "load s", "translate s", "sentences/s"]
    columns += ["speed-up", "RSS of imports MiB", "RSS after load MiB", "peak RSS MiB"]
    columns += ["peak GPU MiB (nvidia-smi)", "torch peak MiB"] if gpu else []
    out = []
    for r in rows:
        rate = r["sentences"] / r["seconds"]
        cells = [
            "transformers" if r["engine"] == "hf" else "CTranslate2",
            r["compute_type"],
            str(r["batch_size"]),
            f"{r['load_s']:.1f}",
            f"{r['seconds']:.1f}",
            f"{rate:.2f}",
            f"{rate / base:.2f}x",
            f"{r['rss_imports_mib']:.0f}",
            f"{r['rss_loaded_mib']:.0f}",
            f"{r['peak_rss_mib']:.0f}",
        ]
        if gpu:
            torch_peak = r.get("torch_peak_mib")
            cells += [str(r["gpu_peak_mib"]), "" if torch_peak is None else f"{torch_peak:.0f}"]
        out.append(cells)
    return columns, out


def describe(args: argparse.Namespace, prep: dict[str, dict[str, Any]], rows: list[dict]) -> str:
    arch = SMALL if args.small else NLLB_600M
    size = "a small stand-in config (--small)" if args.small else "NLLB-200-distilled-600M's"
    tokens = sorted({round(r["tokens_per_sentence"], 2) for r in rows})
    source = (
        f"the first {args.sentences} lines of {args.text}"
        if args.text
        else f"{args.sentences} random token-id sentences of 12 to 40 source tokens"
    )
    length = (
        f"each batch decoded to its longest source + {args.extra_tokens} tokens"
        if args.extra_tokens
        else f"exactly {args.output_tokens} output tokens each"
    )
    conversions = ", ".join(
        f"{ct} {p['convert_s']:.0f} s" if p["converted"] else f"{ct} converted by an earlier run"
        for ct, p in prep.items()
    )
    return (
        f"Random M2M100 with {size} architecture (d_model {arch['d_model']}, "
        f"{arch['encoder_layers']}+{arch['decoder_layers']} layers, vocabulary "
        f"{arch['vocab_size']}); {source}; greedy, {length} (measured output tokens per "
        f"sentence: {tokens}); {args.threads} threads per engine; one-off conversions "
        f"(not in the load time): {conversions or 'none'}."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=200)
    parser.add_argument("--text", type=Path, default=None, help="sentences (one a line)")
    parser.add_argument("--output-tokens", type=int, default=32)
    parser.add_argument("--extra-tokens", type=int, default=0, help="longest source + N")
    parser.add_argument("--batch-size", type=int, default=16, help="on CPU")
    parser.add_argument("--gpu-batch-size", type=int, default=64)
    parser.add_argument("--runs", default="", help="ENGINE:COMPUTE_TYPE:BATCH,... (hf or ct2)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--small", action="store_true", help="a much smaller config")
    parser.add_argument("--ct2-float32", action="store_true", help="add CTranslate2 float32")
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--results-dir", type=Path, default=None,
                        help="where NAME.json goes (default benchmarks/results; none with "
                        "--small unless given)")  # fmt: skip
    # For the child processes.
    parser.add_argument("--role", choices=("main", "prepare", "engine"), default="main")
    parser.add_argument("--engine", default="hf")
    parser.add_argument("--compute-type", default="float32")
    args = parser.parse_args()
    args.work_dir = args.work_dir or default_work_dir(args.small)
    if args.role == "prepare":
        if args.engine == "hf":
            build_model(*_model_args(args))
            print(json.dumps({"built": str(args.work_dir / "model")}))
        else:
            print(json.dumps(prepare(args)))
        return
    if args.role == "engine":
        print(json.dumps(run_engine(args)))
        return

    recorder = Recorder(
        "ct2_vs_hf" + ("-cuda" if args.device == "cuda" else ""),
        extra_versions=("torch", "transformers", "ctranslate2"),
    )
    prep, rows = measure(args)
    columns, cells = table(rows, args.device == "cuda")
    recorder.table(args.device, columns, cells)
    recorder.figures.update(prepared=prep, runs=rows)
    recorder.notes.append(describe(args, prep, rows))
    print(recorder.notes[0])
    print("\n".join(render_table(recorder.tables[args.device].to_json())))
    if args.results_dir is not None or not args.small:
        recorder.write(args.results_dir)


if __name__ == "__main__":
    main()
