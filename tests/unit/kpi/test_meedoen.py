"""The Meedoen! pilot (`pipelines.kpi.meedoen`): every definition on a hand-built delivery, the cost model
and the proposal check.

Reference date of the target groups 2019-03-01 (five years back: 2014-03-01). Peildatum b = 2024-09-30,
window 2023-10-01 .. 2024-09-30, quarter 2024-07-01 .. 2024-09-30. Expected values are counted by hand
in the comments.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.kpi import meedoen as m
from pipelines.kpi.engine import compute_kpis, kpi_value
from pipelines.kpi.registry import KPI_FAMILIES
from pipelines.spells import merge_spells
from tests.support.kpi_frames import clean_data, config, frame, personen, uitkering

D = dt.date
REF = D(2019, 3, 1)
B = D(2024, 9, 30)
S = D(2023, 10, 1)
QS = D(2024, 7, 1)
PILOT = {
    "meedoen": {
        "peildatum_doelgroepen": "2019-03-01",
        "max_beloning_per_jaar": 50,
        "ambitie_deelname_pct": [60, 70],
    }
}


def v(i, persoon, soort, begin, eind=None, kosten=None):
    return {
        "voorziening_id": f"V{i:02d}",
        "persoon": persoon,
        "soort": soort,
        "begindatum": begin,
        "einddatum": eind,
        "kosten": kosten,
    }


def c(i, persoon, datum, soort="huisbezoek"):
    return {"contact_id": f"C{i:02d}", "persoon": persoon, "datum": datum, "soort": soort}


def z(persoon, datum, domein, score):
    return {"persoon": persoon, "datum": datum, "domein": domein, "score": score}


def r(persoon, datum, bedrag=10.0):
    return {"persoon": persoon, "datum": datum, "bedrag": bedrag}


PERSONEN = personen(
    ("A", "0001"),
    ("B", "0001"),
    ("C", "0002"),
    ("E", "0002"),
    ("F", "0001"),
    ("G", "0002"),
    ("H", "0001"),
    ("I", "0001"),
    ("J", "0002"),
    ("K", "0001"),
    A={"migratieachtergrond": "niet_westers"},
    B={"kinderen_ten_laste": 2},
    C={"geboortedatum": D(1963, 3, 1), "migratieachtergrond": "niet_westers"},  # exactly 56 on REF
    E={"geboortedatum": D(1963, 3, 2)},  # 55 on REF (56 the next day)
    H={"kinderen_ten_laste": 1},
    I={"kinderen_ten_laste": 0},
    J={"geboortedatum": D(1955, 1, 1)},  # 64 on REF, single, IOAW: not a PW target group
)
UITKERINGEN = [
    uitkering(
        "A", D(2014, 3, 1), leefvorm="2", huisvesting="1"
    ),  # exactly 5 years: groups 1 (5+), not 3 (more than 5)
    uitkering(
        "B", D(2014, 3, 2), D(2024, 7, 15), "13", leefvorm="3", huisvesting="1"
    ),  # one day short of 5 years
    uitkering("C", D(2010, 1, 1), D(2024, 3, 31), "11", leefvorm="1", huisvesting="1"),  # groups 2 and 3
    uitkering("E", D(2010, 1, 1), leefvorm="1", huisvesting="1"),  # 55: not group 2
    uitkering("F", D(2018, 1, 1), leefvorm="1", huisvesting="4"),  # rung 1 but in an institution
    uitkering("G", D(2018, 1, 1), leefvorm="1", huisvesting="1"),  # rung 1: group 4
    uitkering("H", D(2012, 1, 1), D(2019, 2, 28), "98", leefvorm="3", huisvesting="1"),  # not in stock on REF
    uitkering("I", D(2010, 1, 1), leefvorm="3", huisvesting="1"),  # couple without children
    uitkering("J", D(2010, 1, 1), regeling="02", leefvorm="1", huisvesting="1"),  # IOAW, not PW
    uitkering("K", D(2018, 1, 1), D(2020, 6, 30), "11", leefvorm="1", huisvesting="1"),  # work in 2020
]
KLANTBEELD = [
    {"persoon": "F", "ingangsdatum": D(2018, 1, 1), "perspectief": "meedoen", "trede": 1},
    {
        "persoon": "G",
        "ingangsdatum": D(2018, 1, 1),
        "einddatum": D(2019, 3, 1),
        "perspectief": "meedoen",
        "trede": 1,
    },
    {"persoon": "G", "ingangsdatum": D(2019, 3, 2), "perspectief": "meedoen", "trede": 2},
    {"persoon": "E", "ingangsdatum": D(2018, 1, 1), "perspectief": "meedoen", "trede": 2},
]
VOORZIENINGEN = [
    v(1, "A", "meedoen", D(2019, 6, 1)),
    v(2, "C", "meedoen", D(2019, 6, 1), D(2024, 3, 31)),
    v(3, "G", "meedoen", D(2024, 10, 1)),  # starts after b
    v(4, "B", "meedoen", D(2024, 8, 1)),  # not in a target group
    v(5, "A", "vrijwilligerswerk", D(2020, 1, 1)),
    v(6, "B", "dagbesteding", D(2024, 8, 5), D(2024, 9, 29), kosten=300.0),  # ended the day before b
    v(7, "C", "tegenprestatie", D(2020, 1, 1)),  # C is no participant on b
    v(8, "A", "training", D(2024, 2, 1), D(2024, 6, 1), kosten=2000.0),
    v(9, "B", "training", D(2024, 7, 1), D(2024, 7, 30), kosten=1500.0),  # before B joined
    v(10, "C", "work_first", D(2023, 9, 1), D(2023, 12, 1), kosten=1000.0),  # started before the window
    v(11, "C", "leerwerktraject", D(2024, 3, 31), kosten=500.5),  # on the last day of C's participation
    v(12, "K", "meedoen", D(2019, 6, 1), D(2020, 6, 30)),  # took part, left for work in 2020
]
CONTACTEN = [
    c(1, "A", D(2024, 7, 10)),
    c(2, "A", D(2024, 9, 30)),  # on b
    c(3, "A", D(2024, 6, 30)),  # before the quarter
    c(4, "A", D(2024, 8, 1), "telefonisch"),
    c(5, "B", D(2024, 7, 20)),  # before B joined
    c(6, "C", D(2024, 8, 1)),  # C's participation ended in March
]
ZRM = [
    z("A", D(2019, 1, 1), "financien", 5),  # before A joined
    z("A", D(2019, 6, 1), "financien", 2),
    z("A", D(2019, 6, 1), "werk_opleiding", 3),
    z("A", D(2024, 6, 1), "financien", 3),
    z("A", D(2024, 6, 1), "werk_opleiding", 3),  # +1, 0: improved
    z("A", D(2024, 10, 1), "financien", 1),  # after b
    z("B", D(2024, 8, 10), "financien", 2),  # one measurement only
    z("C", D(2019, 7, 1), "financien", 3),
    z("C", D(2019, 7, 1), "sociaal_netwerk", 2),
    z("C", D(2020, 7, 1), "financien", 2),
    z("C", D(2020, 7, 1), "sociaal_netwerk", 3),  # -1, +1: not improved
    z("C", D(2020, 7, 1), "huisvesting", 4),  # not scored the first time
]
BELONINGEN = [
    r("A", D(2023, 11, 1)),  # in the window, not in calendar year 2024
    *[r("A", D(2024, month, 10)) for month in range(1, 6)],  # 50 in 2024: allowed
    *[r("C", D(2024, 1, day)) for day in range(5, 11)],  # 60 in 2024: over the maximum
    r("B", D(2024, 8, 15)),
    r("B", D(2024, 10, 5)),  # after b
]


VOORZIENINGEN_F = frame("voorzieningen", VOORZIENINGEN)


def tables(**override):
    base = {
        "personen": PERSONEN,
        "uitkeringen": UITKERINGEN,
        "klantbeeld": KLANTBEELD,
        "voorzieningen": VOORZIENINGEN,
        "contactmomenten": CONTACTEN,
        "zrm": ZRM,
        "beloningen": BELONINGEN,
    }
    base.update(override)
    return {k: t for k, t in base.items() if t is not None}


@pytest.fixture(scope="module")
def kpis():
    return compute_kpis(clean_data(tables()), config(programmas=PILOT), B, families=["meedoen"])


def row(frame_, kpi, gemeente="totaal"):
    sel = frame_.filter((pl.col("kpi") == kpi) & (pl.col("gemeentecode") == gemeente))
    assert sel.height == 1
    return sel.row(0, named=True)


def groups_frame(regelingen=("01",)):
    data = clean_data(tables())
    spells = merge_spells(data.get("uitkeringen"), regelingen)
    return m.target_groups(
        spells,
        data.get("uitkeringen"),
        data.get("personen"),
        frame("klantbeeld", KLANTBEELD),
        REF,
        regelingen,
    )


# --- target groups ---


def _members(g):
    return {
        p: [i + 1 for i, col in enumerate(m.GROEPEN) if row_[col]]
        for p, row_ in zip(g["persoon"], g.iter_rows(named=True), strict=False)
    }


def test_target_groups_per_person():
    g = groups_frame()
    # H left before REF; J receives IOAW, not "bijstandsuitkering PW"
    assert g.get_column("persoon").to_list() == ["A", "B", "C", "E", "F", "G", "I", "K"]
    member = _members(g)
    assert member == {"A": [1], "B": [], "C": [2, 3], "E": [], "F": [], "G": [4], "I": [], "K": []}


def test_target_groups_are_pw_only():
    # with IOAW in scope J (single, 64, since 2010) would be in group 2
    assert _members(groups_frame(("01", "02", "03")))["J"] == [2]
    assert "J" not in groups_frame().get_column("persoon").to_list()
    assert m.PilotParams().doelgroep_regelingen == ("01",)


def test_target_group_counts_per_municipality(kpis):
    expected = {  # kpi: (totaal, 0001, 0002)
        "meedoen_doelgroep_1_n": (1, 1, 0),
        "meedoen_doelgroep_2_n": (1, 0, 1),
        "meedoen_doelgroep_3_n": (1, 0, 1),
        "meedoen_doelgroep_4_n": (1, 0, 1),
        "meedoen_doelgroep_n": (3, 1, 2),  # C is in two groups, counted once
    }
    for kpi, values in expected.items():
        assert tuple(kpi_value(kpis, kpi, g) for g in ("totaal", "0001", "0002")) == values, kpi


def test_proposal_layout_and_overlap():
    g = groups_frame()
    table = m.proposal_layout(m.group_counts(g, ["0001", "0002"]), {"0001": "Een", "0002": "Twee"})
    assert table.columns == ["Doelgroep", "Een", "Twee", "Totaal"]
    assert table.get_column("Totaal").to_list() == [1, 1, 1, 1, 3]
    assert table.get_column("Twee").to_list() == [0, 1, 1, 1, 2]
    overlap = m.overlap_table(g)
    assert overlap.rows() == [("1", 1, 1), ("2+3", 2, 1), ("4", 1, 1)]


def test_selection_list_is_pseudonymous_and_internal(tmp_path):
    path = m.write_selection_list(groups_frame(), tmp_path / "intern")
    assert path == tmp_path / "intern" / "meedoen_selectie.csv"
    listed = pl.read_csv(path, separator=";", schema_overrides={"gemeentecode": pl.String})
    assert listed.columns == ["persoon", "gemeentecode", "groep_1", "groep_2", "groep_3", "groep_4"]
    assert listed.get_column("persoon").to_list() == ["A", "C", "G"]  # sorted by municipality, then pseudonym
    assert "bsn" not in listed.columns


def test_reference_date_defaults_to_1_march_of_the_first_participation():
    params = m.PilotParams()
    assert m.reference_date(params, frame("voorzieningen", VOORZIENINGEN)) == D(2019, 3, 1)
    assert m.reference_date(m.PilotParams(peildatum_doelgroepen=D(2020, 3, 1)), None) == D(2020, 3, 1)


# --- the monitor ---


def test_share_of_the_target_groups_that_took_part(kpis):
    # the group of REF stays the denominator: A and C took part since REF (C left for work in March
    # and still counts); G starts after b -> 2 of 3
    got = row(kpis, "meedoen_deelname_pct")
    assert (got["teller"], got["noemer"]) == (2, 3)
    assert got["waarde"] == pytest.approx(200 / 3)
    assert kpi_value(kpis, "meedoen_deelname_pct", "0001") == 100.0
    assert kpi_value(kpis, "meedoen_deelname_pct", "0002") == 50.0


def test_share_of_those_still_eligible_on_b(kpis):
    # still on PW on b: A and G (C left in March); of them A took part -> 1 of 2
    got = row(kpis, "meedoen_deelname_bestand_pct")
    assert (got["teller"], got["noemer"], got["waarde"]) == (1, 2, 50.0)
    assert kpi_value(kpis, "meedoen_deelname_bestand_pct", "0001") == 100.0  # A
    assert kpi_value(kpis, "meedoen_deelname_bestand_pct", "0002") == 0.0  # G


def test_participants_and_activities_on_b(kpis):
    assert kpi_value(kpis, "meedoen_deelnemers_n") == 2  # A and B; C ended, G not yet
    assert kpi_value(kpis, "meedoen_deelnemers_n", "0002") == 0
    got = row(kpis, "meedoen_activiteit_pct")  # A volunteers; B's dagbesteding ended the day before
    assert (got["teller"], got["noemer"], got["waarde"]) == (1, 2, 50.0)
    assert row(kpis, "meedoen_activiteit_pct", "0002")["opmerking"].startswith(
        "niet beschikbaar: lege populatie"
    )


def test_outflow_to_work_is_cumulative_since_the_start(kpis):
    # participants since REF up to b: A, B, C, K (G starts after b). C left for work (11) in March 2024, K in
    # June 2020 (outside the 12-month window, counted: "uiteindelijk"); B's exit (13) was before joining.
    got = row(kpis, "meedoen_uitstroom_werk_pct")
    assert (got["teller"], got["noemer"]) == (2, 4)
    assert kpi_value(kpis, "meedoen_uitstroom_werk_pct", "0001") == pytest.approx(100 / 3)  # A, B, K
    assert kpi_value(kpis, "meedoen_uitstroom_werk_pct", "0002") == 100.0  # C
    rolling = m.work_outflow(
        merge_spells(clean_data(tables()).get("uitkeringen"), ("01",)), VOORZIENINGEN_F, S, B
    )
    assert rolling.get_column("uitstroom_werk").sum() == 1  # a rolling 12 months would miss K


def test_participation_and_outflow_before_the_start_are_not_available():
    """Cumulative since the selectiedatum: on an earlier peildatum there is nothing to count, not 0 %."""
    before, after = D(2018, 12, 31), D(2019, 3, 31)  # the pilot starts on 1 March 2019
    out = compute_kpis(clean_data(tables()), config(programmas=PILOT), [before, after], families=["meedoen"])
    for kpi in ("meedoen_deelname_pct", "meedoen_deelname_bestand_pct", "meedoen_uitstroom_werk_pct"):
        early = out.filter((pl.col("kpi") == kpi) & (pl.col("peildatum") == before))
        assert early.get_column("waarde").null_count() == early.height > 0
        assert early.get_column("opmerking").str.contains("voor de selectiedatum 01-03-2019").all(), kpi
        late = out.filter((pl.col("kpi") == kpi) & (pl.col("peildatum") == after))
        assert not late.get_column("opmerking").str.contains("selectiedatum").any(), kpi
    groups = out.filter((pl.col("kpi") == "meedoen_doelgroep_n") & (pl.col("peildatum") == before))
    assert groups.get_column("waarde").null_count() == 0  # fixed on the selectiedatum, shown on every date


def test_home_visits_in_the_quarter(kpis):
    # participants of the quarter A and B: A two visits (10 July, 30 September), B none during participation
    got = row(kpis, "meedoen_huisbezoeken_per_deelnemer")
    assert (got["teller"], got["noemer"], got["waarde"]) == (2, 2, 1.0)
    got = row(kpis, "meedoen_bereikt_pct")
    assert (got["teller"], got["noemer"], got["waarde"]) == (1, 2, 50.0)


def test_rewards_and_the_yearly_maximum(kpis):
    got = row(kpis, "meedoen_beloningen_bedrag")  # A 60 + C 60 + B 10 in the window, 3 persons
    assert (got["waarde"], got["noemer"]) == (130.0, 3)
    assert got["onderdrukt"] == "personen_klein"  # an amount over 1-4 persons is not published
    assert kpi_value(kpis, "meedoen_beloning_per_deelnemer") == pytest.approx(130 / 3)
    assert kpi_value(kpis, "meedoen_boven_max_beloning_n") == 1  # C: 60 in 2024; A: exactly 50 is allowed
    assert kpi_value(kpis, "meedoen_boven_max_beloning_n", "0001") == 0
    over = m.rewards_over_max(frame("beloningen", BELONINGEN), B, 50.0)
    assert over.select("persoon", "bedrag", "boven_max").rows() == [
        ("A", 50.0, False),
        ("B", 10.0, False),
        ("C", 60.0, True),
    ]


def test_zrm_first_to_latest_measurement(kpis):
    got = row(kpis, "meedoen_zrm_verbeterd_pct")  # A improved, C did not, B has one measurement
    assert (got["teller"], got["noemer"], got["waarde"]) == (1, 2, 50.0)
    changes = m.zrm_changes(frame("zrm", ZRM), frame("voorzieningen", VOORZIENINGEN), S, B)
    domains = m.zrm_per_domain(changes)
    assert domains.select("domein", "personen", "verschil_gem", "verbeterd").rows() == [
        ("financien", 2, 0.0, 1),
        ("sociaal_netwerk", 1, 1.0, 1),
        ("werk_opleiding", 1, 0.0, 0),
    ]


def test_trajectory_costs_during_participation(kpis):
    # A's training 2000, B's dagbesteding 300, C's leerwerktraject 500.50 on its last day; B's training
    # before joining and C's work_first before the window do not count
    got = row(kpis, "meedoen_trajectkosten")
    assert (got["waarde"], got["noemer"]) == (2800.5, 3)
    assert kpi_value(kpis, "meedoen_trajectkosten", "0001") == 2300.0


def test_every_kpi_of_the_family_is_computed(kpis):
    assert set(kpis.get_column("kpi")) == set(KPI_FAMILIES["meedoen"]) == set(m.KPIS)
    assert kpis.height == len(m.KPIS) * 3


# --- not available ---


def test_no_pilot_in_the_configuration_makes_every_figure_unavailable():
    out = compute_kpis(clean_data(tables()), config(), B, families=["meedoen"])
    assert out.get_column("waarde").null_count() == out.height
    assert set(out.get_column("opmerking")) == {m.GEEN_PILOT}


def test_no_meedoen_provisions_and_absent_tables():
    without = [x for x in VOORZIENINGEN if x["soort"] != "meedoen"]
    out = compute_kpis(
        clean_data(tables(voorzieningen=without, zrm=None)), config(programmas=PILOT), B, families=["meedoen"]
    )
    assert kpi_value(out, "meedoen_doelgroep_n") == 3  # the selection needs no participants
    assert row(out, "meedoen_deelnemers_n")["opmerking"] == m.GEEN_DEELNEMERS
    assert kpi_value(out, "meedoen_deelname_pct") is None
    out = compute_kpis(clean_data(tables(zrm=None)), config(programmas=PILOT), B, families=["meedoen"])
    assert (
        row(out, "meedoen_zrm_verbeterd_pct")["opmerking"]
        == "niet beschikbaar: tabel zrm ontbreekt in de export"
    )
    assert kpi_value(out, "meedoen_deelnemers_n") == 2


# --- cost model and the proposal ---


SHIPPED = {
    "doelgroepen": {
        1: {"totaal": 57, "0534": 16, "0553": 11, "0575": 21, "1525": 9},
        2: {"totaal": 91, "0534": 17, "0553": 12, "0575": 36, "1525": 26},
        3: {"totaal": 28, "0534": 7, "0553": 3, "0575": 11, "1525": 7},
        4: {"totaal": 57, "0534": 10, "0553": 6, "0575": 29, "1525": 12},
    },
    "begrotingsregels": [
        {"project": 1, "deelnemers": 57, "fte": 1.1, "kosten_coaches": 101750, "trajecten": 12,
         "kosten_trajecten": 24000, "beloningen": 870},
        {"project": 2, "deelnemers": 91, "fte": 1.7, "kosten_coaches": 157250, "trajecten": 19,
         "kosten_trajecten": 38000, "beloningen": 1550},
        {"project": 3, "deelnemers": 28, "fte": 0.5, "kosten_coaches": 46250, "trajecten": 6,
         "kosten_trajecten": 12000, "beloningen": 480},
        {"project": 4, "deelnemers": 57, "fte": 1.0, "kosten_coaches": 92500, "trajecten": 12,
         "kosten_trajecten": 24000, "beloningen": 870},
    ],
}  # fmt: skip


def test_project_costs_follow_the_proposals_own_rule():
    params = m.PilotParams(voorstel=SHIPPED)
    # rewards: the proposal's 870 + 1550 + 480 + 870 = 3770 euro for 57 + 91 + 28 + 57 = 233 persons
    assert m.reward_per_person(params) == pytest.approx(3770 / 233)
    got = m.project_costs(57, params)
    # 57 / 54 = 1.056 -> "1,1 fte" -> 1.1 x 92,500; 20 % of 57 = 11.4 -> "12 x 2.000"
    assert (got["fte"], got["kosten_coaches"], got["trajecten"], got["kosten_trajecten"]) == (
        1.1,
        pytest.approx(101_750),
        12,
        24_000,
    )
    assert got["beloningen"] == pytest.approx(57 * 3770 / 233)
    assert got["totaal"] == pytest.approx(101_750 + 24_000 + 57 * 3770 / 233)
    assert m.project_costs(91, params)["fte"] == 1.7 and m.project_costs(91, params)["trajecten"] == 19
    assert m.project_costs(28, params)["fte"] == 0.5 and m.project_costs(28, params)["trajecten"] == 6
    # without reward lines in the proposal the yearly maximum is the (upper-bound) rate
    assert m.project_costs(10, m.PilotParams())["beloningen"] == 500


def test_proposal_lines_and_the_model_on_its_own_groups():
    params = m.PilotParams(voorstel=SHIPPED)
    stated = m.line_totals(m.proposal_lines(SHIPPED))
    # 101,750 + 157,250 + 46,250 + 92,500 = 397,750; trajectories 98,000; rewards 3,770 -> 499,520
    assert stated["kosten_coaches"] == 397_750 and stated["kosten_trajecten"] == 98_000
    assert stated["beloningen"] == 3_770 and stated["totaal"] == 499_520
    model = m.model_by_project(m.proposal_group_sizes(SHIPPED), params)
    # the rule gives project 4 (57 persons) 1.1 fte like project 1, not the proposal's "ongeveer 1 fte"
    assert model.get_column("fte").to_list() == [1.1, 1.7, 0.5, 1.1]
    assert m.line_totals(model)["totaal"] == pytest.approx(499_520 + 9_250)


def test_the_cost_model_is_not_the_participants_times_the_maximum():
    params = m.PilotParams(voorstel=SHIPPED)
    # 150 participants: 2.8 fte, 30 trajectories, rewards at the proposal's rate (not 150 x 50 = 7,500)
    got = m.project_costs(150, params)
    assert (got["fte"], got["trajecten"]) == (2.8, 30)
    assert got["beloningen"] == pytest.approx(150 * 3770 / 233)


def test_split_by_the_key():
    key = {"0534": 0.1854, "0553": 0.1877, "0575": 0.3526, "1525": 0.2743}
    split = m.split_costs(100_000.0, key, {"0534": "Hillegom"})
    assert split.get_column("bedrag").to_list() == pytest.approx([18_540, 18_770, 35_260, 27_430])
    assert split.get_column("gemeente").to_list()[0] == "Hillegom"
    with pytest.raises(ValueError, match="telt op tot"):
        m.split_costs(1.0, {"0534": 0.5, "0553": 0.4})


def test_check_proposal_names_the_inconsistent_line():
    voorstel = {
        "doelgroepen": {1: {"totaal": 10, "0001": 4, "0002": 6}, 2: {"totaal": 9, "0001": 4, "0002": 4}},
        "deelnemers": 12,  # 60-70 % of 19 = 11.4 .. 13.3
        "begrotingsregels": [
            {"project": 1, "regel": "Hillegom", "deelnemers": 10, "fte": 0.2, "kosten_coaches": 18_500},
            {"project": 2, "regel": "Lisse", "deelnemers": 8, "fte": 0.5, "kosten_coaches": 46_250},
            {"project": 3, "regel": "Noordwijk", "deelnemers": 54, "fte": 1.0, "kosten_coaches": 90_000,
             "trajecten": 10, "kosten_trajecten": 20_000},
        ],
        "projecten_totaal_opgegeven": 200_000,
    }  # fmt: skip
    found = m.check_proposal(voorstel, m.PilotParams())
    assert [(f.regel, f.onderdeel) for f in found] == [
        ("doelgroep 2", "totaal"),  # 4 + 4 is not 9
        ("Lisse", "deelnemers"),  # 8 persons budgeted for a group of 9
        ("Lisse", "fte"),  # 8 / 54 = 0.15, not 0.5
        ("Noordwijk", "kosten aandachtcoaches"),  # 1.0 x 92,500, not 90,000
        ("Noordwijk", "trajecten"),  # 20 % of 54 = 10.8 -> 11
        ("projecten 1-4", "totaal"),  # the lines add up to 18,500 + 46,250 + 90,000 + 20,000 = 174,750
    ]
    assert found[2].berekend == pytest.approx(8 / 54) and found[2].eenheid == "ratio"
    assert found[-1].berekend == 174_750


def test_the_shipped_proposal_flags_projects_1_and_4():
    from pipelines.config import config_for
    from pipelines.report.families.meedoen import inconsistency_text

    cfg = config_for("ISD Bollenstreek")
    params = m.pilot_params(cfg)
    assert params.voorstel["begrotingsregels"] == [
        {**x, "regel": f"Project {x['project']}"} for x in SHIPPED["begrotingsregels"]
    ]
    found = m.check_proposal(params.voorstel, params, cfg.verdeelsleutel)
    # 57 persons: "1,1 fte" in project 1 and "ongeveer 1 fte" in project 4; 57 / 54 = 1.06 -> 1.1
    assert [(f.regel, f.onderdeel, f.opgegeven) for f in found] == [
        ("Project 4", "fte", 1.0),
        ("projecten 1 en 4 (beide 57 personen)", "fte", 1.0),
    ]
    assert found[1].berekend == 1.1
    assert inconsistency_text(found[0]) == (
        "Project 4: fte 1,00 opgegeven, 1,06 volgt uit de eigen uitgangspunten of totalen"
    )
    # everything else is consistent: the amounts per municipality are the key x 500,000 and x 200,000
    assert sum(params.voorstel["kosten_per_gemeente"]["projecten"].values()) == 500_000
    counts = m.proposal_counts(params.voorstel)
    assert counts.filter(pl.col("gemeentecode") == "totaal").get_column("aantal").to_list() == [
        57,
        91,
        28,
        57,
    ]
    assert sorted(cfg.verdeelsleutel.values()) == sorted([0.1854, 0.1877, 0.3526, 0.2743])


def test_realised_costs_per_participant_of_the_window():
    got = m.realised_costs(VOORZIENINGEN_F, frame("beloningen", BELONINGEN), S, B)
    # A: training 2000 + rewards 60; B: dagbesteding 300 + 10; C: leerwerktraject 500.50 + 60 (K: not in
    # the window)
    assert got.rows() == [
        ("A", 1, 2000.0, 60.0, 2060.0),
        ("B", 1, 300.0, 10.0, 310.0),
        ("C", 1, 500.5, 60.0, 560.5),
    ]


def test_realised_spend_per_municipality_against_the_key():
    from pipelines.report.families.meedoen import Realised, municipality_table

    per = m.realised_costs(VOORZIENINGEN_F, frame("beloningen", BELONINGEN), S, B)
    per = per.join(PERSONEN.select("persoon", "gemeentecode"), on="persoon")
    cfg = config(programmas=PILOT, verdeelsleutel={"0001": 0.6, "0002": 0.4})
    voorstel = {"kosten_per_gemeente": {"projecten": {"0001": 300_000, "0002": 200_000}}}
    open_ = municipality_table(voorstel, cfg, Realised(3, per, None), min_cell=1)
    # realised 0001: A 2060 + B 310 = 2370; 0002: C 560.50; total 2930.50 -> key 1758.30 / 1172.20
    assert open_.rows() == [
        ("Een", "60,00 %", "€ 300.000", "", "€ 2.370", "€ 1.758", "€ 612"),
        ("Twee", "40,00 %", "€ 200.000", "", "€ 561", "€ 1.172", "€ -612"),
    ]
    hidden = municipality_table(voorstel, cfg, Realised(3, per, None), min_cell=5)
    assert hidden.get_column("Gerealiseerd (12 maanden)").to_list() == ["-", "-"]  # 2 and 1 persons
    # trajectories and rewards concern 3 persons each: the realised total would give them away
    assert hidden.get_column("Volgens de sleutel").to_list() == ["-", "-"]


def test_one_hidden_municipality_hides_a_second_so_the_total_gives_nothing_away():
    from pipelines.report.families.meedoen import Realised, municipality_table

    per = pl.DataFrame(
        {
            "persoon": [f"P{i}" for i in range(15)],
            "gemeentecode": ["0001"] * 6 + ["0002"] * 2 + ["0003"] * 7,
            "kosten_trajecten": [60.0] * 15,
            "beloningen": [40.0] * 15,
            "totaal": [100.0] * 15,
        }
    )
    cfg = config(gemeenten={"0001": "Een", "0002": "Twee", "0003": "Drie"},
                 verdeelsleutel={"0001": 0.4, "0002": 0.2, "0003": 0.4})  # fmt: skip
    got = municipality_table({}, cfg, Realised(15, per, None), min_cell=5)
    # 0002 (2 persons) is hidden; then the smallest other, 0001 (600 against 700), too
    assert got.get_column("Gerealiseerd (12 maanden)").to_list() == ["-", "-", "€ 700"]


def test_cost_comparison_hides_a_handful_of_participants():
    from pipelines.report.families.meedoen import Realised, cost_comparison

    per = m.realised_costs(VOORZIENINGEN_F, frame("beloningen", BELONINGEN), S, B)
    params = m.PilotParams(voorstel=SHIPPED)
    table = cost_comparison(SHIPPED, params, {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}, Realised(3, per, 1.5), 5)
    rows_ = {r["Regel"]: r for r in table.iter_rows(named=True)}
    assert rows_["Totaal per jaar"]["Voorstel (eigen begroting)"] == "€ 499.520"
    assert rows_["Totaal per jaar"]["Model: doelgroepen van het voorstel"] == "€ 508.770"
    assert rows_["Personen waarop begroot"]["Model: deelnemers in de data (12 maanden)"] == "<5"
    assert rows_["Kosten trajecten"]["Gerealiseerd in de export (12 maanden)"] == "-"  # 3 persons
    assert rows_["Aandachtcoaches (fte)"]["Gerealiseerd in de export (12 maanden)"] == "1,5"
    assert rows_["Kosten aandachtcoaches"]["Gerealiseerd in de export (12 maanden)"] == "€ 138.750"


def test_dashboard_norms_follow_the_ambition():
    from pipelines.report.dashboard import config_norms

    rules = config_norms(config(programmas=PILOT)).rules
    assert (rules["meedoen_deelname_pct"].op, rules["meedoen_deelname_pct"].limit) == (">=", 60.0)
    assert "meedoen_deelname_pct" not in config_norms(config()).rules
