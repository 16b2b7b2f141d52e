"""Back-translation refinement for translate-test.

In translate-test a target sentence is translated into the source language and
tagged there; the entities must then come back onto the original target words, which
takes a cross-lingual alignment. Refinement replaces most of that hard alignment by an
easy one: the tagged translation is translated back into the target language *with
the entities marked*, and the original sentence is aligned to that back-translation
with a same-language lexical aligner. Entities whose markers were lost keep the
position found by the cross-lingual alignment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..align.base import Aligner
from ..align.lexical import LexicalAligner
from ..project.base import Projector
from ..project.markers import (
    DEFAULT_MARKERS,
    MarkedTranslation,
    Markers,
    mark,
    read_translation,
)
from ..tokenize import Tokenizer
from ..translate.base import Translator
from ..types import Dropped, DropReason, ProjectedSpan, Projection, Sentence


@dataclass(slots=True)
class RefineStats:
    """How many entities the back-translation placed, and how many kept the alignment's place."""

    sentences: Counter = field(default_factory=Counter)
    refined: int = 0
    from_alignment: int = 0
    dropped: int = 0

    def to_dict(self) -> dict:
        return {
            "sentences": dict(sorted(self.sentences.items())),
            "entities_refined": self.refined,
            "entities_from_alignment": self.from_alignment,
            "entities_dropped": self.dropped,
        }


class BacktranslationRefiner:
    """Places tagged entities on the original target words through a marked back-translation.

    back_translator (Translator): Source language -> target language.
    tokenizer (Tokenizer): Target-language tokenizer for the back-translation.
    projector (Projector): Projects back-translation spans onto the original words.
    aligner (Aligner): Same-language aligner; ``LexicalAligner()`` by default.
    """

    def __init__(
        self,
        back_translator: Translator,
        tokenizer: Tokenizer,
        projector: Projector,
        aligner: Aligner | None = None,
        *,
        markers: Markers = DEFAULT_MARKERS,
        min_similarity: float = 0.5,
    ) -> None:
        self.back_translator = back_translator
        self.tokenizer = tokenizer
        self.projector = projector
        self.aligner = aligner if aligner is not None else LexicalAligner()
        self.markers = markers
        self.min_similarity = min_similarity
        self.stats = RefineStats()

    def refine(
        self,
        tagged: Sequence[Sentence],
        originals: Sequence[Sequence[str]],
        baseline: Sequence[Projection],
    ) -> list[Projection]:
        """Return refined projections of the ``tagged`` translations onto ``originals``.

        ``baseline`` holds the cross-lingual projections of the same entities; they are
        kept for entities that the back-translation could not place.
        """
        todo = [k for k, s in enumerate(tagged) if s.spans]
        texts = [mark(tagged[k].words, tagged[k].spans, self.markers) for k in todo]
        back = self.back_translator.translate(texts) if texts else []
        marked: dict[int, MarkedTranslation] = {}
        for k, text in zip(todo, back, strict=True):
            marked[k] = read_translation(
                tagged[k].words,
                tagged[k].spans,
                text,
                self.tokenizer,
                markers=self.markers,
                min_similarity=self.min_similarity,
            )
        with_spans = [k for k in todo if marked[k].spans]
        links = self.aligner.align([(marked[k].words, originals[k]) for k in with_spans])
        links_of = dict(zip(with_spans, links, strict=True))
        results: list[Projection] = []
        for k, sentence in enumerate(tagged):
            if k not in marked:
                results.append(baseline[k])
                continue
            self.stats.sentences[marked[k].status] += 1
            refined = self._project(marked[k], originals[k], links_of.get(k, []))
            results.append(
                self._merge(refined, baseline[k], len(sentence.spans), len(originals[k]))
            )
        return results

    def _project(
        self, marked: MarkedTranslation, original: Sequence[str], links: Sequence
    ) -> list[ProjectedSpan]:
        if not marked.spans:
            return []
        spans = [s.to_span() for s in marked.spans]
        projection = self.projector.project(marked.words, spans, original, links)
        # Source indices of this projection point into marked.spans: map them to the tagged ones.
        return [
            ProjectedSpan(s.start, s.end, s.label, marked.spans[s.source].source, s.score)
            for s in projection.spans
        ]

    def _merge(
        self, refined: list[ProjectedSpan], baseline: Projection, n_sources: int, n_words: int
    ) -> Projection:
        taken = [False] * n_words
        spans: list[ProjectedSpan] = []
        for s in refined:
            if not any(taken[s.start : s.end]):
                spans.append(s)
                for k in range(s.start, s.end):
                    taken[k] = True
        self.stats.refined += len(spans)
        placed = {s.source for s in spans}
        for s in baseline.spans:
            if s.source in placed or any(taken[s.start : s.end]):
                continue
            spans.append(s)
            placed.add(s.source)
            self.stats.from_alignment += 1
            for k in range(s.start, s.end):
                taken[k] = True
        reasons = {d.source: d.reason for d in baseline.dropped}
        dropped = [
            Dropped(i, reasons.get(i, DropReason.MARKERS_LOST))
            for i in range(n_sources)
            if i not in placed
        ]
        self.stats.dropped += len(dropped)
        return Projection(sorted(spans), dropped)


__all__ = ["BacktranslationRefiner", "RefineStats"]
