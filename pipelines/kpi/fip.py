"""FIP frequency: frequent, intensive and personal conversations with clients far from work.

The plan (section 7.3): with "inwoners met een grote(re) afstand tot de arbeidsmarkt (perspectieven
'werken aan' en 'meedoen')" FIP conversations are held, four a year, structured by six life domains.
The perspectives are `fip_perspectieven` (default both). Exposure is the number of days of the window
inside the person's periods in those perspectives (klantbeeld periods of one person do not overlap: a
validation rule); the population is everyone with at least `fip_min_blootstelling_dagen` (91) days.
A conversation is a **day**: several FIP records of one person on one date are one conversation (their
life domains and follow-up agreements taken together).
`nodig = round_half_up(norm x exposure / 365.25)` in exact integer arithmetic. Definitions:
docs/definities.md.
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
    count_rows,
    exact_means,
    pct_rows,
    per_peildatum,
    rows,
    with_gemeente,
)
from pipelines.periods import window
from pipelines.schema import LEEFGEBIEDEN, PERSON_COLUMN
from pipelines.spells import days_inside, overlapping_each, window_start

KPIS = [
    "fip_populatie_n",
    "fip_per_jaar_gem",
    "fip_per_jaar_mediaan",
    "fip_norm_pct",
    "fip_geen_n",
    "fip_leefgebieden_volledig_pct",
    "fip_vervolgafspraak_pct",
]
#: Days per year in the FIP formulas (the mean Julian year, as the spec states).
DAYS_PER_YEAR = 365.25
#: The plan's FIP perspectives (the default of `fip_perspectieven`).
FIP_PERSPECTIEVEN = ("werken_aan", "meedoen")


def fip_periods_each(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    windows: list[tuple[dt.date, dt.date]],
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """Periods in the FIP perspectives clipped to each window `s..b` (`van`, `tot`, `dagen`, `peildatum` b),
    only those inside it.
    """
    windows = sorted(set(windows), key=lambda w: w[1])
    b = pl.col(PEILDATUM)
    return (
        overlapping_each(
            klantbeeld.lazy().filter(pl.col("perspectief").is_in(list(perspectieven))),
            windows,
            "ingangsdatum",
            "einddatum",
        )
        .with_columns(window_start(windows).alias("_s"))
        .with_columns(days_inside(pl.col("_s"), b, "ingangsdatum", "einddatum").alias("dagen"))
        .filter(pl.col("dagen") > 0)
        .select(
            PERSON_COLUMN,
            pl.max_horizontal(pl.col("ingangsdatum"), pl.col("_s")).alias("van"),
            pl.min_horizontal(pl.col("einddatum").fill_null(b), b).alias("tot"),
            "dagen",
            PEILDATUM,
        )
    )


def fip_contacts_each(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    contactmomenten: pl.LazyFrame | pl.DataFrame,
    windows: list[tuple[dt.date, dt.date]],
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """FIP conversations (one per person and day) inside the person's FIP periods, a row per window they fall
    in (`peildatum`: its end): `persoon, datum, registraties, leefgebieden` (the day's domains together),
    `vervolgafspraak` (on any record of the day), `leefgebieden_volledig`; by person, day and window.

    A record inside a window lies inside the person's period clipped to that window exactly when it lies
    inside the period, so a day is the same in every window: the days are formed once, then dated.
    """
    periods = (
        klantbeeld.lazy()
        .filter(pl.col("perspectief").is_in(list(perspectieven)))
        .select(PERSON_COLUMN, "ingangsdatum", "einddatum")
    )
    first, last = min(s for s, _ in windows), max(b for _, b in windows)
    fip = (
        contactmomenten.lazy()
        .filter((pl.col("soort") == "fip") & (pl.col("datum") >= first) & (pl.col("datum") <= last))
        .select(PERSON_COLUMN, "contact_id", "datum", "leefgebieden", "vervolgafspraak")
    )
    inside = (
        fip.select(PERSON_COLUMN, "contact_id", "datum")
        .join(periods, on=PERSON_COLUMN, how="inner")
        .filter(
            (pl.col("datum") >= pl.col("ingangsdatum"))
            & (pl.col("einddatum").is_null() | (pl.col("datum") <= pl.col("einddatum")))
        )
        .select("contact_id")
    )
    # a record once, however many periods of the person it lies in (`contact_id` is unique)
    records = fip.join(inside, on="contact_id", how="semi")
    # the day covers every domain when its records together do: one bit per domain, or-ed over the day
    # (the KPIs need only that; the list of the day's domains is for the report and left out when dropped)
    domains = [
        pl.col("leefgebieden").list.contains(g).fill_null(False).cast(pl.UInt16) * (1 << i)
        for i, g in enumerate(LEEFGEBIEDEN)
    ]
    days = (
        records.with_columns(pl.sum_horizontal(domains).alias("_domeinen"))
        .group_by(PERSON_COLUMN, "datum")
        .agg(
            pl.len().alias("registraties"),
            pl.col("leefgebieden")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .unique()
            .sort()
            .alias("leefgebieden"),
            pl.col("vervolgafspraak").fill_null(False).any().alias("vervolgafspraak"),
            (pl.col("_domeinen").bitwise_or() == (1 << len(LEEFGEBIEDEN)) - 1).alias("leefgebieden_volledig"),
        )
    )
    return overlapping_each(days.sort(PERSON_COLUMN, "datum"), windows, "datum", "datum")


def fip_contacts(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    contactmomenten: pl.LazyFrame | pl.DataFrame,
    s: dt.date,
    b: dt.date,
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """`fip_contacts_each` for the window `s..b` alone."""
    return fip_contacts_each(klantbeeld, contactmomenten, [(s, b)], perspectieven).drop(PEILDATUM)


def fip_per_person_each(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    contactmomenten: pl.LazyFrame | pl.DataFrame,
    windows: list[tuple[dt.date, dt.date]],
    norm_per_jaar: int = 4,
    min_dagen: int = 91,
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """The FIP population of each window (`peildatum`: its end): `persoon, peildatum, blootstelling, fip,
    volledig, vervolg, nodig, fip_per_jaar, norm_gehaald` (`fip`: days; `volledig`, `vervolg`: those of
    them covering all life domains, with a follow-up agreement).
    """
    periods = fip_periods_each(klantbeeld, windows, perspectieven)
    contacts = fip_contacts_each(klantbeeld, contactmomenten, windows, perspectieven)
    return _per_person(periods, contacts, norm_per_jaar, min_dagen)


def fip_per_person(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    contactmomenten: pl.LazyFrame | pl.DataFrame,
    s: dt.date,
    b: dt.date,
    norm_per_jaar: int = 4,
    min_dagen: int = 91,
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """The FIP population of the window `s..b`, by person (`fip_per_person_each` for one window)."""
    return (
        fip_per_person_each(klantbeeld, contactmomenten, [(s, b)], norm_per_jaar, min_dagen, perspectieven)
        .drop(PEILDATUM)
        .sort(PERSON_COLUMN)
    )


def _per_person(
    periods: pl.LazyFrame, contacts: pl.LazyFrame, norm_per_jaar: int, min_dagen: int
) -> pl.LazyFrame:
    keys = [PERSON_COLUMN, PEILDATUM]
    exposure = periods.group_by(keys).agg(pl.col("dagen").sum().alias("blootstelling"))
    population = exposure.filter(pl.col("blootstelling") >= min_dagen)
    counts = contacts.group_by(keys).agg(
        pl.len().alias("fip"),
        pl.col("leefgebieden_volledig").sum().alias("volledig"),
        pl.col("vervolgafspraak").sum().alias("vervolg"),
    )
    # nodig = round_half_up(norm * exposure / 365.25) = round_half_up(4 * norm * exposure / 1461), exactly.
    ratio_num = 4 * norm_per_jaar * pl.col("blootstelling")
    return (
        population.join(counts, on=keys, how="left")
        .with_columns(pl.col("fip", "volledig", "vervolg").fill_null(0).cast(pl.Int64))
        .with_columns(
            ((2 * ratio_num + 1461) // (2 * 1461)).cast(pl.Int64).alias("nodig"),
            (pl.col("fip").cast(pl.Float64) * DAYS_PER_YEAR / pl.col("blootstelling").cast(pl.Float64)).alias(
                "fip_per_jaar"
            ),
        )
        .with_columns((pl.col("fip") >= pl.col("nodig")).alias("norm_gehaald"))
        .select(PERSON_COLUMN, PEILDATUM, pl.exclude(PERSON_COLUMN, PEILDATUM))
    )


def fip_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """Every FIP KPI for each peildatum whose window is covered, all windows in one pass."""
    # a missing table makes every date unavailable, whatever its window
    klantbeeld, contactmomenten = ctx.table("klantbeeld"), ctx.table("contactmomenten")
    return per_peildatum(
        KPIS,
        ctx.gemeenten,
        peildata,
        ctx.check_window,
        lambda dates: _fip_rows(ctx, klantbeeld, contactmomenten, dates),
    )


def _fip_rows(
    ctx: Context, klantbeeld: pl.DataFrame, contactmomenten: pl.DataFrame, dates: list[dt.date]
) -> list[pl.DataFrame]:
    cfg = ctx.config
    windows = [window(b) for b in dates]
    periods = fip_periods_each(klantbeeld, windows, cfg.fip_perspectieven).collect().lazy()
    counted = (
        fip_contacts_each(klantbeeld, contactmomenten, windows, cfg.fip_perspectieven)
        .drop("leefgebieden")
        .collect()
        .lazy()
    )
    persons = with_gemeente(
        _per_person(periods, counted, cfg.fip_norm_per_jaar, cfg.fip_min_blootstelling_dagen), ctx.persons
    ).collect()
    agg = by_gemeente(
        persons,
        [
            pl.len().alias("populatie"),
            pl.col("fip_per_jaar").median().alias("mediaan"),
            pl.col("norm_gehaald").sum().alias("norm"),
            (pl.col("fip") == 0).sum().alias("geen"),
        ],
        ctx.gemeenten,
        dates,
    ).join(
        exact_means(persons, "fip_per_jaar", ctx.gemeenten, "gem", dates),
        on=[PEILDATUM, GEMEENTE],
        how="left",
    )
    agg_c = by_gemeente(
        persons,
        [
            pl.col("fip").sum().alias("gesprekken"),
            pl.col("volledig").sum().alias("volledig"),
            pl.col("vervolg").sum().alias("vervolg"),
        ],
        ctx.gemeenten,
        dates,
    )
    empty = pl.col("populatie") == 0
    out = count_rows(agg, {"fip_populatie_n": "populatie", "fip_geen_n": "geen"})
    out.append(rows(agg, "fip_per_jaar_gem", pl.col("gem"), noemer=pl.col("populatie"), empty_when=empty))
    out.append(
        rows(agg, "fip_per_jaar_mediaan", pl.col("mediaan"), noemer=pl.col("populatie"), empty_when=empty)
    )
    out += pct_rows(agg, {"fip_norm_pct": ("norm", "populatie")})
    out += pct_rows(
        agg_c,
        {
            "fip_leefgebieden_volledig_pct": ("volledig", "gesprekken"),
            "fip_vervolgafspraak_pct": ("vervolg", "gesprekken"),
        },
    )
    return out


def norm_rules(config) -> list[registry.NormRule]:
    """The configured number of FIP conversations a year, for the mean and the median."""
    limit = float(config.fip_norm_per_jaar)
    return [
        registry.NormRule("fip_per_jaar_gem", ">=", limit),
        registry.NormRule("fip_per_jaar_mediaan", ">=", limit),
    ]


FAMILY = registry.register(
    registry.Family(
        id="fip",
        label="FIP-gesprekken",
        order=50,
        series=fip_series,
        notebook="14_fip",
        norms=norm_rules,
        kpis=(
            registry.kpi(
                "fip_populatie_n",
                "FIP-populatie: klanten in de FIP-perspectieven met voldoende blootstelling",
                "n",
                "aantal",
                "fip",
            ),
            registry.kpi(
                "fip_per_jaar_gem",
                "FIP-gesprekken per jaar (gemiddelde)",
                "ratio",
                "gemiddelde",
                "fip",
                "4 FIP-gesprekken per jaar",
            ),
            registry.kpi(
                "fip_per_jaar_mediaan",
                "FIP-gesprekken per jaar (mediaan)",
                "ratio",
                "gemiddelde",
                "fip",
                "4 FIP-gesprekken per jaar",
            ),
            registry.kpi(
                "fip_norm_pct",
                "Klanten die de FIP-norm halen",
                "pct",
                "aandeel",
                "fip",
                "4 FIP-gesprekken per jaar",
            ),
            registry.kpi("fip_geen_n", "Klanten zonder FIP-gesprek", "n", "aantal", "fip"),
            registry.kpi(
                "fip_leefgebieden_volledig_pct",
                "FIP-gesprekken (dagen) over alle zes leefgebieden",
                "pct",
                "aandeel",
                "fip",
            ),
            registry.kpi(
                "fip_vervolgafspraak_pct",
                "FIP-gesprekken (dagen) met vervolgafspraak",
                "pct",
                "aandeel",
                "fip",
            ),
        ),
    )
)
