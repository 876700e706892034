"""What the durability page shows besides kpis.csv's table: the series over time and the duration bars."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.kpi.duurzaamheid import DUURZAAM, PER_DUUR

#: kpi -> legend label of the chart over time (outflow to work next to its durability and re-entry).
OVER_TIME = {
    "uitstroom_werk_pct": "Uitstroom naar werk",
    "uitstroom_werk_duurzaam_pct": "Duurzaam (niet terug)",
    "herinstroom_12m_pct": "Herinstroom (1 jaar)",
}
DUUR_LABELS = {
    "uitstroom_werk_pct_duur_lt1j": "korter dan 1 jaar",
    "uitstroom_werk_pct_duur_1_2j": "1 tot 2 jaar",
    "uitstroom_werk_pct_duur_2_5j": "2 tot 5 jaar",
    "uitstroom_werk_pct_duur_5plusj": "5 jaar of langer",
}
#: CBS: average outflow to work of those on assistance for more than 2 years (the seed policy quotes it).
CBS_LANG = 5.1


def duration_bars(frame: pl.DataFrame, b: dt.date) -> pl.DataFrame:
    """`categorie, waarde, onderdrukt` per duration class on `b` (suppressed and missing: null)."""
    out = []
    for kpi, label in DUUR_LABELS.items():
        sel = frame.filter((pl.col("kpi") == kpi) & (pl.col("peildatum") == b))
        row = sel.row(0, named=True) if sel.height else {"waarde": None, "onderdrukt": None}
        hidden = row["onderdrukt"] is not None
        out.append(
            {"categorie": label, "waarde": None if hidden else row["waarde"], "onderdrukt": row["onderdrukt"]}
        )
    return pl.DataFrame(
        out, schema={"categorie": pl.String(), "waarde": pl.Float64(), "onderdrukt": pl.String()}
    )


def unavailable_note(frame: pl.DataFrame, b: dt.date, nb_kpis: list[str] | None = None) -> str:
    """Why the figures of `nb_kpis` (default: durability and re-entry) are missing on `b`."""
    kpis = nb_kpis or DUURZAAM
    notes = (
        frame.filter(
            pl.col("kpi").is_in(kpis) & (pl.col("peildatum") == b) & pl.col("opmerking").is_not_null()
        )
        .get_column("opmerking")
        .unique()
        .sort()
        .to_list()
    )
    return "; ".join(notes) if notes else "geen cijfers voor deze peildatum"


__all__ = ["CBS_LANG", "DUUR_LABELS", "OVER_TIME", "PER_DUUR", "duration_bars", "unavailable_note"]
