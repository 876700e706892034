"""Part-time work next to the benefit (`deeltijdwerk_pct`) and its multi-year norm.

docs/definities.md. A month counts for the window
when it overlaps it; a person counts in the numerator when an `inkomsten` row of soort `11`
falls in a month (of the window) during which one of their merged in-scope spells ran, on at
least one day of the part of that month inside the window.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.kpi import registry
from pipelines.kpi.base import Context, by_gemeente, pct_rows, unavailable_rows
from pipelines.kpi.uitstroom import multi_year_rows, yearly_series
from pipelines.schema import PERSON_COLUMN

ARBEID = "11"
YEARLY = ["deeltijdwerk_pct"]


def parttime_per_person(
    spells: pl.LazyFrame | pl.DataFrame, inkomsten: pl.LazyFrame | pl.DataFrame, s: dt.date, b: dt.date
) -> pl.LazyFrame:
    """Persons with a spell overlapping the window (the denominator), `deeltijdwerk` True when they worked."""
    spells = spells.lazy().filter((pl.col("start") <= b) & (pl.col("end").is_null() | (pl.col("end") >= s)))
    months = (
        inkomsten.lazy()
        .filter(pl.col("soort_inkomsten") == ARBEID)
        .select(PERSON_COLUMN, "maand")
        .unique()
        .with_columns(
            pl.max_horizontal(pl.col("maand"), pl.lit(s)).alias("_m0"),
            pl.min_horizontal(pl.col("maand").dt.month_end(), pl.lit(b)).alias("_m1"),
        )
        .filter(pl.col("_m0") <= pl.col("_m1"))
    )
    worked = (
        months.join(spells.select(PERSON_COLUMN, "start", "end"), on=PERSON_COLUMN, how="inner")
        .filter(
            (pl.col("start") <= pl.col("_m1")) & (pl.col("end").is_null() | (pl.col("end") >= pl.col("_m0")))
        )
        .select(PERSON_COLUMN)
        .unique()
        .with_columns(pl.lit(True).alias("deeltijdwerk"))
    )
    keep = [c for c in (PERSON_COLUMN, "gemeentecode") if c in spells.collect_schema().names()]
    persons = spells.select(keep).unique(subset=PERSON_COLUMN, keep="first")
    return persons.join(worked, on=PERSON_COLUMN, how="left").with_columns(
        pl.col("deeltijdwerk").fill_null(False)
    )


AGGS = [pl.len().alias("personen"), pl.col("deeltijdwerk").sum().alias("werkend")]


def parttime_counts(spells, inkomsten, s, b, gemeenten) -> pl.DataFrame:
    return by_gemeente(parttime_per_person(spells, inkomsten, s, b), AGGS, gemeenten)


def parttime_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    """`deeltijdwerk_pct`, its multi-year mean and the norm flag for peildatum `b`."""
    # the work months are the same for all four windows: reduce the income table once
    inkomsten = (
        ctx.table("inkomsten")
        .lazy()
        .filter(pl.col("soort_inkomsten") == ARBEID)
        .select(PERSON_COLUMN, "maand", "soort_inkomsten")
        .unique()
        .collect()
    )
    spells = ctx.spells

    def one(s, e):
        agg = parttime_counts(spells, inkomsten, s, e, ctx.gemeenten)
        return pct_rows(agg, {"deeltijdwerk_pct": ("werkend", "personen")})[0]

    series, reason = yearly_series(ctx, b, one)
    out = [series[0] if series[0] is not None else unavailable_rows(YEARLY, ctx.gemeenten, reason)]
    out += multi_year_rows(
        "deeltijdwerk_pct", "deeltijdwerk_norm", series, ctx.config.norm_factor, ctx.gemeenten, reason
    )
    return out


_NORM_DEELTIJD = "10 % meer deeltijdwerk dan het meerjarig percentage"

FAMILY = registry.register(
    registry.Family(
        id="deeltijdwerk",
        label="Deeltijdwerk naast de uitkering",
        order=20,
        rows=parttime_rows,
        notebook="11_deeltijdwerk",
        kpis=(
            registry.kpi(
                "deeltijdwerk_pct", "Deeltijdwerk naast de uitkering", "pct", "aandeel", "deeltijdwerk"
            ),
            registry.kpi(
                "deeltijdwerk_pct_meerjarig",
                "Deeltijdwerk, meerjarig gemiddelde",
                "pct",
                "meerjarig",
                "deeltijdwerk",
                basis="deeltijdwerk_pct",
            ),
            registry.kpi(
                "deeltijdwerk_norm",
                "Norm deeltijdwerk gehaald",
                "vlag",
                "vlag",
                "deeltijdwerk",
                _NORM_DEELTIJD,
                basis="deeltijdwerk_pct",
            ),
        ),
    )
)
