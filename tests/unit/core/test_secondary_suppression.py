"""Secondary suppression: no hidden cell can be recomputed from the published ones (by hand examples)."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from pipelines import disclosure
from pipelines.disclosure import Hidden, Rules, add_onderdrukt, exposed, protect, sum_relation

B = dt.date(2024, 9, 30)
SMALL = Hidden(1, 4, integer=True)  # what `<5` tells a reader
SECONDARY = Hidden(5, math.inf, integer=True)  # what `x` on a count tells a reader


def test_one_hidden_municipality_beside_the_total_is_recomputed_by_subtraction():
    # the demo's Lisse: total 25, three municipalities published, Lisse <5 -> Lisse = 4
    values = {"totaal": 25.0, "lisse": 4.0, "hillegom": 5.0, "noordwijk": 10.0, "teylingen": 6.0}
    relation = sum_relation("totaal", ["lisse", "hillegom", "noordwijk", "teylingen"])
    assert exposed(values, {"lisse": SMALL}, [relation]) == {"lisse": (4.0, 4.0)}
    added, left = protect(values, {"lisse": SMALL}, [relation], lambda k: SECONDARY)
    assert set(added) == {"hillegom"} and left == {}  # the smallest other municipality
    assert exposed(values, {"lisse": SMALL, **added}, [relation]) == {}


def test_two_small_cells_that_add_up_to_their_minimum_are_still_recomputed():
    # target group 3: 1 + 1 = 14 - 7 - 5, and a `<5` is at least 1: both are 1
    values = {"t": 14.0, "a": 1.0, "b": 1.0, "c": 7.0, "d": 5.0}
    relation = sum_relation("t", ["a", "b", "c", "d"])
    hidden = {"a": SMALL, "b": SMALL}
    assert set(exposed(values, hidden, [relation])) == {"a", "b"}
    added, left = protect(values, hidden, [relation], lambda k: SECONDARY)
    # hiding d (5) alone is not enough: an `x` is at least 5, so d = 5 and a = b = 1 again
    assert set(added) == {"c", "d"} and left == {}


def test_a_two_way_table_is_protected_along_rows_and_columns():
    # perspectives (rows) per municipality (columns) with totals: one small cell needs a rectangle
    cells = {("p", "g1"): 3.0, ("p", "g2"): 20.0, ("q", "g1"): 30.0, ("q", "g2"): 40.0}
    values = dict(cells)
    values |= {("p", "t"): 23.0, ("q", "t"): 70.0, ("s", "g1"): 33.0, ("s", "g2"): 60.0, ("s", "t"): 93.0}
    relations = [
        sum_relation(("p", "t"), [("p", "g1"), ("p", "g2")]),
        sum_relation(("q", "t"), [("q", "g1"), ("q", "g2")]),
        sum_relation(("s", "g1"), [("p", "g1"), ("q", "g1")]),
        sum_relation(("s", "g2"), [("p", "g2"), ("q", "g2")]),
        sum_relation(("s", "t"), [("p", "t"), ("q", "t")]),
    ]
    hidden = {("p", "g1"): SMALL}
    added, left = protect(values, hidden, relations, lambda k: SECONDARY, priority=lambda k: int("t" in k))
    assert left == {} and len(added) >= 3  # a cycle: a row partner, a column partner and the corner
    assert exposed(values, {**hidden, **added}, relations) == {}


def test_shares_of_one_whole_give_the_hidden_share_away():
    values = {"regulier": 80.0, "banen": 16.0, "beschut": 4.0}
    relation = sum_relation(100.0, ["regulier", "banen", "beschut"])
    assert set(exposed(values, {"beschut": Hidden(0, 100)}, [relation])) == {"beschut"}
    added, _ = protect(values, {"beschut": Hidden(0, 100)}, [relation], lambda k: Hidden(0, 100))
    assert set(added) == {"banen"}


def _kpis(rows):
    return pl.DataFrame(
        [
            {
                "kpi": k,
                "gemeentecode": g,
                "peildatum": d,
                "waarde": w,
                "teller": t,
                "noemer": n,
                "n_jaren": j,
            }
            for k, g, d, w, t, n, j in rows
        ],
        schema={
            "kpi": pl.String,
            "gemeentecode": pl.String,
            "peildatum": pl.Date,
            "waarde": pl.Float64,
            "teller": pl.Float64,
            "noemer": pl.Float64,
            "n_jaren": pl.Int64,
        },
        orient="row",
    )


def test_kpis_frame_municipalities_and_perspectives_get_secondary_suppression():
    rows = [
        ("lks_n", "0534", B, 5.0, None, None, None),
        ("lks_n", "0553", B, 4.0, None, None, None),  # Lisse: <5
        ("lks_n", "0575", B, 10.0, None, None, None),
        ("lks_n", "1525", B, 6.0, None, None, None),
        ("lks_n", "totaal", B, 25.0, None, None, None),
        ("bedrag", "0534", B, 410.0, None, 12.0, None),
        ("bedrag", "0553", B, 160.0, None, 3.0, None),  # an amount over 3 persons
        ("bedrag", "totaal", B, 570.0, None, 15.0, None),
    ]
    kinds = {"lks_n": "aantal", "bedrag": "bedrag"}
    out = add_onderdrukt(_kpis(rows), kinds, rules=Rules(municipal=("lks_n", "bedrag"), kinds=kinds))
    reasons = {(r["kpi"], r["gemeentecode"]): r["onderdrukt"] for r in out.iter_rows(named=True)}
    assert reasons[("lks_n", "0553")] == disclosure.AANTAL_KLEIN
    assert reasons[("lks_n", "0534")] == disclosure.SECUNDAIR  # the smallest other municipality
    assert reasons[("lks_n", "totaal")] is None and reasons[("lks_n", "0575")] is None
    assert reasons[("bedrag", "0553")] == disclosure.PERSONEN_KLEIN
    # only two municipalities: the other one, or the total, must go as well
    assert reasons[("bedrag", "0534")] == disclosure.SECUNDAIR


def test_a_mean_and_a_norm_flag_are_hidden_with_a_hidden_year():
    years = [dt.date(2021, 9, 30), dt.date(2022, 9, 30), dt.date(2023, 9, 30), B]
    rows = [("u_pct", "0534", y, 10.0, 20.0, 200.0, None) for y in years[:3]]
    rows.append(("u_pct", "0534", B, 12.5, 3.0, 24.0, None))  # numerator 3: hidden this year
    rows.append(("u_pct_meerjarig", "0534", B, 10.625, None, None, 4))
    rows.append(("u_norm", "0534", B, 1.0, None, None, None))
    rows.append(("u_pct", "0534", dt.date(2025, 9, 30), 10.0, 20.0, 200.0, None))
    rows.append(("u_pct_meerjarig", "0534", dt.date(2025, 9, 30), 10.0, None, None, 4))
    kinds = {"u_pct": "aandeel", "u_pct_meerjarig": "meerjarig", "u_norm": "vlag"}
    rules = Rules(derived={"u_pct_meerjarig": "u_pct", "u_norm": "u_pct"}, kinds=kinds)
    out = add_onderdrukt(_kpis(rows), kinds, rules=rules)
    reasons = {(r["kpi"], r["peildatum"]): r["onderdrukt"] for r in out.iter_rows(named=True)}
    assert reasons[("u_pct", B)] == disclosure.TELLER_KLEIN
    assert reasons[("u_pct_meerjarig", B)] == disclosure.AFGELEID
    assert reasons[("u_norm", B)] == disclosure.AFGELEID
    # a year later the hidden year is still in the four-year window (2022-2025)
    assert reasons[("u_pct_meerjarig", dt.date(2025, 9, 30))] == disclosure.AFGELEID
    assert reasons[("u_pct", dt.date(2021, 9, 30))] is None


def test_without_rules_only_the_small_cells_are_hidden():
    rows = [("n", "0534", B, 4.0, None, None, None), ("n", "0553", B, 9.0, None, None, None)]
    rows.append(("n", "totaal", B, 13.0, None, None, None))
    out = add_onderdrukt(_kpis(rows), {"n": "aantal"})
    assert out.get_column("onderdrukt").to_list() == [disclosure.AANTAL_KLEIN, None, None]


def test_bounds_propagation_and_linear_programming_agree_on_a_cycle():
    # x + y = 4, y + z = 5, x + z = 3 (a cycle): only linear algebra pins them down (1, 3, 2)
    values = {"x": 1.0, "y": 3.0, "z": 2.0, "a": 4.0, "b": 5.0, "c": 3.0}
    relations = [sum_relation("a", ["x", "y"]), sum_relation("b", ["y", "z"]), sum_relation("c", ["x", "z"])]
    loose = Hidden(0, 10)
    ranges = disclosure.feasible_ranges(values, {"x": loose, "y": loose, "z": loose}, relations)
    assert all(abs(ranges[k][0] - values[k]) < 1e-6 and abs(ranges[k][1] - values[k]) < 1e-6 for k in "xyz")


def test_a_fixed_baseline_norm_value_flag_and_certainty_follow_a_hidden_base_year():
    from pipelines.config import OrgConfig
    from pipelines.kpi.registry import KINDS, disclosure_rules

    config = OrgConfig(organisatie="x", norm_basis="vast", norm_basisjaren=(2019, 2020))
    k = "uitstroom_werk_pct"
    rows = [
        (k, "totaal", dt.date(2019, 12, 31), 10.0, 2.0, 20.0, None),  # numerator 2: hidden base year
        (k, "totaal", dt.date(2020, 12, 31), 12.0, 24.0, 200.0, None),
        (k, "totaal", B, 13.0, 26.0, 200.0, None),
        (f"{k}_vast", "totaal", B, 11.0, None, None, 2),
        (f"{k}_meerjarig", "totaal", B, 12.0, None, None, 1),
        (f"{k}_normwaarde", "totaal", B, 12.1, None, None, None),
        ("uitstroom_werk_norm", "totaal", B, 1.0, None, None, None),
        ("uitstroom_werk_norm_zeker", "totaal", B, 0.0, None, None, None),
    ]
    out = add_onderdrukt(_kpis(rows), KINDS, rules=disclosure_rules(config))
    reasons = {r["kpi"]: r["onderdrukt"] for r in out.filter(pl.col("peildatum") == B).iter_rows(named=True)}
    assert reasons[f"{k}_vast"] == disclosure.AFGELEID
    assert reasons[f"{k}_normwaarde"] == disclosure.AFGELEID  # the norm is relative to the fixed baseline
    assert reasons["uitstroom_werk_norm"] == disclosure.AFGELEID
    assert reasons["uitstroom_werk_norm_zeker"] == disclosure.AFGELEID
    assert reasons[k] is None and reasons[f"{k}_meerjarig"] is None  # its own window does not hold 2019


def test_a_small_total_of_small_parts_is_hidden_as_a_block():
    # ontwikkelbanen in 2021: 4 = 1 + 1 + 1 + 1 (+ 0); a `<5` is at least 1, so every cell is pinned
    rows = [("lks_n", g, B, v, None, None, None) for g, v in (("0534", 1.0), ("0553", 1.0), ("0575", 1.0))]
    rows += [("lks_n", "1525", B, 1.0, None, None, None), ("lks_n", "1783", B, 0.0, None, None, None)]
    rows.append(("lks_n", "totaal", B, 4.0, None, None, None))
    kinds = {"lks_n": "aantal"}
    out = add_onderdrukt(_kpis(rows), kinds, rules=Rules(municipal=("lks_n",), kinds=kinds))
    assert set(out.get_column("onderdrukt").to_list()) == {disclosure.BLOK}  # the zero too: `-` for all
    from pipelines.report.present import masked_text

    assert masked_text("aantal", 5, disclosure.BLOK) == "-"
    values = {r["gemeentecode"]: r["waarde"] for r in out.iter_rows(named=True)}
    relation = sum_relation("totaal", [g for g in values if g != "totaal"])
    anything = disclosure.reader_knows("aantal", disclosure.BLOK, 5)
    assert exposed(values, dict.fromkeys(values, anything), [relation]) == {}
