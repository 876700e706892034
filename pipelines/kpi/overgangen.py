"""Transitions: do people climb from "meedoen" towards "werken", and up the participation ladder?

../shared/spec/research.md ("Perspective and ladder transitions"). The population is everyone in
stock (a merged in-scope spell running) on both `b - 1y` and `b`, with a `klantbeeld` period
running on both dates; when several periods run on one date, the one that started last counts
(as for the stock by perspective). The full from/to matrix goes to `overgangen.csv`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    TOTAAL,
    Context,
    by_gemeente,
    dates_frame,
    pct_rows,
    per_peildatum,
    with_gemeente,
)
from pipelines.periods import minus_years
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import OPEN_END, by_start_then_end, overlapping, running_on_each

#: The perspectives in ascending order: `meedoen` < `werken_aan` < `werken`.
RANG = {"meedoen": 1, "werken_aan": 2, "werken": 3}
HOOGSTE_TREDE_MET_RUIMTE = 5
FAMILY_KPIS = ("perspectief_stap_omhoog_pct", "trede_stijging_pct")

OVERGANGEN_COLUMNS = ("peildatum_van", "peildatum", "gemeentecode", "soort", "van", "naar", "aantal")
OVERGANGEN_SCHEMA: dict[str, pl.DataType] = {
    "peildatum_van": pl.Date(),
    "peildatum": pl.Date(),
    "gemeentecode": pl.String(),
    "soort": pl.String(),
    "van": pl.String(),
    "naar": pl.String(),
    "aantal": pl.Int64(),
}


def transitions_per_person(
    spells: pl.LazyFrame | pl.DataFrame, klantbeeld: pl.LazyFrame | pl.DataFrame, b: dt.date
) -> pl.LazyFrame:
    """One row per person in the population of `b` (`transitions_each` for one date)."""
    return transitions_each(spells, klantbeeld, [b]).drop(PEILDATUM)


def transitions_each(
    spells: pl.LazyFrame | pl.DataFrame, klantbeeld: pl.LazyFrame | pl.DataFrame, peildata: list[dt.date]
) -> pl.LazyFrame:
    """One row per peildatum `b` and person in its population: perspective and trede on `b - 1y` (`_van`)
    and `b`.

    The state (in stock, and the latest started `klantbeeld` period running) is found once for every date
    and every date a year earlier; each `b` then pairs with its `b - 1y` by a join, so a series costs one
    pass.
    """
    pairs = dates_frame(peildata, _van=lambda b: minus_years(b, 1))
    dates = sorted(set(pairs.get_column(PEILDATUM).to_list()) | set(pairs.get_column("_van").to_list()))
    # In stock with a klantbeeld on a date = a klantbeeld period and a spell both running then: each period
    # running on one of the dates is cut to the spells of its person (merged spells do not overlap) before
    # it meets the dates. Only a person whose periods overlap can have two running on one date; for them,
    # sorted by start, `last` picks the latest started. Periods overlap when one starts before the previous
    # one (by start) ends: a period starting inside an earlier one also starts inside the one just before.
    after_previous = (pl.col(PERSON_COLUMN) == pl.col(PERSON_COLUMN).shift(1)) & (
        pl.col("ingangsdatum") <= pl.col("einddatum").fill_null(OPEN_END).shift(1)
    )
    periods = (
        overlapping(klantbeeld, dates[0], dates[-1], start="ingangsdatum", end="einddatum")
        .select(PERSON_COLUMN, "ingangsdatum", "einddatum", "perspectief", "trede")
        .sort(PERSON_COLUMN, *by_start_then_end("ingangsdatum", "einddatum"), maintain_order=True)
        .with_columns(after_previous.fill_null(False).alias("_overlap"))
        .with_columns(pl.col("_overlap").any().over(PERSON_COLUMN))
        .join(spells.lazy().select(PERSON_COLUMN, "start", "end"), on=PERSON_COLUMN, maintain_order="left")
        .with_columns(
            pl.max_horizontal("ingangsdatum", "start").alias("_van_dag"),
            pl.min_horizontal("einddatum", "end").alias("_tot_dag"),  # empty = both still running
        )
    )
    columns = [PERSON_COLUMN, PEILDATUM, "perspectief", "trede"]
    one = running_on_each(periods.filter(~pl.col("_overlap")), dates, start="_van_dag", end="_tot_dag")
    several = running_on_each(periods.filter(pl.col("_overlap")), dates, start="_van_dag", end="_tot_dag")
    state = pl.concat(
        [one.select(columns), several.group_by(PERSON_COLUMN, PEILDATUM).last().select(columns)]
    )
    before = state.select(
        PERSON_COLUMN,
        pl.col(PEILDATUM).alias("_van"),
        pl.col("perspectief").alias("perspectief_van"),
        pl.col("trede").alias("trede_van"),
    )
    both = (
        state.join(pairs.lazy(), on=PEILDATUM, how="inner")
        .join(before, on=[PERSON_COLUMN, "_van"], how="inner")
        .select(PERSON_COLUMN, PEILDATUM, "perspectief_van", "trede_van", "perspectief", "trede")
    )
    rank_van = pl.col("perspectief_van").replace_strict(RANG, default=None, return_dtype=pl.Int8)
    rank = pl.col("perspectief").replace_strict(RANG, default=None, return_dtype=pl.Int8)
    trede_van = pl.col("trede_van")
    return both.with_columns(
        rank_van.is_in([RANG["meedoen"], RANG["werken_aan"]]).fill_null(False).alias("kan_stijgen"),
        (rank > rank_van).fill_null(False).alias("stap_omhoog"),
        (trede_van <= HOOGSTE_TREDE_MET_RUIMTE).fill_null(False).alias("trede_kan_stijgen"),
        (pl.col("trede") > trede_van).fill_null(False).alias("trede_stijging"),
    )


AGGS = [
    pl.col("kan_stijgen").sum().alias("kan_stijgen"),
    (pl.col("kan_stijgen") & pl.col("stap_omhoog")).sum().alias("stap_omhoog"),
    pl.col("trede_kan_stijgen").sum().alias("trede_kan_stijgen"),
    (pl.col("trede_kan_stijgen") & pl.col("trede_stijging")).sum().alias("trede_stijging"),
]


def _check(ctx: Context, b: dt.date) -> None:
    """Both ends of the year must lie in the delivery."""
    ctx.check_peildatum(b)
    ctx.check_peildatum(minus_years(b, 1))


def transition_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """`perspectief_stap_omhoog_pct` and `trede_stijging_pct` for every peildatum."""

    def compute(dates: list[dt.date]) -> list[pl.DataFrame]:
        klantbeeld = ctx.table("klantbeeld")
        # collected once: the aggregation per municipality and for the whole reads it twice
        people = with_gemeente(transitions_each(ctx.spells, klantbeeld, dates), ctx.persons).collect()
        agg = by_gemeente(people, AGGS, ctx.gemeenten, dates)
        return pct_rows(
            agg,
            {
                "perspectief_stap_omhoog_pct": ("stap_omhoog", "kan_stijgen"),
                "trede_stijging_pct": ("trede_stijging", "trede_kan_stijgen"),
            },
        )

    return per_peildatum(list(FAMILY_KPIS), ctx.gemeenten, peildata, lambda b: _check(ctx, b), compute)


def transition_matrix(ctx: Context, b: dt.date) -> pl.DataFrame:
    """`overgangen.csv`: counts from/to per perspective and per trede, per municipality and `totaal`.

    Every cell of the matrix gets a row (0 when empty), so a reader sees the whole table; a trede
    that is not filled in is `onbekend`.
    """
    _check(ctx, b)
    lazy = with_gemeente(transitions_per_person(ctx.spells, ctx.table("klantbeeld"), b), ctx.persons)
    people = lazy.select(
        GEMEENTE,
        pl.col("perspectief_van").alias("p_van"),
        pl.col("perspectief").alias("p_naar"),
        pl.col("trede_van").cast(pl.String).fill_null("onbekend").alias("t_van"),
        pl.col("trede").cast(pl.String).fill_null("onbekend").alias("t_naar"),
    ).collect()
    codes = [TOTAAL, *ctx.gemeenten]
    treden = [str(t) for t in range(1, 7)] + ["onbekend"]
    parts = []
    for soort, (van, naar), values in (
        ("perspectief", ("p_van", "p_naar"), list(RANG)),
        ("trede", ("t_van", "t_naar"), treden),
    ):
        grid = pl.DataFrame(
            [(g, v, n) for g in codes for v in values for n in values],
            schema={GEMEENTE: pl.String(), "van": pl.String(), "naar": pl.String()},
            orient="row",
        )
        pairs = people.select(GEMEENTE, pl.col(van).alias("van"), pl.col(naar).alias("naar"))
        counted = pl.concat(
            [
                pairs.group_by(GEMEENTE, "van", "naar").len(),
                pairs.group_by("van", "naar").len().with_columns(pl.lit(TOTAAL).alias(GEMEENTE)),
            ],
            how="diagonal",
        )
        parts.append(
            grid.join(counted, on=[GEMEENTE, "van", "naar"], how="left").with_columns(
                pl.lit(soort).alias("soort"), pl.col("len").fill_null(0).alias("aantal")
            )
        )
    out = pl.concat(parts, how="diagonal").with_columns(
        pl.lit(minus_years(b, 1)).alias("peildatum_van"), pl.lit(b).alias("peildatum")
    )
    return out.select([pl.col(c).cast(t) for c, t in OVERGANGEN_SCHEMA.items()])


FAMILY = registry.register(
    registry.Family(
        id="overgangen",
        label="Overgangen tussen perspectieven en treden",
        order=120,
        series=transition_series,
        notebook="32_overgangen",
        kpis=(
            registry.kpi(
                "perspectief_stap_omhoog_pct",
                "Een perspectief hoger dan een jaar eerder",
                "pct",
                "aandeel",
                "overgangen",
            ),
            registry.kpi(
                "trede_stijging_pct",
                "Een trede hoger op de participatieladder dan een jaar eerder",
                "pct",
                "aandeel",
                "overgangen",
            ),
        ),
    )
)
