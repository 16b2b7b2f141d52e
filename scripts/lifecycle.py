"""How the workflow's scripts end: with their parent, and cleanly on SIGTERM.

``spacy project run`` starts each step as a child process and does not pass a SIGTERM
on (``kill``, ``timeout``, a CI runner giving up): without this a training step would
run on alone and publish a model after its workflow was stopped. A script calls
:func:`stop_with_parent` first thing; then

* SIGTERM raises :class:`Terminated` (a ``SystemExit``), so ``finally`` blocks and
  ``except BaseException`` clean-ups run as they do on Ctrl-C (``.OUTPUT.partial``
  folders are removed, no half-written file is published);
* on Linux the kernel sends the script SIGTERM when its parent process dies
  (``prctl(PR_SET_PDEATHSIG)``), so killing ``spacy project run`` stops its step too.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

# prctl option: the signal the kernel sends a process when its parent dies (Linux).
PR_SET_PDEATHSIG = 1
TERMINATED_STATUS = 128 + signal.SIGTERM


class Terminated(SystemExit):
    """Raised in the main thread when the process receives SIGTERM."""

    def __init__(self) -> None:
        super().__init__(TERMINATED_STATUS)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def stop_with_parent() -> None:
    """Turn SIGTERM into :class:`Terminated` and ask for SIGTERM when the parent dies."""
    signal.signal(signal.SIGTERM, _raise_terminated)
    die_with_parent()


def die_with_parent() -> None:
    """Ask the kernel for SIGTERM when the parent process dies (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)
