"""The one Dutch number formatter and the one published-cell rule, pinned in one table."""

from __future__ import annotations

import math

import pytest

from pipelines.report.formats import format_nl
from pipelines.report.present import published_count, published_text

FORMATS = [
    # value, unit, text
    (12.345, "pct", "12,3 %"),
    (12.35, "pct", "12,4 %"),  # half-up on the decimal value, not banker's rounding on the float
    (0.0, "pct", "0,0 %"),
    (100.0, "pct", "100,0 %"),
    (1234.0, "n", "1.234"),
    (2000, "n", "2.000"),
    (1234.5, "n", "1.234,5"),  # a count that is not whole keeps its decimal (a mean of counts)
    (0.85, "ratio", "0,85"),
    (1.15, "ratio", "1,15"),
    (61.25, "ratio", "61,3"),
    (25.37, "ratio", "25,4"),
    (1234.5, "ratio", "1.234,5"),
    (1250.0, "eur", "€ 1.250"),
    (1234.5, "eur", "€ 1.235"),
    (12.5, "eur", "€ 12,50"),
    (1.0, "vlag", "ja"),
    (0.0, "vlag", "nee"),
    (0.5, "vlag", "ja"),
    (None, "pct", "n.b."),
    (math.nan, "n", "n.b."),
    (-0.04, "pct", "0,0 %"),  # no "-0,0 %"
]


@pytest.mark.parametrize("value, unit, text", FORMATS)
def test_format_nl(value, unit, text):
    assert format_nl(value, unit) == text


CELLS = [
    # value, unit, kind, onderdrukt, min_cell, text
    (3.0, "n", "aantal", "aantal_klein", 5, "<5"),
    (3.0, "n", "aantal", "aantal_klein", 10, "<10"),
    (33.3, "pct", "aandeel", "teller_klein", 5, "-"),
    (1.2, "ratio", "gemiddelde", "noemer_klein", 5, "-"),
    (120.0, "eur", "bedrag", "personen_klein", 5, "-"),
    (None, "pct", "aandeel", None, 5, "n.b."),
    (42.0, "pct", "aandeel", None, 5, "42,0 %"),
    (0.0, "n", "aantal", None, 5, "0"),
]


@pytest.mark.parametrize("value, unit, kind, onderdrukt, min_cell, text", CELLS)
def test_published_text(value, unit, kind, onderdrukt, min_cell, text):
    assert published_text(value, unit, kind, onderdrukt, min_cell) == text


@pytest.mark.parametrize(
    "n, text", [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (2000, "2.000"), (None, "n.b.")]
)
def test_published_count(n, text):
    assert published_count(n) == text
