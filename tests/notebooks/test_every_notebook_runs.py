"""Every notebook under notebooks/ (the run's and explore/) executes on tiny data with papermill.

The parameters come from each notebook's own `parameters` cell: a notebook that declares a
parameter this test does not know fails here, so a new notebook cannot slip in untested.
"""

from __future__ import annotations

import ast
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import papermill as pm
import pytest

from pipelines.cli import main as cli_main
from pipelines.paths import KERNEL_NAME, NOTEBOOKS

ALL = sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _declared(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    source = next(
        "".join(c["source"]) for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])
    )
    return [node.target.id for node in ast.parse(source).body if isinstance(node, ast.AnnAssign)]


def _parameters(path: Path, work: Path, export: Path, clean: Path, extract: Path) -> dict[str, object]:
    known: dict[str, object] = {
        "export_dir": str(export),
        "clean_root": str(work / "schoon"),
        "profiel": "",
        "max_afwijzing_pct": -1,
        "clean_dir": str(clean),
        "kwartaal": "2024Q3",
        "gemeente": "totaal",
        "config_path": "",
        "uitvoer_dir": str(work / "uit"),
        "kpis_csv": "",
        "onderzoeksbestand_dir": str(extract),
        "intern_dir": str(work / "intern"),
    }
    declared = _declared(path)
    unknown = sorted(set(declared) - set(known))
    assert not unknown, f"{path.name}: parameter(s) zonder testwaarde: {unknown}"
    return {name: known[name] for name in declared}


@pytest.fixture(scope="module")
def executed(demo_export, demo_clean, tmp_path_factory) -> dict[str, BaseException | None]:
    """Run every notebook once, two at a time; notebook name -> the exception it raised (or None)."""
    root = tmp_path_factory.mktemp("alle_notebooks")
    # explore/onderzoeksbestand.ipynb reads a research extract of the demo delivery
    extract, key = root / "onderzoeksbestand", root / "project.sleutel"
    key.write_text("sleutel-van-de-notebooktest-0123456789\n", encoding="utf-8")
    command = ["onderzoeksbestand", "--clean", str(demo_clean), "--project", "notebooktest"]
    assert cli_main([*command, "--out", str(extract), "--sleutelbestand", str(key)]) == 0

    def run(path: Path) -> BaseException | None:
        work = root / path.relative_to(NOTEBOOKS).with_suffix("").as_posix().replace("/", "_")
        work.mkdir(parents=True)
        try:
            pm.execute_notebook(
                str(path),
                str(work / path.name),
                parameters=_parameters(path, work, demo_export, demo_clean, extract),
                kernel_name=KERNEL_NAME,
                cwd=str(work),
                progress_bar=False,
            )
        except BaseException as exc:  # reported per notebook below
            return exc
        return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip([str(p) for p in ALL], pool.map(run, ALL), strict=True))


@pytest.mark.parametrize("notebook", ALL, ids=lambda p: p.relative_to(NOTEBOOKS).as_posix())
def test_notebook_runs_on_tiny_data(notebook, executed):
    error = executed[str(notebook)]
    assert error is None, f"{notebook.name} faalde: {error}"


def test_the_explore_notebooks_are_included():
    assert any(p.parent.name == "explore" for p in ALL)
