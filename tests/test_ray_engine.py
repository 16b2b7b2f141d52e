"""``--engine ray``: the same output as the local engine, in input order; resumable runs.

The backends are deterministic (a ``file:`` translator, the ``lexical`` aligner and
entity-ruler pipelines saved to tmp_path), so a run on two Ray workers must give
exactly what one process gives. One small Ray (2 CPUs) serves the whole module; the
flag checks need no Ray at all.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spacy_xlproj.cli import app
from spacy_xlproj.transfer.engine import LocalPool, Ready

pytestmark = pytest.mark.ray  # conftest: slow, and skipped without Ray

runner = CliRunner()

# Hand-written sentences (not dataset text): 7 sentences, so chunks of 3 make 3 shards.
EN = [
    ("Anna lives in Paris .", "B-PER O O B-LOC O"),
    ("Good morning .", "O O O"),
    ("Bob works for Acme in Lima .", "B-PER O O B-ORG O B-LOC O"),
    ("The Red Cross helps .", "O B-ORG I-ORG O O"),
    ("Carla met Dan .", "B-PER O B-PER O"),
    ("It rains .", "O O O"),
    ("Eva flew to Oslo .", "B-PER O O B-LOC O"),
]
ES = [
    "Anna vive en Paris .",
    "Buenos días .",
    "Bob trabaja para Acme en Lima .",
    "La Cruz Red ayuda .",
    "Carla conoció a Dan .",
    "Llueve .",
    "Eva voló a Oslo .",
]


@pytest.fixture(scope="module")
def ray_session():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
    yield ray
    ray.shutdown()


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    src = tmp_path / "en.conll"
    blocks = ["\n".join(f"{w}\t{t}" for w, t in zip(s.split(), tags.split(), strict=True))
              for s, tags in EN]  # fmt: skip
    src.write_text("\n\n".join(blocks) + "\n", encoding="utf8")
    translations = tmp_path / "es.txt"
    translations.write_text("\n".join(ES) + "\n", encoding="utf8")
    return {"src": src, "tr": translations, "dir": tmp_path}


def _train(files: dict[str, Path], name: str, *extra: str):
    out, stats = files["dir"] / f"{name}.conll", files["dir"] / f"{name}.json"
    args = ["translate-train", str(files["src"]), str(out), "--tgt-lang", "es", "-T",
            f"file:{files['tr']}", "--aligner", "lexical", "--stats", str(stats),
            "--no-progress", "--engine.chunk_size", "3", *extra]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf8"), json.loads(stats.read_text(encoding="utf8"))


def test_translate_train_on_ray_equals_local_in_order(ray_session, files):
    local, local_stats = _train(files, "local")
    ray, ray_stats = _train(files, "ray", "--engine", "ray", "--workers", "2")
    assert ray == local
    # In input order: sentence i is the translation on line i.
    sentences = [block.split("\n") for block in ray.strip().split("\n\n")]
    assert [" ".join(line.split("\t")[0] for line in s) for s in sentences] == ES
    assert ray_stats["projection"] == local_stats["projection"]
    assert local_stats["projection"]["source_entities"] == 10
    assert ray_stats["engine"]["engine"] == "ray" and ray_stats["engine"]["workers"] == 2
    assert len(ray_stats["engine"]["peak_rss_mib"]["workers"]) == 2
    assert (local_stats["engine"]["engine"], local_stats["engine"]["workers"]) == ("local", 1)


def test_ray_resumes_a_work_dir_of_a_local_run(ray_session, files):
    work = files["dir"] / "work"
    local, _ = _train(files, "local", "--work-dir", str(work))
    # A killed run: only chunk 0 finished. Its stored words are marked, so that the
    # output shows it was read back, not translated again.
    for index in (1, 2):
        (work / f"chunk-{index:05d}.json").unlink()
    first = work / "chunk-00000.json"
    body = json.loads(first.read_text(encoding="utf8"))
    body["records"][0]["words"][0] = "Resumed"
    first.write_text(json.dumps(body), encoding="utf8")
    inode = first.stat().st_ino
    ray, stats = _train(files, "ray", "--engine", "ray", "--workers", "2", "--work-dir", str(work))
    assert ray == local.replace("Anna\tB-PER", "Resumed\tB-PER", 1)
    assert first.stat().st_ino == inode  # not rewritten
    assert sorted(p.name for p in work.glob("chunk-*.json")) == [
        "chunk-00000.json", "chunk-00001.json", "chunk-00002.json"
    ]  # fmt: skip
    assert stats["projection"]["sentences"] == 7


def test_an_error_on_a_worker_is_the_local_one_line(ray_session, files):
    def error(*extra: str) -> str:
        args = ["translate-train", str(files["src"]), str(files["dir"] / "out.conll"),
                "--tgt-lang", "es", "-T", f"file:{files['tr']}", "--aligner", "nonsense",
                *extra]  # fmt: skip
        result = runner.invoke(app, args)
        # A bad spec is a usage error: exit 2 here and from a Ray worker alike.
        assert result.exit_code == 2, result.output
        return result.output

    local = error()
    assert local.startswith("Error: ") and local.count("\n") == 1
    assert error("--engine", "ray", "--workers", "1").endswith(local)


# -- translate-test and pseudo-label: entity rulers as NER models -----------------------


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import spacy

    tmp = tmp_path_factory.mktemp("models")
    for lang, names in (("en", ["Anna", "Paris", "Bob", "Acme", "Lima", "Red Cross"]),
                        ("es", ["Anna", "Paris", "Bob", "Lima", "Cruz Red"])):  # fmt: skip
        nlp = spacy.blank(lang)
        ruler = nlp.add_pipe("entity_ruler")
        ruler.add_patterns(
            [{"label": "ORG" if n in ("Acme", "Red Cross", "Cruz Red") else "PER"
              if n in ("Anna", "Bob") else "LOC", "pattern": n} for n in names]
        )  # fmt: skip
        nlp.to_disk(tmp / f"{lang}_ruler")
    (tmp / "es.txt").write_text("\n".join(ES[:4]) + "\n", encoding="utf8")
    (tmp / "en.txt").write_text("\n".join(s for s, _ in EN[:4]) + "\n", encoding="utf8")
    return {"en": tmp / "en_ruler", "es": tmp / "es_ruler", "dir": tmp}


def _backends(models: dict[str, Path]) -> list[str]:
    # Looked up by source text (file:TRANSLATIONS:SOURCE), so any shard can be translated.
    return ["-T", f"file:{models['dir'] / 'en.txt'}:{models['dir'] / 'es.txt'}",
            "--aligner", "lexical", "--tgt-lang", "es", "--no-progress",
            "--cache-dir", str(models["dir"] / "cache")]  # fmt: skip


def test_translate_test_on_ray_equals_local(ray_session, models, tmp_path):
    def run(name: str, *extra: str) -> tuple[str, dict]:
        out, stats = tmp_path / f"{name}.conll", tmp_path / f"{name}.json"
        args = ["translate-test", str(models["dir"] / "es.txt"), str(out), "--ner",
                str(models["en"]), "--engine.chunk_size", "2", "--stats", str(stats),
                *_backends(models), *extra]  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        return out.read_text(encoding="utf8"), json.loads(stats.read_text(encoding="utf8"))

    local, local_stats = run("local")
    ray, ray_stats = run("ray", "--engine", "ray", "--workers", "2")
    assert ray == local
    assert "Anna\tB-PER" in ray and "Acme\tB-ORG" in ray and "Lima\tB-LOC" in ray
    assert ray_stats["projection"] == local_stats["projection"]


def test_pseudo_label_on_ray_equals_local(ray_session, models, tmp_path):
    from spacy.tokens import DocBin

    from spacy_xlproj.io import blank_vocab

    def run(name: str, *extra: str) -> tuple[list, dict]:
        out, stats = tmp_path / f"{name}.spacy", tmp_path / f"{name}.json"
        args = ["pseudo-label", str(models["dir"] / "es.txt"), str(out),
                "--teacher", f"translate-test:{models['en']}", "--teacher",
                f"spacy:{models['es']}", "--engine.chunk_size", "2", "--stats", str(stats),
                *_backends(models), *extra]  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        docs = DocBin().from_disk(out).get_docs(blank_vocab("es"))
        got = [([t.text for t in d], [(e.start, e.end, e.label_) for e in d.ents],
                [t.i for t in d if t.ent_iob_ == ""]) for d in docs]  # fmt: skip
        report = json.loads(stats.read_text(encoding="utf8"))
        report.pop("seconds")
        report.pop("engine")
        return got, report

    local, local_report = run("local")
    ray, ray_report = run("ray", "--engine", "ray", "--workers", "2")
    assert ray == local
    assert [words for words, _, _ in ray] == [s.split() for s in ES[:4]]
    # The translate-test teacher's statistics come back from the workers.
    assert ray_report == local_report
    assert ray_report["projection"][f"translate-test:{models['en']}"]["sentences"] == 4


# -- the flags -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "flags,message,code",
    [
        (["--workers", "2"], "--workers 2 needs --engine ray; the local engine runs in "
         "this process, with one worker.", 2),
        (["--engine.ray_address", "auto"], "engine.ray_address needs --engine ray.", 2),
        (["--engine", "spark"], "--engine: use local or ray, got 'spark'.", 2),
        (["--engine", "ray", "--workers", "0"], "--workers must be at least 1, got 0.", 2),
    ],
)  # fmt: skip
@pytest.mark.parametrize("command", ["translate-train", "translate-test", "pseudo-label"])
def test_bad_engine_flags_are_one_line(files, command, flags, message, code):
    args = [command, str(files["src"]), str(files["dir"] / "out.spacy"), "--tgt-lang", "es", *flags]
    args += {"translate-test": ["--ner", "x"], "pseudo-label": ["--teacher", "spacy:x"]}.get(
        command, []
    )
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert result.output == f"Error: {message}\n"


def test_missing_ray_says_how_to_install_it(files, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    for command in ("translate-train", "pseudo-label"):
        args = [command, str(files["src"]), str(files["dir"] / "out.spacy"), "--tgt-lang", "es",
                "--engine", "ray"]  # fmt: skip
        if command == "pseudo-label":
            args += ["--teacher", "spacy:x"]
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert result.output == 'Error: --engine ray needs Ray: pip install "spacy-xlproj[ray]"\n'


def test_local_pool_passes_ready_shards_through_in_order():
    pool = LocalPool(lambda shard: shard * 10)
    assert list(pool.map_ordered([1, Ready("done"), 3])) == [10, "done", 30]
    assert pool.each(lambda worker: worker(2)) == [20]
