"""translate-train and translate-test on bad paths and options (issue 10): each mistake is
one ``Error: …`` line before any translation, and no input is ever overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_xlproj.cli import app
from spacy_xlproj.transfer.train import _LineWindow
from spacy_xlproj.translate.file import FileTranslator

runner = CliRunner()

# Hand-written files (not dataset text).
SOURCE = "Anna\tB-PER\nwalks\tO\n.\tO\n\nGood\tO\nmorning\tO\n.\tO\n\nBob\tB-PER\nsleeps\tO\n"
TRANSLATIONS = "Anna camina .\nBuenos días .\nBob duerme\n"


@pytest.fixture()
def calls(monkeypatch) -> list[int]:
    """How many texts each FileTranslator.translate call got: [] means nothing was translated."""
    seen: list[int] = []
    # By position, translate-train reads each chunk's lines through a window.
    for cls in (FileTranslator, _LineWindow):
        original = cls.translate

        def counting(self, texts, original=original):
            seen.append(len(texts))
            return original(self, texts)

        monkeypatch.setattr(cls, "translate", counting)
    return seen


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    src = tmp_path / "en.conll"
    src.write_text(SOURCE, encoding="utf8")
    translations = tmp_path / "es.txt"
    translations.write_text(TRANSLATIONS, encoding="utf8")
    return {"src": src, "tr": translations, "dir": tmp_path}


def _train(files: dict[str, Path], *extra: str, output: Path | None = None):
    out = output or files["dir"] / "out.conll"
    args = ["translate-train", str(files["src"]), str(out), "--tgt-lang", "es",
            "-T", f"file:{files['tr']}", "--aligner", "lexical", "--no-progress",
            *extra]  # fmt: skip
    return runner.invoke(app, args)


def _one_error_line(result, message: str, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert result.output == f"Error: {message}\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_translate_test_refuses_to_overwrite_its_input(tmp_path, calls):
    # The case: output = input, with an empty line the column writer used to
    # refuse after translating everything, leaving a partial file in place of the input.
    text = tmp_path / "IN.txt"
    text.write_bytes(b"Juan vive en Madrid .\n\nHace frio .\n")
    before = text.read_bytes()
    result = runner.invoke(
        app,
        ["translate-test", str(text), str(text), "--tgt-lang", "es", "--ner", "en_core_web_sm",
         "-T", f"file:{tmp_path / 'x.txt'}", "--aligner", "lexical"],
    )  # fmt: skip
    _one_error_line(
        result,
        f"Output {text} is also an input of this command ({text}); writing it would destroy "
        "the input. Choose another output path.",
    )
    assert text.read_bytes() == before
    assert calls == []


def test_outputs_that_are_inputs_are_refused(files, calls, tmp_path):
    src, tr = files["src"], files["tr"]
    before = {p: p.read_bytes() for p in (src, tr)}
    link = tmp_path / "link.conll"
    link.symlink_to(src)
    for output in (src, tr, link):
        result = _train(files, output=output)
        _one_error_line(
            result,
            f"Output {output} is also an input of this command "
            f"({src if output != tr else tr}); writing it would destroy the input. "
            "Choose another output path.",
        )
    result = _train(files, "--stats", str(src))
    assert result.output.startswith(f"Error: Statistics file {src} is also an input")
    result = _train(files, "--stats", str(tmp_path / "out.conll"))
    _one_error_line(
        result,
        f"--stats {tmp_path / 'out.conll'} is the output file too; give the statistics "
        "another path.",
    )
    assert {p: p.read_bytes() for p in (src, tr)} == before
    assert calls == []


@pytest.mark.parametrize(
    "args,message",
    [
        (["--engine.chunk_size", "0"], "engine.chunk_size must be at least 1 sentence, got 0."),
        (["--limit", "-1"], "--limit must be 0 or more (0: every sentence), got -1."),
        (
            ["--translate_train.markers", "["],
            "translate_train.markers must be two different markers separated by a comma, got '['.",
        ),  # fmt: skip
        (
            ["--translate_train.markers", "|,|"],
            "translate_train.markers must be two different markers separated by a comma, "
            "got '|,|'.",
        ),  # fmt: skip
    ],
)
def test_bad_options_fail_before_translation(files, calls, args, message):
    _one_error_line(_train(files, *args), message, code=2)
    assert calls == []
    assert not (files["dir"] / "out.conll").exists()


def test_limit(files, calls):
    # --limit -1 used to drop the last sentence silently; 2 gives two, 0 gives all.
    assert _train(files, "--limit", "2").exit_code == 0
    assert (files["dir"] / "out.conll").read_text().count("\n\n") == 2
    assert _train(files, "--limit", "0").exit_code == 0
    assert (files["dir"] / "out.conll").read_text().count("\n\n") == 3
    text = files["dir"] / "t.txt"
    text.write_text("Hola .\n", encoding="utf8")
    result = runner.invoke(
        app,
        ["translate-test", str(text), str(files["dir"] / "o.conll"), "--tgt-lang", "es",
         "--ner", "x", "--limit", "-1"],
    )  # fmt: skip
    _one_error_line(result, "--limit must be 0 or more (0: every sentence), got -1.", code=2)


def test_outputs_inside_the_cache_or_work_folder_are_refused(files, calls, tmp_path):
    # #25 case 11: --stats naming the cache database overwrote it, and the next run failed.
    cache, work = tmp_path / "cache", tmp_path / "work"
    database = cache / "translations.sqlite3"
    result = _train(files, "--cache-dir", str(cache), "--stats", str(database))
    _one_error_line(
        result,
        f"Statistics file {database} is inside --cache-dir {cache}, which this run manages; "
        "writing it would damage that folder. Choose another output path.",
    )
    chunk = work / "chunk-00000.json"
    result = _train(files, "--work-dir", str(work), output=chunk)
    _one_error_line(
        result,
        f"Output {chunk} is inside --work-dir {work}, which this run manages; writing it "
        "would damage that folder. Choose another output path.",
    )
    text = tmp_path / "t.txt"
    text.write_text("Hola .\n", encoding="utf8")
    result = runner.invoke(
        app,
        ["translate-test", str(text), str(cache / "x.conll"), "--tgt-lang", "es", "--ner", "x",
         "--cache-dir", str(cache)],
    )  # fmt: skip
    _one_error_line(
        result,
        f"Output {cache / 'x.conll'} is inside --cache-dir {cache}, which this run manages; "
        "writing it would damage that folder. Choose another output path.",
    )
    result = runner.invoke(
        app,
        ["translate", str(text), str(database), "--src-lang", "es", "--tgt-lang", "en",
         "-T", f"file:{files['tr']}", "--cache-dir", str(cache)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: Output {database} is inside --cache-dir {cache}")
    assert calls == []
    assert not cache.exists() or not any(cache.iterdir())


def test_cache_dir_must_be_a_cache(files, calls, tmp_path):
    src = files["src"]
    result = _train(files, "--cache-dir", str(src))
    _one_error_line(
        result, f"--cache-dir {src} is a file; give a folder (new, or an earlier --cache-dir)."
    )
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("", encoding="utf8")
    _one_error_line(
        _train(files, "--cache-dir", str(mine)),
        f"--cache-dir {mine} is not a translation cache: it holds other files (e.g. "
        "'thesis.tex') and no translations.sqlite3. Give a new or empty folder, or an "
        "earlier --cache-dir.",
    )
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "translations.sqlite3").write_text("not a database", encoding="utf8")
    _one_error_line(
        _train(files, "--cache-dir", str(broken)),
        f"--cache-dir {broken}: translations.sqlite3 is not an sqlite database, so this is "
        "not a translation cache. Give another folder, or delete that file.",
    )
    assert calls == []
    # A real cache (made by a run) is accepted again.
    cache = tmp_path / "cache"
    source_text = tmp_path / "en.txt"
    source_text.write_text("Anna walks .\nGood morning .\nBob sleeps\n", encoding="utf8")
    spec = f"file:{files['tr']}:{source_text}"
    for _ in range(2):
        result = runner.invoke(
            app,
            ["translate-train", str(src), str(tmp_path / "o.conll"), "--tgt-lang", "es", "-T", spec,
             "--aligner", "lexical", "--no-progress", "--cache-dir", str(cache)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    assert (cache / "translations.sqlite3").is_file()


def test_work_dir_of_another_run_is_refused(files, calls, tmp_path):
    work = tmp_path / "work"
    assert _train(files, "--work-dir", str(work), "--engine.chunk_size", "2").exit_code == 0
    assert calls == [2, 1]
    calls.clear()
    # The same settings resume: every chunk is read back, nothing is translated.
    result = _train(files, "--work-dir", str(work), "--engine.chunk_size", "2")
    assert result.exit_code == 0, result.output
    assert calls == []
    manifest = json.loads((work / "manifest.json").read_text())["settings"]
    # The translator's identity: its name and a hash of the translations it serves.
    name, _, fingerprint = manifest["translator"].partition("#")
    assert name == f"file:{files['tr'].resolve()}"
    assert len(fingerprint) == 32 and int(fingerprint, 16) >= 0
    assert manifest["aligner"] == "lexical"
    assert manifest["projection_options"]["method"] == "heuristic"
    assert manifest["source"]["name"] == "en.conll"
    assert manifest["chunk_size"] == 2
    _one_error_line(
        _train(files, "--work-dir", str(work), "--engine.chunk_size", "2", "--method", "ilp"),
        f"The work folder {work} holds chunks made with other settings "
        '(projection_options.method: "heuristic" there, "ilp" now; projector: '
        '"HeuristicProjector(merge_distance=1, length_ratio=0.8, top_k=None, o… there, '
        "\"MatchingProjector(candidates='ngrams', max_len=10, solver='ilp', n_p… now). "
        f"Use another --work-dir, or delete {work} to start over.",
    )
    result = _train(files, "--work-dir", str(work), "--engine.chunk_size", "3")
    _one_error_line(
        result,
        f"The work folder {work} holds chunks made with other settings (chunk_size: 2 there, "
        f"3 now). Use another --work-dir, or delete {work} to start over.",
    )
    # Translations corrected in place: the chunks made from the old ones are not reused.
    files["tr"].write_text(TRANSLATIONS.replace("Anna", "Ana"), encoding="utf8")
    result = _train(files, "--work-dir", str(work), "--engine.chunk_size", "2")
    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: The work folder {work} holds chunks made with other settings "
        '(translations: [{"mtime": '
    )
    assert "; translator: " in result.output
    files["tr"].write_text(TRANSLATIONS, encoding="utf8")
    files["src"].write_text(SOURCE.replace("Bob", "Rob"), encoding="utf8")
    result = _train(files, "--work-dir", str(work), "--engine.chunk_size", "2")
    assert result.output.startswith(
        f"Error: The work folder {work} holds chunks made with other settings (source: "
        "en.conll had 65 bytes, sha256 "
    )
    assert calls == []


def test_damaged_work_dir_is_one_line(files, calls, tmp_path):
    work = tmp_path / "work"
    assert _train(files, "--work-dir", str(work), "--engine.chunk_size", "2").exit_code == 0
    calls.clear()
    chunk = work / "chunk-00001.json"
    chunk.write_bytes(chunk.read_bytes()[:20])  # truncated
    result = _train(files, "--work-dir", str(work), "--engine.chunk_size", "2")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: The chunk file {chunk} is damaged (")
    assert result.output.endswith(
        f"Delete that file to redo its chunk, or delete {work} to start over.\n"
    )
    assert result.output.count("\n") == 1
    (work / "manifest.json").write_text("", encoding="utf8")
    result = _train(files, "--work-dir", str(work), "--engine.chunk_size", "2")
    assert result.output == (
        f"Error: The manifest {work / 'manifest.json'} is empty or damaged (JSONDecodeError: "
        f"Expecting value: line 1 column 1 (char 0)), so the chunks in {work} cannot be "
        f"trusted. Delete {work} to start over.\n"
    )
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("", encoding="utf8")
    _one_error_line(
        _train(files, "--work-dir", str(mine)),
        f"The folder {mine} is not a work folder (it holds 1 other files, e.g. 'notes.txt', "
        "and no manifest.json). Give a new or empty folder.",
    )
    _one_error_line(
        _train(files, "--work-dir", str(files["src"])),
        f"The work folder {files['src']} is a file; give a folder (new or empty).",
    )
    assert calls == []


def test_missing_input_and_bad_source_fail_before_translation(files, calls, tmp_path):
    missing = tmp_path / "nope.conll"
    files_missing = dict(files, src=missing)
    _one_error_line(_train(files_missing), f"Input file not found: {missing}. Check the path.")
    # A bad tag deep in the file is found by the first (reading) pass, before any MT.
    files["src"].write_text(SOURCE + "\nlate\tX-PER\n", encoding="utf8")
    result = _train(files)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {files['src']}, line 12:")
    assert calls == []


def test_wrong_number_of_positional_translations(files, calls):
    files["tr"].write_text("Anna camina .\n", encoding="utf8")
    _one_error_line(
        _train(files, "--engine.chunk_size", "1"),
        f"{files['tr']}: has 1 lines but {files['src']} has 3 sentences. Line i must "
        "translate sentence i (as the translate command writes them); or give "
        "file:PATH:SOURCE to look translations up by source text.",
    )
    assert calls == []


def test_unlabelled_source_warns_and_stats_are_written(files, tmp_path):
    files["src"].write_text(SOURCE.replace("B-PER", "O"), encoding="utf8")
    stats = tmp_path / "stats" / "s.json"
    result = _train(files, "--stats", str(stats), output=tmp_path / "out.spacy")
    assert result.exit_code == 0, result.output
    warning = [line for line in result.output.splitlines() if line.startswith("Warning: ")]
    assert len(warning) == 1 and str(files["src"]) in warning[0]
    report = json.loads(stats.read_text())
    assert report["projection"]["sentences"] == 3
    assert sorted(p.name for p in stats.parent.iterdir()) == ["s.json"]  # no temp file
