"""The files of a research extract: parquet and CSV as they are, SPSS and Stata with numeric codes and labels.

Parquet and CSV keep the codes as text (`01` stays `01`). SPSS and Stata label values only on
numbers (Stata only on integers), so there every code becomes a number: a code list of digits keeps
its number (`01` -> 1, `97` -> 97), any other list numbers its codes 1, 2, ... in the order of the
codebook; ja/nee becomes 1/0. The mapping is the same in both files and is printed in the codebook.
A CSV cell that starts with `=`, `+`, `-` or `@` gets a leading `'` so that a spreadsheet shows it
as text instead of running it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
import pyreadstat

from pipelines.research.codebook import Field, TableSpec
from pipelines.research.kanonymity import BAND_YEARS

#: Stata allows 80 characters in a variable or file label; SPSS more, but one text serves both.
STATA_LABEL_MAX = 80
_FORMULA_START = ("=", "+", "-", "@")


def numeric_code_map(field: Field) -> dict[Any, int] | None:
    """code -> number for SPSS/Stata (None for a column without a code list)."""
    if not field.codes:
        return None
    codes = [c for c, _, _ in field.codes]
    if all(isinstance(c, int) for c in codes):
        return {c: c for c in codes}
    if all(isinstance(c, str) and c.isdigit() for c in codes):
        return {c: int(c) for c in codes}
    return {c: i for i, c in enumerate(codes, start=1)}


def value_labels(field: Field, frame: pl.DataFrame) -> dict[int | float, str] | None:
    """Number -> Dutch label for SPSS/Stata; birth-year bands labelled from the data (1985 -> 1985-1989)."""
    if field.type == "boolean":
        return {0: "nee", 1: "ja"}
    if field.name == "geboortejaar_klasse":
        years = sorted(frame.get_column(field.name).drop_nulls().unique().to_list())
        return {int(y): f"{y}-{y + BAND_YEARS - 1}" for y in years}
    mapping = numeric_code_map(field)
    if mapping is None:
        return None
    return {mapping[c]: nl for c, nl, _ in field.codes or ()}


def numeric_frame(frame: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """The frame as SPSS/Stata store it: codes and ja/nee as integers, everything else unchanged."""
    exprs = []
    for field in spec.fields:
        col = pl.col(field.name)
        mapping = numeric_code_map(field)
        if field.type == "boolean":
            exprs.append(col.cast(pl.Int8).alias(field.name))
        elif mapping is not None and field.type == "string":
            exprs.append(col.replace_strict(mapping, default=None, return_dtype=pl.Int32).alias(field.name))
        elif field.type == "integer":
            exprs.append(col.cast(pl.Int32).alias(field.name))
        else:
            exprs.append(col)
    return frame.select(exprs)


def _label(text: str) -> str:
    return text if len(text) <= STATA_LABEL_MAX else text[: STATA_LABEL_MAX - 3] + "..."


def variable_label(field: Field) -> str:
    """The Dutch description up to its first `;` or `:` (the codebook has the rest), pseudonyms marked."""
    short = re.split(r"[;:]", field.nl, maxsplit=1)[0].strip()
    return _label(f"{short} (pseudoniem)" if field.pseudonym else short)


def _measure(field: Field) -> str:
    if field.ordinal:
        return "ordinal"
    if field.codes or field.type in ("boolean", "string"):
        return "nominal"
    return "scale"


def excel_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells starting with = + - @ prefixed with `'` (spreadsheets would run them as formulas)."""
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            col = pl.col(name)
            risky = col.str.starts_with(_FORMULA_START[0])
            for start in _FORMULA_START[1:]:
                risky = risky | col.str.starts_with(start)
            exprs.append(pl.when(risky.fill_null(False)).then(pl.lit("'") + col).otherwise(col).alias(name))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    """UTF-8, comma, `\\n`, ISO dates, `true`/`false`, empty = missing (as the datapackage says)."""
    excel_safe(frame).write_csv(
        path, separator=",", line_terminator="\n", date_format="%Y-%m-%d", null_value=""
    )
    return path


def write_parquet(frame: pl.DataFrame, path: Path) -> Path:
    frame.write_parquet(path, compression="zstd", statistics=True)
    return path


def write_spss_stata(
    frame: pl.DataFrame, spec: TableSpec, sav: Path | None, dta: Path | None, file_label: str
) -> None:
    """The table as SPSS `.sav` and/or Stata `.dta` with variable labels (Dutch) and value labels."""
    data = numeric_frame(frame, spec)
    column_labels: dict[str, str | None] = {f.name: variable_label(f) for f in spec.fields}
    labels: dict[str, dict[int | float, str]] = {
        f.name: v for f in spec.fields if (v := value_labels(f, frame))
    }
    if sav is not None:
        formats = {
            f.name: "F8.0" for f in spec.fields if f.type in ("integer", "boolean") or f.name in labels
        }
        pyreadstat.write_sav(
            data,
            str(sav),
            file_label=_label(file_label),
            column_labels=column_labels,
            variable_value_labels=labels,
            variable_measure={f.name: _measure(f) for f in spec.fields},
            variable_format=formats,
        )
    if dta is not None:
        pyreadstat.write_dta(
            data,
            str(dta),
            file_label=_label(file_label),
            column_labels=column_labels,
            variable_value_labels=labels,
            version=15,
        )
