"""explore/onderzoeksbestand.ipynb rebuilds `uitstroom_werk_pct` from an extract exactly as in kpis.csv."""

from __future__ import annotations

import json
import math

import polars as pl
import pytest

from pipelines.cli import main as cli_main
from pipelines.kpi.engine import read_kpis_csv
from pipelines.paths import KERNEL_NAME, NOTEBOOKS
from pipelines.periods import peildatum

NOTEBOOK = NOTEBOOKS / "explore" / "onderzoeksbestand.ipynb"
KWARTAAL = "2024Q3"


@pytest.fixture(scope="module")
def kpis_csv(demo_clean, tmp_path_factory):
    out = tmp_path_factory.mktemp("kpi") / "kpis.csv"
    assert cli_main(["kpi", "--clean", str(demo_clean), "--kwartaal", KWARTAAL, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def executed(extract_a, kpis_csv, tmp_path_factory):
    import papermill as pm

    work = tmp_path_factory.mktemp("nb_onderzoek")
    out = work / NOTEBOOK.name
    pm.execute_notebook(
        str(NOTEBOOK),
        str(out),
        kernel_name=KERNEL_NAME,
        cwd=str(work),
        progress_bar=False,
        parameters={
            "onderzoeksbestand_dir": str(extract_a),
            "kpis_csv": str(kpis_csv),
            "kwartaal": KWARTAAL,
            "uitvoer_dir": str(work / "uitvoer"),
        },
    )
    return out, work / "uitvoer" / "reproductie.json"


def test_the_notebook_reproduces_kpis_csv_exactly(executed, kpis_csv):
    _, side_file = executed
    result = json.loads(side_file.read_text(encoding="utf-8"))
    assert result["gedekt"] and result["vergeleken_met_kpis_csv"]
    published = read_kpis_csv(kpis_csv).filter(
        (pl.col("kpi") == "uitstroom_werk_pct") & (pl.col("peildatum") == peildatum(KWARTAAL))
    )
    ours = {row["gemeentecode"]: row for row in result["cijfers"]}
    assert published.height >= 2 and "totaal" in ours
    for row in published.iter_rows(named=True):
        mine = ours.get(row["gemeentecode"], {"teller": 0.0, "noemer": 0.0, "waarde": None})
        assert mine["teller"] == row["teller"] and mine["noemer"] == row["noemer"], row["gemeentecode"]
        assert mine["waarde"] == row["waarde"] or (mine["waarde"] is None and row["waarde"] is None), row[
            "gemeentecode"
        ]
    total = ours["totaal"]
    assert total["teller"] > 0 and total["waarde"] == 100.0 * total["teller"] / total["noemer"]
    assert not math.isnan(total["waarde"])


def test_the_notebook_ran_without_errors_and_says_so(executed):
    notebook, _ = executed
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    outputs = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    text = "".join("".join(o.get("text", "")) for o in outputs if o["output_type"] == "stream")
    assert "gelijk aan kpis.csv" in text and "CSV en parquet gelijk: True" in text


def test_the_committed_notebook_is_stripped_titled_and_on_the_project_kernel():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == KERNEL_NAME
    assert "".join(nb["cells"][0]["source"]).startswith("# ")
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert sum("parameters" in c["metadata"].get("tags", []) for c in code) == 1
