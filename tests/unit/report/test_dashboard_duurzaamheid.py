"""The dashboard's "Duurzaamheid" row: the durability tiles for the organisation, arrows from the series."""

import datetime as dt

import polars as pl

from pipelines.kpi.engine import KPIS_SCHEMA, finish
from pipelines.kpi.registry import KPI_CATALOGUE
from pipelines.report import dashboard, present

D = dt.date


def _row(kpi, b, waarde, teller, noemer):
    return {
        "kpi": kpi,
        "gemeentecode": "totaal",
        "peildatum": b,
        "waarde": waarde,
        "teller": teller,
        "noemer": noemer,
    }


def test_durability_row_with_trend_against_the_previous_quarter():
    rows = [
        _row("uitstroom_werk_duurzaam_pct", D(2024, 6, 30), 80.0, 40.0, 50.0),
        _row("uitstroom_werk_duurzaam_pct", D(2024, 9, 30), 90.0, 45.0, 50.0),
        _row("herinstroom_12m_pct", D(2024, 6, 30), 10.0, 3.0, 30.0),  # teller 3: not published
        _row("herinstroom_12m_pct", D(2024, 9, 30), 20.0, 6.0, 30.0),
    ]
    frame = pl.DataFrame(rows).with_columns(
        pl.lit(None, pl.Float64).alias("ci_laag"),
        pl.lit(None, pl.Float64).alias("ci_hoog"),
        pl.lit(None, pl.Int64).alias("n_jaren"),
        pl.lit(None, pl.String).alias("onderdrukt"),
        pl.lit(None, pl.String).alias("opmerking"),
    )
    kpis = finish(frame.select([pl.col(c).cast(t) for c, t in KPIS_SCHEMA.items()]), 5, 10)
    pub = present.publication_frame(kpis, KPI_CATALOGUE, 5, 10)
    body = dashboard.dashboard_body(pub, KPI_CATALOGUE, {}, [], dashboard.Norms(rules={}, factor=1.1))
    assert '<h2 id="duurzaamheid">Duurzaamheid</h2>' in body
    row = body.split('id="duurzaamheid"')[1]
    durable = row.split('data-kpi="uitstroom_werk_duurzaam_pct" data-gemeente="totaal"')[1].split(
        "</div></div>"
    )[0]
    assert "90,0 %" in durable and "&#9650;" in durable  # up from 80 % in the previous quarter
    assert 'class="trend beter"' in durable  # more durable outflow is better
    back = row.split('data-kpi="herinstroom_12m_pct" data-gemeente="totaal"')[1].split("</div></div>")[0]
    assert "20,0 %" in back and "&#9650;" not in back and "&#9660;" not in back  # previous one is hidden
