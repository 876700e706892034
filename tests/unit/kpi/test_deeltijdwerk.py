"""deeltijdwerk_pct in the window 2023-10-01 .. 2024-09-30, values by hand."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from pipelines.kpi.base import by_gemeente
from pipelines.kpi.deeltijdwerk import (
    parttime_counts,
    parttime_per_person,
    parttime_per_person_each,
    working_counts,
    working_on_each,
)
from pipelines.kpi.engine import compute_kpis, kpi_value
from pipelines.periods import window
from pipelines.spells import merge_spells
from tests.support.kpi_frames import clean_data, config, frame, personen, same_counts, uitkering

D = dt.date
B = D(2024, 9, 30)


def income(persoon, maand, soort="11"):
    return {"persoon": persoon, "maand": maand, "soort_inkomsten": soort, "bedrag": 400.0}


@pytest.fixture(scope="module")
def data():
    people = personen(*[(p, "0001") for p in "ABCEFG"], ("H", "0002"))
    rows = [
        uitkering("A", D(2023, 1, 1)),
        uitkering("B", D(2024, 3, 1)),
        uitkering("C", D(2022, 1, 1), D(2023, 10, 15), "11"),
        uitkering("E", D(2022, 1, 1)),
        uitkering("F", D(2022, 1, 1), D(2023, 9, 30), "11"),
        uitkering("G", D(2022, 1, 1)),
        uitkering("H", D(2022, 1, 1)),
    ]
    inkomsten = [
        income("A", D(2024, 5, 1)),  # works during the spell: counts
        income("B", D(2024, 1, 1)),  # before B's spell started: does not count
        income("C", D(2023, 10, 1)),  # spell ran 1-15 October: counts
        income("E", D(2024, 2, 1), "18"),  # vermogen, not work
        income("F", D(2023, 10, 1)),  # spell ended before the window: not in the population
        income("G", D(2023, 9, 1)),  # month before the window
        income("H", D(2024, 9, 1)),  # last month of the window: counts
        income("G", D(2024, 4, 1), "31"),  # tax credits: no income of one's own, not even "ander inkomen"
    ]
    return clean_data({"personen": people, "uitkeringen": rows, "inkomsten": inkomsten})


def test_parttime_per_person(data):
    spells = merge_spells(data.get("uitkeringen"), ("01", "02", "03"), 30)
    out = parttime_per_person(spells, data.get("inkomsten"), D(2023, 10, 1), B).collect().sort("persoon")
    assert dict(zip(out["persoon"], out["deeltijdwerk"], strict=False)) == {
        "A": True,
        "B": False,
        "C": True,
        "E": False,
        "G": False,
        "H": True,
    }


def test_deeltijdwerk_pct(data):
    kpis = compute_kpis(data, config(), B, families=["deeltijdwerk"])
    assert kpi_value(kpis, "deeltijdwerk_pct") == pytest.approx(50.0)  # A C H of A B C E G H
    assert kpi_value(kpis, "deeltijdwerk_pct", "0001") == pytest.approx(40.0)  # A C of A B C E G
    assert kpi_value(kpis, "deeltijdwerk_pct", "0002") == pytest.approx(100.0)
    # gegevens_vanaf 2015: the older windows are covered; nobody had a spell in the window of b - 2y with
    # income
    row = kpis.filter((kpis["kpi"] == "deeltijdwerk_pct_meerjarig") & (kpis["gemeentecode"] == "totaal")).row(
        0, named=True
    )
    # b-1y (2022-10-01 .. 2023-09-30): A C E F G H, G worked in 2023-09 -> 1/6; b-2y: C E F G H, nobody -> 0;
    # b-3y: nobody on assistance -> empty population, left out of the mean
    assert row["n_jaren"] == 3 and row["waarde"] == pytest.approx((50.0 + 100 / 6 + 0.0) / 3)
    assert kpi_value(kpis, "deeltijdwerk_norm") == 1.0


def test_absent_inkomsten_is_not_available(data):
    tables = {k: v for k, v in data.tables.items() if k not in ("inkomsten", "levering")}
    kpis = compute_kpis(clean_data(tables), config(), B, families=["deeltijdwerk"])
    assert kpis["waarde"].null_count() == kpis.height
    assert set(kpis["opmerking"]) == {"niet beschikbaar: tabel inkomsten ontbreekt in de export"}


def test_frame_helper_fills_nulls():
    f = frame("inkomsten", [income("A", D(2024, 1, 1))])
    assert f.columns == ["persoon", "maand", "soort_inkomsten", "bedrag"]


def test_parttime_or_other_income(data):
    # "deeltijdwerk (of ander inkomen)": A C H (work) and E (vermogen, 18); not G (tax credits, 31) or B
    kpis = compute_kpis(data, config(), B, families=["deeltijdwerk"])
    r = kpis.filter((kpis["kpi"] == "deeltijdwerk_inkomen_pct") & (kpis["gemeentecode"] == "totaal")).row(
        0, named=True
    )
    assert (r["teller"], r["noemer"]) == (4, 6)
    assert kpi_value(kpis, "deeltijdwerk_inkomen_pct", "0001") == pytest.approx(60.0)  # A C E of A B C E G
    # its own baseline, norm value and flags (the plan's norm is on this one)
    assert kpi_value(kpis, "deeltijdwerk_inkomen_pct_normwaarde") == pytest.approx(
        1.10 * kpi_value(kpis, "deeltijdwerk_inkomen_pct_meerjarig")
    )
    assert kpi_value(kpis, "deeltijdwerk_inkomen_norm") is not None


def test_share_working_in_the_month_of_the_peildatum(data):
    # stock on b: A B E G (0001), H (0002); income from work in September 2024: H only
    kpis = compute_kpis(data, config(), B, families=["deeltijdwerk"])
    r = kpis.filter((kpis["kpi"] == "deeltijdwerk_peilmaand_pct") & (kpis["gemeentecode"] == "totaal")).row(
        0, named=True
    )
    assert (r["teller"], r["noemer"], r["waarde"]) == (1, 5, 20.0)
    assert kpi_value(kpis, "deeltijdwerk_peilmaand_pct", "0001") == 0.0
    assert kpi_value(kpis, "deeltijdwerk_peilmaand_pct", "0002") == 100.0


@pytest.fixture(scope="module")
def random_income() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Random disjoint spells (some running, some ending or starting mid-month) with a municipality (one
    person without), and income months of every kind."""
    rng = np.random.default_rng(5)
    spells, months = [], []
    for p in range(400):
        gemeente = None if p == 7 else str(rng.choice(["0001", "0002", "0003"]))
        day = int(rng.integers(16000, 19500))
        for _ in range(int(rng.integers(1, 4))):
            end = day + int(rng.integers(0, 900))
            running = rng.random() < 0.2
            spells.append((f"P{p:03d}", gemeente, day, None if running else end))
            if running:
                break
            day = end + int(rng.integers(1, 300))
        for _ in range(int(rng.integers(0, 12))):
            month = dt.date(1970, 1, 1) + dt.timedelta(days=int(rng.integers(15800, 20000)))
            soort = str(rng.choice(["11", "18", "31", "23"]))
            months.append((f"P{p:03d}", month.replace(day=1), soort, 100.0))
    spells_frame = pl.DataFrame(
        spells, schema=["persoon", "gemeentecode", "start", "end"], orient="row"
    ).with_columns(pl.col("start", "end").cast(pl.Int32).cast(pl.Date))
    inkomsten = pl.DataFrame(
        months, schema=["persoon", "maand", "soort_inkomsten", "bedrag"], orient="row"
    ).unique(["persoon", "maand", "soort_inkomsten"])
    return spells_frame, inkomsten


#: 70 dates on any day of a month: more than one date mask's worth.
SPREAD = [D(2014, 12, 31) + dt.timedelta(days=37 * k) for k in range(70)]
GEMEENTEN = ["0001", "0002", "0003"]


def test_parttime_counts_are_by_gemeente_of_the_persons_per_window(random_income):
    """The mask counts against the rows per person and window, for windows ending on any day of a month."""
    spells_frame, inkomsten = random_income
    windows = [window(b) for b in SPREAD]
    groups = {"werk": ("11",), "werk_of_ander": ("11", "18", "23")}
    people = parttime_per_person_each(spells_frame, inkomsten, windows, groups)
    aggs = [pl.len().alias("personen")] + [pl.col(g).sum() for g in groups]
    want = by_gemeente(people, aggs, GEMEENTEN, [b for _, b in windows])
    got = parttime_counts(spells_frame, inkomsten, windows, groups, GEMEENTEN)
    assert (
        want.height == 70 * 4
        and want["werk"].sum() > 100
        and want["werk_of_ander"].sum() > want["werk"].sum()
    )
    assert same_counts(got, want, ["personen", *groups])


def test_working_counts_are_by_gemeente_of_the_stock_per_date(random_income):
    """The mask counts against the rows per person and date, for dates on any day of a month."""
    spells_frame, inkomsten = random_income
    people = working_on_each(spells_frame, inkomsten, SPREAD)
    want = by_gemeente(people, [pl.len().alias("bestand"), pl.col("werkend").sum()], GEMEENTEN, SPREAD)
    got = working_counts(spells_frame, inkomsten, SPREAD, GEMEENTEN)
    assert want.height == 70 * 4 and want["werkend"].sum() > 100
    assert same_counts(got, want, ["bestand", "werkend"])
