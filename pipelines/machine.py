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
def loaded_for_good() -> Iterator[None]:
    """Import heavy modules without Python's cyclic garbage collector running meanwhile, and keep the
    objects that exist afterwards out of its reach (`gc.freeze`).

    Modules live as long as the process. Importing Great Expectations makes some 150,000 objects, and
    Python walked all of them again in every full collection that followed: four to six in a demo run,
    0.1-0.2 s each, 0.5-0.65 s of the run's one busy core. Objects that are frozen are still freed
    when nothing refers to them any more; only garbage in a reference cycle at this moment is kept.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
