"""The pieces of the teacher-student rounds that are not a CLI call: scripts/student_round.py
(which rounds run, each round's training data, the gate of rounds 2..) and the span
filter that scripts/train.py adds to each student. The rounds themselves run through
spacy project: tests/test_workflow.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spacy_xlproj.io import write_sentences
from spacy_xlproj.types import Sentence, Span

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "student_round.py"


def student_round(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.fixture(scope="module")
def script():
    from test_workflow import load_script

    return load_script("student_round")


def test_plan_writes_one_answer_per_later_round_and_keeps_unchanged_files(tmp_path, script):
    corpus, training = tmp_path / "corpus", tmp_path / "training"
    assert script.plan(corpus, training, 2) == [1, 2]
    assert (corpus / "round-2.selected").read_text() == "yes\n"
    assert (corpus / "round-3.selected").read_text() == "no\n"
    assert not (corpus / "round-1.selected").exists()  # round 1 always runs
    # Every round's folders exist (later rounds name them as dependencies), empty.
    assert sorted(p.name for p in training.iterdir()) == [
        "student-1", "student-2", "student-3", "student-reviewed",
    ]  # fmt: skip
    assert sorted(p.name for p in corpus.iterdir() if p.is_dir()) == [
        "round-1",
        "round-2",
        "round-3",
    ]
    assert (corpus / "reviewed.selected").read_text() == "no\n"  # nothing reviewed
    # An unchanged answer is not rewritten (spacy project compares the file's MD5, and a
    # rewrite must not look like a change to anything else either).
    before = (corpus / "round-2.selected").stat().st_mtime_ns
    script.plan(corpus, training, 3)
    assert (corpus / "round-2.selected").stat().st_mtime_ns == before
    assert (corpus / "round-3.selected").read_text() == "yes\n"


def test_plan_refuses_rounds_beyond_the_commands(tmp_path):
    result = student_round("plan", "c", "t", "4", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Error: student_rounds must be 1 to 3 (project.yml has commands for 3 rounds), got 4."
    )
    assert not (tmp_path / "c").exists()


def test_run_gate_runs_a_selected_round_and_cleans_one_that_is_not(tmp_path):
    (tmp_path / "on").write_text("yes\n")
    (tmp_path / "off").write_text("no\n")
    made = tmp_path / "made.txt"
    command = ["--", "python", "-c", f"open({str(made)!r}, 'w').write('ran')"]
    ran = student_round("run", "on", *command, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert made.read_text() == "ran"
    # A round that is not selected: its old outputs go (a folder is emptied, since a
    # later round names it as a dependency), and the command does not run.
    old = tmp_path / "student-3"
    (old / "model-best").mkdir(parents=True)
    (old / "training.json").write_text("{}")
    (tmp_path / "m.json").write_text("{}")
    made.unlink()
    skipped = student_round(
        "run", "off", "--clean", str(old), "--clean", "m.json", *command, cwd=tmp_path
    )
    assert skipped.returncode == 0, skipped.stderr
    assert "off: not selected (vars.student_rounds); nothing to run" in skipped.stdout
    (tmp_path / "reviewed.selected").write_text("no\n")
    unreviewed = student_round("run", "reviewed.selected", *command, cwd=tmp_path)
    assert unreviewed.stdout.strip() == (
        "reviewed.selected: not selected (nothing reviewed in vars.reviewed); nothing to run"
    )
    assert not made.exists()
    assert not made.exists() and not (tmp_path / "m.json").exists()
    assert old.is_dir() and list(old.iterdir()) == []
    # The command's exit status is its own.
    failed = student_round("run", "on", "--", "python", "-c", "raise SystemExit(3)", cwd=tmp_path)
    assert failed.returncode == 3
    missing = student_round("run", "nope", *command, cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: nope not found: run student-plan first."


def _round(tmp_path: Path, n: int) -> tuple[Path, Path]:
    from spacy_xlproj.teach import PseudoLabelled, ScoredSpan, write_pseudo_docbin

    round_dir, projected = tmp_path / "round-1", tmp_path / "projected"
    round_dir.mkdir()
    projected.mkdir()
    items = [
        PseudoLabelled(i, [f"W{i}", "vive", "en", "Lima"], [ScoredSpan(0, 1, "PER", 1.0)], [3])
        for i in range(n)
    ]
    write_pseudo_docbin(round_dir / "pseudo.spacy", items, "es")
    maria = Sentence(["María", "habla", "."], [Span(0, 1, "PER")])
    write_sentences(projected / "train.spacy", [maria] * 3, lang="es")
    write_sentences(projected / "dev.spacy", [maria], lang="es")
    return round_dir, projected


def test_data_links_pseudo_and_projected_data(tmp_path, script):
    round_dir, projected = _round(tmp_path, 4)
    script.build_data(round_dir, "es", projected, "pseudo+projected", "projected")
    train = round_dir / "train"
    assert sorted(p.name for p in train.iterdir()) == ["projected.spacy", "pseudo.spacy"]
    assert (train / "projected.spacy").resolve() == (projected / "train.spacy").resolve()
    assert (round_dir / "dev.spacy").resolve() == (projected / "dev.spacy").resolve()
    # Rebuilt with --mix pseudo: the projected data is gone from the training folder.
    script.build_data(round_dir, "es", projected, "pseudo", "projected")
    assert sorted(p.name for p in train.iterdir()) == ["pseudo.spacy"]


def test_data_holds_out_every_tenth_pseudo_labelled_sentence_with_its_missing_words(tmp_path):
    from spacy.tokens import DocBin

    from spacy_xlproj.io import blank_vocab

    round_dir, projected = _round(tmp_path, 12)
    args = ["--lang", "es", "--projected", str(projected), "--mix", "pseudo", "--dev", "pseudo"]
    result = student_round("data", str(round_dir), *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "11 pseudo-labelled sentences to train on, 1 held out as dev" in result.stdout
    assert (round_dir / "dev.kind").read_text(encoding="utf8") == "pseudo-labelled\n"

    def docs(path: Path):
        return list(DocBin().from_disk(path).get_docs(blank_vocab("es")))

    train, dev = docs(round_dir / "train" / "pseudo.spacy"), docs(round_dir / "dev.spacy")
    assert [d[0].text for d in dev] == ["W9"]
    assert [d[0].text for d in train] == [f"W{i}" for i in range(12) if i != 9]
    for doc in train + dev:
        assert [(e.start, e.end, e.label_) for e in doc.ents] == [(0, 1, "PER")]
        assert [t.ent_iob_ for t in doc] == ["B", "O", "O", ""]


def test_data_refuses_bad_values_and_missing_inputs(tmp_path):
    round_dir, projected = _round(tmp_path, 2)
    bad = student_round(
        "data", str(round_dir), "--lang", "es", "--projected", str(projected), "--mix", "all",
        cwd=tmp_path,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.strip() == "Error: --mix: use one of pseudo, pseudo+projected, got 'all'."
    alone = student_round("data", str(round_dir), "--lang", "es", cwd=tmp_path)
    assert alone.returncode == 2
    assert alone.stderr.strip() == (
        "Error: --mix pseudo+projected and --dev projected need --projected (the translate-train "
        "data); without translate-train use --mix pseudo --dev pseudo."
    )
    (projected / "dev.spacy").unlink()
    missing = student_round(
        "data", str(round_dir), "--lang", "es", "--projected", str(projected), cwd=tmp_path
    )
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"Error: {projected / 'dev.spacy'}: not found; run the steps that make it first."
    )


# --- reviewed sentences (review's database) in the students' data ----------------------


def _review(pseudo: Path, db: Path, decisions: dict[int, list[tuple[int, int, str]]]) -> list[str]:
    """Accept sentence i of ``pseudo`` with the spans ``decisions[i]``; the keys of all."""
    from spacy_xlproj.review.data import load_review_data
    from spacy_xlproj.review.store import ReviewStore

    data = load_review_data(pseudo)
    with ReviewStore(db, data.fingerprint, len(data), pseudo.name) as store:
        for i, spans in decisions.items():
            version = current.version if (current := store.current(data.items[i].key)) else 0
            store.decide(data.items[i].key, i, version, "accept", spans)
    return [item.key for item in data.items]


def _docs(path: Path) -> list:
    from spacy.tokens import DocBin

    from spacy_xlproj.io import blank_vocab

    return list(DocBin().from_disk(path).get_docs(blank_vocab("es")))


def _iob(doc) -> list[str]:
    return [t.ent_iob_ + ("-" + t.ent_type_ if t.ent_type_ else "") for t in doc]


def test_plan_snapshots_the_reviewed_decisions_and_rewrites_only_when_they_change(tmp_path, script):
    round_dir, _ = _round(tmp_path, 4)
    corpus, training, db = tmp_path / "corpus", tmp_path / "training", tmp_path / "r.sqlite"
    snapshot = corpus / "reviewed.json"
    # No database (yet), or none given: the snapshot exists, and says so.
    script.plan(corpus, training, 1, db)
    assert json.loads(snapshot.read_text()) == {"decisions": []}
    before = snapshot.stat().st_mtime_ns
    script.plan(corpus, training, 1, None)
    assert snapshot.stat().st_mtime_ns == before
    assert (corpus / "reviewed.selected").read_text() == "no\n"
    keys = _review(round_dir / "pseudo.spacy", db, {1: [(0, 1, "PER"), (3, 4, "LOC")]})
    script.plan(corpus, training, 1, db)
    assert (corpus / "reviewed.selected").read_text() == "yes\n"  # student-reviewed runs
    assert json.loads(snapshot.read_text()) == {
        "database": str(db),
        "data": "pseudo.spacy",
        "sentences": 4,
        "decisions": [
            {"key": keys[1], "kind": "accept", "spans": [[0, 1, "PER"], [3, 4, "LOC"]],
             "outside": []},
        ],
    }  # fmt: skip
    # A skipped sentence is no training data: the snapshot (and its MD5) stays.
    before = snapshot.stat().st_mtime_ns
    with _store(round_dir, db) as store:
        store.decide(keys[2], 2, 0, "skip")
    script.plan(corpus, training, 1, db)
    assert snapshot.stat().st_mtime_ns == before
    # Undoing the decision changes what the students learn: rewritten, back to none.
    with _store(round_dir, db) as store:
        store.decide(keys[1], 1, 1, "undo")
    script.plan(corpus, training, 1, db)
    assert json.loads(snapshot.read_text()) == {"decisions": []}
    assert (corpus / "reviewed.selected").read_text() == "no\n"


def _store(round_dir: Path, db: Path):
    from spacy_xlproj.review.data import load_review_data
    from spacy_xlproj.review.store import ReviewStore

    data = load_review_data(round_dir / "pseudo.spacy")
    return ReviewStore(db, data.fingerprint, len(data))


def test_plan_refuses_a_file_that_is_no_review_database(tmp_path):
    (tmp_path / "notes.sqlite").write_text("not a database, just text\n" * 100)
    result = student_round("plan", "c", "t", "1", "--reviewed=notes.sqlite", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: notes.sqlite: not a review database (file is not a database); give the --db "
        "file of `review` as vars.reviewed, or '' for none."
    )


def test_data_trains_on_the_reviewed_sentences_as_gold_and_chooses_on_a_held_out_part(
    tmp_path, script, capsys
):
    """The placement review_value measures beside fine-tuning (the workflow's rounds no
    longer use it: ``student-reviewed`` fine-tunes)."""
    from spacy_xlproj.review.export import dev_keys

    round_dir, projected = _round(tmp_path, 12)
    projected_dev = (projected / "dev.spacy").read_bytes()
    # Built once without review: dev.spacy is a link to the projected dev set.
    script.build_data(round_dir, "es", projected, "pseudo+projected", "projected")
    assert (round_dir / "dev.spacy").is_symlink()
    gold = [(0, 1, "PER"), (3, 4, "LOC")]  # the person adds Lima, which the teachers missed
    keys = _review(round_dir / "pseudo.spacy", tmp_path / "r.sqlite", dict.fromkeys(range(8), gold))
    corpus = tmp_path / "corpus"
    script.plan(corpus, tmp_path / "training", 1, tmp_path / "r.sqlite")
    capsys.readouterr()
    script.build_data(
        round_dir, "es", projected, "pseudo+projected", "projected", corpus / "reviewed.json"
    )
    held = dev_keys(keys[:8], 0.25)
    assert len(held) == 2 < script.MIN_DEV  # too few to choose a step on: all trained on
    assert capsys.readouterr().out.strip() == (
        "8 reviewed sentences as gold (0 of them held out as dev), 4 pseudo-labelled; fewer "
        "than 20 to hold out: dev as without review"
    )
    train = _docs(round_dir / "train" / "pseudo.spacy")
    assert [d[0].text for d in train] == [f"W{i}" for i in range(12)]
    assert [_iob(d) for d in train] == [["B-PER", "O", "O", "B-LOC"]] * 8 + [
        ["B-PER", "O", "O", ""]
    ] * 4
    assert all(not d.spans for d in train)  # the votes are not read on every epoch
    assert (round_dir / "dev.spacy").resolve() == (projected / "dev.spacy").resolve()
    assert (round_dir / "dev.kind").read_text(encoding="utf8") == "projected\n"
    # With enough of them, a held-out part is the development set (real target gold),
    # written as a file of its own: the projected dev set it replaced is untouched.
    script.build_data(
        round_dir, "es", projected, "pseudo+projected", "projected",
        corpus / "reviewed.json", min_dev=2,
    )  # fmt: skip
    dev = _docs(round_dir / "dev.spacy")
    assert not (round_dir / "dev.spacy").is_symlink()
    assert (round_dir / "dev.kind").read_text(encoding="utf8") == "gold\n"  # for the card
    assert (projected / "dev.spacy").read_bytes() == projected_dev
    expected_dev = [f"W{i}" for i in range(8) if keys[i] in held]
    assert [d[0].text for d in dev] == expected_dev
    assert [_iob(d) for d in dev] == [["B-PER", "O", "O", "B-LOC"]] * 2
    train = _docs(round_dir / "train" / "pseudo.spacy")
    assert [d[0].text for d in train] == [f"W{i}" for i in range(12) if keys[i] not in held]
    assert sorted(p.name for p in (round_dir / "train").iterdir()) == [
        "projected.spacy",
        "pseudo.spacy",
    ]
    # --dev pseudo: the reviewed part replaces every 10th pseudo-labelled sentence too.
    script.build_data(
        round_dir, "es", projected, "pseudo", "pseudo", corpus / "reviewed.json", min_dev=2
    )
    assert [d[0].text for d in _docs(round_dir / "dev.spacy")] == expected_dev
    assert len(_docs(round_dir / "train" / "pseudo.spacy")) == 10


def test_data_without_review_is_as_before_and_leaves_the_votes_out(tmp_path, script):
    round_dir, projected = _round(tmp_path, 3)
    corpus = tmp_path / "corpus"
    script.plan(corpus, tmp_path / "training", 1, None)
    script.build_data(
        round_dir, "es", projected, "pseudo+projected", "projected", corpus / "reviewed.json"
    )
    pseudo, train = _docs(round_dir / "pseudo.spacy"), _docs(round_dir / "train/pseudo.spacy")
    assert all(d.spans for d in pseudo) and not any(d.spans for d in train)
    assert [_iob(d) for d in train] == [_iob(d) for d in pseudo] == [["B-PER", "O", "O", ""]] * 3
    assert (round_dir / "dev.spacy").resolve() == (projected / "dev.spacy").resolve()


def test_data_refuses_the_review_of_other_text(tmp_path, script, monkeypatch):
    from spacy_xlproj.errors import DataError
    from spacy_xlproj.teach import PseudoLabelled, write_pseudo_docbin

    monkeypatch.chdir(tmp_path)  # the database is named as project.yml names it: relative
    round_dir, projected = _round(tmp_path, 2)
    other = tmp_path / "other"
    other.mkdir()
    write_pseudo_docbin(other / "pseudo.spacy", [PseudoLabelled(0, ["Otra", "cosa"])], "es")
    _review(other / "pseudo.spacy", tmp_path / "r.sqlite", {0: [(0, 1, "MISC")]})
    script.plan(tmp_path / "corpus", tmp_path / "training", 1, Path("r.sqlite"))
    with pytest.raises(DataError) as err:
        script.build_data(
            round_dir, "es", projected, "pseudo", "projected", Path("corpus/reviewed.json")
        )
    assert str(err.value) == (
        f"r.sqlite: none of its 1 reviewed sentences (from pseudo.spacy) is in "
        f"{round_dir / 'pseudo.spacy'}: it holds the review of other text. Review this text "
        "into another database (--vars.reviewed OTHER.sqlite), or pass --vars.reviewed '' to "
        "train without it."
    )


def test_reviewed_writes_the_reviewed_sentences_alone_as_gold_with_a_held_out_part(
    tmp_path, script
):
    """student-reviewed's data: round 1's reviewed sentences alone (no pseudo-labels), a
    held-out part as dev from MIN_DEV sentences on; fewer: the last round's dev set."""
    from spacy_xlproj.review.export import dev_keys

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    round_dir, projected = _round(corpus, 100)
    script.build_data(round_dir, "es", projected, "pseudo+projected", "projected")
    db = tmp_path / "r.sqlite"
    gold = [(0, 1, "PER"), (3, 4, "LOC")]
    keys = _review(round_dir / "pseudo.spacy", db, dict.fromkeys(range(8), gold))
    script.plan(corpus, tmp_path / "training", 1, db)
    fallback = round_dir / "dev.spacy"
    args = ["reviewed", str(corpus), "--lang", "es", "--fallback-dev", str(fallback)]
    result = student_round(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"8 reviewed sentences as gold: 8 to fine-tune on, 0 held out as dev (fewer than 20: "
        f"dev is {fallback})"
    )
    reviewed = corpus / "reviewed"
    train = _docs(reviewed / "train.spacy")
    assert [d[0].text for d in train] == [f"W{i}" for i in range(8)]
    assert [_iob(d) for d in train] == [["B-PER", "O", "O", "B-LOC"]] * 8
    assert (reviewed / "dev.spacy").resolve() == (projected / "dev.spacy").resolve()
    assert (reviewed / "dev.kind").read_text() == "projected\n"  # as the round's
    # 100 reviewed: a quarter (by key hash) is held out, real gold, in a file of its own.
    _review(round_dir / "pseudo.spacy", db, dict.fromkeys(range(100), gold))
    script.plan(corpus, tmp_path / "training", 1, db)
    held = dev_keys(keys, 0.25)
    assert len(held) >= script.MIN_DEV
    result = student_round(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"100 reviewed sentences as gold: {100 - len(held)} to fine-tune on, {len(held)} held "
        "out as dev"
    )
    assert not (reviewed / "dev.spacy").is_symlink()
    assert [d[0].text for d in _docs(reviewed / "dev.spacy")] == [
        f"W{i}" for i in range(100) if keys[i] in held
    ]
    assert len(_docs(reviewed / "train.spacy")) == 100 - len(held)
    assert (reviewed / "dev.kind").read_text() == "gold\n"
    assert (projected / "dev.spacy").read_bytes() == _projected_dev_bytes()
    # Nothing reviewed (the gate should not have run it): one line, exit 1.
    script.plan(corpus, tmp_path / "training", 1, None)
    result = student_round(*args, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: {corpus / 'reviewed.json'}: no reviewed sentence to fine-tune on."
    )


def _projected_dev_bytes() -> bytes:
    """What _round writes as the projected dev set."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dev.spacy"
        write_sentences(path, [Sentence(["María", "habla", "."], [Span(0, 1, "PER")])], lang="es")
        return path.read_bytes()


def test_final_names_the_reviewed_student_when_there_is_one(tmp_path, script):
    """package-student ships the fine-tuned student when anything was reviewed."""
    corpus = tmp_path / "corpus"
    round_dir, _ = _round(tmp_path, 3)
    script.plan(corpus, tmp_path / "training", 2, None)
    echo = ["--", "python", "-c", "import sys; print(*sys.argv[1:])", "s-{student}", "n={reviewed}"]
    result = student_round("final", str(corpus), "2", *echo, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "s-2 n=0"
    _review(round_dir / "pseudo.spacy", tmp_path / "r.sqlite", {0: [], 2: [(0, 1, "PER")]})
    script.plan(corpus, tmp_path / "training", 2, tmp_path / "r.sqlite")
    result = student_round("final", str(corpus), "2", *echo, cwd=tmp_path)
    assert result.stdout.splitlines()[-1] == "s-reviewed n=2"
    missing = student_round("final", "nowhere", "2", *echo, cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        "Error: nowhere/reviewed.selected not found: run student-plan first."
    )


@pytest.mark.slow
def test_a_student_ends_with_the_lower_case_span_filter(tmp_path):
    """train.py --span-filter lowercase: español (MISC) is dropped when the model predicts."""
    import spacy
    from test_workflow import _sample, load_script

    train_script = load_script("train")
    train, dev = _sample(tmp_path, 10, "es")
    settings = train_script.TrainSettings(
        "es", train, dev, max_steps=2, eval_frequency=2, span_filter="lowercase"
    )
    train_script.train_pipeline(ROOT / "configs/ner_cnn.cfg", tmp_path / "model", settings)
    for name in ("model-best", "model-last"):
        nlp = spacy.load(tmp_path / "model" / name)
        assert nlp.pipe_names == ["tok2vec", "ner", "xlproj_span_filter"]
    nlp = spacy.load(tmp_path / "model" / "model-best")
    doc = nlp.make_doc("el idioma español y Madrid")
    doc.ents = [doc.char_span(10, 17, "MISC"), doc.char_span(20, 26, "LOC")]
    assert [(e.text, e.label_) for e in nlp.get_pipe("xlproj_span_filter")(doc).ents] == [
        ("Madrid", "LOC")
    ]
