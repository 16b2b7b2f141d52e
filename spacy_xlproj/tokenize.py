"""Words of translated text: spaCy's rule-based tokenizers, cached per language.

Translators return plain strings; projection needs word lists. ``Tokenizer`` turns
a string into words with ``spacy.blank(lang).tokenizer`` (``xx`` for languages
spaCy lacks) or by whitespace. Marked translations (the markers method) are
tokenised by ``project.markers.tokenize_marked``, which uses a ``Tokenizer``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Literal

from .errors import UsageError

TokenizerMode = Literal["spacy", "whitespace"]


@lru_cache(maxsize=32)
def _spacy_tokenizer(lang: str):
    import spacy

    from .io.docbin import spacy_lang

    # spaCy has no class for some languages: the multi-language rules work anywhere.
    return spacy.blank(spacy_lang(lang)).tokenizer


class Tokenizer:
    """Splits target-language text into words.

    lang (str): Language code for ``spacy.blank`` (``xx`` when spaCy lacks the language).
    mode (str): ``spacy`` (rule-based, splits punctuation) or ``whitespace``.
    """

    def __init__(self, lang: str = "xx", mode: TokenizerMode = "spacy") -> None:
        if mode not in ("spacy", "whitespace"):
            raise UsageError(f"Unknown tokenizer mode {mode!r}: use 'spacy' or 'whitespace'.")
        self.lang = lang
        self.mode = mode

    def __call__(self, text: str) -> list[str]:
        if self.mode == "whitespace":
            return text.split()
        return [t.text for t in _spacy_tokenizer(self.lang)(text) if not t.is_space]

    def pipe(self, texts: Iterable[str]) -> list[list[str]]:
        """Tokenise many texts."""
        return [self(text) for text in texts]

    def __repr__(self) -> str:
        return f"Tokenizer(lang={self.lang!r}, mode={self.mode!r})"


def detokenize(words: Sequence[str]) -> str:
    """Join words with single spaces: the text a translator receives."""
    return " ".join(words)
