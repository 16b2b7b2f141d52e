"""Train a NER pipeline with one of the project's configs: a thin wrapper over ``spacy train``.

    python scripts/train.py configs/ner_cnn.cfg OUTPUT --lang es --train T.spacy --dev D.spacy
        [--gold-dev G.spacy] [--gpu-id 0] [--trf-model DIR] [--max-steps N] [--max-epochs N]
        [--entity-fragments 0.5]

It fills in the overrides that depend on the config: the transformer's model name
only for configs with a ``transformer`` component (the CNN config has none, so
``spacy train`` would reject the override), and the gold development set instead
of the projected one when ``--gold-dev`` names one (an empty value keeps the
projected one). A column file given as ``--gold-dev`` is converted to a DocBin
next to OUTPUT first. ``--entity-fragments P`` adds the
``spacy_xlproj.entity_fragments.v1`` augmenter to the training corpus (each entity
also becomes a one-entity example with probability P): for source models that will
tag title-like translations in translate-test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


def build_overrides(
    config_path: Path,
    lang: str,
    train: Path,
    dev: Path,
    trf_model: str = "",
    max_steps: int = 0,
    max_epochs: int = 0,
    eval_frequency: int = 0,
    entity_fragments: float = 0.0,
) -> dict[str, Any]:
    """The ``spacy train`` overrides for a config, leaving out those it cannot take."""
    from spacy import util

    config = util.load_config(config_path, interpolate=False)
    overrides: dict[str, Any] = {
        "nlp.lang": lang,
        "paths.train": str(train),
        "paths.dev": str(dev),
    }
    if trf_model and "transformer" in config["components"]:
        overrides["components.transformer.model.name"] = trf_model
    if max_steps:
        overrides["training.max_steps"] = max_steps
        # The warm-up/decay schedule of the transformer config must end with training.
        learn_rate = config["training"]["optimizer"].get("learn_rate")
        if isinstance(learn_rate, dict) and "total_steps" in learn_rate:
            overrides["training.optimizer.learn_rate.total_steps"] = max_steps
            warmup = learn_rate["warmup_steps"]
            overrides["training.optimizer.learn_rate.warmup_steps"] = min(
                warmup, max(1, max_steps // 10)
            )
    if max_epochs:
        overrides["training.max_epochs"] = max_epochs
    if eval_frequency:
        overrides["training.eval_frequency"] = eval_frequency
    if entity_fragments:
        overrides["corpora.train.augmenter"] = {
            "@augmenters": "spacy_xlproj.entity_fragments.v1",
            "level": entity_fragments,
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


def train_pipeline(
    config_path: Path,
    output: Path,
    lang: str,
    train: Path,
    dev: Path,
    gold_dev: str = "",
    gpu_id: int = -1,
    trf_model: str = "",
    max_steps: int = 0,
    max_epochs: int = 0,
    eval_frequency: int = 0,
    entity_fragments: float = 0.0,
) -> None:
    """Train with ``spacy train``: model-best and model-last are written under ``output``."""
    from spacy.cli.train import train as spacy_train

    output.mkdir(parents=True, exist_ok=True)
    dev = gold_dev_docbin(gold_dev, output, lang) or dev
    overrides = build_overrides(
        config_path,
        lang,
        train,
        dev,
        trf_model,
        max_steps,
        max_epochs,
        eval_frequency,
        entity_fragments,
    )
    spacy_train(config_path, output, use_gpu=gpu_id, overrides=overrides)


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
    entity_fragments: float = typer.Option(
        0.0,
        "--entity-fragments",
        help="Also train on entities alone, each with this probability (0: off)",
    ),
) -> None:
    train_pipeline(
        config_path,
        output,
        lang,
        train,
        dev,
        gold_dev,
        gpu_id,
        trf_model,
        max_steps,
        max_epochs,
        eval_frequency,
        entity_fragments,
    )


if __name__ == "__main__":
    typer.run(main)
