"""Matching projection: score candidate target spans, then solve a matching.

For each sentence pair: generate candidate target spans, score every (entity,
candidate) pair with the fused scores of ``scores.py``, and choose the best
non-overlapping assignment with ``solve.solve`` (exact ILP or greedy).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from ..embed.base import WordEncoder
from ..errors import DataError, UsageError
from ..registry import projectors
from ..types import Dropped, DropReason, Link, ProjectedSpan, Projection, Span
from . import scores as S
from .candidates import (
    Candidates,
    aligned_candidates,
    endpoint_candidates,
    given_candidates,
    ngram_candidates,
)
from .embedding import EmbeddingScorer
from .options import DEFAULTS
from .refine import LinkRefiner
from .solve import CONSTRAINTS, METHODS, solve_pairs

CandidateSource = Literal["ngrams", "aligned", "ner"]
CANDIDATE_SOURCES = ("ngrams", "aligned", "ner")


class MatchingProjector:
    """Project entities by choosing the best-scoring non-overlapping target spans.

    candidates (str): ``"ngrams"`` (every target n-gram up to ``max_len`` words),
        ``"aligned"`` (per entity, the sub-ranges between its leftmost and rightmost
        aligned target words) or ``"ner"`` (the spans passed as ``tgt_candidates``).
    max_len (int): Longest n-gram / aligned sub-range, in words.
    solver (str): ``"ilp"`` (exact, HiGHS) or ``"greedy"``.
    n_proj (int): Projections per entity that ``constraint`` refers to.
    constraint (str): ``"le"``, ``"eq"`` or ``"ge"`` ``n_proj`` projections per entity.
    weights (dict[str, float] | None): Weight of each score: ``"align"`` (word
        alignments), ``"string"`` (word similarity, names/numbers/cognates), ``"ner"``
        and ``"ner_any"`` (target NER tag probabilities, same class / any class),
        ``"translation"`` (``translation_scorer``), ``"embedding"`` (cosine of span
        vectors from ``encoder``). Default ``{"align": 1.0}``.
    alpha (float): Length bonus of the NER score.
    translation_scorer (TranslationScorer | None): Needed for a ``"translation"`` weight.
    encoder (WordEncoder | None): Needed for an ``"embedding"`` weight: the word vectors
        of each sentence pair, asked once per pair and cached (``EmbeddingScorer``).
    min_score (float): Pairs whose normalised score is not above this are never chosen.
    refine (bool): Refine each entity's links before scoring, as
        ``HeuristicProjector(refine=True)`` does (see ``refine.LinkRefiner``): links to
        target punctuation are ignored, and capitalised words, numbers and codes that
        occur verbatim or as a clear cognate in the target are linked there. The
        alignment score of entity e uses e's refined links. Chosen spans are then
        trimmed of punctuation and short lower-case words at a name's edges (an entity
        trimmed to nothing is dropped as ``"no_candidate"``); a trimmed span keeps the
        score of the span that was chosen.

    ``stats`` counts, over all calls, the HiGHS calls made and the entities left with
    fewer than ``n_proj`` projections because an ``eq``/``ge`` constraint could not be
    met (the sub-problem is then solved without the lower bound; see ``solve.py``).

    A projected span's ``score`` is its fused score divided by the sum of the positive
    weights, clipped to [0, 1]: 1 means every score is at its maximum of 1 (e.g. an
    entity aligned word for word to the span).

    With only ``"align"`` and ``"string"`` weights, an n-gram whose first or last word
    has no link and no similar word for an entity always loses to the n-gram without
    that word (same evidence, shorter), so those n-grams are never generated; the
    matching is identical to the one over all n-grams, at a fraction of the cost.
    """

    def __init__(
        self,
        candidates: CandidateSource = DEFAULTS.candidates,
        max_len: int = DEFAULTS.max_len,
        solver: Literal["ilp", "greedy"] = "ilp",
        n_proj: int = DEFAULTS.n_proj,
        constraint: Literal["le", "eq", "ge"] = DEFAULTS.constraint,
        weights: dict[str, float] | None = None,
        alpha: float = 1.15,
        translation_scorer: S.TranslationScorer | None = None,
        min_score: float = 0.0,
        refine: bool = DEFAULTS.refine,
        encoder: WordEncoder | None = None,
    ) -> None:
        weights = dict(weights) if weights is not None else {"align": 1.0}
        if candidates not in CANDIDATE_SOURCES:
            raise UsageError(
                f"candidates must be one of {', '.join(CANDIDATE_SOURCES)}, got {candidates!r}"
            )
        if solver not in METHODS:
            raise UsageError(f"solver must be one of {', '.join(METHODS)}, got {solver!r}")
        if constraint not in CONSTRAINTS:
            raise UsageError(
                f"constraint must be one of {', '.join(CONSTRAINTS)}, got {constraint!r}"
            )
        if max_len < 1 or n_proj < 1:
            raise UsageError(f"max_len and n_proj must be >= 1, got {max_len} and {n_proj}")
        unknown = sorted(set(weights) - S.KNOWN_SCORES)
        if unknown:
            raise UsageError(
                f"Unknown score name(s) in weights: {', '.join(unknown)}. "
                f"Known: {', '.join(sorted(S.KNOWN_SCORES))}."
            )
        if any(w < 0 for w in weights.values()) or not any(w > 0 for w in weights.values()):
            raise UsageError(f"weights must be >= 0 with at least one > 0, got {weights}")
        if weights.get("translation", 0) > 0 and translation_scorer is None:
            raise UsageError("A 'translation' weight needs a translation_scorer.")
        if weights.get("embedding", 0) > 0 and encoder is None:
            raise UsageError("An 'embedding' weight needs an encoder.")
        self.candidates = candidates
        self.max_len = max_len
        self.solver = solver
        self.n_proj = n_proj
        self.constraint = constraint
        self.weights = {k: float(v) for k, v in weights.items() if v > 0}
        self.alpha = alpha
        self.translation_scorer = translation_scorer
        self.encoder = encoder
        self._embedding = EmbeddingScorer(encoder) if encoder is not None else None
        self.min_score = min_score
        self.refine = refine
        self._norm = sum(self.weights.values())
        self._trimmable = set(self.weights) <= S.TRIMMABLE_SCORES
        self._align_only = set(self.weights) == {"align"}
        self._align_weight = self.weights.get("align", 0.0)
        # Running totals over every project() call: HiGHS calls made, and entities that
        # got fewer than n_proj projections because eq/ge was infeasible and relaxed.
        self.stats: dict[str, int] = {"solver_calls": 0, "relaxed": 0}

    def __repr__(self) -> str:
        encoder = f", encoder={self.encoder!r}" if self.encoder is not None else ""
        return (
            f"MatchingProjector(candidates={self.candidates!r}, max_len={self.max_len}, "
            f"solver={self.solver!r}, n_proj={self.n_proj}, constraint={self.constraint!r}, "
            f"weights={self.weights!r}, refine={self.refine}{encoder})"
        )

    def project(
        self,
        src_words: Sequence[str],
        src_spans: Sequence[Span],
        tgt_words: Sequence[str],
        links: Sequence[Link],
        *,
        tag_probs: np.ndarray | None = None,
        tags: list[str] | None = None,
        tgt_candidates: Sequence[Span] | None = None,
    ) -> Projection:
        """Project ``src_spans`` onto ``tgt_words``.

        src_words (Sequence[str]): The source words.
        src_spans (Sequence[Span]): The source entities.
        tgt_words (Sequence[str]): The target words.
        links (Sequence[Link]): ``(source, target)`` word links.
        tag_probs (np.ndarray | None): Target NER IOB2 tag probabilities (words × tags),
            needed for ``"ner"``/``"ner_any"`` weights.
        tags (list[str] | None): The tag names of ``tag_probs``' columns.
        tgt_candidates (Sequence[Span] | None): Target NER spans, for ``candidates="ner"``.
        RETURNS (Projection): The projected spans and the dropped entities with reasons.
        """
        if not src_spans:
            return Projection()
        refiner = LinkRefiner(src_words, tgt_words) if self.refine else None
        if self._trimmable and self.candidates != "ner":
            starts, ends, ents, values = self._trimmed_pairs(
                src_words, src_spans, tgt_words, links, refiner
            )
            cand_ids = list(range(len(starts)))
        else:
            fused, cands = self.score(
                src_words,
                src_spans,
                tgt_words,
                links,
                tag_probs=tag_probs,
                tags=tags,
                tgt_candidates=tgt_candidates,
                refiner=refiner,
            )
            fused = np.where(fused > self.min_score * self._norm, fused, 0.0)
            ent_arr, cand_arr = np.nonzero(fused)
            ents, cand_ids = ent_arr.tolist(), cand_arr.tolist()
            values = fused[ent_arr, cand_arr].tolist()
            starts, ends = cands.starts.tolist(), cands.ends.tolist()
        matching = solve_pairs(
            ents,
            cand_ids,
            values,
            starts,
            ends,
            len(src_spans),
            n_proj=self.n_proj,
            constraint=self.constraint,
            method=self.solver,
        )
        if matching.solver_calls or matching.relaxed:
            self.stats["solver_calls"] += matching.solver_calls
            self.stats["relaxed"] += len(matching.relaxed)
        norm = self._norm
        spans = []
        dropped = list(matching.dropped)
        for e, c, score in matching.pairs:
            start, end = starts[c], ends[c]
            if refiner is not None:
                trimmed = refiner.trim(src_spans[e].start, src_spans[e].end, (start, end))
                if trimmed is None:
                    dropped.append(Dropped(e, DropReason.NO_CANDIDATE))
                    continue
                start, end = trimmed
            spans.append(ProjectedSpan(start, end, src_spans[e].label, e, min(1.0, score / norm)))
        return Projection(spans=spans, dropped=dropped)

    def _trimmed_pairs(
        self,
        src_words: Sequence[str],
        src_spans: Sequence[Span],
        tgt_words: Sequence[str],
        links: Sequence[Link],
        refiner: LinkRefiner | None = None,
    ) -> tuple[list[int], list[int], list[int], list[float]]:
        """Candidates and positive-score pairs for ``"align"``/``"string"`` weights.

        Plain Python on purpose: a sentence has a handful of entities and links, where
        numpy's per-call cost would dominate. Per entity, the candidates are the ranges
        that start and end on a word with evidence (``endpoint_candidates``); each gets
        its own candidate index, so equal ranges of two entities are two (overlapping)
        candidates.
        RETURNS (tuple): ``starts``, ``ends`` (per candidate), ``ents`` and ``values``
            (per pair; pair i uses candidate i).
        """
        n_src, n_tgt = len(src_words), len(tgt_words)
        by_src: list[list[int]] = [[] for _ in range(n_src)]
        for s, t in links:
            if not (0 <= s < n_src and 0 <= t < n_tgt):
                raise DataError(
                    f"Link {s}-{t} is outside the sentence pair ({n_src} source words, "
                    f"{n_tgt} target words). Check that the alignment file matches the sentences."
                )
            by_src[s].append(t)
        w_align = self.weights.get("align", 0.0)
        w_string = self.weights.get("string", 0.0)
        max_len = self.max_len
        threshold = self.min_score * self._norm
        starts: list[int] = []
        ends: list[int] = []
        ents: list[int] = []
        values: list[float] = []
        index: S.SimilarityIndex | None = None
        for e, span in enumerate(src_spans):
            if not 0 <= span.start < span.end <= n_src:
                raise DataError(
                    f"Source span [{span.start}, {span.end}) {span.label} is empty or "
                    f"outside the source sentence of {n_src} words."
                )
            ent_len = span.end - span.start
            count: dict[int, int] = {}
            if refiner is None:
                for s in range(span.start, span.end):
                    for t in by_src[s]:
                        count[t] = count.get(t, 0) + 1
            else:
                own = [(s, t) for s in range(span.start, span.end) for t in by_src[s]]
                for _, t in refiner.refine_links(span.start, span.end, own):
                    count[t] = count.get(t, 0) + 1
            if w_string:
                if index is None:
                    index = S.SimilarityIndex(tgt_words)
                rows = [index.row(src_words[i]) for i in range(span.start, span.end)]
                colmax: dict[int, float] = {}
                for row in rows:
                    for t, v in row.items():
                        if v > colmax.get(t, 0.0):
                            colmax[t] = v
                similar = set(colmax)
                if self.candidates == "aligned":
                    lo, hi = (min(count), max(count)) if count else (1, 0)
                    similar = {t for t in similar if lo <= t <= hi}
                evidence = sorted(similar.union(count))
            else:
                evidence = sorted(count)
            for i, a in enumerate(evidence):
                pairs = 0
                src_best = [0.0] * ent_len
                tgt_sum = 0.0
                t_done = a
                for b in evidence[i:]:
                    if b - a >= max_len:
                        break
                    # Grow the range [a, b] word by word up to b.
                    while t_done <= b:
                        pairs += count.get(t_done, 0)
                        if w_string and t_done in colmax:
                            tgt_sum += colmax[t_done]
                            for r, row in enumerate(rows):
                                v = row.get(t_done, 0.0)
                                if v > src_best[r]:
                                    src_best[r] = v
                        t_done += 1
                    denom = ent_len + b + 1 - a
                    score = w_align * 2.0 * pairs / denom
                    if w_string:
                        score += w_string * (sum(src_best) + tgt_sum) / denom
                    if score > threshold:
                        starts.append(a)
                        ends.append(b + 1)
                        ents.append(e)
                        values.append(score)
        return starts, ends, ents, values

    def score(
        self,
        src_words: Sequence[str],
        src_spans: Sequence[Span],
        tgt_words: Sequence[str],
        links: Sequence[Link],
        *,
        tag_probs: np.ndarray | None = None,
        tags: list[str] | None = None,
        tgt_candidates: Sequence[Span] | None = None,
        refiner: LinkRefiner | None = None,
    ) -> tuple[np.ndarray, Candidates]:
        """The fused score matrix (entities × candidates) and the candidates it scores.

        Pairs that the candidate source rules out (another entity's aligned range, a
        dominated n-gram) score zero. With ``refine``, entity e's scores and aligned
        candidates use e's refined links (a ``refiner`` made for these words may be
        passed in, to share its look-ups).
        """
        n_src, n_tgt = len(src_words), len(tgt_words)
        for span in src_spans:
            if not 0 <= span.start < span.end <= n_src:
                raise DataError(
                    f"Source span [{span.start}, {span.end}) {span.label} is empty or "
                    f"outside the source sentence of {n_src} words."
                )
        counts = S.link_counts(src_spans, links, n_src, n_tgt)
        per_entity: list[Sequence[Link]] | None = None
        if self.refine:
            if refiner is None:
                refiner = LinkRefiner(src_words, tgt_words)
            per_entity = [refiner.refine_links(s.start, s.end, links) for s in src_spans]
            counts = np.zeros_like(counts)
            for e, own in enumerate(per_entity):
                for _, t in own:
                    counts[e, t] += 1
        sim = None
        if "string" in self.weights:
            sim = S.string_similarity_matrix(src_words, tgt_words)
        allowed: np.ndarray | None = None
        if self.candidates == "ner":
            if tgt_candidates is None:
                raise ValueError("candidates='ner' needs tgt_candidates (spans of a target NER).")
            cands = given_candidates(tgt_candidates, n_tgt)
        elif self._trimmable:
            evidence = counts > 0
            if sim is not None:
                evidence = evidence | (S.string_evidence(src_spans, sim) > 0)
                if self.candidates == "aligned":
                    evidence &= _aligned_window(counts > 0)
            cands, allowed = endpoint_candidates(evidence, self.max_len)
        elif self.candidates == "aligned":
            cands, allowed = self._aligned(src_spans, links, n_tgt, per_entity)
        else:
            cands = ngram_candidates(n_tgt, self.max_len)
        if self._align_only:
            fused = S.alignment_scores(src_spans, cands, counts)
            if self._align_weight != 1.0:
                fused *= self._align_weight
        else:
            fused = self._fuse(
                src_words, src_spans, tgt_words, cands, counts, sim, tag_probs, tags, allowed
            )
        if allowed is not None:
            fused = np.where(allowed, fused, 0.0)
        return fused, cands

    def _aligned(
        self,
        src_spans: Sequence[Span],
        links: Sequence[Link],
        n_tgt: int,
        entity_links: Sequence[Sequence[Link]] | None = None,
    ) -> tuple[Candidates, np.ndarray]:
        # With refinement, each entity's range comes from its own refined links.
        per_entity = [
            aligned_candidates(
                s, links if entity_links is None else entity_links[e], n_tgt, self.max_len
            )
            for e, s in enumerate(src_spans)
        ]
        ranges = {r for c in per_entity for r in c.ranges()}
        cands = Candidates.from_ranges(sorted(ranges), n_tgt)
        col = {r: i for i, r in enumerate(cands.ranges())}
        allowed = np.zeros((len(src_spans), len(cands)), dtype=bool)
        for e, c in enumerate(per_entity):
            allowed[e, [col[r] for r in c.ranges()]] = True
        return cands, allowed

    def _fuse(
        self,
        src_words: Sequence[str],
        src_spans: Sequence[Span],
        tgt_words: Sequence[str],
        cands: Candidates,
        counts: np.ndarray,
        sim: np.ndarray | None,
        tag_probs: np.ndarray | None,
        tags: list[str] | None,
        allowed: np.ndarray | None,
    ) -> np.ndarray:
        named: dict[str, np.ndarray] = {}
        if "align" in self.weights:
            named["align"] = S.alignment_scores(src_spans, cands, counts)
        if sim is not None:
            named["string"] = S.string_scores(src_spans, cands, sim)
        for name, label_free in (("ner", False), ("ner_any", True)):
            if name in self.weights:
                if tag_probs is None or tags is None:
                    raise ValueError(f"A {name!r} weight needs tag_probs and tags in project().")
                labels = [s.label for s in src_spans]
                named[name] = S.ner_scores(
                    labels, cands, tag_probs, tags, self.alpha, label_free=label_free
                )
        weights: Mapping[str, float] = self.weights
        if "translation" in self.weights:
            # The embedding score is positive for almost every pair: it is no reason to
            # send a pair to the (slow) translation scorer.
            others = {k: v for k, v in self.weights.items() if k in named}
            evidence = (
                S.fuse(named, others) > 0
                if others
                else np.ones((len(src_spans), len(cands)), dtype=bool)
            )
            if allowed is not None:
                evidence &= allowed
            assert self.translation_scorer is not None
            named["translation"] = S.translation_scores(
                self.translation_scorer, src_words, src_spans, tgt_words, cands, evidence
            )
        if "embedding" in self.weights:
            assert self._embedding is not None
            named["embedding"] = self._embedding.scores(src_words, src_spans, tgt_words, cands)
        return S.fuse(named, weights)


def _aligned_window(aligned: np.ndarray) -> np.ndarray:
    # Per entity, the target words between its leftmost and rightmost aligned word.
    idx = np.arange(aligned.shape[1])
    lo = np.where(aligned, idx, aligned.shape[1]).min(axis=1, initial=aligned.shape[1])
    hi = np.where(aligned, idx, -1).max(axis=1, initial=-1)
    return (idx[None, :] >= lo[:, None]) & (idx[None, :] <= hi[:, None])


# The class is the registered function: its constructor is the config block's signature.
projectors.register("spacy_xlproj.MatchingProjector.v1", func=MatchingProjector)
