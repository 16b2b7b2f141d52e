"""translate-train writes the source side of its output (words, entities, alignment links)
beside it, and ``review`` finds it there (issue 26).

Real runs of the command on hand-written sentences (not dataset text), with the
deterministic backends of the other translate-train tests: a ``file:`` translator (line i
translates sentence i; an empty line loses its sentence) and the lexical aligner.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from spacy_xlproj.cli import app
from spacy_xlproj.errors import DataFormatError
from spacy_xlproj.io import read_sentences
from spacy_xlproj.review.data import load_review_data
from spacy_xlproj.transfer.output import source_sidecar_path
from spacy_xlproj.transfer.train import _LineWindow
from spacy_xlproj.translate.file import FileTranslator
from spacy_xlproj.types import Sentence, Span

runner = CliRunner()

SOURCE = (
    "Anna\tB-PER\nlives\tO\nin\tO\nMadrid\tB-LOC\n.\tO\n\n"
    "Good\tO\nmorning\tO\n.\tO\n\n"
    "Bob\tB-PER\nworks\tO\nat\tO\nGoogle\tB-ORG\n.\tO\n"
)
# The second sentence's translation is empty: it is dropped from the output.
TRANSLATIONS = "Anna vive en Madrid .\n\nGoogle contrata a Bob .\n"
MARKED = "[Anna] vive en [Madrid] .\n\n[Google] contrata a [Bob] .\n"

# The lexical aligner links the names and the full stop (reordered in the second one).
SIDE = [
    {"words": ["Anna", "lives", "in", "Madrid", "."],
     "spans": [[0, 1, "PER"], [3, 4, "LOC"]], "links": [[0, 0], [3, 3], [4, 4]]},
    {"words": ["Bob", "works", "at", "Google", "."],
     "spans": [[0, 1, "PER"], [3, 4, "ORG"]], "links": [[0, 3], [3, 0], [4, 4]]},
]  # fmt: skip
TARGET = [
    Sentence(["Anna", "vive", "en", "Madrid", "."], [Span(0, 1, "PER"), Span(3, 4, "LOC")]),
    Sentence(["Google", "contrata", "a", "Bob", "."], [Span(0, 1, "ORG"), Span(3, 4, "PER")]),
]


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    src = tmp_path / "en.conll"
    src.write_text(SOURCE, encoding="utf8")
    (tmp_path / "es.txt").write_text(TRANSLATIONS, encoding="utf8")
    (tmp_path / "marked.txt").write_text(MARKED, encoding="utf8")
    return {"src": src, "dir": tmp_path}


@pytest.fixture()
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many texts each translate call got: a chunk read back is not translated."""
    seen: list[int] = []
    for cls in (FileTranslator, _LineWindow):
        original = cls.translate

        def counting(self: Any, texts: Any, original: Any = original) -> list[str]:
            seen.append(len(texts))
            return original(self, texts)

        monkeypatch.setattr(cls, "translate", counting)
    return seen


def _train(files: dict[str, Path], output: Path, *extra: str, translations: str = "es.txt"):
    args = ["translate-train", str(files["src"]), str(output), "--tgt-lang", "es",
            "-T", f"file:{files['dir'] / translations}", "--aligner", "lexical",
            "--no-progress", *extra]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf8").splitlines()]


def test_sidecar_path_rule() -> None:
    assert source_sidecar_path("corpus/train.spacy") == Path("corpus/train.source.jsonl")
    assert source_sidecar_path("es.conll") == Path("es.source.jsonl")
    assert source_sidecar_path("out") == Path("out.source.jsonl")


def test_translate_train_writes_the_source_side_and_review_finds_it(files):
    out = files["dir"] / "train.spacy"
    result = _train(files, out)
    sidecar = files["dir"] / "train.source.jsonl"
    assert f"  source side (for review): {sidecar}\n" in result.output
    assert read_sentences(out, lang="es") == TARGET
    # One line per sentence of the output, in order; the dropped sentence has none.
    assert _lines(sidecar) == SIDE
    assert sorted(p.name for p in files["dir"].iterdir()) == [
        "en.conll", "es.txt", "marked.txt", "train.source.jsonl", "train.spacy",
    ]  # fmt: skip

    data = load_review_data(out)  # not told where the source side is
    assert [item.words for item in data.items] == [s.words for s in TARGET]
    first, second = (item.source for item in data.items)
    assert first is not None and second is not None
    assert first.words == ["Anna", "lives", "in", "Madrid", "."]
    assert first.spans == [(0, 1, "PER"), (3, 4, "LOC")]
    assert first.links == [(0, 0), (3, 3), (4, 4)]
    assert second.links == [(0, 3), (3, 0), (4, 4)]
    assert data.items[1].to_json()["source"] == SIDE[1]
    # Export reads no source side.
    assert all(i.source is None for i in load_review_data(out, find_source=False).items)


def test_column_output_gets_its_source_side_too(files):
    _train(files, files["dir"] / "es.conll")
    assert _lines(files["dir"] / "es.source.jsonl") == SIDE


def test_resumed_run_writes_the_same_source_side(files, calls):
    work = files["dir"] / "work"
    first = files["dir"] / "a.spacy"
    _train(files, first, "--work-dir", str(work), "--engine.chunk_size", "1")
    assert calls == [1, 1, 1]  # one chunk of one sentence each
    # A run stopped before its last chunk: the rerun reads chunks 0 and 1 back.
    (work / "chunk-00002.json").unlink()
    second = files["dir"] / "b.spacy"
    _train(files, second, "--work-dir", str(work), "--engine.chunk_size", "1")
    assert calls == [1, 1, 1, 1]
    a, b = (source_sidecar_path(p).read_bytes() for p in (first, second))
    assert a == b and _lines(source_sidecar_path(second)) == SIDE
    # Every chunk read back: still the same links.
    third = files["dir"] / "c.spacy"
    _train(files, third, "--work-dir", str(work), "--engine.chunk_size", "1")
    assert calls == [1, 1, 1, 1]
    assert source_sidecar_path(third).read_bytes() == a


def test_work_folder_without_links_is_refused(files):
    work = files["dir"] / "work"
    _train(files, files["dir"] / "a.spacy", "--work-dir", str(work))
    # A folder from before the records kept the links: its chunks would lose them.
    manifest = json.loads((work / "manifest.json").read_text(encoding="utf8"))
    del manifest["settings"]["links"]
    (work / "manifest.json").write_text(json.dumps(manifest), encoding="utf8")
    args = ["translate-train", str(files["src"]), str(files["dir"] / "b.spacy"), "--tgt-lang",
            "es", "-T", f"file:{files['dir'] / 'es.txt'}", "--aligner", "lexical",
            "--no-progress", "--work-dir", str(work)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: The work folder {work} holds chunks made with other settings (links: null "
        f"there, true now). Use another --work-dir, or delete {work} to start over.\n"
    )
    assert not (files["dir"] / "b.spacy").exists()
    assert not (files["dir"] / "b.source.jsonl").exists()


def test_markers_method_writes_no_links(files):
    out = files["dir"] / "m.spacy"
    _train(files, out, "--method", "markers", translations="marked.txt")
    assert read_sentences(out, lang="es") == TARGET
    assert _lines(source_sidecar_path(out)) == [{**line, "links": []} for line in SIDE]


@pytest.fixture()
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """The review command without its server: the data is opened as serve would."""
    from spacy_xlproj.review import server

    seen: list[dict] = []

    def fake_serve(data: Path, db: Path, **options: Any) -> None:
        loaded, store, _ = server.open_review(data, db, source=options["source"])
        store.close()
        seen.append({"source": options["source"], "items": loaded.items})

    monkeypatch.setattr(server, "serve", fake_serve)
    return seen


def test_review_command_finds_the_source_side(files, served):
    out = files["dir"] / "train.spacy"
    _train(files, out)
    sidecar = files["dir"] / "train.source.jsonl"
    db = files["dir"] / "r.sqlite"
    result = runner.invoke(app, ["review", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"Source side: {sidecar} (translate-train's; --source to use another)\n"
    )
    assert served[0]["source"] == sidecar
    assert [i.source.links for i in served[0]["items"]] == [
        [(0, 0), (3, 3), (4, 4)], [(0, 3), (3, 0), (4, 4)],
    ]  # fmt: skip

    # An explicit --source wins, and nothing is said about the sidecar.
    other = files["dir"] / "other.jsonl"
    other.write_text("".join(json.dumps({**x, "links": []}) + "\n" for x in SIDE), "utf8")
    result = runner.invoke(app, ["review", str(out), "--db", str(db), "--source", str(other)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert served[1]["source"] == other
    assert [i.source.links for i in served[1]["items"]] == [[], []]


def test_a_sidecar_of_other_data_is_refused(files, served):
    out = files["dir"] / "train.spacy"
    _train(files, out)
    sidecar = source_sidecar_path(out)
    sidecar.write_text(sidecar.read_text(encoding="utf8").splitlines()[0] + "\n", "utf8")
    with pytest.raises(DataFormatError) as err:
        load_review_data(out)
    assert str(err.value) == f"{sidecar}: 1 lines for the 2 sentences of the data."
    result = runner.invoke(app, ["review", str(out), "--db", str(files["dir"] / "r.sqlite")])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: {sidecar}: 1 lines for the 2 sentences of the data."
    )
    assert served == []
