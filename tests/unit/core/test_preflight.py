"""Checks before work starts: the threshold is a percentage, folders are writable, one process per target."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from pipelines import preflight
from pipelines.errors import InputError


@pytest.mark.parametrize("text", ["nan", "NaN", "-1", "100.5", "inf", "vijf"])
def test_threshold_outside_0_to_100_is_refused(text):
    with pytest.raises(argparse.ArgumentTypeError, match="0 tot en met 100"):
        preflight.percentage(text)


def test_threshold_accepts_0_to_100_with_either_decimal_sign():
    assert preflight.percentage("0") == 0.0 and preflight.percentage("2,5") == 2.5
    assert preflight.percentage("100") == 100.0
    assert preflight.check_percentage(None) is None
    with pytest.raises(InputError):
        preflight.check_percentage(float("nan"))


def test_a_folder_under_a_file_or_without_write_permission_is_refused(tmp_path, monkeypatch):
    blocker = tmp_path / "bestand"
    blocker.write_text("")
    with pytest.raises(InputError, match="is een bestand, geen map"):
        preflight.check_writable_dir(blocker / "uit", "--out")
    assert preflight.check_writable_dir(tmp_path / "nieuw" / "uit", "--out") == tmp_path / "nieuw" / "uit"
    monkeypatch.setattr(preflight.os, "access", lambda path, mode: False)  # as a read-only folder (not root)
    with pytest.raises(InputError, match="niet schrijfbaar"):
        preflight.check_writable_dir(tmp_path / "uit", "--clean-root")


@pytest.fixture
def other_process():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


def _write_lock(target, pid, start):
    lock = target.parent / f".{target.name}.lock"
    lock.write_text(json.dumps({"pid": pid, "start": start}))
    return lock


def test_a_live_owner_refuses_at_once_and_a_stale_lock_is_taken_over(tmp_path, other_process):
    target = tmp_path / "2024Q3"
    start = preflight._start_time(other_process.pid)
    _write_lock(target, other_process.pid, start)
    with pytest.raises(preflight.LockedError, match=f"proces {other_process.pid}"):
        preflight.TargetLock(target).acquire()
    # the same number, another start time: the number was reused by a new process -> stale
    lock = _write_lock(target, other_process.pid, start - 1000)
    with preflight.TargetLock(target):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
        with preflight.TargetLock(target):  # the same process again (a run's own ingest)
            pass
        assert lock.exists()
    assert not lock.exists()
    # a process that has ended
    other_process.kill()
    other_process.wait()
    _write_lock(target, other_process.pid, start)
    with preflight.TargetLock(target):
        pass
