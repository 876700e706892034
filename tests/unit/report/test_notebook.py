"""Notebook helpers: parameters refused with a clear message, Dutch formats, suppression in tables, the side
file.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from pipelines.config import OrgConfig
from pipelines.kpi.engine import KPIS_SCHEMA, compute_kpis
from pipelines.kpi.registry import KPI_CATALOGUE, KPI_FAMILIES
from pipelines.report import notebook as nb
from pipelines.report.families import caseload as caseload_pagina
from pipelines.report.families import fip as fip_pagina

D = dt.date


def test_format_nl():
    assert nb.format_nl(12.5, "pct") == "12,5 %"
    assert nb.format_nl(1234.0, "n") == "1.234"
    assert (
        nb.format_nl(1234567.25, "ratio") == "1.234.567,2"
        or nb.format_nl(1234567.25, "ratio") == "1.234.567,3"
    )
    assert nb.format_nl(None, "pct") == "n.b."
    assert nb.format_nl(1.0, "vlag") == "ja"


def test_periods_of_the_trend_charts():
    quarters = nb.quarter_peildata("2024Q3")
    assert len(quarters) == 13 and quarters[0] == D(2021, 9, 30) and quarters[-1] == D(2024, 9, 30)
    years = nb.year_peildata("2024Q3")
    assert years == [D(2021, 9, 30), D(2022, 9, 30), D(2023, 9, 30), D(2024, 9, 30)]
    assert set(years) <= set(quarters)  # one compute_kpis call serves both charts
    assert nb.year_label(D(2024, 9, 30)) == "okt 2023 - sep 2024"
    assert nb.year_label(D(2023, 12, 31)) == "2023"
    assert nb.quarter_label(D(2024, 3, 31)) == "2024 K1"


def test_prepare_refuses_bad_parameters(small_clean, tmp_path):
    with pytest.raises(nb.ParameterError, match="kwartaal"):
        nb.prepare(str(small_clean), "2024Q5")
    with pytest.raises(nb.ParameterError, match="gemeente: 9999 hoort niet bij ISD Bollenstreek"):
        nb.prepare(str(small_clean), "2024Q3", "9999")
    with pytest.raises(nb.ParameterError, match="clean_dir"):
        nb.prepare(str(tmp_path / "bestaat-niet"), "2024Q3")
    with pytest.raises(nb.ParameterError, match="na de extractiedatum"):
        nb.prepare(str(small_clean), "2025Q1")


def test_prepare_resolves_config_and_municipality(small_clean, tmp_path):
    ctx = nb.prepare(str(small_clean), "2024Q3", "534", "", str(tmp_path / "uit"))
    assert ctx.gemeente == "0534" and ctx.gemeente_naam == "Hillegom"
    assert ctx.config.organisatie == "ISD Bollenstreek"
    assert ctx.peildatum == D(2024, 9, 30)
    assert ctx.grafieken_dir == tmp_path / "uit" / "grafieken"
    frame = ctx.kpis(ctx.peildatum, families=["uitstroom"])
    assert set(frame.get_column("gemeentecode")) == {"0534"}
    assert set(frame.get_column("kpi")) == set(KPI_FAMILIES["uitstroom"])


def test_series_hides_suppressed_and_drops_unavailable():
    frame = pl.DataFrame(
        {
            "kpi": ["x"] * 3,
            "peildatum": [D(2024, 3, 31), D(2024, 6, 30), D(2024, 9, 30)],
            "waarde": [None, 40.0, 12.5],
            "ci_laag": [None, 10.0, 9.0],
            "ci_hoog": [None, 70.0, 16.0],
            "onderdrukt": [None, "teller_klein", None],
            "opmerking": ["niet beschikbaar: venster niet gedekt", None, None],
        }
    )
    out = nb.series(frame, "x")
    assert out.get_column("periode").to_list() == ["2024 K2", "2024 K3"]
    assert out.get_column("waarde").to_list() == [None, 12.5]
    assert out.get_column("ci_hoog").to_list() == [None, 16.0]


def _kpi_rows(rows):
    cols = [
        "kpi",
        "gemeentecode",
        "peildatum",
        "waarde",
        "teller",
        "noemer",
        "ci_laag",
        "ci_hoog",
        "n_jaren",
        "onderdrukt",
        "opmerking",
    ]
    return pl.DataFrame(
        [{c: r.get(c) for c in cols} for r in rows],
        schema=KPIS_SCHEMA,
    )


def test_figure_table_applies_the_suppression_flag():
    b = D(2024, 9, 30)
    frame = _kpi_rows(
        [
            {"kpi": "uitstroom_werk_n", "peildatum": b, "waarde": 3.0, "onderdrukt": "aantal_klein"},
            {
                "kpi": "uitstroom_werk_pct",
                "peildatum": b,
                "waarde": 12.5,
                "teller": 25.0,
                "noemer": 200.0,
                "ci_laag": 8.6,
                "ci_hoog": 17.8,
            },
            {"kpi": "uitstroom_werk_pct_meerjarig", "peildatum": b, "waarde": 11.0, "n_jaren": 2},
            {
                "kpi": "instroom_pct",
                "peildatum": b,
                "opmerking": "niet beschikbaar: lege populatie (noemer 0)",
            },
        ]
    )
    table = nb.figure_table(
        frame,
        ["uitstroom_werk_n", "uitstroom_werk_pct", "uitstroom_werk_pct_meerjarig", "instroom_pct"],
        b,
        OrgConfig("X"),
    )
    rows = table.rows(named=True)
    assert rows[0]["Waarde"] == "<5" and "niet gepubliceerd" in rows[0]["Toelichting"]
    assert rows[1]["Waarde"] == "12,5 %" and rows[1]["95 %-interval"] == "8,6 % - 17,8 %"
    assert rows[2]["Toelichting"] == "gemiddelde over 2 jaar (minder dan 4)"
    assert rows[3]["Waarde"] == "n.b." and "lege populatie" in rows[3]["Toelichting"]
    md = nb.markdown_table(table)
    assert md.splitlines()[0] == "| Kengetal | Waarde | 95 %-interval | Toelichting |"


def test_columns_of_published_figures_align_right_also_with_hidden_cells():
    table = pl.DataFrame({"Groep": ["a", "b", "c"], "Personen": ["25", "<5", "x"], "Naam": ["x", "y", "z"]})
    assert nb.markdown_table(table).splitlines()[1] == "|:---|---:|:---|"


def test_count_distribution_suppresses_small_bars():
    persons = pl.DataFrame({"klasse": ["0"] * 12 + ["1"] * 3 + ["4+"] * 6})
    out = nb.count_distribution(persons, "klasse", fip_pagina.FIP_KLASSEN, OrgConfig("X"))
    assert out.get_column("categorie").to_list() == ["0", "1", "2", "3", "4+"]
    # the bars add up to the population (21, published): beside the hidden 3 the smallest other bar goes too
    assert out.get_column("waarde").to_list() == [12.0, None, 0.0, 0.0, None]
    assert out.get_column("onderdrukt").to_list() == [None, "aantal_klein", None, None, "secundair"]
    assert out.get_column("aandeel_pct").to_list()[1::3] == [None, None]


def test_write_key_figures_is_sorted_plain_json(small_clean, tmp_path):
    ctx = nb.prepare(str(small_clean), "2024Q3", "totaal", "", str(tmp_path))
    frame = ctx.kpis(ctx.peildatum, families=["bestand"])
    figures = nb.key_figures(frame, KPI_FAMILIES["bestand"], ctx.peildatum)
    path = nb.write_key_figures(ctx, "12_bestand", figures, extra={"x": float("nan")})
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert path.name == "12_bestand.kerncijfers.json"
    assert list(data) == sorted(data) and list(data["kerncijfers"]) == sorted(data["kerncijfers"])
    assert data["extra"] == {"x": None} and data["peildatum"] == "2024-09-30"
    expected = compute_kpis(ctx.data, ctx.config, ctx.peildatum).filter(pl.col("gemeentecode") == "totaal")
    for kpi in KPI_FAMILIES["bestand"]:
        row = expected.filter(pl.col("kpi") == kpi)
        assert data["kerncijfers"][kpi] == row.get_column("waarde")[0]
    assert nb.write_key_figures(nb.prepare(str(small_clean), "2024Q3"), "12_bestand", figures) is None


def test_caseload_per_klantmanager_is_anonymised(small_clean):
    ctx = nb.prepare(str(small_clean), "2024Q3")
    out = caseload_pagina.caseload_per_klantmanager(ctx)
    assert out.get_column("categorie").to_list() == [f"Klantmanager {c}" for c in "ABCD"]
    shown = [v for v in out.get_column("waarde").to_list() if v is not None]
    assert shown == sorted(shown, reverse=True)
    assert not any("KM" in c for c in out.get_column("categorie").to_list())


def test_life_domain_coverage_counts_the_engines_fip_contacts(small_clean):
    ctx = nb.prepare(str(small_clean), "2024Q3")
    out = fip_pagina.life_domain_coverage(ctx)
    assert out.height == 6
    noemer = out.get_column("noemer")[0]
    frame = ctx.kpis(ctx.peildatum, families=["fip"])
    row = frame.filter(pl.col("kpi") == "fip_leefgebieden_volledig_pct")
    assert noemer == row.get_column("noemer")[0]  # the same counted conversations as the KPI


def test_norm_text_follows_the_engines_norm_flag(small_clean):
    ctx = nb.prepare(str(small_clean), "2024Q3")
    frame = ctx.kpis(nb.quarter_peildata("2024Q3"), families=["uitstroom"])
    text = nb.norm_text(ctx, frame, "uitstroom_werk_inkomen_pct")
    flag = nb.value_on(frame, "uitstroom_werk_inkomen_norm", ctx.peildatum)
    row = frame.filter(
        (pl.col("kpi") == "uitstroom_werk_inkomen_pct") & (pl.col("peildatum") == ctx.peildatum)
    )
    mean = nb.published_value(frame, "uitstroom_werk_inkomen_pct_meerjarig", ctx.peildatum)
    if row.get_column("onderdrukt")[0] is not None:
        assert "wordt niet getoond" in text
    elif mean is None:  # hidden with an earlier year: neither the mean nor the verdict
        assert nb.format_nl(row.get_column("waarde")[0], "pct") in text and "gehaald" not in text
    else:
        assert nb.format_nl(row.get_column("waarde")[0], "pct") in text
        assert ("**niet gehaald**" in text) == (flag == 0.0)
        assert "De norm is 10 % hoger dan het meerjarig gemiddelde (x 1,10, geen 10 procentpunt)" in text
        normwaarde = nb.value_on(frame, "uitstroom_werk_inkomen_pct_normwaarde", ctx.peildatum)
        assert f"ten minste {nb.format_nl(normwaarde, 'pct')}" in text
        certain = nb.value_on(frame, "uitstroom_werk_inkomen_norm_zeker", ctx.peildatum)
        assert ("Dat oordeel is zeker" in text) == (certain == 1.0)
        assert ("Dat oordeel is onzeker" in text) == (certain == 0.0)


def test_norm_text_and_tile_hide_a_mean_and_verdict_hidden_with_their_year(small_clean):
    """A mean or flag hidden with an earlier year (`afgeleid`) is not shown in prose or tile either."""
    from pipelines import disclosure
    from pipelines.report import dashboard, present

    ctx = nb.prepare(str(small_clean), "2024Q3")
    frame = ctx.kpis(nb.quarter_peildata("2024Q3"), families=["uitstroom"])
    derived = [
        "uitstroom_werk_inkomen_pct_meerjarig",
        "uitstroom_werk_inkomen_pct_vast",
        "uitstroom_werk_inkomen_pct_normwaarde",
        "uitstroom_werk_inkomen_norm",
        "uitstroom_werk_inkomen_norm_zeker",
    ]
    year = (pl.col("kpi") == "uitstroom_werk_inkomen_pct") & (pl.col("peildatum") == ctx.peildatum)
    hidden = frame.with_columns(
        pl.when(year)
        .then(None)
        .when(pl.col("kpi").is_in(derived) & (pl.col("peildatum") == ctx.peildatum))
        .then(pl.lit(disclosure.AFGELEID))
        .otherwise(pl.col("onderdrukt"))
        .alias("onderdrukt")
    )
    text = nb.norm_text(ctx, hidden, "uitstroom_werk_inkomen_pct")
    assert "meerjarig gemiddelde en het oordeel over de norm worden niet getoond" in text
    assert "gehaald" not in text and "De norm is" not in text and "oordeel is" not in text
    pub = hidden.rename({"onderdrukt": "reden"}).with_columns(pl.lit("x").alias("tekst"))
    rows = present.rows_by_key(pub)
    status, _ = dashboard.norm_status(
        rows, "uitstroom_werk_inkomen_pct", "totaal", ctx.peildatum, KPI_CATALOGUE, dashboard.Norms({})
    )
    assert status == ""
