"""Marker-based projection (EasyProject style): translate with the entities bracketed.

Everything of the markers method lives here: marking a sentence (its words, or its own
text with its spacing), tokenising the marked translation, reading the markers back,
giving the marked ranges their labels, and merging with the alignment fallback. The
source entities are wrapped in markers (``[`` ``]`` by default), the marked sentence is
translated, and the bracketed target ranges are read back. Labels go to the marked
ranges in order; a fuzzy check (character similarity of the entity texts) keeps
entities that the translation reordered with their own label, and matches by
similarity when the counts differ. Sentences whose markers were lost or broken
(unbalanced, nested, empty, wrong count) are counted; their entities can fall back to
alignment projection on the unmarked translation.

The user's own marker characters (``[[Reuters]]``) must not be read as markers, nor
rewritten: ``Escape`` hides them behind placeholder characters on the way in and
restores them on the way out, in the target words and the target text. The
placeholders are tried in turn (``ESCAPE_SCHEMES``) for the sentences whose
placeholders the translator lost; a sentence that loses them all is translated
unmarked (its entities go to the fallback), so its text keeps its brackets.

The module works on strings and word lists: the translator comes in as a plain
``translate(texts) -> texts`` callable (``translate_marked``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from ..errors import UsageError
from ..tokenize import Tokenizer
from ..types import Dropped, DropReason, ProjectedSpan, Projection, Sentence, Span

Markers = tuple[str, str]
DEFAULT_MARKERS: Markers = ("[", "]")
# Without an ``Escape``, a marker character inside a source word would be read back as
# a marker: it is swapped for a look-alike (for callers that never show the text).
_MARKER_SUBSTITUTES = {"[": "(", "]": ")", "{": "(", "}": ")", "<": "(", ">": ")"}

EscapeScheme = Literal["private_use", "symbols"]
# Tried in this order for a sentence holding marker characters of its own. Private-use
# characters of plane 15 mean nothing to any translator, and Apertium passes them
# through unchanged, glued to words or not (it drops those of the BMP, U+E000…U+F8FF).
# Subword NMT vocabularies usually lack them; common symbols are their second chance.
ESCAPE_SCHEMES: tuple[EscapeScheme, ...] = ("private_use", "symbols")
_SYMBOLS = "{}|¦§¤~^"


class MarkerStatus:
    """How the markers of one sentence came back (the strings appear in statistics)."""

    OK = "ok"  # every marker pair came back, one per entity
    NO_ENTITIES = "no_entities"  # nothing to mark
    LOST = "lost"  # no marker came back at all
    UNBALANCED = "unbalanced"  # an opening marker without its closing one, or the reverse
    NESTED = "nested"  # a marker pair inside another
    EMPTY = "empty"  # a marker pair around no word
    WRONG_COUNT = "wrong_count"  # well-formed, but not one pair per entity
    # The translator lost the placeholders of the sentence's own marker characters
    # under every scheme: it was translated unmarked, its entities go to the fallback.
    UNMARKED = "unmarked"

    BROKEN = (LOST, UNBALANCED, NESTED, EMPTY, UNMARKED)


class Escape:
    """Placeholders for the user's own marker characters while a text is translated.

    table (Mapping[str, str]): Each marker character -> its placeholder character.
    """

    def __init__(self, table: Mapping[str, str]) -> None:
        self.table = dict(table)
        self._hide = str.maketrans(self.table)
        self._restore = str.maketrans({p: c for c, p in self.table.items()})

    @classmethod
    def choose(
        cls, texts: Iterable[str], markers: Markers, scheme: EscapeScheme = "private_use"
    ) -> Escape | None:
        """Placeholders for the marker characters in ``texts``.

        The placeholders are characters that occur neither in ``texts`` nor in the
        markers, so restoring them gives back exactly the user's characters. None when
        ``texts`` hold no marker character, or use every placeholder of ``scheme``.
        """
        chars = sorted(set("".join(markers)))
        used = set("".join(texts))
        if not used.intersection(chars):
            return None
        taken = used.union(chars)
        free = (c for c in _placeholders(scheme) if c not in taken)
        table = dict(zip(chars, free, strict=False))
        if len(table) < len(chars):
            return None  # the text uses every placeholder of the scheme: try the next one
        return cls(table)

    def hide(self, text: str) -> str:
        """``text`` with every marker character replaced by its placeholder."""
        return text.translate(self._hide)

    def restore(self, text: str) -> str:
        """Undo ``hide``: every placeholder back to the user's character."""
        return text.translate(self._restore)

    def intact(self, sent: str, translation: str) -> bool:
        """Whether each placeholder came back as often as it was sent.

        Anything else (lost, doubled) would put the user's characters in the wrong
        number into the output, so the sentence is translated again another way.
        """
        return all(translation.count(p) == sent.count(p) for p in self.table.values())

    def __repr__(self) -> str:
        return f"Escape({self.table!r})"


def _placeholders(scheme: EscapeScheme) -> Iterator[str]:
    if scheme == "private_use":
        # Supplementary Private Use Area-A.
        return (chr(cp) for cp in range(0xF0000, 0xFFFFE))
    if scheme == "symbols":
        return iter(_SYMBOLS)
    raise UsageError(f"Unknown escape scheme {scheme!r}: use one of {', '.join(ESCAPE_SCHEMES)}.")


def mark(
    words: Sequence[str],
    spans: Sequence[Span],
    markers: Markers = DEFAULT_MARKERS,
    escape: Escape | None = None,
) -> str:
    """Return the sentence as text with every entity wrapped in ``markers``.

    Spans must not overlap. Marker characters inside words are hidden by ``escape``
    (give the same one to ``read_translation`` to get them back), or, without one,
    replaced by look-alikes (``[sic]`` -> ``(sic)``), so that the only markers in the
    text are ours.
    """
    opening, closing = markers
    if escape is not None:
        clean = [escape.hide(w) for w in words]
    else:
        clean = [_strip_markers(w, markers) for w in words]
    starts = {s.start for s in spans}
    ends = Counter(s.end for s in spans)
    out: list[str] = []
    for i, word in enumerate(clean):
        if i in starts:
            out.append(opening)
        out.append(word)
        out.extend([closing] * ends.get(i + 1, 0))
    return " ".join(out)


def _strip_markers(word: str, markers: Markers) -> str:
    for m in markers:
        if m in word:
            word = word.replace(m, _MARKER_SUBSTITUTES.get(m, ""))
    return word or "_"


def mark_text(
    text: str,
    sentence: Sentence,
    markers: Markers = DEFAULT_MARKERS,
    escape: Escape | None = None,
) -> str:
    """``mark`` the entities of ``sentence`` in its own ``text``, keeping its spacing.

    The markers go right around the entity text (``[Ana Torres] visited [Lima].``).
    Marker characters of the text are hidden by ``escape``. Falls back to
    ``mark(sentence.words, …)`` when ``text`` does not hold the words in order, or
    holds a marker character and no ``escape`` is given (``mark`` replaces those).
    """
    fallback = mark(sentence.words, sentence.spans, markers, escape)
    words: Sequence[str] = sentence.words
    if escape is not None:
        text = escape.hide(text)
        words = [escape.hide(w) for w in words]
    if any(c in text for m in markers for c in m):
        return fallback
    bounds: list[tuple[int, int]] = []
    position = 0
    for word in words:
        start = text.find(word, position)
        if start < 0:
            return fallback
        position = start + len(word)
        bounds.append((start, position))
    opening, closing = markers
    # At the same offset a closing marker goes before an opening one.
    inserts = sorted(
        [(bounds[s.start][0], 1, opening) for s in sentence.spans]
        + [(bounds[s.end - 1][1], 0, closing) for s in sentence.spans]
    )
    pieces: list[str] = []
    last = 0
    for offset, _, marker in inserts:
        pieces.extend([text[last:offset], marker])
        last = offset
    pieces.append(text[last:])
    return "".join(pieces)


def _marker_pattern(markers: Markers) -> str:
    # Longest first, so that a marker is never split by a shorter one it contains.
    return "|".join(re.escape(m) for m in sorted(set(markers), key=len, reverse=True))


def _marked_tokens(
    text: str, tokenizer: Tokenizer, markers: Markers, escape: Escape | None
) -> list[tuple[str, bool]]:
    # The text between markers is tokenised on its own, so a marker glued to a word
    # (``[Madrid]``, ``Madrid].``) never merges with it, whatever the language's rules.
    # Placeholders are restored before tokenising: the user's characters come out as
    # the tokenizer splits them in any text (``[[`` -> ``[`` ``[``), never as markers.
    tokens: list[tuple[str, bool]] = []
    for piece in re.split(f"({_marker_pattern(markers)})", text):
        if piece in markers:
            tokens.append((piece, True))
        elif piece.strip():
            piece = escape.restore(piece) if escape is not None else piece
            tokens.extend((word, False) for word in tokenizer(piece))
    return tokens


def tokenize_marked(
    text: str,
    tokenizer: Tokenizer,
    markers: Markers = DEFAULT_MARKERS,
    escape: Escape | None = None,
) -> list[str]:
    """Tokenise ``text`` so that every marker is a token of its own.

    The text between markers is tokenised on its own, so a marker glued to a word
    (``[Madrid]``, ``Madrid].``) never merges with it, whatever the language's rules.
    Placeholders of ``escape`` are restored to the user's characters first.
    """
    return [token for token, _ in _marked_tokens(text, tokenizer, markers, escape)]


def unmark(text: str, markers: Markers = DEFAULT_MARKERS, escape: Escape | None = None) -> str:
    """The translation ``text`` without our markers, the user's characters restored.

    A run of markers becomes one space where it touched whitespace (``Sierro [París]
    ayer.`` -> ``Sierro París ayer.``) and nothing where it was glued on both sides or
    stood at either end of the text.
    """
    marker = f"(?:{_marker_pattern(markers)})"
    pattern = re.compile(rf"\s*{marker}(?:\s*{marker})*\s*")

    def gap(match: re.Match[str]) -> str:
        if match.start() == 0 or match.end() == len(text):
            return ""
        return " " if any(c.isspace() for c in match.group()) else ""

    clean = pattern.sub(gap, text)
    return escape.restore(clean) if escape is not None else clean


def read_marked(
    tokens: Sequence[str],
    markers: Markers = DEFAULT_MARKERS,
    is_marker: Sequence[bool] | None = None,
) -> tuple[list[str], list[tuple[int, int]], str]:
    """Split marked tokens into words and the ``[start, end)`` ranges the markers enclose.

    ``is_marker`` says which tokens are our markers (the user's own ``[`` is a word);
    by default every token equal to a marker is one. Returns the words without
    markers, the ranges (empty when broken) and a status from ``MarkerStatus``
    (``ok`` for well-formed markers, whatever their count).
    """
    opening, closing = markers
    if is_marker is None:
        is_marker = [token in markers for token in tokens]
    words: list[str] = []
    ranges: list[tuple[int, int]] = []
    status = MarkerStatus.OK
    open_at: int | None = None
    seen = False
    for token, marker in zip(tokens, is_marker, strict=True):
        if marker and token == opening:
            seen = True
            if open_at is not None:
                status = MarkerStatus.NESTED
            open_at = len(words)
        elif marker and token == closing:
            seen = True
            if open_at is None:
                if status == MarkerStatus.OK:
                    status = MarkerStatus.UNBALANCED
                continue
            if open_at == len(words):
                if status == MarkerStatus.OK:
                    status = MarkerStatus.EMPTY
            else:
                ranges.append((open_at, len(words)))
            open_at = None
        else:
            words.append(token)
    if open_at is not None and status == MarkerStatus.OK:
        status = MarkerStatus.UNBALANCED
    if not seen:
        status = MarkerStatus.LOST
    if status != MarkerStatus.OK:
        ranges = []
    return words, ranges, status


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def span_similarity(source_text: str, target_text: str) -> float:
    """Similarity in [0, 1] of an entity's source text and a marked target text.

    The larger of the character similarity of the case- and accent-folded texts
    and the share of source words found, folded, in the target (names survive
    translation; ``the European Union`` / ``la Unión Europea`` share ``union``, ``europea``).
    """
    a, b = _fold(source_text), _fold(target_text)
    if not a or not b:
        return 0.0
    chars = SequenceMatcher(None, a, b, autojunk=False).ratio()
    a_words, b_words = a.split(), b.split()
    found = sum(1 for w in a_words if any(_word_match(w, v) for v in b_words))
    return max(chars, found / len(a_words))


def _word_match(a: str, b: str) -> bool:
    if a == b:
        return True
    prefix = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix += 1
    return prefix >= 4 and prefix >= 0.6 * min(len(a), len(b))


def assign_labels(
    src_words: Sequence[str],
    src_spans: Sequence[Span],
    tgt_words: Sequence[str],
    ranges: Sequence[tuple[int, int]],
    *,
    min_similarity: float = 0.5,
    reorder_margin: float = 0.5,
) -> tuple[list[ProjectedSpan], list[int]]:
    """Give each marked target range the label of one source entity.

    With one range per entity, labels go in order unless another one-to-one
    assignment is more similar by more than ``reorder_margin`` in total (the
    translation moved the entities). With other counts, entities and ranges are
    matched by similarity, keeping only pairs of at least ``min_similarity``.
    Returns the projected spans (score = similarity) and the source entities left out.
    """
    if not src_spans or not ranges:
        return [], list(range(len(src_spans)))
    src_texts = [" ".join(src_words[s.start : s.end]) for s in src_spans]
    tgt_texts = [" ".join(tgt_words[a:b]) for a, b in ranges]
    sim = [[span_similarity(s, t) for t in tgt_texts] for s in src_texts]
    pairs: list[tuple[int, int]]
    if len(src_spans) == len(ranges):
        in_order = [(i, i) for i in range(len(ranges))]
        best = _best_assignment(sim)
        gain = sum(sim[i][j] for i, j in best) - sum(sim[i][j] for i, j in in_order)
        pairs = best if gain > reorder_margin else in_order
    else:
        pairs = [(i, j) for i, j in _best_assignment(sim) if sim[i][j] >= min_similarity]
    spans = [
        ProjectedSpan(ranges[j][0], ranges[j][1], src_spans[i].label, i, round(sim[i][j], 4))
        for i, j in pairs
    ]
    placed = {i for i, _ in pairs}
    return sorted(spans), [i for i in range(len(src_spans)) if i not in placed]


def _best_assignment(sim: list[list[float]]) -> list[tuple[int, int]]:
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(sim, maximize=True)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=False)]


@dataclass(slots=True)
class MarkedTranslation:
    """One sentence's marked translation, read back.

    words: the target words without markers (the unmarked translation), the user's
    own marker characters restored.
    spans: entities placed by markers. lost: source entity indices not placed.
    status: a ``MarkerStatus`` string.
    text: the translation without our markers, the user's own characters restored:
    the target text (its spacing goes with ``words``).
    """

    words: list[str]
    spans: list[ProjectedSpan]
    lost: list[int]
    status: str
    text: str = ""


def read_translation(
    src_words: Sequence[str],
    src_spans: Sequence[Span],
    translation: str,
    tokenizer: Tokenizer,
    *,
    markers: Markers = DEFAULT_MARKERS,
    min_similarity: float = 0.5,
    escape: Escape | None = None,
) -> MarkedTranslation:
    """Read the entities back from the translation of ``mark(src_words, src_spans, …)``.

    ``escape`` is the one the sentence was marked with: its placeholders become the
    user's characters again, as words, never as markers.
    """
    if not src_spans:
        # Markers in a translation of an unmarked sentence are the translator's own
        # text, or the user's: words, and the text stays as it came.
        words = tokenize_marked(translation, tokenizer, markers, escape)
        text = escape.restore(translation) if escape is not None else translation
        return MarkedTranslation(words, [], [], MarkerStatus.NO_ENTITIES, text)
    tokens = _marked_tokens(translation, tokenizer, markers, escape)
    words, ranges, status = read_marked(
        [token for token, _ in tokens], markers, [marker for _, marker in tokens]
    )
    if status == MarkerStatus.OK and len(ranges) != len(src_spans):
        status = MarkerStatus.WRONG_COUNT
    spans, lost = assign_labels(src_words, src_spans, words, ranges, min_similarity=min_similarity)
    return MarkedTranslation(words, spans, lost, status, unmark(translation, markers, escape))


def _prepare(
    sentence: Sentence, text: str | None, markers: Markers, scheme: EscapeScheme | None
) -> tuple[str, Escape | None] | None:
    # What to send for one sentence under one escape scheme (None: unmarked), and the
    # escape that undoes it; None when the scheme has no free placeholders for it.
    if not sentence.spans or scheme is None:
        # Nothing of ours to mark: the user's text goes as it is, brackets included.
        return (text if text is not None else " ".join(sentence.words)), None
    own = [text or "", *sentence.words]
    escape = Escape.choose(own, markers, scheme)
    if escape is None and any(c in t for t in own for m in markers for c in m):
        return None  # without an escape ``mark`` would rewrite the user's brackets
    if text is None:
        return mark(sentence.words, sentence.spans, markers, escape), escape
    return mark_text(text, sentence, markers, escape), escape


def translate_marked(
    sentences: Sequence[Sentence],
    translate: Callable[[list[str]], list[str]],
    tokenizer: Tokenizer,
    *,
    texts: Sequence[str] | None = None,
    markers: Markers = DEFAULT_MARKERS,
    min_similarity: float = 0.5,
) -> list[MarkedTranslation]:
    """Mark, translate and read back a batch of sentences.

    One ``translate`` call for the batch; a sentence holding marker characters of its
    own whose placeholders did not all come back is sent again with the next scheme of
    ``ESCAPE_SCHEMES`` (one more call for those only), and after the last, unmarked
    (status ``unmarked``: its entities are all ``lost``, for the fallback).

    sentences (Sequence[Sentence]): Labelled source sentences.
    translate (Callable[[list[str]], list[str]]): One translation per text, in order.
    tokenizer (Tokenizer): Splits the translations into words.
    texts (Sequence[str] | None): Each sentence's own text, marked in place
        (``mark_text``); the words joined by spaces when None.
    markers (tuple[str, str]): Opening and closing markers.
    min_similarity (float): Lowest similarity of entity and marked text for a match
        when the number of marked spans is wrong.
    RETURNS (list[MarkedTranslation]): One per sentence, in order.
    """
    if texts is not None and len(texts) != len(sentences):
        raise ValueError(f"Got {len(texts)} texts for {len(sentences)} sentences.")
    results: list[MarkedTranslation | None] = [None] * len(sentences)
    pending = list(range(len(sentences)))
    for scheme in (*ESCAPE_SCHEMES, None):
        if not pending:
            break
        jobs: list[tuple[int, str, Escape | None]] = []
        later: list[int] = []
        for k in pending:
            prepared = _prepare(sentences[k], None if texts is None else texts[k], markers, scheme)
            if prepared is None:
                later.append(k)
            else:
                jobs.append((k, *prepared))
        translations = translate([sent for _, sent, _ in jobs]) if jobs else []
        if len(translations) != len(jobs):
            raise ValueError(f"Got {len(translations)} translations for {len(jobs)} texts.")
        pending = later
        for (k, sent, escape), translation in zip(jobs, translations, strict=True):
            sentence = sentences[k]
            if escape is not None and not escape.intact(sent, translation):
                pending.append(k)
            elif scheme is None and sentence.spans:
                words = tokenize_marked(translation, tokenizer, markers)
                lost = list(range(len(sentence.spans)))
                results[k] = MarkedTranslation(words, [], lost, MarkerStatus.UNMARKED, translation)
            else:
                results[k] = read_translation(
                    sentence.words,
                    sentence.spans,
                    translation,
                    tokenizer,
                    markers=markers,
                    min_similarity=min_similarity,
                    escape=escape,
                )
    return [r for r in results if r is not None]


def merge_fallback(
    marked: MarkedTranslation, fallback: Projection | None, n_sources: int
) -> Projection:
    """Combine marker spans with fallback spans for the lost entities.

    ``fallback`` was projected from the lost entities only, so its ``source``
    indices point into ``marked.lost``. A fallback span that overlaps a marker span
    is not taken. Every entity that ends up without a span is dropped as
    ``markers_lost``.
    """
    spans = list(marked.spans)
    taken = [False] * len(marked.words)
    for s in spans:
        for k in range(s.start, s.end):
            taken[k] = True
    if fallback is not None:
        for s in sorted(fallback.spans, key=lambda s: (-s.score, s.start)):
            if any(taken[s.start : s.end]):
                continue
            source = marked.lost[s.source]
            spans.append(ProjectedSpan(s.start, s.end, s.label, source, s.score))
            for k in range(s.start, s.end):
                taken[k] = True
    placed = {s.source for s in spans}
    dropped = [Dropped(i, DropReason.MARKERS_LOST) for i in range(n_sources) if i not in placed]
    return Projection(sorted(spans), dropped)


@dataclass(slots=True)
class MarkerStats:
    """Counts of the markers method: how sentences came back and who placed each entity."""

    sentences: Counter = field(default_factory=Counter)
    by_markers: int = 0
    by_fallback: int = 0
    lost: int = 0

    def add(self, status: str, by_markers: int, projection: Projection) -> None:
        """Count one sentence: its ``MarkerStatus``, the spans markers placed, the result."""
        self.sentences[status] += 1
        self.by_markers += by_markers
        self.by_fallback += len(projection.spans) - by_markers
        self.lost += len(projection.dropped)

    def to_dict(self) -> dict:
        failed = sum(n for s, n in self.sentences.items() if s in MarkerStatus.BROKEN)
        return {
            "sentences": dict(sorted(self.sentences.items())),
            "sentences_broken": failed,
            "sentences_wrong_count": self.sentences.get(MarkerStatus.WRONG_COUNT, 0),
            "entities_by_markers": self.by_markers,
            "entities_by_fallback": self.by_fallback,
            "entities_lost": self.lost,
        }
