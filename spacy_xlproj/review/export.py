"""Reviewed sentences as gold training data: a DocBin for ``spacy train``.

An ``accept``-ed sentence is gold: its decided spans are the entities, every other word
is O. A ``partial`` one has its decided spans and the words decided as O; every other
word is missing (``token.ent_iob_ == ""``), which spaCy's NER leaves out of its loss:
an unreviewed word is never taught as O. Skipped, withdrawn (``undo``) and never seen
sentences are left out and counted, or, with ``keep_unreviewed``, written with the
labels they have in the data (the pseudo-labels, missing words kept): the data with
the reviewed sentences' labels replaced by the person's.

``dev_share`` holds a part of the reviewed sentences out as a development set (the
student chooses its best step on real target-language gold): which ones is decided by
their keys' hashes, so the split is the same on every export and a sentence stays on
its side as more are reviewed, as long as the share is the same.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError, UsageError

# As pseudo-label writes them: words and the entity annotation with its missing state.
from ..teach.pseudo_labels import DOCBIN_ATTRS
from .data import ReviewData, ReviewItem
from .store import Decision, ReviewStore

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.vocab import Vocab


@dataclass
class ExportStats:
    """What an export wrote and left out."""

    written: int = 0
    accepted: int = 0
    partial: int = 0
    dev: int = 0
    entities: int = 0
    words: int = 0
    missing_words: int = 0
    skipped: int = 0
    unreviewed: int = 0
    kept: int = 0

    def message(self, output: Path, dev: Path | None = None) -> str:
        reviewed = (
            f"{self.written} reviewed sentences ({self.accepted} whole, {self.partial} partly "
            f"reviewed; {self.entities} entities, {self.words} words, {self.missing_words} "
            "left missing" + (f"; {self.dev} of them to {dev}" if dev is not None else "") + ")"
        )
        if self.kept:
            return f"Wrote {reviewed} and {self.kept} others as they were to {output}."
        return (
            f"Wrote {reviewed} to {output}; left out {self.unreviewed} unreviewed and "
            f"{self.skipped} skipped sentences."
        )


def decision_doc(vocab: Vocab, item: ReviewItem, decision: Decision) -> Doc:
    """The gold Doc of a reviewed sentence (see the module docstring).

    RAISES (DataError): A stored span does not fit the sentence.
    """
    from spacy.tokens import Doc
    from spacy.tokens import Span as SpacySpan

    n = len(item.words)
    doc = Doc(vocab, words=list(item.words), spaces=[True] * (n - 1) + [False] if n else [])
    taken = [False] * n
    for start, end, _ in decision.spans:
        if not 0 <= start < end <= n or any(taken[start:end]):
            raise DataError(
                f"review database: sentence {item.index} (key {item.key}) has the span "
                f"{start}-{end}, which overlaps another or lies outside its {n} words."
            )
        taken[start:end] = [True] * (end - start)
    ents = [SpacySpan(doc, s, e, label=label) for s, e, label in sorted(decision.spans)]
    if decision.kind == "accept":
        doc.set_ents(ents, default="outside")
        return doc
    outside = [
        SpacySpan(doc, i, i + 1)
        for s, e in decision.outside
        for i in range(max(s, 0), min(e, n))
        if not taken[i]
    ]
    doc.set_ents(ents, outside=outside, default="missing")
    return doc


def dev_keys(keys: list[str], share: float) -> set[str]:
    """The keys held out for development: ``round(share × len(keys))`` of them, those
    whose hash is smallest (stable across exports)."""
    if not 0.0 <= share < 1.0:
        raise UsageError(f"--dev-share must be in [0, 1), got {share}.")
    ranked = sorted(keys, key=lambda k: hashlib.sha256(k.encode("ascii")).hexdigest())
    return set(ranked[: round(share * len(keys))])


def export_reviewed(
    data: ReviewData,
    store: ReviewStore,
    output: str | Path,
    *,
    lang: str = "xx",
    dev: str | Path | None = None,
    dev_share: float = 0.0,
    keep_unreviewed: bool = False,
) -> ExportStats:
    """Write the reviewed sentences of ``data`` as gold, atomically.

    output (str | Path): The ``.spacy`` file of the training part.
    dev (str | Path | None): Where the held-out part goes (needs ``dev_share`` > 0).
    dev_share (float): The share of reviewed sentences held out, in [0, 1).
    keep_unreviewed (bool): Write the other sentences too, labelled as in the data.
    RETURNS (ExportStats): The counts.
    """
    from spacy.tokens import DocBin

    from ..io.atomic import atomic_path
    from ..io.docbin import blank_vocab

    if (dev is None) != (dev_share == 0.0):
        raise UsageError("--dev and --dev-share go together: give both or neither.")
    latest = store.latest()
    stats = ExportStats()
    reviewed = [i for i in data.items if (d := latest.get(i.key)) is not None and d.reviewed]
    held = dev_keys([i.key for i in reviewed], dev_share) if dev is not None else set()
    vocab = blank_vocab(lang)
    train_bin = DocBin(attrs=DOCBIN_ATTRS, store_user_data=False)
    dev_bin = DocBin(attrs=DOCBIN_ATTRS, store_user_data=False)
    originals = DocBin().from_disk(data.path).get_docs(vocab) if keep_unreviewed else None
    for item in data.items:
        decision = latest.get(item.key)
        original = next(originals) if originals is not None else None
        if decision is None or not decision.reviewed:
            if decision is not None and decision.kind == "skip":
                stats.skipped += 1
            else:
                stats.unreviewed += 1
            if original is not None:
                original.spans.clear()  # the votes and scores are for review, not training
                train_bin.add(original)
                stats.kept += 1
            continue
        doc = decision_doc(vocab, item, decision)
        (dev_bin if item.key in held else train_bin).add(doc)
        stats.written += 1
        stats.dev += item.key in held
        stats.accepted += decision.kind == "accept"
        stats.partial += decision.kind == "partial"
        stats.entities += len(decision.spans)
        stats.words += len(item.words)
        stats.missing_words += sum(1 for t in doc if t.ent_iob == 0)
    with atomic_path(output) as tmp:
        train_bin.to_disk(tmp)
    if dev is not None:
        with atomic_path(dev) as tmp:
            dev_bin.to_disk(tmp)
    return stats
