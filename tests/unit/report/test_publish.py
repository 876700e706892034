"""Publication outputs on a hand-built kpis frame: Dutch numbers, suppression, offline pages, stable bytes."""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import polars as pl
import pytest

from pipelines.config import OrgConfig
from pipelines.kpi.registry import KPI_CATALOGUE
from pipelines.report import charts, dashboard, html, present, xlsx

CONFIG = OrgConfig(organisatie="ISD Test", gemeenten={"0534": "Hillegom", "0553": "Lisse"})
GEMEENTEN = CONFIG.gemeenten
B = dt.date(2024, 9, 30)


@pytest.fixture
def pub(kpis_frame):
    return present.publication_frame(kpis_frame, KPI_CATALOGUE, CONFIG.min_cell, CONFIG.min_noemer)


def _text(pub, kpi, gem):
    return pub.filter((pl.col("kpi") == kpi) & (pl.col("gemeentecode") == gem) & (pl.col("peildatum") == B))[
        "tekst"
    ][0]


def test_publication_frame_masks_small_cells(pub):
    assert _text(pub, "bestand_n", "0534") == "<5"
    assert _text(pub, "bestand_n", "0553") == "0"
    assert _text(pub, "bestand_n", "totaal") == "812"
    assert _text(pub, "uitstroom_werk_inkomen_pct", "0534") == "-"
    assert _text(pub, "uitstroom_werk_inkomen_pct", "0553") == "12,5 %"
    assert _text(pub, "fip_per_jaar_gem", "totaal") == "-"
    assert _text(pub, "lks_actief_n", "totaal") == "n.b."


def test_workbook_has_a_sheet_per_family_no_small_numbers_and_stable_bytes(pub, tmp_path):
    paths = [tmp_path / "a.xlsx", tmp_path / "b.xlsx"]
    for path in paths:
        xlsx.write_kpis_xlsx(
            pub,
            KPI_CATALOGUE,
            GEMEENTEN,
            path,
            organisatie="ISD Test",
            kwartaal="2024Q3",
            min_cell=5,
            min_noemer=10,
        )
    assert paths[0].read_bytes() == paths[1].read_bytes()
    book = openpyxl.load_workbook(paths[0])
    assert book.sheetnames[0] == "Toelichting"
    assert set(book.sheetnames[1:]) == {"uitstroom", "bestand", "caseload", "fip", "lks"}
    sheet = book["bestand"]
    header = [c.value for c in sheet[3]]
    assert header[:4] == ["Kengetal", "Eenheid", "Totaal", "Hillegom"]
    row = next(
        r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == KPI_CATALOGUE["bestand_n"].label
    )
    assert row[2:5] == (812, "<5", 0)
    pct = next(
        r
        for r in book["uitstroom"].iter_rows(min_row=4, values_only=True)
        if r[0] == KPI_CATALOGUE["uitstroom_werk_inkomen_pct"].label
    )
    assert pct[2:5] == (20, "-", 12.5)
    notes = [r[0] for r in sheet.iter_rows(values_only=True) if r[0] and str(r[0]).startswith("<5")]
    assert notes, "the sheet explains <5"


def test_dashboard_tiles_norms_trends_and_suppression(pub):
    norms = dashboard.config_norms(CONFIG)
    body = dashboard.dashboard_body(
        pub,
        KPI_CATALOGUE,
        GEMEENTEN,
        [("10_x.html", "Uitstroom")],
        [],
        present.suppression_notes(5, 10),
        norms,
    )
    page = html.render_page(
        title="Dashboard",
        body=body,
        organisatie="ISD Test",
        kwartaal="2024Q3",
        nav=[("index.html", "Dashboard")],
        active="index.html",
    )
    assert html.external_sources(page) == []
    assert 'href="10_x.html"' in page
    total_tile = page.split('data-kpi="uitstroom_werk_inkomen_pct" data-gemeente="totaal"')[1].split(
        "</div></div>"
    )[0]
    assert "20,0 %" in total_tile and "&#9650;" in total_tile and "norm gehaald" in total_tile
    assert "18,7 %" in total_tile  # 17 * 1.10: the norm value
    caseload = page.split('data-kpi="caseload_per_fte" data-gemeente="totaal"')[1].split("</div></div>")[0]
    assert "norm niet gehaald" in caseload and "onder 50" in caseload
    small = page.split('data-kpi="bestand_n" data-gemeente="0534"')[1].split("</div></div>")[0]
    assert "&lt;5" in small and ">3<" not in small
    hidden_pct = page.split('data-kpi="uitstroom_werk_inkomen_pct" data-gemeente="0534"')[1].split(
        "</div></div>"
    )[0]
    assert "50,0" not in hidden_pct and "gehaald" not in hidden_pct
    # an organisation-only figure gets no (empty) tile per municipality, but stays in the table
    assert 'data-kpi="caseload_per_fte" data-gemeente="0534"' not in page
    assert KPI_CATALOGUE["caseload_per_fte"].alleen_totaal


def test_chart_leaves_out_hidden_values_and_exports_png_svg(pub, tmp_path):
    spec = dashboard.overview_chart(pub, KPI_CATALOGUE, GEMEENTEN, "uitstroom_werk_inkomen_pct")
    shown = {v["gemeente"]: v["waarde"] for v in spec["data"]["values"]}
    assert shown == {"Totaal": 20.0, "Lisse": 12.5}
    files = charts.save_spec(spec, tmp_path / "grafieken" / "x")
    assert sorted(f.suffix for f in files) == [".png", ".svg"] and all(f.stat().st_size > 0 for f in files)
    svg = next(f for f in files if f.suffix == ".svg").read_text(encoding="utf-8")
    assert "Lisse" in svg and "Totaal" in svg


def test_notebook_page_has_no_code_and_inlines_charts(tmp_path):
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": [{"a": 1}]},
        "mark": "bar",
        "encoding": {"x": {"field": "a", "type": "quantitative"}},
    }
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": "# Uitstroom\n\nUitleg", "metadata": {}},
            {
                "cell_type": "code",
                "source": "geheime_code()",
                "metadata": {"tags": ["parameters"]},
                "outputs": [],
            },
            {
                "cell_type": "code",
                "source": "nog_meer_code()",
                "metadata": {},
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"application/vnd.vegalite.v6+json": spec, "text/plain": "<Chart>"},
                    },
                    {"output_type": "stream", "name": "stderr", "text": "Waarschuwing\n"},
                    {
                        "output_type": "execute_result",
                        "metadata": {},
                        "execution_count": 3,
                        "data": {"text/plain": "[PosixPath('/tmp/geheim/pad.svg')]"},
                    },
                ],
            },
        ]
    }
    path = tmp_path / "10_uitstroom.ipynb"
    path.write_text(json.dumps(nb))
    page = html.notebook_page(path, organisatie="ISD", kwartaal="2024Q3", nav=[], active="")
    assert (
        "geheime_code" not in page
        and "nog_meer_code" not in page
        and "Waarschuwing" not in page
        and "PosixPath" not in page
    )
    assert '<div class="grafiek" id="grafiek-10-uitstroom-1"></div>' in page
    assert "vegaEmbed" in page and html.external_sources(page) == []
    assert "<title>Uitstroom</title>" in page


def test_page_that_would_load_a_cdn_is_refused():
    with pytest.raises(html.PublishError, match="extern"):
        html.render_page(
            title="x",
            body='<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>',
            organisatie="o",
            kwartaal="k",
            nav=[],
            active="",
        )


def test_altair_default_html_output_is_drawn_from_the_inlined_bundle(tmp_path):
    import altair as alt
    import pandas as pd

    chart = alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_bar().encode(x="a:Q")
    with alt.renderers.enable("html"):
        bundle = chart._repr_mimebundle_()
    markup = (bundle[0] if isinstance(bundle, tuple) else bundle)["text/html"]
    assert "cdn.jsdelivr.net" in markup
    spec = html.altair_html_spec(markup)
    assert spec["datasets"] and "vega-lite" in spec["$schema"]
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "source": "chart",
                "metadata": {},
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "metadata": {},
                        "execution_count": 1,
                        "data": {"text/html": markup, "text/plain": "alt.Chart(...)"},
                    }
                ],
            }
        ]
    }
    body, charts, _ = html.notebook_body(nb)
    assert len(charts) == 1 and "cdn.jsdelivr" not in body


def test_other_script_from_the_internet_is_refused():
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "source": "x",
                "metadata": {},
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {
                            "text/html": "<script>var s=document.createElement('script');s.src='https://cdn.example.org/x.js'</script>"
                        },
                    }
                ],
            }
        ]
    }
    with pytest.raises(html.PublishError, match="CDN"):
        html.notebook_body(nb)
