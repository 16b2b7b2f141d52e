"""What the spaCy components ask of an aligner beyond ``align``: small-batch settings.

A component aligns the docs of one ``nlp(text)`` call or one ``nlp.pipe`` batch at a time.
eflomal cannot learn from so few pairs, so an ``EflomalAligner`` aligns batches smaller
than its ``min_batch`` with a deterministic aligner, which glosses words with the
component's translator (``lend_translator``). ``aligner_settings`` says so in the
component's saved settings. Both accept any aligner: one without these hooks is left
alone and has no small-batch settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..translate.base import Translator
    from .gloss import GlossSide


def lend_translator(aligner: Any, translator: Translator, side: GlossSide) -> None:
    """Give ``aligner`` the pipeline's translator for its small batches, if it takes one.

    side (str): The side of the aligned pairs that ``translator`` translates from:
        ``"target"`` for translate-test (pairs are translation → doc), ``"source"`` for
        translate-train (pairs are doc → translation).
    """
    use = getattr(aligner, "use_translator", None)
    if callable(use):
        use(translator, side)


def aligner_settings(aligner: Any, translator: str | None = None) -> dict[str, Any] | None:
    """How ``aligner`` treats small batches (``min_batch``, ``small_batch``), or None.

    aligner: A component's aligner setting: a spec (only ``"eflomal"`` has such
        settings; other specs are not built, since that may load a model) or a backend.
    translator (str | None): The description of the translator the component lends,
        named in ``small_batch`` (``"gloss:apertium"``).
    """
    if isinstance(aligner, str):
        if aligner.partition(":")[0].strip().lower() != "eflomal":
            return None
        from .eflomal import EflomalAligner

        aligner = EflomalAligner()
    settings = getattr(aligner, "settings", None)
    if not callable(settings):
        return None
    return dict(settings(translator))
