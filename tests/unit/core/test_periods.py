import datetime as dt

import pytest

from pipelines import periods as p

D = dt.date


def test_peildatum_per_quarter():
    assert p.peildatum("2024Q1") == D(2024, 3, 31)
    assert p.peildatum("2024Q2") == D(2024, 6, 30)
    assert p.peildatum("2024Q3") == D(2024, 9, 30)
    assert p.peildatum("2024q4") == D(2024, 12, 31)


@pytest.mark.parametrize("bad", ["2024Q5", "2024", "Q3 2024", "24Q3", "2024Q0", ""])
def test_bad_kwartaal_gets_dutch_message(bad):
    with pytest.raises(p.PeriodError, match="niet herkend"):
        p.peildatum(bad)


def test_window_is_twelve_months_inclusive():
    assert p.window(D(2024, 12, 31)) == (D(2024, 1, 1), D(2024, 12, 31))
    assert p.window(D(2024, 9, 30)) == (D(2023, 10, 1), D(2024, 9, 30))


def test_window_of_29_february():
    # b - 1 year = 2023-02-28 (the last day of that February), so s = 2023-03-01: 366 days.
    s, b = p.window(D(2024, 2, 29))
    assert (s, b) == (D(2023, 3, 1), D(2024, 2, 29))
    assert (b - s).days + 1 == 366


def test_multi_year_windows_are_adjacent_also_from_29_february():
    for b in (D(2024, 9, 30), D(2024, 2, 29), D(2024, 12, 31)):
        wins = p.multi_year_windows(b)
        assert len(wins) == 4 and wins[0] == p.window(b)
        for newer, older in zip(wins, wins[1:], strict=False):
            assert older[1] + dt.timedelta(days=1) == newer[0]
    assert p.multi_year_peildata(D(2024, 2, 29)) == [
        D(2024, 2, 29),
        D(2023, 2, 28),
        D(2022, 2, 28),
        D(2021, 2, 28),
    ]


def test_coverage():
    cov = p.coverage(D(2024, 9, 30), gegevens_vanaf=D(2022, 10, 1))
    assert [c[2] for c in cov] == [True, True, False, False]
    assert p.is_covered(D(2022, 10, 1), D(2022, 10, 1))


def test_quarter_helpers():
    assert p.kwartaal_van(D(2024, 8, 15)) == "2024Q3"
    assert p.vorig_kwartaal("2024Q1") == "2023Q4"
    assert p.vorig_kwartaal("2024Q1", 4) == "2023Q1"
    assert p.kwartalen("2023Q4", "2024Q2") == ["2023Q4", "2024Q1", "2024Q2"]
    assert p.is_kwartaal_einde(D(2024, 6, 30)) and not p.is_kwartaal_einde(D(2024, 6, 29))


def test_minus_months_clamps_to_month_end():
    assert p.minus_months(D(2024, 3, 31), 1) == D(2024, 2, 29)
    assert p.minus_months(D(2023, 3, 31), 1) == D(2023, 2, 28)
    assert p.minus_months(D(2024, 1, 15), 13) == D(2022, 12, 15)


def test_age_on():
    assert p.age_on(D(1974, 9, 30), D(2024, 9, 30)) == 50  # exactly 50 today
    assert p.age_on(D(1974, 10, 1), D(2024, 9, 30)) == 49
    assert p.age_on(D(2000, 2, 29), D(2023, 2, 28)) == 22  # leapling: older on 1 March
    assert p.age_on(D(2000, 2, 29), D(2023, 3, 1)) == 23


def test_quarter_range_runs_from_the_first_data_to_the_last_whole_quarter():
    assert p.quarter_range(D(2014, 10, 1), D(2024, 10, 15)) == ("2014Q4", "2024Q3")
    assert p.quarter_range(D(2019, 1, 1), D(2024, 9, 30)) == ("2019Q1", "2024Q3")


@pytest.mark.parametrize(
    ("kwartaal", "words"),
    [
        (
            "2014Q1",
            ["2014Q1", "31-03-2014", "voor het begin van de gegevens", "01-10-2014", "2014Q4", "2024Q3"],
        ),
        ("2025Q1", ["2025Q1", "31-03-2025", "na de extractiedatum 15-10-2024", "2014Q4 tot en met 2024Q3"]),
        ("2024Q4", ["31-12-2024", "na de extractiedatum"]),
    ],
)
def test_check_quarter_refuses_quarters_the_delivery_has_no_data_on(kwartaal, words):
    with pytest.raises(p.PeriodError) as err:
        p.check_quarter(kwartaal, D(2014, 10, 1), D(2024, 10, 15))
    for word in words:
        assert word in str(err.value)
    assert err.value.exit_code == 2


def test_check_quarter_accepts_the_first_and_last_quarter():
    assert p.check_quarter("2014Q4", D(2014, 10, 1), D(2024, 10, 15)) == D(2014, 12, 31)
    assert p.check_quarter("2024Q3", D(2014, 10, 1), D(2024, 10, 15)) == D(2024, 9, 30)


def test_series_peildata_from_the_first_covered_quarter():
    from pipelines.periods import series_peildata

    D = dt.date
    series = series_peildata(D(2024, 9, 30), D(2014, 10, 1))
    assert series[0] == D(2015, 9, 30)  # window 2014-10-01 .. 2015-09-30 is the first covered one
    assert series[-1] == D(2024, 9, 30) and len(series) == 37
    # a short delivery: the quarter before is there for the dashboard's arrows, even if not covered
    assert series_peildata(D(2024, 9, 30), D(2024, 1, 1)) == [D(2024, 6, 30), D(2024, 9, 30)]
