"""Build a tagger from a short spec string (the CLI's ``--ner`` option)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import SetupError, UsageError
from .base import EntityTagger


class SourceModelNotFoundError(SetupError, OSError):
    """The source-language NER pipeline named in a config or command cannot be loaded."""

    def __init__(self, model: str, problem: str) -> None:
        self.model = model
        super().__init__(
            f"Can't load the source NER pipeline '{model}' ({problem}). Give a spaCy "
            f"pipeline that is installed or a local directory: install a package with "
            f"`python -m spacy download {model}` (for a published pipeline such as "
            f"en_core_web_sm), or train one and set `source_ner` to its path, e.g. "
            f"'training/model-best'; or hf:MODEL_DIR for a Hugging Face model."
        )


def check_tagger_spec(spec: str) -> None:
    """Refuse an empty spec at once (a name or path can only be checked by loading it)."""
    if not spec.strip() or spec.strip() == "hf:":
        raise UsageError(
            "Empty NER model spec: give a spaCy pipeline name or folder, or hf:MODEL_DIR."
        )


def build_tagger(
    spec: str, *, label_map: Mapping[str, str | None] | None = None, **kwargs: Any
) -> EntityTagger:
    """Return the tagger that ``spec`` names: the one resolver of NER specs.

    ``hf:MODEL_DIR`` is a Hugging Face token-classification model (``HFTagger``);
    anything else is a spaCy package name or pipeline folder (``SpacyTagger``), which
    must have a component that sets entities. Extra keyword arguments go to the
    tagger's constructor.
    RAISES (SourceModelNotFoundError): The spaCy pipeline can't be loaded or sets no
        entities.
    """
    check_tagger_spec(spec)
    if spec.startswith("hf:"):
        from .hf_tagger import HFTagger

        return HFTagger(spec[3:], label_map=label_map, **kwargs)
    import spacy

    from .spacy_tagger import SpacyTagger

    try:
        nlp = spacy.load(spec)
    except OSError as err:
        # spaCy raises OSError E050 for a name that is neither a package nor a directory.
        raise SourceModelNotFoundError(spec, str(err).splitlines()[0]) from err
    check_sets_entities(nlp, spec)
    tagger = SpacyTagger(nlp, label_map=label_map, **kwargs)
    tagger.name = f"spacy:{spec}"
    return tagger


def check_sets_entities(nlp: Any, spec: str) -> None:
    """Refuse a pipeline without a component that sets ``doc.ents``: it would tag
    every word O without a word said (translate-test, zero-shot and spacy: teachers).

    RAISES (SourceModelNotFoundError): No such component.
    """
    if "ner" not in nlp.pipe_names and not any(
        "doc.ents" in nlp.get_pipe_meta(name).assigns for name in nlp.pipe_names
    ):
        raise SourceModelNotFoundError(
            spec, f"it has no component that sets entities: its pipes are {nlp.pipe_names}"
        )


def resolve_tagger(value: str | EntityTagger) -> EntityTagger:
    """A tagger from a config value: a spec (built here) or a tagger (as it is)."""
    return build_tagger(value) if isinstance(value, str) else value


def parse_label_map(text: str | None) -> dict[str, str | None]:
    """Parse ``"PERSON=PER,MISC="`` into ``{"PERSON": "PER", "MISC": None}``."""
    out: dict[str, str | None] = {}
    if not text:
        return out
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        src, eq, tgt = (x.strip() for x in item.partition("="))
        if not eq or not src:
            raise UsageError(
                f"label_map: bad item {item!r}: write FROM=TO, or FROM= to drop a label."
            )
        if src in out:
            raise UsageError(f"label_map: {src!r} is mapped twice; give each label once.")
        out[src] = tgt or None
    return out
