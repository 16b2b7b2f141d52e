"""The review web app (Starlette): a page, its script, and a small JSON API.

Routes (no route takes a file name; the page and its two files are fixed routes):

* ``GET /``, ``/review.js``, ``/review.css``: the page, shipped in ``review/static``.
* ``GET /api/next?session=S``: the next sentence for browser tab ``S`` (the one it was
  shown before a reload, else the first undecided one in queue order that no other tab
  holds), with the progress and the labels.
* ``GET /api/item/KEY?session=S``: one sentence and its current decision.
* ``POST /api/decide``: ``{"key", "replaces", "kind", "spans", "outside", "session"}``;
  answers the stored decision and the tab's next sentence, or 409 with the decision
  that won when another tab decided the sentence first.

Every ``/api`` request carries the random token printed with the URL
(``X-Review-Token``); without it the answer is 403. Bodies over ``MAX_BODY`` bytes,
malformed JSON and invalid decisions get a 4xx with a one-line ``error``, never a
traceback. The page is served with a Content-Security-Policy that allows only its own
script and style, and the script writes text with ``textContent`` only.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..errors import XlprojError
from .data import ReviewData, ReviewItem
from .store import KINDS, REVIEWED_KINDS, Decision, ReviewConflict, ReviewStore

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

MAX_BODY = 64 * 1024
# A tab keeps the sentence it was given this long before another tab may take it.
RESERVATION_SECONDS = 600.0
TOKEN_HEADER = "X-Review-Token"
_SESSION = re.compile(r"[A-Za-z0-9_-]{1,64}")
_KEY = re.compile(r"[0-9a-f]{20}(-[0-9]{1,9})?")
_STATIC = {"/": "index.html", "/review.js": "review.js", "/review.css": "review.css"}
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class BadRequest(XlprojError):
    """A request the API refuses: its status and a one-line message."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


@dataclass
class ReviewQueue:
    """What the server remembers between requests: the order, each sentence's current
    decision (a cache of the store's, re-read before a sentence is handed out) and which
    tab holds which sentence."""

    data: ReviewData
    store: ReviewStore
    order: list[int]
    budget: int
    labels: list[str]
    latest: dict[str, Decision] = field(default_factory=dict)
    held: dict[str, tuple[str, float]] = field(default_factory=dict)  # key -> (session, time)
    cursor: int = 0  # every queue position before it is decided
    reviewed: int = 0
    skipped: int = 0

    def __post_init__(self) -> None:
        self.by_key = {item.key: item for item in self.data.items}
        self.known_labels = set(self.labels) | set(self.data.labels)
        self.position = {self.data.items[i].key: p for p, i in enumerate(self.order)}
        self.latest = self.store.latest()
        self._count()

    def _count(self) -> None:
        kinds = [d.kind for d in self.latest.values()]
        self.reviewed = sum(k in REVIEWED_KINDS for k in kinds)
        self.skipped = kinds.count("skip")

    def _decided(self, key: str) -> bool:
        decision = self.latest.get(key)
        return decision is not None and decision.kind != "undo"

    def _set(self, decision: Decision) -> None:
        self.latest[decision.key] = decision
        self._count()
        if decision.kind == "undo":
            self.cursor = min(self.cursor, self.position[decision.key])

    def progress(self) -> dict[str, int]:
        return {
            "reviewed": self.reviewed,
            "skipped": self.skipped,
            "budget": self.budget,
            "total": len(self.data),
        }

    def next_for(self, session: str) -> ReviewItem | None:
        """The sentence for tab ``session``: the one it holds, else the first undecided
        one no other tab holds; None when the budget is reached or all are decided."""
        now = time.monotonic()
        for key, (holder, _) in list(self.held.items()):
            if holder == session and not self._decided(key):
                self.held[key] = (session, now)
                return self.by_key[key]
        if self.reviewed >= self.budget:
            return None
        items, order = self.data.items, self.order
        while self.cursor < len(order) and self._decided(items[order[self.cursor]].key):
            self.cursor += 1
        for p in range(self.cursor, len(order)):
            key = items[order[p]].key
            if self._decided(key):
                continue
            holder, since = self.held.get(key, (session, 0.0))
            if holder != session and now - since < RESERVATION_SECONDS:
                continue
            current = self.store.current(key)  # another server on the same file may have it
            if current is not None and current != self.latest.get(key):
                self._set(current)
                if self._decided(key):
                    continue
            self.held = {k: v for k, v in self.held.items() if v[0] != session}
            self.held[key] = (session, now)
            return items[order[p]]
        return None

    def hold(self, key: str, session: str) -> None:
        self.held = {k: v for k, v in self.held.items() if v[0] != session}
        self.held[key] = (session, time.monotonic())

    def decide(self, body: dict[str, Any]) -> Decision:
        """Check and store one decision (the parsed JSON body)."""
        key, session, replaces, kind, spans, outside = _parse_decision(body, self)
        item = self.by_key[key]
        try:
            decision = self.store.decide(
                key, item.index, replaces, kind, spans, outside, session=session
            )
        except ReviewConflict as conflict:
            if conflict.current is not None:
                self._set(conflict.current)
            raise
        self._set(decision)
        if kind == "undo":
            self.hold(key, session)
        else:
            self.held.pop(key, None)
        return decision

    def item_json(self, item: ReviewItem) -> dict[str, Any]:
        """A sentence as the page draws it, with its current and last reviewed decision."""
        current = self.latest.get(item.key)
        last = None
        if current is not None:
            if current.reviewed:
                last = current
            else:
                rows = self.store.history(item.key)
                last = next((d for d in reversed(rows) if d.reviewed), None)
        out = item.to_json()
        out["version"] = current.version if current else 0
        out["decision"] = current.to_json() if current else None
        out["last_reviewed"] = last.to_json() if last else None
        out["position"] = self.position[item.key]
        return out


def _parse_decision(
    body: Any, queue: ReviewQueue
) -> tuple[str, str, int, str, list[tuple[int, int, str]], list[tuple[int, int]]]:
    if not isinstance(body, dict):
        raise BadRequest(422, "the body must be a JSON object.")
    unknown = set(body) - {"key", "replaces", "kind", "spans", "outside", "session"}
    if unknown:
        raise BadRequest(422, f"unknown field {sorted(unknown)[0]!r}.")
    key = body.get("key")
    if not isinstance(key, str) or not _KEY.fullmatch(key) or key not in queue.by_key:
        raise BadRequest(404 if isinstance(key, str) else 422, "no sentence has this key.")
    session = _session(body.get("session"))
    replaces = body.get("replaces")
    if not isinstance(replaces, int) or isinstance(replaces, bool) or replaces < 0:
        raise BadRequest(422, "replaces must be the version shown (an integer >= 0).")
    kind = body.get("kind")
    if kind not in KINDS:
        raise BadRequest(422, f"kind must be one of {', '.join(KINDS)}.")
    n = len(queue.by_key[key].words)
    spans = []
    for span in _list(body.get("spans", []), "spans"):
        if not (isinstance(span, list) and len(span) == 3):
            raise BadRequest(422, "each span must be [start, end, label].")
        start, end, label = span
        _range(start, end, n)
        if not isinstance(label, str) or label not in queue.known_labels:  # the page's, data's
            raise BadRequest(422, f"a label must be one of {', '.join(queue.labels)}.")
        spans.append((start, end, label))
    spans.sort()
    for (_, end, _), (start, _, _) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise BadRequest(422, "spans must not overlap.")
    outside = []
    for pair in _list(body.get("outside", []), "outside"):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise BadRequest(422, "each outside range must be [start, end].")
        _range(pair[0], pair[1], n)
        outside.append((pair[0], pair[1]))
    if kind in ("skip", "undo") and (spans or outside):
        raise BadRequest(422, f"a {kind} decision has no spans.")
    if kind == "accept" and outside:
        raise BadRequest(422, "an accept decision makes every other word O; give no outside.")
    return key, session, replaces, kind, spans, outside


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list) or len(value) > 1000:
        raise BadRequest(422, f"{name} must be a list (at most 1000 entries).")
    return value


def _range(start: Any, end: Any, n: int) -> None:
    ok = all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end))
    if not ok or not 0 <= start < end <= n:
        raise BadRequest(422, f"a range must be integers with 0 <= start < end <= {n}.")


def _session(value: Any) -> str:
    if not isinstance(value, str) or not _SESSION.fullmatch(value):
        raise BadRequest(422, "session must be 1 to 64 letters, digits, '-' or '_'.")
    return value


def create_app(queue: ReviewQueue, token: str) -> Starlette:
    """The Starlette app serving ``queue``; every /api request needs ``token``."""
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    def error(status: int, message: str, **extra: Any) -> JSONResponse:
        return JSONResponse({"error": message, **extra}, status_code=status)

    def authorised(request: Request) -> bool:
        given = request.headers.get(TOKEN_HEADER, "")
        return secrets.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))

    def state(item: ReviewItem | None, session: str) -> dict[str, Any]:
        return {
            "item": queue.item_json(item) if item is not None else None,
            "progress": queue.progress(),
            "labels": queue.labels,
            "teachers": queue.data.teachers,
            "session": session,
        }

    async def static(request: Request) -> Response:
        name = _STATIC[request.url.path]
        body = resources.files(__package__).joinpath("static", name).read_bytes()
        media = _TYPES[name[name.rindex(".") :]]
        headers = {
            "Content-Security-Policy": _CSP,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        }
        return Response(body, media_type=media, headers=headers)

    async def api(request: Request) -> Response:
        if not authorised(request):
            return error(403, f"missing or wrong {TOKEN_HEADER}: use the URL the server printed.")
        try:
            if request.url.path == "/api/next":
                session = _session(request.query_params.get("session"))
                return JSONResponse(state(queue.next_for(session), session))
            if request.url.path.startswith("/api/item/"):
                session = _session(request.query_params.get("session"))
                key = request.path_params["key"]
                if not _KEY.fullmatch(key) or key not in queue.by_key:
                    raise BadRequest(404, "no sentence has this key.")
                queue.hold(key, session)
                return JSONResponse(state(queue.by_key[key], session))
            body = await _read_json(request)
            try:
                decision = queue.decide(body)
            except ReviewConflict as conflict:
                session = body["session"]
                return error(
                    409,
                    str(conflict),
                    **state(queue.by_key[conflict.key], session),
                )
            session = decision.session
            return JSONResponse(
                {"saved": decision.to_json(), **state(queue.next_for(session), session)}
            )
        except BadRequest as bad:
            return error(bad.status, str(bad))

    async def not_found(request: Request, exc: Exception) -> Response:
        return error(404, "no such page.")

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return error(405, "method not allowed.")

    async def internal(request: Request, exc: Exception) -> Response:
        # A bug: the person sees a message, the server's log the traceback.
        return error(500, f"internal error ({type(exc).__name__}); see the server's log.")

    routes = [Route(path, static, methods=["GET"]) for path in _STATIC]
    routes += [
        Route("/api/next", api, methods=["GET"]),
        Route("/api/item/{key}", api, methods=["GET"]),
        Route("/api/decide", api, methods=["POST"]),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: not_allowed, Exception: internal},
    )


async def _read_json(request: Request) -> Any:
    """The JSON body, read at most ``MAX_BODY`` bytes far."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise BadRequest(415, "send the decision as application/json.")
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        raise BadRequest(413, f"the body is larger than {MAX_BODY} bytes.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BadRequest(413, f"the body is larger than {MAX_BODY} bytes.")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BadRequest(400, f"the body is not valid JSON ({err}).") from None
