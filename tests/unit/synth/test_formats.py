"""Every physical variant writes what the spec allows and reads back to the same data."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipelines import schema
from pipelines.errors import InputError
from pipelines.synth import FORMATS, generate_export, generate_tables, parse_formaat
from tests.support.synth_readback import decode, read_csv_text, read_export

ORG, N, SEED = "gemeente-leiden", 150, 4
VARIANTS = [*FORMATS, "komma,cp1252,cbs,hoofdletters", "puntkomma,utf8-bom,nl,decimaalkomma,crlf"]


@pytest.fixture(scope="module")
def typed():
    tables = generate_tables(ORG, N, SEED)
    tables.pop("inwoners")
    return tables


@pytest.fixture(scope="module", params=VARIANTS)
def written(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("fmt")
    generate_export(out, ORG, N, SEED, formaat=request.param)
    return request.param, out


def test_round_trip(written, typed):
    _, out = written
    back = read_export(out)
    for name in schema.TABLE_ORDER:
        assert_frame_equal(back[name], typed[name], check_dtypes=True)


def test_physical_properties(written):
    variant, out = written
    fmt = parse_formaat(variant)
    assert (out / "inwoners.csv").read_text(encoding="utf-8").startswith("gemeentecode,jaar,inwoners_18plus")
    if fmt.xlsx:
        assert not list(out.glob("personen.csv"))
        wb = openpyxl.load_workbook(out / "export.xlsx")
        assert wb.sheetnames == list(schema.TABLE_ORDER)
        sheet = wb["uitkeringen"]
        assert isinstance(sheet["F2"].value, dt.datetime)  # aanvangsdatum as a real Excel date
        assert isinstance(sheet["C2"].value, str) and len(sheet["C2"].value) == 2  # regeling stays '01'
        assert isinstance(wb["personen"]["A2"].value, str)  # bsn as text (leading zeros survive)
        return
    frame, sep, raw = read_csv_text(out / "uitkeringen.csv")
    assert sep == fmt.separator
    assert raw.startswith(b"\xef\xbb\xbf") == (fmt.encoding == "utf8-bom")
    assert (b"\r\n" in raw) == ("crlf" in fmt.flags)
    vz = (out / "voorzieningen.csv").read_bytes()
    if fmt.encoding == "cp1252":
        assert "Délta".encode("cp1252") in vz
        with pytest.raises(UnicodeDecodeError):
            vz.decode("utf-8")
    else:
        assert "Délta".encode() in vz
    pattern = {"iso": r"^\d{4}-\d{2}-\d{2}$", "cbs": r"^\d{8}$", "nl": r"^\d{2}-\d{2}-\d{4}$"}[fmt.dates]
    assert frame["aanvangsdatum"].str.contains(pattern).all()
    month, _, _ = read_csv_text(out / "inkomsten.csv")
    assert month["maand"].str.contains(r"^\d{6}$" if fmt.dates == "cbs" else r"^\d{4}-\d{2}$").all()
    assert month["bedrag"].str.contains(",").any() == (fmt.decimal == "decimaalkomma")
    header = decode_header(raw)
    if "hoofdletters" in fmt.flags:
        assert " Bsn" in header and "Registratienummer" in header
    else:
        assert header.split(sep) == schema.TABLES["uitkeringen"].names
    codes = set(frame["regeling"])
    if "zonder-voorloopnul" in fmt.flags:
        assert "1" in codes and "01" not in codes
    else:
        assert "01" in codes
    people, _, _ = read_csv_text(out / "personen.csv")
    assert set(people["geslacht"]) == ({"M", "V"} if "geslacht-mv" in fmt.flags else {"1", "2"})
    assert people["gemeentecode"].str.contains(r"^\d{4}$").all()


def decode_header(raw: bytes) -> str:
    return decode(raw).splitlines()[0]


def test_formats_are_documented_tokens():
    for name, tokens in FORMATS.items():
        assert parse_formaat(name) == parse_formaat(tokens)
    with pytest.raises(InputError, match="onbekend formaat"):
        parse_formaat("puntkomma,utf16")
    with pytest.raises(InputError, match="decimaalkomma"):
        parse_formaat("komma,decimaalkomma")


def test_codes_keep_leading_zeros_in_standard_files(tmp_path):
    generate_export(tmp_path, "isd-bollenstreek", 80, 2)
    people, _, _ = read_csv_text(tmp_path / "personen.csv")
    assert people["gemeentecode"].is_in(["0534", "0553", "0575", "1525"]).all()
    assert people["bsn"].str.contains(r"^\d{9}$").all()
    assert re.search(r";0[1-3];", (tmp_path / "uitkeringen.csv").read_text(encoding="utf-8"))
    assert (
        pl.read_csv(tmp_path / "inwoners.csv", schema_overrides={"gemeentecode": pl.String})["gemeentecode"]
        .str.len_chars()
        .eq(4)
        .all()
    )
