"""A persistent translation cache: one sqlite file, keyed by backend name and text.

Translating a corpus is the slowest step of the pipeline and is repeated by every
experiment, so :class:`CachedTranslator` only sends the texts it has never seen to the
backend, and writes each finished chunk at once: a crashed run resumes where it stopped.
sqlite's locking makes the file safe to share between processes.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import XlprojError
from ..registry import translators
from .base import Translator

CACHE_ENV = "XLPROJ_CACHE_DIR"
CACHE_FILE = "translations.sqlite3"
# sqlite limits the number of "?" parameters in one statement (999 in old builds).
_LOOKUP_BATCH = 500


def default_cache_dir() -> Path:
    """``$XLPROJ_CACHE_DIR``, else ``~/.cache/spacy_xlproj``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "spacy_xlproj"


class TranslationCache:
    """Translations stored in ``<cache_dir>/translations.sqlite3``.

    cache_dir (str | Path | None): Folder of the cache; :func:`default_cache_dir` when None.
    """

    def __init__(self, cache_dir: str | Path | None = None) -> None:
        self.dir = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / CACHE_FILE
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS translations ("
                " backend TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,"
                " PRIMARY KEY (backend, source))"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A fresh connection per operation: nothing is held open between calls, so the
        # object can be pickled and used from several processes.
        conn = sqlite3.connect(self.path, timeout=60)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:
                yield conn
        finally:
            conn.close()

    def get_many(self, backend: str, texts: Iterable[str]) -> dict[str, str]:
        """Return the cached translations of ``texts`` (missing texts are left out)."""
        unique = list(dict.fromkeys(texts))
        found: dict[str, str] = {}
        with self._connect() as conn:
            for start in range(0, len(unique), _LOOKUP_BATCH):
                batch = unique[start : start + _LOOKUP_BATCH]
                marks = ",".join("?" * len(batch))
                rows = conn.execute(
                    "SELECT source, target FROM translations"
                    f" WHERE backend = ? AND source IN ({marks})",
                    [backend, *batch],
                )
                found.update(rows.fetchall())
        return found

    def put_many(self, backend: str, pairs: Iterable[tuple[str, str]]) -> None:
        """Store ``(source, translation)`` pairs, replacing older entries."""
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO translations (backend, source, target) VALUES (?, ?, ?)",
                [(backend, s, t) for s, t in pairs],
            )

    def count(self, backend: str | None = None) -> int:
        """Number of stored translations (of one backend when given)."""
        with self._connect() as conn:
            if backend is None:
                return conn.execute("SELECT COUNT(*) FROM translations").fetchone()[0]
            sql = "SELECT COUNT(*) FROM translations WHERE backend = ?"
            return conn.execute(sql, (backend,)).fetchone()[0]


class CachedTranslator:
    """Wrap a translator so that only texts missing from the cache reach it.

    translator (Translator): The backend; its ``name`` is the cache key.
    cache_dir (str | Path | None): Folder of the sqlite cache.
    chunk_size (int | None): Texts sent to the backend at once; each chunk is stored when
        done. None takes the backend's own ``chunk_size`` (Apertium: one process per chunk)
        or 256.
    progress (bool | None): Show a progress bar; None shows one when more than one chunk
        is needed.
    """

    def __init__(
        self,
        translator: Translator,
        cache_dir: str | Path | None = None,
        *,
        chunk_size: int | None = None,
        progress: bool | None = None,
    ) -> None:
        if not getattr(translator, "cacheable", True):
            raise XlprojError(
                f"Translator '{translator.name}' answers by position, not by text, so it "
                "cannot be cached. Use it directly."
            )
        self.translator = translator
        self.cache = TranslationCache(cache_dir)
        self.chunk_size = chunk_size or getattr(translator, "chunk_size", None) or 256
        self.progress = progress
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        return self.translator.name

    @property
    def src_lang(self) -> str:
        return self.translator.src_lang

    @property
    def tgt_lang(self) -> str:
        return self.translator.tgt_lang

    def __getattr__(self, attr: str):  # noqa: ANN204
        # Statistics of the backend (splits, calls) stay reachable through the wrapper.
        if attr == "translator":
            raise AttributeError(attr)
        return getattr(self.translator, attr)

    def translate(self, texts: Sequence[str]) -> list[str]:
        """Translate ``texts``, sending only cache misses to the backend."""
        key = self.translator.name
        found = self.cache.get_many(key, texts)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        self.hits += sum(1 for t in texts if t in found)
        self.misses += len(missing)
        if missing:
            show = self.progress if self.progress is not None else len(missing) > self.chunk_size
            bar = _progress_bar(len(missing), key, show)
            try:
                for start in range(0, len(missing), self.chunk_size):
                    chunk = missing[start : start + self.chunk_size]
                    done = self.translator.translate(chunk)
                    if len(done) != len(chunk):
                        raise XlprojError(
                            f"Translator '{key}' returned {len(done)} translations "
                            f"for {len(chunk)} texts."
                        )
                    self.cache.put_many(key, zip(chunk, done, strict=True))
                    found.update(zip(chunk, done, strict=True))
                    bar.update(len(chunk))
            finally:
                bar.close()
        return [found[t] for t in texts]


def _progress_bar(total: int, desc: str, show: bool):  # noqa: ANN202
    from tqdm import tqdm

    return tqdm(
        total=total, desc=f"translate {desc}", unit="sent", disable=not show, file=sys.stderr
    )


@translators("spacy_xlproj.CachedTranslator.v1")
def make_cached_translator(
    translator: Translator, cache_dir: str | None = None, chunk_size: int | None = None
) -> CachedTranslator:
    """Registered constructor of :class:`CachedTranslator`."""
    return CachedTranslator(translator, cache_dir, chunk_size=chunk_size)
