"""Start a review: load the data, open the database, serve the app with uvicorn."""

from __future__ import annotations

import ipaddress
import secrets
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import MissingDependencyError, UsageError
from .app import ReviewQueue, create_app
from .data import ReviewData, load_review_data, queue_order
from .store import ReviewStore


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (loopback), not a network interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_review(
    data_path: str | Path,
    db_path: str | Path,
    *,
    order: str = "disagreement",
    budget: int | None = None,
    seed: int = 0,
    labels: list[str] | None = None,
    source: str | Path | None = None,
) -> tuple[ReviewData, ReviewStore, ReviewQueue]:
    """Load ``data_path``, open ``db_path`` and build the queue.

    RETURNS (tuple): The data, the store and the ``ReviewQueue``.
    RAISES (UsageError, DataError): A bad option, a bad file or a database of other data.
    """
    if budget is not None and budget < 1:
        raise UsageError(f"--budget must be at least 1, got {budget}.")
    data = load_review_data(data_path, source)
    ordered = queue_order(data, order, seed)
    store = ReviewStore(db_path, data.fingerprint, len(data), Path(data_path).name)
    chosen = labels or data.labels or ["PER", "LOC", "ORG", "MISC"]
    # A budget beyond the data would leave the progress bar short of its end for good.
    queue = ReviewQueue(data, store, ordered, min(budget or len(data), len(data)), chosen)
    return data, store, queue


def serve(
    data_path: str | Path,
    db_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    order: str = "disagreement",
    budget: int | None = None,
    seed: int = 0,
    labels: list[str] | None = None,
    source: str | Path | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the review of ``data_path`` until Ctrl-C; prints the URL with its token.

    host (str): Where to listen; anything but loopback is reachable from the network
        and prints a warning.
    port (int): The port; 0 picks a free one.
    RAISES (UsageError, DataError, MissingDependencyError): As ``open_review``, a port in
        use, or the review extra not installed.
    """
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        raise MissingDependencyError(
            "The review app (starlette, uvicorn)", 'pip install "spacy-xlproj[review]"'
        ) from None
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be in 0-65535, got {port}.")
    started = time.perf_counter()
    data, store, queue = open_review(
        data_path, db_path, order=order, budget=budget, seed=seed, labels=labels, source=source
    )
    token = secrets.token_urlsafe(18)
    app = create_app(queue, token)
    if not is_loopback(host):
        echo(
            f"Warning: listening on {host}, reachable from other machines; anyone with the "
            "token can read the data and write decisions."
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: uvicorn writes a response's head and body apart,
    # and Nagle's algorithm held the body until the browser's delayed ACK (+40 ms a key).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise UsageError(
            f"can't listen on {host}:{port} ({err.strerror}); choose another --port or --host."
        ) from None
    sock.listen(64)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    progress = queue.progress()
    echo(
        f"Loaded {len(data)} sentences from {data_path} in {time.perf_counter() - started:.1f}s; "
        f"{progress['reviewed']} reviewed, {progress['skipped']} skipped in {db_path}."
    )
    echo(f"Review at http://{shown}:{bound}/#token={token}  (Ctrl-C to stop)")
    sys.stdout.flush()
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        store.close()
        sock.close()
