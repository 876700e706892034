"""What a command checks before it starts work: parameters, writable folders, and a lock per target.

A run or ingest that cannot finish should say so at once, in Dutch and with exit code 2, not after
minutes of work or with a traceback: a threshold that is not a percentage, an output folder that
cannot be written, a second run into a folder another run is writing.

The lock is a file `.<name>.lock` beside its target holding the owner's process id and that
process's start time. A lock whose process has ended, or whose number now belongs to another
process (started at another time), is stale and taken over; a live owner makes the command stop
with exit 2.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path
from types import TracebackType

import psutil

from pipelines.errors import InputError


class LockedError(InputError):
    """Another live process holds the lock of this target."""


def check_percentage(value: float | None, name: str = "--max-afwijzing-pct") -> float | None:
    """`value` when it is a number from 0 to 100 (None stays None), else an InputError naming `name`."""
    if value is None:
        return None
    number = float(value)
    if math.isnan(number) or not 0.0 <= number <= 100.0:
        raise InputError(f"{name}: een percentage van 0 tot en met 100, niet {value!r}")
    return number


def percentage(text: str) -> float:
    """argparse type of `--max-afwijzing-pct`: a number from 0 to 100 (`5`, `2,5`); `nan`, `-1` refused."""
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is geen getal (een percentage van 0 tot en met 100)"
        ) from None
    try:
        check_percentage(number)
    except InputError:
        raise argparse.ArgumentTypeError(f"een percentage van 0 tot en met 100, niet {text!r}") from None
    return number


def check_writable_dir(path: Path, label: str) -> Path:
    """`path` (created later if absent) can be written: its nearest existing ancestor is a writable folder."""
    path = Path(path).expanduser()
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise InputError(f"{label} {path}: {probe} is een bestand, geen map")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"{label} {path}: map {probe} is niet schrijfbaar")
    return path


def _start_time(pid: int) -> float | None:
    try:
        return round(psutil.Process(pid).create_time(), 2)
    except (psutil.Error, OSError):
        return None


class TargetLock:
    """`.<name>.lock` beside `target`, held by this process from `acquire` to `release`."""

    def __init__(self, target: Path, what: str = "een run") -> None:
        target = Path(target)
        self.target = target
        self.what = what
        self.path = target.parent / f".{target.name}.lock"
        self.held = False

    def _owner(self) -> dict | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else None
        except (OSError, ValueError):
            return None

    def _alive(self, owner: dict | None) -> bool:
        if not owner or not isinstance(owner.get("pid"), int):
            return False
        start = _start_time(owner["pid"])
        return start is not None and start == owner.get("start")

    def acquire(self) -> TargetLock:
        """Take the lock, or raise `LockedError` (exit 2) when a live process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "start": _start_time(os.getpid())}
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                owner = self._owner()
                if owner and owner.get("pid") == me["pid"] and owner.get("start") == me["start"]:
                    return self  # this process holds it already (a run's ingest): the outer holder releases
                if self._alive(owner):
                    raise LockedError(
                        f"{self.target} is in gebruik door {self.what} (proces {owner['pid']}); "  # type: ignore[index]
                        "wacht tot die klaar is"
                    ) from None
                self.path.unlink(missing_ok=True)  # stale: its process ended or the number was reused
                continue
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(me, handle)
            self.held = True
            return self
        raise LockedError(f"{self.target}: vergrendeling niet te krijgen ({self.path})")

    def release(self) -> None:
        if self.held:
            owner = self._owner()
            if owner and owner.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self) -> TargetLock:
        return self.acquire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
