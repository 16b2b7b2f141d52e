"""What review is worth (issue 26, item 6): an oracle stands in for the person.

    python benchmarks/review_value.py --pool esp.train --oracle esp.train --test esp.testa \
        --pseudo corpus/es/student-heuristic/round-1/pseudo.spacy \
        --projected corpus/es/conll2003-heuristic \
        --budgets 50,100,200,500 --strategies disagreement,confidence,random

POOL is the unlabelled text PSEUDO was made from (``pseudo-label``'s output with the
teachers' votes, as the workflow's round 1 writes it); its tags, if any, are never read.
ORACLE holds the gold labels of the same sentences, in the same order: it is read only
for the sentences a strategy chose, as a person would label only those. For each
strategy (the ``review`` queue orders: ``disagreement``, ``confidence``, ``random``) and
budget (in sentences), the first BUDGET sentences of the queue are "reviewed" (accepted
with the oracle's spans into a review database), and the student is built exactly as the
workflow builds it (``scripts/student_round.py`` ``plan`` and ``data``: reviewed sentences
as gold in place of their pseudo-labels, a held-out quarter of them as the development
set), trained with ``scripts/train.py`` on CONFIG and scored on TEST. Beside each budget:
the same number of random gold sentences alone (three quarters to train, one to choose
the step: what a person could do without projection), and once the student without
review. Where the reviewed sentences go (at the main budget, for ``--variant-strategies``):
``--weights 1,4`` also trains each student with the reviewed training sentences seen 4
times per epoch (weighted beside the pseudo-labelled and projected data) instead of once
(1: they only replace their pseudo-labels, as the workflow does); ``--finetune`` also
trains a student further on the reviewed sentences alone: the student without review
(``fine-tuned``), and the student that trained on them already (``replaced, then
fine-tuned``); ``--all-trained`` also trains on every reviewed sentence (none held
out) and chooses the step on the usual development set, as without review; ``--only
RUN,...`` trains only those runs of the plan (and the student without review, every row's
baseline), and ``--student-base MODEL`` starts the students (not gold alone, not the
fine-tunings) from a trained pipeline instead of from scratch. Budgets are
reported in sentences, words and entities reviewed; the plot shows F1 against sentences
and against words (strategies compared at equal words too). Options the script does not
know are CONFIG's overrides, as ``spacy train`` takes them (``--training.patience 2000``,
``--components.transformer.model.name DIR``): the runs train on a copy of CONFIG with them
set, and are keyed on it.

Every training is a converged CPU training of CONFIG (the main budget's 3 strategies,
2 placements × 2 strategies and the other budgets' 2 strategies: hours on the 2-core
machine). ``--jobs 2`` trains two at a time (each training uses one core). Runs go most
wanted first (``plan_runs``) and each finished run keeps its score in
``WORK/NAME/result.json``, keyed on everything that made it (settings, config, data
files, the reviewed sentences): a run that dies or is stopped resumes without redoing
finished runs, and a changed setting redoes exactly the runs it changes. The result goes
to ``benchmarks/results/review_value.json`` (``--no-result``: print only) and the plot to
``--plot``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click import NoSuchOption
from harness import ROOT, Recorder, add_arguments
from spacy.cli._util import parse_config_overrides

sys.path.insert(0, str(ROOT / "scripts"))
import student_round  # noqa: E402  (scripts/: the workflow's own data step)
import train as train_script  # noqa: E402
from predict import predict  # noqa: E402

from spacy_xlproj.evaluate import entity_scores  # noqa: E402
from spacy_xlproj.io import read_sentences, write_sentences  # noqa: E402
from spacy_xlproj.io.atomic import write_atomic  # noqa: E402
from spacy_xlproj.review.data import ORDERS, ReviewData, load_review_data, queue_order  # noqa: E402
from spacy_xlproj.review.export import dev_keys  # noqa: E402
from spacy_xlproj.review.store import ReviewStore  # noqa: E402
from spacy_xlproj.types import Sentence  # noqa: E402

NAME = "review_value"
NO_REVIEW = "no-review"  # the run of the student without review
GOLD_ALONE = "random gold alone"


def _ints(text: str) -> list[int]:
    values = [int(x) for x in text.split(",") if x.strip()]
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def _labels(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _orders(text: str) -> list[str]:
    values = _labels(text)
    if not values or any(v not in ORDERS for v in values):
        raise argparse.ArgumentTypeError(f"use some of {', '.join(ORDERS)}, got {text!r}")
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    p.add_argument("--pool", type=Path, required=True, help="the unlabelled text of PSEUDO")
    p.add_argument("--oracle", type=Path, required=True, help="gold labels of the pool")
    p.add_argument("--test", type=Path, required=True, help="gold test set to score on")
    p.add_argument("--test-labels", type=_labels, default=[],
                   help="labels TEST uses, comma-separated (others are dropped)")  # fmt: skip
    p.add_argument("--pseudo", type=Path, required=True, help="pseudo-label output on the pool")
    p.add_argument("--projected", type=Path, required=True,
                   help="translate-train's folder (train.spacy, dev.spacy)")  # fmt: skip
    p.add_argument("--budgets", type=_ints, default=[50, 100, 200, 500])
    p.add_argument("--strategies", type=_orders, default=list(ORDERS))
    p.add_argument("--weights", type=_ints, default=[1],
                   help="times a reviewed sentence is trained on (1: the workflow)")  # fmt: skip
    p.add_argument("--lang", default="es", help="spaCy language class")
    p.add_argument("--config", type=Path, default=ROOT / "configs" / "ner_cnn.cfg")
    p.add_argument("--mix", default="pseudo+projected", choices=student_round.MIXES)
    p.add_argument("--dev", default="projected", choices=student_round.DEVS,
                   help="the student's dev set when too few reviewed are held out")  # fmt: skip
    p.add_argument("--min-dev", type=int, default=student_round.MIN_DEV,
                   help="fewest held-out reviewed sentences to choose the step on")  # fmt: skip
    p.add_argument("--max-steps", type=int, default=20000)
    p.add_argument("--eval-frequency", type=int, default=200)
    p.add_argument("--patience", type=int, default=1000)
    p.add_argument("--span-filter", default="lowercase", choices=train_script.SPAN_FILTERS)
    p.add_argument("--seed", type=int, default=0, help="of the random order")
    p.add_argument("--queue-from", type=Path, default=None,
                   help="order the queue by this pseudo-label file of the same text (the "
                   "round the person reviewed) instead of PSEUDO")  # fmt: skip
    p.add_argument("--train-seed", type=int, default=None,
                   help="CONFIG's [system] seed (repeats measure the noise)")  # fmt: skip
    p.add_argument("--work", type=Path, default=None,
                   help="where the databases, data and models go (training/NAME)")  # fmt: skip
    p.add_argument("--name", default=NAME, help="the result's name: benchmarks/results/NAME.json")
    p.add_argument("--plot", type=Path, default=None, help="default: docs/img/NAME.png")
    p.add_argument("--jobs", type=int, default=1, help="trainings at a time (one core each)")
    p.add_argument("--variant-strategies", type=_orders, default=list(ORDERS),
                   help="strategies whose placements (weights, fine-tuning) are run")  # fmt: skip
    p.add_argument("--all-trained", action="store_true",
                   help="also train on all reviewed, the step chosen as without")  # fmt: skip
    p.add_argument("--finetune", action="store_true",
                   help="also fine-tune the student without review on the reviewed")  # fmt: skip
    p.add_argument("--only", type=lambda t: t.split(","), default=[],
                   help="of the planned runs, train these (names as in WORK) and the "
                   "student without review, every row's baseline")  # fmt: skip
    p.add_argument("--student-base", type=Path, default=None,
                   help="the students start from this trained pipeline (gold alone and "
                   "fine-tuning start as before)")  # fmt: skip
    add_arguments(p, data_folder=False)
    args, rest = p.parse_known_args(argv)
    try:  # the rest are CONFIG's overrides, as ``spacy train`` takes them
        args.overrides = parse_config_overrides(rest, env_var=None)
    except NoSuchOption as err:
        p.error(f"unrecognised argument {err.option_name}: options are above, config "
                "overrides name a section (--training.patience 2000)")  # fmt: skip
    return args


def load_pool(args: argparse.Namespace) -> tuple[ReviewData, list[Sentence]]:
    """PSEUDO as the review reads it, and the oracle's sentences (checked to be its text)."""
    data = load_review_data(args.pseudo)
    pool = read_sentences(args.pool, lang=args.lang)
    oracle = read_sentences(args.oracle, lang=args.lang)
    for name, sentences in (("--pool", pool), ("--oracle", oracle)):
        if len(sentences) != len(data):
            sys.exit(f"{name} has {len(sentences)} sentences, --pseudo {len(data)}: not its text")
        for item, sentence in zip(data.items, sentences, strict=True):
            if item.words != list(sentence.words):
                sys.exit(f"{name}: sentence {item.index} differs from --pseudo's: not its text")
    return data, oracle


def score(model: Path, test: list[Sentence], labels: list[str]) -> float:
    """Micro F1 on ``test``; with ``labels``, predictions of other labels are dropped
    (a CoNLL-trained student on WikiANN's PER/ORG/LOC)."""
    predicted = [s.spans for s in predict(model, test)]
    if labels:
        predicted = [[span for span in spans if span.label in labels] for spans in predicted]
    return entity_scores(predicted, [s.spans for s in test]).micro.f1


def derived_config(config: Path, seed: int | None, overrides: dict[str, Any], work: Path) -> Path:
    """A copy of ``config`` with ``[system] seed`` and ``overrides`` set, in ``work``
    (where the runs go): the runs are keyed on its text, so a changed override redoes them."""
    from spacy import util

    original = util.load_config(config, interpolate=False)
    for key in overrides:  # confection would add a misspelt setting, and training fail later
        section: Any = original
        for part in key.split("."):
            if not isinstance(section, dict) or part not in section:
                raise ValueError(f"{config} has no setting {key}: check the override's name")
            section = section[part]
    cfg = util.load_config(config, overrides=overrides, interpolate=False)
    name = config.stem
    if seed is not None:
        cfg["system"]["seed"] = seed
        name += f"-seed{seed}"
    if overrides:
        name += "-" + hashlib.sha256(json.dumps(overrides, sort_keys=True).encode()).hexdigest()[:8]
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"{name}.cfg"
    write_atomic(path, cfg.to_str())
    return path


def train(
    args: argparse.Namespace, folder: Path, train_data: Path, dev: Path, base: Path | None = None
) -> dict[str, Any]:
    settings = train_script.TrainSettings(
        args.lang,
        train_data,
        dev,
        max_steps=args.max_steps,
        eval_frequency=args.eval_frequency,
        patience=args.patience,
        span_filter=args.span_filter,
        base=base,
    )
    return train_script.train_pipeline(args.config, folder / "model", settings)


def review(data: ReviewData, oracle: list[Sentence], chosen: list[int], db: Path) -> None:
    """The oracle accepts each chosen sentence with its gold spans (a fresh database)."""
    for old in db.parent.glob(db.name + "*"):
        old.unlink()
    with ReviewStore(db, data.fingerprint, len(data), data.path.name) as store:
        for i in chosen:
            spans = [(s.start, s.end, s.label) for s in oracle[i].spans]
            store.decide(data.items[i].key, i, 0, "accept", spans, session="oracle")


def add_copies(corpus: Path, args: argparse.Namespace, held_out: bool, n: int) -> None:
    """``n`` more copies of the reviewed training sentences (of ``corpus``'s snapshot) in
    round 1's training folder (with ``held_out``, those not held out as the development
    set: ``student_round.build_reviewed`` holds out the same ones as ``build_data``)."""
    from spacy.tokens import DocBin

    from spacy_xlproj.io.docbin import blank_vocab
    from spacy_xlproj.teach.pseudo_labels import DOCBIN_ATTRS

    min_dev = args.min_dev if held_out else sys.maxsize  # none held out: all are copied
    student_round.build_reviewed(corpus, args.lang, args.projected / "dev.spacy", min_dev=min_dev)
    reviewed = corpus / student_round.REVIEWED_DIR / "train.spacy"
    docs = list(DocBin().from_disk(reviewed).get_docs(blank_vocab(args.lang)))
    copies = DocBin(attrs=DOCBIN_ATTRS, store_user_data=False)
    for _ in range(n):
        for doc in docs:
            copies.add(doc)
    copies.to_disk(corpus / "round-1" / "train" / "reviewed-copies.spacy")


def student_run(study: Study, run: Run) -> dict[str, Any]:
    """Review the run's sentences, build the student's data as the workflow does (the
    reviewed training sentences ``run.weight`` times; all of them, and the step chosen on
    the usual dev set, unless ``run.held_out``), train."""
    args, data, oracle, name, chosen, weight = (
        study.args, study.data, study.oracle, run.name, list(run.chosen), run.weight
    )  # fmt: skip
    folder = args.work / name
    corpus = folder / "corpus"
    round_dir = corpus / "round-1"
    shutil.rmtree(corpus, ignore_errors=True)
    round_dir.mkdir(parents=True)
    db = folder / "review.sqlite"
    review(data, oracle, chosen, db)
    student_round.plan(corpus, folder / "training", 1, db if chosen else None)
    student_round._link(round_dir / "pseudo.spacy", args.pseudo)
    held_out = student_round.build_data(
        round_dir, args.lang, args.projected, args.mix, args.dev,
        corpus / student_round.REVIEWED, min_dev=args.min_dev,
        dev_share=student_round.DEV_SHARE if run.held_out else 0.0,
    )  # fmt: skip
    if weight > 1 and chosen:
        add_copies(corpus, args, held_out > 0, weight - 1)
    summary = train(args, folder, round_dir / "train", round_dir / "dev.spacy", args.student_base)
    return {"dev": held_out, "steps": summary.get("steps")}


def gold_alone_run(study: Study, run: Run) -> dict[str, Any]:
    """The chosen gold sentences alone: a quarter (by key hash) chooses the step."""
    args, data, oracle, chosen = study.args, study.data, study.oracle, list(run.chosen)
    folder = args.work / run.name
    shutil.rmtree(folder / "data", ignore_errors=True)
    (folder / "data").mkdir(parents=True)
    held = dev_keys([data.items[i].key for i in chosen], student_round.DEV_SHARE)
    dev = [oracle[i] for i in chosen if data.items[i].key in held]
    rest = [oracle[i] for i in chosen if data.items[i].key not in held]
    if not dev:  # a toy budget: one sentence chooses the step
        dev, rest = rest[:1], rest[1:] or rest[:1]
    write_sentences(folder / "data" / "train.spacy", rest, lang=args.lang)
    write_sentences(folder / "data" / "dev.spacy", dev, lang=args.lang)
    summary = train(args, folder, folder / "data" / "train.spacy", folder / "data" / "dev.spacy")
    return {"dev": len(dev), "steps": summary.get("steps")}


def finetune_run(study: Study, run: Run) -> dict[str, Any]:
    """A student (``run.finetune``: the run without review, or the run that trained on
    the reviewed sentences already) trained further on the reviewed sentences alone, as
    the workflow's ``student-reviewed`` does (``student_round.build_reviewed`` and
    ``train.py --base``), choosing its step on the held-out reviewed quarter."""
    args, data, oracle, name, chosen = (
        study.args, study.data, study.oracle, run.name, list(run.chosen)
    )  # fmt: skip
    folder = args.work / name
    corpus = folder / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    (corpus / "round-1").mkdir(parents=True)
    db = folder / "review.sqlite"
    review(data, oracle, chosen, db)
    student_round._link(corpus / "round-1" / "pseudo.spacy", args.pseudo)
    held_out = student_round.build_reviewed(
        corpus, args.lang, args.projected / "dev.spacy", student_round.review_snapshot(db),
        min_dev=args.min_dev,
    )  # fmt: skip
    reviewed = corpus / student_round.REVIEWED_DIR
    base = args.work / run.finetune / "model" / "model-best"
    summary = train(args, folder, reviewed / "train.spacy", reviewed / "dev.spacy", base)
    return {"dev": held_out, "steps": summary.get("steps")}


def plot(rows: list[dict[str, Any]], baseline: float, path: Path) -> None:
    """F1 against sentences and against words: a line per strategy (dashed: gold alone),
    the placements of the main budget as points in their strategy's colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(dict.fromkeys(r["strategy"] for r in rows))

    def split(label: str) -> tuple[str, str]:  # "random ×4" -> ("random", "×4")
        base = next(
            b for b in (GOLD_ALONE, *ORDERS) if label == b or label.startswith((b + " ", b + ","))
        )
        return base, label[len(base) :].strip(" ,")

    # (a placement's strategy has its colour even where its own row was not run: --only)
    bases = list(dict.fromkeys(split(label)[0] for label in labels))
    colours = {base: f"C{i}" for i, base in enumerate(bases)}

    placements = list(dict.fromkeys(split(lb)[1] for lb in labels if lb not in bases))
    markers = dict(zip(placements, "s^vDPX*h", strict=False))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for ax, unit in zip(axes, ("sentences", "words"), strict=True):
        for label in labels:
            mine = sorted((r[unit], r["f1"]) for r in rows if r["strategy"] == label)
            if label in bases:
                style = "--" if label == GOLD_ALONE else "-"
                ax.plot(*zip(*mine, strict=True), style, marker="o", color=colours[label],
                        label=label)  # fmt: skip
            else:
                base, placement = split(label)
                ax.plot(*zip(*mine, strict=True), linestyle="none", color=colours[base],
                        marker=markers[placement], markersize=7, label=label)  # fmt: skip
        ax.axhline(baseline, color="grey", linestyle=":", label="student, no review")
        ax.set_xlabel(f"{unit} reviewed")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("F1 on the test set")
    axes[1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


@dataclass(frozen=True)
class Run:
    """One training of the study: a student with ``chosen`` reviewed (``weight`` times),
    (``gold``) the chosen gold sentences alone, or (``finetune``) the run of that name
    trained further on them."""

    name: str
    strategy: str
    chosen: tuple[int, ...]
    weight: int = 1
    gold: bool = False
    finetune: str = ""
    held_out: bool = True  # False: every reviewed sentence trained on, dev as without review


@dataclass
class Study:
    """What every run reads; set once before the runs (inherited by forked workers)."""

    args: argparse.Namespace
    data: ReviewData
    oracle: list[Sentence]
    test: list[Sentence]
    inputs: dict[str, str] = field(default_factory=dict)
    scored_on: str = ""  # the test file's digest and labels: a result scored otherwise is rescored


_STUDY: Study | None = None


def file_digest(path: Path) -> str:
    """A content hash of a file or of every file under a folder (links followed)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def run_key(study: Study, run: Run) -> str:
    """Everything that decides a run's score: a result made with another key is redone."""
    a = study.args
    settings = {
        "run": [
            run.gold,
            bool(run.finetune),
            run.weight,
            [study.data.items[i].key for i in run.chosen],
        ],
        # (fine-tuning the student without review, the first kind measured, adds nothing)
        **({"base": run.finetune} if run.finetune not in ("", NO_REVIEW) else {}),
        **({} if run.held_out else {"held_out": False}),
        "train": [a.lang, a.max_steps, a.eval_frequency, a.patience, a.span_filter],
        "student": [] if run.gold else [a.mix, a.dev, a.min_dev, student_round.DEV_SHARE],
        # Gold alone reads neither the pseudo-labels nor the projected data: another pool
        # of the same sentences reuses it.
        "inputs": {k: v for k, v in study.inputs.items()
                   if not run.gold or k not in ("pseudo", "projected", "student_base")},
    }  # fmt: skip
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def execute(run: Run) -> dict[str, Any]:
    """Train and score one run. A finished run with the same key is not trained again,
    and not scored again when it was scored on the same test set."""
    study = _STUDY
    assert study is not None, "set _STUDY before the runs"
    key = run_key(study, run)
    saved = study.args.work / run.name / "result.json"
    result = json.loads(saved.read_text()) if saved.is_file() else {}
    if result.get("key") != key:
        trainer = gold_alone_run if run.gold else finetune_run if run.finetune else student_run
        result = {**trainer(study, run), "key": key}
    if result.get("scored_on") != study.scored_on:
        model = study.args.work / run.name / "model" / "model-best"
        result["f1"] = score(model, study.test, study.args.test_labels)
        result["scored_on"] = study.scored_on
        write_atomic(saved, json.dumps(result, indent=1) + "\n")
        print(f"{run.name}: F1 {result['f1']:.4f}", file=sys.stderr, flush=True)
    return result


def plan_runs(study: Study, budgets: list[int]) -> list[Run]:
    """The study's runs, most wanted first, so that a study stopped early has the main
    comparisons: the student without review; at the main budget (200, or the nearest)
    every strategy and gold alone, then the placements (weighted, fine-tuned) of the
    ``--variant-strategies``; at the other budgets (nearest first) the first two
    strategies and gold alone. Further strategies run at the main budget only: each run
    is a converged CPU training, and the curves need two strategies, not three."""
    a, data = study.args, study.data
    queue = data if a.queue_from is None else load_review_data(a.queue_from)
    if [item.key for item in queue.items] != [item.key for item in data.items]:
        sys.exit(f"--queue-from {a.queue_from}: not the text of --pseudo {a.pseudo}")
    orders = {s: queue_order(queue, s, a.seed) for s in dict.fromkeys([*a.strategies, "random"])}
    by_distance = sorted(budgets, key=lambda b: (abs(b - 200), b))

    def base(strategy: str, budget: int) -> Run:
        return Run(f"{strategy}-{budget}", strategy, tuple(orders[strategy][:budget]))

    def gold(budget: int) -> Run:
        return Run(f"gold-{budget}", GOLD_ALONE, tuple(orders["random"][:budget]), gold=True)

    runs = [Run(NO_REVIEW, "no review", ())]
    for budget in by_distance[:1]:
        runs += [base(s, budget) for s in a.strategies] + [gold(budget)]
        variants = [s for s in a.strategies if s in a.variant_strategies]
        for weight in (w for w in a.weights if w > 1):
            runs += [
                Run(f"{s}-{budget}-x{weight}", f"{s} ×{weight}", base(s, budget).chosen, weight)
                for s in variants
            ]
        if a.finetune:
            runs += [
                Run(f"{s}-{budget}-{suffix}", f"{s} {what}", base(s, budget).chosen,
                    finetune=NO_REVIEW if suffix == "ft" else f"{s}-{budget}")
                for suffix, what in (("ft", "fine-tuned"), ("rft", "replaced, then fine-tuned"))
                for s in variants
            ]  # fmt: skip
        if a.all_trained:
            runs += [
                Run(f"{s}-{budget}-all", f"{s}, all trained", base(s, budget).chosen,
                    held_out=False)
                for s in variants
            ]  # fmt: skip
    for budget in by_distance[1:]:
        runs += [base(s, budget) for s in a.strategies[:2]] + [gold(budget)]
    return runs


def run_all(runs: list[Run], jobs: int) -> list[dict[str, Any]]:
    """Every run's result, in order; ``jobs`` trainings at a time in forked workers. The
    fine-tuning runs start from the student without review: they go once it is done."""
    if jobs <= 1:
        return [execute(run) for run in runs]
    import multiprocessing

    results: dict[Run, dict[str, Any]] = {}
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        for phase in ([r for r in runs if not r.finetune], [r for r in runs if r.finetune]):
            results.update(zip(phase, pool.map(execute, phase), strict=True))
    return [results[run] for run in runs]


def main(argv: list[str] | None = None) -> None:
    global _STUDY
    args = parse_args(argv)
    rec = Recorder(args.name, kind="study")
    args.plot = args.plot or ROOT / "docs" / "img" / f"{args.name}.png"
    args.work = args.work or ROOT / "training" / args.name
    if args.train_seed is not None or args.overrides:
        try:
            args.config = derived_config(args.config, args.train_seed, args.overrides, args.work)
        except ValueError as err:
            sys.exit(str(err))
    data, oracle = load_pool(args)
    test = read_sentences(args.test, lang=args.lang)
    budgets = sorted(b for b in args.budgets if b <= len(data))
    if budgets != sorted(args.budgets):
        print(f"budgets above the pool's {len(data)} sentences are left out", file=sys.stderr)
    inputs = {
        name: file_digest(path)
        for name, path in (("config", args.config), ("pseudo", args.pseudo),
                           ("projected", args.projected), ("oracle", args.oracle),
                           *([("student_base", args.student_base)] if args.student_base else []))
    }  # fmt: skip
    scored_on = f"{file_digest(args.test)} {','.join(args.test_labels)}"
    _STUDY = Study(args, data, oracle, test, inputs, scored_on)
    runs = plan_runs(_STUDY, budgets)
    if args.only:
        unknown = sorted(set(args.only) - {run.name for run in runs})
        if unknown:
            sys.exit(f"--only {','.join(unknown)}: not a run of this study's plan")
        runs = [run for run in runs if run.name == NO_REVIEW or run.name in args.only]
    results = run_all(runs, args.jobs)

    def counts(chosen: tuple[int, ...]) -> dict[str, int]:
        return {
            "sentences": len(chosen),
            "words": sum(len(data.items[i].words) for i in chosen),
            "entities": sum(len(oracle[i].spans) for i in chosen),
        }

    baseline = results[0]["f1"]
    rec.figures["no_review_f1"] = round(baseline, 4)
    rows: list[dict[str, Any]] = []
    for run, result in zip(runs[1:], results[1:], strict=True):
        rows.append({"strategy": run.strategy, **counts(run.chosen), **result})
        figure = f"gold_alone_{len(run.chosen)}" if run.gold else run.name.replace("-", "_")
        rec.figures[f"{figure}_f1"] = round(result["f1"], 4)
    groups = [
        g
        for s in args.strategies
        for g in (
            s,
            *(f"{s} ×{w}" for w in args.weights if w > 1),
            f"{s} fine-tuned",
            f"{s} replaced, then fine-tuned",
            f"{s}, all trained",
        )  # fmt: skip
    ]
    rows.sort(key=lambda r: ([*groups, GOLD_ALONE].index(r["strategy"]), r["sentences"]))
    rec.notes.append(
        f"Student without review: F1 {baseline:.4f}. Pool {args.pseudo} ({len(data)} "
        f"sentences), oracle {args.oracle}, test {args.test}; config {args.config.name}, "
        f"max_steps {args.max_steps}, patience {args.patience}; mix {args.mix}; a held-out "
        f"{student_round.DEV_SHARE:.0%} of the reviewed sentences is the student's dev set "
        f"from {args.min_dev} sentences on (else --dev {args.dev})."
    )
    if rows:  # (--only no-review: the baseline alone, a figure)
        rec.table(
            "by_budget",
            ["strategy", "sentences", "words", "entities", "dev", "steps", "F1", "Δ no review"],
            [
                [r["strategy"], r["sentences"], r["words"], r["entities"], r["dev"], r["steps"],
                 f"{r['f1']:.4f}", f"{r['f1'] - baseline:+.4f}"]
                for r in rows
            ],
            align=["---", "--:", "--:", "--:", "--:", "--:", "--:", "--:"],
        )  # fmt: skip
        plot(rows, baseline, args.plot)
        rec.notes.append(f"Plot: {args.plot} (F1 against sentences and against words reviewed).")
    rec.finish(args)


if __name__ == "__main__":
    main()
