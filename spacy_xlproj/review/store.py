"""The review database: every decision one committed SQLite row.

A decision is a row of ``decisions``: the sentence's key (a hash of its words, see
:mod:`.data`), a ``version`` (1, 2, … per sentence), the sentence's position in the data,
its ``kind``, the spans decided (JSON), the word ranges decided as O (JSON, partial
decisions only), the time (UTC) and the browser tab (``session``) that made it.

* ``accept``: the spans are the sentence's gold entities; every other word is O.
* ``partial``: the spans are gold, the ``outside`` ranges are O, every other word is
  unknown (missing in the export).
* ``skip``: looked at, not decided; not exported.
* ``undo``: the previous decision is withdrawn; the sentence is unreviewed again.

A sentence's state is its highest version; the rows before it are its history. A new
decision names the version it replaces, and ``UNIQUE(sentence_key, version)`` lets only
one of two tabs (or two servers) that saw the same version write the next one: the other
gets :class:`ReviewConflict` and is shown the decision that won, so nothing is lost or
written twice. Each row is committed (WAL, ``synchronous=FULL``) before the page is told
it was saved, so a server killed afterwards loses nothing.

The ``meta`` table holds the fingerprint of the text the database was made for; opening
it with other data raises :class:`~spacy_xlproj.errors.DataError`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from ..errors import DataError, XlprojError

KINDS = ("accept", "partial", "skip", "undo")
Kind = Literal["accept", "partial", "skip", "undo"]
REVIEWED_KINDS = ("accept", "partial")
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sentence_key TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    sentence INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('accept', 'partial', 'skip', 'undo')),
    spans TEXT NOT NULL,
    outside TEXT,
    created TEXT NOT NULL,
    session TEXT NOT NULL,
    UNIQUE (sentence_key, version)
);
"""


class ReviewConflict(XlprojError):
    """Another tab or server decided the sentence first; ``current`` is its decision."""

    def __init__(self, key: str, current: Decision | None) -> None:
        self.key = key
        self.current = current
        version = current.version if current else 0
        super().__init__(
            f"sentence {key} was decided elsewhere meanwhile (now version {version}); "
            "its current decision is shown."
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """One row of ``decisions``.

    spans: ``(start, end, label)`` of each gold entity.
    outside: ``(start, end)`` ranges decided as O (``partial`` only; empty otherwise).
    """

    key: str
    version: int
    sentence: int
    kind: str
    spans: tuple[tuple[int, int, str], ...]
    outside: tuple[tuple[int, int], ...]
    created: str
    session: str

    @property
    def reviewed(self) -> bool:
        """Whether the sentence counts as reviewed (exported as gold)."""
        return self.kind in REVIEWED_KINDS

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "version": self.version,
            "sentence": self.sentence,
            "kind": self.kind,
            "spans": [list(s) for s in self.spans],
            "outside": [list(o) for o in self.outside],
            "created": self.created,
            "session": self.session,
        }


class ReviewStore:
    """The decisions of one review, in one SQLite file.

    path (str | Path): The database; created when absent.
    fingerprint (str): The data's fingerprint (``ReviewData.fingerprint``).
    sentences (int): How many sentences the data has (for the refusal message).
    data_path (str): The data file's name, kept for the refusal message only.
    RAISES (DataError): The file is not a database, or one made for other data.
    """

    def __init__(
        self, path: str | Path, fingerprint: str, sentences: int, data_path: str = ""
    ) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            # Autocommit (isolation_level=None): each INSERT is its own committed transaction.
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=10.0
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
            self._claim(fingerprint, sentences, data_path)
        except sqlite3.DatabaseError as err:
            raise DataError(
                f"{self.path}: not a review database ({err}); give a new or an existing "
                "review --db file."
            ) from None

    def _claim(self, fingerprint: str, sentences: int, data_path: str) -> None:
        """Write the data's fingerprint into a new database, or check an old one's."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            if not meta:
                now = _now()
                self._db.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("schema", SCHEMA_VERSION),
                        ("fingerprint", fingerprint),
                        ("sentences", str(sentences)),
                        ("data", data_path),
                        ("created", now),
                    ],
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        if meta and meta.get("fingerprint") != fingerprint:
            self._db.close()
            raise DataError(
                f"{self.path} holds the review of other data ({meta.get('sentences', '?')} "
                f"sentences from {meta.get('data') or 'another file'}), not of "
                f"{data_path or 'this data'} ({sentences} sentences); review it with that "
                "data or choose a new --db file."
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> ReviewStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def latest(self) -> dict[str, Decision]:
        """Each decided sentence's current decision, by key."""
        with self._lock:
            rows = self._db.execute(
                "SELECT d.* FROM decisions d JOIN (SELECT sentence_key, MAX(version) AS v "
                "FROM decisions GROUP BY sentence_key) m "
                "ON d.sentence_key = m.sentence_key AND d.version = m.v"
            ).fetchall()
        return {row[1]: _decision(row) for row in rows}

    def current(self, key: str) -> Decision | None:
        """The sentence's current decision (None if it has none)."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM decisions WHERE sentence_key = ? ORDER BY version DESC LIMIT 1",
                (key,),
            ).fetchone()
        return _decision(row) if row else None

    def history(self, key: str | None = None) -> list[Decision]:
        """Every row (of one sentence, or all), oldest first."""
        with self._lock:
            if key is None:
                rows = self._db.execute("SELECT * FROM decisions ORDER BY id").fetchall()
            else:
                rows = self._db.execute(
                    "SELECT * FROM decisions WHERE sentence_key = ? ORDER BY version", (key,)
                ).fetchall()
        return [_decision(r) for r in rows]

    def decide(
        self,
        key: str,
        sentence: int,
        replaces: int,
        kind: Kind,
        spans: Sequence[tuple[int, int, str]] = (),
        outside: Sequence[tuple[int, int]] = (),
        session: str = "",
    ) -> Decision:
        """Store a decision on the sentence, as version ``replaces + 1``; committed on return.

        replaces (int): The version the person saw (0: none).
        RAISES (ReviewConflict): Another decision took that version first.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}.")
        decision = Decision(
            key,
            replaces + 1,
            sentence,
            kind,
            tuple((int(s), int(e), str(label)) for s, e, label in spans),
            tuple((int(s), int(e)) for s, e in outside) if kind == "partial" else (),
            _now(),
            session,
        )
        with self._lock:
            # The check and the insert in one write transaction: a version skipped or taken
            # twice is impossible even between two processes (UNIQUE guards it as well).
            self._db.execute("BEGIN IMMEDIATE")
            try:
                (now,) = self._db.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM decisions WHERE sentence_key = ?",
                    (key,),
                ).fetchone()
                conflict = now != replaces
                if not conflict:
                    self._db.execute(
                        "INSERT INTO decisions (sentence_key, version, sentence, kind, spans, "
                        "outside, created, session) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            decision.key,
                            decision.version,
                            decision.sentence,
                            decision.kind,
                            json.dumps([list(s) for s in decision.spans], ensure_ascii=False),
                            json.dumps([list(o) for o in decision.outside])
                            if kind == "partial"
                            else None,
                            decision.created,
                            decision.session,
                        ),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if conflict:
            raise ReviewConflict(key, self.current(key))
        return decision


def _decision(row: Sequence[Any]) -> Decision:
    _, key, version, sentence, kind, spans, outside, created, session = row
    return Decision(
        key,
        int(version),
        int(sentence),
        kind,
        tuple((int(s), int(e), str(label)) for s, e, label in json.loads(spans)),
        tuple((int(s), int(e)) for s, e in json.loads(outside)) if outside else (),
        created,
        session,
    )


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")
