"""A stopped workflow step stops whole and leaves nothing half-made (#25 cases 5 and 14):
scripts/train.py removes its staging folder on SIGTERM as on Ctrl-C, timed.py passes a
SIGTERM on to its command, and a training whose parent dies (``spacy project run``
killed) stops too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spacy_xlproj.io import read_columns, write_sentences

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "assets" / "demo"
pytestmark = pytest.mark.slow  # each test starts a real (endless) training


def _data(tmp_path: Path) -> tuple[Path, Path]:
    sentences = read_columns(DEMO / "en_train.iob")[:20]
    train, dev = tmp_path / "train.spacy", tmp_path / "dev.spacy"
    write_sentences(train, sentences, lang="en")
    write_sentences(dev, sentences[:5], lang="en")
    return train, dev


def _train_command(tmp_path: Path) -> list[str]:
    train, dev = _data(tmp_path)
    return [
        sys.executable, str(ROOT / "scripts" / "train.py"), str(ROOT / "configs" / "ner_cnn.cfg"),
        str(tmp_path / "model"), "--lang", "en", "--train", str(train), "--dev", str(dev),
        "--max-steps", "1000000", "--eval-frequency", "5", "--patience", "1000000",
    ]  # fmt: skip


def _wait_for(condition, what: str, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _training_started(tmp_path: Path) -> bool:
    # spaCy writes model-last into the staging folder at the first evaluation.
    return (tmp_path / ".model.partial" / "model-last").is_dir()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.split(")")[-1].split()[0] != "Z"  # a zombie has stopped


def _assert_nothing_published(tmp_path: Path) -> None:
    assert not (tmp_path / ".model.partial").exists()
    assert not (tmp_path / "model" / "model-best").exists()
    assert not (tmp_path / "model" / "training.json").exists()


def test_sigterm_removes_the_staging_folder_as_ctrl_c_does(tmp_path):
    proc = subprocess.Popen(_train_command(tmp_path), stdout=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _training_started(tmp_path), "the training to start")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        proc.kill()
    _assert_nothing_published(tmp_path)


def test_timed_passes_sigterm_on_and_waits_for_the_clean_up(tmp_path):
    times = tmp_path / "times.json"
    command = [sys.executable, str(ROOT / "scripts" / "timed.py"), str(times), "step", "--"]
    proc = subprocess.Popen(command + _train_command(tmp_path), stdout=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _training_started(tmp_path), "the training to start")
        (child,) = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
        assert not _alive(child)
    finally:
        proc.kill()
    _assert_nothing_published(tmp_path)
    assert not times.exists()


def test_a_training_stops_when_its_parent_dies(tmp_path):
    """What `kill` does to `spacy project run`: the parent goes, SIGTERM reaches no child."""
    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; subprocess.call(sys.argv[1:])"]
        + _train_command(tmp_path),
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: _training_started(tmp_path), "the training to start")
        (child,) = _children(parent.pid)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        _wait_for(lambda: not _alive(child), "the orphaned training to stop", timeout=60)
    finally:
        parent.kill()
    _assert_nothing_published(tmp_path)
