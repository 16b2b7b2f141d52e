"""The chunked, resumable runner (``transfer.chunks``) under translate_train and
ProjectedCorpus.v1, and the streaming writers (``transfer.output``)."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
import srsly

from spacy_xlproj.align.lexical import LexicalAligner
from spacy_xlproj.io import read_docbin, write_docbin, write_sentences
from spacy_xlproj.project.heuristic import HeuristicProjector
from spacy_xlproj.transfer import output
from spacy_xlproj.transfer.chunks import (
    MANIFEST,
    WorkDir,
    WorkDirError,
    file_identity,
    run_chunks,
    sentences_key,
)
from spacy_xlproj.transfer.train import iter_translate_train, translate_train
from spacy_xlproj.translate.file import FileTranslator
from spacy_xlproj.types import Sentence, Span

# Hand-written sentences (not dataset text).
SENTENCES = [
    Sentence([f"Name{k}", "lives", "in", f"Town{k}", "."], [Span(0, 1, "PER"), Span(3, 4, "LOC")])
    for k in range(10)
]


class Upper:
    """Upper-cases texts; counts the texts it translated; can fail on its n-th call."""

    name = "test:upper"
    src_lang = "en"
    tgt_lang = "xx"

    def __init__(self, fail_on_call: int | None = None) -> None:
        self.calls = 0
        self.texts: list[str] = []
        self.fail_on_call = fail_on_call

    def translate(self, texts):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise KeyboardInterrupt("killed")  # as a kill or Ctrl-C would stop the run
        self.texts.extend(texts)
        return [t.upper() for t in texts]


def _train(translator, work_dir, **kwargs):
    kwargs.setdefault("chunk_size", 2)
    kwargs.setdefault("projector", HeuristicProjector())
    return translate_train(
        SENTENCES,
        translator=translator,
        aligner=LexicalAligner(),
        tgt_lang="en",
        work_dir=work_dir,
        progress=False,
        **kwargs,
    )


def test_killed_run_resumes_without_redoing_finished_chunks(tmp_path):
    work = tmp_path / "work"
    dying = Upper(fail_on_call=3)  # chunks 0 and 1 finish, chunk 2 is killed
    with pytest.raises(KeyboardInterrupt):
        _train(dying, work)
    assert sorted(p.name for p in work.iterdir()) == [
        "chunk-00000.json",
        "chunk-00001.json",
        MANIFEST,
    ]  # no temporary file is left behind
    again = Upper()
    out, stats = _train(again, work)
    # Only chunks 2-4 (6 sentences) are translated again; chunks 0-1 are read back.
    assert again.calls == 3
    assert again.texts == [" ".join(s.words) for s in SENTENCES[4:]]
    fresh, fresh_stats = _train(Upper(), None)
    assert out == fresh
    assert stats.to_dict() == fresh_stats.to_dict()
    # A finished run resumes with no translation at all.
    third = Upper()
    assert _train(third, work)[0] == fresh
    assert third.calls == 0


def test_manifest_records_the_settings_and_refuses_others(tmp_path):
    work = tmp_path / "work"
    _train(Upper(), work, settings={"source": {"name": "a.conll", "size": 1, "sha256": "aa"}})
    manifest = json.loads((work / MANIFEST).read_text())
    assert manifest["kind"] == "translate-train"
    settings = manifest["settings"]
    assert settings["translator"] == "test:upper"
    assert settings["aligner"] == "lexical"
    assert settings["projector"].startswith("HeuristicProjector(merge_distance=1")
    assert settings["chunk_size"] == 2
    assert settings["source"]["sha256"] == "aa"
    with pytest.raises(WorkDirError) as err:
        _train(Upper(), work, chunk_size=3, settings={"source": {"sha256": "aa"}})
    assert "(chunk_size: 2 there, 3 now)" in str(err.value)
    assert str(err.value).endswith(f"Use another --work-dir, or delete {work} to start over.")
    with pytest.raises(WorkDirError, match="merge_distance=1.* there, .*merge_distance=2"):
        _train(
            Upper(),
            work,
            projector=HeuristicProjector(merge_distance=2),
            settings={"source": {"name": "a.conll", "size": 1, "sha256": "aa"}},
        )
    with pytest.raises(WorkDirError, match=r"source: a.conll had 1 bytes, sha256 aa…"):
        _train(Upper(), work, settings={"source": {"name": "a.conll", "size": 2, "sha256": "bb"}})


def test_damaged_work_folders_are_refused_in_one_line(tmp_path):
    work = tmp_path / "work"
    _train(Upper(), work)
    (work / "chunk-00001.json").write_text('{"input": "x", "rec', encoding="utf8")  # cut
    with pytest.raises(WorkDirError) as err:
        _train(Upper(), work)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"The chunk file {work / 'chunk-00001.json'} is damaged")
    (work / MANIFEST).write_text("", encoding="utf8")
    with pytest.raises(WorkDirError, match=r"The manifest .* is empty or damaged"):
        _train(Upper(), work)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own file", encoding="utf8")
    with pytest.raises(WorkDirError, match=r"is not a work folder \(it holds 1 other files"):
        _train(Upper(), mine)
    a_file = tmp_path / "file"
    a_file.write_text("", encoding="utf8")
    with pytest.raises(WorkDirError, match="is a file; give a folder"):
        _train(Upper(), a_file)


def test_runner_reads_lazily_and_checks_each_chunk_input(tmp_path):
    read: list[int] = []

    def items():
        for k, sentence in enumerate(SENTENCES):
            read.append(k)
            yield sentence

    def process(index, begin, chunk):
        return [{"index": index, "begin": begin, "n": len(chunk)}]

    stream = run_chunks(items(), process, chunk_size=4, work_dir=tmp_path / "w", settings={})
    assert next(stream) == [{"index": 0, "begin": 0, "n": 4}]
    assert read == [0, 1, 2, 3]  # one chunk read, not the whole input
    assert list(stream) == [[{"index": 1, "begin": 4, "n": 4}], [{"index": 2, "begin": 8, "n": 2}]]
    # Same settings, other sentences in chunk 1: refused rather than mixed in.
    other = SENTENCES[:4] + SENTENCES[5:9] + SENTENCES[:2]
    with pytest.raises(WorkDirError, match="Chunk 1 .* was made from other input sentences"):
        list(run_chunks(other, process, chunk_size=4, work_dir=tmp_path / "w", settings={}))
    with pytest.raises(ValueError, match="chunk_size must be >= 1, got 0"):
        list(run_chunks(SENTENCES, process, chunk_size=0))


def test_work_dir_manifest_is_written_atomically(tmp_path):
    WorkDir(tmp_path / "w", {"translator": "x"}, "translate-train")
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == [MANIFEST]
    assert json.loads((tmp_path / "w" / MANIFEST).read_text())["settings"] == {"translator": "x"}
    assert sentences_key(SENTENCES[:2]) != sentences_key(SENTENCES[1:3])


def test_file_identity(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    identity = file_identity(path)
    assert identity["name"] == "a.txt" and identity["size"] == 3
    assert identity["sha256"].startswith("ba7816bf")


def test_positional_file_translations_work_in_chunks(tmp_path):
    # Line i translates sentence i, also across chunks and with a sentence without words
    # (the translate command writes an empty line for it).
    sentences = [SENTENCES[0], Sentence([], []), SENTENCES[1], SENTENCES[2]]
    lines = tmp_path / "es.txt"
    lines.write_text("Name0 vive en Town0 .\n\nName1 vive en Town1 .\nName2 vive en Town2 .\n")
    out, stats = translate_train(
        sentences,
        translator=FileTranslator(lines, "en", "es"),
        aligner=LexicalAligner(),
        projector=HeuristicProjector(),
        tgt_lang="es",
        chunk_size=2,
        progress=False,
    )
    assert [s.words[:3] for s in out] == [["Name0", "vive", "en"], ["Name1", "vive", "en"],
                                          ["Name2", "vive", "en"]]  # fmt: skip
    assert stats.sentences_dropped == {"empty_translation": 1}
    short = tmp_path / "short.txt"
    short.write_text("Name0 vive en Town0 .\n\n")
    with pytest.raises(ValueError, match=r"short.txt: has 2 lines but the input has at least 4"):
        translate_train(
            sentences,
            translator=FileTranslator(short, "en", "es"),
            aligner=LexicalAligner(),
            projector=HeuristicProjector(),
            tgt_lang="es",
            chunk_size=2,
            progress=False,
        )


def test_iter_translate_train_streams(tmp_path):
    translator = Upper()
    stream = iter_translate_train(
        iter(SENTENCES),
        translator=translator,
        aligner=LexicalAligner(),
        projector=HeuristicProjector(),
        tgt_lang="en",
        chunk_size=3,
        progress=False,
    )
    first = next(stream)
    assert first.words[0] == "NAME0"
    assert translator.calls == 1  # the first chunk only
    assert len([first, *stream]) == 10
    assert translator.calls == 4


def test_docbin_stream_is_the_docbin_writer_output(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "SPOOL_CHUNK", 3)  # several spooled chunks
    sentences = [*SENTENCES, Sentence([], []), Sentence(["Hola"], [])] * 2
    write_docbin(tmp_path / "whole.spacy", sentences, "es")
    assert output.write_stream(tmp_path / "stream.spacy", iter(sentences), "es") == 24
    whole = srsly.msgpack_loads(zlib.decompress((tmp_path / "whole.spacy").read_bytes()))
    stream = srsly.msgpack_loads(zlib.decompress((tmp_path / "stream.spacy").read_bytes()))
    assert stream == whole
    assert read_docbin(tmp_path / "stream.spacy") == sentences
    assert output.write_stream(tmp_path / "stream.conll", iter(sentences)) == 24
    write_sentences(tmp_path / "whole.conll", sentences)
    assert (tmp_path / "stream.conll").read_bytes() == (tmp_path / "whole.conll").read_bytes()


def test_docbin_stream_fails_without_a_partial_file(tmp_path, monkeypatch):
    monkeypatch.setattr(output, "SPOOL_CHUNK", 2)
    target = tmp_path / "out.spacy"
    target.write_bytes(b"old")
    bad = [*SENTENCES[:3], Sentence(["two words"], [])]
    with pytest.raises(ValueError, match=r"^sentence 3 has the word 'two words'"):
        output.write_stream(target, iter(bad), "es")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.spacy"]


# -- ProjectedCorpus.v1 runs on the same runner -------------------------------------------


def _column_file(path: Path) -> Path:
    write_sentences(path, SENTENCES)
    return path


class SameWords:
    name = "test:same-words"

    def align(self, pairs):
        return [
            [(i, j) for i, s in enumerate(a) for j, t in enumerate(b) if s.lower() == t.lower()]
            for a, b in pairs
        ]


def test_projected_corpus_resumes_a_killed_projection(tmp_path):
    import spacy

    from spacy_xlproj.readers import ProjectedCorpus

    source = _column_file(tmp_path / "train.en.conll")

    def corpus(translator):
        return ProjectedCorpus(
            source,
            src_lang="en",
            tgt_lang="es",
            translator=translator,
            aligner=SameWords(),
            projector=HeuristicProjector(),
            cache_dir=tmp_path / "cache",
            chunk_size=4,
        )

    dying = Upper(fail_on_call=2)
    first = corpus(dying)
    with pytest.raises(KeyboardInterrupt):
        list(first(spacy.blank("es")))
    work = first.cache_path.with_suffix(".work")
    assert sorted(p.name for p in work.iterdir()) == ["chunk-00000.json", MANIFEST]
    again = Upper()
    second = corpus(again)
    examples = list(second(spacy.blank("es")))
    assert len(examples) == 10
    assert again.texts == [" ".join(s.words) for s in SENTENCES[4:]]  # chunk 0 reused
    assert examples[0].reference.text == "NAME0 LIVES IN TOWN0 ."
    assert [(e.text, e.label_) for e in examples[0].reference.ents] == [
        ("NAME0", "PER"),
        ("TOWN0", "LOC"),
    ]
    assert second.cache_path.is_file()
    assert not work.exists()  # the chunks are in the cache now
