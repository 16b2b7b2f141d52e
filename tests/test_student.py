"""The pieces of the teacher-student rounds that are not a CLI call: scripts/student_round.py
(which rounds run, each round's training data, the gate of rounds 2..) and the span
filter that scripts/train.py adds to each student. The rounds themselves run through
spacy project: tests/test_workflow.py."""

from __future__ import annotations

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
    assert sorted(p.name for p in training.iterdir()) == ["student-1", "student-2", "student-3"]
    assert sorted(p.name for p in corpus.iterdir() if p.is_dir()) == [
        "round-1",
        "round-2",
        "round-3",
    ]
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
