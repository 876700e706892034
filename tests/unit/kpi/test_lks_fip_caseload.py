"""LKS split, FIP frequency, case load and referrals on 2024-09-30 (window from 2023-10-01), by hand."""

import datetime as dt

import polars as pl
import pytest

from pipelines.kpi.base import ALLEEN_TOTAAL
from pipelines.kpi.caseload import caseload_per_klantmanager
from pipelines.kpi.engine import compute_kpis, kpi_value
from pipelines.kpi.fip import fip_per_person
from tests.support.kpi_frames import clean_data, config, personen, uitkering

D = dt.date
B = D(2024, 9, 30)
S = D(2023, 10, 1)
ALL6 = ["financien", "werk_opleiding", "huisvesting", "gezondheid", "sociaal_netwerk", "dagbesteding"]


def row(frame, kpi, gemeente="totaal"):
    sel = frame.filter((pl.col("kpi") == kpi) & (pl.col("gemeentecode") == gemeente))
    assert sel.height == 1
    return sel.row(0, named=True)


def prov(i, persoon, soort, begin, end=None, **kw):
    return {
        "voorziening_id": f"V{i}",
        "persoon": persoon,
        "soort": soort,
        "begindatum": begin,
        "einddatum": end,
        **kw,
    }


def lks(i, persoon, soort, begin, werkgever, indicatie, loonwaarde, end=None):
    return prov(
        i,
        persoon,
        soort,
        begin,
        end,
        werkgever_soort=werkgever,
        indicatie=indicatie,
        loonwaarde_pct=loonwaarde,
    )


@pytest.fixture(scope="module")
def lks_kpis():
    voorzieningen = [
        lks(1, "A", "lks", D(2023, 1, 1), "regulier", "geen", 50.0),
        lks(2, "B", "lks_forfaitair", D(2023, 1, 1), "sw_bedrijf", "banenafspraak", 40.0),
        lks(3, "C", "lks", D(2024, 9, 30), "sw_bedrijf", "beschut", 30.0),  # starts on b
        lks(4, "A", "lks", D(2022, 1, 1), "overheid", "banenafspraak", 60.0, end=D(2024, 9, 29)),  # ended
        lks(5, "E", "lks", D(2023, 1, 1), "sw_bedrijf", "geen", 70.0),  # SW company without indication
        lks(10, "E", "lks", D(2024, 10, 1), "regulier", "geen", 20.0),  # starts after b
        lks(11, "F", "lks", D(2023, 1, 1), None, "geen", 55.0),  # employer kind not given: onbekend
        prov(6, "A", "ontwikkelbaan", D(2021, 9, 30), werkgever_soort="sw_bedrijf"),  # exactly 3 years
        prov(7, "B", "ontwikkelbaan", D(2021, 9, 29), werkgever_soort="sw_bedrijf"),  # more than 3 years
        prov(8, "A", "jobcoach", D(2022, 9, 30), jobcoach_regime="licht"),  # exactly 24 months
        prov(9, "C", "jobcoach", D(2022, 9, 29), jobcoach_regime="midden"),  # more than 24 months
        # D: two years, then a new grant: 730 + 639 days > the 1097 days from b - 3 years to b
        prov(12, "D", "ontwikkelbaan", D(2021, 1, 1), D(2022, 12, 31), werkgever_soort="sw_bedrijf"),
        prov(13, "D", "ontwikkelbaan", D(2023, 1, 1), werkgever_soort="sw_bedrijf"),
        # G: a year, a break, a new grant: 365 + 488 days > the 732 days from b - 24 months to b
        prov(14, "G", "jobcoach", D(2022, 1, 1), D(2022, 12, 31), jobcoach_regime="licht"),
        prov(15, "G", "jobcoach", D(2023, 6, 1), jobcoach_regime="licht"),
        # H: a registration twice over: covered 2023-01-01 .. b = 639 days (the naive sum 853 would be over)
        prov(16, "H", "jobcoach", D(2023, 1, 1), D(2023, 12, 31)),
        prov(17, "H", "jobcoach", D(2023, 6, 1), D(2023, 12, 31)),
        prov(18, "H", "jobcoach", D(2024, 1, 1)),
    ]
    data = clean_data(
        {
            "personen": personen(*[(p, "0001") for p in ("A", "B", "E", "F", "D", "G", "H")], ("C", "0002")),
            "uitkeringen": [],
            "voorzieningen": voorzieningen,
        }
    )
    return compute_kpis(data, config(), B, families=["lks"])


def test_lks_split(lks_kpis):
    assert kpi_value(lks_kpis, "lks_actief_n") == 5  # V1 V2 V3 V5 V11
    r = row(lks_kpis, "lks_regulier_pct")
    assert (r["teller"], r["noemer"], r["waarde"]) == (1, 5, 20.0)  # V1; V11's empty kind is not regular
    assert kpi_value(lks_kpis, "lks_werkgever_onbekend_pct") == 20.0  # V11
    assert kpi_value(lks_kpis, "lks_sw_banenafspraak_pct") == 20.0
    assert kpi_value(lks_kpis, "lks_sw_beschut_pct") == 20.0
    assert kpi_value(lks_kpis, "lks_loonwaarde_gem") == pytest.approx((50 + 40 + 30 + 70 + 55) / 5)
    assert kpi_value(lks_kpis, "lks_regulier_pct", "0001") == pytest.approx(25.0)  # V1 of V1 V2 V5 V11
    assert kpi_value(lks_kpis, "lks_loonwaarde_gem", "0002") == 30.0
    assert row(lks_kpis, "lks_loonwaarde_gem", "0002")["onderdrukt"] == "noemer_klein"


def test_terms_count_the_cumulative_episodes_per_person(lks_kpis):
    assert kpi_value(lks_kpis, "ontwikkelbaan_n") == 3  # V6 V7 V13 run on b
    # B (more than 3 years in one) and D (a third year as a new grant); A exactly 3 years is not over
    assert kpi_value(lks_kpis, "ontwikkelbaan_over_3jaar_n") == 2
    # C (one provision of more than 24 months) and G (12 + 16 months); A exactly 24; H overlaps counted once
    assert kpi_value(lks_kpis, "jobcoach_over_24mnd_n") == 2
    assert kpi_value(lks_kpis, "jobcoach_over_24mnd_n", "0002") == 1
    assert kpi_value(lks_kpis, "jobcoach_over_24mnd_n", "0001") == 1


def test_covered_days_per_person():
    from pipelines.kpi.lks import covered_days
    from tests.support.kpi_frames import frame

    voorzieningen = frame(
        "voorzieningen",
        [
            prov(1, "H", "jobcoach", D(2023, 1, 1), D(2023, 12, 31)),
            prov(2, "H", "jobcoach", D(2023, 6, 1), D(2023, 12, 31)),
            prov(3, "H", "jobcoach", D(2024, 1, 1)),
            prov(4, "G", "jobcoach", D(2022, 1, 1), D(2022, 12, 31)),
            prov(5, "G", "jobcoach", D(2023, 6, 1)),
            prov(6, "K", "jobcoach", D(2020, 1, 1), D(2021, 1, 1)),  # nothing running on b
        ],
    )
    got = covered_days(voorzieningen, "jobcoach", B).collect()
    assert got.rows() == [("G", 365 + 488, D(2022, 1, 1)), ("H", 639, D(2023, 1, 1))]


def test_jobcoach_regime_mix(lks_kpis):
    # running on b: A licht, C midden, G licht, H (no regime given)
    assert kpi_value(lks_kpis, "jobcoach_n") == 4
    assert kpi_value(lks_kpis, "jobcoach_regime_licht_pct") == 50.0
    assert kpi_value(lks_kpis, "jobcoach_regime_midden_pct") == 25.0
    assert kpi_value(lks_kpis, "jobcoach_regime_zeer_licht_pct") == 0.0
    assert kpi_value(lks_kpis, "jobcoach_regime_intensief_pct") == 0.0


def kb(persoon, van, tot=None, perspectief="werken_aan"):
    return {"persoon": persoon, "ingangsdatum": van, "einddatum": tot, "perspectief": perspectief}


def fip(i, persoon, datum, domeinen=ALL6, vervolg=True, soort="fip"):
    return {
        "contact_id": f"C{i}",
        "persoon": persoon,
        "datum": datum,
        "soort": soort,
        "leefgebieden": domeinen,
        "vervolgafspraak": vervolg,
    }


@pytest.fixture(scope="module")
def fip_data():
    klantbeeld = [
        kb("A", D(2024, 7, 2)),  # 91 days in the window: in the population
        kb("B", D(2024, 7, 3)),  # 90 days: not
        kb("C", D(2023, 1, 1)),  # the whole (leap) window: 366 days
        kb("E", D(2023, 10, 1), D(2023, 12, 31)),  # 92 days
        kb("E", D(2024, 1, 1), D(2024, 5, 31), "werken"),
        kb("E", D(2024, 6, 1), D(2024, 6, 30)),  # + 30 days = 122
        kb("G", D(2023, 6, 1), D(2024, 6, 30)),  # 274 days in the window
    ]
    contacten = [
        fip(1, "A", D(2024, 8, 1)),
        fip(2, "A", D(2024, 6, 1)),  # before A's werken_aan period
        fip(3, "A", D(2024, 8, 2), soort="intake"),
        fip(4, "C", D(2023, 11, 1)),
        fip(5, "C", D(2024, 2, 1), ALL6[:3], vervolg=False),
        fip(6, "C", D(2024, 5, 1), vervolg=None),
        fip(7, "C", D(2023, 9, 15)),  # before the window
        fip(8, "E", D(2024, 1, 15)),  # while in `werken`
        fip(9, "G", D(2023, 12, 1)),
        fip(10, "G", D(2024, 3, 1), ALL6[:5]),
        fip(11, "G", D(2024, 6, 30)),
        fip(12, "B", D(2024, 8, 1)),  # B is not in the population
    ]
    people = personen(("A", "0001"), ("B", "0001"), ("C", "0001"), ("E", "0001"), ("G", "0002"))
    return clean_data(
        {"personen": people, "uitkeringen": [], "klantbeeld": klantbeeld, "contactmomenten": contacten}
    )


def test_fip_per_person(fip_data):
    out = fip_per_person(fip_data.get("klantbeeld"), fip_data.get("contactmomenten"), S, B).collect()
    got = {
        r["persoon"]: (r["blootstelling"], r["fip"], r["nodig"], r["norm_gehaald"]) for r in out.to_dicts()
    }
    # nodig = round_half_up(4 * days / 365.25): 91 -> 1, 366 -> 4, 122 -> 1, 274 -> 3
    assert got == {
        "A": (91, 1, 1, True),
        "C": (366, 3, 4, False),
        "E": (122, 0, 1, False),
        "G": (274, 3, 3, True),
    }


def test_fip_kpis(fip_data):
    kpis = compute_kpis(fip_data, config(), B, families=["fip"])
    rates = sorted([1 * 365.25 / 91, 3 * 365.25 / 366, 0.0, 3 * 365.25 / 274])
    assert kpi_value(kpis, "fip_populatie_n") == 4
    assert kpi_value(kpis, "fip_geen_n") == 1
    assert kpi_value(kpis, "fip_per_jaar_gem") == pytest.approx(sum(rates) / 4)
    assert kpi_value(kpis, "fip_per_jaar_mediaan") == pytest.approx((rates[1] + rates[2]) / 2)
    assert kpi_value(kpis, "fip_norm_pct") == 50.0
    # counted FIPs: A 1, C 3, G 3 = 7; all six domains: C1 C6 A1 G9 G11 = 5; follow-up: C4 A1 G9 G10 G11 = 5
    r = row(kpis, "fip_leefgebieden_volledig_pct")
    assert (r["teller"], r["noemer"]) == (5, 7)
    r = row(kpis, "fip_vervolgafspraak_pct")
    assert (r["teller"], r["noemer"]) == (5, 7)
    assert kpi_value(kpis, "fip_populatie_n", "0002") == 1
    assert kpi_value(kpis, "fip_norm_pct", "0002") == 100.0


def test_fip_norm_and_minimum_exposure_are_parameters(fip_data):
    kpis = compute_kpis(
        fip_data, config(fip_norm_per_jaar=3, fip_min_blootstelling_dagen=90), B, families=["fip"]
    )
    assert kpi_value(kpis, "fip_populatie_n") == 5  # B joins with 90 days
    # nodig with 3/year: A 1, B 1, C 3, E 1, G 2 -> A, B (1 FIP), C, G meet it
    assert kpi_value(kpis, "fip_norm_pct") == pytest.approx(80.0)


def test_fip_counts_conversation_days_in_both_perspectives():
    klantbeeld = [kb("M", D(2023, 10, 1), None, "meedoen"), kb("W", D(2023, 10, 1), None, "werken")]
    contacten = [
        fip(1, "M", D(2024, 1, 10), ALL6[:3], vervolg=False),
        fip(2, "M", D(2024, 1, 10), ALL6[3:], vervolg=None),  # the same day: one conversation
        fip(3, "M", D(2024, 1, 10), ALL6[:1], vervolg=False),  # a third record that day
        fip(4, "M", D(2024, 5, 1), ALL6[:2], vervolg=True),
        fip(5, "W", D(2024, 5, 1)),  # perspective werken: no FIP population
    ]
    data = clean_data(
        {
            "personen": personen(("M", "0001"), ("W", "0001")),
            "uitkeringen": [],
            "klantbeeld": klantbeeld,
            "contactmomenten": contacten,
        }
    )
    kpis = compute_kpis(data, config(), B, families=["fip"])
    assert kpi_value(kpis, "fip_populatie_n") == 1  # M (meedoen); W is in werken
    per = fip_per_person(data.get("klantbeeld"), data.get("contactmomenten"), S, B).collect()
    assert per.select("persoon", "blootstelling", "fip", "nodig").rows() == [("M", 366, 2, 4)]
    # 10 January: the day's records cover all six domains together, no follow-up; 1 May: two domains
    r = row(kpis, "fip_leefgebieden_volledig_pct")
    assert (r["teller"], r["noemer"]) == (1, 2)
    r = row(kpis, "fip_vervolgafspraak_pct")
    assert (r["teller"], r["noemer"]) == (1, 2)
    only = compute_kpis(data, config(fip_perspectieven=("werken_aan",)), B, families=["fip"])
    assert kpi_value(only, "fip_populatie_n") == 0


def test_fip_exposure_counts_a_day_two_periods_share_once():
    """Validation lets a period end on the day the next one starts; that day is one day of exposure, and
    a conversation on it one conversation. Exposure never exceeds the window."""
    klantbeeld = [
        kb("T", D(2023, 1, 1), D(2024, 3, 31), "werken_aan"),
        kb("T", D(2024, 3, 31), D(2024, 6, 30), "meedoen"),  # starts the day the first ends
        kb("T", D(2024, 6, 30), None, "werken_aan"),  # and again
        kb("H", D(2024, 4, 1), D(2024, 7, 31), "meedoen"),
        kb("H", D(2024, 7, 31), D(2024, 8, 31), "werken"),  # not a FIP perspective
        kb("H", D(2024, 8, 31), None, "meedoen"),
    ]
    contacten = [fip(1, "T", D(2024, 3, 31)), fip(2, "T", D(2024, 6, 30)), fip(3, "H", D(2024, 8, 31))]
    data = clean_data(
        {
            "personen": personen(("T", "0001"), ("H", "0001")),
            "uitkeringen": [],
            "klantbeeld": klantbeeld,
            "contactmomenten": contacten,
        }
    )
    per = fip_per_person(data.get("klantbeeld"), data.get("contactmomenten"), S, B).collect()
    # T: the whole leap-year window, 366 days (not 368); H: 1 Apr - 30 Sep minus 1-30 Aug in `werken`
    assert per.select("persoon", "blootstelling", "fip").sort("persoon").rows() == [
        ("H", 183 - 30, 1),
        ("T", 366, 2),
    ]


def test_fip_without_contacts_table(fip_data):
    tables = {k: v for k, v in fip_data.tables.items() if k not in ("contactmomenten", "levering")}
    kpis = compute_kpis(clean_data(tables), config(), B, families=["fip"])
    assert kpis["waarde"].null_count() == kpis.height
    assert "contactmomenten ontbreekt" in kpis["opmerking"][0]


@pytest.fixture(scope="module")
def caseload_data():
    ids = ["P1", "P2", "P3", "P4", "P5", "P6", "X"]
    km = {"P1": "KM1", "P2": "KM1", "P3": "KM2", "P4": "KM2", "P5": "W1", "X": "KM1"}
    people = personen(*[(p, "0001") for p in ids], **{p: {"klantmanager": k} for p, k in km.items()})
    # P1 and P2 are a couple: one benefit (registratienummer R1), one dossier; X is not on assistance
    rows = [uitkering(p, D(2023, 1, 1), reg="R1" if p in ("P1", "P2") else None) for p in ids if p != "X"]
    medewerkers = [
        {"medewerker": "KM1", "functie": "klantmanager", "fte": 0.5},
        {"medewerker": "KM2", "functie": "klantmanager", "fte": 1.0},
        {"medewerker": "W1", "functie": "werkconsulent", "fte": 1.0},
    ]
    voorzieningen = [
        prov(1, "P1", "schuldhulpverlening", D(2023, 10, 1)),  # first day of the window
        prov(2, "P2", "ggz", D(2023, 9, 30)),  # before it
        prov(3, "X", "verslavingszorg", D(2024, 9, 30)),  # on b (X is not in stock: referrals count anyway)
        prov(4, "P3", "training", D(2024, 1, 1)),
        prov(5, "P1", "tegenprestatie", D(2024, 1, 1)),
        prov(6, "P2", "vrijwilligerswerk", D(2024, 1, 1), D(2024, 9, 29)),  # ended the day before
        prov(7, "P3", "tegenprestatie", D(2024, 1, 1)),
        prov(8, "P3", "vrijwilligerswerk", D(2024, 1, 1)),  # counted once
        prov(9, "X", "tegenprestatie", D(2024, 1, 1)),  # not in stock
        prov(10, "P5", "work_first", D(2024, 9, 1)),  # a trajectory on b
    ]
    inkomsten = [
        {"persoon": "P4", "maand": D(2024, 9, 1), "soort_inkomsten": "11", "bedrag": 400.0},  # works in Sept
        {"persoon": "P6", "maand": D(2024, 8, 1), "soort_inkomsten": "11", "bedrag": 400.0},  # August only
        {"persoon": "P6", "maand": D(2024, 9, 1), "soort_inkomsten": "23", "bedrag": 90.0},  # not work
    ]
    return clean_data(
        {
            "personen": people,
            "uitkeringen": rows,
            "medewerkers": medewerkers,
            "voorzieningen": voorzieningen,
            "inkomsten": inkomsten,
        }
    )


def test_caseload(caseload_data):
    per = caseload_per_klantmanager(
        compute_spells(caseload_data),
        caseload_data.get("personen"),
        caseload_data.get("medewerkers"),
        B,
        caseload_data.get("uitkeringen"),
    )
    assert per.select("medewerker", "klanten", "dossiers").rows() == [("KM1", 2, 1), ("KM2", 2, 2)]
    kpis = compute_kpis(caseload_data, config(caseload_norm=2.0), B, families=["caseload"])
    r = row(kpis, "caseload_per_fte")
    assert (r["teller"], r["noemer"]) == (4, 1.5) and r["waarde"] == pytest.approx(4 / 1.5)
    r = row(kpis, "caseload_dossiers_per_fte")
    assert (r["teller"], r["noemer"]) == (3, 1.5) and r["waarde"] == pytest.approx(2.0)
    # "onder de 2": KM1 has 4 per fte, KM2 exactly 2 - not below the norm, so both count
    assert kpi_value(kpis, "caseload_boven_norm_n") == 2
    g = row(kpis, "caseload_per_fte", "0001")
    assert g["waarde"] is None and g["opmerking"] == ALLEEN_TOTAAL
    assert kpi_value(kpis, "doorverwijzingen_zorg_n") == 2
    assert kpi_value(kpis, "tegenprestatie_n") == 2  # P1, P3
    # the plan's reading: P1, P3 and P4 (part-time work in September) and P5 (a trajectory); not P6
    assert kpi_value(kpis, "tegenprestatie_breed_n") == 4


def test_caseload_per_dossier_is_an_option(caseload_data):
    from pipelines.report.dashboard import config_norms

    by_person = compute_kpis(caseload_data, config(caseload_norm=3.0), B, families=["caseload"])
    assert kpi_value(by_person, "caseload_boven_norm_n") == 1  # KM1: 4 persons per fte
    by_case = compute_kpis(
        caseload_data, config(caseload_norm=3.0, caseload_eenheid="dossiers"), B, families=["caseload"]
    )
    assert kpi_value(by_case, "caseload_boven_norm_n") == 0  # KM1: 2 dossiers per fte, KM2: 2
    rules = config_norms(config(caseload_eenheid="dossiers")).rules
    assert (rules["caseload_dossiers_per_fte"].op, rules["caseload_dossiers_per_fte"].limit) == ("<", 50.0)
    assert "caseload_per_fte" not in rules
    rule = config_norms(config()).rules["caseload_per_fte"]
    assert rule.met(49.9) and not rule.met(50.0)  # "onder de 50"


def compute_spells(data):
    from pipelines.spells import merge_spells

    return merge_spells(data.get("uitkeringen"), ("01", "02", "03"), 30)


def test_uitkeringen_only_export_gives_reasons_for_everything_else():
    data = clean_data({"personen": personen(("A", "0001")), "uitkeringen": [uitkering("A", D(2020, 1, 1))]})
    kpis = compute_kpis(data, config(), B, families=["lks", "fip", "caseload"])
    assert kpis["waarde"].null_count() == kpis.height
    assert kpis.filter(pl.col("opmerking").is_null()).height == 0
