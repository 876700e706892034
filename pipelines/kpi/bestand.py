"""The stock on the peildatum and its composition, and the benefit density.

docs/definities.md. A person is in stock when a merged in-scope
spell runs on `b`. Attributes of the benefit (leefvorm, ontheffing) come from the person's
*current period*: the in-scope period that started last on or before `b` (the running one; for
a person inside a merged break of at most `gap_days`, the period before the break).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    TOTAAL,
    Context,
    by_gemeente_masks,
    concat_rows,
    count_rows,
    dates_frame,
    pct_rows,
    per_peildatum,
    rows,
    tabel_ontbreekt,
    unavailable_rows,
)
from pipelines.periods import minus_years, window
from pipelines.schema import PERSON_COLUMN, PERSPECTIEF
from pipelines.spells import (
    OPEN_END,
    date_position,
    in_scope,
    latest_running_each,
    latest_running_masks,
    mask_chunks,
    overlapping_mask,
    range_mask,
    running_mask,
    running_on_each,
)

ONTHEFFING_JA = ("4", "5", "6")
PERSPECTIEVEN = PERSPECTIEF

BASE = [
    "bestand_n",
    "uitkeringen_n",
    "duur_2plus_pct",
    "duur_5plus_pct",
    "alleenstaande_ouder_n",
    "statushouder_n",
    "doelgroepregister_n",
    "leeftijd_50plus_n",
    "ontheffing_n",
]
KLANTBEELD = [
    "perspectief_werken_n",
    "perspectief_werken_aan_n",
    "perspectief_meedoen_n",
    "perspectief_onbekend_n",
    "duurzaam_vrijgesteld_n",
]
DICHTHEID = ["bijstandsdichtheid"]
DOORSTROOM = ["perspectief_werken_12mnd_n"]


def age_expr(geboortedatum: pl.Expr, b: dt.date | pl.Expr) -> pl.Expr:
    """Whole years of age on `b` (born 29 February: a year older on 1 March in a common year).

    `b` is a date or a date column (`pl.col("peildatum")` in a family computed for many peildata).
    """
    on = pl.lit(b, pl.Date) if isinstance(b, dt.date) else b
    not_yet = (geboortedatum.dt.month() > on.dt.month()) | (
        (geboortedatum.dt.month() == on.dt.month()) & (geboortedatum.dt.day() > on.dt.day())
    )
    return (
        on.dt.year().cast(pl.Int32) - geboortedatum.dt.year().cast(pl.Int32) - not_yet.cast(pl.Int32)
    ).cast(pl.Int32)


def first_day_aged(geboortedatum: pl.Expr, years: int) -> pl.Expr:
    """The first day on which `age_expr` is at least `years` (born 29 February: 1 March in a common year),
    so that "aged `years` or more on `b`" is `b >=` this day, for any number of peildata at once.
    """
    day = geboortedatum.dt.offset_by(f"{years}y")
    # 29 February gives 28 February in a common year, where `age_expr` is still `years - 1`
    return pl.when(day.dt.day() == geboortedatum.dt.day()).then(day).otherwise(day.dt.offset_by("1d"))


def current_periods(uitkeringen: pl.LazyFrame | pl.DataFrame, regelingen, b: dt.date) -> pl.LazyFrame:
    """Per person the in-scope period that started last on or before `b`."""
    return current_periods_each(uitkeringen, regelingen, [b]).drop(PEILDATUM)


def current_periods_each(
    uitkeringen: pl.LazyFrame | pl.DataFrame, regelingen, peildata: list[dt.date]
) -> pl.LazyFrame:
    """Per person and peildatum `b` the in-scope period that started last on or before `b`.

    Of periods with the same start the one with the latest end (then the highest registratienummer)
    counts. Each period is the current one from its start until the day before the next later start
    of the person, so all peildata are found in one pass (column `peildatum`).
    """
    return running_on_each(
        _current_from_to(uitkeringen, regelingen), peildata, "aanvangsdatum", "_valid_to"
    ).drop("_end", "_valid_to")


def current_periods_masks(
    uitkeringen: pl.LazyFrame | pl.DataFrame, regelingen, peildata: list[dt.date]
) -> pl.LazyFrame:
    """The in-scope periods that are ever current, each with the peildata it is current on as a date mask
    (`_current`, `pipelines.spells.running_mask`): `current_periods_each` without a row per date.
    """
    return (
        _current_from_to(uitkeringen, regelingen)
        .with_columns(running_mask(peildata, "aanvangsdatum", "_valid_to").alias("_current"))
        .drop("_end", "_valid_to")
    )


def current_in_stock_each(
    spells: pl.LazyFrame | pl.DataFrame,
    uitkeringen: pl.LazyFrame | pl.DataFrame,
    regelingen,
    peildata: list[dt.date],
) -> pl.LazyFrame:
    """Per peildatum every person in stock, with the start of the running spell (`start`) and the columns of
    the current period: the rows of joining the stock with `current_periods_each`, found in one pass.

    A person in stock on `b` is inside a merged spell whose first period started on or before `b`, so the
    current period is one of that spell's periods: each is current from its start until the day before
    the next start, and counts for the stock until its spell ends.
    """
    return running_on_each(
        _in_stock_periods(spells, uitkeringen, regelingen), peildata, "aanvangsdatum", "_in_stock_to"
    ).drop("_end", "_valid_to", "_spell_end", "_in_stock_to")


def in_stock_masks(
    spells: pl.LazyFrame | pl.DataFrame,
    uitkeringen: pl.LazyFrame | pl.DataFrame,
    regelingen,
    peildata: list[dt.date],
) -> pl.LazyFrame:
    """`current_in_stock_each` as date masks: each period of a spell with the peildata it is the current
    period of a person in stock on (`_m`, `pipelines.spells.running_mask`); periods on none are left out.
    """
    return (
        _in_stock_periods(spells, uitkeringen, regelingen)
        .with_columns(running_mask(peildata, "aanvangsdatum", "_in_stock_to").alias("_m"))
        .filter(pl.col("_m") != 0)
        .drop("_end", "_valid_to", "_spell_end", "_in_stock_to")
    )


def _in_stock_periods(
    spells: pl.LazyFrame | pl.DataFrame, uitkeringen: pl.LazyFrame | pl.DataFrame, regelingen
) -> pl.LazyFrame:
    """The periods of `current_in_stock_each`, each with the last day it counts for the stock
    (`_in_stock_to`, `OPEN_END` while running).
    """
    spell = spells.lazy().select(
        PERSON_COLUMN, "start", pl.col("end").fill_null(OPEN_END).alias("_spell_end")
    )
    return (
        _current_from_to(uitkeringen, regelingen)
        .join(spell, on=PERSON_COLUMN, how="inner")
        .filter(
            (pl.col("aanvangsdatum") >= pl.col("start")) & (pl.col("aanvangsdatum") <= pl.col("_spell_end"))
        )
        .with_columns(
            pl.min_horizontal(pl.col("_valid_to").fill_null(OPEN_END), "_spell_end").alias("_in_stock_to")
        )
    )


def _current_from_to(uitkeringen: pl.LazyFrame | pl.DataFrame, regelingen) -> pl.LazyFrame:
    """The in-scope periods that are ever current, with the last day they are (`_valid_to`, empty: open)."""
    ordered = (
        in_scope(uitkeringen, regelingen)
        .with_columns(pl.col("einddatum").fill_null(OPEN_END).alias("_end"))
        .sort(PERSON_COLUMN, "aanvangsdatum", "_end", "registratienummer")
    )
    # sorted by person, so the next row of the same person is the next row (cheaper than `.over`)
    next_start = pl.when(pl.col(PERSON_COLUMN).shift(-1) == pl.col(PERSON_COLUMN)).then(
        pl.col("aanvangsdatum").shift(-1)
    )
    last_of_start = ordered.filter(next_start.ne_missing(pl.col("aanvangsdatum")))
    return last_of_start.with_columns((next_start - pl.duration(days=1)).alias("_valid_to"))


def stock_on(
    spells: pl.LazyFrame | pl.DataFrame,
    uitkeringen: pl.LazyFrame | pl.DataFrame,
    personen: pl.LazyFrame | pl.DataFrame,
    b: dt.date,
    regelingen=("01", "02", "03"),
    klantbeeld: pl.LazyFrame | pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per person in stock on `b`, with everything the stock KPIs count (`stock_on_each`)."""
    return (
        stock_on_each(spells, uitkeringen, personen, [b], regelingen, klantbeeld)
        .drop(PEILDATUM)
        .sort(PERSON_COLUMN)
    )


def stock_on_each(
    spells: pl.LazyFrame | pl.DataFrame,
    uitkeringen: pl.LazyFrame | pl.DataFrame,
    personen: pl.LazyFrame | pl.DataFrame,
    peildata: list[dt.date],
    regelingen=("01", "02", "03"),
    klantbeeld: pl.LazyFrame | pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per peildatum and person in stock on it, with everything the stock KPIs count.

    Columns: peildatum, persoon, gemeentecode, start, duur_2plus, duur_5plus, leefvorm,
    ontheffing_actief, statushouder, doelgroepregister, leeftijd, leeftijd_50plus, and when `klantbeeld`
    is given perspectief (null = no period running on the peildatum) and duurzaam_vrijgesteld.
    """
    b = pl.col(PEILDATUM)
    dates = dates_frame(
        peildata, _twee_jaar=lambda d: minus_years(d, 2), _vijf_jaar=lambda d: minus_years(d, 5)
    )
    stock = current_in_stock_each(spells, uitkeringen, regelingen, peildata).select(
        PEILDATUM,
        PERSON_COLUMN,
        "start",
        "leefvorm",
        (
            pl.col("ontheffing").is_in(ONTHEFFING_JA)
            & (pl.col("einddatum_ontheffing").is_null() | (pl.col("einddatum_ontheffing") >= b))
        )
        .fill_null(False)
        .alias("ontheffing_actief"),
    )
    persons = personen.lazy().select(
        PERSON_COLUMN, GEMEENTE, "statushouder", "doelgroepregister", "geboortedatum"
    )
    out = (
        stock.join(persons, on=PERSON_COLUMN, how="left")
        .join(dates.lazy(), on=PEILDATUM, how="left")
        .with_columns(
            (pl.col("start") <= pl.col("_twee_jaar")).alias("duur_2plus"),
            (pl.col("start") <= pl.col("_vijf_jaar")).alias("duur_5plus"),
            age_expr(pl.col("geboortedatum"), b).alias("leeftijd"),
        )
        .with_columns((pl.col("leeftijd") >= 50).fill_null(False).alias("leeftijd_50plus"))
        .drop("_twee_jaar", "_vijf_jaar")
    )
    if klantbeeld is not None:
        kb = latest_running_each(klantbeeld, peildata, start="ingangsdatum", end="einddatum").select(
            PEILDATUM, PERSON_COLUMN, "perspectief", "duurzaam_vrijgesteld"
        )
        out = out.join(kb, on=[PEILDATUM, PERSON_COLUMN], how="left")
    return out.drop("geboortedatum").collect()


def _in_perspective(
    klantbeeld: pl.LazyFrame | pl.DataFrame, spells: pl.LazyFrame | pl.DataFrame, perspectief: str
) -> pl.LazyFrame:
    """The days (`_first.._last`) a `klantbeeld` period of `perspectief` and a merged spell share."""
    periods = (
        klantbeeld.lazy()
        .filter(pl.col("perspectief") == perspectief)
        .select(PERSON_COLUMN, "ingangsdatum", pl.col("einddatum").fill_null(OPEN_END).alias("_eind"))
    )
    keep = [c for c in (PERSON_COLUMN, GEMEENTE) if c in spells.lazy().collect_schema().names()]
    both = periods.join(
        spells.lazy().select(*keep, "start", pl.col("end").fill_null(OPEN_END).alias("_end")),
        on=PERSON_COLUMN,
    ).select(
        *keep,
        pl.max_horizontal(pl.col("ingangsdatum"), pl.col("start")).alias("_first"),
        pl.min_horizontal(pl.col("_eind"), pl.col("_end")).alias("_last"),
    )
    return both.filter(pl.col("_first") <= pl.col("_last"))


def throughput_rows(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """`perspectief_werken_12mnd_n`: persons in perspective werken at any time in the window."""

    def check(b: dt.date) -> None:
        ctx.check_peildatum(b)  # the family's own condition comes first, as for its other KPIs
        ctx.table("klantbeeld")
        ctx.check_window(b)

    def compute(dates: list[dt.date]) -> list[pl.DataFrame]:
        shared = _in_perspective(ctx.table("klantbeeld"), ctx.spells, "werken")
        # per person the windows of any day in the perspective on assistance (a throughput)
        people = (
            shared.with_columns(overlapping_mask([window(b) for b in dates], "_first", "_last").alias("_m"))
            .group_by(PERSON_COLUMN, GEMEENTE)
            .agg(pl.col("_m").bitwise_or())
        )
        agg = by_gemeente_masks(people, {"werken": pl.col("_m")}, ctx.gemeenten, dates)
        return count_rows(agg, {"perspectief_werken_12mnd_n": "werken"})

    def compute_all(dates: list[dt.date]) -> list[pl.DataFrame]:
        return [part for chunk in mask_chunks(dates) for part in compute(chunk)]

    return per_peildatum(DOORSTROOM, ctx.gemeenten, peildata, check, compute_all)


def stock_rows(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """Every `bestand` KPI for every peildatum (the stock, its make-up, density and throughput)."""
    kpis = BASE + KLANTBEELD + DICHTHEID
    stock = per_peildatum(
        kpis, ctx.gemeenten, peildata, ctx.check_peildatum, lambda dates: _stock(ctx, dates)
    )
    return concat_rows([stock, throughput_rows(ctx, peildata)], dated=True)


def stock_counts(ctx: Context, dates: list[dt.date]) -> pl.DataFrame:
    """Per peildatum and municipality what the stock KPIs count (the aggregates of `stock_on_each` and of
    the in-scope benefits running on each date), from date masks (`pipelines.spells.running_mask`) of the
    in-stock periods, the klantbeeld periods and the benefits instead of a row per person and date.

    A person in stock has one current period per date, so their periods' masks do not overlap; the
    klantbeeld row that counts on a date is the latest running one (`latest_running_masks`).
    """
    return pl.concat([_stock_counts(ctx, chunk) for chunk in mask_chunks(dates)])


def _stock_counts(ctx: Context, dates: list[dt.date]) -> pl.DataFrame:
    data, cfg = ctx.data, ctx.config
    n = len(dates)
    ordered = pl.Series(dates, dtype=pl.Date)
    every = pl.lit(n, pl.UInt32)

    def since(days: pl.Series, column: str) -> pl.Expr:
        """The dates whose `days` (sorted along with them) are on or after `column`."""
        return range_mask(date_position(days, pl.col(column)), every)

    twee_jaar = pl.Series([minus_years(d, 2) for d in dates], dtype=pl.Date)
    vijf_jaar = pl.Series([minus_years(d, 5) for d in dates], dtype=pl.Date)
    persons = (
        data.get("personen")
        .lazy()
        .select(PERSON_COLUMN, GEMEENTE, "statushouder", "doelgroepregister", "geboortedatum")
    )
    stock_query = (
        in_stock_masks(ctx.spells, data.get("uitkeringen"), cfg.regelingen, dates)
        .select(PERSON_COLUMN, "start", "leefvorm", "ontheffing", "einddatum_ontheffing", "_m")
        .join(persons, on=PERSON_COLUMN, how="left")
        .with_columns(first_day_aged(pl.col("geboortedatum"), 50).alias("_aged"))
    )
    benefits_query = (
        in_scope(data.get("uitkeringen"), cfg.regelingen)
        .select(
            "registratienummer",
            PERSON_COLUMN,
            running_mask(dates, "aanvangsdatum", "einddatum").alias("uitkeringen"),
        )
        .filter(pl.col("uitkeringen") != 0)
        .join(ctx.persons.lazy(), on=PERSON_COLUMN, how="left")
    )
    klantbeeld = data.tables.get("klantbeeld")
    latest_query = (
        pl.LazyFrame()
        if klantbeeld is None
        else latest_running_masks(klantbeeld, dates, start="ingangsdatum", end="einddatum").select(
            PERSON_COLUMN, "perspectief", "duurzaam_vrijgesteld", "_latest"
        )
    )
    # one collect for the three, which do not depend on each other: polars runs them side by side
    stock, benefits, latest_all = pl.collect_all([stock_query, benefits_query, latest_query])
    m = pl.col("_m")
    none = pl.lit(0, pl.UInt64)

    def where(condition: pl.Expr) -> pl.Expr:
        return pl.when(condition.fill_null(False)).then(m).otherwise(none)

    until_ontheffing = range_mask(
        pl.lit(0, pl.UInt32),
        date_position(ordered, pl.col("einddatum_ontheffing").fill_null(OPEN_END), side="right"),
    )
    aggs = {
        "bestand": m,
        "duur_2plus": m & since(twee_jaar, "start"),
        "duur_5plus": m & since(vijf_jaar, "start"),
        "alleenstaande_ouder": where(pl.col("leefvorm") == "2"),
        "statushouder": where(pl.col("statushouder")),
        "doelgroepregister": where(pl.col("doelgroepregister")),
        "leeftijd_50plus": m & since(ordered, "_aged"),
        "ontheffing": where(pl.col("ontheffing").is_in(ONTHEFFING_JA)) & until_ontheffing,
    }
    agg = by_gemeente_masks(stock, aggs, ctx.gemeenten, dates)
    if klantbeeld is not None:
        in_stock = stock.group_by(PERSON_COLUMN, GEMEENTE).agg(m.sum())  # disjoint: the sum is the union
        latest = (
            latest_all.join(in_stock, on=PERSON_COLUMN, how="inner")
            .with_columns((pl.col("_latest") & m).alias("_m"))
            .filter(pl.col("_m") != 0)
        )
        counted = {f"perspectief_{p}": where(pl.col("perspectief") == p) for p in PERSPECTIEVEN}
        counted |= {
            "_perspectief_bekend": where(pl.col("perspectief").is_not_null()),
            "duurzaam_vrijgesteld": where(pl.col("duurzaam_vrijgesteld")),
        }
        agg = agg.join(
            by_gemeente_masks(latest, counted, ctx.gemeenten, dates),
            on=[PEILDATUM, GEMEENTE],
            how="left",
            maintain_order="left",
        ).with_columns((pl.col("bestand") - pl.col("_perspectief_bekend")).alias("perspectief_onbekend"))
    counted_benefits = by_gemeente_masks(
        benefits, {"uitkeringen": pl.col("uitkeringen")}, ctx.gemeenten, dates, distinct="registratienummer"
    )
    return agg.join(counted_benefits, on=[PEILDATUM, GEMEENTE], how="left", maintain_order="left")


def _stock(ctx: Context, dates: list[dt.date]) -> list[pl.DataFrame]:
    data = ctx.data
    klantbeeld = data.tables.get("klantbeeld")
    agg = stock_counts(ctx, dates)
    out = count_rows(
        agg,
        {
            "bestand_n": "bestand",
            "uitkeringen_n": "uitkeringen",
            "alleenstaande_ouder_n": "alleenstaande_ouder",
            "statushouder_n": "statushouder",
            "doelgroepregister_n": "doelgroepregister",
            "leeftijd_50plus_n": "leeftijd_50plus",
            "ontheffing_n": "ontheffing",
        },
    )
    out += pct_rows(
        agg, {"duur_2plus_pct": ("duur_2plus", "bestand"), "duur_5plus_pct": ("duur_5plus", "bestand")}
    )
    if klantbeeld is not None:
        out += count_rows(agg, {f"{k}_n": k for k in [f"perspectief_{p}" for p in PERSPECTIEVEN]})
        out += count_rows(
            agg,
            {
                "perspectief_onbekend_n": "perspectief_onbekend",
                "duurzaam_vrijgesteld_n": "duurzaam_vrijgesteld",
            },
        )
    else:
        out += [unavailable_rows(KLANTBEELD, ctx.gemeenten, tabel_ontbreekt("klantbeeld"), b) for b in dates]
    out.append(density_rows(agg.select(PEILDATUM, GEMEENTE, "uitkeringen"), data.inwoners, ctx.gemeenten))
    return out


def density_rows(benefits: pl.DataFrame, inwoners: pl.DataFrame, gemeenten: list[str]) -> pl.DataFrame:
    """`bijstandsdichtheid` = 1000 x running benefits / inhabitants 18+ on 1 January of the year of `b`.

    `totaal` divides by the sum over all municipalities of the report; when one of them has no
    population figure for that year, `totaal` and that municipality are not available.
    """
    codes = pl.DataFrame({GEMEENTE: gemeenten}, schema={GEMEENTE: pl.String()})
    years = []
    for jaar in sorted(set(benefits.get_column(PEILDATUM).dt.year().to_list())):
        pop = inwoners.filter(pl.col("jaar") == jaar).select(
            GEMEENTE, pl.col("inwoners_18plus").cast(pl.Float64)
        )
        pop = codes.join(pop, on=GEMEENTE, how="left")
        missing = pop.filter(pl.col("inwoners_18plus").is_null()).get_column(GEMEENTE).to_list()
        total = None if missing or not gemeenten else pop.get_column("inwoners_18plus").sum()
        pop = pl.concat(
            [pl.DataFrame({GEMEENTE: [TOTAAL], "inwoners_18plus": [total]}, schema=pop.schema), pop]
        )
        reason = (
            f"niet beschikbaar: geen inwonertal 18+ voor {jaar} van gemeente(n) {', '.join(missing)} "
            "(referentie inwoners of inwoners.csv in de exportmap)"
        )
        years.append(pop.with_columns(pl.lit(jaar, pl.Int32).alias("_jaar"), pl.lit(reason).alias("_reden")))
    frame = benefits.with_columns(pl.col(PEILDATUM).dt.year().cast(pl.Int32).alias("_jaar")).join(
        pl.concat(years), on=["_jaar", GEMEENTE], how="left", maintain_order="left"
    )
    return rows(
        frame,
        "bijstandsdichtheid",
        1000.0 * pl.col("uitkeringen").cast(pl.Float64) / pl.col("inwoners_18plus"),
        pl.col("uitkeringen"),
        pl.col("inwoners_18plus"),
        empty_when=pl.col("inwoners_18plus").is_null() | (pl.col("inwoners_18plus") <= 0),
        empty_reason=pl.col("_reden"),
    )


FAMILY = registry.register(
    registry.Family(
        id="bestand",
        label="Samenstelling van het bestand",
        order=30,
        series=stock_rows,
        notebook="12_bestand",
        sums=(("bestand_n", tuple(f"perspectief_{p}_n" for p in (*PERSPECTIEVEN, "onbekend"))),),
        kpis=(
            registry.kpi("bestand_n", "Personen in het bestand", "n", "aantal", "bestand"),
            registry.kpi("uitkeringen_n", "Lopende uitkeringen", "n", "aantal", "bestand"),
            registry.kpi("duur_2plus_pct", "Langer dan 2 jaar in de uitkering", "pct", "aandeel", "bestand"),
            registry.kpi("duur_5plus_pct", "Langer dan 5 jaar in de uitkering", "pct", "aandeel", "bestand"),
            registry.kpi("perspectief_werken_n", "Perspectief werken", "n", "aantal", "bestand"),
            registry.kpi(
                "perspectief_werken_12mnd_n",
                "Perspectief werken: personen in de 12 maanden (doorstroom)",
                "n",
                "aantal",
                "bestand",
            ),
            registry.kpi("perspectief_werken_aan_n", "Perspectief werken aan", "n", "aantal", "bestand"),
            registry.kpi("perspectief_meedoen_n", "Perspectief meedoen", "n", "aantal", "bestand"),
            registry.kpi("perspectief_onbekend_n", "Perspectief onbekend", "n", "aantal", "bestand"),
            registry.kpi("duurzaam_vrijgesteld_n", "Duurzaam vrijgesteld", "n", "aantal", "bestand"),
            registry.kpi("alleenstaande_ouder_n", "Alleenstaande ouders", "n", "aantal", "bestand"),
            registry.kpi("statushouder_n", "Statushouders", "n", "aantal", "bestand"),
            registry.kpi("doelgroepregister_n", "In het doelgroepregister", "n", "aantal", "bestand"),
            registry.kpi("leeftijd_50plus_n", "50 jaar of ouder", "n", "aantal", "bestand"),
            registry.kpi(
                "ontheffing_n", "Met ontheffing van de arbeidsverplichtingen", "n", "aantal", "bestand"
            ),
            registry.kpi(
                "bijstandsdichtheid",
                "Uitkeringen per 1.000 inwoners van 18 jaar en ouder",
                "ratio",
                "verhouding",
                "bestand",
            ),
        ),
    )
)
