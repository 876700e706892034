"""Export text is data, not markup: escaped in every page, and a page runs only its own scripts."""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape

import nbformat
import polars as pl

from pipelines.ingest.report import render_report
from pipelines.report import html
from pipelines.report import notebook as nb

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def _executed(*markdown_outputs: str) -> dict:
    """An executed notebook whose code cells displayed these Markdown texts (as `nb.show_text` does)."""
    book = nbformat.v4.new_notebook()
    book.cells.append(nbformat.v4.new_markdown_cell("# Titel"))
    for text in markdown_outputs:
        cell = nbformat.v4.new_code_cell("nb.show_text(...)")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": text})]
        book.cells.append(cell)
    return book


def test_an_organisation_name_with_a_script_is_shown_as_text_on_a_kpi_page():
    intro = f"**{nb.md_text('Gemeente ' + SCRIPT)}** - peildatum 30-09-2024"
    body, _, _ = html.notebook_body(_executed(intro, f"raw: {SCRIPT} {IMG}"))
    assert "<script" not in body and "<img" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_rejected_value_in_a_markdown_table_is_shown_as_text():
    table = nb.markdown_table(
        pl.DataFrame({"waarde": [IMG, "a|b"], "melding": [f"'{IMG}' is geen datum", "x"]})
    )
    body, _, _ = html.notebook_body(_executed(table))
    assert "<img" not in body and "onerror=alert(1)&gt;" in body
    assert body.count("<tr>") == 3  # the `|` inside a value did not split a cell


def _policy(page: str) -> str:
    return re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)


def test_every_page_allows_only_its_own_scripts():
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": []},
        "mark": "bar",
    }
    injected = f'<div class="grafiek" id="g"></div>{SCRIPT}'  # as if a body had been built unescaped
    page = html.render_page(
        title="t", body=injected, organisatie="o", kwartaal="k", nav=[], active="", charts=[("g", spec)]
    )
    policy = unescape(_policy(page))
    assert (
        "default-src 'none'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "unsafe-eval" not in policy
    allowed = set(re.findall(r"'sha256-([^']+)'", policy))
    bodies = re.findall(r"<script>([\s\S]*?)</script>", page)
    hashes = {base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() for b in bodies}
    injected_hash = base64.b64encode(hashlib.sha256(b"alert(1)").digest()).decode()
    assert injected_hash in hashes and injected_hash not in allowed  # the injected script is blocked
    assert hashes - {injected_hash} == allowed  # the page's own scripts (bundle, embed call) run

    plain = html.render_page(title="t", body="<p>x</p>", organisatie="o", kwartaal="k", nav=[], active="")
    assert "script-src 'none'" in unescape(_policy(plain))


def test_the_validation_report_escapes_values_and_runs_no_script():
    lines = pl.DataFrame(
        {
            "tabel": ["personen"],
            "bestand": ["personen.csv"],
            "regel": [3],
            "kolom": ["geboortedatum"],
            "controle": ["type"],
            "waarde": [IMG],
            "melding": [f"'{IMG}' heeft niet de datumstijl"],
        }
    )
    validation = type(
        "V",
        (),
        {
            "afwijzingen": lines,
            "waarschuwingen": lines.clear(),
            "afstemming": pl.DataFrame(
                {
                    "tabel": ["personen"],
                    "bestand": ["personen.csv"],
                    "gelezen": [3],
                    "geaccepteerd": [2],
                    "afgewezen": [1],
                }
            ),
            "uitkomsten": pl.DataFrame(),
        },
    )()
    meta = {
        "organisatie": SCRIPT,
        "extractiedatum": "2024-10-15",
        "gegevens_vanaf": "2015-01-01",
        "profiel": "standaard",
        "max_afwijzing_pct": 5.0,
        "sleutel_vingerafdruk": "0123456789abcdef",
    }
    page = render_report(validation, meta)
    assert "<img" not in page and "<script>" not in page
    assert "default-src 'none'" in page and "script-src" not in page


def test_the_workbook_never_turns_export_text_into_a_formula(tmp_path):
    import datetime as dt

    import openpyxl

    from pipelines.kpi.registry import KPI_CATALOGUE
    from pipelines.report import present, xlsx

    formula = "=cmd|' /c calc'!a0"
    kpis = pl.DataFrame(
        {
            "kpi": ["bestand_n", "bestand_n"],
            "gemeentecode": ["totaal", "=1+1"],
            "peildatum": [dt.date(2024, 9, 30)] * 2,
            "waarde": [812.0, 3.0],
            "teller": [None, None],
            "noemer": [None, None],
            "ci_laag": [None, None],
            "ci_hoog": [None, None],
            "n_jaren": [None, None],
            "onderdrukt": [None, None],
            "opmerking": [None, None],
        },
        schema_overrides={c: pl.Float64 for c in ("teller", "noemer", "ci_laag", "ci_hoog")}
        | {"n_jaren": pl.Int64, "onderdrukt": pl.String, "opmerking": pl.String},
    )
    pub = present.publication_frame(kpis, KPI_CATALOGUE, 5, 10)
    path = xlsx.write_kpis_xlsx(
        pub,
        KPI_CATALOGUE,
        {"=1+1": formula},
        tmp_path / "kpis.xlsx",
        organisatie=formula,
        kwartaal="2024Q3",
        min_cell=5,
        min_noemer=10,
    )
    book = openpyxl.load_workbook(path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert any(c.value == formula for c in cells)  # shown as the text it is
