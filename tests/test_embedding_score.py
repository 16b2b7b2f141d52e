"""The embedding score of matching projection: vectors, cache, encoders, options, configs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tiny_encoder import tiny_encoder  # noqa: F401  (session fixture)
from typer.testing import CliRunner

from spacy_xlproj.embed import WordEncoder
from spacy_xlproj.project import scores as S
from spacy_xlproj.project.build import build_projector
from spacy_xlproj.project.candidates import Candidates, ngram_candidates
from spacy_xlproj.project.embedding import EmbeddingScorer
from spacy_xlproj.project.matching import MatchingProjector
from spacy_xlproj.project.options import ProjectionOptionError, ProjectionOptions
from spacy_xlproj.types import Span

pytestmark = pytest.mark.transformers

ANNA, BOB = Span(0, 1, "PER"), Span(2, 3, "PER")
SRC = ["Anna", "met", "Bob"]
TGT = ["Ana", "vio", "a", "Bob"]


class FakeEncoder:
    """A ``WordEncoder`` with a fixed vector per word, counting its calls."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table
        self.calls: list[list[list[str]]] = []

    def encode(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        self.calls.append([list(s) for s in sentences])
        return [np.array([self.table[w] for w in s], dtype=np.float32) for s in sentences]


def _fake(a_vector: list[float]) -> FakeEncoder:
    return FakeEncoder(
        {
            "Anna": [1, 0],
            "met": [0, 1],
            "Bob": [-1, 0],
            "Ana": [2, 0],
            "vio": [0, 3],
            "a": a_vector,
        }
    )


# --- scores on hand-made vectors ---------------------------------------------------


def test_span_vectors_are_means_of_word_vectors():
    vectors = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0]])
    means = S.span_vectors(vectors, np.array([0, 1, 0]), np.array([1, 3, 3]))
    assert means.tolist() == [[1.0, 2.0], [4.0, 6.5], [3.0, 5.0]]


def test_embedding_scores_on_hand_made_vectors():
    src = np.array([[1, 0], [0, 1], [-1, 0]], dtype=np.float32)
    tgt = np.array([[2, 0], [0, 3], [0, 0], [-1, 1]], dtype=np.float32)
    cands = Candidates.from_ranges([(0, 1), (1, 2), (2, 3), (3, 4), (0, 2), (2, 4)], 4)
    assert cands.ranges() == [(0, 1), (0, 2), (1, 2), (2, 3), (2, 4), (3, 4)]
    got = S.embedding_scores(src, [ANNA, BOB], tgt, cands)
    # Span means: [2,0] [1,1.5] [0,3] [0,0] [-0.5,0.5] [-1,1]; negative cosines are 0,
    # the zero vector of "a" alone scores 0.
    expected = [
        [1.0, 1 / np.sqrt(3.25), 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 1 / np.sqrt(2), 1 / np.sqrt(2)],
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert S.embedding_scores(src, [], tgt, cands).shape == (0, 6)


def test_embedding_scores_check_their_vectors():
    cands = Candidates.from_ranges([(0, 2)], 2)
    with pytest.raises(ValueError, match="one vector per word"):
        S.embedding_scores(np.ones((3, 2)), [ANNA], np.ones((1, 2)), cands)
    with pytest.raises(ValueError, match="arrays of one dim"):
        S.embedding_scores(np.ones((3, 2)), [ANNA], np.ones((2, 3)), cands)


def test_scorer_encodes_each_sentence_pair_once():
    encoder = _fake([0, 0])
    assert isinstance(encoder, WordEncoder)
    scorer = EmbeddingScorer(encoder, cache_size=1)
    cands = ngram_candidates(len(TGT), 3)
    first = scorer.scores(SRC, [ANNA, BOB], TGT, cands)
    # One call for both sentences of the pair; the second call is served from the cache.
    assert encoder.calls == [[SRC, TGT]]
    again = scorer.scores(SRC, [BOB], TGT, cands)
    assert len(encoder.calls) == 1 and scorer.n_encoded == 2
    np.testing.assert_array_equal(again, first[1:])
    # The least recently used pair leaves a full cache.
    scorer.scores(TGT, [Span(3, 4, "PER")], SRC, ngram_candidates(len(SRC), 2))
    scorer.scores(SRC, [ANNA], TGT, cands)
    assert len(encoder.calls) == 3 and scorer.n_encoded == 6
    # Nothing to score: no encoder call at all.
    assert scorer.scores(["x"], [], ["y"], cands).shape == (0, len(cands))
    assert len(encoder.calls) == 3


def test_scorer_refuses_bad_encoder_output():
    class Short:
        def encode(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
            return [np.zeros((len(s) - 1, 2)) for s in sentences]

    with pytest.raises(ValueError, match=r"shape \(2, 2\) for a sentence of 3 words"):
        EmbeddingScorer(Short()).vectors(SRC, TGT)


# --- in the matching projector -------------------------------------------------------


def test_matching_fuses_the_embedding_score():
    encoder = _fake([0, 1])
    projector = MatchingProjector(
        weights={"align": 1.0, "embedding": 0.5}, encoder=encoder, refine=False, max_len=3
    )
    fused, cands = projector.score(SRC, [ANNA, BOB], TGT, [(0, 0), (2, 3)])
    col = {r: i for i, r in enumerate(cands.ranges())}
    # align 2*1/(1+1) = 1 plus half of cosine 1.
    assert fused[0, col[(0, 1)]] == pytest.approx(1.5, abs=1e-12)
    assert fused[1, col[(3, 4)]] == pytest.approx(1.5, abs=1e-12)
    # [Ana vio]: align 2*1/(1+2), mean [1, 1.5] has cosine 1/sqrt(3.25) with [1, 0].
    assert fused[0, col[(0, 2)]] == pytest.approx(2 / 3 + 0.5 / np.sqrt(3.25), abs=1e-12)
    # [a Bob]: align 2*1/(1+2), mean [-0.5, 0.5] against Bob's [-1, 0].
    assert fused[1, col[(2, 4)]] == pytest.approx(2 / 3 + 0.5 / np.sqrt(2), abs=1e-12)
    # No link and an orthogonal vector: nothing.
    assert fused[1, col[(2, 3)]] == 0.0
    projection = projector.project(SRC, [ANNA, BOB], TGT, [(0, 0), (2, 3)])
    assert [(s.start, s.end, s.score) for s in projection.spans] == [(0, 1, 1.0), (3, 4, 1.0)]
    assert len(encoder.calls) == 1  # score() and project() shared the pair's vectors


def test_embedding_alone_projects_without_links():
    projector = MatchingProjector(weights={"embedding": 1.0}, encoder=_fake([0, 1]))
    projection = projector.project(SRC, [ANNA, BOB], TGT, [])
    assert sorted((s.start, s.end, s.source) for s in projection.spans) == [
        (0, 1, 0),
        (3, 4, 1),
    ]
    assert "encoder=" in repr(projector)
    assert "encoder=" not in repr(MatchingProjector())


def test_embedding_weight_needs_an_encoder():
    with pytest.raises(ValueError, match="An 'embedding' weight needs an encoder"):
        MatchingProjector(weights={"align": 1.0, "embedding": 0.5})


# --- Hugging Face encoders: tiny random BERT and CLIP text towers ------------------------


def _subword_means(model, tokenizer, words: list[str], layer: int) -> np.ndarray:  # noqa: ANN001
    """Each word's mean subword state at ``layer``, straight from transformers."""
    import torch

    enc = tokenizer(words, is_split_into_words=True, return_tensors="pt")
    with torch.inference_mode():
        states = model(**enc, output_hidden_states=True).hidden_states[layer][0].numpy()
    word_ids = enc.word_ids(0)
    rows = [[p for p, w in enumerate(word_ids) if w == i] for i in range(len(words))]
    return np.stack([states[r].mean(axis=0) for r in rows])


def _clip_tokenizer(folder: Path):  # noqa: ANN202
    """A byte-level BPE CLIP tokenizer with a handful of merges, written from scratch."""
    from transformers import CLIPTokenizerFast
    from transformers.models.clip.tokenization_clip import bytes_to_unicode

    chars = list(bytes_to_unicode().values())
    vocab: dict[str, int] = {}
    for piece in chars + [c + "</w>" for c in chars]:
        vocab.setdefault(piece, len(vocab))
    merges = ["a n", "an n", "b o", "bo b</w>", "e l</w>"]
    for merge in merges:
        vocab.setdefault(merge.replace(" ", ""), len(vocab))
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab[special] = len(vocab)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    return CLIPTokenizerFast(
        vocab_file=str(folder / "vocab.json"),
        merges_file=str(folder / "merges.txt"),
        from_slow=True,
        model_max_length=64,
    )


def _clip_text_config(tokenizer):  # noqa: ANN001, ANN202
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )


def _vision_config(config_cls: type[Any]) -> Any:
    """The smallest image tower of a CLIP-style model (``CLIPVisionConfig``,
    ``AltCLIPVisionConfig``): the tests read only the text tower."""
    return config_cls(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        image_size=8,
        patch_size=4,
    )


@pytest.fixture(scope="module")
def tiny_clip_text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random 2-layer ``CLIPTextModel`` and its tokenizer."""
    import torch
    from transformers import CLIPTextModel

    folder = tmp_path_factory.mktemp("tiny_clip_text")
    tokenizer = _clip_tokenizer(folder / "_tok")
    torch.manual_seed(0)
    CLIPTextModel(_clip_text_config(tokenizer)).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random text-image ``CLIPModel`` (its text tower is the encoder)."""
    import torch
    from transformers import CLIPConfig, CLIPModel, CLIPVisionConfig

    folder = tmp_path_factory.mktemp("tiny_clip")
    tokenizer = _clip_tokenizer(folder / "_tok")
    vision = _vision_config(CLIPVisionConfig)
    torch.manual_seed(1)
    config = CLIPConfig.from_text_vision_configs(_clip_text_config(tokenizer), vision)
    CLIPModel(config).eval().save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


WORDS = [["Anna", "bob", "el", "Anna", "."], ["Bob", "annan", "el"]]


def _check_encoder(folder: Path, reference, tokenizer, layer: int) -> None:  # noqa: ANN001
    from spacy_xlproj.embed import HFEncoder

    encoder = HFEncoder(folder, layer=layer)
    assert isinstance(encoder, WordEncoder)
    vectors = encoder.encode(WORDS)
    dim = reference.config.hidden_size
    assert [v.shape for v in vectors] == [(5, dim), (3, dim)]
    # Each word: the mean of its subword states (the batch pads the shorter sentence).
    for words, got in zip(WORDS, vectors, strict=True):
        want = _subword_means(reference, tokenizer, words, layer)
        np.testing.assert_allclose(got, want, atol=1e-5)
    # Scores: one row per entity, one column per candidate, in [0, 1], the same again.
    spans = [Span(0, 2, "PER"), Span(3, 4, "PER")]
    cands = ngram_candidates(3, 3)
    first = EmbeddingScorer(encoder).scores(WORDS[0], spans, WORDS[1], cands)
    again = EmbeddingScorer(HFEncoder(folder, layer=layer)).scores(WORDS[0], spans, WORDS[1], cands)
    assert first.shape == (2, 6)
    assert ((first >= 0) & (first <= 1)).all() and first.max() > 0
    np.testing.assert_array_equal(first, again)


def test_hf_encoder_on_a_tiny_bert(tiny_encoder):  # noqa: F811
    from transformers import AutoTokenizer, BertModel

    model = BertModel.from_pretrained(tiny_encoder).eval()
    _check_encoder(tiny_encoder, model, AutoTokenizer.from_pretrained(tiny_encoder), 1)


def test_hf_encoder_on_a_tiny_clip_text_model(tiny_clip_text):
    from transformers import AutoTokenizer, CLIPTextModel

    tokenizer = AutoTokenizer.from_pretrained(tiny_clip_text)
    # Subwords really are split: "Anna" is two pieces, "bob" one.
    assert tokenizer.tokenize("Anna") == ["ann", "a</w>"]
    assert tokenizer.tokenize("bob") == ["bob</w>"]
    model = CLIPTextModel.from_pretrained(tiny_clip_text).eval()
    _check_encoder(tiny_clip_text, model, tokenizer, 2)


def test_hf_encoder_reads_the_text_tower_of_a_clip_model(tiny_clip):
    from transformers import AutoTokenizer, CLIPTextModel

    # CLIPTextModel loads the text half of the CLIPModel's weights.
    model = CLIPTextModel.from_pretrained(tiny_clip).eval()
    _check_encoder(tiny_clip, model, AutoTokenizer.from_pretrained(tiny_clip), 1)


@pytest.fixture(scope="module")
def tiny_altclip(tmp_path_factory: pytest.TempPathFactory, tiny_encoder: Path) -> Path:  # noqa: F811
    """A random AltCLIP: a multilingual CLIP whose text tower is an XLM-R.

    Its tokenizer is the tiny BERT's WordPiece (an XLM-R tokenizer needs a trained
    sentencepiece model); the text tower's XLM-R-style positions are what is tested.
    """
    import shutil

    import torch
    from transformers import (
        AltCLIPConfig,
        AltCLIPModel,
        AltCLIPTextConfig,
        AltCLIPVisionConfig,
        AutoTokenizer,
    )

    folder = tmp_path_factory.mktemp("tiny_altclip")
    tokenizer = AutoTokenizer.from_pretrained(tiny_encoder)
    text = AltCLIPTextConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=40,
        pad_token_id=1,  # XLM-R's padding index: positions start at 2
        project_dim=16,
    )
    vision = _vision_config(AltCLIPVisionConfig)
    torch.manual_seed(2)
    config = AltCLIPConfig.from_text_vision_configs(text, vision, projection_dim=16)
    AltCLIPModel(config).eval().save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        if (tiny_encoder / name).is_file():
            shutil.copy(tiny_encoder / name, folder / name)
    return folder


def test_hf_encoder_reads_the_text_tower_of_a_multilingual_clip(tiny_altclip):
    from transformers import AltCLIPModel, AutoTokenizer

    from spacy_xlproj.embed import HFEncoder

    model = AltCLIPModel.from_pretrained(tiny_altclip).text_model.eval()
    _check_encoder(tiny_altclip, model, AutoTokenizer.from_pretrained(tiny_altclip), 2)
    # Positions count from the padding index + 1, as in XLM-R: 40 - 2 subwords fit.
    assert HFEncoder(tiny_altclip)._aligner.model_max_length == 38


def test_hf_encoder_default_layer_is_two_thirds_of_the_depth(tiny_clip_text):
    from spacy_xlproj.embed import HFEncoder

    encoder = HFEncoder(tiny_clip_text)
    assert encoder.layer is None and repr(encoder) == (
        f"HFEncoder(model={str(tiny_clip_text)!r}, layer=None)"
    )
    assert encoder.load().layer == 1
    with pytest.raises(ValueError, match="layer 3 does not exist"):
        HFEncoder(tiny_clip_text, layer=3).load()


# --- options: the command line and configs ------------------------------------------------


def test_options_build_the_encoder():
    options = ProjectionOptions(
        method="greedy",
        weights={"align": 1.0, "embedding": 0.5},
        embedding_model="/models/enc",
        embedding_layer=4,
    )
    projector = build_projector(options)
    assert repr(projector.encoder) == "HFEncoder(model='/models/enc', layer=4)"
    assert projector.weights == {"align": 1.0, "embedding": 0.5}


def test_options_refuse_an_encoder_without_its_weight_and_the_reverse():
    with pytest.raises(
        ProjectionOptionError, match="needs an encoder: give projection.embedding_model"
    ):
        ProjectionOptions(method="ilp", weights={"align": 1.0, "embedding": 1.0})
    with pytest.raises(ProjectionOptionError, match="add embedding=W to projection.weights"):
        ProjectionOptions(method="ilp", embedding_model="/models/enc")
    with pytest.raises(ProjectionOptionError, match="add embedding=W to projection.weights"):
        ProjectionOptions(method="ilp", embedding_layer=2)
    with pytest.raises(ProjectionOptionError, match="embedding_layer must be >= 0"):
        ProjectionOptions(
            method="ilp",
            weights={"embedding": 1.0},
            embedding_model="/models/enc",
            embedding_layer=-1,
        )
    with pytest.raises(ProjectionOptionError, match="not used by method 'heuristic'"):
        ProjectionOptions(embedding_model="/models/enc")


runner = CliRunner()


def _project(tmp_path: Path, *args: str):  # noqa: ANN202
    from spacy_xlproj.cli import app

    src, tgt, links = tmp_path / "src.conll", tmp_path / "tgt.txt", tmp_path / "a.align"
    src.write_text("the\tO\nEuropean\tB-ORG\nParliament\tI-ORG\n\n", encoding="utf-8")
    tgt.write_text("el Parlamento Europeo\n", encoding="utf-8")
    links.write_text("0-0 1-2 2-1\n", encoding="utf-8")
    out, stats = tmp_path / "out.conll", tmp_path / "stats.json"
    cmd = [
        "project",
        str(src),
        str(tgt),
        str(out),
        "--alignments",
        str(links),
        "--stats",
        str(stats),
    ]
    return runner.invoke(app, [*cmd, *args]), out, stats


def test_cli_embedding_options_reach_the_projector(tmp_path, tiny_encoder):  # noqa: F811
    args = ("--method", "ilp", "--projection.weights", "align=1,embedding=0.5")
    result, out, stats = _project(
        tmp_path,
        *args,
        "--projection.embedding_model",
        str(tiny_encoder),
        "--projection.embedding_layer",
        "1",
    )
    assert result.exit_code == 0, result.output
    projector = json.loads(stats.read_text(encoding="utf-8"))["projector"]
    assert projector.endswith(
        f"weights={{'align': 1.0, 'embedding': 0.5}}, refine=True, "
        f"encoder=HFEncoder(model={str(tiny_encoder)!r}, layer=1))"
    )
    assert out.read_text(encoding="utf-8").split("\n")[:3] == [
        "el\tO",
        "Parlamento\tB-ORG",
        "Europeo\tI-ORG",
    ]


def test_cli_refuses_embedding_options_where_unused(tmp_path, tiny_encoder):  # noqa: F811
    result, _, _ = _project(tmp_path, "--method", "heuristic", "--projection.embedding_model", "x")
    assert result.exit_code == 2
    assert "projection.embedding_model applies to greedy, ilp" in result.output
    result, _, _ = _project(
        tmp_path, "--method", "ilp", "--projection.weights", "align=1,embedding=1"
    )
    assert result.exit_code == 2
    assert "needs an encoder: give projection.embedding_model" in result.output


def test_configs_resolve_the_embedding_score(tiny_encoder):  # noqa: F811
    from spacy.util import registry
    from thinc.api import Config

    import spacy_xlproj.embed.hf  # noqa: F401  (registers spacy_xlproj.HFEncoder.v1)
    import spacy_xlproj.pipes.factories  # noqa: F401  (puts our registries on spaCy's)

    cfg = Config().from_str(
        f"""
        [options]
        @xlproj_projectors = "spacy_xlproj.Projector.v1"
        method = "ilp"
        weights = {{"align": 1.0, "embedding": 0.5}}
        embedding_model = "{tiny_encoder}"
        embedding_layer = 1


        [backend]
        @xlproj_projectors = "spacy_xlproj.MatchingProjector.v1"
        solver = "greedy"
        weights = {{"align": 1.0, "embedding": 0.5}}

        [backend.encoder]
        @xlproj_encoders = "spacy_xlproj.HFEncoder.v1"
        model = "{tiny_encoder}"
        layer = 1
        """
    )
    resolved = registry.resolve(cfg)
    for name in ("options", "backend"):
        projector = resolved[name]
        assert isinstance(projector, MatchingProjector)
        assert (projector.encoder.model_name, projector.encoder.layer) == (str(tiny_encoder), 1)
    words = ["the", "European", "Parliament"]
    spans = [Span(1, 3, "ORG")]
    tgt = ["el", "Parlamento", "Europeo"]
    projections = [
        resolved[name].project(words, spans, tgt, [(0, 0), (1, 2), (2, 1)]).target_spans()
        for name in ("options", "backend")
    ]
    assert projections == [[Span(1, 3, "ORG")]] * 2
