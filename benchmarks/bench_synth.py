"""Benchmark of `participatie synth`: time and peak memory to write one export.

    .venv/bin/python benchmarks/bench_synth.py --personen 500000
Prints the work size (persons, rows per table, bytes written), the machine (cores, RAM),
wall time and peak resident memory. Performance is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine import peak_mib, ram_gib  # noqa: E402

from pipelines.synth import write_export  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personen", type=int, default=500_000)
    parser.add_argument("--organisatie", default="gemeente-leiden")
    parser.add_argument("--formaat", default="standaard")
    parser.add_argument("--fouten", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=None, help="map voor de export (standaard: tijdelijk)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "export"
        start = time.perf_counter()
        _, counts, n_faults = write_export(
            out, args.organisatie, args.personen, args.seed, args.formaat, args.fouten, None
        )
        wall = time.perf_counter() - start
        size = sum(p.stat().st_size for p in out.iterdir())
    peak = peak_mib() / 1024
    print("bench_synth")
    print(
        f"  work: organisatie={args.organisatie} personen={args.personen} formaat={args.formaat} "
        f"fouten={args.fouten} seed={args.seed}"
    )
    print(f"  rows: {sum(counts.values())} in total; " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    print(f"  written: {size / 1024**2:.1f} MiB" + (f", {n_faults} faults" if n_faults else ""))
    cpu = platform.processor() or platform.machine()
    print(
        f"  machine: {os.cpu_count()} cores, {ram_gib():.1f} GiB RAM, {cpu}, "
        f"Python {platform.python_version()}"
    )
    print(f"  wall time: {wall:.1f} s")
    print(f"  peak RSS: {peak:.2f} GiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
