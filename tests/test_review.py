"""The review app: data loading and queue order, the SQLite store, the export, the API.

The data is a real ``pseudo-label`` output: two fixed teachers vote through the ensemble
and ``write_pseudo_docbin`` writes the file the app reads.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from spacy_xlproj.errors import DataError
from spacy_xlproj.review.data import load_review_data, queue_order, sentence_keys
from spacy_xlproj.review.export import export_reviewed
from spacy_xlproj.review.store import ReviewConflict, ReviewStore
from spacy_xlproj.teach.ensemble import ScoredSpan
from spacy_xlproj.teach.pseudo_labels import pseudo_label, write_pseudo_docbin

ROOT = Path(__file__).resolve().parents[1]

SENTENCES = [
    ["Juan", "Pérez", "vive", "en", "Madrid", "."],
    ["La", "Unión", "Europea", "firmó", "el", "acuerdo", "en", "Bruselas", "."],
    ["El", "texto", "<script>alert(1)</script>", "y", "<img", "src=x", "onerror=alert(1)>"]
    + ["de", "Ana", "."],
    ["Ana", "García", "trabaja", "en", "Google", "España", "."],
    ["Hoy", "llueve", "mucho", "."],
]
# Each teacher's spans per sentence: (start, end, label, confidence).
VOTES = {
    "t1": [
        [(0, 2, "PER", 0.9), (4, 5, "LOC", 0.9)],
        [(1, 3, "LOC", 0.6), (7, 8, "LOC", 0.8)],
        [(8, 9, "PER", 0.9)],
        [(0, 2, "PER", 0.9), (4, 6, "ORG", 0.5)],
        [],
    ],
    "t2": [
        [(0, 2, "PER", 0.7), (4, 5, "ORG", 0.6)],
        [(1, 3, "LOC", 0.4)],
        [(8, 9, "PER", 0.9)],
        [(0, 1, "PER", 0.8)],
        [],
    ],
}


class FixedTeacher:
    """A teacher that proposes given spans for given sentences."""

    weight = 1.0

    def __init__(self, name: str) -> None:
        self.name = name
        self.spans = {tuple(w): s for w, s in zip(SENTENCES, VOTES[name], strict=True)}

    def label(self, sentences: Sequence[Sequence[str]]) -> list[list[ScoredSpan]]:
        return [[ScoredSpan(*s) for s in self.spans[tuple(w)]] for w in sentences]


def build_data(path: Path, sentences: list[list[str]] | None = None) -> Path:
    """Pseudo-label SENTENCES with the two fixed teachers and write the DocBin."""
    items, _ = pseudo_label(sentences or SENTENCES, [FixedTeacher("t1"), FixedTeacher("t2")])
    write_pseudo_docbin(path, items, "es")
    return path


@pytest.fixture()
def data_path(tmp_path: Path) -> Path:
    return build_data(tmp_path / "pseudo.spacy")


# -- data and order -----------------------------------------------------------------------


def test_pseudo_label_output_keeps_each_teachers_spans(data_path: Path) -> None:
    from spacy.tokens import DocBin

    from spacy_xlproj.io.docbin import blank_vocab

    doc = next(DocBin().from_disk(data_path).get_docs(blank_vocab("es")))
    votes = doc.spans["xlproj_votes"]
    assert [(s.start, s.end, s.label_) for s in votes] == [
        (0, 2, "PER"), (4, 5, "LOC"), (0, 2, "PER"), (4, 5, "ORG"),
    ]  # fmt: skip
    assert votes.attrs == {
        "teachers": ["t1", "t2"],
        "teacher": [0, 0, 1, 1],
        "scores": [0.9, 0.9, 0.7, 0.6],
    }


def test_load_review_data(data_path: Path) -> None:
    data = load_review_data(data_path)
    assert data.teachers == ["t1", "t2"]
    assert data.labels == ["LOC", "ORG", "PER"]
    first = data.items[0]
    assert first.words == SENTENCES[0]
    assert [(s.start, s.end, s.label, s.score, s.teachers) for s in first.spans] == [
        (0, 2, "PER", 0.8, (0, 1))
    ]
    assert first.missing == [4]
    assert [(p.start, p.end, p.label, p.score, p.teachers) for p in first.proposals] == [
        (0, 2, "PER", 0.9, (0, 1)), (4, 5, "LOC", 0.9, (0,)), (4, 5, "ORG", 0.6, (1,)),
    ]  # fmt: skip
    assert [i.disagreement for i in data.items] == [1, 1, 0, 3, 0]
    assert [i.missing for i in data.items] == [[4], [7], [], [0, 1, 4, 5], []]
    assert [i.key for i in data.items] == sentence_keys(SENTENCES)


def test_queue_orders(data_path: Path) -> None:
    data = load_review_data(data_path)
    assert queue_order(data, "disagreement") == [3, 0, 1, 2, 4]
    # least confident accepted span first: nothing accepted but words missing (0), 0.5, 0.8 …
    assert queue_order(data, "confidence") == [3, 1, 0, 2, 4]
    shuffled = queue_order(data, "random", seed=3)
    assert sorted(shuffled) == [0, 1, 2, 3, 4]
    assert shuffled == queue_order(data, "random", seed=3)


def test_repeated_sentences_get_their_own_keys() -> None:
    a, b, c = sentence_keys([["Hola"], ["Adiós"], ["Hola"]])
    assert c == a + "-1" and a != b and "-" not in a


def test_a_file_without_votes_still_loads(tmp_path: Path) -> None:
    from spacy_xlproj.io.docbin import write_docbin
    from spacy_xlproj.types import Sentence, Span

    path = tmp_path / "gold.spacy"
    write_docbin(path, [Sentence(["Ana", "canta"], [Span(0, 1, "PER")])], "es")
    data = load_review_data(path)
    assert data.teachers == [] and data.items[0].proposals == []
    assert [(s.start, s.end, s.label, s.score) for s in data.items[0].spans] == [
        (0, 1, "PER", None)
    ]


def test_not_a_docbin_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.spacy"
    bad.write_bytes(b"not a docbin")
    with pytest.raises(DataError, match=r"bad\.spacy: not a readable spaCy DocBin"):
        load_review_data(bad)


SOURCE_LINES = [
    {"words": ["John", "Smith", "lives", "in", "Madrid", "."], "spans": [[0, 2, "PER"]],
     "links": [[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]},
    {"words": ["The", "European", "Union", "signed", "."], "spans": [[1, 3, "ORG"]],
     "links": [[1, 2], [2, 1], [3, 3], [4, 8]]},
    {"words": ["Text", "."], "links": [[1, 9]]},
    {"words": ["Ana", "García", "works", "at", "Google", "Spain", "."], "links": []},
    {"words": ["It", "rains", "."], "links": [[1, 1]]},
]  # fmt: skip


def write_sources(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_source_side_of_translate_train(tmp_path: Path, data_path: Path) -> None:
    sources = write_sources(tmp_path / "src.jsonl", SOURCE_LINES)
    data = load_review_data(data_path, sources)
    view = data.items[1].source
    assert view is not None and view.words == ["The", "European", "Union", "signed", "."]
    assert view.spans == [(1, 3, "ORG")] and view.links[0] == (1, 2)
    assert data.items[1].to_json()["source"]["links"][3] == [4, 8]


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        (SOURCE_LINES[:4], "src.jsonl: 4 lines for the 5 sentences of the data."),
        (SOURCE_LINES + [SOURCE_LINES[0]], "src.jsonl, line 6: more lines than the 5 sentences"),
        (
            [SOURCE_LINES[0], {"words": ["a"], "links": [[0, 9]]}] + SOURCE_LINES[2:],
            "src.jsonl, line 2: not a source line (a link to a word that is not there).",
        ),
        (
            [{"spans": []}] + SOURCE_LINES[1:],
            "src.jsonl, line 1: not a source line ('words').",
        ),
    ],
)
def test_bad_source_files(tmp_path: Path, data_path: Path, lines: list, error: str) -> None:
    sources = write_sources(tmp_path / "src.jsonl", lines)
    with pytest.raises(DataError) as raised:
        load_review_data(data_path, sources)
    assert str(raised.value).startswith(f"{tmp_path / error}")


# -- store -------------------------------------------------------------------------------


def _store(db: Path, data_path: Path) -> ReviewStore:
    data = load_review_data(data_path)
    return ReviewStore(db, data.fingerprint, len(data), data_path.name)


def test_store_resumes_after_restart(tmp_path: Path, data_path: Path) -> None:
    db = tmp_path / "review.sqlite"
    keys = sentence_keys(SENTENCES)
    store = _store(db, data_path)
    store.decide(keys[3], 3, 0, "accept", [(0, 2, "PER")], session="tab1")
    store.decide(keys[0], 0, 0, "skip", session="tab1")
    # no close(): as if the server were killed
    again = _store(db, data_path)
    latest = again.latest()
    assert sorted((d.sentence, d.version, d.kind, d.spans) for d in latest.values()) == [
        (0, 1, "skip", ()),
        (3, 1, "accept", ((0, 2, "PER"),)),
    ]
    store.close()
    again.close()


def test_two_writers_neither_lose_nor_duplicate(tmp_path: Path, data_path: Path) -> None:
    db = tmp_path / "review.sqlite"
    key = sentence_keys(SENTENCES)[0]
    a, b = _store(db, data_path), _store(db, data_path)
    first = a.decide(key, 0, 0, "accept", [(0, 2, "PER")], session="a")
    with pytest.raises(ReviewConflict) as raised:
        b.decide(key, 0, 0, "accept", [(0, 1, "PER")], session="b")
    assert raised.value.current == first
    # b saw the winner and decides on top of it: version 2, history kept
    b.decide(key, 0, 1, "accept", [(0, 2, "ORG")], session="b")
    with pytest.raises(ReviewConflict):  # a version from the future is refused too
        a.decide(key, 0, 5, "skip", session="a")
    rows = sqlite3.connect(db).execute(
        "SELECT version, kind, spans, session FROM decisions ORDER BY id"
    )
    assert rows.fetchall() == [
        (1, "accept", '[[0, 2, "PER"]]', "a"),
        (2, "accept", '[[0, 2, "ORG"]]', "b"),
    ]
    a.close()
    b.close()


def test_other_data_is_refused_with_one_line(tmp_path: Path, data_path: Path) -> None:
    db = tmp_path / "review.sqlite"
    _store(db, data_path).close()
    other = build_data(tmp_path / "other.spacy", SENTENCES[:2])
    with pytest.raises(DataError) as raised:
        _store(db, other)
    assert str(raised.value) == (
        f"{db} holds the review of other data (5 sentences from pseudo.spacy), not of "
        "other.spacy (2 sentences); review it with that data or choose a new --db file."
    )


def test_a_file_that_is_no_database_is_refused(tmp_path: Path, data_path: Path) -> None:
    db = tmp_path / "notes.sqlite"
    db.write_text("just some text, long enough to have a header " * 4)
    with pytest.raises(DataError, match=r"notes\.sqlite: not a review database"):
        _store(db, data_path)


# -- export ------------------------------------------------------------------------------


def _ents(doc: object) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label_) for e in doc.ents]  # type: ignore[attr-defined]


def _iob(doc: object) -> list[str]:
    return [t.ent_iob_ for t in doc]  # type: ignore[attr-defined]


def test_export_gold_partial_and_left_out(tmp_path: Path, data_path: Path) -> None:
    from spacy.tokens import DocBin

    from spacy_xlproj.io.docbin import blank_vocab

    keys = sentence_keys(SENTENCES)
    data = load_review_data(data_path)
    store = ReviewStore(tmp_path / "r.sqlite", data.fingerprint, len(data))
    store.decide(keys[0], 0, 0, "accept", [(0, 2, "PER"), (4, 5, "LOC")])
    # partial: Unión Europea is ORG, "en" (a rejected span's word) is O, the rest unknown
    store.decide(keys[1], 1, 0, "partial", [(1, 3, "ORG")], [(6, 7)])
    store.decide(keys[2], 2, 0, "skip")
    store.decide(keys[3], 3, 0, "accept", [(0, 2, "PER")])
    store.decide(keys[3], 3, 1, "undo")  # withdrawn: unreviewed again
    out = tmp_path / "gold.spacy"
    stats = export_reviewed(data, store, out, lang="es")
    assert stats.message(out) == (
        f"Wrote 2 reviewed sentences (1 whole, 1 partly reviewed; 3 entities, 15 words, "
        f"6 left missing) to {out}; left out 2 unreviewed and 1 skipped sentences."
    )
    docs = list(DocBin().from_disk(out).get_docs(blank_vocab("es")))
    assert [[t.text for t in d] for d in docs] == SENTENCES[:2]
    assert _ents(docs[0]) == [(0, 2, "PER"), (4, 5, "LOC")]
    assert _iob(docs[0]) == ["B", "I", "O", "O", "B", "O"]
    assert _ents(docs[1]) == [(1, 3, "ORG")]
    assert _iob(docs[1]) == ["", "B", "I", "", "", "", "O", "", ""]
    store.close()


def test_export_keep_unreviewed_replaces_the_pseudo_labels(tmp_path: Path, data_path: Path) -> None:
    from spacy.tokens import DocBin

    from spacy_xlproj.io.docbin import blank_vocab

    keys = sentence_keys(SENTENCES)
    data = load_review_data(data_path)
    store = ReviewStore(tmp_path / "r.sqlite", data.fingerprint, len(data))
    store.decide(keys[0], 0, 0, "accept", [(0, 2, "PER"), (4, 5, "LOC")])
    store.decide(keys[2], 2, 0, "skip")
    out = tmp_path / "all.spacy"
    stats = export_reviewed(data, store, out, lang="es", keep_unreviewed=True)
    assert stats.message(out) == (
        "Wrote 1 reviewed sentences (1 whole, 0 partly reviewed; 2 entities, 6 words, 0 left "
        f"missing) and 4 others as they were to {out}."
    )
    docs = list(DocBin().from_disk(out).get_docs(blank_vocab("es")))
    assert [[t.text for t in d] for d in docs] == SENTENCES
    assert [_ents(d) for d in docs] == [
        [(0, 2, "PER"), (4, 5, "LOC")], [(1, 3, "LOC")], [(8, 9, "PER")], [], [],
    ]  # fmt: skip
    assert _iob(docs[0]) == ["B", "I", "O", "O", "B", "O"]  # was missing at 4
    assert _iob(docs[1]) == ["O", "B", "I", "O", "O", "O", "O", "", "O"]  # the pseudo-labels
    assert _iob(docs[3]) == ["", "", "O", "O", "", "", "O"]
    assert all(len(d.spans) == 0 for d in docs)
    store.close()


def test_export_dev_split_is_stable(tmp_path: Path, data_path: Path) -> None:
    from spacy.tokens import DocBin

    keys = sentence_keys(SENTENCES)
    data = load_review_data(data_path)
    store = ReviewStore(tmp_path / "r.sqlite", data.fingerprint, len(data))
    for i in range(4):
        store.decide(keys[i], i, 0, "accept", [])
    train, dev = tmp_path / "train.spacy", tmp_path / "dev.spacy"
    stats = export_reviewed(data, store, train, dev=dev, dev_share=0.25)
    assert (stats.written, stats.dev) == (4, 1)
    assert stats.message(train, dev) == (
        "Wrote 4 reviewed sentences (4 whole, 0 partly reviewed; 0 entities, 32 words, 0 left "
        f"missing; 1 of them to {dev}) to {train}; left out 1 unreviewed and 0 skipped sentences."
    )
    assert len(DocBin().from_disk(train)) == 3 and len(DocBin().from_disk(dev)) == 1
    first = dev.read_bytes()
    export_reviewed(data, store, train, dev=dev, dev_share=0.25)
    assert dev.read_bytes() == first
    store.close()


def test_export_command(tmp_path: Path, data_path: Path) -> None:
    from spacy_xlproj.cli import app

    keys = sentence_keys(SENTENCES)
    db = tmp_path / "r.sqlite"
    with _store(db, data_path) as store:
        store.decide(keys[4], 4, 0, "accept", [])
    out = tmp_path / "gold.spacy"
    args = ["review-export", str(data_path), str(out), "--db", str(db), "--lang", "es"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"Wrote 1 reviewed sentences (1 whole, 0 partly reviewed; 0 entities, 4 words, 0 left "
        f"missing) to {out}; left out 4 unreviewed and 0 skipped sentences."
    )
    other = build_data(tmp_path / "other.spacy", SENTENCES[:2])
    result = CliRunner().invoke(app, ["review-export", str(other), str(out), "--db", str(db)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {db} holds the review of other data (5 sentences from pseudo.spacy), not of "
        "other.spacy (2 sentences); review it with that data or choose a new --db file."
    )


# -- the API -----------------------------------------------------------------------------

TOKEN = "test-token"


@pytest.fixture()
def client(tmp_path: Path, data_path: Path):  # type: ignore[no-untyped-def]
    pytest.importorskip("starlette")
    pytest.importorskip("httpx")
    with warnings.catch_warnings():  # Starlette 1.x would rather have httpx2: same API
        warnings.filterwarnings("ignore", message=".*httpx2")
        from starlette.testclient import TestClient

    from spacy_xlproj.review.app import create_app
    from spacy_xlproj.review.server import open_review

    _, store, queue = open_review(data_path, tmp_path / "r.sqlite", budget=3)
    with TestClient(create_app(queue, TOKEN), raise_server_exceptions=False) as c:
        c.headers["X-Review-Token"] = TOKEN
        yield c
    store.close()


def test_api_serves_the_queue_in_order(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/")
    assert (
        page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    )
    assert client.get("/review.js").headers["content-type"].startswith("text/javascript")
    state = client.get("/api/next", params={"session": "tab1"}).json()
    assert state["progress"] == {"reviewed": 0, "skipped": 0, "budget": 3, "total": 5}
    assert state["labels"] == ["LOC", "ORG", "PER"] and state["teachers"] == ["t1", "t2"]
    item = state["item"]
    assert (item["index"], item["version"], item["position"]) == (3, 0, 0)
    assert item["words"] == SENTENCES[3] and item["missing"] == [0, 1, 4, 5]
    # a reload of the same tab gets the same sentence; another tab the next one
    assert client.get("/api/next", params={"session": "tab1"}).json()["item"]["index"] == 3
    assert client.get("/api/next", params={"session": "tab2"}).json()["item"]["index"] == 0


def test_api_decide_then_next_and_conflict(client) -> None:  # type: ignore[no-untyped-def]
    key = client.get("/api/next", params={"session": "tab1"}).json()["item"]["key"]
    body = {
        "key": key,
        "replaces": 0,
        "kind": "accept",
        "spans": [[0, 2, "PER"]],
        "session": "tab1",
    }
    answer = client.post("/api/decide", json=body)
    assert answer.status_code == 200
    assert answer.json()["saved"]["spans"] == [[0, 2, "PER"]]
    assert answer.json()["item"]["index"] == 0
    assert answer.json()["progress"]["reviewed"] == 1
    # a second tab that saw version 0 too: 409, the winner shown, nothing written twice
    late = client.post("/api/decide", json={**body, "session": "tab2", "spans": []})
    assert late.status_code == 409
    assert late.json()["item"]["decision"]["spans"] == [[0, 2, "PER"]]
    assert late.json()["error"].startswith(f"sentence {key} was decided elsewhere")


def test_api_budget_reached(client) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        item = client.get("/api/next", params={"session": "t"}).json()["item"]
        body = {"key": item["key"], "replaces": 0, "kind": "accept", "spans": [], "session": "t"}
        assert client.post("/api/decide", json=body).status_code == 200
    state = client.get("/api/next", params={"session": "t"}).json()
    assert state["item"] is None and state["progress"]["reviewed"] == 3


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        ("GET", "/api/next?session=tab1", None, 403, "missing or wrong X-Review-Token"),
        ("POST", "/api/decide", {"key": "x"}, 403, "missing or wrong X-Review-Token"),
    ],
)
def test_api_needs_the_token(client, method, path, body, status, error) -> None:  # type: ignore[no-untyped-def]
    del client.headers["X-Review-Token"]
    answer = client.request(method, path, json=body)
    assert answer.status_code == status and answer.json()["error"].startswith(error)
    client.headers["X-Review-Token"] = "wrong"
    assert client.request(method, path, json=body).status_code == 403


def _decide_raw(client, content: bytes, content_type: str = "application/json"):  # type: ignore[no-untyped-def]
    return client.post("/api/decide", content=content, headers={"Content-Type": content_type})


def test_api_malformed_and_oversized_requests(client, data_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = sentence_keys(SENTENCES)[0]
    good = {"key": key, "replaces": 0, "kind": "accept", "spans": [], "session": "s"}
    cases = [
        (_decide_raw(client, b"{not json"), 400, "the body is not valid JSON"),
        (_decide_raw(client, b"\xff\xfe"), 400, "the body is not valid JSON"),
        (_decide_raw(client, b"{}", "text/plain"), 415, "send the decision as application/json"),
        (_decide_raw(client, b" " * 70_000), 413, "the body is larger than 65536 bytes"),
        (_decide_raw(client, b"[1, 2]"), 422, "the body must be a JSON object"),
        (client.post("/api/decide", json={**good, "path": "/etc/passwd"}), 422, "unknown field"),
        (client.post("/api/decide", json={**good, "key": "../../etc"}), 404, "no sentence"),
        (client.post("/api/decide", json={**good, "key": 5}), 422, "no sentence"),
        (client.post("/api/decide", json={**good, "replaces": -1}), 422, "replaces must be"),
        (client.post("/api/decide", json={**good, "kind": "delete"}), 422, "kind must be"),
        (client.post("/api/decide", json={**good, "spans": [[0, 9, "PER"]]}), 422, "a range"),
        (client.post("/api/decide", json={**good, "spans": [[1, 0, "PER"]]}), 422, "a range"),
        (
            client.post("/api/decide", json={**good, "spans": [[0, 1, "<b>"]]}),
            422,
            "a label must be one of LOC, ORG, PER.",
        ),
        (client.post("/api/decide", json={**good, "spans": [[0, 1, ["PER"]]]}), 422, "a label"),
        (client.post("/api/decide", json={**good, "spans": "PER"}), 422, "spans must be a list"),
        (
            client.post("/api/decide", json={**good, "spans": [[0, 2, "PER"], [1, 3, "LOC"]]}),
            422,
            "spans must not overlap",
        ),
        (client.post("/api/decide", json={**good, "outside": [[0, 1]]}), 422, "an accept"),
        (client.post("/api/decide", json={**good, "session": "a b"}), 422, "session must be"),
        (client.get("/api/next"), 422, "session must be"),
        (client.get("/api/item/zzz", params={"session": "s"}), 404, "no sentence"),
        (client.get("/api/item/" + key.replace(key[0], "/", 1), params={"session": "s"}), 404, ""),
        (client.get("/etc/passwd"), 404, "no such page"),
        (client.put("/api/decide", json=good), 405, "method not allowed"),
    ]
    for answer, status, error in cases:
        assert answer.status_code == status, (answer.status_code, answer.text)
        assert answer.json()["error"].startswith(error), answer.text
        assert "Traceback" not in answer.text
    state = client.get("/api/next", params={"session": "s"}).json()
    assert state["progress"]["reviewed"] == 0


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "key": st.sampled_from(sentence_keys(SENTENCES)) | JSON,
        "replaces": st.integers(-1, 3) | JSON,
        "kind": st.sampled_from(["accept", "partial", "skip", "undo"]) | JSON,
        "spans": st.lists(
            st.tuples(st.integers(-1, 11), st.integers(-1, 11), st.sampled_from(["PER", "X"])).map(
                list
            )
            | JSON,
            max_size=3,
        )
        | JSON,
        "outside": st.lists(st.lists(st.integers(-1, 11), max_size=3), max_size=3) | JSON,
        "session": st.sampled_from(["a", "b"]) | JSON,
    },
)


def test_api_any_json_gets_an_answer_not_a_crash(client) -> None:  # type: ignore[no-untyped-def]
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=FIELDS | JSON)
    def post(body: object) -> None:
        answer = client.post("/api/decide", json=body)
        assert answer.status_code in (200, 400, 404, 409, 413, 415, 422), answer.text
        assert isinstance(answer.json().get("error", ""), str)

    post()


# -- the server process --------------------------------------------------------------------


def start_server(data: Path, db: Path, *extra: str) -> tuple[subprocess.Popen[str], str]:
    """``python -m spacy_xlproj review`` on a free port; returns the process and its URL."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "spacy_xlproj", "review", str(data), "--db", str(db)]
        + ["--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 60
    lines = []
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Review at "):
            return proc, line.split()[2]
    proc.kill()
    raise AssertionError("the server did not start: " + "".join(lines))


@pytest.mark.slow
def test_killed_server_loses_no_saved_decision(tmp_path: Path, data_path: Path) -> None:
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("uvicorn")
    db = tmp_path / "r.sqlite"
    proc, url = start_server(data_path, db)
    try:
        base, token = url.split("/#token=")
        headers = {"X-Review-Token": token}
        item = httpx.get(base + "/api/next?session=s", headers=headers).json()["item"]
        body = {"key": item["key"], "replaces": 0, "kind": "accept", "spans": [[0, 2, "PER"]]}
        saved = httpx.post(base + "/api/decide", json={**body, "session": "s"}, headers=headers)
        assert saved.status_code == 200
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    rows = sqlite3.connect(db).execute("SELECT sentence, version, kind, spans FROM decisions")
    assert rows.fetchall() == [(3, 1, "accept", '[[0, 2, "PER"]]')]
    # a restart resumes: the next sentence in the queue, with the count kept
    proc, url = start_server(data_path, db)
    try:
        base, token = url.split("/#token=")
        state = httpx.get(base + "/api/next?session=new", headers={"X-Review-Token": token}).json()
        assert state["item"]["index"] == 0 and state["progress"]["reviewed"] == 1
    finally:
        proc.terminate()
        proc.wait()


def test_review_command_refuses_other_data_and_remote_host_warns(
    tmp_path: Path, data_path: Path
) -> None:
    pytest.importorskip("starlette", reason="the review extra is not installed")
    pytest.importorskip("uvicorn", reason="the review extra is not installed")
    from spacy_xlproj.cli import app

    db = tmp_path / "r.sqlite"
    _store(db, data_path).close()
    other = build_data(tmp_path / "other.spacy", SENTENCES[:2])
    result = CliRunner().invoke(app, ["review", str(other), "--db", str(db), "--port", "0"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {db} holds the review of other data (5 sentences from pseudo.spacy), not of "
        "other.spacy (2 sentences); review it with that data or choose a new --db file."
    ]
    result = CliRunner().invoke(app, ["review", str(data_path), "--db", str(db), "--order", "best"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: --order: use one of disagreement, confidence, random, got 'best'."
    )
    # a network address: a warning first (192.0.2.1 is a documentation address, never bound)
    result = CliRunner().invoke(
        app, ["review", str(data_path), "--db", str(db), "--host", "192.0.2.1", "--port", "0"]
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Warning: listening on 192.0.2.1, reachable from other machines; anyone with the "
        "token can read the data and write decisions.",
        "Error: can't listen on 192.0.2.1:0 (Cannot assign requested address); choose another "
        "--port or --host.",
    ]


def test_loopback_check() -> None:
    from spacy_xlproj.review.server import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")


def test_decisions_json_in_the_database_is_plain(tmp_path: Path, data_path: Path) -> None:
    keys = sentence_keys(SENTENCES)
    with _store(tmp_path / "r.sqlite", data_path) as store:
        store.decide(keys[1], 1, 0, "partial", [(1, 3, "ORG")], [(6, 7)], session="s")
    row = sqlite3.connect(tmp_path / "r.sqlite").execute(
        "SELECT sentence_key, version, sentence, kind, spans, outside, session FROM decisions"
    )
    assert row.fetchall() == [(keys[1], 1, 1, "partial", '[[1, 3, "ORG"]]', "[[6, 7]]", "s")]
    meta = dict(sqlite3.connect(tmp_path / "r.sqlite").execute("SELECT key, value FROM meta"))
    assert meta["fingerprint"] == load_review_data(data_path).fingerprint
    assert json.loads(meta["sentences"]) == 5


def test_review_without_the_extra_says_how_to_install_it(
    tmp_path: Path, data_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spacy_xlproj.cli import app

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn -> ImportError
    db = tmp_path / "r.sqlite"
    result = CliRunner().invoke(app, ["review", str(data_path), "--db", str(db)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: The review app (starlette, uvicorn) is not available. Install it with: "
        'pip install "spacy-xlproj[review]"'
    )
    assert not db.exists()  # nothing was started or created
