"""The two transfer pipelines, from sentences to projected sentences.

``translate_train``: labelled source sentences -> translated, aligned, projected
target sentences (training data for a target-language model); ``project_sentences``
is its step on one batch, with a ``ProjectedSentence`` (scores, dropped entities) per
sentence. ``translate_test``: target sentences -> translated to the source language,
tagged there by a source model, entities projected back onto the original words.

The modules are imported on first access, so that the spaCy components can use
``transfer.train`` without importing translate-test's backends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .test import translate_test
    from .train import ProjectedSentence, project_sentences, translate_train

_EXPORTS = {
    "ProjectedSentence": ".train",
    "project_sentences": ".train",
    "translate_test": ".test",
    "translate_train": ".train",
}

__all__ = ["ProjectedSentence", "project_sentences", "translate_test", "translate_train"]


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
