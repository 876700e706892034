import datetime as dt

import polars as pl

from pipelines.spells import days_inside, merge_spells
from tests.support.kpi_frames import frame, uitkering

D = dt.date
SCOPE = ("01", "02", "03")


def spells(rows, gap=30):
    return merge_spells(frame("uitkeringen", rows), SCOPE, gap).to_dicts()


def test_reentry_after_30_days_is_merged_after_31_is_not():
    # 2024-01-31 + 30 days = 2024-03-01 (leap year): merged; 2024-03-02 is 31 days: a new spell.
    merged = spells(
        [uitkering("A", D(2024, 1, 1), D(2024, 1, 31), "11"), uitkering("A", D(2024, 3, 1), None)]
    )
    assert len(merged) == 1
    assert merged[0]["start"] == D(2024, 1, 1) and merged[0]["end"] is None and merged[0]["perioden"] == 2
    split = spells([uitkering("A", D(2024, 1, 1), D(2024, 1, 31), "11"), uitkering("A", D(2024, 3, 2), None)])
    assert [(s["start"], s["end"], s["reden_beeindiging"]) for s in split] == [
        (D(2024, 1, 1), D(2024, 1, 31), "11"),
        (D(2024, 3, 2), None, None),
    ]


def test_gap_days_is_a_parameter():
    rows = [
        uitkering("A", D(2023, 1, 1), D(2023, 1, 31), "11"),
        uitkering("A", D(2023, 2, 10), D(2023, 5, 1), "14"),
    ]
    assert len(spells(rows, gap=5)) == 2
    assert len(spells(rows, gap=10)) == 1


def test_merged_spell_keeps_reason_of_period_ending_last_and_latest_end():
    rows = [
        uitkering("A", D(2020, 1, 1), D(2020, 12, 31), "14"),
        uitkering("A", D(2020, 6, 1), D(2020, 8, 1), "11"),  # inside the first: ends earlier
        uitkering("A", D(2021, 1, 10), D(2021, 4, 30), "13"),
    ]
    [s] = spells(rows)
    assert (s["start"], s["end"], s["reden_beeindiging"], s["perioden"]) == (
        D(2020, 1, 1),
        D(2021, 4, 30),
        "13",
        3,
    )


def test_out_of_scope_regelingen_are_ignored_and_do_not_bridge_gaps():
    rows = [
        uitkering("A", D(2022, 1, 1), D(2022, 3, 31), "11"),
        uitkering("A", D(2022, 4, 1), D(2022, 12, 31), "98", regeling="11"),  # bijzondere bijstand
        uitkering("A", D(2022, 6, 1), None, regeling="02"),
        uitkering("B", D(2022, 1, 1), None, regeling="14"),  # Bbz: not in scope
    ]
    out = spells(rows)
    assert [(s["persoon"], s["start"]) for s in out] == [("A", D(2022, 1, 1)), ("A", D(2022, 6, 1))]


def test_couple_partners_have_their_own_spells():
    rows = [
        uitkering("M", D(2021, 5, 1), None, reg="R1"),
        uitkering("V", D(2021, 5, 1), None, reg="R1"),
    ]
    assert [s["persoon"] for s in spells(rows)] == ["M", "V"]


def test_days_inside_window():
    f = pl.DataFrame(
        {
            "start": [D(2023, 9, 1), D(2024, 1, 1), D(2022, 1, 1)],
            "end": [None, D(2024, 1, 31), D(2023, 9, 30)],
        }
    )
    out = f.select(days_inside(D(2023, 10, 1), D(2024, 9, 30))).to_series().to_list()
    assert out == [366, 31, 0]
