"""What the person decided about a name, carried to its repeats in the unreviewed sentences.

News text repeats its names (``EFE``, ``Madrid``, ``Gobierno``), and the teachers are
wrong about the same names again and again. A reviewed sentence settles a name: its
words and its label. :func:`reviewed_names` collects the names the review settled
without doubt, and :func:`propagate` applies them to a pseudo-labelled Doc that nobody
reviewed:

* an accepted span whose words are a settled name gets the person's label (the teachers
  agreed on it, with another label);
* a settled name that is exactly a run of words the teachers left missing (they
  disagreed there; the words on either side are annotated) becomes an entity. Part of a
  longer missing run is left alone: ``Ayuntamiento`` settled as ORG must not cut
  ``Ayuntamiento de Madrid`` where the teachers disagreed on the whole.

A name is settled when every reviewed occurrence of its words is that entity with one
label: a word sequence that a person also left outside every entity (``Real`` as a word,
not a name), or labelled two ways, is not carried. Words the teachers agreed were O stay
O: the review saw other sentences, not this context. Only the training part of the
review should be collected, so that the held-out development sentences teach nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc

Words = tuple[str, ...]
# The rule's version: a result made with another one is stale (benchmarks key on it).
VERSION = 2


@dataclass
class ReviewedNames:
    """The names the review settled: their words and their one label."""

    labels: dict[Words, str] = field(default_factory=dict)
    ambiguous: int = 0  # word sequences reviewed as an entity and otherwise too


@dataclass
class PropagationStats:
    """What :func:`propagate` changed, summed over the Docs it was given."""

    names: int = 0
    relabelled: int = 0
    filled: int = 0

    def message(self) -> str:
        return (
            f"{self.names} names settled by the review carried to the unreviewed sentences: "
            f"{self.relabelled} pseudo-labelled spans relabelled, {self.filled} spans added "
            "where the teachers disagreed"
        )


def reviewed_names(
    reviewed: Iterable[tuple[Sequence[str], Sequence[tuple[int, int, str]], Sequence[bool]]],
) -> ReviewedNames:
    """The names settled by reviewed sentences.

    reviewed: Per reviewed sentence its words, its gold spans and, per word, whether the
        person decided it (False where a partly reviewed sentence left it missing).
    """
    labels: dict[Words, set[str]] = {}
    sentences = []
    for words, spans, decided in reviewed:
        for start, end, label in spans:
            labels.setdefault(tuple(words[start:end]), set()).add(label)
        sentences.append((tuple(words), spans, decided))
    # A decided occurrence that is not exactly an entity of the review (O, or across an
    # entity's edge) makes the words ambiguous; one inside a longer entity does not
    # (``Madrid`` in ``Real Madrid``).
    doubtful: set[Words] = {name for name, found in labels.items() if len(found) > 1}
    longest = max(map(len, labels), default=0)
    for words, spans, decided in sentences:
        exact = {(s, e) for s, e, _ in spans}
        inside = [(s, e) for s, e, _ in spans]
        for start in range(len(words)):
            for end in range(start + 1, min(start + longest, len(words)) + 1):
                name = words[start:end]
                if name not in labels or (start, end) in exact:
                    continue
                if not all(decided[start:end]):
                    continue
                if any(s <= start and end <= e for s, e in inside):
                    continue
                doubtful.add(name)
    settled = {name: next(iter(found)) for name, found in labels.items() if name not in doubtful}
    return ReviewedNames(settled, len(doubtful))


def propagate(doc: Doc, names: ReviewedNames, stats: PropagationStats) -> None:
    """Relabel ``doc``'s entities and fill its missing words with the settled names, in
    place (see the module docstring)."""
    from spacy.tokens import Span

    if not names.labels:
        return
    words = [t.text for t in doc]
    changed: list[Span] = []
    for ent in doc.ents:
        label = names.labels.get(tuple(words[ent.start : ent.end]))
        if label is not None and label != ent.label_:
            changed.append(Span(doc, ent.start, ent.end, label=label))
            stats.relabelled += 1
    for start, end in _missing_runs([t.ent_iob == 0 for t in doc]):
        label = names.labels.get(tuple(words[start:end]))
        if label is not None:
            changed.append(Span(doc, start, end, label=label))
            stats.filled += 1
    if changed:
        # Only the changed spans are set; every other word keeps its entity, O or
        # missing state.
        doc.set_ents(changed, default="unmodified")


def _missing_runs(missing: list[bool]) -> list[tuple[int, int]]:
    """The maximal ``[start, end)`` runs of missing words."""
    runs, start = [], None
    for i, gap in enumerate([*missing, False]):
        if gap and start is None:
            start = i
        elif not gap and start is not None:
            runs.append((start, i))
            start = None
    return runs
