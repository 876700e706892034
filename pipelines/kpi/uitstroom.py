"""Stock and flows in a window: inflow, outflow by reason group, and the multi-year norm.

docs/definities.md. The unit is the merged
spell of a person: a person with two spells in one window (a break of more than `gap_days`)
counts twice, as CBS counts flows.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    LEGE_POPULATIE,
    Context,
    Unavailable,
    by_gemeente,
    count_rows,
    pct_rows,
    rows,
    unavailable_rows,
)
from pipelines.periods import multi_year_peildata

#: Reason groups of `reden_beeindiging` (CBS BUS field 34). `03` (AOW age) is never outflow.
AOW = "03"
WERK = ("11", "13")
INKOMEN = ("14", "15", "17", "18", "19")

YEARLY = [
    "uitstroom_pct",
    "uitstroom_werk_pct",
    "uitstroom_werk_inkomen_pct",
    "instroom_pct",
    "uitstroom_werk_n",
    "uitstroom_werk_inkomen_n",
    "instroom_n",
]
#: The yearly percentages that get a multi-year mean and a norm flag, with the flag's id.
NORMED = {
    "uitstroom_werk_pct": "uitstroom_werk_norm",
    "uitstroom_werk_inkomen_pct": "uitstroom_werk_inkomen_norm",
}


def flows_per_spell(spells: pl.LazyFrame | pl.DataFrame, s: dt.date, b: dt.date) -> pl.LazyFrame:
    """Each merged spell touching the window with its role in it (begin stock, inflow, outflow by group)."""
    end = pl.col("end")
    reason = pl.col("reden_beeindiging")
    ends_inside = end.is_not_null() & (end >= s) & (end <= b)
    return (
        spells.lazy()
        .filter((pl.col("start") <= b) & (end.is_null() | (end >= s)))
        .with_columns(
            ((pl.col("start") < s) & (end.is_null() | (end >= s))).alias("beginstand"),
            ((pl.col("start") >= s) & (pl.col("start") <= b)).alias("instroom"),
            (ends_inside & reason.is_not_null() & (reason != AOW)).alias("uitstroom_alle"),
            (ends_inside & reason.is_in(WERK)).alias("uitstroom_werk"),
            (ends_inside & reason.is_in(WERK + INKOMEN)).alias("uitstroom_werk_inkomen"),
            (ends_inside & (reason == AOW)).alias("uitstroom_aow"),
        )
    )


FLOW_AGGS = [
    pl.col("beginstand").sum().alias("beginstand"),
    pl.col("instroom").sum().alias("instroom"),
    (pl.col("beginstand") | pl.col("instroom")).sum().alias("noemer"),
    pl.col("uitstroom_alle").sum().alias("uitstroom_alle"),
    pl.col("uitstroom_werk").sum().alias("uitstroom_werk"),
    pl.col("uitstroom_werk_inkomen").sum().alias("uitstroom_werk_inkomen"),
    pl.col("uitstroom_aow").sum().alias("uitstroom_aow"),
]


def flow_counts(spells: pl.DataFrame, s: dt.date, b: dt.date, gemeenten: list[str]) -> pl.DataFrame:
    """Per municipality and `totaal`: begin stock, inflow, D, outflow per reason group (and to AOW, for
    charts).
    """
    return by_gemeente(flows_per_spell(spells, s, b), FLOW_AGGS, gemeenten)


def yearly_rows(agg: pl.DataFrame) -> list[pl.DataFrame]:
    return pct_rows(
        agg,
        {
            "uitstroom_pct": ("uitstroom_alle", "noemer"),
            "uitstroom_werk_pct": ("uitstroom_werk", "noemer"),
            "uitstroom_werk_inkomen_pct": ("uitstroom_werk_inkomen", "noemer"),
            "instroom_pct": ("instroom", "noemer"),
        },
    ) + count_rows(
        agg,
        {
            "uitstroom_werk_n": "uitstroom_werk",
            "uitstroom_werk_inkomen_n": "uitstroom_werk_inkomen",
            "instroom_n": "instroom",
        },
    )


def multi_year_rows(
    kpi: str,
    norm_kpi: str,
    yearly: list[pl.DataFrame | None],
    norm_factor: float,
    gemeenten: list[str],
    reason_current: str | None,
) -> list[pl.DataFrame]:
    """`<kpi>_meerjarig` (mean over covered years with a value) and the norm flag.

    `yearly` holds, newest first, the rows of `kpi` for `b`, `b - 1y`, ... (None when that window
    is not covered). The flag is 1 when the current percentage >= `norm_factor` x the mean.
    """
    frames = [
        f.select(GEMEENTE, pl.col("waarde").alias(f"j{i}")) for i, f in enumerate(yearly) if f is not None
    ]
    meer, norm = f"{kpi}_meerjarig", norm_kpi
    if not frames or yearly[0] is None:
        reason = reason_current or LEGE_POPULATIE
        return [unavailable_rows([meer, norm], gemeenten, reason)]
    wide = frames[0]
    for f in frames[1:]:
        wide = wide.join(f, on=GEMEENTE, how="left")
    cols = [c for c in wide.columns if c.startswith("j")]
    n = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int64) for c in cols])
    mean = pl.sum_horizontal([pl.col(c).fill_null(0.0) for c in cols]) / n
    wide = wide.with_columns(n.alias("n_jaren"), pl.when(n > 0).then(mean).alias("meerjarig"))
    fewer = pl.format("gemiddelde over {} jaar (minder dan 4 gedekte jaren)", pl.col("n_jaren"))
    meer_rows = rows(
        wide, meer, pl.col("meerjarig"), n_jaren=pl.col("n_jaren"), empty_when=pl.col("n_jaren") == 0
    )
    flag_missing = pl.col("j0").is_null() | pl.col("meerjarig").is_null()
    norm_rows = rows(
        wide,
        norm,
        (pl.col("j0") >= norm_factor * pl.col("meerjarig")).cast(pl.Float64),
        n_jaren=pl.col("n_jaren"),
        empty_when=flag_missing,
        empty_reason="niet beschikbaar: percentage of meerjarig gemiddelde ontbreekt (lege populatie)",
    )
    note = (
        pl.when(pl.col("opmerking").is_null() & (pl.col("n_jaren") < 4))
        .then(fewer)
        .otherwise(pl.col("opmerking"))
    )
    meer_rows = meer_rows.with_columns(note.alias("opmerking"))
    norm_rows = norm_rows.with_columns(note.alias("opmerking"))
    return [meer_rows, norm_rows]


def yearly_series(ctx: Context, b: dt.date, compute_one) -> tuple[list[pl.DataFrame | None], str]:
    """Run `compute_one(s, b)` for each multi-year peildatum whose window is covered (None otherwise).

    The reason is why the newest window (the peildatum's own) is not available, else empty.
    """
    out: list[pl.DataFrame | None] = []
    reason = ""
    for i, p in enumerate(multi_year_peildata(b)):
        try:
            s, e = ctx.check_window(p)
        except Unavailable as exc:
            if i == 0:
                reason = str(exc)
            out.append(None)
            continue
        out.append(compute_one(s, e))
    return out, reason


def outflow_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    """All uitstroom KPIs for peildatum `b`."""
    spells = ctx.spells

    def one(s, e):
        return flow_counts(spells, s, e, ctx.gemeenten)

    series, reason = yearly_series(ctx, b, one)
    out: list[pl.DataFrame] = []
    if series[0] is None:
        out.append(unavailable_rows(YEARLY, ctx.gemeenten, reason))
    else:
        out += yearly_rows(series[0])
    for kpi, norm_kpi in NORMED.items():
        yearly = [None if agg is None else _kpi_rows(agg, kpi) for agg in series]
        out += multi_year_rows(kpi, norm_kpi, yearly, ctx.config.norm_factor, ctx.gemeenten, reason)
    return out


def _kpi_rows(agg: pl.DataFrame, kpi: str) -> pl.DataFrame:
    return next(r for r in yearly_rows(agg) if r.get_column("kpi")[0] == kpi)


_NORM_UITSTROOM = (
    "10 % meer dan het meerjarig uitstroompercentage (gemiddelde van het rapportjaar en de drie jaren ervoor)"
)

FAMILY = registry.register(
    registry.Family(
        id="uitstroom",
        label="Uitstroom en instroom",
        order=10,
        rows=outflow_rows,
        notebook="10_uitstroom",
        kpis=(
            registry.kpi(
                "uitstroom_pct", "Uitstroom (alle redenen behalve AOW)", "pct", "aandeel", "uitstroom"
            ),
            registry.kpi("uitstroom_werk_pct", "Uitstroom naar werk", "pct", "aandeel", "uitstroom"),
            registry.kpi(
                "uitstroom_werk_inkomen_pct",
                "Uitstroom naar werk of ander inkomen",
                "pct",
                "aandeel",
                "uitstroom",
            ),
            registry.kpi("instroom_pct", "Instroom", "pct", "aandeel", "uitstroom"),
            registry.kpi("uitstroom_werk_n", "Uitstroom naar werk (aantal)", "n", "aantal", "uitstroom"),
            registry.kpi(
                "uitstroom_werk_inkomen_n",
                "Uitstroom naar werk of ander inkomen (aantal)",
                "n",
                "aantal",
                "uitstroom",
            ),
            registry.kpi("instroom_n", "Instroom (aantal)", "n", "aantal", "uitstroom"),
            registry.kpi(
                "uitstroom_werk_pct_meerjarig",
                "Uitstroom naar werk, meerjarig gemiddelde",
                "pct",
                "meerjarig",
                "uitstroom",
                basis="uitstroom_werk_pct",
            ),
            registry.kpi(
                "uitstroom_werk_inkomen_pct_meerjarig",
                "Uitstroom naar werk of ander inkomen, meerjarig gemiddelde",
                "pct",
                "meerjarig",
                "uitstroom",
                basis="uitstroom_werk_inkomen_pct",
            ),
            registry.kpi(
                "uitstroom_werk_norm",
                "Norm uitstroom naar werk gehaald",
                "vlag",
                "vlag",
                "uitstroom",
                _NORM_UITSTROOM,
                basis="uitstroom_werk_pct",
            ),
            registry.kpi(
                "uitstroom_werk_inkomen_norm",
                "Norm uitstroom naar werk of ander inkomen gehaald",
                "vlag",
                "vlag",
                "uitstroom",
                _NORM_UITSTROOM,
                basis="uitstroom_werk_inkomen_pct",
            ),
        ),
    )
)
