"""What the machine gives this process: the cores it may use (KPI families and notebook kernels), and
imports that do not keep the garbage collector busy."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator


def usable_cores() -> int:
    """The cores this process may run on (its affinity, where the system has one), at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@contextlib.contextmanager
def loading_modules() -> Iterator[None]:
    """Import heavy modules with the cyclic garbage collector paused, then freeze what exists (`gc.freeze`).

    Importing Great Expectations makes so many objects that the collector ran some 300 times meanwhile,
    three times over the whole heap (0.4 of 1.7 s); and every later full collection walked all those
    modules again, which live as long as the process (1.1 s of collecting in a demo run's main process).
    Frozen objects are still freed by reference counting; only cycles among them are never collected.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
