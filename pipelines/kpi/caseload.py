"""Case load per klantmanager fte, referrals to care and debt help, tegenprestatie.

docs/definities.md. Staff have no municipality, so the two
case-load figures are computed for the organisation only (`totaal`); the municipality rows of
those KPIs are present with an empty value and say so.
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
from pipelines.kpi.lks import provisions_on
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import running_on

CASELOAD = ["caseload_per_fte", "caseload_boven_norm_n"]
REFERRALS = ["doorverwijzingen_zorg_n"]
TEGENPRESTATIE = ["tegenprestatie_n"]
ZORG = ("schuldhulpverlening", "ggz", "verslavingszorg", "maatschappelijk_werk")
MEEDOEN = ("tegenprestatie", "vrijwilligerswerk")


def caseload_per_klantmanager(
    spells: pl.LazyFrame | pl.DataFrame,
    personen: pl.LazyFrame | pl.DataFrame,
    medewerkers: pl.LazyFrame | pl.DataFrame,
    b: dt.date,
) -> pl.DataFrame:
    """Every `klantmanager` row with `fte`, own stock persons on `b` (`klanten`) and `klanten_per_fte`."""
    stock = running_on(spells, b).select(PERSON_COLUMN).unique()
    own = (
        stock.join(personen.lazy().select(PERSON_COLUMN, "klantmanager"), on=PERSON_COLUMN, how="inner")
        .group_by("klantmanager")
        .agg(pl.len().alias("klanten"))
    )
    return (
        medewerkers.lazy()
        .filter(pl.col("functie") == "klantmanager")
        .select("medewerker", "fte")
        .join(own, left_on="medewerker", right_on="klantmanager", how="left")
        .with_columns(pl.col("klanten").fill_null(0).cast(pl.Int64))
        .with_columns((pl.col("klanten").cast(pl.Float64) / pl.col("fte")).alias("klanten_per_fte"))
        .sort("medewerker")
        .collect()
    )


def caseload_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    ctx.check_peildatum(b)
    medewerkers = ctx.table("medewerkers")
    per = caseload_per_klantmanager(ctx.spells, ctx.data.get("personen"), medewerkers, b)
    total = pl.DataFrame(
        {
            "gemeentecode": [TOTAAL],
            "klanten": [float(per.get_column("klanten").sum())],
            "fte": [math.fsum(per.get_column("fte").to_list())],
            "boven": [float((per.get_column("klanten_per_fte") > ctx.config.caseload_norm).sum())],
        }
    )
    out = [
        rows(
            total,
            "caseload_per_fte",
            pl.col("klanten") / pl.col("fte"),
            pl.col("klanten"),
            pl.col("fte"),
            empty_when=pl.col("fte") <= 0,
            empty_reason="niet beschikbaar: geen klantmanagers in medewerkers (fte 0)",
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


def tegenprestatie_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    voorzieningen = ctx.table("voorzieningen")
    ctx.check_peildatum(b)
    doing = provisions_on(voorzieningen, b, MEEDOEN).select(PERSON_COLUMN).unique()
    stock = (
        running_on(ctx.spells, b)
        .select(PERSON_COLUMN, "gemeentecode")
        .join(doing, on=PERSON_COLUMN, how="semi")
    )
    agg = by_gemeente(stock, [pl.col(PERSON_COLUMN).n_unique().alias("tp")], ctx.gemeenten)
    return count_rows(agg, {"tegenprestatie_n": "tp"})


def family_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    """The three parts are guarded separately: without medewerkers the referrals are still computed."""
    return [
        guarded(CASELOAD, ctx.gemeenten, lambda: caseload_rows(ctx, b)),
        guarded(REFERRALS, ctx.gemeenten, lambda: referrals_rows(ctx, b)),
        guarded(TEGENPRESTATIE, ctx.gemeenten, lambda: tegenprestatie_rows(ctx, b)),
    ]


def norm_rules(config) -> list[registry.NormRule]:
    """Case load per fte and per klantmanager against the norm; referrals a year for the organisation."""
    return [
        registry.NormRule("caseload_per_fte", "<=", float(config.caseload_norm)),
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
                "ten hoogste 50 klanten per fte",
                alleen_totaal=True,
            ),
            registry.kpi(
                "caseload_boven_norm_n",
                "Klantmanagers boven de caseloadnorm",
                "n",
                "aantal",
                "caseload",
                "ten hoogste 50 klanten per fte",
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
        ),
    )
)
