"""Wall time of the quarterly run (`participatie run`) and where it goes.

    .venv/bin/python benchmarks/bench_run.py                       # demo (2,000 persons) and 50,000 persons
    .venv/bin/python benchmarks/bench_run.py --personen 2000       # one size
    .venv/bin/python benchmarks/bench_run.py --json uit.json       # also write the figures as JSON

Per size it generates a synthetic export (isd-bollenstreek preset, seed 2024), runs the whole
quarter into a temporary folder and reports the run's own step timings (ingest and validation,
KPIs, notebooks, publication) and each notebook's time. To split a notebook's time into kernel
start, imports and computation it also times, on the same kernel:
- an empty notebook (one parameters cell): kernel start plus papermill's own overhead;
- a notebook that only imports what the KPI notebooks import (polars, altair, pipelines.kpi, ...).
A KPI notebook's computation is then its time minus the import notebook's time.
Timings are wall-clock on a shared 2-core machine: compare runs made at the same time only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("PARTICIPATIE_SLEUTEL", "benchmarksleutel-niet-voor-productie-0123456789")

IMPORTS = (
    "import polars, altair, pandas\n"
    "from pipelines.report import charts; from pipelines.report import notebook as notebook_support\n"
    "from pipelines.kpi.registry import KPI_FAMILIES; from pipelines.kpi.engine import compute_kpis"
)


def _notebook(path: Path, body: str | None) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('uitvoer_dir: str = ""')
    cell.metadata["tags"] = ["parameters"]
    nb.cells.append(cell)
    if body:
        nb.cells.append(nbformat.v4.new_code_cell(body))
    nb.metadata["kernelspec"] = {
        "name": "participatie",
        "display_name": "Python (participatie)",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def kernel_costs(work: Path, repeats: int = 3) -> dict[str, float]:
    """Median seconds of an empty notebook and of an imports-only notebook."""
    from statistics import median

    from pipelines.run.notebooks import execute

    empty = _notebook(work / "leeg.ipynb", None)
    imports = _notebook(work / "imports.ipynb", IMPORTS)
    out: dict[str, list[float]] = {"leeg_notebook_s": [], "imports_notebook_s": []}
    for _ in range(repeats):
        for key, nb in (("leeg_notebook_s", empty), ("imports_notebook_s", imports)):
            started = time.perf_counter()
            execute(nb, work / "uit" / nb.name, {})
            out[key].append(time.perf_counter() - started)
    return {k: round(median(v), 2) for k, v in out.items()}


def one_size(personen: int, work: Path) -> dict:
    from pipelines.run.quarter import run_quarter
    from pipelines.synth import generate_export

    export = work / f"export-{personen}"
    started = time.perf_counter()
    generate_export(export, organisatie="isd-bollenstreek", personen=personen, seed=2024)
    synth_s = time.perf_counter() - started
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        result = run_quarter(
            export, "2024Q3", out_dir=work / f"rapport-{personen}", clean_root=work / "clean", stream=quiet
        )
    total = time.perf_counter() - started
    return {
        "personen": personen,
        "synth_s": round(synth_s, 2),
        "run_totaal_s": round(total, 2),
        "stappen_s": {k: round(v, 2) for k, v in result.steps.items()},
        "notebooks_s": {r.notebook.name: round(r.seconds, 2) for r in result.notebooks},
        "kengetallen": result.manifest["uitkomst"]["kengetallen"],
    }


def report(figures: dict) -> str:
    lines = []
    for size in figures["runs"]:
        k = size["kernel"]
        lines.append("")
        lines.append(
            f"{size['personen']:,} personen: run {size['run_totaal_s']:.1f} s (export genereren "
            f"{size['synth_s']:.1f} s)"
        )
        lines.append(
            f"  kernel start + papermill (leeg notebook, mediaan van 3): {k['leeg_notebook_s']:.1f} s"
        )
        lines.append(
            f"  kernel start + imports (pipelines, polars, altair):      {k['imports_notebook_s']:.1f} s"
        )
        for step, seconds in size["stappen_s"].items():
            lines.append(f"  {step:<22} {seconds:8.1f} s")
        overhead = k["imports_notebook_s"]
        for name, seconds in size["notebooks_s"].items():
            lines.append(
                f"    {name:<30} {seconds:8.1f} s  (waarvan kernel+imports ~{overhead:.1f} s, rekenen "
                f"~{max(seconds - overhead, 0):.1f} s)"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--personen", type=int, action="append", help="export size(s); default 2000 and 50000"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--work", type=Path, default=None, help="work folder (default: a temporary one)")
    args = parser.parse_args()
    sizes = args.personen or [2000, 50000]
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        figures = {"runs": []}
        for personen in sizes:
            # Measured right before each run, so both see the same load on the machine.
            kernel = kernel_costs(work)
            figures["runs"].append({**one_size(personen, work), "kernel": kernel})
            print(report(figures), flush=True)
            print("-" * 60, flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
