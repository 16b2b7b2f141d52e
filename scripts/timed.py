"""Run a command and record how long it took, so the report can show time per step.

    python scripts/timed.py TIMES.json STEP -- COMMAND [ARGS...]

The wall time in seconds is stored under ``STEP`` in the JSON file TIMES.json
(created if needed; other steps are kept). The command's exit status is passed on,
and nothing is recorded when it fails. A SIGTERM (or SIGINT) is passed on to the
command, which then cleans up as it does on its own; this script stops with its
parent (``spacy project run``), and so does the command.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from lifecycle import die_with_parent


def record(times_path: Path, step: str, seconds: float) -> None:
    """Store ``seconds`` under ``step`` in the JSON file ``times_path``.

    Steps of one language often run at the same time (two trainings on two cores):
    the read-modify-write holds a lock, so neither loses the other's entry, and the
    file is replaced atomically.
    """
    import fcntl

    from spacy_xlproj.io.atomic import write_atomic

    times_path.parent.mkdir(parents=True, exist_ok=True)
    with open(times_path.with_name(times_path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        times = json.loads(times_path.read_text(encoding="utf8")) if times_path.exists() else {}
        times[step] = round(seconds, 2)
        write_atomic(times_path, json.dumps(times, indent=2, sort_keys=True) + "\n")


def run(command: list[str]) -> int:
    """Run ``command``, passing SIGTERM and SIGINT on to it; its exit status (shell style)."""
    proc = subprocess.Popen(command)

    def forward(signum: int, frame: FrameType | None) -> None:
        proc.send_signal(signum)

    # Wait for the command to clean up instead of dying first (subprocess.call would
    # SIGKILL it on an exception, leaving its partial outputs behind).
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    die_with_parent()
    status = proc.wait()
    return 128 - status if status < 0 else status


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print(__doc__.strip(), file=sys.stderr)
        return 2
    times_path, step, command = Path(argv[0]), argv[1], argv[3:]
    if command[0] in ("python", "python3"):
        # The same interpreter as ours (spacy project runs us with the venv's).
        command = [sys.executable, *command[1:]]
    start = time.perf_counter()
    status = run(command)
    if status == 0:
        record(times_path, step, time.perf_counter() - start)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
