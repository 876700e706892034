"""What every benchmark reports about the machine and its own memory (one definition for all scripts)."""

from __future__ import annotations

import os
import platform
import resource
import threading
import time
from pathlib import Path


def ram_gib() -> float:
    """Total RAM of the machine in GiB (from /proc/meminfo)."""
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    return float("nan")


def peak_mib() -> float:
    """Peak resident memory of this process so far, in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (every process, every core; /proc/stat): over a stretch,
    divided by its wall time, how many cores were in use."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and waiting for I/O
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def load_text() -> str:
    """The load averages over 1, 5 and 15 minutes (above the core count the machine was shared)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def loop_seconds(additions: int = 20_000_000) -> float:
    """Seconds of a fixed pure-Python loop on one core: how fast this shared machine is just now (the same
    work takes 30 % longer and more in its slow hours), so two measurements can be told apart by it."""
    started, total = time.perf_counter(), 0
    for i in range(additions):
        total += i
    return time.perf_counter() - started


def describe() -> str:
    """One line: cores, RAM, processor, Python and polars version, and the speed of the moment
    (`loop_seconds`)."""
    import polars as pl

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({model}), {ram_gib():.1f} GiB RAM, Python {platform.python_version()}, "
        f"polars {pl.__version__}; a fixed Python loop of 20 M additions took {loop_seconds():.2f} s just now"
    )


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (from /proc)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


class TreePeak:
    """Peak of the summed resident memory of this process and its children (kernels), sampled.

    `ru_maxrss` is per process; a quarterly run also has its notebook kernels, so its peak is the
    largest sum over the whole tree at one moment (sampled every `interval` seconds).
    """

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pid = os.getpid()
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(pid))
            time.sleep(self.interval)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _tree_rss(os.getpid()))

    @property
    def gib(self) -> float:
        return self.peak / 1024**3
