"""Dutch text shared by every layer: the one number formatter and the one way to write a date.

Every page, tile, table, chart label, workbook text, console line and the validation report write
numbers and dates through here (`pipelines.report.formats` re-exports it for the report layer; the
ingest and KPI layers import it directly, since they may not import `report`).

The unit of the catalogue decides (`pipelines.kpi.registry.UNITS`):
- `pct`: one decimal and ` %` (`12,5 %`);
- `n`: whole numbers with a thousands dot (`2.000`); a count that is not whole keeps one decimal;
- `ratio`: two decimals below 10 (`0,85`, `1,15`), one from 10 (`25,4`);
- `eur`: `€ 1.250` from 100 euro, cents below (`€ 12,50`);
- `vlag`: `ja` / `nee` (a value of 0.5 or more is `ja`, as `flag_true` decides everywhere).
Rounding is half-up on the decimal value (0.85 -> `0,9` with one decimal), never banker's rounding
on the binary float, so a reader who rounds by hand gets the same text. Missing is `n.b.`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import ROUND_HALF_UP, Decimal

NIET_BESCHIKBAAR = "n.b."


def flag_true(value: float) -> bool:
    """A norm flag (0/1 in kpis.csv) read as a verdict."""
    return value >= 0.5


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def decimal_text(value: float, decimals: int) -> str:
    """`value` rounded half-up to `decimals`, with Dutch separators: 1234.5, 1 -> `1.234,5`."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_nl(value: float | int | None, unit: str = "n", decimals: int | None = None) -> str:
    """A figure as Dutch text by its unit; `decimals` overrides the unit's default precision."""
    if _is_missing(value):
        return NIET_BESCHIKBAAR
    assert value is not None
    if unit == "vlag":
        return "ja" if flag_true(value) else "nee"
    if decimals is not None:
        places = decimals
    elif unit == "pct":
        places = 1
    elif unit == "eur":
        places = 0 if abs(value) >= 100 else 2
    elif unit == "ratio":
        places = 2 if abs(value) < 10 else 1
    else:
        places = 0 if float(value).is_integer() else 1
    text = decimal_text(value, places)
    if unit == "pct":
        return f"{text} %"
    if unit == "eur":
        return f"€ {text}"
    return text


def format_date(value: dt.date | str) -> str:
    """Dates as Dutch readers write them: `30-09-2024` (an ISO string is accepted too)."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value.strftime("%d-%m-%Y")


_ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")


def dutch_dates(text: str) -> str:
    """Every ISO date inside a text (`venster 2023-10-01 t/m ...`) written as `01-10-2023`."""
    return _ISO_DATE.sub(lambda m: f"{m.group(3)}-{m.group(2)}-{m.group(1)}", str(text))


def range_text(low: float, high: float, unit: str = "n") -> str:
    """An inclusive range in the house wording: `1 tot en met 4`, `60 tot en met 70 %`."""
    whole = float(low).is_integer() and float(high).is_integer()
    decimals = 0 if whole and unit == "pct" else None
    first = format_nl(low, unit, decimals).removesuffix(" %")
    return f"{first} tot en met {format_nl(high, unit, decimals)}"
