"""Benchmark of `participatie onderzoeksbestand`: time to build and to write each format, peak memory.

    .venv/bin/python benchmarks/bench_onderzoeksbestand.py --personen 100000 [--clean DIR]

Generates an export with `pipelines.synth.generate_export` and ingests it into a temp dir (or reads
`--clean`), then builds the extract (`build_extract`: re-keying, minimisation, spells, k-anonymity)
and writes it (`write_extract`: CSV, parquet, SPSS, Stata, codebook, manifest), and prints the work
size, the machine, wall time per part and peak resident memory. Performance is measured here, never
asserted in tests. Keys are fixed benchmark keys unless set in the environment.
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
os.environ.setdefault("PARTICIPATIE_PROJECTSLEUTEL_BENCHMARK", "benchmark-projectsleutel-niet-voor-productie")

from machine import peak_mib, ram_gib  # noqa: E402


def main() -> int:
    from pipelines.clean import load_clean
    from pipelines.config import config_for
    from pipelines.ingest.pseudonym import key_fingerprint
    from pipelines.research import extract as ex

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personen", type=int, default=100_000)
    parser.add_argument("--organisatie", default="gemeente-leiden")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--clean", type=Path, default=None, help="bestaande schone levering (dan wordt er niets gegenereerd)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-onderzoek-") as tmp:
        clean = args.clean
        if clean is None:
            from pipelines.ingest.deliver import ingest_export
            from pipelines.synth import generate_export

            export = Path(tmp) / "export"
            generate_export(export, organisatie=args.organisatie, personen=args.personen, seed=args.seed)
            clean = ingest_export(export, out_dir=Path(tmp) / "schoon").clean_dir
        data = load_clean(clean)
        config = config_for(data.organisatie)
        key = ex.load_project_key("benchmark")
        rows_in = sum(f.height for f in data.tables.values())
        peak_before = peak_mib()

        started = time.perf_counter()
        extract = ex.build_extract(data, config, key)
        built = time.perf_counter() - started
        started = time.perf_counter()
        ex.write_extract(
            extract,
            Path(tmp) / "onderzoek",
            project="benchmark",
            fingerprint=key_fingerprint(key),
            clean_dir=clean,
            config=config,
        )
        written = time.perf_counter() - started
        size = sum(p.stat().st_size for p in (Path(tmp) / "onderzoek").rglob("*") if p.is_file())
        rows_out = sum(f.height for f in extract.tables.values())

    print("bench_onderzoeksbestand")
    print(
        f"  work: organisatie={data.organisatie} personen={extract.tables['personen'].height} "
        f"rows in {rows_in}, rows out {rows_out} in "
        f"{len(extract.tables)} tables, {size / 1024**2:.1f} MiB written"
    )
    print(
        f"  machine: {os.cpu_count()} cores, {ram_gib():.1f} GiB "
        f"RAM, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  build (re-key, minimise, spells, k-anonymity): {built:8.1f} s")
    print(f"  write (csv, parquet, sav, dta, codebook, manifest): {written:8.1f} s")
    print(
        "  persons with a coarsened birth year: "
        f"{extract.coarsening.summary['personen_geboortejaar_vergroofd']}"
    )
    print(f"  peak RSS: {peak_mib():.0f} MiB (after loading the clean data: {peak_before:.0f} MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
