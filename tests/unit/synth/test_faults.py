"""--fouten: each listed fault is in the file at its line, breaks its rule, and nothing else breaks."""

from __future__ import annotations

import openpyxl
import polars as pl
import pytest

from pipelines import schema
from pipelines.synth import FAULT_COLUMNS, elfproef, generate_export
from tests.support.synth_readback import decode, read_export
from tests.support.synth_rules import violations

PCT = 3.0


@pytest.fixture(scope="module", params=["standaard", "excel-nl", "xlsx"])
def faulty(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("fouten")
    generate_export(out, "isd-bollenstreek", 300, 9, formaat=request.param, fouten_pct=PCT)
    faults = pl.read_csv(
        out / "fouten_injectie.csv", schema_overrides={"kolom": pl.String, "regel": pl.Int64}
    )
    return request.param, out, faults


def _rows_by_line(frame: pl.DataFrame) -> dict[int, dict]:
    """Line number (header = 1) -> typed row of that line."""
    return {i + 2: row for i, row in enumerate(frame.iter_rows(named=True))}


def _raw_lines(out, table: str) -> list:
    """The physical lines of a table: text lines of its csv, or the cell values of its worksheet's rows."""
    if (out / "export.xlsx").exists():
        sheet = openpyxl.load_workbook(out / "export.xlsx", read_only=True)[table]
        return list(sheet.iter_rows(values_only=True))
    return decode((out / f"{table}.csv").read_bytes()).splitlines()


def test_fault_list_shape_and_privacy(faulty):
    variant, out, faults = faulty
    assert tuple(faults.columns) == FAULT_COLUMNS
    assert set(faults["controle"]) <= set(schema.RULES)
    assert set(faults["controle"]) >= {
        "elfproef",
        "datumvolgorde",
        "codelijst",
        "verplicht",
        "onbekende_persoon",
        "dubbel",
    }
    # a bad check digit is carried into the person's rows in other tables: listed as afgewezen_persoon
    assert faults.filter(pl.col("controle") == "afgewezen_persoon").height > 0
    assert faults.filter(pl.col("controle") == "elfproef")["tabel"].unique().to_list() == ["personen"]
    text = (out / "fouten_injectie.csv").read_text(encoding="utf-8")
    bsns = read_export(out)["personen"]["bsn"].to_list()
    assert not any(b in text for b in bsns)
    assert faults.select("tabel", "regel").is_unique().all()  # each faulty row has exactly one fault
    expected_file = "export.xlsx" if variant == "xlsx" else None
    for tabel, bestand in faults.select("tabel", "bestand").unique().iter_rows():
        assert bestand == (expected_file or f"{tabel}.csv")


def test_each_fault_breaks_its_rule(faulty):
    _, out, faults = faulty
    tables = read_export(out)
    persons = set(tables["personen"]["bsn"].to_list())
    bad_persons = {b for b in persons if not elfproef(b)}
    for tabel in faults["tabel"].unique().to_list():
        rows = _rows_by_line(tables[tabel])
        starts = {"uitkeringen": "aanvangsdatum", "klantbeeld": "ingangsdatum", "voorzieningen": "begindatum"}
        for regel, kolom, controle in (
            faults.filter(pl.col("tabel") == tabel).select("regel", "kolom", "controle").iter_rows()
        ):
            row = rows[regel]
            if controle == "elfproef":
                assert not elfproef(row["bsn"])
            elif controle == "afgewezen_persoon":
                assert row["bsn"] in bad_persons
            elif controle == "datumvolgorde":
                assert row["einddatum"] < row[starts[tabel]]
            elif controle == "codelijst":
                assert row[kolom] not in schema.TABLES[tabel].column(kolom).codes
            elif controle == "verplicht":
                assert row[kolom] is None and schema.TABLES[tabel].column(kolom).required
            elif controle == "onbekende_persoon":
                assert elfproef(row["bsn"]) and row["bsn"] not in persons
            elif controle == "dubbel":
                assert row == rows[regel - 1]
            else:
                raise AssertionError(controle)


def test_share_and_the_rest_is_clean(faulty):
    _, out, faults = faulty
    tables = read_export(out)
    for name in schema.TABLE_ORDER:
        mine = faults.filter((pl.col("tabel") == name) & (pl.col("controle") != "afgewezen_persoon"))
        dups = mine.filter(pl.col("controle") == "dubbel").height
        original = tables[name].height - dups
        assert mine.height == round(original * PCT / 100), name
    clean = {}
    for name in schema.TABLE_ORDER:
        lines = set(faults.filter(pl.col("tabel") == name)["regel"].to_list())
        keep = pl.Series([i + 2 not in lines for i in range(tables[name].height)])
        clean[name] = tables[name].filter(keep)
    assert violations(clean) == {}


def test_dubbel_lines_are_identical(faulty):
    _, out, faults = faulty
    dubbel = faults.filter(pl.col("controle") == "dubbel").select("tabel", "regel")
    assert dubbel.height > 0
    for tabel, regel in dubbel.iter_rows():
        lines = _raw_lines(out, tabel)
        assert lines[regel - 1] == lines[regel - 2]  # the same bytes (csv) or the same cell values (xlsx)


def test_no_fault_file_without_faults(tmp_path):
    generate_export(tmp_path, "isd-bollenstreek", 60, 1, fouten_pct=2)
    assert (tmp_path / "fouten_injectie.csv").exists()
    generate_export(tmp_path, "isd-bollenstreek", 60, 1)
    assert not (tmp_path / "fouten_injectie.csv").exists()
