"""Stock and flows in a window: inflow, outflow by reason group, and the multi-year norm.

docs/definities.md. The unit is the merged
spell of a person: a person with two spells in one window (a break of more than `gap_days`)
counts twice, as CBS counts flows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    LEGE_POPULATIE,
    PEILDATUM,
    Context,
    Unavailable,
    count_rows,
    counts_per_window,
    pct_rows,
    per_peildatum,
    rows,
    unavailable_rows,
)
from pipelines.periods import multi_year_peildata
from pipelines.spells import (
    OPEN_END,
    Window,
    date_position,
    overlapping,
    overlapping_each,
    overlapping_mask,
    range_mask,
    window_start,
)
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
#: The yearly percentages: kpi -> (numerator, denominator) of `FLOW_AGGS`.
PERCENTAGES = {
    "uitstroom_pct": ("uitstroom_alle", "noemer"),
    "uitstroom_werk_pct": ("uitstroom_werk", "noemer"),
    "uitstroom_werk_inkomen_pct": ("uitstroom_werk_inkomen", "noemer"),
    "instroom_pct": ("instroom", "noemer"),
}


def flows_per_spell_each(spells: pl.LazyFrame | pl.DataFrame, windows: list[Window]) -> pl.LazyFrame:
    """Each merged spell with each window `s..b` it touches (`peildatum` = b) and its role in it (begin
    stock, inflow, outflow by group).
    """
    windows = sorted(set(windows), key=lambda w: w[1])
    s, b = pl.col("_s"), pl.col(PEILDATUM)
    end = pl.col("end")
    reason = pl.col("reden_beeindiging")
    ends_inside = end.is_not_null() & (end >= s) & (end <= b)
    return (
        overlapping_each(spells, windows)
        .with_columns(window_start(windows).alias("_s"))
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


def flow_masks(windows: list[Window]) -> dict[str, pl.Expr]:
    """The flags of `flows_per_spell_each` as date masks on a row per spell: bit i is set when the spell has
    the flag in the i-th of the (sorted, growing, at most `MASK_DATES`) windows.

    In the begin stock of the windows whose first day comes after its start and not after its end; inflow
    in those holding its start, outflow in those holding its end; D is the two together (every window it
    touches).
    """
    windows = sorted(set(windows), key=lambda w: w[1])
    starts = pl.Series([s for s, _ in windows], dtype=pl.Date)
    reason = pl.col("reden_beeindiging")
    last = pl.col("end").fill_null(OPEN_END)
    begin = range_mask(date_position(starts, pl.col("start"), "right"), date_position(starts, last, "right"))
    inflow = overlapping_mask(windows, "start", "start")
    ending = overlapping_mask(windows, "end", "end")  # 0 while the spell runs
    none = pl.lit(0, pl.UInt64)

    def out(flag: pl.Expr) -> pl.Expr:
        return pl.when(flag.fill_null(False)).then(ending).otherwise(none)

    return {
        "beginstand": begin,
        "instroom": inflow,
        "noemer": begin | inflow,
        "uitstroom_alle": out(reason.is_not_null() & (reason != AOW)),
        "uitstroom_werk": out(reason.is_in(WERK)),
        "uitstroom_werk_inkomen": out(reason.is_in(WERK + INKOMEN)),
        "uitstroom_aow": out(reason == AOW),
    }


def flow_counts_each(
    spells: pl.LazyFrame | pl.DataFrame, windows: list[Window], gemeenten: list[str]
) -> pl.DataFrame:
    """Per window (`peildatum` = its last day), municipality and `totaal`: begin stock, inflow, D, outflow
    per reason group (and to AOW, for charts): `by_gemeente` of `flows_per_spell_each` with `FLOW_AGGS`,
    counted from the date masks of the spells (`flow_masks`) instead of a row per spell and window.
    """
    return counts_per_window(touching(spells, windows), windows, gemeenten, flow_masks)


def touching(spells: pl.LazyFrame | pl.DataFrame, windows: list[Window]) -> pl.LazyFrame:
    """The spells that overlap any of the (growing) windows: the others have no bit in any mask."""
    return overlapping(spells, min(s for s, _ in windows), max(b for _, b in windows))


def yearly_rows(agg: pl.DataFrame) -> list[pl.DataFrame]:
    return pct_rows(agg, PERCENTAGES) + count_rows(
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
#: Column of the wide multi-year frame saying which yearly windows are covered ("1101": j0, j1, j3).
JAREN = "_jaren"


def _mean(cols: list[str]) -> tuple[pl.Expr, pl.Expr]:
    """(number of non-null columns, their mean or null) as expressions."""
    if not cols:
        return pl.lit(0, pl.Int64), pl.lit(None, pl.Float64)
    n = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int64) for c in cols])
    mean = pl.sum_horizontal([pl.col(c).fill_null(0.0) for c in cols]) / n
    return n, pl.when(n > 0).then(mean)


def _covered_mean(wide: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    """`_mean` over the covered yearly columns of each row (`JAREN`).

    A horizontal sum adds its columns pairwise, so the mean takes exactly the covered columns, as the
    figure of one date does, rather than every column with zeros: the floats stay the same.
    """
    masks = sorted(set(wide.get_column(JAREN).to_list()))
    if not masks:
        return _mean([])
    ns, means = [], []
    for mask in masks:
        n, mean = _mean([f"j{i}" for i, c in enumerate(mask) if c == "1"])
        ns.append(pl.when(pl.col(JAREN) == mask).then(n))
        means.append(pl.when(pl.col(JAREN) == mask).then(mean))
    return pl.coalesce(ns), pl.coalesce(means)


def multi_year_rows(
    kpi: str,
    norm_kpi: str,
    yearly: list[pl.DataFrame | None],
    config,
    gemeenten: list[str],
    reason_current: str | None,
    fixed: list[pl.DataFrame | None] | None = None,
) -> list[pl.DataFrame]:
    """`multi_year_rows_each` for one date: `yearly` holds, newest first, the rows of `kpi` (with
    `teller`, `noemer`) for `b`, `b - 1y`, ... (None when that window is not covered); `fixed` those of
    the windows of `norm_basisjaren` (calendar years).
    """
    if yearly[0] is None or not any(f is not None for f in yearly):
        reason = reason_current or LEGE_POPULATIE
        return [unavailable_rows(normed_ids(kpi, norm_kpi), gemeenten, reason)]
    wide = yearly[0].select(
        GEMEENTE, pl.col("waarde").alias("j0"), pl.col("teller").alias("t0"), pl.col("noemer").alias("n0")
    )
    for i, f in enumerate(yearly[1:], start=1):
        if f is None:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(f"j{i}"))
        else:
            wide = wide.join(f.select(GEMEENTE, pl.col("waarde").alias(f"j{i}")), on=GEMEENTE, how="left")
    fixed_cols = []
    for i, f in enumerate(fixed or []):
        if f is not None:
            wide = wide.join(f.select(GEMEENTE, pl.col("waarde").alias(f"f{i}")), on=GEMEENTE, how="left")
            fixed_cols.append(f"f{i}")
    wide = wide.with_columns(pl.lit("".join("0" if f is None else "1" for f in yearly)).alias(JAREN))
    return multi_year_rows_each(kpi, norm_kpi, wide, config, fixed_cols, len(fixed or []))


def multi_year_rows_each(
    kpi: str, norm_kpi: str, wide: pl.DataFrame, config, fixed_cols: list[str], n_fixed: int
) -> list[pl.DataFrame]:
    """The baselines of a normed percentage, the norm value, the norm flag and its certainty.

    `wide` has a row per municipality (and per peildatum when it has one): `j0`, `j1`, ... the percentage
    of `kpi` in the window of `b`, `b - 1y`, ... (`JAREN` says which are covered), `t0`, `n0` its
    numerator and denominator on `b`, and `fixed_cols` the percentage in each covered base year of
    `norm_basisjaren` (`n_fixed` base years in all). Rows, in `normed_ids` order:
    - `<kpi>_meerjarig`: mean over the covered multi-year windows with a value (`n_jaren`);
    - `<kpi>_vast`: mean over the covered base years (`n_jaren`), unavailable without base years;
    - `<kpi>_normwaarde`: `norm_factor` x the baseline `norm_basis` chooses (the norm is relative);
    - `norm_kpi`: 1 when the percentage >= the norm value;
    - `<norm_kpi>_zeker`: 1 (`zeker`) when the 95 % Wilson interval of the percentage lies wholly on one
      side of the norm value, 0 (`onzeker`) when it contains it.
    """
    meer, vast, waarde, zeker = f"{kpi}_meerjarig", f"{kpi}_vast", f"{kpi}_normwaarde", f"{norm_kpi}_zeker"
    n_meer, mean_meer = _covered_mean(wide)
    n_vast, mean_vast = _mean(fixed_cols)
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
        pl.lit(n_fixed),
    )
    wide = wide.with_columns(
        pl.when(pl.col("n_jaren") < 4).then(fewer).alias("_note_meerjarig"),
        pl.when(pl.col("n_vast") < n_fixed).then(partly).alias("_note_vast"),
    )

    def noted(frame: pl.DataFrame, note: str) -> pl.DataFrame:
        """`frame` (rows of `wide`, in its order) with the note of its row where it has no other remark."""
        return frame.with_columns(pl.coalesce(pl.col("opmerking"), pl.lit(wide.get_column(note))))

    if not config.norm_basisjaren:
        vast_rows = rows(wide, vast, pl.lit(None), empty_when=pl.lit(True), empty_reason=GEEN_BASISJAREN)
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


class NormWindows:
    """The covered windows the multi-year rows of many peildata need (each window is keyed by its end).

    `yearly[b]`: the windows of `b`, `b - 1y`, `b - 2y`, `b - 3y` (newest first, None when not covered);
    `fixed`: those of the calendar years of `norm_basisjaren`. `all` is every distinct one, so a family
    computes each window's aggregate once, in one query, and assembles the dates from it (`wide`).
    """

    def __init__(self, ctx: Context, peildata: list[dt.date]) -> None:
        self.yearly = {b: [_covered(ctx, p) for p in multi_year_peildata(b)] for b in peildata}
        self.fixed = [_covered(ctx, dt.date(year, 12, 31)) for year in ctx.config.norm_basisjaren]
        found = {w for ws in self.yearly.values() for w in ws if w} | {w for w in self.fixed if w}
        self.all: list[Window] = sorted(found, key=lambda w: w[1])

    def wide(self, per_window: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
        """The frame `multi_year_rows_each` takes, for every date of `yearly`, from the rows of one
        percentage in every window of `all` (`peildatum` = the window's end), and its base-year columns.
        """
        dates = list(self.yearly)
        keys: dict[str, list] = {PEILDATUM: dates}
        keys[JAREN] = ["".join("0" if w is None else "1" for w in self.yearly[b]) for b in dates]
        depth = max((len(ws) for ws in self.yearly.values()), default=0)
        for k in range(1, depth):
            keys[f"_e{k}"] = [_end(ws[k]) if k < len(ws) else None for ws in self.yearly.values()]
        schema = {c: pl.String() if c == JAREN else pl.Date() for c in keys}
        wide = per_window.select(
            PEILDATUM,
            GEMEENTE,
            pl.col("waarde").alias("j0"),
            pl.col("teller").alias("t0"),
            pl.col("noemer").alias("n0"),
        ).join(pl.DataFrame(keys, schema=schema), on=PEILDATUM, how="inner")
        for k in range(1, depth):
            older = per_window.select(
                pl.col(PEILDATUM).alias(f"_e{k}"), GEMEENTE, pl.col("waarde").alias(f"j{k}")
            )
            wide = wide.join(older, on=[f"_e{k}", GEMEENTE], how="left").drop(f"_e{k}")
        fixed_cols = []
        for i, w in enumerate(self.fixed):
            if w is not None:
                base = per_window.filter(pl.col(PEILDATUM) == w[1]).select(
                    GEMEENTE, pl.col("waarde").alias(f"f{i}")
                )
                wide = wide.join(base, on=GEMEENTE, how="left")
                fixed_cols.append(f"f{i}")
        return wide, fixed_cols

    def rows(self, kpi: str, norm_kpi: str, per_window: pl.DataFrame, config) -> list[pl.DataFrame]:
        """`multi_year_rows_each` of `kpi` for every date of `yearly`."""
        wide, fixed_cols = self.wide(per_window)
        return multi_year_rows_each(kpi, norm_kpi, wide, config, fixed_cols, len(self.fixed))


def _end(w: Window | None) -> dt.date | None:
    return None if w is None else w[1]


def _covered(ctx: Context, b: dt.date) -> Window | None:
    try:
        return ctx.check_window(b)
    except Unavailable:
        return None


def normed_series(
    ctx: Context,
    peildata: list[dt.date],
    kpis: list[str],
    compute: Callable[[NormWindows, list[dt.date]], list[pl.DataFrame]],
) -> pl.DataFrame:
    """The rows of a family of normed yearly percentages for every peildatum: `compute(windows, dates)`
    for the dates whose own window is covered, the others unavailable with the reason.
    """
    return per_peildatum(
        kpis, ctx.gemeenten, peildata, ctx.check_window, lambda dates: compute(NormWindows(ctx, dates), dates)
    )


def outflow_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """All uitstroom KPIs for every peildatum: the flows of every window needed, in one query."""

    def compute(windows: NormWindows, dates: list[dt.date]) -> list[pl.DataFrame]:
        agg = flow_counts_each(ctx.spells, windows.all, ctx.gemeenten)
        out = yearly_rows(agg.filter(pl.col(PEILDATUM).is_in(dates)))
        for kpi, norm_kpi in NORMED.items():
            per_window = pct_rows(agg, {kpi: PERCENTAGES[kpi]})[0]
            out += windows.rows(kpi, norm_kpi, per_window, ctx.config)
        return out

    kpis = YEARLY + [k for kpi, norm_kpi in NORMED.items() for k in normed_ids(kpi, norm_kpi)]
    return normed_series(ctx, peildata, kpis, compute)


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
        series=outflow_series,
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
