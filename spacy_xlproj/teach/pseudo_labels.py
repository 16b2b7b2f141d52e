"""Pseudo-labelling: teachers label unlabelled target text, an ensemble keeps what they agree on.

:func:`pseudo_label` runs every teacher on each batch of sentences, combines their
spans with :func:`~spacy_xlproj.teach.ensemble.combine`, and decides what happens to
the words the teachers disagree on (``uncertain``):

* ``missing`` (default): neither entity nor O. spaCy's NER ignores such tokens in its
  loss, so a student learns the agreed spans and the agreed O's and nothing where the
  teachers disagree (in a trial on CoNLL-2002 Spanish this gave the best student).
* ``outside``: they become O, as if no teacher had proposed anything there.
* ``drop-sentence``: a sentence with any uncertain word is left out (and counted).

A ``span_filter`` (:class:`~spacy_xlproj.transfer.span_filters.SpanFilter`) then removes
accepted spans the target language does not call names (lower-case spans such as
``español`` as MISC, chosen labels). Their words become O, not missing: the filter
says they are not entities, which is a decision, not a disagreement.

:func:`to_doc` and :func:`write_pseudo_docbin` write the result for ``spacy train``:
``doc.ents`` are the accepted spans, missing words have ``token.ent_iob_ == ""``, and
``doc.spans["xlproj"]`` holds the same spans with ``attrs["scores"]``, their ensemble
confidence, as the projection components write it. :func:`pseudo_label_file` is the
whole command on files. The teachers label each batch in a :class:`TeacherPanel`, the
worker of ``transfer.engine``: in this process, or on Ray workers (``pool=``).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import DataError, DataFormatError, UsageError
from ..io.docbin import msgpack_registry_looked_up_once
from ..io.paths import check_limit
from ..project.base import Projector
from ..registry import taggers
from ..transfer.consistency import Harmonize, check_head, head_majority, head_word
from ..transfer.engine import LocalPool, Pool
from ..transfer.span_filters import SpanFilter
from ..types import Sentence, Span
from .ensemble import VOTES, ScoredSpan, Vote, check_agreement, check_weights, combine, ranges
from .teachers import Teacher

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

UNCERTAIN_MODES = ("missing", "outside", "drop-sentence")
Uncertain = Literal["missing", "outside", "drop-sentence"]
SPANS_KEY = "xlproj"
# The span group of every teacher's proposals beside the accepted ones (``<key>_votes``):
# what a person reviewing the pseudo-labels sees (``spacy_xlproj.review``).
VOTES_SUFFIX = "_votes"
# What a pseudo-labelled DocBin stores: the words and the entity annotation, whose
# missing state (ENT_IOB 0) is the point of it.
DOCBIN_ATTRS = ["ORTH", "ENT_IOB", "ENT_TYPE"]
# eflomal learns alignments from the sentences of one call, so batches are as large
# as translate-test's chunks: smaller ones would align worse, not only slower.
DEFAULT_BATCH_SIZE = 10_000


@dataclass(frozen=True)
class EnsembleOptions:
    """How the teachers' proposals become pseudo-labels: the settings of the vote, in one
    place for the command, the Python API and the ensemble tagger.

    agreement (float): The vote share a span needs, in (0, 1]; 1.0 (default): every
        teacher proposed exactly it; 0.5: half of the weight.
    uncertain (str): ``missing``, ``outside`` or ``drop-sentence``: what becomes of
        words the teachers disagree on (module docstring).
    vote (str): ``weight`` (a teacher's vote counts its weight) or ``confidence``
        (weight × confidence), see :mod:`~spacy_xlproj.teach.ensemble`.
    span_filter (SpanFilter): Removes accepted spans (lower-case ones, chosen labels;
        their words become O). Counted in ``stats.filtered``.
    harmonize (str): ``none`` (default), ``first`` or ``last``: before the vote, each
        teacher's spans in a batch get the majority label that teacher gave the spans
        with the same head word (their first or last word) in that batch
        (:mod:`~spacy_xlproj.transfer.consistency`), so that a teacher that calls a name
        PER in most sentences and LOC in a few votes PER everywhere. Counted in
        ``stats.harmonized``.
    RAISES (ValueError): A setting out of range, when built.
    """

    agreement: float = 1.0
    uncertain: Uncertain = "missing"
    vote: Vote = "weight"
    span_filter: SpanFilter = field(default_factory=SpanFilter)
    harmonize: Harmonize = "none"

    def __post_init__(self) -> None:
        check_agreement(self.agreement)
        if self.harmonize != "none":
            check_head(self.harmonize)
        if self.uncertain not in UNCERTAIN_MODES:
            raise UsageError(
                f"uncertain must be one of {', '.join(UNCERTAIN_MODES)}, got {self.uncertain!r}."
            )
        if self.vote not in VOTES:
            raise UsageError(f"vote must be one of {', '.join(VOTES)}, got {self.vote!r}.")


@dataclass(slots=True)
class PseudoLabelled:
    """One pseudo-labelled sentence.

    index: Its position in the input (dropped sentences leave gaps).
    words: The input words.
    spans: The accepted spans, non-overlapping and sorted, with their confidence.
    missing: Word indices with no annotation (neither entity nor O), ascending.
    votes: Each teacher's proposed spans, in ``teachers`` order (empty: not kept).
    teachers: The teachers' names, repeats told apart (``#2``).
    """

    index: int
    words: list[str]
    spans: list[ScoredSpan] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    votes: list[list[ScoredSpan]] = field(default_factory=list)
    teachers: list[str] = field(default_factory=list)

    def to_sentence(self) -> Sentence:
        """The words and accepted spans (missing words are lost: a Sentence has no such state)."""
        return Sentence(list(self.words), [Span(s.start, s.end, s.label) for s in self.spans])


@dataclass
class PseudoLabelStats:
    """What the teachers proposed and what the ensemble kept.

    Per teacher (in ``teachers`` order): ``teacher_spans`` is how many spans it
    proposed, ``teacher_accepted`` how many of those were accepted. ``agreed_spans``
    are accepted spans (all sentences, dropped ones included; ``spans_written`` those
    in the output). ``disagreements`` are distinct proposed spans not accepted, split
    into ``below_agreement`` and ``overlapping`` (reached the threshold but overlapped
    a better span). ``uncertain_tokens`` are the words of disagreements outside every
    accepted span; ``missing_tokens`` are those written as missing (``uncertain``
    ``missing`` only). ``filtered``
    counts accepted spans that the ``span_filter`` removed, by reason (dropped sentences
    included, like ``agreed_spans``). ``harmonized`` counts teachers' spans relabelled
    by ``harmonize`` before the vote, per teacher.
    """

    teachers: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    agreement: float = 1.0
    vote: str = "weight"
    uncertain: str = "missing"
    sentences: int = 0
    sentences_written: int = 0
    sentences_dropped: int = 0
    sentences_with_uncertain: int = 0
    tokens: int = 0
    teacher_spans: list[int] = field(default_factory=list)
    teacher_accepted: list[int] = field(default_factory=list)
    harmonize: str = "none"
    harmonized: list[int] = field(default_factory=list)
    agreed_spans: int = 0
    spans_written: int = 0
    agreed_per_label: Counter[str] = field(default_factory=Counter)
    disagreements: int = 0
    below_agreement: int = 0
    overlapping: int = 0
    uncertain_tokens: int = 0
    missing_tokens: int = 0
    confidence_sum: float = 0.0
    span_filter: SpanFilter = field(default_factory=SpanFilter)
    filtered: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def average_confidence(self) -> float:
        """Mean ensemble confidence of the accepted spans (0 when there are none)."""
        return self.confidence_sum / self.agreed_spans if self.agreed_spans else 0.0

    def to_dict(self) -> dict[str, Any]:
        names = _unique(self.teachers)
        return {
            "teachers": [
                {
                    "name": name,
                    "weight": weight,
                    "spans": n,
                    "accepted": k,
                    "harmonized": h,
                }
                for name, weight, n, k, h in zip(
                    names,
                    self.weights,
                    self.teacher_spans,
                    self.teacher_accepted,
                    self.harmonized or [0] * len(names),
                    strict=True,
                )
            ],
            "harmonize": self.harmonize,
            "agreement": self.agreement,
            "vote": self.vote,
            "uncertain": self.uncertain,
            "sentences": self.sentences,
            "sentences_written": self.sentences_written,
            "sentences_dropped": self.sentences_dropped,
            "sentences_with_uncertain": self.sentences_with_uncertain,
            "tokens": self.tokens,
            "agreed_spans": self.agreed_spans,
            "spans_written": self.spans_written,
            "agreed_per_label": dict(sorted(self.agreed_per_label.items())),
            "disagreements": self.disagreements,
            "below_agreement": self.below_agreement,
            "overlapping": self.overlapping,
            "uncertain_tokens": self.uncertain_tokens,
            "missing_tokens": self.missing_tokens,
            "average_confidence": round(self.average_confidence, 4),
            "span_filter": self.span_filter.to_dict(),
            "filtered": dict(self.filtered),
            "seconds": round(self.seconds, 3),
        }

    def table(self) -> str:
        """An aligned text summary, one count per row."""
        rows: list[tuple[str, str]] = []
        for name, weight, n, k in zip(
            _unique(self.teachers),
            self.weights,
            self.teacher_spans,
            self.teacher_accepted,
            strict=True,
        ):
            rows.append((f"teacher {name} (weight {weight:g})", f"{n} spans, {k} accepted"))
        if self.harmonize != "none":
            for name, h in zip(_unique(self.teachers), self.harmonized, strict=True):
                rows.append((f"  {name}: relabelled by head word", str(h)))
        rows += [
            ("sentences", str(self.sentences)),
            ("sentences written", str(self.sentences_written)),
            ("sentences dropped", str(self.sentences_dropped)),
            ("sentences with uncertain words", str(self.sentences_with_uncertain)),
            ("agreed spans", str(self.agreed_spans)),
            ("average confidence", f"{self.average_confidence:.3f}"),
            ("disagreements", str(self.disagreements)),
            ("  below agreement", str(self.below_agreement)),
            ("  overlapping a better span", str(self.overlapping)),
            ("uncertain tokens", f"{self.uncertain_tokens} of {self.tokens}"),
            ("missing tokens", str(self.missing_tokens)),
        ]
        if self.span_filter.active:
            rows.append(("filtered spans", str(sum(self.filtered.values()))))
            rows += [(f"  {reason}", str(n)) for reason, n in self.filtered.items()]
        for label, n in sorted(self.agreed_per_label.items()):
            rows.append((f"label {label}", str(n)))
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _unique(names: Sequence[str]) -> list[str]:
    """Names with ``#2``, ``#3`` … on repeats, so that two equal teachers stay apart."""
    seen: Counter[str] = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def iter_pseudo_label(
    sentences: Iterable[Sentence | Sequence[str]],
    teachers: Sequence[Teacher],
    options: EnsembleOptions | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    stats: PseudoLabelStats | None = None,
    progress: bool = False,
    total: int | None = None,
    pool: Pool | None = None,
) -> Iterator[PseudoLabelled]:
    """Stream :func:`pseudo_label`: batches of ``batch_size`` sentences, one at a time.

    stats (PseudoLabelStats | None): Counts are added to it.
    total (int | None): The number of sentences, for the progress bar.
    pool (Pool | None): Workers that label the batches (``transfer.engine``: a pool of
        ``TeacherPanel``, here or on Ray), in input order. ``teachers`` are then their
        ``voters``: names and weights for the vote; their ``stats`` receive the
        workers' projection statistics once the input is exhausted.
    """
    if not teachers:
        raise UsageError("pseudo-labelling needs at least one teacher.")
    options = options or EnsembleOptions()
    if batch_size < 1:
        raise UsageError(f"batch_size must be at least 1, got {batch_size}.")
    weights = check_weights([t.weight for t in teachers])
    if stats is None:
        stats = PseudoLabelStats()
    if not stats.teachers:
        stats.teachers = [t.name for t in teachers]
        stats.weights = weights
        stats.teacher_spans = [0] * len(teachers)
        stats.teacher_accepted = [0] * len(teachers)
    if len(stats.harmonized) != len(teachers):
        stats.harmonized = [0] * len(teachers)
    stats.harmonize = options.harmonize
    stats.agreement, stats.vote, stats.uncertain = (
        options.agreement,
        options.vote,
        options.uncertain,
    )
    stats.span_filter = options.span_filter
    for reason in options.span_filter.reasons():  # a 0 shows a label that never came (a typo)
        stats.filtered.setdefault(reason, 0)
    from tqdm import tqdm

    bar = tqdm(total=total, desc="pseudo-label", unit="sent", disable=not progress, file=sys.stderr)
    on_workers = pool is not None
    if pool is None:
        pool = LocalPool(TeacherPanel(teachers, on_teacher=bar.set_postfix_str))
    held: deque[list[list[str]]] = deque()  # the batches in flight, for the ensemble

    def batches() -> Iterator[list[list[str]]]:
        items = iter(sentences)
        while batch := [_words(s) for s in islice(items, batch_size)]:
            held.append(batch)
            yield batch

    started = time.perf_counter()
    index = 0
    try:
        for proposals in pool.map_ordered(batches()):
            batch = held.popleft()
            if options.harmonize != "none":
                _harmonize(batch, proposals, options.harmonize, stats.harmonized)
            for offset, words in enumerate(batch):
                votes = [p[offset] for p in proposals]
                result = _decide(words, votes, weights, options, stats)
                if result is not None:
                    result.index = index + offset
                    yield result
            index += len(batch)
            bar.update(len(batch))
        if on_workers:
            _gather_teacher_stats(pool, teachers)
    finally:
        bar.close()
        stats.seconds += time.perf_counter() - started


class TeacherPanel:
    """Every teacher labels one batch: the work of a pseudo-label shard.

    The worker of ``transfer.engine``, in this process or on a Ray worker (built there
    from the command line's specs). Returns, per teacher, one list of ``ScoredSpan``
    per sentence.

    teachers (Sequence[Teacher]): The teachers, in voting order.
    on_teacher (Callable[[str], Any] | None): Told which teacher is labelling (a
        progress bar's postfix).
    """

    def __init__(
        self, teachers: Sequence[Teacher], on_teacher: Callable[[str], Any] | None = None
    ) -> None:
        self.teachers = list(teachers)
        self.on_teacher = on_teacher

    @property
    def info(self) -> dict[str, Any]:
        return {
            "teachers": [[t.name, t.weight] for t in self.teachers],
            "with_stats": [getattr(t, "stats", None) is not None for t in self.teachers],
        }

    def __call__(self, batch: list[list[str]]) -> list[list[list[ScoredSpan]]]:
        proposals = []
        for k, teacher in enumerate(self.teachers):
            if self.on_teacher is not None:
                self.on_teacher(f"teacher {k + 1}/{len(self.teachers)}: {teacher.name}")
            labelled = teacher.label(batch)
            if len(labelled) != len(batch):
                raise ValueError(
                    f"teacher {teacher.name} returned {len(labelled)} results for "
                    f"{len(batch)} sentences; a teacher must label every sentence."
                )
            proposals.append([[_as_scored(x) for x in spans] for spans in labelled])
        return proposals

    def projection_stats(self) -> list[Any]:
        """Each teacher's projection statistics (None for a teacher without them)."""
        return [getattr(t, "stats", None) for t in self.teachers]


@dataclass
class Voter:
    """A teacher that labels on a worker, as this process sees it: its name and weight
    for the vote, and its statistics once the run is over (``voters``)."""

    name: str
    weight: float
    stats: Any = None

    def label(self, sentences: Sequence[Sequence[str]]) -> list[list[ScoredSpan]]:
        raise TypeError(f"teacher {self.name} labels on its worker, not here.")


def voters(info: Mapping[str, Any]) -> list[Voter]:
    """The ``Voter`` of each teacher of a ``TeacherPanel`` pool (its ``info``)."""
    from ..evaluate import ProjectionStats

    return [
        Voter(name, weight, ProjectionStats() if with_stats else None)
        for (name, weight), with_stats in zip(info["teachers"], info["with_stats"], strict=True)
    ]


def _gather_teacher_stats(pool: Pool, teachers: Sequence[Teacher]) -> None:
    # The teachers counted on their workers; their sums go to this process's voters.
    for per_worker in pool.each(TeacherPanel.projection_stats):
        for teacher, worker_stats in zip(teachers, per_worker, strict=True):
            mine = getattr(teacher, "stats", None)
            if mine is not None and worker_stats is not None and mine is not worker_stats:
                mine.merge(worker_stats)


def pseudo_label(
    sentences: Iterable[Sentence | Sequence[str]],
    teachers: Sequence[Teacher],
    options: EnsembleOptions | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: bool = False,
) -> tuple[list[PseudoLabelled], PseudoLabelStats]:
    """Label unlabelled sentences with the spans their teachers agree on.

    sentences (Iterable[Sentence | Sequence[str]]): Target-language sentences, as
        ``Sentence`` (its spans are ignored) or word lists.
    teachers (Sequence[Teacher]): The teachers, e.g. from
        :func:`~spacy_xlproj.teach.teachers.build_teacher`; each votes with its ``weight``.
    options (EnsembleOptions | None): The vote's settings (default: every teacher must
        agree, disagreements are missing, no span filter).
    batch_size (int): Sentences each teacher labels per call.
    progress (bool): Show a progress bar on stderr.
    RETURNS (tuple[list[PseudoLabelled], PseudoLabelStats]): The kept sentences, in
        input order (``index`` is the input position), and the counts.
    """
    stats = PseudoLabelStats()
    total = len(sentences) if isinstance(sentences, Sequence) else None
    out = list(
        iter_pseudo_label(
            sentences,
            teachers,
            options,
            batch_size=batch_size,
            stats=stats,
            progress=progress,
            total=total,
        )
    )
    return out, stats


def _harmonize(
    batch: Sequence[Sequence[str]],
    proposals: list[list[list[ScoredSpan]]],
    head: Harmonize,
    counts: list[int],
) -> None:
    """Relabel each teacher's spans in ``batch`` with that teacher's majority label for
    their head word, in place; ``counts[k]`` gains teacher k's relabelled spans."""
    head = check_head(head)
    for k, per_sentence in enumerate(proposals):
        # A span outside its sentence is left for _decide to report.
        inside = [
            (words, [s for s in spans if 0 <= s.start < s.end <= len(words)])
            for words, spans in zip(batch, per_sentence, strict=True)
        ]
        majority, _ = head_majority(inside, head=head)
        for words, spans in zip(batch, per_sentence, strict=True):
            for i, span in enumerate(spans):
                if not 0 <= span.start < span.end <= len(words):
                    continue
                label = majority.get(head_word(words, span, head), span.label)
                if label != span.label:
                    spans[i] = ScoredSpan(span.start, span.end, label, span.confidence)
                    counts[k] += 1


def _as_scored(span: Any) -> ScoredSpan:
    """A teacher's span as a ScoredSpan: also a ``Span`` (confidence 1), a
    ``ProjectedSpan`` (its score) or a ``(start, end, label[, confidence])`` tuple."""
    if isinstance(span, ScoredSpan):
        return span
    if isinstance(span, tuple):
        return ScoredSpan(*span)
    confidence = getattr(span, "confidence", getattr(span, "score", 1.0))
    return ScoredSpan(span.start, span.end, span.label, float(confidence))


def _words(sentence: Sentence | Sequence[str]) -> list[str]:
    return list(sentence.words) if isinstance(sentence, Sentence) else list(sentence)


def _decide(
    words: list[str],
    votes: list[list[ScoredSpan]],
    weights: list[float],
    options: EnsembleOptions,
    stats: PseudoLabelStats,
) -> PseudoLabelled | None:
    """Combine one sentence's votes, count them, apply the ``uncertain`` policy and the
    span filter."""
    n = len(words)
    for k, spans in enumerate(votes):
        for span in spans:
            if span.end > n:
                raise ValueError(
                    f"teacher {stats.teachers[k]} proposed {span!r} on a sentence of {n} "
                    "words; spans must lie inside the sentence."
                )
        stats.teacher_spans[k] += len(spans)
    combined = combine(votes, weights, agreement=options.agreement, vote=options.vote)
    stats.sentences += 1
    stats.tokens += n
    for k, accepted in enumerate(combined.accepted_by):
        stats.teacher_accepted[k] += accepted
    stats.agreed_spans += len(combined.spans)
    for span in combined.spans:
        stats.agreed_per_label[span.label] += 1
        stats.confidence_sum += span.confidence
    stats.disagreements += combined.disagreements
    stats.below_agreement += combined.below_agreement
    stats.overlapping += combined.overlapping
    stats.uncertain_tokens += len(combined.uncertain)
    # After the vote, on accepted spans only: the words of a removed span are covered by
    # no other accepted span and are not uncertain, so they become O.
    spans = options.span_filter.apply(words, combined.spans, stats.filtered)
    if combined.uncertain:
        stats.sentences_with_uncertain += 1
        if options.uncertain == "drop-sentence":
            stats.sentences_dropped += 1
            return None
    missing = combined.uncertain if options.uncertain == "missing" else []
    stats.sentences_written += 1
    stats.spans_written += len(spans)
    stats.missing_tokens += len(missing)
    return PseudoLabelled(
        -1, words, spans, list(missing), [list(v) for v in votes], _unique(stats.teachers)
    )


# -- spaCy output ---------------------------------------------------------------------


def to_doc(vocab: Vocab, item: PseudoLabelled, *, spans_key: str | None = SPANS_KEY) -> Doc:
    """Build the training Doc of a pseudo-labelled sentence.

    ``doc.ents`` are the accepted spans; the ``missing`` words have no annotation
    (``token.ent_iob_ == ""``), every other word is O. ``doc.spans[spans_key]`` holds
    the accepted spans with ``attrs["scores"]``, their confidences, in span order, and
    ``doc.spans[spans_key + "_votes"]`` every teacher's proposals (overlapping), with
    ``attrs["teachers"]`` (names), ``attrs["teacher"]`` (each span's teacher index) and
    ``attrs["scores"]`` (``spans_key=None``: no span groups).
    """
    from spacy.tokens import Doc, SpanGroup
    from spacy.tokens import Span as SpacySpan

    n = len(item.words)
    doc = Doc(vocab, words=list(item.words), spaces=[True] * (n - 1) + [False] if n else [])
    ents = [SpacySpan(doc, s.start, s.end, label=s.label) for s in item.spans]
    missing = [SpacySpan(doc, start, end) for start, end in ranges(item.missing)]
    doc.set_ents(ents, missing=missing, default="outside")
    if spans_key is None:
        return doc
    doc.spans[spans_key] = SpanGroup(
        doc,
        name=spans_key,
        spans=list(ents),
        attrs={"scores": [round(float(s.confidence), 6) for s in item.spans]},
    )
    if item.votes:
        proposed = [(k, s) for k, spans in enumerate(item.votes) for s in spans]
        doc.spans[spans_key + VOTES_SUFFIX] = SpanGroup(
            doc,
            name=spans_key + VOTES_SUFFIX,
            spans=[SpacySpan(doc, s.start, s.end, label=s.label) for _, s in proposed],
            attrs={
                "teachers": list(item.teachers),
                "teacher": [k for k, _ in proposed],
                "scores": [round(float(s.confidence), 6) for _, s in proposed],
            },
        )
    return doc


def write_pseudo_docbin(
    path: str | Path,
    items: Iterable[PseudoLabelled],
    lang: str = "xx",
    *,
    spans_key: str | None = SPANS_KEY,
) -> int:
    """Write pseudo-labelled sentences to a ``.spacy`` file atomically; returns how many.

    The DocBin keeps the missing annotation and the span group with its scores (none
    with ``spans_key=None``: spaCy spends about 1.5 ms per doc reading a span group back,
    on every epoch of ``spacy train``); the file is replaced only once every Doc is built
    (see :func:`~spacy_xlproj.io.atomic_path`).
    """
    from spacy.tokens import DocBin

    from ..io.atomic import atomic_path
    from ..io.docbin import blank_vocab

    vocab = blank_vocab(lang)
    docbin = DocBin(attrs=DOCBIN_ATTRS, store_user_data=False)
    checked: list[PseudoLabelled] = []
    for item in items:  # the teachers of iter_pseudo_label run here
        words = item.words
        # The DocBin reader refuses words with whitespace (io.docbin), so the writer does.
        if len(" ".join(words).split()) != len(words):
            word = next(w for w in words if not w or any(c.isspace() for c in w))
            raise DataError(
                f"sentence {item.index} has the word {word!r}, which cannot be written to a "
                "DocBin: words must be non-empty and contain no whitespace."
            )
        checked.append(item)
    with msgpack_registry_looked_up_once("encoders"):
        for item in checked:
            docbin.add(to_doc(vocab, item, spans_key=spans_key))
    n = len(checked)
    with atomic_path(path) as tmp:
        docbin.to_disk(tmp)
    return n


def check_pseudo_label_paths(
    input_path: str | Path,
    output_path: str | Path,
    stats_path: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
) -> None:
    """What :func:`pseudo_label_file` checks before any teacher runs: a readable input, a
    ``.spacy`` output, and outputs that are neither inputs nor inside the cache folder.

    RAISES (DataError): The first path that cannot be used.
    """
    from ..io.paths import PathProblem, check_input, check_output

    output_path = Path(output_path)
    if output_path.suffix.lower() != ".spacy":
        raise DataFormatError(
            output_path,
            None,
            "pseudo-labels are written as a spaCy DocBin, so the output must end in .spacy "
            "(column files cannot mark missing annotation).",
        )
    check_input(input_path)
    folders = [("--cache-dir", cache_dir)]
    check_output(output_path, input_path, folders=folders)
    if stats_path is not None:
        check_output(stats_path, input_path, output_path, what="Statistics file", folders=folders)
        if Path(stats_path).resolve() == output_path.resolve():
            raise PathProblem(
                f"--stats {stats_path} is the output file too; give the statistics another path."
            )


def pseudo_label_file(
    input_path: str | Path,
    output_path: str | Path,
    teachers: Sequence[Teacher],
    options: EnsembleOptions | None = None,
    *,
    lang: str = "xx",
    batch_size: int = DEFAULT_BATCH_SIZE,
    limit: int | None = None,
    stats_path: str | Path | None = None,
    progress: bool | None = None,
    report: dict[str, Any] | None = None,
    spans_key: str | None = SPANS_KEY,
    pool: Pool | None = None,
    checked: bool = False,
) -> PseudoLabelStats:
    """Pseudo-label a file of unlabelled sentences and write a ``.spacy`` training file.

    input_path (str | Path): Plain text (one sentence per line, words separated by
        whitespace), a column file (its tags are ignored) or a ``.spacy`` file.
    output_path (str | Path): The ``.spacy`` file to write; never one of the inputs.
    teachers (Sequence[Teacher]): The teachers.
    lang (str): Language of the text (the output's vocab).
    limit (int | None): Only the first N sentences; 0 or None: all of them.
    stats_path (str | Path | None): Write the statistics (and ``report``) as JSON here.
    progress (bool | None): Progress bar; ``None``: for inputs of 5,000 sentences or more.
    report (dict | None): Extra entries for the statistics file (the command's settings).
    spans_key (str | None): The span group of the accepted spans and their scores;
        ``None`` writes none (see :func:`write_pseudo_docbin`).
    pool (Pool | None): Workers that run the teachers (see :func:`iter_pseudo_label`).
    checked (bool): The paths were checked already (:func:`check_pseudo_label_paths`).
    Other arguments as for :func:`pseudo_label`.
    RETURNS (PseudoLabelStats): The counts.
    """
    from ..io import read_sentences

    if not checked:
        check_pseudo_label_paths(input_path, output_path, stats_path)
    limit = check_limit(limit)
    sentences = read_sentences(input_path, lang=lang)
    if limit:
        sentences = sentences[:limit]
    if progress is None:
        progress = len(sentences) >= 5000
    stats = PseudoLabelStats()
    items = iter_pseudo_label(
        sentences,
        teachers,
        options,
        batch_size=batch_size,
        stats=stats,
        progress=progress,
        total=len(sentences),
        pool=pool,
    )
    write_pseudo_docbin(output_path, items, lang, spans_key=spans_key)
    if stats_path is not None:
        from ..io.atomic import write_atomic

        data = dict(report or {})
        data.update(stats.to_dict())
        for teacher in teachers:
            projection = getattr(teacher, "stats", None)
            if projection is not None and hasattr(projection, "to_dict"):
                data.setdefault("projection", {})[teacher.name] = projection.to_dict()
        write_atomic(stats_path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return stats


# -- the ensemble as a tagger, for configs -----------------------------------------------


class EnsembleTagger:
    """The teachers' agreed spans as an :class:`~spacy_xlproj.ner.base.EntityTagger`.

    Uncertain words are simply not entities here (a tagger has no "missing"; with
    ``uncertain = "drop-sentence"`` such a sentence gets no entities), so the ensemble
    can be scored like any system, or used wherever a tagger is configured.

    options (EnsembleOptions | None): The vote and the span filter, as pseudo-label
        takes them (``[pseudo_label]`` and ``[filter]``); default: every teacher agrees.
    """

    def __init__(
        self,
        teachers: Sequence[Teacher],
        options: EnsembleOptions | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.teachers = list(teachers)
        self.options = options or EnsembleOptions()
        self.batch_size = batch_size
        self.name = "ensemble(" + "+".join(t.name for t in self.teachers) + ")"
        self.stats = PseudoLabelStats()

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[Span]]:
        out: list[list[Span]] = [[] for _ in sentences]
        for item in iter_pseudo_label(
            sentences, self.teachers, self.options, batch_size=self.batch_size, stats=self.stats
        ):
            out[item.index] = [Span(s.start, s.end, s.label) for s in item.spans]
        return out

    def __repr__(self) -> str:
        return f"EnsembleTagger({self.name!r}, agreement={self.options.agreement:g})"


@taggers("spacy_xlproj.TeacherEnsemble.v1")
def make_teacher_ensemble(
    teachers: list[str],
    tgt_lang: str,
    src_lang: str = "en",
    translator: str = "apertium",
    aligner: str = "eflomal",
    projector: Projector | None = None,
    cache_dir: str | None = None,
    pseudo_label: dict[str, Any] | None = None,
    filter: dict[str, Any] | None = None,  # noqa: A002 - the config section's name
) -> EnsembleTagger:
    """Teachers given as ``--teacher`` specs (``translate-test:MODEL``, ``spacy:PATH``,
    ``zero-shot:MODEL``, each with an optional ``@WEIGHT``), combined by agreement.

    ``pseudo_label`` and ``filter`` are the sections of the pseudo-label command's
    config, unchanged (``[tagger.pseudo_label]``: agreement, vote, uncertain, label_map,
    ignore_wiki_markup; ``[tagger.filter]``: drop_lowercase_spans, drop_labels), checked
    by the same schema (``spacy_xlproj.settings``); ``[tagger.projector]`` is a
    ``[projection]`` block under ``@xlproj_projectors = "spacy_xlproj.Projector.v1"``.
    """
    from ..ner.build import parse_label_map
    from ..settings import from_sections
    from .teachers import build_teacher

    settings = from_sections("pseudo-label", {"pseudo_label": pseudo_label, "filter": filter})
    built = [
        build_teacher(
            spec,
            src_lang=src_lang,
            tgt_lang=tgt_lang,
            translator=translator,
            aligner=aligner,
            projector=projector,
            label_map=parse_label_map(settings.get("pseudo_label", "label_map")),
            cache_dir=cache_dir,
            ignore_wiki_markup=settings.get("pseudo_label", "ignore_wiki_markup"),
        )
        for spec in teachers
    ]
    return EnsembleTagger(built, settings.ensemble())
