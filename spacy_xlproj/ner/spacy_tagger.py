"""NER with any spaCy pipeline, on pre-tokenised words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..registry import taggers
from ..types import Span


class SpacyTagger:
    """Tags word lists with a spaCy pipeline's entity recognizer.

    Each sentence becomes ``Doc(vocab, words=words)``, so the entities come back as word
    indices of the input; ``nlp.pipe`` runs the batches.

    model (str | Path | Language): A package name, a pipeline folder, or a loaded ``Language``.
    label_map (Mapping[str, str | None] | None): Renames labels (``{"PERSON": "PER"}``);
        a label mapped to ``None`` is left out (``{"MISC": None}``).
    batch_size (int): Sentences per ``nlp.pipe`` batch.
    """

    def __init__(
        self,
        model,
        *,
        label_map: Mapping[str, str | None] | None = None,
        batch_size: int = 256,
    ) -> None:
        if isinstance(model, (str, Path)):
            import spacy

            self.nlp = spacy.load(model)
            self.name = f"spacy:{model}"
        else:
            self.nlp = model
            self.name = f"spacy:{model.meta.get('lang', '')}_{model.meta.get('name', 'pipeline')}"
        self.label_map = dict(label_map or {})
        self.batch_size = batch_size

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[Span]]:
        """Return the entity spans of each sentence, as word indices."""
        from spacy.tokens import Doc

        docs = (Doc(self.nlp.vocab, words=list(words)) for words in sentences)
        results: list[list[Span]] = []
        for doc in self.nlp.pipe(docs, batch_size=self.batch_size):
            spans = []
            for ent in doc.ents:
                label = self.label_map.get(ent.label_, ent.label_)
                if label is not None:
                    spans.append(Span(ent.start, ent.end, label))
            results.append(spans)
        return results

    def __repr__(self) -> str:
        return f"SpacyTagger({self.name!r})"


@taggers.register("spacy_xlproj.SpacyTagger.v1")
def make_spacy_tagger(
    model: str, label_map: dict[str, str | None] | None = None, batch_size: int = 256
) -> SpacyTagger:
    """A tagger over a spaCy pipeline (package name or folder)."""
    return SpacyTagger(model, label_map=label_map, batch_size=batch_size)
