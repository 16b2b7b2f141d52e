"""Caches keyed on what produced them (issue 25, cases 1 and 9).

A translation cache entry is valid only for the exact translator that made it: a
translations file corrected in place, a model rewritten in its folder, or another beam
size gives a miss. A damaged or foreign cache database, or a cache folder that is a
file, is one typed line naming the file and the fix.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tiny_seq2seq import build_tiny_marian

from spacy_xlproj.errors import DataError
from spacy_xlproj.translate import TranslationCache, build_translator, identity
from spacy_xlproj.translate import apertium as apertium_module
from spacy_xlproj.translate.cache import CACHE_FILE, CacheError
from spacy_xlproj.translate.identity import file_digest, translator_identity

SOURCES = ["The cat sleeps .", "Good night ."]


def _files(tmp_path: Path, targets: list[str]) -> tuple[Path, Path]:
    src, tgt = tmp_path / "src.txt", tmp_path / "tgt.txt"
    src.write_text("\n".join(SOURCES) + "\n", encoding="utf-8")
    tgt.write_text("\n".join(targets) + "\n", encoding="utf-8")
    return src, tgt


# -- case 1: the key is the translator's content and settings ------------------------------


def test_corrected_translations_file_is_not_served_from_the_cache(tmp_path: Path) -> None:
    src, tgt = _files(tmp_path, ["El gato duerme .", "Buenas noces ."])
    cache = tmp_path / "cache"
    first = build_translator(f"file:{tgt}:{src}", "en", "es", cache_dir=cache)
    assert first.translate(SOURCES) == ["El gato duerme .", "Buenas noces ."]
    tgt.write_text("El gato duerme .\nBuenas noches .\n", encoding="utf-8")  # corrected
    second = build_translator(f"file:{tgt}:{src}", "en", "es", cache_dir=cache)
    assert second.translate(SOURCES) == ["El gato duerme .", "Buenas noches ."]
    assert (second.hits, second.misses) == (0, 2)
    assert second.name == first.name  # same name, other identity
    assert second.key != first.key
    # The same content again (a copy, a touch) is the same translator: all hits.
    third = build_translator(f"file:{tgt}:{src}", "en", "es", cache_dir=cache)
    assert third.translate(SOURCES) == ["El gato duerme .", "Buenas noches ."]
    assert (third.hits, third.misses) == (2, 0)


def test_identity_is_name_and_content_hash(tmp_path: Path) -> None:
    src, tgt = _files(tmp_path, ["El gato duerme .", "Buenas noches ."])
    translator = build_translator(f"file:{tgt}:{src}", "en", "es", cache=False)
    name, _, fingerprint = translator_identity(translator).partition("#")
    assert name == f"file:{tgt.resolve()}"
    assert len(fingerprint) == 32
    # A translator without fingerprint() (a third-party one) is known by its name.
    assert translator_identity(type("T", (), {"name": "mine:x"})()) == "mine:x"


@pytest.mark.slow
@pytest.mark.transformers
def test_model_rewritten_in_place_misses_and_beam_size_misses(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    model = build_tiny_marian(tmp_path / "marian", seed=0)
    cache = tmp_path / "cache"
    texts = ["The cat sees the dog .", "Anna walks ."]
    first = build_translator(f"hf:{model}", "en", "es", cache_dir=cache, num_beams=1)
    first.translate(texts)
    assert (first.hits, first.misses) == (0, 2)
    again = build_translator(f"hf:{model}", "en", "es", cache_dir=cache, num_beams=1)
    again.translate(texts)
    assert (again.hits, again.misses) == (2, 0)
    assert again.key == first.key
    # Another beam size is another translator.
    beams = build_translator(f"hf:{model}", "en", "es", cache_dir=cache, num_beams=2)
    beams.translate(texts)
    assert (beams.hits, beams.misses) == (0, 2)
    # A model retrained into the same folder: same path, same name, other weights.
    build_tiny_marian(model, seed=1)
    retrained = build_translator(f"hf:{model}", "en", "es", cache_dir=cache, num_beams=1)
    assert retrained.name == first.name
    retrained.translate(texts)
    assert (retrained.hits, retrained.misses) == (0, 2)
    assert retrained.key != first.key


def test_large_file_digest_is_remembered_by_path_size_and_mtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(identity, "MEMO_MIN_SIZE", 0)  # every file counts as large here
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"weights v1")
    cache = TranslationCache(tmp_path / "cache")
    real = file_digest(weights, cache)
    stat = weights.stat()
    assert cache.get_digest(str(weights.resolve()), stat.st_size, stat.st_mtime_ns) == real
    # The remembered digest is used, not the file: plant another one to see it served.
    cache.put_digest(str(weights.resolve()), stat.st_size, stat.st_mtime_ns, "f" * 64)
    assert file_digest(weights, cache) == "f" * 64
    # Rewritten (other size, other mtime): read again.
    weights.write_bytes(b"weights v2, longer")
    assert file_digest(weights, cache) == file_digest(weights) != real


def test_apertium_identity_covers_the_mode_and_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes = tmp_path / "modes"
    modes.mkdir()
    data = tmp_path / "eng-spa.automorf.bin"
    data.write_bytes(b"dictionary v1")
    (modes / "eng-spa.mode").write_text(f"lt-proc -w '{data}' | apertium-pretransfer\n")
    binary = tmp_path / "apertium"
    binary.write_text('apertium_version="Apertium 3.8.3"\n')
    monkeypatch.setattr(apertium_module, "MODES_DIRS", (modes,))
    files = apertium_module._mode_files(str(binary), "eng-spa")
    assert files == [("apertium", binary), ("mode", modes / "eng-spa.mode"), (str(data), data)]
    before = identity.files_digest(files)
    data.write_bytes(b"dictionary v2")  # an upgraded language pair
    assert identity.files_digest(apertium_module._mode_files(str(binary), "eng-spa")) != before


# -- case 9: a damaged or foreign cache is one line naming the file -------------------------


FIX = "move it away; the cache is rebuilt on the next run."


def test_truncated_cache_database(tmp_path: Path) -> None:
    cache = TranslationCache(tmp_path)
    cache.put_many("b", [(f"sentence {i} " * 20, f"frase {i} " * 20) for i in range(2000)])
    db = tmp_path / CACHE_FILE
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    with pytest.raises(CacheError) as err:
        TranslationCache(tmp_path).get_many("b", ["sentence 1999 " * 20])
    message = str(err.value)
    assert message.startswith(f"The translation cache {db} cannot be read (")
    assert message.endswith("): it is damaged, truncated or not a translation cache; " + FIX)
    assert "\n" not in message
    assert isinstance(err.value, DataError)


def test_foreign_bytes_as_cache_database(tmp_path: Path) -> None:
    db = tmp_path / CACHE_FILE
    db.write_bytes(b"PK\x03\x04 this is a zip file, not sqlite" * 100)
    with pytest.raises(CacheError) as err:
        TranslationCache(tmp_path)
    assert str(err.value) == (
        f"The translation cache {db} cannot be read (file is not a database): it is "
        "damaged, truncated or not a translation cache; " + FIX
    )


def test_other_programs_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / CACHE_FILE
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE accounts (id INTEGER, owner TEXT)")
    before = db.read_bytes()
    with pytest.raises(CacheError) as err:
        TranslationCache(tmp_path)
    assert str(err.value) == (
        f"The translation cache {db} is another program's sqlite database (it has a table "
        "'accounts'): move it away; the cache is rebuilt on the next run, or give another "
        "cache folder."
    )
    with sqlite3.connect(db) as conn:  # none of our tables was added
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    assert names == ["accounts"]
    assert db.read_bytes() == before


def test_cache_folder_that_is_a_file(tmp_path: Path) -> None:
    file = tmp_path / "cache"
    file.write_text("not a folder")
    with pytest.raises(CacheError) as err:
        TranslationCache(file)
    assert str(err.value) == (
        f"The cache folder {file} is a file: give a folder for the cache (it is created "
        "when missing)."
    )
    with pytest.raises(CacheError) as err:
        TranslationCache(file / "below")
    assert str(err.value).startswith(f"The cache folder {file / 'below'} cannot be created (")
    assert str(err.value).endswith("): give a folder that can be written.")


def test_a_good_cache_opens_again(tmp_path: Path) -> None:
    TranslationCache(tmp_path).put_many("b", [("x", "y")])
    assert TranslationCache(tmp_path).get_many("b", ["x"]) == {"x": "y"}
