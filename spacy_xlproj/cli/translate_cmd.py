"""``translate``: translate the sentences of a corpus file, one translation per line."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import typer

from ..errors import UsageError, XlprojError
from ..io.paths import check_cache_dir, check_input, check_output
from . import _options as options
from ._app import command


@dataclass
class TranslateReport:
    """What :func:`translate_file` did."""

    sentences: int = 0
    empty: int = 0  # sentences without words: written as empty lines
    seconds: float = 0.0
    cache_hits: int = 0
    cache_misses: int = 0
    split: int = 0  # sentences too long for the model, translated in parts
    translator: str = ""


def translate_file(
    input_path: str | Path,
    output_path: str | Path,
    src_lang: str,
    tgt_lang: str,
    translator: str,
    *,
    batch_size: int = 16,
    cache_dir: str | Path | None = None,
    cache: bool = True,
) -> TranslateReport:
    """Translate every sentence of ``input_path`` and write one translation per line.

    input_path (str | Path): Any format :func:`spacy_xlproj.io.read_sentences` reads.
    output_path (str | Path): Plain text output, line *i* translates sentence *i*.
    src_lang (str): Source language code.
    tgt_lang (str): Target language code.
    translator (str): Spec for :func:`~spacy_xlproj.translate.build_translator`.
    batch_size (int): Sentences per forward pass of a neural model.
    cache_dir (str | Path | None): Folder of the translation cache.
    cache (bool): Use the translation cache.
    RETURNS (TranslateReport): Counts and time.
    """
    from ..io import read_sentences, write_atomic
    from ..translate import build_translator

    sentences = read_sentences(input_path)
    texts = [" ".join(s.words) for s in sentences]
    backend = build_translator(
        translator, src_lang, tgt_lang, cache_dir=cache_dir, cache=cache, batch_size=batch_size
    )
    start = time.perf_counter()
    translations = backend.translate(texts)
    report = TranslateReport(
        sentences=len(texts),
        empty=sum(1 for t in texts if not t.strip()),
        seconds=time.perf_counter() - start,
        cache_hits=getattr(backend, "hits", 0),
        cache_misses=getattr(backend, "misses", len(texts)),
        split=getattr(backend, "n_split", 0),
        translator=backend.name,
    )
    if len(translations) != len(texts):
        raise XlprojError(
            f"{backend.name} returned {len(translations)} translations for {len(texts)} sentences."
        )
    # A line break inside a translation would shift every later line.
    text = "".join(" ".join(line.split()) + "\n" for line in translations)
    Path(output_path).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(output_path, text)
    return report


@command("translate")
def translate_cli(
    # fmt: off
    input_path: Path = typer.Argument(..., help="Sentences: column, text or .spacy file."),
    output_path: Path = typer.Argument(..., help="Output text file, one translation per line."),
    src_lang: str = options.src_lang(..., "Source language (ISO 639-1/3)."),
    tgt_lang: str = options.tgt_lang("Target language (ISO 639-1/3)."),
    translator: str = options.translator(
        "apertium, apertium:MODE, hf:MODEL_OR_DIR, ct2:MODEL_DIR, file:PATH or file:PATH:SOURCE."
    ),
    batch_size: int = typer.Option(16, "--batch-size", help="Sentences per model batch."),
    cache_dir: Path | None = typer.Option(
        None, "--cache-dir", help="Cache folder (default $XLPROJ_CACHE_DIR, ~/.cache/spacy_xlproj)."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the cache."),
    # fmt: on
) -> None:
    """Translate the sentences of INPUT_PATH and write one translation per line."""
    if batch_size < 1:
        raise UsageError(f"--batch-size must be at least 1, got {batch_size}.")
    check_input(input_path)
    check_cache_dir(cache_dir)
    check_output(output_path, input_path, folders=[("--cache-dir", cache_dir)])
    report = translate_file(
        input_path,
        output_path,
        src_lang,
        tgt_lang,
        translator,
        batch_size=batch_size,
        cache_dir=cache_dir,
        cache=not no_cache,
    )
    rate = report.sentences / report.seconds if report.seconds > 0 else float("inf")
    typer.echo(
        f"Translated {report.sentences} sentences with {report.translator} in "
        f"{report.seconds:.1f}s ({rate:.0f} sentences/s) -> {output_path}"
    )
    typer.echo(
        f"cache: {report.cache_hits} hits, {report.cache_misses} misses; "
        f"empty sentences: {report.empty}; split (too long): {report.split}"
    )
