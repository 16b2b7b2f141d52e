"""Translate-train: labelled source sentences -> projected target sentences.

``project_sentences`` is the step itself, on one batch: translate (one call), tokenise
the translations, align source and target words (one call: eflomal learns from the
whole batch), project every sentence's entities. With ``projector="markers"`` the
entities are bracketed before translation and read back; entities whose markers
broke fall back to alignment projection on the unmarked translation. It returns one
``ProjectedSentence`` per input, with the projection's scores and dropped entities:
``translate_train`` runs it chunk by chunk (resumable), and the
``xlproj_translate_train`` component and the ``ProjectedCorpus.v1`` reader call it on
their batches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..align.base import Aligner
from ..evaluate import ProjectionStats
from ..project.base import Projector
from ..project.markers import (
    DEFAULT_MARKERS,
    Markers,
    MarkerStats,
    MarkerStatus,
    mark,
    merge_fallback,
    read_translation,
)
from ..tokenize import Tokenizer, detokenize
from ..translate.base import Translator
from ..types import Dropped, DropReason, Projection, Sentence, Span
from . import chunks
from .chunks import WorkDir, check_count, fingerprint

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
    """

    source: Sentence
    words: list[str]
    projection: Projection
    translation: str = ""
    dropped_sentence: str | None = None
    marker_status: str | None = None
    by_markers: int = 0

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
        ``HeuristicProjector()`` for markers with an aligner; None otherwise.
    """
    if isinstance(projector, str):
        if projector != MARKERS:
            raise ValueError(
                f"Unknown projection method {projector!r}: pass a Projector or 'markers'."
            )
        if aligner is not None and fallback_projector is None:
            from ..project.heuristic import HeuristicProjector

            return HeuristicProjector()
        return fallback_projector
    if aligner is None:
        raise ValueError("Alignment projection needs an aligner; pass aligner=… or use 'markers'.")
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
        (``HeuristicProjector()`` by default when an aligner is given).
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
    sentences: Sequence[Sentence],
    *,
    translator: Translator,
    aligner: Aligner | None,
    projector: ProjectorArg,
    tgt_lang: str,
    tokenizer: Tokenizer | None = None,
    fallback_projector: Projector | None = None,
    markers: Markers = DEFAULT_MARKERS,
    min_similarity: float = 0.5,
    chunk_size: int = 10_000,
    work_dir: str | Path | None = None,
    progress: bool = True,
    marker_stats: MarkerStats | None = None,
) -> tuple[list[Sentence], ProjectionStats]:
    """Translate labelled sentences and carry their entities across, chunk by chunk.

    Each chunk goes through ``project_sentences``; with a ``work_dir`` its results are
    stored there, so a rerun after a crash resumes with the first unfinished chunk.

    sentences (Sequence[Sentence]): Labelled source sentences.
    translator (Translator): Source -> target translator.
    aligner (Aligner | None): Word aligner; with ``projector="markers"`` it is only
        used for the fallback (``None``: entities of broken sentences are dropped).
    projector (Projector | "markers"): Alignment projector, or the markers method.
    tgt_lang (str): Target language code, for the default tokenizer.
    tokenizer (Tokenizer | None): Tokenizer of translations; ``Tokenizer(tgt_lang)`` by default.
    fallback_projector (Projector | None): The markers method's fallback projector
        (``HeuristicProjector()`` by default when an aligner is given).
    markers (tuple[str, str]): Opening and closing markers.
    min_similarity (float): Markers method: lowest similarity of entity and marked
        text for a match when the number of marked spans is wrong.
    chunk_size (int): Sentences per chunk (translation, alignment and storage unit).
    work_dir (str | Path | None): Folder for finished chunks; a rerun resumes there.
    progress (bool): Show a progress bar.
    marker_stats (MarkerStats | None): Filled with the markers method's counts.
    RETURNS (tuple[list[Sentence], ProjectionStats]): The target sentences (one per
        source sentence whose translation was not empty) and the statistics.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    fallback_projector = check_method(projector, aligner, fallback_projector)
    tokenizer = tokenizer or Tokenizer(tgt_lang)
    settings = {
        "translator": translator.name,
        "aligner": getattr(aligner, "name", None),
        "projector": projector if isinstance(projector, str) else repr(projector),
        "fallback": repr(fallback_projector),
        "tokenizer": repr(tokenizer),
        "markers": markers,
        "chunk_size": chunk_size,
    }
    work = WorkDir(work_dir, fingerprint(sentences, settings))
    stats = ProjectionStats()
    out: list[Sentence] = []
    bar = _progress(len(sentences), progress)
    for index, begin in enumerate(range(0, len(sentences), chunk_size)):
        chunk = sentences[begin : begin + chunk_size]
        records = work.load(index)
        if records is None:
            results = project_sentences(
                chunk,
                translator=translator,
                aligner=aligner,
                projector=projector,
                tokenizer=tokenizer,
                fallback_projector=fallback_projector,
                markers=markers,
                min_similarity=min_similarity,
                on_step=bar.set_postfix_str,
            )
            records = [to_record(r) for r in results]
            work.save(index, records)
        for rec in records:
            result = from_record(rec)
            if result.dropped_sentence is not None:
                stats.add_sentence_dropped(result.dropped_sentence, result.source.spans)
                continue
            stats.add(result.source.spans, result.projection)
            if marker_stats is not None and result.marker_status is not None:
                marker_stats.add(result.marker_status, result.by_markers, result.projection)
            out.append(result.target())
        bar.update(len(chunk))
    bar.close()
    return out, stats


def to_record(result: ProjectedSentence) -> dict:
    """One result as a JSON-able dict, for the work folder."""
    lost = result.dropped_sentence is not None
    extra: dict[str, Any] = {"source_words": result.source.words}
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
    if projection is None or words is None:
        dropped_sentence = dropped_sentence or DropReason.EMPTY_TRANSLATION
        return _lost(Sentence(rec.get("source_words", []), src_spans), dropped_sentence)
    return ProjectedSentence(
        Sentence(rec.get("source_words", []), src_spans),
        words,
        projection,
        marker_status=rec.get("marker_status"),
        by_markers=rec.get("by_markers", 0),
    )


def _lost(source: Sentence, reason: str, translation: str = "") -> ProjectedSentence:
    dropped = [Dropped(i, reason) for i in range(len(source.spans))]
    return ProjectedSentence(source, [], Projection([], dropped), translation, reason)


def _progress(total: int, enabled: bool):
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
        projection = projector.project(sentence.words, sentence.spans, tgt_words[k], links_of[k])
        results.append(ProjectedSentence(sentence, tgt_words[k], projection, translations[k]))
    return results


def mark_text(text: str, sentence: Sentence, markers: Markers = DEFAULT_MARKERS) -> str:
    """``mark`` the entities of ``sentence`` in its own ``text``, keeping its spacing.

    The markers go right around the entity text (``[Ana Torres] visited [Lima].``).
    Falls back to ``mark(sentence.words, …)`` when ``text`` holds a marker character
    (``mark`` replaces those) or does not hold the words in order.
    """
    fallback = mark(sentence.words, sentence.spans, markers)
    if any(m in text for m in markers):
        return fallback
    bounds: list[tuple[int, int]] = []
    position = 0
    for word in sentence.words:
        start = text.find(word, position)
        if start < 0:
            return fallback
        position = start + len(word)
        bounds.append((start, position))
    opening, closing = markers
    # At the same offset a closing marker goes before an opening one.
    inserts = sorted(
        [(bounds[s.start][0], 1, opening) for s in sentence.spans]
        + [(bounds[s.end - 1][1], 0, closing) for s in sentence.spans]
    )
    pieces: list[str] = []
    last = 0
    for offset, _, marker in inserts:
        pieces.extend([text[last:offset], marker])
        last = offset
    pieces.append(text[last:])
    return "".join(pieces)


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
    if texts is None:
        marked_texts = [mark(s.words, s.spans, markers) for s in sentences]
    else:
        marked_texts = [mark_text(t, s, markers) for t, s in zip(texts, sentences, strict=True)]
    translations = _translate(translator, marked_texts)
    marked = [
        read_translation(
            s.words, s.spans, text, tokenizer, markers=markers, min_similarity=min_similarity
        )
        for s, text in zip(sentences, translations, strict=True)
    ]
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
            results.append(_lost(sentence, DropReason.EMPTY_TRANSLATION, translations[k]))
            continue
        projection = merge_fallback(m, fallback_of.get(k), len(sentence.spans))
        status = m.status if sentence.spans else MarkerStatus.NO_ENTITIES
        results.append(
            ProjectedSentence(
                sentence,
                m.words,
                projection,
                translations[k],
                marker_status=status,
                by_markers=len(m.spans),
            )
        )
    return results
