"""The ``xlproj_translate_train`` component: labelled translations of labelled docs.

Each source doc's entities (gold ones, or those of an earlier ``ner``) are carried onto
its translation, a new target-language ``Doc`` set as ``doc._.xlproj_translation``:

    texts = ["Angela Merkel visited Paris."]
    labelled_es = [doc._.xlproj_translation for doc in nlp.pipe(texts)]

The step itself (translate, tokenise, align, project; or the markers method) is
``transfer.train.project_sentences``, shared with ``translate_train`` and the
``ProjectedCorpus.v1`` reader; this module turns docs into its input and its results
into docs.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..align.base import Aligner
from ..align.build import resolve_aligner
from ..align.settings import aligner_settings, lend_translator
from ..errors import UsageError
from ..spacy_bridge import (
    blank_pipeline,
    check_backend,
    check_projector,
    describe,
    result_doc,
    split_words,
)
from ..tokenize import Tokenizer
from ..transfer.train import ProjectorArg
from ..translate.base import Translator
from ..translate.build import resolve_translator
from ..types import Sentence, Span
from .base import BatchedProjectionPipe

EXTENSION = "xlproj_translation"


def doc_entities(doc: Doc) -> tuple[list[str], list[Span]]:
    """The words of ``doc`` (spaces left out) and its entities as spans over them."""
    words, index = split_words(doc)
    position = {tok: w for w, tok in enumerate(index)}
    spans = []
    for ent in doc.ents:
        inside = [position[t.i] for t in ent if t.i in position]
        if inside:
            spans.append(Span(inside[0], inside[-1] + 1, ent.label_))
    return words, spans


class TranslateTrainComponent(BatchedProjectionPipe):
    """Attach to each doc its translation with the doc's entities projected onto it.

    ``doc._.xlproj_translation`` is a target-language ``Doc`` whose ``ents`` are the
    projected entities scoring at least ``min_confidence``, and whose
    ``spans[spans_key]`` holds every projected span, with ``attrs["scores"]`` and
    ``attrs["source_texts"]`` in span order. Entities that could not be projected are
    counted in ``attrs["dropped"]`` (the number of source entities lost).

    ``projector`` is an alignment projector, or ``"markers"``: the entities are
    bracketed before translation and read back, and those whose markers broke fall
    back to the heuristic projector over the aligner's links (``aligner = null``:
    they are dropped). Either way ``doc.text`` is translated (with the markers in it).
    """

    def __init__(
        self,
        vocab: Vocab,
        *,
        name: str = "xlproj_translate_train",
        src_lang: str,
        tgt_lang: str,
        translator: str | Translator = "apertium",
        tgt_spacy_lang: str | None = None,
        aligner: str | Aligner | None = "eflomal",
        projector: ProjectorArg,
        min_confidence: float = 0.0,
        batch_size: int = 64,
        spans_key: str = "xlproj",
        cache_dir: str | None = None,
    ) -> None:
        if not 0.0 <= min_confidence <= 1.0:
            raise UsageError(f"min_confidence must lie in [0, 1], got {min_confidence}")
        if batch_size < 1:
            raise UsageError(f"batch_size must be at least 1, got {batch_size}")
        check_backend(translator, "translator", ("translate",))
        if aligner is not None:
            check_backend(aligner, "aligner", ("align",))
        check_projector(projector, aligner)
        self.vocab = vocab
        self.name = name
        self.src_lang = src_lang
        self.tgt_lang = tgt_lang
        self.translator = translator
        self.tgt_spacy_lang = tgt_spacy_lang
        self.aligner = aligner
        self.projector = projector
        self.min_confidence = min_confidence
        self.batch_size = batch_size
        self.spans_key = spans_key
        self.cache_dir = cache_dir
        self._translator: Translator | None = None
        self._aligner: Aligner | None = None
        if not Doc.has_extension(EXTENSION):
            Doc.set_extension(EXTENSION, default=None)

    @property
    def backends(self) -> tuple[Translator, Aligner | None]:
        """The translator and aligner, built from their specs on first use."""
        if self._translator is None:
            self._translator = resolve_translator(
                self.translator, self.src_lang, self.tgt_lang, self.cache_dir
            )
        if self._aligner is None and self.aligner is not None:
            self._aligner = resolve_aligner(self.aligner)
            # eflomal cannot learn from the one doc of ``nlp(text)``: its small batches
            # are aligned by glossing the doc words with this translator (the pairs are
            # doc -> translation, so the doc is the source side).
            lend_translator(self._aligner, self._translator, "source")
        return self._translator, self._aligner

    @property
    def tokenizer(self) -> Language:
        """The blank pipeline that owns the vocab of the translations."""
        return blank_pipeline(self.tgt_spacy_lang or self.tgt_lang)

    def set_annotations(self, docs: list[Doc]) -> None:
        """Translate and project one batch of docs; set ``doc._.xlproj_translation``."""
        from ..transfer.train import project_sentences

        translator, aligner = self.backends
        lang = self.tgt_spacy_lang or self.tgt_lang
        results = project_sentences(
            [Sentence(*doc_entities(doc)) for doc in docs],
            translator=translator,
            aligner=aligner,
            projector=self.projector,
            tokenizer=Tokenizer(lang),
            texts=[doc.text for doc in docs],
        )
        vocab = self.tokenizer.vocab
        for doc, result in zip(docs, results, strict=True):
            target = result_doc(
                result, vocab, spans_key=self.spans_key, min_confidence=self.min_confidence
            )
            doc._.set(EXTENSION, target)

    # -- serialisation: settings only, models are referenced by name or path ----------

    def _settings(self) -> dict[str, Any]:
        return {
            "translator": describe(self.translator),
            "aligner": describe(self.aligner),
            "aligner_settings": aligner_settings(self.aligner, describe(self.translator)),
            "projector": describe(self.projector),
            "src_lang": self.src_lang,
            "tgt_lang": self.tgt_lang,
            "tgt_spacy_lang": self.tgt_spacy_lang,
            "min_confidence": self.min_confidence,
            "batch_size": self.batch_size,
            "spans_key": self.spans_key,
        }
