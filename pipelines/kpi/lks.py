"""Wage-cost subsidy (LKS) split, development jobs and job coaching against their terms.

LKS provisions are counted per provision (not per person), whether or not the person still has a
benefit, by the municipality of the person; `werkgever_soort` empty is `onbekend` (not regular).
The terms are per person: an ontwikkelbaan lasts "maximaal 3 jaar" and job coaching "2 x 12 maanden" in
total, so a third year registered as a new grant must count. A person running such a provision on `b`
is over the term when the days covered by all their provisions of that kind up to `b` (overlaps once)
exceed the term (the days from `b - 3 years` resp. `b - 24 months` to `b`, both included). For one
unbroken provision that is `begindatum < b - 3 years`, as before.
Definitions: docs/definities.md.
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
    rows,
    with_gemeente,
)
from pipelines.periods import minus_months, minus_years
from pipelines.schema import JOBCOACH_REGIME, LKS_SOORTEN, PERSON_COLUMN
from pipelines.spells import running_on_each

KPIS = [
    "lks_actief_n",
    "lks_regulier_pct",
    "lks_sw_banenafspraak_pct",
    "lks_sw_beschut_pct",
    "lks_loonwaarde_gem",
    "lks_werkgever_onbekend_pct",
    "ontwikkelbaan_n",
    "ontwikkelbaan_over_3jaar_n",
    "jobcoach_n",
    "jobcoach_over_24mnd_n",
    *(f"jobcoach_regime_{r}_pct" for r in JOBCOACH_REGIME),
]
SW = "sw_bedrijf"
REGULIER = ("regulier", "overheid")


def provisions_on(voorzieningen: pl.LazyFrame | pl.DataFrame, b: dt.date, soorten) -> pl.LazyFrame:
    """Provisions of the given `soort` running on `b`."""
    return provisions_on_each(voorzieningen, [b], soorten).drop(PEILDATUM)


def provisions_on_each(
    voorzieningen: pl.LazyFrame | pl.DataFrame, peildata: list[dt.date], soorten
) -> pl.LazyFrame:
    """Provisions of the given `soort` with each peildatum they run on (column `peildatum`)."""
    return running_on_each(
        voorzieningen.lazy().filter(pl.col("soort").is_in(list(soorten))), peildata, "begindatum", "einddatum"
    )


def lks_on(voorzieningen: pl.LazyFrame | pl.DataFrame, b: dt.date) -> pl.LazyFrame:
    """Running LKS provisions with their place in the split (`regulier`, `sw_banenafspraak`, `sw_beschut`)."""
    sw = pl.col("werkgever_soort") == SW
    return provisions_on(voorzieningen, b, LKS_SOORTEN).with_columns(
        pl.col("werkgever_soort").is_in(REGULIER).fill_null(False).alias("regulier"),
        pl.col("werkgever_soort").is_null().alias("werkgever_onbekend"),
        (sw & (pl.col("indicatie") == "banenafspraak")).fill_null(False).alias("sw_banenafspraak"),
        (sw & (pl.col("indicatie") == "beschut")).fill_null(False).alias("sw_beschut"),
    )


def covered_days(voorzieningen: pl.LazyFrame | pl.DataFrame, soort: str, b: dt.date) -> pl.LazyFrame:
    """Per person with a provision of `soort` running on `b`: the days covered by all their provisions of
    that `soort` from their start up to `b` (overlapping provisions counted once): `persoon, dagen, begin`.
    """
    spans = (
        voorzieningen.lazy()
        .filter((pl.col("soort") == soort) & (pl.col("begindatum") <= b))
        .select(
            PERSON_COLUMN,
            pl.col("begindatum").alias("van"),
            pl.min_horizontal(pl.col("einddatum").fill_null(b), pl.lit(b)).alias("tot"),
        )
        .sort(PERSON_COLUMN, "van", "tot")
    )
    running = provisions_on(voorzieningen, b, (soort,)).select(PERSON_COLUMN).unique()
    # a new block starts where a provision begins after everything before it (of that person) ended
    reach = pl.col("tot").cum_max().shift(1).over(PERSON_COLUMN)
    blocks = spans.with_columns(
        (reach.is_null() | (pl.col("van") > reach)).cum_sum().over(PERSON_COLUMN).alias("_blok")
    )
    return (
        blocks.group_by(PERSON_COLUMN, "_blok")
        .agg(pl.col("van").min(), pl.col("tot").max())
        .group_by(PERSON_COLUMN)
        .agg(
            ((pl.col("tot") - pl.col("van")).dt.total_days() + 1).sum().alias("dagen"),
            pl.col("van").min().alias("begin"),
        )
        .join(running, on=PERSON_COLUMN, how="semi")
        .sort(PERSON_COLUMN)
    )


def over_term(
    voorzieningen: pl.LazyFrame | pl.DataFrame, soort: str, b: dt.date, limit: dt.date
) -> pl.LazyFrame:
    """`covered_days` with `boven_termijn`: more days than from `limit` to `b` (both included)."""
    term = (b - limit).days + 1
    return covered_days(voorzieningen, soort, b).with_columns((pl.col("dagen") > term).alias("boven_termijn"))


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
            pl.col("werkgever_onbekend").sum().alias("werkgever_onbekend"),
            pl.col("loonwaarde_pct").count().alias("loonwaarde_n"),
        ],
        ctx.gemeenten,
    ).join(exact_means(lks, "loonwaarde_pct", ctx.gemeenten, "loonwaarde_gem"), on=GEMEENTE, how="left")
    ontw = with_gemeente(over_term(voorzieningen, "ontwikkelbaan", b, minus_years(b, 3)), ctx.persons)
    coach = with_gemeente(over_term(voorzieningen, "jobcoach", b, minus_months(b, 24)), ctx.persons)
    agg_terms = by_gemeente(
        with_gemeente(provisions_on(voorzieningen, b, ("ontwikkelbaan",)), ctx.persons),
        [pl.len().alias("ontwikkelbaan")],
        ctx.gemeenten,
    )
    agg_terms = agg_terms.join(
        by_gemeente(ontw, [pl.col("boven_termijn").sum().alias("ontwikkelbaan_over_3jaar")], ctx.gemeenten),
        on=GEMEENTE,
    ).join(
        by_gemeente(coach, [pl.col("boven_termijn").sum().alias("jobcoach_over_24mnd")], ctx.gemeenten),
        on=GEMEENTE,
    )
    coaching = with_gemeente(provisions_on(voorzieningen, b, ("jobcoach",)), ctx.persons)
    agg_coach = by_gemeente(
        coaching,
        [pl.len().alias("jobcoach")]
        + [(pl.col("jobcoach_regime") == r).fill_null(False).sum().alias(r) for r in JOBCOACH_REGIME],
        ctx.gemeenten,
    )
    out = count_rows(agg, {"lks_actief_n": "lks"})
    out += pct_rows(
        agg,
        {
            "lks_regulier_pct": ("regulier", "lks"),
            "lks_sw_banenafspraak_pct": ("sw_banenafspraak", "lks"),
            "lks_sw_beschut_pct": ("sw_beschut", "lks"),
            "lks_werkgever_onbekend_pct": ("werkgever_onbekend", "lks"),
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
    out += count_rows(agg_coach, {"jobcoach_n": "jobcoach"})
    out += pct_rows(agg_coach, {f"jobcoach_regime_{r}_pct": (r, "jobcoach") for r in JOBCOACH_REGIME})
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
        sums=((100.0, ("lks_regulier_pct", "lks_sw_banenafspraak_pct", "lks_sw_beschut_pct")),),
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
            registry.kpi(
                "lks_werkgever_onbekend_pct",
                "Loonkostensubsidie, soort werkgever onbekend",
                "pct",
                "aandeel",
                "lks",
            ),
            registry.kpi("lks_loonwaarde_gem", "Gemiddelde loonwaarde (%)", "pct", "gemiddelde", "lks"),
            registry.kpi("ontwikkelbaan_n", "Lopende ontwikkelbanen", "n", "aantal", "lks"),
            registry.kpi(
                "ontwikkelbaan_over_3jaar_n",
                "Personen met ontwikkelbanen van samen meer dan 3 jaar (maximale termijn)",
                "n",
                "aantal",
                "lks",
                "een ontwikkelbaan duurt ten hoogste 3 jaar",
            ),
            registry.kpi("jobcoach_n", "Lopende jobcoaching", "n", "aantal", "lks"),
            registry.kpi(
                "jobcoach_over_24mnd_n",
                "Personen met jobcoaching van samen meer dan 24 maanden",
                "n",
                "aantal",
                "lks",
                "jobcoaching duurt ten hoogste 2 x 12 maanden",
            ),
            *(
                registry.kpi(
                    f"jobcoach_regime_{_r}_pct",
                    f"Jobcoaching met regime {_r.replace('_', ' ')}",
                    "pct",
                    "aandeel",
                    "lks",
                )
                for _r in JOBCOACH_REGIME
            ),
        ),
    )
)
