"""Build a tagger from a short spec string (the CLI's ``--ner`` option)."""

from __future__ import annotations

from collections.abc import Mapping

from .base import EntityTagger


def build_tagger(
    spec: str, *, label_map: Mapping[str, str | None] | None = None, **kwargs
) -> EntityTagger:
    """Return the tagger that ``spec`` names.

    ``hf:MODEL_DIR`` is a Hugging Face token-classification model (``HFTagger``);
    anything else is a spaCy package name or pipeline folder (``SpacyTagger``).
    Extra keyword arguments go to the tagger's constructor.
    """
    if not spec:
        raise ValueError("Empty NER model spec: give a spaCy pipeline name or folder, or hf:MODEL.")
    if spec.startswith("hf:"):
        from .hf_tagger import HFTagger

        return HFTagger(spec[3:], label_map=label_map, **kwargs)
    from .spacy_tagger import SpacyTagger

    try:
        return SpacyTagger(spec, label_map=label_map, **kwargs)
    except OSError as e:
        raise ValueError(
            f"Cannot load the spaCy pipeline {spec!r}: give an installed package name or the "
            "folder of a trained pipeline (e.g. training/model-best), or hf:MODEL_DIR for a "
            f"Hugging Face model. ({e})"
        ) from e


def parse_label_map(text: str | None) -> dict[str, str | None]:
    """Parse ``"PERSON=PER,MISC="`` into ``{"PERSON": "PER", "MISC": None}``."""
    out: dict[str, str | None] = {}
    if not text:
        return out
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        if "=" not in item:
            raise ValueError(
                f"Bad label map item {item!r}: write FROM=TO, or FROM= to drop a label."
            )
        src, tgt = (x.strip() for x in item.split("=", 1))
        out[src] = tgt or None
    return out
