"""Every CSV file the suite writes goes through here: a text cell cannot become a spreadsheet formula.

A cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return) is run as a formula by
Excel and LibreOffice when the file is opened (`=hyperlink(...)`, `=cmd|' /c calc'!a0`). Following
OWASP's advice such a cell is written with a leading `'`, which shows the text as it came and runs
nothing. Numbers are not text cells and stay as they are (`-3.5` is a number).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_PATTERN = r"^[=+\-@\t\r]"


def neutralise_cell(text: str) -> str:
    """One text cell as it may be written: prefixed with `'` when a spreadsheet would run it."""
    return "'" + text if text.startswith(FORMULA_START) else text


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Every String column of `frame` with formula-like cells prefixed with `'`."""
    return frame.with_columns(
        [
            pl.when(pl.col(c).str.contains(_FORMULA_PATTERN))
            .then(pl.lit("'") + pl.col(c))
            .otherwise(pl.col(c))
            .alias(c)
            for c, dtype in frame.schema.items()
            if dtype == pl.String
        ]
    )


def write_csv(frame: pl.DataFrame, path: str | Path, **options: Any) -> Path:
    """`frame.write_csv(path, **options)` with formula-like text cells neutralised."""
    path = Path(path)
    neutralise_formulas(frame).write_csv(path, **options)
    return path
