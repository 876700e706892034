"""Perspective and ladder transitions between B - 1y (2023-09-30) and B (2024-09-30), by hand."""

import datetime as dt

import polars as pl
import pytest

from pipelines.kpi.base import Context
from pipelines.kpi.engine import compute_kpis, kpi_value
from pipelines.kpi.overgangen import transition_matrix
from tests.support.kpi_frames import clean_data, config, personen, uitkering

D = dt.date
B = D(2024, 9, 30)


def kb(persoon, start, end, perspectief, trede=None):
    return {
        "persoon": persoon,
        "ingangsdatum": start,
        "einddatum": end,
        "perspectief": perspectief,
        "trede": trede,
    }


@pytest.fixture(scope="module")
def data():
    people = personen(*[(p, "0001") for p in "ABCEFG"], ("H", "0002"))
    rows = [uitkering(p, D(2020, 1, 1)) for p in "ABCGH"] + [
        uitkering("E", D(2020, 1, 1), D(2024, 6, 30), "11"),  # not in stock on B
        uitkering("F", D(2024, 1, 1)),  # not in stock on B - 1y
    ]
    klantbeeld = [
        kb("A", D(2020, 1, 1), D(2024, 1, 31), "meedoen", 2),
        kb("A", D(2024, 2, 1), None, "werken_aan", 3),  # a step up, a trede up
        kb("B", D(2020, 1, 1), None, "werken_aan", 4),  # unchanged
        kb("C", D(2020, 1, 1), D(2024, 3, 31), "werken", 5),
        kb("C", D(2024, 4, 1), None, "meedoen", 1),  # werken cannot climb; trede 5 -> 1 is no rise
        kb("E", D(2020, 1, 1), None, "meedoen", 1),
        kb("F", D(2024, 1, 1), None, "meedoen", 1),
        kb("G", D(2024, 1, 1), None, "werken", 6),  # no klantbeeld on B - 1y
        kb("H", D(2020, 1, 1), D(2024, 5, 31), "werken_aan"),  # trede not filled in
        kb("H", D(2024, 6, 1), None, "werken"),
    ]
    return clean_data({"personen": people, "uitkeringen": rows, "klantbeeld": klantbeeld})


def test_perspective_step_up_and_trede_rise(data):
    kpis = compute_kpis(data, config(), B, families=["overgangen"])
    assert kpi_value(kpis, "perspectief_stap_omhoog_pct") == pytest.approx(100 * 2 / 3)  # A H of A B H
    assert kpi_value(kpis, "perspectief_stap_omhoog_pct", "0001") == pytest.approx(50.0)  # A of A B
    assert kpi_value(kpis, "perspectief_stap_omhoog_pct", "0002") == pytest.approx(100.0)  # H
    assert kpi_value(kpis, "trede_stijging_pct") == pytest.approx(100 / 3)  # A of A B C


def test_transition_matrix_counts(data):
    matrix = transition_matrix(Context.build(data, config()), B)
    totaal = matrix.filter((pl.col("gemeentecode") == "totaal") & (pl.col("soort") == "perspectief"))
    assert totaal.height == 9  # every cell of the 3 x 3 matrix
    nonzero = {(r["van"], r["naar"]): r["aantal"] for r in totaal.iter_rows(named=True) if r["aantal"]}
    assert nonzero == {
        ("meedoen", "werken_aan"): 1,
        ("werken_aan", "werken_aan"): 1,
        ("werken", "meedoen"): 1,
        ("werken_aan", "werken"): 1,
    }
    trede = matrix.filter(
        (pl.col("gemeentecode") == "0002") & (pl.col("soort") == "trede") & (pl.col("aantal") > 0)
    )
    assert trede.select("van", "naar", "aantal").rows() == [("onbekend", "onbekend", 1)]
    assert set(matrix["peildatum_van"]) == {D(2023, 9, 30)}


def test_unavailable_without_klantbeeld(data):
    plain = clean_data({"personen": data.get("personen"), "uitkeringen": data.get("uitkeringen")})
    kpis = compute_kpis(plain, config(), B, families=["overgangen"])
    assert kpis["waarde"].null_count() == kpis.height
    assert "klantbeeld ontbreekt" in kpis["opmerking"][0]


def test_overlapping_klantbeeld_periods_take_the_latest_started():
    people = personen(("K", "0001"), ("L", "0001"))
    klantbeeld = [
        kb("K", D(2020, 1, 1), None, "meedoen", 2),
        kb("K", D(2023, 6, 1), D(2023, 12, 31), "werken", 5),  # inside the first: counts on B - 1y only
        kb("L", D(2020, 1, 1), None, "meedoen", 1),
        kb("L", D(2024, 3, 1), D(2024, 12, 31), "werken_aan", 4),  # started later, both run on B
    ]
    data = clean_data(
        {
            "personen": people,
            "uitkeringen": [uitkering(p, D(2020, 1, 1)) for p in "KL"],
            "klantbeeld": klantbeeld,
        }
    )
    kpis = compute_kpis(data, config(), B, families=["overgangen"])
    assert kpi_value(kpis, "perspectief_stap_omhoog_pct") == pytest.approx(100.0)  # L; K was werken
    assert kpi_value(kpis, "trede_stijging_pct") == pytest.approx(50.0)  # L 1 -> 4 of K (5 -> 2) and L


def test_of_two_periods_starting_on_one_day_the_one_that_ends_last_counts():
    """As the stock by perspective: a tie in the start goes to the period that ends last, in any row order."""
    people = personen(("T", "0001"))
    rows = [
        kb("T", D(2020, 1, 1), D(2023, 9, 30), "meedoen", 1),
        kb("T", D(2023, 9, 30), D(2023, 9, 30), "werken", 6),  # a day's record beside the next period
        kb("T", D(2023, 9, 30), None, "werken_aan", 3),  # the one that ends last: T's state on B - 1y
    ]
    for order in ([0, 1, 2], [0, 2, 1], [2, 1, 0]):
        data = clean_data(
            {
                "personen": people,
                "uitkeringen": [uitkering("T", D(2020, 1, 1))],
                "klantbeeld": [rows[i] for i in order],
            }
        )
        matrix = transition_matrix(Context.build(data, config()), B)
        moved = matrix.filter((pl.col("gemeentecode") == "totaal") & (pl.col("aantal") > 0))
        assert sorted(moved.select("soort", "van", "naar").rows()) == [
            ("perspectief", "werken_aan", "werken_aan"),
            ("trede", "3", "3"),
        ]
