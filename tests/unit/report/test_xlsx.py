"""kpis.xlsx as a board member opens it: verdicts as ja/nee, the norms beside them, Dutch number formats."""

from __future__ import annotations

import datetime as dt

import openpyxl
import polars as pl
import pytest

from pipelines.config import OrgConfig
from pipelines.kpi.registry import KPI_CATALOGUE
from pipelines.report import present, xlsx
from pipelines.report.norms import config_norms

CONFIG = OrgConfig(organisatie="ISD Test", gemeenten={"0534": "Hillegom", "0553": "Lisse"})
B = dt.date(2024, 9, 30)


def _extra(frame: pl.DataFrame, *rows) -> pl.DataFrame:
    """The kpis frame plus rows (kpi, gemeente, waarde) on the peildatum."""
    extra = pl.DataFrame(
        [{"kpi": k, "gemeentecode": g, "peildatum": B, "waarde": w} for k, g, w in rows],
        schema={"kpi": pl.String, "gemeentecode": pl.String, "peildatum": pl.Date, "waarde": pl.Float64},
    )
    return pl.concat([frame, extra], how="diagonal_relaxed")


@pytest.fixture
def book(kpis_frame, tmp_path):
    frame = _extra(
        kpis_frame,
        ("uitstroom_werk_inkomen_norm", "0553", 0.0),
        ("uitstroom_werk_inkomen_pct_meerjarig", "0553", 14.0),
        ("uitstroom_werk_inkomen_norm_zeker", "totaal", 0.0),
        ("budget_totaal_besteed", "totaal", 172562.4),
        ("meedoen_beloning_per_deelnemer", "totaal", 40.49),
    )
    pub = present.publication_frame(frame, KPI_CATALOGUE, CONFIG.min_cell, CONFIG.min_noemer)
    path = xlsx.write_kpis_xlsx(
        pub, KPI_CATALOGUE, CONFIG.gemeenten, tmp_path / "kpis.xlsx",
        organisatie="ISD Test", kwartaal="2024Q3",
        min_cell=5, min_noemer=10, norms=config_norms(CONFIG),
    )  # fmt: skip
    return openpyxl.load_workbook(path)


def _row(sheet, label: str):
    return next(r for r in sheet.iter_rows(min_row=4) if r[0].value == label)


def test_norm_gehaald_reads_ja_nee_not_a_number(book):
    line = _row(book["uitstroom"], KPI_CATALOGUE["uitstroom_werk_inkomen_norm"].label)
    values = [c.value for c in line[2:5]]
    assert values == ["ja", None, "nee"]  # totaal met, Hillegom absent, Lisse not met
    assert all(c.data_type == "s" for c in line[2:5] if c.value is not None)


def test_every_norm_row_carries_its_norm_value_and_certainty(book):
    sheet = book["Normen"]
    header = [c.value for c in sheet[3]]
    assert header == list(xlsx.NORM_COLUMNS)
    lines = {(r[0].value, r[1].value): r for r in sheet.iter_rows(min_row=4) if r[1].value}
    total = lines[("Totaal", KPI_CATALOGUE["uitstroom_werk_inkomen_pct"].label)]
    assert total[2].value == pytest.approx(0.20) and total[2].number_format == "0.0%"
    assert total[4].value == pytest.approx(0.187) and total[4].number_format == "0.0%"  # 17 % x 1,10
    assert (total[5].value, total[6].value) == ("ja", "onzeker")
    lisse = lines[("Lisse", KPI_CATALOGUE["uitstroom_werk_inkomen_pct"].label)]
    assert (lisse[5].value, lisse[6].value) == ("nee", "")  # no certainty known: left empty, not guessed
    caseload = lines[("Totaal", KPI_CATALOGUE["caseload_per_fte"].label)]
    assert caseload[3].value == "onder 50" and caseload[4].value == 50 and caseload[5].value == "nee"
    hidden = lines[("Hillegom", KPI_CATALOGUE["uitstroom_werk_inkomen_pct"].label)]
    assert hidden[2].value == "-" and hidden[5].value in ("", None) and "niet gepubliceerd" in hidden[7].value


def test_percentages_amounts_and_counts_have_their_number_format(book):
    bestand = _row(book["bestand"], KPI_CATALOGUE["bestand_n"].label)
    assert bestand[2].value == 812 and bestand[2].number_format == "#,##0"
    pct = _row(book["uitstroom"], KPI_CATALOGUE["uitstroom_werk_inkomen_pct"].label)
    assert pct[4].value == pytest.approx(0.125) and pct[4].number_format == "0.0%"
    euro = _row(book["budget"], KPI_CATALOGUE["budget_totaal_besteed"].label)
    assert euro[2].value == pytest.approx(172562.4) and "€" in euro[2].number_format
    small = _row(book["meedoen"], KPI_CATALOGUE["meedoen_beloning_per_deelnemer"].label)
    assert "€" in small[2].number_format and "0.00" in small[2].number_format
    ratio = _row(book["caseload"], KPI_CATALOGUE["caseload_per_fte"].label)
    assert ratio[2].value == pytest.approx(61.25) and ratio[2].number_format == "[<10]0.00;#,##0.0"
