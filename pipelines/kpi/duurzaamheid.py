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
    Context,
    Unavailable,
    by_gemeente,
    concat_rows,
    exact_means,
    pct_rows,
    rows,
    unavailable_rows,
)
from pipelines.kpi.uitstroom import WERK, flows_per_spell
from pipelines.schema import PERSON_COLUMN

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


def durability_per_spell(
    spells: pl.LazyFrame | pl.DataFrame, s: dt.date, b: dt.date, returns: pl.DataFrame | None = None
) -> pl.LazyFrame:
    """The spells ending in the window `s..b`, flagged for the durability and re-entry populations.

    `returns`: `with_return(spells)` computed beforehand (a series shares it across its quarters).
    """
    reason = pl.col("reden_beeindiging")
    return (
        (returns.lazy() if returns is not None else with_return(spells))
        .filter(pl.col("end").is_not_null() & (pl.col("end") >= s) & (pl.col("end") <= b))
        .with_columns(
            reason.is_in(WERK).fill_null(False).alias("werk"),
            (~reason.is_in(AOW_OVERLIJDEN)).fill_null(False).alias("kan_terugkeren"),
        )
    )


DURABILITY_AGGS = [
    pl.col("werk").sum().alias("werk"),
    (pl.col("werk") & ~pl.col("terugkeer")).sum().alias("werk_duurzaam"),
    pl.col("kan_terugkeren").sum().alias("kan_terugkeren"),
    (pl.col("kan_terugkeren") & pl.col("terugkeer")).sum().alias("terugkeer"),
]


def durability_counts(
    spells: pl.LazyFrame | pl.DataFrame,
    s: dt.date,
    b: dt.date,
    gemeenten: list[str],
    returns: pl.DataFrame | None = None,
) -> pl.DataFrame:
    return by_gemeente(durability_per_spell(spells, s, b, returns), DURABILITY_AGGS, gemeenten)


def durability_rows(agg: pl.DataFrame) -> list[pl.DataFrame]:
    return pct_rows(
        agg,
        {
            "uitstroom_werk_duurzaam_pct": ("werk_duurzaam", "werk"),
            "herinstroom_12m_pct": ("terugkeer", "kan_terugkeren"),
        },
    )


def duration_class(b: dt.date) -> pl.Expr:
    """The duration class of a spell on `min(end, b)`: days since `start` (the start is day 0)."""
    last = pl.min_horizontal(pl.col("end").fill_null(b), pl.lit(b))
    days = (last - pl.col("start")).dt.total_days()
    expr = pl.lit(None, pl.String)
    for key, (low, high) in DUURKLASSEN.items():
        inside = days >= low if high is None else (days >= low) & (days <= high)
        expr = pl.when(inside).then(pl.lit(key)).otherwise(expr)
    return expr.alias("duurklasse")


def duration_counts(
    spells: pl.LazyFrame | pl.DataFrame, s: dt.date, b: dt.date, gemeenten: list[str]
) -> pl.DataFrame:
    """Per duration class: D (begin stock + inflow) and the work outflows among them."""
    flows = flows_per_spell(spells, s, b).with_columns(duration_class(b))
    aggs = []
    for key in DUURKLASSEN:
        mine = pl.col("duurklasse") == key
        aggs += [
            (mine & (pl.col("beginstand") | pl.col("instroom"))).sum().alias(f"noemer_{key}"),
            (mine & pl.col("uitstroom_werk")).sum().alias(f"werk_{key}"),
        ]
    return by_gemeente(flows, aggs, gemeenten)


def duration_rows(agg: pl.DataFrame) -> list[pl.DataFrame]:
    return pct_rows(agg, {f"uitstroom_werk_pct_duur_{k}": (f"werk_{k}", f"noemer_{k}") for k in DUURKLASSEN})


def earned_person_months(
    spells: pl.LazyFrame | pl.DataFrame, inkomsten: pl.LazyFrame | pl.DataFrame, s: dt.date, b: dt.date
) -> pl.LazyFrame:
    """Person-months of the window with work income (`11`) and an in-scope spell running in that month.

    `bedrag` is the month's total work income of the person (several rows of one month are added up).
    A month counts when a spell runs on at least one of its days inside the window, as for
    `deeltijdwerk_pct`.
    """
    months = (
        inkomsten.lazy()
        .filter(pl.col("soort_inkomsten") == ARBEID)
        .group_by(PERSON_COLUMN, "maand")
        .agg(pl.col("bedrag").cast(pl.Float64).sum())
        .with_columns(
            pl.max_horizontal(pl.col("maand"), pl.lit(s)).alias("_m0"),
            pl.min_horizontal(pl.col("maand").dt.month_end(), pl.lit(b)).alias("_m1"),
        )
        .filter(pl.col("_m0") <= pl.col("_m1"))
    )
    # One person's merged spells do not overlap, so the spell that started last on or before the end of
    # the month part is the only one that can run in it: an as-of join instead of months x spells.
    running = spells.lazy().select(PERSON_COLUMN, "start", "end").sort("start")
    return (
        months.sort("_m1")
        .join_asof(
            running,
            left_on="_m1",
            right_on="start",
            by=PERSON_COLUMN,
            strategy="backward",
            check_sortedness=False,
        )
        .filter(pl.col("start").is_not_null() & (pl.col("end").is_null() | (pl.col("end") >= pl.col("_m0"))))
        .select(PERSON_COLUMN, "maand", "bedrag")
    )


def is_whole_months(s: dt.date, b: dt.date) -> bool:
    """A window from the first of a month to the last day of a month (every quarter-end window)."""
    return s.day == 1 and (b + dt.timedelta(days=1)).day == 1


def earned_income_rows(
    spells: pl.DataFrame,
    inkomsten: pl.DataFrame,
    persons: pl.DataFrame,
    s,
    b,
    gemeenten,
    all_months: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`inkomsten_werk_gem`: mean monthly work income over the person-months; `noemer` = the persons.

    `all_months`: `earned_person_months` over the whole delivery. For a window of whole months it holds
    the same months (a month inside the window is not clipped), so a series filters it per window.
    """
    if all_months is not None and is_whole_months(s, b):
        earned = all_months.lazy().filter((pl.col("maand") >= s) & (pl.col("maand") <= b))
    else:
        earned = earned_person_months(spells, inkomsten, s, b)
    months = earned.join(persons.lazy(), on=PERSON_COLUMN, how="left").collect()
    means = exact_means(months, "bedrag", gemeenten, "gem")
    agg = by_gemeente(
        months,
        [pl.col(PERSON_COLUMN).n_unique().alias("personen"), pl.len().alias("maanden")],
        gemeenten,
    ).join(means, on=GEMEENTE, how="left")
    return rows(
        agg,
        "inkomsten_werk_gem",
        pl.col("gem"),
        noemer=pl.col("personen"),
        empty_when=pl.col("maanden").fill_null(0) == 0,
    )


def durability_family_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    """Every KPI of this family for peildatum `b`, each part unavailable on its own."""
    spells = ctx.spells
    out: list[pl.DataFrame] = []
    try:
        s1, b1 = ctx.check_follow_up(b)
        returns = ctx.cached(("duurzaamheid", "terugkeer"), lambda: with_return(spells).collect())
        out += durability_rows(
            ctx.cached(
                ("duurzaamheid", s1, b1), lambda: durability_counts(spells, s1, b1, ctx.gemeenten, returns)
            )
        )
    except Unavailable as exc:
        out.append(unavailable_rows(DUURZAAM, ctx.gemeenten, str(exc)))
    try:
        s, e = ctx.check_window(b)
        out += duration_rows(duration_counts(spells, s, e, ctx.gemeenten))
    except Unavailable as exc:
        out.append(unavailable_rows(PER_DUUR, ctx.gemeenten, str(exc)))
    try:
        s, e = ctx.check_window(b)
        inkomsten = ctx.table("inkomsten")
        all_months = ctx.cached(
            ("duurzaamheid", "werkmaanden"),
            lambda: earned_person_months(
                spells, inkomsten, dt.date(1900, 1, 1), dt.date(9999, 12, 31)
            ).collect(),
        )
        out.append(earned_income_rows(spells, inkomsten, ctx.persons, s, e, ctx.gemeenten, all_months))
    except Unavailable as exc:
        out.append(unavailable_rows(INKOMSTEN, ctx.gemeenten, str(exc)))
    return [concat_rows(out)]


FAMILY = registry.register(
    registry.Family(
        id="duurzaamheid",
        label="Duurzaamheid van de uitstroom",
        order=110,
        rows=durability_family_rows,
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
