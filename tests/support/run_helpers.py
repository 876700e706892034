"""Fixtures of the run tests: small throw-away notebooks and a hand-built kpis frame."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import nbformat
import polars as pl
import pytest

from pipelines.kpi.engine import KPIS_SCHEMA

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")

REPORT_PARAMETERS = (
    'clean_dir: str = ""\nkwartaal: str = "2024Q3"\ngemeente: str = "totaal"\n'
    'config_path: str = ""\nuitvoer_dir: str = ""\nkpis_csv: str = ""'
)


def make_notebook(path: Path, parameters: str | None, *cells: str, title: str = "Testnotebook") -> Path:
    """A notebook with a title, an optional `parameters` cell and code cells, on the participatie kernel."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {title}\n\nToelichting bij de cijfers."))
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells.extend(nbformat.v4.new_code_cell(source) for source in cells)
    nb.metadata["kernelspec"] = {
        "name": "participatie",
        "display_name": "Python (participatie)",
        "language": "python",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


WRITE_KERNCIJFERS = (
    "import json, pathlib\n"
    "stem = 'STEM'\n"
    "pathlib.Path(uitvoer_dir, stem + '.kerncijfers.json').write_text(json.dumps({'kwartaal': kwartaal}))"
)

CHART = (
    "import altair as alt, pandas as pd\n"
    "df = pd.DataFrame({'gemeente': ['Lisse', 'Hillegom'], 'waarde': [1234.5, 12.25]})\n"
    "alt.Chart(df).mark_bar().encode(x=alt.X('waarde:Q', title='Aantal'), y=alt.Y('gemeente:N', "
    "title='Gemeente'))"
)


def report_notebook(folder: Path, stem: str, *extra: str) -> Path:
    """A KPI-like notebook that writes its declared output and shows one chart."""
    return make_notebook(
        folder / f"{stem}.ipynb",
        REPORT_PARAMETERS,
        *extra,
        CHART,
        WRITE_KERNCIJFERS.replace("STEM", stem),
        title=f"Notebook {stem}",
    )


@pytest.fixture
def nb_folder(tmp_path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    return folder


@pytest.fixture
def kpis_frame() -> pl.DataFrame:
    """A hand-built kpis frame: two peildata, the total and two municipalities, with small cells."""
    b, prev = dt.date(2024, 9, 30), dt.date(2024, 6, 30)
    rows = []

    def add(kpi, gem, when, waarde, teller=None, noemer=None, n_jaren=None, opmerking=None):
        rows.append(
            dict(
                kpi=kpi,
                gemeentecode=gem,
                peildatum=when,
                waarde=waarde,
                teller=teller,
                noemer=noemer,
                ci_laag=None,
                ci_hoog=None,
                n_jaren=n_jaren,
                onderdrukt=None,
                opmerking=opmerking,
            )
        )

    for when, shift in ((prev, -1.0), (b, 0.0)):
        add("bestand_n", "totaal", when, 812.0 + shift)
        add("bestand_n", "0534", when, 3.0)  # a count of 3: publication shows <5
        add("bestand_n", "0553", when, 0.0)  # zero discloses nobody: shown
        add("uitstroom_werk_inkomen_pct", "totaal", when, 20.0 + shift, 200.0 + shift, 1000.0)
        add(
            "uitstroom_werk_inkomen_pct", "0534", when, 50.0, 2.0, 4.0
        )  # numerator 2 and denominator 4: hidden
        add("uitstroom_werk_inkomen_pct", "0553", when, 12.5, 5.0, 40.0)
        add("uitstroom_werk_inkomen_pct_meerjarig", "totaal", when, 17.0, n_jaren=4)
        add("uitstroom_werk_inkomen_norm", "totaal", when, 1.0)
        add("caseload_per_fte", "totaal", when, 61.25, 490.0, 8.0)
        add("fip_per_jaar_gem", "totaal", when, 3.5, None, 7.0)  # mean over 7 persons: hidden
        add("lks_actief_n", "totaal", when, None, opmerking="tabel voorzieningen ontbreekt in de export")
    return pl.DataFrame(
        rows,
        schema=KPIS_SCHEMA,
    )


def _network_namespace_works() -> bool:
    import subprocess

    if not shutil.which("unshare"):
        return False
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def dump_dom(page: Path, profile_dir: Path) -> str:
    """The DOM of a `file://` page after its scripts ran, in headless Chromium with the network off.

    With `unshare -n` (root, as in CI) Chromium runs in an empty network namespace: no network at
    all. Otherwise the flags below stop its own background traffic and the page is a local file.
    """
    import subprocess

    if CHROMIUM is None:
        pytest.skip(
            "Chromium ontbreekt: `apt-get install -y chromium` (lukte hier niet); offline-tekentest "
            "overgeslagen"
        )
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile_dir}",
        "--virtual-time-budget=20000",
        "--dump-dom",
        page.resolve().as_uri(),
    ]
    if _network_namespace_works():
        cmd = ["unshare", "-n", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def chart_containers(dom: str) -> dict[str, str]:
    """id -> the first part of the content of every `<div class="grafiek" ...>` of a rendered page."""
    import re

    return {
        m.group(1): m.group(2)
        for m in re.finditer(r'<div class="grafiek[^"]*" id="([^"]+)"[^>]*>(.{0,2000})', dom, re.S)
    }
