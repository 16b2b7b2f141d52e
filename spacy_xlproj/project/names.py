"""Name expansion: grow projected spans to the whole capitalised name around them.

Datasets disagree on how much of a name an entity covers. WikiANN labels whole
Wikipedia titles (``Provincia de Tierra del Fuego``, ``Universidad Pedagógica Nacional
de Colombia``) where a CoNLL-trained tagger, seeing the translation, marks ``Tierra del
Fuego`` or ``Colombia``; and a projected name often loses a word that the alignment
missed. In languages that capitalise proper nouns only, the capitalised words around a
projected span, joined by lowercase name particles (``de``, ``del``, ``von``…), are the
rest of the same name. ``NameExpander`` grows each span to that run; spans that the
growth joins become one entity, labelled by the leftmost, and the others are reported as
dropped with reason ``merged``, so that nothing disappears from the statistics.

It changes annotation conventions, so it is an option (``--expand-names``): measure it
on development data of the target dataset before relying on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..registry import projectors
from ..types import Dropped, DropReason, Link, ProjectedSpan, Projection, Span
from .base import Projector

# Lowercase words that may stand inside a name, per language. Conjunctions are left out
# on purpose: "Malasia y Tailandia" are two names, and that is the commoner case.
NAME_PARTICLES: dict[str, frozenset[str]] = {
    "ca": frozenset({"de", "del", "dels", "la", "les", "els", "el", "d'", "l'"}),
    "de": frozenset({"von", "vom", "zu", "zum", "zur", "der", "den", "des"}),
    "en": frozenset({"of", "the", "'s"}),
    "eo": frozenset({"de", "la"}),
    "es": frozenset({"de", "del", "la", "las", "los", "el"}),
    "fr": frozenset({"de", "du", "des", "la", "le", "les", "d'", "l'"}),
    "gl": frozenset({"de", "da", "do", "das", "dos", "a", "o"}),
    "it": frozenset({"di", "del", "della", "dei", "degli", "delle", "da"}),
    "nl": frozenset({"van", "der", "den", "de", "ter"}),
    "pt": frozenset({"de", "da", "do", "das", "dos"}),
}
# Particles of foreign names that turn up in any language (Ludwig van Beethoven,
# Brunswick-Lüneburg's "von", Sgt. Pepper 's): added to every language's own list.
INTERNATIONAL_PARTICLES = frozenset(
    {"de", "del", "da", "do", "dos", "di", "du", "des", "von", "van", "der", "le", "la"}
    | {"'s", "of", "the"}
)


def name_particles(lang: str | None) -> frozenset[str]:
    """The particles for ``lang`` (ISO 639-1 code; unknown or None: international only)."""
    own = NAME_PARTICLES.get((lang or "").lower()[:2], frozenset())
    return own | INTERNATIONAL_PARTICLES


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


class NameExpander:
    """Grows spans to the capitalised names they are part of.

    lang (str | None): Target language, for its name particles (``name_particles``).
    particles (Iterable[str] | None): Lowercase words allowed inside a name between two
        capitalised words; overrides ``lang``'s list.
    """

    def __init__(self, lang: str | None = None, particles: Iterable[str] | None = None) -> None:
        self.lang = lang
        self.particles = (
            frozenset(p.lower() for p in particles)
            if particles is not None
            else name_particles(lang)
        )

    def bounds(self, words: Sequence[str], start: int, end: int) -> tuple[int, int]:
        """The widest ``[start, end)`` around the given range that stays inside one name."""
        n = len(words)
        while True:
            if start > 0 and _capitalised(words[start - 1]):
                start -= 1
                continue
            k = start - 1
            while k >= 0 and words[k].lower() in self.particles:
                k -= 1
            if k < start - 1 and k >= 0 and _capitalised(words[k]):
                start = k
                continue
            break
        while True:
            if end < n and _capitalised(words[end]):
                end += 1
                continue
            k = end
            while k < n and words[k].lower() in self.particles:
                k += 1
            if k > end and k < n and _capitalised(words[k]):
                end = k + 1
                continue
            break
        return start, end

    def expand_spans(self, words: Sequence[str], spans: Sequence[Span]) -> list[Span]:
        """Expanded, merged copies of plain spans (no statistics)."""
        projected = [ProjectedSpan(s.start, s.end, s.label, i) for i, s in enumerate(spans)]
        return self.expand(words, Projection(projected)).target_spans()

    def expand(self, words: Sequence[str], projection: Projection) -> Projection:
        """Expand every projected span; spans joined into one name are merged.

        The merged span keeps the leftmost span's label, source entity and score; each
        other entity whose span it swallowed is added to ``dropped`` with reason
        ``merged``, unless that entity also has a span elsewhere.
        """
        kept: list[ProjectedSpan] = []
        swallowed: list[ProjectedSpan] = []
        for span in sorted(projection.spans):
            start, end = self.bounds(words, span.start, span.end)
            if kept and start < kept[-1].end:
                last = kept[-1]
                kept[-1] = ProjectedSpan(
                    last.start, max(last.end, end), last.label, last.source, last.score
                )
                swallowed.append(span)
                continue
            kept.append(ProjectedSpan(start, end, span.label, span.source, span.score))
        dropped = list(projection.dropped)
        has_span = {s.source for s in kept}
        merged_sources = sorted({s.source for s in swallowed} - has_span)
        dropped.extend(Dropped(source, DropReason.MERGED) for source in merged_sources)
        return Projection(kept, dropped)


class NameExpandingProjector:
    """Any projector followed by a ``NameExpander`` on its target spans.

    projector (Projector): The projector whose spans are expanded.
    expander (NameExpander): The expansion rules.
    """

    def __init__(self, projector: Projector, expander: NameExpander) -> None:
        self.projector = projector
        self.expander = expander

    def project(
        self,
        src_words: Sequence[str],
        src_spans: Sequence[Span],
        tgt_words: Sequence[str],
        links: Sequence[Link],
    ) -> Projection:
        """Project with the wrapped projector, then expand the spans to whole names."""
        projection = self.projector.project(src_words, src_spans, tgt_words, links)
        return self.expander.expand(tgt_words, projection)

    def __repr__(self) -> str:
        return f"NameExpandingProjector({self.projector!r}, lang={self.expander.lang!r})"


@projectors("spacy_xlproj.NameExpandingProjector.v1")
def make_name_expanding_projector(
    projector: Projector, lang: str | None = None, particles: list[str] | None = None
) -> NameExpandingProjector:
    """Registered constructor: ``projector`` is a nested ``@xlproj_projectors`` block."""
    return NameExpandingProjector(projector, NameExpander(lang, particles))
