"""kpis.xlsx: the publication workbook (suppressed), one sheet per family, byte-stable."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from pipelines.kpi.registry import FAMILY_LABELS, KpiInfo
from pipelines.report.formats import UNIT_TEXT
from pipelines.report.present import peildata_of, rows_by_key, shown_value, suppression_notes

#: The fixed creation date written into kpis.xlsx, so the same figures give the same bytes.
WORKBOOK_DATE = dt.datetime(2000, 1, 1)


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
) -> Path:
    """The publication workbook: a sheet per KPI family, municipalities side by side, suppressed cells as
    text.
    """
    import xlsxwriter

    b = peildata_of(pub)[-1]
    rows = rows_by_key(pub)
    codes = ["totaal"] + [c for c in sorted(gemeenten) if c != "totaal"]
    present = set(pub.filter(pl.col("peildatum") == b).get_column("kpi").to_list())
    families: dict[str, list[str]] = {}
    for k, v in info.items():
        if k in present:
            families.setdefault(v.family, []).append(k)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    book.set_properties(
        {
            "title": f"Kengetallen Participatiewet {organisatie} {kwartaal}",
            "author": "participatie",
            "created": WORKBOOK_DATE,
        }
    )
    title_fmt = book.add_format({"bold": True, "font_size": 13, "font_color": "#154273"})
    head_fmt = book.add_format(
        {"bold": True, "bg_color": "#E8ECF1", "border": 1, "text_wrap": True, "valign": "top"}
    )
    label_fmt = book.add_format({"border": 1})
    fmts = {
        "%": book.add_format({"num_format": "0.0", "border": 1}),
        "int": book.add_format({"num_format": "#,##0", "border": 1}),
        "dec": book.add_format({"num_format": "#,##0.00", "border": 1}),
        "masked": book.add_format({"border": 1, "align": "right", "font_color": "#5F6368"}),
    }
    note_fmt = book.add_format({"italic": True, "font_color": "#5F6368"})
    about = book.add_worksheet("Toelichting")
    about.write(0, 0, f"Kengetallen Participatiewet - {organisatie}", title_fmt)
    about.write_column(
        2,
        0,
        [
            f"Kwartaal {kwartaal}, peildatum {b.strftime('%d-%m-%Y')}: percentages en stromen over de 12 "
            f"maanden tot en met de peildatum.",
            "Een werkblad per groep kengetallen; per gemeente en voor de organisatie als geheel (Totaal).",
            "Publicatieversie: kleine aantallen zijn onderdrukt; de exacte cijfers staan in kpis.csv (alleen "
            "voor analisten).",
            *suppression_notes(min_cell, min_noemer)[:3],
            "Definities: docs/definities.md van de suite participatie.",
        ],
    )
    about.set_column(0, 0, 110)
    for family, kpis in families.items():
        sheet = book.add_worksheet(_sheet_name(family))
        sheet.write(
            0,
            0,
            f"{FAMILY_LABELS.get(family, family)} - {organisatie}, peildatum {b.strftime('%d-%m-%Y')}",
            title_fmt,
        )
        sheet.write_row(
            2,
            0,
            ["Kengetal", "Eenheid"] + ["Totaal" if c == "totaal" else gemeenten.get(c, c) for c in codes],
            head_fmt,
        )
        for i, k in enumerate(kpis, start=3):
            meta = info[k]
            sheet.write(i, 0, meta.label, label_fmt)
            sheet.write(i, 1, UNIT_TEXT.get(meta.unit, meta.unit), label_fmt)
            for j, c in enumerate(codes, start=2):
                row = rows.get((k, c, b))
                if row is None:
                    sheet.write_blank(i, j, None, label_fmt)
                elif shown_value(row) is None:
                    sheet.write_string(i, j, row["tekst"], fmts["masked"])
                else:
                    value = float(row["waarde"])
                    fmt = (
                        fmts["%"]
                        if meta.unit == "pct"
                        else fmts["int"]
                        if value.is_integer() and meta.kind == "aantal"
                        else fmts["dec"]
                    )
                    sheet.write_number(i, j, value, fmt)
        last = 3 + len(kpis)
        for n, note in enumerate(suppression_notes(min_cell, min_noemer)[:3], start=last + 1):
            sheet.write(n, 0, note, note_fmt)
        sheet.set_column(0, 0, 48)
        sheet.set_column(1, 1, 10)
        sheet.set_column(2, 1 + len(codes), 14)
        sheet.freeze_panes(3, 2)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
    book.close()
    return path


def _sheet_name(family: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", family).strip() or "kengetallen"
    return name[:31]
