"""Score matrices: alignment, NER, string similarity, translation scorer, fusion."""

from __future__ import annotations

import numpy as np
import pytest

from spacy_xlproj.project import scores as S
from spacy_xlproj.project.candidates import Candidates
from spacy_xlproj.types import Span


def _cands(*ranges: tuple[int, int], n_tgt: int = 10) -> Candidates:
    return Candidates.from_ranges(ranges, n_tgt)


def test_alignment_scores_hand_worked():
    # "European Parliament" -> "el Parlamento Europeo": crossed links.
    spans = [Span(0, 2, "ORG")]
    counts = S.link_counts(spans, [(0, 2), (1, 1)], n_src=2, n_tgt=3)
    assert counts.tolist() == [[0, 1, 1]]
    cands = _cands((0, 3), (1, 2), (1, 3), (0, 1), n_tgt=3)
    got = S.alignment_scores(spans, cands, counts)
    # (0,1): 0 links; (0,3): 2*2/(2+3); (1,2): 2*1/(2+1); (1,3): 2*2/(2+2)
    assert got[0].tolist() == pytest.approx([0.0, 0.8, 2 / 3, 1.0])


def test_alignment_scores_count_word_pairs():
    # Two source words both linked to one target word: two pairs.
    spans = [Span(0, 2, "PER"), Span(2, 3, "LOC")]
    links = [(0, 0), (1, 0), (2, 1)]
    counts = S.link_counts(spans, links, n_src=3, n_tgt=2)
    got = S.alignment_scores(spans, _cands((0, 1), (0, 2), n_tgt=2), counts)
    assert got[0].tolist() == pytest.approx([4 / 3, 1.0])
    assert got[1].tolist() == pytest.approx([0.0, 2 / 3])


def test_link_counts_reject_links_outside_sentences():
    with pytest.raises(
        ValueError,
        match=r"Link 1-7 is outside the sentence pair \(2 source words, 3 target words\)",
    ):
        S.link_counts([Span(0, 1, "PER")], [(0, 0), (1, 7)], n_src=2, n_tgt=3)


TAGS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
PROBS = np.array(
    [
        [0.1, 0.6, 0.1, 0.2, 0.0],
        [0.2, 0.0, 0.7, 0.0, 0.1],
        [0.5, 0.0, 0.1, 0.1, 0.3],
    ]
)


def test_ner_scores_mean_of_b_then_i_times_alpha():
    cands = _cands((0, 1), (0, 2), (0, 3), (1, 3), n_tgt=3)
    got = S.ner_scores(["PER", "LOC", "MISC"], cands, PROBS, TAGS, alpha=1.15)
    per = [0.6, (0.6 + 0.7) / 2 * 1.15, (0.6 + 0.7 + 0.1) / 3 * 1.15**2, (0.0 + 0.1) / 2 * 1.15]
    loc = [0.2, (0.2 + 0.1) / 2 * 1.15, (0.2 + 0.1 + 0.3) / 3 * 1.15**2, (0.0 + 0.3) / 2 * 1.15]
    assert got[0].tolist() == pytest.approx(per)
    assert got[1].tolist() == pytest.approx(loc)
    assert got[2].tolist() == [0.0, 0.0, 0.0, 0.0]  # the model has no MISC class


def test_ner_scores_alpha_one_is_plain_mean_and_label_free_takes_best_class():
    cands = _cands((0, 2), (1, 3), n_tgt=3)
    plain = S.ner_scores(["PER"], cands, PROBS, TAGS, alpha=1.0)
    assert plain[0].tolist() == pytest.approx([0.65, 0.05])
    free = S.ner_scores(["MISC", "PER"], cands, PROBS, TAGS, alpha=1.0, label_free=True)
    # (0,2): PER 0.65 beats LOC 0.15; (1,3): LOC 0.15 beats PER 0.05; same for all entities.
    assert free[0].tolist() == pytest.approx([0.65, 0.15])
    assert free[1].tolist() == pytest.approx([0.65, 0.15])


def test_ner_scores_reject_bad_shapes():
    with pytest.raises(ValueError, match=r"tag_probs must have shape \(target words, 5 tags\)"):
        S.ner_scores(["PER"], _cands((0, 1), n_tgt=3), PROBS[:, :3], TAGS)
    with pytest.raises(ValueError, match="tag_probs has 3 rows but a candidate ends at word 4"):
        S.ner_scores(["PER"], _cands((2, 4), n_tgt=4), PROBS, TAGS)


def test_word_similarity_values():
    assert S.word_similarity("1999", "1999") == 1.0
    assert S.word_similarity("Prodi", "prodi") == 1.0
    assert S.word_similarity(",", ",") == 0.0  # punctuation is no evidence
    assert S.word_similarity("the", "el") == 0.0
    # comision / commission: 7 shared bigrams of 7 and 9.
    assert S.word_similarity("Comisión", "Commission") == pytest.approx(14 / 16)
    # europeo / european: bigrams share eu,ur,ro,op,pe = 5 of 6 and 7 -> 10/13;
    # common prefix "europe" = 6 of 8 = 0.75 -> the larger wins.
    assert S.word_similarity("Europeo", "European") == pytest.approx(10 / 13)
    # parliament / parlamento: 7 shared bigrams of 9 and 9.
    assert S.word_similarity("Parliament", "Parlamento") == pytest.approx(14 / 18)
    # council / consejo: one shared bigram of 6 and 6, prefix "co" too short.
    assert S.word_similarity("Council", "Consejo") == 0.0


def test_string_scores_hand_worked():
    src = ["Mr", "Romano", "Prodi"]
    tgt = ["el", "señor", "Romano", "Prodi", "dijo"]
    spans = [Span(1, 3, "PER")]
    sim = S.string_similarity_matrix(src, tgt)
    cands = _cands((2, 4), (1, 4), (2, 3), (0, 1), n_tgt=5)
    got = S.string_scores(spans, cands, sim)
    # (0,1): nothing similar. (1,4): (1 + 1 + [0 + 1 + 1]) / (2 + 3).
    # (2,3): entity side 1 + 0, candidate side 1 -> 2 / 3. (2,4): 4 / 4.
    assert got[0].tolist() == pytest.approx([0.0, 0.8, 2 / 3, 1.0])


class RecordingScorer:
    def __init__(self) -> None:
        self.calls: list[list[tuple[str, str]]] = []

    def score(self, pairs):
        self.calls.append(list(pairs))
        return np.array([0.5 if s.split()[0] in t else 0.25 for s, t in pairs])


def test_translation_scores_batch_only_masked_pairs_in_one_call():
    scorer = RecordingScorer()
    assert isinstance(scorer, S.TranslationScorer)
    src = ["Romano", "Prodi", "in", "Brussels"]
    tgt = ["Romano", "Prodi", "en", "Bruselas"]
    spans = [Span(0, 2, "PER"), Span(3, 4, "LOC")]
    cands = _cands((0, 2), (3, 4), n_tgt=4)
    mask = np.array([[True, False], [True, True]])
    got = S.translation_scores(scorer, src, spans, tgt, cands, mask)
    assert scorer.calls == [
        [("Romano Prodi", "Romano Prodi"), ("Brussels", "Romano Prodi"), ("Brussels", "Bruselas")]
    ]
    assert got.tolist() == [[0.5, 0.0], [0.25, 0.25]]


def test_translation_scores_reject_wrong_number_of_scores():
    class Short:
        def score(self, pairs):
            return np.zeros(1)

    mask = np.ones((1, 2), dtype=bool)
    with pytest.raises(ValueError, match="returned 1 scores for 2 pairs"):
        S.translation_scores(
            Short(), ["a"], [Span(0, 1, "PER")], ["b", "c"], _cands((0, 1), (1, 2), n_tgt=2), mask
        )


def test_fuse_weighted_sum_and_missing_scores():
    a = np.array([[1.0, 0.0]])
    b = np.array([[0.5, 0.4]])
    assert S.fuse({"align": a, "ner": b}, {"align": 1.0, "ner": 0.5}).tolist() == [[1.25, 0.2]]
    with pytest.raises(
        ValueError, match="No score matrix for weight\\(s\\) string; available: align"
    ):
        S.fuse({"align": a}, {"align": 1.0, "string": 1.0})
