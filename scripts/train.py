"""Train a NER pipeline with one of the project's configs: a thin wrapper over ``spacy train``.

    python scripts/train.py configs/ner_cnn.cfg OUTPUT --lang es --train T.spacy --dev D.spacy
        [--gold-dev G.spacy] [--gpu-id 0] [--trf-model DIR] [--max-steps N] [--max-epochs N]
        [--patience N] [--entity-fragments 0.5]
        [--span-filter lowercase] [--base MODEL_DIR]

It fills in the overrides that depend on the config: the transformer's model name
only for configs with a ``transformer`` component (the CNN config has none, so
``spacy train`` would reject the override), and the gold development set instead
of the projected one when ``--gold-dev`` names one (an empty value keeps the
projected one). A column file given as ``--gold-dev`` is converted to a DocBin
next to OUTPUT first. ``--entity-fragments P`` adds the
``spacy_xlproj.entity_fragments.v1`` augmenter to the training corpus (each entity
also becomes a one-entity example with probability P): for source models that will
tag title-like translations in translate-test. ``--span-filter lowercase`` ends the saved
pipelines with an ``xlproj_span_filter`` that drops lower-case entities when the model
predicts (``español`` is not a name in Spanish); the students of the teacher-student
rounds use it. ``--base MODEL_DIR`` fine-tunes: every component of the config's
pipeline (``tok2vec`` or ``transformer``, and ``ner``) is sourced from that trained
pipeline, and spaCy goes on training them on ``--train`` (the workflow's
``student-reviewed`` trains the last student further on the reviewed sentences).

Training happens in ``.OUTPUT.partial`` beside OUTPUT; only a run that finished moves
its model-best, model-last and training.json into OUTPUT, each replacing the old one
by a rename. spaCy empties model-best and model-last when training starts, so
without this a retrain that is stopped (Ctrl-C, a crash, a rerun of the workflow
after its commands changed) would leave no model at all instead of the old one.
SIGTERM is handled as Ctrl-C is (the staging folder is removed), and the script stops
when its parent (``spacy project run``) dies (``lifecycle.stop_with_parent``).

Besides model-best and model-last it writes ``OUTPUT/training.json``: the steps
trained, the best step and score, and whether training **converged** (stopped
because the dev score had not improved for ``patience`` steps) or was cut by
``max_steps``/``max_epochs``. The report shows both for every model. The record
comes from spaCy's console table (steps and scores), read as it is printed, so the
saved pipelines keep spaCy's own logger and need no spacy_xlproj to load.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import typer
from lifecycle import stop_with_parent

# --span-filter values: what the saved pipelines' last component drops.
SPAN_FILTERS = ("none", "lowercase")


@dataclass
class TrainSettings:
    """What one training run needs beyond the config file; 0 means "the config's value"."""

    lang: str
    train: Path
    dev: Path
    gold_dev: str = ""
    gpu_id: int = -1
    trf_model: str = ""
    max_steps: int = 0
    max_epochs: int = 0
    eval_frequency: int = 0
    patience: int = 0
    entity_fragments: float = 0.0
    span_filter: str = "none"
    base: Path | None = None  # a trained pipeline whose components training goes on with


def build_overrides(config_path: Path, settings: TrainSettings) -> dict[str, Any]:
    """The ``spacy train`` overrides for a config, leaving out those it cannot take."""
    from spacy import util

    config = util.load_config(config_path, interpolate=False)
    s = settings
    overrides: dict[str, Any] = {
        "nlp.lang": s.lang,
        "paths.train": str(s.train),
        "paths.dev": str(s.dev),
    }
    if s.trf_model and "transformer" in config["components"]:
        overrides["components.transformer.model.name"] = s.trf_model
    if s.max_steps:
        overrides["training.max_steps"] = s.max_steps
        # The warm-up/decay schedule of the transformer config must end with training.
        learn_rate = config["training"]["optimizer"].get("learn_rate")
        if isinstance(learn_rate, dict) and "total_steps" in learn_rate:
            overrides["training.optimizer.learn_rate.total_steps"] = s.max_steps
            warmup = learn_rate["warmup_steps"]
            overrides["training.optimizer.learn_rate.warmup_steps"] = min(
                warmup, max(1, s.max_steps // 10)
            )
    if s.max_epochs:
        overrides["training.max_epochs"] = s.max_epochs
    if s.eval_frequency:
        overrides["training.eval_frequency"] = s.eval_frequency
    if s.patience:
        overrides["training.patience"] = s.patience
    if s.entity_fragments:
        overrides["corpora.train.augmenter"] = {
            "@augmenters": "spacy_xlproj.entity_fragments.v1",
            "level": s.entity_fragments,
            "seed": 0,
        }
    return overrides


def gold_dev_docbin(gold_dev: str, output: Path, lang: str) -> Path | None:
    """The gold development set as a DocBin (converted if it is a column file), or None."""
    if not gold_dev:
        return None
    path = Path(gold_dev)
    if path.suffix == ".spacy":
        return path
    from spacy_xlproj.io import read_sentences, write_sentences

    converted = output / "gold-dev.spacy"
    write_sentences(converted, read_sentences(path, lang=lang), lang=lang)
    return converted


@dataclass
class TrainingLog:
    """The (epoch, step, score) rows of spaCy's console table, as they are printed."""

    rows: list[tuple[int, int, float]] = field(default_factory=list)

    def read_line(self, line: str) -> None:
        # A table row starts with the epoch and the step and ends with the score;
        # the header, the dashes and messages do not start with two integers.
        parts = line.split()
        if len(parts) >= 3 and parts[0].isdigit() and parts[1].isdigit():
            with contextlib.suppress(ValueError):  # a message that only looks like a row
                self.rows.append((int(parts[0]), int(parts[1]), float(parts[-1])))

    def summary(self, max_steps: int, max_epochs: int, patience: int) -> dict[str, Any]:
        """Steps trained, best step and score, and why training stopped."""
        if not self.rows:
            return {"steps": 0, "converged": False, "stopped_by": "no evaluation"}
        epoch, step, _ = self.rows[-1]
        # spaCy's loop ends for one of three reasons; a run that reached neither limit
        # was stopped by its patience.
        if max_steps and step >= max_steps:
            stopped_by = "max_steps"
        elif max_epochs and epoch >= max_epochs - 1:
            stopped_by = "max_epochs"
        elif patience and step >= patience:
            stopped_by = "patience"
        else:
            stopped_by = "unknown"
        if stopped_by == "patience":
            # It stops at the first evaluation `patience` steps after the best one, so the
            # best is the last one evaluated at least `patience` steps before the end (the
            # printed scores are rounded: they cannot tell close scores apart).
            best_epoch, best_step, best = [r for r in self.rows if r[1] <= step - patience][-1]
        else:
            best_epoch, best_step, best = max(self.rows, key=lambda r: (r[2], r[1]))
        return {
            "steps": step,
            "epochs": epoch + 1,
            "best_step": best_step,
            "best_score": best,
            "patience": patience,
            "max_steps": max_steps,
            "max_epochs": max_epochs,
            "stopped_by": stopped_by,
            "converged": stopped_by == "patience",
        }


class _Tee(io.TextIOBase):
    """Pass writes on to a stream and feed complete lines to a TrainingLog."""

    def __init__(self, stream: IO[str], log: TrainingLog) -> None:
        self.stream, self.log, self.pending = stream, log, ""

    def write(self, text: str) -> int:
        self.stream.write(text)
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.log.read_line(line)
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def load_training_config(config_path: Path, settings: TrainSettings) -> Any:
    """The config ``spacy train`` gets: the file with the run's overrides."""
    from spacy import util
    from spacy.cli._util import show_validation_error

    overrides = build_overrides(config_path, settings)
    with show_validation_error(config_path):
        config = util.load_config(config_path, overrides=overrides, interpolate=False)
    if settings.base is not None:
        # Sourced components keep their weights; spaCy resumes training them.
        for component in config["nlp"]["pipeline"]:
            config["components"][component] = {"source": str(settings.base.resolve())}
    return config


def staging_folder(output: Path) -> Path:
    """Where a run trains before its results replace those in ``output``."""
    return output.parent / f".{output.name}.partial"


def publish(stage: Path, output: Path) -> None:
    """Move every entry of ``stage`` into ``output``, each replacing the old one by a
    rename (the old entry is moved aside first and removed last), then remove ``stage``."""
    output.mkdir(parents=True, exist_ok=True)
    for item in sorted(stage.iterdir()):
        target, old = output / item.name, output / f".{item.name}.old"
        _remove(old)  # left by a run stopped half-way through publishing
        if target.exists() or target.is_symlink():
            target.rename(old)
        item.rename(target)
        _remove(old)
    stage.rmdir()


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def add_lowercase_filter(folder: Path) -> None:
    """End the saved pipelines in ``folder`` with an ``xlproj_span_filter`` that drops
    lower-case entities (before they are published: a stopped run adds nothing)."""
    from spacy_xlproj.pipes.span_filter_pipe import add_span_filter
    from spacy_xlproj.transfer.span_filters import SpanFilter

    for name in ("model-best", "model-last"):
        if (folder / name).is_dir():
            add_span_filter(folder / name, SpanFilter(drop_lowercase=True))


def train_pipeline(config_path: Path, output: Path, settings: TrainSettings) -> dict[str, Any]:
    """Train as ``spacy train`` does; write model-best, model-last and training.json.

    The old contents of ``output`` stay until the run has finished (``staging_folder``).

    RETURNS (dict): The training summary (also in ``output/training.json``).
    """
    from dataclasses import replace

    from spacy.cli._util import setup_gpu, show_validation_error
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as train_nlp

    from spacy_xlproj.io.atomic import write_atomic

    # The converted gold dev set is an input, written atomically where the saved
    # configs will find it; only the training results go through the staging folder.
    output.mkdir(parents=True, exist_ok=True)
    gold = gold_dev_docbin(settings.gold_dev, output, settings.lang)
    if gold is not None:
        settings = replace(settings, dev=gold)
    stage = staging_folder(output)
    _remove(stage)  # what a stopped run left: spaCy cannot resume from it
    stage.mkdir(parents=True)
    try:
        setup_gpu(settings.gpu_id)
        config = load_training_config(config_path, settings)
        with show_validation_error(config_path, hint_fill=False):
            nlp = init_nlp(config, use_gpu=settings.gpu_id)
        log = TrainingLog()
        tee = _Tee(sys.stdout, log)
        train_nlp(nlp, stage, use_gpu=settings.gpu_id, stdout=tee, stderr=sys.stderr)
        t = config.interpolate()["training"]
        summary = log.summary(t["max_steps"], t["max_epochs"], t["patience"])
        write_atomic(stage / "training.json", json.dumps(summary, indent=2) + "\n")
        if settings.span_filter == "lowercase":
            add_lowercase_filter(stage)
    except BaseException:
        _remove(stage)
        raise
    publish(stage, output)
    return summary


def main(
    config_path: Path = typer.Argument(..., help="Training config (configs/ner_cnn.cfg, ...)"),
    output: Path = typer.Argument(..., help="Output directory (model-best, model-last)"),
    lang: str = typer.Option("xx", "--lang", "-l", help="spaCy language class of the pipeline"),
    train: Path = typer.Option(..., "--train", help="Training data (.spacy)"),
    dev: Path = typer.Option(..., "--dev", help="Development data (.spacy), e.g. projected"),
    gold_dev: str = typer.Option("", "--gold-dev", help="Gold dev data to use instead of --dev"),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, -1 for the CPU"),
    trf_model: str = typer.Option("", "--trf-model", help="Transformer name or local directory"),
    max_steps: int = typer.Option(0, "--max-steps", help="Stop after N steps (0: config's)"),
    max_epochs: int = typer.Option(0, "--max-epochs", help="Stop after N epochs (0: config's)"),
    eval_frequency: int = typer.Option(0, "--eval-frequency", help="Evaluate every N steps"),
    patience: int = typer.Option(
        0, "--patience", help="Stop when the dev score has not improved for N steps (0: config's)"
    ),
    entity_fragments: float = typer.Option(
        0.0,
        "--entity-fragments",
        help="Also train on entities alone, each with this probability (0: off)",
    ),
    span_filter: str = typer.Option(
        "none",
        "--span-filter",
        help="lowercase: the saved pipelines drop lower-case entities (xlproj_span_filter)",
    ),
    base: Path | None = typer.Option(
        None, "--base", help="Fine-tune: train on from this trained pipeline's components"
    ),
) -> None:
    stop_with_parent()
    if span_filter not in SPAN_FILTERS:
        raise typer.BadParameter(
            f"use one of {', '.join(SPAN_FILTERS)}, got {span_filter!r}", param_hint="--span-filter"
        )
    if base is not None and not (base / "config.cfg").is_file():
        typer.echo(f"Error: --base {base}: not a trained pipeline (no config.cfg); train it "
                   "first.", err=True)  # fmt: skip
        raise typer.Exit(1)
    settings = TrainSettings(
        lang,
        train,
        dev,
        gold_dev,
        gpu_id,
        trf_model,
        max_steps,
        max_epochs,
        eval_frequency,
        patience,
        entity_fragments,
        span_filter,
        base,
    )
    summary = train_pipeline(config_path, output, settings)
    state = "converged" if summary["converged"] else f"stopped by {summary['stopped_by']}"
    typer.echo(
        f"{state} after {summary['steps']} steps (best at step {summary.get('best_step', 0)}); "
        f"{output / 'training.json'}"
    )


if __name__ == "__main__":
    typer.run(main)
