"""Families computed for many peildata at once give what one date at a time gives.

The series of kpis.csv computes a family for every quarter in one pass (`Family.series`); the figures
of each date must not depend on which other dates are computed with it.
"""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from pipelines.clean import load_clean
from pipelines.config import config_for
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    Context,
    Unavailable,
    by_gemeente,
    by_gemeente_masks,
    counts_per_window,
    mask_counts,
    per_peildatum,
    rows,
)
from pipelines.kpi.bestand import (
    _in_perspective,
    age_expr,
    current_in_stock_each,
    current_periods_each,
    first_day_aged,
    in_stock_masks,
    stock_counts,
    stock_on_each,
    throughput_rows,
)
from pipelines.kpi.doelgroepen import spell_masks
from pipelines.kpi.duurzaamheid import DUURKLASSEN, duration_class, duration_flow_masks
from pipelines.kpi.engine import family_series, with_person_ids
from pipelines.kpi.registry import KPI_FAMILIES
from pipelines.kpi.uitstroom import (
    FLOW_AGGS,
    flow_counts_each,
    flows_per_spell_each,
    touching,
)
from pipelines.periods import multi_year_windows, peildatum, series_peildata, window
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import (
    MASK_DATES,
    POSITION_TABLE_DAYS,
    date_position,
    in_scope,
    latest_running_each,
    latest_running_masks,
    mask_chunks,
    overlapping,
    overlapping_each,
    overlapping_mask,
    range_mask,
    running_mask,
    running_on,
    running_on_each,
)
from tests.support.kpi_frames import same_counts

D = dt.date


def running_benefits_each(uitkeringen, regelingen, peildata, persons) -> pl.LazyFrame:
    """The in-scope benefits running on each peildatum, a row per benefit and date (with the person's
    municipality): the per-date definition `bestand.stock_counts` counts from date masks."""
    return (
        running_on_each(in_scope(uitkeringen, regelingen), peildata, start="aanvangsdatum", end="einddatum")
        .select(PEILDATUM, PERSON_COLUMN, "registratienummer")
        .join(persons.lazy(), on=PERSON_COLUMN, how="left")
    )


def in_perspective_during(klantbeeld, spells, windows, perspectief: str = "werken") -> pl.LazyFrame:
    """The persons in `perspectief` on assistance on some day of each window, a row per person and window:
    the per-date definition of the throughput that `bestand.throughput_rows` counts from date masks."""
    inside = overlapping_each(_in_perspective(klantbeeld, spells, perspectief), windows, "_first", "_last")
    keep = [c for c in (PERSON_COLUMN, GEMEENTE) if c in spells.lazy().collect_schema().names()]
    return inside.select(PEILDATUM, *keep).unique(subset=[PEILDATUM, PERSON_COLUMN])


@pytest.fixture(scope="module")
def periods() -> pl.DataFrame:
    rng = np.random.default_rng(3)
    n = 2000
    start = pl.Series(rng.integers(16000, 20000, n)).cast(pl.Date)
    length = pl.Series(rng.integers(0, 2000, n))
    open_end = pl.Series(rng.random(n) < 0.2)
    no_start = pl.Series(rng.random(n) < 0.02)  # rows a filter on `start <= b` drops
    start = pl.select(pl.when(no_start).then(None).otherwise(start)).to_series()
    return pl.DataFrame(
        {"id": np.arange(n), "start": start, "g": rng.choice(["0001", "0002"], n)}
    ).with_columns(
        pl.when(open_end)
        .then(None)
        .otherwise(pl.col("start") + pl.duration(days=length))
        .cast(pl.Date)
        .alias("end")
    )


DATES = [D(2014, 3, 31), D(2015, 6, 30), D(2016, 12, 31), D(2019, 9, 30), D(2023, 12, 31), D(2025, 3, 31)]


def _one_by_one(frame, select, dates) -> pl.DataFrame:
    return pl.concat([select(frame, b).collect().with_columns(pl.lit(b).alias(PEILDATUM)) for b in dates])


def test_running_on_each_is_running_on_per_date(periods):
    got = running_on_each(periods, DATES).collect().sort(PEILDATUM, "id")
    want = _one_by_one(periods, running_on, DATES).sort(PEILDATUM, "id")
    assert got.height > 0 and got.equals(want)


def test_overlapping_each_is_overlapping_per_window(periods):
    windows = [window(b) for b in DATES]
    got = overlapping_each(periods, windows).collect().sort(PEILDATUM, "id")
    want = _one_by_one(periods, lambda f, b: overlapping(f, *window(b)), DATES).sort(PEILDATUM, "id")
    assert got.height > 0 and got.equals(want)


def test_latest_running_each_is_the_latest_started_running_period_per_date(periods):
    """Keys with overlapping periods (several running on one date) and keys without."""
    keyed = periods.with_columns((pl.col("id") % 300).alias("key")).unique(["key", "start"])  # starts differ
    got = latest_running_each(keyed, DATES, "start", "end", key="key").collect()
    want = _one_by_one(
        keyed, lambda f, b: running_on(f, b).sort("key", "start").group_by("key").last(), DATES
    )
    assert got.height > 0 and got.select(want.columns).sort(PEILDATUM, "key").equals(
        want.sort(PEILDATUM, "key")
    )
    several = (
        running_on_each(keyed, DATES).group_by("key", PEILDATUM).len().filter(pl.col("len") > 1).collect()
    )
    assert several.height > 0  # the case that needs the latest start


def test_of_two_periods_starting_on_one_day_the_one_that_ends_last_counts_in_any_row_order():
    """A tie in the start: the period that ends last is the latest; the same rows give the same row in any
    order (a run on the same delivery gives the same figures); rows alike in both keep their order."""
    b = D(2024, 9, 30)
    rows = pl.DataFrame(
        {
            "persoon": ["A", "A", "A", "B", "B"],
            "start": [D(2024, 9, 30), D(2024, 9, 30), D(2024, 1, 1), D(2024, 9, 30), D(2024, 9, 30)],
            "end": [D(2024, 9, 30), None, D(2024, 9, 30), D(2024, 9, 30), D(2024, 9, 30)],
            "perspectief": ["meedoen", "werken", "werken_aan", "meedoen", "werken"],
        }
    )
    for order in ([0, 1, 2, 3, 4], [1, 0, 2, 3, 4], [2, 4, 3, 1, 0]):
        shuffled = rows[order]
        each = latest_running_each(shuffled, [b], "start", "end").collect().sort("persoon")
        masks = latest_running_masks(shuffled, [b], "start", "end").collect().sort("persoon")
        b_last = shuffled.filter(pl.col("persoon") == "B").get_column("perspectief")[-1]
        assert each.get_column("perspectief").to_list() == ["werken", b_last]
        assert masks.get_column("perspectief").to_list() == ["werken", b_last]


def test_overlapping_each_refuses_windows_that_do_not_grow_together(periods):
    with pytest.raises(ValueError):
        overlapping_each(periods, [(D(2020, 1, 1), D(2020, 12, 31)), (D(2019, 1, 1), D(2021, 12, 31))])


def test_by_gemeente_over_peildata_is_by_gemeente_per_date(periods):
    frame = running_on_each(periods, DATES).rename({"g": "gemeentecode"})
    aggs = [pl.len().alias("n"), pl.col("id").max().alias("hoogste")]
    gemeenten = ["0001", "0002", "0003"]  # 0003 has no rows: counts 0, max empty
    dates = [*DATES, D(2030, 12, 31)]  # no rows at all on the last date
    got = by_gemeente(frame, aggs, gemeenten, dates)
    want = pl.concat(
        [
            by_gemeente(frame.filter(pl.col(PEILDATUM) == b).drop(PEILDATUM), aggs, gemeenten).with_columns(
                pl.lit(b).alias(PEILDATUM)
            )
            for b in dates
        ]
    )
    assert got.select(want.columns).equals(want)


def test_per_peildatum_gives_each_date_its_reason():
    def check(b):
        if b.year < 2020:
            raise Unavailable("te vroeg")

    def compute(dates):
        agg = pl.DataFrame({"gemeentecode": "totaal", "n": 1, PEILDATUM: dates})
        return [rows(agg, "k", pl.col("n"))]

    out = per_peildatum(["k"], [], [D(2019, 12, 31), D(2021, 12, 31)], check, compute)
    assert out.sort(PEILDATUM).select(PEILDATUM, "waarde", "opmerking").rows() == [
        (D(2019, 12, 31), None, "te vroeg"),
        (D(2021, 12, 31), 1.0, None),
    ]


def test_series_of_the_demo_equals_one_quarter_at_a_time(demo_clean):
    """Every family, every municipality: a date's rows are the same alone and within the series.

    Compared before disclosure control, which looks across dates (a year beside its multi-year mean).
    """
    data = load_clean(demo_clean)
    codes = data.get("personen").get_column("gemeentecode").unique().drop_nulls().to_list()
    ctx = Context.build(with_person_ids(data), config_for(data.organisatie, gemeentecodes=codes))
    dates = series_peildata(peildatum("2024Q3"), data.gegevens_vanaf)
    picked = [dates[0], dates[3], dates[len(dates) // 2], dates[-1]]
    for family in KPI_FAMILIES:
        series = family_series(ctx, family, dates)
        for b in picked:
            alone = family_series(ctx, family, [b])
            within = series.filter(pl.col(PEILDATUM) == b)
            assert within.sort("kpi", "gemeentecode").equals(alone.sort("kpi", "gemeentecode")), (family, b)


def test_current_in_stock_is_the_stock_joined_with_the_current_period(demo_clean):
    """The one-pass stock with its current period gives the rows of the join it replaces."""
    data = load_clean(demo_clean)
    ctx = Context.build(data, config_for(data.organisatie))
    uitkeringen, regelingen = data.get("uitkeringen"), ctx.config.regelingen
    dates = series_peildata(peildatum("2024Q3"), data.gegevens_vanaf)
    keys = [PEILDATUM, "persoon"]
    got = current_in_stock_each(ctx.spells, uitkeringen, regelingen, dates).collect()
    stock = running_on_each(ctx.spells, dates).select(*keys, "start")
    want = stock.join(current_periods_each(uitkeringen, regelingen, dates), on=keys, how="left").collect()
    assert got.height == want.height > 0
    assert got.select(want.columns).sort(keys).equals(want.sort(keys))


def _bits(mask: int, dates: list[dt.date]) -> list[dt.date]:
    return [b for i, b in enumerate(sorted(dates)) if mask >> i & 1]


def test_running_mask_has_the_dates_running_on_each_gives(periods):
    """Rows without start or end, periods on the dates themselves, dates before any data."""
    dates = [D(1990, 1, 1), *DATES, periods.get_column("start").drop_nulls().min()]
    got = periods.with_columns(running_mask(dates).alias("m"))
    want = _one_by_one(periods, running_on, dates).group_by("id").agg(pl.col(PEILDATUM))
    want = dict(zip(want.get_column("id").to_list(), want.get_column(PEILDATUM).to_list(), strict=True))
    for i, m in zip(got.get_column("id").to_list(), got.get_column("m").to_list(), strict=True):
        assert _bits(m, dates) == sorted(want.get(i, []))
    assert (
        got.filter(pl.col("start").is_null()).get_column("m").to_list()
        == [0] * periods.get_column("start").null_count()
    )


def test_overlapping_mask_has_the_windows_overlapping_each_gives(periods):
    windows = [window(b) for b in DATES]
    got = periods.with_columns(overlapping_mask(windows).alias("m"))
    want = (
        _one_by_one(periods, lambda f, b: overlapping(f, *window(b)), DATES)
        .group_by("id")
        .agg(pl.col(PEILDATUM))
    )
    want = dict(zip(want.get_column("id").to_list(), want.get_column(PEILDATUM).to_list(), strict=True))
    for i, m in zip(got.get_column("id").to_list(), got.get_column("m").to_list(), strict=True):
        assert _bits(m, DATES) == sorted(want.get(i, []))


def test_range_mask_and_its_limits():
    frame = pl.DataFrame(
        {"f": [0, 3, 5, 6, 0], "a": [64, 5, 5, 2, 1]}, schema={"f": pl.UInt32, "a": pl.UInt32}
    )
    got = frame.select(range_mask(pl.col("f"), pl.col("a"))).to_series().to_list()
    assert got == [2**64 - 1, 0b11000, 0, 0, 1]
    with pytest.raises(ValueError):
        running_mask([D(2000, 1, 1) + dt.timedelta(days=i) for i in range(MASK_DATES + 1)])
    many = [D(2000, 1, 1) + dt.timedelta(days=i) for i in range(130)]
    assert [len(c) for c in mask_chunks(many)] == [64, 64, 2] and sum(mask_chunks(many), []) == many


@pytest.mark.parametrize("side", ["left", "right"])
def test_date_position_is_the_binary_search(side):
    """On the dates themselves, between, before, after, far off (the open end), empty; one date, several,
    and dates too far apart for a table."""
    rng = np.random.default_rng(3)
    values = pl.Series(
        "v", [*rng.integers(10_000, 20_000, 5000).tolist(), None, -719_000, 2_900_000], dtype=pl.Int32
    ).cast(pl.Date)
    spans = [
        [D(2020, 3, 31)],
        [D(2000, 1, 1) + dt.timedelta(days=int(d)) for d in sorted(rng.choice(8000, 40, replace=False))],
        [D(1990, 1, 1), D(1990, 1, 1) + dt.timedelta(days=POSITION_TABLE_DAYS + 1)],
    ]
    frame = pl.DataFrame({"v": [*values, *(d for span in spans for d in span)]})
    for dates in spans:
        ordered = pl.Series(dates, dtype=pl.Date)
        got = frame.select(date_position(ordered, pl.col("v"), side=side)).to_series()
        want = frame.select(pl.lit(ordered).search_sorted(pl.col("v"), side=side)).to_series()
        assert got.dtype == want.dtype and got.to_list() == want.to_list()
        assert got.n_unique() == len(dates) + 1


def test_by_gemeente_masks_counts_as_by_gemeente_on_the_rows_per_date(periods):
    """Counts per row and distinct counts (overlapping periods of one key count once per date); a code
    without rows and rows without a municipality (only in `totaal`)."""
    frame = periods.with_columns(
        pl.when(pl.col("id") % 7 == 0).then(None).otherwise(pl.col("g")).alias("gemeentecode"),
        (pl.col("id") % 50).alias("key"),
    )
    codes = ["0001", "0002", "0003"]
    got = by_gemeente_masks(
        frame.with_columns(running_mask(DATES).alias("m")), {"n": pl.col("m")}, codes, DATES
    ).sort(PEILDATUM, "gemeentecode")
    per_date = running_on_each(frame, DATES)
    want = by_gemeente(per_date, [pl.len().alias("n")], codes, DATES).sort(PEILDATUM, "gemeentecode")
    assert got.get_column("n").sum() > 0
    assert got.select(PEILDATUM, "gemeentecode", pl.col("n").cast(pl.Int64)).equals(
        want.select(PEILDATUM, "gemeentecode", pl.col("n").cast(pl.Int64))
    )
    got = by_gemeente_masks(
        frame.with_columns(running_mask(DATES).alias("m")), {"k": pl.col("m")}, codes, DATES, distinct="key"
    ).sort(PEILDATUM, "gemeentecode")
    want = by_gemeente(per_date, [pl.col("key").n_unique().alias("k")], codes, DATES).sort(
        PEILDATUM, "gemeentecode"
    )
    assert got.select(pl.col("k").cast(pl.Int64)).equals(want.select(pl.col("k").cast(pl.Int64)))


def test_first_day_aged_is_where_age_expr_reaches_the_age():
    born = [D(1964, 2, 29), D(1970, 5, 3), D(1972, 12, 31), D(1973, 1, 1), D(1960, 3, 1)]
    frame = pl.DataFrame({"g": born + [None]}, schema={"g": pl.Date})
    first = frame.select(first_day_aged(pl.col("g"), 50)).to_series().to_list()
    for g, day in zip(born, first[:-1], strict=True):
        before = day - dt.timedelta(days=1)
        ages = pl.DataFrame({"g": [g]}).select(
            age_expr(pl.col("g"), day).alias("on"), age_expr(pl.col("g"), before).alias("before")
        )
        assert ages.row(0) == (50, 49)
    assert first[-1] is None


def test_latest_running_masks_has_the_dates_latest_running_each_gives(periods):
    """Keys with overlapping periods (taken date by date) and keys without; rows never latest are left out."""
    keyed = periods.with_columns((pl.col("id") % 300).alias("key")).unique(["key", "start"])
    got = latest_running_masks(keyed, DATES, "start", "end", key="key").collect()
    want = (
        latest_running_each(keyed, DATES, "start", "end", key="key").group_by("id").agg(PEILDATUM).collect()
    )
    want = dict(zip(want.get_column("id").to_list(), want.get_column(PEILDATUM).to_list(), strict=True))
    assert got.height == len(want) and set(got.columns) == {*keyed.columns, "_latest"}
    for i, m in zip(got.get_column("id").to_list(), got.get_column("_latest").to_list(), strict=True):
        assert _bits(m, DATES) == sorted(want[i])


def test_stock_counts_are_the_counts_of_the_stock_rows(demo_clean):
    """The masks give what counting `stock_on_each` and `running_benefits_each` row by row gives."""
    data = load_clean(demo_clean)
    ctx = Context.build(data, config_for(data.organisatie))
    cfg, dates = ctx.config, series_peildata(peildatum("2024Q3"), data.gegevens_vanaf)
    stock = stock_on_each(
        ctx.spells,
        data.get("uitkeringen"),
        data.get("personen"),
        dates,
        cfg.regelingen,
        data.get("klantbeeld"),
    )
    aggs = [
        pl.len().alias("bestand"),
        pl.col("duur_2plus").sum(),
        pl.col("duur_5plus").sum(),
        (pl.col("leefvorm") == "2").fill_null(False).sum().alias("alleenstaande_ouder"),
        pl.col("statushouder").fill_null(False).sum(),
        pl.col("leeftijd_50plus").sum(),
        pl.col("ontheffing_actief").sum().alias("ontheffing"),
        (pl.col("perspectief") == "werken").fill_null(False).sum().alias("perspectief_werken"),
        pl.col("perspectief").is_null().sum().alias("perspectief_onbekend"),
        pl.col("duurzaam_vrijgesteld").fill_null(False).sum(),
    ]
    want = by_gemeente(stock, aggs, ctx.gemeenten, dates).join(
        by_gemeente(
            running_benefits_each(data.get("uitkeringen"), cfg.regelingen, dates, ctx.persons),
            [pl.col("registratienummer").n_unique().alias("uitkeringen")],
            ctx.gemeenten,
            dates,
        ),
        on=[PEILDATUM, "gemeentecode"],
    )
    columns = [c for c in want.columns if c not in (PEILDATUM, "gemeentecode")]
    got = stock_counts(ctx, dates)
    keys = [PEILDATUM, "gemeentecode"]
    assert want.get_column("bestand").sum() > 0
    assert (
        got.select(*keys, pl.col(columns).cast(pl.Int64))
        .sort(keys)
        .equals(want.select(*keys, pl.col(columns).cast(pl.Int64)).sort(keys))
    )


def test_mask_counts_is_the_count_per_key_and_date(periods):
    """Every date of every key present (0 where none runs), rows without a start counted nowhere."""
    frame = periods.with_columns((pl.col("id") % 40).alias("key"))
    got = mask_counts(frame, ["key"], running_mask(DATES), DATES, "n")
    naive = running_on_each(frame, DATES).group_by("key", PEILDATUM).len().collect()
    want = (
        frame.select("key")
        .unique()
        .join(pl.DataFrame({PEILDATUM: DATES}), how="cross")
        .join(naive, on=["key", PEILDATUM], how="left")
        .select("key", PEILDATUM, pl.col("len").fill_null(0).cast(pl.UInt32).alias("n"))
    )
    assert got.height == want.height and got.get_column("n").sum() > 0
    assert got.sort("key", PEILDATUM).equals(want.sort("key", PEILDATUM))


def test_in_stock_masks_have_the_dates_of_current_in_stock_each(demo_clean):
    data = load_clean(demo_clean)
    ctx = Context.build(data, config_for(data.organisatie))
    uitkeringen, regelingen = data.get("uitkeringen"), ctx.config.regelingen
    dates = series_peildata(peildatum("2024Q3"), data.gegevens_vanaf)
    keys = ["persoon", "registratienummer"]
    want = (
        current_in_stock_each(ctx.spells, uitkeringen, regelingen, dates)
        .group_by(keys)
        .agg(PEILDATUM)
        .collect()
    )
    got = in_stock_masks(ctx.spells, uitkeringen, regelingen, dates).collect()
    assert got.height == want.height > 0
    wanted = {(p, r): sorted(d) for p, r, d in want.iter_rows()}
    for p, r, m in got.select(*keys, "_m").iter_rows():
        assert _bits(m, dates) == wanted[(p, r)]


def test_spell_masks_have_the_windows_of_the_flows(demo_clean):
    """Stock, D and outflow to work per spell as `running_on_each` and `flows_per_spell_each` give them."""
    data = load_clean(demo_clean)
    ctx = Context.build(data, config_for(data.organisatie))
    dates = series_peildata(peildatum("2024Q3"), data.gegevens_vanaf)
    keys = ["persoon", "spell"]
    got = spell_masks(ctx.spells, dates).collect()
    flows = flows_per_spell_each(ctx.spells, [window(b) for b in dates]).collect()
    assert flows.get_column("uitstroom_werk").sum() > 0
    stock = running_on_each(ctx.spells, dates).collect()
    for name, rows_, flag in (
        ("_stock", stock, pl.lit(True)),
        ("_d", flows, pl.col("beginstand") | pl.col("instroom")),
        ("_w", flows, pl.col("uitstroom_werk")),
    ):
        want = rows_.filter(flag).group_by(keys).agg(PEILDATUM)
        wanted = {(p, s): sorted(d) for p, s, d in want.iter_rows()}
        found = {(p, s): _bits(m, dates) for p, s, m in got.select(*keys, name).iter_rows() if m}
        assert found == wanted, name


def test_flow_counts_are_by_gemeente_of_the_flows_per_spell(periods, demo_clean):
    """The flows counted from date masks against the rows per spell and window: on random spells (open,
    ending on a window's first or last day, every reason group, some without a municipality) with 70 windows
    ending on any day (more than one mask's worth), and on the demo's series with its multi-year windows."""
    rng = np.random.default_rng(8)
    started = periods.drop_nulls("start")
    reasons = pl.Series(rng.choice(["03", "11", "13", "14", "19", "31", "98", ""], started.height))
    spells = started.with_columns(
        pl.col("id").cast(pl.String).alias(PERSON_COLUMN),
        pl.when(pl.col("id") % 50 != 0).then(pl.col("g")).alias(GEMEENTE),
        pl.when(pl.col("end").is_not_null()).then(reasons).replace("", None).alias("reden_beeindiging"),
    )
    spread = [window(D(2014, 1, 31) + dt.timedelta(days=41 * k)) for k in range(70)]
    data = load_clean(demo_clean)
    ctx = Context.build(with_person_ids(data), config_for(data.organisatie))
    quarters = series_peildata(peildatum("2024Q3"), data.gegevens_vanaf)
    demo_windows = sorted({w for b in quarters for w in multi_year_windows(b)}, key=lambda w: w[1])
    for frame, windows, gemeenten in (
        (spells, spread, ["0001", "0002"]),
        (ctx.spells, demo_windows, ctx.gemeenten),
    ):
        want = by_gemeente(
            flows_per_spell_each(frame, windows), FLOW_AGGS, gemeenten, [b for _, b in windows]
        )
        got = flow_counts_each(frame, windows, gemeenten)
        assert want.height == len(windows) * (len(gemeenten) + 1) and want["uitstroom_werk"].sum() > 0
        assert same_counts(got, want, [a.meta.output_name() for a in FLOW_AGGS])
        # per duration class on the window's end: D and the outflow to work (the definition: a row per spell
        # and window with its `duration_class`)
        flows = flows_per_spell_each(frame, windows).with_columns(duration_class(pl.col(PEILDATUM)))
        aggs = []
        for key in DUURKLASSEN:
            mine = pl.col("duurklasse") == key
            aggs += [
                (mine & (pl.col("beginstand") | pl.col("instroom"))).sum().alias(f"noemer_{key}"),
                (mine & pl.col("uitstroom_werk")).sum().alias(f"werk_{key}"),
            ]
        want = by_gemeente(flows, aggs, gemeenten, [b for _, b in windows])

        assert all(want[f"werk_{key}"].sum() > 0 for key in DUURKLASSEN)
        got = counts_per_window(touching(frame, windows), windows, gemeenten, duration_flow_masks)
        assert same_counts(got, want, [a.meta.output_name() for a in aggs])


def test_throughput_counts_the_persons_of_in_perspective_during(demo_clean):
    data = load_clean(demo_clean)
    ctx = Context.build(data, config_for(data.organisatie))
    dates = series_peildata(peildatum("2024Q3"), data.gegevens_vanaf)[-12:]
    people = in_perspective_during(data.get("klantbeeld"), ctx.spells, [window(b) for b in dates])
    want = by_gemeente(people, [pl.len().alias("n")], ctx.gemeenten, dates)
    got = throughput_rows(ctx, dates).join(want, on=[PEILDATUM, "gemeentecode"])
    assert got.height == want.height and want.get_column("n").sum() > 0
    assert got.filter(pl.col("waarde") != pl.col("n").cast(pl.Float64)).is_empty()
