"""Corpus readers for ``spacy train``: column files, and projected training data.

``spacy_xlproj.ColumnCorpus.v1`` trains and evaluates straight from CoNLL/IOB/TSV files.
``spacy_xlproj.ProjectedCorpus.v1`` reads labelled *source-language* data and yields
*target-language* examples: it translates, aligns and projects once, caches the result
on disk, and serves every later call (initialisation, each epoch, each evaluation, the
next run) from the cache.

    [corpora.train]
    @readers = "spacy_xlproj.ProjectedCorpus.v1"
    path = "corpus/en/train.conll"
    src_lang = "en"
    tgt_lang = "es"
    translator = "apertium"
    aligner = "eflomal"
    unprojected = "missing"

``projector = "markers"`` projects with the markers method instead of an alignment
projector (the aligner then serves only the entities whose markers broke).

Both are registered through the ``spacy_readers`` entry point, so configs need no
``--code``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .align.base import Aligner
from .errors import UsageError
from .io.atomic import write_atomic
from .project.base import Projector

# spaCy's registry with ours attached: ProjectedCorpus configs nest ``@xlproj_*`` blocks.
from .registry import spacy_registry as registry
from .translate.base import Translator
from .types import Sentence

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.training import Example

logger = logging.getLogger("spacy_xlproj")

UNPROJECTED_POLICIES = ("drop", "keep", "missing")
# ISO 639 codes with optional subtags (es, eus, pt-BR, zh_Hant, xx): they name cache
# files, so nothing else (no "/", no "..") may get in.
LANG_CODE = re.compile(r"[a-z]{2,3}([_-][A-Za-z0-9]{2,8})*")
CACHE_VERSION = 2  # 2: docs without whitespace tokens (transfer.train)
SPANS_KEY = "xlproj"
_N_SOURCE = "xlproj_source_entities"  # Doc.user_data key: entities of the source sentence

Augmenter = Callable[["Language", "Example"], Iterable["Example"]]


# -- ColumnCorpus --------------------------------------------------------------------


@registry.readers("spacy_xlproj.ColumnCorpus.v1")
def create_column_corpus(
    path: Path,
    limit: int = 0,
    max_length: int = 0,
    gold_preproc: bool = False,
    augmenter: Augmenter | None = None,
    strip_lang_prefix: bool | None = None,
) -> Callable[[Language], Iterator[Example]]:
    """Read training or evaluation examples from a CoNLL/IOB/TSV column file.

    path (Path): The file: the token in the first column, the tag in the last (IOB1,
        IOB2, BIOES), blank lines between sentences, ``-DOCSTART-`` lines skipped.
    limit (int): Stop after this many sentences (0: no limit).
    max_length (int): Skip sentences with more tokens than this (0: no limit).
    gold_preproc (bool): Keep the file's tokens as the predicted tokens; otherwise the
        pipeline's tokenizer re-tokenises the text and spaCy aligns the two.
    augmenter (Callable | None): A data augmenter (``@augmenters``).
    strip_lang_prefix (bool | None): Strip WikiANN's ``lang:`` token prefixes; ``None``
        detects them from the file's first token.
    """
    return ColumnCorpus(
        path,
        limit=limit,
        max_length=max_length,
        gold_preproc=gold_preproc,
        augmenter=augmenter,
        strip_lang_prefix=strip_lang_prefix,
    )


class ColumnCorpus:
    """Iterate the sentences of a column file as ``Example`` objects.

    Cheap to call again: each call streams the file anew, as spaCy's own ``Corpus``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        limit: int = 0,
        max_length: int = 0,
        gold_preproc: bool = False,
        augmenter: Augmenter | None = None,
        strip_lang_prefix: bool | None = None,
    ) -> None:
        self.path = Path(path)
        self.limit = check_count(limit, "limit")
        self.max_length = check_count(max_length, "max_length")
        self.gold_preproc = gold_preproc
        self.augmenter = augmenter
        self.strip_lang_prefix = strip_lang_prefix
        self.skipped_too_long = 0

    def __call__(self, nlp: Language) -> Iterator[Example]:
        from .io import iter_columns, sentence_to_doc

        n = 0
        skipped = 0
        for sentence in iter_columns(self.path, strip_lang_prefix=self.strip_lang_prefix):
            if self.limit and n >= self.limit:
                break
            n += 1
            if self.max_length and len(sentence) > self.max_length:
                skipped += 1
                continue
            yield from _examples(nlp, sentence_to_doc(nlp.vocab, sentence), self)
        if skipped != self.skipped_too_long:
            self.skipped_too_long = skipped
            logger.info(
                "%s: skipped %d sentences longer than max_length=%d",
                self.path,
                skipped,
                self.max_length,
            )


def _examples(nlp: Language, reference: Doc, reader: Any) -> Iterator[Example]:
    """The example(s) of one reference doc: gold or re-tokenised predicted side, augmented."""
    from spacy.tokens import Doc
    from spacy.training import Example

    if reader.gold_preproc:
        words = [t.text for t in reference]
        spaces = [bool(t.whitespace_) for t in reference]
        predicted = Doc(nlp.vocab, words=words, spaces=spaces)
    else:
        predicted = nlp.make_doc(reference.text)
    example = Example(predicted, reference)
    if reader.augmenter is None:
        yield example
    else:
        yield from reader.augmenter(nlp, example)


# -- ProjectedCorpus -----------------------------------------------------------------


def check_count(value: Any, what: str) -> int:
    """``value`` if it is a whole number >= 0 (0 or None: no limit), else UsageError."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(
            f"{what}={value!r} is not a count: give a whole number >= 1, or 0 for no limit."
        )
    return value


def check_lang_code(value: Any, what: str) -> str:
    """``value`` if it is a language code (``es``, ``eus``, ``pt-BR``, ``xx``), else UsageError."""
    if not isinstance(value, str) or LANG_CODE.fullmatch(value) is None:
        raise UsageError(
            f"{what}={value!r} is not a language code: use an ISO 639 code such as 'es', "
            "'eus' or 'pt-BR' (2-3 lowercase letters, then optional '-'/'_' subtags of "
            "letters and digits)."
        )
    return value


def check_spacy_lang(value: str, what: str) -> str:
    """``value`` if spaCy has a language class for it (``xx``: multi-language), else
    UsageError: caught when the config is resolved, not after a long projection."""
    from spacy.util import get_lang_class

    try:
        get_lang_class(value)
    except ImportError as err:
        raise UsageError(
            f"{what}={value!r}: spaCy has no language {value!r}; give a language spaCy "
            "has (spacy.blank(code) works), or 'xx' for its multi-language tokenizer."
        ) from err
    return value


def _inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing a name that would lead outside ``folder``."""
    path = folder / name
    root = folder.resolve()
    if Path(name).name != name or not path.resolve().is_relative_to(root):
        raise UsageError(
            f"The cache file name {name!r} would lead outside the cache folder {folder}; "
            "check src_lang, tgt_lang and the file name of path."
        )
    return path


@registry.readers("spacy_xlproj.ProjectedCorpus.v1")
def create_projected_corpus(
    path: Path,
    src_lang: str,
    tgt_lang: str,
    translator: str | Translator = "apertium",
    aligner: str | Aligner | None = "eflomal",
    projector: Projector | str | None = None,
    cache_dir: Path | None = None,
    min_confidence: float = 0.0,
    unprojected: str = "drop",
    limit: int = 0,
    max_length: int = 0,
    gold_preproc: bool = False,
    augmenter: Augmenter | None = None,
    tgt_spacy_lang: str | None = None,
    chunk_size: int = 10_000,
) -> Callable[[Language], Iterator[Example]]:
    """Project labelled source-language data into target-language training examples.

    The source sentences are translated, aligned and projected once; the projected
    docs are cached in ``cache_dir`` as a DocBin keyed by the input file's hash and the
    backends' settings, so spaCy's repeated calls (initialisation, every epoch, every
    evaluation, the next run) cost no translation. ``min_confidence`` and
    ``unprojected`` apply when reading, so changing them reuses the cache.

    path (Path): Labelled source data: a ``.spacy`` file or a column file.
    src_lang (str): The language of ``path``.
    tgt_lang (str): The language to project into (the pipeline's language).
    translator (str | Translator): A spec (``"apertium"``, ``"hf:DIR"``,
        ``"file:PATH"``) or an ``@xlproj_translators`` block.
    aligner (str | Aligner | None): A spec (``"eflomal"``, ``"simalign:DIR"``) or an
        ``@xlproj_aligners`` block; ``None`` only with ``projector = "markers"`` (the
        entities whose markers broke are then dropped).
    projector (Projector | str | None): An ``@xlproj_projectors`` block, or
        ``"markers"`` for the markers method (entities bracketed before translation
        and read back; the heuristic projector places those whose markers broke);
        ``None`` uses the alignment heuristic with its defaults.
    cache_dir (Path | None): Where projected corpora (and translations, for a translator
        given as a spec) are cached: ``$XLPROJ_CACHE_DIR`` or ``~/.cache/spacy_xlproj``
        by default.
    min_confidence (float): Projected spans scoring lower count as unprojected.
    unprojected (str): What a source entity that was not projected does to its
        sentence: ``"drop"`` the sentence; ``"keep"`` it with the entity's words ``O``;
        or keep it with every token outside its projected entities marked *missing*,
        so the model learns the entities it does see and no false ``O``\\s
        (``"missing"``). Sentences whose translation is empty are always dropped.
    limit (int): Project only the first ``limit`` source sentences (0: all).
    max_length (int): Skip target sentences with more tokens than this (0: no limit).
    gold_preproc (bool): Use the projected tokens as the predicted tokens; otherwise
        the pipeline's tokenizer re-tokenises the translation.
    augmenter (Callable | None): A data augmenter (``@augmenters``).
    tgt_spacy_lang (str | None): The spaCy language that tokenises translations
        (``tgt_lang`` by default, ``"xx"`` where spaCy lacks it).
    chunk_size (int): Sentences per translate and align call.
    """
    return ProjectedCorpus(
        path,
        src_lang=src_lang,
        tgt_lang=tgt_lang,
        translator=translator,
        aligner=aligner,
        projector=projector,
        cache_dir=cache_dir,
        min_confidence=min_confidence,
        unprojected=unprojected,
        limit=limit,
        max_length=max_length,
        gold_preproc=gold_preproc,
        augmenter=augmenter,
        tgt_spacy_lang=tgt_spacy_lang,
        chunk_size=chunk_size,
    )


class ProjectedCorpus:
    """Target-language examples projected from a labelled source-language file.

    After the first call the projected docs are held in memory (and on disk), so
    later calls only rebuild ``Example`` objects. ``report`` counts what happened to
    every source sentence and entity on the last call.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        src_lang: str,
        tgt_lang: str,
        translator: str | Translator = "apertium",
        aligner: str | Aligner | None = "eflomal",
        projector: Projector | str | None = None,
        cache_dir: str | Path | None = None,
        min_confidence: float = 0.0,
        unprojected: str = "drop",
        limit: int = 0,
        max_length: int = 0,
        gold_preproc: bool = False,
        augmenter: Augmenter | None = None,
        tgt_spacy_lang: str | None = None,
        chunk_size: int = 10_000,
    ) -> None:
        if unprojected not in UNPROJECTED_POLICIES:
            raise UsageError(
                f"unprojected={unprojected!r} is not one of {', '.join(UNPROJECTED_POLICIES)}: "
                f"'drop' drops sentences with an unprojected entity, 'keep' keeps them with "
                f"its words O, 'missing' keeps them with the unlabelled tokens missing."
            )
        if not 0.0 <= min_confidence <= 1.0:
            raise UsageError(f"min_confidence must lie in [0, 1], got {min_confidence}")
        if chunk_size < 1:
            raise UsageError(f"chunk_size must be at least 1, got {chunk_size}")
        check_lang_code(src_lang, "src_lang")
        check_lang_code(tgt_lang, "tgt_lang")
        if tgt_spacy_lang is not None:
            check_spacy_lang(check_lang_code(tgt_spacy_lang, "tgt_spacy_lang"), "tgt_spacy_lang")
        from .spacy_bridge import check_projector

        check_projector(projector, aligner)
        self.path = Path(path)
        self.src_lang = src_lang
        self.tgt_lang = tgt_lang
        self.translator = translator
        self.aligner = aligner
        self.projector = projector
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir is not None else None
        self.min_confidence = min_confidence
        self.unprojected = unprojected
        self.limit = check_count(limit, "limit")
        self.max_length = check_count(max_length, "max_length")
        self.gold_preproc = gold_preproc
        self.augmenter = augmenter
        self.tgt_spacy_lang = tgt_spacy_lang
        self.chunk_size = chunk_size
        self.report: Counter[str] = Counter()
        self.cache_hit: bool | None = None  # None until the first call
        self._docbin_bytes: bytes | None = None
        self._resolved: Translator | None = None
        self._translator_identity: str | None = None

    # -- the cache ----------------------------------------------------------------------

    @property
    def cache_path(self) -> Path:
        """The DocBin holding this corpus's projection (it may not exist yet)."""
        from .translate.cache import default_cache_dir

        if not self.path.is_file():
            from .errors import DataFormatError

            raise DataFormatError(
                self.path,
                None,
                "file not found.",
                "Check [corpora.train] path (a .spacy or column file of labelled "
                f"{self.src_lang} text).",
            )
        key = hashlib.sha256(json.dumps(self._settings(), sort_keys=True).encode()).hexdigest()
        folder = (self.cache_dir if self.cache_dir is not None else default_cache_dir()) / "corpora"
        name = f"{self.path.stem}.{self.src_lang}-{self.tgt_lang}.{key[:20]}.spacy"
        return _inside(folder, name)

    def _settings(self) -> dict[str, Any]:
        """Everything the projected corpus depends on: its cache key and work manifest.

        The translator counts by identity (``translate.identity``): its name and a hash
        of its content and settings, so a translations file edited in place, or a model
        retrained into the same folder, gives another key and the corpus is rebuilt.
        """
        from .spacy_bridge import describe

        digest = hashlib.sha256()
        with self.path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return {
            "version": CACHE_VERSION,
            "file": digest.hexdigest(),
            "limit": self.limit,
            "src_lang": self.src_lang,
            "tgt_lang": self.tgt_lang,
            "tgt_spacy_lang": self.tgt_spacy_lang,
            "translator": self._identity(),
            "aligner": describe(self.aligner),
            "projector": describe(self._projector()),
        }

    def _translator(self) -> Translator:
        """The translator, built once from a spec (and shared by the key and the work)."""
        if self._resolved is None:
            from .translate.build import resolve_translator

            self._resolved = resolve_translator(
                self.translator, self.src_lang, self.tgt_lang, self.cache_dir
            )
        return self._resolved

    def _identity(self) -> str:
        if self._translator_identity is None:
            from .translate.cache import TranslationCache
            from .translate.identity import translator_identity

            # The translation cache remembers a model's weight digests between runs.
            memo = TranslationCache(self.cache_dir)
            self._translator_identity = translator_identity(self._translator(), memo)
        return self._translator_identity

    def _projector(self) -> Projector | str:
        if self.projector is None:
            from .project.build import build_projector

            self.projector = build_projector()  # ProjectionOptions' defaults
        return self.projector

    def _load(self) -> bytes:
        """The projected DocBin's bytes: from memory, from disk, or projected now."""
        if self._docbin_bytes is not None:
            return self._docbin_bytes
        path = self.cache_path
        if path.is_file():
            self.cache_hit = True
            logger.info("%s: projected corpus read from the cache %s", self.path, path)
            self._docbin_bytes = path.read_bytes()
            return self._docbin_bytes
        self.cache_hit = False
        work = path.with_suffix(".work")
        data = self._project(work).to_bytes()
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)  # renamed into place: a crash never leaves half a cache
        # The finished chunks are in the cache now; a rerun reads the DocBin instead.
        shutil.rmtree(work, ignore_errors=True)
        logger.info("%s: projected corpus cached in %s", self.path, path)
        self._docbin_bytes = data
        return data

    def _project(self, work: Path):  # -> DocBin
        """Translate, align and project the source file into a DocBin of target docs.

        Runs on ``transfer.chunks.run_chunks``, as translate-train does: each finished
        chunk is stored in the work folder ``work`` (beside the cache file), so a
        training run killed while projecting resumes with the first unfinished chunk.
        """
        from spacy.tokens import DocBin

        from .align.build import resolve_aligner
        from .io import iter_sentences
        from .spacy_bridge import blank_pipeline, result_doc
        from .tokenize import Tokenizer
        from .transfer.chunks import run_chunks
        from .transfer.train import chunk_translator, from_record, project_sentences, to_record

        translator = self._translator()
        aligner = resolve_aligner(self.aligner) if self.aligner is not None else None
        projector = self._projector()
        lang = self.tgt_spacy_lang or self.tgt_lang
        tokenizer = Tokenizer(lang)
        vocab = blank_pipeline(lang).vocab
        docbin = DocBin(store_user_data=True)

        def process(index: int, begin: int, chunk: list[Sentence]) -> list[dict]:
            results = project_sentences(
                chunk,
                translator=chunk_translator(translator, begin, chunk),
                aligner=aligner,
                projector=projector,
                tokenizer=tokenizer,
            )
            return [to_record(r) for r in results]

        sentences: Iterable[Sentence] = iter_sentences(self.path, lang=self.src_lang)
        if self.limit:
            sentences = islice(sentences, self.limit)
        chunks = run_chunks(
            sentences,
            process,
            chunk_size=self.chunk_size,
            work_dir=work,
            settings=self._settings(),
            kind="ProjectedCorpus.v1",
        )
        for records in chunks:
            for rec in records:
                result = from_record(rec)
                # All spans are cached; min_confidence applies when reading.
                doc = result_doc(result, vocab, spans_key=SPANS_KEY, min_confidence=0.0)
                doc.user_data[_N_SOURCE] = len(result.source.spans)
                docbin.add(doc)
        return docbin

    # -- reading ------------------------------------------------------------------------

    def __call__(self, nlp: Language) -> Iterator[Example]:
        from spacy.tokens import DocBin

        docbin = DocBin(store_user_data=True).from_bytes(self._load())
        report: Counter[str] = Counter()
        for doc in docbin.get_docs(nlp.vocab):
            reference = self._apply_policy(doc, report)
            if reference is None:
                continue
            if self.max_length and len(reference) > self.max_length:
                report["sentences_too_long"] += 1
                continue
            report["sentences_used"] += 1
            yield from _examples(nlp, reference, self)
        if report != self.report:
            self.report = report
            logger.info("%s: %s", self.path, dict(sorted(report.items())))

    def _apply_policy(self, doc: Doc, report: Counter[str]) -> Doc | None:
        """Set ``doc.ents`` from the cached projection, or return None to drop the doc."""
        report["sentences"] += 1
        n_source = int(doc.user_data.get(_N_SOURCE, 0))
        report["source_entities"] += n_source
        if len(doc) == 0:
            report["sentences_dropped_empty_translation"] += 1
            report["entities_unprojected"] += n_source
            return None
        group = doc.spans[SPANS_KEY]
        scores = group.attrs["scores"]
        ids = group.attrs["source_ids"]
        keep = [k for k, score in enumerate(scores) if score >= self.min_confidence]
        confident = [group[k] for k in keep]
        report["spans_below_min_confidence"] += len(group) - len(keep)
        n_projected = len({ids[k] for k in keep})
        missing = n_source - n_projected
        report["entities_projected"] += n_projected
        report["entities_unprojected"] += missing
        if missing and self.unprojected == "drop":
            report["sentences_dropped_unprojected"] += 1
            return None
        if missing and self.unprojected == "missing":
            report["sentences_with_missing_tokens"] += 1
            doc.set_ents(confident, default="missing")
        else:
            doc.ents = confident
        return doc
