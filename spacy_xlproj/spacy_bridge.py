"""The bridge between spaCy and the spaCy-free core, shared by components and readers.

Doc <-> word lists (``split_words``, ``translation_doc``), writing projected spans onto
docs (``set_projected_spans``, ``result_doc``), checking backends given in configs
(``check_backend``, ``check_projector``), backend descriptions for settings files and
cache keys (``describe``), and the blank pipelines that tokenise translations. The
components (``pipes``) and the readers (``readers.py``) import from here, never from
each other. Imported with the factories, so everything heavy is imported inside
functions.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from .errors import DataError, UsageError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    from .transfer.train import ProjectedSentence
    from .types import Projection

__all__ = [
    "check_backend",
    "check_settings",
    "blank_pipeline",
    "check_projector",
    "describe",
    "result_doc",
    "source_texts",
    "set_projected_spans",
    "split_words",
    "translation_doc",
]


def check_backend(value: Any, what: str, methods: tuple[str, ...]) -> None:
    """Fail early, and clearly, when a config gives a backend that is not one.

    A backend is a spec string, or any object with the Protocol's methods (checked by
    name, as ``runtime_checkable`` Protocols do, without importing their modules).
    """
    if isinstance(value, str):
        return
    missing = [m for m in methods if not callable(getattr(value, m, None))]
    if missing:
        raise TypeError(
            f"{what} must be a spec string or an object with a {', '.join(missing)}() "
            f"method, got {type(value).__name__}: use a registered-function block such as "
            f'{{"@xlproj_{what}s": ...}} in the config.'
        )


@cache
def blank_pipeline(lang: str) -> Language:
    """A blank pipeline that tokenises ``lang`` text; ``"xx"`` where spaCy has no ``lang``."""
    import spacy

    from .io.docbin import spacy_lang

    return spacy.blank(spacy_lang(lang))


def split_words(doc: Doc) -> tuple[list[str], list[int]]:
    """The words of ``doc`` that an aligner should see, and their token indices.

    Whitespace tokens (spaCy keeps runs of spaces and newlines as tokens) are left out:
    they carry no meaning to align, and some aligners choke on them.
    """
    index = [t.i for t in doc if not t.is_space]
    return [doc[i].text for i in index], index


def translation_doc(vocab: Any, words: list[str], text: str) -> Doc:
    """A ``Doc`` of a translation's words, spaced as they are in ``text``.

    ``text`` may hold characters that are not among the words (the markers method's
    brackets): a word is followed by a space when whitespace separates it from the
    next word in ``text`` (or when either cannot be found there). Runs of whitespace
    become one space, and the last word has none.
    """
    from spacy.tokens import Doc

    found: list[tuple[int, int] | None] = []
    position = 0
    for word in words:
        start = text.find(word, position)
        if start < 0:
            found.append(None)
            continue
        position = start + len(word)
        found.append((start, position))
    spaces = []
    for here, after in zip(found, found[1:], strict=False):
        gap = text[here[1] : after[0]] if here and after else " "
        spaces.append(any(c.isspace() for c in gap))
    spaces.extend([False] * (len(words) - len(spaces)))
    return Doc(vocab, words=words, spaces=spaces)


def describe(value: Any) -> str:
    """A short, stable description of a backend for settings files and cache keys."""
    if isinstance(value, str):
        return value
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name
    params = (
        {
            k: v
            for k, v in sorted(vars(value).items())
            if not k.startswith("_") and isinstance(v, (str, int, float, bool, type(None)))
        }
        if hasattr(value, "__dict__")
        else {}
    )
    args = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return f"{type(value).__module__}.{type(value).__qualname__}({args})"


def set_projected_spans(
    doc: Doc,
    index: list[int],
    projection: Projection,
    source_texts: list[str],
    *,
    spans_key: str,
    min_confidence: float,
    overwrite_ents: bool = True,
) -> None:
    """Write a projection onto ``doc``: every span to ``doc.spans``, confident ones to ents.

    ``index`` maps the projection's word indices to token indices (see ``split_words``).
    The span group's ``attrs`` hold, in span order, the ``scores`` (confidences), the
    ``source_texts`` and the ``source_ids`` (indices among the source entities) of the
    entities the spans were projected from. With
    ``overwrite_ents``, ``doc.ents`` become exactly the projected spans with a score of
    at least ``min_confidence``; otherwise existing entities stay and only projected
    spans that overlap none of them are added.
    """
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import SpanGroup

    spans: list[SpacySpan] = []
    scores: list[float] = []
    sources: list[int] = []
    for p in sorted(projection.spans):
        spans.append(SpacySpan(doc, index[p.start], index[p.end - 1] + 1, label=p.label))
        scores.append(float(p.score))
        sources.append(p.source)
    attrs = {
        "scores": scores,
        "source_texts": [source_texts[i] for i in sources],
        "source_ids": sources,
    }
    doc.spans[spans_key] = SpanGroup(doc, name=spans_key, spans=spans, attrs=attrs)
    confident = [s for s, score in zip(spans, scores, strict=True) if score >= min_confidence]
    if overwrite_ents:
        doc.ents = _without_overlaps(confident)
        return
    taken = {t.i for ent in doc.ents for t in ent}
    new = [s for s in confident if not any(i in taken for i in range(s.start, s.end))]
    doc.set_ents(_without_overlaps(new), default="unmodified")


def check_settings(name: str, saved: dict[str, Any], current: dict[str, Any]) -> None:
    """Fail when settings saved by ``to_disk`` disagree with the config a pipe was built from.

    The config is the source of truth (spaCy rebuilt the component from it); the saved
    file only tells us when the two disagree, which means the directory was edited.
    """
    for key in ("src_lang", "tgt_lang", "spans_key"):
        if key in saved and saved[key] != current.get(key):
            raise DataError(
                f"The saved settings of '{name}' say {key}={saved[key]!r} but its config "
                f"says {current.get(key)!r}: the pipeline directory was edited by hand. Fix "
                f"config.cfg or save the pipeline again."
            )


def _without_overlaps(spans: list) -> list:
    # Projectors never overlap their spans; this guards third-party ones (first wins).
    kept: list = []
    end = -1
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if span.start >= end:
            kept.append(span)
            end = span.end
    return kept


def check_projector(projector: Any, aligner: Any) -> None:
    """Fail early on a projector that is neither a ``Projector`` nor ``"markers"``.

    projector: the projector setting; ``None`` stands for the default heuristic.
    aligner: the aligner setting (spec or backend); ``None`` is only allowed for markers.
    """
    from .transfer.train import MARKERS, check_method

    if isinstance(projector, str):
        check_method(projector, aligner, None)
        return
    if projector is not None:
        check_backend(projector, "projector", ("project",))
    if aligner is None:
        raise UsageError(
            'Alignment projection needs an aligner: set aligner (e.g. "eflomal"), or '
            f'projector = "{MARKERS}".'
        )


def source_texts(result: ProjectedSentence) -> list[str]:
    """The text of each source entity of ``result``, by source index."""
    words = result.source.words
    return [" ".join(words[s.start : s.end]) for s in result.source.spans]


def result_doc(
    result: ProjectedSentence,
    vocab: Vocab,
    *,
    spans_key: str,
    min_confidence: float,
) -> Doc:
    """The translation of ``result`` as a ``Doc`` with its projected entities set.

    The span group ``doc.spans[spans_key]`` holds every projected span, with the
    ``attrs`` of ``set_projected_spans`` and ``dropped``, the number of source
    entities that were not projected.
    """
    doc = translation_doc(vocab, result.words, result.translation)
    set_projected_spans(
        doc,
        list(range(len(doc))),
        result.projection,
        source_texts(result),
        spans_key=spans_key,
        min_confidence=min_confidence,
    )
    doc.spans[spans_key].attrs["dropped"] = len(result.projection.dropped)
    return doc
