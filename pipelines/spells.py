"""Benefit spells: in-scope benefit periods of one person merged across short breaks.

docs/definities.md: periods of a person whose regeling is in scope are merged
when the next one starts at most `gap_days` days after the end of the previous one
(`aanvangsdatum - einddatum <= gap_days`, so with the default 30 a benefit ending on
31 January and one starting on 2 March are one spell, one starting on 3 March is not).
Overlapping and adjacent periods are always merged. A merged spell ends at the latest end
(empty when any of its periods is still running) and keeps the `reden_beeindiging` of the
period that ends last (ties: the later start, then the higher registratienummer).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl

from pipelines.schema import PERSON_COLUMN

#: Stand-in for "still running" while computing (never appears in an output).
OPEN_END = dt.date(9999, 12, 31)

#: A window `(s, b)`: its first and last day, both inclusive.
Window = tuple[dt.date, dt.date]

SPELL_SCHEMA = {
    PERSON_COLUMN: pl.String(),
    "spell": pl.UInt32(),
    "start": pl.Date(),
    "end": pl.Date(),
    "reden_beeindiging": pl.String(),
    "perioden": pl.UInt32(),
}


def in_scope(
    uitkeringen: pl.LazyFrame | pl.DataFrame, regelingen: tuple[str, ...] | list[str]
) -> pl.LazyFrame:
    """The benefit periods of the regelingen in scope (default PW, IOAW, IOAZ)."""
    return uitkeringen.lazy().filter(pl.col("regeling").is_in(list(regelingen)))


def first_of_key(key: str = PERSON_COLUMN) -> pl.Expr:
    """On rows sorted by `key`: whether the row is its key's first. With it, running totals over all rows
    become per key without a slower per-key window (`.over`)."""
    return pl.col(key).ne_missing(pl.col(key).shift(1)).fill_null(True)


#: The widest span of days `date_position` keeps a table for (a quarter of a million days is 680 years).
POSITION_TABLE_DAYS = 250_000


def date_position(dates: pl.Series, value: pl.Expr, side: Literal["left", "right"] = "left") -> pl.Expr:
    """`pl.lit(dates).search_sorted(value, side=side)` for sorted `dates` (a Date series without nulls): the
    number of dates before `value` (`left`) or up to it (`right`); 0 for an empty value.

    Looked up in a table with the answer for every day from the day before the first date to the day after
    the last, instead of a binary search per row: the masks of a long series search tens of millions of
    values (measured three times faster; benchmarks/README.md, "Negende ronde").
    """
    if dates.is_empty() or dates.null_count():
        return pl.lit(dates).search_sorted(value, side=side)
    days = dates.cast(pl.Int32)
    low, high = int(days.min()) - 1, int(days.max()) + 1  # type: ignore[arg-type]
    if high - low >= POSITION_TABLE_DAYS:
        return pl.lit(dates).search_sorted(value, side=side)
    every_day = pl.int_range(low, high + 1, dtype=pl.Int32, eager=True).cast(pl.Date)
    table = dates.search_sorted(every_day, side=side)
    return pl.lit(table).gather((value.cast(pl.Date).cast(pl.Int32) - low).clip(0, high - low)).fill_null(0)


#: Spacing of the persons on one axis of day numbers: every date (0001-01-01 up to 9999-12-31) has a day
#: number within 10^7 of another, so `k * PERSON_LIFT + day` orders by person number `k`, then date, and
#: never mixes two persons: one sorted column and global running totals instead of per-person windows.
PERSON_LIFT = 10_000_000


def person_lift(key: str = PERSON_COLUMN) -> pl.Expr:
    """On rows sorted by `key`: the key's number in that order times `PERSON_LIFT`, to add to day numbers."""
    return pl.col(key).rle_id().cast(pl.Int64) * PERSON_LIFT


def merge_periods(
    periods: pl.LazyFrame | pl.DataFrame,
    gap_days: int,
    start: str = "aanvangsdatum",
    end: str = "einddatum",
    key: str = PERSON_COLUMN,
    reason: str | None = "reden_beeindiging",
    tiebreak: str | None = "registratienummer",
) -> pl.LazyFrame:
    """Merge one person's periods that overlap or follow within `gap_days` (vectorised, no loops).

    Returns `key, spell, start, end, <reason>, perioden` with `spell` numbering each person's spells
    from 1 in time order; `end` is null for a running spell.
    """
    lf = periods.lazy()
    sort_cols = [key, start, "_end"] + ([tiebreak] if tiebreak else [])
    lf = lf.with_columns(pl.col(end).fill_null(OPEN_END).alias("_end")).sort(sort_cols)
    # Rows are sorted by person; instead of slow per-person window functions, each person's day
    # numbers are lifted (`PERSON_LIFT`), so one global running maximum never crosses from one person
    # into the next.
    lf = lf.with_columns(first_of_key(key).alias("_first"))
    lf = lf.with_columns(person_lift(key).alias("_lift"))
    lifted_end = pl.col("_lift") + pl.col("_end").cast(pl.Int64)
    lifted_start = pl.col("_lift") + pl.col(start).cast(pl.Int64)
    lf = lf.with_columns(lifted_end.cum_max().shift(1).alias("_prev_end"))
    new_spell = pl.col("_first") | ((lifted_start - pl.col("_prev_end")) > gap_days)
    lf = lf.with_columns(new_spell.cast(pl.UInt32).cum_sum().alias("_sid"))
    lf = lf.with_columns(
        (pl.col("_sid") - pl.when(pl.col("_first")).then(pl.col("_sid")).forward_fill() + 1).alias("spell")
    )
    order = ["_end", start] + ([tiebreak] if tiebreak else [])
    aggs = [
        pl.col(key).first(),
        pl.col("spell").first(),
        pl.col(start).min().alias("start"),
        pl.col("_end").max().alias("_end_max"),
        pl.len().cast(pl.UInt32).alias("perioden"),
    ]
    if reason:
        aggs.append(pl.col(reason).sort_by(order).last().alias(reason))
    out = lf.group_by("_sid").agg(aggs)
    out = out.with_columns(
        pl.when(pl.col("_end_max") == OPEN_END).then(None).otherwise(pl.col("_end_max")).alias("end")
    )
    cols = [key, "spell", "start", "end"] + ([reason] if reason else []) + ["perioden"]
    return out.sort("_sid").select(cols)


def merge_spells(
    uitkeringen: pl.LazyFrame | pl.DataFrame, regelingen: tuple[str, ...] | list[str], gap_days: int = 30
) -> pl.DataFrame:
    """The merged in-scope spells of every person (`persoon, spell, start, end, reden_beeindiging,
    perioden`).
    """
    return merge_periods(in_scope(uitkeringen, regelingen), gap_days).collect()


def running_on(
    frame: pl.LazyFrame | pl.DataFrame, b: dt.date, start: str = "start", end: str = "end"
) -> pl.LazyFrame:
    """Rows whose period runs on `b`: `start <= b` and (`end` empty or `end >= b`)."""
    return frame.lazy().filter((pl.col(start) <= b) & (pl.col(end).is_null() | (pl.col(end) >= b)))


def running_on_each(
    frame: pl.LazyFrame | pl.DataFrame, peildata: list[dt.date], start: str = "start", end: str = "end"
) -> pl.LazyFrame:
    """`running_on` for many peildata at once: one row per row and `peildatum` its period runs on.

    Each row gets the range of (sorted) peildata between its start and end by a binary search, so the
    work grows with the output and not with rows x peildata.
    """
    dates = pl.Series("peildatum", sorted(set(peildata)), dtype=pl.Date)
    first, after = _running_range(dates, start, end)
    return _explode_dates(frame, dates, pl.col(start), first, after)


def _running_range(dates: pl.Series, start: str, end: str) -> tuple[pl.Expr, pl.Expr]:
    """The positions `first..after-1` of the (sorted) `dates` a row's period runs on."""
    first = date_position(dates, pl.col(start), side="left")
    after = date_position(dates, pl.col(end).fill_null(OPEN_END), side="right")
    return first, after


def latest_running_each(
    frame: pl.LazyFrame | pl.DataFrame,
    peildata: list[dt.date],
    start: str,
    end: str,
    key: str = PERSON_COLUMN,
) -> pl.LazyFrame:
    """Per `key` and peildatum the row whose period runs on it and started last (`peildatum` column).

    As sorting the rows running on one date by start and taking the last, for all dates in one pass.
    Only a key whose periods overlap can have two running on one date, so only its rows are grouped;
    periods overlap when one starts before the previous one (by start) ends, since a period starting
    inside an earlier one also starts inside the one just before it.
    """
    single, shared = _by_overlap(frame, peildata, start, end, key)
    return pl.concat(
        [
            running_on_each(single, peildata, start, end),
            running_on_each(shared, peildata, start, end)
            .group_by(key, "peildatum", maintain_order=True)
            .last(),
        ],
        how="diagonal",
    )


def latest_running_masks(
    frame: pl.LazyFrame | pl.DataFrame,
    peildata: list[dt.date],
    start: str,
    end: str,
    key: str = PERSON_COLUMN,
) -> pl.LazyFrame:
    """`latest_running_each` as date masks: the rows with the peildata on which each is its key's running
    row that started last (`_latest`, `running_mask`), no row per date. Only the rows of keys whose periods
    overlap are taken per date (as `latest_running_each` does), the others are latest wherever they run.
    """
    single, shared = _by_overlap(frame, peildata, start, end, key)
    latest = (
        running_on_each(shared.with_row_index("_row"), peildata, start, end)
        .group_by(key, "peildatum", maintain_order=True)
        .last()
        .with_columns(date_bit(peildata).alias("_latest"))
        .drop("peildatum")
    )
    columns = latest.collect_schema().names()
    # one row per date a row is latest on: its bits differ, so their sum is their union
    shared_masks = latest.group_by("_row").agg(
        *(pl.col(c).first() for c in columns if c not in ("_row", "_latest")), pl.col("_latest").sum()
    )
    return pl.concat(
        [single.with_columns(running_mask(peildata, start, end).alias("_latest")), shared_masks.drop("_row")],
        how="diagonal",
    ).filter(pl.col("_latest") != 0)


def by_start_then_end(start: str, end: str) -> list[pl.Expr]:
    """The order whose last row of a key started last: by start, and of two that started on one day, the one
    that ends last (an open end last of all).

    Sort on it with `maintain_order=True`, so rows alike in both keep their delivered order: the same
    delivery then always gives the same row (klantbeeld periods may share a start, see docs/definities.md).
    """
    return [pl.col(start), pl.col(end).fill_null(OPEN_END)]


def _by_overlap(
    frame: pl.LazyFrame | pl.DataFrame, peildata: list[dt.date], start: str, end: str, key: str
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The rows that may run on the peildata, of keys without overlapping periods and of keys with them."""
    overlaps_previous = (pl.col(key) == pl.col(key).shift(1)) & (
        pl.col(start) <= pl.col(end).fill_null(OPEN_END).shift(1)
    )
    ordered = (
        overlapping(frame, min(peildata), max(peildata), start, end)  # one date: only the rows running on it
        .sort(key, *by_start_then_end(start, end), maintain_order=True)
        .with_columns(overlaps_previous.fill_null(False).alias("_overlap"))
    )
    several = (
        ordered.filter(pl.col("_overlap")).select(key).unique().with_columns(pl.lit(True).alias("_several"))
    )
    flagged = ordered.join(several, on=key, how="left", maintain_order="left").drop("_overlap")
    single = flagged.filter(pl.col("_several").is_null()).drop("_several")
    shared = flagged.filter(pl.col("_several").is_not_null()).drop("_several")
    return single, shared


def overlapping_each(
    frame: pl.LazyFrame | pl.DataFrame,
    windows: list[tuple[dt.date, dt.date]],
    start: str = "start",
    end: str = "end",
) -> pl.LazyFrame:
    """`overlapping` for many windows `s..b` at once: a row per row and window it overlaps (`peildatum` b).

    The windows must grow together (a later `b` has a later or equal `s`), as the 12-month windows of
    successive peildata do.
    """
    windows = sorted(set(windows), key=lambda w: w[1])
    ends = pl.Series("peildatum", [b for _, b in windows], dtype=pl.Date)
    first, after = overlapping_range(windows, start, end)
    return _explode_dates(frame, ends, pl.col(start), first, after)


def overlapping_range(windows: list[Window], start: str, end: str) -> tuple[pl.Expr, pl.Expr]:
    """The positions `first..after-1` of the (sorted, growing) `windows` a row's period overlaps."""
    starts = [s for s, _ in windows]
    if starts != sorted(starts):
        raise ValueError("vensters moeten met hun einddatum mee oplopen")
    ends = pl.Series([b for _, b in windows], dtype=pl.Date)
    first = date_position(ends, pl.col(start), side="left")
    after = date_position(pl.Series(starts, dtype=pl.Date), pl.col(end).fill_null(OPEN_END), side="right")
    return first, after


#: The most peildata a date mask holds (`running_mask`): one bit of a UInt64 per date.
MASK_DATES = 64
_ONES = pl.Series([(1 << k) - 1 for k in range(MASK_DATES + 1)], dtype=pl.UInt64)
#: Bit i of a date mask: the i-th of its (sorted) peildata.
DATE_BITS = pl.Series([1 << k for k in range(MASK_DATES)], dtype=pl.UInt64)


def range_mask(first: pl.Expr, after: pl.Expr) -> pl.Expr:
    """The positions `first..after-1` as the bits of a UInt64 (0 when empty).

    A row's dates as one number: the dates of a person in two sets are `a & b`, in either `a | b`, and a
    count per date needs no row per date (`pipelines.kpi.base.by_gemeente_masks`).
    """
    ones = pl.lit(_ONES)
    return (
        pl.when(after > first).then(ones.gather(after) ^ ones.gather(first)).otherwise(pl.lit(0, pl.UInt64))
    )


def running_mask(peildata: list[dt.date], start: str = "start", end: str = "end") -> pl.Expr:
    """`running_on_each` as a date mask: bit i is set when the row's period runs on the i-th (sorted)
    peildatum; 0 without a start. At most `MASK_DATES` peildata.
    """
    dates = pl.Series(sorted(set(peildata)), dtype=pl.Date)
    _check_mask_dates(len(dates))
    first, after = _running_range(dates, start, end)
    return pl.when(pl.col(start).is_not_null()).then(range_mask(first, after)).otherwise(pl.lit(0, pl.UInt64))


def overlapping_mask(windows: list[Window], start: str = "start", end: str = "end") -> pl.Expr:
    """`overlapping_each` as a date mask: bit i is set when the row's period overlaps the i-th window (by
    end); 0 without a start. At most `MASK_DATES` windows.
    """
    windows = sorted(set(windows), key=lambda w: w[1])
    _check_mask_dates(len(windows))
    first, after = overlapping_range(windows, start, end)
    return pl.when(pl.col(start).is_not_null()).then(range_mask(first, after)).otherwise(pl.lit(0, pl.UInt64))


def date_bit(peildata: list[dt.date], column: str = "peildatum") -> pl.Expr:
    """The bit of the row's `column` (one of `peildata`) in a date mask of those peildata."""
    dates = pl.Series(sorted(set(peildata)), dtype=pl.Date)
    _check_mask_dates(len(dates))
    return pl.lit(DATE_BITS).gather(date_position(dates, pl.col(column)))


def _check_mask_dates(n: int) -> None:
    if n > MASK_DATES:
        raise ValueError(f"een datummasker houdt hoogstens {MASK_DATES} peildata, niet {n}")


def mask_chunks(peildata: list[dt.date]) -> list[list[dt.date]]:
    """The sorted peildata in runs of at most `MASK_DATES`, to compute a longer series in parts."""
    dates = sorted(set(peildata))
    return [dates[i : i + MASK_DATES] for i in range(0, len(dates), MASK_DATES)]


def window_start(windows: list[Window]) -> pl.Expr:
    """The first day `s` of the window whose last day is the row's `peildatum` (as `overlapping_each`
    dates its rows).
    """
    ends = pl.Series([b for _, b in windows], dtype=pl.Date)
    starts = pl.Series([s for s, _ in windows], dtype=pl.Date)
    return pl.col("peildatum").replace_strict(ends, starts, return_dtype=pl.Date)


def _explode_dates(
    frame: pl.LazyFrame | pl.DataFrame, dates: pl.Series, start: pl.Expr, first: pl.Expr, after: pl.Expr
) -> pl.LazyFrame:
    return (
        frame.lazy()
        .filter(start.is_not_null())  # as `start <= b` drops it in the one-date filters
        .with_columns(pl.int_ranges(first, pl.max_horizontal(first, after), dtype=pl.UInt32).alias("_i"))
        .explode("_i")
        .filter(pl.col("_i").is_not_null())
        .with_columns(pl.lit(dates).gather(pl.col("_i")).alias("peildatum"))
        .drop("_i")
    )


def overlapping(
    frame: pl.LazyFrame | pl.DataFrame, s: dt.date, b: dt.date, start: str = "start", end: str = "end"
) -> pl.LazyFrame:
    """Rows whose period overlaps the window `s..b` (both inclusive)."""
    return frame.lazy().filter((pl.col(start) <= b) & (pl.col(end).is_null() | (pl.col(end) >= s)))


def days_inside(
    s: dt.date | pl.Expr, b: dt.date | pl.Expr, start: str = "start", end: str = "end"
) -> pl.Expr:
    """Days of the period `start..end` (inclusive, open end = running) inside the window `s..b`; 0 if none.

    `s` and `b` may be columns (a window per row, for many peildata at once).
    """
    s, b = (d if isinstance(d, pl.Expr) else pl.lit(d) for d in (s, b))
    first = pl.max_horizontal(pl.col(start), s)
    last = pl.min_horizontal(pl.col(end).fill_null(b), b)
    return pl.max_horizontal((last.cast(pl.Int32) - first.cast(pl.Int32) + 1), pl.lit(0)).cast(pl.Int64)
