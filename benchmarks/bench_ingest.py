"""Benchmark of `participatie ingest`: time per step, peak memory and what Great Expectations costs.

    .venv/bin/python benchmarks/bench_ingest.py --personen 500000
Generates an export with `pipelines.synth.generate_export` into a temp dir (or reads `--export`),
then reads, pseudonymises, validates and writes it, and prints the work size, the machine, wall
time per step, peak resident memory and the share of validation spent in Great Expectations
(and in the polars -> pandas conversion it needs). Performance is measured here, never asserted
in tests. The key is a fixed benchmark key unless PARTICIPATIE_SLEUTEL is set.
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

os.environ.setdefault("PARTICIPATIE_SLEUTEL", "benchmark-sleutel-niet-voor-productie")

from machine import peak_mib, ram_gib  # noqa: E402

from pipelines.ingest import deliver as ingest
from pipelines.ingest import suites  # noqa: E402
from pipelines.ingest.pseudonym import key_fingerprint, load_key  # noqa: E402


def _peak_gib() -> float:
    return peak_mib() / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personen", type=int, default=500_000)
    parser.add_argument("--organisatie", default="gemeente-leiden")
    parser.add_argument("--fouten", type=float, default=0.0, help="percentage ingebouwde fouten in de export")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--export", type=Path, default=None, help="bestaande export (dan wordt er niets gegenereerd)"
    )
    args = parser.parse_args()

    steps: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        export = args.export
        if export is None:
            # in a child process, so the peak memory below is the ingest's own
            import subprocess

            export = Path(tmp) / "export"
            code = (
                f"from pipelines.synth import generate_export; generate_export({str(export)!r}, "
                f"organisatie={args.organisatie!r}, personen={args.personen}, seed={args.seed}, "
                f"fouten_pct={args.fouten})"
            )
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])
            steps["genereren (niet meegeteld)"] = time.perf_counter() - start
        peak_before = _peak_gib()

        from pipelines.ingest.read import read_export

        start = time.perf_counter()
        read = read_export(export)
        steps["inlezen"] = time.perf_counter() - start

        start = time.perf_counter()
        suites.load_great_expectations()  # its import is part of what GE costs

        steps["import great_expectations"] = time.perf_counter() - start

        original = ingest.add_pseudonym
        spent = {"pseudonimiseren": 0.0}

        def timed_pseudonym(*a, **kw):
            t = time.perf_counter()
            try:
                return original(*a, **kw)
            finally:
                spent["pseudonimiseren"] += time.perf_counter() - t

        ingest.add_pseudonym = timed_pseudonym
        key = load_key()
        start = time.perf_counter()
        validation = ingest.validate_tables(read.tables, key)
        total_validation = time.perf_counter() - start
        ingest.add_pseudonym = original
        steps["pseudonimiseren"] = spent["pseudonimiseren"]
        steps["naar pandas (voor GE)"] = suites.TIMINGS["naar_pandas"]
        steps["great expectations (validatie)"] = suites.TIMINGS["great_expectations"]
        steps["overige validatie (polars)"] = (
            total_validation
            - spent["pseudonimiseren"]
            - suites.TIMINGS["naar_pandas"]
            - suites.TIMINGS["great_expectations"]
        )

        start = time.perf_counter()
        result = ingest.write_delivery(
            read,
            validation,
            key_fingerprint(key),
            export,
            out_dir=Path(tmp) / "schoon",
            max_afwijzing_pct=100,
        )
        steps["schrijven (parquet, rapport)"] = time.perf_counter() - start
        written = sum(p.stat().st_size for p in result.clean_dir.rglob("*") if p.is_file())
        size = sum(p.stat().st_size for p in Path(export).iterdir() if p.is_file())

    counted = {k: v for k, v in steps.items() if not k.startswith("genereren")}
    wall = sum(counted.values())
    ge = (
        steps["great expectations (validatie)"]
        + steps["import great_expectations"]
        + steps["naar pandas (voor GE)"]
    )
    afst = result.afstemming
    print("bench_ingest")
    print(
        f"  work: organisatie={args.organisatie} personen={args.personen} fouten={args.fouten} "
        f"seed={args.seed}"
    )
    print(
        f"  rows read: {int(afst['gelezen'].sum())} in total; "
        + ", ".join(f"{r['tabel']}={r['gelezen']}" for r in afst.iter_rows(named=True))
    )
    print(
        f"  rejected: {int(afst['afgewezen'].sum())}; input {size / 1024**2:.1f} MiB, clean output "
        f"{written / 1024**2:.1f} MiB"
    )
    print(
        f"  machine: {os.cpu_count()} cores, {ram_gib():.1f} GiB RAM, "
        f"{platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    for name, seconds in steps.items():
        print(f"  {name:<34} {seconds:8.1f} s")
    print(f"  wall time ingest (sum of the counted steps): {wall:.1f} s")
    print(
        f"  Great Expectations incl. import and pandas conversion: {ge:.1f} s = {100 * ge / wall:.0f} % of "
        f"the ingest"
    )
    print(f"  peak RSS: {_peak_gib():.2f} GiB (before reading: {peak_before:.2f} GiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
