"""Span-level voting of several teachers on one sentence's words: spaCy-free.

Each teacher proposes labelled spans ``[start, end)`` with a confidence in [0, 1]. A
span is identified by its exact (start, end, label); partial overlaps and other labels
are different spans, so they count against it.

Two ways of counting a span's vote share (``vote``), both in [0, 1]:

* ``weight`` (default): the share of the teachers' total weight that proposed exactly
  this span. ``agreement=1.0`` then means "every teacher proposed it", whatever their
  confidences; a translate-test teacher's scores (rarely 1.0) do not veto a span that
  every teacher found.
* ``confidence``: each proposing teacher contributes weight × confidence, so an unsure
  vote counts less. Use it with an ``agreement`` below 1.0.

A span whose share reaches ``agreement`` is a candidate. Candidates are taken in order
of their confidence (below), then share, then length (longer first), then position and
label (so that ties break the same way on every run), and each one that overlaps no
span taken before it is accepted. Every other proposed span is a *disagreement*: its
words that no accepted span covers are *uncertain*. What happens to uncertain words
(missing annotation, outside, or the sentence dropped) is decided by the caller.

An accepted span's confidence is ``Σ weight × confidence`` over the teachers that
proposed it, divided by the total weight of all teachers: the weighted mean confidence
of the agreeing teachers times the weight share that agreed. With every teacher in
agreement and weight 1, it is their mean confidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..errors import UsageError

VOTES = ("weight", "confidence")
Vote = Literal["weight", "confidence"]
# Float sums such as 1/3 + 1/3 + 1/3 fall just short of 1.0; a share this close to the
# threshold counts as reaching it.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True, order=True)
class ScoredSpan:
    """A labelled range of words ``[start, end)`` with a confidence in [0, 1]."""

    start: int
    end: int
    label: str
    confidence: float = 1.0

    def __len__(self) -> int:
        return self.end - self.start

    @property
    def key(self) -> tuple[int, int, str]:
        """What identifies the span in a vote: its exact range and label."""
        return (self.start, self.end, self.label)


@dataclass(slots=True)
class Combined:
    """The ensemble's decision on one sentence.

    spans: The accepted spans, non-overlapping, sorted by position; ``confidence`` is
        the ensemble confidence described in the module docstring.
    uncertain: Word indices covered by a teacher's span that was not accepted and by
        no accepted span, ascending.
    below_agreement: Distinct proposed spans whose share was under the threshold.
    overlapping: Distinct candidates that reached the threshold but overlapped a span
        accepted before them.
    accepted_by: For each teacher, how many of its (distinct) spans were accepted.
    """

    spans: list[ScoredSpan] = field(default_factory=list)
    uncertain: list[int] = field(default_factory=list)
    below_agreement: int = 0
    overlapping: int = 0
    accepted_by: list[int] = field(default_factory=list)

    @property
    def disagreements(self) -> int:
        """Distinct proposed spans that were not accepted."""
        return self.below_agreement + self.overlapping


def check_agreement(agreement: float) -> float:
    """``agreement`` if it is in (0, 1], else a ValueError that says what is allowed."""
    if not 0.0 < agreement <= 1.0:
        raise UsageError(
            f"agreement must be above 0 and at most 1 (1: every teacher agrees, 0.5: a "
            f"majority of the weight), got {agreement!r}."
        )
    return agreement


def check_weights(weights: Sequence[float]) -> list[float]:
    """The weights as floats: each finite and above 0 (a teacher of weight 0 is no teacher),
    and their sum finite (two weights of 1e308 would make every share NaN)."""
    out = [float(w) for w in weights]
    for w in out:
        if not (w > 0.0 and math.isfinite(w)):
            raise UsageError(f"teacher weights must be finite numbers above 0, got {w!r}.")
    if not math.isfinite(sum(out)):
        raise UsageError(f"teacher weights are too large: their sum overflows ({out!r}).")
    return out


def combine(
    proposals: Sequence[Sequence[ScoredSpan]],
    weights: Sequence[float] | None = None,
    *,
    agreement: float = 1.0,
    vote: Vote = "weight",
) -> Combined:
    """Vote on one sentence's spans; see the module docstring for the rules.

    proposals (Sequence[Sequence[ScoredSpan]]): For each teacher, its spans on the
        sentence. A teacher's duplicate spans count once, at their highest confidence;
        a teacher's own spans may overlap (each is voted on separately).
    weights (Sequence[float] | None): One weight > 0 per teacher; default 1 each.
    agreement (float): The share a span needs, in (0, 1]; 1.0: every teacher.
    vote (str): ``weight`` or ``confidence``: how a teacher's vote counts.
    RETURNS (Combined): Accepted spans, uncertain words and counts.
    """
    check_agreement(agreement)
    if vote not in VOTES:
        raise ValueError(f"vote must be one of {', '.join(VOTES)}, got {vote!r}.")
    w = check_weights(weights if weights is not None else [1.0] * len(proposals))
    if len(w) != len(proposals):
        raise ValueError(f"{len(w)} weights for {len(proposals)} teachers: give one per teacher.")
    total = sum(w)
    # key -> (weight of the teachers that proposed it, Σ weight × confidence)
    support: dict[tuple[int, int, str], list[float]] = {}
    per_teacher: list[dict[tuple[int, int, str], float]] = []
    for spans, weight in zip(proposals, w, strict=True):
        best: dict[tuple[int, int, str], float] = {}
        for span in spans:
            if not 0 <= span.start < span.end:
                raise ValueError(f"a span must cover at least one word, got {span!r}.")
            best[span.key] = max(best.get(span.key, 0.0), _clip(span.confidence))
        per_teacher.append(best)
        for key, confidence in best.items():
            entry = support.setdefault(key, [0.0, 0.0])
            entry[0] += weight
            entry[1] += weight * confidence

    candidates: list[tuple[float, float, tuple[int, int, str]]] = []
    below = 0
    for key, (agreeing, weighted) in support.items():
        share = (agreeing if vote == "weight" else weighted) / total
        if share + _EPSILON >= agreement:
            candidates.append((weighted / total, share, key))
        else:
            below += 1
    # Best first; the key breaks ties so that the result never depends on dict order.
    candidates.sort(key=lambda c: (-c[0], -c[1], -(c[2][1] - c[2][0]), c[2]))
    taken: set[int] = set()
    accepted: list[ScoredSpan] = []
    overlapping = 0
    for confidence, _, (start, end, label) in candidates:
        if any(i in taken for i in range(start, end)):
            overlapping += 1
            continue
        taken.update(range(start, end))
        accepted.append(ScoredSpan(start, end, label, confidence))
    accepted.sort()
    keys = {s.key for s in accepted}
    uncertain = sorted(
        {i for key in support if key not in keys for i in range(key[0], key[1])} - taken
    )
    return Combined(
        spans=accepted,
        uncertain=uncertain,
        below_agreement=below,
        overlapping=overlapping,
        accepted_by=[sum(1 for key in best if key in keys) for best in per_teacher],
    )


def ranges(indices: Sequence[int]) -> list[tuple[int, int]]:
    """Ascending word indices as maximal half-open ranges: [1, 2, 5] -> [(1, 3), (5, 6)]."""
    out: list[tuple[int, int]] = []
    for i in indices:
        if out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


def _clip(confidence: float) -> float:
    # A backend's score slightly outside [0, 1] (float error, an unnormalised model)
    # must not give one teacher more than its weight.
    return min(1.0, max(0.0, float(confidence)))
