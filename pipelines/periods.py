"""Periods of a run: kwartaal -> peildatum, the 12-month window, multi-year windows and coverage.

Definitions follow docs/definities.md. One rule for 29 February everywhere:
going back whole years from 29 February lands on 28 February (the last day of that February),
so the window of 2024-02-29 is 2023-03-01 .. 2024-02-29 (366 days, still exactly 12 months)
and the windows of a multi-year series stay adjacent.
"""

from __future__ import annotations

import datetime as dt
import re

from pipelines.errors import InputError
from pipelines.text import format_date

_KWARTAAL = re.compile(r"^\s*(\d{4})\s*[-_ ]?\s*[Qq]([1-4])\s*$")


class PeriodError(InputError, ValueError):
    """A kwartaal or peildatum that cannot be used."""


def parse_kwartaal(kwartaal: str) -> tuple[int, int]:
    """`"2024Q3"` -> `(2024, 3)`; anything else is refused with a Dutch message."""
    match = _KWARTAAL.match(str(kwartaal))
    if not match:
        raise PeriodError(
            f"kwartaal {kwartaal!r} niet herkend: gebruik jaar en kwartaal als 2024Q3 (kwartaal 1 tot en met "
            f"4)"
        )
    return int(match.group(1)), int(match.group(2))


def peildatum(kwartaal: str) -> dt.date:
    """Last day of the quarter: `"2024Q3"` -> 2024-09-30."""
    year, quarter = parse_kwartaal(kwartaal)
    return month_end(dt.date(year, 3 * quarter, 1))


def kwartaal_van(datum: dt.date) -> str:
    """The quarter a date falls in: 2024-08-15 -> `"2024Q3"`."""
    return f"{datum.year}Q{(datum.month - 1) // 3 + 1}"


def is_kwartaal_einde(datum: dt.date) -> bool:
    return datum == peildatum(kwartaal_van(datum))


def vorig_kwartaal(kwartaal: str, n: int = 1) -> str:
    """The quarter `n` quarters before (`n` may be negative)."""
    year, quarter = parse_kwartaal(kwartaal)
    index = year * 4 + (quarter - 1) - n
    return f"{index // 4}Q{index % 4 + 1}"


def kwartalen(van: str, tot: str) -> list[str]:
    """All quarters from `van` to `tot`, both inclusive, in order."""
    y0, q0 = parse_kwartaal(van)
    y1, q1 = parse_kwartaal(tot)
    first, last = y0 * 4 + q0 - 1, y1 * 4 + q1 - 1
    if last < first:
        raise PeriodError(f"kwartaal {tot} ligt voor {van}")
    return [f"{i // 4}Q{i % 4 + 1}" for i in range(first, last + 1)]


def month_end(datum: dt.date) -> dt.date:
    first_next = dt.date(datum.year + datum.month // 12, datum.month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def minus_months(datum: dt.date, months: int) -> dt.date:
    """`datum` moved back whole months; a day that does not exist becomes the month's last day."""
    index = datum.year * 12 + datum.month - 1 - months
    first = dt.date(index // 12, index % 12 + 1, 1)
    return first.replace(day=min(datum.day, month_end(first).day))


def minus_years(datum: dt.date, years: int) -> dt.date:
    """`datum` moved back whole years; 29 February becomes 28 February in a common year."""
    return minus_months(datum, 12 * years)


def window(b: dt.date) -> tuple[dt.date, dt.date]:
    """The 12 months ending at `b`: `(s, b)` with `s = b - 1 year + 1 day`, both inclusive."""
    return minus_years(b, 1) + dt.timedelta(days=1), b


def multi_year_peildata(b: dt.date, jaren: int = 4) -> list[dt.date]:
    """`b`, `b - 1y`, `b - 2y`, `b - 3y` (newest first): the peildata of the multi-year windows."""
    return [minus_years(b, k) for k in range(jaren)]


def multi_year_windows(b: dt.date, jaren: int = 4) -> list[tuple[dt.date, dt.date]]:
    return [window(p) for p in multi_year_peildata(b, jaren)]


def is_covered(s: dt.date, gegevens_vanaf: dt.date) -> bool:
    """A window is covered when the export is complete from its first day on."""
    return s >= gegevens_vanaf


def coverage(b: dt.date, gegevens_vanaf: dt.date, jaren: int = 4) -> list[tuple[dt.date, dt.date, bool]]:
    """Each multi-year window of `b` with whether it is covered (newest first)."""
    return [(s, e, is_covered(s, gegevens_vanaf)) for s, e in multi_year_windows(b, jaren)]


def age_on(geboortedatum: dt.date, datum: dt.date) -> int:
    """Whole years of age on `datum`; someone born on 29 February turns a year older on 1 March in a common
    year.
    """
    years = datum.year - geboortedatum.year
    if (datum.month, datum.day) < (geboortedatum.month, geboortedatum.day):
        years -= 1
    return years


def quarter_range(gegevens_vanaf: dt.date, extractiedatum: dt.date) -> tuple[str, str]:
    """The first and last quarter a delivery can report on: the quarter-end lies within
    `gegevens_vanaf` .. `extractiedatum` (the last may come before the first in a delivery of days).
    """
    last = kwartaal_van(extractiedatum)
    if peildatum(last) > extractiedatum:
        last = vorig_kwartaal(last)
    return kwartaal_van(gegevens_vanaf), last


def check_quarter(kwartaal: str, gegevens_vanaf: dt.date, extractiedatum: dt.date) -> dt.date:
    """The peildatum of `kwartaal`, refused (with the quarters that can be chosen) when the delivery
    has no data on it: before `gegevens_vanaf` or after `extractiedatum`.
    """
    b = peildatum(kwartaal)
    first, last = quarter_range(gegevens_vanaf, extractiedatum)
    choose = (
        f"; kies een kwartaal van {first} tot en met {last}"
        if peildatum(first) <= peildatum(last)
        else "; deze levering dekt geen heel kwartaal"
    )
    name = (
        f"kwartaal {parse_kwartaal(kwartaal)[0]}Q{parse_kwartaal(kwartaal)[1]} (peildatum {format_date(b)})"
    )
    if b < gegevens_vanaf:
        raise PeriodError(
            f"{name} ligt voor het begin van de gegevens in deze levering ({format_date(gegevens_vanaf)})"
            + choose
        )
    if b > extractiedatum:
        raise PeriodError(
            f"{name} ligt na de extractiedatum {format_date(extractiedatum)} van deze levering" + choose
        )
    return b


def series_peildata(b: dt.date, gegevens_vanaf: dt.date) -> list[dt.date]:
    """The quarter ends of a run's series, oldest first: from the first quarter whose 12-month window is
    covered up to `b`.

    The quarter before `b` is always in it (the dashboard's arrows compare with it), even when its window
    is not covered: its stock figures still are.
    """
    last = kwartaal_van(b)
    first = kwartaal_van(gegevens_vanaf)
    quarters = kwartalen(first, last) if peildatum(first) <= b else [last]
    ends = [peildatum(q) for q in quarters if peildatum(q) <= b]
    covered = [e for e in ends if is_covered(window(e)[0], gegevens_vanaf)]
    return sorted({*covered, peildatum(vorig_kwartaal(last)), b})
