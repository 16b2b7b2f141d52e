"""Link refinement and edge trimming shared by the alignment-based projectors.

Plain Python on word lists and ``(source, target)`` links, no spaCy. ``LinkRefiner``
holds the per-sentence look-ups (built lazily, because most sentences never need
them) and offers two operations:

* ``refine_links``: the links of one source entity, with links to target punctuation
  dropped and capitalised words, numbers and codes re-linked to where they occur
  verbatim, or as a clear cognate, in the target;
* ``trim``: a chosen target span without the punctuation and the short lower-case
  words (articles, prepositions) that the aligner attached to a name's edges.

``HeuristicProjector(refine=True)`` and ``MatchingProjector(refine=True)`` use both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from functools import lru_cache

from ..types import Link

# Characters that make a word "punctuation" when the whole word is made of them.
PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡¿«»“”‘’„‚…–—·")

# Lower-case words this short at a name's edge are taken for articles / prepositions.
SHORT = 3

# Smallest ``SequenceMatcher`` ratio for two capitalised words to count as cognates.
COGNATE_RATIO = 0.8


def is_punct(word: str) -> bool:
    """Whether ``word`` is non-empty and made only of punctuation characters."""
    return bool(word) and all(c in PUNCT for c in word)


def is_cap(word: str) -> bool:
    """Whether ``word`` starts with an upper-case letter."""
    return word[:1].isupper()


class LinkRefiner:
    """Refine the links of source entities and trim projected spans, for one sentence pair.

    * Links from an entity to target punctuation are ignored (punctuation is never
      part of a projected name's core; García-Ferrero et al. 2022 do the same),
      unless the entity word is punctuation itself.
    * String anchoring: a capitalised entity word (or a number, a code: anything of
      two or more characters that is not all lower case) that occurs verbatim in the
      target, or failing that as a capitalised near-identical word (a cognate such as
      "Parliament" ~ "Parlamento", similarity >= 0.8), is linked to that occurrence
      instead of wherever the aligner put it. When a word has several such
      occurrences, the k-th source occurrence takes the k-th target one if the
      counts agree, else the aligner's links among them are kept (all of its links
      when none agrees).
    * Edge trimming: a span never starts or ends on punctuation (unless the entity
      does, as in "( CEN )"), and where the source entity starts (ends) with a
      capitalised word, a short (<= 3 characters) lower-case target word at the start
      (end) is trimmed as long as a capitalised word remains: an article or
      preposition that the aligner attached to the name ("los", "del"). Longer
      lower-case words stay ("Estados miembros"). Scripts without case are unaffected.

    src_words (Sequence[str]): The source words.
    tgt_words (Sequence[str]): The target words.
    """

    def __init__(self, src_words: Sequence[str], tgt_words: Sequence[str]) -> None:
        self.src_words = src_words
        self.tgt_words = tgt_words
        self._tgt_index: dict[str, list[int]] | None = None
        self._tgt_caps: list[int] | None = None

    def _index(self) -> dict[str, list[int]]:
        if self._tgt_index is None:
            index: dict[str, list[int]] = {}
            for t, w in enumerate(self.tgt_words):
                index.setdefault(w, []).append(t)
            self._tgt_index = index
        return self._tgt_index

    def anchors(self, s: int) -> list[int]:
        """Target positions that spell source word ``s`` (verbatim, else as a cognate)."""
        word = self.src_words[s]
        if len(word) < 2 or word.islower() or is_punct(word):
            return []
        index = self._index()
        hits = index.get(word)
        if hits:
            return hits
        if len(word) < 4 or not is_cap(word):
            return []
        low = word.lower()
        tgt_words = self.tgt_words
        if self._tgt_caps is None:
            self._tgt_caps = [t for t, w in enumerate(tgt_words) if w[:1].isupper()]
        found = []
        for t in self._tgt_caps:
            cand = tgt_words[t].lower()
            if cand[0] != low[0] or abs(len(cand) - len(low)) > len(low) // 2:
                continue
            if _cognates(low, cand):
                found.append(t)
        return found

    def refine_links(self, start: int, end: int, links: Iterable[Link]) -> list[Link]:
        """The refined links of the source entity ``[start, end)``.

        start (int): The entity's first source word.
        end (int): One past the entity's last source word.
        links (Iterable[Link]): ``(source, target)`` links; those outside the entity are
            ignored.
        RETURNS (list[Link]): The entity's links after refinement, by source word, in
            the order given within one source word.
        """
        tgt_words = self.tgt_words
        src_words = self.src_words
        by_src: dict[int, list[Link]] = {}
        for p in links:
            if start <= p[0] < end:
                by_src.setdefault(p[0], []).append(p)
        out: list[Link] = []
        for s in range(start, end):
            own = by_src.get(s, [])
            if not is_punct(src_words[s]):
                own = [p for p in own if not is_punct(tgt_words[p[1]])]
            hits = self.anchors(s)
            if len(hits) == 1:
                own = [(s, hits[0])]
            elif hits:
                word = src_words[s]
                occurrences = [i for i, w in enumerate(src_words) if w == word]
                if len(occurrences) == len(hits):
                    own = [(s, hits[occurrences.index(s)])]
                else:
                    agreed = [p for p in own if p[1] in hits]
                    own = agreed or own
            out.extend(own)
        return out

    def trim(self, start: int, end: int, span: tuple[int, int]) -> tuple[int, int] | None:
        """Trim the target ``span`` projected from the source entity ``[start, end)``.

        RETURNS (tuple[int, int] | None): The trimmed ``(start, end)``, None if nothing
            is left.
        """
        tgt_words = self.tgt_words
        src_words = self.src_words
        # Punctuation that the entity itself has at an edge may stay there: "( CEN )".
        punct_first = not is_punct(src_words[start])
        punct_last = not is_punct(src_words[end - 1])
        r0, r1 = span
        caps = [t for t in range(r0, r1) if is_cap(tgt_words[t])]
        lo = caps[0] if caps and is_cap(src_words[start]) else r0
        hi = caps[-1] if caps and is_cap(src_words[end - 1]) else r1 - 1
        while r0 < r1 and (
            (punct_first and is_punct(tgt_words[r0])) or (r0 < lo and _weak(tgt_words[r0]))
        ):
            r0 += 1
        while r1 > r0 and (
            (punct_last and is_punct(tgt_words[r1 - 1]))
            or (r1 - 1 > hi and _weak(tgt_words[r1 - 1]))
        ):
            r1 -= 1
        return (r0, r1) if r1 > r0 else None


@lru_cache(maxsize=262144)
def _cognates(a: str, b: str) -> bool:
    # SequenceMatcher is the slow part of refinement; names recur across sentences.
    return SequenceMatcher(None, a, b).ratio() >= COGNATE_RATIO


def _weak(word: str) -> bool:
    # Short lower-case words are the articles and prepositions ("los", "del"); longer
    # ones are often part of the name ("Estados miembros").
    return len(word) <= SHORT and word[:1].islower()
