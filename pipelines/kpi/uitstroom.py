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
    PEILDATUM,
    Context,
    Unavailable,
    by_gemeente,
    count_rows,
    pct_rows,
    rows,
    unavailable_rows,
)
from pipelines.periods import multi_year_peildata
from pipelines.spells import overlapping_each
from pipelines.stats import wilson_exprs

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
    return flows_per_spell_each(spells, [(s, b)]).drop(PEILDATUM)


def flows_per_spell_each(
    spells: pl.LazyFrame | pl.DataFrame, windows: list[tuple[dt.date, dt.date]]
) -> pl.LazyFrame:
    """`flows_per_spell` for many windows `s..b` at once: a row per spell and window it touches, with the
    window's end as `peildatum` (windows growing together, as `overlapping_each` needs).
    """
    starts = pl.DataFrame(
        {PEILDATUM: [b for _, b in windows], "_s": [s for s, _ in windows]},
        schema={PEILDATUM: pl.Date(), "_s": pl.Date()},
    ).unique(PEILDATUM)
    s, b = pl.col("_s"), pl.col(PEILDATUM)
    end = pl.col("end")
    reason = pl.col("reden_beeindiging")
    ends_inside = end.is_not_null() & (end >= s) & (end <= b)
    return (
        overlapping_each(spells, windows)
        .join(starts.lazy(), on=PEILDATUM, how="left", maintain_order="left")
        .with_columns(
            ((pl.col("start") < s) & (end.is_null() | (end >= s))).alias("beginstand"),
            ((pl.col("start") >= s) & (pl.col("start") <= b)).alias("instroom"),
            (ends_inside & reason.is_not_null() & (reason != AOW)).alias("uitstroom_alle"),
            (ends_inside & reason.is_in(WERK)).alias("uitstroom_werk"),
            (ends_inside & reason.is_in(WERK + INKOMEN)).alias("uitstroom_werk_inkomen"),
            (ends_inside & (reason == AOW)).alias("uitstroom_aow"),
        )
        .drop("_s")
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


def normed_ids(kpi: str, norm_kpi: str) -> list[str]:
    """The ids of the multi-year rows of `kpi` (flag `norm_kpi`), in the order `multi_year_rows` gives."""
    return [f"{kpi}_meerjarig", f"{kpi}_vast", f"{kpi}_normwaarde", norm_kpi, f"{norm_kpi}_zeker"]


GEEN_BASISJAREN = "niet beschikbaar: geen norm_basisjaren in de configuratie (vaste basis)"


def _wide(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per municipality with the columns of every frame (joined on `gemeentecode`)."""
    items = list(frames.values())
    wide = items[0]
    for f in items[1:]:
        wide = wide.join(f, on=GEMEENTE, how="left")
    return wide


def _mean(cols: list[str]) -> tuple[pl.Expr, pl.Expr]:
    """(number of non-null columns, their mean or null) as expressions."""
    if not cols:
        return pl.lit(0, pl.Int64), pl.lit(None, pl.Float64)
    n = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int64) for c in cols])
    mean = pl.sum_horizontal([pl.col(c).fill_null(0.0) for c in cols]) / n
    return n, pl.when(n > 0).then(mean)


def multi_year_rows(
    kpi: str,
    norm_kpi: str,
    yearly: list[pl.DataFrame | None],
    config,
    gemeenten: list[str],
    reason_current: str | None,
    fixed: list[pl.DataFrame | None] | None = None,
) -> list[pl.DataFrame]:
    """The baselines of a normed percentage, the norm value, the norm flag and its certainty.

    `yearly` holds, newest first, the rows of `kpi` (with `teller`, `noemer`) for `b`, `b - 1y`, ...
    (None when that window is not covered); `fixed` those of the windows of `norm_basisjaren` (calendar
    years). Rows, in `normed_ids` order:
    - `<kpi>_meerjarig`: mean over the covered multi-year windows with a value (`n_jaren`);
    - `<kpi>_vast`: mean over the covered base years (`n_jaren`), unavailable without base years;
    - `<kpi>_normwaarde`: `norm_factor` x the baseline `norm_basis` chooses (the norm is relative);
    - `norm_kpi`: 1 when the percentage >= the norm value;
    - `<norm_kpi>_zeker`: 1 (`zeker`) when the 95 % Wilson interval of the percentage lies wholly on one
      side of the norm value, 0 (`onzeker`) when it contains it.
    """
    meer, vast, waarde, zeker = f"{kpi}_meerjarig", f"{kpi}_vast", f"{kpi}_normwaarde", f"{norm_kpi}_zeker"
    if yearly[0] is None or not any(f is not None for f in yearly):
        reason = reason_current or LEGE_POPULATIE
        return [unavailable_rows(normed_ids(kpi, norm_kpi), gemeenten, reason)]
    frames = {
        f"j{i}": f.select(GEMEENTE, pl.col("waarde").alias(f"j{i}"))
        for i, f in enumerate(yearly)
        if f is not None
    }
    frames["t0"] = yearly[0].select(GEMEENTE, pl.col("teller").alias("t0"), pl.col("noemer").alias("n0"))
    fixed = fixed or []
    frames.update(
        {
            f"f{i}": f.select(GEMEENTE, pl.col("waarde").alias(f"f{i}"))
            for i, f in enumerate(fixed)
            if f is not None
        }
    )
    wide = _wide(frames)
    n_meer, mean_meer = _mean([c for c in wide.columns if c.startswith("j")])
    n_vast, mean_vast = _mean([c for c in wide.columns if c.startswith("f")])
    wide = wide.with_columns(
        n_meer.alias("n_jaren"),
        mean_meer.alias("meerjarig"),
        n_vast.alias("n_vast"),
        mean_vast.alias("vast"),
    )
    basis, n_basis = ("vast", "n_vast") if config.norm_basis == "vast" else ("meerjarig", "n_jaren")
    low, high = wilson_exprs(pl.col("t0"), pl.col("n0"))
    wide = wide.with_columns(
        (config.norm_factor * pl.col(basis)).alias("normwaarde"), low.alias("lo"), high.alias("hi")
    )
    fewer = pl.format("gemiddelde over {} jaar (minder dan 4 gedekte jaren)", pl.col("n_jaren"))
    partly = pl.format(
        "gemiddelde over {} van de {} basisjaren (de andere zijn niet gedekt)",
        pl.col("n_vast"),
        pl.lit(len(fixed)),
    )
    wide = wide.with_columns(
        pl.when(pl.col("n_jaren") < 4).then(fewer).alias("_note_meerjarig"),
        pl.when(pl.col("n_vast") < len(fixed)).then(partly).alias("_note_vast"),
    )

    def noted(frame: pl.DataFrame, note: str) -> pl.DataFrame:
        """`frame` with the note of its municipality where it has no other remark."""
        joined = frame.join(wide.select(GEMEENTE, pl.col(note).alias("_note")), on=GEMEENTE, how="left")
        return joined.with_columns(pl.coalesce("opmerking", "_note").alias("opmerking")).drop("_note")

    if not config.norm_basisjaren:
        vast_rows = unavailable_rows([vast], gemeenten, GEEN_BASISJAREN)
    else:
        vast_rows = noted(
            rows(
                wide,
                vast,
                pl.col("vast"),
                n_jaren=pl.col("n_vast"),
                empty_when=pl.col("n_vast") == 0,
                empty_reason="niet beschikbaar: geen basisjaar van norm_basisjaren gedekt door de levering",
            ),
            "_note_vast",
        )
    missing_basis = (
        GEEN_BASISJAREN
        if basis == "vast" and not config.norm_basisjaren
        else "niet beschikbaar: percentage of basis van de norm ontbreekt (lege populatie of niet gedekt)"
    )
    flag_missing = pl.col("j0").is_null() | pl.col("normwaarde").is_null()
    note_norm = "_note_meerjarig" if basis == "meerjarig" else "_note_vast"
    return [
        noted(
            rows(
                wide, meer, pl.col("meerjarig"), n_jaren=pl.col("n_jaren"), empty_when=pl.col("n_jaren") == 0
            ),
            "_note_meerjarig",
        ),
        vast_rows,
        rows(
            wide,
            waarde,
            pl.col("normwaarde"),
            n_jaren=pl.col(n_basis),
            empty_when=pl.col("normwaarde").is_null(),
            empty_reason=missing_basis,
        ),
        noted(
            rows(
                wide,
                norm_kpi,
                (pl.col("j0") >= pl.col("normwaarde")).cast(pl.Float64),
                n_jaren=pl.col(n_basis),
                empty_when=flag_missing,
                empty_reason=missing_basis,
            ),
            note_norm,
        ),
        rows(
            wide,
            zeker,
            ((pl.col("lo") > pl.col("normwaarde")) | (pl.col("hi") < pl.col("normwaarde"))).cast(pl.Float64),
            n_jaren=pl.col(n_basis),
            empty_when=flag_missing | pl.col("lo").is_null(),
            empty_reason=missing_basis,
        ),
    ]


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


def fixed_series(ctx: Context, compute_one) -> list[pl.DataFrame | None]:
    """`compute_one(s, e)` for the calendar year of each of `norm_basisjaren` (None when not covered).

    The fixed baseline is the same for every peildatum: `compute_one` caches its windows (`ctx.cached`),
    so a series of quarters computes each base year once.
    """
    out: list[pl.DataFrame | None] = []
    for year in ctx.config.norm_basisjaren:
        try:
            s, e = ctx.check_window(dt.date(year, 12, 31))
        except Unavailable:
            out.append(None)
            continue
        out.append(compute_one(s, e))
    return out


def outflow_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    """All uitstroom KPIs for peildatum `b`."""
    spells = ctx.spells

    def one(s, e):
        # a window's flows are shared by the quarters of a series (each is one of four norm years)
        return ctx.cached(("uitstroom", s, e), lambda: flow_counts(spells, s, e, ctx.gemeenten))

    series, reason = yearly_series(ctx, b, one)
    base = fixed_series(ctx, one)
    out: list[pl.DataFrame] = []
    if series[0] is None:
        out.append(unavailable_rows(YEARLY, ctx.gemeenten, reason))
    else:
        out += yearly_rows(series[0])
    for kpi, norm_kpi in NORMED.items():
        yearly = [None if agg is None else _kpi_rows(agg, kpi) for agg in series]
        fixed = [None if agg is None else _kpi_rows(agg, kpi) for agg in base]
        out += multi_year_rows(kpi, norm_kpi, yearly, ctx.config, ctx.gemeenten, reason, fixed)
    return out


def _kpi_rows(agg: pl.DataFrame, kpi: str) -> pl.DataFrame:
    return next(r for r in yearly_rows(agg) if r.get_column("kpi")[0] == kpi)


#: The norm in words (the seed's own: relative, "10 % meer ... ten opzichte van het meerjarig ...").
NORM_WOORDEN = "10 % hoger dan het meerjarig gemiddelde (rapportjaar en de drie jaren ervoor), dus x 1,10"


def normed_catalogue(kpi: str, norm_kpi: str, label: str, family: str, norm: str = NORM_WOORDEN) -> list:
    """Catalogue entries of the rows `multi_year_rows` adds to the normed percentage `kpi` (`label`)."""
    meer, vast, waarde, zeker = normed_ids(kpi, norm_kpi)[:3] + normed_ids(kpi, norm_kpi)[4:]
    return [
        registry.kpi(meer, f"{label}, meerjarig gemiddelde", "pct", "meerjarig", family, basis=kpi),
        registry.kpi(
            vast, f"{label}, vaste basis (gemiddelde van de basisjaren)", "pct", "meerjarig", family
        ),
        registry.kpi(waarde, f"{label}, normwaarde", "pct", "meerjarig", family, norm),
        registry.kpi(
            norm_kpi, f"Norm {label[0].lower() + label[1:]} gehaald", "vlag", "vlag", family, norm, basis=kpi
        ),
        registry.kpi(zeker, f"Norm {label[0].lower() + label[1:]}: oordeel zeker", "vlag", "vlag", family),
    ]


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
            *normed_catalogue(
                "uitstroom_werk_pct", "uitstroom_werk_norm", "Uitstroom naar werk", "uitstroom"
            ),
            *normed_catalogue(
                "uitstroom_werk_inkomen_pct",
                "uitstroom_werk_inkomen_norm",
                "Uitstroom naar werk of ander inkomen",
                "uitstroom",
            ),
        ),
    )
)
