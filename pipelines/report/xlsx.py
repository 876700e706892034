"""kpis.xlsx: the publication workbook (suppressed): the norms on one sheet, a sheet per family."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from pipelines.kpi.registry import FAMILY_LABELS, KpiInfo
from pipelines.report.formats import UNIT_TEXT, dutch_dates, flag_true, format_date, format_nl
from pipelines.report.norms import Norms, verdict
from pipelines.report.present import peildata_of, reason_words, rows_by_key, shown_value, suppression_notes

#: The fixed creation date written into kpis.xlsx, so the same figures give the same bytes.
WORKBOOK_DATE = dt.datetime(2000, 1, 1)


#: Number formats by unit: percentages are written as fractions with a percent format (12,5 %), amounts in
#: euro (cents below 100 euro, as `format_nl`), ratios with two decimals below 10 and one from 10.
NUMBER_FORMATS = {
    "pct": "0.0%",
    "eur": '[>=100]"€ "#,##0;"€ "#,##0.00',
    "ratio": "[<10]0.00;#,##0.0",
    "n": "#,##0",
    "n_decimal": "#,##0.0",
}

#: The columns of the sheet `Normen`: one line per figure with a norm and municipality.
NORM_COLUMNS = (
    "Gemeente",
    "Kengetal",
    "Waarde",
    "Norm",
    "Normwaarde",
    "Norm gehaald",
    "Oordeel",
    "Toelichting",
)


def cell_number(value: float, unit: str) -> float:
    """The number a cell holds: a percentage as a fraction (the percent format shows 12,5 %)."""
    return value / 100.0 if unit == "pct" else value


def number_format_key(value: float, unit: str) -> str:
    if unit == "n" and not float(value).is_integer():
        return "n_decimal"
    return unit if unit in NUMBER_FORMATS else "n"


def write_kpis_xlsx(
    pub: pl.DataFrame,
    info: Mapping[str, KpiInfo],
    gemeenten: Mapping[str, str],
    path: Path,
    *,
    organisatie: str,
    kwartaal: str,
    min_cell: int,
    min_noemer: int,
    norms: Norms | None = None,
    rows: Mapping[tuple[str, str, dt.date], dict] | None = None,
) -> Path:
    """The publication workbook: the norms on one sheet, then a sheet per KPI family with the municipalities
    side by side; suppressed cells as text, verdicts as `ja` / `nee`, numbers with a Dutch number format.
    `rows`: `present.rows_by_key(pub)` where the caller has it already.
    """
    import xlsxwriter

    norms = norms or Norms(rules={}, min_cell=min_cell, min_noemer=min_noemer)
    b = peildata_of(pub)[-1]
    codes = ["totaal"] + [c for c in sorted(gemeenten) if c != "totaal"]
    present = set(pub.filter(pl.col("peildatum") == b).get_column("kpi").to_list())
    families: dict[str, list[str]] = {}
    for k, v in info.items():
        if k in present:
            families.setdefault(v.family, []).append(k)
    # text is never read as a formula (a name from the export could start with `=`): kept so by a test
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    book.set_properties(
        {
            "title": f"Kengetallen Participatiewet {organisatie} {kwartaal}",
            "author": "participatie",
            "created": WORKBOOK_DATE,
        }
    )
    writer = _Writer(
        book,
        rows_by_key(pub) if rows is None else rows,
        info,
        codes,
        {c: "Totaal" if c == "totaal" else gemeenten.get(c, c) for c in codes},
        b,
        norms,
        organisatie,
    )
    about = book.add_worksheet("Toelichting")
    about.write(0, 0, f"Kengetallen Participatiewet - {organisatie}", writer.title)
    about.write_column(
        2,
        0,
        [
            f"Kwartaal {kwartaal}, peildatum {format_date(b)}: percentages en stromen over de 12 "
            f"maanden tot en met de peildatum.",
            "Het werkblad Normen zet elk kengetal met een norm naast die norm, per gemeente: gehaald "
            "(ja/nee) en hoe zeker dat oordeel is.",
            "Daarna een werkblad per groep kengetallen; per gemeente en voor de organisatie als geheel "
            "(Totaal).",
            "Publicatieversie: kleine aantallen zijn onderdrukt; de exacte cijfers staan in kpis.csv (alleen "
            "voor analisten).",
            *suppression_notes(min_cell, min_noemer)[:4],
            "Definities: docs/definities.md van de suite participatie.",
        ],
    )
    about.set_column(0, 0, 110)
    writer.norm_sheet()
    for family, kpis in families.items():
        writer.family_sheet(family, kpis, suppression_notes(min_cell, min_noemer)[:4])
    book.close()
    return path


class _Writer:
    """The formats of one workbook and the sheets written with them."""

    def __init__(self, book, rows, info, codes, names, b, norms: Norms, organisatie: str) -> None:
        self.book, self.rows, self.info, self.codes, self.names = book, rows, info, codes, names
        self.b, self.norms, self.organisatie = b, norms, organisatie
        self.title = book.add_format({"bold": True, "font_size": 13, "font_color": "#154273"})
        self.head = book.add_format(
            {"bold": True, "bg_color": "#E8ECF1", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.label = book.add_format({"border": 1})
        self.numbers = {k: book.add_format({"num_format": f, "border": 1}) for k, f in NUMBER_FORMATS.items()}
        self.masked = book.add_format({"border": 1, "align": "right", "font_color": "#5F6368"})
        self.verdicts = {
            "ja": book.add_format({"border": 1, "align": "right", "font_color": "#1B7A3A", "bold": True}),
            "nee": book.add_format({"border": 1, "align": "right", "font_color": "#B3261E", "bold": True}),
            "": book.add_format({"border": 1, "align": "right"}),
        }
        self.note = book.add_format({"italic": True, "font_color": "#5F6368"})

    def figure(self, sheet, i: int, j: int, row: dict | None, meta: KpiInfo) -> None:
        """One published figure: masked text, `ja` / `nee`, or a number in its unit's format."""
        if row is None:
            sheet.write_blank(i, j, None, self.label)
        elif shown_value(row) is None:
            sheet.write_string(i, j, row["tekst"], self.masked)
        elif meta.unit == "vlag":
            text = _flag_text(meta.kpi, float(row["waarde"]))
            sheet.write_string(i, j, text, self.verdicts.get(text, self.verdicts[""]))
        else:
            self.number(sheet, i, j, float(row["waarde"]), meta.unit)

    def number(self, sheet, i: int, j: int, value: float, unit: str) -> None:
        sheet.write_number(i, j, cell_number(value, unit), self.numbers[number_format_key(value, unit)])

    def family_sheet(self, family: str, kpis: list[str], notes: list[str]) -> None:
        sheet = self.book.add_worksheet(_sheet_name(family))
        sheet.write(
            0,
            0,
            f"{FAMILY_LABELS.get(family, family)} - {self.organisatie}, peildatum {format_date(self.b)}",
            self.title,
        )
        sheet.write_row(2, 0, ["Kengetal", "Eenheid"] + [self.names[c] for c in self.codes], self.head)
        for i, k in enumerate(kpis, start=3):
            meta = self.info[k]
            sheet.write(i, 0, meta.label, self.label)
            sheet.write(i, 1, _unit_text(k, meta.unit), self.label)
            for j, c in enumerate(self.codes, start=2):
                self.figure(sheet, i, j, self.rows.get((k, c, self.b)), meta)
        for n, note in enumerate(notes, start=3 + len(kpis) + 1):
            sheet.write(n, 0, note, self.note)
        sheet.set_column(0, 0, 48)
        sheet.set_column(1, 1, 10)
        sheet.set_column(2, 1 + len(self.codes), 14)
        sheet.freeze_panes(3, 2)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)

    def norm_sheet(self) -> None:
        """`Normen`: per figure with a norm and municipality: value, norm, gehaald and its certainty."""
        sheet = self.book.add_worksheet("Normen")
        sheet.write(0, 0, f"Normen - {self.organisatie}, peildatum {format_date(self.b)}", self.title)
        sheet.write_row(2, 0, list(NORM_COLUMNS), self.head)
        i = 3
        for code in self.codes:
            for kpi, meta in self.info.items():
                row = self.rows.get((kpi, code, self.b))
                judged = verdict(self.rows, kpi, code, self.b, self.info, self.norms) if row else None
                if row is None or judged is None or not judged.has_norm:
                    continue
                sheet.write(i, 0, self.names[code], self.label)
                sheet.write(i, 1, meta.label, self.label)
                self.figure(sheet, i, 2, row, meta)
                sheet.write(i, 3, judged.text.removeprefix("norm: "), self.label)
                if judged.value is None:
                    sheet.write_blank(i, 4, None, self.label)
                else:
                    self.number(sheet, i, 4, judged.value, meta.unit)
                sheet.write_string(i, 5, judged.xlsx_text, self.verdicts[judged.xlsx_text])
                certainty = (
                    ""
                    if judged.zeker is None or not judged.status
                    else ("zeker" if judged.zeker else "onzeker")
                )
                sheet.write_string(i, 6, certainty, self.label)
                sheet.write_string(i, 7, _why(row, self.norms), self.label)
                i += 1
        sheet.write(
            i + 1,
            0,
            "Norm gehaald: ja of nee; leeg waar de waarde niet getoond wordt of niet beschikbaar is.",
            self.note,
        )
        sheet.write(
            i + 2,
            0,
            "Oordeel: zeker als het 95 %-betrouwbaarheidsinterval geheel aan een kant van de normwaarde "
            "ligt, onzeker als het de normwaarde omvat (alleen waar de berekening dat geeft).",
            self.note,
        )
        for col, width in enumerate((16, 46, 11, 44, 12, 12, 12, 50)):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(3, 2)
        sheet.autofilter(2, 0, max(i - 1, 3), len(NORM_COLUMNS) - 1)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)


def _flag_text(kpi: str, value: float) -> str:
    """A 0/1 flag in words: `ja` / `nee`, and for the certainty of a norm verdict `zeker` / `onzeker`."""
    if kpi.endswith("_zeker"):
        return "zeker" if flag_true(value) else "onzeker"
    return format_nl(value, "vlag")


def _unit_text(kpi: str, unit: str) -> str:
    if unit == "vlag" and kpi.endswith("_zeker"):
        return "zeker/onzeker"
    return UNIT_TEXT.get(unit, unit)


def _why(row: dict, norms: Norms) -> str:
    """Why a norm line has no verdict: the suppression rule, or why the figure is not available."""
    if row.get("reden"):
        return reason_words(row["reden"], norms.min_cell, norms.min_noemer)
    if row.get("waarde") is None:
        return dutch_dates(str(row.get("opmerking") or "niet beschikbaar"))
    return ""


def _sheet_name(family: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", family).strip() or "kengetallen"
    return name[:31]
