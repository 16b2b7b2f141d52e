"""Translate-test: tag target sentences through a translation into the source language.

Each target sentence is translated into the source language, tagged there by a
source-language NER model, and the entities are projected back onto the original
target words through a word alignment of (translation, original). With
``backtranslation=True`` the tagged translation is also translated back with its
entities marked and placed by a same-language alignment (``transfer.backtranslation``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..align.base import Aligner
from ..errors import UsageError
from ..evaluate import ProjectionStats
from ..ner.base import EntityTagger
from ..project.base import Projector
from ..tokenize import Tokenizer, detokenize
from ..translate.base import Translator
from ..types import DropReason, ProjectedSpan, Projection, Sentence
from .backtranslation import BacktranslationRefiner, RefineStats
from .chunks import batched, check_count
from .engine import Pool

if TYPE_CHECKING:
    from ..project.options import ProjectionOptions


_SpanT = TypeVar("_SpanT")  # a span dataclass: Span, ProjectedSpan, ScoredSpan


def translate_test(
    sentences: Sequence[Sentence],
    *,
    translator: Translator,
    tagger: EntityTagger,
    aligner: Aligner,
    projector: Projector,
    back_translator: Translator | None = None,
    backtranslation: bool = False,
    src_tokenizer: Tokenizer | None = None,
    tgt_tokenizer: Tokenizer | None = None,
    refine_aligner: Aligner | None = None,
    chunk_size: int = 10_000,
    progress: bool = True,
    refine_stats: RefineStats | None = None,
    ignore: Callable[[str], bool] | None = None,
    scored: list[list[ProjectedSpan]] | None = None,
) -> tuple[list[Sentence], ProjectionStats]:
    """Tag target-language sentences with a source-language model through translation.

    sentences (Sequence[Sentence]): Target sentences (their spans, if any, are ignored).
    translator (Translator): Target -> source translator (its ``tgt_lang`` is the
        language of the tagger).
    tagger (EntityTagger): Source-language NER model.
    aligner (Aligner): Cross-lingual aligner of (translation, original) pairs.
    projector (Projector): Projects the tagged entities onto the original words.
    back_translator (Translator | None): Source -> target translator of the back-translation.
    backtranslation (bool): Re-check each projected entity through a marked
        back-translation (``transfer.backtranslation``).
    src_tokenizer (Tokenizer | None): Tokenizer of the translations (source language).
    tgt_tokenizer (Tokenizer | None): Tokenizer of back-translations (target language).
    refine_aligner (Aligner | None): Same-language aligner; ``LexicalAligner()`` by default.
    chunk_size (int): Sentences per chunk.
    progress (bool): Show a progress bar.
    refine_stats (RefineStats | None): Filled with the refinement's counts.
    ignore (Callable[[str], bool] | None): Marks target words that are markup, not
        text (e.g. the ``REDIRECCIÓN`` keyword of Wikipedia redirect lines, see
        ``wiki_markup``). They are hidden from the translator, the tagger and the
        aligner and never start or end an entity; they stay in the output words.
    scored (list[list[ProjectedSpan]] | None): If given, one list per sentence is
        appended to it: the output spans with their projection scores (confidences),
        in the same order and word indices as the returned sentence's spans (which
        carry no score). Pseudo-labelling weighs a teacher's votes by these scores.
    RETURNS (tuple[list[Sentence], ProjectionStats]): One sentence per input, with the
        original words and the projected entities; statistics count the tagged entities.
    """
    refiner = None
    if backtranslation:
        if back_translator is None:
            raise UsageError(
                "backtranslation=True needs back_translator= (source -> target translator)."
            )
        refiner = BacktranslationRefiner(
            back_translator,
            tgt_tokenizer or Tokenizer(back_translator.tgt_lang),
            projector,
            refine_aligner,
        )
    src_tokenizer = src_tokenizer or Tokenizer(translator.tgt_lang)
    from tqdm import tqdm

    stats = ProjectionStats()
    out: list[Sentence] = []
    bar = tqdm(total=len(sentences), desc="translate-test", unit="sent", disable=not progress)
    for begin in range(0, len(sentences), chunk_size):
        chunk = sentences[begin : begin + chunk_size]
        # Indices of the words the pipeline sees, and those words (the target side).
        visible, tgt_words = hide_words([s.words for s in chunk], ignore)
        results = tag_through_translation(
            tgt_words,
            translator=translator,
            src_tokenizer=src_tokenizer,
            tagger=tagger,
            aligner=aligner,
            projector=projector,
            refiner=refiner,
            on_step=bar.set_postfix_str,
        )
        for sentence, kept, result in zip(chunk, visible, results, strict=True):
            if result is None:
                stats.add_sentence_dropped(DropReason.EMPTY_TRANSLATION)
                out.append(Sentence(list(sentence.words), []))
                if scored is not None:
                    scored.append([])
                continue
            stats.add(result.source.spans, result.projection)
            spans = result.projection.target_spans()
            if len(kept) != len(sentence.words):
                spans = unhide_spans(spans, kept)
            out.append(Sentence(list(sentence.words), spans))
            if scored is not None:
                scored.append(_scored(result.projection, kept, len(sentence.words)))
        bar.update(len(chunk))
    bar.close()
    if refiner is not None and refine_stats is not None:
        _merge_refine_stats(refine_stats, refiner.stats)
    return out, stats


def translate_test_shards(
    sentences: Sequence[Sentence],
    pool: Pool,
    *,
    chunk_size: int = 10_000,
    progress: bool = True,
    refine_stats: RefineStats | None = None,
) -> tuple[list[Sentence], ProjectionStats]:
    """``translate_test`` on workers: each shard of ``chunk_size`` sentences goes to a
    ``ShardTagger`` of ``pool`` (here or on Ray); results come back in input order.

    The output and the statistics are those of ``translate_test`` with the same
    ``chunk_size``: it too translates, tags and aligns chunk by chunk.

    pool (Pool): From ``EngineOptions.start(TranslateTestBackends(...))``.
    chunk_size (int): Sentences per shard (eflomal aligns each shard on its own).
    progress (bool): Show a progress bar.
    refine_stats (RefineStats | None): Filled with the refinement's counts.
    """
    from tqdm import tqdm

    out: list[Sentence] = []
    stats = ProjectionStats()
    bar = tqdm(total=len(sentences), desc="translate-test", unit="sent", disable=not progress)
    try:
        for tagged, shard_stats, shard_refine in pool.map_ordered(batched(sentences, chunk_size)):
            out.extend(tagged)
            stats.merge(shard_stats)
            if refine_stats is not None:
                _merge_refine_stats(refine_stats, shard_refine)
            bar.update(len(tagged))
    finally:
        bar.close()
    return out, stats


class ShardTagger:
    """translate-test's worker: ``translate_test`` on one shard, with its backends held.

    Arguments as for ``translate_test``. Called with a list of sentences, it returns
    their tagged sentences, projection statistics and refinement statistics.
    """

    def __init__(
        self,
        *,
        translator: Translator,
        tagger: EntityTagger,
        aligner: Aligner,
        projector: Projector,
        back_translator: Translator | None = None,
        backtranslation: bool = False,
        ignore: Callable[[str], bool] | None = None,
    ) -> None:
        self.translator = translator
        self.tagger = tagger
        self.aligner = aligner
        self.projector = projector
        self.back_translator = back_translator
        self.backtranslation = backtranslation
        self.ignore = ignore

    @property
    def info(self) -> dict[str, Any]:
        return {
            "translator": self.translator.name,
            "aligner": getattr(self.aligner, "name", None),
            "tagger": getattr(self.tagger, "name", type(self.tagger).__name__),
        }

    def __call__(
        self, shard: list[Sentence]
    ) -> tuple[list[Sentence], ProjectionStats, RefineStats]:
        refine_stats = RefineStats()
        out, stats = translate_test(
            shard,
            translator=self.translator,
            tagger=self.tagger,
            aligner=self.aligner,
            projector=self.projector,
            back_translator=self.back_translator,
            backtranslation=self.backtranslation,
            chunk_size=max(1, len(shard)),  # the shard is the chunk
            progress=False,
            refine_stats=refine_stats,
            ignore=self.ignore,
        )
        return out, stats, refine_stats


@dataclass(frozen=True)
class TranslateTestBackends:
    """translate-test's worker spec: the backends as the command line names them.

    Picklable, so each Ray worker builds its own translators, tagger and aligner from
    it, once (``transfer.engine``).

    translator (str): Target -> source translator spec.
    ner (str): Source NER model (spaCy name or folder, or ``hf:DIR``).
    aligner (str): Aligner spec.
    options (ProjectionOptions): The projection method and its options.
    src_lang (str): Language of the NER model.
    tgt_lang (str): Language of the input.
    label_map (dict | None): Renames (or, with None, drops) the model's labels.
    backtranslation (bool): Re-check the entities through a marked back-translation.
    back_translator (str | None): Source -> target spec of the back-translation; default
        ``translator``'s.
    cache_dir (str | Path | None): Translation cache folder.
    ignore_wiki_markup (bool): Hide Wikipedia redirect keywords (``wiki_markup``).
    progress (bool): The translation cache's progress bars.
    """

    translator: str
    ner: str
    aligner: str
    options: ProjectionOptions
    src_lang: str
    tgt_lang: str
    label_map: dict[str, str | None] | None = None
    backtranslation: bool = False
    back_translator: str | None = None
    cache_dir: str | Path | None = None
    ignore_wiki_markup: bool = False
    progress: bool = False

    def build(self) -> ShardTagger:
        from ..align.build import build_aligner
        from ..ner.build import build_tagger
        from ..project.build import build_projector
        from ..translate.build import build_translator

        projector = build_projector(self.options, lang=self.tgt_lang)
        tagger = build_tagger(self.ner, label_map=self.label_map)
        bar = None if self.progress else False  # False: never (--no-progress, Ray workers)
        mt = build_translator(
            self.translator, self.tgt_lang, self.src_lang, cache_dir=self.cache_dir, progress=bar
        )
        back = None
        if self.backtranslation:
            back = build_translator(
                self.back_translator or self.translator,
                self.src_lang,
                self.tgt_lang,
                cache_dir=self.cache_dir,
                progress=bar,
            )
        return ShardTagger(
            translator=mt,
            tagger=tagger,
            aligner=build_aligner(self.aligner),
            projector=projector,
            back_translator=back,
            backtranslation=self.backtranslation,
            ignore=wiki_markup if self.ignore_wiki_markup else None,
        )


@dataclass(slots=True)
class TaggedProjection:
    """Translate-test's result for one target sentence."""

    translation: str  # the target sentence in the source language
    source: Sentence  # the translation's words and the entities tagged on them
    projection: Projection  # those entities on the target words


def tag_through_translation(
    tgt_words: Sequence[Sequence[str]],
    *,
    translator: Translator,
    src_tokenizer: Tokenizer,
    tagger: EntityTagger,
    aligner: Aligner,
    projector: Projector,
    texts: Sequence[str] | None = None,
    refiner: BacktranslationRefiner | None = None,
    on_step: Callable[[str], object] | None = None,
) -> list[TaggedProjection | None]:
    """Translate, tag, align and project one batch: the step every translate-test shares.

    tgt_words (Sequence[Sequence[str]]): The target sentences' words.
    texts (Sequence[str] | None): Their texts as the translator should see them (a
        doc's own text keeps its spacing); by default the words, detokenised.
    RETURNS (list[TaggedProjection | None]): One per sentence; None where the sentence
        or its translation has no words (nothing to tag or align).
    """
    step = on_step or (lambda _: None)
    if texts is None:
        texts = [detokenize(words) for words in tgt_words]
    step("translating")
    translations = translator.translate(list(texts))
    check_count(translator, "translations", translations, len(tgt_words))
    src_words = src_tokenizer.pipe(translations)
    keep = [k for k, words in enumerate(src_words) if words and tgt_words[k]]
    step("tagging")
    tagged = [Sentence(src_words[k], []) for k in keep]
    for sentence, spans in zip(tagged, tagger.tag([s.words for s in tagged]), strict=True):
        sentence.spans = sorted(spans)
    step("aligning")
    # Links run from the tagged translation (the projection's source) to the original.
    links = aligner.align([(t.words, tgt_words[k]) for t, k in zip(tagged, keep, strict=True)])
    projections = [
        projector.project(t.words, t.spans, tgt_words[k], sentence_links)
        if t.spans
        else Projection()
        for t, k, sentence_links in zip(tagged, keep, links, strict=True)
    ]
    if refiner is not None:
        step("back-translating")
        projections = refiner.refine(tagged, [tgt_words[k] for k in keep], projections)
    results: list[TaggedProjection | None] = [None] * len(tgt_words)
    for k, t, projection in zip(keep, tagged, projections, strict=True):
        results[k] = TaggedProjection(translations[k], t, projection)
    return results


def wiki_markup(word: str) -> bool:
    """Whether ``word`` is the keyword of a Wikipedia redirect line, in any casing.

    WikiANN keeps redirect pages as "sentences" (``REDIRECCIÓN Sancho I de Cerdaña``).
    The keyword is no text: MT copies it unchanged and a tagger reads it as the first
    word of a name, so it is best hidden (``translate_test(..., ignore=wiki_markup)``).
    """
    return word.lstrip("#").casefold() in _REDIRECT_KEYWORDS


# MediaWiki's redirect keyword in the languages of the project's data sets.
_REDIRECT_KEYWORDS = frozenset(
    {"redirect", "redirección", "alidirekti", "alidirektu", "birzuzendu", "tilvísun"}
    | {"пренасочување"}
)


def hide_words(
    sentences: Sequence[Sequence[str]], ignore: Callable[[str], bool] | None
) -> tuple[list[list[int]], list[list[str]]]:
    """What a model is shown of each sentence: the indices of the words ``ignore`` does
    not hide, and those words. ``unhide_spans`` maps spans back with the indices."""
    visible = [
        [i for i, word in enumerate(words) if ignore is None or not ignore(word)]
        for words in sentences
    ]
    shown = [[words[i] for i in v] for words, v in zip(sentences, visible, strict=True)]
    return visible, shown


def _scored(projection: Projection, visible: list[int], n_words: int) -> list[ProjectedSpan]:
    """The projected spans with their scores, sorted as ``target_spans()`` sorts them."""
    spans = sorted(projection.spans)
    if len(visible) == n_words:
        return spans
    return unhide_spans(spans, visible)


def unhide_spans(spans: Sequence[_SpanT], visible: Sequence[int]) -> list[_SpanT]:
    """Map spans over the visible words back to indices of the full sentence.

    Any span dataclass with ``start`` and ``end`` (``Span``, ``ProjectedSpan``, a
    teacher's ``ScoredSpan``) keeps its other fields; a span that covered a hidden word
    keeps it inside.
    """
    return [replace(s, start=visible[s.start], end=visible[s.end - 1] + 1) for s in spans]


def _merge_refine_stats(into: RefineStats, other: RefineStats) -> None:
    into.sentences.update(other.sentences)
    into.refined += other.refined
    into.from_alignment += other.from_alignment
    into.dropped += other.dropped
