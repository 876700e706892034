"""The extract's steps on a tiny delivery: re-keying, minimisation, spells, --vanaf, keys, refusals."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import stat

import polars as pl
import pytest

from pipelines.cli import main as cli_main
from pipelines.config import OrgConfig
from pipelines.ingest.pseudonym import PseudonymKeyError
from pipelines.paths import ROOT
from pipelines.research import extract as ex
from pipelines.research.codebook import EXTRACT_TABLES, extract_fields
from pipelines.spells import merge_spells
from tests.support.research_data import tiny_clean, tiny_tables, write_tiny_clean

KEY = b"projectsleutel-voor-tests-0123456789"
CONFIG = OrgConfig(organisatie="Gemeente Proef", gemeenten={"0546": "Leiden", "1926": "Pijnacker-Nootdorp"})
D = dt.date


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


@pytest.fixture(scope="module")
def tiny():
    return ex.build_extract(tiny_clean(), CONFIG, KEY)


def test_person_pseudonym_is_hmac_of_the_clean_pseudonym(tiny):
    assert sorted(tiny.tables["personen"]["persoon"]) == sorted(_hmac(KEY, p) for p in ("p1", "p2", "p3"))
    for name, frame in tiny.tables.items():
        if "persoon" in frame.columns:
            assert not set(frame["persoon"]) & {"p1", "p2", "p3"}, name


def test_other_identifiers_are_rekeyed_with_their_kind(tiny):
    staff = set(tiny.tables["medewerkers"]["medewerker"])
    assert staff == {_hmac(KEY, "medewerker:KM01"), _hmac(KEY, "medewerker:KM02")}
    assert set(tiny.tables["personen"]["klantmanager"].drop_nulls()) == {_hmac(KEY, "medewerker:KM01")}
    assert set(tiny.tables["contactmomenten"]["medewerker"]) <= staff
    assert set(tiny.tables["uitkeringen"]["registratienummer"]) == {
        _hmac(KEY, f"uitkering:U{i}") for i in range(1, 6)
    }
    v = tiny.tables["voorzieningen"].row(0, named=True)
    assert v["werkgever_id"] == v["inlener_id"] == _hmac(KEY, "werkgever:12345678")  # one company, one id
    assert v["voorziening_id"] == _hmac(KEY, "voorziening:V1")
    assert tiny.medewerkers_complete


def test_minimisation_drops_identifiers_free_text_and_full_dates(tiny):
    personen = tiny.tables["personen"]
    assert "clientnummer" not in personen.columns and "geboortedatum" not in personen.columns
    assert "datum_verblijfsvergunning" not in personen.columns
    assert personen.filter(pl.col("statushouder")).get_column("jaar_verblijfsvergunning").to_list() == [2016]
    assert "aanbieder" not in tiny.tables["voorzieningen"].columns
    assert set(tiny.tables["voorzieningen"].columns) >= {"werkgever_id", "inlener_id"}
    assert not {"werkgever_kvk", "inlener_kvk"} & set(tiny.tables["voorzieningen"].columns)
    for name, frame in tiny.tables.items():
        assert frame.columns == extract_fields(name, tiny.gemeenten).names, name
        for dtype in frame.dtypes:
            assert not isinstance(dtype, pl.List), name


def test_birth_year_and_band_with_three_persons_all_coarsened(tiny):
    personen = tiny.tables["personen"]
    # three persons, each alone in its class: every cell is coarsened (min_cell 5)
    assert personen["geboortejaar"].null_count() == 3
    assert sorted(personen["geboortejaar_klasse"]) == [1960, 1985, 1990]
    assert tiny.coarsening.summary["personen_geboortejaar_vergroofd"] == 3


def test_life_domains_become_indicators_and_stay_empty_when_not_recorded(tiny):
    contacts = {r["soort"]: r for r in tiny.tables["contactmomenten"].iter_rows(named=True)}
    fip = contacts["fip"]
    assert (
        fip["leefgebied_financien"]
        and fip["leefgebied_gezondheid"]
        and fip["leefgebied_huisvesting"] is False
    )
    assert contacts["telefonisch"]["leefgebied_financien"] is None


def test_spells_are_the_kpi_spells_with_reason_groups(tiny):
    spells = tiny.tables["spells"].sort("aanvangsdatum")
    expected = merge_spells(tiny_tables()["uitkeringen"], CONFIG.regelingen, CONFIG.gap_days).sort("start")
    assert spells["aanvangsdatum"].to_list() == expected["start"].to_list()
    assert spells["einddatum"].to_list() == expected["end"].to_list()
    # p1: 2017-01-01..2018-03-31 ends with 11 (work); 20 days later a new period starts (gap 30): merged,
    # ending 2023-06-30 with 14 would be wrong: U1 and U2 are 19 days apart, so they are one spell.
    rows = spells.select("aanvangsdatum", "einddatum", "reden_beeindiging", "redengroep", "perioden").rows()
    assert rows == [
        (D(2017, 1, 1), D(2023, 6, 30), "14", "inkomen", 2),
        (D(2019, 1, 1), None, None, None, 1),  # p2's IOAW; the bijzondere bijstand (11) is out of scope
        (D(2023, 9, 1), None, None, None, 1),
    ]


def test_redengroep_follows_the_kpi_groups():
    frame = pl.DataFrame({"reden_beeindiging": ["11", "13", "14", "19", "03", "04", "98", None]})
    got = frame.select(ex.redengroep_expr())["redengroep"].to_list()
    assert got == ["werk", "werk", "inkomen", "inkomen", "aow", "overig", "overig", None]


def test_vanaf_keeps_what_still_runs_or_happens_and_moves_coverage():
    result = ex.build_extract(tiny_clean(), CONFIG, KEY, vanaf=D(2024, 1, 1))
    assert result.levering["gegevens_vanaf"] == D(2024, 1, 1)
    assert result.tables["uitkeringen"].height == 2  # U3 and U4 run into 2024
    assert result.tables["contactmomenten"]["datum"].to_list() == [D(2024, 2, 1)]
    assert result.tables["spells"].height == 2
    # p3 has no row from 2024 on: left out of personen
    assert sorted(result.tables["personen"]["persoon"]) == sorted(_hmac(KEY, p) for p in ("p1", "p2"))
    with pytest.raises(ex.ExtractError, match="na de extractiedatum"):
        ex.build_extract(tiny_clean(), CONFIG, KEY, vanaf=D(2025, 1, 1))


def test_table_selection_adds_levering_and_personen_and_refuses_unknown_names():
    assert ex.selected_tables(["spells"]) == ["levering", "personen", "spells"]
    assert ex.selected_tables(["zrm,spells", "inwoners"]) == [
        "levering",
        "personen",
        "spells",
        "zrm",
        "inwoners",
    ]
    assert ex.selected_tables(None) == list(EXTRACT_TABLES)
    with pytest.raises(ex.ExtractError, match="onbekende tabel.*uitkering.*kies uit"):
        ex.selected_tables(["uitkering"])


def test_a_table_absent_from_the_delivery_is_reported_not_invented(tiny):
    result = ex.build_extract(tiny_clean(), CONFIG, KEY, tabellen=["zrm", "spells"])
    assert result.niet_beschikbaar == ["zrm"]
    assert list(result.tables) == ["levering", "personen", "spells"]
    assert "zrm" not in tiny.tables and "zrm" in tiny.niet_beschikbaar


def test_rekey_is_stable_keyed_and_separated_by_kind():
    s = pl.Series("x", ["KM01", None, "KM01"])
    a = ex.rekey(s, KEY, "medewerker")
    assert a[0] == a[2] and a[1] is None and a[0] == _hmac(KEY, "medewerker:KM01")
    assert ex.rekey(s, KEY, "contact")[0] != a[0]
    assert ex.rekey(s, KEY + b"x", "medewerker")[0] != a[0]


# --------------------------------------------------------------------------- project key


def test_project_names_and_their_key_variable():
    assert ex.project_slug("Cohort_Studie-2") == "cohort-studie-2"
    assert ex.project_key_variable("cohort-studie-2") == "PARTICIPATIE_PROJECTSLEUTEL_COHORT_STUDIE_2"
    for bad in ("", "-a", "a b", "a/b", "x" * 64):
        with pytest.raises(ex.ExtractError, match="projectnaam"):
            ex.project_slug(bad)


def test_project_key_from_environment_or_a_new_0600_file(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PARTICIPATIE_PROJECTSLEUTEL_STUDIE_X", "een-projectsleutel-0123456789")
    assert ex.load_project_key("studie-x") == b"een-projectsleutel-0123456789"
    monkeypatch.delenv("PARTICIPATIE_PROJECTSLEUTEL_STUDIE_X")
    monkeypatch.setenv("PARTICIPATIE_PROJECTSLEUTELMAP", str(tmp_path / "sleutels"))
    first = ex.load_project_key("studie-x")
    path = tmp_path / "sleutels" / "studie-x.sleutel"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "nieuwe projectsleutel van project studie-x" in capsys.readouterr().err
    assert ex.load_project_key("studie-x") == first and capsys.readouterr().err == ""
    assert ex.load_project_key("studie-y") != first


def test_missing_or_unusable_project_key_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("PARTICIPATIE_PROJECTSLEUTEL_STUDIE_X", "  ")
    with pytest.raises(PseudonymKeyError, match="gezet maar leeg"):
        ex.load_project_key("studie-x")
    monkeypatch.delenv("PARTICIPATIE_PROJECTSLEUTEL_STUDIE_X")
    with pytest.raises(PseudonymKeyError, match="bestaat niet"):
        ex.load_project_key("studie-x", tmp_path / "er-niet.sleutel")
    assert not (tmp_path / "er-niet.sleutel").exists()
    with pytest.raises(PseudonymKeyError, match="repository"):
        ex.load_project_key("studie-x", ROOT / "studie.sleutel")
    monkeypatch.setenv("PARTICIPATIE_PROJECTSLEUTELMAP", str(tmp_path / "bestand"))
    (tmp_path / "bestand").write_text("geen map")
    with pytest.raises(PseudonymKeyError, match="kan niet worden aangemaakt"):
        ex.load_project_key("studie-x")


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return write_tiny_clean(tmp_path_factory.mktemp("klein") / "schoon")


def _run(capsys, *args):
    code = cli_main(["onderzoeksbestand", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_writes_the_extract_and_a_dutch_summary(tiny_dir, tmp_path, capsys, caplog):
    package_log = logging.getLogger("pipelines")
    package_log.addHandler(caplog.handler)  # the cli stops propagation to the root logger
    try:
        with caplog.at_level(logging.INFO, logger="pipelines"):
            code, out, err = _run(
                capsys, "--clean", tiny_dir, "--project", "project-a", "--out", tmp_path / "uit"
            )
    finally:
        package_log.removeHandler(caplog.handler)
    assert code == 0, err
    assert "Onderzoeksbestand voor project project-a" in out and "k-anonimiteit" in out and "codeboek" in out
    assert "spells samenvoegen" in caplog.text  # progress on the console (logging to stderr)
    manifest = json.loads((tmp_path / "uit" / "manifest.json").read_text())
    assert manifest["tabellen"]["personen"] == 3 and manifest["niet_beschikbaar"] == [
        "inkomsten",
        "klantbeeld",
        "zrm",
        "beloningen",
    ]
    # a second run into the same folder replaces the extract of the same project
    assert _run(capsys, "--clean", tiny_dir, "--project", "project-a", "--out", tmp_path / "uit")[0] == 0


@pytest.mark.parametrize(
    "where", ["repository", "schone data", "data_clean", "bundel", "niet leeg", "ander project"]
)
def test_cli_refuses_output_folders(where, tiny_dir, tmp_path, capsys):
    if where == "repository":
        out = ROOT / "onderzoek-uit"
    elif where == "schone data":
        out = tiny_dir / "onderzoek"
    elif where == "data_clean":
        out = tmp_path / "data_clean" / "onderzoek"
    elif where == "bundel":
        bundle = tmp_path / "reports" / "org" / "2024Q3"
        (bundle / "publicatie").mkdir(parents=True)
        (bundle / "manifest.json").write_text("{}")
        out = bundle / "intern" / "onderzoek"
    elif where == "niet leeg":
        out = tmp_path / "iets"
        out.mkdir()
        (out / "notities.txt").write_text("van iemand anders")
    else:
        out = tmp_path / "b"
        assert _run(capsys, "--clean", tiny_dir, "--project", "project-b", "--out", out)[0] == 0
    code, _, err = _run(capsys, "--clean", tiny_dir, "--project", "project-a", "--out", out)
    assert code == 2
    assert err.startswith("participatie onderzoeksbestand: uitvoermap")
    assert not (out / "datapackage.json").exists() or where == "ander project"
    assert not (ROOT / "onderzoek-uit").exists()


def test_cli_refuses_unknown_table_bad_date_and_missing_key_with_masked_messages(
    tiny_dir, tmp_path, capsys, monkeypatch
):
    code, _, err = _run(
        capsys,
        "--clean",
        tiny_dir,
        "--project",
        "project-a",
        "--out",
        tmp_path / "u",
        "--tabellen",
        "personen",
        "bsn123456782",
    )
    assert code == 2 and "onbekende tabel" in err and "123456782" not in err and "*********" in err
    code, _, err = _run(
        capsys, "--clean", tiny_dir, "--project", "project-a", "--out", tmp_path / "u", "--vanaf", "123456782"
    )
    assert code == 2 and "geen datum" in err and "123456782" not in err
    code, _, err = _run(
        capsys,
        "--clean",
        tiny_dir,
        "--project",
        "project-a",
        "--out",
        tmp_path / "u",
        "--sleutelbestand",
        tmp_path / "kwijt.sleutel",
    )
    assert code == 2 and "geen projectsleutel" in err and "bestaat niet" in err
    monkeypatch.setenv("PARTICIPATIE_PROJECTSLEUTEL_PROJECT_C", "")
    code, _, err = _run(capsys, "--clean", tiny_dir, "--project", "project-c", "--out", tmp_path / "u")
    assert code == 2 and "PARTICIPATIE_PROJECTSLEUTEL_PROJECT_C" in err
    code, _, err = _run(
        capsys, "--clean", tmp_path / "geen-levering", "--project", "project-a", "--out", tmp_path / "u"
    )
    assert code == 2 and "levering.parquet" in err
    assert not (tmp_path / "u").exists()


def test_organisation_text_is_escaped_and_excel_safe(tmp_path, capsys):
    tables = tiny_tables(organisatie='=HYPERLINK("x")<script>alert(1)</script>')
    clean = write_tiny_clean(tmp_path / "schoon", tables)
    code, _, err = _run(capsys, "--clean", clean, "--project", "project-a", "--out", tmp_path / "uit")
    assert code == 0, err
    page = (tmp_path / "uit" / "codeboek.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page  # an offline page without scripts
    first = (tmp_path / "uit" / "csv" / "levering.csv").read_text(encoding="utf-8").splitlines()[1]
    assert first.startswith(("\"'=HYPERLINK", "'=HYPERLINK"))
    assert pl.read_parquet(tmp_path / "uit" / "parquet" / "levering.parquet")["organisatie"][0].startswith(
        "=HYPERLINK"
    )


def test_the_same_project_links_quarters_and_another_project_does_not():
    """Two deliveries (quarters) share persons p1 and p2; the project sees them under the same pseudonyms."""
    next_quarter = tiny_tables()
    next_quarter["levering"] = next_quarter["levering"].with_columns(
        pl.lit(D(2025, 1, 15)).alias("extractiedatum")
    )
    next_quarter["personen"] = next_quarter["personen"].filter(pl.col("persoon") != "p3")
    now = ex.build_extract(tiny_clean(), CONFIG, KEY).tables["personen"]["persoon"]
    later = ex.build_extract(tiny_clean(next_quarter), CONFIG, KEY).tables["personen"]["persoon"]
    other = ex.build_extract(tiny_clean(next_quarter), CONFIG, b"een-ander-project-0123456789").tables[
        "personen"
    ]
    assert set(later) < set(now) and len(later) == 2
    assert not set(other["persoon"]) & set(now)
