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
from tests.support.vegalite import schema_errors


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


def test_reference_labels_never_overlap_and_keep_their_order():
    positions = charts.label_positions([60.0, 60.0, 61.0, 10.0], top=100.0, height=260)
    ordered = sorted(positions)
    assert all(b - a >= charts.LABEL_GAP for a, b in zip(ordered, ordered[1:], strict=False))
    assert positions[3] > max(positions[:3])  # 10 % stays below the labels at 60 %
    low = charts.label_positions([0.0, 0.1], top=5.0, height=260)  # at the bottom: pushed back up
    assert max(low) <= 260 and abs(low[0] - low[1]) >= charts.LABEL_GAP


@pytest.mark.parametrize(("value", "top"), [(0.0, 1.0), (0.4, 0.4), (5.0, 5.0), (13.2, 14.0), (86.1, 100.0)])
def test_nice_max(value, top):
    assert charts.nice_max(value) == pytest.approx(top)


def test_small_percentages_get_distinct_axis_labels_and_the_whole_expectation_band():
    frame = pl.DataFrame(
        {
            "periode": ["2024 K2", "2024 K3"],
            "reeks": ["Uitstroom naar betaald werk"] * 2,
            "waarde": [0.0, 0.0],
        }
    )
    chart = charts.series_chart(
        frame,
        title="Uitstroom",
        y_title="Percentage",
        unit="pct",
        bands=[("Uitstroom naar betaald werk", "verwachting 1 tot en met 5 %", 1.0, 5.0)],
    )
    texts = _texts(_svg(chart))
    ticks = [t for t in texts if re.fullmatch(r"[\d,]+ %", t)]
    assert len(ticks) == len(set(ticks)) >= 4, ticks  # not `1 %, 1 %, 1 %, 0 %`
    assert "5 %" in ticks and "verwachting 1 tot en met 5 %" in texts
    spec = chart.to_dict()
    rects = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "rect"]
    assert rects, "the band is drawn, not only its lower end"


def test_a_group_has_one_colour_in_every_chart():
    def colours(labels):
        frame = pl.DataFrame(
            {"periode": ["2024 K3"] * len(labels), "reeks": labels, "waarde": [1.0] * len(labels)}
        )
        spec = charts.series_chart(frame, title="x", y_title="y").to_dict()
        scale = next(
            layer["encoding"]["color"]["scale"]
            for layer in spec["layer"]
            if "color" in layer.get("encoding", {})
        )
        return dict(zip(scale["domain"], scale["range"], strict=True))

    one = colours(["Alleenstaande ouders", "Statushouders", "50 jaar of ouder"])
    two = colours(["Statushouders", "Doelgroepregister", "Ontheffing", "Alleenstaande ouders"])
    assert (
        one["Statushouders"] == two["Statushouders"]
        and one["Alleenstaande ouders"] == two["Alleenstaande ouders"]
    )
    assert len(set(two.values())) == 4
    assert set(charts.FIXED_COLOURS.values()) <= set(charts.PALETTE) | {charts.GREY}  # Okabe-Ito


def test_legends_are_never_cut_off():
    frame = pl.DataFrame(
        {
            "periode": ["2024 K3", "2024 K3"],
            "reeks": [
                "Doorverwijzingen zorg en schuldhulp (12 maanden)",
                "Tegenprestatie of vrijwilligerswerk",
            ],
            "waarde": [41.0, 139.0],
        }
    )
    spec = charts.series_chart(frame, title="x", y_title="y").to_dict()
    assert spec["config"]["legend"]["labelLimit"] == 0
    texts = _texts(_svg(charts.series_chart(frame, title="x", y_title="y")))
    assert "Doorverwijzingen zorg en schuldhulp (12 maanden)" in texts and not any("…" in t for t in texts)


def test_chart_without_values_says_so():
    frame = pl.DataFrame(
        {"periode": ["2024 K3"], "reeks": ["Werken"], "waarde": [None]},
        schema_overrides={"waarde": pl.Float64},
    )
    assert charts.drawn_points(charts.series_chart(frame, title="x", y_title="y")) == 0
    assert (
        charts.drawn_points(
            charts.series_chart(frame.with_columns(pl.lit(3.0).alias("waarde")), title="x", y_title="y")
        )
        == 1
    )


def test_labels_come_from_the_one_formatter():
    frame = pl.DataFrame({"categorie": ["A", "B"], "waarde": [1.15, 12.345]})
    texts = _texts(_svg(charts.bar_chart(frame, title="x", x_title="c", y_title="v", unit="ratio")))
    assert "1,15" in texts and "12,3" in texts  # format_nl: two decimals below 10, one from 10


def test_a_layered_chart_carries_its_data_once_and_its_spec_is_valid_vega_lite(trend):
    spec = charts.spec_of(charts.trend_chart(trend, title="U", y_title="P", meerjarig=11.0, norm=12.1))
    assert [row["periode"] for row in spec["data"]["values"]] == ["2024 K1", "2024 K2", "2024 K3"]
    own = [layer["data"]["values"] for layer in spec["layer"] if "data" in layer]
    assert own and all("periode" not in row for values in own for row in values)  # only the reference lines
    assert charts.spec_of(spec) is spec  # a spec is handed on as it is, not converted again
    assert schema_errors(spec) is None

    import altair as alt

    broken = alt.LayerChart(layer=[alt.Chart().mark_line().encode(x="a:Q")], data=alt.Data(values=[]))
    broken._kwds["width"] = "breed"  # what a builder with a mistake would produce
    assert "'breed' is not of type 'number'" in (schema_errors(charts.spec_of(broken)) or "")
