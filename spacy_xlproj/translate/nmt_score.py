"""Translation-based similarity of a source entity and a target candidate (NMTScore).

Follows the *direct* translation probability of NMTScore (Vamvas & Sennrich, 2022): the
probability that a multilingual model translates ``a`` into ``b`` (forced decoding,
averaged per token), divided by the probability that it "translates" ``b`` into itself,
which removes how likely ``b`` is on its own. Both directions are averaged:

    sim(a, b) = 1/2 * ( P(b | a) / P(b | b)  +  P(a | b) / P(a | a) )

Each ratio is capped at 1 so that the score lies in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import UsageError
from .hf import language_ids, load_seq2seq, resolve_family

# (input code, output code, input text, output text)
_Request = tuple[str, str, str, str]


class NMTScorer:
    """Score (source entity, target candidate) pairs with a multilingual seq2seq model.

    model (str): Hub name or local directory of an NLLB, M2M100 or mBART-50 model.
    src_lang (str): Language of the first text of each pair.
    tgt_lang (str): Language of the second text.
    batch_size (int): Forced-decoding requests per forward pass.
    device (str | None): ``cuda``, ``cpu``…; None picks the GPU when there is one.
    """

    def __init__(
        self,
        model: str,
        src_lang: str,
        tgt_lang: str,
        *,
        batch_size: int = 64,
        device: str | None = None,
    ) -> None:
        import torch

        self.model_name = str(model)
        self.src_lang = src_lang
        self.tgt_lang = tgt_lang
        self.batch_size = batch_size
        self.tokenizer, self.model = load_seq2seq(self.model_name)
        langs = resolve_family(
            self.tokenizer, self.model.config, self.model_name, src_lang, tgt_lang
        )
        if langs.src_code is None or langs.tgt_code is None:
            raise UsageError(
                f"NMTScorer needs a multilingual model (NLLB, M2M100, mBART-50) that "
                f"translates both ways; '{model}' is a {langs.kind} model with one direction."
            )
        self.src_code, self.tgt_code = langs.src_code, langs.tgt_code
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model.to(self.device).eval()
        self._language_ids = language_ids(self.tokenizer)
        self._cache: dict[_Request, float] = {}
        self.n_forward = 0  # forced-decoding requests computed (not cached), for tests

    def score(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Return the similarity in [0, 1] of every ``(source text, target text)`` pair."""
        s, t = self.src_code, self.tgt_code
        wanted: list[_Request] = []
        for a, b in pairs:
            if a.strip() and b.strip():
                wanted += [(s, t, a, b), (t, t, b, b), (t, s, b, a), (s, s, a, a)]
        self._compute([r for r in dict.fromkeys(wanted) if r not in self._cache])
        out = np.zeros(len(pairs), dtype=np.float64)
        for i, (a, b) in enumerate(pairs):
            if not (a.strip() and b.strip()):
                continue
            forward = self._cache[(s, t, a, b)] / self._cache[(t, t, b, b)]
            backward = self._cache[(t, s, b, a)] / self._cache[(s, s, a, a)]
            out[i] = 0.5 * (min(forward, 1.0) + min(backward, 1.0))
        return out

    def probability(self, src_text: str, tgt_text: str, src_code: str, tgt_code: str) -> float:
        """Per-token (geometric mean) probability of ``tgt_text`` given ``src_text``."""
        key = (src_code, tgt_code, src_text, tgt_text)
        if key not in self._cache:
            self._compute([key])
        return self._cache[key]

    def _compute(self, requests: list[_Request]) -> None:
        groups: dict[tuple[str, str], list[_Request]] = {}
        for req in requests:
            groups.setdefault((req[0], req[1]), []).append(req)
        for (in_code, out_code), reqs in groups.items():
            for start in range(0, len(reqs), self.batch_size):
                batch = reqs[start : start + self.batch_size]
                probs = self._forced_decode(
                    in_code, out_code, [r[2] for r in batch], [r[3] for r in batch]
                )
                self._cache.update(zip(batch, probs, strict=True))
                self.n_forward += len(batch)

    def _forced_decode(
        self, in_code: str, out_code: str, inputs: list[str], outputs: list[str]
    ) -> list[float]:
        import torch

        tok: Any = self.tokenizer
        tok.src_lang, tok.tgt_lang = in_code, out_code
        enc = tok(inputs, text_target=outputs, padding=True, return_tensors="pt").to(self.device)
        labels = enc.pop("labels")
        pad = tok.pad_token_id
        # The forced language token is given, not predicted: it does not count.
        keep = labels.ne(pad)
        for lang_id in self._language_ids:
            keep &= labels.ne(lang_id)
        with torch.inference_mode():
            logits = self.model(**enc, labels=labels.masked_fill(labels.eq(pad), -100)).logits
        logp = torch.log_softmax(logits.float(), dim=-1)
        token_logp = logp.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        mean = (token_logp * keep).sum(-1) / keep.sum(-1).clamp(min=1)
        return [float(x) for x in mean.exp().cpu()]
