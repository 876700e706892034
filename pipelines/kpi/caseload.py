"""Case load per klantmanager fte, referrals to care and debt help, tegenprestatie.

Staff have no municipality, so the case-load figures are computed for the organisation only (`totaal`);
the municipality rows of those KPIs are present with an empty value and say so. The norm is "onder de
50": a klantmanager at exactly 50 is not below it. The case load counts persons (both partners of a
couple) and dossiers (a couple is one case: one `registratienummer`); `caseload_eenheid` says which one
the norm checks.
Definitions: docs/definities.md.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from pipelines.kpi import registry
from pipelines.kpi.base import (
    ALLEEN_TOTAAL,
    TOTAAL,
    Context,
    by_gemeente,
    count_rows,
    guarded,
    rows,
    unavailable_rows,
    with_gemeente,
)
from pipelines.kpi.bestand import current_periods
from pipelines.kpi.lks import provisions_on
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import running_on

CASELOAD = ["caseload_per_fte", "caseload_dossiers_per_fte", "caseload_boven_norm_n"]
REFERRALS = ["doorverwijzingen_zorg_n"]
TEGENPRESTATIE = ["tegenprestatie_n", "tegenprestatie_breed_n"]
ZORG = ("schuldhulpverlening", "ggz", "verslavingszorg", "maatschappelijk_werk")
MEEDOEN = ("tegenprestatie", "vrijwilligerswerk")
#: The plan's 307 "werken parttime, volgen een traject/ opleiding of doen vrijwilligerswerk": the
#: trajectories and training among the provisions (besides tegenprestatie and volunteering).
TRAJECT_OPLEIDING = (
    "work_first",
    "training",
    "leerwerktraject",
    "werkervaringsplaats",
    "proefplaatsing",
    "participatieplaats",
)
ARBEID = "11"


def caseload_per_klantmanager(
    spells: pl.LazyFrame | pl.DataFrame,
    personen: pl.LazyFrame | pl.DataFrame,
    medewerkers: pl.LazyFrame | pl.DataFrame,
    b: dt.date,
    uitkeringen: pl.LazyFrame | pl.DataFrame | None = None,
    regelingen=("01", "02", "03"),
) -> pl.DataFrame:
    """Every `klantmanager` row with `fte`, own stock persons on `b` (`klanten`), own dossiers (`dossiers`:
    distinct `registratienummer` of their clients' current benefit period; without `uitkeringen` each
    person is a dossier) and both per fte.
    """
    stock = running_on(spells, b).select(PERSON_COLUMN).unique()
    if uitkeringen is not None:
        dossier = current_periods(uitkeringen, regelingen, b).select(PERSON_COLUMN, "registratienummer")
        stock = stock.join(dossier, on=PERSON_COLUMN, how="left")
    else:
        stock = stock.with_columns(pl.col(PERSON_COLUMN).alias("registratienummer"))
    own = (
        stock.join(personen.lazy().select(PERSON_COLUMN, "klantmanager"), on=PERSON_COLUMN, how="inner")
        .with_columns(pl.coalesce("registratienummer", PERSON_COLUMN).alias("_dossier"))
        .group_by("klantmanager")
        .agg(pl.len().alias("klanten"), pl.col("_dossier").n_unique().alias("dossiers"))
    )
    return (
        medewerkers.lazy()
        .filter(pl.col("functie") == "klantmanager")
        .select("medewerker", "fte")
        .join(own, left_on="medewerker", right_on="klantmanager", how="left")
        .with_columns(pl.col("klanten", "dossiers").fill_null(0).cast(pl.Int64))
        .with_columns(
            (pl.col("klanten").cast(pl.Float64) / pl.col("fte")).alias("klanten_per_fte"),
            (pl.col("dossiers").cast(pl.Float64) / pl.col("fte")).alias("dossiers_per_fte"),
        )
        .sort("medewerker")
        .collect()
    )


def caseload_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    ctx.check_peildatum(b)
    medewerkers = ctx.table("medewerkers")
    per = caseload_per_klantmanager(
        ctx.spells,
        ctx.data.get("personen"),
        medewerkers,
        b,
        ctx.data.get("uitkeringen"),
        ctx.config.regelingen,
    )
    unit = "dossiers_per_fte" if ctx.config.caseload_eenheid == "dossiers" else "klanten_per_fte"
    total = pl.DataFrame(
        {
            "gemeentecode": [TOTAAL],
            "klanten": [float(per.get_column("klanten").sum())],
            "dossiers": [float(per.get_column("dossiers").sum())],
            "fte": [math.fsum(per.get_column("fte").to_list())],
            # "onder de 50": at the norm is not below it
            "boven": [float((per.get_column(unit) >= ctx.config.caseload_norm).sum())],
        }
    )
    no_fte = "niet beschikbaar: geen klantmanagers in medewerkers (fte 0)"
    out = [
        rows(
            total,
            "caseload_per_fte",
            pl.col("klanten") / pl.col("fte"),
            pl.col("klanten"),
            pl.col("fte"),
            empty_when=pl.col("fte") <= 0,
            empty_reason=no_fte,
        ),
        rows(
            total,
            "caseload_dossiers_per_fte",
            pl.col("dossiers") / pl.col("fte"),
            pl.col("dossiers"),
            pl.col("fte"),
            empty_when=pl.col("fte") <= 0,
            empty_reason=no_fte,
        ),
        rows(total, "caseload_boven_norm_n", pl.col("boven")),
    ]
    per_gemeente = unavailable_rows(CASELOAD, ctx.gemeenten, ALLEEN_TOTAAL)
    out.append(per_gemeente.filter(pl.col("gemeentecode") != TOTAAL))
    return out


def referrals_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    voorzieningen = ctx.table("voorzieningen")
    s, b = ctx.check_window(b)
    referrals = voorzieningen.lazy().filter(
        pl.col("soort").is_in(ZORG) & (pl.col("begindatum") >= s) & (pl.col("begindatum") <= b)
    )
    agg = by_gemeente(with_gemeente(referrals, ctx.persons), [pl.len().alias("zorg")], ctx.gemeenten)
    return count_rows(agg, {"doorverwijzingen_zorg_n": "zorg"})


def taking_part_on(
    spells: pl.DataFrame, voorzieningen: pl.DataFrame, inkomsten: pl.DataFrame | None, b: dt.date
) -> pl.LazyFrame:
    """Stock persons on `b` with `tegenprestatie` (a running tegenprestatie or volunteering provision) and
    `breed` (the plan's reading: that, or a running trajectory/training, or income from work in the month
    of `b`). Without `inkomsten` part-time work cannot count (the definitions page says so).
    """
    narrow = provisions_on(voorzieningen, b, MEEDOEN).select(PERSON_COLUMN).unique().collect()
    trajectory = provisions_on(voorzieningen, b, TRAJECT_OPLEIDING).select(PERSON_COLUMN).unique().collect()
    ids = [narrow.get_column(PERSON_COLUMN), trajectory.get_column(PERSON_COLUMN)]
    if inkomsten is not None:
        month = dt.date(b.year, b.month, 1)
        working = inkomsten.filter((pl.col("soort_inkomsten") == ARBEID) & (pl.col("maand") == month))
        ids.append(working.get_column(PERSON_COLUMN))
    broad = pl.concat(ids).unique().implode()
    return (
        running_on(spells, b)
        .select(PERSON_COLUMN, "gemeentecode")
        .unique(subset=PERSON_COLUMN)
        .with_columns(
            pl.col(PERSON_COLUMN).is_in(narrow.get_column(PERSON_COLUMN).implode()).alias("tegenprestatie"),
            pl.col(PERSON_COLUMN).is_in(broad).alias("breed"),
        )
    )


def tegenprestatie_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    voorzieningen = ctx.table("voorzieningen")
    ctx.check_peildatum(b)
    people = taking_part_on(ctx.spells, voorzieningen, ctx.data.tables.get("inkomsten"), b)
    agg = by_gemeente(
        people,
        [pl.col("tegenprestatie").sum().alias("tp"), pl.col("breed").sum().alias("breed")],
        ctx.gemeenten,
    )
    return count_rows(agg, {"tegenprestatie_n": "tp", "tegenprestatie_breed_n": "breed"})


def family_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    """The three parts are guarded separately: without medewerkers the referrals are still computed."""
    return [
        guarded(CASELOAD, ctx.gemeenten, lambda: caseload_rows(ctx, b)),
        guarded(REFERRALS, ctx.gemeenten, lambda: referrals_rows(ctx, b)),
        guarded(TEGENPRESTATIE, ctx.gemeenten, lambda: tegenprestatie_rows(ctx, b)),
    ]


def norm_rules(config) -> list[registry.NormRule]:
    """Case load per fte (in the configured unit) below the norm, nobody at or above it; referrals a year."""
    kpi = "caseload_dossiers_per_fte" if config.caseload_eenheid == "dossiers" else "caseload_per_fte"
    return [
        registry.NormRule(kpi, "<", float(config.caseload_norm)),
        registry.NormRule("caseload_boven_norm_n", "<=", 0),
        registry.NormRule(
            "doorverwijzingen_zorg_n", ">=", float(config.doorverwijzingen_norm), alleen_totaal=True
        ),
    ]


FAMILY = registry.register(
    registry.Family(
        id="caseload",
        label="Caseload en doorverwijzingen",
        order=60,
        rows=family_rows,
        notebook="15_caseload",
        norms=norm_rules,
        guards_itself=True,
        kpis=(
            registry.kpi(
                "caseload_per_fte",
                "Klanten per fte klantmanager",
                "ratio",
                "verhouding",
                "caseload",
                "onder de 50 klanten per fte",
                alleen_totaal=True,
            ),
            registry.kpi(
                "caseload_dossiers_per_fte",
                "Dossiers per fte klantmanager (een paar is één dossier)",
                "ratio",
                "verhouding",
                "caseload",
                "onder de 50 per fte",
                alleen_totaal=True,
            ),
            registry.kpi(
                "caseload_boven_norm_n",
                "Klantmanagers op of boven de caseloadnorm",
                "n",
                "aantal",
                "caseload",
                "iedere klantmanager onder de 50 per fte",
                alleen_totaal=True,
            ),
            registry.kpi(
                "doorverwijzingen_zorg_n",
                "Doorverwijzingen naar zorg en schuldhulp",
                "n",
                "aantal",
                "caseload",
                "50 doorverwijzingen per jaar",
            ),
            registry.kpi(
                "tegenprestatie_n",
                "Klanten met tegenprestatie of vrijwilligerswerk",
                "n",
                "aantal",
                "caseload",
            ),
            registry.kpi(
                "tegenprestatie_breed_n",
                "Klanten die parttime werken, een traject of opleiding volgen of vrijwilligerswerk doen",
                "n",
                "aantal",
                "caseload",
            ),
        ),
    )
)
