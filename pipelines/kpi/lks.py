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
from collections.abc import Callable

import polars as pl

from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    Context,
    by_gemeente,
    count_rows,
    dates_frame,
    exact_means,
    pct_rows,
    per_peildatum,
    rows,
    with_gemeente,
)
from pipelines.periods import minus_months, minus_years
from pipelines.schema import JOBCOACH_REGIME, LKS_SOORTEN, PERSON_COLUMN
from pipelines.spells import OPEN_END, first_of_key, running_on_each

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


def provisions_on_each(
    voorzieningen: pl.LazyFrame | pl.DataFrame, peildata: list[dt.date], soorten
) -> pl.LazyFrame:
    """Provisions of the given `soort` running on each peildatum (a row per provision and `peildatum`)."""
    return running_on_each(
        voorzieningen.lazy().filter(pl.col("soort").is_in(list(soorten))), peildata, "begindatum", "einddatum"
    )


def covered_days_each(
    voorzieningen: pl.LazyFrame | pl.DataFrame, soort: str, peildata: list[dt.date]
) -> pl.LazyFrame:
    """Per peildatum `b` and person with a provision of `soort` running on `b`: the days covered by all their
    provisions of that `soort` from their start up to `b` (overlapping provisions counted once):
    `persoon, peildatum, dagen, begin`.

    A provision ends on or after its start (a validation rule), so the days covered up to `b` are those of
    the person's blocks of overlapping provisions cut off at `b`. The person runs a provision on `b` exactly
    when one block holds `b`; the blocks before it count whole. So the blocks are formed once, each with
    the days of the person's earlier blocks, and dated with the dates they hold.
    """
    of_kind = voorzieningen.lazy().filter(pl.col("soort") == soort)
    running = running_on_each(of_kind, peildata, "begindatum", "einddatum").select(PERSON_COLUMN).unique()
    # only persons running on some date count; a provision starting after the last date changes nothing before
    spans = (
        of_kind.filter(pl.col("begindatum") <= max(peildata))
        .join(running, on=PERSON_COLUMN, how="semi")
        .select(
            PERSON_COLUMN,
            pl.col("begindatum").alias("van"),
            pl.col("einddatum").fill_null(OPEN_END).alias("tot"),
        )
        .sort(PERSON_COLUMN, "van", "tot")
    )
    # a new block starts where a provision begins after everything before it (of that person) ended
    reach = pl.col("tot").cum_max().shift(1).over(PERSON_COLUMN)
    length = (pl.col("tot") - pl.col("van")).dt.total_days() + 1
    # the blocks in order; running totals over all persons, less those at each person's first block
    before = length.cum_sum() - length
    first = first_of_key()
    blocks = (
        spans.with_columns(
            (reach.is_null() | (pl.col("van") > reach)).cum_sum().over(PERSON_COLUMN).alias("_blok")
        )
        .group_by(PERSON_COLUMN, "_blok")
        .agg(pl.col("van").min(), pl.col("tot").max())
        .sort(PERSON_COLUMN, "van")
        .with_columns(
            (before - pl.when(first).then(before).forward_fill()).alias("_eerder"),
            pl.when(first).then(pl.col("van")).forward_fill().alias("begin"),
        )
    )
    b = pl.col(PEILDATUM)
    return (
        running_on_each(blocks, peildata, "van", "tot")
        .select(
            PERSON_COLUMN,
            PEILDATUM,
            (pl.col("_eerder") + (b - pl.col("van")).dt.total_days() + 1).alias("dagen"),
            "begin",
        )
        .sort(PEILDATUM, PERSON_COLUMN)
    )


def covered_days(voorzieningen: pl.LazyFrame | pl.DataFrame, soort: str, b: dt.date) -> pl.LazyFrame:
    """`covered_days_each` on `b` alone: `persoon, dagen, begin`."""
    return covered_days_each(voorzieningen, soort, [b]).drop(PEILDATUM)


def over_term_each(
    voorzieningen: pl.LazyFrame | pl.DataFrame,
    soort: str,
    peildata: list[dt.date],
    limit: Callable[[dt.date], dt.date],
) -> pl.LazyFrame:
    """`covered_days_each` with `boven_termijn`: more days than from `limit(b)` to `b` (both included)."""
    terms = dates_frame(peildata, _termijn=lambda b: (b - limit(b)).days + 1)
    return (
        covered_days_each(voorzieningen, soort, peildata)
        .join(terms.lazy(), on=PEILDATUM, how="left")
        .with_columns((pl.col("dagen") > pl.col("_termijn")).alias("boven_termijn"))
        .drop("_termijn")
    )


def lks_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """Every LKS KPI for each peildatum inside the delivery, all dates in one pass."""
    return per_peildatum(
        KPIS, ctx.gemeenten, peildata, ctx.check_peildatum, lambda dates: _lks_rows(ctx, dates)
    )


def _lks_rows(ctx: Context, dates: list[dt.date]) -> list[pl.DataFrame]:
    """The rows of `dates`: the provisions of the three kinds running on them in one frame, each count
    filtered by kind; the terms per person and date.
    """
    voorzieningen = ctx.table("voorzieningen")
    soort = pl.col("soort")
    running = with_gemeente(
        provisions_on_each(voorzieningen, dates, (*LKS_SOORTEN, "ontwikkelbaan", "jobcoach")), ctx.persons
    ).collect()
    # the LKS split: `regulier`, `sw_banenafspraak`, `sw_beschut` and employer kind not given
    is_lks = soort.is_in(LKS_SOORTEN)
    sw = pl.col("werkgever_soort") == SW
    coach = soort == "jobcoach"
    agg = by_gemeente(
        running,
        [
            is_lks.sum().alias("lks"),
            (is_lks & pl.col("werkgever_soort").is_in(REGULIER).fill_null(False)).sum().alias("regulier"),
            (is_lks & (sw & (pl.col("indicatie") == "banenafspraak")).fill_null(False))
            .sum()
            .alias("sw_banenafspraak"),
            (is_lks & (sw & (pl.col("indicatie") == "beschut")).fill_null(False)).sum().alias("sw_beschut"),
            (is_lks & pl.col("werkgever_soort").is_null()).sum().alias("werkgever_onbekend"),
            pl.col("loonwaarde_pct").filter(is_lks).count().alias("loonwaarde_n"),
            (soort == "ontwikkelbaan").sum().alias("ontwikkelbaan"),
            coach.sum().alias("jobcoach"),
            *(
                (coach & (pl.col("jobcoach_regime") == r).fill_null(False)).sum().alias(r)
                for r in JOBCOACH_REGIME
            ),
        ],
        ctx.gemeenten,
        dates,
    )
    means = exact_means(running.filter(is_lks), "loonwaarde_pct", ctx.gemeenten, "loonwaarde_gem", dates)
    terms = pl.concat(
        [
            over_term_each(voorzieningen, "ontwikkelbaan", dates, lambda b: minus_years(b, 3)).with_columns(
                pl.lit("ontwikkelbaan_over_3jaar").alias("_telling")
            ),
            over_term_each(voorzieningen, "jobcoach", dates, lambda b: minus_months(b, 24)).with_columns(
                pl.lit("jobcoach_over_24mnd").alias("_telling")
            ),
        ]
    )
    agg_terms = by_gemeente(
        with_gemeente(terms, ctx.persons).collect(),
        [
            (pl.col("boven_termijn") & (pl.col("_telling") == name)).sum().alias(name)
            for name in ("ontwikkelbaan_over_3jaar", "jobcoach_over_24mnd")
        ],
        ctx.gemeenten,
        dates,
    )
    agg = agg.join(means, on=[PEILDATUM, GEMEENTE], how="left").join(
        agg_terms, on=[PEILDATUM, GEMEENTE], how="left"
    )
    out = count_rows(
        agg,
        {
            "lks_actief_n": "lks",
            "ontwikkelbaan_n": "ontwikkelbaan",
            "ontwikkelbaan_over_3jaar_n": "ontwikkelbaan_over_3jaar",
            "jobcoach_over_24mnd_n": "jobcoach_over_24mnd",
            "jobcoach_n": "jobcoach",
        },
    )
    out += pct_rows(
        agg,
        {
            "lks_regulier_pct": ("regulier", "lks"),
            "lks_sw_banenafspraak_pct": ("sw_banenafspraak", "lks"),
            "lks_sw_beschut_pct": ("sw_beschut", "lks"),
            "lks_werkgever_onbekend_pct": ("werkgever_onbekend", "lks"),
            **{f"jobcoach_regime_{r}_pct": (r, "jobcoach") for r in JOBCOACH_REGIME},
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
        series=lks_series,
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
