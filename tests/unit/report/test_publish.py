"""Publication outputs on a hand-built kpis frame: Dutch numbers, suppression, offline pages, stable bytes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines.config import OrgConfig
from pipelines.kpi.registry import KPI_CATALOGUE, KpiInfo, NormRule
from pipelines.report import charts, dashboard, html, present, xlsx
from pipelines.report.norms import tally, tally_text, verdict

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
    assert book.sheetnames[:2] == ["Toelichting", "Normen"]
    assert set(book.sheetnames[2:]) == {"uitstroom", "bestand", "caseload", "fip", "lks"}
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
    assert pct[2:5] == (0.2, "-", 0.125)  # percentages as fractions, shown with a percent format
    notes = [r[0] for r in sheet.iter_rows(values_only=True) if r[0] and str(r[0]).startswith("<5")]
    assert notes, "the sheet explains <5"


def _page(pub, **kwargs) -> str:
    body = dashboard.dashboard_body(
        pub,
        KPI_CATALOGUE,
        GEMEENTEN,
        present.suppression_notes(5, 10),
        dashboard.config_norms(CONFIG),
        **kwargs,
    )
    return html.render_page(
        title="Dashboard",
        body=body,
        organisatie="ISD Test",
        kwartaal="2024Q3",
        nav=[("index.html", "Dashboard"), ("10_x.html", "Uitstroom")],
        active="index.html",
    )


def _tile(page: str, kpi: str, gem: str) -> str:
    return page.split(f'data-kpi="{kpi}" data-gemeente="{gem}">')[1].split('<div class="tegel')[0]


def test_dashboard_tiles_norms_trends_and_suppression(pub):
    page = _page(pub)
    assert html.external_sources(page) == []
    total_tile = _tile(page, "uitstroom_werk_inkomen_pct", "totaal")
    assert "20,0 %" in total_tile and "&#9650;" in total_tile and "norm gehaald" in total_tile
    assert "18,7 %" in total_tile  # 17 * 1.10: the norm value
    assert "vorig kwartaal 19,0 %" in total_tile  # the previous figure in words
    assert 'class="trend beter"' in total_tile  # more outflow is better: a green arrow
    caseload = _tile(page, "caseload_per_fte", "totaal")
    assert "norm niet gehaald" in caseload and "onder 50" in caseload
    assert 'class="trend gelijk"' in caseload  # the same as last quarter
    assert 'class="trend slechter"' in _tile(
        page, "bestand_n", "totaal"
    )  # more people: red, also pointing up
    small = _tile(page, "bestand_n", "0534")
    assert "&lt;5" in small and ">3<" not in small
    hidden_pct = _tile(page, "uitstroom_werk_inkomen_pct", "0534")
    assert "50,0" not in hidden_pct and "gehaald" not in hidden_pct
    # an organisation-only figure gets no (empty) tile per municipality, but stays in the table
    assert 'data-kpi="caseload_per_fte" data-gemeente="0534"' not in page
    assert KPI_CATALOGUE["caseload_per_fte"].alleen_totaal


def test_dashboard_puts_the_verdict_and_tiles_first_and_links_in_the_navigation(pub):
    page = _page(pub)
    main = page.split("<main>")[1]
    first_section = main.split('<section class="gemeente" id="gemeente-totaal">')
    assert len(first_section) == 2 and "<ul" not in first_section[0], "nothing before the total's tiles"
    verdict = main.split('<p class="oordeel">')[1].split("</p>")[0]
    # total: uitstroom_werk_inkomen (flag) met; caseload 61,25 > 50 not met; fip mean hidden: no verdict
    assert "gehaald" in verdict and "niet gehaald" in verdict and "zonder oordeel" in verdict
    assert main.index('class="oordeel"') < main.index('class="tegels"')
    assert 'href="10_x.html"' in page.split("<main>")[0]  # the pages are in the navigation


def test_trend_is_coloured_by_better_or_worse_not_by_up_or_down():
    up_good = dashboard.trend(12.0, 10.0, "hoger")
    up_bad = dashboard.trend(12.0, 10.0, "lager")
    down_good = dashboard.trend(8.0, 10.0, "lager")
    assert (up_good.arrow, up_good.quality) == (dashboard.UP, "beter")
    assert (up_bad.arrow, up_bad.quality) == (dashboard.UP, "slechter")
    assert (down_good.arrow, down_good.quality) == (dashboard.DOWN, "beter")
    assert dashboard.trend(10.0, 10.0, "hoger").quality == "gelijk"
    assert dashboard.trend(12.0, 10.0, None).quality == ""  # no better direction: a grey arrow
    assert dashboard.trend(None, 10.0, "hoger").arrow == ""


def _rows(*items):
    out = {}
    for kpi, gem, waarde, reden in items:
        out[(kpi, gem, B)] = {
            "kpi": kpi,
            "gemeentecode": gem,
            "peildatum": B,
            "waarde": waarde,
            "reden": reden,
        }
    return out


def test_a_hidden_count_still_gets_a_verdict_when_every_possible_value_agrees():
    norms = dashboard.config_norms(CONFIG)
    rows = _rows(("ontwikkelbaan_over_3jaar_n", "totaal", 3.0, "aantal_klein"))
    at_most_zero = verdict(rows, "ontwikkelbaan_over_3jaar_n", "totaal", B, KPI_CATALOGUE, norms)
    assert at_most_zero.status == "niet-gehaald"  # 1-4 are all above "ten hoogste 0"
    rules = {**norms.rules, "x_n": NormRule("x_n", ">=", 1.0), "y_n": NormRule("y_n", "<=", 2.0)}
    info = {
        **KPI_CATALOGUE,
        "x_n": KpiInfo("x_n", "x", "n", "aantal", "test"),
        "y_n": KpiInfo("y_n", "y", "n", "aantal", "test"),
    }
    both = replace(norms, rules=rules)
    rows = _rows(("x_n", "totaal", 2.0, "aantal_klein"), ("y_n", "totaal", 2.0, "aantal_klein"))
    assert verdict(rows, "x_n", "totaal", B, info, both).status == "gehaald"  # 1-4 are all >= 1
    assert verdict(rows, "y_n", "totaal", B, info, both).status == ""  # 1-2 meet "<= 2", 3-4 do not


def test_certainty_of_a_flag_norm_is_shown_when_the_engine_gives_it():
    norms = dashboard.config_norms(CONFIG)
    rows = _rows(
        ("uitstroom_werk_inkomen_pct", "totaal", 20.0, None),
        ("uitstroom_werk_inkomen_pct_meerjarig", "totaal", 17.0, None),
        ("uitstroom_werk_inkomen_norm", "totaal", 1.0, None),
        ("uitstroom_werk_inkomen_norm_zeker", "totaal", 0.0, None),
        ("uitstroom_werk_inkomen_pct_normwaarde", "totaal", 18.7, None),
    )
    judged = verdict(rows, "uitstroom_werk_inkomen_pct", "totaal", B, KPI_CATALOGUE, norms)
    assert judged.status == "gehaald" and judged.onzeker and judged.words == "norm gehaald (onzeker)"
    assert judged.value == 18.7 and "18,7 %" in judged.text
    counts = tally([judged])
    assert (counts.gehaald, counts.onzeker) == (0, 1)
    assert tally_text(counts) == "1 norm: 0 gehaald, 0 niet gehaald, 1 onzeker"


def test_dashboard_charts_have_headings_and_named_downloads_not_bare_file_names(pub):
    shown = [
        dashboard.DashboardChart(
            "d-1", "Uitstroom naar werk of ander inkomen", ("grafieken/d.png", "grafieken/d.svg")
        )
    ]
    page = _page(pub, charts_shown=shown, downloads=[("kpis.xlsx", "kpis.xlsx: alle kengetallen")])
    block = page.split('<div class="grafiek-blok">')[1].split("</div></div>")[0]
    assert "<h3>Uitstroom naar werk of ander inkomen</h3>" in block
    assert '<a href="grafieken/d.png">PNG</a>' in block
    assert ">grafieken/d.png<" not in page


def test_print_stylesheet_gives_a_clean_board_document():
    css = (html.TEMPLATES / "style.css").read_text(encoding="utf-8")
    printed = css.split("@media print", 1)[1]
    assert "@page { size: A4" in css
    for hidden in (".kop nav", ".tabellen", "footer"):
        assert hidden in printed.split("display: none")[0]
    assert "break-inside: avoid" in printed


def test_chart_leaves_out_hidden_values_draws_norms_and_exports_png_svg(pub, tmp_path):
    spec = dashboard.overview_chart(
        pub, KPI_CATALOGUE, GEMEENTEN, "uitstroom_werk_inkomen_pct", dashboard.config_norms(CONFIG)
    )
    datas = [spec.get("data", {}), *(layer.get("data", {}) for layer in spec["layer"])]
    values = next(d["values"] for d in datas if d.get("values") and "gemeente" in d["values"][0])
    assert {v["gemeente"]: v["waarde"] for v in values} == {"Totaal": 20.0, "Lisse": 12.5}
    assert next(v["norm"] for v in values if v["gemeente"] == "Totaal") == pytest.approx(18.7)
    files = charts.save_spec(spec, tmp_path / "grafieken" / "x")
    assert sorted(f.suffix for f in files) == [".png", ".svg"] and all(f.stat().st_size > 0 for f in files)
    svg = next(f for f in files if f.suffix == ".svg").read_text(encoding="utf-8")
    assert "Lisse" in svg and "Totaal" in svg and "20,0 % (norm 18,7 %)" in svg


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


def test_a_change_smaller_than_the_text_shows_is_level(pub):
    frame = pub.with_columns(
        pl.when((pl.col("kpi") == "bestand_n") & (pl.col("gemeentecode") == "totaal"))
        .then(pl.lit("812"))
        .otherwise(pl.col("tekst"))
        .alias("tekst")
    )
    tile = _tile(_page(frame), "bestand_n", "totaal")  # 811 and 812 both read `812`
    assert 'class="trend gelijk"' in tile and "slechter" not in tile


def test_the_page_script_is_built_once_in_the_background_and_is_vl_converts_bundle():
    import vl_convert

    from pipelines.report import html as page_html

    assert page_html.prepare_vega_bundle() is page_html.prepare_vega_bundle()
    assert page_html.vega_bundle() == vl_convert.javascript_bundle()


@pytest.fixture
def kept_bundle_at(monkeypatch, tmp_path):
    """`bundle_file` pointed at a file under `tmp_path`, and no script got yet in this process."""
    from pipelines.report import html as page_html

    def point(relative: str) -> Path:
        file = tmp_path / relative
        monkeypatch.setattr(page_html, "bundle_file", lambda: file)
        monkeypatch.setattr(page_html, "_bundle", None)
        return file

    return point


def test_the_page_script_is_kept_once_built_and_read_back_in_a_later_run(kept_bundle_at, monkeypatch):
    import vl_convert

    from pipelines.report import html as page_html

    file = kept_bundle_at("share/participatie/vega-bundle.js")
    assert page_html.vega_bundle() == vl_convert.javascript_bundle()
    assert file.read_text(encoding="utf-8") == vl_convert.javascript_bundle()
    assert [p.name for p in file.parent.iterdir()] == [file.name]  # no partial file left beside it
    file.write_text("/* kept */", encoding="utf-8")
    monkeypatch.setattr(page_html, "_bundle", None)  # a later run: a new process
    assert page_html.vega_bundle() == "/* kept */"
    file.write_text("", encoding="utf-8")
    monkeypatch.setattr(page_html, "_bundle", None)
    assert page_html.vega_bundle() == vl_convert.javascript_bundle()
    assert file.read_text(encoding="utf-8") == vl_convert.javascript_bundle()


def test_the_page_script_is_built_where_it_cannot_be_kept(kept_bundle_at, tmp_path):
    import vl_convert

    from pipelines.report import html as page_html

    (tmp_path / "not-a-folder").write_text("", encoding="utf-8")
    kept_bundle_at("not-a-folder/vega-bundle.js")
    assert page_html.vega_bundle() == vl_convert.javascript_bundle()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


def test_the_runs_flagged_frame_publishes_as_a_recomputed_one(demo_clean):
    """The run hands `publication_frame` its own flagged frame; taking its `onderdrukt` as it is gives the
    publication that recomputing every reason gives."""
    from pipelines.clean import load_clean
    from pipelines.config import config_for
    from pipelines.kpi.engine import compute_kpis
    from pipelines.kpi.registry import disclosure_rules

    data = load_clean(demo_clean)
    config = config_for(data.organisatie)
    kpis = compute_kpis(data, config, [dt.date(2023, 9, 30), dt.date(2024, 6, 30), B])
    assert kpis.get_column("onderdrukt").is_not_null().any()
    rules = disclosure_rules(config)
    limits = (config.min_cell, config.min_noemer, rules)
    assert present.publication_frame(kpis, KPI_CATALOGUE, *limits, flagged=True).equals(
        present.publication_frame(kpis, KPI_CATALOGUE, *limits)
    )
