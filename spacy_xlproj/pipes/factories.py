"""Factories of the ``xlproj_translate_test``, ``xlproj_translate_train`` and
``xlproj_span_filter`` components.

This is the module the ``spacy_factories`` entry point names, and spaCy imports every
such entry point each time it creates a ``Language`` (``spacy.blank``, ``spacy.load``).
It therefore imports nothing heavy: the component classes are imported when a
component is built, and their backends only when they first run.

Backends can be given in a config as registered-function blocks
(``@xlproj_translators``, ``@xlproj_taggers``, ``@xlproj_aligners``,
``@xlproj_projectors``) or, for the translator, tagger and aligner, as the short
specs the command line takes (``"apertium"``, ``"hf:DIR"``, ``"eflomal"``,
``"simalign:DIR"``, a spaCy pipeline name or path). Specs are resolved lazily, so a
pipeline can be loaded before its source model or translator is installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spacy.language import Language
from thinc.api import Config

from ..errors import UsageError
from ..ner.base import EntityTagger
from ..project.base import Projector

# Importing ``spacy_registry`` attaches our registries to spaCy's, so that configs
# naming ``@xlproj_*`` blocks resolve in a fresh interpreter without ``--code``.
from ..registry import spacy_registry  # noqa: F401
from .standalone_span_filter import make_span_filter  # noqa: F401 - the entry point's name
from .standalone_span_filter import register as register_span_filter

DEFAULT_TRANSLATE_TEST_CONFIG_STR = """
[xlproj_translate_test]
translator = "apertium"
src_lang = "en"
aligner = "eflomal"
min_confidence = 0.0
batch_size = 64
overwrite_ents = true
spans_key = "xlproj"
cache_dir = null

[xlproj_translate_test.projector]
@xlproj_projectors = "spacy_xlproj.Projector.v1"
method = "heuristic"
"""

DEFAULT_TRANSLATE_TRAIN_CONFIG_STR = """
[xlproj_translate_train]
translator = "apertium"
tgt_spacy_lang = null
aligner = "eflomal"
min_confidence = 0.0
batch_size = 64
spans_key = "xlproj"
cache_dir = null

[xlproj_translate_train.projector]
@xlproj_projectors = "spacy_xlproj.Projector.v1"
method = "heuristic"
"""

DEFAULT_TRANSLATE_TEST_CONFIG = Config().from_str(DEFAULT_TRANSLATE_TEST_CONFIG_STR)
DEFAULT_TRANSLATE_TRAIN_CONFIG = Config().from_str(DEFAULT_TRANSLATE_TRAIN_CONFIG_STR)

if TYPE_CHECKING:
    from .translate_test_pipe import TranslateTestComponent
    from .translate_train_pipe import TranslateTrainComponent

# The translate and align packages import all their backends' modules (no libraries,
# but ~100 ms), which every spacy.blank would pay: their Protocols are checked by the
# components instead (pipes.check_backend), so the annotations here are plain.
TranslatorArg = Any  # str | Translator
AlignerArg = Any  # str | Aligner
# Projector | "markers": the string is checked by the component (pipes.check_projector).
TrainProjectorArg = Any


@Language.factory(
    "xlproj_translate_test",
    assigns=["doc.ents", "doc.spans"],
    default_config=DEFAULT_TRANSLATE_TEST_CONFIG["xlproj_translate_test"],
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_translate_test(
    nlp: Language,
    name: str,
    source_ner: str | EntityTagger,
    translator: TranslatorArg,
    src_lang: str,
    aligner: AlignerArg,
    projector: Projector,
    min_confidence: float,
    batch_size: int,
    overwrite_ents: bool,
    spans_key: str,
    cache_dir: str | None,
) -> TranslateTestComponent:
    """Construct an ``xlproj_translate_test`` component: entities for target-language text.

    Each doc is translated into ``src_lang``, tagged there by ``source_ner`` and the
    entities are projected back onto the doc's own tokens.

    source_ner (str | EntityTagger): The source-language NER: a spaCy pipeline name or
        path, or an ``@xlproj_taggers`` block.
    translator (str | Translator): Translates from ``nlp.lang`` into ``src_lang``: a spec
        (``"apertium"``, ``"hf:DIR"``, ``"file:PATH"``) or an ``@xlproj_translators`` block.
    src_lang (str): The language of ``source_ner``.
    aligner (str | Aligner): A spec (``"eflomal"``, ``"simalign:DIR"``) or an
        ``@xlproj_aligners`` block. Links run from translation words to doc tokens.
    projector (Projector): An ``@xlproj_projectors`` block; by default
        ``spacy_xlproj.Projector.v1``, which takes every option of ``ProjectionOptions``
        (``method``, ``refine``, ``max_len`` …) with the command line's defaults.
    min_confidence (float): Projected spans scoring lower go to ``doc.spans`` only, not
        to ``doc.ents``.
    batch_size (int): Docs buffered by ``nlp.pipe`` for one translate and one align call.
    overwrite_ents (bool): Replace existing ``doc.ents`` (default) or keep them and add
        only projected entities that overlap none of them.
    spans_key (str): Key in ``doc.spans`` of every projected span, with its confidence.
    cache_dir (str | None): Translation cache of a translator given as a spec.
    """
    from .translate_test_pipe import TranslateTestComponent

    check_specs(translator=translator, aligner=aligner, source_ner=source_ner)
    return TranslateTestComponent(
        nlp.vocab,
        name=name,
        tgt_lang=nlp.lang,
        source_ner=source_ner,
        translator=translator,
        src_lang=src_lang,
        aligner=aligner,
        projector=projector,
        min_confidence=min_confidence,
        batch_size=batch_size,
        overwrite_ents=overwrite_ents,
        spans_key=spans_key,
        cache_dir=cache_dir,
    )


@Language.factory(
    "xlproj_translate_train",
    assigns=["doc._.xlproj_translation"],
    requires=["doc.ents"],
    default_config=DEFAULT_TRANSLATE_TRAIN_CONFIG["xlproj_translate_train"],
)
def make_translate_train(
    nlp: Language,
    name: str,
    tgt_lang: str,
    translator: TranslatorArg,
    tgt_spacy_lang: str | None,
    aligner: AlignerArg,
    projector: TrainProjectorArg,
    min_confidence: float,
    batch_size: int,
    spans_key: str,
    cache_dir: str | None,
) -> TranslateTrainComponent:
    """Construct an ``xlproj_translate_train`` component: labelled translations of docs.

    Each doc's entities (gold, or set by an earlier ``ner``) are carried onto its
    translation into ``tgt_lang``, a new ``Doc`` set as ``doc._.xlproj_translation``.

    tgt_lang (str): The language to translate into.
    translator (str | Translator): Translates from ``nlp.lang`` into ``tgt_lang``: a spec
        or an ``@xlproj_translators`` block.
    tgt_spacy_lang (str | None): spaCy language class that tokenises the translations;
        ``None`` uses ``tgt_lang``, or ``"xx"`` where spaCy has no such language.
    aligner (str | Aligner | None): A spec or an ``@xlproj_aligners`` block; ``null``
        only with ``projector = "markers"``.
    projector (Projector | str): An ``@xlproj_projectors`` block, or ``"markers"``: the
        entities are bracketed before translation and read back (EasyProject style),
        and those whose markers broke fall back to the heuristic projector.
    min_confidence (float): Projected spans scoring lower go to the translation's
        ``doc.spans`` only, not to its ``doc.ents``.
    batch_size (int): Docs buffered by ``nlp.pipe`` for one translate and one align call.
    spans_key (str): Key in the translation's ``doc.spans`` of every projected span.
    cache_dir (str | None): Translation cache of a translator given as a spec.
    """
    from .translate_train_pipe import TranslateTrainComponent

    check_specs(translator=translator, aligner=aligner)
    return TranslateTrainComponent(
        nlp.vocab,
        name=name,
        src_lang=nlp.lang,
        tgt_lang=tgt_lang,
        translator=translator,
        tgt_spacy_lang=tgt_spacy_lang,
        aligner=aligner,
        projector=projector,
        min_confidence=min_confidence,
        batch_size=batch_size,
        spans_key=spans_key,
        cache_dir=cache_dir,
    )


# The span filter's factory lives in its standalone module (shipped inside packaged
# pipelines); registering it here, once per process whoever comes first, keeps one
# function for the entry point and for the packaged copy.
register_span_filter()


def check_specs(**specs: Any) -> None:
    """Refuse a mistyped backend spec at ``add_pipe``, not at the first ``nlp(text)``.

    Only the spec's form is checked here (models load on first use), with the same
    parser that builds the backend later.
    """
    from ..align.build import check_aligner_spec
    from ..ner.build import check_tagger_spec
    from ..translate.build import parse_translator_spec

    checks = {
        "translator": parse_translator_spec,
        "aligner": check_aligner_spec,
        "source_ner": check_tagger_spec,
    }
    for name, value in specs.items():
        if isinstance(value, str):
            try:
                checks[name](value)
            except ValueError as err:
                raise UsageError(f"{name}: {err}") from None
