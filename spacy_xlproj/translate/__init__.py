"""Translators: Hugging Face seq2seq (transformers or CTranslate2), Apertium, existing
translations; cache.

Each backend's module is imported on first access of one of its names (``from
spacy_xlproj.translate import ApertiumTranslator``), so importing the package costs
nothing. The registered functions (``spacy_xlproj.ApertiumTranslator.v1`` …) reach
``registry.translators`` through entry points; torch and transformers are only
imported when a neural translator or scorer is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .apertium import ApertiumTranslator
    from .base import Translator
    from .build import SPEC_FORMS, TranslatorSpecError, build_translator
    from .cache import CachedTranslator, TranslationCache, default_cache_dir
    from .ct2 import CT2Translator, default_ct2_dir
    from .file import FileTranslator
    from .hf import HFTranslator, ModelLoadError, split_to_fit
    from .langcodes import UnknownLanguageError
    from .nmt_score import NMTScorer

# Exported name -> the module that defines it.
_EXPORTS = {
    "SPEC_FORMS": ".build",
    "ApertiumTranslator": ".apertium",
    "CT2Translator": ".ct2",
    "CachedTranslator": ".cache",
    "FileTranslator": ".file",
    "HFTranslator": ".hf",
    "ModelLoadError": ".hf",
    "NMTScorer": ".nmt_score",
    "TranslationCache": ".cache",
    "Translator": ".base",
    "TranslatorSpecError": ".build",
    "UnknownLanguageError": ".langcodes",
    "build_translator": ".build",
    "default_cache_dir": ".cache",
    "default_ct2_dir": ".ct2",
    "split_to_fit": ".hf",
}

__all__ = [
    "SPEC_FORMS",
    "ApertiumTranslator",
    "CT2Translator",
    "CachedTranslator",
    "FileTranslator",
    "HFTranslator",
    "ModelLoadError",
    "NMTScorer",
    "TranslationCache",
    "Translator",
    "TranslatorSpecError",
    "UnknownLanguageError",
    "build_translator",
    "default_cache_dir",
    "default_ct2_dir",
    "split_to_fit",
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
