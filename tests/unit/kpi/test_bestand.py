"""Stock on 2024-09-30 and its composition, values by hand."""

import datetime as dt

import polars as pl
import pytest

from pipelines.kpi.bestand import age_expr
from pipelines.kpi.engine import compute_kpis, kpi_value
from tests.support.kpi_frames import clean_data, config, frame, personen, uitkering

D = dt.date
B = D(2024, 9, 30)


@pytest.fixture(scope="module")
def stock():
    people = personen(
        *[(p, "0001") for p in "ABCEFGJK"],
        ("H", "0002"),
        ("I", "0002"),
        A={"geboortedatum": D(1974, 9, 30)},  # exactly 50 on the peildatum
        B={"geboortedatum": D(1974, 10, 1)},  # 49
        E={"statushouder": True},
        G={"doelgroepregister": True},
    )
    rows = [
        uitkering("A", D(2022, 9, 30), leefvorm="2"),  # exactly 2 years
        uitkering("B", D(2022, 10, 1)),
        uitkering(
            "C", D(2019, 9, 30), ontheffing="4", einddatum_ontheffing=D(2024, 9, 30)
        ),  # exactly 5 years
        uitkering("E", D(2024, 1, 1), ontheffing="5", einddatum_ontheffing=D(2024, 9, 29)),  # exemption over
        uitkering("F", D(2020, 1, 1), D(2024, 9, 29), "11"),  # left the day before
        uitkering("G", D(2020, 1, 1), D(2024, 9, 30), "11"),  # leaves on the peildatum: still in stock
        uitkering("H", D(2024, 1, 1), reg="R1", leefvorm="3"),  # a couple sharing one benefit
        uitkering("I", D(2024, 1, 1), reg="R1", leefvorm="3"),
        uitkering("J", D(2023, 1, 1), D(2024, 9, 15), "11", leefvorm="2"),  # in a merged break on b
        uitkering("J", D(2024, 10, 10)),
        uitkering("K", D(2020, 1, 1), regeling="14"),  # Bbz: out of scope
    ]
    klantbeeld = [
        {"persoon": "A", "ingangsdatum": D(2024, 1, 1), "perspectief": "werken_aan"},
        {"persoon": "B", "ingangsdatum": D(2023, 1, 1), "einddatum": D(2024, 9, 29), "perspectief": "werken"},
        {"persoon": "B", "ingangsdatum": D(2024, 9, 30), "perspectief": "meedoen"},
        {
            "persoon": "C",
            "ingangsdatum": D(2020, 1, 1),
            "perspectief": "meedoen",
            "duurzaam_vrijgesteld": True,
        },
        {"persoon": "E", "ingangsdatum": D(2024, 1, 1), "perspectief": "werken"},
        {"persoon": "G", "ingangsdatum": D(2020, 1, 1), "einddatum": D(2024, 6, 30), "perspectief": "werken"},
    ]
    data = clean_data(
        {"personen": people, "uitkeringen": rows, "klantbeeld": klantbeeld},
        inwoners=[("0001", 2024, 5000), ("0002", 2024, 2000), ("0001", 2023, 4900)],
    )
    return compute_kpis(data, config(), B, families=["bestand"])


def test_counts(stock):
    expected = {
        "bestand_n": (8, 6, 2),  # A B C E G J | H I
        "uitkeringen_n": (6, 5, 1),  # A B C E G | R1 (J has no period running on b)
        "perspectief_werken_n": (1, 1, 0),  # E
        "perspectief_werken_aan_n": (1, 1, 0),  # A
        "perspectief_meedoen_n": (2, 2, 0),  # B (from b), C
        "perspectief_onbekend_n": (4, 2, 2),  # G J | H I
        "duurzaam_vrijgesteld_n": (1, 1, 0),
        "alleenstaande_ouder_n": (2, 2, 0),  # A, J (period before the break)
        "statushouder_n": (1, 1, 0),
        "doelgroepregister_n": (1, 1, 0),
        "leeftijd_50plus_n": (1, 1, 0),  # A is exactly 50
        "ontheffing_n": (1, 1, 0),  # C (ends on b); E's ended the day before
    }
    for kpi, (tot, g1, g2) in expected.items():
        got = (kpi_value(stock, kpi), kpi_value(stock, kpi, "0001"), kpi_value(stock, kpi, "0002"))
        assert got == (tot, g1, g2), kpi


def test_duration(stock):
    # starts on or before 2022-09-30: A C G (J's spell starts 2023-01-01); on or before 2019-09-30: C
    r = stock.filter((pl.col("kpi") == "duur_2plus_pct") & (pl.col("gemeentecode") == "totaal")).row(
        0, named=True
    )
    assert (r["teller"], r["noemer"], r["waarde"]) == (3, 8, pytest.approx(37.5))
    assert kpi_value(stock, "duur_5plus_pct") == pytest.approx(12.5)
    assert kpi_value(stock, "duur_5plus_pct", "0002") == 0.0


def test_density(stock):
    assert kpi_value(stock, "bijstandsdichtheid", "0001") == pytest.approx(1000 * 5 / 5000)
    assert kpi_value(stock, "bijstandsdichtheid", "0002") == pytest.approx(1000 * 1 / 2000)
    assert kpi_value(stock, "bijstandsdichtheid") == pytest.approx(1000 * 6 / 7000)


def test_density_without_population_of_that_year():
    data = clean_data(
        {"personen": personen(("A", "0001")), "uitkeringen": [uitkering("A", D(2020, 1, 1))]},
        inwoners=[("0001", 2023, 5000), ("0002", 2024, 100)],
    )
    kpis = compute_kpis(data, config(), B, families=["bestand"])
    row = kpis.filter((pl.col("kpi") == "bijstandsdichtheid") & (pl.col("gemeentecode") == "totaal")).row(
        0, named=True
    )
    assert row["waarde"] is None and "0001" in row["opmerking"] and "2024" in row["opmerking"]
    assert kpi_value(kpis, "bijstandsdichtheid", "0002") == 0.0


def test_absent_klantbeeld_only_hides_perspectives():
    data = clean_data({"personen": personen(("A", "0001")), "uitkeringen": [uitkering("A", D(2020, 1, 1))]})
    kpis = compute_kpis(data, config(), B, families=["bestand"])
    assert kpi_value(kpis, "bestand_n") == 1
    row = kpis.filter((pl.col("kpi") == "perspectief_werken_n") & (pl.col("gemeentecode") == "totaal")).row(
        0, named=True
    )
    assert row["waarde"] is None and "klantbeeld ontbreekt" in row["opmerking"]


def test_peildatum_after_extraction_is_not_available():
    data = clean_data({"personen": personen(("A", "0001")), "uitkeringen": [uitkering("A", D(2020, 1, 1))]})
    kpis = compute_kpis(data, config(), D(2024, 12, 31), families=["bestand"])
    assert kpis["waarde"].null_count() == kpis.height
    assert "na de extractiedatum" in kpis["opmerking"][0]


def test_age_expression_leap_day_and_exact_birthday():
    f = frame("personen", [{"geboortedatum": D(2000, 2, 29)}, {"geboortedatum": D(1973, 2, 28)}])
    assert f.select(age_expr(pl.col("geboortedatum"), D(2023, 2, 28))).to_series().to_list() == [22, 50]
    assert f.select(age_expr(pl.col("geboortedatum"), D(2023, 3, 1))).to_series().to_list() == [23, 50]


def test_perspective_werken_as_a_throughput():
    def kbp(persoon, van, tot, perspectief="werken"):
        return {"persoon": persoon, "ingangsdatum": van, "einddatum": tot, "perspectief": perspectief}

    ids = ["W1", "W2", "W3", "W4", "W5", "W6"]
    data = clean_data(
        {
            "personen": personen(*[(p, "0001") for p in ids]),
            "uitkeringen": [
                uitkering("W1", D(2020, 1, 1)),
                uitkering("W2", D(2020, 1, 1)),
                uitkering("W3", D(2020, 1, 1), D(2024, 5, 31), "11"),
                uitkering("W4", D(2020, 1, 1)),
                uitkering("W5", D(2020, 1, 1)),
                uitkering("W6", D(2020, 1, 1)),
            ],
            "klantbeeld": [
                kbp("W1", D(2023, 1, 1), D(2023, 12, 31)),  # in werken during the window: counts
                kbp("W2", D(2022, 1, 1), D(2023, 9, 30)),  # ended before the window
                kbp("W3", D(2024, 6, 1), None),  # werken only after leaving assistance
                kbp("W4", D(2024, 9, 30), None),  # from the peildatum: counts, and in the stock
                kbp("W5", D(2023, 1, 1), None, "werken_aan"),
                kbp("W6", D(2023, 1, 1), None),  # the whole window: counts, and in the stock
            ],
        }
    )
    kpis = compute_kpis(data, config(), B, families=["bestand"])
    assert kpi_value(kpis, "perspectief_werken_n") == 2  # stock on b: W4, W6
    assert kpi_value(kpis, "perspectief_werken_12mnd_n") == 3  # W1, W4, W6 at any time in the 12 months
    uncovered = compute_kpis(
        clean_data(data.tables, gegevens_vanaf=D(2024, 1, 1)), config(), B, families=["bestand"]
    )
    assert kpi_value(uncovered, "perspectief_werken_n") == 2
    assert "niet gedekt" in uncovered.filter(pl.col("kpi") == "perspectief_werken_12mnd_n")["opmerking"][0]
