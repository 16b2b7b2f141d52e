"""The translator interface: a batch of sentences in, translations out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Translator(Protocol):
    """Translates plain-text sentences from ``src_lang`` to ``tgt_lang``.

    ``name`` identifies backend, model and direction; caches key on
    ``translate.identity.translator_identity``: the name plus the optional ``fingerprint(memo)``.
    """

    name: str
    src_lang: str
    tgt_lang: str

    def translate(self, texts: Sequence[str]) -> list[str]:
        """Translate every text; the result has one string per input, in order."""
        ...


def translate_nonempty(
    texts: Sequence[str], translate: Callable[[list[str]], list[str]]
) -> list[str]:
    """Translate the texts that hold more than whitespace; the others stay ``""``.

    The one place where "empty input stays empty" is decided, for every backend: a
    model given an empty string invents a sentence, and Apertium's blank-line
    separated batches would lose their alignment.

    texts (Sequence[str]): The texts to translate.
    translate (Callable[[list[str]], list[str]]): Translates a list of non-empty texts.
    RETURNS (list[str]): One translation per text, in order.
    """
    out = [""] * len(texts)
    todo = [i for i, text in enumerate(texts) if text.strip()]
    if todo:
        done = translate([texts[i] for i in todo])
        if len(done) != len(todo):
            raise ValueError(
                f"The backend returned {len(done)} translations for {len(todo)} texts."
            )
        for i, translation in zip(todo, done, strict=True):
            out[i] = translation
    return out
