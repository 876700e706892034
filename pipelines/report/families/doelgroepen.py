"""What the target-group page shows: one measure across groups, and the groups-by-measures table."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.kpi.doelgroepen import group_label, kpi_id
from pipelines.report.formats import format_nl
from pipelines.report.present import masked_text


def comparison(frame: pl.DataFrame, measure: str, b: dt.date, groepen: list[str]) -> pl.DataFrame:
    """One measure of each group on `b` for `charts.bar_chart`: `categorie, waarde, onderdrukt`.

    `frame` is a finished kpis-like frame of one municipality; a suppressed or unavailable figure has
    no value.
    """
    sel = frame.filter(pl.col("peildatum") == b)
    lookup = {r["kpi"]: r for r in sel.iter_rows(named=True)}
    out = []
    for g in groepen:
        r = lookup.get(kpi_id(g, measure), {})
        reden = r.get("onderdrukt")
        out.append(
            {"categorie": group_label(g), "waarde": None if reden else r.get("waarde"), "onderdrukt": reden}
        )
    return pl.DataFrame(
        out, schema={"categorie": pl.String(), "waarde": pl.Float64(), "onderdrukt": pl.String()}
    )


def group_table(frame: pl.DataFrame, b: dt.date, groepen: list[str], min_cell: int = 5) -> pl.DataFrame:
    """Groups as rows, the three measures as columns (Dutch text; `<5`, `-` where suppressed, `n.b.`
    unavailable).
    """
    sel = frame.filter(pl.col("peildatum") == b)
    lookup = {r["kpi"]: r for r in sel.iter_rows(named=True)}
    columns = {
        "bestand_n": ("In het bestand", "n"),
        "uitstroom_werk_pct": ("Uitstroom naar werk", "pct"),
        "participatie_pct": ("Deelname aan participatie", "pct"),
    }
    out = []
    for g in groepen:
        line = {"Doelgroep": group_label(g)}
        for measure, (title, unit) in columns.items():
            r = lookup.get(kpi_id(g, measure))
            if r is None or (r["waarde"] is None and r["onderdrukt"] is None):
                line[title] = "n.b."
            elif r["onderdrukt"] is not None:
                line[title] = masked_text("aantal" if unit == "n" else "aandeel", min_cell)
            elif unit == "pct":
                line[title] = (
                    f"{format_nl(r['waarde'], 'pct')} ({format_nl(r['teller'], 'n')} van "
                    f"{format_nl(r['noemer'], 'n')})"
                )
            else:
                line[title] = format_nl(r["waarde"], unit)
        out.append(line)
    return pl.DataFrame(
        out, schema={"Doelgroep": pl.String(), **{t: pl.String() for t, _ in columns.values()}}
    )


def reasons(frame: pl.DataFrame, b: dt.date) -> list[str]:
    """The distinct reasons figures on `b` are not available (for the notebook's note)."""
    sel = frame.filter(
        (pl.col("peildatum") == b) & pl.col("waarde").is_null() & pl.col("onderdrukt").is_null()
    )
    return sorted(set(sel.get_column("opmerking").drop_nulls().to_list()))
