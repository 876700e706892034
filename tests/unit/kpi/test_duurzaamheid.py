"""Durable outflow, re-entry, outflow by duration and earned income on hand-built frames (B = 2024-09-30).

Durability and re-entry look at the spells ending in the window of B - 1y: 2022-10-01 .. 2023-09-30.
"""

import datetime as dt

import polars as pl
import pytest

from pipelines.kpi.duurzaamheid import with_return
from pipelines.kpi.engine import compute_kpis, kpi_value
from pipelines.spells import merge_spells
from tests.support.kpi_frames import clean_data, config, frame, personen, uitkering

D = dt.date
B = D(2024, 9, 30)
FAMILY = ["duurzaamheid"]


@pytest.fixture(scope="module")
def durability_data():
    people = personen(*[(p, "0001") for p in "ABCEFHI"], ("G", "0002"))
    rows = [
        # A: to work 31-03-2023, back exactly one year later (31-03-2024): a return
        uitkering("A", D(2022, 1, 1), D(2023, 3, 31), "11"),
        uitkering("A", D(2024, 3, 31)),
        # B: to work 31-03-2023, back one day after that year (01-04-2024): no return, durable
        uitkering("B", D(2022, 1, 1), D(2023, 3, 31), "11"),
        uitkering("B", D(2024, 4, 1)),
        # C: back within the 30-day merge gap: one spell, no outflow at all
        uitkering("C", D(2022, 1, 1), D(2023, 5, 31), "11"),
        uitkering("C", D(2023, 6, 20)),
        # E: AOW (03), F: death (04): never in the re-entry population
        uitkering("E", D(2022, 1, 1), D(2023, 6, 30), "03"),
        uitkering("F", D(2022, 1, 1), D(2023, 6, 30), "04"),
        # G (0002): to other income, back after four months: a return
        uitkering("G", D(2022, 1, 1), D(2023, 7, 31), "14"),
        uitkering("G", D(2023, 12, 1)),
        # H: to work; the special assistance (regeling 11) that follows is out of scope: durable
        uitkering("H", D(2022, 1, 1), D(2023, 8, 31), "11"),
        uitkering("H", D(2023, 10, 1), regeling="11"),
        # I: outflow after the window of B - 1y: not counted
        uitkering("I", D(2022, 1, 1), D(2023, 10, 15), "11"),
    ]
    return clean_data({"personen": people, "uitkeringen": rows})


def test_return_is_within_one_calendar_year_after_the_end(durability_data):
    spells = merge_spells(durability_data.get("uitkeringen"), ("01", "02", "03"), 30)
    flagged = with_return(spells).filter(pl.col("end").is_not_null()).collect()
    got = dict(zip(flagged["persoon"], flagged["terugkeer"], strict=True))
    assert got == {"A": True, "B": False, "E": False, "F": False, "G": True, "H": False, "I": False}
    assert spells.filter(pl.col("persoon") == "C").height == 1  # merged across the 20-day break


def test_durable_outflow_and_re_entry(durability_data):
    kpis = compute_kpis(durability_data, config(), B, families=FAMILY)
    # work outflows A, B, H (C merged, I later); not back within a year: B, H
    assert kpi_value(kpis, "uitstroom_werk_duurzaam_pct") == pytest.approx(100 * 2 / 3)
    # ended with a reason other than 03/04: A, B, G, H; back within a year: A, G
    assert kpi_value(kpis, "herinstroom_12m_pct") == pytest.approx(50.0)
    assert kpi_value(kpis, "herinstroom_12m_pct", "0001") == pytest.approx(100 / 3)  # A of A, B, H
    assert kpi_value(kpis, "herinstroom_12m_pct", "0002") == pytest.approx(100.0)  # G
    row = kpis.filter((pl.col("kpi") == "herinstroom_12m_pct") & (pl.col("gemeentecode") == "totaal"))
    assert (row["teller"][0], row["noemer"][0]) == (2, 4)
    assert row["ci_laag"][0] is not None and row["ci_laag"][0] < 50 < row["ci_hoog"][0]


def test_29_february_plus_one_year_is_28_february():
    people = personen(("A", "0001"), ("B", "0001"))
    rows = [
        uitkering("A", D(2022, 1, 1), D(2024, 2, 29), "11"),
        uitkering("A", D(2025, 2, 28)),  # exactly one year: a return
        uitkering("B", D(2022, 1, 1), D(2024, 2, 29), "11"),
        uitkering("B", D(2025, 3, 1)),  # one day later: durable
    ]
    data = clean_data({"personen": people, "uitkeringen": rows}, extractiedatum=D(2025, 4, 15))
    kpis = compute_kpis(data, config(), D(2025, 3, 31), families=FAMILY)
    assert kpi_value(kpis, "uitstroom_werk_duurzaam_pct") == pytest.approx(50.0)
    assert kpi_value(kpis, "herinstroom_12m_pct") == pytest.approx(50.0)


def test_unavailable_when_the_window_a_year_back_is_not_covered(durability_data):
    data = clean_data(
        {"personen": durability_data.get("personen"), "uitkeringen": durability_data.get("uitkeringen")},
        gegevens_vanaf=D(2023, 1, 1),
    )
    kpis = compute_kpis(data, config(), B, families=FAMILY)
    row = kpis.filter((pl.col("kpi") == "uitstroom_werk_duurzaam_pct") & (pl.col("gemeentecode") == "totaal"))
    assert row["waarde"][0] is None
    assert "01-10-2022 t/m 30-09-2023 niet gedekt" in row["opmerking"][0]
    # outflow by duration uses the window of B itself (2023-10-01 ..), which is covered
    assert kpis.filter(pl.col("kpi") == "uitstroom_werk_pct_duur_lt1j")["opmerking"].null_count() == 3


@pytest.fixture(scope="module")
def duration_data():
    people = personen(*[(p, "0001") for p in ["K", "L", "M", "N", "N2", "O", "P", "Q"]])
    rows = [
        uitkering("K", D(2024, 1, 1)),  # 273 days on B: < 1 year
        uitkering("L", D(2023, 10, 1), D(2024, 9, 29), "11"),  # 364 days at the end: < 1 year, to work
        uitkering("M", D(2023, 6, 1), D(2024, 5, 31), "11"),  # 365 days: 1-2 years, to work
        uitkering("N", D(2022, 10, 1)),  # 730 days on B: 2-5 years
        uitkering("N2", D(2022, 10, 2)),  # 729 days: 1-2 years
        uitkering("O", D(2018, 1, 1), D(2024, 3, 1), "11"),  # 2251 days: 5 years or more, to work
        uitkering("P", D(2019, 10, 1)),  # 1826 days on B: 5 years or more
        uitkering("Q", D(2019, 9, 30), D(2023, 9, 30), "11"),  # ended before the window: not in D
    ]
    inkomsten = [
        {
            "persoon": "K",
            "maand": D(2023, 12, 1),
            "soort_inkomsten": "11",
            "bedrag": 900.0,
        },  # before K's spell
        {"persoon": "K", "maand": D(2024, 2, 1), "soort_inkomsten": "11", "bedrag": 400.0},
        {"persoon": "K", "maand": D(2024, 3, 1), "soort_inkomsten": "11", "bedrag": 600.0},
        {
            "persoon": "L",
            "maand": D(2024, 9, 1),
            "soort_inkomsten": "11",
            "bedrag": 500.0,
        },  # spell ran 1-29 Sep
        {"persoon": "L", "maand": D(2024, 8, 1), "soort_inkomsten": "18", "bedrag": 1000.0},  # not work
        {"persoon": "O", "maand": D(2024, 4, 1), "soort_inkomsten": "11", "bedrag": 700.0},  # after O's spell
    ]
    return clean_data({"personen": people, "uitkeringen": rows, "inkomsten": frame("inkomsten", inkomsten)})


def test_outflow_to_work_by_duration(duration_data):
    kpis = compute_kpis(duration_data, config(), B, families=FAMILY)
    assert kpi_value(kpis, "uitstroom_werk_pct_duur_lt1j") == pytest.approx(50.0)  # L of K, L
    assert kpi_value(kpis, "uitstroom_werk_pct_duur_1_2j") == pytest.approx(50.0)  # M of M, N2
    assert kpi_value(kpis, "uitstroom_werk_pct_duur_2_5j") == pytest.approx(0.0)  # N
    assert kpi_value(kpis, "uitstroom_werk_pct_duur_5plusj") == pytest.approx(50.0)  # O of O, P


def test_earned_income_is_a_mean_over_person_months(duration_data):
    kpis = compute_kpis(duration_data, config(), B, families=FAMILY)
    assert kpi_value(kpis, "inkomsten_werk_gem") == pytest.approx((400 + 600 + 500) / 3)
    row = kpis.filter((pl.col("kpi") == "inkomsten_werk_gem") & (pl.col("gemeentecode") == "totaal"))
    assert row["noemer"][0] == 2  # persons K and L
    assert row["onderdrukt"][0] == "noemer_klein"  # a mean over fewer than 10 persons is not published


def test_earned_income_unavailable_without_the_income_table(durability_data):
    kpis = compute_kpis(durability_data, config(), B, families=FAMILY)
    row = kpis.filter((pl.col("kpi") == "inkomsten_werk_gem") & (pl.col("gemeentecode") == "totaal"))
    assert row["waarde"][0] is None and "inkomsten ontbreekt" in row["opmerking"][0]


def test_a_series_gives_the_figures_of_each_quarter_alone(duration_data):
    """The shared work of a series (returns, work months, window flows) changes no figure."""
    dates = [D(2024, 3, 31), D(2024, 6, 30), B]
    families = ["duurzaamheid", "uitstroom", "deeltijdwerk", "cohorten"]
    series = compute_kpis(duration_data, config(), dates, families=families)
    alone = pl.concat([compute_kpis(duration_data, config(), d, families=families) for d in dates])
    assert series.sort("kpi", "gemeentecode", "peildatum").equals(
        alone.sort("kpi", "gemeentecode", "peildatum")
    )
