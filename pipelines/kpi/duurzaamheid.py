"""Is outflow real? Durable outflow to work, re-entry, outflow by duration and earned income.

../shared/spec/research.md ("Durability and re-entry", "Outflow by duration", "Earned income").
A merged spell *is followed by a return* when the same person has a merged in-scope spell starting
in `(end, end + 1 year]` (29 February + 1 year = 28 February). Because spells are merged across
breaks of at most `gap_days`, a return within that gap is no outflow at all. Durability and
re-entry look at the window of `b - 1y`, so a full year of follow-up is known on `b`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    Context,
    by_gemeente,
    concat_rows,
    counts_per_window,
    exact_means,
    pct_rows,
    per_peildatum,
    rows,
)
from pipelines.kpi.uitstroom import WERK, flow_masks, touching
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import OPEN_END, Window, date_position, overlapping_each, range_mask, window_start

#: Reasons after which nobody can return: AOW age (`03`) and death (`04`).
AOW_OVERLIJDEN = ("03", "04")
ARBEID = "11"

DUURZAAM = ["uitstroom_werk_duurzaam_pct", "herinstroom_12m_pct"]
#: Duration classes of `uitstroom_werk_pct`: suffix -> (lowest day, highest day or None), day 0 = start.
DUURKLASSEN: dict[str, tuple[int, int | None]] = {
    "lt1j": (0, 364),
    "1_2j": (365, 729),
    "2_5j": (730, 1825),
    "5plusj": (1826, None),
}
PER_DUUR = [f"uitstroom_werk_pct_duur_{k}" for k in DUURKLASSEN]
INKOMSTEN = ["inkomsten_werk_gem"]


def with_return(spells: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """Every merged spell with `terugkeer`: the person's next spell starts within a year after its end.

    Spells of one person never overlap and follow each other in `spell` order, so the next spell is
    the earliest possible return. Running spells get `terugkeer` False.
    """
    same_person = pl.col(PERSON_COLUMN).shift(-1) == pl.col(PERSON_COLUMN)
    nxt = pl.when(same_person).then(pl.col("start").shift(-1))
    limit = pl.col("end").dt.offset_by("1y")
    return (
        spells.lazy()
        .sort(PERSON_COLUMN, "spell")
        .with_columns(
            (pl.col("end").is_not_null() & nxt.is_not_null() & (nxt > pl.col("end")) & (nxt <= limit))
            .fill_null(False)
            .alias("terugkeer")
        )
    )


def durability_per_spell_each(spells: pl.LazyFrame | pl.DataFrame, windows: list[Window]) -> pl.LazyFrame:
    """The spells ending in each window `s..b` (`peildatum` = b), flagged for the durability and re-entry
    populations.
    """
    reason = pl.col("reden_beeindiging")
    ended = with_return(spells).filter(pl.col("end").is_not_null())
    return overlapping_each(ended, windows, start="end", end="end").with_columns(
        reason.is_in(WERK).fill_null(False).alias("werk"),
        (~reason.is_in(AOW_OVERLIJDEN)).fill_null(False).alias("kan_terugkeren"),
    )


DURABILITY_AGGS = [
    pl.col("werk").sum().alias("werk"),
    (pl.col("werk") & ~pl.col("terugkeer")).sum().alias("werk_duurzaam"),
    pl.col("kan_terugkeren").sum().alias("kan_terugkeren"),
    (pl.col("kan_terugkeren") & pl.col("terugkeer")).sum().alias("terugkeer"),
]


def durability_rows(ctx: Context, dates: list[dt.date]) -> list[pl.DataFrame]:
    """Durable outflow and re-entry on `dates`, each over the window of its date minus one year."""
    follow_up = {b: ctx.check_follow_up(b) for b in dates}
    windows = sorted(set(follow_up.values()), key=lambda w: w[1])
    agg = by_gemeente(
        durability_per_spell_each(ctx.spells, windows),
        DURABILITY_AGGS,
        ctx.gemeenten,
        [b for _, b in windows],
    )
    # two peildata may share a follow-up window (29 February and 28 February one year later)
    on_dates = pl.DataFrame(
        {"_e": [w[1] for w in follow_up.values()], PEILDATUM: list(follow_up)},
        schema={"_e": pl.Date(), PEILDATUM: pl.Date()},
    )
    agg = agg.rename({PEILDATUM: "_e"}).join(on_dates, on="_e", how="inner").drop("_e")
    return pct_rows(
        agg,
        {
            "uitstroom_werk_duurzaam_pct": ("werk_duurzaam", "werk"),
            "herinstroom_12m_pct": ("terugkeer", "kan_terugkeren"),
        },
    )


def duration_class(b: dt.date | pl.Expr) -> pl.Expr:
    """The duration class of a spell on `min(end, b)`: days since `start` (the start is day 0)."""
    last_day = b if isinstance(b, pl.Expr) else pl.lit(b)
    last = pl.min_horizontal(pl.col("end").fill_null(last_day), last_day)
    days = (last - pl.col("start")).dt.total_days()
    expr = pl.lit(None, pl.String)
    for key, (low, high) in DUURKLASSEN.items():
        inside = days >= low if high is None else (days >= low) & (days <= high)
        expr = pl.when(inside).then(pl.lit(key)).otherwise(expr)
    return expr.alias("duurklasse")


def duration_masks(windows: list[Window]) -> dict[str, pl.Expr]:
    """Per duration class the date mask of the (sorted, growing, at most `MASK_DATES`) windows in which a
    spell has that class (`duration_class` on the window's end `b`), on a row per spell.

    Before its end a spell is `b - start` days old on `b`: a class holds the ends `b` from `start + low` to
    `start + high`; from its end on its class is that of its whole length.
    """
    windows = sorted(set(windows), key=lambda w: w[1])
    ends = pl.Series([b for _, b in windows], dtype=pl.Date)
    start = pl.col("start").cast(pl.Int32)
    last = pl.col("end").fill_null(OPEN_END).cast(pl.Int32)
    length = (pl.col("end") - pl.col("start")).dt.total_days()
    ended = (
        pl.when(pl.col("end").is_not_null()).then(date_position(ends, pl.col("end"))).otherwise(len(windows))
    )
    all_after = range_mask(ended, pl.lit(len(windows), pl.UInt32))
    none = pl.lit(0, pl.UInt64)
    masks = {}
    for key, (low, high) in DUURKLASSEN.items():
        up_to = last - 1 if high is None else pl.min_horizontal(start + high, last - 1)
        before_end = range_mask(
            date_position(ends, (start + low).cast(pl.Date)),
            date_position(ends, up_to.cast(pl.Date), "right"),
        )
        whole = (length >= low) if high is None else (length >= low) & (length <= high)
        masks[key] = before_end | pl.when(whole.fill_null(False)).then(all_after).otherwise(none)
    return masks


def duration_flow_masks(windows: list[Window]) -> dict[str, pl.Expr]:
    """Per duration class the D (`noemer_<class>`) and the outflow to work (`werk_<class>`) of a spell as
    date masks of the windows: its flows (`uitstroom.flow_masks`) in the windows where it has that class."""
    flows, classes = flow_masks(windows), duration_masks(windows)
    return {
        name: flows[flow] & classes[key]
        for key in DUURKLASSEN
        for name, flow in ((f"noemer_{key}", "noemer"), (f"werk_{key}", "uitstroom_werk"))
    }


def duration_rows(ctx: Context, dates: list[dt.date]) -> list[pl.DataFrame]:
    """Per duration class on `dates`: D (begin stock + inflow) and the work outflows among them, over the
    window of the date.
    """
    windows = [ctx.check_window(b) for b in dates]
    agg = counts_per_window(touching(ctx.spells, windows), windows, ctx.gemeenten, duration_flow_masks)
    return pct_rows(agg, {f"uitstroom_werk_pct_duur_{k}": (f"werk_{k}", f"noemer_{k}") for k in DUURKLASSEN})


def earned_person_months_each(
    spells: pl.LazyFrame | pl.DataFrame, inkomsten: pl.LazyFrame | pl.DataFrame, windows: list[Window]
) -> pl.LazyFrame:
    """Per window `s..b` (`peildatum` = b) the person-months with work income (`11`) and an in-scope spell
    running in that month.

    `bedrag` is the month's total work income of the person (several rows of one month are added up).
    A month counts when a spell runs on at least one of its days inside the window, as for
    `deeltijdwerk_pct`.
    """
    windows = sorted(set(windows), key=lambda w: w[1])
    months = (
        inkomsten.lazy()
        .filter(pl.col("soort_inkomsten") == ARBEID)
        .group_by(PERSON_COLUMN, "maand")
        .agg(pl.col("bedrag").cast(pl.Float64).sum())
        .with_columns(pl.col("maand").dt.month_end().alias("_me"))
    )
    # the part of each month inside each window it overlaps
    parts = overlapping_each(months, windows, start="maand", end="_me").with_columns(
        pl.max_horizontal(pl.col("maand"), window_start(windows)).alias("_m0"),
        pl.min_horizontal(pl.col("_me"), pl.col(PEILDATUM)).alias("_m1"),
    )
    # One person's merged spells do not overlap, so the spell that started last on or before the end of
    # the month part is the only one that can run in it: an as-of join instead of months x spells.
    running = spells.lazy().select(PERSON_COLUMN, "start", "end").sort("start")
    return (
        parts.sort("_m1")
        .join_asof(
            running,
            left_on="_m1",
            right_on="start",
            by=PERSON_COLUMN,
            strategy="backward",
            check_sortedness=False,
        )
        .filter(pl.col("start").is_not_null() & (pl.col("end").is_null() | (pl.col("end") >= pl.col("_m0"))))
        .select(PERSON_COLUMN, "maand", "bedrag", PEILDATUM)
    )


def earned_income_rows(ctx: Context, dates: list[dt.date]) -> list[pl.DataFrame]:
    """`inkomsten_werk_gem` on `dates`: mean monthly work income over the person-months of the date's
    window; `noemer` = the persons.
    """
    inkomsten = ctx.table("inkomsten")
    windows = [ctx.check_window(b) for b in dates]
    earned = earned_person_months_each(ctx.spells, inkomsten, windows)
    months = earned.join(ctx.persons.lazy(), on=PERSON_COLUMN, how="left").collect()
    means = exact_means(months, "bedrag", ctx.gemeenten, "gem", dates)
    agg = by_gemeente(
        months,
        [pl.col(PERSON_COLUMN).n_unique().alias("personen"), pl.len().alias("maanden")],
        ctx.gemeenten,
        dates,
    ).join(means, on=[PEILDATUM, GEMEENTE], how="left")
    return [
        rows(
            agg,
            "inkomsten_werk_gem",
            pl.col("gem"),
            noemer=pl.col("personen"),
            empty_when=pl.col("maanden").fill_null(0) == 0,
        )
    ]


def durability_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """Every KPI of this family for every peildatum, each part unavailable on its own."""
    g = ctx.gemeenten
    return concat_rows(
        [
            per_peildatum(DUURZAAM, g, peildata, ctx.check_follow_up, lambda d: durability_rows(ctx, d)),
            per_peildatum(PER_DUUR, g, peildata, ctx.check_window, lambda d: duration_rows(ctx, d)),
            per_peildatum(INKOMSTEN, g, peildata, ctx.check_window, lambda d: earned_income_rows(ctx, d)),
        ],
        dated=True,
    )


FAMILY = registry.register(
    registry.Family(
        id="duurzaamheid",
        label="Duurzaamheid van de uitstroom",
        order=110,
        series=durability_series,
        notebook="31_duurzaamheid",
        guards_itself=True,
        kpis=(
            registry.kpi(
                "uitstroom_werk_duurzaam_pct",
                "Duurzame uitstroom naar werk (binnen een jaar niet terug)",
                "pct",
                "aandeel",
                "duurzaamheid",
            ),
            registry.kpi(
                "herinstroom_12m_pct",
                "Herinstroom binnen een jaar na uitstroom",
                "pct",
                "aandeel",
                "duurzaamheid",
            ),
            registry.kpi(
                "uitstroom_werk_pct_duur_lt1j",
                "Uitstroom naar werk, korter dan 1 jaar in de uitkering",
                "pct",
                "aandeel",
                "duurzaamheid",
            ),
            registry.kpi(
                "uitstroom_werk_pct_duur_1_2j",
                "Uitstroom naar werk, 1 tot 2 jaar in de uitkering",
                "pct",
                "aandeel",
                "duurzaamheid",
            ),
            registry.kpi(
                "uitstroom_werk_pct_duur_2_5j",
                "Uitstroom naar werk, 2 tot 5 jaar in de uitkering",
                "pct",
                "aandeel",
                "duurzaamheid",
            ),
            registry.kpi(
                "uitstroom_werk_pct_duur_5plusj",
                "Uitstroom naar werk, 5 jaar of langer in de uitkering",
                "pct",
                "aandeel",
                "duurzaamheid",
            ),
            registry.kpi(
                "inkomsten_werk_gem",
                "Gemiddeld inkomen uit werk naast de uitkering (euro per maand)",
                "eur",
                "gemiddelde",
                "duurzaamheid",
            ),
        ),
    )
)
