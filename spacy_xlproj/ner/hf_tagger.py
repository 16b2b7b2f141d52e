"""NER with a Hugging Face token-classification model, on pre-tokenised words.

Each word takes the prediction of its first subword. The per-word probabilities
over the model's tags make the tagger a ``TagScorer`` too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ..errors import MissingDependencyError, SetupError
from ..registry import taggers
from ..types import Span


class HFTagger:
    """Tags word lists with an ``AutoModelForTokenClassification`` from a local folder.

    model (str | Path): The model folder (``config.json`` with ``id2label``, weights,
        tokenizer files), or a name that ``from_pretrained`` resolves offline.
    label_map (Mapping[str, str | None] | None): Renames entity labels; ``None`` drops one.
    batch_size (int): Sentences per forward pass.
    max_length (int): Subword limit per sentence; words past it are tagged ``O``.
    device (str): Torch device, e.g. ``cpu`` or ``cuda``.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        label_map: Mapping[str, str | None] | None = None,
        batch_size: int = 32,
        max_length: int = 512,
        device: str = "cpu",
    ) -> None:
        try:
            import torch  # noqa: F401
            from transformers import AutoModelForTokenClassification, AutoTokenizer
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise MissingDependencyError(
                "HFTagger (torch, transformers)", "pip install 'spacy-xlproj[transformers]'"
            ) from e
        self.name = f"hf:{model}"
        self.tokenizer = AutoTokenizer.from_pretrained(str(model))
        if not self.tokenizer.is_fast:
            raise SetupError(
                f"HFTagger needs a fast tokenizer (word_ids) for {model}: "
                "save the model with a tokenizer.json."
            )
        self.model = AutoModelForTokenClassification.from_pretrained(str(model)).to(device)
        self.model.eval()
        id2label = self.model.config.id2label
        self.tags: list[str] = [id2label[i] for i in range(len(id2label))]
        self.label_map = dict(label_map or {})
        self.batch_size = batch_size
        self.max_length = max_length
        self.device = device
        self._outside = self.tags.index("O") if "O" in self.tags else 0

    def tag_probabilities(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Per-word probabilities over ``self.tags``, shape (words, tags), first subword each."""
        import torch

        results: list[np.ndarray] = []
        for begin in range(0, len(sentences), self.batch_size):
            batch = [list(words) for words in sentences[begin : begin + self.batch_size]]
            filled = [words or ["."] for words in batch]
            enc = self.tokenizer(
                filled,
                is_split_into_words=True,
                truncation=True,
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
            ).to(self.device)
            with torch.no_grad():
                probs = torch.softmax(self.model(**enc).logits, dim=-1).cpu().numpy()
            for row, words in enumerate(batch):
                out = np.zeros((len(words), len(self.tags)), dtype=np.float32)
                # Words cut off by max_length keep certainty on O.
                out[:, self._outside] = 1.0
                seen: set[int] = set()
                for position, word in enumerate(enc.word_ids(row)):
                    if word is None or word in seen or word >= len(words):
                        continue
                    seen.add(word)
                    out[word] = probs[row, position]
                results.append(out)
        return results

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[Span]]:
        """Return the entity spans of each sentence (argmax tag per word, IOB repaired)."""
        from ..io import tags_to_spans

        results = []
        for probs in self.tag_probabilities(sentences):
            tags = [_as_iob(self.tags[i]) for i in probs.argmax(axis=1)] if len(probs) else []
            spans, _ = tags_to_spans(tags)
            mapped = []
            for s in spans:
                label = self.label_map.get(s.label, s.label)
                if label is not None:
                    mapped.append(Span(s.start, s.end, label))
            results.append(mapped)
        return results

    def __repr__(self) -> str:
        return f"HFTagger({self.name!r})"


def _as_iob(tag: str) -> str:
    # Models trained on bare labels ("PER") tag every entity word with the label.
    if tag == "O" or (len(tag) > 2 and tag[1] == "-"):
        return tag
    return "I-" + tag


@taggers.register("spacy_xlproj.HFTagger.v1")
def make_hf_tagger(
    model: str,
    label_map: dict[str, str | None] | None = None,
    batch_size: int = 32,
    max_length: int = 512,
    device: str = "cpu",
) -> HFTagger:
    """A tagger over a Hugging Face token-classification model folder."""
    return HFTagger(
        model, label_map=label_map, batch_size=batch_size, max_length=max_length, device=device
    )
