"""The relative norm in words on a tile ("10 % hoger dan het meerjarig gemiddelde"), value and verdict."""

from __future__ import annotations

import datetime as dt

from pipelines.kpi.registry import KPI_CATALOGUE
from pipelines.report.dashboard import Norms, norm_status
from pipelines.report.present import relative_norm_text

B = dt.date(2024, 9, 30)


def _rows(**values):
    return {
        (kpi, "totaal", B): {"kpi": kpi, "waarde": v, "reden": None, "tekst": str(v)}
        for kpi, v in values.items()
    }


def test_the_norm_is_relative_in_words_with_its_value_and_verdict():
    rows = _rows(
        uitstroom_werk_pct=11.43,
        uitstroom_werk_pct_meerjarig=10.39,
        uitstroom_werk_pct_normwaarde=11.429,
        uitstroom_werk_norm=1.0,
        uitstroom_werk_norm_zeker=0.0,
    )
    status, text = norm_status(rows, "uitstroom_werk_pct", "totaal", B, KPI_CATALOGUE, Norms({}))
    assert status == "gehaald"
    assert text == (
        "norm: 10 % hoger dan het meerjarig gemiddelde (10,4 %), dus ten minste 11,4 %; "
        "onzeker: het 95 %-interval omvat de normwaarde"
    )
    assert "+10" not in text


def test_fixed_baseline_and_a_certain_verdict():
    rows = _rows(
        deeltijdwerk_inkomen_pct=21.8,
        deeltijdwerk_inkomen_pct_vast=15.49,
        deeltijdwerk_inkomen_pct_normwaarde=17.04,
        deeltijdwerk_inkomen_norm=1.0,
        deeltijdwerk_inkomen_norm_zeker=1.0,
    )
    status, text = norm_status(
        rows, "deeltijdwerk_inkomen_pct", "totaal", B, KPI_CATALOGUE, Norms({}, 1.10, "vast")
    )
    assert status == "gehaald"
    assert text.startswith("norm: 10 % hoger dan het gemiddelde van de basisjaren (vaste basis) (15,5 %)")
    assert text.endswith("zeker: het 95 %-interval ligt geheel aan één kant van de normwaarde")


def test_norm_words_follow_the_factor():
    assert relative_norm_text(1.10) == "10 % hoger dan het meerjarig gemiddelde"
    assert relative_norm_text(1.075) == "7,5 % hoger dan het meerjarig gemiddelde"
