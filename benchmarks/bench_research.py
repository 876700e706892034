"""Benchmark: the research families, the survival tables and the whole series of kpis.csv at scale.

    .venv/bin/python benchmarks/bench_research.py [--personen 500000] [--seed 1]

Work: the clean delivery of `bench_kpi.generate_clean` (N persons, 10 years of history, every table).
Measured, each in a fresh child process so its peak memory (ru_maxrss) is its own:
- every family of the registry for one quarter (2024Q3), one family per child: time and peak memory,
  the three research families (`cohorten`, `duurzaamheid`, `overgangen`) next to the existing ones;
- the survival and transition tables (`engine.research_tables`: Kaplan-Meier per cohort x
  municipality x group with lifelines, `cohorten.csv`, `cohortcurven.csv`, `overgangen.csv`);
- `compute_kpis` for one quarter and for the run's series (every quarter end from the first covered
  quarter up to 2024Q3), all families: the ratio is what a run pays for the series.
The peak of a child includes loading the clean tables (printed on its own as `laden`).
Performance is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_kpi import PEILDATUM, VANAF, _config, generate_clean, save  # noqa: E402
from machine import peak_mib, ram_gib  # noqa: E402

from pipelines.clean import load_clean  # noqa: E402
from pipelines.periods import series_peildata  # noqa: E402

RESEARCH = ("cohorten", "duurzaamheid", "overgangen")


def _task(kind: str, arg: str, folder: str, out: str) -> None:
    from pipelines.kpi.engine import compute_kpis, research_tables

    data = load_clean(folder)
    config = _config(data)
    loaded = peak_mib()
    t0 = time.perf_counter()
    info: dict = {}
    if kind == "familie":
        frame = compute_kpis(data, config, PEILDATUM, families=[arg])
        info["rijen"] = frame.height
    elif kind == "tabellen":
        tables = research_tables(data, config, PEILDATUM)
        info["rijen"] = {k: (v if isinstance(v, str) else v.height) for k, v in tables.items()}
    elif kind == "kwartaal":
        info["rijen"] = compute_kpis(data, config, PEILDATUM).height
    elif kind == "reeks":
        dates = series_peildata(PEILDATUM, data.gegevens_vanaf)
        info["rijen"] = compute_kpis(data, config, dates).height
        info["kwartalen"] = len(dates)
    elif kind != "laden":
        raise ValueError(kind)
    wall = time.perf_counter() - t0
    Path(out).write_text(json.dumps({"wall": wall, "peak_mib": peak_mib(), "laden_mib": loaded, **info}))


def _child(kind: str, arg: str, folder: Path, tmp: Path) -> dict:
    out = tmp / f"{kind}_{arg}.json"
    proc = mp.get_context("spawn").Process(target=_task, args=(kind, arg, str(folder), str(out)))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise SystemExit(f"{kind} {arg} faalde (exitcode {proc.exitcode})")
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personen", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from pipelines.kpi.registry import KPI_FAMILIES

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{ram_gib():.1f} GiB RAM, load {os.getloadavg()[0]:.1f} at start; python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="bench_research_") as tmpdir:
        tmp = Path(tmpdir)
        folder = tmp / "clean"
        t0 = time.perf_counter()
        save(generate_clean(args.personen, args.seed), folder)
        print(
            f"werk: {args.personen} personen, gegevens vanaf {VANAF}, peildatum {PEILDATUM} "
            f"(voorbereid in {time.perf_counter() - t0:.1f} s)"
        )
        base = _child("laden", "-", folder, tmp)
        print(f"laden van de schone tabellen: piek {base['peak_mib']:.0f} MiB")
        print(f"{'familie (een kwartaal)':<28}{'tijd s':>9}{'piek MiB':>10}")
        for family in KPI_FAMILIES:
            r = _child("familie", family, folder, tmp)
            mark = "  (nieuw)" if family in RESEARCH else ""
            print(f"{family:<28}{r['wall']:>9.2f}{r['peak_mib']:>10.0f}{mark}", flush=True)
        r = _child("tabellen", "-", folder, tmp)
        print(f"{'onderzoekstabellen':<28}{r['wall']:>9.2f}{r['peak_mib']:>10.0f}  {r['rijen']}", flush=True)
        one = _child("kwartaal", "-", folder, tmp)
        print(f"{'alle families, 1 kwartaal':<28}{one['wall']:>9.2f}{one['peak_mib']:>10.0f}", flush=True)
        series = _child("reeks", "-", folder, tmp)
        print(
            f"{'alle families, reeks':<28}{series['wall']:>9.2f}{series['peak_mib']:>10.0f}  "
            f"{series['kwartalen']} kwartalen, {series['rijen']} rijen; "
            f"reeks / kwartaal = {series['wall'] / one['wall']:.1f}x"
        )
    print(f"load {os.getloadavg()[0]:.1f} at the end (2 cores shared with other workers: times vary)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
