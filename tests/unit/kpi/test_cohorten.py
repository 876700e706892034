"""The inflow cohort's 12-month outcome and the survival tables, by hand (B = 2024-09-30)."""

import datetime as dt
import math

import polars as pl
import pytest

from pipelines.kpi.base import Context
from pipelines.kpi.cohorten import cohort_spells, survival_tables
from pipelines.kpi.engine import compute_kpis, kpi_value
from pipelines.stats import Z95
from tests.support.kpi_frames import clean_data, config, personen, uitkering

D = dt.date
B = D(2024, 9, 30)


def test_twelve_month_outcome_of_the_inflow_a_year_back():
    people = personen(*[(p, "0001") for p in "ABCEFGH"])
    rows = [
        uitkering("A", D(2023, 1, 10), D(2024, 1, 10), "11"),  # ends exactly start + 1 year: counts
        uitkering("B", D(2023, 1, 10), D(2024, 1, 11), "11"),  # one day later: does not
        uitkering("C", D(2023, 2, 1), D(2023, 6, 30), "03"),  # AOW: not an outflow
        uitkering("E", D(2023, 3, 1), D(2023, 8, 31), "14"),  # to other income within the year
        uitkering("F", D(2023, 4, 1)),  # still running
        uitkering("G", D(2022, 9, 30), D(2022, 12, 31), "11"),  # started before the window 2022-10-01
        uitkering("H", D(2023, 5, 1), D(2023, 7, 1), "11", regeling="11"),  # special assistance: ignored
    ]
    kpis = compute_kpis(
        clean_data({"personen": people, "uitkeringen": rows}), config(), B, families=["cohorten"]
    )
    assert kpi_value(kpis, "instroomcohort_n") == 5  # A B C E F
    assert kpi_value(kpis, "instroomcohort_uit_12m_pct") == pytest.approx(40.0)  # A E
    assert kpi_value(kpis, "instroomcohort_werk_12m_pct") == pytest.approx(20.0)  # A


@pytest.fixture(scope="module")
def cohort_2023():
    """Seven spells starting in 2023, followed to B; gegevens vanaf 2023-01-01."""
    people = personen(*[(p, "0001") for p in "1234567"])
    rows = [
        uitkering("1", D(2023, 1, 1), D(2023, 1, 10), "11"),  # T 10, to work
        uitkering("2", D(2023, 1, 1), D(2023, 1, 10), "14"),  # T 10, another exit (tie)
        uitkering("3", D(2023, 1, 1), D(2023, 1, 10), "03"),  # T 10, AOW: censored (after the events)
        uitkering("4", D(2023, 2, 1), D(2023, 3, 2), "04"),  # T 30, death: censored
        uitkering("5", D(2023, 3, 1), D(2023, 5, 9), "11"),  # T 70, to work
        uitkering("6", D(2023, 6, 1)),  # running on B: censored at T 488
        uitkering("7", D(2023, 6, 1), D(2024, 12, 31), "11"),  # ends after B: censored at T 488
    ]
    data = clean_data({"personen": people, "uitkeringen": rows}, gegevens_vanaf=D(2023, 1, 1))
    return data


def test_cohort_spells_durations_and_outcomes(cohort_2023):
    ctx = Context.build(cohort_2023, config())
    rows = cohort_spells(ctx.spells, None, B, cohort_2023.gegevens_vanaf).sort("duur", "uitkomst")
    assert rows["duur"].to_list() == [10, 10, 10, 30, 70, 488, 488]
    assert rows["uitkomst"].to_list() == [0, 1, 2, 0, 1, 0, 0]
    assert set(rows["cohort"]) == {2023} and set(rows["perspectief_intake"]) == {"onbekend"}


def test_survival_curve_against_a_hand_computation(cohort_2023):
    summary, curves = survival_tables(Context.build(cohort_2023, config()), B)
    curve = curves.filter((pl.col("gemeentecode") == "totaal") & (pl.col("groep") == "totaal"))
    assert curve["dag"].to_list() == [10, 30, 70, 488]
    assert curve["n_risico"].to_list() == [7, 4, 3, 2]
    assert curve["uitstroom"].to_list() == [2, 0, 1, 0]
    assert curve["gecensureerd"].to_list() == [1, 1, 0, 2]
    s10, s70 = 5 / 7, 5 / 7 * 2 / 3
    assert curve["overleving"].to_list() == pytest.approx([s10, s10, s70, s70])
    # exponential Greenwood (log-log) at t = 10: V = sum d/(n(n-d)) / log(S)^2, S^exp(+-z sqrt V)
    v = (2 / (7 * 5)) / math.log(s10) ** 2
    low, high = s10 ** math.exp(Z95 * math.sqrt(v)), s10 ** math.exp(-Z95 * math.sqrt(v))
    assert curve["ci_laag"][0] == pytest.approx(low, rel=1e-6)
    assert curve["ci_hoog"][0] == pytest.approx(high, rel=1e-6)
    # Aalen-Johansen, work: 1 * 1/7 at day 10, then S(70-) = 5/7 times 1/3 at day 70
    assert curve["werk_cum"].to_list() == pytest.approx([1 / 7, 1 / 7, 1 / 7 + 5 / 21, 1 / 7 + 5 / 21])
    row = summary.filter((pl.col("gemeentecode") == "totaal") & (pl.col("groep") == "totaal")).row(
        0, named=True
    )
    assert row["cohort"] == 2023 and row["n"] == 7
    assert row["overleving_1j"] == pytest.approx(s70)
    assert row["overleving_2j"] is None and row["overleving_5j"] is None  # nobody followed 730 days
    assert row["mediane_duur_dagen"] == 70  # first day with S <= 0.5 (10/21)
    assert row["werk_cum_1j"] == pytest.approx(8 / 21)
    assert row["werk_cum_2j"] is None


def test_groups_per_municipality_and_perspective_after_intake():
    people = personen(("A", "0001"), ("B", "0002"), ("C", "0002"))
    rows = [
        uitkering("A", D(2023, 1, 1), D(2023, 2, 1), "11"),
        uitkering("B", D(2023, 1, 1)),
        uitkering("C", D(2024, 9, 1)),  # 90 days after the start lies after B: the perspective on B counts
    ]
    klantbeeld = [
        # A's spell ends 01-02 (before start + 90 days): the perspective on the end date counts
        {"persoon": "A", "ingangsdatum": D(2023, 1, 15), "einddatum": None, "perspectief": "werken"},
        # B: start + 90 days is 01-04-2023, the last day of meedoen
        {"persoon": "B", "ingangsdatum": D(2023, 1, 1), "einddatum": D(2023, 4, 1), "perspectief": "meedoen"},
        {"persoon": "B", "ingangsdatum": D(2023, 4, 2), "einddatum": None, "perspectief": "werken_aan"},
        {"persoon": "C", "ingangsdatum": D(2024, 9, 15), "einddatum": None, "perspectief": "werken_aan"},
    ]
    data = clean_data(
        {"personen": people, "uitkeringen": rows, "klantbeeld": klantbeeld}, gegevens_vanaf=D(2023, 1, 1)
    )
    summary, _ = survival_tables(Context.build(data, config()), B)
    got = {(r["cohort"], r["gemeentecode"], r["groep"]): r["n"] for r in summary.iter_rows(named=True)}
    assert got == {
        (2023, "0001", "totaal"): 1,
        (2023, "0001", "perspectief:werken"): 1,
        (2023, "0002", "totaal"): 1,
        (2023, "0002", "perspectief:meedoen"): 1,
        (2023, "totaal", "totaal"): 2,
        (2023, "totaal", "perspectief:werken"): 1,
        (2023, "totaal", "perspectief:meedoen"): 1,
        (2024, "0002", "totaal"): 1,
        (2024, "0002", "perspectief:werken_aan"): 1,
        (2024, "totaal", "totaal"): 1,
        (2024, "totaal", "perspectief:werken_aan"): 1,
    }


def test_at_intake_two_periods_starting_on_one_day_give_the_one_that_ends_last():
    """The perspective at intake, of two klantbeeld periods that start on one day: the one that ends last,
    in any row order of the delivery."""
    rows = [
        {"persoon": "T", "ingangsdatum": D(2023, 4, 1), "einddatum": D(2023, 4, 1), "perspectief": "werken"},
        {"persoon": "T", "ingangsdatum": D(2023, 4, 1), "einddatum": None, "perspectief": "meedoen"},
    ]
    for klantbeeld in (rows, rows[::-1]):
        data = clean_data(
            {
                "personen": personen(("T", "0001")),
                "uitkeringen": [uitkering("T", D(2023, 1, 1))],  # intake: 1 April 2023 (start + 90 days)
                "klantbeeld": klantbeeld,
            },
            gegevens_vanaf=D(2023, 1, 1),
        )
        summary, _ = survival_tables(Context.build(data, config()), B)
        assert set(summary.get_column("groep").to_list()) == {"totaal", "perspectief:meedoen"}
