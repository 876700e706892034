"""Stock and flows in the window 2023-10-01 .. 2024-09-30 (peildatum 2024Q3), values by hand."""

import datetime as dt

import polars as pl
import pytest

from pipelines.kpi.engine import compute_kpis, kpi_value
from pipelines.stats import wilson
from tests.support.kpi_frames import clean_data, config, personen, uitkering

D = dt.date
B = D(2024, 9, 30)


def row(frame, kpi, gemeente="totaal"):
    sel = frame.filter((pl.col("kpi") == kpi) & (pl.col("gemeentecode") == gemeente))
    assert sel.height == 1
    return sel.row(0, named=True)


@pytest.fixture(scope="module")
def flows():
    people = personen(*[(p, "0001") for p in "ABCEFGJK"], ("H", "0002"), ("I", "0002"))
    rows = [
        uitkering("A", D(2020, 1, 1), D(2024, 3, 31), "11"),  # begin stock, outflow to work
        uitkering("B", D(2024, 2, 1)),  # inflow
        uitkering("C", D(2010, 1, 1), D(2024, 5, 1), "03"),  # AOW: begin stock, never outflow
        uitkering("E", D(2019, 1, 1), D(2023, 10, 1), "14"),  # ends on the first day of the window
        uitkering("F", D(2019, 1, 1), D(2024, 9, 30), "31"),  # ends on the peildatum
        uitkering("G", D(2019, 1, 1), D(2023, 9, 30), "11"),  # ended the day before the window
        uitkering("H", D(2023, 1, 1), D(2024, 1, 31), "11"),  # re-entry after 30 days: one spell
        uitkering("H", D(2024, 3, 1)),
        uitkering("I", D(2023, 1, 1), D(2024, 1, 31), "11"),  # re-entry after 31 days: two spells
        uitkering("I", D(2024, 3, 2)),
        uitkering("J", D(2024, 1, 1), D(2024, 6, 30), "11", regeling="14"),  # Bbz: out of scope
        uitkering("K", D(2024, 9, 30)),  # starts on the peildatum
    ]
    data = clean_data({"personen": people, "uitkeringen": rows}, gegevens_vanaf=D(2023, 10, 1))
    return compute_kpis(data, config(), B, families=["uitstroom"])


def test_organisation_totals(flows):
    # begin stock A C E F H I1 = 6, inflow B I2 K = 3, D = 9
    # outflow alle: A E F I1 = 4 (C is AOW); werk: A I1 = 2; werk+inkomen: A E I1 = 3
    assert kpi_value(flows, "instroom_n") == 3
    assert kpi_value(flows, "uitstroom_werk_n") == 2
    assert kpi_value(flows, "uitstroom_werk_inkomen_n") == 3
    r = row(flows, "uitstroom_pct")
    assert (r["teller"], r["noemer"]) == (4, 9)
    assert r["waarde"] == pytest.approx(100 * 4 / 9)
    low, high = wilson(4, 9)
    assert r["ci_laag"] == pytest.approx(100 * low) and r["ci_hoog"] == pytest.approx(100 * high)
    assert row(flows, "uitstroom_werk_pct")["waarde"] == pytest.approx(100 * 2 / 9)
    assert row(flows, "uitstroom_werk_inkomen_pct")["waarde"] == pytest.approx(100 * 3 / 9)
    assert row(flows, "instroom_pct")["waarde"] == pytest.approx(100 * 3 / 9)


def test_per_municipality(flows):
    # 0001: begin A C E F, inflow B K: D = 6; alle A E F; werk A; werk+inkomen A E
    assert (row(flows, "uitstroom_pct", "0001")["teller"], row(flows, "uitstroom_pct", "0001")["noemer"]) == (
        3,
        6,
    )
    assert kpi_value(flows, "uitstroom_werk_n", "0001") == 1
    assert kpi_value(flows, "uitstroom_werk_inkomen_n", "0001") == 2
    # 0002: begin H I1, inflow I2: D = 3; werk I1
    assert row(flows, "uitstroom_werk_pct", "0002")["noemer"] == 3
    assert kpi_value(flows, "instroom_n", "0002") == 1
    # municipality 0001 and 0002 add up to the total
    for kpi in ("instroom_n", "uitstroom_werk_n", "uitstroom_werk_inkomen_n"):
        assert kpi_value(flows, kpi, "0001") + kpi_value(flows, kpi, "0002") == kpi_value(flows, kpi)


def test_small_numbers_are_flagged_not_hidden(flows):
    r = row(flows, "uitstroom_werk_pct", "0002")
    assert r["waarde"] == pytest.approx(100 / 3) and r["onderdrukt"] == "teller_klein"


def test_only_one_multi_year_window_covered(flows):
    r = row(flows, "uitstroom_werk_pct_meerjarig")
    assert r["n_jaren"] == 1 and r["waarde"] == pytest.approx(100 * 2 / 9)
    assert "minder dan 4" in r["opmerking"]
    n = row(flows, "uitstroom_werk_norm")
    assert n["waarde"] == 0.0  # 22.2 < 1.10 * 22.2


def _multi_year_data(gegevens_vanaf):
    # P1..P8 on assistance since 2015; X3, X2, X1 leave for work in the windows of b-3y, b-2y, b-1y; X0a/X0b
    # in b's.
    ids = [f"P{i}" for i in range(1, 9)] + ["X3", "X2", "X1", "X0a", "X0b"]
    ends = {
        "X3": D(2021, 3, 1),
        "X2": D(2022, 3, 1),
        "X1": D(2023, 3, 1),
        "X0a": D(2024, 3, 1),
        "X0b": D(2024, 6, 1),
    }
    rows = [uitkering(p, D(2015, 1, 1), ends.get(p), "11" if p in ends else None) for p in ids]
    return clean_data(
        {"personen": personen(*[(p, "0001") for p in ids]), "uitkeringen": rows},
        gegevens_vanaf=gegevens_vanaf,
    )


def test_multi_year_mean_and_norm():
    kpis = compute_kpis(_multi_year_data(D(2015, 1, 1)), config(), B, families=["uitstroom"])
    # windows newest first: 2 of 10, 1 of 11, 1 of 12, 1 of 13 (the leavers are in the begin stock before
    # they leave)
    yearly = [100 * 2 / 10, 100 / 11, 100 / 12, 100 / 13]
    mean = sum(yearly) / 4
    r = row(kpis, "uitstroom_werk_pct_meerjarig")
    assert r["waarde"] == pytest.approx(mean) and r["n_jaren"] == 4 and r["opmerking"] is None
    assert row(kpis, "uitstroom_werk_norm")["waarde"] == 1.0  # 20 >= 1.10 * 11.28
    assert row(kpis, "uitstroom_werk_inkomen_pct_meerjarig")["waarde"] == pytest.approx(mean)


def test_multi_year_with_three_covered_windows():
    # gegevens_vanaf 2021-10-01: the window 2020-10-01 .. 2021-09-30 is not covered
    kpis = compute_kpis(_multi_year_data(D(2021, 10, 1)), config(), B, families=["uitstroom"])
    r = row(kpis, "uitstroom_werk_pct_meerjarig")
    assert r["n_jaren"] == 3
    assert r["waarde"] == pytest.approx((20 + 100 / 11 + 100 / 12) / 3)
    assert "3 jaar" in r["opmerking"]


def test_uncovered_window_is_missing_never_zero():
    kpis = compute_kpis(_multi_year_data(D(2023, 10, 2)), config(), B, families=["uitstroom"])
    for kpi in ("uitstroom_pct", "instroom_n", "uitstroom_werk_pct_meerjarig", "uitstroom_werk_norm"):
        r = row(kpis, kpi)
        assert r["waarde"] is None and "niet gedekt" in r["opmerking"]


def test_empty_population_in_a_municipality():
    data = clean_data({"personen": personen(("A", "0001")), "uitkeringen": [uitkering("A", D(2020, 1, 1))]})
    kpis = compute_kpis(data, config(), B, families=["uitstroom"])
    r = row(kpis, "uitstroom_pct", "0002")
    assert r["waarde"] is None and "lege populatie" in r["opmerking"]
    assert kpi_value(kpis, "instroom_n", "0002") == 0  # a count of nobody is a real 0
    assert row(kpis, "uitstroom_werk_norm", "0002")["waarde"] is None


def test_norm_value_baseline_and_the_certainty_of_the_verdict():
    kpis = compute_kpis(_multi_year_data(D(2015, 1, 1)), config(), B, families=["uitstroom"])
    mean = (20 + 100 / 11 + 100 / 12 + 100 / 13) / 4
    value = row(kpis, "uitstroom_werk_pct_normwaarde")
    assert value["waarde"] == pytest.approx(1.10 * mean) and value["n_jaren"] == 4  # relative: x 1.10
    assert row(kpis, "uitstroom_werk_norm")["waarde"] == 1.0  # 20 >= 12.41
    # but 2 of 10: the 95 % interval (5.7 .. 51.0) contains 12.41, so the verdict is not certain
    low, high = wilson(2, 10)
    assert 100 * low < 1.10 * mean < 100 * high
    assert row(kpis, "uitstroom_werk_norm_zeker")["waarde"] == 0.0
    assert row(kpis, "uitstroom_werk_pct_vast")["opmerking"] == (
        "niet beschikbaar: geen norm_basisjaren in de configuratie (vaste basis)"
    )


def test_fixed_baseline_of_the_years_before_the_plan():
    data = _multi_year_data(D(2015, 1, 1))
    cfg = config(norm_basisjaren=(2021, 2022), norm_basis="vast")
    kpis = compute_kpis(data, cfg, B, families=["uitstroom"])
    # calendar 2021: 13 on assistance, X3 leaves -> 1/13; 2022: 12, X2 leaves -> 1/12
    vast = (100 / 13 + 100 / 12) / 2
    r = row(kpis, "uitstroom_werk_pct_vast")
    assert r["waarde"] == pytest.approx(vast) and r["n_jaren"] == 2
    assert row(kpis, "uitstroom_werk_pct_normwaarde")["waarde"] == pytest.approx(1.10 * vast)
    # the rolling mean is still there beside it
    assert row(kpis, "uitstroom_werk_pct_meerjarig")["waarde"] == pytest.approx(
        (20 + 100 / 11 + 100 / 12 + 100 / 13) / 4
    )
    # a base year the delivery does not cover is left out and said so
    partly = compute_kpis(data, config(norm_basisjaren=(2014, 2021)), B, families=["uitstroom"])
    r = row(partly, "uitstroom_werk_pct_vast")
    assert r["waarde"] == pytest.approx(100 / 13) and r["n_jaren"] == 1
    assert r["opmerking"] == "gemiddelde over 1 van de 2 basisjaren (de andere zijn niet gedekt)"


def test_certain_and_uncertain_verdicts_at_the_plans_scale():
    from pipelines.kpi.uitstroom import multi_year_rows

    def year(waarde, teller=None, noemer=None):
        return pl.DataFrame(
            {
                "kpi": ["x"],
                "gemeentecode": ["totaal"],
                "waarde": [waarde],
                "teller": [teller],
                "noemer": [noemer],
            },
            schema_overrides={"teller": pl.Float64, "noemer": pl.Float64},
        )

    now = year(100 * 72 / 630, 72.0, 630.0)  # D about 630, 72 outflows: 11.4 %, interval 9.2 .. 14.2
    low, high = wilson(72, 630)
    assert 100 * (high - low) / 2 == pytest.approx(2.49, abs=0.01)  # about +-2.5 points

    def verdict(mean):
        out = multi_year_rows("x", "x_norm", [now, year(mean), year(mean), year(mean)], config(), [], None)
        got = {r["kpi"]: r["waarde"] for f in out for r in f.iter_rows(named=True)}
        return got["x_norm"], got["x_norm_zeker"]

    # 1.10 x 10.39 = 11.43: the flag says met by a margin of about 1.1 point over the mean, but uncertain
    assert verdict((100 * 72 / 630 * 4 / 1.10 - 100 * 72 / 630) / 3) == (1.0, 0.0)
    assert verdict(6.0) == (1.0, 1.0)  # norm 7.6 %: wholly below the interval -> certain
    assert verdict(14.0) == (0.0, 1.0)  # norm 17.6 %: wholly above the interval -> certainly not met
