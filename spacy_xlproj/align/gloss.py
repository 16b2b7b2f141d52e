"""A deterministic cross-lingual aligner: word glosses from a translator, matched by spelling.

eflomal learns its model from the pairs it aligns, so a batch of one or a few sentences
gives it nothing to learn from: on single Europarl-NER pairs its links project entities
at 0.53 F1 and change from run to run (``docs/benchmarks/aligners.md``). The components
already hold a translator between the two languages, and a rule-based one (Apertium)
translates a word alone as it translates it in a sentence. So each word of one side is
*glossed* (translated alone, one call for all the batch's words) and the pair is then
aligned like two sentences of one language: ``LexicalAligner``'s string similarity
(exact, case, accents, shared stem, edit ratio) between a word and the other side's
words or their glosses, and its best monotone path plus clearly similar moved words.
Names, numbers and codes, which translation copies, match themselves. No sampling, no
training: the same pair always gets the same links, whatever the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from ..types import Link
from .base import WordPair
from .lexical import LexicalAligner, one_to_one, word_similarity
from .split import split_pair

if TYPE_CHECKING:
    from ..translate.base import Translator

GlossSide = Literal["source", "target"]
GLOSS_SIDES = ("source", "target")

# Longest piece (words per side) aligned as a whole; longer pairs are cut.
MAX_PIECE = 256

# Glosses kept between calls; a component sees the same words again and again.
_MAX_CACHED = 200_000


@lru_cache(maxsize=500_000)
def _similarity(a: str, b: str) -> float:
    # Sentences share most words with the batch's other sentences (and the next batch's).
    return word_similarity(a, b)


class GlossAligner(LexicalAligner):
    """Align words by spelling, after glossing one side's words with a translator.

    translator (Translator | None): Translates from the language of the ``side`` that is
        glossed into the language of the other side (a component's own translator).
        ``None``: no glosses, only the words themselves are compared (as
        ``LexicalAligner`` does, which still links names, numbers and cognates).
    side (str): ``"target"`` (translate-test: the doc words, which the translator
        translated) or ``"source"`` (translate-train: the source doc words).
    distortion, min_similarity, reorder, min_moved_similarity: See ``LexicalAligner``.
    """

    trains_on_input = False

    def __init__(
        self,
        translator: Translator | None = None,
        side: GlossSide = "target",
        *,
        distortion: float = 0.3,
        min_similarity: float = 0.5,
        reorder: bool = True,
        min_moved_similarity: float = 0.7,
    ) -> None:
        if side not in GLOSS_SIDES:
            raise ValueError(f"side must be 'source' or 'target', got {side!r}")
        super().__init__(
            distortion=distortion,
            min_similarity=min_similarity,
            reorder=reorder,
            min_moved_similarity=min_moved_similarity,
        )
        self.translator = translator
        self.side = side
        self._glosses: dict[str, tuple[str, ...]] = {}

    @property
    def name(self) -> str:  # type: ignore[override]
        """``gloss:<translator>`` (``lexical`` when it has no translator to gloss with)."""
        if self.translator is None:
            return "lexical"
        return f"gloss:{getattr(self.translator, 'name', type(self.translator).__name__)}"

    def align(self, pairs: Sequence[WordPair]) -> list[list[Link]]:
        """Gloss the batch's new words in one translator call, then align each pair."""
        if self.translator is not None:
            k = 0 if self.side == "source" else 1
            self._learn([w for pair in pairs for w in pair[k]])
        out = []
        for src, tgt in pairs:
            links: list[Link] = []
            # The similarity table costs n * m: long pairs are cut at sentence ends.
            for s0, s1, t0, t1 in split_pair(src, tgt, MAX_PIECE):
                piece = self.align_pair(src[s0:s1], tgt[t0:t1])
                links.extend((i + s0, j + t0) for i, j in piece)
            out.append(sorted(links))
        return out

    def align_pair(self, src: Sequence[str], tgt: Sequence[str]) -> list[Link]:
        """Links of one pair, sorted; only glosses already learnt are used."""
        n, m = len(src), len(tgt)
        if not n or not m:
            return []
        # The words of each side, with the glosses of the glossed side.
        src_forms = [self._forms(w) if self.side == "source" else (w,) for w in src]
        tgt_forms = [self._forms(w) if self.side == "target" else (w,) for w in tgt]
        sim = [
            [max(_similarity(a, b) for a in fa for b in fb) for fb in tgt_forms] for fa in src_forms
        ]
        weight = [[0.0] * m for _ in range(n)]
        for i in range(n):
            for j in range(m):
                s = sim[i][j]
                if s >= self.min_similarity:
                    weight[i][j] = max(s - self.distortion * abs(i / n - j / m), 1e-6)
        links = self._monotone(weight, n, m)
        if self.reorder:
            links |= self._moved_by(sim, src, links, n, m)
        return sorted(links)

    def _moved_by(
        self, sim: list[list[float]], src: Sequence[str], links: set[Link], n: int, m: int
    ) -> set[Link]:
        # As LexicalAligner._moved, over the similarities that include the glosses.
        linked_src = {i for i, _ in links}
        linked_tgt = {j for _, j in links}
        # Ties go to the pair nearest the diagonal, in relative positions (the sides'
        # lengths differ, so absolute distance would favour the wrong repeated word).
        scored = [
            (-sim[i][j], abs(i / n - j / m), i, j)
            for i in range(n)
            if i not in linked_src and any(c.isalnum() for c in src[i])
            for j in range(m)
            if j not in linked_tgt and sim[i][j] >= self.min_moved_similarity
        ]
        return one_to_one(scored)

    def _forms(self, word: str) -> tuple[str, ...]:
        return (word, *self._glosses.get(word, ()))

    def _learn(self, words: Sequence[str]) -> None:
        """Gloss the words not glossed yet (words with no letter gloss to themselves)."""
        new = sorted({w for w in words if w not in self._glosses and any(c.isalpha() for c in w)})
        if not new:
            return
        if len(self._glosses) + len(new) > _MAX_CACHED:
            self._glosses.clear()
        assert self.translator is not None
        out = self.translator.translate(new)
        if len(out) != len(new):
            raise RuntimeError(
                f"{getattr(self.translator, 'name', 'the translator')} returned {len(out)} "
                f"glosses for {len(new)} words."
            )
        for word, gloss in zip(new, out, strict=True):
            self._glosses[word] = _gloss_words(word, gloss)

    def __repr__(self) -> str:
        return f"GlossAligner(translator={self.name!r}, side={self.side!r})"


def _gloss_words(word: str, gloss: str) -> tuple[str, ...]:
    """The words of a gloss, cased like ``word``, without the word itself."""
    # A translator capitalises a line's first letter (Apertium: "tiempo" -> "Time"):
    # a lower-case word gets lower-case glosses, so that case does not cost similarity.
    lower = word[:1].islower()
    forms = []
    for part in gloss.split():
        part = part.strip(".,;:!?¡¿\"'()[]«»“”‘’")
        if part:
            forms.append(part.lower() if lower else part)
    return tuple(dict.fromkeys(f for f in forms if f != word))
