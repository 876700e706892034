"""The quarterly run at 50,000 persons, end to end, with every chart drawn (issue 16: charts at any size).

Slow (a minute or two): a synthetic export of the municipality preset with hundreds of klantmanagers,
the whole run, then every Vega-Lite chart in every executed notebook converted to SVG offline - a
chart with one mark per person or employee would be unreadable and, at this size, undrawable.
Timing is not asserted here (benchmarks/bench_run.py measures it).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pipelines.report import charts
from pipelines.run.quarter import run_quarter
from pipelines.synth import generate_export

PERSONEN = 50_000


@pytest.fixture(scope="module")
def large_run(tmp_path_factory) -> tuple[Path, object]:
    work = tmp_path_factory.mktemp("schaal")
    export = generate_export(work / "export", organisatie="gemeente-leiden", personen=PERSONEN, seed=2024)
    with open(work / "voortgang.txt", "w", encoding="utf-8") as stream:
        result = run_quarter(
            export, "2024Q3", out_dir=work / "rapport", clean_root=work / "schoon", stream=stream
        )
    return work, result


def _specs(executed: Path) -> list[dict]:
    nb = json.loads(executed.read_text(encoding="utf-8"))
    out = []
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            for mime, value in output.get("data", {}).items():
                if mime.startswith("application/vnd.vegalite"):
                    out.append(value if isinstance(value, dict) else json.loads(value))
    return out


def _marks(spec: dict) -> int:
    """Rows of data the chart draws (inline data of the spec and of its layers)."""
    total = len(spec.get("data", {}).get("values", []))
    for layer in spec.get("layer", []):
        total += len(layer.get("data", {}).get("values", []))
    return total


@pytest.mark.slow
def test_every_chart_of_a_large_run_is_drawn_and_stays_small(large_run, tmp_path):
    work, result = large_run
    out = result.out_dir
    personen = pl.read_parquet(next((work / "schoon").rglob("personen.parquet")), columns=["persoon"]).height
    assert personen > 45_000
    executed = sorted((out / "intern" / "notebooks").glob("*.ipynb"))
    assert len(executed) == len(result.notebooks) >= 10
    drawn = 0
    for notebook in executed:
        for i, spec in enumerate(_specs(notebook)):
            assert _marks(spec) < 2_000, f"{notebook.name}, grafiek {i + 1}: {_marks(spec)} punten"
            files = charts.save_spec(spec, tmp_path / f"{notebook.stem}-{i}")
            assert all(f.stat().st_size > 0 for f in files)
            drawn += 1
    exported = sorted((out / "publicatie" / "grafieken").glob("*.svg"))
    assert all(p.stat().st_size > 0 and p.with_suffix(".png").stat().st_size > 0 for p in exported)
    dashboard = [p for p in exported if p.name.startswith("dashboard_")]
    assert drawn >= len(exported) - len(dashboard) >= 20  # every page chart, also those not exported


@pytest.mark.slow
def test_the_caseload_page_shows_the_distribution_of_hundreds_of_klantmanagers(large_run):
    _, result = large_run
    notebook = result.out_dir / "intern" / "notebooks" / "15_caseload.ipynb"
    first = _specs(notebook)[0]
    assert first["title"]["text"].startswith("Klantmanagers naar aantal")
    assert len(first["data"]["values"]) == 11
    svg_file = result.out_dir / "publicatie" / "grafieken" / "caseload_per_klantmanager.svg"
    svg = svg_file.read_text(encoding="utf-8")
    assert "Klantmanager A" not in svg
