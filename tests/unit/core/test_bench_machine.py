"""The benchmarks' reading of how busy the machine was."""

from __future__ import annotations

import resource
import subprocess
import sys
import time

from benchmarks.machine import busy_seconds

SPIN = "import time\nuntil = time.perf_counter() + 0.5\nwhile time.perf_counter() < until: pass"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def test_busy_seconds_count_every_process_working():
    machine, own, children = busy_seconds(), time.process_time(), _children_cpu()
    other = subprocess.Popen([sys.executable, "-c", SPIN])  # a second process busy at the same time
    exec(SPIN)
    other.wait()
    worked = (time.process_time() - own) + (_children_cpu() - children)
    assert worked > 0.6
    # the clock ticks in hundredths: allow a few of them
    assert busy_seconds() - machine >= worked - 0.05
