"""The model card of a packaged pipeline: an honest ``meta.json`` and README notes.

``scripts/package.py`` builds the package's meta from the trained pipeline's meta and
three records of how the model came to be:

* the held-out scores (the JSON file ``python -m spacy_xlproj evaluate PRED GOLD
  --output FILE`` writes): they become spaCy's ``performance`` keys (``ents_p``,
  ``ents_r``, ``ents_f``, ``ents_per_type``) together with the name of the test set.
  Without them ``performance`` is empty: the scores spaCy's training leaves there were
  measured on the development data that chose the step, which in this project is
  usually projected or pseudo-labelled, not human-annotated target-language data;
* the training record (``scripts/train.py``'s ``training.json``): steps, convergence
  and the score that chose the step, kept apart under ``model_selection`` and labelled
  with the kind of data it was measured on;
* provenance (``--about KEY=VALUE``): source data and its licence, translator, aligner,
  projection method and options, preset, teachers, vote, rounds.

The README notes (spaCy appends ``meta["notes"]`` to the README it generates) show the
held-out scores per label, how the step was chosen, and the provenance table. Pure
functions over dicts: no spaCy, no files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import DataError, UsageError

# --about keys with a fixed meaning, in the order the provenance table shows them; any
# other key is shown after them, as given.
ABOUT_LABELS = {
    "source_data": "Source data",
    "source_licence": "Source data licence",
    "translator": "Translator",
    "aligner": "Aligner",
    "method": "Projection method",
    "options": "Projection options",
    "preset": "Preset",
    "teachers": "Teachers",
    "vote": "Vote",
    "rounds": "Rounds",
    "reviewed": "Sentences reviewed by a person",
}
# --about keys the card reads instead of listing them.
TEST_DATA = "test_data"  # the held-out test set's name (default: the metrics file)
DEV_KIND = "dev_kind"  # gold | projected | pseudo-labelled (default: guessed from the path)
DEV_KINDS = ("gold", "projected", "pseudo-labelled")
# What spaCy's training leaves in ``performance``: scores on the dev data that chose the
# step, losses and speed. None of it is a held-out score.
MEASURED_WHILE_TRAINING = "performance"


def parse_about(items: list[str]) -> dict[str, str]:
    """Read ``--about KEY=VALUE`` options, in order (a repeated key: the last wins).

    An empty value leaves the key out, so that a workflow may pass all its variables.

    RAISES (UsageError): An item without ``=`` or with an empty key, or a ``dev_kind``
        other than gold, projected or pseudo-labelled.
    """
    about: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key):
            raise UsageError(
                f"--about {item!r}: expected KEY=VALUE with KEY a word such as source_data."
            )
        about.pop(key, None)  # the last one wins, in its place
        if value.strip():
            about[key] = value.strip()
    if DEV_KIND in about and about[DEV_KIND] not in DEV_KINDS:
        raise UsageError(f"--about {DEV_KIND}={about[DEV_KIND]}: one of {', '.join(DEV_KINDS)}.")
    return about


def guess_dev_kind(dev_path: str) -> str:
    """What the development data that chose the step was, from its path.

    This project trains on gold dev data only through ``train.py --gold-dev`` (saved as
    ``gold-dev.spacy``) or from a ``gold`` corpus folder; students select on a
    pseudo-labelled split (``round-K``) and translate-train models on projected data,
    unless a ``.kind`` file beside the dev set names its kind (the student's data step
    writes one: ``gold`` where it holds reviewed sentences).
    """
    # A student's data step says what its dev set is (reviewed gold, or not) beside it.
    said = Path(dev_path).with_suffix(".kind")
    kind = said.read_text(encoding="utf8").strip() if said.is_file() else ""
    if kind in DEV_KINDS:
        return kind
    parts = re.split(r"[/\\]", dev_path)
    if parts[-1] == "gold-dev.spacy" or "gold" in parts[:-1]:
        return "gold"
    if "pseudo" in dev_path or any(re.fullmatch(r"round-\d+", p) for p in parts):
        return "pseudo-labelled"
    return "projected"


def held_out_performance(metrics: dict[str, Any], test_set: str) -> dict[str, Any]:
    """spaCy's ``performance`` keys from an ``evaluate --output`` file, and the test set.

    RAISES (DataError): The file lacks the ``micro`` or ``per_label`` scores.
    """
    try:
        micro = metrics["micro"]
        per_label = metrics["per_label"]
        performance: dict[str, Any] = {
            "ents_p": float(micro["precision"]),
            "ents_r": float(micro["recall"]),
            "ents_f": float(micro["f1"]),
            "ents_per_type": {
                label: {"p": float(s["precision"]), "r": float(s["recall"]), "f": float(s["f1"])}
                for label, s in sorted(per_label.items())
            },
        }
    except (KeyError, TypeError, ValueError, AttributeError):
        raise DataError(
            "--metrics: not a scores file of `python -m spacy_xlproj evaluate --output` "
            "(no micro and per_label precision, recall and f1)."
        ) from None
    performance["test_set"] = test_set
    return performance


def model_selection(
    training: dict[str, Any], dev_path: str, dev_kind: str, score_name: str
) -> dict[str, Any]:
    """What chose the packaged step: the score, where it was measured, and the run."""
    record: dict[str, Any] = {
        "score": training.get("best_score"),
        "score_name": score_name,
        "step": training.get("best_step"),
        "dev_data": dev_path,
        "dev_kind": dev_kind,
    }
    for key in ("steps", "epochs", "converged", "stopped_by", "patience", "max_steps"):
        if key in training:
            record[key] = training[key]
    if dev_kind == "unknown":
        record["note"] = (
            "measured on development data of unknown kind: it chose the training step; it "
            "is not a held-out score."
        )
    elif dev_kind != "gold":
        record["note"] = (
            f"measured on {dev_kind} data, not on human-annotated data: it chose the "
            "training step; it is not the model's accuracy."
        )
    return record


def default_description(lang_name: str, labels: list[str], about: dict[str, str]) -> str:
    """One sentence from the language, labels and provenance."""
    how = "cross-lingual transfer"
    if about.get("source_data"):
        how += f" from {about['source_data']}"
    details = [
        f"{name.lower()} {about[key]}"
        for key, name in ABOUT_LABELS.items()
        if key in ("method", "translator", "teachers") and about.get(key)
    ]
    text = f"{lang_name} named-entity recognition"
    if labels:
        text += f" ({', '.join(labels)})"
    text += f" learnt without {lang_name} training annotations, by {how}"
    if details:
        text += f" ({'; '.join(details)})"
    return text + ", with spacy-xlproj."


def card_meta(
    meta: dict[str, Any],
    *,
    lang_name: str,
    metrics: dict[str, Any] | None,
    metrics_name: str,
    training: dict[str, Any] | None,
    dev_path: str,
    score_name: str,
    about: dict[str, str],
    description: str | None = None,
    author: str | None = None,
    url: str | None = None,
    license: str | None = None,
) -> dict[str, Any]:
    """The packaged pipeline's meta.json: the trained one's, made honest and complete.

    meta (dict): The trained pipeline's meta.json.
    lang_name (str): The language's name (``Spanish``), for the description.
    metrics (dict | None): An ``evaluate --output`` file; its ``training`` record is
        used when ``training`` is None.
    metrics_name (str): What to call the test set when ``--about test_data`` is unset.
    training (dict | None): ``training.json`` of the run.
    dev_path (str): The development data of the run (the config's ``paths.dev``).
    score_name (str): What the training score is (``ents_f``).
    about (dict[str, str]): ``--about`` provenance.
    description, author, url, license (str | None): None: the trained pipeline's author
        and url; None or empty: the description from the language and provenance, the
        licence from ``source_licence``.
    """
    out = {k: v for k, v in meta.items() if k != MEASURED_WHILE_TRAINING}
    components = meta.get("labels", {})
    # The ner's labels; a pipeline without one: every component's (rulers).
    labels = list(components.get("ner") or dict.fromkeys(sum(components.values(), [])))
    if training is None and metrics is not None and isinstance(metrics.get("training"), dict):
        training = metrics["training"]
    out["performance"] = (
        held_out_performance(metrics, about.get(TEST_DATA) or metrics_name) if metrics else {}
    )
    provenance = {k: v for k, v in about.items() if k not in (TEST_DATA, DEV_KIND)}
    out["provenance"] = provenance
    if training is not None:
        kind = about.get(DEV_KIND) or (guess_dev_kind(dev_path) if dev_path else "unknown")
        out["model_selection"] = model_selection(training, dev_path, kind, score_name)
    # An empty description or licence (a workflow variable left unset) takes the default.
    out["description"] = description or default_description(lang_name, labels, about)
    out["author"] = author if author is not None else meta.get("author", "")
    out["url"] = url if url is not None else meta.get("url", "")
    out["license"] = license or about.get("source_licence", "")
    if about.get("source_data"):
        source = {"name": about["source_data"]}
        if about.get("source_licence"):
            source["license"] = about["source_licence"]
        out["sources"] = [source]
    out["notes"] = card_notes(out, lang_name)
    return out


def _kind(dev_kind: str, bold: bool = False) -> str:
    if dev_kind == "unknown":
        return "data of unknown kind"
    return f"**{dev_kind}** data" if bold else f"{dev_kind} data"


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _pct(value: Any) -> str:
    return f"{float(value) * 100:.2f}" if isinstance(value, int | float) else "n/a"


def card_notes(meta: dict[str, Any], lang_name: str) -> str:
    """The README sections spaCy appends after its own (``meta["notes"]``)."""
    lines = ["### Held-out evaluation", ""]
    performance = meta.get("performance") or {}
    if performance:
        lines += [
            f"Scored on **{performance['test_set']}**, human-annotated {lang_name} data "
            "that played no part in training or in choosing the training step. "
            "Exact entity matches (same words, same label).",
            "",
            "| Label | Precision | Recall | F1 |",
            "| --- | --- | --- | --- |",
        ]
        for label, s in performance["ents_per_type"].items():
            lines.append(f"| `{label}` | {_pct(s['p'])} | {_pct(s['r'])} | {_pct(s['f'])} |")
        lines.append(
            f"| **All** | {_pct(performance['ents_p'])} | {_pct(performance['ents_r'])} "
            f"| {_pct(performance['ents_f'])} |"
        )
    else:
        lines.append(
            "None: this package was built without a held-out evaluation, so its accuracy on "
            f"{lang_name} is not known."
        )
    selection = meta.get("model_selection")
    if selection:
        lines += ["", "### How the training step was chosen", ""]
        run = f"step {_count(selection.get('step'))}"
        if selection.get("steps") is not None:
            run += f" of {_count(selection['steps'])}"
        if "converged" in selection:
            run += (
                f" (converged: no improvement for {_count(selection.get('patience'))} steps)"
                if selection["converged"]
                else f" (not converged: stopped by {selection.get('stopped_by')})"
            )
        where = f" `{selection['dev_data']}`" if selection.get("dev_data") else ""
        lines.append(
            f"The packaged weights are those of {run}, which scored "
            f"{selection['score_name']} {_pct(selection.get('score'))} on the development "
            f"data{where}: {_kind(selection['dev_kind'], bold=True)}."
        )
        if selection.get("note"):
            lines += ["", f"That score was {selection['note']}"]
    provenance = meta.get("provenance") or {}
    if provenance:
        lines += ["", "### Provenance", "", "| | |", "| --- | --- |"]
        known = [(name, provenance[k]) for k, name in ABOUT_LABELS.items() if k in provenance]
        other = [
            (k.replace("_", " ").capitalize(), v)
            for k, v in provenance.items()
            if k not in ABOUT_LABELS
        ]
        for name, value in known + other:
            lines.append(f"| {name} | {str(value).replace('|', '/')} |")
    return "\n".join(lines)
