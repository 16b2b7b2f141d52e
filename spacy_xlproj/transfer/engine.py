"""Where shards of work run: in this process (``local``) or on Ray workers (``ray``).

A *worker spec* is a small picklable recipe (spec strings, option dataclasses) whose
``build()`` loads the backends (translator, aligner, tagger…) and returns the worker:
a callable that processes one shard. ``EngineOptions.start(spec)`` gives a ``Pool`` of
workers built from it. The local engine builds the worker here, once. The Ray engine
starts ``workers`` actors that each build it once (one actor per GPU where the cluster
has GPUs) and sends them shards.

``Pool.map_ordered(shards)`` yields each shard's result in input order and keeps a
bounded number of shards in flight (two per worker), so memory stays bounded whatever
the input's size. A ``Ready`` shard (a chunk read back from a work folder) is passed
through in its place without going to a worker.

Ray is imported by the Ray engine only: the local engine, the default, needs no Ray.
"""

from __future__ import annotations

import contextlib
import resource
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

from ..errors import SetupError, UsageError, XlprojError

ENGINES = ("local", "ray")
RAY_MISSING = '--engine ray needs Ray: pip install "spacy-xlproj[ray]"'


class EngineError(UsageError):
    """Engine options that do not go together (exit 2)."""


class EngineMissingError(EngineError, SetupError):
    """``--engine ray`` on a machine without Ray: a missing extra, not a usage error."""

    exit_code = 1


class WorkerError(XlprojError):
    """A user error (bad data, missing backend…) raised on a Ray worker: its message only.

    The original exception may not survive pickling (``DataFormatError`` takes four
    arguments), and Ray's own wrapper carries a traceback, not a one-line message. The
    exit code of the original travels with the message.
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def __reduce__(self) -> tuple[Any, ...]:
        return (WorkerError, (str(self), self.exit_code))


@runtime_checkable
class WorkerSpec(Protocol):
    """A picklable recipe of a worker; ``build()`` runs once per worker, where it runs.

    The worker it returns is called with one shard and returns its result; an ``info``
    mapping on it (the backends' names…) is what ``Pool.info`` reports.
    """

    def build(self) -> Callable[[Any], Any]: ...


@dataclass(frozen=True, slots=True)
class Ready:
    """A shard whose result is already known: ``map_ordered`` yields ``value`` in its place."""

    value: Any


@runtime_checkable
class Pool(Protocol):
    """Workers built from one spec. Use it as a context manager, or call ``close()``."""

    info: Mapping[str, Any]

    def map_ordered(self, shards: Iterable[Any]) -> Iterator[Any]: ...

    def each(self, fn: Callable[[Any], Any]) -> list[Any]: ...

    def report(self, memory: bool = True) -> dict[str, Any]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Pool: ...

    def __exit__(self, *exc: object) -> None: ...


def _peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux: the peak of this process, not its current size.
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class LocalPool:
    """One worker in this process; shards are processed lazily, one at a time.

    worker (Callable): The worker (built from a spec, or by the caller).
    """

    workers = 1

    def __init__(self, worker: Callable[[Any], Any]) -> None:
        self.worker = worker
        self.info: Mapping[str, Any] = dict(getattr(worker, "info", {}) or {})

    def map_ordered(self, shards: Iterable[Any]) -> Iterator[Any]:
        for shard in shards:
            yield shard.value if isinstance(shard, Ready) else self.worker(shard)

    def each(self, fn: Callable[[Any], Any]) -> list[Any]:
        """``fn(worker)`` for every worker (here, the one)."""
        return [fn(self.worker)]

    def report(self, memory: bool = True) -> dict[str, Any]:
        """The engine; with ``memory``, the peak RSS of this process so far."""
        out: dict[str, Any] = {"engine": "local", "workers": 1}
        if memory:
            out["peak_rss_mib"] = {"driver": _peak_rss_mib()}
        return out

    def close(self) -> None:
        pass

    def __enter__(self) -> LocalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def require_ray() -> ModuleType:
    """Import Ray, or raise the one-line ``EngineError`` that says how to install it."""
    try:
        import ray
    except ImportError:
        raise EngineMissingError(RAY_MISSING) from None
    return ray


class _ShardActor:
    """The Ray actor: builds its worker once (``setup``), then processes shards."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.spec = spec
        self.worker: Callable[[Any], Any] | None = None

    def setup(self) -> dict[str, Any]:
        with _user_errors():
            self.worker = self.spec.build()
        return dict(getattr(self.worker, "info", {}) or {})

    def run(self, shard: Any) -> Any:
        assert self.worker is not None, "setup() first"
        with _user_errors():
            return self.worker(shard)

    def apply(self, fn: Callable[[Any], Any]) -> Any:
        return fn(self.worker)

    def peak_rss_mib(self) -> float:
        return _peak_rss_mib()


@contextlib.contextmanager
def _user_errors() -> Iterator[None]:
    """Turn a user error on a worker into a ``WorkerError`` with the same message."""
    try:
        yield
    except XlprojError as err:  # anything else is a bug: Ray keeps its traceback
        raise WorkerError(" ".join(str(err).split()), err.exit_code) from None


class RayPool:
    """``workers`` Ray actors, each holding the worker that ``spec`` builds.

    spec (WorkerSpec): Pickled and sent to each actor, which builds it once.
    workers (int | None): How many actors; ``None``: one per GPU of the cluster, or one
        per CPU where it has no GPU.
    address (str | None): The cluster to join (``auto``: the one this machine belongs
        to, ``ray://HOST:PORT``); ``None``: a local Ray started for this run and stopped
        at ``close()``. A Ray already initialised in this process is used as it is.
    """

    def __init__(self, spec: WorkerSpec, workers: int | None, address: str | None) -> None:
        ray = require_ray()
        self._ray = ray
        self._owns_ray = False
        started = time.perf_counter()
        if not ray.is_initialized():
            import logging

            ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
            self._owns_ray = True
        self.ray_start_seconds = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0))
        self.workers = workers or gpus or max(1, int(resources.get("CPU", 1)))
        # One GPU per actor where there is one for each: Ray then sets CUDA_VISIBLE_DEVICES.
        # More workers than GPUs all run on the CPU: asking for a GPU each would leave the
        # workers beyond the GPU count waiting forever for one.
        actor = ray.remote(num_cpus=1, num_gpus=1 if gpus and self.workers <= gpus else 0)(
            _ShardActor
        )
        self._actors = [actor.remote(spec) for _ in range(self.workers)]
        try:
            infos = self._get([a.setup.remote() for a in self._actors])
        except BaseException:
            self.close()
            raise
        self.info: Mapping[str, Any] = infos[0]
        self.workers_start_seconds = round(time.perf_counter() - started, 2)

    def _get(self, refs: Any) -> Any:
        try:
            return self._ray.get(refs)
        except self._ray.exceptions.RayTaskError as err:
            cause = getattr(err, "cause", None)
            if isinstance(cause, WorkerError):
                raise WorkerError(str(cause), cause.exit_code) from None
            raise

    def map_ordered(self, shards: Iterable[Any]) -> Iterator[Any]:
        """Each shard's result, in input order; at most two shards per worker in flight.

        A shard goes to an idle actor (no queue on busy ones), so a slow shard does not
        hold back the others; results that finish early wait, within the window, for
        the ones before them.
        """
        ray = self._ray
        window = 2 * self.workers
        todo = iter(shards)
        idle = list(self._actors)
        busy: dict[Any, Any] = {}  # ref -> its actor
        order: deque[Any] = deque()  # refs and Ready shards, in input order
        exhausted = False
        while True:
            while idle and not exhausted and len(order) < window:
                shard = next(todo, _END)
                if shard is _END:
                    exhausted = True
                elif isinstance(shard, Ready):
                    order.append(shard)
                else:
                    actor = idle.pop()
                    ref = actor.run.remote(shard)
                    busy[ref] = actor
                    order.append(ref)
            if not order:
                return
            head = order[0]
            if isinstance(head, Ready):
                yield order.popleft().value
            elif head in busy:
                ready, _ = ray.wait(list(busy), num_returns=1)
                for ref in ready:
                    idle.append(busy.pop(ref))
            else:
                yield self._get(order.popleft())

    def each(self, fn: Callable[[Any], Any]) -> list[Any]:
        """``fn(worker)`` on every actor (their statistics…), in actor order."""
        return self._get([a.apply.remote(fn) for a in self._actors])

    def report(self, memory: bool = True) -> dict[str, Any]:
        """The engine, its workers, Ray's and the workers' start-up; with ``memory``,
        the peak RSS so far of this process and of each worker."""
        out: dict[str, Any] = {
            "engine": "ray",
            "workers": self.workers,
            "ray_start_seconds": self.ray_start_seconds,
            "workers_start_seconds": self.workers_start_seconds,
        }
        if memory:
            workers = self._get([a.peak_rss_mib.remote() for a in self._actors])
            out["peak_rss_mib"] = {"driver": _peak_rss_mib(), "workers": workers}
        return out

    def close(self) -> None:
        for actor in getattr(self, "_actors", []):
            self._ray.kill(actor)
        self._actors = []
        if self._owns_ray:
            self._ray.shutdown()
            self._owns_ray = False

    def __enter__(self) -> RayPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_END = object()


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Where a command's shards run: ``--engine``, ``--workers``, ``engine.ray_address``.

    engine (str): ``local`` (this process, the default) or ``ray``.
    workers (int | None): Ray workers; ``None``: one per GPU, else one per CPU.
    address (str | None): Ray cluster to join (``auto``…); ``None``: a local Ray.
    """

    engine: str = "local"
    workers: int | None = None
    address: str | None = None

    def check(self) -> EngineOptions:
        """Refuse options that do not go together; return self.

        RAISES (EngineError): An unknown engine, ``workers`` below 1, or Ray-only
            options with the local engine.
        """
        if self.engine not in ENGINES:
            raise EngineError(f"--engine: use local or ray, got {self.engine!r}.")
        if self.workers is not None and self.workers < 1:
            raise EngineError(f"--workers must be at least 1, got {self.workers}.")
        if self.engine == "local":
            if self.workers is not None and self.workers > 1:
                raise EngineError(
                    f"--workers {self.workers} needs --engine ray; the local engine runs "
                    "in this process, with one worker."
                )
            if self.address is not None:
                raise EngineError("engine.ray_address needs --engine ray.")
        return self

    @property
    def local(self) -> bool:
        return self.engine == "local"

    def start(self, spec: WorkerSpec) -> LocalPool | RayPool:
        """Build the workers of ``spec``: here (local) or on Ray actors.

        RAISES (EngineError): Bad options, or ``ray`` without Ray installed.
        """
        self.check()
        if self.local:
            return LocalPool(spec.build())
        return RayPool(spec, self.workers, self.address)
