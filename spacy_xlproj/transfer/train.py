"""Translate-train: labelled source sentences -> projected target sentences.

``project_sentences`` is the step itself, on one batch: translate (one call), tokenise
the translations, align source and target words (one call: eflomal learns from the
whole batch), project every sentence's entities. With ``projector="markers"`` the
entities are bracketed before translation and read back; entities whose markers
broke fall back to alignment projection on the unmarked translation. It returns one
``ProjectedSentence`` per input, with the projection's scores and dropped entities:
``translate_train`` runs it chunk by chunk (resumable), and the
``xlproj_translate_train`` component and the ``ProjectedCorpus.v1`` reader call it on
their batches. ``ChunkProjector`` is that work on one chunk, as a worker of
``transfer.engine``; ``TrainBackends`` builds it from the command line's specs, so
``stream_translate_train`` can run the chunks on Ray workers as well as here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..align.base import Aligner
from ..errors import UsageError
from ..evaluate import ProjectionStats
from ..project.base import Projector
from ..project.markers import (
    DEFAULT_MARKERS,
    Markers,
    MarkerStats,
    MarkerStatus,
    merge_fallback,
    translate_marked,
)
from ..project.markers import mark_text as mark_text  # re-export: it lived here before
from ..tokenize import Tokenizer, detokenize
from ..translate.base import Translator
from ..translate.identity import translator_identity
from ..types import Dropped, DropReason, Link, Projection, Sentence, Span
from . import chunks
from .chunks import check_count, run_chunks, sentences_key
from .engine import LocalPool, Pool
from .span_filters import SpanFilter

if TYPE_CHECKING:
    from ..project.options import ProjectionOptions

MARKERS = "markers"

ProjectorArg = Projector | Literal["markers"]


@dataclass(slots=True)
class ProjectedSentence:
    """One source sentence carried across to its translation.

    source (Sentence): The source words and entities.
    words (list[str]): The target words (without markers); empty when the
        translation was.
    projection (Projection): The entities projected onto ``words`` (``source`` indices
        point into ``source.spans``), with their scores, and every entity that was not
        placed, with the reason.
    translation (str): The translator's output (markers included, for the markers
        method); empty for a sentence without words, which is not translated.
    dropped_sentence (str | None): Why the whole sentence was lost
        (``"empty_translation"``: every entity is dropped with that reason), or None.
    marker_status (str | None): How the markers came back (a ``MarkerStatus``); None
        for alignment projection.
    by_markers (int): Spans placed by the markers (the others came from the fallback).
    links (list[tuple[int, int]]): The word alignment the entities were projected
        through, ``(source index, target index)``; empty for the markers method (its
        fallback's links are not kept) and for a lost sentence.
    """

    source: Sentence
    words: list[str]
    projection: Projection
    translation: str = ""
    dropped_sentence: str | None = None
    marker_status: str | None = None
    by_markers: int = 0
    links: list[Link] = field(default_factory=list)

    def target(self) -> Sentence:
        """The target sentence: the words and the projected entities."""
        return Sentence(list(self.words), self.projection.target_spans())


def check_method(
    projector: ProjectorArg, aligner: Aligner | None, fallback_projector: Projector | None
) -> Projector | None:
    """Check a projection method and its aligner; return the markers method's fallback.

    projector (Projector | "markers"): An alignment projector, or the markers method.
    aligner (Aligner | None): Required for alignment projection; for markers, optional
        (it only serves the fallback).
    fallback_projector (Projector | None): The markers method's fallback projector.
    RETURNS (Projector | None): The fallback projector to use: the one given, or
        the markers method's default heuristic when an aligner is given; None otherwise.
    """
    if isinstance(projector, str):
        if projector != MARKERS:
            raise UsageError(
                f"Unknown projection method {projector!r}: pass a Projector or 'markers'."
            )
        if aligner is not None and fallback_projector is None:
            from ..project.build import ProjectionOptions, build_projector

            return build_projector(ProjectionOptions(method=MARKERS))
        return fallback_projector
    if aligner is None:
        raise UsageError("Alignment projection needs an aligner; pass aligner=… or use 'markers'.")
    return None


def project_sentences(
    sentences: Sequence[Sentence],
    *,
    translator: Translator,
    aligner: Aligner | None,
    projector: ProjectorArg,
    tokenizer: Tokenizer,
    fallback_projector: Projector | None = None,
    markers: Markers = DEFAULT_MARKERS,
    min_similarity: float = 0.5,
    texts: Sequence[str] | None = None,
    on_step: Callable[[str], Any] | None = None,
) -> list[ProjectedSentence]:
    """Translate one batch of labelled sentences and carry their entities across.

    The batch costs one translate call and (at most) one align call.

    sentences (Sequence[Sentence]): Labelled source sentences.
    translator (Translator): Source -> target translator.
    aligner (Aligner | None): Word aligner; with ``projector="markers"`` it is only
        used for the fallback (``None``: entities whose markers broke are dropped).
    projector (Projector | "markers"): Alignment projector, or the markers method.
    tokenizer (Tokenizer): Splits the translations into words.
    fallback_projector (Projector | None): The markers method's fallback projector
        (the default heuristic of ``ProjectionOptions`` when an aligner is given).
    markers (tuple[str, str]): Opening and closing markers.
    min_similarity (float): Markers method: lowest similarity of entity and marked
        text for a match when the number of marked spans is wrong.
    texts (Sequence[str] | None): The text of each sentence (e.g. a doc's text, with
        its own spacing), to translate instead of the words joined by spaces. The
        markers method marks it in place (``[Ana] visited [Lima].``), or marks the
        words when the text holds a marker character or a word it lacks.
    on_step (Callable[[str], Any] | None): Called with the name of each step.
    RETURNS (list[ProjectedSentence]): One per source sentence, in order.
    """
    fallback_projector = check_method(projector, aligner, fallback_projector)
    if texts is not None and len(texts) != len(sentences):
        raise ValueError(f"Got {len(texts)} texts for {len(sentences)} sentences.")
    step = on_step or (lambda name: None)
    if isinstance(projector, str):
        return _markers_batch(
            sentences,
            texts,
            translator,
            tokenizer,
            aligner,
            fallback_projector,
            markers,
            min_similarity,
            step,
        )
    assert aligner is not None  # check_method made sure
    if texts is None:
        texts = [detokenize(s.words) for s in sentences]
    return _alignment_batch(sentences, texts, translator, tokenizer, aligner, projector, step)


def translate_train(
    sentences: Iterable[Sentence], **options: Any
) -> tuple[list[Sentence], ProjectionStats]:
    """Translate labelled sentences and carry their entities across, chunk by chunk.

    The list form of ``iter_translate_train``, which takes the same keyword arguments
    (one signature, kept there): it holds every target sentence, so for large inputs
    prefer ``iter_translate_train`` and write the sentences as they come.

    RETURNS (tuple[list[Sentence], ProjectionStats]): The target sentences (one per
        source sentence whose translation was not empty) and the statistics.
    """
    stats = ProjectionStats()
    out = list(iter_translate_train(sentences, stats=stats, **options))
    return out, stats


def iter_translate_train(
    sentences: Iterable[Sentence],
    *,
    translator: Translator,
    aligner: Aligner | None,
    projector: ProjectorArg,
    tgt_lang: str,
    tokenizer: Tokenizer | None = None,
    fallback_projector: Projector | None = None,
    markers: Markers = DEFAULT_MARKERS,
    min_similarity: float = 0.5,
    stats: ProjectionStats | None = None,
    **stream: Any,
) -> Iterator[Sentence]:
    """Translate labelled sentences and carry their entities across, streaming.

    ``stream_translate_train`` with one ``ChunkProjector`` in this process: the
    sentences are read lazily and go through ``project_sentences`` one chunk at a time;
    each chunk's target sentences are yielded as soon as it is done, so a caller that
    writes them as they come holds one chunk in memory.

    A translator that answers by position (``FileTranslator`` without a source file:
    line *i* translates sentence *i*, the ``translate`` command's output) is given, for
    each chunk, the lines of that chunk's sentences; the file must have one line per
    sentence.

    sentences (Iterable[Sentence]): Labelled source sentences; a generator is fine.
    translator (Translator): Source -> target translator.
    aligner (Aligner | None): Word aligner; with ``projector="markers"`` it is only
        used for the fallback (``None``: entities of broken sentences are dropped).
    projector (Projector | "markers"): Alignment projector, or the markers method.
    tgt_lang (str): Target language code, for the default tokenizer.
    tokenizer (Tokenizer | None): Tokenizer of translations; ``Tokenizer(tgt_lang)`` by default.
    fallback_projector (Projector | None): The markers method's fallback projector
        (the default heuristic of ``ProjectionOptions`` when an aligner is given).
    markers (tuple[str, str]): Opening and closing markers.
    min_similarity (float): Markers method: lowest similarity of entity and marked
        text for a match when the number of marked spans is wrong.
    stats (ProjectionStats | None): Filled as the sentences come (complete once the
        iterator is exhausted).
    **stream: The chunking, work folder, progress and filter arguments of
        ``stream_translate_train`` (``chunk_size``, ``work_dir``, ``progress``,
        ``marker_stats``, ``settings``, ``total``, ``span_filter``, ``filtered``,
        ``on_sentence``),
        passed on as they are: one signature, kept there.
    YIELDS (Sentence): One target sentence per source sentence whose translation was
        not empty, in order.
    """
    worker = ChunkProjector(
        translator=translator,
        aligner=aligner,
        projector=projector,
        tgt_lang=tgt_lang,
        tokenizer=tokenizer,
        fallback_projector=fallback_projector,
        markers=markers,
        min_similarity=min_similarity,
    )
    lines = _positional_lines(translator)
    stats = stats if stats is not None else ProjectionStats()
    before = stats.sentences
    yield from stream_translate_train(sentences, LocalPool(worker), stats=stats, **stream)
    if lines is not None and stats.sentences - before != len(lines):
        _line_count_error(translator, len(lines), stats.sentences - before)


def stream_translate_train(
    sentences: Iterable[Sentence],
    pool: Pool,
    *,
    chunk_size: int = 10_000,
    work_dir: str | Path | None = None,
    progress: bool = True,
    stats: ProjectionStats | None = None,
    marker_stats: MarkerStats | None = None,
    settings: Mapping[str, Any] | None = None,
    total: int | None = None,
    span_filter: SpanFilter | None = None,
    filtered: Counter[str] | None = None,
    on_sentence: Callable[[ProjectedSentence], Any] | None = None,
) -> Iterator[Sentence]:
    """``iter_translate_train`` on workers: a ``Pool`` of ``ChunkProjector`` (local or Ray).

    Each chunk is a shard: a worker translates, aligns (eflomal learns from the whole
    chunk, as in one process) and projects it; the records come back in input order and
    are stored in the work folder as they come, so a killed run resumes, with either
    engine. The folder's manifest records the workers' settings (``pool.info``: the
    translator, aligner, projector, tokenizer and markers), the chunk size and
    ``settings``, and a rerun with any other value is refused (``WorkDirError``, naming
    the setting): a run started in one process may be resumed on Ray.

    sentences (Iterable[Sentence]): Labelled source sentences; a generator is fine.
    pool (Pool): From ``EngineOptions.start(TrainBackends(...))``, or
        ``LocalPool(ChunkProjector(...))``.
    chunk_size (int): Sentences per chunk (translation, alignment and storage unit).
    work_dir (str | Path | None): Folder for finished chunks; a rerun resumes there.
    progress (bool): Show a progress bar.
    stats (ProjectionStats | None): Filled as the sentences come (complete once the
        iterator is exhausted).
    marker_stats (MarkerStats | None): Filled with the markers method's counts.
    settings (Mapping | None): More settings for the work folder's manifest, e.g. the
        source file's identity (``chunks.file_identity``) under ``"source"``. Without
        ``"source"``, a sequence of sentences is identified by a hash of its content.
    total (int | None): The number of sentences, for the progress bar.
    span_filter (SpanFilter | None): Drop projected spans the target language does not
        call names (``transfer.span_filters``). It is applied as the sentences are
        yielded, after the work folder: the stored chunks hold every projected span,
        so a resumed run may change the filter (it is not in the manifest) and ``stats``
        count the projection before the filter.
    filtered (Counter[str] | None): The filter's dropped spans, counted by reason.
    on_sentence (Callable[[ProjectedSentence], Any] | None): Called with the result of
        each sentence that is yielded, just before it is, so in the same order: e.g. to
        write the source side beside the output (``transfer.output.source_sidecar``).
    YIELDS (Sentence): One target sentence per source sentence whose translation was
        not empty, in order.
    """
    if chunk_size < 1:
        raise UsageError(f"chunk_size must be >= 1, got {chunk_size}")
    run_settings: dict[str, Any] = {**pool.info, **(settings or {})}
    if isinstance(sentences, Sequence):
        total = len(sentences) if total is None else total
        if "source" not in run_settings:
            run_settings["input"] = {"sentences": len(sentences), "sha1": sentences_key(sentences)}
    stats = stats if stats is not None else ProjectionStats()
    bar = _progress(total, progress)
    if isinstance(pool, LocalPool) and isinstance(pool.worker, ChunkProjector):
        pool.worker.on_step = bar.set_postfix_str  # steps show only where the work runs
    try:
        for records in run_chunks(
            sentences,
            pool=pool,
            chunk_size=chunk_size,
            work_dir=work_dir,
            settings=run_settings,
            kind="translate-train",
            on_chunk=bar.update,
        ):
            for rec in records:
                result = from_record(rec)
                if result.dropped_sentence is not None:
                    stats.add_sentence_dropped(result.dropped_sentence, result.source.spans)
                    continue
                stats.add(result.source.spans, result.projection)
                if marker_stats is not None and result.marker_status is not None:
                    marker_stats.add(result.marker_status, result.by_markers, result.projection)
                target = result.target()
                if span_filter is not None:
                    target.spans = span_filter.apply(target.words, target.spans, filtered)
                if on_sentence is not None:
                    on_sentence(result)
                yield target
    finally:
        bar.close()


class ChunkProjector:
    """translate-train's worker: translates, aligns and projects one chunk.

    ``run_chunks`` sends it ``(index, begin, sentences)``; it returns one record per
    sentence (``to_record``). The same object runs in this process or on a Ray worker
    (built there by ``TrainBackends``). Arguments as for ``project_sentences``.
    """

    def __init__(
        self,
        *,
        translator: Translator,
        aligner: Aligner | None,
        projector: ProjectorArg,
        tgt_lang: str,
        tokenizer: Tokenizer | None = None,
        fallback_projector: Projector | None = None,
        markers: Markers = DEFAULT_MARKERS,
        min_similarity: float = 0.5,
        on_step: Callable[[str], Any] | None = None,
    ) -> None:
        self.fallback_projector = check_method(projector, aligner, fallback_projector)
        self.translator = translator
        self.aligner = aligner
        self.projector = projector
        self.tokenizer = tokenizer or Tokenizer(tgt_lang)
        self.markers = markers
        self.min_similarity = min_similarity
        self.on_step = on_step

    @property
    def info(self) -> dict[str, Any]:
        """What the chunks depend on, for the work folder's manifest."""
        projector = self.projector
        return {
            "translator": translator_identity(self.translator),
            "aligner": getattr(self.aligner, "name", None),
            "projector": projector if isinstance(projector, str) else repr(projector),
            "fallback": repr(self.fallback_projector),
            "tokenizer": repr(self.tokenizer),
            "markers": list(self.markers),
            "min_similarity": self.min_similarity,
            # The records keep each sentence's alignment links (for the source side of the
            # output): a work folder made before they did is refused, not read without them.
            "links": True,
        }

    def __call__(self, task: tuple[int, int, list[Sentence]]) -> list[dict]:
        _, begin, chunk = task
        results = project_sentences(
            chunk,
            translator=chunk_translator(self.translator, begin, chunk),
            aligner=self.aligner,
            projector=self.projector,
            tokenizer=self.tokenizer,
            fallback_projector=self.fallback_projector,
            markers=self.markers,
            min_similarity=self.min_similarity,
            on_step=self.on_step,
        )
        return [to_record(r) for r in results]


@dataclass(frozen=True)
class TrainBackends:
    """translate-train's worker spec: the backends as the command line names them.

    Picklable, so each Ray worker builds its own translator, aligner and projector
    from it, once (``transfer.engine``).

    translator (str): Translator spec (``apertium``, ``hf:DIR``, ``file:PATH``…).
    aligner (str): Aligner spec (``eflomal``, ``simalign:DIR``, ``lexical``), or
        ``none`` (markers without a fallback).
    options (ProjectionOptions): The projection method and its options.
    src_lang (str): Source language code.
    tgt_lang (str): Target language code.
    cache_dir (str | Path | None): The translation cache folder (sqlite is safe to share).
    markers (tuple[str, str]): The markers method's markers.
    progress (bool): The translation cache's progress bar.
    """

    translator: str
    aligner: str
    options: ProjectionOptions
    src_lang: str
    tgt_lang: str
    cache_dir: str | Path | None = None
    markers: Markers = DEFAULT_MARKERS
    progress: bool = False

    def build(self) -> ChunkProjector:
        from ..align.build import build_aligner
        from ..project.build import build_projector
        from ..translate.build import build_translator

        projector = build_projector(self.options, lang=self.tgt_lang)
        # None: the bar shows on long runs; False: never (--no-progress, Ray workers).
        bar = None if self.progress else False
        translator = build_translator(
            self.translator, self.src_lang, self.tgt_lang, cache_dir=self.cache_dir, progress=bar
        )
        aligner = None if self.aligner == "none" else build_aligner(self.aligner)
        markers = self.options.method == MARKERS
        return ChunkProjector(
            translator=translator,
            aligner=aligner,
            projector=MARKERS if markers else projector,
            fallback_projector=projector if markers else None,
            tgt_lang=self.tgt_lang,
            markers=self.markers,
        )


def chunk_translator(translator: Translator, begin: int, chunk: list[Sentence]) -> Translator:
    """The translator to use on one chunk: ``translator``, unless it answers by position.

    A ``FileTranslator`` without a source file gives line *i* for the *i*-th text asked
    for; on a chunk starting at sentence ``begin`` it must give lines ``begin …``.
    """
    lines = _positional_lines(translator)
    return translator if lines is None else _LineWindow(translator, lines, begin, chunk)


def _positional_lines(translator: Translator) -> list[str] | None:
    """The lines of a translator that answers by position (line i = sentence i), or None."""
    from ..translate.file import FileTranslator

    if isinstance(translator, FileTranslator) and translator.lookup is None:
        return translator.lines
    return None


def _line_count_error(translator: Translator, n_lines: int, n_sentences: int) -> None:
    from ..errors import DataFormatError

    raise DataFormatError(
        getattr(translator, "path", translator.name),
        None,
        f"has {n_lines} lines but the input has "
        + (f"at least {n_sentences}" if n_sentences > n_lines else str(n_sentences))
        + " sentences.",
        "Line i must translate sentence i (as the translate command writes them); or give "
        "file:PATH:SOURCE to look translations up by source text.",
    )


class _LineWindow:
    """A positional translator's answers for one chunk: line ``begin + k`` for sentence k.

    Chunks break "line i translates the i-th text asked for": the window knows where
    its chunk starts. Sentences without words are not sent (``_translate``), so their
    lines are skipped.
    """

    def __init__(
        self, translator: Translator, lines: list[str], begin: int, chunk: list[Sentence]
    ) -> None:
        self.name = translator.name
        self.src_lang = translator.src_lang
        self.tgt_lang = translator.tgt_lang
        if begin + len(chunk) > len(lines):
            _line_count_error(translator, len(lines), begin + len(chunk))
        self.lines = [lines[begin + k] for k, s in enumerate(chunk) if s.words]

    def translate(self, texts: Sequence[str]) -> list[str]:
        check_count(self, "texts to translate (one per sentence with words)", self.lines,
                    len(texts))  # fmt: skip
        return list(self.lines)


def to_record(result: ProjectedSentence) -> dict:
    """One result as a JSON-able dict, for the work folder."""
    lost = result.dropped_sentence is not None
    extra: dict[str, Any] = {
        "source_words": result.source.words,
        # The translation's own spacing, for the docs of ProjectedCorpus.
        "translation": result.translation,
        "links": [[i, j] for i, j in result.links],
    }
    if result.marker_status is not None:
        extra.update(marker_status=result.marker_status, by_markers=result.by_markers)
    return chunks.record(
        None if lost else result.words,
        result.source.spans,
        None if lost else result.projection,
        result.dropped_sentence,
        **extra,
    )


def from_record(rec: dict) -> ProjectedSentence:
    """Undo ``to_record``."""
    words, src_spans, projection = chunks.from_record(rec)
    dropped_sentence = rec["dropped_sentence"]
    source = Sentence(rec.get("source_words", []), src_spans)
    translation = rec.get("translation", "")
    if projection is None or words is None:
        dropped_sentence = dropped_sentence or DropReason.EMPTY_TRANSLATION
        return _lost(source, dropped_sentence, translation)
    return ProjectedSentence(
        source,
        words,
        projection,
        translation,
        marker_status=rec.get("marker_status"),
        by_markers=rec.get("by_markers", 0),
        links=[(i, j) for i, j in rec.get("links", [])],
    )


def _lost(source: Sentence, reason: str, translation: str = "") -> ProjectedSentence:
    dropped = [Dropped(i, reason) for i in range(len(source.spans))]
    return ProjectedSentence(source, [], Projection([], dropped), translation, reason)


def _progress(total: int | None, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="translate-train", unit="sent", disable=not enabled)


def _translate(translator: Translator, texts: Sequence[str]) -> list[str]:
    # Sentences without words are not sent: some translators choke on empty input.
    todo = [k for k, text in enumerate(texts) if text.strip()]
    out = [""] * len(texts)
    if todo:
        translations = translator.translate([texts[k] for k in todo])
        check_count(translator, "translations", translations, len(todo))
        for k, translation in zip(todo, translations, strict=True):
            out[k] = translation
    return out


def _alignment_batch(
    sentences: Sequence[Sentence],
    texts: Sequence[str],
    translator: Translator,
    tokenizer: Tokenizer,
    aligner: Aligner,
    projector: Projector,
    step: Callable[[str], Any],
) -> list[ProjectedSentence]:
    step("translating")
    translations = _translate(translator, texts)
    tgt_words = tokenizer.pipe(translations)
    keep = [k for k, words in enumerate(tgt_words) if words and sentences[k].words]
    step("aligning")
    links = aligner.align([(sentences[k].words, tgt_words[k]) for k in keep]) if keep else []
    check_count(aligner, "alignments", links, len(keep))
    links_of = dict(zip(keep, links, strict=True))
    step("projecting")
    results = []
    for k, sentence in enumerate(sentences):
        if k not in links_of:
            results.append(_lost(sentence, DropReason.EMPTY_TRANSLATION, translations[k]))
            continue
        pairs = [(i, j) for i, j in links_of[k]]
        projection = projector.project(sentence.words, sentence.spans, tgt_words[k], pairs)
        results.append(
            ProjectedSentence(sentence, tgt_words[k], projection, translations[k], links=pairs)
        )
    return results


def _markers_batch(
    sentences: Sequence[Sentence],
    texts: Sequence[str] | None,
    translator: Translator,
    tokenizer: Tokenizer,
    aligner: Aligner | None,
    fallback: Projector | None,
    markers: Markers,
    min_similarity: float,
    step: Callable[[str], Any],
) -> list[ProjectedSentence]:
    step("translating")
    # Marking, escaping the user's own brackets and reading back are the markers
    # module's; the translator is only called here, through ``_translate``.
    marked = translate_marked(
        sentences,
        lambda batch: _translate(translator, batch),
        tokenizer,
        texts=texts,
        markers=markers,
        min_similarity=min_similarity,
    )
    # Entities the markers lost go through alignment, all pairs in one batch.
    need = [k for k, m in enumerate(marked) if m.lost and m.words]
    fallback_of: dict[int, Projection] = {}
    if need and aligner is not None and fallback is not None:
        step("aligning fallback")
        links = aligner.align([(sentences[k].words, marked[k].words) for k in need])
        check_count(aligner, "alignments", links, len(need))
        for k, sentence_links in zip(need, links, strict=True):
            lost: list[Span] = [sentences[k].spans[i] for i in marked[k].lost]
            fallback_of[k] = fallback.project(
                sentences[k].words, lost, marked[k].words, sentence_links
            )
    results = []
    for k, (sentence, m) in enumerate(zip(sentences, marked, strict=True)):
        if not m.words:
            results.append(_lost(sentence, DropReason.EMPTY_TRANSLATION, m.text))
            continue
        projection = merge_fallback(m, fallback_of.get(k), len(sentence.spans))
        status = m.status if sentence.spans else MarkerStatus.NO_ENTITIES
        results.append(
            ProjectedSentence(
                sentence,
                m.words,
                projection,
                m.text,  # the target text: our markers out, the user's brackets back
                marker_status=status,
                by_markers=len(m.spans),
            )
        )
    return results
