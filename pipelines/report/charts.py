"""Altair charts for the KPI notebooks: Dutch labels and number formats, drawn without a network.

Every builder takes a small polars frame that has already been through the disclosure rule
(`pipelines.disclosure`; a suppressed figure arrives as a null `waarde` with a reason in
`onderdrukt`) and returns an Altair chart with the Dutch locale in its config, so the same
spec renders `12,5 %` and `1.234` in JupyterLab, in the offline HTML pages and in PNG/SVG.

`show(chart)` puts the chart in a notebook as a Vega-Lite mimebundle (data inlined, no
script from a CDN); `save_chart` writes SVG and PNG with vl-convert (no browser, no network).
"""

from __future__ import annotations

import functools
import json
import math
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

# jsonschema (imported by altair) compiles an IRI grammar at import when rfc3987_syntax is installed:
# about 3 s of CPU at every kernel start, for a format check Altair never makes. Skip it unless
# something in this process loaded it already (measured: `import altair` 3.9 s -> 0.9 s CPU).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import altair as alt  # noqa: E402
import polars as pl  # noqa: E402
from altair.utils.schemapi import debug_mode  # noqa: E402

from pipelines.kpi.doelgroepen import GROEP_LABELS  # noqa: E402
from pipelines.report import typeface  # noqa: E402
from pipelines.report.formats import format_nl  # noqa: E402

P = ParamSpec("P")
R = TypeVar("R")

#: d3-format locale for nl-NL (decimal comma, thousands dot), as vega's `formatLocale`.
NL_FORMAT_LOCALE: dict[str, Any] = {
    "decimal": ",",
    "thousands": ".",
    "grouping": [3],
    "currency": ["€\u00a0", ""],
}

#: d3-time-format locale for nl-NL (Dutch month and day names), as vega's `timeFormatLocale`.
NL_TIME_FORMAT_LOCALE: dict[str, Any] = {
    "dateTime": "%a %e %B %Y %X",
    "date": "%d-%m-%Y",
    "time": "%H:%M:%S",
    "periods": ["AM", "PM"],
    "days": ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
    "shortDays": ["zo", "ma", "di", "wo", "do", "vr", "za"],
    "months": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "shortMonths": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
}

#: Okabe-Ito: a palette readers with the common colour-vision deficiencies can tell apart.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
COLOR_MAIN = PALETTE[0]
COLOR_AVERAGE = "#555555"
COLOR_NORM = PALETTE[5]
#: Colours a series may get when its label has no fixed colour (yellow is too light for a line on white).
SERIES_PALETTE = [c for c in PALETTE if c != "#F0E442"]
GREY = "#999999"
#: Bands without a series of their own (an expectation for several series) and their label.
BAND_GREY = "#6B6B6B"

#: One colour per target group, perspective and total in every chart of the bundle, whatever the chart
#: shows (a group keeps its colour from the stock chart to the outflow chart). Keyed by the Dutch label
#: the charts print; municipalities get theirs from `municipality_colours`.
FIXED_COLOURS: dict[str, str] = {
    # target groups (`pipelines.kpi.doelgroepen.GROEP_LABELS`) and the groups of the stock
    GROEP_LABELS["alle"]: "#000000",
    GROEP_LABELS["alleenstaande_ouder"]: "#0072B2",
    GROEP_LABELS["statushouder"]: "#009E73",
    GROEP_LABELS["50plus"]: "#CC79A7",
    GROEP_LABELS["doelgroepregister"]: "#E69F00",
    "Ontheffing": "#56B4E9",
    "Duurzaam vrijgesteld": "#D55E00",
    # perspectives (klantbeeld, participation budget)
    "Werken": "#0072B2",
    "Werken aan": "#E69F00",
    "Meedoen": "#009E73",
    "Onbekend": GREY,
    # the organisation as a whole
    "Totaal": "#000000",
}


#: Municipalities: Okabe-Ito without the norm's vermillion and the total's black (orange only from the fifth).
MUNICIPALITY_PALETTE = ["#0072B2", "#009E73", "#CC79A7", "#56B4E9", "#E69F00"]


def municipality_colours(names: Iterable[str]) -> dict[str, str]:
    """Municipality name -> its colour, the same in every chart of a bundle: by name order, `Totaal` black."""
    own = sorted(n for n in set(names) if n != "Totaal")
    colours = {n: MUNICIPALITY_PALETTE[i % len(MUNICIPALITY_PALETTE)] for i, n in enumerate(own)}
    return {**colours, "Totaal": FIXED_COLOURS["Totaal"]}


def series_colours(labels: list[str], fixed: Mapping[str, str] | None = None) -> list[str]:
    """The colour of each label: its fixed colour, else the first palette colour no other label uses."""
    fixed = {**FIXED_COLOURS, **(fixed or {})}
    taken = {fixed[label] for label in labels if label in fixed}
    free = [c for c in SERIES_PALETTE if c not in taken] or SERIES_PALETTE
    out, i = [], 0
    for label in labels:
        if label in fixed:
            out.append(fixed[label])
        else:
            out.append(free[i % len(free)])
            i += 1
    return out


WIDTH = 560
HEIGHT = 260
#: Vertical room a label in the margin needs (11 px text): labels closer than this are moved apart.
LABEL_GAP = 14
SUPPRESSED_TEXT = "onderdrukt (kleine aantallen)"


def axis(unit: str, title: str | None, **extra: Any) -> alt.Axis:
    """A value axis in the unit's Dutch form: `20 %`, `1.000`, `€ 50`, `1,25` (trailing zeros dropped)."""
    if unit == "pct":
        return alt.Axis(title=title, format=",~f", labelExpr="datum.label + ' %'", **extra)
    if unit == "eur":
        return alt.Axis(title=title, format=",~f", labelExpr="'€ ' + datum.label", **extra)
    if unit == "n":
        return alt.Axis(title=title, format=",~f", tickMinStep=1, **extra)
    return alt.Axis(title=title, format=",~f", **extra)


def _checked_once(builder: Callable[P, R]) -> Callable[P, R]:
    """Build a chart without Altair's check of every part as it is made (`debug_mode`).

    Altair validates each schema object at construction, the inline data of every layer included. The
    builders are checked by the tests, which hold every chart a run draws to the Vega-Lite schema.
    """

    @functools.wraps(builder)
    def build(*args: P.args, **kwargs: P.kwargs) -> R:
        with debug_mode(False):
            return builder(*args, **kwargs)

    return build


def house_config() -> alt.Config:
    """The house style: nl-NL locale, readable fonts, the colour-blind-safe palette, legends never cut off."""
    return alt.Config(
        locale={"number": NL_FORMAT_LOCALE, "time": NL_TIME_FORMAT_LOCALE},
        numberFormat=",.1f",
        font=f"{typeface.FAMILY}, DejaVu Sans, Arial, sans-serif",
        range={"category": SERIES_PALETTE},
        axis=alt.AxisConfig(labelFontSize=12, titleFontSize=12, grid=True, gridColor="#e5e5e5"),
        legend=alt.LegendConfig(
            labelFontSize=12,
            titleFontSize=12,
            orient="bottom",
            direction="vertical",
            columns=1,
            labelLimit=0,
            symbolLimit=0,
        ),
        title=alt.TitleConfig(fontSize=15, anchor="start", subtitleFontSize=12, subtitleColor="#444444"),
        view=alt.ViewConfig(stroke=None),
    )


def dutch(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """A chart made elsewhere in the house style (`house_config`)."""
    return chart.configure(**house_config().to_dict(validate=False))


def _layered(layers: list, data: alt.Data, points: int, **properties: Any) -> alt.LayerChart:
    """The layers over their shared `data`, in the house style, with the number of values drawn
    (`drawn_points`).

    Built in one constructor: every altair method on a layered chart (`properties`, `configure_*`)
    rebuilds it and deep-copies all its layers, which made up much of the cost of a chart.
    """
    return alt.LayerChart(
        layer=layers,
        data=data,
        config=house_config(),
        usermeta={"participatie": {"punten": int(points)}},
        **properties,
    )


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Plain JSON rows (dates as ISO strings) so the spec is the same on every machine."""
    return json.loads(frame.write_json())


def _label(value: float | None, unit: str) -> str | None:
    """A figure's text by the one Dutch formatter (`format_nl`), None when there is none."""
    return None if value is None else format_nl(value, unit)


def _labels(frame: pl.DataFrame, unit: str, field: str = "waarde", alias: str = "label") -> pl.DataFrame:
    texts = [_label(v, unit) for v in frame.get_column(field).to_list()]
    return frame.with_columns(pl.Series(alias, texts, dtype=pl.String))


def _title(title: str, subtitle: str | list[str] | None) -> alt.TitleParams:
    if subtitle:
        return alt.TitleParams(text=title, subtitle=subtitle)
    return alt.TitleParams(text=title)


def _suppressed_note(frame: pl.DataFrame) -> list[str]:
    if "onderdrukt" not in frame.columns:
        return []
    n = frame.filter(pl.col("onderdrukt").is_not_null()).height
    if n == 0:
        return []
    return [f"{format_nl(n)} {'punt' if n == 1 else 'punten'} niet getoond (-): {SUPPRESSED_TEXT}."]


def spec_of(chart: alt.TopLevelMixin | dict) -> dict:
    """The chart's Vega-Lite spec (a spec is returned as it is).

    Converted without Altair's check against the Vega-Lite schema: that check walks the whole schema
    for every chart (a tenth of the notebooks' time in a run: 0.8 of 8.1 s CPU for nine notebooks of the
    demo) and the charts come from this module's builders only. The tests check every chart a run draws
    against the schema instead (`tests/e2e/test_run.py`). Convert a chart once and hand the spec on.
    """
    return chart if isinstance(chart, dict) else chart.to_dict(validate=False)


def drawn_points(chart: alt.TopLevelMixin | dict) -> int | None:
    """How many values a chart of this module draws (None for a chart made elsewhere)."""
    spec = spec_of(chart)
    return (spec.get("usermeta") or {}).get("participatie", {}).get("punten")


def chart_title(chart: alt.TopLevelMixin | dict) -> str:
    spec = spec_of(chart)
    title = spec.get("title")
    return (title.get("text") if isinstance(title, dict) else title) or "Grafiek"


@dataclass(frozen=True)
class Reference:
    """A line at `low`, or a band from `low` to `high`, labelled in the margin right of the plot."""

    text: str
    low: float
    high: float | None = None
    colour: str = COLOR_NORM
    dash: tuple[int, ...] = (8, 4)

    @property
    def top(self) -> float:
        return self.low if self.high is None else self.high

    @property
    def middle(self) -> float:
        return self.low if self.high is None else (self.low + self.high) / 2


def nice_max(value: float) -> float:
    """The top of a value axis: `value` rounded up to a step of 1, 2 or 5 times a power of ten."""
    if not value or value <= 0 or math.isnan(value):
        return 1.0
    raw = value / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    error = raw / magnitude
    step = magnitude * (10 if error >= 7.07 else 5 if error >= 3.16 else 2 if error >= 1.41 else 1)
    return round(math.ceil(value / step - 1e-9) * step, 10)


def _domain_top(values: Iterable[float | None], references: Iterable[Reference] = ()) -> float:
    tops = [v for v in values if v is not None and not math.isnan(v)]
    tops += [r.top for r in references]
    return nice_max(max(tops, default=0.0))


def label_positions(
    values: list[float], top: float, height: int = HEIGHT, gap: int = LABEL_GAP
) -> list[float]:
    """Pixel heights (0 at the top) for labels of `values` on an axis from 0 to `top`, at least `gap` apart.

    Each label sits at its value, unless a neighbour is too close: then they are pushed apart
    (downwards, and the whole run back up when it would run off the bottom), keeping their order.
    """
    order = sorted(range(len(values)), key=lambda i: height * (1 - values[i] / top))
    wanted = [height * (1 - values[i] / top) for i in order]
    placed: list[float] = []
    for y in wanted:
        placed.append(max(y, placed[-1] + gap) if placed else y)
    overflow = placed[-1] - height if placed else 0
    if overflow > 0:
        placed = [y - overflow for y in placed]
        for k in range(len(placed) - 2, -1, -1):
            placed[k] = min(placed[k], placed[k + 1] - gap)
    out = [0.0] * len(values)
    for k, i in enumerate(order):
        out[i] = placed[k]
    return out


def _reference_layers(references: list[Reference], top: float, height: int = HEIGHT) -> list[alt.Chart]:
    """Lines and bands on the shared y scale, their labels in the right margin, never on top of each other."""
    layers: list[alt.Chart] = []
    for ref in references:
        data = alt.Data(values=[{"y": ref.low, "y2": ref.top}])
        if ref.high is None:
            layers.append(
                alt.Chart(data)
                .mark_rule(color=ref.colour, strokeDash=list(ref.dash), strokeWidth=1.5)
                .encode(y="y:Q")
            )
        else:
            layers.append(
                alt.Chart(data).mark_rect(color=ref.colour, opacity=0.15).encode(y="y:Q", y2="y2:Q")
            )
    positions = label_positions([r.middle for r in references], top, height)
    for ref, y in zip(references, positions, strict=True):
        layers.append(
            alt.Chart(alt.Data(values=[{}])).mark_text(
                text=ref.text,
                align="left",
                baseline="middle",
                x=WIDTH + 6,
                y=y,
                color=ref.colour,
                fontSize=11,
            )
        )
    return layers


def _as_list(subtitle: str | list[str] | None) -> list[str]:
    return [subtitle] if isinstance(subtitle, str) else list(subtitle or [])


@_checked_once
def trend_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    y_title: str,
    period_title: str = "Kwartaal (12 maanden tot en met het kwartaaleinde)",
    meerjarig: float | None = None,
    norm: float | None = None,
    bars: bool = False,
    subtitle: str | list[str] | None = None,
    norm_label: str = "norm: 10 % hoger dan het meerjarig gemiddelde",
    vast: float | None = None,
) -> alt.TopLevelMixin:
    """A percentage over periods with its 95 % Wilson interval, the multi-year average and the norm.

    `frame`: one row per period with `periode` (label, sorted as given), `waarde`, `ci_laag`,
    `ci_hoog` and optionally `onderdrukt`; suppressed rows must have a null `waarde` already.
    `bars=True` draws bars with error bars (per year), otherwise a line with a band (per quarter).
    The labels of the average and the norm stand right of the plot, apart from the bars and each other.
    """
    rows = frame.select("periode", "waarde", "ci_laag", "ci_hoog").with_columns(
        pl.when(pl.col("waarde").is_null()).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("ci_laag", "ci_hoog")
    )
    rows = _labels(rows, "pct")
    rows = rows.with_columns(
        pl.Series(
            "ci",
            [
                None if lo is None else f"{format_nl(lo, 'pct')} tot {format_nl(hi, 'pct')}"
                for lo, hi in zip(rows["ci_laag"].to_list(), rows["ci_hoog"].to_list(), strict=True)
            ],
            dtype=pl.String,
        )
    )
    references = []
    if meerjarig is not None:
        references.append(Reference("meerjarig gemiddelde", meerjarig, colour=COLOR_AVERAGE, dash=(4, 3)))
    if vast is not None:
        references.append(Reference("vaste basis (basisjaren)", vast, colour=COLOR_AVERAGE, dash=(2, 2)))
    if norm is not None:
        references.append(Reference(norm_label, norm))
    top = _domain_top(rows["waarde"].to_list() + rows["ci_hoog"].to_list(), references)
    order = rows.get_column("periode").to_list()
    shared = alt.Data(values=_records(rows))
    base = alt.Chart()
    x = alt.X("periode:O", sort=order, title=period_title, axis=alt.Axis(labelAngle=0 if bars else -45))
    scale = alt.Scale(domain=[0, top], nice=False)
    y = alt.Y("waarde:Q", axis=axis("pct", y_title), scale=scale)
    tooltip = [
        alt.Tooltip("periode:O", title="Periode"),
        alt.Tooltip("label:N", title="Waarde"),
        alt.Tooltip("ci:N", title="95 %-interval"),
    ]
    if bars:
        value = base.mark_bar(color=COLOR_MAIN, opacity=0.85, size=34).encode(x=x, y=y, tooltip=tooltip)
        interval = base.mark_errorbar(color="#222222", ticks={"size": 12}).encode(
            x=x, y=alt.Y("ci_laag:Q", title=y_title, scale=scale), y2="ci_hoog:Q"
        )
    else:
        value = base.mark_line(color=COLOR_MAIN, point=alt.OverlayMarkDef(size=50, filled=True)).encode(
            x=x, y=y, tooltip=tooltip
        )
        interval = base.mark_area(color=COLOR_MAIN, opacity=0.18).encode(
            x=x, y=alt.Y("ci_laag:Q", title=y_title, scale=scale), y2="ci_hoog:Q"
        )
    marker = (
        base.transform_filter("datum.waarde == null")
        .transform_calculate(nul="0")
        .mark_text(text="-", fontSize=18, fontWeight="bold", color="#777777", dy=-8)
        .encode(
            x=x,
            y=alt.Y("nul:Q", title=y_title, scale=scale),
            tooltip=[alt.Tooltip("periode:O", title=SUPPRESSED_TEXT)],
        )
    )
    layers = [interval, value, marker, *_reference_layers(references, top)]
    notes = _as_list(subtitle) + _suppressed_note(frame)
    notes.append("Band/streepjes: 95 %-betrouwbaarheidsinterval (Wilson).")
    return _layered(
        layers,
        shared,
        rows["waarde"].drop_nulls().len(),
        width=WIDTH,
        height=HEIGHT,
        title=_title(title, notes),
    )


@_checked_once
def series_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    y_title: str,
    unit: str = "n",
    series_title: str = "Groep",
    period_title: str = "Peildatum (kwartaaleinde)",
    references: list[tuple[str, str, float]] | None = None,
    bands: list[tuple[str | None, str, float, float]] | None = None,
    subtitle: str | list[str] | None = None,
    colours: Mapping[str, str] | None = None,
) -> alt.TopLevelMixin:
    """Several series over periods (stock by duration, perspective, target group; LKS shares).

    `frame`: `periode`, `reeks` (the series' Dutch label, in legend order), `waarde`, optionally
    `onderdrukt`. `unit` `pct`, `n`, `eur` or `ratio` sets the number format. `references`: (series label,
    text, value) lines drawn dashed in the colour of their series (e.g. the LKS 55/20/25 reference);
    `bands`: (series label or None, text, low, high) ranges shaded the same way (an expectation of 1-5 %).
    A group, perspective or municipality has the same colour in every chart (`FIXED_COLOURS`); a
    single series needs no legend (the title names it).
    """
    rows = _labels(frame.select("periode", "reeks", "waarde"), unit)
    order = rows.get_column("periode").unique(maintain_order=True).to_list()
    series = rows.get_column("reeks").unique(maintain_order=True).to_list()
    palette = series_colours(series, colours)
    colour_of = dict(zip(series, palette, strict=True))
    legend = alt.Legend(title=series_title) if len(series) > 1 else None
    color = alt.Color(
        "reeks:N",
        title=series_title,
        sort=series,
        scale=alt.Scale(domain=series, range=palette),
        legend=legend,
    )
    refs = [
        Reference(text, value, colour=colour_of.get(s, COLOR_NORM), dash=(6, 4))
        for s, text, value in references or []
        if value is not None
    ]
    refs += [
        Reference(text, low, high, colour=colour_of.get(s, BAND_GREY) if s else BAND_GREY)
        for s, text, low, high in bands or []
    ]
    top = _domain_top(rows["waarde"].to_list(), refs)
    scale = alt.Scale(domain=[0, top], nice=False)
    shared = alt.Data(values=_records(rows))
    base = alt.Chart()
    lines = base.mark_line(point=alt.OverlayMarkDef(size=40, filled=True)).encode(
        x=alt.X("periode:O", sort=order, title=period_title, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("waarde:Q", axis=axis(unit, y_title), scale=scale),
        color=color,
        tooltip=[
            alt.Tooltip("periode:O", title="Periode"),
            alt.Tooltip("reeks:N", title=series_title),
            alt.Tooltip("label:N", title="Waarde"),
        ],
    )
    marker = (
        base.transform_filter("datum.waarde == null")
        .transform_calculate(nul="0")
        .mark_text(text="-", fontSize=18, fontWeight="bold", dy=-8)
        .encode(
            x=alt.X("periode:O", sort=order),
            y=alt.Y("nul:Q", title=y_title, scale=scale),
            color=color,
            tooltip=[alt.Tooltip("reeks:N", title=SUPPRESSED_TEXT)],
        )
    )
    layers: list[alt.Chart] = [*_reference_layers(refs, top), lines, marker]
    notes = _as_list(subtitle) + _suppressed_note(frame)
    return _layered(
        layers,
        shared,
        rows["waarde"].drop_nulls().len(),
        width=WIDTH,
        height=HEIGHT,
        title=_title(title, notes or None),
    )


@_checked_once
def bar_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    x_title: str,
    y_title: str,
    unit: str = "n",
    norm: float | None = None,
    norm_label: str = "norm",
    norm_colour: str = COLOR_NORM,
    subtitle: str | list[str] | None = None,
    horizontal: bool = False,
) -> alt.TopLevelMixin:
    """Categories as bars with their value printed (FIP per person, case load per klantmanager).

    `frame`: `categorie` (in display order), `waarde` (null when suppressed), optionally
    `onderdrukt`; a suppressed bar is not drawn and its label reads `<5` (counts) or `-`. Bars of
    groups or perspectives take their fixed colour (`FIXED_COLOURS`).
    """
    rows = frame.select("categorie", "waarde", *(["onderdrukt"] if "onderdrukt" in frame.columns else []))
    if "onderdrukt" not in rows.columns:
        rows = rows.with_columns(pl.lit(None, pl.String).alias("onderdrukt"))
    masked = "<5" if unit == "n" else "-"
    rows = rows.with_columns(
        pl.Series(
            "label",
            [
                masked if reason is not None else (_label(v, unit) or "n.b.")
                for v, reason in zip(rows["waarde"].to_list(), rows["onderdrukt"].to_list(), strict=True)
            ],
            dtype=pl.String,
        ),
        pl.col("waarde").fill_null(0).alias("pos"),
    )
    if norm is not None and horizontal:
        # a label that would start just left of the norm line is put right of it, never across it
        top_guess = 100.0 if unit == "pct" else _domain_top(rows["waarde"].to_list() + [norm])
        near = (pl.col("pos") < norm) & (pl.col("pos") > norm - 0.12 * top_guess)
        rows = rows.with_columns(
            pl.when(near).then(pl.lit(float(norm))).otherwise(pl.col("pos")).alias("pos")
        )
    order = rows.get_column("categorie").to_list()
    shared = alt.Data(values=_records(rows))
    base = alt.Chart()
    if unit == "pct":
        scale = alt.Scale(domain=[0, 100], nice=False)
        top = 100.0
    else:
        top = _domain_top(rows["waarde"].to_list() + [norm])
        scale = alt.Scale(domain=[0, top], nice=False)
    value_axis = axis(unit, y_title, tickCount=5)
    cat: alt.X | alt.Y = alt.X(
        "categorie:N", sort=order, title=x_title, axis=alt.Axis(labelAngle=0, labelLimit=0)
    )
    val: alt.X | alt.Y = alt.Y("waarde:Q", axis=value_axis, scale=scale)
    if horizontal:
        cat = alt.Y("categorie:N", sort=order, title=x_title, axis=alt.Axis(labelLimit=0))
        val = alt.X("waarde:Q", axis=value_axis, scale=scale)
    tooltip = [alt.Tooltip("categorie:N", title=x_title), alt.Tooltip("label:N", title=y_title)]
    if all(c in FIXED_COLOURS for c in order) and order:
        colour = alt.Color(
            "categorie:N",
            sort=order,
            scale=alt.Scale(domain=order, range=series_colours(order)),
            legend=None,
        )
        bars = base.mark_bar(opacity=0.85).encode(cat, val, colour, tooltip=tooltip)
    else:
        bars = base.mark_bar(color=COLOR_MAIN, opacity=0.85).encode(cat, val, tooltip=tooltip)
    pos_text: dict[str, Any] = {"align": "left", "dx": 4} if horizontal else {"baseline": "bottom", "dy": -3}
    labels = base.mark_text(fontSize=11, **pos_text).encode(
        cat, (alt.X if horizontal else alt.Y)("pos:Q", title=y_title, scale=scale), text="label:N"
    )
    layers = [bars, labels]
    if norm is not None:
        if horizontal:
            data = alt.Data(values=[{"v": norm}])
            layers.append(
                alt.Chart(data)
                .mark_rule(color=norm_colour, strokeDash=[8, 4], strokeWidth=1.5)
                .encode(x=alt.X("v:Q", scale=scale))
            )
            layers.append(
                alt.Chart(data)
                .mark_text(
                    text=norm_label, color=norm_colour, align="center", baseline="bottom", y=-4, fontSize=11
                )
                .encode(x=alt.X("v:Q", scale=scale))
            )
        else:
            layers += _reference_layers([Reference(norm_label, norm, colour=norm_colour)], top)
    notes = _as_list(subtitle) + _suppressed_note(frame)
    height = max(HEIGHT, 26 * len(order)) if horizontal else HEIGHT
    return _layered(
        layers,
        shared,
        rows["waarde"].drop_nulls().len(),
        width=WIDTH,
        height=height,
        title=_title(title, notes or None),
    )


@_checked_once
def municipality_chart(
    values: list[dict[str, Any]],
    *,
    title: str,
    unit: str,
    x_title: str,
    colours: Mapping[str, str],
    norm_text: str | None = None,
    subtitle: str | list[str] | None = None,
) -> alt.TopLevelMixin:
    """One figure per municipality and the total as bars in each municipality's own colour.

    `values`: dicts with `gemeente`, `waarde` and optionally `norm` (that municipality's norm, drawn
    as a short line across its bar; `norm_text` explains it under the title).
    """
    rows = pl.DataFrame(
        values, schema={"gemeente": pl.String(), "waarde": pl.Float64(), "norm": pl.Float64()}, strict=False
    )
    rows = _labels(_labels(rows, unit), unit, field="norm", alias="norm_label")
    rows = rows.with_columns(
        pl.when(pl.col("norm").is_not_null())
        .then(pl.concat_str(pl.col("label"), pl.lit(" (norm "), pl.col("norm_label"), pl.lit(")")))
        .otherwise(pl.col("label"))
        .alias("tekst"),
        pl.max_horizontal(pl.col("waarde").fill_null(0), pl.col("norm").fill_null(0)).alias("pos"),
    )
    order = rows.get_column("gemeente").to_list()
    highest = max((v for v in rows["waarde"].to_list() if v is not None), default=0.0)
    top = (
        100.0
        if unit == "pct" and highest > 50
        else _domain_top(rows["waarde"].to_list() + rows["norm"].to_list())
    )
    scale = alt.Scale(domain=[0, top], nice=False)
    shared = alt.Data(values=_records(rows))
    base = alt.Chart()
    y = alt.Y("gemeente:N", sort=order, title=None, axis=alt.Axis(labelLimit=0))
    x = alt.X("waarde:Q", axis=axis(unit, x_title, tickCount=5), scale=scale)
    colour = alt.Color(
        "gemeente:N",
        sort=order,
        legend=None,
        scale=alt.Scale(domain=order, range=[colours.get(g, COLOR_MAIN) for g in order]),
    )
    tooltip = [
        alt.Tooltip("gemeente:N", title="Gemeente"),
        alt.Tooltip("label:N", title="Waarde"),
        alt.Tooltip("norm_label:N", title="Norm"),
    ]
    layers = [
        base.mark_bar(opacity=0.85).encode(y, x, colour, tooltip=tooltip),
        base.mark_text(align="left", dx=5, fontSize=11).encode(
            y, alt.X("pos:Q", scale=scale, title=x_title), text="tekst:N"
        ),
    ]
    notes = _as_list(subtitle)
    if rows["norm"].drop_nulls().len():
        layers.append(
            base.transform_filter("datum.norm != null")
            .mark_tick(color=COLOR_NORM, thickness=3, size=24)
            .encode(y, alt.X("norm:Q", scale=scale), tooltip=tooltip)
        )
        if norm_text:
            notes.append(norm_text)
    height = max(120, 30 * len(order))
    return _layered(
        layers,
        shared,
        rows["waarde"].drop_nulls().len(),
        width=WIDTH - 120,
        height=height,
        title=_title(title, notes or None),
    )


@_checked_once
def survival_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    y_title: str = "Nog in de uitkering",
    series_title: str = "Instroomjaar",
    band: bool = True,
    sequential: bool = False,
    subtitle: str | list[str] | None = None,
) -> alt.TopLevelMixin:
    """Step curves over the years since inflow (survival, or a cumulative incidence) with interval bands.

    `frame`: `jaren` (years since the start of the spell), `reeks` (legend label, in legend order),
    `waarde` in percent, and for the band `ci_laag`, `ci_hoog` (null where there is no interval).
    Points resting on too few persons at risk must be left out beforehand (the curve then stops).
    `sequential=True` colours the series along one scale (inflow years: old light, recent dark).
    """
    cols = ["jaren", "reeks", "waarde"] + (["ci_laag", "ci_hoog"] if band else [])
    rows = _labels(frame.select(cols), "pct")
    rows = rows.with_columns(
        pl.Series("jaar", [format_nl(v, "n", decimals=1) for v in rows["jaren"].to_list()], dtype=pl.String)
    )
    series = rows.get_column("reeks").unique(maintain_order=True).to_list()
    scale = (
        alt.Scale(domain=series, scheme="viridis", reverse=True)
        if sequential
        else alt.Scale(domain=series, range=series_colours(series))
    )
    color = alt.Color(
        "reeks:N", title=series_title, sort=series, scale=scale, legend=alt.Legend(symbolOpacity=1)
    )
    shared = alt.Data(values=_records(rows))
    base = alt.Chart()
    x = alt.X(
        "jaren:Q",
        title="Jaren sinds de instroom",
        scale=alt.Scale(zero=True, nice=False),
        axis=alt.Axis(tickMinStep=1, format=",.0f"),
    )
    y_scale = alt.Scale(domain=[0, 100], zero=True)
    lines = base.mark_line(interpolate="step-after", strokeWidth=2).encode(
        x=x,
        y=alt.Y("waarde:Q", axis=axis("pct", y_title), scale=y_scale),
        color=color,
        tooltip=[
            alt.Tooltip("reeks:N", title=series_title),
            alt.Tooltip("jaar:N", title="Jaren sinds instroom"),
            alt.Tooltip("label:N", title=y_title),
        ],
    )
    layers: list[alt.Chart] = []
    if band:
        layers.append(
            base.transform_filter("datum.ci_laag != null")
            .mark_area(interpolate="step-after", opacity=0.15)
            .encode(x=x, y=alt.Y("ci_laag:Q", title=y_title, scale=y_scale), y2="ci_hoog:Q", color=color)
        )
    layers.append(lines)
    notes = _as_list(subtitle)
    if band:
        notes.append("Band: 95 %-betrouwbaarheidsinterval (exponentiële Greenwood).")
    return _layered(
        layers,
        shared,
        rows["waarde"].drop_nulls().len(),
        width=WIDTH,
        height=HEIGHT,
        title=_title(title, notes or None),
    )


@_checked_once
def heatmap_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    x_title: str,
    y_title: str,
    order: list[str],
    subtitle: str | list[str] | None = None,
) -> alt.TopLevelMixin:
    """A from/to matrix of counts: `van` (rows), `naar` (columns), `aantal` (null when suppressed).

    `order` is the order of the categories on both axes; a suppressed cell reads `<5` and is not coloured.
    """
    rows = frame.select("van", "naar", "aantal")
    rows = rows.with_columns(
        pl.Series(
            "label", ["<5" if v is None else format_nl(v) for v in rows["aantal"].to_list()], dtype=pl.String
        )
    )
    shared = alt.Data(values=_records(rows))
    base = alt.Chart()
    x = alt.X("naar:N", sort=order, title=x_title, axis=alt.Axis(labelAngle=0, grid=False, labelLimit=0))
    y = alt.Y("van:N", sort=order, title=y_title, axis=alt.Axis(grid=False, labelLimit=0))
    largest = max((float(v) for v in rows["aantal"].to_list() if v is not None), default=0.0)
    cells = base.mark_rect(stroke="#ffffff").encode(
        x=x,
        y=y,
        color=alt.Color(
            "aantal:Q",
            title="Aantal personen",
            scale=alt.Scale(scheme="blues"),
            legend=alt.Legend(format=",.0f", direction="horizontal"),
        ),
        tooltip=[
            alt.Tooltip("van:N", title=y_title),
            alt.Tooltip("naar:N", title=x_title),
            alt.Tooltip("label:N", title="Aantal"),
        ],
    )
    text = base.mark_text(fontSize=12).encode(
        x=x,
        y=y,
        text="label:N",
        color=alt.condition(f"datum.aantal > {0.6 * largest}", alt.value("#ffffff"), alt.value("#222222")),
    )
    notes = _as_list(subtitle) + (
        ["<5: minder dan 5 personen, niet gepubliceerd."] if rows.get_column("aantal").null_count() else []
    )
    size = max(220, 70 * len(order))
    return _layered(
        [cells, text],
        shared,
        rows["aantal"].drop_nulls().len(),
        width=size,
        height=size,
        title=_title(title, notes or None),
    )


#: The output key of the charts in the notebooks. Altair 6's own key (`application/vnd.vegalite.v6.json`)
#: is not a `+json` type, so nbformat requires its value to be a string (papermill refuses the dict)
#: and JupyterLab 4 has no renderer for it; JupyterLab 4 renders Vega-Lite natively under this key
#: (its vega-lite 5 reads these specs: a test compiles them with Vega-Lite 5 too). The spec's own
#: `$schema` says which Vega-Lite it was written for.
VEGALITE_MIMETYPE = "application/vnd.vegalite.v5+json"


def mimebundle(chart: alt.TopLevelMixin | dict) -> dict[str, Any]:
    """The chart as Jupyter output data: the Vega-Lite spec (data inlined) and a text fallback."""
    spec = spec_of(chart)
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    return {VEGALITE_MIMETYPE: spec, "text/plain": f"<Grafiek: {text or 'zonder titel'}>"}


def show(chart: alt.TopLevelMixin | dict) -> None:
    """Display a chart in a notebook as a Vega-Lite mimebundle, never as CDN-loading HTML."""
    from IPython.display import display

    display(mimebundle(chart), raw=True)


def save_chart(chart: alt.TopLevelMixin | dict, folder: str | Path | None, name: str) -> list[Path]:
    """Write `<folder>/<name>.svg` and `.png` (offline, via vl-convert); nothing when `folder` is empty."""
    if not folder:
        return []
    return save_spec(spec_of(chart), Path(folder) / name)


def start_converter() -> None:
    """Start vl-convert's JavaScript runtime and load the charts' typeface, by drawing one point.

    The kernels of a run do this while ingest runs, so that their first chart does not pay for it.
    """
    draw({"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}})


def draw(spec: dict) -> tuple[str, bytes]:
    """The SVG and PNG (twice the size) of a Vega-Lite spec, drawn offline in the house typeface."""
    import vl_convert as vlc

    typeface.register()
    # allowed_base_urls=[]: the spec carries its data inline; refuse any fetch (the run is offline).
    svg = vlc.vegalite_to_svg(spec, allowed_base_urls=[])
    return svg, vlc.svg_to_png(svg, scale=2)


def save_spec(spec: dict, stem: Path) -> list[Path]:
    """SVG and PNG of a Vega-Lite spec next to each other (`stem.svg`, `stem.png`), drawn offline."""
    svg, png = draw(spec)
    stem.parent.mkdir(parents=True, exist_ok=True)
    svg_path, png_path = stem.with_suffix(".svg"), stem.with_suffix(".png")
    svg_path.write_text(svg, encoding="utf-8")
    png_path.write_bytes(png)
    return [svg_path, png_path]
