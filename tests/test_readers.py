"""Corpus readers: ``spacy_xlproj.ColumnCorpus.v1`` and ``spacy_xlproj.ProjectedCorpus.v1``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.util import registry
from thinc.api import Config

from spacy_xlproj.errors import DataFormatError, UsageError
from spacy_xlproj.io import read_columns
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.readers import ProjectedCorpus
from spacy_xlproj.registry import translators

HAS_APERTIUM = shutil.which("apertium") is not None

# Hand-written column files (not dataset text).
ENGLISH = """\
-DOCSTART- -X- -X- O

Ana\tB-PER
Torres\tI-PER
visited\tO
Lima\tB-LOC
.\tO

The\tO
mayor\tO
of\tO
Quito\tB-LOC
met\tO
Pedro\tB-PER
.\tO

It\tO
rained\tO
.\tO
"""

WIKIANN_STYLE = "es:Pedro\tB-PER\nes:vive\tO\nes:en\tO\nes:Quito\tB-LOC\n\nes:Hola\tO\n"


def _reader(config: dict):
    return registry.resolve(Config({"corpus": config}))["corpus"]


def _gold(example) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label_) for e in example.reference.ents]


@pytest.fixture
def english_file(tmp_path) -> Path:
    path = tmp_path / "train.en.conll"
    path.write_text(ENGLISH, encoding="utf8")
    return path


# -- ColumnCorpus ----------------------------------------------------------------------


def test_column_corpus_reads_examples(english_file):
    nlp = spacy.blank("en")
    corpus = _reader({"@readers": "spacy_xlproj.ColumnCorpus.v1", "path": str(english_file)})
    examples = list(corpus(nlp))
    assert [[t.text for t in eg.reference] for eg in examples] == [
        ["Ana", "Torres", "visited", "Lima", "."],
        ["The", "mayor", "of", "Quito", "met", "Pedro", "."],
        ["It", "rained", "."],
    ]
    assert [_gold(eg) for eg in examples] == [
        [(0, 2, "PER"), (3, 4, "LOC")],
        [(3, 4, "LOC"), (5, 6, "PER")],
        [],
    ]
    # Not gold_preproc: the predicted side is the pipeline's own tokenisation of the text.
    assert [t.text for t in examples[0].predicted] == ["Ana", "Torres", "visited", "Lima", "."]
    assert examples[0].predicted.text == "Ana Torres visited Lima ."
    # Cheap to call again, and gives the same.
    assert [_gold(eg) for eg in corpus(nlp)] == [_gold(eg) for eg in examples]


def test_column_corpus_limit_max_length_and_prefixes(english_file, tmp_path):
    nlp = spacy.blank("es")
    limited = _reader(
        {"@readers": "spacy_xlproj.ColumnCorpus.v1", "path": str(english_file), "limit": 2}
    )
    assert len(list(limited(nlp))) == 2
    short = _reader(
        {"@readers": "spacy_xlproj.ColumnCorpus.v1", "path": str(english_file), "max_length": 5}
    )
    assert [len(eg.reference) for eg in short(nlp)] == [5, 3]
    assert short.skipped_too_long == 1
    wikiann = tmp_path / "wikiann"
    wikiann.write_text(WIKIANN_STYLE, encoding="utf8")
    corpus = _reader(
        {"@readers": "spacy_xlproj.ColumnCorpus.v1", "path": str(wikiann), "gold_preproc": True}
    )
    examples = list(corpus(nlp))
    assert [t.text for t in examples[0].predicted] == ["Pedro", "vive", "en", "Quito"]
    assert [_gold(eg) for eg in examples] == [[(0, 1, "PER"), (3, 4, "LOC")], []]


def test_column_corpus_bad_file_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.conll"
    bad.write_text("Ana\tB-PER\nTorres\n", encoding="utf8")
    corpus = _reader({"@readers": "spacy_xlproj.ColumnCorpus.v1", "path": str(bad)})
    with pytest.raises(DataFormatError, match=re.escape(f"{bad}, line 2: ")):
        list(corpus(spacy.blank("en")))


def test_column_corpus_on_real_data(shared_data):
    nlp = spacy.blank("en")
    path = shared_data / "conll2003" / "dev.txt"
    corpus = _reader({"@readers": "spacy_xlproj.ColumnCorpus.v1", "path": str(path), "limit": 300})
    examples = list(corpus(nlp))
    expected = read_columns(path)[:300]
    assert len(examples) == 300
    assert [[t.text for t in eg.reference] for eg in examples] == [s.words for s in expected]
    assert [_gold(eg) for eg in examples] == [
        [(s.start, s.end, s.label) for s in sentence.spans] for sentence in expected
    ]
    basque = _reader(
        {
            "@readers": "spacy_xlproj.ColumnCorpus.v1",
            "path": str(shared_data / "wikiann" / "eu" / "test"),
            "limit": 50,
        }
    )
    tokens = [t.text for eg in basque(spacy.blank("eu")) for t in eg.reference]
    assert tokens and not any(t.startswith("eu:") for t in tokens)


# -- ProjectedCorpus -------------------------------------------------------------------

WORDS = {"visited": "visitó", "The": "El", "mayor": "alcalde", "of": "de", "met": "conoció a"}


class WordListTranslator:
    """English -> Spanish by a word list; counts the texts it is asked for."""

    name = "test:word-list"
    src_lang = "en"
    tgt_lang = "es"

    def __init__(self) -> None:
        self.texts = 0

    def translate(self, texts):
        self.texts += len(texts)
        return [" ".join(WORDS.get(w, w) for w in t.split()) for t in texts]


class SameWords:
    """Links equal words (case-folded): enough for names a word list leaves alone."""

    name = "test:same-words"

    def __init__(self, unlinked: str = "") -> None:
        self.unlinked = unlinked

    def align(self, pairs):
        return [
            [
                (i, j)
                for i, s in enumerate(src)
                for j, t in enumerate(tgt)
                if s.lower() == t.lower() and s != self.unlinked
            ]
            for src, tgt in pairs
        ]


def _corpus(path, cache_dir, translator, **kwargs) -> ProjectedCorpus:
    kwargs.setdefault("aligner", SameWords(unlinked="Pedro"))
    return ProjectedCorpus(
        path,
        src_lang="en",
        tgt_lang="es",
        translator=translator,
        # Unrefined: refinement would anchor the unlinked names by their spelling.
        projector=HeuristicProjector(refine=False),
        cache_dir=cache_dir,
        **kwargs,
    )


def _tags(example) -> list[str]:
    # IOB with "-" for missing, as spaCy's Example.get_aligned_ner() writes it.
    out = []
    for token in example.reference:
        iob = token.ent_iob_
        out.append("-" if iob == "" else iob if iob == "O" else f"{iob}-{token.ent_type_}")
    return out


@pytest.mark.parametrize(
    "policy,expected",
    [
        ("drop", [["B-PER", "I-PER", "O", "B-LOC", "O"], ["O", "O", "O"]]),
        (
            "keep",
            [
                ["B-PER", "I-PER", "O", "B-LOC", "O"],
                ["O", "O", "O", "B-LOC", "O", "O", "O", "O"],
                ["O", "O", "O"],
            ],
        ),
        (
            "missing",
            [
                ["B-PER", "I-PER", "O", "B-LOC", "O"],
                ["-", "-", "-", "B-LOC", "-", "-", "-", "-"],
                ["O", "O", "O"],
            ],
        ),
    ],
)
def test_projected_corpus_unprojected_policies(english_file, tmp_path, policy, expected):
    # "Pedro" is never linked, so the second sentence's PER is not projected.
    corpus = _corpus(english_file, tmp_path, WordListTranslator(), unprojected=policy)
    examples = list(corpus(spacy.blank("es")))
    assert [_tags(eg) for eg in examples] == expected
    assert examples[0].reference.text == "Ana Torres visitó Lima ."
    assert corpus.report["entities_unprojected"] == 1
    assert corpus.report["entities_projected"] == 3
    assert corpus.report["sentences"] == 3


def test_projected_corpus_min_confidence(english_file, tmp_path):
    # Only "Ana" is linked: "Ana Torres" -> "Ana" keeps a confidence of 1 x 1/2.
    projector = HeuristicProjector(length_ratio=None, refine=False)
    translator = WordListTranslator()
    common = {"aligner": SameWords(unlinked="Torres"), "unprojected": "keep"}
    loose = ProjectedCorpus(
        english_file,
        src_lang="en",
        tgt_lang="es",
        translator=translator,
        projector=projector,
        cache_dir=tmp_path,
        **common,
    )
    strict = ProjectedCorpus(
        english_file,
        src_lang="en",
        tgt_lang="es",
        translator=translator,
        projector=projector,
        cache_dir=tmp_path,
        min_confidence=0.6,
        **common,
    )
    nlp = spacy.blank("es")
    assert _tags(list(loose(nlp))[0]) == ["B-PER", "O", "O", "B-LOC", "O"]
    assert _tags(list(strict(nlp))[0]) == ["O", "O", "O", "B-LOC", "O"]
    assert strict.cache_hit is True  # min_confidence applies when reading
    assert strict.report["spans_below_min_confidence"] == 1


def test_projected_corpus_cache(english_file, tmp_path):
    nlp = spacy.blank("es")
    translator = WordListTranslator()
    corpus = _corpus(english_file, tmp_path, translator, unprojected="keep")
    first = [_tags(eg) for eg in corpus(nlp)]
    assert (corpus.cache_hit, translator.texts) == (False, 3)
    # spaCy calls the reader again at every epoch and evaluation: no more translation.
    for _ in range(3):
        assert [_tags(eg) for eg in corpus(nlp)] == first
    assert translator.texts == 3
    assert corpus.cache_path.is_file()
    assert corpus.cache_path.parent == tmp_path / "corpora"
    # The next run (a new reader, other reading settings) reads the cache from disk.
    again = _corpus(english_file, tmp_path, translator, unprojected="drop", limit=0)
    assert len(list(again(nlp))) == 2
    assert (again.cache_hit, translator.texts) == (True, 3)
    # Other projection settings, or another input, make a new projection.
    other = ProjectedCorpus(
        english_file,
        src_lang="en",
        tgt_lang="es",
        translator=translator,
        aligner=SameWords(unlinked="Pedro"),
        projector=HeuristicProjector(merge_distance=2),
        cache_dir=tmp_path,
    )
    list(other(nlp))
    assert (other.cache_hit, translator.texts) == (False, 6)
    before = corpus.cache_path
    english_file.write_text(ENGLISH.replace("Lima", "Cusco"), encoding="utf8")
    assert corpus.cache_path != before


def test_projected_corpus_errors(tmp_path):
    with pytest.raises(ValueError, match=r"unprojected='skip' is not one of drop, keep, missing"):
        _corpus(tmp_path / "x.conll", tmp_path, WordListTranslator(), unprojected="skip")
    corpus = _corpus(tmp_path / "missing.conll", tmp_path, WordListTranslator())
    with pytest.raises(DataFormatError, match=re.escape(f"{tmp_path / 'missing.conll'}: file")):
        list(corpus(spacy.blank("es")))


class LosesMarkersOf(WordListTranslator):
    """The word-list translator, but the markers of texts holding ``word`` are lost."""

    name = "test:loses-markers"

    def __init__(self, word: str = "mayor") -> None:
        super().__init__()
        self.word = word

    def translate(self, texts):
        out = super().translate(texts)
        return [
            t.replace("[ ", "").replace(" ]", "") if self.word in text.split() else t
            for text, t in zip(texts, out, strict=True)
        ]


if "test_readers.LosesMarkersOf.v1" not in translators.get_all():
    translators.register("test_readers.LosesMarkersOf.v1", func=LosesMarkersOf)


def test_projected_corpus_with_markers(english_file, tmp_path):
    # The markers of the first sentence come back; those of the second are lost, so
    # without an aligner its two entities are not projected.
    config = {
        "@readers": "spacy_xlproj.ProjectedCorpus.v1",
        "path": str(english_file),
        "src_lang": "en",
        "tgt_lang": "es",
        "translator": {"@xlproj_translators": "test_readers.LosesMarkersOf.v1"},
        "aligner": None,
        "projector": "markers",
        "cache_dir": str(tmp_path),
        "unprojected": "keep",
    }
    corpus = _reader(config)
    examples = list(corpus(spacy.blank("es")))
    assert [eg.reference.text for eg in examples] == [
        "Ana Torres visitó Lima .",
        "El alcalde de Quito conoció a Pedro .",
        "It rained .",
    ]
    assert [_tags(eg) for eg in examples] == [
        ["B-PER", "I-PER", "O", "B-LOC", "O"],
        ["O"] * 8,
        ["O", "O", "O"],
    ]
    assert (corpus.report["entities_projected"], corpus.report["entities_unprojected"]) == (2, 2)
    # With an aligner, the lost entities fall back to alignment projection.
    with_fallback = ProjectedCorpus(
        english_file,
        src_lang="en",
        tgt_lang="es",
        translator=LosesMarkersOf(),
        aligner=SameWords(),
        projector="markers",
        cache_dir=tmp_path,
        unprojected="keep",
    )
    examples = list(with_fallback(spacy.blank("es")))
    assert with_fallback.cache_hit is False  # another aligner: another projection
    assert _tags(examples[1]) == ["O", "O", "O", "B-LOC", "O", "O", "B-PER", "O"]
    assert with_fallback.report["entities_projected"] == 4


def test_projected_corpus_projector_errors(english_file, tmp_path):
    with pytest.raises(ValueError, match="Unknown projection method 'marks'"):
        ProjectedCorpus(english_file, src_lang="en", tgt_lang="es", projector="marks")
    with pytest.raises(ValueError, match="Alignment projection needs an aligner"):
        ProjectedCorpus(english_file, src_lang="en", tgt_lang="es", aligner=None)


# -- spacy train with ProjectedCorpus.v1 ------------------------------------------------

COUNTING_CODE = '''
"""Apertium that logs how many texts each call translates (for test_readers)."""
import os

from spacy_xlproj.registry import translators
from spacy_xlproj.translate.apertium import ApertiumTranslator


class CountingApertium:
    def __init__(self, src_lang, tgt_lang):
        self.inner = ApertiumTranslator(src_lang, tgt_lang)
        self.name = self.inner.name
        self.fingerprint = self.inner.fingerprint  # the same translator: the same identity
        self.src_lang, self.tgt_lang = src_lang, tgt_lang

    def translate(self, texts):
        with open(os.environ["XLPROJ_TEST_CALLS"], "a") as f:
            f.write(f"{len(texts)}\\n")
        return self.inner.translate(texts)


@translators("test.CountingApertium.v1")
def make(src_lang: str, tgt_lang: str) -> CountingApertium:
    return CountingApertium(src_lang, tgt_lang)
'''


@pytest.mark.slow
@pytest.mark.apertium
@pytest.mark.eflomal
@pytest.mark.apertium
def test_spacy_train_with_projected_corpus(shared_data, tmp_path):
    pytest.importorskip("eflomal")
    from spacy.cli.init_config import init_config

    cache = tmp_path / "cache"
    config = init_config(lang="es", pipeline=["ner"], optimize="efficiency")
    config["corpora"]["train"] = {
        "@readers": "spacy_xlproj.ProjectedCorpus.v1",
        "path": str(shared_data / "conll2003" / "train.txt"),
        "src_lang": "en",
        "tgt_lang": "es",
        "translator": {
            "@xlproj_translators": "test.CountingApertium.v1",
            "src_lang": "en",
            "tgt_lang": "es",
        },
        "aligner": "eflomal",
        "cache_dir": str(cache),
        "limit": 200,
        "unprojected": "missing",
    }
    config["corpora"]["dev"] = {
        "@readers": "spacy_xlproj.ColumnCorpus.v1",
        "path": str(shared_data / "conll2002" / "esp.testa"),
        "limit": 50,
    }
    config["training"]["max_steps"] = 12
    config["training"]["eval_frequency"] = 4
    config["training"]["batcher"]["size"] = 500
    config["components"]["tok2vec"]["model"]["encode"]["width"] = 32
    config.to_disk(tmp_path / "config.cfg")
    code = tmp_path / "counting.py"
    code.write_text(COUNTING_CODE, encoding="utf8")
    calls = tmp_path / "calls.txt"
    out = subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(tmp_path / "config.cfg")]
        + ["--output", str(tmp_path / "out"), "--code", str(code)],
        capture_output=True,
        text=True,
        env={**os.environ, "XLPROJ_TEST_CALLS": str(calls)},
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert (tmp_path / "out" / "model-last" / "meta.json").is_file()
    # Initialisation and two epochs (E counts from 0) read the training corpus, yet
    # its 200 sentences were translated once.
    rows = [line.split() for line in out.stdout.splitlines() if re.match(r"^\s*\d+\s+\d+\s", line)]
    assert int(rows[-1][0]) >= 1, out.stdout
    assert calls.read_text().split() == ["200"]
    # The next run reads the projection from disk: same cache key, no translator call.
    cached = list((cache / "corpora").glob("train.en-es.*.spacy"))
    assert len(cached) == 1
    from spacy_xlproj.translate.apertium import ApertiumTranslator

    apertium = ApertiumTranslator("en", "es")
    again = ProjectedCorpus(
        shared_data / "conll2003" / "train.txt",
        src_lang="en",
        tgt_lang="es",
        translator=apertium,
        aligner="eflomal",
        cache_dir=cache,
        limit=200,
        unprojected="missing",
    )
    assert again.cache_path == cached[0]
    assert len(list(again(spacy.blank("es")))) == again.report["sentences_used"] > 150
    assert (again.cache_hit, apertium.n_calls) == (True, 0)
    meta = json.loads((tmp_path / "out" / "model-last" / "meta.json").read_text())
    assert meta["lang"] == "es" and "ner" in meta["pipeline"]


# -- language codes and cache paths (issue 10) -------------------------------------------


@pytest.mark.parametrize("code", ["es/../../x", "../es", "ES", "e", "es/", "", "es es", "es\n"])
def test_projected_corpus_refuses_bad_language_codes(english_file, tmp_path, code):
    for field in ("src_lang", "tgt_lang", "tgt_spacy_lang"):
        kwargs = {"src_lang": "en", "tgt_lang": "es", field: code}
        with pytest.raises(ValueError, match=rf"^{field}=.* is not a language code: use an ISO"):
            ProjectedCorpus(english_file, translator=WordListTranslator(), cache_dir=tmp_path,
                            **kwargs)  # fmt: skip


def test_projected_corpus_cache_stays_in_the_cache_folder(english_file, tmp_path):
    cache = tmp_path / "deep" / "cache"
    before = sorted(p for p in tmp_path.rglob("*"))
    config = {
        "@readers": "spacy_xlproj.ProjectedCorpus.v1",
        "path": str(english_file),
        "src_lang": "en",
        "tgt_lang": "es/../../x",
        "translator": "apertium",
        "cache_dir": str(cache),
    }
    with pytest.raises(ValueError, match="tgt_lang='es/../../x' is not a language code"):
        _reader(config)
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written anywhere
    for code in ("pt-BR", "zh_Hant", "eus", "xx"):
        corpus = _corpus(english_file, cache, WordListTranslator(), unprojected="keep")
        corpus.tgt_lang = code
        assert corpus.cache_path.parent == cache / "corpora"
    # A name that would leave the folder is refused even if a code slipped through.
    corpus = _corpus(english_file, cache, WordListTranslator())
    corpus.tgt_lang = "es/../../x"
    with pytest.raises(ValueError, match="would lead outside the cache folder"):
        _ = corpus.cache_path


# -- stale and silent results (issue 25) ---------------------------------------------------


def test_projected_corpus_rebuilt_when_the_translations_file_changes(english_file, tmp_path):
    # Case 2: a file: translator whose file is corrected between two trainings.
    sources = [
        "Ana Torres visited Lima .",
        "The mayor of Quito met Pedro .",
        "It rained .",
    ]
    src = tmp_path / "src.txt"
    tgt = tmp_path / "tgt.txt"
    src.write_text("\n".join(sources) + "\n", encoding="utf8")
    tgt.write_text(
        "Ana Torres visitó Lima .\nEl alcalde de Quito conoció a Pedro .\nLlovió .\n",
        encoding="utf8",
    )
    spec = f"file:{tgt}:{src}"
    nlp = spacy.blank("es")
    first = _corpus(english_file, tmp_path / "cache", spec, unprojected="keep")
    assert [eg.reference.text for eg in first(nlp)][0] == "Ana Torres visitó Lima ."
    assert first.cache_hit is False
    tgt.write_text(
        "Ana Torres visitó Lima ayer .\nEl alcalde de Quito conoció a Pedro .\nLlovió .\n",
        encoding="utf8",
    )
    second = _corpus(english_file, tmp_path / "cache", spec, unprojected="keep")
    texts = [eg.reference.text for eg in second(nlp)]
    assert second.cache_hit is False
    assert texts[0] == "Ana Torres visitó Lima ayer ."
    assert second.cache_path != first.cache_path
    # Unchanged, the next run reads the cache.
    third = _corpus(english_file, tmp_path / "cache", spec, unprojected="keep")
    assert [eg.reference.text for eg in third(nlp)] == texts
    assert third.cache_hit is True


@pytest.mark.parametrize("field", ["limit", "max_length"])
def test_projected_corpus_refuses_negative_counts(english_file, tmp_path, field):
    config = {
        "@readers": "spacy_xlproj.ProjectedCorpus.v1",
        "path": str(english_file),
        "src_lang": "en",
        "tgt_lang": "es",
        "translator": "apertium",
        "cache_dir": str(tmp_path),
        field: -1,
    }
    with pytest.raises(UsageError) as err:
        _reader(config)
    assert str(err.value) == (
        f"{field}=-1 is not a count: give a whole number >= 1, or 0 for no limit."
    )
    with pytest.raises(UsageError, match=f"^{field}=-1 is not a count"):
        _reader({"@readers": "spacy_xlproj.ColumnCorpus.v1", "path": str(english_file),
                 field: -1})  # fmt: skip


def test_projected_corpus_limit_none_and_zero_mean_all(english_file, tmp_path):
    nlp = spacy.blank("es")
    for limit in (0, None):
        corpus = _corpus(english_file, tmp_path, WordListTranslator(), unprojected="keep",
                         limit=limit)  # fmt: skip
        assert len(list(corpus(nlp))) == 3


def test_projected_corpus_refuses_unknown_spacy_language(english_file, tmp_path):
    config = {
        "@readers": "spacy_xlproj.ProjectedCorpus.v1",
        "path": str(english_file),
        "src_lang": "en",
        "tgt_lang": "es",
        "translator": "apertium",
        "cache_dir": str(tmp_path),
        "tgt_spacy_lang": "zz",
    }
    with pytest.raises(UsageError) as err:
        _reader(config)
    assert str(err.value) == (
        "tgt_spacy_lang='zz': spaCy has no language 'zz'; give a language spaCy has "
        "(spacy.blank(code) works), or 'xx' for its multi-language tokenizer."
    )
    config["tgt_spacy_lang"] = "xx"
    assert _reader(config).tgt_spacy_lang == "xx"
