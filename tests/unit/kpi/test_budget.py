"""Participation budget by perspective (`pipelines.kpi.budget`) on a hand-built delivery.

Peildatum b = 2024-09-30: spend is that of provisions starting 2024-01-01 .. 2024-09-30, by the
perspective running on their begindatum. Expected values are added up by hand below.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import polars as pl
import pytest

from pipelines.config import ConfigError, load_config
from pipelines.kpi.budget import ALLEEN_TOTAAL_BUDGET, KOSTEN_LEEG, perspective_at_start, spend_table
from pipelines.kpi.engine import compute_kpis, kpi_value
from pipelines.kpi.registry import KPI_CATALOGUE, KPI_FAMILIES
from pipelines.paths import NOTEBOOKS
from pipelines.report.dashboard import config_norms
from tests.support import notebooks as nb_testdata
from tests.support.kpi_frames import clean_data, config, frame, personen, uitkering

D = dt.date
B = D(2024, 9, 30)
BUDGET = {2024: {"werken": 10000.0, "werken_aan": 20000.0, "meedoen": 5000.0}}


def kb(persoon, van, tot, perspectief):
    return {"persoon": persoon, "ingangsdatum": van, "einddatum": tot, "perspectief": perspectief}


def v(i, persoon, soort, begin, kosten):
    return {
        "voorziening_id": f"V{i}",
        "persoon": persoon,
        "soort": soort,
        "begindatum": begin,
        "kosten": kosten,
    }


KLANTBEELD = [
    kb("P1", D(2023, 1, 1), D(2024, 1, 1), "werken"),  # ends on 1 January
    kb("P1", D(2024, 1, 2), None, "werken_aan"),
    kb("P2", D(2020, 1, 1), None, "meedoen"),
    # P3 has no klantbeeld period at all
    kb("P4", D(2024, 3, 1), D(2024, 6, 15), "werken"),
    kb("P4", D(2024, 6, 16), None, "werken_aan"),  # perspective changes the day after V6 starts
]
VOORZIENINGEN = [
    v(1, "P1", "training", D(2024, 1, 1), 1000.0),  # 1 January: this year, perspective werken
    v(2, "P1", "work_first", D(2023, 12, 31), 500.0),  # last year
    v(3, "P2", "dagbesteding", D(2024, 9, 30), 2500.50),  # on b: counts
    v(4, "P2", "participatieplaats", D(2024, 10, 1), 800.0),  # after b (counts at Q4)
    v(5, "P3", "training", D(2024, 5, 1), 4000.0),  # no klantbeeld period: onbekend
    v(6, "P4", "jobcoach", D(2024, 6, 15), 1200.0),  # werken (its period ends that day)
    v(7, "P4", "training", D(2024, 6, 16), 300.25),  # werken_aan
    v(8, "P1", "tegenprestatie", D(2024, 2, 1), None),  # no kosten: not charged
    v(9, "P2", "training", D(2024, 12, 31), 100.0),  # 31 December (counts at Q4)
    v(10, "P3", "lks", D(2024, 5, 1), 7000.0),  # wage-cost subsidy: paid from BUIG, never charged
    v(11, "P1", "lks_forfaitair", D(2024, 3, 1), 500.0),  # idem
]


def delivery(klantbeeld=KLANTBEELD, voorzieningen=VOORZIENINGEN, **kw):
    kw.setdefault("extractiedatum", D(2025, 1, 15))
    people = personen(("P1", "0001"), ("P2", "0001"), ("P3", "0001"), ("P4", "0002"))
    benefits = [uitkering(p, D(2020, 1, 1)) for p in ("P1", "P2", "P3", "P4")]
    tables = {"personen": people, "uitkeringen": benefits}
    if voorzieningen is not None:
        tables["voorzieningen"] = frame("voorzieningen", voorzieningen)
    if klantbeeld is not None:
        tables["klantbeeld"] = frame("klantbeeld", klantbeeld)
    return clean_data(tables, **kw)


def budget_kpis(data=None, b=B, **cfg):
    cfg.setdefault("budget_per_perspectief", BUDGET)
    return compute_kpis(data or delivery(), config(**cfg), b, families=["budget"])


def row(kpis, kpi, gemeente="totaal"):
    return kpis.filter((pl.col("kpi") == kpi) & (pl.col("gemeentecode") == gemeente)).row(0, named=True)


def test_perspective_on_the_start_of_the_provision():
    data = delivery()
    got = perspective_at_start(data.get("voorzieningen"), data.get("klantbeeld")).collect()
    persp = dict(zip(got["voorziening_id"], got["perspectief"], strict=True))
    assert persp["V1"] == "werken"  # 1 January, inside the period that ends that day
    assert persp["V5"] == "onbekend"
    assert persp["V6"] == "werken" and persp["V7"] == "werken_aan"
    assert persp["V8"] == "werken_aan"


def test_after_the_last_period_ended_its_perspective_holds_for_one_quarter():
    klantbeeld = frame("klantbeeld", [kb("P5", D(2022, 1, 1), D(2024, 1, 31), "werken")])
    voorzieningen = frame(
        "voorzieningen",
        [
            v(10, "P5", "lks", D(2024, 2, 1), 700.0),  # the day after werken ended (LKS after outflow)
            v(11, "P5", "lks", D(2024, 5, 2), 700.0),  # 92 days after: still werken
            v(12, "P5", "jobcoach", D(2024, 5, 3), 70.0),  # 93 days after: onbekend
            v(13, "P5", "training", D(2021, 12, 31), 5.0),  # before the first period: onbekend
        ],
    )
    got = perspective_at_start(voorzieningen, klantbeeld).collect()
    persp = dict(zip(got["voorziening_id"], got["perspectief"], strict=True))
    assert persp == {"V10": "werken", "V11": "werken", "V12": "onbekend", "V13": "onbekend"}


def test_two_periods_starting_on_one_day_give_the_one_that_ends_last_in_any_order():
    rows = [
        kb("P6", D(2024, 3, 1), D(2024, 3, 1), "meedoen"),  # a day's record
        kb("P6", D(2024, 3, 1), None, "werken"),  # starts the same day and runs on: this one
    ]
    for order in (rows, rows[::-1]):
        got = perspective_at_start(
            frame("voorzieningen", [v(14, "P6", "training", D(2024, 3, 1), 50.0)]), frame("klantbeeld", order)
        ).collect()
        assert got["perspectief"].to_list() == ["werken"]


def test_spend_per_perspective_year_to_date():
    kpis = budget_kpis()
    assert kpi_value(kpis, "budget_werken_besteed") == 2200.0  # V1 1000 + V6 1200
    assert row(kpis, "budget_werken_besteed")["noemer"] == 2  # P1, P4
    assert kpi_value(kpis, "budget_werken_aan_besteed") == 300.25  # V7
    assert kpi_value(kpis, "budget_meedoen_besteed") == 2500.50  # V3 on b; V4, V9 after b
    assert kpi_value(kpis, "budget_onbekend_besteed") == 4000.0  # V5
    assert kpi_value(kpis, "budget_totaal_besteed") == 9000.75
    assert row(kpis, "budget_totaal_besteed")["noemer"] == 4
    # per municipality (P1-P3 in 0001, P4 in 0002)
    assert kpi_value(kpis, "budget_werken_besteed", "0001") == 1000.0
    assert kpi_value(kpis, "budget_werken_besteed", "0002") == 1200.0
    assert kpi_value(kpis, "budget_totaal_besteed", "0001") == 7500.50
    assert kpi_value(kpis, "budget_werken_aan_besteed", "0001") == 0.0


def test_spend_at_q4_is_the_calendar_year():
    kpis = budget_kpis(b=D(2024, 12, 31))
    assert kpi_value(kpis, "budget_meedoen_besteed") == 2500.50 + 800.0 + 100.0  # 31 December counts
    assert kpi_value(kpis, "budget_totaal_besteed") == 9000.75 + 900.0


def test_exhaustion_against_the_budget_of_the_year_for_the_organisation_only():
    kpis = budget_kpis()
    assert kpi_value(kpis, "budget_werken_uitputting") == pytest.approx(22.0)  # 2200 / 10000
    assert kpi_value(kpis, "budget_werken_aan_uitputting") == pytest.approx(1.50125)  # 300.25 / 20000
    assert kpi_value(kpis, "budget_meedoen_uitputting") == pytest.approx(50.01)  # 2500.50 / 5000
    assert kpi_value(kpis, "budget_totaal_uitputting") == pytest.approx(100 * 9000.75 / 35000)
    r = row(kpis, "budget_werken_uitputting")
    assert (r["teller"], r["noemer"], r["ci_laag"]) == (2200.0, 2, None)  # amount and persons, no interval
    for kpi in ("budget_werken_uitputting", "budget_totaal_uitputting"):
        assert kpi_value(kpis, kpi, "0001") is None
        assert row(kpis, kpi, "0002")["opmerking"] == ALLEEN_TOTAAL_BUDGET
        assert KPI_CATALOGUE[kpi].alleen_totaal


def test_amounts_over_few_persons_are_suppressed():
    kpis = budget_kpis()
    assert row(kpis, "budget_totaal_besteed")["onderdrukt"] == "personen_klein"  # 4 persons
    assert row(kpis, "budget_werken_uitputting")["onderdrukt"] == "personen_klein"  # reveals 2 persons' spend
    assert row(kpis, "budget_werken_aan_besteed", "0001")["onderdrukt"] is None  # 0 persons, 0 euro


def test_no_budget_for_the_year_leaves_spend_and_says_why():
    kpis = budget_kpis(budget_per_perspectief={2023: BUDGET[2024]})
    assert kpi_value(kpis, "budget_totaal_besteed") == 9000.75
    for p in ("werken", "werken_aan", "meedoen", "totaal"):
        r = row(kpis, f"budget_{p}_uitputting")
        assert r["waarde"] is None
        assert r["opmerking"] == (
            "niet beschikbaar: geen budget voor 2024 in de configuratie (participatiebudget of "
            "budget_per_perspectief)"
        )
    part = budget_kpis(budget_per_perspectief={2024: {"werken": 10000.0}})
    assert row(part, "budget_meedoen_uitputting")["opmerking"] == (
        "niet beschikbaar: geen budget voor perspectief meedoen in 2024 (budget_per_perspectief)"
    )
    assert kpi_value(part, "budget_totaal_uitputting") == pytest.approx(100 * 9000.75 / 10000)


def test_empty_kosten_absent_tables_and_uncovered_year_are_unavailable():
    no_costs = delivery(voorzieningen=[{**r, "kosten": None} for r in VOORZIENINGEN])
    kpis = budget_kpis(no_costs)
    assert kpis["waarde"].null_count() == kpis.height and set(kpis["opmerking"]) == {KOSTEN_LEEG}
    kpis = budget_kpis(delivery(voorzieningen=None))
    assert set(kpis["opmerking"]) == {"niet beschikbaar: tabel voorzieningen ontbreekt in de export"}
    kpis = budget_kpis(delivery(gegevens_vanaf=D(2024, 2, 1)))
    assert kpis["waarde"].null_count() == kpis.height and kpis["opmerking"].str.contains("niet gedekt").all()
    kpis = budget_kpis(delivery(extractiedatum=D(2024, 9, 1)))
    assert kpis["opmerking"].str.contains("na de extractiedatum").all()


def test_without_klantbeeld_only_the_totals_remain():
    kpis = budget_kpis(delivery(klantbeeld=None))
    assert kpi_value(kpis, "budget_totaal_besteed") == 9000.75
    assert kpi_value(kpis, "budget_totaal_uitputting") == pytest.approx(100 * 9000.75 / 35000)
    for kpi in KPI_FAMILIES["budget"]:
        if "totaal" not in kpi and kpi != "budget_vaste_lasten":
            assert (
                row(kpis, kpi)["opmerking"] == "niet beschikbaar: tabel klantbeeld ontbreekt in de export"
            ), kpi


def test_wage_cost_subsidy_is_never_charged_to_the_participation_budget():
    kpis = budget_kpis()
    # V10 (lks, 7000) and V11 (lks_forfaitair, 500) are left out: the totals above hold without them
    assert kpi_value(kpis, "budget_totaal_besteed") == 9000.75
    assert kpi_value(kpis, "budget_onbekend_besteed") == 4000.0  # P3's training only, not its LKS


#: A budget as a plan states it: lines per perspective, fixed costs and provisions (2024 has 366 days).
LINES = {
    2024: {
        "beschikbaar": [{"regel": "Participatiebudget", "bedrag": 38660}],
        "uitgaven": [
            {"regel": "Kwartiermaker", "perspectief": "algemeen", "soort": "vast", "bedrag": 3660},
            {"regel": "Bijdrage WSP", "perspectief": "werken", "soort": "vast", "bedrag": 1830},
            {"regel": "Work first", "perspectief": "werken", "soort": "voorzieningen", "bedrag": 8170},
            {"regel": "Instrumenten", "perspectief": "werken_aan", "soort": "voorzieningen", "bedrag": 20000},
            {"regel": "Instrumenten", "perspectief": "meedoen", "soort": "voorzieningen", "bedrag": 5000},
        ],
    }
}


def test_budget_lines_fixed_costs_spread_over_the_year():
    from pipelines.config import _participatiebudget

    kpis = budget_kpis(budget_per_perspectief={}, participatiebudget=_participatiebudget(LINES, "test"))
    # 1 January .. 30 September 2024 = 274 of 366 days: 3660 -> 2740 (general), 1830 -> 1370 (werken)
    assert kpi_value(kpis, "budget_vaste_lasten") == pytest.approx(4110.0)
    assert row(kpis, "budget_vaste_lasten", "0001")["opmerking"] == ALLEEN_TOTAAL_BUDGET
    # werken: (provisions 2200 + fixed 1370) / (1830 + 8170)
    assert kpi_value(kpis, "budget_werken_uitputting") == pytest.approx(35.7)
    assert row(kpis, "budget_werken_uitputting")["teller"] == pytest.approx(3570.0)
    assert kpi_value(kpis, "budget_meedoen_uitputting") == pytest.approx(50.01)  # no fixed costs
    # totaal: (9000.75 + 4110) / 38660, the general part included
    assert kpi_value(kpis, "budget_totaal_uitputting") == pytest.approx(100 * 13110.75 / 38660)
    q4 = budget_kpis(
        b=D(2024, 12, 31), budget_per_perspectief={}, participatiebudget=_participatiebudget(LINES, "test")
    )
    assert kpi_value(q4, "budget_vaste_lasten") == pytest.approx(5490.0)  # the whole year
    other_year = budget_kpis(
        b=D(2023, 12, 31), budget_per_perspectief={}, participatiebudget=_participatiebudget(LINES, "test")
    )
    assert row(other_year, "budget_vaste_lasten")["opmerking"] == (
        "niet beschikbaar: geen begrotingsregels voor 2023 in de configuratie (participatiebudget)"
    )


def test_illustrative_budgets_say_so_in_the_figures():
    from pipelines.kpi.budget import ILLUSTRATIEF

    kpis = budget_kpis(budget_illustratief=True)
    for p in ("werken", "werken_aan", "meedoen", "totaal"):
        assert row(kpis, f"budget_{p}_uitputting")["opmerking"] == ILLUSTRATIEF
    assert row(budget_kpis(), "budget_werken_uitputting")["opmerking"] is None


def test_the_plans_own_arithmetic_is_checked():
    from pipelines.config import config_for, year_budget
    from pipelines.kpi.budget import check_budget

    cfg = config_for("Gemeente Pijnacker-Nootdorp")
    plan = year_budget(cfg, 2020)
    # the plan's lines, chapter 8: werken 70,000 + 75,000; werken aan 60,000 + 60,000 + 325,000; meedoen
    # 40,000; kwartiermaker 75,000 and research 20,000
    assert plan.per_plaats() == {
        "werken": 145_000,
        "werken_aan": 445_000,
        "meedoen": 40_000,
        "algemeen": 95_000,
    }
    assert [x.regel for x in plan.uitgaven if x.soort == "vast"] == [
        "Kwartiermaker (implementatiemanager)",
        "Onderzoek Erasmus Universiteit",
        "Bijdrage werkgeversservicepunt",
        "Jobcoach arbeidsbeperkten",
        "Jobcoach regulier",
    ]
    found = check_budget(plan)
    # 500,503 + 225,000 = 725,503, the plan prints 725,000; so its balance is 503, not 0
    assert [(f.regel, f.opgegeven, f.berekend) for f in found] == [
        ("beschikbaar budget", 725_000, 725_503),
        ("saldo (beschikbaar min uitgaven)", 0, 503),
    ]
    assert year_budget(cfg, 2021) is None


def test_budget_family_is_active_only_with_a_budget():
    from pipelines.kpi.registry import family

    budget = family("budget")
    assert not budget.active(config())
    assert budget.active(config(budget_per_perspectief=BUDGET))
    assert budget.active(config(participatiebudget={2020: LINES[2024]}))


def test_sums_do_not_depend_on_row_order():
    amounts = [0.1, 0.2, 0.3, 1e6, 0.7, 1234.56]
    rows_ = [
        {"persoon": f"P{i}", "gemeentecode": "0001", "perspectief": "werken", "kosten": k}
        for i, k in enumerate(amounts)
    ]
    base = pl.DataFrame(rows_)
    shuffled = list(rows_)
    random.Random(1).shuffle(shuffled)
    a = spend_table(base, ["0001"], ["werken"])
    b = spend_table(pl.DataFrame(shuffled), ["0001"], ["werken"])
    assert a.equals(b)
    assert a.filter(pl.col("perspectief") == "werken")["besteed"][0] == 1001235.86


def test_norm_on_the_dashboard_only_with_a_budget():
    assert "budget_totaal_uitputting" not in config_norms(config()).rules
    rule = config_norms(config(budget_per_perspectief=BUDGET)).rules["budget_werken_uitputting"]
    assert (rule.op, rule.limit, rule.alleen_totaal) == ("<=", 100.0, True)


def test_budget_lines_are_checked_on_load(tmp_path):
    path = tmp_path / "org.yaml"
    line = "{regel: X, perspectief: %s, soort: %s, bedrag: %s}"
    for bad, message in (
        (line % ("werk", "vast", 10), r"participatiebudget\.2020\.uitgaven\[1\]\.perspectief: kies"),
        (line % ("werken", "los", 10), r"participatiebudget\.2020\.uitgaven\[1\]\.soort: kies vast of"),
        (line % ("werken", "vast", -1), r"participatiebudget\.2020\.uitgaven\[1\]\.bedrag: bedrag moet"),
    ):
        path.write_text(
            f"organisatie: X\nparticipatiebudget:\n  2020:\n    uitgaven: [{bad}]\n", encoding="utf-8"
        )
        with pytest.raises(ConfigError, match=message):
            load_config(path)


def test_budget_configuration_is_checked(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text(
        "organisatie: X\nbudget_per_perspectief:\n  2024: {werken: 10, meedoen_plus: 5}\n", encoding="utf-8"
    )
    with pytest.raises(
        ConfigError, match=r"budget_per_perspectief\.2024\.meedoen_plus: onbekend perspectief"
    ):
        load_config(path)
    path.write_text("organisatie: X\nbudget_per_perspectief:\n  2024: {werken: -1}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"budget_per_perspectief\.2024\.werken"):
        load_config(path)


# --- the notebook under papermill ---------------------------------------------------------------------

NOTEBOOK = NOTEBOOKS / "22_participatiebudget.ipynb"


def run_notebook(clean_dir: Path, out: Path, **params) -> dict:
    return nb_testdata.run_notebook(NOTEBOOK, out, clean_dir, **params)[1]


@pytest.fixture(scope="module")
def small_clean(tmp_path_factory):
    return nb_testdata.write_small_clean(tmp_path_factory.mktemp("budget_clean"))


def test_notebook_without_costs_shows_niet_beschikbaar(small_clean, tmp_path):
    side = run_notebook(
        small_clean, tmp_path / "uit"
    )  # the small delivery has no kosten, its config no budget
    assert set(side["kerncijfers"]) == set(KPI_FAMILIES["budget"])
    assert all(value is None for value in side["kerncijfers"].values())
    executed = json.loads((tmp_path / "uit" / NOTEBOOK.name).read_text(encoding="utf-8"))
    text = json.dumps(executed)
    assert "niet beschikbaar" in text and '"output_type": "error"' not in text


def test_notebook_with_costs_and_a_budget_equals_the_engine(small_clean, tmp_path):
    from pipelines.clean import load_clean

    clean = tmp_path / "clean"
    clean.mkdir()
    for part in small_clean.iterdir():
        if part.suffix == ".parquet":
            table = pl.read_parquet(part)
            if part.stem == "voorzieningen":
                table = table.with_columns((pl.int_range(pl.len()) % 7 * 250.0 + 100.0).alias("kosten"))
            table.write_parquet(clean / part.name)
    cfg = tmp_path / "org.yaml"
    cfg.write_text(
        "organisatie: ISD Bollenstreek\ngemeenten: {'0534': Hillegom, '0553': Lisse, '0575': Noordwijk, "
        "'1525': Teylingen}\nbudget_per_perspectief:\n  2024: {werken: 4000, werken_aan: 9000, meedoen: "
        "3000}\n"
        "  2023: {werken: 4000, werken_aan: 9000, meedoen: 3000}\n",
        encoding="utf-8",
    )
    side = run_notebook(clean, tmp_path / "uit", config_path=str(cfg))
    expected = compute_kpis(load_clean(clean), load_config(cfg), B, families=["budget"])
    for kpi in KPI_FAMILIES["budget"]:
        value = kpi_value(expected, kpi)
        assert side["kerncijfers"][kpi] == (None if value is None else pytest.approx(value)), kpi
    assert side["kerncijfers"]["budget_totaal_uitputting"] is not None
    assert (tmp_path / "uit" / "grafieken" / "budget_uitputting_per_jaar.svg").stat().st_size > 0
