"""Part-time work (or other income) next to the benefit, its multi-year norm, and the share on the peildatum.

The plan's norm: "10% meer deeltijdwerk (of ander inkomen) ten opzichte van het meerjarig percentage
deeltijdwerk". Over a window, a month counts when it overlaps it; a person counts in the numerator
when an `inkomsten` row of the right soort falls in a month (of the window) during which one of their
merged in-scope spells ran, on at least one day of the part of that month inside the window:
- `deeltijdwerk_pct`: soort `11` (part-time work in employment);
- `deeltijdwerk_inkomen_pct`: soort `11` or other income (`18` vermogen, `23`/`24` alimentatie, `98`
  andere); `31` (tax credits) is no income of the client's own.
`deeltijdwerk_peilmaand_pct` is the point-in-time share the Divosa reference (about 8 %) compares with:
persons in stock on `b` with income from work in the month of `b` / the stock.
Definitions: docs/definities.md.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.kpi import registry
from pipelines.kpi.base import Context, by_gemeente, guarded, pct_rows, unavailable_rows
from pipelines.kpi.uitstroom import fixed_series, multi_year_rows, normed_catalogue, normed_ids, yearly_series
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import running_on

ARBEID = "11"
#: Other income next to the benefit ("of ander inkomen"): capital, alimony, other (not tax credits, 31).
ANDER_INKOMEN = ("18", "23", "24", "98")
#: The yearly percentages, their income codes and their norm flags.
NORMED = {
    "deeltijdwerk_pct": ((ARBEID,), "deeltijdwerk_norm"),
    "deeltijdwerk_inkomen_pct": ((ARBEID, *ANDER_INKOMEN), "deeltijdwerk_inkomen_norm"),
}
PEILMAAND = ["deeltijdwerk_peilmaand_pct"]


def parttime_per_person(
    spells: pl.LazyFrame | pl.DataFrame,
    inkomsten: pl.LazyFrame | pl.DataFrame,
    s: dt.date,
    b: dt.date,
    soorten: tuple[str, ...] = (ARBEID,),
) -> pl.LazyFrame:
    """Persons with a spell overlapping the window (the denominator), `deeltijdwerk` True when they had
    income of `soorten` in a month of the window while on assistance.
    """
    spells = spells.lazy().filter((pl.col("start") <= b) & (pl.col("end").is_null() | (pl.col("end") >= s)))
    months = (
        inkomsten.lazy()
        .filter(pl.col("soort_inkomsten").is_in(list(soorten)))
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


def parttime_counts(spells, inkomsten, s, b, gemeenten, soorten=(ARBEID,)) -> pl.DataFrame:
    return by_gemeente(parttime_per_person(spells, inkomsten, s, b, soorten), AGGS, gemeenten)


def working_on(spells: pl.DataFrame, inkomsten: pl.DataFrame, b: dt.date) -> pl.LazyFrame:
    """Persons in stock on `b` (the denominator) with `werkend`: income from work in the month of `b`."""
    month = dt.date(b.year, b.month, 1)
    worked = (
        inkomsten.lazy()
        .filter((pl.col("soort_inkomsten") == ARBEID) & (pl.col("maand") == month))
        .select(PERSON_COLUMN)
        .unique()
        .collect()
        .get_column(PERSON_COLUMN)
        .implode()
    )
    keep = [c for c in (PERSON_COLUMN, "gemeentecode") if c in spells.columns]
    return (
        running_on(spells, b)
        .select(keep)
        .unique(subset=PERSON_COLUMN)
        .with_columns(pl.col(PERSON_COLUMN).is_in(worked).alias("werkend"))
    )


def point_in_time_rows(ctx: Context, inkomsten: pl.DataFrame, b: dt.date) -> list[pl.DataFrame]:
    """`deeltijdwerk_peilmaand_pct`: a peildatum is a month end, so its month is delivered when `b` is."""
    b = ctx.check_peildatum(b)
    people = working_on(ctx.spells, inkomsten, b)
    agg = by_gemeente(
        people, [pl.len().alias("bestand"), pl.col("werkend").sum().alias("werkend")], ctx.gemeenten
    )
    return pct_rows(agg, {"deeltijdwerk_peilmaand_pct": ("werkend", "bestand")})


def parttime_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    """Both yearly percentages, their baselines, norm values and flags, and the share on `b`."""
    # the income months are the same for all windows: reduce the income table once per run
    soorten = sorted({c for codes, _ in NORMED.values() for c in codes})
    table = ctx.table("inkomsten")
    inkomsten = ctx.cached(
        ("deeltijdwerk", "inkomstenmaanden"),
        lambda: (
            table.lazy()
            .filter(pl.col("soort_inkomsten").is_in(soorten))
            .select(PERSON_COLUMN, "maand", "soort_inkomsten")
            .unique()
            .collect()
        ),
    )
    spells = ctx.spells
    out: list[pl.DataFrame] = []
    for kpi, (codes, norm_kpi) in NORMED.items():

        def one(s, e, kpi=kpi, codes=codes):
            agg = ctx.cached(
                ("deeltijdwerk", kpi, s, e),
                lambda: parttime_counts(spells, inkomsten, s, e, ctx.gemeenten, codes),
            )
            return pct_rows(agg, {kpi: ("werkend", "personen")})[0]

        series, reason = yearly_series(ctx, b, one)
        base = fixed_series(ctx, one)
        out.append(series[0] if series[0] is not None else unavailable_rows([kpi], ctx.gemeenten, reason))
        out += multi_year_rows(kpi, norm_kpi, series, ctx.config, ctx.gemeenten, reason, base)
    out.append(guarded(PEILMAAND, ctx.gemeenten, lambda: point_in_time_rows(ctx, inkomsten, b)))
    return out


KPIS = [k for kpi, (_, norm_kpi) in NORMED.items() for k in (kpi, *normed_ids(kpi, norm_kpi))] + PEILMAAND
_NORM_DEELTIJD = (
    "10 % hoger dan het meerjarig percentage deeltijdwerk (rapportjaar en de drie jaren ervoor), dus x 1,10"
)

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
                "deeltijdwerk_inkomen_pct",
                "Deeltijdwerk of ander inkomen naast de uitkering",
                "pct",
                "aandeel",
                "deeltijdwerk",
            ),
            registry.kpi(
                "deeltijdwerk_peilmaand_pct",
                "Deeltijdwerk in de maand van de peildatum (bestand)",
                "pct",
                "aandeel",
                "deeltijdwerk",
            ),
            *normed_catalogue(
                "deeltijdwerk_pct", "deeltijdwerk_norm", "Deeltijdwerk", "deeltijdwerk", _NORM_DEELTIJD
            ),
            *normed_catalogue(
                "deeltijdwerk_inkomen_pct",
                "deeltijdwerk_inkomen_norm",
                "Deeltijdwerk of ander inkomen",
                "deeltijdwerk",
                _NORM_DEELTIJD,
            ),
        ),
    )
)
