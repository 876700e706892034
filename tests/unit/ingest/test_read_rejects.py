"""Bad cells become rejects on the right physical line; bad files stop with a clear message."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines.ingest.read import REJECT_SCHEMA, ExportError, read_export
from tests.support.export_variants import BASE, render_csv

LEVERING = (
    "organisatie;softwarepakket;extractiedatum;gegevens_vanaf\nISD Bollenstreek;gws;2024-10-01;2019-01-01\n"
)
UITKERINGEN = "registratienummer;bsn;regeling;aanvangsdatum\nR1;900020106;1;2020-01-01\n"


def _export(tmp_path, **files: str | bytes):
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    defaults = {"levering.csv": LEVERING, "uitkeringen.csv": UITKERINGEN}
    if not any(name.lower() == "personen.csv" for name in files) and not files.pop("zonder_personen", False):
        defaults["personen.csv"] = render_csv("personen", BASE["personen"], {})
    files = defaults | files
    for name, content in files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return folder


def _check_counts(raw):
    assert raw.rejects.schema == pl.Schema(REJECT_SCHEMA)
    assert raw.gelezen == raw.frame.height + raw.rejects["regel"].n_unique()


def test_unparseable_cells_are_rejects_on_their_physical_line(tmp_path):
    personen = (
        "bsn;geboortedatum;gemeentecode;statushouder;kinderen_ten_laste;klantmanager\n"  # 1
        "900020106;1980-01-02;0534;ja;2;km01\n"  # 2
        '900024574;1980-02-30;0553;x;2.5;"km\n02"\n'  # 3-4: bad date, ja/nee and integer
        "\n"  # 5: blank line, skipped
        "900053616;02-01-1980;1525;nee;0;km01\n"  # 6: date in another style
        "900067020;1980-03-01;0575;nee;;km01;extra\n"  # 7: one field too many
        "900079307;1980-04-01;0575\n"  # 8: fields missing
        "900098296;1980-05-01;575;n;1;km02\n"  # 9
        "\n\n"
    )
    raw = read_export(_export(tmp_path, **{"personen.csv": personen})).tables["personen"]
    _check_counts(raw)
    assert raw.gelezen == 6
    assert raw.frame["_regel"].to_list() == [2, 9]
    assert raw.frame["gemeentecode"].to_list() == ["0534", "0575"]
    rejects = raw.rejects.select("regel", "kolom", "controle").rows()
    assert rejects == [
        (3, "geboortedatum", "type"),
        (3, "kinderen_ten_laste", "type"),
        (3, "statushouder", "type"),
        (6, "geboortedatum", "type"),
        (7, "", "type"),
        (8, "", "type"),
    ]
    messages = dict(
        zip(raw.rejects["regel"].cast(str) + raw.rejects["kolom"], raw.rejects["melding"], strict=True)
    )
    assert "geen bestaande datum" in messages["3geboortedatum"]
    assert "datumstijl JJJJ-MM-DD" in messages["6geboortedatum"]
    assert messages["7"] == "regel heeft 7 velden, de kopregel 6"
    assert messages["8"] == "regel heeft 3 velden, de kopregel 6"
    assert raw.rejects.filter(pl.col("regel") == 3)["waarde"].to_list() == ["1980-02-30", "2.5", "x"]


def test_decimal_separator_is_one_per_column_without_thousands_separators(tmp_path):
    inkomsten = (
        "bsn;maand;soort_inkomsten;bedrag\n"
        "900020106;2024-01;11;12,50\n"
        "900020106;2024-02;11;1.234,50\n"  # thousands separator: never guessed
        "900020106;2024-03;11;7,25\n"
        "900020106;2024-04;11;7.25\n"  # the other separator in a comma column
        "900020106;2024-05;11;€ 3\n"
        "900020106;2024-06;11;40\n"
    )
    raw = read_export(_export(tmp_path, **{"inkomsten.csv": inkomsten})).tables["inkomsten"]
    _check_counts(raw)
    assert raw.format["decimal_separators"] == {"bedrag": ","}
    assert raw.frame["bedrag"].to_list() == [12.5, 7.25, 40.0]
    assert raw.rejects["regel"].to_list() == [3, 5, 6]


def test_a_column_split_evenly_between_styles_is_an_error(tmp_path):
    uitkeringen = (
        "registratienummer;bsn;regeling;aanvangsdatum\nR1;900020106;1;2020-01-01\nR2;900024574;1;20200101\n"
    )
    with pytest.raises(ExportError, match=r"uitkeringen.csv.*kolom aanvangsdatum: datumstijl dubbelzinnig"):
        read_export(
            _export(
                tmp_path, **{"personen.csv": render_csv("personen", [], {}), "uitkeringen.csv": uitkeringen}
            )
        )


def test_missing_required_table_names_the_profile_and_file(tmp_path):
    folder = _export(tmp_path, zonder_personen=True)
    with pytest.raises(
        ExportError,
        match=r"verplichte tabel personen ontbreekt .*profiel standaard; verwacht bestand personen.csv",
    ):
        read_export(folder)


def test_missing_required_column_names_file_column_and_profile(tmp_path):
    personen = "bsn;gemeentecode\n900020106;0534\n"
    with pytest.raises(
        ExportError,
        match=r"personen.csv: verplichte kolom geboortedatum ontbreekt \(tabel personen, profiel standaard",
    ):
        read_export(_export(tmp_path, **{"personen.csv": personen}))


def test_optional_columns_are_added_and_extra_columns_reported(tmp_path):
    personen = "BSN;Geboortedatum;Gemeentecode;Opmerking\n900020106;1980-01-02;534;vrij veld\n"
    raw = read_export(_export(tmp_path, **{"personen.csv": personen})).tables["personen"]
    assert raw.ignored_columns == ["Opmerking"]
    assert raw.frame["migratieachtergrond"].to_list() == [None]
    assert raw.frame.columns[-1] == "_regel"


def test_two_headers_for_one_column_is_an_error(tmp_path):
    personen = "bsn;geboortedatum;gemeentecode;GemeenteCode\n900020106;1980-01-02;534;534\n"
    with pytest.raises(ExportError, match="allebei kolom gemeentecode"):
        read_export(_export(tmp_path, **{"personen.csv": personen}))


def test_delimiter_that_cannot_be_determined_is_an_error(tmp_path):
    personen = "nummer|geboren\n1|2\n"
    with pytest.raises(ExportError, match=r"personen.csv, regel 1: scheidingsteken niet te bepalen"):
        read_export(_export(tmp_path, **{"personen.csv": personen}))


def test_comma_inside_quoted_header_does_not_fool_delimiter_detection(tmp_path):
    personen = '"bsn";"geboortedatum";"gemeentecode";"a,b"\n900020106;1980-01-02;534;x\n'
    raw = read_export(_export(tmp_path, **{"personen.csv": personen})).tables["personen"]
    assert raw.format["delimiter"] == ";" and raw.ignored_columns == ["a,b"]


def test_encoding_that_is_neither_utf8_nor_cp1252_is_an_error(tmp_path):
    personen = b"bsn;geboortedatum;gemeentecode\n900020106;1980-01-02;0534\n900024574;1980-01-02;\x81\x9d\n"
    with pytest.raises(ExportError, match=r"personen.csv, regel 3: codering niet herkend"):
        read_export(_export(tmp_path, **{"personen.csv": personen}))


def test_stray_quote_that_makes_lines_uncountable_is_an_error(tmp_path):
    personen = (
        "bsn;geboortedatum;gemeentecode;klantmanager\n"
        '900020106;1980-01-02;0534;km "x\n'
        "900024574;1980-01-02;0534;km\n"
    )
    with pytest.raises(ExportError, match="aanhalingstekens"):
        read_export(_export(tmp_path, **{"personen.csv": personen}))


def test_inwoners_override_and_other_files(tmp_path):
    folder = _export(
        tmp_path,
        **{
            "personen.csv": render_csv("personen", BASE["personen"], {}),
            "inwoners.csv": "gemeentecode,jaar,inwoners_18plus\n534,2024,18000\n0553,2024,19500\n",
            "fouten_injectie.csv": "regel;fout\n2;x\n",
            "LEESMIJ.txt": "tekst",
        },
    )
    read = read_export(folder)
    assert read.ignored_files == ["LEESMIJ.txt", "fouten_injectie.csv"]
    assert read.inwoners.rows() == [("0534", 2024, 18000), ("0553", 2024, 19500)]
    assert sorted(p.name for p in read.files) == [
        "inwoners.csv",
        "levering.csv",
        "personen.csv",
        "uitkeringen.csv",
    ]


def test_bad_inwoners_cell_stops_with_line_and_column(tmp_path):
    folder = _export(
        tmp_path,
        **{
            "personen.csv": render_csv("personen", BASE["personen"], {}),
            "inwoners.csv": "gemeentecode;jaar;inwoners_18plus\n0534;2024;18.000\n",
        },
    )
    with pytest.raises(ExportError, match=r"inwoners.csv, regel 2, kolom inwoners_18plus"):
        read_export(folder)


def test_a_table_delivered_twice_is_an_error(tmp_path):
    folder = _export(tmp_path, **{"personen.csv": render_csv("personen", BASE["personen"], {})})
    (folder / "PERSONEN.CSV").write_bytes((folder / "personen.csv").read_bytes())
    with pytest.raises(ExportError, match="tabel personen komt twee keer voor"):
        read_export(folder)


def test_unknown_codes_are_left_for_the_validator(tmp_path):
    uitkeringen = (
        "registratienummer;bsn;regeling;leefvorm;aanvangsdatum\n"
        "R1;900020106;PW;9;2020-01-01\n"
        "R2;900020106;2;1;2020-01-01\n"
    )
    raw = read_export(
        _export(
            tmp_path,
            **{"personen.csv": render_csv("personen", BASE["personen"], {}), "uitkeringen.csv": uitkeringen},
        )
    ).tables["uitkeringen"]
    assert raw.rejects.is_empty()
    assert raw.frame.select("regeling", "leefvorm").rows() == [("PW", "9"), ("02", "1")]


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 1 << 25])
def test_line_layout_does_not_depend_on_the_scan_chunk(monkeypatch, chunk):
    from pipelines.ingest import read as export

    body = b'a;b;c\r\n1;"x;\r\ny""";3\r\n\r\n;;\r\n"q\n\nr";2;3;4\n  \n5;6;7'
    monkeypatch.setattr(export, "_CHUNK", chunk)
    lines, counts, blank = export._record_layout(body, ";")
    assert lines.tolist() == [1, 2, 4, 5, 6, 9, 10]
    assert counts.tolist() == [3, 3, 1, 3, 4, 1, 3]
    assert blank.tolist() == [False, False, True, False, False, True, False]


def test_xlsx_cells_that_are_not_plain_dates_or_numbers_are_rejects(tmp_path):
    import datetime as dt

    import xlsxwriter

    book = tmp_path / "export.xlsx"
    workbook = xlsxwriter.Workbook(str(book), {"default_date_format": "dd-mm-yyyy"})
    sheets = {
        name: workbook.add_worksheet(name) for name in ("levering", "personen", "uitkeringen", "notities")
    }
    sheets["levering"].write_row(0, 0, ["organisatie", "extractiedatum", "gegevens_vanaf"])
    sheets["levering"].write_row(1, 0, ["ISD Bollenstreek", "2024-10-01", "2019-01-01"])
    sheets["personen"].write_row(0, 0, ["bsn", "geboortedatum", "gemeentecode", "kinderen_ten_laste"])
    sheets["personen"].write_row(1, 0, ["900020106", dt.datetime(1980, 1, 2, 14, 30), "534", 1.5])
    sheets["personen"].write_row(3, 0, ["900024574", dt.datetime(1980, 1, 3), 534, 2])  # row 3 stays empty
    sheets["uitkeringen"].write_row(0, 0, ["registratienummer", "bsn", "regeling", "aanvangsdatum", "", "x"])
    sheets["uitkeringen"].write_row(1, 0, ["R1", "900020106", 1, dt.datetime(2020, 1, 1)])
    sheets["uitkeringen"].write_row(2, 0, ["R2", "900024574", 2, dt.datetime(2020, 1, 1), "verdwaald"])
    workbook.close()
    read = read_export(book)
    assert read.ignored_files == ["export.xlsx[notities]"]
    personen = read.tables["personen"]
    assert personen.gelezen == 2 and personen.frame["_regel"].to_list() == [4]
    assert personen.frame["gemeentecode"].to_list() == ["0534"]
    assert personen.rejects.select("regel", "kolom").rows() == [
        (2, "geboortedatum"),
        (2, "kinderen_ten_laste"),
    ]
    uitkeringen = read.tables["uitkeringen"]
    assert uitkeringen.frame["regeling"].to_list() == ["01", "02"]
    assert uitkeringen.ignored_columns == ["(kolom 5 zonder naam)", "x"]
