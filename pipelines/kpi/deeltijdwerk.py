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
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    Context,
    concat_rows,
    counts_per_window,
    dates_frame,
    pct_rows,
    per_peildatum,
)
from pipelines.kpi.uitstroom import NormWindows, normed_catalogue, normed_ids, normed_series, touching
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import (
    Window,
    overlapping_each,
    overlapping_mask,
    running_on_each,
    window_start,
)

ARBEID = "11"
#: Other income next to the benefit ("of ander inkomen"): capital, alimony, other (not tax credits, 31).
ANDER_INKOMEN = ("18", "23", "24", "98")
#: The yearly percentages, their income codes and their norm flags.
NORMED = {
    "deeltijdwerk_pct": ((ARBEID,), "deeltijdwerk_norm"),
    "deeltijdwerk_inkomen_pct": ((ARBEID, *ANDER_INKOMEN), "deeltijdwerk_inkomen_norm"),
}
PEILMAAND = ["deeltijdwerk_peilmaand_pct"]
#: The rows of the two normed percentages (unavailable together when their window is not covered).
YEARLY = [k for kpi, (_, norm_kpi) in NORMED.items() for k in (kpi, *normed_ids(kpi, norm_kpi))]


def _person_columns(frame: pl.LazyFrame | pl.DataFrame) -> list[str]:
    """The person and, when the spells carry it, the municipality."""
    return [c for c in (PERSON_COLUMN, "gemeentecode") if c in frame.lazy().collect_schema().names()]


def persons_overlapping_each(spells: pl.LazyFrame | pl.DataFrame, windows: list[Window]) -> pl.LazyFrame:
    """One row per person and window (`peildatum` = its end) a spell of theirs overlaps, from their first
    such spell.

    A person's merged spells are disjoint and in time order, so the first spell overlapping a window is
    the one whose predecessor ends before the window starts: no unique over persons x windows.
    """
    windows = sorted(set(windows), key=lambda w: w[1])
    same_person = pl.col(PERSON_COLUMN).shift(1) == pl.col(PERSON_COLUMN)
    ordered = (
        spells.lazy()
        .sort(PERSON_COLUMN, "start")
        .with_columns(pl.when(same_person).then(pl.col("end").shift(1)).alias("_prev_end"))
    )
    return (
        overlapping_each(ordered, windows)
        .filter(~(pl.col("_prev_end") >= window_start(windows)).fill_null(False))
        .select(*_person_columns(spells), PEILDATUM)
    )


def parttime_per_person_each(
    spells: pl.LazyFrame | pl.DataFrame,
    inkomsten: pl.LazyFrame | pl.DataFrame,
    windows: list[Window],
    groups: dict[str, tuple[str, ...]],
) -> pl.LazyFrame:
    """Per window (`peildatum` = its last day) the persons with a spell overlapping it (the denominator),
    and per group of income codes (`groups`: column -> soorten) True when they had such income in a
    month of the window while on assistance.
    """
    windows = sorted(set(windows), key=lambda w: w[1])
    codes = sorted({c for soorten in groups.values() for c in soorten})
    months = (
        inkomsten.lazy()
        .filter(pl.col("soort_inkomsten").is_in(codes))
        .group_by(PERSON_COLUMN, "maand")
        .agg([pl.col("soort_inkomsten").is_in(list(soorten)).any().alias(g) for g, soorten in groups.items()])
        .with_columns(pl.col("maand").dt.month_end().alias("_me"))
    )
    # the part of each month inside each window it overlaps
    parts = overlapping_each(months, windows, start="maand", end="_me").with_columns(
        pl.max_horizontal(pl.col("maand"), window_start(windows)).alias("_m0"),
        pl.min_horizontal(pl.col("_me"), pl.col(PEILDATUM)).alias("_m1"),
    )
    worked = (
        parts.join(spells.lazy().select(PERSON_COLUMN, "start", "end"), on=PERSON_COLUMN, how="inner")
        .filter(
            (pl.col("start") <= pl.col("_m1")) & (pl.col("end").is_null() | (pl.col("end") >= pl.col("_m0")))
        )
        .group_by(PERSON_COLUMN, PEILDATUM)
        .agg([pl.col(g).any() for g in groups])
    )
    persons = persons_overlapping_each(spells, windows)
    return persons.join(worked, on=[PERSON_COLUMN, PEILDATUM], how="left").with_columns(
        [pl.col(g).fill_null(False) for g in groups]
    )


def parttime_counts(
    spells: pl.LazyFrame | pl.DataFrame,
    inkomsten: pl.LazyFrame | pl.DataFrame,
    windows: list[Window],
    groups: dict[str, tuple[str, ...]],
    gemeenten: list[str],
) -> pl.DataFrame:
    """`by_gemeente` of `parttime_per_person_each` (spells with their `gemeentecode`): per window (`peildatum`
    = its end) and municipality the persons (`personen`) and, per group, those of them with such income.

    Counted from date masks rather than a row per person and window: a spell has the mask of the windows
    it overlaps; a month of income and a spell running in it the mask of the windows that overlap both (the
    part of the month inside a window has a day of the spell exactly when the window overlaps the days the
    month and the spell share). A person counts once per window in each mask (`distinct`).
    """
    codes = sorted({c for soorten in groups.values() for c in soorten})
    periods = touching(spells, windows).select(PERSON_COLUMN, GEMEENTE, "start", "end")
    first, last = min(s for s, _ in windows), max(b for _, b in windows)
    months = (
        inkomsten.lazy()
        .filter(
            pl.col("soort_inkomsten").is_in(codes)
            & (pl.col("maand") <= last)
            & (pl.col("maand").dt.month_end() >= first)
        )
        .group_by(PERSON_COLUMN, "maand")
        .agg([pl.col("soort_inkomsten").is_in(list(soorten)).any().alias(g) for g, soorten in groups.items()])
        .join(periods, on=PERSON_COLUMN, how="inner")
        .select(
            PERSON_COLUMN,
            GEMEENTE,
            pl.max_horizontal("maand", "start").alias("_van"),
            pl.min_horizontal(pl.col("maand").dt.month_end(), "end").alias("_tot"),
            pl.lit(False).alias("_periode"),
            *groups,
        )
        .filter(pl.col("_van") <= pl.col("_tot"))
    )
    rows = pl.concat(
        [
            periods.select(
                PERSON_COLUMN,
                GEMEENTE,
                pl.col("start").alias("_van"),
                pl.col("end").alias("_tot"),
                pl.lit(True).alias("_periode"),
                *(pl.lit(False).alias(g) for g in groups),
            ),
            months,
        ]
    ).collect()

    def masks_of(these: list[Window]) -> dict[str, pl.Expr]:
        overlaps = overlapping_mask(these, "_van", "_tot")
        return {
            name: pl.when(pl.col(flag)).then(overlaps).otherwise(pl.lit(0, pl.UInt64))
            for name, flag in (("personen", "_periode"), *((g, g) for g in groups))
        }

    return counts_per_window(rows, windows, gemeenten, masks_of, distinct=PERSON_COLUMN)


def parttime_per_person(
    spells: pl.LazyFrame | pl.DataFrame,
    inkomsten: pl.LazyFrame | pl.DataFrame,
    s: dt.date,
    b: dt.date,
    soorten: tuple[str, ...] = (ARBEID,),
) -> pl.LazyFrame:
    """`parttime_per_person_each` for the window `s..b`, the income of `soorten` in `deeltijdwerk`."""
    return parttime_per_person_each(spells, inkomsten, [(s, b)], {"deeltijdwerk": soorten}).drop(PEILDATUM)


def working_on_each(spells: pl.DataFrame, inkomsten: pl.DataFrame, peildata: list[dt.date]) -> pl.LazyFrame:
    """Per peildatum the persons in stock (the denominator) with `werkend`: income from work in the month
    of the peildatum.
    """
    worked = (
        inkomsten.lazy()
        .filter(pl.col("soort_inkomsten") == ARBEID)
        .select(PERSON_COLUMN, pl.col("maand").alias("_maand"))
        .unique()
        .with_columns(pl.lit(True).alias("werkend"))
    )
    months = dates_frame(peildata, _maand=lambda b: dt.date(b.year, b.month, 1))
    # a person's merged spells are disjoint: at most one runs on a date, so a person is in stock once
    return (
        running_on_each(spells, peildata)
        .select(*_person_columns(spells), PEILDATUM)
        .join(months.lazy(), on=PEILDATUM, how="left")
        .join(worked, on=[PERSON_COLUMN, "_maand"], how="left")
        .with_columns(pl.col("werkend").fill_null(False))
        .drop("_maand")
    )


def working_counts(
    spells: pl.LazyFrame | pl.DataFrame,
    inkomsten: pl.LazyFrame | pl.DataFrame,
    peildata: list[dt.date],
    gemeenten: list[str],
) -> pl.DataFrame:
    """`by_gemeente` of `working_on_each` (spells with their `gemeentecode`): per peildatum and municipality
    the stock (`bestand`) and those in it with income from work in the month of the peildatum (`werkend`).

    From date masks: a spell has the mask of the dates it runs on; a month with work and a spell of the
    person that mask limited to the dates in that month. A person's merged spells are disjoint, so at most
    one runs on a date and every row counts as it is.
    """
    days = [(b, b) for b in peildata]
    periods = touching(spells, days).select(GEMEENTE, "start", "end")
    months = (
        inkomsten.lazy()
        .filter(
            (pl.col("soort_inkomsten") == ARBEID)
            & pl.col("maand").is_in(sorted({b.replace(day=1) for b in peildata}))
        )
        .select(PERSON_COLUMN, "maand")
        .unique()
        .join(spells.lazy().select(PERSON_COLUMN, GEMEENTE, "start", "end"), on=PERSON_COLUMN, how="inner")
        .select(GEMEENTE, "start", "end", "maand", pl.col("maand").dt.month_end().alias("_me"))
    )
    rows = pl.concat([periods, months], how="diagonal").collect()

    def masks_of(these: list[Window]) -> dict[str, pl.Expr]:
        running = overlapping_mask(these)
        in_month = overlapping_mask(these, "maand", "_me")  # 0 on the rows of the stock
        return {
            "bestand": pl.when(pl.col("maand").is_null()).then(running).otherwise(pl.lit(0, pl.UInt64)),
            "werkend": running & in_month,
        }

    return counts_per_window(rows, days, gemeenten, masks_of)


def point_in_time_rows(ctx: Context, inkomsten: pl.DataFrame, dates: list[dt.date]) -> list[pl.DataFrame]:
    """`deeltijdwerk_peilmaand_pct` on `dates` (each checked: a peildatum is a month end, so its month is
    delivered when the peildatum is).
    """
    agg = working_counts(ctx.spells, inkomsten, dates, ctx.gemeenten)
    return pct_rows(agg, {"deeltijdwerk_peilmaand_pct": ("werkend", "bestand")})


def yearly_rows(
    ctx: Context, inkomsten: pl.DataFrame, windows: NormWindows, dates: list[dt.date]
) -> list[pl.DataFrame]:
    """Both yearly percentages on `dates`, their baselines, norm values and flags (all windows at once)."""
    groups = {kpi: codes for kpi, (codes, _) in NORMED.items()}
    agg = parttime_counts(ctx.spells, inkomsten, windows.all, groups, ctx.gemeenten).rename(
        {kpi: f"werkend_{kpi}" for kpi in NORMED}
    )
    out: list[pl.DataFrame] = []
    for kpi, (_, norm_kpi) in NORMED.items():
        per_window = pct_rows(agg, {kpi: (f"werkend_{kpi}", "personen")})[0]
        out.append(per_window.filter(pl.col(PEILDATUM).is_in(dates)))
        out += windows.rows(kpi, norm_kpi, per_window, ctx.config)
    return out


def parttime_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """Both yearly percentages, their baselines, norm values and flags, and the share on each peildatum."""
    inkomsten = ctx.table("inkomsten")
    return concat_rows(
        [
            normed_series(
                ctx, peildata, YEARLY, lambda windows, dates: yearly_rows(ctx, inkomsten, windows, dates)
            ),
            per_peildatum(
                PEILMAAND,
                ctx.gemeenten,
                peildata,
                ctx.check_peildatum,
                lambda dates: point_in_time_rows(ctx, inkomsten, dates),
            ),
        ],
        dated=True,
    )


KPIS = YEARLY + PEILMAAND
_NORM_DEELTIJD = (
    "10 % hoger dan het meerjarig percentage deeltijdwerk (rapportjaar en de drie jaren ervoor), dus x 1,10"
)

FAMILY = registry.register(
    registry.Family(
        id="deeltijdwerk",
        label="Deeltijdwerk naast de uitkering",
        order=20,
        series=parttime_series,
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
