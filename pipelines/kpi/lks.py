"""Wage-cost subsidy (LKS) split, development jobs and job coaching against their terms.

docs/definities.md split"). Provisions are counted per provision
(not per person), whether or not the person still has a benefit, by the municipality of the person.
"Started more than 3 years / 24 months before b" means `begindatum < b - 3 years` (resp. 24 months).
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
from pipelines.periods import minus_months, minus_years
from pipelines.schema import LKS_SOORTEN
from pipelines.spells import running_on

KPIS = [
    "lks_actief_n",
    "lks_regulier_pct",
    "lks_sw_banenafspraak_pct",
    "lks_sw_beschut_pct",
    "lks_loonwaarde_gem",
    "ontwikkelbaan_n",
    "ontwikkelbaan_over_3jaar_n",
    "jobcoach_over_24mnd_n",
]
SW = "sw_bedrijf"


def provisions_on(voorzieningen: pl.LazyFrame | pl.DataFrame, b: dt.date, soorten) -> pl.LazyFrame:
    """Provisions of the given `soort` running on `b`."""
    return running_on(
        voorzieningen.lazy().filter(pl.col("soort").is_in(list(soorten))), b, "begindatum", "einddatum"
    )


def lks_on(voorzieningen: pl.LazyFrame | pl.DataFrame, b: dt.date) -> pl.LazyFrame:
    """Running LKS provisions with their place in the split (`regulier`, `sw_banenafspraak`, `sw_beschut`)."""
    sw = pl.col("werkgever_soort") == SW
    return provisions_on(voorzieningen, b, LKS_SOORTEN).with_columns(
        (~sw).fill_null(True).alias("regulier"),
        (sw & (pl.col("indicatie") == "banenafspraak")).fill_null(False).alias("sw_banenafspraak"),
        (sw & (pl.col("indicatie") == "beschut")).fill_null(False).alias("sw_beschut"),
    )


def lks_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    ctx.check_peildatum(b)
    voorzieningen = ctx.table("voorzieningen")
    lks = with_gemeente(lks_on(voorzieningen, b), ctx.persons).collect()
    agg = by_gemeente(
        lks,
        [
            pl.len().alias("lks"),
            pl.col("regulier").sum().alias("regulier"),
            pl.col("sw_banenafspraak").sum().alias("sw_banenafspraak"),
            pl.col("sw_beschut").sum().alias("sw_beschut"),
            pl.col("loonwaarde_pct").count().alias("loonwaarde_n"),
        ],
        ctx.gemeenten,
    ).join(exact_means(lks, "loonwaarde_pct", ctx.gemeenten, "loonwaarde_gem"), on=GEMEENTE, how="left")
    terms = with_gemeente(provisions_on(voorzieningen, b, ("ontwikkelbaan", "jobcoach")), ctx.persons)
    ontw = pl.col("soort") == "ontwikkelbaan"
    coach = pl.col("soort") == "jobcoach"
    agg_terms = by_gemeente(
        terms,
        [
            ontw.sum().alias("ontwikkelbaan"),
            (ontw & (pl.col("begindatum") < minus_years(b, 3))).sum().alias("ontwikkelbaan_over_3jaar"),
            (coach & (pl.col("begindatum") < minus_months(b, 24))).sum().alias("jobcoach_over_24mnd"),
        ],
        ctx.gemeenten,
    )
    out = count_rows(agg, {"lks_actief_n": "lks"})
    out += pct_rows(
        agg,
        {
            "lks_regulier_pct": ("regulier", "lks"),
            "lks_sw_banenafspraak_pct": ("sw_banenafspraak", "lks"),
            "lks_sw_beschut_pct": ("sw_beschut", "lks"),
        },
    )
    out.append(
        rows(
            agg,
            "lks_loonwaarde_gem",
            pl.col("loonwaarde_gem"),
            noemer=pl.col("loonwaarde_n"),
            empty_when=pl.col("loonwaarde_n") == 0,
        )
    )
    out += count_rows(
        agg_terms,
        {
            "ontwikkelbaan_n": "ontwikkelbaan",
            "ontwikkelbaan_over_3jaar_n": "ontwikkelbaan_over_3jaar",
            "jobcoach_over_24mnd_n": "jobcoach_over_24mnd",
        },
    )
    return out


def norm_rules(config) -> list[registry.NormRule]:
    """An ontwikkelbaan lasts at most 3 years and job coaching at most 2 x 12 months: nobody beyond."""
    return [
        registry.NormRule("ontwikkelbaan_over_3jaar_n", "<=", 0),
        registry.NormRule("jobcoach_over_24mnd_n", "<=", 0),
    ]


FAMILY = registry.register(
    registry.Family(
        id="lks",
        label="Loonkostensubsidie, ontwikkelbanen en jobcoaching",
        order=40,
        rows=lks_rows,
        notebook="13_lks",
        norms=norm_rules,
        kpis=(
            registry.kpi("lks_actief_n", "Lopende loonkostensubsidies", "n", "aantal", "lks"),
            registry.kpi(
                "lks_regulier_pct", "Loonkostensubsidie bij een reguliere werkgever", "pct", "aandeel", "lks"
            ),
            registry.kpi(
                "lks_sw_banenafspraak_pct",
                "Loonkostensubsidie bij het SW-bedrijf, indicatie banenafspraak",
                "pct",
                "aandeel",
                "lks",
            ),
            registry.kpi(
                "lks_sw_beschut_pct",
                "Loonkostensubsidie bij het SW-bedrijf, indicatie beschut werk",
                "pct",
                "aandeel",
                "lks",
            ),
            registry.kpi("lks_loonwaarde_gem", "Gemiddelde loonwaarde (%)", "pct", "gemiddelde", "lks"),
            registry.kpi("ontwikkelbaan_n", "Lopende ontwikkelbanen", "n", "aantal", "lks"),
            registry.kpi(
                "ontwikkelbaan_over_3jaar_n",
                "Ontwikkelbanen langer dan 3 jaar (maximale termijn)",
                "n",
                "aantal",
                "lks",
                "een ontwikkelbaan duurt ten hoogste 3 jaar",
            ),
            registry.kpi(
                "jobcoach_over_24mnd_n",
                "Jobcoaching langer dan 24 maanden",
                "n",
                "aantal",
                "lks",
                "jobcoaching duurt ten hoogste 2 x 12 maanden",
            ),
        ),
    )
)
