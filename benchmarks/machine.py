"""What every benchmark reports about the machine and its own memory (one definition for all scripts)."""

from __future__ import annotations

import resource


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
