"""Every committed notebook is stripped and has exactly one `parameters` cell; KPI notebooks take the six
parameters.
"""

from __future__ import annotations

import ast
import json

import pytest

from pipelines.paths import NOTEBOOKS

ALL = sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
KPI_NOTEBOOKS = sorted(NOTEBOOKS.glob("[13][0-9]_*.ipynb"))

#: The contract of the KPI notebooks (the quarterly run passes exactly these).
KPI_PARAMETERS = {
    "clean_dir": ("str", ""),
    "kwartaal": ("str", "2024Q3"),
    "gemeente": ("str", "totaal"),
    "config_path": ("str", ""),
    "uitvoer_dir": ("str", ""),
    "kpis_csv": ("str", ""),
}


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _parameter_cells(path):
    return [c for c in _cells(path) if "parameters" in c.get("metadata", {}).get("tags", [])]


def test_the_kpi_notebooks_exist():
    stems = {p.stem.split("_", 1)[1] for p in KPI_NOTEBOOKS}
    assert {"uitstroom", "deeltijdwerk", "bestand", "lks", "fip", "caseload"} <= stems
    assert {"cohorten", "duurzaamheid", "overgangen"} <= stems
    assert (NOTEBOOKS / "explore" / "verkennen.ipynb") in ALL


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(NOTEBOOKS)))
def test_notebook_is_committed_without_outputs(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cel {i} heeft uitvoer: strip de notebook"
            assert cell.get("execution_count") is None, f"{path.name} cel {i} heeft een execution_count"


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(NOTEBOOKS)))
def test_notebook_has_exactly_one_parameters_cell(path):
    cells = _parameter_cells(path)
    assert len(cells) == 1, f"{path.name}: {len(cells)} cellen met tag parameters"
    assert cells[0]["cell_type"] == "code"


@pytest.mark.parametrize(
    "path", [*KPI_NOTEBOOKS, NOTEBOOKS / "explore" / "verkennen.ipynb"], ids=lambda p: p.name
)
def test_kpi_notebook_has_a_title_and_the_project_kernel(path):
    meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    assert meta["kernelspec"]["name"] == "participatie"
    first = _cells(path)[0]
    assert first["cell_type"] == "markdown" and "".join(first["source"]).startswith("# "), (
        "titelcel ontbreekt"
    )


@pytest.mark.parametrize("path", KPI_NOTEBOOKS, ids=lambda p: p.name)
def test_kpi_notebook_parameters_are_exactly_the_contract(path):
    source = "".join(_parameter_cells(path)[0]["source"])
    found = {}
    for node in ast.parse(source).body:
        assert isinstance(node, ast.AnnAssign), (
            f"{path.name}: alleen getypeerde toekenningen in de parametercel"
        )
        found[node.target.id] = (ast.unparse(node.annotation), ast.literal_eval(node.value))
    assert found == KPI_PARAMETERS
