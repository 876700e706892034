"""Mapping profiles: the vendor-layout fixture and rewritten exports read to the standard frames."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.ingest.profiles import ExportError, available_profiles, load_profile, parse_profile
from pipelines.ingest.read import LINE_COLUMN, read_export, write_in_profile_layout
from pipelines.paths import PROFILES
from tests.support import FIXTURES
from tests.support.export_variants import BASE

FIXTURE = FIXTURES / "gws4all"


def _same_tables(a, b, *, lines: bool = True) -> None:
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        left, right = a.tables[name].frame, b.tables[name].frame
        if not lines:
            left, right = left.drop(LINE_COLUMN), right.drop(LINE_COLUMN)
        assert left.equals(right), (name, left, right)


def test_shipped_profiles_load():
    assert {"standaard", "gws4all"} <= set(available_profiles())
    standard = load_profile(None)
    assert standard.name == "standaard" and standard.tables["personen"].files == ("personen.csv",)
    gws = load_profile("gws4all")
    assert gws.tables["personen"].files == ("clienten.csv",)
    assert gws.tables["uitkeringen"].codes["regeling"]["pw"] == "01"
    assert gws.tables["uitkeringen"].columns["datum_ingang"] == "aanvangsdatum"


def test_vendor_fixture_reads_to_the_standard_frames(make_export):
    vendor = read_export(FIXTURE, profile="gws4all")
    standard = read_export(make_export({}))
    assert vendor.profile == "gws4all"
    assert vendor.ignored_files == ["README.md"]
    for name, raw in vendor.tables.items():
        assert raw.rejects.is_empty(), raw.rejects
        assert raw.gelezen == len(BASE[name])
    assert vendor.tables["personen"].ignored_columns == ["VESTIGING"]
    assert vendor.tables["beloningen"].format["encoding"] == "windows-1252"
    assert vendor.tables["uitkeringen"].format["date_styles"]["aanvangsdatum"] == "JJJJMMDD (profiel)"
    _same_tables(vendor, standard)


def test_vendor_profile_by_path(tmp_path):
    read = read_export(FIXTURE, profile=PROFILES / "gws4all.yaml")
    assert read.tables["uitkeringen"].frame["regeling"].to_list() == ["01", "02", "02", "01"]


def test_vendor_layout_fixes_its_date_style(tmp_path):
    folder = tmp_path / "gws"
    folder.mkdir()
    for file in FIXTURE.glob("*.csv"):
        (folder / file.name).write_bytes(file.read_bytes())
    text = (folder / "uitkeringen.csv").read_bytes().decode("cp1252").replace("20200101", "2020-01-01")
    (folder / "uitkeringen.csv").write_bytes(text.encode("cp1252"))
    raw = read_export(folder, "gws4all").tables["uitkeringen"]
    assert raw.rejects.select("regel", "kolom").rows() == [(2, "aanvangsdatum")]
    assert "datumstijl JJJJMMDD" in raw.rejects["melding"][0]


def test_standard_profile_cannot_read_the_vendor_layout():
    with pytest.raises(ExportError, match="verplichte tabel levering ontbreekt .*profiel standaard"):
        read_export(FIXTURE)


def test_missing_vendor_column_names_vendor_header_and_profile(tmp_path):
    folder = tmp_path / "gws"
    folder.mkdir()
    for file in FIXTURE.glob("*.csv"):
        (folder / file.name).write_bytes(file.read_bytes())
    text = (folder / "uitkeringen.csv").read_bytes().decode("cp1252").replace("DATUM_INGANG", "INGANG")
    (folder / "uitkeringen.csv").write_bytes(text.encode("cp1252"))
    with pytest.raises(
        ExportError,
        match=r"uitkeringen.csv: verplichte kolom aanvangsdatum ontbreekt \(tabel uitkeringen, profiel "
        r"gws4all; "
        r"verwachte kopnaam datum_ingang\)",
    ):
        read_export(folder, "gws4all")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"tabellen": {"persoon": {}}}, "onbekende tabel"),
        ({"tabellen": {"personen": {"kolommen": {"X": "geen_kolom"}}}}, "geen kolom van personen"),
        ({"tabellen": {"uitkeringen": {"codes": {"regeling": {"PW": "1"}}}}}, "geen code uit de lijst"),
        ({"tabellen": {"personen": {"codes": {"geboortedatum": {"a": "b"}}}}}, "is geen code"),
        ({"datumstijl": "DD/MM/JJJJ"}, "onbekende stijl"),
        ({"scheidingstekens": ";"}, "onbekende sleutel"),
        ({"codering": "latin-1"}, "codering 'latin-1' onbekend"),
    ],
)
def test_profile_mistakes_are_named(raw, message):
    with pytest.raises(ExportError, match=message):
        parse_profile({"naam": "proef", **raw})


def test_unknown_profile_name_lists_the_shipped_ones():
    with pytest.raises(ExportError, match="profiel 'suite5' bestaat niet; beschikbaar: .*gws4all"):
        load_profile("suite5")


def test_rewritten_export_reads_back_to_the_same_frames_and_lines(make_export, tmp_path):
    standard_dir = make_export({"dates": "DD-MM-JJJJ", "delimiter": ","})
    written = write_in_profile_layout(standard_dir, "gws4all", tmp_path / "gws")
    assert sorted(p.name for p in written) == sorted(p.name for p in FIXTURE.glob("*.csv"))
    assert (
        (tmp_path / "gws" / "uitkeringen.csv").read_bytes().startswith(b"DOSSIERNUMMER;CLIENT_BSN;REGELING")
    )
    _same_tables(read_export(tmp_path / "gws", "gws4all"), read_export(standard_dir))


def test_rewrite_keeps_faulty_values_and_their_lines(tmp_path, make_export):
    base = {**BASE}
    base["uitkeringen"] = [
        {**BASE["uitkeringen"][0], "regeling": "7"},  # unknown code: left for the validator
        {**BASE["uitkeringen"][1], "aanvangsdatum": "2021-02-30"},  # not a date
        *BASE["uitkeringen"][2:],
    ]
    standard_dir = make_export({}, base=base)
    write_in_profile_layout(standard_dir, "gws4all", tmp_path / "gws")
    standard, vendor = read_export(standard_dir), read_export(tmp_path / "gws", "gws4all")
    _same_tables(vendor, standard)
    key = ["regel", "kolom", "controle", "waarde"]
    assert (
        vendor.tables["uitkeringen"]
        .rejects.select(key)
        .equals(standard.tables["uitkeringen"].rejects.select(key))
    )
    assert standard.tables["uitkeringen"].frame.filter(pl.col("registratienummer") == "R1")[
        "regeling"
    ].to_list() == ["07"]


def test_rewrite_refuses_an_unknown_code_that_means_something_in_the_profile(make_export, tmp_path):
    base = {**BASE, "uitkeringen": [{**BASE["uitkeringen"][0], "regeling": "pw"}, *BASE["uitkeringen"][1:]]}
    standard_dir = make_export({}, base=base)
    with pytest.raises(ExportError, match=r"uitkeringen.csv, regel 2, kolom regeling: onbekende code 'pw'"):
        write_in_profile_layout(standard_dir, "gws4all", tmp_path / "gws")
