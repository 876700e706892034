"""FIP frequency: frequent, intensive and personal conversations with clients far from work.

The plan (section 7.3): with "inwoners met een grote(re) afstand tot de arbeidsmarkt (perspectieven
'werken aan' en 'meedoen')" FIP conversations are held, four a year, structured by six life domains.
The perspectives are `fip_perspectieven` (default both). Exposure is the number of days of the window
inside the person's periods in those perspectives (klantbeeld periods of one person do not overlap: a
validation rule); the population is everyone with at least `fip_min_blootstelling_dagen` (91) days.
A conversation is a **day**: several FIP records of one person on one date are one conversation (their
life domains and follow-up agreements taken together).
`nodig = round_half_up(norm x exposure / 365.25)` in exact integer arithmetic. Definitions:
docs/definities.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import NamedTuple

import polars as pl

from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    TOTAAL,
    Context,
    by_gemeente,
    count_rows,
    pct_rows,
    per_peildatum,
    rows,
)
from pipelines.periods import window
from pipelines.schema import LEEFGEBIEDEN, PERSON_COLUMN
from pipelines.spells import OPEN_END, overlapping_each, overlapping_range, person_lift

KPIS = [
    "fip_populatie_n",
    "fip_per_jaar_gem",
    "fip_per_jaar_mediaan",
    "fip_norm_pct",
    "fip_geen_n",
    "fip_leefgebieden_volledig_pct",
    "fip_vervolgafspraak_pct",
]
#: Days per year in the FIP formulas (the mean Julian year, as the spec states).
DAYS_PER_YEAR = 365.25
#: The plan's FIP perspectives (the default of `fip_perspectieven`).
FIP_PERSPECTIEVEN = ("werken_aan", "meedoen")


_TOTALS = ("_na", "_Sa", "_ne", "_Se")


class _Axis(NamedTuple):
    """The persons with a FIP period on one axis of day numbers (`_q = _lift + day`) and the running totals
    of their period starts (`_na` count, `_Sa` sum of day numbers, up to `_q`) and ends (`_ne`, `_Se`).

    On the axis, the periods of a person running on day `d` are the starts up to `d` minus the ends before
    `d` (earlier persons' periods have all started and ended, they cancel), and the days of the person's
    periods up to `d`, each period's `min(end, d) - start + 1` summed as `days_inside` sums it, are
    `H(d) = nA(d) (d + 1) - SA(d) - nE(d) d + SE(d)` up to a constant of the person: the days inside a
    window `s..b` are `H(b) - H(s - 1)`, a lookup instead of a join of periods with windows.
    """

    people: pl.DataFrame  # persoon, _lift, _van (first start), _tot (last end)
    starts: pl.DataFrame  # _q, _Sa, _na
    ends: pl.DataFrame  # _q, _Se, _ne


def _axis(klantbeeld: pl.LazyFrame | pl.DataFrame, perspectieven: tuple[str, ...]) -> _Axis:
    periods = (
        klantbeeld.lazy()
        .filter(pl.col("perspectief").is_in(list(perspectieven)) & pl.col("ingangsdatum").is_not_null())
        .select(PERSON_COLUMN, "ingangsdatum", pl.col("einddatum").fill_null(OPEN_END))
        .collect()
    )
    # persons numbered in sorted order (a sort and a run count: cheaper than grouping and joining by person)
    lifted = periods.sort(PERSON_COLUMN, "ingangsdatum").with_columns(person_lift().alias("_lift"))
    # a day in two periods (validation lets one end on the day the next starts) is one day of exposure:
    # a period keeps the days after every earlier period of the person has ended (on the lifted axis the
    # running maximum never reaches back into the previous person)
    ended_before = (pl.col("_lift") + pl.col("einddatum").cast(pl.Int64)).cum_max().shift(1) - pl.col("_lift")
    lifted = lifted.with_columns(
        pl.max_horizontal(pl.col("ingangsdatum").cast(pl.Int64), ended_before + 1)
        .cast(pl.Int32)
        .cast(pl.Date)
        .alias("ingangsdatum")
    ).filter(pl.col("ingangsdatum") <= pl.col("einddatum"))
    people = (
        lifted.group_by("_lift")
        .agg(
            pl.col(PERSON_COLUMN).first(),
            pl.col("ingangsdatum").min().alias("_van"),
            pl.col("einddatum").max().alias("_tot"),
        )
        .sort("_lift")
        .select(PERSON_COLUMN, "_lift", "_van", "_tot")
    )

    def running(day: str, suffix: str) -> pl.DataFrame:
        # of the rows on one `_q`, the last carries the totals of them all
        return (
            lifted.select(
                (pl.col("_lift") + pl.col(day).cast(pl.Int64)).alias("_q"),
                pl.col(day).cast(pl.Int64).alias(f"_S{suffix}"),
            )
            .sort("_q")
            .with_columns(
                pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(f"_n{suffix}"),
                pl.col(f"_S{suffix}").cum_sum(),
            )
            .unique("_q", keep="last", maintain_order=True)
        )

    return _Axis(people, running("ingangsdatum", "a"), running("einddatum", "e"))


def _totals_at(q: pl.Series, axis: _Axis) -> pl.DataFrame:
    """The running totals of `axis` at the sorted points `q`: starts up to `q`, ends before it."""
    at = pl.DataFrame({"_q": q}).with_columns(pl.col("_q").set_sorted())
    return (
        at.join_asof(axis.starts, on="_q")
        .with_columns((pl.col("_q") - 1).set_sorted())
        .join_asof(axis.ends, on="_q")
        .select(pl.col(_TOTALS).fill_null(0))
    )


def _steps(axis: _Axis, days: pl.DataFrame) -> pl.DataFrame:
    """The running totals of `axis` and of the conversation `days` (`_c`, `_cv`, `_cf`) in one table: on
    each `_q` where one of them changes, the starts up to it, the ends before it (an end counts from the
    day after) and the days up to it. A point then finds all seven in one lookup instead of three."""
    ends = axis.ends.select((pl.col("_q") + 1).alias("_q"), "_Se", "_ne")
    # a first point before every other, all zero: every lookup finds a row
    lowest = pl.Series("_q", [-(2**63)], dtype=pl.Int64)
    points = pl.concat([lowest, axis.starts.get_column("_q"), ends.get_column("_q"), days.get_column("_q")])
    return (
        points.unique()
        .sort()
        .to_frame("_q")
        .join_asof(axis.starts, on="_q")
        .join_asof(ends, on="_q")
        .join_asof(days, on="_q")
        .select("_q", pl.col(*_TOTALS, "_c", "_cv", "_cf").fill_null(0))
    )


def _fip_days(
    axis: _Axis, contactmomenten: pl.LazyFrame | pl.DataFrame, first: dt.date, last: dt.date, details: bool
) -> pl.DataFrame:
    """FIP conversations (one per person and day) from `first` to `last` inside the person's FIP periods,
    sorted on the axis (`_q`): `vervolgafspraak` (on any record of the day), `leefgebieden_volledig` and,
    with `details`, `persoon, datum, registraties, leefgebieden` (the day's domains together).

    A record inside a window lies inside the person's period clipped to that window exactly when it lies
    inside the period, so a day is the same in every window: the days are formed once, then dated.
    """
    # the day covers every domain when its records together do: one bit per domain, or-ed over the day
    bits = [
        pl.col("leefgebieden").list.contains(g).fill_null(False).cast(pl.UInt16) * (1 << i)
        for i, g in enumerate(LEEFGEBIEDEN)
    ]
    shown = [PERSON_COLUMN, "datum", "leefgebieden"] if details else []
    records = (
        contactmomenten.lazy()
        .filter((pl.col("soort") == "fip") & (pl.col("datum") >= first) & (pl.col("datum") <= last))
        .select(
            PERSON_COLUMN,
            "datum",
            "leefgebieden",
            "vervolgafspraak",
            pl.sum_horizontal(bits).alias("_domeinen"),
        )
        .join(axis.people.lazy().select(PERSON_COLUMN, "_lift"), on=PERSON_COLUMN)
        .select(
            (pl.col("_lift") + pl.col("datum").cast(pl.Int64)).alias("_q"),
            *shown,
            "vervolgafspraak",
            "_domeinen",
        )
        .sort("_q")
        .collect()
    )
    # a record counts once, when at least one of the person's periods runs on its day
    running = _totals_at(records.get_column("_q"), axis)
    inside = records.filter((running.get_column("_na") - running.get_column("_ne")) > 0)
    described = [
        pl.col(PERSON_COLUMN).first(),
        pl.col("datum").first(),
        pl.len().alias("registraties"),
        pl.col("leefgebieden").list.explode(keep_nulls=False, empty_as_null=False).unique().sort(),
    ]
    return (
        inside.group_by(pl.col("_q").set_sorted(), maintain_order=True)
        .agg(
            *(described if details else []),
            pl.col("vervolgafspraak").fill_null(False).any().alias("vervolgafspraak"),
            (pl.col("_domeinen").bitwise_or() == (1 << len(LEEFGEBIEDEN)) - 1).alias("leefgebieden_volledig"),
        )
        .with_columns(pl.col("_q").set_sorted())
    )


def fip_contacts_each(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    contactmomenten: pl.LazyFrame | pl.DataFrame,
    windows: list[tuple[dt.date, dt.date]],
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """FIP conversations (one per person and day) inside the person's FIP periods, a row per window they fall
    in (`peildatum`: its end): `persoon, datum, registraties, leefgebieden` (the day's domains together),
    `vervolgafspraak` (on any record of the day), `leefgebieden_volledig`; by person, day and window.
    """
    first, last = min(s for s, _ in windows), max(b for _, b in windows)
    days = _fip_days(_axis(klantbeeld, perspectieven), contactmomenten, first, last, details=True)
    return overlapping_each(days.drop("_q").sort(PERSON_COLUMN, "datum"), windows, "datum", "datum")


def fip_contacts(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    contactmomenten: pl.LazyFrame | pl.DataFrame,
    s: dt.date,
    b: dt.date,
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """`fip_contacts_each` for the window `s..b` alone."""
    return fip_contacts_each(klantbeeld, contactmomenten, [(s, b)], perspectieven).drop(PEILDATUM)


def fip_per_person_each(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    contactmomenten: pl.LazyFrame | pl.DataFrame,
    windows: list[tuple[dt.date, dt.date]],
    norm_per_jaar: int = 4,
    min_dagen: int = 91,
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """The FIP population of each window (`peildatum`: its end): `persoon, peildatum, blootstelling, fip,
    volledig, vervolg, nodig, fip_per_jaar, norm_gehaald` (`fip`: days; `volledig`, `vervolg`: those of
    them covering all life domains, with a follow-up agreement).
    """
    parts, ends = _population(klantbeeld, contactmomenten, windows, min_dagen, perspectieven)
    return (
        pl.concat(parts)
        .lazy()
        .select(
            PERSON_COLUMN,
            pl.lit(ends).gather("_i").alias(PEILDATUM),
            "blootstelling",
            "fip",
            "volledig",
            "vervolg",
            _nodig(pl.col("blootstelling"), norm_per_jaar).alias("nodig"),
            _per_jaar(pl.col("fip"), pl.col("blootstelling")).alias("fip_per_jaar"),
        )
        .with_columns((pl.col("fip") >= pl.col("nodig")).alias("norm_gehaald"))
    )


def _nodig(blootstelling: pl.Expr, norm_per_jaar: int) -> pl.Expr:
    """The conversations the norm asks for the exposure: round_half_up(norm x exposure / 365.25), computed
    as round_half_up(4 x norm x exposure / 1461) in exact integer arithmetic.
    """
    ratio_num = 4 * norm_per_jaar * blootstelling
    return ((2 * ratio_num + 1461) // (2 * 1461)).cast(pl.Int64)


def _per_jaar(fip: pl.Expr, blootstelling: pl.Expr) -> pl.Expr:
    """Conversations a year: `fip x 365.25 / exposure`."""
    return fip.cast(pl.Float64) * DAYS_PER_YEAR / blootstelling.cast(pl.Float64)


#: Rows of the person x window grid built at a time. A long series at national scale makes a grid of tens
#: of millions of rows; built a few windows at a time its columns are a tenth of that size and the memory
#: of one pass is reused by the next, instead of fresh pages the system must first zero (measured at
#: 500,000 persons and 36 windows: 2.2 s instead of 2.7-5.4 s; benchmarks/README.md, "Negende ronde").
GRID_ROWS_PER_PASS = 2_000_000


def _population(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    contactmomenten: pl.LazyFrame | pl.DataFrame,
    windows: list[tuple[dt.date, dt.date]],
    min_dagen: int,
    perspectieven: tuple[str, ...],
    persons: pl.DataFrame | None = None,
) -> tuple[Iterator[pl.DataFrame], pl.Series]:
    """The FIP population of each window, in parts that each hold all rows of some windows: `_i` (the
    window's end is `ends[_i]`, returned with them), `blootstelling, fip, volledig, vervolg` and `persoon`,
    or instead the other columns of `persons`.

    A row per person and window from the person's first FIP period's start to their last one's end; the
    exposure and the conversation days of each are running totals on the axis (`_Axis`) at the window's
    last day `b` minus those at `s - 1`, looked up for all rows of a part at once.
    """
    windows = sorted(set(windows), key=lambda w: w[1])
    # the windows each person's span `_van.._tot` overlaps (refuses windows whose starts do not grow)
    first, after = overlapping_range(windows, "_van", "_tot")
    starts = [s for s, _ in windows]
    ends = pl.Series(PEILDATUM, [b for _, b in windows], dtype=pl.Date)
    before = pl.Series([s - dt.timedelta(days=1) for s in starts], dtype=pl.Date)
    axis = _axis(klantbeeld, perspectieven)
    days = _fip_days(axis, contactmomenten, starts[0], ends[-1], details=False).select(
        "_q",
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("_c"),
        pl.col("leefgebieden_volledig").cast(pl.Int64).cum_sum().alias("_cv"),
        pl.col("vervolgafspraak").cast(pl.Int64).cum_sum().alias("_cf"),
    )
    steps = _steps(axis, days)
    people = axis.people
    if persons is None:
        carried = [PERSON_COLUMN]
    else:
        people = people.join(persons, on=PERSON_COLUMN, how="left", maintain_order="left")
        carried = [c for c in persons.columns if c != PERSON_COLUMN]
    # each person's windows `_a <= _i < _z`
    spans = people.select("_lift", *carried, first.alias("_a"), pl.max_horizontal(first, after).alias("_z"))
    rows = int(spans.select((pl.col("_z") - pl.col("_a")).cast(pl.Int64).sum()).item() or 0)
    per_pass = max(1, len(windows) * GRID_ROWS_PER_PASS // max(rows, 1))

    def part(lo: int, hi: int) -> pl.DataFrame:
        """The rows of windows `lo <= _i < hi`: by person of the axis, each person's windows in date order,
        so sorted on the axis."""
        grid = (
            spans.select(
                "_lift",
                *carried,
                pl.int_ranges(pl.col("_a").clip(lo, hi), pl.col("_z").clip(lo, hi), dtype=pl.UInt32).alias(
                    "_i"
                ),
            )
            .explode("_i")
            .filter(pl.col("_i").is_not_null())
        )
        lift = grid.get_column("_lift")

        def up_to(last: pl.Series) -> pl.DataFrame:
            """The exposure `_H` and the conversation days (`_c`, `_cv`, `_cf`) up to `last` of each row."""
            d = last.gather(grid.get_column("_i")).cast(pl.Int64)
            return (
                pl.DataFrame({"_q": lift + d, "_d": d})
                .with_columns(pl.col("_q").set_sorted())
                .join_asof(steps, on="_q")
                .select(
                    pl.col("_c", "_cv", "_cf"),
                    (
                        pl.col("_na") * (pl.col("_d") + 1)
                        - pl.col("_Sa")
                        - pl.col("_ne") * pl.col("_d")
                        + pl.col("_Se")
                    ).alias("_H"),
                )
            )

        upto_b, upto_s = up_to(ends), up_to(before)
        return grid.select(
            *carried,
            "_i",
            (upto_b["_H"] - upto_s["_H"]).alias("blootstelling"),
            (upto_b["_c"] - upto_s["_c"]).alias("fip"),
            (upto_b["_cv"] - upto_s["_cv"]).alias("volledig"),
            (upto_b["_cf"] - upto_s["_cf"]).alias("vervolg"),
        ).filter((pl.col("blootstelling") >= min_dagen) & (pl.col("blootstelling") > 0))

    return (part(lo, min(lo + per_pass, len(windows))) for lo in range(0, len(windows), per_pass)), ends


def fip_per_person(
    klantbeeld: pl.LazyFrame | pl.DataFrame,
    contactmomenten: pl.LazyFrame | pl.DataFrame,
    s: dt.date,
    b: dt.date,
    norm_per_jaar: int = 4,
    min_dagen: int = 91,
    perspectieven: tuple[str, ...] = FIP_PERSPECTIEVEN,
) -> pl.LazyFrame:
    """The FIP population of the window `s..b`, by person (`fip_per_person_each` for one window)."""
    return (
        fip_per_person_each(klantbeeld, contactmomenten, [(s, b)], norm_per_jaar, min_dagen, perspectieven)
        .drop(PEILDATUM)
        .sort(PERSON_COLUMN)
    )


def fip_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """Every FIP KPI for each peildatum whose window is covered, all windows in one pass."""
    # a missing table makes every date unavailable, whatever its window
    klantbeeld, contactmomenten = ctx.table("klantbeeld"), ctx.table("contactmomenten")
    return per_peildatum(
        KPIS,
        ctx.gemeenten,
        peildata,
        ctx.check_window,
        lambda dates: _fip_rows(ctx, klantbeeld, contactmomenten, dates),
    )


def _fip_rows(
    ctx: Context, klantbeeld: pl.DataFrame, contactmomenten: pl.DataFrame, dates: list[dt.date]
) -> list[pl.DataFrame]:
    """The rows of `dates`, aggregated from how many persons have each exposure and count of conversations
    per window and municipality rather than from a row per person and window.
    """
    cfg = ctx.config
    codes = pl.Series(GEMEENTE, ctx.gemeenten, dtype=pl.String)
    persons = ctx.persons.join(
        codes.to_frame().with_row_index("_g"), on=GEMEENTE, how="left", maintain_order="left"
    ).select(PERSON_COLUMN, "_g")
    parts, ends = _population(
        klantbeeld,
        contactmomenten,
        [window(b) for b in dates],
        cfg.fip_min_blootstelling_dagen,
        cfg.fip_perspectieven,
        persons,
    )
    label = [pl.lit(ends).gather("_i").alias(PEILDATUM), pl.lit(codes).gather("_g").alias(GEMEENTE)]
    # each part holds whole windows: its counts and sums are those windows' own
    per_part = [
        (_counts(part), part.group_by("_i", "_g").agg(pl.col("volledig", "vervolg").sum())) for part in parts
    ]
    counts = pl.concat([c for c, _ in per_part]).select(
        *label,
        "blootstelling",
        "fip",
        "_n",
        _per_jaar(pl.col("fip"), pl.col("blootstelling")).alias("fip_per_jaar"),
        (pl.col("fip") >= _nodig(pl.col("blootstelling"), cfg.fip_norm_per_jaar)).alias("norm_gehaald"),
    )
    n = pl.col("_n")
    agg = (
        by_gemeente(
            counts,
            [
                n.sum().alias("populatie"),
                n.filter(pl.col("norm_gehaald")).sum().alias("norm"),
                n.filter(pl.col("fip") == 0).sum().alias("geen"),
                (n * pl.col("fip")).sum().alias("gesprekken"),
            ],
            ctx.gemeenten,
            dates,
        )
        .join(_medians_and_means(counts, "fip_per_jaar"), on=[PEILDATUM, GEMEENTE], how="left")
        .join(
            by_gemeente(
                pl.concat([sums for _, sums in per_part]).select(*label, "volledig", "vervolg"),
                [pl.col("volledig").sum(), pl.col("vervolg").sum()],
                ctx.gemeenten,
                dates,
            ),
            on=[PEILDATUM, GEMEENTE],
            how="left",
        )
    )
    empty = pl.col("populatie") == 0
    out = count_rows(agg, {"fip_populatie_n": "populatie", "fip_geen_n": "geen"})
    out.append(rows(agg, "fip_per_jaar_gem", pl.col("gem"), noemer=pl.col("populatie"), empty_when=empty))
    out.append(
        rows(agg, "fip_per_jaar_mediaan", pl.col("mediaan"), noemer=pl.col("populatie"), empty_when=empty)
    )
    out += pct_rows(agg, {"fip_norm_pct": ("norm", "populatie")})
    out += pct_rows(
        agg,
        {
            "fip_leefgebieden_volledig_pct": ("volledig", "gesprekken"),
            "fip_vervolgafspraak_pct": ("vervolg", "gesprekken"),
        },
    )
    return out


def _counts(population: pl.DataFrame) -> pl.DataFrame:
    """How many rows (`_n`) of `population` have each window `_i`, municipality `_g`, exposure and count.

    The four are packed into one integer, sorted and run-length counted: far cheaper than a group-by.
    """
    highest = population.select(pl.col("_i", "_g", "blootstelling", "fip").max().fill_null(0)).row(0)
    i_bits, g_bits, b_bits, f_bits = (max(int(v), 1).bit_length() for v in highest)
    g_bits += 1  # one more `_g` for persons without one
    if i_bits + g_bits + b_bits + f_bits > 63:
        raise ValueError("te veel vensters, gemeenten, dagen of gesprekken om samen te tellen")
    g_size, b_size, f_size = 1 << g_bits, 1 << b_bits, 1 << f_bits
    none = g_size // 2
    g = pl.col("_g").cast(pl.Int64).fill_null(none)
    packed = (
        (pl.col("_i").cast(pl.Int64) * g_size + g) * b_size + pl.col("blootstelling")
    ) * f_size + pl.col("fip")
    runs = population.select(packed.sort().rle().alias("_runs")).unnest("_runs")
    key = pl.col("value")
    g_field = key // (f_size * b_size) % g_size
    return runs.select(
        (key // (f_size * b_size * g_size)).cast(pl.UInt32).alias("_i"),
        pl.when(g_field != none).then(g_field).cast(pl.UInt32).alias("_g"),
        (key // f_size % b_size).alias("blootstelling"),
        (key % f_size).alias("fip"),
        pl.col("len").cast(pl.Int64).alias("_n"),
    )


def _medians_and_means(counts: pl.DataFrame, column: str) -> pl.DataFrame:
    """Median (`mediaan`) and mean (`gem`) of `column` per peildatum and municipality and `totaal`, from
    `counts` (`_n` rows with each value): what `by_gemeente`'s median and `exact_means` give on the rows.

    The median is the polars median of the two middle values (one value twice for an odd count); the mean
    is the exactly rounded sum divided by the count, as `math.fsum`: every value is an integer multiple of
    one power of two, so the sum is exact in integers (in 24-bit limbs summed by polars).
    """
    keys = [PEILDATUM, GEMEENTE]
    value = pl.col(column)
    per = counts.filter(pl.col(GEMEENTE).is_not_null()).select(*keys, column, "_n")
    tot = (
        counts.group_by(PEILDATUM, column)
        .agg(pl.col("_n").sum())
        .select(PEILDATUM, pl.lit(TOTAAL).alias(GEMEENTE), column, "_n")
    )
    dist = (
        pl.concat([per, tot])
        .group_by(*keys, column)
        .agg(pl.col("_n").sum())
        .sort(*keys, column)
        .with_columns(
            pl.col("_n").cum_sum().over(keys).alias("_upto"), pl.col("_n").sum().over(keys).alias("_count")
        )
    )
    start = pl.col("_upto") - pl.col("_n")

    def holding(position: pl.Expr) -> pl.Expr:
        return (start <= position) & (position < pl.col("_upto"))

    count = pl.col("_count")
    middle = pl.concat(
        [
            dist.filter(holding((count - 1) // 2)).select(*keys, column),
            dist.filter(holding(count // 2)).select(*keys, column),
        ]
    )
    medians = middle.group_by(keys).agg(value.median().alias("mediaan"))
    # every value times 2^scale is an integer, split in signed limbs of 24 bits: their sums fit an Int64
    values = dist.get_column(column).unique().to_list()
    ratios = [v.as_integer_ratio() for v in values]
    scale = max(d.bit_length() - 1 for _, d in ratios) if ratios else 0
    ints = [n << (scale - d.bit_length() + 1) for n, d in ratios]
    limbs = max((abs(i).bit_length() for i in ints), default=0) // 24 + 1
    table = pl.DataFrame(
        {
            column: values,
            **{f"_l{j}": [_sign(i) * (abs(i) >> (24 * j) & 0xFFFFFF) for i in ints] for j in range(limbs)},
        },
        schema={column: pl.Float64(), **{f"_l{j}": pl.Int64() for j in range(limbs)}},
    )
    sums = (
        dist.join(table, on=column, how="left")
        .group_by(keys)
        .agg(
            pl.col("_n").sum(),
            *((pl.col("_n") * pl.col(f"_l{j}")).sum().alias(f"_l{j}") for j in range(limbs)),
        )
        .rows()
    )
    means = pl.DataFrame(
        {
            PEILDATUM: [r[0] for r in sums],
            GEMEENTE: [r[1] for r in sums],
            "gem": [sum(s << (24 * j) for j, s in enumerate(r[3:])) / (1 << scale) / r[2] for r in sums],
        },
        schema={PEILDATUM: pl.Date(), GEMEENTE: pl.String(), "gem": pl.Float64()},
    )
    return medians.join(means, on=keys, how="full", coalesce=True)


def _sign(i: int) -> int:
    return -1 if i < 0 else 1


def norm_rules(config) -> list[registry.NormRule]:
    """The configured number of FIP conversations a year, for the mean and the median."""
    limit = float(config.fip_norm_per_jaar)
    return [
        registry.NormRule("fip_per_jaar_gem", ">=", limit),
        registry.NormRule("fip_per_jaar_mediaan", ">=", limit),
    ]


FAMILY = registry.register(
    registry.Family(
        id="fip",
        label="FIP-gesprekken",
        order=50,
        series=fip_series,
        notebook="14_fip",
        norms=norm_rules,
        kpis=(
            registry.kpi(
                "fip_populatie_n",
                "FIP-populatie: klanten in de FIP-perspectieven met voldoende blootstelling",
                "n",
                "aantal",
                "fip",
            ),
            registry.kpi(
                "fip_per_jaar_gem",
                "FIP-gesprekken per jaar (gemiddelde)",
                "ratio",
                "gemiddelde",
                "fip",
                "4 FIP-gesprekken per jaar",
            ),
            registry.kpi(
                "fip_per_jaar_mediaan",
                "FIP-gesprekken per jaar (mediaan)",
                "ratio",
                "gemiddelde",
                "fip",
                "4 FIP-gesprekken per jaar",
            ),
            registry.kpi(
                "fip_norm_pct",
                "Klanten die de FIP-norm halen",
                "pct",
                "aandeel",
                "fip",
                "4 FIP-gesprekken per jaar",
            ),
            registry.kpi("fip_geen_n", "Klanten zonder FIP-gesprek", "n", "aantal", "fip"),
            registry.kpi(
                "fip_leefgebieden_volledig_pct",
                "FIP-gesprekken (dagen) over alle zes leefgebieden",
                "pct",
                "aandeel",
                "fip",
            ),
            registry.kpi(
                "fip_vervolgafspraak_pct",
                "FIP-gesprekken (dagen) met vervolgafspraak",
                "pct",
                "aandeel",
                "fip",
            ),
        ),
    )
)
