"""Scoring: entity-level precision / recall / F1, error analysis, and projection statistics.

All work on plain spans (``types.Span``), so they serve the intrinsic benchmark
(projected vs. gold target spans), the ``evaluate`` command and the ``project``
command's summary alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import DataError
from .types import Projection, Span


@dataclass
class PRF:
    """Precision, recall and F1 with the counts they come from."""

    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int

    @classmethod
    def from_counts(cls, tp: int, fp: int, fn: int) -> PRF:
        """Compute the scores from true positives, false positives and false negatives."""
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return cls(p, r, f, tp, fp, fn)

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass
class EntityScores:
    """Micro-averaged and per-label entity scores."""

    micro: PRF
    per_label: dict[str, PRF]

    def to_dict(self) -> dict[str, Any]:
        return {
            "micro": self.micro.to_dict(),
            "per_label": {k: v.to_dict() for k, v in self.per_label.items()},
        }

    def table(self) -> str:
        """An aligned text table: one row per label, then the micro average."""
        rows = [(label, prf) for label, prf in sorted(self.per_label.items())]
        rows.append(("micro", self.micro))
        width = max(5, *(len(label) for label, _ in rows))
        head = f"{'label':<{width}}  {'P':>6}  {'R':>6}  {'F1':>6}  {'TP':>6}  {'FP':>6}  {'FN':>6}"
        lines = [head, "-" * len(head)]
        for label, s in rows:
            lines.append(
                f"{label:<{width}}  {s.precision:6.4f}  {s.recall:6.4f}  {s.f1:6.4f}"
                f"  {s.tp:6d}  {s.fp:6d}  {s.fn:6d}"
            )
        return "\n".join(lines)


def entity_scores(pred: Sequence[Sequence[Span]], gold: Sequence[Sequence[Span]]) -> EntityScores:
    """Score predicted against gold spans, sentence by sentence (exact span and label).

    pred (Sequence[Sequence[Span]]): The predicted spans of each sentence.
    gold (Sequence[Sequence[Span]]): The gold spans of each sentence.
    RETURNS (EntityScores): Micro and per-label precision, recall and F1.
    """
    if len(pred) != len(gold):
        raise DataError(
            f"Cannot score {len(pred)} predicted sentences against {len(gold)} gold sentences: "
            "the two must have the same number of sentences."
        )
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for p_spans, g_spans in zip(pred, gold, strict=True):
        p_set = set(p_spans)
        g_set = set(g_spans)
        for s in p_set:
            (tp if s in g_set else fp)[s.label] += 1
        for s in g_set - p_set:
            fn[s.label] += 1
    labels = set(tp) | set(fp) | set(fn)
    per_label = {lab: PRF.from_counts(tp[lab], fp[lab], fn[lab]) for lab in sorted(labels)}
    micro = PRF.from_counts(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return EntityScores(micro, per_label)


@dataclass
class TaughtQuality:
    """What pseudo-labels teach, against gold: see :func:`taught_quality`."""

    accepted: EntityScores
    gold_entities: int
    gold_taught_outside: int
    gold_left_missing: int
    words: int
    missing_words: int

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["accepted"] = self.accepted.to_dict()
        return out

    def table(self) -> str:
        m = self.accepted.micro
        return "\n".join(
            [
                f"accepted spans: P {m.precision:.4f} R {m.recall:.4f} F1 {m.f1:.4f} "
                f"({m.tp} right, {m.fp} wrong)",
                f"gold entities: {self.gold_entities}; taught as O {self.gold_taught_outside}, "
                f"left missing {self.gold_left_missing}",
                f"missing words: {self.missing_words} of {self.words}",
            ]
        )


def taught_quality(
    spans: Sequence[Sequence[Span]],
    missing: Sequence[Sequence[bool]],
    gold: Sequence[Sequence[Span]],
    labels: Collection[str] | None = None,
) -> TaughtQuality:
    """Score pseudo-labels against gold as a student would learn from them.

    A student learns the accepted spans (right or wrong), O on every other annotated
    word, and nothing on missing words. Besides the spans' scores this counts the gold
    entities it is taught to miss (``gold_taught_outside``: no word of theirs is missing
    or inside an accepted span, so all are O) and those wholly left missing.

    spans (Sequence[Sequence[Span]]): The accepted spans of each sentence.
    missing (Sequence[Sequence[bool]]): Per sentence, whether each word is missing.
    gold (Sequence[Sequence[Span]]): The gold spans of each sentence.
    labels (Collection[str] | None): The labels the gold set uses (None: all). Gold
        spans of other labels are ignored; accepted spans of other labels count as
        missing words, since such a gold set can neither confirm nor refute them (MISC
        on WikiANN).
    RETURNS (TaughtQuality): The scores and counts.
    """
    if not len(spans) == len(missing) == len(gold):
        raise DataError(
            f"Cannot compare {len(spans)} pseudo-labelled sentences ({len(missing)} missing "
            f"masks) with {len(gold)} gold sentences: pseudo-label the gold file itself."
        )
    if labels is not None:
        spans, missing = _unscored_as_missing(spans, missing, set(labels))
        gold = [[g for g in g_spans if g.label in labels] for g_spans in gold]
    taught_o = left_missing = words = n_missing = 0
    for accepted, mask, g_spans in zip(spans, missing, gold, strict=True):
        words += len(mask)
        n_missing += sum(mask)
        inside = {i for s in accepted for i in range(s.start, s.end)}
        for g in g_spans:
            if g in accepted:
                continue
            covered = range(g.start, g.end)
            if all(mask[i] for i in covered):
                left_missing += 1
            elif not any(mask[i] or i in inside for i in covered):
                taught_o += 1
    return TaughtQuality(
        entity_scores(spans, gold),
        sum(len(g) for g in gold),
        taught_o,
        left_missing,
        words,
        n_missing,
    )


def _unscored_as_missing(
    spans: Sequence[Sequence[Span]], missing: Sequence[Sequence[bool]], labels: set[str]
) -> tuple[list[list[Span]], list[list[bool]]]:
    """Copies of ``spans`` and ``missing`` with the spans of other labels made missing."""
    kept_spans, masks = [], []
    for accepted, mask in zip(spans, missing, strict=True):
        mask = list(mask)
        kept = []
        for s in accepted:
            if s.label in labels:
                kept.append(s)
            else:
                mask[s.start : s.end] = [True] * (s.end - s.start)
        kept_spans.append(kept)
        masks.append(mask)
    return kept_spans, masks


@dataclass
class ProjectionStats:
    """Counts of what a projection run kept and dropped, accumulated sentence by sentence.

    ``projected`` counts source entities with at least one projected span;
    ``dropped`` counts ``Projection.dropped`` entries by reason (a ``top_k`` entry is
    one extra run cut, so its entity may still be projected); ``sentences_dropped``
    counts whole sentences lost upstream (e.g. translation failed) by reason;
    ``seconds`` is the time spent projecting, when the caller measures it.
    """

    sentences: int = 0
    source_entities: int = 0
    projected: int = 0
    projected_spans: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    sentences_dropped: Counter[str] = field(default_factory=Counter)
    source_per_label: Counter[str] = field(default_factory=Counter)
    projected_per_label: Counter[str] = field(default_factory=Counter)
    confidence_sum: float = 0.0
    sentences_unprojected: int = 0
    seconds: float = 0.0

    @property
    def average_confidence(self) -> float:
        """The mean confidence of the projected spans (0 when there are none)."""
        return self.confidence_sum / self.projected_spans if self.projected_spans else 0.0

    def add(self, src_spans: Sequence[Span], projection: Projection) -> None:
        """Count one sentence: its source entities and what became of them."""
        self.sentences += 1
        self.source_entities += len(src_spans)
        for span in src_spans:
            self.source_per_label[span.label] += 1
        sources = set()
        for ps in projection.spans:
            sources.add(ps.source)
            self.confidence_sum += ps.score
        self.projected_spans += len(projection.spans)
        self.projected += len(sources)
        for i in sources:
            if 0 <= i < len(src_spans):
                self.projected_per_label[src_spans[i].label] += 1
        for d in projection.dropped:
            self.dropped[d.reason] += 1
        if src_spans and not projection.spans:
            self.sentences_unprojected += 1

    def add_sentence_dropped(self, reason: str, src_spans: Sequence[Span] = ()) -> None:
        """Count a whole sentence lost before projection, with the entities it carried."""
        self.sentences += 1
        self.sentences_dropped[reason] += 1
        self.source_entities += len(src_spans)
        for span in src_spans:
            self.source_per_label[span.label] += 1
            self.dropped[reason] += 1
        if src_spans:
            self.sentences_unprojected += 1

    def merge(self, other: ProjectionStats) -> ProjectionStats:
        """Add the counts of ``other`` to these, in place; returns self."""
        self.sentences += other.sentences
        self.source_entities += other.source_entities
        self.projected += other.projected
        self.projected_spans += other.projected_spans
        self.dropped.update(other.dropped)
        self.sentences_dropped.update(other.sentences_dropped)
        self.source_per_label.update(other.source_per_label)
        self.projected_per_label.update(other.projected_per_label)
        self.confidence_sum += other.confidence_sum
        self.sentences_unprojected += other.sentences_unprojected
        self.seconds += other.seconds
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentences": self.sentences,
            "source_entities": self.source_entities,
            "projected": self.projected,
            "projected_spans": self.projected_spans,
            "dropped": dict(sorted(self.dropped.items())),
            "sentences_dropped": dict(sorted(self.sentences_dropped.items())),
            "source_per_label": dict(sorted(self.source_per_label.items())),
            "projected_per_label": dict(sorted(self.projected_per_label.items())),
            "average_confidence": round(self.average_confidence, 4),
            "sentences_unprojected": self.sentences_unprojected,
            "seconds": round(self.seconds, 4),
        }

    def table(self) -> str:
        """An aligned text summary: totals, drops by reason, then per-label counts."""
        rows: list[tuple[str, str]] = [
            ("sentences", str(self.sentences)),
            ("source entities", str(self.source_entities)),
            (
                "projected entities",
                f"{self.projected} ({_pct(self.projected, self.source_entities)})",
            ),
            ("projected spans", str(self.projected_spans)),
            ("average confidence", f"{self.average_confidence:.3f}"),
            ("sentences with entities, none projected", str(self.sentences_unprojected)),
        ]
        for reason, n in sorted(self.sentences_dropped.items()):
            rows.append((f"sentences dropped: {reason}", str(n)))
        for reason, n in sorted(self.dropped.items()):
            rows.append((f"dropped: {reason}", str(n)))
        for label in sorted(self.source_per_label):
            src = self.source_per_label[label]
            proj = self.projected_per_label[label]
            rows.append((f"label {label}", f"{proj}/{src} ({_pct(proj, src)})"))
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "-"


MISSED = "(missed)"
SPURIOUS = "(spurious)"


@dataclass(frozen=True)
class EntityCount:
    """An entity string (its words joined by spaces) with its label and how often it occurs."""

    text: str
    label: str
    count: int

    def to_dict(self) -> dict[str, str | int]:
        return asdict(self)


@dataclass
class ErrorAnalysis:
    """What a system gets wrong: label confusions, boundary errors, missed and spurious strings.

    ``confusion[gold][pred]`` counts entities by gold label (rows) and predicted label
    (columns); only non-zero cells are stored. See ``error_analysis`` for the definitions.
    """

    confusion: dict[str, dict[str, int]]
    boundary: dict[str, int]
    missed: list[EntityCount]
    spurious: list[EntityCount]

    @property
    def labels(self) -> list[str]:
        """Every entity label in the table, gold or predicted, sorted."""
        found = {row for row in self.confusion if row != SPURIOUS}
        for cells in self.confusion.values():
            found.update(col for col in cells if col != MISSED)
        return sorted(found)

    def to_dict(self) -> dict[str, Any]:
        return {
            "confusion": {row: dict(cells) for row, cells in self.confusion.items()},
            "boundary": dict(self.boundary),
            "missed": [e.to_dict() for e in self.missed],
            "spurious": [e.to_dict() for e in self.spurious],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorAnalysis:
        """Read back what ``to_dict`` wrote (e.g. the ``errors`` key of a metrics file)."""
        return cls(
            confusion={row: dict(cells) for row, cells in data.get("confusion", {}).items()},
            boundary={"same_label": 0, "other_label": 0, **data.get("boundary", {})},
            missed=[EntityCount(**e) for e in data.get("missed", [])],
            spurious=[EntityCount(**e) for e in data.get("spurious", [])],
        )

    def confusion_table(self) -> str:
        """The confusion table as aligned text: gold labels down, predicted labels across."""
        labels = self.labels
        rows = [*labels, SPURIOUS]
        cols = [*labels, MISSED]
        head = ["gold \\ pred", *cols]
        body = []
        for row in rows:
            cells = self.confusion.get(row, {})
            # A spurious entity that is also missed does not exist: that cell stays empty.
            body.append(
                [
                    row,
                    *(
                        "-" if row == SPURIOUS and c == MISSED else str(cells.get(c, 0))
                        for c in cols
                    ),
                ]
            )
        widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
        lines = []
        for r in [head, *body]:
            first = f"{r[0]:<{widths[0]}}"
            lines.append(
                "  ".join([first, *(f"{c:>{w}}" for c, w in zip(r[1:], widths[1:], strict=True))])
            )
        return "\n".join(lines)

    def table(self, top: int | None = None) -> str:
        """Confusion table, boundary errors, then the ``top`` most frequent missed and spurious."""
        lines = [
            self.confusion_table(),
            "",
            f"boundary errors: {self.boundary.get('same_label', 0)} same label, "
            f"{self.boundary.get('other_label', 0)} other label",
        ]
        for title, entries in (
            ("missed (gold, not predicted exactly)", self.missed),
            ("spurious (predicted, not in gold)", self.spurious),
        ):
            shown = entries[:top] if top is not None else entries
            lines += ["", f"{title}:"]
            if not shown:
                lines.append("  (none)")
            width = max((len(str(e.count)) for e in shown), default=1)
            label_width = max((len(e.label) for e in shown), default=1)
            lines += [f"  {e.count:>{width}}  {e.label:<{label_width}}  {e.text}" for e in shown]
        return "\n".join(lines)


def error_analysis(
    pred: Sequence[Sequence[Span]],
    gold: Sequence[Sequence[Span]],
    words: Sequence[Sequence[str]],
    top: int = 20,
) -> ErrorAnalysis:
    """Count what the predictions get wrong, sentence by sentence.

    Spans are compared as sets per sentence, like ``entity_scores``, so the counts agree
    with its TP, FP and FN.

    - ``confusion[gold_label][pred_label]``: a gold and a predicted span with the same
      boundaries (start and end). Spans with the same boundaries are paired one to one,
      same labels first, so the diagonal is the true positives and the other cells are
      label errors.
    - ``confusion[gold_label]["(missed)"]``: a gold span left unpaired (no predicted span
      with its boundaries).
    - ``confusion["(spurious)"][pred_label]``: a predicted span left unpaired.
    - ``boundary``: the unpaired predicted spans that overlap a gold span with other
      boundaries: ``same_label`` when one of those gold spans has the predicted label, else
      ``other_label``. Each is also counted in the ``(spurious)`` row.
    - ``missed``: gold entities not predicted exactly (same boundaries and label): the
      false negatives, by words and label, most frequent first.
    - ``spurious``: predicted entities not in gold exactly: the false positives.

    pred (Sequence[Sequence[Span]]): The predicted spans of each sentence.
    gold (Sequence[Sequence[Span]]): The gold spans of each sentence.
    words (Sequence[Sequence[str]]): The words of each sentence, for the entity strings.
    top (int): How many missed and spurious strings to keep.
    RETURNS (ErrorAnalysis): The confusion table, boundary errors, missed and spurious.
    """
    if not len(pred) == len(gold) == len(words):
        raise DataError(
            f"Cannot analyse {len(pred)} predicted sentences against {len(gold)} gold sentences "
            f"with {len(words)} word lists: all three must have the same number of sentences."
        )
    confusion: dict[str, Counter[str]] = {}
    boundary: Counter[str] = Counter({"same_label": 0, "other_label": 0})
    missed: Counter[tuple[str, str]] = Counter()
    spurious: Counter[tuple[str, str]] = Counter()

    def count(row: str, col: str) -> None:
        confusion.setdefault(row, Counter())[col] += 1

    for p_spans, g_spans, ws in zip(pred, gold, words, strict=True):
        p_set, g_set = set(p_spans), set(g_spans)
        for s in g_set - p_set:
            missed[(" ".join(ws[s.start : s.end]), s.label)] += 1
        for s in p_set - g_set:
            spurious[(" ".join(ws[s.start : s.end]), s.label)] += 1
        # Group the labels by boundaries; sorted so that the pairing is reproducible.
        g_at: dict[tuple[int, int], list[str]] = {}
        p_at: dict[tuple[int, int], list[str]] = {}
        for s in sorted(g_set):
            g_at.setdefault((s.start, s.end), []).append(s.label)
        for s in sorted(p_set):
            p_at.setdefault((s.start, s.end), []).append(s.label)
        for bounds in g_at.keys() | p_at.keys():
            g_labels, p_labels = g_at.get(bounds, []), p_at.get(bounds, [])
            for label in [lab for lab in g_labels if lab in p_labels]:
                count(label, label)
                g_labels.remove(label)
                p_labels.remove(label)
            for g_label, p_label in zip(g_labels, p_labels, strict=False):
                count(g_label, p_label)
            n = min(len(g_labels), len(p_labels))
            for g_label in g_labels[n:]:
                count(g_label, MISSED)
            for p_label in p_labels[n:]:
                count(SPURIOUS, p_label)
                start, end = bounds
                overlapping = {
                    g.label
                    for g in g_set
                    if g.start < end and start < g.end and (g.start, g.end) != bounds
                }
                if overlapping:
                    boundary["same_label" if p_label in overlapping else "other_label"] += 1
    return ErrorAnalysis(
        confusion={
            row: dict(sorted(cells.items(), key=_labels_first))
            for row, cells in sorted(confusion.items(), key=_labels_first)
        },
        boundary=dict(boundary),
        missed=_most_frequent(missed, top),
        spurious=_most_frequent(spurious, top),
    )


def _labels_first(item: tuple[str, Any]) -> tuple[bool, str]:
    # "(missed)" and "(spurious)" go after the entity labels.
    return item[0] in (MISSED, SPURIOUS), item[0]


def _most_frequent(counts: Counter[tuple[str, str]], top: int) -> list[EntityCount]:
    # Ties are broken by string and label, so the lists do not depend on the input order.
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))
    return [EntityCount(text, label, n) for (text, label), n in ranked[:top]]
