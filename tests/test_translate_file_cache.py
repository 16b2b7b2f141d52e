"""Existing translations from a file, the persistent cache, and translator specs."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from spacy_xlproj.errors import DataFormatError, XlprojError
from spacy_xlproj.registry import translators
from spacy_xlproj.translate import (
    CachedTranslator,
    FileTranslator,
    TranslationCache,
    TranslatorSpecError,
    build_translator,
)
from spacy_xlproj.translate.cache import CACHE_ENV, default_cache_dir

SOURCES = ["The cat sleeps .", "Anna lives in Lisbon .", "The river is quiet .", "Good night ."]
TARGETS = ["El gato duerme .", "Ana vive en Lisboa .", "El río está tranquilo .", "Buenas noches ."]


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "src.txt"
    tgt = tmp_path / "tgt.txt"
    src.write_text("\n".join(SOURCES) + "\n", encoding="utf-8")
    tgt.write_text("\n".join(TARGETS) + "\n", encoding="utf-8")
    return src, tgt


class CountingFile(FileTranslator):
    """A file translator that records what reaches it and can fail on a given call."""

    def __init__(self, *args, fail_on_call: int | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.calls: list[list[str]] = []
        self.fail_on_call = fail_on_call

    def translate(self, texts):  # noqa: ANN001, ANN201
        self.calls.append(list(texts))
        if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
            raise RuntimeError("simulated crash")
        return super().translate(texts)


def test_file_by_position(files: tuple[Path, Path]) -> None:
    _, tgt = files
    translator = FileTranslator(tgt, "en", "es")
    assert translator.translate(SOURCES) == TARGETS
    assert not translator.cacheable


def test_file_by_position_count_mismatch(files: tuple[Path, Path]) -> None:
    _, tgt = files
    with pytest.raises(DataFormatError) as err:
        FileTranslator(tgt, "en", "es").translate(SOURCES[:3])
    assert str(err.value) == (
        f"{tgt}: has 4 lines but 3 sentences were asked for. The translations must be aligned "
        "line by line with the input; or pass source_path to look translations up by source text."
    )


def test_file_by_source_text(files: tuple[Path, Path]) -> None:
    src, tgt = files
    translator = FileTranslator(tgt, "en", "es", source_path=src)
    assert translator.translate(["Good  night .", SOURCES[0]]) == [TARGETS[3], TARGETS[0]]
    with pytest.raises(DataFormatError) as err:
        translator.translate([SOURCES[1], "Not there ."])
    assert str(err.value) == (
        f"{src}: has no line equal to text 2 asked for: 'Not there .'. Translate the missing "
        "texts, or check that the source file is the one that was translated."
    )


def test_file_source_line_count_mismatch(files: tuple[Path, Path], tmp_path: Path) -> None:
    _, tgt = files
    short = tmp_path / "short.txt"
    short.write_text("one\ntwo\n", encoding="utf-8")
    with pytest.raises(DataFormatError) as err:
        FileTranslator(tgt, "en", "es", source_path=short)
    assert str(err.value) == (
        f"{tgt}: has 4 lines but the source file {short} has 2. "
        "The two files must be aligned line by line."
    )


def test_file_missing(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="not-here.txt: file not found."):
        FileTranslator(tmp_path / "not-here.txt", "en", "es")


def test_cache_second_call_reaches_no_backend(files: tuple[Path, Path], tmp_path: Path) -> None:
    src, tgt = files
    backend = CountingFile(tgt, "en", "es", source_path=src)
    cached = CachedTranslator(backend, tmp_path / "cache", chunk_size=2)
    first = cached.translate(SOURCES + [SOURCES[0]])
    assert first == TARGETS + [TARGETS[0]]
    assert backend.calls == [SOURCES[:2], SOURCES[2:]]  # duplicates sent once, chunks of 2
    assert (cached.hits, cached.misses) == (0, 4)
    again = CachedTranslator(backend, tmp_path / "cache")  # a new object: the data is on disk
    assert again.translate(list(reversed(SOURCES))) == list(reversed(TARGETS))
    assert len(backend.calls) == 2
    assert (again.hits, again.misses) == (4, 0)
    assert again.cache.count(again.key) == 4


def test_cache_resumes_after_crash(files: tuple[Path, Path], tmp_path: Path) -> None:
    src, tgt = files
    crashing = CountingFile(tgt, "en", "es", source_path=src, fail_on_call=2)
    with pytest.raises(RuntimeError, match="simulated crash"):
        CachedTranslator(crashing, tmp_path / "c", chunk_size=2).translate(SOURCES)
    # The first chunk was written before the crash: the rerun only sends the rest.
    backend = CountingFile(tgt, "en", "es", source_path=src)
    resumed = CachedTranslator(backend, tmp_path / "c", chunk_size=2)
    assert resumed.translate(SOURCES) == TARGETS
    assert backend.calls == [SOURCES[2:]]
    assert (resumed.hits, resumed.misses) == (2, 2)


def test_cache_keys_on_backend_name(tmp_path: Path) -> None:
    cache = TranslationCache(tmp_path)
    cache.put_many("a", [("x", "1"), ("y", "2")])
    cache.put_many("b", [("x", "3")])
    assert cache.get_many("a", ["x", "y", "z"]) == {"x": "1", "y": "2"}
    assert cache.get_many("b", ["x", "y"]) == {"x": "3"}


def test_cache_many_texts(tmp_path: Path) -> None:
    # More texts than sqlite accepts as parameters of one statement.
    cache = TranslationCache(tmp_path)
    pairs = [(f"text {i}", f"texto {i}") for i in range(2500)]
    cache.put_many("m", pairs)
    assert cache.get_many("m", [p[0] for p in pairs]) == dict(pairs)


def _write_from_process(args: tuple[str, int]) -> int:
    folder, offset = args
    cache = TranslationCache(folder)
    for i in range(20):
        cache.put_many("shared", [(f"{offset}-{i}", str(i))])
    return cache.count("shared")


def test_cache_shared_by_processes(tmp_path: Path) -> None:
    TranslationCache(tmp_path)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_write_from_process, [(str(tmp_path), 0), (str(tmp_path), 1)])
    assert TranslationCache(tmp_path).count("shared") == 40


def test_position_translator_is_not_cached(files: tuple[Path, Path], tmp_path: Path) -> None:
    _, tgt = files
    with pytest.raises(XlprojError, match="answers by position, not by text"):
        CachedTranslator(FileTranslator(tgt, "en", "es"), tmp_path)


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env"))
    assert default_cache_dir() == tmp_path / "env"
    monkeypatch.delenv(CACHE_ENV)
    assert default_cache_dir() == Path.home() / ".cache" / "spacy_xlproj"


def test_build_file_specs(files: tuple[Path, Path], tmp_path: Path) -> None:
    src, tgt = files
    by_position = build_translator(f"file:{tgt}", "en", "es", cache_dir=tmp_path)
    assert isinstance(by_position, FileTranslator)  # never cached
    by_text = build_translator(f"file:{tgt}:{src}", "en", "es", cache_dir=tmp_path)
    assert isinstance(by_text, CachedTranslator)
    assert by_text.translate([SOURCES[2]]) == [TARGETS[2]]
    assert by_text.name == f"file:{tgt.resolve()}"


def test_build_unknown_spec() -> None:
    with pytest.raises(TranslatorSpecError) as err:
        build_translator("google", "en", "es")
    message = str(err.value)
    assert message.startswith("Unknown translator spec 'google'. Valid forms:\n  apertium ")
    for form in ("apertium:MODE", "hf:MODEL_OR_DIR", "file:PATH"):
        assert f"\n  {form}" in message
    with pytest.raises(TranslatorSpecError):
        build_translator("hf:", "en", "es")


def test_registered(files: tuple[Path, Path], tmp_path: Path) -> None:
    src, tgt = files
    inner = translators.get("spacy_xlproj.FileTranslator.v1")(str(tgt), "en", "es", str(src))
    made = translators.get("spacy_xlproj.CachedTranslator.v1")(inner, str(tmp_path))
    assert made.translate(SOURCES[:1]) == TARGETS[:1]
    assert made.misses == 1


def test_empty_texts_stay_empty_and_never_reach_the_backend():
    from spacy_xlproj.translate.base import translate_nonempty

    seen: list[list[str]] = []

    def backend(texts: list[str]) -> list[str]:
        seen.append(list(texts))
        return [t.upper() for t in texts]

    assert translate_nonempty(["a b", "", "  ", "c"], backend) == ["A B", "", "", "C"]
    assert seen == [["a b", "c"]]
    assert translate_nonempty(["", " \n"], backend) == ["", ""]
    assert len(seen) == 1  # nothing to translate: no backend call at all
    with pytest.raises(ValueError, match="returned 1 translations for 2 texts"):
        translate_nonempty(["a", "b"], lambda texts: ["x"])


def test_no_progress_reaches_the_translation_bar(files, tmp_path, capsys):
    src, tgt = files
    spec = f"file:{tgt}:{src}"
    quiet = build_translator(spec, "en", "es", cache_dir=tmp_path / "a", progress=False)
    loud = build_translator(spec, "en", "es", cache_dir=tmp_path / "b", progress=True)
    assert (quiet.progress, loud.progress) == (False, True)
    assert build_translator(spec, "en", "es", cache_dir=tmp_path / "c").progress is None
    assert quiet.translate(SOURCES[:2]) == TARGETS[:2]
    assert "translate" not in capsys.readouterr().err
    assert loud.translate(SOURCES[:2]) == TARGETS[:2]
    assert "translate file" in capsys.readouterr().err
