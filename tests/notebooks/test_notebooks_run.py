"""The KPI notebooks execute under papermill on the project kernel; their side files equal the engine's
figures.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest

from pipelines.clean import load_clean
from pipelines.config import config_for
from pipelines.kpi.engine import compute_kpis
from pipelines.kpi.registry import KPI_FAMILIES
from pipelines.paths import NOTEBOOKS
from pipelines.periods import peildatum
from pipelines.report import charts
from tests.support.notebooks import run_notebook

KPI_NOTEBOOKS = sorted(NOTEBOOKS.glob("[13][0-9]_*.ipynb"))
KWARTAAL = "2024Q3"


def _family(notebook: Path) -> str:
    """`10_uitstroom` -> `uitstroom`: each KPI notebook is named after its family."""
    return notebook.stem.split("_", 1)[1]


def execute(notebook: Path, work: Path, clean_dir: Path, **parameters) -> tuple[Path, Path]:
    """Run one notebook like the quarterly run does; returns (executed notebook, uitvoer_dir)."""
    out_dir = work / notebook.stem
    executed, _ = run_notebook(notebook, out_dir, clean_dir, KWARTAAL, cwd=work, **parameters)
    return executed, out_dir


def expected_figures(clean_dir: Path, family: str, gemeente: str) -> dict[str, float | None]:
    data = load_clean(clean_dir)
    frame = compute_kpis(data, config_for(data.organisatie), peildatum(KWARTAAL), families=[family])
    frame = frame.filter(pl.col("gemeentecode") == gemeente)
    return {kpi: frame.filter(pl.col("kpi") == kpi).get_column("waarde")[0] for kpi in KPI_FAMILIES[family]}


def assert_same_figures(side: dict, expected: dict) -> None:
    """Equal up to the last bits of a float: a mean over the same persons may sum in another order."""
    assert side.keys() == expected.keys()
    for kpi, value in expected.items():
        if value is None:
            assert side[kpi] is None, kpi
        else:
            assert side[kpi] == pytest.approx(value, rel=1e-12, abs=1e-12), kpi


def outputs(executed: Path) -> list[dict]:
    nb = json.loads(executed.read_text(encoding="utf-8"))
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


@pytest.fixture(scope="module")
def demo_runs(notebook_demo_clean, tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """All KPI notebooks on the demo delivery, two at a time (2 cores)."""
    work = tmp_path_factory.mktemp("nb_runs")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {nb.stem: pool.submit(execute, nb, work, notebook_demo_clean) for nb in KPI_NOTEBOOKS}
        return {stem: f.result() for stem, f in futures.items()}


@pytest.mark.parametrize("notebook", KPI_NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_side_file_equals_the_engine(notebook, demo_runs, notebook_demo_clean):
    executed, out_dir = demo_runs[notebook.stem]
    side = json.loads((out_dir / f"{notebook.stem}.kerncijfers.json").read_text(encoding="utf-8"))
    assert side["gemeentecode"] == "totaal" and side["peildatum"] == "2024-09-30"
    assert_same_figures(
        side["kerncijfers"], expected_figures(notebook_demo_clean, _family(notebook), "totaal")
    )
    assert any(v is not None for v in side["kerncijfers"].values()), (
        "alle kerncijfers leeg: de demo-levering telt niets"
    )


@pytest.mark.parametrize("notebook", KPI_NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_shows_offline_charts_and_exports_them(notebook, demo_runs):
    executed, out_dir = demo_runs[notebook.stem]
    outs = outputs(executed)
    assert not [o for o in outs if o["output_type"] == "error"]
    chart_outputs = [o for o in outs if charts.VEGALITE_MIMETYPE in o.get("data", {})]
    assert chart_outputs, "geen grafiek als Vega-Lite-uitvoer"
    for out in chart_outputs:
        assert '"url"' not in json.dumps(out["data"][charts.VEGALITE_MIMETYPE]), (
            "grafiek haalt data van buiten"
        )
    for out in outs:
        assert "<script" not in "".join(out.get("data", {}).get("text/html", [])), (
            "HTML-uitvoer laadt scripts"
        )
    svgs = sorted((out_dir / "grafieken").glob("*.svg"))
    assert svgs and all(p.with_suffix(".png").stat().st_size > 0 for p in svgs)


@pytest.mark.slow
def test_notebook_for_one_municipality(small_clean, tmp_path):
    """A municipality's page: its own figures in the side file, and FIP helpers filtered to its persons."""
    notebook = NOTEBOOKS / "14_fip.ipynb"
    executed, out_dir = execute(notebook, tmp_path, small_clean, gemeente="0575")
    side = json.loads((out_dir / "14_fip.kerncijfers.json").read_text(encoding="utf-8"))
    assert side["gemeentecode"] == "0575"
    assert_same_figures(side["kerncijfers"], expected_figures(small_clean, "fip", "0575"))
    verdeling = dict(side["extra"]["fip_verdeling"])
    if verdeling["0"] is not None:
        assert verdeling["0"] == side["kerncijfers"]["fip_geen_n"]
    shown = [v for v in verdeling.values() if v is not None]
    assert sum(shown) <= side["kerncijfers"]["fip_populatie_n"]


@pytest.mark.slow
def test_research_pages_say_niet_beschikbaar_without_optional_tables(notebook_demo_clean, tmp_path):
    """Without klantbeeld and inkomsten, and with a delivery too short for cohorts, the pages explain why."""
    import shutil

    clean = tmp_path / "schoon"
    shutil.copytree(notebook_demo_clean, clean)
    for table in ("klantbeeld", "inkomsten"):
        (clean / f"{table}.parquet").unlink(missing_ok=True)
    levering = pl.read_parquet(clean / "levering.parquet")
    short = levering.with_columns(pl.lit(peildatum("2024Q1")).alias("gegevens_vanaf"))
    short.write_parquet(clean / "levering.parquet")
    for stem in ("30_cohorten", "31_duurzaamheid", "32_overgangen"):
        executed, _ = execute(NOTEBOOKS / f"{stem}.ipynb", tmp_path, clean)
        outs = outputs(executed)
        assert not [o for o in outs if o["output_type"] == "error"], stem
        text = json.dumps(outs)
        assert "niet beschikbaar" in text.lower(), stem
