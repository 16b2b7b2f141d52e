"""The two transfer pipelines, from sentences to projected sentences.

``translate_train``: labelled source sentences -> translated, aligned, projected
target sentences (training data for a target-language model; ``iter_translate_train``
streams them); ``project_sentences`` is its step on one batch, with a
``ProjectedSentence`` (scores, dropped entities) per sentence. ``translate_test``:
target sentences -> translated to the source language, tagged there by a source
model, entities projected back onto the original words. ``run_chunks`` is the
chunked, resumable runner under ``translate_train`` and the ``ProjectedCorpus.v1``
reader.

The modules are imported on first access, so that the spaCy components can use
``transfer.train`` without importing translate-test's backends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .chunks import WorkDirError, run_chunks
    from .tagging import translate_test
    from .train import ProjectedSentence, iter_translate_train, project_sentences, translate_train

_EXPORTS = {
    "ProjectedSentence": ".train",
    "WorkDirError": ".chunks",
    "iter_translate_train": ".train",
    "run_chunks": ".chunks",
    "project_sentences": ".train",
    "translate_test": ".tagging",
    "translate_train": ".train",
}

__all__ = [
    "ProjectedSentence",
    "WorkDirError",
    "iter_translate_train",
    "project_sentences",
    "run_chunks",
    "translate_test",
    "translate_train",
]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
