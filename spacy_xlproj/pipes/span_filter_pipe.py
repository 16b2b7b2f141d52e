"""The ``xlproj_span_filter`` component: drop predicted entities the target language does
not call names.

A model trained on projected or pseudo-labelled data learns some of the source
language's conventions: Spanish students trained from English data still tag
lower-case nationality adjectives (``español``, ``mexicano``) as MISC. Placed after
``ner``, this component removes such entities from ``doc.ents`` with the same rules
as :class:`~spacy_xlproj.transfer.span_filters.SpanFilter` applies to training data;
their words become O. Removals are counted by reason in ``filtered`` (per process, not
saved with the pipeline).

The component and its factory live in ``standalone_span_filter``, a module that imports
nothing from spacy_xlproj, so that packaged pipelines can carry it; this module adds
the filter to saved pipelines.
"""

from __future__ import annotations

from pathlib import Path

from ..transfer.span_filters import SpanFilter
from .standalone_span_filter import SpanFilterComponent

__all__ = ["SpanFilterComponent", "add_span_filter"]


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
