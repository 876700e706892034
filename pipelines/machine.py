"""What the machine gives this process: the cores it may use (KPI families and notebook kernels), and
how it keeps the modules it loads for good out of the garbage collector's way."""

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
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, and on again after it (if it was on).

    For a heavy import: it makes objects by the hundred thousand, and every collection it set off
    would walk all of them, only to find they live on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def loaded_for_good() -> Iterator[None]:
    """Import heavy modules with the collector paused, then keep every object that exists out of its
    reach (`gc.freeze`).

    Modules live as long as the process. After Great Expectations was imported Python walked its
    150,000 objects again in every full collection: four to six in a demo run, 0.1-0.2 s each, 0.5-0.65 s
    of the run's one busy core. Frozen objects are still freed when nothing refers to them any more, but
    garbage in a reference cycle is not: use this where no data is alive yet (before an export is read),
    or its tables would stay in memory until the process ends.
    """
    with collector_paused():
        try:
            yield
        finally:
            gc.freeze()
