"""The one Dutch number formatter, as the report layer names it.

The implementation lives in `pipelines.text` (a core module), so the validation report of the ingest
layer, which may not import `report`, writes numbers and dates the same way; this module re-exports
it and adds what only the report needs.
"""

from __future__ import annotations

from pipelines.text import (
    NIET_BESCHIKBAAR,
    decimal_text,
    dutch_dates,
    flag_true,
    format_date,
    format_nl,
    range_text,
)

__all__ = [
    "NIET_BESCHIKBAAR",
    "UNIT_TEXT",
    "decimal_text",
    "dutch_dates",
    "flag_true",
    "format_date",
    "format_nl",
    "range_text",
]

UNIT_TEXT = {"pct": "%", "n": "aantal", "ratio": "verhouding", "eur": "euro", "vlag": "ja/nee"}
