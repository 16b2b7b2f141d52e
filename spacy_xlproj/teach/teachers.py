"""Teachers: models that label unlabelled target-language words with scored spans.

A teacher is anything with a ``name``, a ``weight`` and ``label(sentences)``, which
returns one list of :class:`~spacy_xlproj.teach.ensemble.ScoredSpan` per sentence, on
the sentence's own word indices. Three kinds are built in:

* :class:`TranslateTestTeacher`: translate the sentence into the source language, tag
  it with a source model, project the entities back; confidence = projection score.
* :class:`SpacyTeacher`: a spaCy pipeline run on the target words: a target-language
  model (the translate-train model, a previous student), or a source-language model
  applied zero-shot. Confidence 1.0, or the scores of a span group (``spans_key``).
* :class:`TaggerTeacher`: any :class:`~spacy_xlproj.ner.base.EntityTagger` (e.g. a
  Hugging Face token classifier), at a fixed confidence.

:func:`build_teacher` makes one from the command line's spec, ``KIND:MODEL[@WEIGHT]``.
Backends are imported when a teacher is built, so importing this module is cheap.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ..errors import SetupError, UsageError
from .ensemble import ScoredSpan

if TYPE_CHECKING:
    from spacy.language import Language

    from ..align.base import Aligner
    from ..evaluate import ProjectionStats
    from ..ner.base import EntityTagger
    from ..project.base import Projector
    from ..translate.base import Translator

KINDS = ("translate-test", "spacy", "zero-shot")
SPEC_FORMS = (
    "translate-test:MODEL   a source-language NER model (spaCy name or folder, or hf:DIR) "
    "run through translation (--translator, --aligner, projection flags)",
    "spacy:PATH             a target-language spaCy pipeline (e.g. the translate-train model)",
    "zero-shot:MODEL        a source-language model applied to the target words directly",
)


class TeacherSpecError(UsageError):
    """A ``--teacher`` spec that is not ``KIND:MODEL[@WEIGHT]`` with a known kind."""


class TeacherModelError(TeacherSpecError, SetupError):
    """A teacher's model that is not there or cannot be loaded (exit 1, not a usage error)."""

    exit_code = 1


@runtime_checkable
class Teacher(Protocol):
    """Labels tokenised target-language sentences with scored spans.

    ``label`` returns one list per sentence of ``ScoredSpan`` on the sentence's word
    indices (pseudo-labelling also takes ``Span``, at confidence 1, ``ProjectedSpan``,
    at its score, and ``(start, end, label, confidence)`` tuples).
    """

    name: str
    weight: float

    def label(self, sentences: Sequence[Sequence[str]]) -> list[list[ScoredSpan]]: ...


class TaggerTeacher:
    """Any entity tagger as a teacher, every span at the same confidence.

    tagger (EntityTagger): The tagger; its spans are on the input words.
    name (str | None): Shown in statistics; default the tagger's name.
    weight (float): The teacher's vote weight.
    confidence (float): The confidence of every span (taggers give no scores).
    """

    def __init__(
        self,
        tagger: EntityTagger,
        *,
        name: str | None = None,
        weight: float = 1.0,
        confidence: float = 1.0,
    ) -> None:
        self.tagger = tagger
        self.name = name or getattr(tagger, "name", type(tagger).__name__)
        self.weight = weight
        self.confidence = confidence

    def label(self, sentences: Sequence[Sequence[str]]) -> list[list[ScoredSpan]]:
        tagged = self.tagger.tag([list(words) for words in sentences])
        return [
            [ScoredSpan(s.start, s.end, s.label, self.confidence) for s in spans]
            for spans in tagged
        ]

    def __repr__(self) -> str:
        return f"TaggerTeacher({self.name!r}, weight={self.weight:g})"


class SpacyTeacher:
    """A spaCy pipeline's entities on the target words.

    Each sentence becomes ``Doc(vocab, words=words)``, so spans come back on the
    input's word indices whatever the pipeline's tokenizer would have done.

    model (str | Path | Language): A package name, a pipeline folder or a loaded pipeline.
    name (str | None): Shown in statistics; default ``spacy:MODEL``.
    weight (float): The teacher's vote weight.
    label_map (Mapping[str, str | None] | None): Renames labels; ``None`` drops one.
    spans_key (str | None): Take the spans and their confidences from
        ``doc.spans[spans_key]`` and its ``attrs["scores"]`` (a spancat, or a pipeline
        with the ``xlproj_translate_test`` component) instead of ``doc.ents`` at 1.0.
        A doc without that group, or without scores, falls back to ``doc.ents``.
    batch_size (int): Sentences per ``nlp.pipe`` batch.
    """

    def __init__(
        self,
        model: str | Path | Language,
        *,
        name: str | None = None,
        weight: float = 1.0,
        label_map: Mapping[str, str | None] | None = None,
        spans_key: str | None = None,
        batch_size: int = 256,
    ) -> None:
        if isinstance(model, (str, Path)):
            self.nlp = _load_pipeline(model)
            self.name = name or f"spacy:{model}"
            if spans_key is None:  # all O, every sentence, without a word said (#25)
                from ..ner.build import check_sets_entities

                check_sets_entities(self.nlp, str(model))
        else:
            self.nlp = model
            self.name = name or f"spacy:{model.meta.get('lang', '')}_{model.meta.get('name', '')}"
        self.weight = weight
        self.label_map = dict(label_map or {})
        self.spans_key = spans_key
        self.batch_size = batch_size

    def label(self, sentences: Sequence[Sequence[str]]) -> list[list[ScoredSpan]]:
        from spacy.tokens import Doc

        docs = (Doc(self.nlp.vocab, words=list(words)) for words in sentences)
        out: list[list[ScoredSpan]] = []
        for doc in self.nlp.pipe(docs, batch_size=self.batch_size):
            pairs = self._scored_spans(doc)
            spans = []
            for span, confidence in pairs:
                label = self.label_map.get(span.label_, span.label_)
                if label is not None:
                    spans.append(ScoredSpan(span.start, span.end, label, confidence))
            out.append(spans)
        return out

    def _scored_spans(self, doc: Any) -> list[tuple[Any, float]]:
        if self.spans_key is not None and self.spans_key in doc.spans:
            group = doc.spans[self.spans_key]
            scores = group.attrs.get("scores")
            if scores is not None and len(scores) == len(group):
                return [(span, float(score)) for span, score in zip(group, scores, strict=True)]
        return [(ent, 1.0) for ent in doc.ents]

    def __repr__(self) -> str:
        return f"SpacyTeacher({self.name!r}, weight={self.weight:g})"


class HidingTeacher:
    """A teacher that never sees some words: they are removed before it labels.

    Wikipedia redirect keywords (``REDIRECCIÓN Sancho I``) are no text, and a tagger
    run on the target words reads them as the first word of a name, as translate-test's
    tagger does after MT copies them. The spans come back on the full sentence's
    indices; a span that covered a hidden word keeps it inside.

    teacher (Teacher): The teacher that labels the visible words.
    hidden (Callable[[str], bool]): Whether a word is hidden.
    """

    def __init__(self, teacher: Teacher, hidden: Callable[[str], bool]) -> None:
        self.teacher = teacher
        self.hidden = hidden
        self.name = teacher.name
        self.weight = teacher.weight

    def label(self, sentences: Sequence[Sequence[str]]) -> list[list[ScoredSpan]]:
        from ..transfer.tagging import hide_words, unhide_spans

        visible, shown = hide_words(sentences, self.hidden)
        labelled = self.teacher.label(shown)
        return [unhide_spans(spans, v) for spans, v in zip(labelled, visible, strict=True)]

    def __repr__(self) -> str:
        return f"HidingTeacher({self.teacher!r})"


class TranslateTestTeacher:
    """Translate-test as a teacher: confidence is each projected span's score.

    translator (Translator): Target -> source translator.
    tagger (EntityTagger): Source-language NER model.
    aligner (Aligner): Aligns (translation, original) pairs.
    projector (Projector): Projects the tagged entities onto the original words.
    name (str | None): Shown in statistics; default ``translate-test:TAGGER``.
    weight (float): The teacher's vote weight.
    ignore (Callable[[str], bool] | None): Words hidden from MT and NER (see
        :func:`~spacy_xlproj.transfer.tagging.translate_test`).
    progress (bool): Show translate-test's progress bar.

    ``stats`` adds up the projection statistics of every call.
    """

    def __init__(
        self,
        translator: Translator,
        tagger: EntityTagger,
        aligner: Aligner,
        projector: Projector,
        *,
        name: str | None = None,
        weight: float = 1.0,
        ignore: Callable[[str], bool] | None = None,
        progress: bool = False,
    ) -> None:
        from ..evaluate import ProjectionStats

        self.translator = translator
        self.tagger = tagger
        self.aligner = aligner
        self.projector = projector
        self.name = name or f"translate-test:{getattr(tagger, 'name', type(tagger).__name__)}"
        self.weight = weight
        self.ignore = ignore
        self.progress = progress
        self.stats: ProjectionStats = ProjectionStats()

    def label(self, sentences: Sequence[Sequence[str]]) -> list[list[ScoredSpan]]:
        from ..transfer.tagging import translate_test
        from ..types import ProjectedSpan, Sentence

        if not sentences:
            return []
        scored: list[list[ProjectedSpan]] = []
        _, stats = translate_test(
            [Sentence(list(words)) for words in sentences],
            translator=self.translator,
            tagger=self.tagger,
            aligner=self.aligner,
            projector=self.projector,
            # One call per batch: eflomal learns its alignments from the batch, so the
            # caller's batch size, not a smaller chunk, decides what it learns from.
            chunk_size=len(sentences),
            progress=self.progress,
            ignore=self.ignore,
            scored=scored,
        )
        self.stats.merge(stats)
        return [[ScoredSpan(p.start, p.end, p.label, p.score) for p in spans] for spans in scored]

    def __repr__(self) -> str:
        return f"TranslateTestTeacher({self.name!r}, weight={self.weight:g})"


@dataclass(frozen=True, slots=True)
class TeacherSpec:
    """A parsed ``KIND:MODEL[@WEIGHT]``."""

    kind: str
    model: str
    weight: float = 1.0

    def __str__(self) -> str:
        weight = "" if self.weight == 1.0 else f"@{self.weight:g}"
        return f"{self.kind}:{self.model}{weight}"


def parse_teacher_spec(text: str) -> TeacherSpec:
    """Parse ``translate-test:MODEL``, ``spacy:PATH`` or ``zero-shot:MODEL``, each with an
    optional ``@WEIGHT`` (a number > 0) at the end.

    Only a number after the last ``@`` is a weight, so a path containing ``@`` still works.
    RAISES (TeacherSpecError): An unknown kind, no model, or a weight of 0 or less.
    """
    kind, sep, model = text.strip().partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in KINDS:
        raise TeacherSpecError(
            f"Unknown teacher {text!r}: write KIND:MODEL[@WEIGHT] with KIND one of "
            f"{', '.join(KINDS)}, e.g. translate-test:en_core_web_sm or spacy:training/model@2."
        )
    weight = 1.0
    head, at, tail = model.rpartition("@")
    if at:
        try:
            weight = float(tail)
        except ValueError:
            pass  # not a weight: the '@' belongs to the model's path
        else:
            model = head
            if not (weight > 0.0 and math.isfinite(weight)):
                raise TeacherSpecError(
                    f"Teacher {text!r}: the weight after '@' must be a finite number above 0."
                )
    model = model.strip()
    if not model:
        raise TeacherSpecError(f"Teacher {text!r} names no model: write {kind}:MODEL.")
    return TeacherSpec(kind, model, weight)


def build_teacher(
    spec: str | TeacherSpec,
    *,
    src_lang: str = "en",
    tgt_lang: str,
    translator: str = "apertium",
    aligner: str = "eflomal",
    projector: Projector | None = None,
    label_map: Mapping[str, str | None] | None = None,
    cache_dir: str | Path | None = None,
    ignore_wiki_markup: bool = False,
    progress: bool = False,
) -> Teacher:
    """Build the teacher that ``spec`` names, loading its models now.

    spec (str | TeacherSpec): ``KIND:MODEL[@WEIGHT]``, see :func:`parse_teacher_spec`.
    src_lang (str): Language of the source models (translate-test, zero-shot).
    tgt_lang (str): Language of the unlabelled text.
    translator (str): Translate-test: TGT -> SRC translator spec (``apertium``,
        ``hf:DIR``, ``file:PATH``), see :func:`~spacy_xlproj.translate.build.build_translator`.
    aligner (str): Translate-test: aligner spec (``eflomal``, ``simalign:DIR``, ``lexical``).
    projector (Projector | None): Translate-test: the projector; default heuristic.
    label_map (Mapping[str, str | None] | None): Renames or drops the labels of the
        source models (translate-test, zero-shot), e.g. ``{"PERSON": "PER"}``; the
        target pipelines of ``spacy:`` teachers already speak the target labels.
    cache_dir (str | Path | None): Translation cache folder.
    ignore_wiki_markup (bool): Hide Wikipedia redirect keywords from every teacher
        (translate-test: from MT and its tagger; the others: from the model).
    progress (bool): Translate-test: show its progress bar.
    RAISES (TeacherSpecError): A bad spec, or a model that cannot be loaded.
    """
    parsed = parse_teacher_spec(spec) if isinstance(spec, str) else spec
    name = f"{parsed.kind}:{parsed.model}"  # the weight is shown beside it
    ignore = None
    if ignore_wiki_markup:
        from ..transfer.tagging import wiki_markup

        ignore = wiki_markup
    if parsed.kind in ("spacy", "zero-shot"):
        # spaCy teachers speak the target labels already; source models may need a map
        teacher = _model_teacher(parsed, name, label_map if parsed.kind == "zero-shot" else None)
        return teacher if ignore is None else HidingTeacher(teacher, ignore)
    from ..align.build import build_aligner
    from ..project.build import build_projector
    from ..translate.build import build_translator

    tagger = _source_tagger(parsed, label_map)
    return TranslateTestTeacher(
        build_translator(
            translator,
            tgt_lang,
            src_lang,
            cache_dir=cache_dir,
            progress=None if progress else False,
        ),
        tagger,
        build_aligner(aligner),
        projector if projector is not None else build_projector(lang=tgt_lang),
        name=name,
        weight=parsed.weight,
        ignore=ignore,
        progress=progress,
    )


def _model_teacher(
    spec: TeacherSpec, name: str, label_map: Mapping[str, str | None] | None
) -> Teacher:
    if spec.model.startswith("hf:"):
        return TaggerTeacher(_source_tagger(spec, label_map), name=name, weight=spec.weight)
    return SpacyTeacher(spec.model, name=name, weight=spec.weight, label_map=label_map)


def _source_tagger(spec: TeacherSpec, label_map: Mapping[str, str | None] | None) -> EntityTagger:
    from ..ner.build import build_tagger

    if not spec.model.startswith("hf:"):
        _load_pipeline(spec.model, check_only=True)
    try:
        return build_tagger(spec.model, label_map=label_map)
    except (OSError, ValueError) as err:
        raise TeacherModelError(f"Teacher {spec}: {err}") from None


def _load_pipeline(model: str | Path, *, check_only: bool = False) -> Language | None:
    """Load a spaCy pipeline, or say in one sentence why it can't be loaded."""
    text = str(model)
    looks_like_path = isinstance(model, Path) or "/" in text or "\\" in text or text[:1] == "."
    if looks_like_path and not Path(text).expanduser().exists():
        raise TeacherModelError(
            f"spaCy pipeline not found: {text}. Give the folder of a trained pipeline "
            "(e.g. training/model-best) or an installed package name."
        )
    if check_only:
        return None
    import spacy

    try:
        return spacy.load(Path(text).expanduser() if looks_like_path else text)
    except OSError as err:
        raise TeacherModelError(
            f"Cannot load the spaCy pipeline {text!r}: give an installed package name or the "
            f"folder of a trained pipeline. ({' '.join(str(err).split())})"
        ) from None
