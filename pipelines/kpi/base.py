"""Shared machinery of the KPI families: the run context, municipality breakdown, row builders.

Every family turns clean tables into rows of one long frame (`ROW_SCHEMA`): one row per KPI per
municipality, with `totaal` for the organisation. Counts, numerators and denominators are computed
by one `group_by` per municipality plus one over everything; the percentages, Wilson intervals
and the disclosure flag are added in one place (`pipelines.kpi.engine`).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipelines.clean import CleanData, TableAbsent
from pipelines.config import OrgConfig
from pipelines.periods import is_covered, minus_years, window
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import DATE_BITS, Window, mask_chunks, merge_spells
from pipelines.text import format_date

TOTAAL = "totaal"
GEMEENTE = "gemeentecode"
PEILDATUM = "peildatum"

ROW_SCHEMA: dict[str, pl.DataType] = {
    "kpi": pl.String(),
    GEMEENTE: pl.String(),
    "waarde": pl.Float64(),
    "teller": pl.Float64(),
    "noemer": pl.Float64(),
    "n_jaren": pl.Int64(),
    "opmerking": pl.String(),
}

_ROW_SCHEMA = pl.Schema(ROW_SCHEMA)
#: The rows of a family computed for many peildata at once (`Family.series`): ROW_SCHEMA and the date.
SERIES_SCHEMA: dict[str, pl.DataType] = {**ROW_SCHEMA, PEILDATUM: pl.Date()}
_SERIES_SCHEMA = pl.Schema(SERIES_SCHEMA)

# Reasons a figure is not available (Dutch, they go into `opmerking`).
LEGE_POPULATIE = "niet beschikbaar: lege populatie (noemer 0)"
ALLEEN_TOTAAL = (
    "alleen berekend voor de organisatie als geheel (gemeentecode totaal): medewerkers hebben geen gemeente"
)


def tabel_ontbreekt(table: str) -> str:
    return f"niet beschikbaar: tabel {table} ontbreekt in de export"


def niet_gedekt(s: dt.date, b: dt.date, gegevens_vanaf: dt.date) -> str:
    return (
        f"niet beschikbaar: venster {format_date(s)} t/m {format_date(b)} niet gedekt "
        f"(gegevens vanaf {format_date(gegevens_vanaf)})"
    )


def na_extractie(b: dt.date, extractiedatum: dt.date) -> str:
    return (
        f"niet beschikbaar: peildatum {format_date(b)} ligt na de extractiedatum "
        f"{format_date(extractiedatum)}"
    )


def voor_levering(b: dt.date, gegevens_vanaf: dt.date) -> str:
    return (
        f"niet beschikbaar: peildatum {format_date(b)} ligt voor gegevens vanaf {format_date(gegevens_vanaf)}"
    )


class Unavailable(Exception):
    """A family (or part of one) cannot be computed; the message goes into `opmerking`."""


@dataclass(frozen=True)
class Inconsistency:
    """A figure a policy document states that its own inputs or totals do not reproduce.

    `eenheid` is the unit of both numbers (`n`, `ratio`, `eur`), for the report's formatter.
    """

    regel: str
    onderdeel: str
    opgegeven: float
    berekend: float
    eenheid: str = "n"


class _Once:
    """A value computed by its first caller while later callers wait. A failure (a family's `Unavailable`)
    is not kept: each caller meets it, as each would compute it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = False
        self._value: Any = None

    def get(self, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if not self._done:
                self._value = compute()
                self._done = True
            return self._value


@dataclass
class Context:
    """What every family needs, prepared once per run (not per peildatum)."""

    data: CleanData
    config: OrgConfig
    gemeenten: list[str]
    #: persoon -> gemeentecode (current municipality, `personen.gemeentecode`).
    persons: pl.DataFrame
    #: Intermediate frames several parts of one run share (the spells, the Meedoen! target groups' own).
    _cache: dict[tuple, _Once] = field(default_factory=dict, repr=False)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """`compute()` once per run for `key` (a family computes all peildata in one pass, so what its
        parts share is computed once here rather than per part). Families run side by side in threads
        (`engine.compute_kpis`): a second caller of the same key waits for the first one's result.
        """
        with self._guard:
            once = self._cache.setdefault(key, _Once())
        return once.get(compute)

    @classmethod
    def build(cls, data: CleanData, config: OrgConfig) -> Context:
        personen = data.get("personen")
        persons = personen.select(PERSON_COLUMN, GEMEENTE)
        present = persons.get_column(GEMEENTE).drop_nulls().unique().to_list()
        gemeenten = sorted(set(config.gemeenten) | set(present))
        return cls(data=data, config=config, gemeenten=gemeenten, persons=persons)

    @property
    def spells(self) -> pl.DataFrame:
        """Merged in-scope spells with the person's municipality (computed once)."""

        def merged() -> pl.DataFrame:
            spells = merge_spells(self.data.get("uitkeringen"), self.config.regelingen, self.config.gap_days)
            return with_gemeente(spells.lazy(), self.persons).collect()

        return self.cached(("spells",), merged)

    def table(self, name: str) -> pl.DataFrame:
        """A clean table, or `Unavailable` naming it."""
        try:
            return self.data.get(name)
        except TableAbsent as exc:
            raise Unavailable(tabel_ontbreekt(name)) from exc

    def check_window(self, b: dt.date) -> tuple[dt.date, dt.date]:
        """The window of `b`, or `Unavailable` when the export does not cover it."""
        s, b = window(b)
        if b > self.data.extractiedatum:
            raise Unavailable(na_extractie(b, self.data.extractiedatum))
        if not is_covered(s, self.data.gegevens_vanaf):
            raise Unavailable(niet_gedekt(s, b, self.data.gegevens_vanaf))
        return s, b

    def check_follow_up(self, b: dt.date) -> tuple[dt.date, dt.date]:
        """The window of `b - 1 year` when it is covered and `b` lies in the delivery: a year of follow-up.

        Durability, re-entry and the inflow cohort look at what happened in the year after an outflow or
        an inflow, so at `b` they are known for the window ending one year earlier.
        """
        if b > self.data.extractiedatum:
            raise Unavailable(na_extractie(b, self.data.extractiedatum))
        s, e = window(minus_years(b, 1))
        if not is_covered(s, self.data.gegevens_vanaf):
            raise Unavailable(niet_gedekt(s, e, self.data.gegevens_vanaf))
        return s, e

    def check_peildatum(self, b: dt.date) -> dt.date:
        """Stock on `b` needs `b` inside the delivered period."""
        if b > self.data.extractiedatum:
            raise Unavailable(na_extractie(b, self.data.extractiedatum))
        if b < self.data.gegevens_vanaf:
            raise Unavailable(voor_levering(b, self.data.gegevens_vanaf))
        return b


def dates_frame(peildata: list[dt.date], **derived: Callable[[dt.date], Any]) -> pl.DataFrame:
    """One row per peildatum (sorted) with dates derived from it in Python (`s=lambda b: window(b)[0]`),
    to join on `peildatum`: a family computed for many peildata uses the very dates the one-date
    definition computes (`minus_years`, `window`), not a polars equivalent.
    """
    dates = sorted(set(peildata))
    columns: dict[str, list[Any]] = {PEILDATUM: dates}
    columns.update({name: [f(b) for b in dates] for name, f in derived.items()})
    return pl.DataFrame(columns).with_columns(pl.col(PEILDATUM).cast(pl.Date))


def with_gemeente(frame: pl.LazyFrame, persons: pl.DataFrame) -> pl.LazyFrame:
    """Attach the person's municipality (persons absent from `personen` get none: counted in `totaal`
    only).
    """
    return frame.join(persons.lazy(), on=PERSON_COLUMN, how="left")


def by_gemeente(
    frame: pl.LazyFrame | pl.DataFrame,
    aggs: list[pl.Expr],
    gemeenten: list[str],
    peildata: list[dt.date] | None = None,
) -> pl.DataFrame:
    """Aggregate per municipality and for the whole organisation; every municipality gets a row.

    Aggregations must be named; a municipality without rows gets what the aggregation gives on an
    empty frame (counts 0, means null). With `peildata` the frame has a `peildatum` column and the
    result has a row per peildatum and municipality (`totaal` first on each date), as one call per
    date would give.
    """
    lf = frame.lazy()
    keys = [] if peildata is None else [PEILDATUM]
    per = lf.filter(pl.col(GEMEENTE).is_not_null()).group_by(*keys, GEMEENTE).agg(aggs)
    tot = (lf.group_by(*keys).agg(aggs) if keys else lf.select(aggs)).with_columns(
        pl.lit(TOTAAL).alias(GEMEENTE)
    )
    empty = lf.head(0).select(aggs)
    per_df, tot_df, empty_df = pl.collect_all([per, tot, empty])
    fill = {c: empty_df.get_column(c)[0] if empty_df.height else None for c in empty_df.columns}
    codes = pl.DataFrame({GEMEENTE: [TOTAAL, *gemeenten]}, schema={GEMEENTE: pl.String()})
    if peildata is None:
        grid = codes
    else:
        dates = pl.DataFrame({PEILDATUM: sorted(set(peildata))}, schema={PEILDATUM: pl.Date()})
        grid = dates.join(codes, how="cross")
    found = pl.concat([tot_df.select(per_df.columns), per_df], how="vertical_relaxed")
    out = grid.join(found, on=[*keys, GEMEENTE], how="left", maintain_order="left")
    return out.with_columns([pl.col(c).fill_null(v) for c, v in fill.items() if v is not None])


def by_gemeente_masks(
    frame: pl.LazyFrame | pl.DataFrame,
    masks: dict[str, pl.Expr],
    gemeenten: list[str],
    peildata: list[dt.date],
    distinct: str | None = None,
) -> pl.DataFrame:
    """`by_gemeente` with `peildata` for counts of date masks (`pipelines.spells.running_mask`): per
    peildatum and municipality the rows whose mask `name` has that date's bit, as a column `name`.

    The frame has a row per person or period instead of one per date it counts on. With `distinct` each
    value of that column counts once per date (`n_unique`): its masks are combined first, per municipality
    and over all of them for `totaal`.
    """
    dates = sorted(set(peildata))
    lf = (
        frame.lazy()
        .select(*([distinct] if distinct else []), GEMEENTE, *(e.alias(n) for n, e in masks.items()))
        .filter(pl.any_horizontal(pl.col(n) != 0 for n in masks))  # rows on none of the dates
    )
    if distinct:
        combine = [pl.col(n).bitwise_or() for n in masks]
        per = lf.filter(pl.col(GEMEENTE).is_not_null()).group_by(distinct, GEMEENTE).agg(combine)
        tot = lf.group_by(distinct).agg(combine).with_columns(pl.lit(TOTAAL).alias(GEMEENTE))
        lf = pl.concat([per.select(GEMEENTE, *masks), tot.select(GEMEENTE, *masks)])
    masked = lf.collect()
    # few distinct masks per municipality (a period's dates are a range): only those are expanded to dates
    found = pl.concat(
        [
            masked.lazy()
            .filter(pl.col(name) != 0)
            .group_by(GEMEENTE, name)
            .agg(pl.len().alias("_n"))
            .select(pl.lit(name).alias("_m"), GEMEENTE, pl.col(name).alias("_mask"), "_n")
            for name in masks
        ]
    ).collect()
    if not distinct:  # `totaal` counts every row, also those without a municipality
        total = found.group_by("_m", "_mask").agg(pl.col("_n").sum(), pl.lit(TOTAAL).alias(GEMEENTE))
        found = pl.concat([found.filter(pl.col(GEMEENTE).is_not_null()), total.select(found.columns)])
    counts = (
        found.lazy()
        .with_columns(pl.int_ranges(0, len(dates), dtype=pl.UInt32).alias("_i"))
        .explode("_i")
        .filter((pl.col("_mask") & pl.lit(DATE_BITS).gather(pl.col("_i"))) != 0)
        .group_by("_m", GEMEENTE, "_i")
        .agg(pl.col("_n").sum().cast(pl.UInt32))
        .collect()
    )
    codes = pl.DataFrame({GEMEENTE: [TOTAAL, *gemeenten]}, schema={GEMEENTE: pl.String()})
    grid = pl.DataFrame({"_i": range(len(dates))}, schema={"_i": pl.UInt32()}).join(codes, how="cross")
    for name, found in counts.partition_by("_m", as_dict=True).items():
        found = found.select("_i", GEMEENTE, pl.col("_n").alias(name[0]))
        grid = grid.join(found, on=["_i", GEMEENTE], how="left", maintain_order="left")
    dated = pl.lit(pl.Series(dates, dtype=pl.Date)).gather(pl.col("_i")).alias(PEILDATUM)
    return grid.select(
        dated,
        GEMEENTE,
        *(pl.col(n).fill_null(0) if n in grid.columns else pl.lit(0, pl.UInt32).alias(n) for n in masks),
    )


def counts_per_window(
    frame: pl.LazyFrame | pl.DataFrame,
    windows: list[Window],
    gemeenten: list[str],
    masks_of: Callable[[list[Window]], dict[str, pl.Expr]],
    distinct: str | None = None,
) -> pl.DataFrame:
    """`by_gemeente_masks` over windows: per window (`peildatum` = its last day; the ends must differ) and
    municipality the rows whose mask has the window's bit, with the masks `masks_of` gives for each run of
    at most `MASK_DATES` windows (sorted by their end). A date is the window of that one day.
    """
    windows = sorted(set(windows), key=lambda w: w[1])
    ends = [b for _, b in windows]
    if len(set(ends)) != len(ends):
        raise ValueError("twee vensters met dezelfde einddatum")
    counts = []
    for chunk in mask_chunks(ends):
        in_chunk = set(chunk)
        these = [w for w in windows if w[1] in in_chunk]
        counts.append(by_gemeente_masks(frame, masks_of(these), gemeenten, chunk, distinct))
    return pl.concat(counts)


def mask_counts(
    frame: pl.LazyFrame | pl.DataFrame, keys: list[str], mask: pl.Expr, peildata: list[dt.date], alias: str
) -> pl.DataFrame:
    """Per value of `keys` and peildatum the rows whose date `mask` has that date's bit (column `alias`):
    `group_by(keys, peildatum).len()` of a row per date, for keys with too many values for
    `by_gemeente_masks` to expand their masks (every date of a key present, 0 when none).
    """
    dates = sorted(set(peildata))
    bit_set = [(pl.col("_mask") & pl.lit(1 << i, pl.UInt64)) != 0 for i in range(len(dates))]
    counted = (
        frame.lazy()
        .select(*keys, mask.alias("_mask"))
        .group_by(*keys, "_mask")
        .agg(pl.len().alias("_n"))
        # a column per date (computed before the group-by: inside `agg` an expression runs per group)
        .with_columns(
            pl.when(has).then(pl.col("_n")).otherwise(0).alias(str(i)) for i, has in enumerate(bit_set)
        )
        .drop("_mask", "_n")
        .group_by(*keys)
        .sum()
        .unpivot(index=keys, variable_name="_i", value_name=alias)
        .collect()
    )
    at = pl.lit(pl.Series(dates, dtype=pl.Date)).gather(pl.col("_i").cast(pl.UInt32)).alias(PEILDATUM)
    return counted.select(*keys, at, pl.col(alias).cast(pl.UInt32))


def exact_means(
    frame: pl.LazyFrame | pl.DataFrame,
    column: str,
    gemeenten: list[str],
    alias: str,
    peildata: list[dt.date] | None = None,
) -> pl.DataFrame:
    """Mean of `column` per municipality and `totaal`, with a correctly rounded sum (`math.fsum`).

    A float sum in polars depends on how the rows happen to be chunked and ordered (joins vary it
    from run to run); `fsum` does not, so kpis.csv stays byte-identical. With `peildata` the frame has a
    `peildatum` column and the result a row per peildatum and municipality, as `by_gemeente`.
    """
    lf = frame.lazy()
    if peildata is None:
        lf = lf.with_columns(pl.lit(None, pl.Date).alias(PEILDATUM))
    values = lf.select(PEILDATUM, GEMEENTE, pl.col(column).cast(pl.Float64)).drop_nulls(column)
    per_df, tot_df = pl.collect_all(
        [values.group_by(PEILDATUM, GEMEENTE).agg(column), values.group_by(PEILDATUM).agg(column)]
    )

    def mean(values: list[float]) -> float | None:
        return math.fsum(values) / len(values) if values else None

    found = {(b, code): mean(v) for b, code, v in per_df.iter_rows()}
    found.update({(b, TOTAAL): mean(v) for b, v in tot_df.iter_rows()})
    dates = [None] if peildata is None else sorted(set(peildata))
    keys = [(b, code) for b in dates for code in [TOTAAL, *gemeenten]]
    out = pl.DataFrame(
        {
            PEILDATUM: [b for b, _ in keys],
            GEMEENTE: [code for _, code in keys],
            alias: [found.get(key) for key in keys],
        },
        schema={PEILDATUM: pl.Date(), GEMEENTE: pl.String(), alias: pl.Float64()},
    )
    return out.drop(PEILDATUM) if peildata is None else out


def rows(
    agg: pl.DataFrame,
    kpi: str,
    waarde: pl.Expr,
    teller: pl.Expr | None = None,
    noemer: pl.Expr | None = None,
    n_jaren: pl.Expr | None = None,
    empty_when: pl.Expr | None = None,
    empty_reason: str | pl.Expr = LEGE_POPULATIE,
) -> pl.DataFrame:
    """One KPI's rows from an aggregate frame (a row per municipality, and per peildatum if it has one)."""
    unavailable = empty_when if empty_when is not None else pl.lit(False)
    return agg.select(
        pl.lit(kpi).alias("kpi"),
        pl.col(GEMEENTE),
        pl.when(unavailable).then(None).otherwise(waarde).cast(pl.Float64).alias("waarde"),
        (teller if teller is not None else pl.lit(None)).cast(pl.Float64).alias("teller"),
        (noemer if noemer is not None else pl.lit(None)).cast(pl.Float64).alias("noemer"),
        (n_jaren if n_jaren is not None else pl.lit(None)).cast(pl.Int64).alias("n_jaren"),
        pl.when(unavailable)
        .then(pl.lit(empty_reason) if isinstance(empty_reason, str) else empty_reason)
        .otherwise(None)
        .cast(pl.String)
        .alias("opmerking"),
        *_dated(agg),
    )


def _dated(agg: pl.DataFrame) -> list[pl.Expr]:
    """The `peildatum` column of a frame that has one (a family computed for many peildata at once)."""
    return [pl.col(PEILDATUM)] if PEILDATUM in agg.columns else []


def _many_rows(
    agg: pl.DataFrame, specs: list[tuple[str, pl.Expr, pl.Expr | None, pl.Expr | None, pl.Expr | None]]
) -> list[pl.DataFrame]:
    """`rows` for several KPIs of one aggregate in one query: `(kpi, waarde, teller, noemer, empty_when)`.

    The same frames as one `rows` call per KPI (a series of quarters makes thousands of them, and on a
    small delivery each costs more in query overhead than in work).
    """
    if len(specs) < 2:
        return [rows(agg, k, w, t, n, empty_when=e) for k, w, t, n, e in specs]
    columns: dict[str, list[pl.Expr]] = {"waarde": [], "teller": [], "noemer": [], "opmerking": []}
    for _, waarde, teller, noemer, empty_when in specs:
        unavailable = empty_when if empty_when is not None else pl.lit(False)
        columns["waarde"].append(pl.when(unavailable).then(None).otherwise(waarde).cast(pl.Float64))
        columns["teller"].append((teller if teller is not None else pl.lit(None)).cast(pl.Float64))
        columns["noemer"].append((noemer if noemer is not None else pl.lit(None)).cast(pl.Float64))
        columns["opmerking"].append(
            pl.when(unavailable).then(pl.lit(LEGE_POPULATIE)).otherwise(None).cast(pl.String)
        )
    long = agg.select(
        pl.concat_list([pl.lit(k, pl.String) for k, *_ in specs]).alias("kpi"),
        pl.col(GEMEENTE),
        *(pl.concat_list(exprs).alias(name) for name, exprs in columns.items()),
        *_dated(agg),
    ).explode("kpi", "waarde", "teller", "noemer", "opmerking")
    long = long.select(
        "kpi",
        GEMEENTE,
        "waarde",
        "teller",
        "noemer",
        pl.lit(None, pl.Int64).alias("n_jaren"),
        "opmerking",
        *_dated(agg),
    )
    parts = long.partition_by("kpi", maintain_order=True, as_dict=True)
    return [parts[(k,)] for k, *_ in specs]


def count_rows(agg: pl.DataFrame, mapping: dict[str, str]) -> list[pl.DataFrame]:
    """Counts: `kpi -> column`."""
    return _many_rows(agg, [(kpi, pl.col(col), None, None, None) for kpi, col in mapping.items()])


def pct_rows(agg: pl.DataFrame, mapping: dict[str, tuple[str, str]]) -> list[pl.DataFrame]:
    """Percentages: `kpi -> (numerator column, denominator column)`; unavailable on an empty population."""
    return _many_rows(
        agg,
        [
            (
                kpi,
                100.0 * pl.col(t).cast(pl.Float64) / pl.col(n).cast(pl.Float64),
                pl.col(t),
                pl.col(n),
                pl.col(n).fill_null(0) == 0,
            )
            for kpi, (t, n) in mapping.items()
        ],
    )


def unavailable_rows(
    kpis: list[str], gemeenten: list[str], reason: str, peildatum: dt.date | None = None
) -> pl.DataFrame:
    """Rows for KPIs that cannot be computed: waarde empty, `opmerking` says why (with the date when
    given, for a family computed for many peildata at once).
    """
    codes = [TOTAAL] + list(gemeenten)
    frame = pl.DataFrame(
        {
            "kpi": [k for k in kpis for _ in codes],
            GEMEENTE: codes * len(kpis),
            "waarde": None,
            "teller": None,
            "noemer": None,
            "n_jaren": None,
            "opmerking": reason,
        },
        schema=ROW_SCHEMA,
    )
    return frame if peildatum is None else frame.with_columns(pl.lit(peildatum, pl.Date).alias(PEILDATUM))


def concat_rows(parts: list[pl.DataFrame], dated: bool = False) -> pl.DataFrame:
    """The parts as one frame of ROW_SCHEMA (or SERIES_SCHEMA when `dated`: every part has a peildatum)."""
    schema = SERIES_SCHEMA if dated else ROW_SCHEMA
    if not parts:
        return pl.DataFrame(schema=schema)
    target = _SERIES_SCHEMA if dated else _ROW_SCHEMA
    # most parts come from `rows` and have the schema already: casting them anyway costs a query each
    return pl.concat(
        [p if p.schema == target else p.select([pl.col(c).cast(t) for c, t in schema.items()]) for p in parts]
    )


def per_peildatum(
    kpis: list[str],
    gemeenten: list[str],
    peildata: list[dt.date],
    check: Callable[[dt.date], object],
    compute: Callable[[list[dt.date]], list[pl.DataFrame]],
) -> pl.DataFrame:
    """`guarded` for many peildata at once: the dates `check` accepts are computed together by
    `compute(dates)` (rows with a peildatum), every other date gets unavailable rows with the reason
    `check` raised; when `compute` itself raises `Unavailable`, all its dates get that reason.
    """
    accepted: list[dt.date] = []
    parts: list[pl.DataFrame] = []
    for b in sorted(set(peildata)):
        try:
            check(b)
        except Unavailable as exc:
            parts.append(unavailable_rows(kpis, gemeenten, str(exc), b))
        else:
            accepted.append(b)
    if accepted:
        try:
            parts += compute(accepted)
        except Unavailable as exc:
            parts += [unavailable_rows(kpis, gemeenten, str(exc), b) for b in accepted]
    return concat_rows(parts, dated=True)


def guarded(kpis: list[str], gemeenten: list[str], compute) -> pl.DataFrame:
    """Run `compute()`; if it raises `Unavailable`, every KPI in `kpis` gets an unavailable row."""
    try:
        return concat_rows(compute())
    except Unavailable as exc:
        return unavailable_rows(kpis, gemeenten, str(exc))
