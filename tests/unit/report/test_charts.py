"""Chart builders: Dutch number formats in the rendered output, suppression marked, offline, Jupyter
mimebundle.
"""

from __future__ import annotations

import html
import json
import re

import polars as pl
import pytest

from pipelines.report import charts


def _texts(svg: str) -> list[str]:
    return re.findall(r">([^<>]+)</text>", svg)


def _svg(chart) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict(), allowed_base_urls=[])


@pytest.fixture
def trend() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "periode": ["2024 K1", "2024 K2", "2024 K3"],
            "waarde": [12.5, None, 1234.5],
            "ci_laag": [10.0, None, 1200.0],
            "ci_hoog": [15.0, None, 1300.0],
            "onderdrukt": [None, "teller_klein", None],
        }
    )


def test_trend_chart_renders_dutch_numbers_and_marks_suppression(trend):
    chart = charts.trend_chart(trend, title="Uitstroom", y_title="Percentage", meerjarig=11.0, norm=12.1)
    spec = chart.to_dict()
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["config"]["locale"]["time"]["months"][2] == "maart"
    assert "1 punt niet getoond (-): onderdrukt (kleine aantallen)." in spec["title"]["subtitle"]
    texts = _texts(_svg(chart))
    assert "norm: 10 % hoger dan het meerjarig gemiddelde" in texts and "meerjarig gemiddelde" in texts
    assert any(t.endswith(" %") and "." in t for t in texts), texts  # an axis label like `1.200 %`
    assert "-" in texts  # the suppressed quarter is marked on the axis


def test_series_chart_reference_lines_and_ratio_format():
    frame = pl.DataFrame(
        {
            "periode": ["2024 K2", "2024 K2", "2024 K3", "2024 K3"],
            "reeks": ["A", "B", "A", "B"],
            "waarde": [55.25, 20.0, 1234.5, None],
            "onderdrukt": [None, None, None, "aantal_klein"],
        }
    )
    chart = charts.series_chart(
        frame, title="LKS", y_title="Aantal", unit="ratio", references=[("A", "referentie 55 %", 55.0)]
    )
    texts = _texts(_svg(chart))
    assert "referentie 55 %" in texts
    assert any(re.fullmatch(r"1\.\d00", s) for s in texts), texts  # a Dutch thousands tick such as `1.200`
    assert any("niet getoond" in s for s in chart.to_dict()["title"]["subtitle"])


def test_bar_chart_labels_show_masked_counts():
    frame = pl.DataFrame(
        {
            "categorie": ["0", "1", "4+"],
            "waarde": [12.0, None, 1234.0],
            "onderdrukt": [None, "aantal_klein", None],
        }
    )
    texts = _texts(_svg(charts.bar_chart(frame, title="FIP", x_title="Aantal", y_title="Klanten", norm=50.0)))
    assert "<5" in {html.unescape(s) for s in texts}
    assert "1.234" in texts and "12" in texts and "norm" in texts


def test_mimebundle_is_inline_vegalite_with_text_fallback(trend):
    bundle = charts.mimebundle(charts.trend_chart(trend, title="Uitstroom", y_title="Percentage"))
    assert set(bundle) == {charts.VEGALITE_MIMETYPE, "text/plain"}
    assert charts.VEGALITE_MIMETYPE == "application/vnd.vegalite.v5+json"
    spec = bundle[charts.VEGALITE_MIMETYPE]
    text = json.dumps(spec)
    assert '"url"' not in text  # data inlined, nothing fetched
    assert bundle["text/plain"] == "<Grafiek: Uitstroom>"


def test_specs_also_compile_with_vega_lite_5_as_in_jupyterlab(trend):
    """JupyterLab 4 draws `application/vnd.vegalite.v5+json` with Vega-Lite 5: the specs must compile there
    too.
    """
    import vl_convert as vlc

    spec = charts.trend_chart(
        trend, title="Uitstroom", y_title="Percentage", meerjarig=11.0, norm=12.1, bars=True
    ).to_dict()
    versions = [v for v in vlc.get_vegalite_versions() if v.startswith("5.")]
    svg = vlc.vegalite_to_svg(spec, vl_version=versions[-1], allowed_base_urls=[])
    # locale and layers survive
    assert "1.200 %" in _texts(svg) and "norm: 10 % hoger dan het meerjarig gemiddelde" in _texts(svg)


def test_save_chart_writes_svg_and_png(tmp_path, trend):
    chart = charts.trend_chart(trend, title="Uitstroom", y_title="Percentage")
    written = charts.save_chart(chart, tmp_path / "grafieken", "uitstroom")
    assert [p.name for p in written] == ["uitstroom.svg", "uitstroom.png"]
    assert written[0].read_text(encoding="utf-8").startswith("<svg")
    assert written[1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert charts.save_chart(chart, "", "uitstroom") == []


def test_same_input_gives_the_same_spec(trend):
    one = json.dumps(charts.trend_chart(trend, title="U", y_title="P").to_dict(), sort_keys=True)
    two = json.dumps(charts.trend_chart(trend.clone(), title="U", y_title="P").to_dict(), sort_keys=True)
    assert one == two
