"""The benchmark runner: which benchmarks and studies there are, running them, the report.

    python benchmarks/run.py --list                 # every entry, its kind, cost and result
    python benchmarks/run.py io_read_speed europarl_intrinsic   # run these, write their JSON
    python benchmarks/run.py --cheap                # every regression benchmark under ~2 min
    python benchmarks/run.py report                 # regenerate docs/benchmarks.md
    python benchmarks/run.py NAME -- --limit 200    # extra arguments for the script

Regression benchmarks measure what the project promises (speed, F1 of a fixed setting)
and are re-run to see whether a change moved it; studies answer a one-off question
(which vote, which aligner, how F1 scales) and take the question's arguments. Both run
as child processes from the repository root; each writes ``benchmarks/results/NAME.json``
through :mod:`harness`. The runner waits (``--max-load``) while the machine is busy, since
shared machines make wall times meaningless.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import RESULTS, ROOT, find_model, loadavg, read_result, run_child  # noqa: E402


@dataclass(frozen=True)
class Entry:
    """One script of ``benchmarks/`` as the runner knows it."""

    script: str
    kind: str  # "benchmark" (regression), "study", "device" (needs a lent GPU machine)
    about: str
    cost: str  # wall time of the default run on the 2-core development machine
    args: tuple[str, ...] = ()  # the regression run; "{model:NAME}" is looked up
    cheap: bool = False  # under about 2 minutes: run by --cheap
    results: tuple[str, ...] = ()  # the JSON results it writes; () prints only (not ported)


CNN = "{model:en/conll2003-ner_cnn}"


# The review studies (docs/benchmarks/review.md): each pool with its oracle and test set,
# and the main comparisons alone (200 sentences, by disagreement and random, and gold alone).
def conll_pool(pseudo: str) -> tuple[str, ...]:
    """CoNLL-2002 es's pool (esp.train), oracle and test set (esp.testa), with ``pseudo``
    made from the pool."""
    return (
        "--pool", "corpus/es/conll2002/esp.train.unlabelled.iob",
        "--oracle", "assets/data/conll2002/esp.train",
        "--test", "assets/data/conll2002/esp.testa",
        "--pseudo", pseudo, "--projected", "corpus/es/conll2003-heuristic",
    )  # fmt: skip


# The workflow's round 1 (two teachers), and the best student's vote (both translate-tests
# and a first-round student).
REVIEW_ROUND1 = "corpus/es/student-heuristic/round-1/pseudo.spacy"
CONLL_REVIEW_POOL = conll_pool(REVIEW_ROUND1)
MINILM_ROUND1 = "corpus/es/student-minilm/round-1/pseudo.spacy"
CONLL_MINILM_POOL = conll_pool(MINILM_ROUND1)


def wikiann_pool(pseudo: str) -> tuple[str, ...]:
    """WikiANN es's pool, oracle and test set (PER/ORG/LOC), with ``pseudo`` made from it."""
    return (
        "--pool", "corpus/es/wikiann/train.unlabelled.iob",
        "--oracle", "assets/data/wikiann/es/train",
        "--test", "assets/data/wikiann/es/test", "--test-labels", "PER,ORG,LOC",
        "--pseudo", pseudo, "--projected", "corpus/es/conll2003-heuristic",
    )  # fmt: skip


# WikiANN es's round 1 by the workflow's two teachers; the best WikiANN student's vote: its
# students learn from the pseudo-labels alone and, without review, choose their step on a
# held-out tenth of them.
WIKIANN_ROUND1 = "corpus/es/wikiann/student-heuristic/round-1/pseudo.spacy"
WIKIANN_MINILM_ROUND1 = "corpus/es/wikiann/student-minilm/round-1/pseudo.spacy"
WIKIANN_MINILM_POOL = (*wikiann_pool(WIKIANN_MINILM_ROUND1), "--mix", "pseudo", "--dev", "pseudo")

MAIN_BUDGET = ("--budgets", "200", "--strategies", "disagreement,random", "--weights", "1",
               "--jobs", "2")  # fmt: skip


def round_student(name: str, pool: tuple[str, ...], queue: str, about: str, *extra: str) -> Entry:
    """A review round's student alone (``--only no-review``: it is that study's baseline),
    from ``pool`` pseudo-labelled by a vote with a tuned teacher; the 200 sentences by
    disagreement are ordered by ``queue`` (the first round, which the person reviewed)."""
    return Entry(
        "review_value.py", "study", about, "12-15 min (1 CPU training)", results=(name,),
        args=("--name", name, *pool, "--queue-from", queue, "--budgets", "200",
              "--strategies", "disagreement", "--only", "no-review", *extra))  # fmt: skip


REGISTRY: dict[str, Entry] = {
    # --- regression benchmarks -----------------------------------------------------------
    "io_read_speed": Entry(
        "io_read_speed.py", "benchmark", "reading speed of the column and Pharaoh readers",
        "20 s", cheap=True, results=("io_read_speed",)),
    "europarl_intrinsic": Entry(
        "europarl_intrinsic.py", "benchmark",
        "Europarl-NER en→es projection F1, every method × the shared alignment files",
        "1–2 min", cheap=True, results=("europarl_intrinsic",)),
    "europarl_cli_defaults": Entry(
        "europarl_cli_defaults.py", "benchmark",
        "the same through `project` with default options (the CLI itself is measured)",
        "1–2 min", cheap=True, results=("europarl_cli_defaults",)),
    "projection_speed": Entry(
        "projection_speed.py", "benchmark",
        "sentences/s of the heuristic, greedy and exact ILP projectors; ILP vs plain milp",
        "1 min", args=("--repeats", "3", "--plain", "200"), cheap=True,
        results=("projection_speed",)),
    "ilp_end_to_end": Entry(
        "ilp_end_to_end.py", "benchmark",
        "exact ILP through the command line vs a plain per-sentence milp script",
        "10+ min", args=("--copies", "4", "--runs", "3"), results=("ilp_end_to_end",)),
    "import_time": Entry(
        "import_time.py", "benchmark", "what the package adds to spacy.blank and import time",
        "1–2 min", results=("import_time",)),
    "simalign_vs_package": Entry(
        "simalign_vs_package.py", "benchmark",
        "SimAligner vs the simalign package: per-pair speed, start-up, identical links",
        "10+ min", args=("--pairs", "300", "--layer", "3", "--method", "itermax"),
        results=("simalign_vs_package",)),
    "hf_translator_batching": Entry(
        "hf_translator_batching.py", "benchmark",
        "HF translator batched vs one at a time (tiny model); Apertium throughput",
        "1 min", cheap=True, results=("hf_translator_batching",)),
    "ct2_vs_hf": Entry(
        "ct2_vs_hf.py", "benchmark",
        "CTranslate2 int8 vs transformers float32, random NLLB-600M-size model, CPU",
        "15+ min", results=("ct2_vs_hf",)),
    "translate_train_conll": Entry(
        "translate_train_conll.py", "benchmark",
        "translate-train CoNLL-2003 train → es with Apertium + eflomal", "2–4 min",
        results=("translate_train_conll",)),
    "translate_test_wikiann": Entry(
        "translate_test_wikiann.py", "benchmark",
        "translate-test on WikiANN es vs zero-shot, with the CNN source model", "5–10 min",
        args=("--model", CNN), results=("translate_test_wikiann",)),
    "workflow_wikiann": Entry(
        "workflow_wikiann.py", "benchmark",
        "WikiANN es translate-test through `spacy project` with `--vars.preset wikiann`",
        "10 min (source model training included)", results=("workflow_wikiann",)),
    "pipe_throughput": Entry(
        "pipe_throughput.py", "benchmark", "nlp.pipe docs/s of xlproj_translate_test",
        "3–6 min", args=("--source-ner", CNN), results=("pipe_throughput",)),
    "pseudo_label_speed": Entry(
        "pseudo_label_speed.py", "benchmark",
        "pseudo-labelling 10,000 sentences with translate-test as teacher", "3–5 min",
        args=(CNN,), results=("pseudo_label_speed",)),
    "ray_translate_train": Entry(
        "ray_translate_train.py", "benchmark",
        "translate-train on Ray, 1 vs 2 workers; streaming memory at 100,000 sentences",
        "10+ min", results=("ray_translate_train",)),
    "streaming_memory": Entry(
        "streaming_memory.py", "benchmark",
        "peak memory of translate-train at 10,000 and 100,000 sentences", "5–10 min",
        results=("streaming_memory",)),
    "lexical_long_pair": Entry(
        "lexical_long_pair.py", "benchmark", "the lexical aligner on one very long pair",
        "< 1 min", results=("lexical_long_pair",)),
    "review_app": Entry(
        "review_app.py", "benchmark", "the review app: opening 10,000 sentences, decisions",
        "1–2 min", results=("review_app",)),
    # --- studies: one-off questions, run with their own arguments -------------------------
    "vote_study": Entry(
        "vote_study.py", "study", "which teachers and which vote make the best pseudo-labels",
        "minutes per teacher", results=("vote_study",)),
    "pseudo_label_quality": Entry(
        "pseudo_label_quality.py", "study",
        "what a student would be taught: pseudo-labels scored against gold", "< 1 min",
        results=("pseudo_label_quality",)),
    "embedding_scaling": Entry(
        "embedding_scaling.py", "study",
        "embedding score vs parallel-corpus size; its cost vs the NMT score", "30+ min",
        results=("embedding_scaling",)),
    "europarl_aligners": Entry(
        "europarl_aligners.py", "study",
        "align Europarl-NER with each aligner; writes Pharaoh files for the projection runs",
        "10+ min", args=("--out", "/tmp/xlproj-aligners"), results=("europarl_aligners",)),
    "small_batches": Entry(
        "small_batches.py", "study", "eflomal F1 by batch size vs the small-batch aligners",
        "minutes", results=("small_batches",)),
    "review_value": Entry(
        "review_value.py", "study",
        "what reviewed sentences buy the student (an oracle reviews by disagreement, "
        "confidence, random; 50–500 sentences; where they go) vs as many random gold "
        "sentences alone, CoNLL-2002 es (the pool: docs/benchmarks/review.md)",
        "80 min with 2 jobs (22 CPU trainings)", results=("review_value",),
        args=(*CONLL_REVIEW_POOL, "--budgets", "50,100,200,500",
              "--strategies", "disagreement,random,confidence", "--weights", "1,4",
              "--finetune", "--all-trained", "--variant-strategies", "disagreement,random",
              "--jobs", "2")),
    **{f"review_value_seed{seed}": Entry(
        "review_value.py", "study",
        f"the main comparisons of review_value again with the trainings' seed {seed}: the noise",
        "10–35 min with 2 jobs (4 CPU trainings)", results=(f"review_value_seed{seed}",),
        args=("--name", f"review_value_seed{seed}", "--train-seed", str(seed),
              *CONLL_REVIEW_POOL, *MAIN_BUDGET)) for seed in (1, 2)},
    "review_value_wikiann": Entry(
        "review_value.py", "study",
        "the same on WikiANN es (pool: train with its labels removed; test: PER/ORG/LOC)",
        "40 min with 2 jobs (4 CPU trainings)", results=("review_value_wikiann",),
        args=("--name", "review_value_wikiann",
              *wikiann_pool(WIKIANN_ROUND1),
              *MAIN_BUDGET)),
    "review_value_minilm": Entry(
        "review_value.py", "study",
        "the main comparisons from a stronger student: the pool pseudo-labelled by both "
        "translate-tests (CNN and MiniLM) and review_value's student without review, 2 of 3",
        "50 min with 2 jobs (8 CPU trainings)", results=("review_value_minilm",),
        args=("--name", "review_value_minilm", *CONLL_MINILM_POOL, *MAIN_BUDGET,
              "--finetune", "--variant-strategies", "disagreement,random")),
    "review_value_minilm_seed1": Entry(
        "review_value.py", "study",
        "the main comparisons of review_value_minilm again with the trainings' seed 1",
        "40 min with 2 jobs (8 CPU trainings)", results=("review_value_minilm_seed1",),
        args=("--name", "review_value_minilm_seed1", "--train-seed", "1", *CONLL_MINILM_POOL,
              *MAIN_BUDGET, "--finetune", "--variant-strategies", "disagreement,random")),
    "review_value_wikiann_minilm": Entry(
        "review_value.py", "study",
        "the same on WikiANN es from the best WikiANN student's vote (MiniLM translate-test "
        "weighted 2, the CNN translate-test, MiniLM zero-shot; half the weight; its pseudo-"
        "labels alone, dev held out from them)",
        "70 min with 2 jobs (10 CPU trainings)", results=("review_value_wikiann_minilm",),
        args=("--name", "review_value_wikiann_minilm",
              *WIKIANN_MINILM_POOL, *MAIN_BUDGET, "--all-trained", "--finetune",
              "--variant-strategies", "disagreement,random")),
    # The random review again with other random choices of the 200 sentences (--seed: the
    # random order's seed), fine-tuned as well.
    **{f"{name}_order{seed}": Entry(
        "review_value.py", "study",
        f"{name}'s random review and its fine-tuning with another random choice of the 200 "
        f"sentences (--seed {seed})",
        "10–20 min with 2 jobs (3 CPU trainings)", results=(f"{name}_order{seed}",),
        args=("--name", f"{name}_order{seed}", "--seed", str(seed), *pool, *MAIN_BUDGET,
              "--finetune", "--variant-strategies", "disagreement,random"))
       for name, pool, seeds in (
           ("review_value_minilm", CONLL_MINILM_POOL, (1,)),
           ("review_value_wikiann_minilm", WIKIANN_MINILM_POOL, (1, 2)),
       ) for seed in seeds},  # fmt: skip
    # A second round whose third teacher is the first round's student fine-tuned on the 200
    # reviewed sentences (the pools' command: docs/benchmarks/review.md); the queue is the
    # first round's, so the same 200 sentences are reviewed.
    **{name: Entry(
        "review_value.py", "study",
        f"a second round from a pool whose third teacher is {teacher}: {what}",
        "25 min with 2 jobs (4 CPU trainings)", results=(name,),
        args=("--name", name, *conll_pool(pool), "--queue-from", MINILM_ROUND1, *seed,
              *MAIN_BUDGET, "--strategies", strategies, "--finetune",
              "--variant-strategies", strategies))
       for name, pool, teacher, what, seed, strategies in (
           ("review_value_minilm_round2", "corpus/es/student-ft/round-2/pseudo.spacy",
            "review_value_minilm's disagreement-200-ft", "the 200 by disagreement again (the "
            "random rows here have 400 reviewed sentences behind them)", (),
            "disagreement,random"),
           ("review_value_minilm_round2_random",
            "corpus/es/student-ft-random/round-2/pseudo.spacy",
            "review_value_minilm's random-200-ft", "the 200 random again", (), "random"),
           ("review_value_minilm_seed1_round2", "corpus/es/student-ft-seed1/round-2/pseudo.spacy",
            "review_value_minilm_seed1's disagreement-200-ft", "the 200 by disagreement "
            "again, training seed 1", ("--train-seed", "1"), "disagreement"),
       )},  # fmt: skip
    # The workflow's review round itself (student-reviewed, student_rounds 1): the two-teacher
    # round 1's student fine-tuned on the 200 by disagreement (review_value's
    # disagreement-200-ft; with training seed 1 review_value_seed1_ft's) teaches with
    # translate-test and the translate-train model (the pools' commands:
    # docs/benchmarks/review.md).
    **{name: Entry(
        "review_value.py", "study",
        "the workflow's review round from the two-teacher pool: its student (no review) is "
        f"the round's student; 200 by disagreement; {what}",
        "25 min with 2 jobs (2 CPU trainings)", results=(name,),
        args=("--name", name, *extra, *conll_pool(f"corpus/es/{pool}/round-2/pseudo.spacy"),
              "--queue-from", REVIEW_ROUND1, *MAIN_BUDGET, "--strategies", "disagreement"))
       for name, pool, what, extra in (
           ("review_value_round2", "student-ft-two", "all three teachers must agree", ()),
           ("review_value_round2_a06", "student-ft-two06", "two of three must agree", ()),
           ("review_value_round2_a06_seed1", "student-ft-two06-seed1",
            "two of three must agree, training seed 1", ("--train-seed", "1")),
       )},  # fmt: skip
    # Training seed 1: the tuned teacher of review_value_round2_a06_seed1.
    "review_value_seed1_ft": Entry(
        "review_value.py", "study",
        "review_value_seed1's 200 by disagreement fine-tuned (the review round's teacher)",
        "10 min with 2 jobs (2 short CPU trainings)", results=("review_value_seed1_ft",),
        args=("--name", "review_value_seed1_ft", "--train-seed", "1", *CONLL_REVIEW_POOL,
              *MAIN_BUDGET, "--strategies", "disagreement", "--finetune",
              "--variant-strategies", "disagreement")),
    # The same on WikiANN es: the best WikiANN vote with the student fine-tuned on 200 random
    # reviewed sentences (review_value_wikiann_minilm's random-200-ft) as a fourth teacher.
    "review_value_wikiann_minilm_round2_random": Entry(
        "review_value.py", "study",
        "a second WikiANN round whose fourth teacher is review_value_wikiann_minilm's "
        "random-200-ft: the 200 random again",
        "30 min (2 CPU trainings)", results=("review_value_wikiann_minilm_round2_random",),
        args=("--name", "review_value_wikiann_minilm_round2_random",
              *wikiann_pool("corpus/es/wikiann/student-ft-random/round-2/pseudo.spacy"),
              "--mix", "pseudo", "--dev", "pseudo",
              "--queue-from", WIKIANN_MINILM_ROUND1,
              *MAIN_BUDGET, "--strategies", "random", "--jobs", "1")),
    # The review round's student alone, changed (seed 0 unless named; the pools' commands:
    # docs/benchmarks/review.md): MiniLM vote: without the projected data, choosing its step
    # on a tenth of the pseudo-labels, from a vote where the tuned teacher weighs 2 of 4 (half
    # must agree), starting from its tuned teacher's weights; and a second review round, whose
    # teacher is the first review round's student fine-tuned on the 200 again (two of three
    # must agree). The same with the workflow's teachers, and its round on WikiANN es.
    **{name: round_student(name, conll_pool(f"corpus/es/{pool}/round-2/pseudo.spacy"), queue,
                           about, *extra)
       for name, pool, queue, about, extra in (
           ("review_value_minilm_round2_mix_pseudo", "student-ft", MINILM_ROUND1,
            "the MiniLM vote's review round: its student without the projected data",
            ("--mix", "pseudo")),
           ("review_value_minilm_round2_dev_pseudo", "student-ft", MINILM_ROUND1,
            "the MiniLM vote's review round: its student chooses its step on a tenth of the "
            "pseudo-labels", ("--dev", "pseudo")),
           ("review_value_minilm_round2_dev_pseudo_seed1", "student-ft-seed1", MINILM_ROUND1,
            "the same, training seed 1", ("--dev", "pseudo", "--train-seed", "1")),
           ("review_value_minilm_round2_weighted", "student-ft-w2", MINILM_ROUND1,
            "the MiniLM vote's review round: the tuned teacher weighs 2, half must agree", ()),
           ("review_value_minilm_round2_from_tuned", "student-ft", MINILM_ROUND1,
            "the MiniLM vote's review round: its student starts from its tuned teacher",
            ("--student-base",
             "training/review_value_minilm/disagreement-200-ft/model/model-best")),
           ("review_value_minilm_round3", "student-ft-r3", MINILM_ROUND1,
            "a second review round from the MiniLM vote: review_value_minilm_round2's "
            "disagreement-200-ft teaches", ()),
           ("review_value_minilm_seed1_round3", "student-ft-r3-seed1", MINILM_ROUND1,
            "the same, training seed 1: review_value_minilm_seed1_round2's "
            "disagreement-200-ft teaches", ("--train-seed", "1")),
           ("review_value_round2_a06_dev_pseudo", "student-ft-two06", REVIEW_ROUND1,
            "the workflow's review round: its student chooses its step on a tenth of the "
            "pseudo-labels", ("--dev", "pseudo")),
           ("review_value_round2_a06_seed1_dev_pseudo", "student-ft-two06-seed1", REVIEW_ROUND1,
            "the same, training seed 1", ("--dev", "pseudo", "--train-seed", "1")),
           ("review_value_round3_a06", "student-ft-two06-r3", REVIEW_ROUND1,
            "a second review round with the workflow's teachers: review_value_round2_a06_ft's "
            "disagreement-200-ft teaches", ()),
       )},  # fmt: skip
    "review_value_wikiann_round2_a06": round_student(
        "review_value_wikiann_round2_a06",
        wikiann_pool("corpus/es/wikiann/student-ft-two06/round-2/pseudo.spacy"), WIKIANN_ROUND1,
        "the workflow's review round on WikiANN es: its round's student (200 by disagreement)"),
    # The workflow's review round (two-teacher pool, seed 0), its student fine-tuned on the
    # 200 again: the teacher of a second review round.
    "review_value_round2_a06_ft": Entry(
        "review_value.py", "study",
        "review_value_round2_a06's round's student fine-tuned on the 200 by disagreement",
        "5 min (1 short CPU training)", results=("review_value_round2_a06_ft",),
        args=("--name", "review_value_round2_a06_ft", "--work", "training/review_value_round2_a06",
              *conll_pool("corpus/es/student-ft-two06/round-2/pseudo.spacy"), "--queue-from",
              REVIEW_ROUND1, "--budgets", "200", "--strategies", "disagreement", "--finetune",
              "--variant-strategies", "disagreement", "--only", "disagreement-200-ft")),
    # WikiANN es in the workflow's shape: the two-teacher round 1's student fine-tuned on the
    # 200 by disagreement, then the review round it teaches with the two teachers (two of
    # three must agree).
    "review_value_wikiann_ft": Entry(
        "review_value.py", "study",
        "review_value_wikiann's 200 by disagreement fine-tuned (the review round's teacher)",
        "10 min (2 short CPU trainings)", results=("review_value_wikiann_ft",),
        args=("--name", "review_value_wikiann_ft", "--work", "training/review_value_wikiann",
              *wikiann_pool(WIKIANN_ROUND1), "--budgets", "200", "--strategies",
              "disagreement", "--finetune", "--variant-strategies", "disagreement")),
    # The main comparisons with patience 2,000: a 50-sentence reviewed dev set stops some
    # trainings early at 1,000 (docs/benchmarks/review.md).
    **{f"{name}_p2000": Entry(
        "review_value.py", "study",
        f"the main comparisons of {name} with patience 2,000 instead of 1,000",
        "20 min with 2 jobs (4 CPU trainings)", results=(f"{name}_p2000",),
        args=("--name", f"{name}_p2000", *pool, *MAIN_BUDGET, "--patience", "2000"))
       for name, pool in (
           ("review_value", CONLL_REVIEW_POOL),
           ("review_value_minilm", CONLL_MINILM_POOL),
           ("review_value_minilm_seed1", ("--train-seed", "1", *CONLL_MINILM_POOL)),
       )},  # fmt: skip
    # The rebuilt two-teacher pool (docs/benchmarks/review.md: the coverage order, whose
    # studies' runs, no review included, are in training/review_value_coverage[_seed1]; they
    # left the registry with the order): the student without review fine-tuned on
    # the 200 by disagreement and on the 200 random, each then the tuned teacher of a review
    # round (two of three must agree): does the shipped shape favour disagreement?
    **{f"review_value_pool2{tail}_ft": Entry(
        "review_value.py", "study",
        "the rebuilt pool's student without review fine-tuned on the 200 by disagreement and "
        f"on the 200 random (the review rounds' teachers), training seed {seed}",
        "10 min with 2 jobs (2 short CPU trainings)", results=(f"review_value_pool2{tail}_ft",),
        args=("--name", f"review_value_pool2{tail}_ft", "--work",
              f"training/review_value_coverage{tail}", "--train-seed", str(seed),
              *CONLL_REVIEW_POOL, *MAIN_BUDGET, "--finetune",
              "--variant-strategies", "disagreement,random",
              "--only", "disagreement-200-ft,random-200-ft"))
       for seed, tail in ((0, ""), (1, "_seed1"))},  # fmt: skip
    **{f"review_value_pool2{tail}_round2_a06{order}": round_student(
        f"review_value_pool2{tail}_round2_a06{order}",
        conll_pool(f"corpus/es/student-ft-pool2{order}{tail}".replace("_", "-")
                   + "/round-2/pseudo.spacy"), REVIEW_ROUND1,
        f"the workflow's review round from the rebuilt pool: 200 {about}, training seed {seed}",
        *(("--train-seed", str(seed)) if seed else ()))
       for seed, tail in ((0, ""), (1, "_seed1"))
       for order, about in (("", "by disagreement"), ("_random", "random"))},  # fmt: skip
    # --- needs a lent GPU machine (see docs/device_check.md) ------------------------------
    "device_check": Entry(
        "device_check.py", "device",
        "the prepared accelerator check (--tiny: the CPU check of the script)",
        "8 min on a GPU; 1 min --tiny", args=("/tmp/xlproj-device-check-out",)),
}  # fmt: skip


def resolve_args(entry: Entry) -> list[str] | str:
    """The entry's arguments with models looked up; a string says what is missing."""
    out = []
    for arg in entry.args:
        if arg.startswith("{model:") and arg.endswith("}"):
            name = arg[len("{model:") : -1]
            model = find_model(name)
            if model is None:
                return f"no trained model {name} (training/{name}/model-best)"
            arg = str(model)
        out.append(arg)
    return out


def last_result(name: str) -> str:
    path = RESULTS / f"{name}.json"
    if not path.is_file():
        return "–"
    result = read_result(path)
    return f"{result['provenance']} {result['date'][:10]}"


def list_entries() -> None:
    print("| name | kind | cost (2 cores) | --cheap | writes | last result | what |")
    print("|---|---|---|---|---|---|---|")
    for name, e in REGISTRY.items():
        writes = ", ".join(f"{r}.json" for r in e.results) or "prints only (not ported)"
        if e.kind == "device":
            writes = "OUT/device_check.json"
        last = "; ".join(last_result(r) for r in e.results) or "–"
        print(f"| {name} | {e.kind} | {e.cost} | {'yes' if e.cheap else ''} | {writes} | "
              f"{last} | {e.about} |")  # fmt: skip
    print("\nEarlier numbers that only the docs held are in benchmarks/results/docs-*.json "
          "(transcribed, not re-run).")  # fmt: skip


def wait_for_load(max_load: float, patience_s: float = 600) -> None:
    start = time.monotonic()
    while (load := loadavg()) and load[0] > max_load:
        if time.monotonic() - start > patience_s:
            raise SystemExit(f"load average {load[0]} stayed above {max_load}: not running")
        print(f"load average {load[0]} > {max_load}: waiting", file=sys.stderr, flush=True)
        time.sleep(30)


def run(names: list[str], extra: list[str], max_load: float | None) -> int:
    failed = 0
    for name in names:
        entry = REGISTRY[name]
        args = resolve_args(entry)
        if isinstance(args, str):
            print(f"{name}: skipped: {args}", file=sys.stderr)
            failed += 1
            continue
        if max_load is not None:
            wait_for_load(max_load)
        cmd = [sys.executable, str(ROOT / "benchmarks" / entry.script), *args, *extra]
        print(f"{name}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
        child = run_child(cmd, cwd=ROOT, check=False)
        sys.stdout.write(child.stdout)
        sys.stderr.write(child.stderr[-4000:] if child.returncode else "")
        status = "ok" if child.returncode == 0 else f"FAILED ({child.returncode})"
        print(f"{name}: {status} in {child.wall_s:.1f} s", file=sys.stderr, flush=True)
        failed += child.returncode != 0
    return failed


def main() -> None:
    argv = sys.argv[1:]
    extra: list[str] = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="entries to run, or 'report'")
    parser.add_argument("--list", action="store_true", help="list the entries")
    parser.add_argument("--cheap", action="store_true", help="every cheap regression benchmark")
    parser.add_argument("--max-load", type=float, default=3.0,
                        help="wait while the 1-minute load average is above this (default 3; "
                        "0: do not wait)")  # fmt: skip
    args = parser.parse_args(argv)
    if args.list:
        list_entries()
        return
    if args.names == ["report"]:
        import collect

        sys.argv = [sys.argv[0]]
        collect.main()
        return
    names = list(args.names)
    if args.cheap:
        names += [n for n, e in REGISTRY.items() if e.cheap and e.kind == "benchmark"]
    unknown = [n for n in names if n not in REGISTRY]
    if unknown or not names:
        parser.error(f"unknown: {', '.join(unknown)}; see --list" if unknown else "nothing to run")
    if extra and len(names) > 1:
        parser.error("arguments after -- go to one entry only")
    raise SystemExit(1 if run(names, extra, args.max_load or None) else 0)


if __name__ == "__main__":
    main()
