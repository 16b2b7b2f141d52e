"""MatchingProjector: candidates + fused scores + solver, end to end."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacy_xlproj.project.base import Projector
from spacy_xlproj.project.candidates import ngram_candidates
from spacy_xlproj.project.matching import MatchingProjector
from spacy_xlproj.project.scores import alignment_scores, link_counts
from spacy_xlproj.project.solve import solve
from spacy_xlproj.registry import projectors
from spacy_xlproj.types import Dropped, DropReason, ProjectedSpan, Span

SRC = ["Mr", "Romano", "Prodi", "visited", "the", "European", "Parliament", "."]
TGT = ["el", "señor", "Romano", "Prodi", "visitó", "el", "Parlamento", "Europeo", "."]
LINKS = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 7), (6, 6), (7, 8)]
SPANS = [Span(1, 3, "PER"), Span(5, 7, "ORG")]


def test_is_a_projector_and_registered():
    assert isinstance(MatchingProjector(), Projector)
    make = projectors.get("spacy_xlproj.MatchingProjector.v1")
    proj = make(solver="greedy", weights={"align": 2.0})
    assert isinstance(proj, MatchingProjector) and proj.solver == "greedy"


@pytest.mark.parametrize("candidates", ["ngrams", "aligned"])
@pytest.mark.parametrize("solver", ["ilp", "greedy"])
def test_projects_aligned_entities(candidates, solver):
    proj = MatchingProjector(candidates=candidates, solver=solver, refine=False)
    out = proj.project(SRC, SPANS, TGT, LINKS)
    assert out.spans == [
        ProjectedSpan(2, 4, "PER", 0, 1.0),
        ProjectedSpan(6, 8, "ORG", 1, 1.0),
    ]
    assert out.dropped == []


def test_score_is_fused_score_over_weight_sum():
    # Only "Prodi" is linked: [3,4) scores 2*1/(2+1) = 2/3 for alignment, and with a
    # string weight the string score (1 + 0 + 1) / 3 is added; normalised by 1 + 1.
    links = [(2, 3)]
    out = MatchingProjector(refine=False).project(SRC, SPANS[:1], TGT, links)
    assert out.spans == [ProjectedSpan(3, 4, "PER", 0, pytest.approx(2 / 3))]
    fused = MatchingProjector(weights={"align": 1.0, "string": 1.0}, refine=False)
    out2 = fused.project(SRC, SPANS[:1], TGT, links)
    # "Romano" is similar to "Romano": [2,4) scores align 2/4 + string 4/4 = 1.5.
    assert out2.spans == [ProjectedSpan(2, 4, "PER", 0, pytest.approx(0.75))]


def test_unaligned_entity_is_dropped_as_no_candidate():
    links = [(l_s, l_t) for l_s, l_t in LINKS if l_s not in (5, 6)]
    out = MatchingProjector(refine=False).project(SRC, SPANS, TGT, links)
    assert [s.to_span() for s in out.spans] == [Span(2, 4, "PER")]
    assert out.dropped == [Dropped(1, DropReason.NO_CANDIDATE)]


def test_competing_entities_not_selected():
    # Both entities are linked only to "Romano" with equal scores: the tie-break
    # (solve.tie_weight) gives the one span to the later entity, every time.
    spans = [Span(1, 2, "PER"), Span(2, 3, "PER")]
    links = [(1, 2), (2, 2)]
    out = MatchingProjector(refine=False).project(SRC, spans, TGT, links)
    assert [(s.to_span(), s.source) for s in out.spans] == [(Span(2, 3, "PER"), 1)]
    assert out.dropped == [Dropped(0, DropReason.NOT_SELECTED)]
    eq_proj = MatchingProjector(constraint="eq", refine=False)
    eq = eq_proj.project(SRC, spans, TGT, links)
    assert len(eq.spans) == 1 and eq.dropped == [Dropped(0, DropReason.NOT_SELECTED)]
    # eq was infeasible: one ILP, its relaxation, the tie-break call, one entity relaxed.
    assert eq_proj.stats == {"solver_calls": 3, "relaxed": 1}


def test_n_proj_two_projects_repeated_entity():
    src = ["Prodi", "spoke"]
    tgt = ["Prodi", "habló", "y", "Prodi", "rió"]
    links = [(0, 0), (0, 3), (1, 1)]
    one = MatchingProjector(refine=False).project(src, [Span(0, 1, "PER")], tgt, links)
    assert [s.to_span() for s in one.spans] == [Span(0, 1, "PER")]
    two = MatchingProjector(n_proj=2, refine=False).project(src, [Span(0, 1, "PER")], tgt, links)
    assert [s.to_span() for s in two.spans] == [Span(0, 1, "PER"), Span(3, 4, "PER")]


def test_min_score_filters_weak_pairs():
    links = [(1, 2), (1, 5)]  # "Romano" -> "Romano", and a stray link
    proj = MatchingProjector(min_score=0.7, refine=False)
    out = proj.project(SRC, SPANS[:1], TGT, links)
    # best span [2,3) scores 2*1/(2+1) = 0.667 <= 0.7
    assert out.spans == [] and out.dropped == [Dropped(0, DropReason.NO_CANDIDATE)]


def test_ner_candidates_and_ner_scores():
    tags = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG"]
    probs = np.full((len(TGT), 5), 0.0)
    probs[:, 0] = 1.0
    probs[2] = [0.1, 0.8, 0.1, 0.0, 0.0]
    probs[3] = [0.3, 0.0, 0.7, 0.0, 0.0]
    probs[6] = [0.1, 0.0, 0.0, 0.9, 0.0]
    probs[7] = [0.2, 0.0, 0.0, 0.0, 0.8]
    # No links at all: the NER score alone places both entities.
    proj = MatchingProjector(weights={"ner": 1.0}, refine=False)
    out = proj.project(SRC, SPANS, TGT, [], tag_probs=probs, tags=tags)
    assert [s.to_span() for s in out.spans] == [Span(2, 4, "PER"), Span(6, 8, "ORG")]
    # PER [2,4): (0.8 + 0.7) / 2 * 1.15 = 0.8625 beats [2,3): 0.8;
    # ORG [6,8): (0.9 + 0.8) / 2 * 1.15 = 0.9775 beats [6,7): 0.9.
    assert [s.score for s in out.spans] == pytest.approx([0.8625, 0.9775])
    plain = MatchingProjector(weights={"ner": 1.0}, alpha=1.0, refine=False)
    out_plain = plain.project(SRC, SPANS, TGT, [], tag_probs=probs, tags=tags)
    # Without the length bonus the mean prefers the single best word.
    assert [s.to_span() for s in out_plain.spans] == [Span(2, 3, "PER"), Span(6, 7, "ORG")]
    given_ = MatchingProjector(candidates="ner", weights={"align": 1.0}, refine=False)
    out2 = given_.project(
        SRC, SPANS, TGT, LINKS, tgt_candidates=[Span(1, 4, "PER"), Span(6, 8, "ORG")]
    )
    assert [s.to_span() for s in out2.spans] == [Span(1, 4, "PER"), Span(6, 8, "ORG")]
    with pytest.raises(ValueError, match="A 'ner' weight needs tag_probs and tags in project"):
        proj.project(SRC, SPANS, TGT, LINKS)
    with pytest.raises(ValueError, match="candidates='ner' needs tgt_candidates"):
        given_.project(SRC, SPANS, TGT, LINKS)


class CountingScorer:
    def __init__(self) -> None:
        self.batches: list[int] = []

    def score(self, pairs):
        self.batches.append(len(pairs))
        return np.array([1.0 if s.split()[-1] in t.split() else 0.0 for s, t in pairs])


def test_translation_scorer_called_once_on_pruned_pairs():
    scorer = CountingScorer()
    proj = MatchingProjector(
        weights={"align": 1.0, "translation": 1.0, "ner_any": 0.0},
        translation_scorer=scorer,
        refine=False,
    )
    links = [(1, 2), (2, 3), (5, 7), (6, 6)]
    out = proj.project(SRC, SPANS, TGT, links)
    assert [s.to_span() for s in out.spans] == [Span(2, 4, "PER"), Span(6, 8, "ORG")]
    # One call; only pairs with alignment evidence: the n-grams up to 10 words that
    # contain a linked word, per entity, not every n-gram of the sentence.
    assert len(scorer.batches) == 1
    n_all = len(ngram_candidates(len(TGT), 10))
    assert 0 < scorer.batches[0] < 2 * n_all


def test_bad_configuration_messages():
    with pytest.raises(ValueError, match="Unknown score name\\(s\\) in weights: nmt"):
        MatchingProjector(weights={"nmt": 1.0}, refine=False)
    with pytest.raises(ValueError, match="A 'translation' weight needs a translation_scorer"):
        MatchingProjector(weights={"translation": 1.0}, refine=False)
    with pytest.raises(ValueError, match="candidates must be one of ngrams, aligned, ner"):
        MatchingProjector(candidates="all", refine=False)
    with pytest.raises(ValueError, match=r"Link 0-9 is outside the sentence pair \(8 source"):
        MatchingProjector(refine=False).project(SRC, SPANS, TGT, [(0, 9)])


# --- property: the pruned n-gram matching equals the full n-gram ILP --------------------


@st.composite
def sentence_pairs(draw):
    n_src = draw(st.integers(1, 7))
    n_tgt = draw(st.integers(1, 9))
    pairs = [(s, t) for s in range(n_src) for t in range(n_tgt)]
    links = draw(st.lists(st.sampled_from(pairs), max_size=12, unique=True))
    cuts = sorted(draw(st.sets(st.integers(0, n_src), min_size=2, max_size=6)))
    spans = [Span(a, b, "X") for a, b in zip(cuts, cuts[1:], strict=False) if draw(st.booleans())]
    max_len = draw(st.integers(1, 5))
    return n_src, n_tgt, links, spans, max_len


@settings(max_examples=120, deadline=None)
@given(sentence_pairs(), st.sampled_from(["ilp", "greedy"]))
def test_pruned_candidates_match_full_ngram_problem(case, solver):
    n_src, n_tgt, links, spans, max_len = case
    src, tgt = [f"s{i}" for i in range(n_src)], [f"t{i}" for i in range(n_tgt)]
    out = MatchingProjector(max_len=max_len, solver=solver, refine=False).project(
        src, spans, tgt, links
    )
    # In bounds, no overlaps, only source labels.
    taken = [w for s in out.spans for w in range(s.start, s.end)]
    assert len(taken) == len(set(taken)) and all(0 <= w < n_tgt for w in taken)
    assert all(s.end - s.start <= max_len for s in out.spans)
    # Same objective as the plain matrix over every n-gram.
    cands = ngram_candidates(n_tgt, max_len)
    full = alignment_scores(spans, cands, link_counts(spans, links, n_src, n_tgt))
    ref = solve(full, cands.starts, cands.ends, method=solver)
    column = {r: i for i, r in enumerate(cands.ranges())}
    ours = sum(full[s.source, column[(s.start, s.end)]] for s in out.spans)
    assert ours == pytest.approx(ref.objective)
    no_cand = DropReason.NO_CANDIDATE
    assert [d for d in out.dropped if d.reason == no_cand] == [
        d for d in ref.dropped if d.reason == no_cand
    ]


def test_europarl_f1(shared_data):
    """On the real Europarl en-es test set with eflomal links, reach the published F1."""
    from spacy_xlproj.evaluate import entity_scores
    from spacy_xlproj.io import read_columns, read_pharaoh

    en = read_columns(shared_data / "europarl_ner" / "en-europarl.test.conll02")
    es = read_columns(shared_data / "europarl_ner" / "es-europarl.test.conll02")
    links = read_pharaoh(shared_data / "alignments" / "europarl.en-es.eflomal-gdfa.txt")
    gold = [s.spans for s in es]
    for weights, at_least in (({"align": 1.0}, 0.82), ({"align": 1.0, "string": 0.5}, 0.83)):
        proj = MatchingProjector(weights=weights, refine=False)
        pred = [
            proj.project(e.words, e.spans, s.words, lk).target_spans()
            for e, s, lk in zip(en, es, links, strict=True)
        ]
        assert entity_scores(pred, gold).micro.f1 >= at_least


def test_aligned_candidates_restrict_ner_scored_spans():
    # The NER model likes "el señor" for PER, but only [2,4) lies between the words
    # aligned to the entity; with n-gram candidates the NER score wins.
    tags = ["O", "B-PER", "I-PER"]
    probs = np.tile([1.0, 0.0, 0.0], (len(TGT), 1))
    probs[0] = [0.0, 1.0, 0.0]
    probs[1] = [0.0, 0.0, 1.0]
    probs[2] = [0.5, 0.5, 0.0]
    probs[3] = [0.5, 0.0, 0.5]
    links = [(1, 2), (2, 3)]
    kwargs = {"weights": {"ner": 1.0}, "tag_probs": probs, "tags": tags}
    weights = kwargs.pop("weights")
    aligned = MatchingProjector(candidates="aligned", weights=weights, refine=False)
    out = aligned.project(SRC, SPANS[:1], TGT, links, **kwargs)
    assert [s.to_span() for s in out.spans] == [Span(2, 4, "PER")]
    ngrams = MatchingProjector(candidates="ngrams", weights=weights, refine=False)
    out2 = ngrams.project(SRC, SPANS[:1], TGT, links, **kwargs)
    assert [s.to_span() for s in out2.spans] == [Span(0, 2, "PER")]


REF_SRC = ["I", "met", "Romano", "Prodi", "."]
REF_TGT = ["Conocí", "a", "Romano", "Prodi", "."]
# "Romano" is misaligned to "a": the best span by links alone is "a Romano Prodi"
# (2 × 2 / (2 + 3) = 0.8 against 2 × 1 / (2 + 1) for either name word).
REF_LINKS = [(0, 0), (1, 0), (2, 1), (3, 3), (4, 4)]


@pytest.mark.parametrize("solver", ["ilp", "greedy"])
def test_refine_anchors_copied_names(solver):
    span = [Span(2, 4, "PER")]
    plain = MatchingProjector(solver=solver, refine=False).project(
        REF_SRC, span, REF_TGT, REF_LINKS
    )
    assert plain.spans == [ProjectedSpan(1, 4, "PER", 0, 0.8)]
    refined = MatchingProjector(solver=solver, refine=True)
    assert refined.project(REF_SRC, span, REF_TGT, REF_LINKS).spans == [
        ProjectedSpan(2, 4, "PER", 0, 1.0)
    ]


def test_refine_uses_refined_links_for_given_candidates():
    cands = [Span(1, 4, "PER"), Span(2, 4, "PER")]
    span = [Span(2, 4, "PER")]
    plain = MatchingProjector(candidates="ner", refine=False)
    refined = MatchingProjector(candidates="ner", refine=True)
    out = plain.project(REF_SRC, span, REF_TGT, REF_LINKS, tgt_candidates=cands)
    assert out.target_spans() == [Span(1, 4, "PER")]
    out = refined.project(REF_SRC, span, REF_TGT, REF_LINKS, tgt_candidates=cands)
    assert out.target_spans() == [Span(2, 4, "PER")]


def test_refine_trims_articles_from_chosen_spans():
    src = ["the", "Structural", "Funds", "help"]
    tgt = ["los", "Fondos", "Estructurales", "ayudan"]
    links = [(1, 0), (1, 2), (2, 1), (3, 3)]
    span = [Span(1, 3, "MISC")]
    assert MatchingProjector(refine=False).project(src, span, tgt, links).target_spans() == [
        Span(0, 3, "MISC")
    ]
    out = MatchingProjector(refine=True).project(src, span, tgt, links)
    # The span keeps the score of the chosen "los Fondos Estructurales": 2 × 3 / 5, clipped.
    assert out.spans == [ProjectedSpan(1, 3, "MISC", 0, 1.0)]


def test_refine_drops_spans_trimmed_to_nothing():
    # Only the entity's trailing "-" is linked (to ","); a span may not start on
    # punctuation the entity doesn't start with, so nothing is left, and that is reported.
    src = ["the", "euro", "-"]
    tgt = ["el", ","]
    out = MatchingProjector(refine=True).project(src, [Span(1, 3, "MISC")], tgt, [(2, 1)])
    assert out.spans == []
    assert out.dropped == [Dropped(0, DropReason.NO_CANDIDATE)]
    plain = MatchingProjector(refine=False).project(src, [Span(1, 3, "MISC")], tgt, [(2, 1)])
    assert plain.target_spans() == [Span(1, 2, "MISC")]


def test_refine_is_registered():
    make = projectors.get("spacy_xlproj.MatchingProjector.v1")
    assert make(refine=True).refine is True
    assert MatchingProjector(refine=False).refine is False
