"""benchmarks/review_value.py at toy scale: the oracle reviews what each strategy picks, the
student is built as the workflow builds it, and the result and the plot are written.
The real measurement takes hours (docs/review.md); nothing here measures anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_TEST = ROOT / "assets" / "demo" / "es_test.iob"


def _pool(tmp_path: Path, missed: int = 0) -> tuple[Path, Path, list]:
    """12 gold sentences as the pool; two teachers: one finds every entity, the other
    misses each sentence's first one (``missed=-1``: its last one; so they disagree on
    its words, which are missing)."""
    from spacy_xlproj.io import read_sentences, write_sentences
    from spacy_xlproj.teach import PseudoLabelled, ScoredSpan, write_pseudo_docbin

    gold = read_sentences(DEMO_TEST, lang="es")
    pool = gold[:12]
    write_sentences(tmp_path / "pool.iob", pool, lang="es")
    items = []
    for i, sentence in enumerate(pool):
        full = [ScoredSpan(s.start, s.end, s.label, 1.0) for s in sentence.spans]
        lost = full[missed:][:1]
        kept = [s for s in full if s not in lost]
        items.append(
            PseudoLabelled(
                i,
                list(sentence.words),
                kept,
                [w for s in lost for w in range(s.start, s.end)],
                votes=[full, kept],
                teachers=["all", "not-first" if missed == 0 else "not-last"],
            )
        )
    write_pseudo_docbin(tmp_path / "pseudo.spacy", items, "es")
    projected = tmp_path / "projected"
    write_sentences(projected / "train.spacy", gold[20:40], lang="es")
    write_sentences(projected / "dev.spacy", gold[40:50], lang="es")
    return tmp_path / "pool.iob", projected, pool


@pytest.mark.slow
def test_review_value_reviews_by_each_strategy_and_records_the_students(tmp_path, monkeypatch):
    from spacy.tokens import DocBin

    from spacy_xlproj.io import blank_vocab
    from spacy_xlproj.review.data import load_review_data
    from spacy_xlproj.review.export import dev_keys
    from spacy_xlproj.review.store import ReviewStore

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import review_value

    pool_file, projected, pool = _pool(tmp_path)
    work, results, plot = tmp_path / "work", tmp_path / "results", tmp_path / "value.png"
    argv = [
        "--pool", str(pool_file), "--oracle", str(pool_file), "--test", str(DEMO_TEST),
        "--pseudo", str(tmp_path / "pseudo.spacy"), "--projected", str(projected),
        "--budgets", "2,4", "--strategies", "disagreement,random", "--weights", "1,3",
        "--finetune", "--all-trained", "--min-dev", "1",
        "--max-steps", "20", "--eval-frequency", "10", "--patience", "100",
        "--span-filter", "none", "--work", str(work), "--plot", str(plot),
        "--results-dir", str(results),
    ]  # fmt: skip
    trained_from: dict[str, Path | None] = {}  # each run's --base (the fine-tunings')
    train_pipeline = review_value.train_script.train_pipeline

    def recording(config: Path, output: Path, settings: Any) -> dict[str, Any]:
        trained_from[output.parent.name] = settings.base
        return train_pipeline(config, output, settings)

    monkeypatch.setattr(review_value.train_script, "train_pipeline", recording)
    review_value.main(argv)
    # Disagreement: the sentences with the longest entity the second teacher missed first.
    first = [s.spans[0].end - s.spans[0].start if s.spans else 0 for s in pool]
    by_disagreement = sorted(range(12), key=lambda i: (-first[i], i))[:4]
    data = load_review_data(tmp_path / "pseudo.spacy")
    keys = [item.key for item in data.items]
    with ReviewStore(work / "disagreement-4" / "review.sqlite", data.fingerprint, 12) as store:
        latest = store.latest()
    assert {k: (d.kind, list(d.spans)) for k, d in latest.items()} == {
        keys[i]: ("accept", [(s.start, s.end, s.label) for s in pool[i].spans])
        for i in by_disagreement
    }
    # The student's data: the reviewed sentences as gold, one of them held out as dev.
    round_dir = work / "disagreement-4" / "corpus" / "round-1"
    held = dev_keys([keys[i] for i in by_disagreement], 0.25)
    assert len(held) == 1

    def docs(path: Path) -> dict[str, list]:
        out = DocBin().from_disk(path).get_docs(blank_vocab("es"))
        return {" ".join(t.text for t in d): d for d in out}

    dev = docs(round_dir / "dev.spacy")
    train = docs(round_dir / "train" / "pseudo.spacy")
    assert len(train) == 11 and len(dev) == 1
    for i in by_disagreement:
        text = " ".join(pool[i].words)
        doc = (dev if keys[i] in held else train)[text]
        assert [(e.start, e.end, e.label_) for e in doc.ents] == [
            (s.start, s.end, s.label) for s in pool[i].spans
        ]
        assert all(t.ent_iob_ for t in doc)  # gold: nothing missing
    # The result: one row per strategy and budget, and the gold-alone baseline.
    result = json.loads((results / "review_value.json").read_text())
    rows = result["tables"]["by_budget"]["rows"]
    assert [r[:2] for r in rows] == [
        ["disagreement", "2"], ["disagreement", "4"],
        ["disagreement ×3", "4"], ["disagreement fine-tuned", "4"],
        ["disagreement replaced, then fine-tuned", "4"], ["disagreement, all trained", "4"],
        ["random", "2"], ["random", "4"], ["random ×3", "4"], ["random fine-tuned", "4"],
        ["random replaced, then fine-tuned", "4"], ["random, all trained", "4"],
        ["random gold alone", "2"], ["random gold alone", "4"],
    ]  # fmt: skip
    chosen = [pool[i] for i in by_disagreement]
    assert rows[1][2:5] == [
        str(sum(len(s.words) for s in chosen)),
        str(sum(len(s.spans) for s in chosen)),
        "1",
    ]
    assert set(result["figures"]) == {
        "no_review_f1", "disagreement_2_f1", "disagreement_4_f1", "disagreement_4_x3_f1",
        "random_2_f1", "random_4_f1", "random_4_x3_f1", "gold_alone_2_f1", "gold_alone_4_f1",
        "disagreement_4_ft_f1", "random_4_ft_f1", "disagreement_4_rft_f1", "random_4_rft_f1",
        "disagreement_4_all_f1", "random_4_all_f1",
    }  # fmt: skip
    # Weighted: the reviewed training sentences (not the held-out one) twice more.
    copies_file = work / "disagreement-4-x3" / "corpus/round-1/train/reviewed-copies.spacy"
    trained = [i for i in by_disagreement if keys[i] not in held]
    assert sorted(docs(copies_file)) == sorted(" ".join(pool[i].words) for i in trained)
    assert len(DocBin().from_disk(copies_file)) == 2 * len(trained) == 6
    assert all(0.0 <= f <= 1.0 for f in result["figures"].values())
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # All trained: every reviewed sentence is training data, the dev set the projected one.
    everything = docs(work / "disagreement-4-all" / "corpus/round-1/train/pseudo.spacy")
    for i in by_disagreement:
        doc = everything[" ".join(pool[i].words)]
        assert [(e.start, e.end, e.label_) for e in doc.ents] == [
            (s.start, s.end, s.label) for s in pool[i].spans
        ]
    assert (work / "disagreement-4-all/corpus/round-1/dev.kind").read_text() == "projected\n"
    # Fine-tuned: the student without review, trained further on the reviewed alone.
    # (The workflow's student-reviewed data and train.py --base.)
    tuned = work / "disagreement-4-ft" / "corpus" / "reviewed"
    assert sorted(docs(tuned / "train.spacy")) == sorted(" ".join(pool[i].words) for i in trained)
    assert sorted(docs(tuned / "dev.spacy")) == sorted(
        " ".join(pool[i].words) for i in by_disagreement if keys[i] in held
    )
    assert trained_from["disagreement-4-ft"] == work / "no-review" / "model" / "model-best"
    assert trained_from["disagreement-4-rft"] == work / "disagreement-4" / "model" / "model-best"
    assert trained_from["disagreement-4"] is None and trained_from["no-review"] is None

    # A rerun redoes nothing: every run's result is kept with the key of what made it.
    models = sorted(work.glob("*/model/model-best/ner/model"))
    assert len(models) == 15
    stamps = {m: m.stat().st_mtime_ns for m in models}
    review_value.main(argv)
    assert {m: m.stat().st_mtime_ns for m in models} == stamps
    assert json.loads((results / "review_value.json").read_text())["figures"] == result["figures"]
    # Another test set (here: PER alone) rescores every model without training again.
    review_value.main([*argv, "--test-labels", "PER"])
    assert {m: m.stat().st_mtime_ns for m in models} == stamps
    saved = [json.loads(f.read_text()) for f in sorted(work.glob("*/result.json"))]
    assert len(saved) == 15 and all(r["scored_on"].endswith(" PER") for r in saved)
    # Other pseudo-labels of the same pool redo every student, two trainings at a time, and
    # not the gold-alone runs, which never read them.
    _pool(tmp_path, missed=-1)
    review_value.main([*argv, "--jobs", "2"])
    gold_alone = {m for m in models if m.parts[-5].startswith("gold-")}
    assert len(gold_alone) == 2
    assert all((m.stat().st_mtime_ns == stamps[m]) == (m in gold_alone) for m in models)


def test_train_seed_is_a_copy_of_the_config_with_its_system_seed(tmp_path, monkeypatch):
    from spacy import util

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import review_value

    config = ROOT / "configs" / "ner_cnn.cfg"
    seeded = review_value.derived_config(config, 7, {}, tmp_path / "work")
    assert seeded == tmp_path / "work" / "ner_cnn-seed7.cfg"
    original = util.load_config(config, interpolate=False)
    copy = util.load_config(seeded, interpolate=False)
    assert original["system"]["seed"] == 0 and copy["system"]["seed"] == 7
    copy["system"]["seed"] = 0
    assert copy == original


def test_unknown_options_are_config_overrides_as_spacy_train_takes_them(
    tmp_path, monkeypatch, capsys
):
    from spacy import util

    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import review_value

    required = ["--pool", "p", "--oracle", "o", "--test", "t", "--pseudo", "s", "--projected", "d"]
    trf = str(ROOT / "configs" / "ner_trf.cfg")
    args = review_value.parse_args([
        *required, "--config", trf, "--training.accumulate_gradient", "1",
        "--components.transformer.model.name=/models/minilm", "--system.gpu_allocator", "null",
        "--train-seed", "2",
    ])  # fmt: skip
    assert args.overrides == {
        "training.accumulate_gradient": 1,
        "components.transformer.model.name": "/models/minilm",
        "system.gpu_allocator": None,
    }
    derived = review_value.derived_config(args.config, args.train_seed, args.overrides, tmp_path)
    assert derived.name.startswith("ner_trf-seed2-") and derived.suffix == ".cfg"
    cfg = util.load_config(derived, interpolate=False)
    assert cfg["training"]["accumulate_gradient"] == 1
    assert cfg["components"]["transformer"]["model"]["name"] == "/models/minilm"
    assert cfg["system"]["gpu_allocator"] is None and cfg["system"]["seed"] == 2
    # Another override is another config file: its runs are keyed apart.
    other = review_value.derived_config(args.config, 2, {"training.accumulate_gradient": 2},
                                        tmp_path)  # fmt: skip
    assert other != derived
    with pytest.raises(ValueError) as err:
        review_value.derived_config(args.config, None, {"training.patiense": 5}, tmp_path)
    assert str(err.value) == (
        f"{args.config} has no setting training.patiense: check the override's name"
    )
    with pytest.raises(SystemExit):
        review_value.parse_args([*required, "--budget", "200"])
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.endswith(
        ": error: unrecognised argument --budget: options are above, "
        "config overrides name a section (--training.patience 2000)"
    )


@pytest.mark.slow
def test_only_trains_the_named_runs_and_student_base_starts_the_students(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import review_value

    pool_file, projected, _ = _pool(tmp_path)
    results = tmp_path / "results"
    argv = [
        "--pool", str(pool_file), "--oracle", str(pool_file), "--test", str(DEMO_TEST),
        "--pseudo", str(tmp_path / "pseudo.spacy"), "--projected", str(projected),
        "--budgets", "4", "--strategies", "disagreement,random", "--finetune", "--min-dev", "1",
        "--max-steps", "20", "--eval-frequency", "10", "--patience", "100",
        "--span-filter", "none", "--results-dir", str(results), "--name", "only",
        "--plot", str(tmp_path / "only.png"),
    ]  # fmt: skip
    trained_from: dict[str, Path | None] = {}
    train_pipeline = review_value.train_script.train_pipeline

    def recording(config: Path, output: Path, settings: Any) -> dict[str, Any]:
        trained_from[output.parent.name] = settings.base
        return train_pipeline(config, output, settings)

    monkeypatch.setattr(review_value.train_script, "train_pipeline", recording)
    first = tmp_path / "first"
    review_value.main([*argv, "--work", str(first), "--only", "no-review"])
    assert trained_from == {"no-review": None}
    result = json.loads((results / "only.json").read_text())
    assert result["tables"] == {}  # the baseline alone: a figure, no table
    assert list(result["figures"]) == ["no_review_f1"]
    # The students (not gold alone, not the fine-tuning) start from --student-base; the
    # student without review is always trained: it is every row's baseline.
    base = first / "no-review" / "model" / "model-best"
    trained_from.clear()
    second = tmp_path / "second"
    review_value.main([*argv, "--work", str(second), "--only", "random-4,gold-4,random-4-ft",
                       "--student-base", str(base)])  # fmt: skip
    assert trained_from == {
        "no-review": base, "random-4": base, "gold-4": None,
        "random-4-ft": second / "no-review" / "model" / "model-best",
    }  # fmt: skip
    rows = json.loads((results / "only.json").read_text())["tables"]["by_budget"]["rows"]
    assert [r[0] for r in rows] == ["random", "random fine-tuned", "random gold alone"]
    assert sorted(p.name for p in second.iterdir() if p.is_dir()) == [
        "gold-4", "no-review", "random-4", "random-4-ft",
    ]  # fmt: skip
    # A placement without its strategy's own run (disagreement-4 is not trained) is plotted.
    trained_from.clear()
    review_value.main([*argv, "--work", str(second), "--only", "disagreement-4-ft",
                       "--student-base", str(base)])  # fmt: skip
    assert list(trained_from) == ["disagreement-4-ft"]
    rows = json.loads((results / "only.json").read_text())["tables"]["by_budget"]["rows"]
    assert [r[0] for r in rows] == ["disagreement fine-tuned"]
    assert (tmp_path / "only.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(SystemExit) as err:
        review_value.main([*argv, "--work", str(second), "--only", "random-4,chance-4"])
    assert str(err.value) == "--only chance-4: not a run of this study's plan"
