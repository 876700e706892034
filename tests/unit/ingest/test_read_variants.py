"""Every physical variant of the standard export reads to the same standard frames."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines import schema
from pipelines.ingest.read import LINE_COLUMN, read_export
from tests.support.export_variants import BASE, render_xlsx

VARIANTS: dict[str, dict] = {
    "canoniek": {},
    "komma": {"delimiter": ","},
    "bom": {"encoding": "utf-8-bom"},
    "cp1252_crlf": {"encoding": "windows-1252", "eol": "\r\n"},
    "cbs_datums": {"dates": "JJJJMMDD", "months": "JJJJMM"},
    "nl_datums_decimale_komma": {"dates": "DD-MM-JJJJ", "decimal": ",", "delimiter": ";"},
    "komma_decimale_komma": {"delimiter": ",", "decimal": ","},
    "kop_hoofdletters": {"header": "upper", "quote_all": True},
    "kop_spaties": {"header": "spaced", "trailing_blank": 2},
    "losse_codes": {"loose_codes": True},
    "alles": {
        "delimiter": ",",
        "encoding": "windows-1252",
        "eol": "\r\n",
        "dates": "DD-MM-JJJJ",
        "months": "JJJJMM",
        "decimal": ",",
        "header": "spaced",
        "loose_codes": True,
        "quote_all": True,
    },
}


@pytest.fixture
def reference(make_export):
    return read_export(make_export({}, name="referentie"))


def test_canonical_export_reads_every_table_without_rejects(reference):
    assert list(reference.tables) == list(BASE)
    for name, raw in reference.tables.items():
        assert raw.rejects.is_empty(), raw.rejects
        assert raw.gelezen == len(BASE[name]) == raw.frame.height
        expected = {
            c.name: (pl.String() if c.kind == schema.BSN else c.clean_dtype())
            for c in schema.TABLES[name].columns
        }
        assert raw.frame.schema == pl.Schema(expected | {LINE_COLUMN: pl.Int64()})


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_csv_variant_reads_to_the_same_frames(variant, make_export, reference):
    read = read_export(make_export(VARIANTS[variant]))
    assert list(read.tables) == list(reference.tables)
    for name, raw in read.tables.items():
        assert raw.rejects.is_empty(), raw.rejects
        assert raw.frame.equals(reference.tables[name].frame), (name, raw.frame, reference.tables[name].frame)


def test_detected_format_is_reported(make_export):
    read = read_export(make_export(VARIANTS["alles"]))
    fmt = read.tables["inkomsten"].format
    assert fmt["delimiter"] == ","
    assert fmt["encoding"] == "utf-8"  # pure ASCII decodes as UTF-8: nothing to tell them apart by
    assert read.tables["beloningen"].format["encoding"] == "windows-1252"
    assert read.tables["beloningen"].frame["stap"].to_list() == ["Café-bezoek met buurvrouw Zoë"]
    assert fmt["line_ending"] == "\r\n"
    assert fmt["month_styles"] == {"maand": "JJJJMM"}
    assert fmt["decimal_separators"] == {"bedrag": ","}
    assert read.tables["uitkeringen"].format["date_styles"]["aanvangsdatum"] == "DD-MM-JJJJ"
    bom = read_export(make_export(VARIANTS["bom"], name="b")).tables["personen"].format
    assert bom["encoding"] == "utf-8" and bom["bom"] is True


def test_values_are_typed_and_codes_canonical(reference):
    personen = reference.tables["personen"].frame
    first = personen.row(0, named=True)
    assert first["bsn"] == "900020106"
    assert first["gemeentecode"] == "0534"
    assert first["statushouder"] is False and first["doelgroepregister"] is True
    assert first["kinderen_ten_laste"] == 2
    inkomsten = reference.tables["inkomsten"].frame
    assert inkomsten["maand"].to_list()[0].isoformat() == "2023-01-01"
    assert inkomsten["bedrag"].to_list() == [412.5, 398.05, 150.0]
    contacts = reference.tables["contactmomenten"].frame
    assert contacts["leefgebieden"].to_list() == [
        ["financien", "werk_opleiding", "gezondheid"],
        None,
        ["huisvesting"],
    ]
    voorzieningen = reference.tables["voorzieningen"].frame
    assert voorzieningen["aanbieder"].to_list()[:2] == [
        "Werkbedrijf; Leiden",
        'Coach "Op Maat"\nafdeling Zuid',
    ]
    assert voorzieningen["werkgever_kvk"].to_list()[0] == "01234567"


def test_line_numbers_are_physical_lines(reference):
    # header = line 1; V2's provider spans lines 3-4, so V3 is on line 5
    assert reference.tables["voorzieningen"].frame[LINE_COLUMN].to_list() == [2, 3, 5]
    assert reference.tables["personen"].frame[LINE_COLUMN].to_list() == [2, 3, 4, 5]


@pytest.mark.parametrize("typed", [False, True], ids=["tekstcellen", "excel_getypeerd"])
def test_xlsx_workbook_reads_to_the_same_frames(typed, tmp_path, reference):
    book = render_xlsx(tmp_path / "export.xlsx", BASE, typed=typed)
    for source in (book, tmp_path):  # the workbook itself, or the folder holding it
        read = read_export(source)
        assert read.files == [book]
        for name, raw in read.tables.items():
            assert raw.bestand == f"export.xlsx[{name}]"
            assert raw.format["bron"] == "xlsx"
            assert raw.rejects.is_empty(), raw.rejects
            # a multi-line cell is one sheet row, so only the line numbers may differ from the CSV
            assert raw.frame.drop(LINE_COLUMN).equals(reference.tables[name].frame.drop(LINE_COLUMN)), name
        assert read.tables["voorzieningen"].frame[LINE_COLUMN].to_list() == [2, 3, 4]


def test_xlsx_numeric_bsn_gets_its_leading_zero_back(tmp_path):
    base = {t: rows for t, rows in BASE.items() if t in schema.REQUIRED_TABLES}
    base = {**base, "personen": [{**BASE["personen"][0], "bsn": "012345672"}]}
    base["uitkeringen"] = [{**BASE["uitkeringen"][0], "bsn": "012345672"}]
    read = read_export(render_xlsx(tmp_path / "export.xlsx", base, typed=True))
    assert read.tables["personen"].frame["bsn"].to_list() == ["012345672"]
    assert read.tables["uitkeringen"].frame["bsn"].to_list() == ["012345672"]
    assert read.tables["personen"].format["bsn_aangevuld_tot_9_cijfers"] == 1
