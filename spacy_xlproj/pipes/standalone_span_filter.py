"""The span filter's rules and the ``xlproj_span_filter`` component, in one standalone file.

This module is the one home of the rules that drop spans a target language does not
call names (``español`` as MISC), and it is shipped as it is inside packaged pipelines
(``spacy package --code``, see ``scripts/package.py``), so that a pipeline ending with
``xlproj_span_filter`` loads where only spaCy is installed. Hence its constraints:

* it imports only the standard library at import time (spaCy inside functions), so
  spaCy-free layers such as ``spacy_xlproj.transfer.span_filters`` import its rules
  without loading spaCy;
* it imports nothing from ``spacy_xlproj``;
* the factory is registered at most once per process. A copy inside a model package
  registers it when imported (spaCy's generated ``__init__.py`` only imports it); the
  library registers it from ``spacy_xlproj.pipes.factories``. Whichever comes first
  wins and the other leaves it alone, so a model package loads with spacy-xlproj
  installed too, instead of failing on spaCy's "factory already registered" (E004).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

FACTORY = "xlproj_span_filter"
LOWERCASE = "lowercase"
LABEL_PREFIX = "label:"
# The module's name inside the library; any other name is a copy shipped in a package.
LIBRARY_MODULE = "spacy_xlproj.pipes.standalone_span_filter"


def parse_labels(text: str) -> tuple[str, ...]:
    """Read labels separated by commas (``"MISC"``, ``"MISC,LOC"``), as ``--drop-labels``.

    Labels are matched exactly (case included), as they are written in the data.
    RAISES (ValueError): An empty label (``"MISC,"``).
    """
    if not text.strip():
        return ()
    labels = tuple(part.strip() for part in text.split(","))
    if not all(labels):
        raise ValueError(f"--drop-labels: labels separated by commas, e.g. MISC,LOC; got {text!r}.")
    return tuple(dict.fromkeys(labels))  # repeats once, order kept


def as_labels(value: str | Iterable[str]) -> tuple[str, ...]:
    """Labels given as one string (one label or comma-separated labels) or as a list.

    A string is never read as its characters: ``"MISC"`` is the label MISC, not M, I,
    S, C.
    RAISES (ValueError): An empty or non-string label.
    """
    if isinstance(value, str):
        return parse_labels(value)
    labels = tuple(value)
    if not all(isinstance(label, str) and label for label in labels):
        raise ValueError(f"drop_labels must be non-empty strings, got {labels!r}.")
    return labels


def is_lowercase(words: Sequence[str]) -> bool:
    """Whether the words have a cased letter and no upper-case (or title-case) one.

    ``["español"]``: True; ``["Juan", "Pérez"]``, ``["EFE"]``, ``["iPhone"]``: False;
    ``["1998"]``, ``["北京"]``: False (no letter with case: the rule does not apply).
    """
    cased = False
    for word in words:
        for char in word:
            if char.isupper() or char.istitle():
                return False
            cased = cased or char.islower()
    return cased


def drop_reason(
    words: Sequence[str], label: str, drop_lowercase: bool, drop_labels: Sequence[str]
) -> str | None:
    """Why a span with these words and label is dropped (a reason key), or None.

    The label rule is checked first: it is unconditional, the case rule a guess, and a
    span both would drop is counted once, under its label.
    """
    if label in drop_labels:
        return LABEL_PREFIX + label
    if drop_lowercase and is_lowercase(words):
        return LOWERCASE
    return None


def reason_keys(drop_lowercase: bool, drop_labels: Sequence[str]) -> list[str]:
    """The reason keys a filter counts under, labels first (as they are checked)."""
    keys = [LABEL_PREFIX + label for label in drop_labels]
    return keys + [LOWERCASE] if drop_lowercase else keys


class SpanFilterComponent:
    """Remove predicted entities by the filter's rules; their words become O.

    Stateless apart from ``filtered``: removals counted by reason (per process, not
    saved with the pipeline).

    name (str): The component's name in the pipeline.
    drop_lowercase (bool): Remove entities with a cased letter and no upper-case one.
    drop_labels (str | Iterable[str]): Remove entities with these labels (a string is
        one label or comma-separated labels).
    """

    def __init__(
        self, name: str, *, drop_lowercase: bool = True, drop_labels: str | Iterable[str] = ()
    ) -> None:
        self.name = name
        self.drop_lowercase = bool(drop_lowercase)
        self.drop_labels = as_labels(drop_labels)
        self.filtered: Counter[str] = Counter(
            dict.fromkeys(reason_keys(self.drop_lowercase, self.drop_labels), 0)
        )

    @property
    def active(self) -> bool:
        """Whether the component can drop anything."""
        return self.drop_lowercase or bool(self.drop_labels)

    def __call__(self, doc: Any) -> Any:
        if not self.active or not doc.ents:
            return doc
        kept = []
        for ent in doc.ents:
            words = [token.text for token in ent]
            why = drop_reason(words, ent.label_, self.drop_lowercase, self.drop_labels)
            if why is None:
                kept.append(ent)
            else:
                self.filtered[why] += 1
        if len(kept) != len(doc.ents):
            doc.set_ents(kept, default="outside")
        return doc


def make_span_filter(
    nlp: Any, name: str, drop_lowercase: bool, drop_labels: str | list[str]
) -> SpanFilterComponent:
    """Construct an ``xlproj_span_filter`` component, to place after ``ner``.

    drop_lowercase (bool): Remove entities with a cased letter and no upper-case one
        (``español`` as MISC); entities without cased letters (digits, Chinese) are kept.
    drop_labels (str | list[str]): Remove entities with these labels: a list, or a
        string holding one label or comma-separated labels (``"MISC"``, ``"MISC,LOC"``).
    """
    return SpanFilterComponent(name, drop_lowercase=drop_lowercase, drop_labels=drop_labels)


def register() -> None:
    """Register the ``xlproj_span_filter`` factory unless some copy of it already is."""
    from spacy.language import Language

    if Language.has_factory(FACTORY):
        return
    Language.factory(
        FACTORY,
        assigns=["doc.ents"],
        requires=["doc.ents"],
        default_config={"drop_lowercase": True, "drop_labels": []},
    )(make_span_filter)


if __name__ != LIBRARY_MODULE:
    register()  # a copy shipped inside a model package
