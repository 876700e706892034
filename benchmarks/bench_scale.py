"""Scaling of ingest and KPIs: time and peak memory per size, up to a pooled national set of 2 million.

    .venv/bin/python benchmarks/bench_scale.py                         # 50k 200k 500k 1M 2M
    .venv/bin/python benchmarks/bench_scale.py --personen 50000 --personen 200000

Per size: a synthetic export (`gemeente-leiden`, seed 2024), then, each in its own child process
(so its peak memory is its own): `ingest_export` as `participatie ingest` runs it, and on the clean
data `compute_kpis` for one quarter (every family) and for the series of a quarterly run (every
covered quarter). Prints wall and CPU seconds and peak resident memory per step, the machine and
its load average. The export is removed after each size.

The generator's synthetic BSNs (980000000-999999999, about 1.8 million valid numbers) cannot hold
more persons, so a set beyond that is pooled the way a national research set is: two exports of
half the size from two municipalities (`gemeente-leiden` and `gemeente-pijnacker-nootdorp`), the
second one's BSNs renumbered one to one into 960000000-979999999 (elfproef kept) and its keys
prefixed, in one folder with the first one's delivery row. Nothing of it is kept.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import os  # noqa: E402

os.environ.setdefault("PARTICIPATIE_SLEUTEL", "benchmark-sleutel-niet-voor-productie")

from machine import describe, load_text  # noqa: E402

SIZES = (50_000, 200_000, 500_000, 1_000_000, 2_000_000)
#: Most persons the generator's synthetic BSN range holds (docs/synth.md).
GENERATOR_MAX = 1_700_000

CHILD = """
import json, sys, time
sys.path.insert(0, {bench!r})
from machine import cpu_seconds, peak_mib
result = {{}}
{body}
result['peak_gib'] = peak_mib() / 1024
open({out!r}, 'w').write(json.dumps(result))
"""

INGEST = """
from pipelines.ingest.deliver import ingest_export
t, c = time.perf_counter(), cpu_seconds()
res = ingest_export({export!r}, out_dir={clean!r}, max_afwijzing_pct=100)
result.update(wall=time.perf_counter() - t, cpu=cpu_seconds() - c,
              gelezen=int(res.afstemming['gelezen'].sum()), afgewezen=int(res.afstemming['afgewezen'].sum()))
"""

KPI = """
from pipelines.clean import load_clean
from pipelines.config import config_for
from pipelines.kpi.engine import compute_kpis
from pipelines.periods import peildatum, series_peildata
t, c = time.perf_counter(), cpu_seconds()
data = load_clean({clean!r})
result['load'] = time.perf_counter() - t
config = config_for(data.organisatie, gemeentecodes=data.get('personen')['gemeentecode'].unique().to_list())
b = peildatum('2024Q3')
t = time.perf_counter()
compute_kpis(data, config, b)
result['one'] = time.perf_counter() - t
quarters = series_peildata(b, data.gegevens_vanaf)
t = time.perf_counter()
compute_kpis(data, config, quarters)
result.update(series=time.perf_counter() - t, quarters=len(quarters), cpu=cpu_seconds() - c)
"""


def child(body: str, work: Path, name: str) -> dict:
    out = work / f"{name}.json"
    code = CHILD.format(bench=str(ROOT / "benchmarks"), body=body, out=str(out))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    return json.loads(out.read_text())


def generate(out: Path, organisatie: str, personen: int, seed: int) -> None:
    code = (
        f"from pipelines.synth import generate_export; generate_export({str(out)!r}, "
        f"organisatie={organisatie!r}, personen={personen}, seed={seed})"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def _renumber(bsns: list[str]) -> dict[str, str]:
    """Each BSN to a distinct valid number in 960000000-979999999 (first eight digits 96000000-97999999)."""
    out: dict[str, str] = {}
    prefix = 96_000_000
    for bsn in sorted(set(bsns)):
        while True:
            digits = [int(c) for c in f"{prefix:08d}"]
            check = sum(w * d for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2), digits, strict=True)) % 11
            prefix += 1
            if check <= 9:
                out[bsn] = f"{prefix - 1:08d}{check}"
                break
        if prefix >= 98_000_000:
            raise SystemExit("te veel personen om te hernummeren")
    return out


def pooled(out: Path, personen: int, work: Path) -> None:
    """Two exports of half the size from two municipalities in one folder (see the module docstring)."""
    import polars as pl

    a, b = work / "deel-a", work / "deel-b"
    generate(a, "gemeente-leiden", personen // 2, 2024)
    generate(b, "gemeente-pijnacker-nootdorp", personen - personen // 2, 2025)
    out.mkdir(parents=True)
    shutil.copy(a / "levering.csv", out / "levering.csv")
    bsns: list[str] = []
    frames = {}
    for path in sorted(b.glob("*.csv")):
        if path.name in ("levering.csv", "inwoners.csv"):
            continue
        frames[path.name] = pl.read_csv(path, separator=";", infer_schema=False)
        if "bsn" in frames[path.name].columns:
            bsns += frames[path.name].get_column("bsn").drop_nulls().to_list()
    mapping = _renumber(bsns)
    keys = ("registratienummer", "contact_id", "voorziening_id", "medewerker", "klantmanager", "clientnummer")
    for name, frame in frames.items():
        exprs = []
        if "bsn" in frame.columns:
            exprs.append(pl.col("bsn").replace_strict(mapping, default=pl.col("bsn")))
        exprs += [("B" + pl.col(k)).alias(k) for k in keys if k in frame.columns]
        frame = frame.with_columns(exprs) if exprs else frame
        body_a = (a / name).read_bytes()
        body_b = frame.write_csv(separator=";", include_header=False).encode("utf-8")
        (out / name).write_bytes(body_a + (b"" if body_a.endswith(b"\n") else b"\n") + body_b)
    inwoners_a = (
        pl.read_csv(a / "inwoners.csv", infer_schema=False) if (a / "inwoners.csv").exists() else None
    )
    inwoners_b = (
        pl.read_csv(b / "inwoners.csv", infer_schema=False) if (b / "inwoners.csv").exists() else None
    )
    parts = [f for f in (inwoners_a, inwoners_b) if f is not None]
    if parts:
        pl.concat(parts).unique().write_csv(out / "inwoners.csv")
    shutil.rmtree(a)
    shutil.rmtree(b)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personen", type=int, action="append", help="sizes (default 50k 200k 500k 1M 2M)")
    parser.add_argument(
        "--poolen-vanaf", type=int, default=GENERATOR_MAX, help="pool two exports above this size (see above)"
    )
    args = parser.parse_args()
    sizes = args.personen or list(SIZES)
    print("bench_scale")
    print(f"  machine: {describe()}")
    print(f"  load average (1/5/15 min) at the start: {load_text()}")
    header = (
        f"  {'personen':>10} {'rijen':>11} {'CSV MiB':>8} | {'ingest s':>8} {'CPU s':>7} {'piek GiB':>8} | "
        f"{'laden s':>7} {'1 kw s':>7} {'reeks s':>8} {'kw':>3} {'CPU s':>7} {'piek GiB':>8} | load"
    )
    print(header, flush=True)
    for personen in sizes:
        with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
            work = Path(tmp)
            export = work / "export"
            started = time.perf_counter()
            if personen > args.poolen_vanaf:
                pooled(export, personen, work)
            else:
                generate(export, "gemeente-leiden", personen, 2024)
            made = time.perf_counter() - started
            size = sum(p.stat().st_size for p in export.iterdir()) / 1024**2
            ingest = child(INGEST.format(export=str(export), clean=str(work / "schoon")), work, "ingest")
            shutil.rmtree(export)
            kpi = child(KPI.format(clean=str(work / "schoon")), work, "kpi")
            print(
                f"  {personen:>10,} {ingest['gelezen']:>11,} {size:>8.0f} | {ingest['wall']:>8.1f} "
                f"{ingest['cpu']:>7.1f} {ingest['peak_gib']:>8.2f} | {kpi['load']:>7.1f} {kpi['one']:>7.1f} "
                f"{kpi['series']:>8.1f} {kpi['quarters']:>3} {kpi['cpu']:>7.1f} {kpi['peak_gib']:>8.2f} | "
                f"{load_text()}  (export {made:.0f} s{', gepoold' if personen > args.poolen_vanaf else ''}; "
                f"{ingest['afgewezen']:,} rijen afgewezen)",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
