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
    Context,
    by_gemeente,
    count_rows,
    exact_means,
    pct_rows,
    rows,
    with_gemeente,
)
from pipelines.schema import LEEFGEBIEDEN, PERSON_COLUMN
from pipelines.spells import days_inside

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


def fip_periods(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    s: dt.date,
    b: dt.date,
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """Periods in the FIP perspectives clipped to the window (`van`, `tot`, `dagen`), only those inside it."""
    return (
        klantbeeld.lazy()
        .filter(pl.col("perspectief").is_in(list(perspectieven)))
        .with_columns(days_inside(s, b, "ingangsdatum", "einddatum").alias("dagen"))
        .filter(pl.col("dagen") > 0)
        .select(
            PERSON_COLUMN,
            pl.max_horizontal(pl.col("ingangsdatum"), pl.lit(s)).alias("van"),
            pl.min_horizontal(pl.col("einddatum").fill_null(b), pl.lit(b)).alias("tot"),
            "dagen",
        )
    )


def fip_contacts(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    contactmomenten: pl.LazyFrame | pl.DataFrame,
    s: dt.date,
    b: dt.date,
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """FIP conversations (one per person and day) inside the person's FIP periods and the window."""
    return _contacts(fip_periods(klantbeeld, s, b, perspectieven), contactmomenten, s, b)


def _contacts(
    periods: pl.LazyFrame, contactmomenten: pl.LazyFrame | pl.DataFrame, s: dt.date, b: dt.date
) -> pl.LazyFrame:
    """`persoon, datum, registraties, leefgebieden` (the day's domains together), `leefgebieden_volledig`,
    `vervolgafspraak` (on any record of the day).
    """
    records = (
        contactmomenten.lazy()
        .filter((pl.col("soort") == "fip") & (pl.col("datum") >= s) & (pl.col("datum") <= b))
        .join(periods.select(PERSON_COLUMN, "van", "tot"), on=PERSON_COLUMN, how="inner")
        .filter((pl.col("datum") >= pl.col("van")) & (pl.col("datum") <= pl.col("tot")))
        .select(PERSON_COLUMN, "contact_id", "datum", "leefgebieden", "vervolgafspraak")
        .unique(subset=["contact_id"])
    )
    days = records.group_by(PERSON_COLUMN, "datum").agg(
        pl.len().alias("registraties"),
        pl.col("leefgebieden")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique()
        .sort()
        .alias("leefgebieden"),
        pl.col("vervolgafspraak").fill_null(False).any().alias("vervolgafspraak"),
    )
    has_all = pl.all_horizontal([pl.col("leefgebieden").list.contains(g) for g in LEEFGEBIEDEN])
    return days.with_columns(has_all.fill_null(False).alias("leefgebieden_volledig")).sort(
        PERSON_COLUMN, "datum"
    )


def fip_per_person(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    contactmomenten: pl.LazyFrame | pl.DataFrame,
    s: dt.date,
    b: dt.date,
    norm_per_jaar: int = 4,
    min_dagen: int = 91,
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """The FIP population: `persoon, blootstelling, fip, nodig, norm_gehaald, fip_per_jaar` (`fip`: days)."""
    periods = fip_periods(klantbeeld, s, b, perspectieven)
    return _per_person(periods, _contacts(periods, contactmomenten, s, b), norm_per_jaar, min_dagen)


def _per_person(
    periods: pl.LazyFrame, contacts: pl.LazyFrame, norm_per_jaar: int, min_dagen: int
) -> pl.LazyFrame:
    exposure = periods.group_by(PERSON_COLUMN).agg(pl.col("dagen").sum().alias("blootstelling"))
    population = exposure.filter(pl.col("blootstelling") >= min_dagen)
    counts = contacts.group_by(PERSON_COLUMN).agg(pl.len().alias("fip"))
    # nodig = round_half_up(norm * exposure / 365.25) = round_half_up(4 * norm * exposure / 1461), exactly.
    ratio_num = 4 * norm_per_jaar * pl.col("blootstelling")
    return (
        population.join(counts, on=PERSON_COLUMN, how="left")
        .with_columns(pl.col("fip").fill_null(0).cast(pl.Int64))
        .with_columns(
            ((2 * ratio_num + 1461) // (2 * 1461)).cast(pl.Int64).alias("nodig"),
            (pl.col("fip").cast(pl.Float64) * DAYS_PER_YEAR / pl.col("blootstelling").cast(pl.Float64)).alias(
                "fip_per_jaar"
            ),
        )
        .with_columns((pl.col("fip") >= pl.col("nodig")).alias("norm_gehaald"))
        .sort(PERSON_COLUMN)
    )


def fip_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    # the periods in the FIP perspectives and the FIP contacts are the same for every quarter of a series:
    # select them once
    cfg = ctx.config
    table_kb, table_cm = ctx.table("klantbeeld"), ctx.table("contactmomenten")
    klantbeeld = ctx.cached(
        ("fip", "perspectieven", cfg.fip_perspectieven),
        lambda: table_kb.filter(pl.col("perspectief").is_in(list(cfg.fip_perspectieven))),
    )
    contacten = ctx.cached(("fip", "contacten"), lambda: table_cm.filter(pl.col("soort") == "fip"))
    s, b = ctx.check_window(b)
    periods = fip_periods(klantbeeld, s, b, cfg.fip_perspectieven).collect().lazy()
    counted = _contacts(periods, contacten, s, b).collect().lazy()
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
    ).join(exact_means(persons, "fip_per_jaar", ctx.gemeenten, "gem"), on=GEMEENTE, how="left")
    contacts = counted.join(
        persons.lazy().select(PERSON_COLUMN, "gemeentecode"), on=PERSON_COLUMN, how="inner"
    )
    agg_c = by_gemeente(
        contacts,
        [
            pl.len().alias("gesprekken"),
            pl.col("leefgebieden_volledig").sum().alias("volledig"),
            pl.col("vervolgafspraak").sum().alias("vervolg"),
        ],
        ctx.gemeenten,
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
        rows=fip_rows,
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
