"""Benchmark of `participatie ingest`: time per step, peak memory, and the ratio to reading the raw files.

    .venv/bin/python benchmarks/bench_ingest.py --personen 500000
    .venv/bin/python benchmarks/bench_ingest.py --personen 500000 --herhaal 3 --vergelijk <git-ref>

Generates an export with `pipelines.synth.generate_export` into a temp dir (or reads `--export`),
then measures, each in a fresh child process (so peak memory is its own) and alternating so they
see the same load on a shared machine:
- the floor: every table file read as strings with `polars.read_csv` (no typing, no checks);
- the ingest, `ingest_export` as `participatie ingest` runs it, split into reading, the import of
  Great Expectations, pseudonymising, validation (GE and the polars around it) and writing;
- with `--vergelijk REF`: the ingest of the code at git ref REF (extracted to a temp dir), as a
  before/after in the same run.
Prints the work size, the machine with its load average, wall and CPU seconds per step, peak
resident memory and the ratio ingest / floor. Performance is measured here, never asserted in
tests. The key is a fixed benchmark key unless PARTICIPATIE_SLEUTEL is set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

os.environ.setdefault("PARTICIPATIE_SLEUTEL", "benchmark-sleutel-niet-voor-productie")

from machine import describe, load_text  # noqa: E402

#: Run in a child: puts the code under test first on the path (an extracted git ref, or this tree).
CHILD = """
import json, sys, time
sys.meta_path[:] = [f for f in sys.meta_path if 'ditable' not in type(f).__name__]
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from machine import cpu_seconds, peak_mib
result = {{}}
{body}
result['peak_mib'] = peak_mib()
open({out!r}, 'w').write(json.dumps(result))
"""

FLOOR = """
import polars as pl
from pathlib import Path
started, cpu = time.perf_counter(), cpu_seconds()
rows = 0
for path in sorted(Path({export!r}).glob('*.csv')):
    header = path.open('rb').readline()
    sep = ';' if header.count(b';') >= header.count(b',') else ','
    rows += pl.read_csv(path, separator=sep, infer_schema=False, truncate_ragged_lines=True).height
result.update(wall=time.perf_counter() - started, cpu=cpu_seconds() - cpu, rows=rows)
"""

INGEST = """
from pipelines.ingest import deliver
steps, cpu_steps = {{}}, {{}}
def timed(module, name, label):
    original = getattr(module, name)
    def wrapper(*a, **kw):
        t, c = time.perf_counter(), cpu_seconds()
        try:
            return original(*a, **kw)
        finally:
            steps[label] = steps.get(label, 0.0) + time.perf_counter() - t
            cpu_steps[label] = cpu_steps.get(label, 0.0) + cpu_seconds() - c
    setattr(module, name, wrapper)
detail = {detail!r}
if detail:
    from pipelines.ingest import suites
    timed(deliver, 'read_export', 'inlezen')
    timed(suites, 'load_great_expectations', 'import great_expectations')
    timed(deliver, 'validate_tables', 'valideren (alles)')
    for name in ('pseudonym_table', 'add_pseudonym'):
        if hasattr(deliver, name):
            timed(deliver, name, 'pseudonimiseren')
    timed(deliver, 'write_delivery', 'schrijven (parquet, rapport)')
started, cpu = time.perf_counter(), cpu_seconds()
if detail:
    suites.load_great_expectations()
res = deliver.ingest_export({export!r}, out_dir={clean!r}, max_afwijzing_pct=100)
result.update(wall=time.perf_counter() - started, cpu=cpu_seconds() - cpu, steps=steps, cpu_steps=cpu_steps)
if detail:
    result['ge'] = dict(suites.TIMINGS)
result['afstemming'] = res.afstemming.to_dicts()
"""


def child(root: Path, body: str, work: Path, name: str) -> dict:
    out = work / f"{name}.json"
    code = CHILD.format(root=str(root), bench=str(ROOT / "benchmarks"), body=body, out=str(out))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=work)
    return json.loads(out.read_text())


def extract(ref: str, into: Path) -> Path:
    """The tree of git ref `ref` in `into` (code, expectations and reference data of that version)."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personen", type=int, default=500_000)
    parser.add_argument("--organisatie", default="gemeente-leiden")
    parser.add_argument("--fouten", type=float, default=0.0, help="percentage ingebouwde fouten in de export")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--export", type=Path, default=None, help="bestaande export (dan wordt er niets gegenereerd)"
    )
    parser.add_argument("--herhaal", type=int, default=1, help="aantal metingen (mediaan en spreiding)")
    parser.add_argument(
        "--vergelijk", default=None, help="git-ref van de code om mee te vergelijken (voor/na)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as tmp:
        work = Path(tmp)
        export = args.export
        generated = None
        if export is None:
            export = work / "export"
            started = time.perf_counter()
            code = (
                f"from pipelines.synth import generate_export; generate_export({str(export)!r}, "
                f"organisatie={args.organisatie!r}, personen={args.personen}, seed={args.seed}, "
                f"fouten_pct={args.fouten})"
            )
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
            generated = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(export).iterdir() if p.is_file())
        before_root = extract(args.vergelijk, work / "voor") if args.vergelijk else None
        load_start = load_text()
        runs: dict[str, list[dict]] = {"vloer": [], "ingest": [], "voor": []}
        for i in range(args.herhaal):
            runs["vloer"].append(child(ROOT, FLOOR.format(export=str(export)), work, f"vloer{i}"))
            body = INGEST.format(export=str(export), clean=str(work / f"schoon{i}"), detail=True)
            runs["ingest"].append(child(ROOT, body, work, f"ingest{i}"))
            if before_root is not None:
                body = INGEST.format(export=str(export), clean=str(work / f"voor{i}"), detail=False)
                runs["voor"].append(child(before_root, body, work, f"voor{i}"))
        load_end = load_text()

    last = runs["ingest"][-1]
    afst = last["afstemming"]
    print("bench_ingest")
    print(
        "  work: "
        + (
            f"export {args.export}"
            if args.export
            else f"organisatie={args.organisatie} personen={args.personen} fouten={args.fouten} "
            f"seed={args.seed}"
        )
        + f"; {sum(r['gelezen'] for r in afst)} rows read, "
        f"{sum(r['afgewezen'] for r in afst)} rejected, {size / 1024**2:.0f} MiB of CSV"
        + (f" (generated in {generated:.0f} s, not counted)" if generated else "")
    )
    print(f"  machine: {describe()}")
    print(f"  load average (1/5/15 min): {load_start} at the start, {load_end} at the end")

    def summary(label: str, values: list[float], unit: str = "s") -> str:
        if len(values) == 1:
            return f"{label}: {values[0]:.1f} {unit}"
        return (
            f"{label}: median {statistics.median(values):.1f} {unit} "
            f"(min {min(values):.1f}, max {max(values):.1f}, {len(values)} runs)"
        )

    print(
        "  "
        + summary("floor (all files as strings, polars.read_csv) wall", [r["wall"] for r in runs["vloer"]])
    )
    print("  " + summary("ingest wall", [r["wall"] for r in runs["ingest"]]))
    print("  " + summary("ingest CPU (all cores)", [r["cpu"] for r in runs["ingest"]]))
    print("  " + summary("ingest peak RSS", [r["peak_mib"] / 1024 for r in runs["ingest"]], "GiB"))
    ratios = [i["wall"] / f["wall"] for i, f in zip(runs["ingest"], runs["vloer"], strict=True)]
    print("  " + summary("ratio ingest / floor (same round)", ratios, "x"))
    if runs["voor"]:
        print("  " + summary(f"before ({args.vergelijk}) ingest wall", [r["wall"] for r in runs["voor"]]))
        print("  " + summary(f"before ({args.vergelijk}) ingest CPU", [r["cpu"] for r in runs["voor"]]))
        print(
            "  "
            + summary(
                f"before ({args.vergelijk}) peak RSS", [r["peak_mib"] / 1024 for r in runs["voor"]], "GiB"
            )
        )
        speedups = [v["wall"] / i["wall"] for v, i in zip(runs["voor"], runs["ingest"], strict=True)]
        print("  " + summary("speed-up before / after (same round)", speedups, "x"))
    print("  steps of the last run (wall s, CPU s):")
    steps, cpu_steps = last["steps"], last["cpu_steps"]
    validation = steps.get("valideren (alles)", 0.0)
    ge = last.get("ge", {})
    inner = {
        "pseudonimiseren": steps.get("pseudonimiseren", 0.0),
        "great expectations (in validatie)": ge.get("great_expectations", 0.0),
        "naar pandas (voor GE)": ge.get("naar_pandas", 0.0),
    }
    rows = [
        ("inlezen", steps.get("inlezen", 0.0), cpu_steps.get("inlezen")),
        (
            "import great_expectations",
            steps.get("import great_expectations", 0.0),
            cpu_steps.get("import great_expectations"),
        ),
        ("valideren, waarvan:", validation, cpu_steps.get("valideren (alles)")),
        *((f"  {k}", v, None) for k, v in inner.items()),
        ("  overige validatie (polars)", validation - sum(inner.values()), None),
        (
            "schrijven (parquet, rapport)",
            steps.get("schrijven (parquet, rapport)", 0.0),
            cpu_steps.get("schrijven (parquet, rapport)"),
        ),
    ]
    for label, wall, cpu in rows:
        print(f"    {label:<36} {wall:7.1f}" + (f" {cpu:7.1f}" if cpu is not None else ""))
    print(f"    {'totaal':<36} {last['wall']:7.1f} {last['cpu']:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
