"""The CTranslate2 translator on tiny random M2M100 and Marian models, converted offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tiny_seq2seq import make_sentences, tiny_m2m100, tiny_marian  # noqa: F401

from spacy_xlproj.translate import SPEC_FORMS, TranslatorSpecError, build_translator
from spacy_xlproj.translate.build import parse_translator_spec
from spacy_xlproj.translate.hf import ModelLoadError

needs_ct2 = pytest.mark.ct2  # conftest: slow, and skipped without CTranslate2

# Long enough to be split at the tiny models' 64-token limit, on both engines.
LONG = " ".join(make_sentences(12, seed=3))
TEXTS = ["The cat sees the dog.", "Anna walks.", "", LONG, *make_sentences(12, seed=5)]


def _sharpen(source: Path, dest: Path) -> Path:
    """A copy of a tiny model with large random weights: with the builders' small ones
    every input gets the same translation, which would make comparisons say little."""
    import torch
    from transformers import AutoModelForSeq2SeqLM

    shutil.copytree(source, dest)
    model = AutoModelForSeq2SeqLM.from_pretrained(dest)
    gen = torch.Generator().manual_seed(0)
    modules = [
        m
        for name, m in model.named_modules()
        if isinstance(m, torch.nn.Linear | torch.nn.Embedding) and "embed_positions" not in name
    ]
    with torch.no_grad():
        for m in modules:
            m.weight.copy_(torch.randn(m.weight.shape, generator=gen))
        # Tied matrices were overwritten by the last module; Marian's decoder starts from
        # the padding row, which both engines expect to be zero.
        for m in modules:
            if isinstance(m, torch.nn.Embedding) and m.padding_idx is not None:
                m.weight[m.padding_idx] = 0
    model.save_pretrained(dest)
    return dest


@pytest.fixture(scope="module")
def models(
    tiny_m2m100: Path,  # noqa: F811
    tiny_marian: Path,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("ct2_models")
    return {
        "m2m100": _sharpen(tiny_m2m100, tmp / "m2m100"),
        "marian": _sharpen(tiny_marian, tmp / "marian"),
    }


@pytest.fixture(scope="module")
def ct2_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ct2_converted")


def test_spec_forms() -> None:
    assert parse_translator_spec("ct2:models/nllb") == ("ct2", "models/nllb")
    assert any(form.startswith("ct2:DIR") for form in SPEC_FORMS)
    with pytest.raises(TranslatorSpecError, match="ct2:DIR"):
        parse_translator_spec("ct2:")


def test_missing_dir_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-model"
    with pytest.raises(ModelLoadError) as err:
        build_translator(f"ct2:{missing}", "en", "es", cache_dir=tmp_path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"No Hugging Face model folder at {missing} (no config.json)")
    assert "save_pretrained()" in message


@needs_ct2
@pytest.mark.transformers
@pytest.mark.parametrize("kind,tgt", [("m2m100", "es"), ("marian", "es")])
@pytest.mark.parametrize("max_length", [None, 8])
def test_same_output_as_hf(
    models: dict[str, Path], ct2_dir: Path, kind: str, tgt: str, max_length: int | None
) -> None:
    from spacy_xlproj.translate import CT2Translator, HFTranslator

    settings = {"num_beams": 1, "max_length": max_length, "batch_size": 4}
    hf = HFTranslator(str(models[kind]), "en", tgt, **settings)
    ct2 = CT2Translator(
        models[kind], "en", tgt, compute_type="float32", ct2_dir=ct2_dir, **settings
    )
    expected = hf.translate(TEXTS)
    assert len(set(expected)) >= 4  # the inputs do change the output
    assert ct2.translate(TEXTS) == expected
    assert ct2.n_split == hf.n_split == 1
    assert ct2.family == hf.family


@needs_ct2
@pytest.mark.transformers
def test_conversion_is_cached(models: dict[str, Path], tmp_path: Path) -> None:
    from spacy_xlproj.translate import CT2Translator

    def build(compute_type: str = "float32") -> CT2Translator:
        return CT2Translator(
            models["m2m100"], "en", "es", num_beams=1, max_length=4,
            compute_type=compute_type, ct2_dir=tmp_path,
        )  # fmt: skip

    first = build()
    weights = first.model_dir / "model.bin"
    mtime = weights.stat().st_mtime_ns
    again = build()
    assert (first.converted, again.converted) == (True, False)
    assert again.model_dir == first.model_dir
    assert weights.stat().st_mtime_ns == mtime
    assert again.translate(TEXTS[:2]) == first.translate(TEXTS[:2])
    assert [p.name for p in tmp_path.iterdir()] == [first.model_dir.name]  # no leftovers
    # Another compute type is another conversion; the first one stays.
    int8 = build("int8")
    assert int8.converted and int8.model_dir != first.model_dir
    assert len(int8.translate(TEXTS[:2])) == 2


@needs_ct2
@pytest.mark.transformers
def test_changed_model_is_converted_again(models: dict[str, Path], tmp_path: Path) -> None:
    from spacy_xlproj.translate import CT2Translator

    source = shutil.copytree(models["marian"], tmp_path / "marian")
    settings = {"num_beams": 1, "compute_type": "float32", "ct2_dir": tmp_path / "ct2"}
    first = CT2Translator(source, "en", "es", **settings)
    (source / "config.json").write_text(
        (source / "config.json").read_text(encoding="utf8") + "\n", encoding="utf8"
    )
    second = CT2Translator(source, "en", "es", **settings)
    assert second.converted and second.model_dir != first.model_dir


@needs_ct2
@pytest.mark.transformers
def test_killed_conversion_leaves_no_model(
    models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import spacy_xlproj.translate.ct2 as ct2
    from spacy_xlproj.translate import CT2Translator

    class Killed(Exception):
        pass

    class HalfConverter:
        def __init__(self, path: str) -> None:
            pass

        def convert(self, output_dir: str, **kwargs: object) -> None:
            (Path(output_dir) / "model.bin").write_bytes(b"half a model")
            raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(ct2, "_converter_class", lambda: HalfConverter)
        with pytest.raises(Killed):
            CT2Translator(models["marian"], "en", "es", compute_type="float32", ct2_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
    translator = CT2Translator(
        models["marian"], "en", "es", num_beams=1, compute_type="float32", ct2_dir=tmp_path
    )
    assert translator.converted
    assert len(translator.translate(["Anna walks."])) == 1


@needs_ct2
@pytest.mark.transformers
def test_defaults_and_name(models: dict[str, Path], ct2_dir: Path) -> None:
    from spacy_xlproj.translate import CT2Translator

    translator = CT2Translator(models["m2m100"], "eng", "spa", device="cpu", ct2_dir=ct2_dir)
    assert (translator.device, translator.compute_type, translator.num_beams) == (
        "cpu",
        "int8",
        4,
    )
    assert translator.name == f"ct2:{models['m2m100'].resolve()}:en-es:beams=4:int8"
    out = translator.translate(["Anna walks.", "", "The dog."])
    assert len(out) == 3 and out[1] == ""
    assert all("__" not in t for t in out)  # language tokens are not text


@needs_ct2
@pytest.mark.transformers
def test_spec_builds_a_cached_translator(models: dict[str, Path], tmp_path: Path) -> None:
    from spacy_xlproj.translate import CachedTranslator

    spec = f"ct2:{models['marian']}"
    settings = {"num_beams": 1, "max_length": 6, "compute_type": "float32"}
    made = build_translator(spec, "en", "es", cache_dir=tmp_path, batch_size=3, **settings)
    assert isinstance(made, CachedTranslator)
    assert made.batch_size == 3
    assert made.model_dir.parent == tmp_path / "ct2"  # next to the translations
    first = made.translate(["Anna walks.", "The dog."])
    again = build_translator(spec, "en", "es", cache_dir=tmp_path, **settings)
    assert not again.converted
    assert again.translate(["The dog.", "Anna walks."]) == first[::-1]
    assert (again.hits, again.misses) == (2, 0)


@needs_ct2
@pytest.mark.transformers
def test_registered_function_resolves_from_a_config(models: dict[str, Path], ct2_dir: Path) -> None:
    from spacy_xlproj.registry import attach_to_spacy
    from spacy_xlproj.translate import CT2Translator

    registry = attach_to_spacy()
    config = {
        "translator": {
            "@xlproj_translators": "spacy_xlproj.CT2Translator.v1",
            "model": str(models["m2m100"]),
            "src_lang": "en",
            "tgt_lang": "es",
            "num_beams": 1,
            "max_length": 4,
            "compute_type": "float32",
            "ct2_dir": str(ct2_dir),
        }
    }
    translator = registry.resolve(config)["translator"]
    assert isinstance(translator, CT2Translator)
    assert translator.compute_type == "float32"
    assert len(translator.translate(["The dog."])) == 1
