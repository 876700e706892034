"""FIP for many windows at once (running totals on one person-date axis, figures from counts) against the
definition applied window by window, on random periods and conversations with the edge cases.
"""

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from pipelines.clean import load_clean
from pipelines.config import config_for
from pipelines.kpi import fip as fip_family
from pipelines.kpi.base import GEMEENTE, PEILDATUM, Context, by_gemeente, exact_means
from pipelines.kpi.engine import with_person_ids
from pipelines.kpi.fip import (
    FIP_PERSPECTIEVEN,
    GRID_ROWS_PER_PASS,
    _counts,
    _medians_and_means,
    fip_contacts_each,
    fip_per_person_each,
)
from pipelines.periods import peildatum, series_peildata, window
from pipelines.schema import LEEFGEBIEDEN
from pipelines.spells import days_inside

D = dt.date
DATES = [D(2019, 12, 31), D(2020, 3, 31), D(2021, 6, 30), D(2021, 9, 30), D(2023, 12, 31), D(2024, 3, 31)]


@pytest.fixture(scope="module")
def fip_tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Persons with up to three klantbeeld periods in a row (some adjacent: the next starts on the end
    day, some running, one-day periods, some wholly before the first window), conversations with several
    records on one day, outside the periods, on their first and last days and of another kind.
    """
    rng = np.random.default_rng(7)
    rows = []
    for p in range(300):
        day = int(rng.integers(17500, 19500))
        for _ in range(int(rng.integers(1, 4))):
            length = int(rng.choice([0, 1, 30, 200, 400, 900]))
            end = day + length
            running = rng.random() < 0.15
            rows.append(
                (f"P{p:03d}", day, None if running else end, str(rng.choice(["werken", *FIP_PERSPECTIEVEN])))
            )
            if running:
                break
            day = end + int(rng.choice([0, 1, 2, 40]))  # 0: starts on the previous end day
    rows += [("P000", None, 19000, "meedoen"), ("P001", 18000, 18400, "meedoen")]  # no start; overlapping
    klantbeeld = pl.DataFrame(
        rows, schema=["persoon", "ingangsdatum", "einddatum", "perspectief"], orient="row"
    ).with_columns(pl.col("ingangsdatum", "einddatum").cast(pl.Date))
    n = 4000
    people = rng.integers(0, 320, n)  # P300.. have no klantbeeld
    edges = klantbeeld.drop_nulls("ingangsdatum").sample(n, with_replacement=True, seed=1)
    at_edge = rng.random(n) < 0.2
    datum = np.where(at_edge, edges["ingangsdatum"].cast(pl.Int32).to_numpy(), rng.integers(17500, 20000, n))
    persoon = np.where(at_edge, edges["persoon"].to_numpy(), np.array([f"P{p:03d}" for p in people]))
    contacts = pl.DataFrame(
        {
            "contact_id": [f"C{i}" for i in range(n)],
            "persoon": persoon,
            "datum": pl.Series(datum).cast(pl.Date),
            "soort": rng.choice(["fip", "fip", "fip", "telefonisch"], n),
            "leefgebieden": [
                list(rng.choice(LEEFGEBIEDEN, int(rng.integers(0, 7)), replace=False)) for _ in range(n)
            ],
            "vervolgafspraak": pl.Series(
                [[True, False, None][i] for i in rng.integers(0, 3, n)], dtype=pl.Boolean
            ),
        }
    )
    # several records on one day, and days repeated
    contacts = pl.concat([contacts, contacts.head(600).with_columns(pl.col("contact_id") + "b")])
    return klantbeeld, contacts


def _days_one_window(klantbeeld, contacts, s, b) -> pl.DataFrame:
    """The FIP conversation days in one window inside a FIP period, by joins."""
    periods = klantbeeld.filter(pl.col("perspectief").is_in(FIP_PERSPECTIEVEN))
    inside = (
        contacts.filter((pl.col("soort") == "fip") & pl.col("datum").is_between(s, b))
        .join(periods, on="persoon")
        .filter(
            (pl.col("datum") >= pl.col("ingangsdatum"))
            & (pl.col("einddatum").is_null() | (pl.col("datum") <= pl.col("einddatum")))
        )
        .unique("contact_id")
    )
    domains = pl.col("leefgebieden").list.explode(keep_nulls=False, empty_as_null=False).unique().sort()
    return (
        inside.group_by("persoon", "datum")
        .agg(
            pl.len().alias("registraties"),
            domains.alias("leefgebieden"),
            pl.col("vervolgafspraak").fill_null(False).any(),
            (domains.len() == len(LEEFGEBIEDEN)).alias("leefgebieden_volledig"),
        )
        .with_columns(pl.lit(b).alias(PEILDATUM))
    )


def _per_person_one_window(klantbeeld, contacts, s, b, min_dagen=91) -> pl.DataFrame:
    """The definition for one window, by joins: the exposure is the number of distinct days of the window
    in the person's FIP periods (a day two periods share is one day)."""
    periods = klantbeeld.filter(pl.col("perspectief").is_in(FIP_PERSPECTIEVEN))
    first = pl.max_horizontal("ingangsdatum", pl.lit(s))
    last = pl.min_horizontal(pl.col("einddatum").fill_null(b), pl.lit(b))
    exposure = (
        periods.drop_nulls("ingangsdatum")  # a period without start lies in no window
        .select("persoon", pl.date_ranges(first, last).alias("dag"))
        .explode("dag")
        .drop_nulls("dag")
        .unique()
        .group_by("persoon")
        .agg(pl.len().cast(pl.Int64).alias("blootstelling"))
        .filter((pl.col("blootstelling") >= min_dagen) & (pl.col("blootstelling") > 0))
    )
    counts = (
        _days_one_window(klantbeeld, contacts, s, b)
        .group_by("persoon")
        .agg(
            pl.len().cast(pl.Int64).alias("fip"),
            pl.col("leefgebieden_volledig").sum().cast(pl.Int64).alias("volledig"),
            pl.col("vervolgafspraak").sum().cast(pl.Int64).alias("vervolg"),
        )
    )
    return (
        exposure.join(counts, on="persoon", how="left")
        .with_columns(pl.col("fip", "volledig", "vervolg").fill_null(0))
        .with_columns(pl.lit(b).alias(PEILDATUM))
        .select("persoon", PEILDATUM, "blootstelling", "fip", "volledig", "vervolg")
    )


@pytest.mark.parametrize(
    ("min_dagen", "grid_rows_per_pass"), [(91, GRID_ROWS_PER_PASS), (0, GRID_ROWS_PER_PASS), (91, 1)]
)
def test_fip_per_person_each_is_the_definition_per_window(
    fip_tables, min_dagen, grid_rows_per_pass, monkeypatch
):
    """Also when the grid of persons and windows is built one window at a time."""
    monkeypatch.setattr(fip_family, "GRID_ROWS_PER_PASS", grid_rows_per_pass)
    klantbeeld, contacts = fip_tables
    dates = [D(2005, 12, 31), *DATES]  # a window before any period
    got = (
        fip_per_person_each(klantbeeld, contacts, [window(b) for b in dates], min_dagen=min_dagen)
        .select("persoon", PEILDATUM, "blootstelling", "fip", "volledig", "vervolg")
        .collect()
        .sort(PEILDATUM, "persoon")
    )
    want = pl.concat(
        [_per_person_one_window(klantbeeld, contacts, *window(b), min_dagen) for b in dates]
    ).sort(PEILDATUM, "persoon")
    assert got.height > 0 and got["fip"].sum() > 0 and got.equals(want)
    # the cases exercised: persons with several periods in a window, periods that share a day (one ends on
    # the day the next starts) and overlap; summed per period they would exceed the window
    fip = klantbeeld.filter(pl.col("perspectief").is_in(FIP_PERSPECTIEVEN)).drop_nulls("ingangsdatum")
    per_period = pl.concat(
        [
            fip.select("persoon", days_inside(*window(b), "ingangsdatum", "einddatum").alias("d"))
            .group_by("persoon")
            .agg(pl.col("d").sum())
            for b in dates
        ]
    )
    assert per_period["d"].max() > 366 and got["blootstelling"].max() == 366


def test_fip_contacts_each_dates_the_days_of_each_window(fip_tables):
    klantbeeld, contacts = fip_tables
    got = fip_contacts_each(klantbeeld, contacts, [window(b) for b in DATES]).collect()
    want = pl.concat([_days_one_window(klantbeeld, contacts, *window(b)) for b in DATES])
    key = [PEILDATUM, "persoon", "datum"]
    assert got.height > 0 and got.select(want.columns).sort(key).equals(want.sort(key))


@pytest.fixture(scope="module")
def rates() -> pl.DataFrame:
    rng = np.random.default_rng(11)
    n = 20000
    fip = rng.integers(0, 9, n)
    bl = np.where(rng.random(n) < 0.5, 366, rng.integers(91, 367, n))
    return pl.DataFrame(
        {
            PEILDATUM: pl.Series([DATES[i] for i in rng.integers(0, 3, n)], dtype=pl.Date),
            "_i": rng.integers(0, 3, n).astype(np.uint32),
            "_g": pl.Series(
                [[0, 1, None][i] for i in rng.choice(3, n, p=[0.6, 0.39, 0.01])], dtype=pl.UInt32
            ),
            "blootstelling": bl,
            "fip": fip,
        }
    ).with_columns((pl.col("fip").cast(pl.Float64) * 365.25 / pl.col("blootstelling")).alias("x"))


def test_counts_count_each_combination(rates):
    got = _counts(rates).sort("_i", "_g", "blootstelling", "fip", nulls_last=True)
    want = (
        rates.group_by("_i", "_g", "blootstelling", "fip")
        .agg(pl.len().cast(pl.Int64).alias("_n"))
        .sort("_i", "_g", "blootstelling", "fip", nulls_last=True)
    )
    assert got["_g"].null_count() > 0 and got.select(want.columns).equals(want)


@pytest.mark.parametrize("size", [20000, 7, 2, 1])
def test_medians_and_means_are_those_of_the_rows(rates, size):
    """Even and odd counts, equal values, a municipality without rows, rows without municipality."""
    frame = rates.head(size).with_columns(
        pl.col("_g").replace_strict([0, 1], ["0001", "0002"], return_dtype=pl.String).alias(GEMEENTE)
    )
    gemeenten = ["0001", "0002", "0003"]
    counts = frame.group_by(PEILDATUM, GEMEENTE, "x").agg(pl.len().cast(pl.Int64).alias("_n"))
    got = (
        by_gemeente(frame, [pl.len().alias("n")], gemeenten, DATES[:3])
        .join(_medians_and_means(counts, "x"), on=[PEILDATUM, GEMEENTE], how="left")
        .select(PEILDATUM, GEMEENTE, "mediaan", "gem")
    )
    want = by_gemeente(frame, [pl.col("x").median().alias("mediaan")], gemeenten, DATES[:3]).join(
        exact_means(frame, "x", gemeenten, "gem", DATES[:3]), on=[PEILDATUM, GEMEENTE], how="left"
    )
    assert got.equals(want)


def test_the_mean_is_the_exactly_rounded_sum_over_the_count():
    """Values whose float sum in any order differs from the exact one (fsum)."""
    values = [0.1, 1e16, 1.0, -1e16 + 2.0, 365.25 / 91] * 3
    frame = pl.DataFrame(
        {
            PEILDATUM: [DATES[0]] * len(values),
            GEMEENTE: ["0001"] * len(values),
            "x": values,
            "_n": [1] * len(values),
        }
    )
    got = _medians_and_means(frame, "x").filter(pl.col(GEMEENTE) == "0001")["gem"][0]
    assert got == math.fsum(values) / len(values) and got != sum(values) / len(values)


def test_the_series_built_a_few_windows_at_a_time_is_the_series_in_one_pass(demo_clean, monkeypatch):
    """Every FIP figure of the demo's series, every municipality, with the grid in parts of about 500 rows
    (several windows each, uneven at the end) and in one part."""
    data = load_clean(demo_clean)
    codes = data.get("personen").get_column("gemeentecode").unique().drop_nulls().to_list()
    ctx = Context.build(with_person_ids(data), config_for(data.organisatie, gemeentecodes=codes))
    dates = series_peildata(peildatum("2024Q3"), data.gegevens_vanaf)
    whole = fip_family.fip_series(ctx, dates)
    monkeypatch.setattr(fip_family, "GRID_ROWS_PER_PASS", 500)
    parts, _ = fip_family._population(
        ctx.table("klantbeeld"),
        ctx.table("contactmomenten"),
        [window(b) for b in dates],
        91,
        FIP_PERSPECTIEVEN,
    )
    windows_per_part = [part.get_column("_i").n_unique() for part in parts]
    assert len(windows_per_part) > 3 and max(windows_per_part) > 1
    ctx._cache.clear()
    in_parts = fip_family.fip_series(ctx, dates)
    key = [PEILDATUM, "kpi", GEMEENTE]
    assert whole.filter(pl.col("waarde").is_not_null()).height > 100
    assert in_parts.sort(key).equals(whole.sort(key))
