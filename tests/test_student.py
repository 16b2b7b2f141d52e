"""The teacher-student rounds of scripts/student.py, end to end on tiny deterministic models.

Teachers: translate-test through an English entity ruler (file translator, lexical
aligner) and a Spanish entity ruler standing in for the translate-train model. The
students are real CNN pipelines trained for a few steps: what is checked is the
plumbing (labels stripped, who teaches which round, what each student trains on, the
metrics and training records, resuming and refusing), not their quality.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spacy_xlproj.io import read_sentences, write_sentences
from spacy_xlproj.types import Sentence, Span

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "student.py"

# Unlabelled Spanish text as a column file: its (wrong on purpose) tags must not leak.
ES = [
    (["Juan", "Pérez", "vive", "en", "Madrid", "."], [Span(2, 3, "MISC")]),
    (["Hoy", "llueve", "mucho", "."], [Span(0, 1, "PER")]),
    (["Ana", "trabaja", "en", "Iberia", "."], []),
]
EN = ["Juan Pérez lives in Madrid .", "Today it rains a lot .", "Ana works at Iberia ."]


def _ruler(lang: str, patterns: list[tuple[str, str]], path: Path) -> Path:
    import spacy

    nlp = spacy.blank(lang)
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": label, "pattern": text} for label, text in patterns])
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("student")
    en = _ruler("en", [("PER", "Juan Pérez"), ("LOC", "Madrid"), ("ORG", "Iberia")], tmp / "en")
    # The "translate-train model" calls Madrid an ORG: the teachers disagree there.
    es = _ruler("es", [("PER", "Juan Pérez"), ("ORG", "Madrid"), ("ORG", "Iberia")], tmp / "es")
    unlabelled = tmp / "raw.iob"
    write_sentences(unlabelled, [Sentence(w, s) for w, s in ES])
    en_txt = tmp / "en.txt"
    en_txt.write_text("\n".join(EN) + "\n", encoding="utf8")
    projected = tmp / "projected"
    projected.mkdir()
    maria = ["María", "López", "habla", "en", "Lima", "."]
    # "Junta": capitalised, no entity (what --capitalised-missing makes missing).
    bank = ["El", "Banco", "Central", "y", "la", "Junta", "suben", "."]
    docs = [
        Sentence(maria, [Span(0, 2, "PER"), Span(4, 5, "LOC")]),
        Sentence(bank, [Span(1, 3, "ORG")]),
    ] * 3
    write_sentences(projected / "train.spacy", docs, lang="es")
    write_sentences(projected / "dev.spacy", docs[:2], lang="es")
    gold = tmp / "gold.iob"
    write_sentences(
        gold, [Sentence(w, [Span(0, 2, "PER")] if w[0] == "Juan" else []) for w, _ in ES]
    )
    return {
        "en": en, "es": es, "raw": unlabelled, "en_txt": en_txt, "projected": projected,
        "gold": gold,
    }  # fmt: skip


def _student(setup: dict[str, Path], workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    args = [
        sys.executable, str(SCRIPT), "--lang", "es", "--spacy-lang", "es",
        "--unlabelled", str(setup["raw"]), "--source-model", str(setup["en"]),
        "--target-model", str(setup["es"]), "--projected", str(setup["projected"]),
        "--test-gold", str(setup["gold"]), "--test-name", "tiny",
        "--translator", f"file:{setup['en_txt']}", "--aligner", "lexical",
        "--max-steps", "4", "--eval-frequency", "2", "--patience", "100",
        "--config", str(ROOT / "configs" / "ner_cnn.cfg"), "--workdir", str(workdir), *extra,
    ]  # fmt: skip
    return subprocess.run(args, capture_output=True, text=True, cwd=workdir)


def _docs(path: Path):
    from spacy.tokens import DocBin

    from spacy_xlproj.io import blank_vocab

    return list(DocBin().from_disk(path).get_docs(blank_vocab("es")))


def test_two_rounds_resume_and_refuse_other_settings(setup, tmp_path):
    result = _student(setup, tmp_path, "--rounds", "2", "--mix", "pseudo")
    assert result.returncode == 0, result.stdout + result.stderr
    corpus = tmp_path / "corpus" / "es" / "student"
    # The labels of the unlabelled file are gone: words only, one sentence a line.
    assert (corpus / "unlabelled.txt").read_text("utf8").splitlines() == [
        " ".join(w) for w, _ in ES
    ]
    # Round 1: translate-test and the target model agree on Juan Pérez and Iberia;
    # Madrid (LOC vs ORG) is missing, everything else O.
    docs = _docs(corpus / "round-1" / "pseudo.spacy")
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in docs] == [
        [(0, 2, "PER")],
        [],
        [(3, 4, "ORG")],
    ]
    assert [[t.i for t in d if t.ent_iob_ == ""] for d in docs] == [[4], [], []]
    # Round 2 has student 1 as a third teacher.
    stats1 = json.loads((corpus / "round-1" / "pseudo-stats.json").read_text("utf8"))
    stats2 = json.loads((corpus / "round-2" / "pseudo-stats.json").read_text("utf8"))
    student1 = tmp_path / "training" / "es" / "student" / "student-1" / "model-best"
    assert [t["name"] for t in stats1["teachers"]] == [
        f"translate-test:{setup['en']}",
        f"spacy:{setup['es']}",
    ]
    assert [t["name"] for t in stats2["teachers"]][2] == f"spacy:{student1}"
    # --mix pseudo: the student's training folder holds the pseudo-labels only.
    assert sorted(p.name for p in (corpus / "round-1" / "train").iterdir()) == ["pseudo.spacy"]
    for k in (1, 2):
        metrics = json.loads(
            (tmp_path / "metrics" / "es" / "tiny" / f"student-{k}.json").read_text("utf8")
        )
        assert set(metrics) >= {"micro", "per_label", "errors", "training"}
        assert metrics["training"]["steps"] == 4 and metrics["training"]["max_steps"] == 4
    assert "student 2: F1" in result.stdout
    # Resuming does not redo finished steps (no pseudo-label, no training).
    again = _student(setup, tmp_path, "--rounds", "2", "--mix", "pseudo")
    assert again.returncode == 0, again.stderr
    assert "pseudo-label" not in again.stdout and "train.py" not in again.stdout
    # Other settings over existing rounds are refused, naming what changed.
    other = _student(setup, tmp_path, "--rounds", "2", "--mix", "pseudo+projected")
    assert other.returncode != 0
    assert "other settings (mix)" in other.stderr and "--force" in other.stderr


def test_mix_with_projected_data_and_named_rounds(setup, tmp_path):
    result = _student(
        setup, tmp_path, "--name", "student-heuristic", "--agreement", "0.5",
        "--pretrain", "--pretrain-epochs", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    round1 = tmp_path / "corpus" / "es" / "student-heuristic" / "round-1"
    assert sorted(p.name for p in (round1 / "train").iterdir()) == [
        "projected.spacy",
        "pseudo.spacy",
    ]
    assert (round1 / "train" / "projected.spacy").resolve() == (
        setup["projected"] / "train.spacy"
    ).resolve()
    # Half of the vote suffices: Madrid gets a label (the first of the tied spans by the
    # ensemble's order), so no word is missing.
    docs = _docs(round1 / "pseudo.spacy")
    assert [t.i for d in docs for t in d if t.ent_iob_ == ""] == []
    assert (tmp_path / "metrics" / "es" / "tiny" / "student-heuristic-1.json").exists()
    # --pretrain: spacy pretrain on the raw text; the student's tok2vec starts from it.
    from spacy import util

    model = tmp_path / "training" / "es" / "student-heuristic" / "student-1" / "model-best"
    weights = tmp_path / "training" / "es" / "student-heuristic" / "pretrain" / "model-last.bin"
    assert weights.exists()
    assert util.load_config(model / "config.cfg")["paths"]["init_tok2vec"] == str(weights)
    # ... and spaCy really loads them: with the config's empty [pretraining] block it
    # skipped them without a word, so train.py fills that block in.
    sys.path.insert(0, str(ROOT / "scripts"))
    import train
    from spacy.training.initialize import init_nlp
    from spacy.training.pretrain import get_tok2vec_ref

    settings = train.TrainSettings(
        lang="es", train=round1 / "train", dev=setup["projected"] / "dev.spacy",
        init_tok2vec=str(weights),
    )  # fmt: skip
    nlp = init_nlp(train.load_training_config(ROOT / "configs" / "ner_cnn.cfg", settings))
    tok2vec = get_tok2vec_ref(nlp, {"component": "tok2vec", "layer": ""})
    assert tok2vec.to_bytes() == weights.read_bytes()
    # --filter-predictions (the default): the student drops lower-case entities itself.
    assert util.load_config(model / "config.cfg")["nlp"]["pipeline"][-1] == "xlproj_span_filter"
    pred = read_sentences(tmp_path / "corpus" / "es" / "tiny" / "pred-student-heuristic-1.iob")
    assert [s.words for s in pred] == [w for w, _ in ES]


def test_capitalised_missing_marks_pseudo_labels_and_projected_data(setup, tmp_path):
    result = _student(setup, tmp_path, "--capitalised-missing", "--no-filter-predictions")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--capitalised-missing" in result.stdout  # the pseudo-label command line
    round1 = tmp_path / "corpus" / "es" / "student" / "round-1"
    stats = json.loads((round1 / "pseudo-stats.json").read_text(encoding="utf8"))
    assert stats["span_filter"]["capitalised_missing"] is True
    # The projected data is a marked copy, not a link: Junta is missing, the rest as it was.
    projected = round1 / "train" / "projected.spacy"
    assert not projected.is_symlink()
    docs = _docs(projected)
    assert len(docs) == 6
    assert [t.ent_iob_ for t in docs[1]] == ["O", "B", "I", "O", "O", "", "O", "O"]
    assert [(e.text, e.label_) for e in docs[0].ents] == [("María López", "PER"), ("Lima", "LOC")]
    assert "3 capitalised words outside entities made missing in 6 projected" in result.stdout
    settings = json.loads((tmp_path / "corpus" / "es" / "student" / "settings.json").read_text())
    assert settings["capitalised_missing"] is True
    model = tmp_path / "training" / "es" / "student" / "student-1" / "model-best"
    assert "xlproj_span_filter" not in (model / "config.cfg").read_text(encoding="utf8")


def test_without_translate_train_translate_test_and_zero_shot_teach(setup, tmp_path):
    # A language machine translation reaches only from the target side: no translate-train
    # model, no projected data; the students learn from the pseudo-labels alone.
    raw, en_txt = tmp_path / "raw.iob", tmp_path / "en.txt"
    write_sentences(raw, [Sentence(w, s) for w, s in ES] * 4)
    en_txt.write_text("\n".join(EN * 4) + "\n", encoding="utf8")
    # The "zero-shot" teacher: an English ruler that knows Juan Pérez only.
    zero = _ruler("en", [("PER", "Juan Pérez")], tmp_path / "zero")
    args = [sys.executable, str(SCRIPT), "--lang", "es", "--spacy-lang", "es",
            "--unlabelled", str(raw), "--source-model", str(setup["en"]),
            "--test-gold", str(setup["gold"]), "--test-name", "tiny",
            "--translator", f"file:{en_txt}", "--aligner", "lexical",
            "--max-steps", "4", "--eval-frequency", "2", "--patience", "100",
            "--config", str(ROOT / "configs" / "ner_cnn.cfg"),
            "--workdir", str(tmp_path)]  # fmt: skip
    refused = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        "Error: --mix pseudo+projected and --dev projected need --projected (the "
        "translate-train data); without translate-train use --mix pseudo --dev pseudo."
    )
    more = ["--mix", "pseudo", "--dev", "pseudo", "--pseudo-options", f"--teacher zero-shot:{zero}"]
    result = subprocess.run(args + more, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    round1 = tmp_path / "corpus" / "es" / "student" / "round-1"
    stats = json.loads((round1 / "pseudo-stats.json").read_text(encoding="utf8"))
    assert [t["name"] for t in stats["teachers"]] == [
        f"translate-test:{setup['en']}",
        f"zero-shot:{zero}",
    ]
    # They agree on Juan Pérez; Madrid and Iberia (translate-test only) are missing.
    docs = _docs(round1 / "pseudo.spacy")
    assert len(docs) == 12
    assert [(e.start, e.end, e.label_) for e in docs[0].ents] == [(0, 2, "PER")]
    assert [[t.i for t in d if t.ent_iob_ == ""] for d in docs[:3]] == [[4], [], [3]]
    # Every 10th sentence is the development set; the training folder has no projected data.
    assert sorted(p.name for p in (round1 / "train").iterdir()) == ["pseudo.spacy"]
    assert (len(_docs(round1 / "train" / "pseudo.spacy")), len(_docs(round1 / "dev.spacy"))) == (
        11,
        1,
    )
    settings = json.loads((tmp_path / "corpus" / "es" / "student" / "settings.json").read_text())
    assert (settings["target_model"], settings["projected"]) == ("", "")
    assert "student 1: F1" in result.stdout


def test_unlabelled_must_be_a_file(setup, tmp_path):
    bad = dict(setup, raw=tmp_path / "nope.txt")
    result = _student(bad, tmp_path)
    assert result.returncode != 0
    assert f"--unlabelled {tmp_path / 'nope.txt'}: not a file" in result.stderr


def test_pseudo_dev_holds_out_every_tenth_sentence_with_its_missing_words(tmp_path):
    from test_workflow import load_script

    from spacy_xlproj.teach import PseudoLabelled, ScoredSpan, write_pseudo_docbin

    student = load_script("student")
    items = [
        PseudoLabelled(i, [f"W{i}", "vive", "en", "Lima"], [ScoredSpan(0, 1, "PER", 1.0)], [3])
        for i in range(12)
    ]
    write_pseudo_docbin(tmp_path / "pseudo.spacy", items, "es")
    student.split_pseudo(
        tmp_path / "pseudo.spacy", tmp_path / "t.spacy", tmp_path / "d.spacy", "es"
    )
    train, dev = _docs(tmp_path / "t.spacy"), _docs(tmp_path / "d.spacy")
    assert [d[0].text for d in dev] == ["W9"]
    assert [d[0].text for d in train] == [f"W{i}" for i in range(12) if i != 9]
    for doc in train + dev:
        assert [(e.start, e.end, e.label_) for e in doc.ents] == [(0, 1, "PER")]
        assert [t.ent_iob_ for t in doc] == ["B", "O", "O", ""]
