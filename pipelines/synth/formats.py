"""The physical variety of an export: delimiter, encoding, date style, decimal comma, Excel quirks, xlsx."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.errors import InputError
from pipelines.schema import CODE, DATE, DECIMAL, INT, JANEE, MONTH, TABLE_ORDER, TABLES

#: Named physical variants -> their token list (see `parse_formaat`).
FORMATS: dict[str, str] = {
    "standaard": "puntkomma,utf8,iso,decimaalpunt",
    "excel-nl": "puntkomma,cp1252,nl,decimaalkomma,hoofdletters,zonder-voorloopnul,geslacht-mv,crlf",
    "cbs": "komma,utf8-bom,cbs,decimaalpunt",
    "xlsx": "xlsx",
}


_TOKENS = {
    "delimiter": ("puntkomma", "komma"),
    "encoding": ("utf8", "utf8-bom", "cp1252"),
    "dates": ("iso", "cbs", "nl"),
    "decimal": ("decimaalpunt", "decimaalkomma"),
}
_FLAGS = ("hoofdletters", "zonder-voorloopnul", "geslacht-mv", "crlf", "xlsx")
_DATE_FORMATS = {"iso": "%Y-%m-%d", "cbs": "%Y%m%d", "nl": "%d-%m-%Y"}
_MONTH_FORMATS = {"iso": "%Y-%m", "cbs": "%Y%m", "nl": "%Y-%m"}
#: Two-digit codes that Excel turns into numbers (`01` -> `1`) in the `zonder-voorloopnul` variant.
_STRIPPED_CODES = ("regeling", "reden_beeindiging", "soort_inkomsten")


@dataclass(frozen=True)
class Formaat:
    """The physical variety of one export (see FORMATS and docs/synth.md)."""

    delimiter: str = "puntkomma"
    encoding: str = "utf8"
    dates: str = "iso"
    decimal: str = "decimaalpunt"
    flags: frozenset[str] = frozenset()

    @property
    def xlsx(self) -> bool:
        return "xlsx" in self.flags

    @property
    def separator(self) -> str:
        return ";" if self.delimiter == "puntkomma" else ","


def parse_formaat(formaat: str) -> Formaat:
    """A named variant (`FORMATS`) or comma-separated tokens, e.g. `komma,cp1252,nl`."""
    tokens = [t.strip().lower() for t in FORMATS.get(formaat, formaat).split(",") if t.strip()]
    chosen: dict[str, str] = {}
    flags = set()
    for token in tokens:
        kind = next((k for k, values in _TOKENS.items() if token in values), None)
        if kind is None and token not in _FLAGS:
            known = ", ".join([*FORMATS, *(v for vs in _TOKENS.values() for v in vs), *_FLAGS])
            raise InputError(f"onbekend formaat {token!r}; bekend zijn: {known}")
        if kind is None:
            flags.add(token)
        elif kind in chosen and chosen[kind] != token:
            raise InputError(f"formaat {formaat!r} kiest twee waarden voor {kind}: {chosen[kind]} en {token}")
        else:
            chosen[kind] = token
    fmt = Formaat(**chosen, flags=frozenset(flags))
    if fmt.delimiter == "komma" and fmt.decimal == "decimaalkomma":
        raise InputError(
            "decimaalkomma gaat niet samen met komma als scheidingsteken (Excel schrijft dan ';')"
        )
    return fmt


def _header(name: str, position: int, fmt: Formaat) -> str:
    if "hoofdletters" not in fmt.flags:
        return name
    return (" " if position % 2 else "") + name.capitalize() + (" " if position % 3 == 2 else "")


def render_text(table: str, frame: pl.DataFrame, fmt: Formaat) -> pl.DataFrame:
    """All cells as the text a delimited file holds (empty = missing), headers as the variant writes them."""
    exprs: list[pl.Expr] = []
    for col in TABLES[table].columns:
        c = pl.col(col.name)
        if col.kind == DATE:
            e = c.dt.strftime(_DATE_FORMATS[fmt.dates])
        elif col.kind == MONTH:
            e = c.dt.strftime(_MONTH_FORMATS[fmt.dates])
        elif col.kind == JANEE:
            e = pl.when(c).then(pl.lit("ja")).when(c.not_()).then(pl.lit("nee"))
        elif col.kind == DECIMAL:
            e = c.cast(pl.String)
            if fmt.decimal == "decimaalkomma":
                e = e.str.replace(".", ",", literal=True)
        elif col.kind == INT:
            e = c.cast(pl.String)
        else:
            e = c.cast(pl.String)
            if col.kind == CODE and "zonder-voorloopnul" in fmt.flags and col.name in _STRIPPED_CODES:
                e = pl.when(e.str.contains(r"^0\d$")).then(e.str.slice(1)).otherwise(e)
            if col.name == "geslacht" and "geslacht-mv" in fmt.flags:
                e = e.replace({"1": "M", "2": "V"})
        exprs.append(e.alias(_header(col.name, len(exprs), fmt)))
    return frame.select(exprs)


def write_csv(path: Path, text: pl.DataFrame, fmt: Formaat) -> None:
    eol = "\r\n" if "crlf" in fmt.flags else "\n"
    if fmt.encoding == "cp1252":
        csv = text.write_csv(None, separator=fmt.separator, line_terminator=eol, null_value="")
        path.write_bytes(csv.encode("cp1252"))
    else:
        bom = fmt.encoding == "utf8-bom"
        text.write_csv(path, include_bom=bom, separator=fmt.separator, line_terminator=eol, null_value="")


XLSX_MAX_ROWS = 1_048_575  # data rows below the header of one worksheet


def write_xlsx(path: Path, tables: dict[str, pl.DataFrame], fmt: Formaat) -> None:
    """One workbook, a sheet per table: dates as real Excel dates, codes as text, numbers as numbers."""
    too_big = [f"{n} ({f.height} rijen)" for n, f in tables.items() if f.height > XLSX_MAX_ROWS]
    if too_big:
        raise InputError(f"te groot voor een Excel-werkblad: {', '.join(too_big)}; kies een csv-formaat")
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties({"created": dt.datetime(2024, 1, 1), "author": "participatie synth"})
    date_format = workbook.add_format({"num_format": "dd-mm-yyyy"})
    for name in TABLE_ORDER:
        frame = tables[name]
        sheet = workbook.add_worksheet(name)
        text = render_text(name, frame, Formaat(flags=fmt.flags - {"xlsx"}))
        for j, col in enumerate(TABLES[name].columns):
            sheet.write_string(0, j, text.columns[j])
            if col.kind == DATE:
                values = frame[col.name].to_list()
                for i, v in enumerate(values, start=1):
                    if v is not None:
                        sheet.write_datetime(i, j, dt.datetime(v.year, v.month, v.day), date_format)
            elif col.kind in (DECIMAL, INT):
                for i, v in enumerate(frame[col.name].to_list(), start=1):
                    if v is not None:
                        sheet.write_number(i, j, v)
            else:
                for i, v in enumerate(text[text.columns[j]].to_list(), start=1):
                    if v is not None:
                        sheet.write_string(i, j, v)
    workbook.close()
