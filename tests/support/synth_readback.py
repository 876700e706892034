"""An independent reader of written exports, for round-trip tests of the physical variants.

It knows only what the spec says about the physical format (delimiter, encoding, date styles,
decimal comma, header case/space, numeric codes without their zero), not the generator's code.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import polars as pl

from pipelines import schema


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    for style in ("%Y-%m-%d", "%Y%m%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(value, style).date()
        except ValueError:
            continue
    raise ValueError(f"geen datum: {value!r}")


def _month(value: str | None) -> dt.date | None:
    if value is None:
        return None
    value = value.replace("-", "")
    return dt.date(int(value[:4]), int(value[4:6]), 1)


def type_columns(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells (canonical header names) -> the generator's typed frame."""
    out = {}
    for col in schema.TABLES[table].columns:
        values = frame[col.name].to_list()
        if col.kind == schema.DATE:
            out[col.name] = pl.Series(col.name, [_date(v) for v in values], dtype=pl.Date)
        elif col.kind == schema.MONTH:
            out[col.name] = pl.Series(col.name, [_month(v) for v in values], dtype=pl.Date)
        elif col.kind == schema.JANEE:
            out[col.name] = pl.Series(
                col.name, [None if v is None else v == "ja" for v in values], dtype=pl.Boolean
            )
        elif col.kind == schema.DECIMAL:
            out[col.name] = pl.Series(
                col.name,
                [None if v is None else float(v.replace(",", ".")) for v in values],
                dtype=pl.Float64,
            )
        elif col.kind == schema.INT:
            out[col.name] = pl.Series(
                col.name, [None if v is None else int(v) for v in values], dtype=pl.Int64
            )
        else:
            aliases = dict(col.aliases)
            fixed = []
            for v in values:
                if v is not None and col.width and v.isdigit():
                    v = v.zfill(col.width)
                fixed.append(aliases.get(v, v) if v is not None else None)
            out[col.name] = pl.Series(col.name, fixed, dtype=pl.String)
    return pl.DataFrame(out)


def read_csv_text(path: Path) -> tuple[pl.DataFrame, str, bytes]:
    """All cells as text with canonical headers, the delimiter found, and the raw bytes."""
    raw = path.read_bytes()
    text = decode(raw)
    header = text.splitlines()[0]
    sep = ";" if header.count(";") >= header.count(",") else ","
    frame = pl.read_csv(io.StringIO(text), separator=sep, infer_schema=False)
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    return frame, sep, raw


def read_export(folder: Path) -> dict[str, pl.DataFrame]:
    """Every table of a written export (csv files or export.xlsx), typed like the generator's frames."""
    tables = {}
    xlsx = folder / "export.xlsx"
    if xlsx.exists():
        wb = openpyxl.load_workbook(xlsx, read_only=True)
        for name in schema.TABLE_ORDER:
            rows = list(wb[name].iter_rows(values_only=True))
            header = [str(h).strip().lower() for h in rows[0]]
            cols = {h: [] for h in header}
            for row in rows[1:]:
                for h, v in zip(header, row, strict=True):
                    if isinstance(v, dt.datetime):
                        v = v.date().isoformat()
                    elif (
                        isinstance(v, float)
                        and v.is_integer()
                        and schema.TABLES[name].column(h).kind == schema.INT
                    ):
                        v = str(int(v))
                    elif v is not None:
                        v = str(v)
                    cols[h].append(v)
            tables[name] = type_columns(name, pl.DataFrame(cols, schema={h: pl.String for h in header}))
        return tables
    for name in schema.TABLE_ORDER:
        frame, _, _ = read_csv_text(folder / f"{name}.csv")
        tables[name] = type_columns(name, frame)
    return tables
