"""spaCy's binary corpus format (``.spacy`` DocBin files) to and from sentences."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError, DataFormatError
from ..types import Sentence, Span
from .atomic import atomic_path
from .text import DataFileNotFoundError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, DocBin
    from spacy.vocab import Vocab


def spacy_lang(lang: str) -> str:
    """``lang`` if spaCy has a language class for it, else ``"xx"`` (multi-language).

    Languages such as Esperanto have no spaCy class; their docs and tokenizers use
    the multi-language rules instead of failing at the end of a long run.
    """
    from spacy.util import get_lang_class

    try:
        get_lang_class(lang)
    except ImportError:
        return "xx"
    return lang


def blank_vocab(lang: str = "xx") -> Vocab:
    """Create the vocab of a blank pipeline for ``lang`` (``xx`` where spaCy lacks it).

    Cheaper than ``spacy.blank(lang).vocab``: building a Language loads every
    installed spaCy plugin (spacy-transformers imports torch), a vocab does not.

    lang (str): A language code, e.g. ``"es"``, ``"eo"`` or ``"xx"``.
    RETURNS (Vocab): An empty vocab for the language.
    """
    from spacy.util import get_lang_class
    from spacy.vocab import create_vocab

    lang = spacy_lang(lang)
    return create_vocab(lang, get_lang_class(lang).Defaults)


def sentence_to_doc(vocab_or_nlp: Vocab | Language, sentence: Sentence) -> Doc:
    """Build a Doc from a sentence, with its spans as entities.

    vocab_or_nlp (Vocab | Language): The vocab, or a pipeline whose vocab to use.
    sentence (Sentence): Words and non-overlapping spans.
    RETURNS (Doc): The doc, a space after every word but the last; words outside the
        spans are marked as outside an entity (not as missing).
    """
    from spacy.tokens import Doc
    from spacy.tokens import Span as SpacySpan

    vocab = getattr(vocab_or_nlp, "vocab", vocab_or_nlp)
    n = len(sentence.words)
    doc = Doc(vocab, words=list(sentence.words), spaces=[True] * (n - 1) + [False] if n else [])
    ents = [SpacySpan(doc, s.start, s.end, label=s.label) for s in sorted(sentence.spans)]
    # default="outside": every other word is a known O, not missing annotation.
    doc.set_ents(ents, default="outside")
    return doc


def doc_to_sentence(doc: Doc) -> Sentence:
    """Turn a Doc (or a sentence Span of one) into a Sentence: token texts and entities.

    doc (Doc): The doc, or a Span such as one of ``doc.sents``.
    RETURNS (Sentence): The words and the entity spans, indexed from the doc's start.
    """
    offset = getattr(doc, "start", 0)
    words = [token.text for token in doc]
    spans = [Span(ent.start - offset, ent.end - offset, ent.label_) for ent in doc.ents]
    return Sentence(words, spans)


def sentences_to_docbin(
    sentences: Iterable[Sentence], lang: str = "xx", *, nlp: Language | None = None
) -> DocBin:
    """Build a DocBin with one Doc per sentence.

    sentences (Iterable[Sentence]): The sentences. Words must be non-empty and without
        whitespace (ValueError naming the sentence), as :func:`iter_docbin` requires.
    lang (str): The language code of the blank pipeline whose vocab is used.
    nlp (Language | None): A pipeline to use instead of a blank one.
    RETURNS (DocBin): The DocBin, ready for ``to_disk``.
    """
    from spacy.tokens import DocBin

    vocab = nlp.vocab if nlp is not None else blank_vocab(lang)
    docbin = DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE", "SENT_START"], store_user_data=False)
    for i, sentence in enumerate(sentences):
        words = sentence.words
        # The reader refuses such words (see iter_docbin), so the writer does too.
        if len(" ".join(words).split()) != len(words):
            word = next(w for w in words if not w or any(c.isspace() for c in w))
            raise DataError(
                f"sentence {i} has the word {word!r}, which cannot be written to a DocBin: "
                "words must be non-empty and contain no whitespace. Re-tokenise the sentence "
                "or replace the word."
            )
        try:
            docbin.add(sentence_to_doc(vocab, sentence))
        except ValueError as err:
            raise DataError(f"sentence {i} cannot be made into a spaCy Doc: {err}") from None
    return docbin


def write_docbin(path: str | Path, sentences: Iterable[Sentence], lang: str = "xx") -> None:
    """Write sentences to a ``.spacy`` file, one Doc per sentence.

    The file is replaced only once every sentence is in the DocBin (see
    :func:`~spacy_xlproj.io.atomic.atomic_path`): a sentence that cannot be made
    into a Doc leaves the old file, or none, never a partial one.

    path (str | Path): The output file; its folder must exist.
    sentences (Iterable[Sentence]): The sentences; spans must not overlap.
    lang (str): The language code of the blank pipeline whose vocab is used.
    """
    docbin = sentences_to_docbin(sentences, lang)
    with atomic_path(path) as tmp:
        docbin.to_disk(tmp)


def iter_docbin(path: str | Path, lang: str = "xx") -> Iterator[Sentence]:
    """Stream the sentences of a ``.spacy`` file.

    A Doc with sentence boundaries gives one Sentence per sentence, any other Doc
    gives one Sentence. A token with whitespace (spaCy makes ``" "`` and ``"\\n"``
    tokens from raw text) is a DataFormatError naming the doc and token: text files,
    alignments and translators would read it as several words or none, and it could
    not be written to a column or text file.

    path (str | Path): The file.
    lang (str): The language code of the blank pipeline whose vocab is used.
    YIELDS (Sentence): The sentences with their entities.
    """
    from spacy.tokens import DocBin

    path = Path(path)
    if not path.is_file():
        raise DataFileNotFoundError(path)
    try:
        docbin = DocBin().from_disk(path)
    except Exception as err:  # DocBin raises several kinds for a damaged file
        raise DataFormatError(
            path,
            None,
            f"could not be read as a spaCy DocBin ({type(err).__name__}: {err}).",
            "Check that it is a .spacy file made by DocBin.to_disk or `spacy convert`.",
        ) from None
    vocab = blank_vocab(lang)
    for i, doc in enumerate(docbin.get_docs(vocab)):
        # An empty doc has no sentences, but it is still a (line-aligned) sentence.
        if len(doc) == 0 or not doc.has_annotation("SENT_START"):
            yield _checked(doc_to_sentence(doc), path, i)
            continue
        for ent in doc.ents:
            if any(doc[k].is_sent_start for k in range(ent.start + 1, ent.end)):
                raise DataFormatError(
                    path,
                    None,
                    f"doc {i}: the entity {ent.text!r} ({ent.label_}, tokens "
                    f"{ent.start}-{ent.end}) crosses a sentence boundary.",
                    "Fix the sentence boundaries or the entity so that each entity lies "
                    "inside one sentence.",
                )
        for sent in doc.sents:
            yield _checked(doc_to_sentence(sent), path, i, sent.start)


def _checked(sentence: Sentence, path: Path, doc_index: int, offset: int = 0) -> Sentence:
    """The sentence, unless a word is empty or has whitespace (see :func:`iter_docbin`)."""
    words = sentence.words
    # One C-level split per sentence instead of a regex per word.
    if len(" ".join(words).split()) == len(words):
        return sentence
    k = next(k for k, w in enumerate(words) if not w or any(c.isspace() for c in w))
    raise DataFormatError(
        path,
        None,
        f"doc {doc_index}, token {offset + k}: {words[k]!r} contains whitespace, which text "
        "files, alignments and translators would read as several words or none.",
        "Remove whitespace tokens (keep `[t for t in doc if not t.is_space]`) or "
        "re-tokenise, then write the DocBin again.",
    )


def read_docbin(path: str | Path, lang: str = "xx") -> list[Sentence]:
    """Read all sentences of a ``.spacy`` file; see :func:`iter_docbin`."""
    return list(iter_docbin(path, lang))


@contextlib.contextmanager
def msgpack_registry_looked_up_once(kind: str) -> Iterator[None]:
    """Let srsly find its msgpack ``encoders`` or ``decoders`` once, not on every call.

    srsly asks its catalogue registry for every encoder each time a ``Packer`` is built,
    and for every decoder on each ``msgpack_loads``: a scan of all catalogue registrations
    (spaCy's included) and of the installed packages' entry points. A DocBin with span
    groups packs twice per doc when written and unpacks each group when read; those scans
    were two thirds of the time of writing 10,000 docs and made reading three times slower
    (9 s instead of 3). The registry does not change while a DocBin is built or read, so
    the first answer is reused; anything unexpected in srsly leaves it untouched.
    """
    try:
        from srsly import msgpack

        registry = getattr(msgpack, f"msgpack_{kind}")
        found = registry.get_all()
    except (ImportError, AttributeError):  # a srsly without the registry: nothing to do
        yield
        return
    if "get_all" in vars(registry):  # already cached by an enclosing call
        yield
        return
    registry.get_all = lambda: found
    try:
        yield
    finally:
        del registry.get_all
