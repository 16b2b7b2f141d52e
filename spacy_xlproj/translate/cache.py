"""A persistent translation cache: one sqlite file, keyed by translator identity and text.

Translating a corpus is the slowest step of the pipeline and is repeated by every
experiment, so :class:`CachedTranslator` only sends the texts it has never seen to the
backend, and writes each finished chunk at once: a crashed run resumes where it stopped.
sqlite's locking makes the file safe to share between processes.

An entry is valid only for the exact translator that made it: the key is
:func:`~.identity.translator_identity` (name, plus a hash of the translations file's or
model folder's content and of the settings that change the output), so a corrected
file or a retrained model misses. The same database remembers large files' digests
(``file_digests``), so a model's weights are hashed once, not on every run.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import DataError, XlprojError
from ..io.paths import CACHE_FILE  # one name for the database, which the path checks know
from ..registry import translators
from .base import Translator
from .identity import DigestMemo, translator_identity

CACHE_ENV = "XLPROJ_CACHE_DIR"
# sqlite limits the number of "?" parameters in one statement (999 in old builds).
_LOOKUP_BATCH = 500
# The tables a translation cache holds, with their columns: anything else is not ours.
_TABLES = {
    "translations": ("backend", "source", "target"),
    "file_digests": ("path", "size", "mtime_ns", "sha256"),
}
_FIX = "move it away; the cache is rebuilt on the next run"


class CacheError(DataError):
    """The translation cache's folder or database cannot be used (one line: the file, the fix)."""


def default_cache_dir() -> Path:
    """``$XLPROJ_CACHE_DIR``, else ``~/.cache/spacy_xlproj``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "spacy_xlproj"


class TranslationCache:
    """Translations stored in ``<cache_dir>/translations.sqlite3``.

    cache_dir (str | Path | None): Folder of the cache; :func:`default_cache_dir` when None.

    RAISES (CacheError): ``cache_dir`` is a file or cannot be created, or the database is
        damaged, truncated or not a translation cache.
    """

    def __init__(self, cache_dir: str | Path | None = None) -> None:
        self.dir = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        if self.dir.exists() and not self.dir.is_dir():
            raise CacheError(
                f"The cache folder {self.dir} is a file: give a folder for the cache "
                "(it is created when missing)."
            )
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise CacheError(
                f"The cache folder {self.dir} cannot be created ({err.strerror or err}): "
                "give a folder that can be written."
            ) from err
        self.path = self.dir / CACHE_FILE
        if self.path.exists() and not self.path.is_file():
            raise CacheError(f"The translation cache {self.path} is not a file: {_FIX}.")
        with self._connect(check=True) as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS translations ("
                " backend TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,"
                " PRIMARY KEY (backend, source))"
            )
            conn.execute(
                "CREATE TABLE IF NOT EXISTS file_digests ("
                " path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,"
                " sha256 TEXT NOT NULL)"
            )

    def _check_tables(self, conn: sqlite3.Connection) -> None:
        """Refuse a database that holds other tables than a translation cache's: adding
        ours to someone else's database, or reading theirs as translations, is wrong."""
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        for (table,) in rows:
            columns = tuple(r[1] for r in conn.execute(f"PRAGMA table_info('{table}')"))
            if _TABLES.get(table) != columns:
                raise CacheError(
                    f"The translation cache {self.path} is another program's sqlite database "
                    f"(it has a table {table!r}): {_FIX}, or give another cache folder."
                )

    @contextmanager
    def _connect(self, check: bool = False) -> Iterator[sqlite3.Connection]:
        # A fresh connection per operation: nothing is held open between calls, so the
        # object can be pickled and used from several processes.
        try:
            conn = sqlite3.connect(self.path, timeout=60)
        except sqlite3.Error as err:
            raise self._damaged(err) from err
        try:
            if check:  # before WAL mode, which would rewrite a foreign file's header
                self._check_tables(conn)
            conn.execute("PRAGMA journal_mode=WAL")
            with conn:
                yield conn
        except sqlite3.OperationalError as err:
            if "locked" in str(err) or "busy" in str(err):
                raise  # another process held the file for a minute: not damage
            raise self._damaged(err) from err
        except sqlite3.DatabaseError as err:
            raise self._damaged(err) from err
        finally:
            conn.close()

    def _damaged(self, err: sqlite3.Error) -> CacheError:
        return CacheError(
            f"The translation cache {self.path} cannot be read ({err}): it is damaged, "
            f"truncated or not a translation cache; {_FIX}."
        )

    def get_digest(self, path: str, size: int, mtime_ns: int) -> str | None:
        """The remembered SHA-256 of a file with this path, size and mtime, if any."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT sha256 FROM file_digests WHERE path = ? AND size = ? AND mtime_ns = ?",
                (path, size, mtime_ns),
            ).fetchone()
        return row[0] if row else None

    def put_digest(self, path: str, size: int, mtime_ns: int, digest: str) -> None:
        """Remember a file's SHA-256 (replacing what was remembered for its path)."""
        with self._connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO file_digests (path, size, mtime_ns, sha256)"
                " VALUES (?, ?, ?, ?)",
                (path, size, mtime_ns, digest),
            )

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

    translator (Translator): The backend; :func:`~.identity.translator_identity` of it is
        the cache key.
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
        self._key: str | None = None

    @property
    def name(self) -> str:
        return self.translator.name

    @property
    def key(self) -> str:
        """The backend's identity in the cache (computed once: it may hash a model)."""
        if self._key is None:
            self._key = translator_identity(self.translator, self.cache)
        return self._key

    def fingerprint(self, memo: DigestMemo | None = None) -> str:
        """The backend's fingerprint, with large files' digests remembered in the cache."""
        return self.key.partition("#")[2]

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
        key = self.key
        found = self.cache.get_many(key, texts)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        self.hits += sum(1 for t in texts if t in found)
        self.misses += len(missing)
        if missing:
            show = self.progress if self.progress is not None else len(missing) > self.chunk_size
            bar = _progress_bar(len(missing), self.name, show)
            try:
                for start in range(0, len(missing), self.chunk_size):
                    chunk = missing[start : start + self.chunk_size]
                    done = self.translator.translate(chunk)
                    if len(done) != len(chunk):
                        raise XlprojError(
                            f"Translator '{self.name}' returned {len(done)} translations "
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
