"""Small hand-written exports in every physical variant the reader must accept.

`BASE` is one tiny export in canonical spelling (ISO dates, '.' decimals, canonical codes);
`render_variant` writes it in a given physical variant, so tests can check that every
variant reads to the same frames. BSNs are synthetic (9xxxxxxxx range) and pass the elfproef.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines import schema

BSN = ["900020106", "900024574", "900053616", "900067020"]

#: table -> list of rows (standard column -> canonical text; absent key = empty cell)
BASE: dict[str, list[dict[str, str]]] = {
    "levering": [
        {
            "organisatie": "ISD Bollenstreek",
            "softwarepakket": "gws",
            "extractiedatum": "2024-10-01",
            "gegevens_vanaf": "2019-01-01",
        },
    ],
    "personen": [
        {
            "bsn": BSN[0],
            "clientnummer": "C1",
            "geboortedatum": "1980-01-02",
            "geslacht": "1",
            "gemeentecode": "0534",
            "migratieachtergrond": "nederlands",
            "statushouder": "nee",
            "doelgroepregister": "ja",
            "kinderen_ten_laste": "2",
            "klantmanager": "km01",
        },
        {
            "bsn": BSN[1],
            "geboortedatum": "1975-12-31",
            "geslacht": "2",
            "gemeentecode": "0553",
            "migratieachtergrond": "niet_westers",
            "statushouder": "ja",
            "datum_verblijfsvergunning": "2016-03-15",
            "doelgroepregister": "nee",
            "kinderen_ten_laste": "0",
            "klantmanager": "km02",
        },
        {
            "bsn": BSN[2],
            "geboortedatum": "2001-07-09",
            "geslacht": "2",
            "gemeentecode": "1525",
            "klantmanager": "km01",
        },
        {
            "bsn": BSN[3],
            "geboortedatum": "1962-02-28",
            "geslacht": "1",
            "gemeentecode": "0575",
            "migratieachtergrond": "westers",
            "kinderen_ten_laste": "1",
        },
    ],
    "uitkeringen": [
        {
            "registratienummer": "R1",
            "bsn": BSN[0],
            "regeling": "01",
            "leefvorm": "1",
            "huisvesting": "1",
            "aanvangsdatum": "2020-01-01",
            "einddatum": "2023-06-30",
            "reden_beeindiging": "11",
            "ontheffing": "2",
        },
        {
            "registratienummer": "R2",
            "bsn": BSN[1],
            "regeling": "02",
            "leefvorm": "3",
            "huisvesting": "2",
            "aanvangsdatum": "2021-05-01",
            "ontheffing": "4",
            "einddatum_ontheffing": "2025-01-01",
        },
        {
            "registratienummer": "R2",
            "bsn": BSN[2],
            "regeling": "02",
            "leefvorm": "3",
            "huisvesting": "2",
            "aanvangsdatum": "2021-05-01",
        },
        {
            "registratienummer": "R3",
            "bsn": BSN[3],
            "regeling": "01",
            "leefvorm": "2",
            "huisvesting": "1",
            "aanvangsdatum": "2022-02-01",
            "einddatum": "2024-03-31",
            "reden_beeindiging": "03",
        },
    ],
    "inkomsten": [
        {"bsn": BSN[0], "maand": "2023-01", "soort_inkomsten": "11", "bedrag": "412.50"},
        {"bsn": BSN[0], "maand": "2023-02", "soort_inkomsten": "11", "bedrag": "398.05"},
        {"bsn": BSN[1], "maand": "2024-09", "soort_inkomsten": "23", "bedrag": "150"},
    ],
    "klantbeeld": [
        {
            "bsn": BSN[0],
            "ingangsdatum": "2020-01-01",
            "einddatum": "2021-12-31",
            "perspectief": "werken_aan",
            "trede": "3",
            "duurzaam_vrijgesteld": "nee",
        },
        {"bsn": BSN[0], "ingangsdatum": "2022-01-01", "perspectief": "werken", "trede": "5"},
        {
            "bsn": BSN[3],
            "ingangsdatum": "2022-02-01",
            "perspectief": "meedoen",
            "trede": "1",
            "duurzaam_vrijgesteld": "ja",
        },
    ],
    "contactmomenten": [
        {
            "contact_id": "K1",
            "bsn": BSN[0],
            "datum": "2024-02-14",
            "soort": "fip",
            "medewerker": "km01",
            "leefgebieden": "financien|werk_opleiding|gezondheid",
            "vervolgafspraak": "ja",
        },
        {
            "contact_id": "K2",
            "bsn": BSN[1],
            "datum": "2024-03-01",
            "soort": "telefonisch",
            "medewerker": "km02",
            "vervolgafspraak": "nee",
        },
        {
            "contact_id": "K3",
            "bsn": BSN[0],
            "datum": "2024-05-20",
            "soort": "fip",
            "medewerker": "km01",
            "leefgebieden": "huisvesting",
            "vervolgafspraak": "ja",
        },
    ],
    "voorzieningen": [
        {
            "voorziening_id": "V1",
            "bsn": BSN[0],
            "soort": "lks",
            "begindatum": "2023-07-01",
            "loonwaarde_pct": "62.5",
            "werkgever_kvk": "01234567",
            "werkgever_soort": "regulier",
            "indicatie": "banenafspraak",
            "aanbieder": "Werkbedrijf; Leiden",
            "kosten": "8125.40",
        },
        {
            "voorziening_id": "V2",
            "bsn": BSN[1],
            "soort": "jobcoach",
            "begindatum": "2023-01-01",
            "einddatum": "2023-12-31",
            "reden_einde": "1",
            "jobcoach_regime": "licht",
            "aanbieder": 'Coach "Op Maat"\nafdeling Zuid',
            "kosten": "1200",
        },
        {"voorziening_id": "V3", "bsn": BSN[3], "soort": "schuldhulpverlening", "begindatum": "2024-04-01"},
    ],
    "zrm": [
        {"bsn": BSN[0], "datum": "2024-02-14", "domein": "financien", "score": "2"},
        {"bsn": BSN[0], "datum": "2024-02-14", "domein": "werk_opleiding", "score": "3"},
    ],
    "beloningen": [
        {"bsn": BSN[3], "datum": "2024-06-01", "bedrag": "10", "stap": "Café-bezoek met buurvrouw Zoë"},
    ],
    "medewerkers": [
        {"medewerker": "km01", "functie": "klantmanager", "fte": "0.89"},
        {"medewerker": "km02", "functie": "klantmanager", "fte": "1"},
    ],
}

DATE_FORMATS = {"JJJJ-MM-DD": "%Y-%m-%d", "JJJJMMDD": "%Y%m%d", "DD-MM-JJJJ": "%d-%m-%Y"}


def _value(column: schema.Column, text: str, variant: dict) -> str:
    if column.kind == schema.DATE and not variant.get("dates"):
        return text
    if column.kind == schema.DATE:
        return dt.date.fromisoformat(text).strftime(DATE_FORMATS[variant.get("dates", "JJJJ-MM-DD")])
    if column.kind == schema.MONTH and variant.get("months") == "JJJJMM":
        return text.replace("-", "")
    if column.kind == schema.DECIMAL and variant.get("decimal") == ",":
        return text.replace(".", ",")
    if variant.get("loose_codes") and column.kind == schema.CODE:
        if column.width and text.isdigit():
            return " " + text.lstrip("0") + " "  # `01` delivered as ` 1 `
        if column.aliases:
            return {code: alias for alias, code in column.aliases}[text]
        return text.upper()
    return text


def _header(name: str, variant: dict) -> str:
    style = variant.get("header")
    if style == "upper":
        return name.upper()
    if style == "spaced":
        return " " + name.replace("_", " ").title() + " "
    return name


def _quote(text: str, delimiter: str, always: bool) -> str:
    if always or any(ch in text for ch in (delimiter, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def render_csv(table: str, rows: list[dict[str, str]], variant: dict) -> bytes:
    """One table as the bytes of a CSV file in `variant` (delimiter, encoding, styles, quoting)."""
    spec = schema.TABLES[table]
    delimiter = variant.get("delimiter", ";")
    eol = variant.get("eol", "\n")
    always = variant.get("quote_all", False)
    lines = [delimiter.join(_quote(_header(c.name, variant), delimiter, always) for c in spec.columns)]
    for row in rows:
        cells = [
            _quote(_value(c, row[c.name], variant), delimiter, always) if row.get(c.name) else ""
            for c in spec.columns
        ]
        lines.append(delimiter.join(cells))
    text = eol.join(lines) + eol + eol * variant.get("trailing_blank", 0)
    encoding = variant.get("encoding", "utf-8")
    data = text.encode("cp1252" if encoding == "windows-1252" else "utf-8")
    return (b"\xef\xbb\xbf" + data) if encoding == "utf-8-bom" else data


def render_xlsx(path: Path, base: dict[str, list[dict[str, str]]], typed: bool) -> Path:
    """The export as one workbook; `typed` writes dates, numbers and numeric BSNs as Excel would."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"default_date_format": "dd-mm-yyyy"})
    for table, rows in base.items():
        spec = schema.TABLES[table]
        sheet = workbook.add_worksheet(table)
        sheet.write_row(0, 0, [c.name for c in spec.columns])
        for r, row in enumerate(rows, start=1):
            for c, column in enumerate(spec.columns):
                text = row.get(column.name)
                if not text:
                    continue
                if typed and column.kind == schema.DATE:
                    sheet.write_datetime(r, c, dt.datetime.fromisoformat(text))
                elif typed and column.kind in (schema.INT, schema.DECIMAL):
                    sheet.write_number(r, c, float(text))
                elif typed and column.kind == schema.BSN:
                    sheet.write_number(r, c, int(text))
                else:
                    sheet.write_string(r, c, text)
    workbook.close()
    return path


def write_variant(folder: Path, variant: dict, base: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in (base or BASE).items():
        (folder / f"{table}.csv").write_bytes(render_csv(table, rows, variant))
    return folder
