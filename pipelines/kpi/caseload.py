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
from collections.abc import Callable

import polars as pl

from pipelines.kpi import registry
from pipelines.kpi.base import (
    ALLEEN_TOTAAL,
    GEMEENTE,
    PEILDATUM,
    TOTAAL,
    Context,
    by_gemeente_masks,
    concat_rows,
    count_rows,
    dates_frame,
    mask_counts,
    per_peildatum,
    rows,
    unavailable_rows,
    with_gemeente,
)
from pipelines.kpi.bestand import in_stock_masks
from pipelines.periods import window
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import DATE_BITS, mask_chunks, overlapping_mask, running_mask

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
    """Every `klantmanager` row with `fte`, own stock persons on `b` (`klanten`), own dossiers and both per
    fte (`caseload_each` for one date).
    """
    return caseload_each(spells, personen, medewerkers, [b], uitkeringen, regelingen).drop(PEILDATUM)


def caseload_each(
    spells: pl.LazyFrame | pl.DataFrame,
    personen: pl.LazyFrame | pl.DataFrame,
    medewerkers: pl.LazyFrame | pl.DataFrame,
    peildata: list[dt.date],
    uitkeringen: pl.LazyFrame | pl.DataFrame | None = None,
    regelingen=("01", "02", "03"),
) -> pl.DataFrame:
    """Per peildatum `b` every `klantmanager` row with `fte`, own stock persons on `b` (`klanten`), own
    dossiers (`dossiers`: distinct `registratienummer` of their clients' current benefit period; without
    `uitkeringen` each person is a dossier) and both per fte.
    """
    return pl.concat(
        [
            _caseload_each(spells, personen, medewerkers, dates, uitkeringen, regelingen)
            for dates in mask_chunks(peildata)
        ]
    )


def _caseload_each(
    spells, personen, medewerkers, peildata: list[dt.date], uitkeringen, regelingen
) -> pl.DataFrame:
    if uitkeringen is not None:
        stock = in_stock_masks(spells, uitkeringen, regelingen, peildata).select(
            PERSON_COLUMN, "registratienummer", "_m"
        )
    else:  # merged spells never overlap: a person counts once per date
        stock = spells.lazy().select(
            PERSON_COLUMN,
            pl.col(PERSON_COLUMN).alias("registratienummer"),
            running_mask(peildata).alias("_m"),
        )
    # date masks (`pipelines.spells.running_mask`): a person's current periods do not overlap, so their
    # masks count the klant once per date; a dossier's masks are combined to count it once
    clients = (
        stock.filter(pl.col("_m") != 0)
        .join(personen.lazy().select(PERSON_COLUMN, "klantmanager"), on=PERSON_COLUMN, how="inner")
        .with_columns(pl.coalesce("registratienummer", PERSON_COLUMN).alias("_dossier"))
        .collect()
    )
    dossiers = clients.group_by("klantmanager", "_dossier").agg(pl.col("_m").bitwise_or())
    own = mask_counts(clients, ["klantmanager"], pl.col("_m"), peildata, "klanten").join(
        mask_counts(dossiers, ["klantmanager"], pl.col("_m"), peildata, "dossiers"),
        on=["klantmanager", PEILDATUM],
        how="left",
        nulls_equal=True,
    )
    return (
        medewerkers.lazy()
        .filter(pl.col("functie") == "klantmanager")
        .select("medewerker", "fte")
        .join(dates_frame(peildata).lazy(), how="cross")
        .join(own.lazy(), left_on=[PEILDATUM, "medewerker"], right_on=[PEILDATUM, "klantmanager"], how="left")
        .with_columns(pl.col("klanten", "dossiers").fill_null(0).cast(pl.Int64))
        .with_columns(
            (pl.col("klanten").cast(pl.Float64) / pl.col("fte")).alias("klanten_per_fte"),
            (pl.col("dossiers").cast(pl.Float64) / pl.col("fte")).alias("dossiers_per_fte"),
        )
        .sort(PEILDATUM, "medewerker")
        .select("medewerker", "fte", "klanten", "dossiers", "klanten_per_fte", "dossiers_per_fte", PEILDATUM)
        .collect()
    )


def caseload_rows(ctx: Context, peildata: list[dt.date]) -> list[pl.DataFrame]:
    """The case-load KPIs for every peildatum (organisation only; the municipality rows say why)."""
    medewerkers = ctx.table("medewerkers")
    per = caseload_each(
        ctx.spells,
        ctx.data.get("personen"),
        medewerkers,
        peildata,
        ctx.data.get("uitkeringen"),
        ctx.config.regelingen,
    )
    unit = "dossiers_per_fte" if ctx.config.caseload_eenheid == "dossiers" else "klanten_per_fte"
    # every date lists the same klantmanagers with the same fte: one exact sum serves all dates
    fte = math.fsum(per.filter(pl.col(PEILDATUM) == min(peildata)).get_column("fte").to_list())
    counted = per.group_by(PEILDATUM).agg(
        pl.col("klanten").sum().cast(pl.Float64),
        pl.col("dossiers").sum().cast(pl.Float64),
        # "onder de 50": at the norm is not below it
        (pl.col(unit) >= ctx.config.caseload_norm).sum().cast(pl.Float64).alias("boven"),
    )
    # fte as a column of values, not a literal: polars divides by a scalar as times its reciprocal, which
    # can differ in the last bit from the division of one date at a time
    total = (
        dates_frame(peildata, fte=lambda b: fte)
        .join(counted, on=PEILDATUM, how="left")
        .with_columns(pl.col("klanten", "dossiers", "boven").fill_null(0.0), pl.lit(TOTAAL).alias(GEMEENTE))
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
    for b in peildata:
        per_gemeente = unavailable_rows(CASELOAD, ctx.gemeenten, ALLEEN_TOTAAL, b)
        out.append(per_gemeente.filter(pl.col(GEMEENTE) != TOTAAL))
    return out


def referrals_rows(ctx: Context, peildata: list[dt.date]) -> list[pl.DataFrame]:
    """Referrals to care and debt help started in the window of each peildatum."""
    referrals = (
        ctx.table("voorzieningen")
        .lazy()
        .filter(pl.col("soort").is_in(ZORG) & pl.col("begindatum").is_not_null())
    )
    agg = pl.concat(
        [
            by_gemeente_masks(
                with_gemeente(referrals, ctx.persons),
                {"zorg": overlapping_mask([window(b) for b in dates], "begindatum", "begindatum")},
                ctx.gemeenten,
                dates,
            )
            for dates in mask_chunks(peildata)
        ]
    )
    return count_rows(agg, {"doorverwijzingen_zorg_n": "zorg"})


def taking_part_masks(
    spells: pl.DataFrame, voorzieningen: pl.DataFrame, inkomsten: pl.DataFrame | None, peildata: list[dt.date]
) -> pl.LazyFrame:
    """Each merged spell with the peildata `b` it is in stock on (date masks, `pipelines.spells.running_mask`)
    with `tegenprestatie` (a running tegenprestatie or volunteering provision) and with `breed` (the plan's
    reading: that, or a running trajectory/training, or income from work in the month of `b`). Without
    `inkomsten` part-time work cannot count (the definitions page says so).
    """

    def provided(soorten: tuple[str, ...]) -> pl.LazyFrame:
        return (
            voorzieningen.lazy()
            .filter(pl.col("soort").is_in(soorten))
            .select(PERSON_COLUMN, running_mask(peildata, "begindatum", "einddatum").alias("_m"))
            .filter(pl.col("_m") != 0)
        )

    narrow = provided(MEEDOEN)
    ids = [narrow, provided(TRAJECT_OPLEIDING)]
    if inkomsten is not None:
        bits = dates_frame(peildata, maand=lambda b: dt.date(b.year, b.month, 1)).with_columns(
            pl.lit(DATE_BITS.head(len(set(peildata)))).alias("_m")
        )
        months = bits.group_by("maand").agg(pl.col("_m").sum())  # distinct bits: the sum is the union
        working = inkomsten.lazy().filter(pl.col("soort_inkomsten") == ARBEID).join(months.lazy(), on="maand")
        ids.append(working.select(PERSON_COLUMN, "_m"))

    def per_person(frame: pl.LazyFrame, alias: str) -> pl.LazyFrame:
        return frame.group_by(PERSON_COLUMN).agg(pl.col("_m").bitwise_or().alias(alias))

    stock = pl.col("_stock")
    return (
        spells.lazy()
        .select(PERSON_COLUMN, GEMEENTE, running_mask(peildata).alias("_stock"))
        .filter(pl.col("_stock") != 0)
        .join(per_person(narrow, "_narrow"), on=PERSON_COLUMN, how="left")
        .join(per_person(pl.concat(ids), "_broad"), on=PERSON_COLUMN, how="left")
        .select(
            PERSON_COLUMN,
            GEMEENTE,
            (stock & pl.col("_narrow").fill_null(0)).alias("tegenprestatie"),
            (stock & pl.col("_broad").fill_null(0)).alias("breed"),
        )
    )


def tegenprestatie_rows(ctx: Context, peildata: list[dt.date]) -> list[pl.DataFrame]:
    voorzieningen, inkomsten = ctx.table("voorzieningen"), ctx.data.tables.get("inkomsten")
    agg = pl.concat(
        [
            by_gemeente_masks(
                taking_part_masks(ctx.spells, voorzieningen, inkomsten, dates),
                {"tp": pl.col("tegenprestatie"), "breed": pl.col("breed")},
                ctx.gemeenten,
                dates,
            )
            for dates in mask_chunks(peildata)
        ]
    )
    return count_rows(agg, {"tegenprestatie_n": "tp", "tegenprestatie_breed_n": "breed"})


def family_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """The three parts are guarded separately: without medewerkers the referrals are still computed.

    A missing table is named on every date, before the date's own check (as one date at a time).
    """

    def needs(table: str, check: Callable[[dt.date], object]) -> Callable[[dt.date], object]:
        return lambda b: (ctx.table(table), check(b))

    return concat_rows(
        [
            per_peildatum(
                CASELOAD, ctx.gemeenten, peildata, ctx.check_peildatum, lambda d: caseload_rows(ctx, d)
            ),
            per_peildatum(
                REFERRALS,
                ctx.gemeenten,
                peildata,
                needs("voorzieningen", ctx.check_window),
                lambda d: referrals_rows(ctx, d),
            ),
            per_peildatum(
                TEGENPRESTATIE,
                ctx.gemeenten,
                peildata,
                needs("voorzieningen", ctx.check_peildatum),
                lambda d: tegenprestatie_rows(ctx, d),
            ),
        ],
        dated=True,
    )


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
        series=family_series,
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
