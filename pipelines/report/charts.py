"""Altair charts for the KPI notebooks: Dutch labels and number formats, drawn without a network.

Every builder takes a small polars frame that has already been through the disclosure rule
(`pipelines.disclosure`; a suppressed figure arrives as a null `waarde` with a reason in
`onderdrukt`) and returns an Altair chart with the Dutch locale in its config, so the same
spec renders `12,5 %` and `1.234` in JupyterLab, in the offline HTML pages and in PNG/SVG.

`show(chart)` puts the chart in a notebook as a Vega-Lite mimebundle (data inlined, no
script from a CDN); `save_chart` writes SVG and PNG with vl-convert (no browser, no network).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# jsonschema (imported by altair) compiles an IRI grammar at import when rfc3987_syntax is installed:
# about 3 s of CPU at every kernel start, for a format check Altair never makes. Skip it unless
# something in this process loaded it already (measured: `import altair` 3.9 s -> 0.9 s CPU).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import altair as alt  # noqa: E402
import polars as pl  # noqa: E402

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

WIDTH = 560
HEIGHT = 260

#: Vega expressions for Dutch labels (they use the chart's locale: `12,5 %`, `1.234`).
PCT_LABEL = "format(datum.value, ',.0f') + ' %'"
SUPPRESSED_TEXT = "onderdrukt (kleine aantallen)"


def pct_text(field: str) -> str:
    """A vega expression that prints a percentage field as `12,5 %`."""
    return f"format(datum['{field}'], ',.1f') + ' %'"


def count_text(field: str) -> str:
    """A vega expression that prints a count field as `1.234`."""
    return f"format(datum['{field}'], ',.0f')"


def value_text(field: str, unit: str) -> str:
    """A vega expression printing a field in the unit's Dutch format (`pct`, `n`, `eur`, or a ratio)."""
    if unit == "pct":
        return pct_text(field)
    if unit == "n":
        return count_text(field)
    if unit == "eur":
        return f"'€ ' + format(datum['{field}'], ',.0f')"
    return f"format(datum['{field}'], ',.1f')"


def axis_label(unit: str) -> str:
    """Axis label expression for a unit: `20 %`, `1.000`, `12,5`."""
    if unit == "pct":
        return PCT_LABEL
    if unit == "n":
        return "format(datum.value, ',.0f')"
    if unit == "eur":
        return "'€ ' + format(datum.value, ',.0f')"
    return "format(datum.value, ',.4~f')"


def dutch(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The house style: nl-NL locale, readable fonts, the colour-blind-safe palette."""
    return (
        chart.configure(
            locale={"number": NL_FORMAT_LOCALE, "time": NL_TIME_FORMAT_LOCALE},
            numberFormat=",.1f",
            font="DejaVu Sans, Arial, sans-serif",
            range={"category": PALETTE},
        )
        .configure_axis(labelFontSize=12, titleFontSize=12, grid=True, gridColor="#e5e5e5")
        .configure_legend(labelFontSize=12, titleFontSize=12, orient="bottom")
        .configure_title(fontSize=15, anchor="start", subtitleFontSize=12, subtitleColor="#444444")
        .configure_view(stroke=None)
    )


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Plain JSON rows (dates as ISO strings) so the spec is the same on every machine."""
    return json.loads(frame.write_json())


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
    return [f"{n} {'punt' if n == 1 else 'punten'} niet getoond (-): {SUPPRESSED_TEXT}."]


def _reference_rules(
    references: list[tuple[str, float]], color: str, dash: list[int], below: bool = False
) -> list[alt.Chart]:
    """Horizontal reference lines with their label at the right end (above the line, or below it)."""
    layers = []
    for label, value in references:
        if value is None:
            continue
        data = alt.Data(values=[{"y": value, "label": label}])
        rule = alt.Chart(data).mark_rule(color=color, strokeDash=dash, strokeWidth=1.5).encode(y="y:Q")
        text = (
            alt.Chart(data)
            .mark_text(align="right", dy=9 if below else -6, color=color, fontSize=11, x="width")
            .encode(y="y:Q", text="label:N")
        )
        layers += [rule, text]
    return layers


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
    """
    rows = frame.select("periode", "waarde", "ci_laag", "ci_hoog").with_columns(
        pl.when(pl.col("waarde").is_null()).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("ci_laag", "ci_hoog")
    )
    order = rows.get_column("periode").to_list()
    base = alt.Chart(alt.Data(values=_records(rows))).transform_calculate(
        label=pct_text("waarde"), ci=f"{pct_text('ci_laag')} + ' tot ' + {pct_text('ci_hoog')}"
    )
    x = alt.X("periode:O", sort=order, title=period_title, axis=alt.Axis(labelAngle=0 if bars else -45))
    y = alt.Y("waarde:Q", title=y_title, axis=alt.Axis(labelExpr=PCT_LABEL), scale=alt.Scale(zero=True))
    tooltip = [
        alt.Tooltip("periode:O", title="Periode"),
        alt.Tooltip("label:N", title="Waarde"),
        alt.Tooltip("ci:N", title="95 %-interval"),
    ]
    if bars:
        value = base.mark_bar(color=COLOR_MAIN, opacity=0.85, size=34).encode(x=x, y=y, tooltip=tooltip)
        interval = base.mark_errorbar(color="#222222", ticks={"size": 12}).encode(
            x=x, y=alt.Y("ci_laag:Q", title=y_title), y2="ci_hoog:Q"
        )
    else:
        value = base.mark_line(color=COLOR_MAIN, point=alt.OverlayMarkDef(size=50, filled=True)).encode(
            x=x, y=y, tooltip=tooltip
        )
        interval = base.mark_area(color=COLOR_MAIN, opacity=0.18).encode(
            x=x, y=alt.Y("ci_laag:Q", title=y_title), y2="ci_hoog:Q"
        )
    references = []
    if meerjarig is not None:
        references.append(("meerjarig gemiddelde", meerjarig))
    if vast is not None:
        references.append(("vaste basis (basisjaren)", vast))
    marker = (
        base.transform_filter("datum.waarde == null")
        .transform_calculate(nul="0")
        .mark_text(text="-", fontSize=18, fontWeight="bold", color="#777777", dy=-8)
        .encode(
            x=x, y=alt.Y("nul:Q", title=y_title), tooltip=[alt.Tooltip("periode:O", title=SUPPRESSED_TEXT)]
        )
    )
    layers = [interval, value, marker]
    layers += _reference_rules(references, COLOR_AVERAGE, [4, 3], below=True)
    layers += _reference_rules([(norm_label, norm)] if norm is not None else [], COLOR_NORM, [8, 4])
    notes = ([subtitle] if isinstance(subtitle, str) else list(subtitle or [])) + _suppressed_note(frame)
    notes.append("Band/streepjes: 95 %-betrouwbaarheidsinterval (Wilson).")
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT, title=_title(title, notes))
    return dutch(chart)


def series_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    y_title: str,
    unit: str = "n",
    series_title: str = "Groep",
    period_title: str = "Peildatum (kwartaaleinde)",
    references: list[tuple[str, str, float]] | None = None,
    subtitle: str | list[str] | None = None,
) -> alt.TopLevelMixin:
    """Several series over periods (stock by duration, perspective, target group; LKS shares).

    `frame`: `periode`, `reeks` (the series' Dutch label, in legend order), `waarde`, optionally
    `onderdrukt`. `unit` `pct`, `n` or `ratio` sets the number format. `references`: (series label, text,
    value) lines drawn dashed in the colour of their series (e.g. the LKS 55/20/25 reference).
    """
    rows = frame.select("periode", "reeks", "waarde")
    order = rows.get_column("periode").unique(maintain_order=True).to_list()
    series = rows.get_column("reeks").unique(maintain_order=True).to_list()
    text = value_text("waarde", unit)
    label_expr = axis_label(unit)
    color = alt.Color(
        "reeks:N", title=series_title, sort=series, scale=alt.Scale(domain=series, range=PALETTE)
    )
    base = alt.Chart(alt.Data(values=_records(rows))).transform_calculate(label=text)
    lines = base.mark_line(point=alt.OverlayMarkDef(size=40, filled=True)).encode(
        x=alt.X("periode:O", sort=order, title=period_title, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("waarde:Q", title=y_title, axis=alt.Axis(labelExpr=label_expr), scale=alt.Scale(zero=True)),
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
            y=alt.Y("nul:Q", title=y_title),
            color=color,
            tooltip=[alt.Tooltip("reeks:N", title=SUPPRESSED_TEXT)],
        )
    )
    layers: list[alt.Chart] = [lines, marker]
    if references:
        ref_rows = [{"reeks": s, "tekst": t, "y": v} for s, t, v in references]
        ref = alt.Chart(alt.Data(values=ref_rows))
        layers.append(ref.mark_rule(strokeDash=[6, 4], strokeWidth=1.5).encode(y="y:Q", color=color))
        layers.append(
            ref.mark_text(align="right", dy=-6, fontSize=11, x="width").encode(
                y="y:Q", text="tekst:N", color=color
            )
        )
    notes = ([subtitle] if isinstance(subtitle, str) else list(subtitle or [])) + _suppressed_note(frame)
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT, title=_title(title, notes or None))
    return dutch(chart)


def bar_chart(
    frame: pl.DataFrame,
    *,
    title: str,
    x_title: str,
    y_title: str,
    unit: str = "n",
    norm: float | None = None,
    norm_label: str = "norm",
    subtitle: str | list[str] | None = None,
    horizontal: bool = False,
) -> alt.TopLevelMixin:
    """Categories as bars with their value printed (FIP per person, case load per klantmanager).

    `frame`: `categorie` (in display order), `waarde` (null when suppressed), optionally
    `onderdrukt`; a suppressed bar is not drawn and its label reads `<5` (counts) or `-`.
    """
    rows = frame.select("categorie", "waarde", *(["onderdrukt"] if "onderdrukt" in frame.columns else []))
    if "onderdrukt" not in rows.columns:
        rows = rows.with_columns(pl.lit(None, pl.String).alias("onderdrukt"))
    order = rows.get_column("categorie").to_list()
    shown = value_text("waarde", unit)
    masked = "'<5'" if unit == "n" else "'-'"
    base = alt.Chart(alt.Data(values=_records(rows))).transform_calculate(
        label=f"datum.onderdrukt != null ? {masked} : {shown}"
    )
    label_expr = axis_label(unit)
    scale = alt.Scale(zero=True, domain=[0, 100]) if unit == "pct" else alt.Scale(zero=True)
    cat: alt.X | alt.Y = alt.X("categorie:N", sort=order, title=x_title, axis=alt.Axis(labelAngle=0))
    val: alt.X | alt.Y = alt.Y("waarde:Q", title=y_title, axis=alt.Axis(labelExpr=label_expr), scale=scale)
    if horizontal:
        cat = alt.Y("categorie:N", sort=order, title=x_title)
        val = alt.X("waarde:Q", title=y_title, axis=alt.Axis(labelExpr=label_expr), scale=scale)
    tooltip = [alt.Tooltip("categorie:N", title=x_title), alt.Tooltip("label:N", title=y_title)]
    bars = base.mark_bar(color=COLOR_MAIN, opacity=0.85).encode(cat, val, tooltip=tooltip)
    pos_text: dict[str, Any] = {"align": "left", "dx": 4} if horizontal else {"baseline": "bottom", "dy": -3}
    labels = (
        base.transform_calculate(pos="datum.waarde == null ? 0 : datum.waarde")
        .mark_text(fontSize=11, **pos_text)
        .encode(
            cat,
            (alt.X if horizontal else alt.Y)("pos:Q", title=y_title),
            text="label:N",
        )
    )
    layers = [bars, labels]
    if norm is not None:
        data = alt.Data(values=[{"v": norm, "label": norm_label}])
        if horizontal:
            layers.append(
                alt.Chart(data)
                .mark_rule(color=COLOR_NORM, strokeDash=[8, 4], strokeWidth=1.5)
                .encode(x="v:Q")
            )
            layers.append(
                alt.Chart(data)
                .mark_text(color=COLOR_NORM, align="left", dx=4, baseline="top", y=0, fontSize=11)
                .encode(x="v:Q", text="label:N")
            )
        else:
            layers += _reference_rules([(norm_label, norm)], COLOR_NORM, [8, 4])
    notes = ([subtitle] if isinstance(subtitle, str) else list(subtitle or [])) + _suppressed_note(frame)
    height = max(HEIGHT, 22 * len(order)) if horizontal else HEIGHT
    chart = alt.layer(*layers).properties(width=WIDTH, height=height, title=_title(title, notes or None))
    return dutch(chart)


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
    rows = frame.select(cols)
    series = rows.get_column("reeks").unique(maintain_order=True).to_list()
    scale = (
        alt.Scale(domain=series, scheme="viridis", reverse=True)
        if sequential
        else alt.Scale(domain=series, range=PALETTE)
    )
    color = alt.Color(
        "reeks:N", title=series_title, sort=series, scale=scale, legend=alt.Legend(symbolOpacity=1)
    )
    base = alt.Chart(alt.Data(values=_records(rows))).transform_calculate(
        label=pct_text("waarde"), jaar="format(datum.jaren, ',.1f')"
    )
    x = alt.X(
        "jaren:Q",
        title="Jaren sinds de instroom",
        scale=alt.Scale(zero=True, nice=False),
        axis=alt.Axis(tickMinStep=1, format=",.0f"),
    )
    y_scale = alt.Scale(domain=[0, 100], zero=True)
    lines = base.mark_line(interpolate="step-after", strokeWidth=2).encode(
        x=x,
        y=alt.Y("waarde:Q", title=y_title, axis=alt.Axis(labelExpr=PCT_LABEL), scale=y_scale),
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
    notes = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    if band:
        notes.append("Band: 95 %-betrouwbaarheidsinterval (exponentiele Greenwood).")
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT, title=_title(title, notes or None))
    return dutch(chart)


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
    base = alt.Chart(alt.Data(values=_records(rows))).transform_calculate(
        label=f"datum.aantal == null ? '<5' : {count_text('aantal')}"
    )
    x = alt.X("naar:N", sort=order, title=x_title, axis=alt.Axis(labelAngle=0, grid=False))
    y = alt.Y("van:N", sort=order, title=y_title, axis=alt.Axis(grid=False))
    largest = float(rows.get_column("aantal").fill_null(0).cast(pl.Float64).max() or 0.0)  # type: ignore[arg-type]
    cells = base.mark_rect(stroke="#ffffff").encode(
        x=x,
        y=y,
        color=alt.Color(
            "aantal:Q",
            title="Aantal personen",
            scale=alt.Scale(scheme="blues"),
            legend=alt.Legend(format=",.0f"),
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
        color=alt.condition(
            f"datum.aantal > {0.6 * float(largest)}", alt.value("#ffffff"), alt.value("#222222")
        ),
    )
    notes = ([subtitle] if isinstance(subtitle, str) else list(subtitle or [])) + (
        ["<5: minder dan 5 personen, niet gepubliceerd."] if rows.get_column("aantal").null_count() else []
    )
    size = max(220, 70 * len(order))
    chart = alt.layer(cells, text).properties(width=size, height=size, title=_title(title, notes or None))
    return dutch(chart)


#: The output key of the charts in the notebooks. Altair 6's own key (`application/vnd.vegalite.v6.json`)
#: is not a `+json` type, so nbformat requires its value to be a string (papermill refuses the dict)
#: and JupyterLab 4 has no renderer for it; JupyterLab 4 renders Vega-Lite natively under this key
#: (its vega-lite 5 reads these specs: a test compiles them with Vega-Lite 5 too). The spec's own
#: `$schema` says which Vega-Lite it was written for.
VEGALITE_MIMETYPE = "application/vnd.vegalite.v5+json"


def mimebundle(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart as Jupyter output data: the Vega-Lite spec (data inlined) and a text fallback."""
    spec = chart.to_dict()
    title = spec.get("title")
    text = title.get("text") if isinstance(title, dict) else title
    return {VEGALITE_MIMETYPE: spec, "text/plain": f"<Grafiek: {text or 'zonder titel'}>"}


def show(chart: alt.TopLevelMixin) -> None:
    """Display a chart in a notebook as a Vega-Lite mimebundle, never as CDN-loading HTML."""
    from IPython.display import display

    display(mimebundle(chart), raw=True)


def save_chart(chart: alt.TopLevelMixin, folder: str | Path | None, name: str) -> list[Path]:
    """Write `<folder>/<name>.svg` and `.png` (offline, via vl-convert); nothing when `folder` is empty."""
    if not folder:
        return []
    return save_spec(chart.to_dict(), Path(folder) / name)


def save_spec(spec: dict, stem: Path) -> list[Path]:
    """SVG and PNG of a Vega-Lite spec next to each other (`stem.svg`, `stem.png`), drawn offline."""
    import vl_convert as vlc

    stem.parent.mkdir(parents=True, exist_ok=True)
    svg_path, png_path = stem.with_suffix(".svg"), stem.with_suffix(".png")
    # allowed_base_urls=[]: the spec carries its data inline; refuse any fetch (the run is offline).
    svg = vlc.vegalite_to_svg(spec, allowed_base_urls=[])
    svg_path.write_text(svg, encoding="utf-8")
    png_path.write_bytes(vlc.svg_to_png(svg, scale=2))
    return [svg_path, png_path]
