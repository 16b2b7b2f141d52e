"""Build a translator from a short command-line spec such as ``hf:DIR`` or ``apertium``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import UsageError
from .base import Translator

SPEC_FORMS = (
    "apertium            the installed Apertium pair for the two languages",
    "apertium:MODE       a named Apertium mode, e.g. apertium:eng-spa",
    "hf:MODEL_OR_DIR     a Hugging Face seq2seq model (NLLB, M2M100, Marian), hub name or folder",
    "ct2:DIR             a Hugging Face seq2seq folder run by CTranslate2 (converted once, cached)",
    "file:PATH           existing translations, one per line, aligned with the input",
    "file:PATH:SOURCE    existing translations looked up by source text (SOURCE: the input file)",
)


class TranslatorSpecError(UsageError):
    """A translator spec that is not one of :data:`SPEC_FORMS`."""

    def __init__(self, spec: str) -> None:
        forms = "\n  ".join(SPEC_FORMS)
        super().__init__(f"Unknown translator spec '{spec}'. Valid forms:\n  {forms}")


def build_translator(
    spec: str,
    src_lang: str,
    tgt_lang: str,
    *,
    cache_dir: str | Path | None = None,
    cache: bool = True,
    batch_size: int = 16,
    progress: bool | None = None,
    **kwargs: Any,
) -> Translator:
    """Return the translator named by ``spec``, wrapped in the persistent cache.

    spec (str): ``apertium``, ``apertium:MODE``, ``hf:MODEL_OR_DIR``, ``ct2:DIR``,
        ``file:PATH`` or ``file:PATH:SOURCE_PATH``.
    src_lang (str): Source language code.
    tgt_lang (str): Target language code.
    cache_dir (str | Path | None): Folder of the translation cache (default: see
        :func:`~spacy_xlproj.translate.cache.default_cache_dir`).
    cache (bool): Wrap in :class:`~spacy_xlproj.translate.cache.CachedTranslator`.
        Translations read from a file by position are never cached.
    batch_size (int): Sentences per forward pass of a neural model.
    progress (bool | None): The cache's progress bar over texts sent to the backend;
        ``None``: shown when there is more than one chunk of them.
    kwargs: Passed on to the backend (``num_beams``, ``device``, ``compute_type``,
        ``chunk_size``…).
    """
    kind, arg = parse_translator_spec(spec)
    translator: Any
    if kind == "apertium":
        from .apertium import ApertiumTranslator

        translator = ApertiumTranslator(src_lang, tgt_lang, arg or None, **kwargs)
    elif kind == "hf" and arg:
        from .hf import HFTranslator

        translator = HFTranslator(arg, src_lang, tgt_lang, batch_size=batch_size, **kwargs)
    elif kind == "ct2" and arg:
        from .ct2 import CT2Translator

        if cache_dir is not None:  # converted models live next to the translations
            kwargs.setdefault("ct2_dir", Path(cache_dir).expanduser() / "ct2")
        translator = CT2Translator(arg, src_lang, tgt_lang, batch_size=batch_size, **kwargs)
    elif kind == "file" and arg:
        from .file import FileTranslator

        path, source = _split_file_arg(arg)
        translator = FileTranslator(path, src_lang, tgt_lang, source, **kwargs)
    else:  # parse_translator_spec let through a kind this function doesn't build
        raise TranslatorSpecError(spec)
    if cache and getattr(translator, "cacheable", True):
        from .cache import CachedTranslator

        translator = CachedTranslator(translator, cache_dir, progress=progress)
    return translator


def parse_translator_spec(spec: str) -> tuple[str, str]:
    """Check a translator spec without building anything: ``(kind, argument)``.

    Lets a component or command refuse a mistyped spec at once, before any model is
    loaded or any text translated.
    RAISES (TranslatorSpecError): The spec is not one of :data:`SPEC_FORMS`.
    """
    kind, _, arg = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "apertium" or (kind in ("hf", "ct2", "file") and arg.strip()):
        return kind, arg
    raise TranslatorSpecError(spec)


def resolve_translator(
    value: str | Translator, src_lang: str, tgt_lang: str, cache_dir: str | Path | None = None
) -> Translator:
    """A translator from a config value: a spec (built here) or a translator (as it is)."""
    if isinstance(value, str):
        return build_translator(value, src_lang, tgt_lang, cache_dir=cache_dir)
    return value


def _split_file_arg(arg: str) -> tuple[str, str | None]:
    # "PATH:SOURCE", unless the colon is part of an existing path (or a drive letter).
    if Path(arg).exists() or ":" not in arg:
        return arg, None
    path, _, source = arg.rpartition(":")
    if not path or len(path) == 1:
        return arg, None
    return path, source
