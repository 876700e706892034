"""An export with only the required tables is a normal export: the run succeeds and every page says what is
not available and why (export-format: only levering, personen and uitkeringen are required).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.paths import NOTEBOOKS
from pipelines.run.plan import discover_notebooks
from pipelines.schema import REQUIRED_TABLES
from tests.support.notebooks import run_notebook

KWARTAAL = "2024Q3"


def _outputs(executed: Path) -> list[dict]:
    nb = json.loads(executed.read_text(encoding="utf-8"))
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


def _text(page: Path) -> str:
    return re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def required_only(demo_export, tmp_path_factory) -> Path:
    export = tmp_path_factory.mktemp("drie_tabellen")
    for table in REQUIRED_TABLES:
        shutil.copy(demo_export / f"{table}.csv", export / f"{table}.csv")
    assert (
        sorted(p.stem for p in export.iterdir())
        == sorted(REQUIRED_TABLES)
        == ["levering", "personen", "uitkeringen"]
    )
    return export


def _page(bundle: Path, stem: str) -> Path:
    """A notebook's page in its part of the bundle (the validation page is internal)."""
    return bundle / ("intern" if stem == "01_validatie" else "publicatie") / f"{stem}.html"


@pytest.mark.slow
def test_quarterly_run_on_an_export_with_only_the_three_required_tables(required_only, tmp_path):
    out = tmp_path / "rapport"
    done = subprocess.run(
        [sys.executable, "-m", "pipelines", "run", "--export", str(required_only), "--kwartaal", KWARTAAL,
         "--out", str(out), "--clean-root", str(tmp_path / "clean")],
        cwd=tmp_path, env=dict(os.environ), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Kwartaalrun geslaagd" in done.stdout
    assert "TCP without encryption" not in done.stderr and "KeyboardInterrupt" not in done.stderr
    stems = [nb.stem for nb in discover_notebooks()]
    for stem in stems:
        page = _page(out, stem)
        assert page.is_file(), stem
        notebook = out / "intern" / "notebooks" / f"{stem}.ipynb"
        assert not any(o.get("output_type") == "error" for o in _outputs(notebook))
    # families that need an absent table say so, with the table that is missing
    for stem, table in (
        ("13_lks", "voorzieningen"),
        ("14_fip", "klantbeeld"),
        ("15_caseload", "medewerkers"),
        ("20_meedoen", "klantbeeld"),
        ("11_deeltijdwerk", "inkomsten"),
    ):
        text = _text(_page(out, stem))
        assert "niet beschikbaar" in text.lower() and f"tabel {table} ontbreekt in de export" in text, stem
    dashboard = _text(out / "publicatie" / "index.html")
    assert "niet beschikbaar: tabel klantbeeld ontbreekt in de export" in dashboard
    assert "zonder oordeel" in dashboard  # the verdict line counts the norms it cannot judge
    # the tables that are there still give their figures
    assert re.search(r"Personen in het bestand\s+\d", dashboard)


@pytest.mark.slow
@pytest.mark.parametrize("absent", ["contactmomenten", "klantbeeld"])
def test_fip_and_meedoen_pages_without_one_optional_table(demo_clean, tmp_path, absent):
    clean = tmp_path / "clean"
    shutil.copytree(demo_clean, clean)
    (clean / f"{absent}.parquet").unlink()
    for name in ("14_fip", "20_meedoen"):
        executed, side = run_notebook(NOTEBOOKS / f"{name}.ipynb", tmp_path / name, clean, KWARTAAL)
        shown = " ".join("".join(o.get("data", {}).get("text/markdown", "")) for o in _outputs(executed))
        assert f"tabel {absent} ontbreekt in de export" in shown, name
        assert "niet beschikbaar" in shown
        assert side["kerncijfers"], name
