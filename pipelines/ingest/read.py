"""Reading a client-register export (every physical variant) and mapping profiles.

`read_export` turns a delivered export - a folder of `<table>.csv` files or an `.xlsx`
workbook, in the standard layout or a vendor layout described by a mapping profile - into
typed polars frames in the standard layout, with every unparseable cell kept as a reject
that names file, physical line, column and rule. Nothing is guessed: an ambiguous
delimiter, encoding, date style or decimal separator is an `ExportError` with a message.

The BSN stays in the `bsn` column here (as text, leading zeros kept); pseudonymisation is
the caller's step (`pipelines.ingest.deliver`). See docs/inlezen.md and docs/profielen.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pipelines import schema
from pipelines.clean import INWONERS_SCHEMA
from pipelines.ingest.profiles import (
    DATE_STYLES,
    DECIMAL_SEPARATORS,
    MONTH_STYLES,
    STANDARD_PROFILE,
    ExportError,
    Profile,
    TableProfile,
    load_profile,
    normalise_header,
)

_PLAIN_INT = r"^[+-]?\d+$"
#: Accepted spellings of ja/nee (compared lower-cased, after trimming).
JA = ("ja", "j", "1", "true")
NEE = ("nee", "n", "0", "false")

#: The columns of afwijzingen.csv: every row read that is not accepted, with its reason.
REJECT_SCHEMA = pl.Schema(
    {
        "tabel": pl.String(),
        "bestand": pl.String(),
        "regel": pl.Int64(),
        "kolom": pl.String(),
        "controle": pl.String(),
        "waarde": pl.String(),
        "melding": pl.String(),
    }
)
LINE_COLUMN = "_regel"
_FIELDS = "_velden"


# --------------------------------------------------------------------------------------------
# Results


@dataclass
class RawTable:
    """One table as read: parsed rows in the standard layout, plus the cells that did not parse."""

    table: str
    bestand: str
    frame: pl.DataFrame
    rejects: pl.DataFrame
    gelezen: int
    ignored_columns: list[str] = field(default_factory=list)
    format: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExportRead:
    """Everything read from one export folder or workbook."""

    tables: dict[str, RawTable]
    profile: str
    ignored_files: list[str]
    files: list[Path]
    inwoners: pl.DataFrame | None = None


# --------------------------------------------------------------------------------------------
# Profiles


# --------------------------------------------------------------------------------------------
# Physical reading: bytes -> a grid of strings with physical line numbers


@dataclass
class _Grid:
    """A file's cells as strings (`c0`, `c1`, ...), data rows only, with `_regel` and `_velden`."""

    bestand: str
    header: list[str]
    frame: pl.DataFrame
    format: dict[str, Any]


def _decode(raw: bytes, name: str) -> tuple[bytes, dict[str, Any]]:
    """UTF-8 (with or without BOM) or else Windows-1252; the body is returned as UTF-8."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExportError(
            f"{name}: UTF-16 wordt niet ondersteund; sla het bestand op als UTF-8 of Windows-1252"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        body = raw[3:]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = body[: exc.start].count(b"\n") + 1
            raise ExportError(
                f"{name}, regel {line}: bestand begint met een UTF-8-BOM maar is geen geldige UTF-8"
            ) from exc
        return body, {"encoding": "utf-8", "bom": True}
    try:
        raw.decode("utf-8")
        return raw, {"encoding": "utf-8", "bom": False}
    except UnicodeDecodeError as utf8_error:
        _refuse_mixed_encoding(raw, name)
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise ExportError(
                f"{name}, regel {line}: codering niet herkend - geen UTF-8 (byte {utf8_error.start}) "
                f"en geen Windows-1252 (byte 0x{raw[exc.start]:02x})"
            ) from exc
        return text.encode("utf-8"), {"encoding": "windows-1252", "bom": False}


def _refuse_mixed_encoding(raw: bytes, name: str) -> None:
    """A file that is UTF-8 on some lines and not on others is refused: decoding it whole as
    Windows-1252 would turn every `Café` of the UTF-8 lines into `CafÃ©` without a word.

    Only lines with bytes above 127 are looked at: a line that decodes as UTF-8 and has such bytes is
    UTF-8 text, a line that does not decode is something else.
    """
    buf = np.frombuffer(raw, dtype=np.uint8)
    high = np.flatnonzero(buf >= 0x80)
    if not high.size:
        return
    newlines = np.flatnonzero(buf == 10)
    line_index = np.unique(np.searchsorted(newlines, high))  # 0-based line of each such byte
    starts = np.concatenate([[0], newlines + 1])
    ends = np.concatenate([newlines, [buf.size]])
    utf8_lines, other_lines = 0, []
    for i in line_index.tolist():
        try:
            raw[starts[i] : ends[i]].decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError:
            other_lines.append(i + 1)
    if utf8_lines and other_lines:
        more = f" (en {len(other_lines) - 1} andere regels)" if len(other_lines) > 1 else ""
        raise ExportError(
            f"{name}, regel {other_lines[0]}{more}: geen geldige UTF-8, terwijl {utf8_lines} andere "
            "regels wel UTF-8 zijn - gemengde codering; het bestand wordt niet gelezen (het zou tekens "
            "verminken). Sla het bestand opnieuw op in één codering (UTF-8) en lever het opnieuw aan"
        )


def _header_fields(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter, quotechar='"'), [])


def _detect_delimiter(header_line: str, known: set[str], name: str, forced: str | None) -> str:
    """The delimiter under which the header names the most known columns; a tie is an error."""
    if forced is not None:
        return forced
    scores = {
        d: sum(normalise_header(f) in known for f in _header_fields(header_line, d)) for d in (";", ",")
    }
    if scores[";"] == scores[","]:
        if scores[";"] == 0:
            raise ExportError(
                f"{name}, regel 1: scheidingsteken niet te bepalen - de kopregel bevat geen bekende "
                f"kolomnaam bij ';' of ','"
            )
        raise ExportError(
            f"{name}, regel 1: scheidingsteken dubbelzinnig - ';' en ',' leveren evenveel bekende kolommen op"
        )
    return max(scores, key=scores.__getitem__)


_CHUNK = 1 << 25


def _record_layout(body: bytes, delimiter: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per record (RFC 4180, quotes respected): start line (1-based), field count, blank flag.

    Newlines and delimiters count only outside quotes (an even number of quotes before them);
    the scan runs on fixed-size chunks so memory stays bounded on large files.
    """
    buf = np.frombuffer(body, dtype=np.uint8)
    n = buf.size
    delim = ord(delimiter)
    terminators: list[np.ndarray] = []
    term_lines: list[np.ndarray] = []  # newlines before each terminator (its own line index, 0-based)
    delims_before: list[np.ndarray] = []  # delimiters outside quotes before each terminator
    parity = 0
    lines_before = 0
    delims_total = 0
    for start in range(0, n, _CHUNK):
        chunk = buf[start : start + _CHUNK]
        nl = np.flatnonzero(chunk == 10)
        dl = np.flatnonzero(chunk == delim)
        q = np.flatnonzero(chunk == 34)
        if q.size:
            nl_keep = ((parity + np.searchsorted(q, nl)) & 1) == 0
            dl = dl[((parity + np.searchsorted(q, dl)) & 1) == 0]
            line_idx = np.flatnonzero(nl_keep)
            term = nl[nl_keep]
        elif parity:  # the whole chunk lies inside one quoted field
            line_idx = np.zeros(0, dtype=np.int64)
            term = line_idx
            dl = line_idx
        else:
            line_idx = np.arange(nl.size)
            term = nl
        terminators.append(term.astype(np.int64) + start)
        term_lines.append(line_idx.astype(np.int64) + lines_before)
        delims_before.append(np.searchsorted(dl, term).astype(np.int64) + delims_total)
        parity = (parity + q.size) & 1
        lines_before += nl.size
        delims_total += dl.size
    term = np.concatenate(terminators) if terminators else np.zeros(0, np.int64)
    tline = np.concatenate(term_lines) if term_lines else np.zeros(0, np.int64)
    dbefore = np.concatenate(delims_before) if delims_before else np.zeros(0, np.int64)
    starts = np.concatenate([[0], term + 1])
    ends = np.concatenate([term, [n]])
    lines = np.concatenate([[1], tline + 2])
    counts = np.diff(np.concatenate([[0], dbefore, [delims_total]])) + 1
    if starts[-1] >= n:  # the file ends with a newline: no record after it
        starts, ends, lines, counts = starts[:-1], ends[:-1], lines[:-1], counts[:-1]
    n_records = starts.size
    lengths = ends - starts
    blank = lengths == 0
    first = np.zeros(n_records, dtype=np.uint8)
    first[~blank] = buf[starts[~blank]]
    # only a record that starts with whitespace can be blank; there are few of them
    candidates = np.flatnonzero((lengths > 0) & np.isin(first, (9, 13, 32)))
    for i in candidates:
        blank[i] = not body[starts[i] : ends[i]].strip()
    return lines, counts, blank


def _quote_location(body: bytes, delimiter: str, header: list[str]) -> str:
    """`, regel L, kolom K` of the quote that opens a field it never closes ('' when all quotes pair up)."""
    quotes = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 34)
    if quotes.size % 2 == 0:
        return ""
    position = int(quotes[-1])  # quotes pair up in order; an odd count leaves the last one open
    line_start = body.rfind(b"\n", 0, position) + 1
    line = body.count(b"\n", 0, position) + 1
    before = body[line_start:position]
    # delimiters outside quotes before the quote on its own line give the field's position
    field, inside = 0, False
    for char in before:
        if char == 34:
            inside = not inside
        elif char == ord(delimiter) and not inside:
            field += 1
    column = normalise_header(header[field]) if field < len(header) else f"veld {field + 1}"
    return f", regel {line}, kolom {column} (aanhalingsteken wordt niet gesloten)"


def _read_csv_grid(file: Path, known: set[str], forced_delimiter: str | None = None) -> _Grid:
    """Read a delimited file as strings, detecting encoding and delimiter, with physical lines."""
    name = file.name
    body, fmt = _decode(file.read_bytes(), name)
    if b"\r" in body and b"\n" not in body:
        raise ExportError(
            f"{name}, regel 1: regels eindigen alleen op CR (oude Mac-stijl); dat wordt niet gelezen - "
            "sla het bestand op met Windows- (CRLF) of Unix-regeleinden (LF)"
        )
    first_nl = body.find(b"\n")
    header_line = (body if first_nl < 0 else body[:first_nl]).decode("utf-8").rstrip("\r")
    if not header_line.strip():
        raise ExportError(f"{name}, regel 1: de kopregel ontbreekt (eerste regel is leeg)")
    delimiter = _detect_delimiter(header_line, known, name, forced_delimiter)
    header = _header_fields(header_line, delimiter)
    lines, counts, blank = _record_layout(body, delimiter)
    fmt.update(
        bron="csv",
        delimiter=delimiter,
        line_ending="\r\n" if body[:first_nl].endswith(b"\r") else "\n",
    )
    try:
        cells = pl.read_csv(
            body,
            has_header=False,
            separator=delimiter,
            quote_char='"',
            infer_schema=False,
            truncate_ragged_lines=True,
            raise_if_empty=False,
            new_columns=[f"c{i}" for i in range(len(header))],
        )
    except pl.exceptions.PolarsError:
        # The parser's own text quotes the rest of the file (rows, BSNs): only our location goes out.
        raise ExportError(
            f"{name}{_quote_location(body, delimiter, header)}: bestand is geen leesbaar CSV-bestand - "
            'controleer aanhalingstekens (een veld met " moet geheel tussen aanhalingstekens staan)'
        ) from None
    if cells.height != lines.size:
        raise ExportError(
            f"{name}{_quote_location(body, delimiter, header)}: regels niet eenduidig te tellen "
            f"({lines.size} records gevonden, {cells.height} gelezen) - "
            'controleer aanhalingstekens (een veld met " moet geheel tussen aanhalingstekens staan)'
        )
    cells = cells.select([pl.col(c).cast(pl.String) for c in cells.columns[: len(header)]])
    cells = cells.with_columns(
        pl.Series(LINE_COLUMN, lines, dtype=pl.Int64),
        pl.Series(_FIELDS, counts, dtype=pl.Int64),
        pl.Series("_blank", blank, dtype=pl.Boolean),
    )
    cells = cells.slice(1).filter(~pl.col("_blank")).drop("_blank")
    return _Grid(name, header, cells, fmt)


def _cell_text(value: Any, numeric_bsn: bool) -> str | None:
    """An Excel cell as the text a CSV export would have carried."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        text = str(value)
        return text.zfill(9) if numeric_bsn and 0 <= value and len(text) < 9 else text
    if isinstance(value, float):
        if value.is_integer():
            return _cell_text(int(value), numeric_bsn)
        return repr(value)
    return str(value)


def _read_sheet_grid(workbook: Any, sheet: str, label: str, bsn_names: set[str]) -> _Grid:
    """One worksheet as a grid of strings; `_regel` is the sheet row (header = row 1)."""
    ws = workbook[sheet]
    rows = ws.iter_rows(min_row=1, min_col=1, values_only=True)
    first = next(rows, None)
    if first is None or all(v is None for v in first):
        raise ExportError(f"{label}, rij 1: de kopregel ontbreekt (eerste rij is leeg)")
    header = [("" if v is None else str(v)) for v in first]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    bsn_idx = {i for i, h in enumerate(header) if normalise_header(h) in bsn_names}
    columns: list[list[str | None]] = [[] for _ in range(width)]
    line_numbers: list[int] = []
    field_counts: list[int] = []
    padded = 0
    for row_number, row in enumerate(rows, start=2):
        last = max((i for i, v in enumerate(row) if v is not None and str(v).strip() != ""), default=-1)
        if last < 0:
            continue  # an empty row is a blank line
        for i in range(width):
            value = row[i] if i < len(row) else None
            numeric_bsn = i in bsn_idx and isinstance(value, (int, float)) and not isinstance(value, bool)
            text = _cell_text(value, numeric_bsn)
            if numeric_bsn and text is not None and len(str(value).split(".")[0]) < 9:
                padded += 1
            columns[i].append(text)
        line_numbers.append(row_number)
        field_counts.append(max(width, last + 1))
    frame = pl.DataFrame(
        {f"c{i}": pl.Series(values, dtype=pl.String) for i, values in enumerate(columns)}
        | {
            LINE_COLUMN: pl.Series(line_numbers, dtype=pl.Int64),
            _FIELDS: pl.Series(field_counts, dtype=pl.Int64),
        }
    )
    fmt = {"bron": "xlsx", "blad": sheet, "bsn_aangevuld_tot_9_cijfers": padded}
    return _Grid(label, header, frame, fmt)


# --------------------------------------------------------------------------------------------
# From a grid to a typed standard table


def _null_if_empty(expr: pl.Expr) -> pl.Expr:
    stripped = expr.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def _pick_style(raw: pl.Series, patterns: dict[str, str], where: str, what: str) -> str | None:
    """The one style (shape) most values of a column have; equal counts is ambiguous."""
    values = raw.drop_nulls()
    if values.is_empty():
        return None
    # every distinct value once, weighted by how often it occurs (a date column has a few thousand)
    distinct = values.value_counts(name="_n")
    counts = {
        style: int(distinct.filter(pl.col(values.name).str.contains(pattern)).get_column("_n").sum())
        for style, pattern in patterns.items()
    }
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if ranked[0][1] == 0:
        return None
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        tied = [s for s, c in ranked if c == ranked[0][1]]
        raise ExportError(
            f"{where}: {what} dubbelzinnig - evenveel waarden in stijl {' en '.join(tied)} "
            f"({ranked[0][1]} elk); één stijl per kolom"
        )
    return ranked[0][0]


def _code_expr(value: pl.Expr, column: schema.Column, mapping: dict[str, str]) -> pl.Expr:
    """Profile mapping, then the standard spelling: aliases, zero-padding, lower case."""
    if mapping:
        mapped = value.str.to_lowercase().replace_strict(list(mapping), list(mapping.values()), default=None)
        value = pl.coalesce(mapped, value)
    if column.aliases:
        aliases = {a.lower(): code for a, code in column.aliases}
        alias = value.str.to_lowercase().replace_strict(list(aliases), list(aliases.values()), default=None)
        value = pl.coalesce(alias, value)
    if column.width:
        value = (
            pl.when(value.str.contains(r"^\d+$") & (value.str.len_chars() < column.width))
            .then(value.str.zfill(column.width))
            .otherwise(value)
        )
    if (
        column.codes
        and all(c == c.lower() for c in column.codes)
        and any(c.isalpha() for c in "".join(column.codes))
    ):
        value = value.str.to_lowercase()
    return value


def _list_expr(col: str, column: schema.Column, mapping: dict[str, str]) -> pl.Expr:
    element = pl.element().str.strip_chars()
    if mapping:
        element = pl.coalesce(
            element.str.to_lowercase().replace_strict(list(mapping), list(mapping.values()), default=None),
            element,
        )
    element = element.str.to_lowercase()
    return pl.col(col).str.split("|").list.eval(element).list.eval(pl.element().filter(pl.element() != ""))


def _parse_columns(
    frame: pl.DataFrame, table: schema.Table, tprofile: TableProfile, profile: Profile, where: str
) -> tuple[list[pl.Expr], list[tuple[str, pl.Expr]], dict[str, Any]]:
    """Expressions for the typed columns and, per column, the reject message where a cell fails."""
    parsed: list[pl.Expr] = []
    errors: list[tuple[str, pl.Expr]] = []
    fmt: dict[str, Any] = {"date_styles": {}, "month_styles": {}, "decimal_separators": {}}
    for column in table.columns:
        name = column.name
        raw = pl.col(name)
        cwhere = f"{where}, kolom {name}"
        if column.kind == schema.BSN:
            parsed.append(raw.alias(name))
        elif column.kind == schema.TEXT:  # a line break inside a quoted field is always \n
            parsed.append(raw.str.replace_all("\r\n", "\n", literal=True).alias(name))
        elif column.kind == schema.CODE:
            parsed.append(_code_expr(raw, column, tprofile.codes.get(name, {})).alias(name))
        elif column.kind == schema.LIST:
            parsed.append(_list_expr(name, column, tprofile.codes.get(name, {})).alias(name))
        elif column.kind == schema.DATE:
            style = tprofile.date_styles.get(name) or profile.date_style
            forced = style is not None
            if style is None:
                style = _pick_style(
                    frame[name], {s: p for s, (_, p) in DATE_STYLES.items()}, cwhere, "datumstijl"
                )
            if style is not None:
                fmt["date_styles"][name] = style + (" (profiel)" if forced else "")
            style = style or "JJJJ-MM-DD"
            fmt_str, pattern = DATE_STYLES[style]
            value = pl.when(raw.str.contains(pattern)).then(raw.str.strptime(pl.Date, fmt_str, strict=False))
            parsed.append(value.alias(name))
            errors.append(
                (
                    name,
                    pl.when(raw.is_not_null() & value.is_null()).then(
                        pl.when(raw.str.contains(pattern))
                        .then(pl.format("'{}' is geen bestaande datum", raw))
                        .otherwise(pl.format(f"'{{}}' heeft niet de datumstijl {style} van deze kolom", raw))
                    ),
                )
            )
        elif column.kind == schema.MONTH:
            style = profile.month_style
            forced = style is not None
            if style is None:
                style = _pick_style(
                    frame[name], {s: p for s, (_, p) in MONTH_STYLES.items()}, cwhere, "maandstijl"
                )
            if style is not None:
                fmt["month_styles"][name] = style + (" (profiel)" if forced else "")
            style = style or "JJJJ-MM"
            fmt_str, pattern = MONTH_STYLES[style]
            value = pl.when(raw.str.contains(pattern)).then(
                (raw + "-01").str.strptime(pl.Date, fmt_str + "-%d", strict=False)
            )
            parsed.append(value.alias(name))
            errors.append(
                (
                    name,
                    pl.when(raw.is_not_null() & value.is_null()).then(
                        pl.when(raw.str.contains(pattern))
                        .then(pl.format("'{}' is geen bestaande maand", raw))
                        .otherwise(pl.format(f"'{{}}' heeft niet de maandstijl {style} van deze kolom", raw))
                    ),
                )
            )
        elif column.kind == schema.INT:
            ok = raw.str.contains(_PLAIN_INT)
            value = pl.when(ok).then(raw.str.strip_prefix("+").cast(pl.Int64, strict=False))
            parsed.append(value.alias(name))
            errors.append(
                (
                    name,
                    pl.when(raw.is_not_null() & value.is_null()).then(
                        pl.format("'{}' is geen geheel getal", raw)
                    ),
                )
            )
        elif column.kind == schema.DECIMAL:
            sep = profile.decimal_separator
            forced = sep is not None
            if sep is None:
                sep = _pick_style(frame[name], DECIMAL_SEPARATORS, cwhere, "decimaalteken")
            if sep is not None:
                fmt["decimal_separators"][name] = sep + (" (profiel)" if forced else "")
            sep = sep or "."
            ok = raw.str.contains(_PLAIN_INT) | raw.str.contains(DECIMAL_SEPARATORS[sep])
            number = raw.str.strip_prefix("+")
            if sep == ",":
                number = number.str.replace(",", ".", literal=True)
            value = pl.when(ok).then(number.cast(pl.Float64, strict=False))
            parsed.append(value.alias(name))
            errors.append(
                (
                    name,
                    pl.when(raw.is_not_null() & value.is_null()).then(
                        pl.format(
                            f"'{{}}' is geen getal met decimaalteken '{sep}' (het teken van deze kolom; "
                            "geen duizendtalscheiding)",
                            raw,
                        )
                    ),
                )
            )
        elif column.kind == schema.JANEE:
            lower = raw.str.to_lowercase()
            flag = pl.when(lower.is_in(JA)).then(True).when(lower.is_in(NEE)).then(False)
            parsed.append(flag.cast(pl.Boolean).alias(name))
            errors.append(
                (
                    name,
                    pl.when(raw.is_not_null() & flag.is_null()).then(
                        pl.format("'{}' is geen ja/nee (toegestaan: ja/nee, j/n, 1/0, true/false)", raw)
                    ),
                )
            )
        else:  # pragma: no cover - schema and reader must agree
            raise AssertionError(f"onbekend kolomtype {column.kind}")
    return parsed, errors, fmt


def _empty_rejects() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECT_SCHEMA)


#: Kinds of column parsed on their distinct values: codes, lists, dates, months, ja/nee and whole numbers
#: have a few to a few thousand distinct values in millions of rows.
_BY_DISTINCT = (schema.CODE, schema.LIST, schema.DATE, schema.MONTH, schema.JANEE, schema.INT)


def _parse_distinct(
    frame: pl.DataFrame, table: schema.Table, parsed: list[pl.Expr], errors: list[tuple[str, pl.Expr]]
) -> tuple[pl.DataFrame, list[pl.Expr], list[tuple[str, pl.Expr]]]:
    """Evaluate the parse and the reject message of low-cardinality columns once per distinct value.

    The results (`__v_<kolom>`, `__fout_<kolom>`) are joined back onto the rows; `parsed` and `errors`
    then refer to those columns. Every expression depends on its own cell only, so the outcome is the
    one of evaluating it row by row.
    """
    messages = dict(errors)
    parsed = list(parsed)
    for i, column in enumerate(table.columns):
        name = column.name
        if column.kind not in _BY_DISTINCT:
            continue
        exprs = [parsed[i].alias(f"__v_{name}")]
        if name in messages:
            exprs.append(messages[name].alias(f"__fout_{name}"))
        derived = frame.select(pl.col(name).unique()).with_columns(exprs)
        frame = frame.join(derived, on=name, how="left", nulls_equal=True, maintain_order="left")
        parsed[i] = pl.col(f"__v_{name}").alias(name)
        if name in messages:
            messages[name] = pl.col(f"__fout_{name}")
    return frame, parsed, list(messages.items())


def _table_from_grid(grid: _Grid, table: schema.Table, tprofile: TableProfile, profile: Profile) -> RawTable:
    """Map a grid's columns onto the standard table, type them, and split off the rejects."""
    where = f"{grid.bestand} (tabel {table.name}, profiel {profile.name})"
    mapped: dict[str, int] = {}
    ignored: list[str] = []
    for i, raw_name in enumerate(grid.header):
        key = normalise_header(raw_name)
        target = tprofile.columns.get(key)
        if target is None:
            ignored.append(raw_name.strip() or f"(kolom {i + 1} zonder naam)")
            continue
        if target in mapped:
            other = grid.header[mapped[target]]
            raise ExportError(
                f"{where}: kolommen {other.strip()!r} en {raw_name.strip()!r} geven allebei kolom {target}"
            )
        mapped[target] = i
    for column in table.columns:
        if column.required and column.name not in mapped:
            expected = [k for k, v in tprofile.columns.items() if v == column.name]
            raise ExportError(
                f"{grid.bestand}: verplichte kolom {column.name} ontbreekt (tabel {table.name}, "
                f"profiel {profile.name}; verwachte kopnaam {' of '.join(expected)})"
            )
    width = len(grid.header)
    frame = grid.frame.select(
        [
            (
                _null_if_empty(pl.col(f"c{mapped[c.name]}")) if c.name in mapped else pl.lit(None, pl.String)
            ).alias(c.name)
            for c in table.columns
        ]
        + [pl.col(LINE_COLUMN), pl.col(_FIELDS)]
    )
    ragged = frame.filter(pl.col(_FIELDS) != width)
    frame = frame.filter(pl.col(_FIELDS) == width)
    parsed, errors, fmt = _parse_columns(frame, table, tprofile, profile, where)
    frame, parsed, errors = _parse_distinct(frame, table, parsed, errors)
    error_cols = [f"__fout_{name}" for name, _ in errors]
    checked = (
        frame.lazy()
        .with_columns([expr.alias(alias) for (_, expr), alias in zip(errors, error_cols, strict=True)])
        .with_columns(
            pl.all_horizontal([pl.col(c).is_null() for c in error_cols]).alias("__ok")
            if error_cols
            else pl.lit(True).alias("__ok")
        )
        .collect()
    )
    raw_values = {name: alias for (name, _), alias in zip(errors, error_cols, strict=True)}
    reject_parts = []
    for name, alias in raw_values.items():
        bad = checked.filter(pl.col(alias).is_not_null())
        if bad.height:
            reject_parts.append(
                bad.select(
                    pl.lit(table.name).alias("tabel"),
                    pl.lit(grid.bestand).alias("bestand"),
                    pl.col(LINE_COLUMN).alias("regel"),
                    pl.lit(name).alias("kolom"),
                    pl.lit("type").alias("controle"),
                    pl.col(name).alias("waarde"),
                    pl.col(alias).alias("melding"),
                )
            )
    if ragged.height:
        reject_parts.append(
            ragged.select(
                pl.lit(table.name).alias("tabel"),
                pl.lit(grid.bestand).alias("bestand"),
                pl.col(LINE_COLUMN).alias("regel"),
                pl.lit("").alias("kolom"),
                pl.lit("type").alias("controle"),
                pl.lit(None, pl.String).alias("waarde"),
                pl.format(f"regel heeft {{}} velden, de kopregel {width}", pl.col(_FIELDS)).alias("melding"),
            )
        )
    rejects = (
        pl.concat(reject_parts).cast(REJECT_SCHEMA).sort("regel", "kolom", maintain_order=True)
        if reject_parts
        else _empty_rejects()
    )
    good = checked.filter(pl.col("__ok"))
    out_schema = {c.name: (pl.String() if c.kind == schema.BSN else c.clean_dtype()) for c in table.columns}
    typed = good.select(parsed + [pl.col(LINE_COLUMN)]).cast(
        pl.Schema(out_schema | {LINE_COLUMN: pl.Int64()})
    )
    fmt = {**grid.format, **{k: v for k, v in fmt.items() if v}}
    gelezen = grid.frame.height
    return RawTable(
        table=table.name,
        bestand=grid.bestand,
        frame=typed,
        rejects=rejects,
        gelezen=gelezen,
        ignored_columns=ignored,
        format=fmt,
    )


# --------------------------------------------------------------------------------------------
# Reference data in the export folder


def _read_inwoners(grid: _Grid) -> pl.DataFrame:
    """The `inwoners.csv` override; reference data, so any bad cell stops ingest."""
    names = [normalise_header(h) for h in grid.header]
    missing = [c for c in INWONERS_SCHEMA if c not in names]
    if missing:
        raise ExportError(
            f"{grid.bestand}: verplichte kolom {', '.join(missing)} ontbreekt (referentietabel inwoners)"
        )
    idx = {c: names.index(c) for c in INWONERS_SCHEMA}
    frame = grid.frame.select(
        [_null_if_empty(pl.col(f"c{idx[c]}")).alias(c) for c in INWONERS_SCHEMA] + [pl.col(LINE_COLUMN)]
    )
    typed = frame.with_columns(
        pl.when(pl.col("gemeentecode").str.contains(r"^\d{1,4}$")).then(pl.col("gemeentecode").str.zfill(4)),
        pl.when(pl.col("jaar").str.contains(_PLAIN_INT)).then(pl.col("jaar").cast(pl.Int64, strict=False)),
        pl.when(pl.col("inwoners_18plus").str.contains(_PLAIN_INT)).then(
            pl.col("inwoners_18plus").cast(pl.Int64, strict=False)
        ),
    )
    for column in INWONERS_SCHEMA:
        bad = typed.filter(pl.col(column).is_null())
        if bad.height:
            line = bad[LINE_COLUMN][0]
            value = frame.filter(pl.col(LINE_COLUMN) == line)[column][0]
            raise ExportError(
                f"{grid.bestand}, regel {line}, kolom {column}: waarde {value!r} ontbreekt of is ongeldig "
                "(gemeentecode 4 cijfers, jaar en inwoners_18plus gehele getallen)"
            )
    return typed.select([pl.col(c).cast(t) for c, t in INWONERS_SCHEMA.items()]).sort("gemeentecode", "jaar")


# --------------------------------------------------------------------------------------------
# The export as a whole


def _known_headers(tprofile: TableProfile) -> set[str]:
    return set(tprofile.columns)


def _table_for_name(profile: Profile) -> dict[str, str]:
    """Lower-cased file name (and its stem, for workbook sheets) -> standard table."""
    out: dict[str, str] = {}
    for table_name, tprofile in profile.tables.items():
        for file_name in tprofile.files:
            out[file_name.lower()] = table_name
    return out


def read_export(path: Path, profile: str | Path | None = None) -> ExportRead:
    """Read an export folder (or `.xlsx` workbook) in the layout of `profile` into standard tables."""
    path = Path(path)
    prof = load_profile(profile)
    if not path.exists():
        raise ExportError(f"export {path} bestaat niet")
    by_file = _table_for_name(prof)
    by_sheet = {Path(f).stem.lower(): t for f, t in by_file.items()} | {t: t for t in prof.tables}
    grids: dict[str, tuple[_Grid, Path]] = {}
    ignored: list[str] = []
    files: list[Path] = []
    inwoners: pl.DataFrame | None = None

    def add(table_name: str, grid: _Grid, source: Path) -> None:
        if table_name in grids:
            raise ExportError(
                f"tabel {table_name} komt twee keer voor in de export: {grids[table_name][0].bestand} "
                f"en {grid.bestand} (profiel {prof.name})"
            )
        grids[table_name] = (grid, source)

    entries = [path] if path.is_file() else sorted(path.iterdir(), key=lambda p: p.name)
    for entry in entries:
        lower = entry.name.lower()
        if entry.is_dir() or entry.name.startswith("."):
            ignored.append(entry.name + ("/" if entry.is_dir() else ""))
        elif lower in by_file:
            table_name = by_file[lower]
            files.append(entry)
            forced = prof.delimiter
            add(table_name, _read_csv_grid(entry, _known_headers(prof.tables[table_name]), forced), entry)
        elif lower == "inwoners.csv":
            files.append(entry)
            inwoners = _read_inwoners(_read_csv_grid(entry, set(INWONERS_SCHEMA)))
        elif lower.endswith(".xlsx"):
            files.append(entry)
            sheets, sheets_ignored = _read_workbook(entry, by_sheet, prof)
            for table_name, grid in sheets:
                add(table_name, grid, entry)
            ignored.extend(sheets_ignored)
        elif lower.endswith(".xls"):
            raise ExportError(
                f"{entry.name}: het oude Excel-formaat .xls wordt niet gelezen; sla op als .xlsx of CSV"
            )
        else:
            ignored.append(entry.name)
    for table_name in schema.REQUIRED_TABLES:
        if table_name not in grids:
            expected = " of ".join(prof.tables[table_name].files)
            raise ExportError(
                f"verplichte tabel {table_name} ontbreekt in {path} (profiel {prof.name}; verwacht bestand "
                f"{expected} "
                "of een werkblad met die naam)"
            )
    # each grid (every cell as text) is let go once its table is typed: the two never all coexist
    tables = {
        name: _table_from_grid(grids.pop(name)[0], schema.TABLES[name], prof.tables[name], prof)
        for name in schema.TABLE_ORDER
        if name in grids
    }
    return ExportRead(
        tables=tables, profile=prof.name, ignored_files=sorted(ignored), files=files, inwoners=inwoners
    )


def _read_workbook(
    file: Path, by_sheet: dict[str, str], prof: Profile
) -> tuple[list[tuple[str, _Grid]], list[str]]:
    """Every sheet named after a table (case-insensitive); other sheets are reported as ignored."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        # the reader's text may quote cell contents: name the kind of failure only
        raise ExportError(f"{file.name}: geen leesbare .xlsx-werkmap ({type(exc).__name__})") from None
    grids: list[tuple[str, _Grid]] = []
    ignored: list[str] = []
    try:
        for sheet in workbook.sheetnames:
            label = f"{file.name}[{sheet}]"
            table_name = by_sheet.get(normalise_header(sheet)) or by_sheet.get(sheet.strip().lower())
            if table_name is None:
                ignored.append(label)
                continue
            bsn_names = {k for k, v in prof.tables[table_name].columns.items() if v == "bsn"}
            grids.append((table_name, _read_sheet_grid(workbook, sheet, label, bsn_names)))
    finally:
        workbook.close()
    return grids, ignored


# --------------------------------------------------------------------------------------------
# Writing a standard export in a profile's layout (the inverse mapping; for tests and demos)


def _restyle_dates(
    raw: pl.Expr, source: str | None, target: str, styles: dict[str, tuple[str, str]], month: bool
) -> pl.Expr:
    """Dates in the column's own style rewritten in `target`; anything else left as delivered."""
    if source is None:
        return raw
    fmt, pattern = styles[source]
    parsed = pl.when(raw.str.contains(pattern)).then(
        (raw + "-01").str.strptime(pl.Date, fmt + "-%d", strict=False)
        if month
        else raw.str.strptime(pl.Date, fmt, strict=False)
    )
    return pl.coalesce(parsed.dt.strftime(styles[target][0]), raw)


def _vendor_column(
    raw: pl.Expr, values: pl.Series, column: schema.Column, tprofile: TableProfile, profile: Profile
) -> pl.Expr:
    """One standard column's text as the profile's layout would carry it."""
    trimmed = _null_if_empty(raw)
    stripped = values.str.strip_chars()
    where = f"kolom {column.name}"
    if column.kind == schema.CODE and column.name in tprofile.codes_out:
        back = tprofile.codes_out[column.name]
        standard = _code_expr(trimmed, column, {})
        return pl.coalesce(standard.replace_strict(list(back), list(back.values()), default=None), raw)
    if column.kind == schema.LIST and column.name in tprofile.codes_out:
        back = tprofile.codes_out[column.name]
        element = pl.element().str.strip_chars()
        element = pl.coalesce(
            element.str.to_lowercase().replace_strict(list(back), list(back.values()), default=None), element
        )
        return (
            pl.when(trimmed.is_null())
            .then(raw)
            .otherwise(trimmed.str.split("|").list.eval(element).list.join("|"))
        )
    if column.kind == schema.DATE and (tprofile.date_styles.get(column.name) or profile.date_style):
        source = _pick_style(stripped, {s: p for s, (_, p) in DATE_STYLES.items()}, where, "datumstijl")
        target = tprofile.date_styles.get(column.name) or profile.date_style
        assert target is not None  # the condition above
        return _restyle_dates(trimmed, source, target, DATE_STYLES, False)
    if column.kind == schema.MONTH and profile.month_style:
        source = _pick_style(stripped, {s: p for s, (_, p) in MONTH_STYLES.items()}, where, "maandstijl")
        return _restyle_dates(trimmed, source, profile.month_style, MONTH_STYLES, True)
    if column.kind == schema.DECIMAL and profile.decimal_separator == ",":
        if _pick_style(stripped, DECIMAL_SEPARATORS, where, "decimaalteken") == ",":
            return raw
        return (
            pl.when(trimmed.str.contains(DECIMAL_SEPARATORS["."]))
            .then(trimmed.str.replace(".", ",", literal=True))
            .otherwise(raw)
        )
    return raw


def _refuse_code_collisions(
    grid: _Grid, i: int, column: schema.Column, tprofile: TableProfile, prof: Profile
) -> None:
    """An unknown standard code that is also a source code of the profile cannot be written faithfully."""
    back = tprofile.codes_out.get(column.name)
    if column.kind != schema.CODE or not back:
        return
    forward = tprofile.codes[column.name]
    checked = grid.frame.select(
        _code_expr(_null_if_empty(pl.col(f"c{i}")), column, {}).alias("code"),
        _null_if_empty(pl.col(f"c{i}")).str.to_lowercase().alias("raw"),
        pl.col(LINE_COLUMN),
    ).filter(~pl.col("code").is_in(list(back)) & pl.col("raw").is_in(list(forward)))
    if checked.height:
        raise ExportError(
            f"{grid.bestand}, regel {checked[LINE_COLUMN][0]}, kolom {column.name}: onbekende code "
            f"{checked['raw'][0]!r} is in profiel {prof.name} een geldige code; herschrijven zou haar "
            f"betekenis veranderen"
        )


def write_in_profile_layout(std_dir: Path, profile: str | Path, out: Path) -> list[Path]:
    """Rewrite a standard export folder in `profile`'s layout (file and column names, codes, styles).

    Rows keep their order and their physical lines (quoted multi-line fields stay quoted), so a
    reject found in the rewritten export names the same line as in the standard one. Values the
    profile does not know (for example faulty codes) are written as delivered. Blank lines are
    not carried over. `inwoners.csv` is copied as it is; other files are left out.
    """
    std_dir, out = Path(std_dir), Path(out)
    prof = load_profile(profile)
    standard = load_profile(STANDARD_PROFILE)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    by_file = _table_for_name(standard)
    for entry in sorted(std_dir.iterdir(), key=lambda p: p.name):
        lower = entry.name.lower()
        if lower == "inwoners.csv":
            target = out / "inwoners.csv"
            target.write_bytes(entry.read_bytes())
            written.append(target)
            continue
        if lower not in by_file:
            continue
        table = schema.TABLES[by_file[lower]]
        tprofile = prof.tables[table.name]
        grid = _read_csv_grid(entry, _known_headers(standard.tables[table.name]))
        ragged = grid.frame.filter(pl.col(_FIELDS) != len(grid.header))
        if ragged.height:
            raise ExportError(
                f"{entry.name}, regel {ragged[LINE_COLUMN][0]}: ander aantal velden dan de kopregel; "
                "zo'n bestand kan niet in een andere layout worden herschreven"
            )
        names: list[str] = []
        exprs: list[pl.Expr] = []
        for i, raw_name in enumerate(grid.header):
            key = normalise_header(raw_name)
            raw = pl.col(f"c{i}")
            if key in table.names:
                column = table.column(key)
                _refuse_code_collisions(grid, i, column, tprofile, prof)
                names.append(tprofile.names_out.get(key, key))
                exprs.append(_vendor_column(raw, grid.frame[f"c{i}"], column, tprofile, prof).alias(f"c{i}"))
            else:
                names.append(raw_name)
                exprs.append(raw)
        frame = grid.frame.select(exprs)
        frame.columns = [f"c{i}" for i in range(len(names))]
        text = frame.write_csv(
            None,
            include_header=False,
            separator=prof.delimiter or ";",
            line_terminator=prof.line_ending,
            quote_style="necessary",
        )
        header = io.StringIO()
        csv.writer(header, delimiter=prof.delimiter or ";", lineterminator=prof.line_ending).writerow(names)
        target = out / tprofile.files[0]
        try:
            data = (header.getvalue() + text).encode(prof.encoding)
        except UnicodeEncodeError as exc:
            raise ExportError(
                f"{entry.name}: teken {exc.object[exc.start]!r} past niet in {prof.encoding}"
            ) from exc
        target.write_bytes(data)
        written.append(target)
    return written
