"""Inflow cohorts: the 12-month outcome of a year's inflow, and survival in assistance by inflow year.

../shared/spec/research.md ("Durability and re-entry", "Inflow cohorts and survival").
- `instroomcohort_*`: the merged spells starting in the window of `b - 1y`, and how many of them
  ended on or before `start + 1 year` (29 February + 1 year = 28 February).
- Survival (`cohorten.csv`, `cohortcurven.csv`): cohort `Y` = the spells starting in calendar year `Y`
  (`Y-01-01 >= gegevens_vanaf`, `Y <= year(b)`), duration `T = (min(end, b) - start) + 1` days; an
  exit on or before `b` with a reason other than `03` (AOW) and `04` (death) is an event, everything
  else is censored. Groups: `totaal`, each municipality, and the perspective after intake: the
  `klantbeeld` perspective running on `min(start + 90 days, end, b)` (`onbekend` when none).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines import survival
from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    TOTAAL,
    Context,
    by_gemeente,
    count_rows,
    dates_frame,
    pct_rows,
    per_peildatum,
)
from pipelines.kpi.duurzaamheid import AOW_OVERLIJDEN
from pipelines.kpi.overgangen import RANG
from pipelines.kpi.uitstroom import WERK
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import by_start_then_end, overlapping_each

INTAKE_DAGEN = 90
ONBEKEND = "onbekend"
GROEPEN = [TOTAAL] + [f"perspectief:{p}" for p in (*RANG, ONBEKEND)]
#: Days of the fixed points of `cohorten.csv`.
JAAR_1, JAAR_2, JAAR_5 = 365, 730, 1826

COHORTEN_SCHEMA: dict[str, pl.DataType] = {
    "cohort": pl.Int64(),
    "gemeentecode": pl.String(),
    "groep": pl.String(),
    "n": pl.Int64(),
    "overleving_1j": pl.Float64(),
    "overleving_2j": pl.Float64(),
    "overleving_5j": pl.Float64(),
    "mediane_duur_dagen": pl.Int64(),
    "werk_cum_1j": pl.Float64(),
    "werk_cum_2j": pl.Float64(),
}
CURVEN_SCHEMA: dict[str, pl.DataType] = {
    "cohort": pl.Int64(),
    "gemeentecode": pl.String(),
    "groep": pl.String(),
    **survival.CURVE_SCHEMA,
}


def twelve_month_outcome(spells: pl.LazyFrame | pl.DataFrame, s: dt.date, b: dt.date) -> pl.LazyFrame:
    """The spells starting in `s..b`, with whether they ended within a year, and whether to work."""
    return twelve_month_outcome_each(spells, [(s, b)]).drop(PEILDATUM)


def twelve_month_outcome_each(
    spells: pl.LazyFrame | pl.DataFrame, windows: list[tuple[dt.date, dt.date]]
) -> pl.LazyFrame:
    """`twelve_month_outcome` for many windows `s..e` at once: a row per spell and window it starts in
    (`peildatum` = the window's end `e`).
    """
    reason = pl.col("reden_beeindiging")
    within = pl.col("end").is_not_null() & (pl.col("end") <= pl.col("start").dt.offset_by("1y"))
    return overlapping_each(
        spells.lazy().filter(pl.col("start").is_not_null()), windows, start="start", end="start"
    ).with_columns(
        (within & ~reason.is_in(AOW_OVERLIJDEN)).fill_null(False).alias("uit_12m"),
        (within & reason.is_in(WERK)).fill_null(False).alias("werk_12m"),
    )


AGGS = [
    pl.len().alias("cohort"),
    pl.col("uit_12m").sum().alias("uit_12m"),
    pl.col("werk_12m").sum().alias("werk_12m"),
]
KPIS = ["instroomcohort_n", "instroomcohort_uit_12m_pct", "instroomcohort_werk_12m_pct"]


def cohort_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """`instroomcohort_n`, `_uit_12m_pct`, `_werk_12m_pct` for every peildatum `b`: the inflow of the
    window of `b - 1 year` (`Context.check_follow_up`), all windows in one pass.
    """

    def compute(dates: list[dt.date]) -> list[pl.DataFrame]:
        windows = {b: ctx.check_follow_up(b) for b in dates}
        follow = dates_frame(dates, _e=lambda b: windows[b][1])
        spells = twelve_month_outcome_each(ctx.spells, list(windows.values())).rename({PEILDATUM: "_e"})
        # several peildata may share a window (29 February): each gets its rows
        dated = spells.join(follow.lazy().select(PEILDATUM, "_e"), on="_e", how="inner")
        agg = by_gemeente(dated, AGGS, ctx.gemeenten, dates)
        return count_rows(agg, {"instroomcohort_n": "cohort"}) + pct_rows(
            agg,
            {
                "instroomcohort_uit_12m_pct": ("uit_12m", "cohort"),
                "instroomcohort_werk_12m_pct": ("werk_12m", "cohort"),
            },
        )

    return per_peildatum(KPIS, ctx.gemeenten, peildata, ctx.check_follow_up, compute)


# --- survival by inflow year ----------------------------------------------------------------------


def cohort_years(b: dt.date, gegevens_vanaf: dt.date) -> list[int]:
    """The inflow years whose 1 January lies inside the delivery, up to the year of `b`."""
    first = (
        gegevens_vanaf.year
        if (gegevens_vanaf.month, gegevens_vanaf.day) == (1, 1)
        else gegevens_vanaf.year + 1
    )
    return list(range(first, b.year + 1))


def perspective_after_intake(
    spells: pl.LazyFrame, klantbeeld: pl.LazyFrame | pl.DataFrame | None, b: dt.date
) -> pl.LazyFrame:
    """`perspectief_intake`: the perspective running on `min(start + 90 days, end, b)`, else `onbekend`.

    Never later than `b`: a spell that started less than 90 days before the peildatum takes the
    perspective known on the peildatum.
    """
    when = pl.min_horizontal(
        pl.col("start") + pl.duration(days=INTAKE_DAGEN), pl.col("end").fill_null(b), pl.lit(b)
    )
    spells = spells.with_columns(when.alias("_intake"))
    if klantbeeld is None:
        return spells.with_columns(pl.lit(ONBEKEND).alias("perspectief_intake")).drop("_intake")
    periods = klantbeeld.lazy().select(PERSON_COLUMN, "ingangsdatum", "einddatum", "perspectief")
    matched = (
        spells.select(PERSON_COLUMN, "spell", "_intake")
        .join(periods, on=PERSON_COLUMN, how="inner")
        .filter(
            (pl.col("ingangsdatum") <= pl.col("_intake"))
            & (pl.col("einddatum").is_null() | (pl.col("einddatum") >= pl.col("_intake")))
        )
        .sort(PERSON_COLUMN, "spell", *by_start_then_end("ingangsdatum", "einddatum"), maintain_order=True)
        .group_by(PERSON_COLUMN, "spell")
        .agg(pl.col("perspectief").last())
    )
    return (
        spells.join(matched, on=[PERSON_COLUMN, "spell"], how="left")
        .with_columns(pl.col("perspectief").fill_null(ONBEKEND).alias("perspectief_intake"))
        .drop("_intake", "perspectief")
    )


def cohort_spells(
    spells: pl.LazyFrame | pl.DataFrame,
    klantbeeld: pl.LazyFrame | pl.DataFrame | None,
    b: dt.date,
    gegevens_vanaf: dt.date,
) -> pl.DataFrame:
    """One row per spell of a cohort: `cohort, gemeentecode, perspectief_intake, duur, uitkomst`."""
    years = cohort_years(b, gegevens_vanaf)
    if not years:
        return pl.DataFrame(
            schema={
                "cohort": pl.Int64(),
                GEMEENTE: pl.String(),
                "perspectief_intake": pl.String(),
                "duur": pl.Int64(),
                "uitkomst": pl.Int8(),
            }
        )
    lf = spells.lazy().filter((pl.col("start") >= dt.date(years[0], 1, 1)) & (pl.col("start") <= b))
    lf = perspective_after_intake(lf, klantbeeld, b)
    ended = pl.col("end").is_not_null() & (pl.col("end") <= b)
    reason = pl.col("reden_beeindiging")
    outcome = (
        pl.when(ended & reason.is_in(WERK).fill_null(False))
        .then(pl.lit(survival.WERK))
        .when(ended & ~reason.is_in(AOW_OVERLIJDEN).fill_null(False))
        .then(pl.lit(survival.ANDERS))
        .otherwise(pl.lit(survival.GECENSUREERD))
        .cast(pl.Int8)
    )
    last = pl.min_horizontal(pl.col("end").fill_null(b), pl.lit(b))
    return lf.select(
        pl.col("start").dt.year().cast(pl.Int64).alias("cohort"),
        pl.col(GEMEENTE),
        "perspectief_intake",
        ((last - pl.col("start")).dt.total_days() + 1).cast(pl.Int64).alias("duur"),
        outcome.alias("uitkomst"),
    ).collect()


def survival_tables(ctx: Context, b: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(`cohorten.csv`, `cohortcurven.csv`) on `b`: every cohort x municipality x group that has spells.

    The spells are counted per (group, day, outcome) in one pass; each curve is then a fit on at most
    a few thousand rows.
    """
    klantbeeld = ctx.data.tables.get("klantbeeld")
    rows = cohort_spells(ctx.spells, klantbeeld, b, ctx.data.gegevens_vanaf)
    groep = pl.format("perspectief:{}", pl.col("perspectief_intake"))
    keyed = pl.concat(
        [
            rows.select(
                "cohort", pl.lit(TOTAAL).alias(GEMEENTE), pl.lit(TOTAAL).alias("groep"), "duur", "uitkomst"
            ),
            rows.select("cohort", pl.lit(TOTAAL).alias(GEMEENTE), groep.alias("groep"), "duur", "uitkomst"),
            rows.filter(pl.col(GEMEENTE).is_not_null()).select(
                "cohort", GEMEENTE, pl.lit(TOTAAL).alias("groep"), "duur", "uitkomst"
            ),
            rows.filter(pl.col(GEMEENTE).is_not_null()).select(
                "cohort", GEMEENTE, groep.alias("groep"), "duur", "uitkomst"
            ),
        ]
    )
    counts = (
        keyed.group_by("cohort", GEMEENTE, "groep", "duur", "uitkomst")
        .len("aantal")
        .rename({"duur": "dag"})
        .sort("cohort", GEMEENTE, "groep", "dag", "uitkomst")
    )
    summaries, curves = [], []
    order = {g: i for i, g in enumerate(GROEPEN)}
    parts = counts.partition_by("cohort", GEMEENTE, "groep", as_dict=True, maintain_order=True)
    for (cohort, gemeente, group), part in sorted(
        parts.items(), key=lambda kv: (kv[0][0], kv[0][1] == TOTAAL, kv[0][1], order.get(kv[0][2], 99))
    ):
        counted = part.select("dag", "uitkomst", "aantal")
        curve = survival.kaplan_meier(counted)
        followed = int(part.get_column("dag").max())  # type: ignore[arg-type]
        summaries.append(
            {
                "cohort": cohort,
                GEMEENTE: gemeente,
                "groep": group,
                "n": int(part.get_column("aantal").sum()),
                "overleving_1j": survival.value_at(curve, "overleving", JAAR_1, followed),
                "overleving_2j": survival.value_at(curve, "overleving", JAAR_2, followed),
                "overleving_5j": survival.value_at(curve, "overleving", JAAR_5, followed),
                "mediane_duur_dagen": survival.median_duration(curve),
                "werk_cum_1j": survival.value_at(curve, "werk_cum", JAAR_1, followed),
                "werk_cum_2j": survival.value_at(curve, "werk_cum", JAAR_2, followed),
            }
        )
        curves.append(
            curve.with_columns(
                pl.lit(cohort, pl.Int64).alias("cohort"),
                pl.lit(gemeente, pl.String).alias(GEMEENTE),
                pl.lit(group, pl.String).alias("groep"),
            ).select(list(CURVEN_SCHEMA))
        )
    summary = pl.DataFrame(summaries, schema=COHORTEN_SCHEMA)
    curve_frame = pl.concat(curves) if curves else pl.DataFrame(schema=CURVEN_SCHEMA)
    return summary, curve_frame


FAMILY = registry.register(
    registry.Family(
        id="cohorten",
        label="Instroomcohorten en verblijfsduur",
        order=100,
        series=cohort_series,
        notebook="30_cohorten",
        kpis=(
            registry.kpi(
                "instroomcohort_n", "Instroomcohort (instroom een jaar eerder)", "n", "aantal", "cohorten"
            ),
            registry.kpi(
                "instroomcohort_uit_12m_pct",
                "Instroomcohort: binnen een jaar weer uit de uitkering",
                "pct",
                "aandeel",
                "cohorten",
            ),
            registry.kpi(
                "instroomcohort_werk_12m_pct",
                "Instroomcohort: binnen een jaar uitgestroomd naar werk",
                "pct",
                "aandeel",
                "cohorten",
            ),
        ),
    )
)
