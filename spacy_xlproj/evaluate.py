"""Scoring: entity-level precision / recall / F1, and statistics of a projection run.

Both work on plain spans (``types.Span``), so they serve the intrinsic benchmark
(projected vs. gold target spans), the ``evaluate`` command and the ``project``
command's summary alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

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
        raise ValueError(
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
