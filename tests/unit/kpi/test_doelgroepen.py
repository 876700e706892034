"""Target-group monitor (`pipelines.kpi.doelgroepen`): every definition on a hand-built delivery.

Peildatum b = 2024-09-30, window 2023-10-01 .. 2024-09-30. Expected values are counted by hand below.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from pipelines.config import ConfigError, load_config, parse_doelgroep
from pipelines.kpi.base import Context, concat_rows
from pipelines.kpi.doelgroepen import GROEPEN, group_kpis, group_rows, memberships, monitor_frame
from pipelines.kpi.engine import compute_kpis, kpi_value
from pipelines.kpi.registry import KPI_FAMILIES
from pipelines.paths import NOTEBOOKS
from tests.support import notebooks as nb_testdata
from tests.support.kpi_frames import clean_data, config, frame, personen, uitkering

D = dt.date
B = D(2024, 9, 30)


def v(i, persoon, soort, begin, eind=None):
    return {
        "voorziening_id": f"V{i}",
        "persoon": persoon,
        "soort": soort,
        "begindatum": begin,
        "einddatum": eind,
    }


@pytest.fixture(scope="module")
def data():
    people = personen(
        ("A", "0001"),
        ("B", "0001"),
        ("C", "0001"),
        ("D", "0001"),
        ("E", "0002"),
        ("F", "0002"),
        ("G", "0001"),
        ("H", "0001"),
        A={"geboortedatum": D(1974, 9, 30), "statushouder": True, "kinderen_ten_laste": 2},  # exactly 50 on b
        B={"geboortedatum": D(1974, 10, 1), "doelgroepregister": True},  # 49 on b (50 the day after)
        D={"geboortedatum": D(1960, 5, 5)},
        E={"statushouder": True},
        F={"geboortedatum": D(1990, 1, 1), "doelgroepregister": True, "kinderen_ten_laste": 1},
        G={"statushouder": True},
    )
    benefits = [
        uitkering("A", D(2020, 1, 1), leefvorm="1"),  # stock, begin stock
        uitkering("B", D(2022, 3, 1), leefvorm="2"),  # stock, alleenstaande ouder
        uitkering("C", D(2021, 1, 1), D(2024, 5, 31), "11", leefvorm="2"),  # outflow to work in the window
        uitkering("D", D(2023, 11, 1), leefvorm="3"),  # inflow, stock
        uitkering("E", D(2019, 1, 1), D(2023, 12, 31), "14", leefvorm="1"),  # outflow to other income
        uitkering("F", D(2024, 1, 15), leefvorm="2"),  # inflow, stock
        uitkering("G", D(2018, 1, 1), D(2023, 6, 30), "11", leefvorm="1"),  # ended before the window
        uitkering("H", D(2022, 1, 1), regeling="11", leefvorm="2"),  # bijzondere bijstand: out of scope
    ]
    provisions = [
        v(1, "A", "tegenprestatie", D(2024, 1, 1)),
        v(2, "B", "vrijwilligerswerk", D(2024, 1, 1), D(2024, 9, 29)),  # ended the day before b
        v(3, "D", "lks", D(2024, 2, 1)),  # not a participation provision
        v(4, "D", "dagbesteding", D(2024, 10, 1)),  # starts after b
        v(5, "F", "participatieplaats", D(2024, 2, 1), D(2024, 9, 30)),  # ends on b: still running
        v(6, "F", "meedoen", D(2024, 3, 1)),  # a second one: F counts once
        v(7, "C", "werkervaringsplaats", D(2024, 1, 1)),  # C is not in stock on b
    ]
    return clean_data(
        {"personen": people, "uitkeringen": benefits, "voorzieningen": frame("voorzieningen", provisions)}
    )


@pytest.fixture(scope="module")
def kpis(data):
    return compute_kpis(data, config(), B, families=["doelgroepen", "bestand", "uitstroom"])


def test_membership_as_of_b(data):
    groups = memberships(data.get("personen"), data.get("uitkeringen"), B).to_dicts()
    by = {r["persoon"]: r for r in groups}
    assert by["A"]["50plus"] and not by["B"]["50plus"]  # born 1974-09-30 is 50 on b, 1974-10-01 not yet
    assert by["A"]["statushouder"] and by["A"]["50plus"]  # a person in two groups
    assert by["C"]["alleenstaande_ouder"]  # the period C left from
    assert not by["H"]["alleenstaande_ouder"]  # leefvorm of an out-of-scope benefit does not count
    assert all(r["alle"] for r in groups)


def test_stock_per_group(kpis):
    # stock on b: A, B, D, F (C, E, G ended; H is out of scope)
    expected = {"alle": 4, "alleenstaande_ouder": 2, "statushouder": 1, "50plus": 2, "doelgroepregister": 2}
    for groep, n in expected.items():
        assert kpi_value(kpis, f"doelgroep_{groep}_bestand_n") == n, groep
    assert kpi_value(kpis, "doelgroep_alle_bestand_n", "0002") == 1  # F
    assert kpi_value(kpis, "doelgroep_statushouder_bestand_n", "0002") == 0  # E left


def test_outflow_to_work_per_group(kpis):
    # D: A, B, C, E begin stock; D, F inflow (G ended before the window) = 6; to work: C only.
    def row(groep, gemeente="totaal"):
        sel = kpis.filter(
            (pl.col("kpi") == f"doelgroep_{groep}_uitstroom_werk_pct") & (pl.col("gemeentecode") == gemeente)
        )
        return sel.row(0, named=True)

    assert (row("alle")["teller"], row("alle")["noemer"]) == (1, 6)
    assert row("alle")["waarde"] == pytest.approx(100 / 6)
    assert (row("alleenstaande_ouder")["teller"], row("alleenstaande_ouder")["noemer"]) == (1, 3)  # B, C, F
    assert row("alleenstaande_ouder")["waarde"] == pytest.approx(100 / 3)
    assert (row("statushouder")["teller"], row("statushouder")["noemer"]) == (0, 2)  # A, E (not G)
    assert (row("50plus")["teller"], row("50plus")["noemer"]) == (0, 2)  # A, D
    assert (row("doelgroepregister")["teller"], row("doelgroepregister")["noemer"]) == (0, 2)  # B, F
    assert (row("alle", "0002")["teller"], row("alle", "0002")["noemer"]) == (0, 2)  # E, F
    assert row("alle")["ci_laag"] is not None  # a share: with its Wilson interval


def test_participation_per_group(kpis):
    # stock A (tegenprestatie), B (ended b-1), D (lks; dagbesteding after b), F (participatieplaats ends on b)
    expected = {
        "alle": (2, 4),
        "alleenstaande_ouder": (1, 2),
        "statushouder": (1, 1),
        "50plus": (1, 2),
        "doelgroepregister": (1, 2),
    }
    for groep, (t, n) in expected.items():
        sel = kpis.filter(
            (pl.col("kpi") == f"doelgroep_{groep}_participatie_pct") & (pl.col("gemeentecode") == "totaal")
        )
        r = sel.row(0, named=True)
        assert (r["teller"], r["noemer"], r["waarde"]) == (t, n, pytest.approx(100 * t / n)), groep


def test_whole_equals_the_families_it_breaks_down(kpis):
    assert kpi_value(kpis, "doelgroep_alle_bestand_n") == kpi_value(kpis, "bestand_n")
    assert kpi_value(kpis, "doelgroep_alle_uitstroom_werk_pct") == kpi_value(kpis, "uitstroom_werk_pct")
    for groep, bestand_kpi in (
        ("alleenstaande_ouder", "alleenstaande_ouder_n"),
        ("statushouder", "statushouder_n"),
        ("50plus", "leeftijd_50plus_n"),
        ("doelgroepregister", "doelgroepregister_n"),
    ):
        for gemeente in ("totaal", "0001", "0002"):
            assert kpi_value(kpis, f"doelgroep_{groep}_bestand_n", gemeente) == kpi_value(
                kpis, bestand_kpi, gemeente
            )


def test_catalogue_has_three_figures_per_fixed_group():
    assert KPI_FAMILIES["doelgroepen"] == group_kpis(GROEPEN)
    assert len(KPI_FAMILIES["doelgroepen"]) == 15


def test_parts_are_unavailable_on_their_own(data):
    no_provisions = clean_data({"personen": data.get("personen"), "uitkeringen": data.get("uitkeringen")})
    kpis = compute_kpis(no_provisions, config(), B, families=["doelgroepen"])
    part = kpis.filter(pl.col("kpi").str.ends_with("_participatie_pct"))
    assert part["waarde"].null_count() == part.height
    assert set(part["opmerking"]) == {"niet beschikbaar: tabel voorzieningen ontbreekt in de export"}
    assert kpi_value(kpis, "doelgroep_alle_bestand_n") == 4
    late = clean_data(
        {"personen": data.get("personen"), "uitkeringen": data.get("uitkeringen")},
        gegevens_vanaf=D(2024, 1, 1),
    )
    kpis = compute_kpis(late, config(), B, families=["doelgroepen"])
    flows = kpis.filter(pl.col("kpi").str.ends_with("_uitstroom_werk_pct"))
    assert (
        flows["waarde"].null_count() == flows.height and flows["opmerking"].str.contains("niet gedekt").all()
    )
    assert kpi_value(kpis, "doelgroep_50plus_bestand_n") == 2


def test_configured_group_is_computed_for_the_notebook_only(data):
    extra = {"met_kinderen": "kinderen_ten_laste > 0", "niet_statushouder": "statushouder = nee"}
    ctx = Context.build(data, config())
    rows = concat_rows(group_rows(ctx, B, extra))
    value = {(r["kpi"], r["gemeentecode"]): r["waarde"] for r in rows.iter_rows(named=True)}
    assert value[("doelgroep_met_kinderen_bestand_n", "totaal")] == 2  # A (2 children), F (1)
    assert value[("doelgroep_met_kinderen_participatie_pct", "totaal")] == 100.0  # both take part
    assert value[("doelgroep_niet_statushouder_bestand_n", "totaal")] == 3  # B, D, F
    frame_ = monitor_frame(data, config(doelgroepen=extra), [B])
    assert "doelgroep_met_kinderen_bestand_n" in set(frame_["kpi"])
    assert (
        frame_.filter(
            pl.col("kpi") == "doelgroep_met_kinderen_bestand_n", pl.col("gemeentecode") == "totaal"
        )["onderdrukt"][0]
        == "aantal_klein"
    )
    kpis = compute_kpis(data, config(doelgroepen=extra), B, families=["doelgroepen"])
    assert not kpis["kpi"].str.contains("met_kinderen").any()  # kpis.csv: the static catalogue only


@pytest.mark.parametrize(
    "naam, conditie, fout",
    [
        ("Kinderen", "kinderen_ten_laste > 0", "naam"),
        ("alle", "statushouder", "vaste doelgroep"),
        ("screening", "screeninggroep = 1", "niet herkend"),
        ("oud", "geboortedatum > 1960", "niet herkend"),
        ("kinderen", "kinderen_ten_laste > veel", "geheel getal"),
        ("sh", "statushouder > 0", "ja/nee"),
        ("mig", "migratieachtergrond = marsbewoner", "code"),
        ("mig", "migratieachtergrond", "vergelijking"),
    ],
)
def test_bad_configured_group_names_the_key(naam, conditie, fout):
    with pytest.raises(ConfigError, match=fout) as exc:
        parse_doelgroep(naam, conditie)
    assert f"doelgroepen.{naam}" in str(exc.value)


def test_config_file_with_a_bad_group_is_refused(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text('organisatie: X\ndoelgroepen:\n  screening: "screeninggroep = 1"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"org\.yaml: doelgroepen\.screening"):
        load_config(path)
    path.write_text(
        'organisatie: X\ndoelgroepen:\n  met_kinderen: "kinderen_ten_laste >= 1"\n', encoding="utf-8"
    )
    assert load_config(path).doelgroepen == {"met_kinderen": "kinderen_ten_laste >= 1"}


# --- the notebook under papermill ---------------------------------------------------------------------

NOTEBOOK = NOTEBOOKS / "21_doelgroepen.ipynb"


def run_notebook(clean_dir: Path, out: Path, **params) -> dict:
    return nb_testdata.run_notebook(NOTEBOOK, out, clean_dir, **params)[1]


def test_notebook_runs_and_its_side_file_equals_the_engine(tmp_path):
    from pipelines.clean import load_clean
    from pipelines.config import config_for
    from tests.support.notebooks import write_small_clean

    clean = write_small_clean(tmp_path / "clean")
    side = run_notebook(clean, tmp_path / "uit")
    data = load_clean(clean)
    expected = compute_kpis(data, config_for(data.organisatie), B, families=["doelgroepen"])
    for kpi in KPI_FAMILIES["doelgroepen"]:
        value = kpi_value(expected, kpi)
        assert side["kerncijfers"][kpi] == (None if value is None else pytest.approx(value)), kpi
    assert (tmp_path / "uit" / "grafieken" / "doelgroepen_vergelijking_uitstroom.svg").stat().st_size > 0
