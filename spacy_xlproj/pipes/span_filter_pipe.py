"""The ``xlproj_span_filter`` component: drop predicted entities the target language does
not call names.

A model trained on projected or pseudo-labelled data learns some of the source
language's conventions: Spanish students trained from English data still tag
lower-case nationality adjectives (``español``, ``mexicano``) as MISC. Placed after
``ner``, this component removes such entities from ``doc.ents`` with the same rules
as :class:`~spacy_xlproj.transfer.span_filters.SpanFilter` applies to training data;
their words become O. Removals are counted by reason in ``filtered`` (per process, not
saved with the pipeline).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from spacy.tokens import Doc

from ..transfer.span_filters import SpanFilter
from ..types import Span


class SpanFilterComponent:
    """Remove entities by the rules of a :class:`SpanFilter`; stateless apart from counts.

    name (str): The component's name in the pipeline.
    span_filter (SpanFilter): What to drop (``capitalised_missing`` does not apply to
        predictions and is refused).
    """

    def __init__(self, name: str, span_filter: SpanFilter) -> None:
        if span_filter.capitalised_missing:
            raise ValueError(
                "xlproj_span_filter removes predicted entities; capitalised_missing marks "
                "training data and does not apply here."
            )
        self.name = name
        self.span_filter = span_filter
        self.filtered: Counter[str] = span_filter.new_counts()

    def __call__(self, doc: Doc) -> Doc:
        if not self.span_filter.active or not doc.ents:
            return doc
        words = [token.text for token in doc]
        # spaCy's Span.label is a hash; the filter compares label strings.
        spans = [Span(e.start, e.end, e.label_) for e in doc.ents]
        kept = set(self.span_filter.apply(words, spans, self.filtered))
        if len(kept) != len(spans):
            ents = [e for e, span in zip(doc.ents, spans, strict=True) if span in kept]
            doc.set_ents(ents, default="outside")
        return doc


def add_span_filter(
    model: str | Path, span_filter: SpanFilter, name: str = "xlproj_span_filter"
) -> bool:
    """Add an ``xlproj_span_filter`` at the end of a saved pipeline, in place.

    The new pipeline is written beside the old one and swapped in, so a crash leaves
    either the old or the new one (a leftover ``.old`` folder is restored on the next
    call). Returns False, changing nothing, when the pipeline already has ``name``.
    """
    import shutil

    import spacy

    model = Path(model)
    old, new = model.with_name(model.name + ".old"), model.with_name(model.name + ".new")
    if not model.exists() and old.exists():  # killed between the two renames
        old.rename(model)
    nlp = spacy.load(model)
    if name in nlp.pipe_names:
        return False
    config = {
        "drop_lowercase": span_filter.drop_lowercase,
        "drop_labels": list(span_filter.drop_labels),
    }
    nlp.add_pipe("xlproj_span_filter", name=name, config=config, last=True)
    shutil.rmtree(new, ignore_errors=True)
    nlp.to_disk(new)
    shutil.rmtree(old, ignore_errors=True)
    model.rename(old)
    new.rename(model)
    shutil.rmtree(old)
    return True
