"""Teacher-student rounds: teachers pseudo-label raw target text, a student learns from it.

    python scripts/student.py --lang es --spacy-lang es --unlabelled RAW.txt \\
        --source-model training/en/conll2003-ner_cnn/model-best \\
        --target-model training/es/conll2003-heuristic-ner_cnn/model-best \\
        --projected corpus/es/conll2003-heuristic --test-gold GOLD --test-name NAME \\
        [--rounds 1] [--mix pseudo|pseudo+projected] [--agreement 1.0] \\
        [--pseudo-options "--drop-lowercase-spans"] [--capitalised-missing] [--pretrain]

Round k (1 ≤ k ≤ ``--rounds``):

1. ``pseudo-label`` the unlabelled text with the teachers: translate-test with the
   source model, the translate-train model, and the students of the rounds before
   (round k's student joins the teachers of round k+1). Disagreements are missing.
   Where machine translation only reaches English from the target language (Apertium's
   Basque, Icelandic, Macedonian), there is no translate-train model: leave out
   ``--target-model`` and ``--projected`` and use ``--mix pseudo --dev pseudo``; more
   teachers (``--teacher zero-shot:MODEL``) go in ``--pseudo-options``.
2. ``train`` student k on the pseudo-labelled text alone (``--mix pseudo``) or together
   with the projected translate-train data (``pseudo+projected``); the development set is
   the projected one (no target labels are needed anywhere).
3. ``evaluate`` it on the gold test set: ``metrics/<lang>/<test>/student-<k>.json``, in the
   format of ``evaluate --output``, with the training record (steps, convergence).

The labels of ``--unlabelled`` are never read: it is first written out as plain text
(words only). Every step is skipped when its output exists and was made with the same
settings (``corpus/<lang>/student/settings.json``), so a killed run resumes where it
stopped; other settings with existing outputs are refused rather than mixed.
``--capitalised-missing`` writes capitalised words outside every entity as missing, not
O, both in the pseudo-labels and in a copy of the projected training data
(``transfer.span_filters``: Spanish capitalises names, English writes ``the government``).
``--filter-predictions`` (default) adds an ``xlproj_span_filter`` to each student: its
lower-case entities (``español`` as MISC) are removed when it predicts, as a Spanish
annotator would (``pipes.span_filter_pipe``).
``--pretrain`` first runs ``spacy pretrain`` on the raw text and starts every student's
tok2vec from those weights.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import typer

from spacy_xlproj.cli._checks import fail

SCRIPTS = Path(__file__).resolve().parent
MIXES = ("pseudo", "pseudo+projected")
DEVS = ("projected", "pseudo")
# Settings that older settings.json files lack, with the value those runs used.
ADDED_DEFAULTS = {"dev": "projected", "capitalised_missing": False, "filter_predictions": False}
# With --dev pseudo, every HOLDOUT-th pseudo-labelled sentence is the development set.
HOLDOUT = 10


@dataclass(frozen=True)
class StudentSettings:
    """Everything that decides what the rounds produce (recorded, compared on resume)."""

    lang: str
    spacy_lang: str
    unlabelled: str
    source_model: str
    target_model: str
    projected: str
    config: str
    mix: str
    dev: str
    agreement: float
    uncertain: str
    translator: str
    aligner: str
    method_options: str
    pseudo_options: str
    capitalised_missing: bool
    filter_predictions: bool
    max_steps: int
    patience: int
    eval_frequency: int
    pretrain: bool
    pretrain_epochs: int


@dataclass(frozen=True)
class Paths:
    """Where each round writes; one place, so the steps and the resume check agree."""

    name: str
    workdir: Path
    lang: str

    @property
    def corpus(self) -> Path:
        return self.workdir / "corpus" / self.lang / self.name

    @property
    def training(self) -> Path:
        return self.workdir / "training" / self.lang / self.name

    @property
    def text(self) -> Path:
        return self.corpus / "unlabelled.txt"

    @property
    def settings(self) -> Path:
        return self.corpus / "settings.json"

    @property
    def pretrained(self) -> Path:
        return self.training / "pretrain"

    def pseudo(self, k: int) -> Path:
        return self.corpus / f"round-{k}" / "pseudo.spacy"

    def pseudo_stats(self, k: int) -> Path:
        return self.corpus / f"round-{k}" / "pseudo-stats.json"

    def train_dir(self, k: int) -> Path:
        return self.corpus / f"round-{k}" / "train"

    def pseudo_dev(self, k: int) -> Path:
        return self.corpus / f"round-{k}" / "dev.spacy"

    def model(self, k: int) -> Path:
        return self.training / f"student-{k}"

    def metrics(self, k: int, test: str) -> Path:
        return self.workdir / "metrics" / self.lang / test / f"{self.name}-{k}.json"

    def prediction(self, k: int, test: str) -> Path:
        return self.workdir / "corpus" / self.lang / test / f"pred-{self.name}-{k}.iob"


def run(args: list[str]) -> None:
    """Run a step as its own process (as a user would), stopping on failure."""
    print("$", shlex.join(args), flush=True)
    status = subprocess.call([sys.executable, *args])
    if status:
        raise SystemExit(status)


def write_words(source: Path, target: Path, lang: str) -> int:
    """The words of every sentence, one sentence per line: the labels stay behind."""
    from spacy_xlproj.io import read_sentences, write_text

    sentences = [s for s in read_sentences(source, lang=lang) if s.words]
    write_text(target, sentences)
    return len(sentences)


def check_settings(paths: Paths, settings: StudentSettings, force: bool) -> None:
    """Record the settings, or refuse to resume a run that used other ones."""
    from spacy_xlproj.io.atomic import write_atomic

    current = asdict(settings)
    if paths.settings.exists() and not force:
        saved = json.loads(paths.settings.read_text("utf8"))
        # Settings added after a run was made take their default for it.
        saved = {**ADDED_DEFAULTS, **saved}
        changed = sorted(k for k in current if saved.get(k) != current[k])
        if changed:
            raise fail(
                f"{paths.corpus} holds student rounds made with other settings "
                f"({', '.join(changed)}); rerun with --force to redo them, or use another "
                "--name.",
                2,
            )
    write_atomic(paths.settings, json.dumps(current, indent=2) + "\n")


def pseudo_label(paths: Paths, s: StudentSettings, k: int) -> None:
    teachers = [f"translate-test:{s.source_model}"]
    teachers += [f"spacy:{s.target_model}"] if s.target_model else []
    teachers += [f"spacy:{paths.model(j) / 'model-best'}" for j in range(1, k)]
    args = ["-m", "spacy_xlproj", "pseudo-label", str(paths.text), str(paths.pseudo(k))]
    for teacher in teachers:
        args += ["--teacher", teacher]
    args += ["--tgt-lang", s.lang, "--translator", s.translator, "--aligner", s.aligner]
    args += ["--agreement", str(s.agreement), "--uncertain", s.uncertain]
    args += ["--stats", str(paths.pseudo_stats(k)), "--spans-key", "", "--no-progress"]
    args += ["--cache-dir", str(paths.workdir / ".cache" / "translations")]
    if s.capitalised_missing:
        args.append("--capitalised-missing")
    run(args + shlex.split(s.method_options) + shlex.split(s.pseudo_options))


def training_folder(paths: Paths, s: StudentSettings, k: int) -> Path:
    """A folder of .spacy files (spaCy's corpus reader reads every one in a folder)."""
    folder = paths.train_dir(k)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.spacy"):
        old.unlink()
    if s.dev == "pseudo":
        split_pseudo(paths.pseudo(k), folder / "pseudo.spacy", paths.pseudo_dev(k), s.spacy_lang)
    else:
        (folder / "pseudo.spacy").symlink_to(paths.pseudo(k).resolve())
    if s.mix == "pseudo+projected":
        projected = (Path(s.projected) / "train.spacy").resolve()
        if s.capitalised_missing:
            from spacy_xlproj.teach.pseudo_labels import mark_missing_docbin
            from spacy_xlproj.transfer.span_filters import SpanFilter

            span_filter = SpanFilter(capitalised_missing=True)
            target = folder / "projected.spacy"
            docs, marked = mark_missing_docbin(projected, target, span_filter, s.spacy_lang)
            print(f"{target}: {marked} capitalised words outside entities made missing in "
                  f"{docs} projected sentences", flush=True)  # fmt: skip
        else:
            (folder / "projected.spacy").symlink_to(projected)
    return folder


def split_pseudo(pseudo: Path, train: Path, dev: Path, lang: str) -> None:
    """Hold out every HOLDOUT-th pseudo-labelled sentence as the development set.

    Real target text, labelled by the teachers' agreement: model selection then follows
    the text the student is meant for, not translated source text. Missing words stay
    missing, and spaCy's scorer ignores predictions on them.
    """
    from spacy.tokens import DocBin

    from spacy_xlproj.io.atomic import atomic_path
    from spacy_xlproj.io.docbin import blank_vocab
    from spacy_xlproj.teach.pseudo_labels import DOCBIN_ATTRS

    docs = list(DocBin().from_disk(pseudo).get_docs(blank_vocab(lang)))
    parts = {train: DocBin(attrs=DOCBIN_ATTRS), dev: DocBin(attrs=DOCBIN_ATTRS)}
    for i, doc in enumerate(docs):
        parts[dev if (i + 1) % HOLDOUT == 0 else train].add(doc)
    for path, docbin in parts.items():
        with atomic_path(path) as tmp:
            docbin.to_disk(tmp)


def pretrain(paths: Paths, s: StudentSettings) -> Path:
    """``spacy pretrain`` on the raw text: the tok2vec weights every student starts from."""
    weights = paths.pretrained / "model-last.bin"
    if weights.exists():
        return weights
    from spacy_xlproj.io.atomic import write_atomic

    # spacy pretrain reads JSONL texts; the words are space-separated already.
    lines = paths.text.read_text("utf8").splitlines()
    raw = paths.corpus / "raw.jsonl"
    write_atomic(raw, "".join(json.dumps({"text": line}) + "\n" for line in lines))
    # The training config has an empty [pretraining] block: spaCy fills in its defaults.
    config = paths.corpus / "pretrain.cfg"
    run(["-m", "spacy", "init", "fill-config", s.config, str(config), "--pretraining"])
    run(
        [
            "-m",
            "spacy",
            "pretrain",
            str(config),
            str(paths.pretrained),
            "--paths.raw_text",
            str(raw),
            "--nlp.lang",
            s.spacy_lang,
            "--pretraining.max_epochs",
            str(s.pretrain_epochs),
        ]  # fmt: skip
    )
    return weights


def train_student(paths: Paths, s: StudentSettings, k: int, init_tok2vec: str) -> None:
    args = [str(SCRIPTS / "train.py"), s.config, str(paths.model(k)), "--lang", s.spacy_lang]
    args += ["--train", str(training_folder(paths, s, k))]
    dev = paths.pseudo_dev(k) if s.dev == "pseudo" else Path(s.projected) / "dev.spacy"
    args += ["--dev", str(dev)]
    args += ["--max-steps", str(s.max_steps), "--patience", str(s.patience)]
    args += ["--eval-frequency", str(s.eval_frequency)]
    if init_tok2vec:
        args += ["--init-tok2vec", init_tok2vec]
    run(args)


def filter_predictions(paths: Paths, k: int) -> None:
    """Add the lower-case span filter to student k's saved pipelines (once)."""
    from spacy_xlproj.pipes.span_filter_pipe import add_span_filter
    from spacy_xlproj.transfer.span_filters import SpanFilter

    for model in ("model-best", "model-last"):
        if add_span_filter(paths.model(k) / model, SpanFilter(drop_lowercase=True)):
            print(f"{paths.model(k) / model}: xlproj_span_filter added", flush=True)


def evaluate(paths: Paths, k: int, gold: str, test: str, labels: str) -> None:
    pred, metrics = paths.prediction(k, test), paths.metrics(k, test)
    metrics.parent.mkdir(parents=True, exist_ok=True)
    model = str(paths.model(k) / "model-best")
    run([str(SCRIPTS / "predict.py"), model, gold, str(pred), f"--labels={labels}"])
    record = str(paths.model(k) / "training.json")
    run(
        ["-m", "spacy_xlproj", "evaluate", str(pred), gold, "--output", str(metrics)]
        + ["--training", record]
    )


def main(
    lang: str = typer.Option(..., "--lang", help="Target language code"),
    spacy_lang: str = typer.Option("xx", "--spacy-lang", help="spaCy language class"),
    unlabelled: Path = typer.Option(..., "--unlabelled", help="Raw target text or a column file"),
    source_model: str = typer.Option(..., "--source-model", help="Source NER pipeline"),
    target_model: str = typer.Option(
        "",
        "--target-model",
        help="Translate-train pipeline, a teacher ('': none, for languages that machine "
        "translation reaches only from the target side; add teachers with --pseudo-options "
        "'--teacher zero-shot:MODEL')",
    ),
    projected: Path | None = typer.Option(
        None,
        "--projected",
        help="Folder of the projected train.spacy and dev.spacy (needed by --mix "
        "pseudo+projected and --dev projected)",
    ),
    test_gold: str = typer.Option("", "--test-gold", help="Gold test set ('' : no scores)"),
    test_name: str = typer.Option("test", "--test-name", help="Name of the test set"),
    test_labels: str = typer.Option("", "--test-labels", help="Labels the test set uses"),
    name: str = typer.Option(
        "student", "--name", help="Name of these rounds: folders and metrics <name>-<k>.json"
    ),
    rounds: int = typer.Option(1, "--rounds", help="Student rounds"),
    mix: str = typer.Option("pseudo+projected", "--mix", help="pseudo or pseudo+projected"),
    dev: str = typer.Option(
        "projected",
        "--dev",
        help="Development set of the students: projected (the translated source dev set) or "
        "pseudo (every 10th pseudo-labelled sentence, held out)",
    ),
    agreement: float = typer.Option(1.0, "--agreement", help="Vote share a span needs"),
    uncertain: str = typer.Option("missing", "--uncertain", help="missing, outside, drop-sentence"),
    translator: str = typer.Option("apertium", "--translator", help="TGT -> SRC translator"),
    aligner: str = typer.Option("eflomal", "--aligner", help="Aligner of translate-test"),
    method_options: str = typer.Option(
        "", "--method-options", help="Projection flags of translate-test"
    ),
    pseudo_options: str = typer.Option("", "--pseudo-options", help="More pseudo-label flags"),
    capitalised_missing: bool = typer.Option(
        False,
        "--capitalised-missing/--no-capitalised-missing",
        help="Capitalised words outside every entity are missing, not O, in the pseudo-labels "
        "and the projected data",
    ),
    config: str = typer.Option("configs/ner_cnn.cfg", "--config", help="Training config"),
    max_steps: int = typer.Option(20000, "--max-steps", help="Most steps per student"),
    patience: int = typer.Option(1600, "--patience", help="Steps without gain before stopping"),
    eval_frequency: int = typer.Option(200, "--eval-frequency", help="Evaluate every N steps"),
    filter_predictions_: bool = typer.Option(
        True,
        "--filter-predictions/--no-filter-predictions",
        help="The students drop lower-case entities when they predict (xlproj_span_filter)",
    ),
    pretrain_: bool = typer.Option(False, "--pretrain/--no-pretrain", help="spacy pretrain first"),
    pretrain_epochs: int = typer.Option(5, "--pretrain-epochs", help="Epochs of spacy pretrain"),
    force: bool = typer.Option(False, "--force", help="Redo rounds made with other settings"),
    workdir: Path = typer.Option(
        Path("."), "--workdir", help="Where corpus/, training/ and metrics/ are written"
    ),
) -> None:
    if mix not in MIXES:
        raise fail(f"--mix: use one of {', '.join(MIXES)}, got {mix!r}.", 2)
    if dev not in DEVS:
        raise fail(f"--dev: use one of {', '.join(DEVS)}, got {dev!r}.", 2)
    if rounds < 1:
        raise fail(f"--rounds must be at least 1, got {rounds}.", 2)
    if not unlabelled.is_file():
        raise fail(
            f"--unlabelled {unlabelled}: not a file. Give raw target-language text (one "
            "sentence per line) or a column file, e.g. --vars.unlabelled FILE.",
            2,
        )
    if projected is None:
        if mix != "pseudo" or dev != "pseudo":
            raise fail(
                "--mix pseudo+projected and --dev projected need --projected (the "
                "translate-train data); without translate-train use --mix pseudo --dev pseudo.",
                2,
            )
    else:
        for path in (projected / "train.spacy", projected / "dev.spacy"):
            if not path.exists():
                raise fail(
                    f"{path} not found: run the steps that make it first (translate-train).", 2
                )
    settings = StudentSettings(
        lang, spacy_lang, str(unlabelled), source_model, target_model,
        "" if projected is None else str(projected), config,
        mix, dev, agreement, uncertain, translator, aligner, method_options, pseudo_options,
        capitalised_missing, filter_predictions_, max_steps, patience, eval_frequency,
        pretrain_, pretrain_epochs,
    )  # fmt: skip
    paths = Paths(name, workdir, lang)
    paths.corpus.mkdir(parents=True, exist_ok=True)
    check_settings(paths, settings, force)
    if force or not paths.text.exists():
        n = write_words(unlabelled, paths.text, lang)
        print(f"{n} unlabelled sentences (labels removed) -> {paths.text}", flush=True)
    init_tok2vec = str(pretrain(paths, settings)) if pretrain_ else ""
    for k in range(1, rounds + 1):
        if force or not paths.pseudo(k).exists():
            pseudo_label(paths, settings, k)
        if force or not (paths.model(k) / "training.json").exists():
            train_student(paths, settings, k, init_tok2vec)
        if filter_predictions_:
            filter_predictions(paths, k)
        if test_gold:
            metrics = paths.metrics(k, test_name)
            if force or not metrics.exists():
                evaluate(paths, k, test_gold, test_name, test_labels)
            score = json.loads(metrics.read_text("utf8"))["micro"]["f1"]
            print(f"student {k}: F1 {score:.4f} on {test_name} ({metrics})", flush=True)


if __name__ == "__main__":
    typer.run(main)
