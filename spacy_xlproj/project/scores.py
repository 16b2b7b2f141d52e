"""Score matrices (source entities × candidate target spans) for matching projection.

Every function returns a float array of shape ``(n_entities, n_candidates)``; a zero
means "no evidence". ``fuse`` combines named matrices with weights. The scores are:

* ``alignment_scores``: ``2 × links(entity, candidate) / (len(entity) + len(candidate))``;
* ``ner_scores``: how well a target NER model's IOB2 tag probabilities agree with
  labelling the candidate as the entity's class (or as any class);
* ``string_scores``: a cheap, language-independent similarity of the entity's words and
  the candidate's words (identical names and numbers, cognates);
* ``translation_scores``: a ``TranslationScorer`` (e.g. a seq2seq model) asked once per
  sentence about every pair that has some other evidence;
* ``embedding_scores``: the cosine of the entity's and the candidate's span vectors
  (means of contextual word vectors, see ``embedding.EmbeddingScorer``), ``max(0, cos)``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import DataError
from ..types import Link, Span
from .candidates import Candidates

# Scores for which a candidate's end word with no evidence for an entity can be trimmed
# without lowering the score (see ``candidates.endpoint_candidates``).
TRIMMABLE_SCORES = frozenset({"align", "string"})
KNOWN_SCORES = frozenset({"align", "embedding", "ner", "ner_any", "string", "translation"})


@runtime_checkable
class TranslationScorer(Protocol):
    """Scores how well a candidate target text translates a source entity text."""

    def score(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Return one similarity in [0, 1] per ``(source entity text, candidate text)``."""
        ...


def link_counts(
    src_spans: Sequence[Span], links: Sequence[Link], n_src: int, n_tgt: int
) -> np.ndarray:
    """Count the links from each entity to each target word.

    RETURNS (np.ndarray): Integer array (entities × target words).
    """
    counts = np.zeros((len(src_spans), n_tgt), dtype=np.int64)
    if not links:
        return counts
    arr = np.asarray(links, dtype=np.int64).reshape(-1, 2)
    if arr.min() < 0 or arr[:, 0].max() >= n_src or arr[:, 1].max() >= n_tgt:
        bad = arr[(arr[:, 0] < 0) | (arr[:, 1] < 0) | (arr[:, 0] >= n_src) | (arr[:, 1] >= n_tgt)]
        s, t = bad[0].tolist()
        raise DataError(
            f"Link {s}-{t} is outside the sentence pair ({n_src} source words, {n_tgt} "
            "target words). Check that the alignment file matches the sentences."
        )
    for e, span in enumerate(src_spans):
        inside = arr[(arr[:, 0] >= span.start) & (arr[:, 0] < span.end), 1]
        np.add.at(counts[e], inside, 1)
    return counts


def _range_sums(values: np.ndarray, cands: Candidates) -> np.ndarray:
    # Prefix sums along the word axis give every range sum with two lookups.
    prefix = np.zeros((values.shape[0], values.shape[1] + 1), dtype=np.float64)
    np.cumsum(values, axis=1, out=prefix[:, 1:])
    return prefix[:, cands.ends] - prefix[:, cands.starts]


def alignment_scores(
    src_spans: Sequence[Span], cands: Candidates, counts: np.ndarray
) -> np.ndarray:
    """The alignment score of every (entity, candidate) pair.

    ``2 × (links between entity and candidate) / (entity length + candidate length)``.
    Links are counted as word pairs, so with many-to-many links a score can exceed 1.

    src_spans (Sequence[Span]): The source entities.
    cands (Candidates): The candidate target spans.
    counts (np.ndarray): Links per entity and target word, from ``link_counts``.
    RETURNS (np.ndarray): Float array (entities × candidates).
    """
    if len(cands) == 0 or not src_spans:
        return np.zeros((len(src_spans), len(cands)))
    ent_len = np.array([len(s) for s in src_spans], dtype=np.float64)
    pairs = _range_sums(counts, cands)
    return 2.0 * pairs / (ent_len[:, None] + cands.lengths[None, :])


def _label_ner_scores(
    b_probs: np.ndarray, i_probs: np.ndarray, cands: Candidates, alpha: float
) -> np.ndarray:
    lengths = cands.lengths.astype(np.float64)
    prefix = np.zeros(i_probs.shape[0] + 1)
    np.cumsum(i_probs, out=prefix[1:])
    inside = prefix[cands.ends] - prefix[cands.starts + 1]
    return (b_probs[cands.starts] + inside) / lengths * alpha ** (lengths - 1)


def ner_scores(
    labels: Sequence[str],
    cands: Candidates,
    tag_probs: np.ndarray,
    tags: Sequence[str],
    alpha: float = 1.15,
    label_free: bool = False,
) -> np.ndarray:
    """Score candidates with the IOB2 tag probabilities of a target NER model.

    A candidate ``[s, e)`` for an entity of class ``l`` scores the mean of ``p(B-l)`` on
    word ``s`` and ``p(I-l)`` on words ``s+1 … e-1``, times ``alpha ** (e - s - 1)``, a
    bonus that keeps the mean from always preferring the shortest span. With
    ``label_free``, every entity gets the best score over all classes.

    labels (Sequence[str]): The class of each source entity.
    cands (Candidates): The candidate target spans.
    tag_probs (np.ndarray): Probabilities (target words × tags).
    tags (Sequence[str]): The tag names (``"O"``, ``"B-PER"``, ``"I-PER"``, …).
    alpha (float): Length bonus per extra word.
    label_free (bool): Ignore the entity's class and take the best class.
    RETURNS (np.ndarray): Float array (entities × candidates); zero for classes the
        model does not know.
    """
    probs = np.asarray(tag_probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[1] != len(tags):
        raise ValueError(
            f"tag_probs must have shape (target words, {len(tags)} tags), got {probs.shape}."
        )
    index = {tag: i for i, tag in enumerate(tags)}
    classes = sorted({t[2:] for t in tags if t[:2] in ("B-", "I-")})
    out = np.zeros((len(labels), len(cands)))
    if len(cands) == 0 or not labels:
        return out
    if len(cands) and cands.ends.max() > probs.shape[0]:
        raise ValueError(
            f"tag_probs has {probs.shape[0]} rows but a candidate ends at word "
            f"{int(cands.ends.max())}: give one row of probabilities per target word."
        )
    zeros = np.zeros(probs.shape[0])
    per_class: dict[str, np.ndarray] = {}
    for label in classes:
        b = probs[:, index[f"B-{label}"]] if f"B-{label}" in index else zeros
        i = probs[:, index[f"I-{label}"]] if f"I-{label}" in index else zeros
        per_class[label] = _label_ner_scores(b, i, cands, alpha)
    if label_free:
        if per_class:
            out[:] = np.max(np.stack(list(per_class.values())), axis=0)
        return out
    for e, label in enumerate(labels):
        if label in per_class:
            out[e] = per_class[label]
    return out


def _fold(word: str) -> str:
    # Case- and accent-insensitive form: "Comisión" and "comision" compare equal.
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def _word_key(word: str) -> tuple[str, frozenset[str]]:
    folded = _fold(word)
    return folded, frozenset(folded[i : i + 2] for i in range(len(folded) - 1))


@lru_cache(maxsize=262144)
def word_similarity(a: str, b: str, threshold: float = 0.5) -> float:
    """A cheap, language-independent similarity of two words in [0, 1].

    Identical words (ignoring case and accents) that contain a letter or digit score 1.
    Other words of three or more characters that start with the same letter score the
    larger of their character-bigram Dice coefficient and their common-prefix ratio
    (counted only for a common prefix of three or more), when that reaches
    ``threshold``; everything else scores 0. This
    catches names, numbers and cognates (``Commission``/``Comisión``,
    ``European``/``Europeo``) and ignores short function words.
    """
    fa, ba = _word_key(a)
    fb, bb = _word_key(b)
    if fa == fb:
        return 1.0 if any(c.isalnum() for c in fa) else 0.0
    if len(fa) < 3 or len(fb) < 3 or fa[0] != fb[0]:
        return 0.0
    dice = 2.0 * len(ba & bb) / (len(ba) + len(bb))
    prefix = 0
    for x, y in zip(fa, fb, strict=False):
        if x != y:
            break
        prefix += 1
    ratio = prefix / max(len(fa), len(fb)) if prefix >= 3 else 0.0
    best = max(dice, ratio)
    return best if best >= threshold else 0.0


class SimilarityIndex:
    """The target words of one sentence, indexed for ``word_similarity`` look-ups.

    Only words with the same first letter (ignoring case and accents) can be similar,
    so a look-up compares a source word with those alone.
    """

    def __init__(self, tgt_words: Sequence[str]) -> None:
        self.tgt_words = tgt_words
        self._by_initial: dict[str, list[int]] = {}
        for t, word in enumerate(tgt_words):
            self._by_initial.setdefault(_word_key(word)[0][:1], []).append(t)

    def row(self, word: str) -> dict[int, float]:
        """The target words similar to ``word``: ``{target index: similarity > 0}``."""
        out = {}
        tgt_words = self.tgt_words
        for t in self._by_initial.get(_word_key(word)[0][:1], ()):
            value = word_similarity(word, tgt_words[t])
            if value > 0:
                out[t] = value
        return out


def string_similarity_matrix(src_words: Sequence[str], tgt_words: Sequence[str]) -> np.ndarray:
    """``word_similarity`` of every source word and target word (source × target)."""
    return np.array([[word_similarity(a, b) for b in tgt_words] for a in src_words]).reshape(
        len(src_words), len(tgt_words)
    )


def string_evidence(src_spans: Sequence[Span], sim: np.ndarray) -> np.ndarray:
    """The best similarity of any entity word to each target word (entities × target)."""
    out = np.zeros((len(src_spans), sim.shape[1]))
    for e, span in enumerate(src_spans):
        if span.end > span.start:
            out[e] = sim[span.start : span.end].max(axis=0)
    return out


def string_scores(src_spans: Sequence[Span], cands: Candidates, sim: np.ndarray) -> np.ndarray:
    """The string similarity of every (entity, candidate) pair.

    Each entity word is matched to its most similar candidate word and each candidate
    word to its most similar entity word; the score is the sum of both sets of best
    similarities over ``len(entity) + len(candidate)``, so it is 1 for identical spans.

    src_spans (Sequence[Span]): The source entities.
    cands (Candidates): The candidate target spans.
    sim (np.ndarray): ``string_similarity_matrix(src_words, tgt_words)``.
    RETURNS (np.ndarray): Float array (entities × candidates).
    """
    n_ent, n_cand = len(src_spans), len(cands)
    out = np.zeros((n_ent, n_cand))
    if n_cand == 0 or n_ent == 0:
        return out
    lengths = cands.lengths
    # Candidate words -> best entity word: a range sum of per-word maxima.
    tgt_side = _range_sums(string_evidence(src_spans, sim), cands)
    # Entity words -> best candidate word: range maxima, grown one word at a time.
    src_side = np.zeros((n_ent, n_cand))
    for e, span in enumerate(src_spans):
        rows = sim[span.start : span.end]
        running = rows.copy()
        for length in range(1, int(lengths.max()) + 1):
            if length > 1:
                running = np.maximum(running[:, :-1], rows[:, length - 1 :])
            pick = np.nonzero(lengths == length)[0]
            if pick.shape[0]:
                src_side[e, pick] = running[:, cands.starts[pick]].sum(axis=0)
    ent_len = np.array([len(s) for s in src_spans], dtype=np.float64)
    return (src_side + tgt_side) / (ent_len[:, None] + lengths[None, :])


def translation_scores(
    scorer: TranslationScorer,
    src_words: Sequence[str],
    src_spans: Sequence[Span],
    tgt_words: Sequence[str],
    cands: Candidates,
    mask: np.ndarray,
) -> np.ndarray:
    """Ask ``scorer`` about the (entity, candidate) pairs in ``mask``, in one batch.

    The scorer is slow, so only pairs with some other evidence (``mask``) are sent, and
    all of them in a single call.

    RETURNS (np.ndarray): Float array (entities × candidates), zero outside ``mask``.
    """
    out = np.zeros(mask.shape)
    ents, cols = np.nonzero(mask)
    if ents.shape[0] == 0:
        return out
    src_text = [" ".join(src_words[s.start : s.end]) for s in src_spans]
    ranges = cands.ranges()
    pairs = [
        (src_text[e], " ".join(tgt_words[ranges[c][0] : ranges[c][1]]))
        for e, c in zip(ents.tolist(), cols.tolist(), strict=True)
    ]
    values = np.asarray(scorer.score(pairs), dtype=np.float64).reshape(-1)
    if values.shape[0] != len(pairs):
        raise ValueError(
            f"The translation scorer returned {values.shape[0]} scores for {len(pairs)} "
            "pairs: it must return exactly one score per pair."
        )
    out[ents, cols] = np.clip(values, 0.0, 1.0)
    return out


def span_vectors(vectors: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The mean of the word vectors of each span ``[starts[i], ends[i])``.

    vectors (np.ndarray): One row per word of the sentence (words × dim).
    starts (np.ndarray): First word of each span.
    ends (np.ndarray): One past the last word of each span (``ends > starts``).
    RETURNS (np.ndarray): Float64 array (spans × dim).
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    # Prefix sums give every span's sum with two look-ups, however many spans overlap.
    prefix = np.zeros((vectors.shape[0] + 1, vectors.shape[1]))
    np.cumsum(vectors, axis=0, out=prefix[1:])
    return (prefix[ends] - prefix[starts]) / (ends - starts)[:, None]


def _unit(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    # A zero vector (a span of words the encoder could not represent) stays zero.
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def embedding_scores(
    src_vectors: np.ndarray,
    src_spans: Sequence[Span],
    tgt_vectors: np.ndarray,
    cands: Candidates,
) -> np.ndarray:
    """The embedding similarity of every (entity, candidate) pair.

    Each span is represented by the mean of its words' vectors (``span_vectors``); the
    score is the cosine of the entity's and the candidate's vectors, clipped below at
    0: ``max(0, cos)`` lies in [0, 1] like the other scores, and a dissimilar pair gets
    no evidence rather than a penalty that other scores would have to outweigh. A span
    whose words all have zero vectors scores 0.

    src_vectors (np.ndarray): Source word vectors (source words × dim).
    src_spans (Sequence[Span]): The source entities.
    tgt_vectors (np.ndarray): Target word vectors (target words × dim).
    cands (Candidates): The candidate target spans.
    RETURNS (np.ndarray): Float array (entities × candidates).
    """
    if len(cands) == 0 or not src_spans:
        return np.zeros((len(src_spans), len(cands)))
    src = np.asarray(src_vectors)
    tgt = np.asarray(tgt_vectors)
    if src.ndim != 2 or tgt.ndim != 2 or src.shape[1] != tgt.shape[1]:
        raise ValueError(
            f"Word vectors must be (words × dim) arrays of one dim, got {src.shape} and "
            f"{tgt.shape}."
        )
    if max(s.end for s in src_spans) > src.shape[0] or int(cands.ends.max()) > tgt.shape[0]:
        raise ValueError(
            f"A span ends beyond the word vectors ({src.shape[0]} source, {tgt.shape[0]} "
            "target rows): give one vector per word."
        )
    ents = span_vectors(
        src,
        np.array([s.start for s in src_spans], dtype=np.int64),
        np.array([s.end for s in src_spans], dtype=np.int64),
    )
    spans = span_vectors(tgt, cands.starts, cands.ends)
    return np.maximum(_unit(ents) @ _unit(spans).T, 0.0)


def fuse(scores: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """The weighted sum of named score matrices.

    scores (Mapping[str, np.ndarray]): Matrices of equal shape by name (``"align"``, …).
    weights (Mapping[str, float]): Weight per name; a name without a matrix is an error.
    RETURNS (np.ndarray): ``sum(weights[name] * scores[name])``.
    """
    missing = [name for name in weights if name not in scores]
    if missing:
        raise ValueError(
            f"No score matrix for weight(s) {', '.join(sorted(missing))}; available: "
            f"{', '.join(sorted(scores)) or 'none'}."
        )
    total: np.ndarray | None = None
    for name, weight in weights.items():
        term = weight * scores[name]
        total = term if total is None else total + term
    if total is None:
        raise ValueError("fuse() needs at least one weight.")
    return total
