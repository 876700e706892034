"""What the participation-budget page shows: spend per perspective, exhaustion per year, the budget table."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from pipelines.kpi.base import TOTAAL
from pipelines.kpi.budget import ONBEKEND, PERSPECTIEVEN
from pipelines.report.formats import format_nl
from pipelines.report.notebook import unavailable_reason
from pipelines.report.present import reason_words

PERSPECTIEF_LABELS = {
    "werken": "Werken",
    "werken_aan": "Werken aan",
    "meedoen": "Meedoen",
    ONBEKEND: "Onbekend",
    TOTAAL: "Totaal",
}


def calendar_year_peildata(b: dt.date, jaren: int = 4) -> list[dt.date]:
    """31 December of the `jaren - 1` years before `b`, then `b`: whole past years and this year to date."""
    return [dt.date(b.year - k, 12, 31) for k in range(jaren - 1, 0, -1)] + [b]


def calendar_year_label(b: dt.date) -> str:
    """`2023` for a whole year, `2024 t/m 30-09` for a year to date."""
    return str(b.year) if (b.month, b.day) == (12, 31) else f"{b.year} t/m {b.strftime('%d-%m')}"


def _published(frame: pl.DataFrame, kpi: str, b: dt.date) -> tuple[float | None, str | None, str | None]:
    """(value publication may show, suppression reason, why unavailable) of one KPI on `b`."""
    sel = frame.filter((pl.col("kpi") == kpi) & (pl.col("peildatum") == b))
    if not sel.height:
        return None, None, "niet berekend"
    r = sel.row(0, named=True)
    return (None if r["onderdrukt"] else r["waarde"]), r["onderdrukt"], r["opmerking"]


def spend_bars(frame: pl.DataFrame, b: dt.date) -> pl.DataFrame:
    """Spend per perspective on `b` for `charts.bar_chart`: `categorie, waarde, onderdrukt`."""
    out = []
    for p in (*PERSPECTIEVEN, ONBEKEND):
        waarde, reden, _ = _published(frame, f"budget_{p}_besteed", b)
        out.append({"categorie": PERSPECTIEF_LABELS[p], "waarde": waarde, "onderdrukt": reden})
    return pl.DataFrame(
        out, schema={"categorie": pl.String(), "waarde": pl.Float64(), "onderdrukt": pl.String()}
    )


def exhaustion_series(frame: pl.DataFrame, peildata: list[dt.date]) -> pl.DataFrame:
    """Budget exhaustion per perspective and year for `charts.series_chart`.

    Columns `periode, reeks, waarde, onderdrukt`.

    Years without a figure at all (no budget, not covered) are left out; suppressed ones stay as a gap.
    """
    out = []
    for b in peildata:
        for p in (*PERSPECTIEVEN, TOTAAL):
            waarde, reden, _ = _published(frame, f"budget_{p}_uitputting", b)
            if waarde is not None or reden is not None:
                out.append(
                    {
                        "periode": calendar_year_label(b),
                        "reeks": PERSPECTIEF_LABELS[p],
                        "waarde": waarde,
                        "onderdrukt": reden,
                    }
                )
    schema = {"periode": pl.String(), "reeks": pl.String(), "waarde": pl.Float64(), "onderdrukt": pl.String()}
    return pl.DataFrame(out, schema=schema)


def budget_table(
    frame: pl.DataFrame,
    b: dt.date,
    budgets: dict[int, dict[str, float]],
    min_cell: int = 5,
    min_noemer: int = 10,
) -> pl.DataFrame:
    """Per perspective: budget of the year, spend to date, exhaustion (Dutch text, suppression applied)."""
    year = budgets.get(b.year) or {}
    out = []
    for p in (*PERSPECTIEVEN, ONBEKEND, TOTAAL):
        budget = math.fsum(year.values()) if (p == TOTAAL and year) else year.get(p)
        cells, notes = [], []
        for kpi, unit in ((f"budget_{p}_besteed", "eur"), (f"budget_{p}_uitputting", "pct")):
            waarde, reden, opmerking = _published(frame, kpi, b)
            if kpi.endswith("_uitputting") and p == ONBEKEND:
                cells.append("")
            elif reden:
                cells.append("-")
                notes.append(reason_words(reden, min_cell, min_noemer))
            elif waarde is None:
                cells.append("n.b.")
                notes.append(opmerking or "niet beschikbaar")
            else:
                cells.append(format_nl(waarde, unit))
        out.append(
            {
                "Perspectief": PERSPECTIEF_LABELS[p],
                f"Budget {b.year}": format_nl(budget, "eur")
                if budget is not None
                else ("" if p == ONBEKEND else "n.b."),
                f"Besteed ({calendar_year_label(b)})": cells[0],
                "Uitputting": cells[1],
                "Toelichting": "; ".join(dict.fromkeys(notes)),
            }
        )
    return pl.DataFrame(out)


def unavailable_note(frame: pl.DataFrame, b: dt.date) -> str | None:
    """Why the family has no figures on `b` (None when it has some): `notebook.unavailable_reason`."""
    return unavailable_reason(frame, b)
