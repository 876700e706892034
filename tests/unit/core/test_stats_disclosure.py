import math

import polars as pl
import pytest

from pipelines.disclosure import (
    AANTAL_KLEIN,
    NOEMER_KLEIN,
    PERSONEN_KLEIN,
    TELLER_KLEIN,
    add_onderdrukt,
    suppression_expr,
    suppression_reason,
)
from pipelines.stats import round_half_up_ratio, wilson, wilson_exprs


def test_wilson_by_hand():
    # 10 of 40, z = 1.96: p = .25; centre = (.25 + 1.96^2/80)/(1 + 1.96^2/40); half = z*sqrt(p(1-p)/n +
    # z^2/(4n^2))/(...)
    z = 1.959963984540054
    n, p = 40, 0.25
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    low, high = wilson(10, 40)
    assert low == pytest.approx(centre - half) and high == pytest.approx(centre + half)
    assert low == pytest.approx(0.1419, abs=1e-4) and high == pytest.approx(0.4019, abs=1e-4)


def test_wilson_edges():
    assert wilson(0, 0) is None
    low, high = wilson(0, 10)
    assert low == 0.0 and 0 < high < 0.35
    low, high = wilson(10, 10)
    assert high == 1.0 and 0.65 < low < 1


def test_wilson_expression_matches_scalar():
    f = pl.DataFrame({"t": [0, 3, 10, 7], "n": [5, 9, 40, 0]})
    low, high = wilson_exprs(pl.col("t"), pl.col("n"))
    out = f.select(low.alias("l"), high.alias("h"))
    for (t, n), (lo, hi) in zip(f.iter_rows(), out.iter_rows(), strict=False):
        expected = wilson(t, n)
        if expected is None:
            assert lo is None and hi is None
        else:
            assert lo == pytest.approx(100 * expected[0]) and hi == pytest.approx(100 * expected[1])


def test_round_half_up_exact():
    assert round_half_up_ratio(5, 2) == 3  # 2.5 -> 3 (round() would give 2)
    assert round_half_up_ratio(7, 2) == 4
    assert round_half_up_ratio(4 * 4 * 91, 1461) == 1  # 4 * 91 / 365.25 = 0.9966
    assert round_half_up_ratio(4 * 4 * 365, 1461) == 4


@pytest.mark.parametrize(
    "kind, waarde, teller, noemer, reason",
    [
        ("aantal", 0, None, None, None),
        ("aantal", 1, None, None, AANTAL_KLEIN),
        ("aantal", 4, None, None, AANTAL_KLEIN),
        ("aantal", 5, None, None, None),
        ("aandeel", 10.0, 1, 10, TELLER_KLEIN),
        ("aandeel", 0.0, 0, 12, None),
        ("aandeel", 50.0, 5, 10, None),
        ("aandeel", 62.5, 5, 8, NOEMER_KLEIN),
        ("verhouding", 0.4, 2, 5000, TELLER_KLEIN),
        ("verhouding", 5.0, 25, 5000, None),
        ("gemiddelde", 3.1, None, 9, NOEMER_KLEIN),
        ("gemiddelde", 3.1, None, 10, None),
        ("bedrag", 120.0, None, 4, PERSONEN_KLEIN),
        ("bedrag", 150.0, None, 5, None),
        ("bedrag", 0.0, None, 0, None),
        ("meerjarig", 2.0, None, None, None),
        ("vlag", 1.0, None, None, None),
        ("aandeel", None, None, None, None),
    ],
)
def test_suppression_rules_scalar_and_expression_agree(kind, waarde, teller, noemer, reason):
    assert suppression_reason(kind, waarde, teller, noemer, 5, 10) == reason
    f = pl.DataFrame(
        {"kind": [kind], "waarde": [waarde], "teller": [teller], "noemer": [noemer]},
        schema={"kind": pl.String, "waarde": pl.Float64, "teller": pl.Float64, "noemer": pl.Float64},
    )
    expr = suppression_expr(pl.col("kind"), pl.col("waarde"), pl.col("teller"), pl.col("noemer"), 5, 10)
    assert f.select(expr).item() == reason


def test_min_cell_is_configurable():
    assert suppression_reason("aantal", 6, None, None, min_cell=10) == AANTAL_KLEIN
    assert suppression_reason("aandeel", 30.0, 3, 10, min_cell=3, min_noemer=10) is None


def test_add_onderdrukt_and_masks():
    f = pl.DataFrame(
        {"kpi": ["a", "b"], "waarde": [3.0, 40.0], "teller": [None, 4.0], "noemer": [None, 10.0]}
    )
    out = add_onderdrukt(f, {"a": "aantal", "b": "aandeel"})
    assert out.get_column("onderdrukt").to_list() == [AANTAL_KLEIN, TELLER_KLEIN]
    with pytest.raises(ValueError, match="soort onbekend"):
        add_onderdrukt(f, {"a": "aantal"})
