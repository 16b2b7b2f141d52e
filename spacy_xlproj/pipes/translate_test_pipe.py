"""The ``xlproj_translate_test`` component: NER for a language without an NER model.

Target-language docs are translated into the source language, tagged there by a
source NER pipeline, and the entities are projected back onto the docs' own tokens
through a word alignment of translation and doc. ``nlp.pipe`` buffers ``batch_size``
docs so that each batch costs one translate call, one tagging pass and one align call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab

from ..align.base import Aligner
from ..align.build import resolve_aligner
from ..align.settings import aligner_settings, lend_translator
from ..errors import UsageError
from ..ner.base import EntityTagger
from ..ner.build import resolve_tagger
from ..project.base import Projector
from ..spacy_bridge import check_backend, describe, set_projected_spans, split_words
from ..translate.base import Translator
from ..translate.build import resolve_translator
from ..types import Projection, Sentence
from .base import BatchedProjectionPipe


class TranslateTestComponent(BatchedProjectionPipe):
    """Set ``doc.ents`` on target-language text by translate-test projection.

    Every projected span also goes to ``doc.spans[spans_key]``, whose ``attrs`` hold
    the ``scores`` (projection confidences, in span order), the ``source_texts`` (each
    entity as tagged in the translation) and the ``translation`` itself. Spans scoring
    below ``min_confidence`` stay out of ``doc.ents``. Existing ``doc.ents`` are
    replaced (tokens outside the projected entities become ``O``), unless
    ``overwrite_ents`` is False: then they stay, and only projected entities that
    overlap none of them are added.
    """

    def __init__(
        self,
        vocab: Vocab,
        *,
        name: str = "xlproj_translate_test",
        tgt_lang: str,
        source_ner: str | EntityTagger,
        translator: str | Translator,
        src_lang: str = "en",
        aligner: str | Aligner = "eflomal",
        projector: Projector,
        min_confidence: float = 0.0,
        batch_size: int = 64,
        overwrite_ents: bool = True,
        spans_key: str = "xlproj",
        cache_dir: str | None = None,
    ) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise UsageError(f"min_confidence must lie in [0, 1], got {min_confidence}")
        if batch_size < 1:
            raise UsageError(f"batch_size must be at least 1, got {batch_size}")
        check_backend(translator, "translator", ("translate",))
        check_backend(source_ner, "tagger", ("tag",))
        check_backend(aligner, "aligner", ("align",))
        check_backend(projector, "projector", ("project",))
        self.vocab = vocab
        self.name = name
        self.tgt_lang = tgt_lang
        self.src_lang = src_lang
        self.source_ner = source_ner
        self.translator = translator
        self.aligner = aligner
        self.projector = projector
        self.min_confidence = min_confidence
        self.batch_size = batch_size
        self.overwrite_ents = overwrite_ents
        self.spans_key = spans_key
        self.cache_dir = cache_dir
        # Backends given as specs are built on first use (or by initialize), so that a
        # saved pipeline loads even where its source model is not installed yet.
        self._translator: Translator | None = None
        self._tagger: EntityTagger | None = None
        self._aligner: Aligner | None = None

    # -- backends ---------------------------------------------------------------------

    @property
    def backends(self) -> tuple[Translator, EntityTagger, Aligner]:
        """The translator, source tagger and aligner, built from their specs if needed."""
        if self._translator is None:
            self._translator = resolve_translator(
                self.translator, self.tgt_lang, self.src_lang, self.cache_dir
            )
        if self._tagger is None:
            self._tagger = resolve_tagger(self.source_ner)
        if self._aligner is None:
            self._aligner = resolve_aligner(self.aligner)
            # eflomal cannot learn from the one doc of ``nlp(text)``: its small batches
            # are aligned by glossing the doc words with this translator (the pairs are
            # translation -> doc, so the doc is the target side).
            lend_translator(self._aligner, self._translator, "target")
        return self._translator, self._tagger, self._aligner

    def set_annotations(self, docs: list[Doc]) -> None:
        """Translate, tag, align and project one batch of docs, in place."""
        from ..tokenize import Tokenizer
        from ..transfer.tagging import TaggedProjection, tag_through_translation

        translator, tagger, aligner = self.backends
        todo = [doc for doc in docs if any(not t.is_space for t in doc)]
        if not todo:
            return
        targets = [split_words(doc) for doc in todo]
        results = tag_through_translation(
            [words for words, _ in targets],
            texts=[doc.text for doc in todo],
            translator=translator,
            src_tokenizer=Tokenizer(self.src_lang),
            tagger=tagger,
            aligner=aligner,
            projector=self.projector,
        )
        for doc, (_, index), result in zip(todo, targets, results, strict=True):
            if result is None:
                # The translation came back empty: nothing was tagged, so no entities.
                result = TaggedProjection("", Sentence([], []), Projection())
            words, spans = result.source.words, result.source.spans
            set_projected_spans(
                doc,
                index,
                result.projection,
                [" ".join(words[s.start : s.end]) for s in spans],
                spans_key=self.spans_key,
                min_confidence=self.min_confidence,
                overwrite_ents=self.overwrite_ents,
            )
            doc.spans[self.spans_key].attrs["translation"] = result.translation

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        """Score ``doc.ents`` against the reference (``ents_p``, ``ents_r``, ``ents_f``)."""
        return Scorer.score_spans(
            examples, "ents", has_annotation=lambda d: d.has_annotation("ENT_IOB"), **kwargs
        )

    # -- serialisation: settings only, models are referenced by name or path ----------

    def _settings(self) -> dict[str, Any]:
        return {
            "source_ner": describe(self.source_ner),
            "translator": describe(self.translator),
            "aligner": describe(self.aligner),
            "aligner_settings": aligner_settings(self.aligner, describe(self.translator)),
            "projector": describe(self.projector),
            "src_lang": self.src_lang,
            "tgt_lang": self.tgt_lang,
            "min_confidence": self.min_confidence,
            "batch_size": self.batch_size,
            "overwrite_ents": self.overwrite_ents,
            "spans_key": self.spans_key,
        }
