"""The publication side of a run: HTML pages without code, the dashboard, the Excel file, the manifest.

Everything here is meant to be opened by people outside the analysts' team, so:
- charts draw offline: the Vega, Vega-Lite and vega-embed JavaScript is inlined once per page
  (`vl_convert.javascript_bundle()`), never loaded from a CDN; a page that would still load an
  external script or stylesheet is refused (`external_sources`);
- every figure goes through `pipelines.disclosure` (the one suppression rule) before it is shown;
- numbers are written the Dutch way (`12,3 %`, `1.234`), also inside charts (d3 locale nl-NL);
- outputs are byte-identical for the same input (sorted keys, fixed workbook dates, no clocks).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, Iterable, Mapping

import polars as pl

from pipelines import disclosure
from pipelines.kpi import budget, meedoen
from pipelines.kpi.catalogue import FAMILY_LABELS, KPI_CATALOGUE, KpiInfo
from pipelines.paths import PACKAGE

TEMPLATES = PACKAGE / "templates"

#: The fixed creation date written into kpis.xlsx, so the same figures give the same bytes.
WORKBOOK_DATE = dt.datetime(2000, 1, 1)

_VEGA_MIME = re.compile(r"^application/vnd\.vega(lite)?\.v\d+(\.\d+)?\+json$")
_EXTERNAL = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?\s*(https?:)?//""", re.IGNORECASE)


class PublishError(RuntimeError):
    """A publication output that would break a promise (offline, suppressed) is refused."""


# --------------------------------------------------------------------------- numbers


def format_number(value: float | None, unit: str = "") -> str:
    """Dutch number text: `1.234`, `12,3 %`, `0,85`, `€ 1.250`; empty value -> `n.b.` (not available)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.b."
    if unit == "pct":
        return _nl(f"{value:,.1f}") + " %"
    if unit in ("n", "") and float(value).is_integer():
        return _nl(f"{value:,.0f}")
    if unit == "vlag":
        return "ja" if value >= 1 else "nee"
    if unit == "eur":
        return "€ " + _nl(f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}")
    return _nl(f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}")


def _nl(text: str) -> str:
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def publication_frame(
    kpis: pl.DataFrame, info: Mapping[str, KpiInfo], min_cell: int = 5, min_noemer: int = 10
) -> pl.DataFrame:
    """kpis.csv rows plus `reden` (why publication hides it, or null) and `tekst` (what publication shows).

    The reason is recomputed with `pipelines.disclosure` from the organisation's own limits,
    so the publication never depends on a stale `onderdrukt` column.
    """
    kinds = {k: info[k].kind if k in info else "aantal" for k in kpis.get_column("kpi").unique().to_list()}
    frame = disclosure.add_onderdrukt(kpis, kinds, min_cell, min_noemer).rename({"onderdrukt": "reden"})
    texts = []
    for row in frame.select("kpi", "waarde", "reden").iter_rows(named=True):
        meta = info.get(row["kpi"])
        kind = meta.kind if meta else "aantal"
        if row["reden"] is not None:
            texts.append(disclosure.masked_text(kind, min_cell))
        else:
            texts.append(format_number(row["waarde"], meta.unit if meta else ""))
    return frame.with_columns(pl.Series("tekst", texts, dtype=pl.String))


def shown_value(row: Mapping[str, Any]) -> float | None:
    """The number a chart or workbook cell may carry: None where suppressed or missing."""
    return None if row.get("reden") is not None else row.get("waarde")


# --------------------------------------------------------------------------- pages


@functools.lru_cache(maxsize=1)
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (about 0.9 MB; built once per process)."""
    import vl_convert

    return vl_convert.javascript_bundle()


@functools.lru_cache(maxsize=1)
def _locales() -> tuple[dict, dict]:
    import vl_convert

    return vl_convert.get_format_locale("nl-NL"), vl_convert.get_time_format_locale("nl-NL")


def chart_scripts(specs: list[tuple[str, dict]]) -> str:
    """The inlined bundle plus one vegaEmbed call per chart (Dutch number and date formats, SVG)."""
    if not specs:
        return ""
    fmt, tfmt = _locales()
    options = {"actions": False, "renderer": "svg", "formatLocale": fmt, "timeFormatLocale": tfmt}
    parts = [f"<script>{vega_bundle()}</script>"]
    for div_id, spec in specs:
        payload = _json_script(spec)
        parts.append(f'<script type="application/json" id="{div_id}-spec">{payload}</script>')
    ids = json.dumps([div_id for div_id, _ in specs])
    parts.append(
        "<script>(function(){var opts=" + _json_script(options) + ";"
        + ids + ".forEach(function(id){var spec=JSON.parse(document.getElementById(id+'-spec').textContent);"
        "vegaEmbed(document.getElementById(id),spec,opts).catch(function(e){document.getElementById(id).textContent="
        "'Grafiek kon niet worden getekend: '+e;});});})();</script>"
    )
    return "\n".join(parts)


def _json_script(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False).replace("</", "<\\/")


def render_page(
    *, title: str, body: str, organisatie: str, kwartaal: str, nav: list[tuple[str, str]], active: str,
    charts: list[tuple[str, dict]] | None = None, footer: str = "",
) -> str:
    """One HTML page of the bundle from the shared template; refused if it would load anything external."""
    css = (TEMPLATES / "style.css").read_text(encoding="utf-8")
    active_attr = ' class="actief"'
    links = " ".join(
        f'<a href="{html.escape(href)}"{active_attr if href == active else ""}>{html.escape(text)}</a>'
        for href, text in nav
    )
    page = Template((TEMPLATES / "page.html").read_text(encoding="utf-8")).substitute(
        title=html.escape(title), css=css, organisatie=html.escape(organisatie), kwartaal=html.escape(kwartaal),
        nav=links, body=body, footer=footer, scripts=chart_scripts(charts or []),
    )
    external = external_sources(page)
    if external:
        raise PublishError(f"pagina {title!r} zou externe bronnen laden (niet offline): {', '.join(external[:3])}")
    return page


def external_sources(page: str) -> list[str]:
    """Script, stylesheet, image or frame sources outside the page (what would fail offline)."""
    return [m.group(0) for m in _EXTERNAL.finditer(page)]


def _cell_source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


_SKIP_TAGS = {"parameters", "injected-parameters", "remove-cell", "remove-output", "hide-output", "verbergen"}


def notebook_body(nb: Mapping[str, Any], chart_prefix: str = "grafiek-nb") -> tuple[str, list[tuple[str, dict]], str]:
    """The executed notebook as HTML without code: markdown, tables, text and charts.

    Returns `(body, charts, title)`. Vega-Lite/Vega outputs become chart placeholders
    drawn by `chart_scripts`; images are inlined; stderr is left out (warnings are for analysts).
    """
    from nbconvert.filters import markdown2html

    parts: list[str] = []
    charts: list[tuple[str, dict]] = []
    title = ""
    for cell in nb.get("cells", []):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & _SKIP_TAGS:
            continue
        if cell.get("cell_type") == "markdown":
            text = _cell_source(cell)
            if not title:
                match = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
                title = match.group(1).strip() if match else ""
            parts.append(f'<section class="tekst">{markdown2html(text)}</section>')
            continue
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                if output.get("name") == "stdout":
                    parts.append(f"<pre>{html.escape(_cell_source({'source': output.get('text', '')}))}</pre>")
                continue
            if kind == "error":
                parts.append(f"<pre>Fout: {html.escape(output.get('ename', ''))}: {html.escape(output.get('evalue', ''))}</pre>")
                continue
            if kind not in ("display_data", "execute_result"):
                continue
            data = output.get("data", {})
            if kind == "execute_result" and set(data) <= {"text/plain"}:
                continue  # a bare repr of a cell's last value (paths, lists) is for the analyst, not the reader
            parts.append(_render_mimebundle(data, charts, chart_prefix))
    return "\n".join(p for p in parts if p), charts, title


def _render_mimebundle(data: Mapping[str, Any], charts: list[tuple[str, dict]], prefix: str) -> str:
    for mime, value in sorted(data.items()):
        if _VEGA_MIME.match(mime):
            spec = value if isinstance(value, dict) else json.loads(value)
            div_id = f"{prefix}-{len(charts) + 1}"
            charts.append((div_id, spec))
            return f'<div class="grafiek" id="{div_id}"></div>'
    if "text/html" in data:
        markup = _cell_source({"source": data["text/html"]})
        spec = altair_html_spec(markup)
        if spec is not None:
            div_id = f"{prefix}-{len(charts) + 1}"
            charts.append((div_id, spec))
            return f'<div class="grafiek" id="{div_id}"></div>'
        if "<script" in markup.lower() and re.search(r"https?://", markup):
            raise PublishError(
                "een notebookuitvoer laadt script van internet (bijvoorbeeld Altairs standaard-HTML via een CDN) "
                "en zou offline leeg blijven; toon grafieken met pipelines.charts.show"
            )
        return f'<div class="uitvoer">{markup}</div>'
    if "image/svg+xml" in data:
        return f'<div class="uitvoer">{_cell_source({"source": data["image/svg+xml"]})}</div>'
    if "image/png" in data:
        return f'<img alt="grafiek" src="data:image/png;base64,{str(data["image/png"]).strip()}">'
    if "text/markdown" in data:
        from nbconvert.filters import markdown2html

        return markdown2html(_cell_source({"source": data["text/markdown"]}))
    if "text/plain" in data:
        return f"<pre>{html.escape(_cell_source({'source': data['text/plain']}))}</pre>"
    return ""


def altair_html_spec(markup: str) -> dict | None:
    """The Vega-Lite spec inside Altair's default HTML output (which loads vega from a CDN), or None.

    Altair's `html` renderer ends its script with `})(<spec>, <embed options>);`; the spec is
    taken out so the chart draws from the inlined bundle instead.
    """
    if "vegaEmbed" not in markup or "})(" not in markup:
        return None
    start = markup.rfind("})(") + 3
    try:
        spec, _ = json.JSONDecoder().raw_decode(markup, start)
    except ValueError:
        return None
    if not isinstance(spec, dict) or "vega" not in str(spec.get("$schema", "")):
        return None
    return spec


def notebook_page(
    notebook: Path, *, organisatie: str, kwartaal: str, nav: list[tuple[str, str]], active: str
) -> str:
    """The HTML page of one executed notebook."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    body, charts, title = notebook_body(nb, chart_prefix="grafiek-" + re.sub(r"[^a-z0-9]+", "-", Path(notebook).stem.lower()))
    return render_page(
        title=title or Path(notebook).stem, body=body, organisatie=organisatie, kwartaal=kwartaal,
        nav=nav, active=active, charts=charts,
        footer=f"Gegenereerd uit het notebook {html.escape(Path(notebook).name)} (uitgevoerd notebook in notebooks/).",
    )


# --------------------------------------------------------------------------- dashboard


def _peildata(frame: pl.DataFrame) -> list[dt.date]:
    return sorted(frame.get_column("peildatum").unique().to_list())


def trend_arrow(now: float | None, before: float | None) -> str:
    """Up, down or level compared with the previous quarter; nothing when either is hidden or missing."""
    if now is None or before is None:
        return ""
    if math.isclose(now, before, rel_tol=1e-9, abs_tol=1e-9):
        return "&#9654;"  # level
    return "&#9650;" if now > before else "&#9660;"


def _lookup(pub: pl.DataFrame) -> dict[tuple[str, str, dt.date], dict]:
    return {(r["kpi"], r["gemeentecode"], r["peildatum"]): r for r in pub.iter_rows(named=True)}


@dataclass(frozen=True)
class NormRule:
    """A norm the dashboard can check: the KPI must be at least / at most a limit from the configuration."""

    kpi: str
    op: str  # ">=" or "<="
    limit: float
    #: The norm is set for the organisation as a whole (e.g. 50 referrals a year), not per municipality.
    alleen_totaal: bool = False


@dataclass(frozen=True)
class Norms:
    """The organisation's norms as the dashboard checks them."""

    rules: dict[str, NormRule]
    #: The multi-year norms: this factor times the multi-year mean (the verdict itself comes from kpis.csv).
    factor: float = 1.10


def config_norms(config: Any) -> Norms:
    """Norms with a numeric limit in the organisation's configuration (the flag norms come from kpis.csv)."""
    rules = [
        NormRule("caseload_per_fte", "<=", float(config.caseload_norm)),
        NormRule("caseload_boven_norm_n", "<=", 0),
        NormRule("doorverwijzingen_zorg_n", ">=", float(config.doorverwijzingen_norm), alleen_totaal=True),
        NormRule("fip_per_jaar_gem", ">=", float(config.fip_norm_per_jaar)),
        NormRule("fip_per_jaar_mediaan", ">=", float(config.fip_norm_per_jaar)),
        NormRule("ontwikkelbaan_over_3jaar_n", "<=", 0),
        NormRule("jobcoach_over_24mnd_n", "<=", 0),
        *(NormRule(kpi, op, float(limit), alleen_totaal=KPI_CATALOGUE[kpi].alleen_totaal)
          for kpi, op, limit in (*meedoen.norm_rules(config), *budget.norm_rules(config))),
    ]
    return Norms({r.kpi: r for r in rules}, float(config.norm_factor))


def norm_flags(info: Mapping[str, KpiInfo]) -> dict[str, str]:
    """yearly kpi -> its `_norm` flag kpi (from the catalogue's `basis`)."""
    return {v.basis: k for k, v in info.items() if v.kind == "vlag" and v.basis}


def norm_status(
    rows: Mapping[tuple[str, str, dt.date], dict], kpi: str, gemeente: str, b: dt.date,
    info: Mapping[str, KpiInfo], norms: Norms,
) -> tuple[str, str]:
    """(`gehaald` / `niet-gehaald` / ``, Dutch norm text); no verdict on a hidden or missing figure."""
    rules = norms.rules
    row = rows.get((kpi, gemeente, b))
    flag_kpi = norm_flags(info).get(kpi)
    if row is None or (flag_kpi is None and kpi not in rules):
        return "", ""
    if flag_kpi is None and rules[kpi].alleen_totaal and gemeente != "totaal":
        return "", ""
    if flag_kpi is not None:
        meta = info[flag_kpi]
        meerjarig = rows.get((f"{kpi}_meerjarig", gemeente, b))
        text = "norm: " + (meta.norm or "")
        if meerjarig is not None and shown_value(meerjarig) is not None and rows.get((kpi, gemeente, b)):
            text = (f"norm: {format_number(meerjarig['waarde'] * norms.factor, 'pct')} "
                    f"(meerjarig {format_number(meerjarig['waarde'], 'pct')} x {_nl(f'{norms.factor:.2f}')})")
        flag = rows.get((flag_kpi, gemeente, b))
        if flag is None or flag.get("waarde") is None or shown_value(row) is None:
            return "", text
        return ("gehaald" if flag["waarde"] >= 1 else "niet-gehaald"), text
    rule = rules[kpi]
    unit = info[kpi].unit if kpi in info else ""
    text = f"norm: {'ten minste' if rule.op == '>=' else 'ten hoogste'} {format_number(rule.limit, unit)}"
    value = shown_value(row)
    if value is None:
        return "", text
    met = value >= rule.limit if rule.op == ">=" else value <= rule.limit
    return ("gehaald" if met else "niet-gehaald"), text


def tile(
    rows: Mapping, kpi: str, gemeente: str, b: dt.date, previous: dt.date | None,
    info: Mapping[str, KpiInfo], norms: Norms,
) -> str:
    row = rows.get((kpi, gemeente, b))
    if row is None:
        return ""
    before = rows.get((kpi, gemeente, previous)) if previous else None
    arrow = trend_arrow(shown_value(row), shown_value(before) if before else None)
    status, norm_text = norm_status(rows, kpi, gemeente, b, info, norms)
    status_text = {"gehaald": "norm gehaald", "niet-gehaald": "norm niet gehaald"}.get(status, "")
    reason = ""
    if row.get("reden"):
        reason = f'<div class="noot">{html.escape(disclosure.REASON_TEXT.get(row["reden"], row["reden"]))}</div>'
    elif row.get("waarde") is None and row.get("opmerking"):
        reason = f'<div class="noot">{html.escape(str(row["opmerking"]))}</div>'
    return (
        f'<div class="tegel {status}" data-kpi="{html.escape(kpi)}" data-gemeente="{html.escape(gemeente)}">'
        f'<div class="naam">{html.escape(info[kpi].label)}</div>'
        f'<div><span class="waarde">{html.escape(row["tekst"])}</span><span class="trend" title="ten opzichte van vorig kwartaal">{arrow}</span></div>'
        + (f'<div class="norm">{html.escape(norm_text)} <span class="status">{status_text}</span></div>' if norm_text else "")
        + reason + "</div>"
    )


def headline_kpis(info: Mapping[str, KpiInfo], present: Iterable[str], norms: Norms) -> list[str]:
    """Tiles: every KPI with a norm, then the fixed headline figures, in catalogue order."""
    wanted = {
        "bestand_n", "uitstroom_pct", "instroom_pct", "uitstroom_werk_pct", "uitstroom_werk_inkomen_pct",
        "deeltijdwerk_pct", "bijstandsdichtheid", "fip_norm_pct", "caseload_per_fte", "lks_actief_n",
    }
    present = set(present)
    flagged = norm_flags(info)
    return [k for k in info if k in present and (k in flagged or k in norms.rules or k in wanted)]


def dashboard_body(
    pub: pl.DataFrame, info: Mapping[str, KpiInfo], gemeenten: Mapping[str, str], sections: list[tuple[str, str]],
    chart_files: list[str], notes: list[str], norms: Norms,
) -> str:
    """index.html's content: tiles (total, then per municipality), tables per family, links."""
    peildata = _peildata(pub)
    b = peildata[-1]
    previous = peildata[-2] if len(peildata) > 1 else None
    rows = _lookup(pub)
    present = pub.filter(pl.col("peildatum") == b).get_column("kpi").unique().to_list()
    heads = headline_kpis(info, present, norms)
    codes = ["totaal"] + [c for c in sorted(gemeenten) if c != "totaal"]
    out = [f"<h1>Kwartaalevaluatie Participatiewet</h1><p>Peildatum {b.strftime('%d-%m-%Y')}"
           + (f"; pijlen vergelijken met peildatum {previous.strftime('%d-%m-%Y')}." if previous else ".") + "</p>"]
    out.append('<h2 id="secties">Onderdelen</h2><ul class="secties">')
    out.extend(f'<li><a href="{html.escape(href)}">{html.escape(text)}</a></li>' for href, text in sections)
    out.append("</ul>")
    for code in codes:
        name = "Totaal" if code == "totaal" else f"{gemeenten.get(code, code)} ({code})"
        # figures computed for the organisation only would be an empty tile in every municipality
        own = [k for k in heads if code == "totaal" or not info[k].alleen_totaal]
        tiles = "".join(tile(rows, k, code, b, previous, info, norms) for k in own)
        if tiles:
            out.append(f'<h2 id="gemeente-{code}">{html.escape(name)}</h2><div class="tegels">{tiles}</div>')
    families: dict[str, list[str]] = {}
    for k, v in info.items():
        if k in present:
            families.setdefault(v.family, []).append(k)
    out.append('<h2 id="tabellen">Alle kengetallen per gemeente</h2>')
    for family, kpis in families.items():
        head = "".join(f"<th>{html.escape('Totaal' if c == 'totaal' else gemeenten.get(c, c))}</th>" for c in codes)
        body = []
        for k in kpis:
            cells = []
            for c in codes:
                row = rows.get((k, c, b))
                status, _ = norm_status(rows, k, c, b, info, norms) if row else ("", "")
                cls = f' class="{status}"' if status else ""
                cells.append(f"<td{cls}>{html.escape(row['tekst']) if row else ''}</td>")
            body.append(f"<tr><td>{html.escape(info[k].label)}</td>{''.join(cells)}</tr>")
        out.append(f"<h3>{html.escape(FAMILY_LABELS.get(family, family))}</h3><table><thead><tr><th>Kengetal</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
    for file in chart_files:
        out.append(f'<p><a href="{html.escape(file)}">{html.escape(file)}</a></p>')
    out.append('<div class="noot">' + "<br>".join(html.escape(n) for n in notes) + "</div>")
    return "\n".join(out)


def suppression_notes(min_cell: int, min_noemer: int) -> list[str]:
    return [
        f"<{min_cell}: een aantal van 1 tot {min_cell - 1} wordt niet gepubliceerd (onthullingsrisico).",
        f"-: een percentage op een teller van 1 tot {min_cell - 1} of een noemer onder {min_noemer}, "
        "of een gemiddelde over minder dan die noemer, wordt niet gepubliceerd.",
        "n.b.: niet beschikbaar (tabel ontbreekt, venster niet gedekt of lege populatie; zie kpis.csv, kolom opmerking).",
        "Pijlen: richting ten opzichte van het vorige kwartaal; geen pijl waar een van beide waarden niet getoond wordt.",
    ]


def overview_chart(pub: pl.DataFrame, info: Mapping[str, KpiInfo], gemeenten: Mapping[str, str], kpi: str) -> dict | None:
    """A bar chart of one percentage per municipality at the peildatum; hidden values are left out."""
    b = _peildata(pub)[-1]
    sel = pub.filter((pl.col("kpi") == kpi) & (pl.col("peildatum") == b)).sort("gemeentecode")
    if sel.is_empty() or kpi not in info:
        return None
    values = [
        {"gemeente": "Totaal" if r["gemeentecode"] == "totaal" else gemeenten.get(r["gemeentecode"], r["gemeentecode"]),
         "waarde": shown_value(r)}
        for r in sel.iter_rows(named=True) if shown_value(r) is not None
    ]
    if not values:
        return None
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "title": f"{info[kpi].label}, peildatum {b.strftime('%d-%m-%Y')}",
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {"field": "gemeente", "type": "nominal", "title": None, "sort": None},
            "x": {"field": "waarde", "type": "quantitative", "title": UNIT_TEXT.get(info[kpi].unit, "waarde"), "axis": {"format": ",.1f"}},
            "tooltip": [{"field": "gemeente", "title": "Gemeente"}, {"field": "waarde", "title": "Waarde", "format": ",.1f"}],
        },
        "width": 500,
        "config": {"locale": {"number": _locales()[0]}},
    }


def save_chart(spec: dict, stem: Path) -> list[Path]:
    """PNG and SVG of a chart next to each other (`stem.png`, `stem.svg`)."""
    import vl_convert

    stem.parent.mkdir(parents=True, exist_ok=True)
    svg = vl_convert.vegalite_to_svg(spec)
    stem.with_suffix(".svg").write_text(svg, encoding="utf-8")
    stem.with_suffix(".png").write_bytes(vl_convert.svg_to_png(svg, scale=2))
    return [stem.with_suffix(".png"), stem.with_suffix(".svg")]


# --------------------------------------------------------------------------- Excel


def write_kpis_xlsx(
    pub: pl.DataFrame, info: Mapping[str, KpiInfo], gemeenten: Mapping[str, str], path: Path,
    *, organisatie: str, kwartaal: str, min_cell: int, min_noemer: int,
) -> Path:
    """The publication workbook: a sheet per KPI family, municipalities side by side, suppressed cells as text."""
    import xlsxwriter

    b = _peildata(pub)[-1]
    rows = _lookup(pub)
    codes = ["totaal"] + [c for c in sorted(gemeenten) if c != "totaal"]
    present = set(pub.filter(pl.col("peildatum") == b).get_column("kpi").to_list())
    families: dict[str, list[str]] = {}
    for k, v in info.items():
        if k in present:
            families.setdefault(v.family, []).append(k)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    book.set_properties({"title": f"Kengetallen Participatiewet {organisatie} {kwartaal}", "author": "participatie",
                         "created": WORKBOOK_DATE})
    title_fmt = book.add_format({"bold": True, "font_size": 13, "font_color": "#154273"})
    head_fmt = book.add_format({"bold": True, "bg_color": "#E8ECF1", "border": 1, "text_wrap": True, "valign": "top"})
    label_fmt = book.add_format({"border": 1})
    fmts = {
        "%": book.add_format({"num_format": "0.0", "border": 1}),
        "int": book.add_format({"num_format": "#,##0", "border": 1}),
        "dec": book.add_format({"num_format": "#,##0.00", "border": 1}),
        "masked": book.add_format({"border": 1, "align": "right", "font_color": "#5F6368"}),
    }
    note_fmt = book.add_format({"italic": True, "font_color": "#5F6368"})
    about = book.add_worksheet("Toelichting")
    about.write(0, 0, f"Kengetallen Participatiewet - {organisatie}", title_fmt)
    about.write_column(2, 0, [
        f"Kwartaal {kwartaal}, peildatum {b.strftime('%d-%m-%Y')}: percentages en stromen over de 12 maanden tot en met de peildatum.",
        "Een werkblad per groep kengetallen; per gemeente en voor de organisatie als geheel (Totaal).",
        "Publicatieversie: kleine aantallen zijn onderdrukt; de exacte cijfers staan in kpis.csv (alleen voor analisten).",
        *suppression_notes(min_cell, min_noemer)[:3],
        "Definities: docs/definities.md van de suite participatie.",
    ])
    about.set_column(0, 0, 110)
    for family, kpis in families.items():
        sheet = book.add_worksheet(_sheet_name(family))
        sheet.write(0, 0, f"{FAMILY_LABELS.get(family, family)} - {organisatie}, peildatum {b.strftime('%d-%m-%Y')}", title_fmt)
        sheet.write_row(2, 0, ["Kengetal", "Eenheid"] + ["Totaal" if c == "totaal" else gemeenten.get(c, c) for c in codes], head_fmt)
        for i, k in enumerate(kpis, start=3):
            meta = info[k]
            sheet.write(i, 0, meta.label, label_fmt)
            sheet.write(i, 1, UNIT_TEXT.get(meta.unit, meta.unit), label_fmt)
            for j, c in enumerate(codes, start=2):
                row = rows.get((k, c, b))
                if row is None:
                    sheet.write_blank(i, j, None, label_fmt)
                elif shown_value(row) is None:
                    sheet.write_string(i, j, row["tekst"], fmts["masked"])
                else:
                    value = float(row["waarde"])
                    fmt = fmts["%"] if meta.unit == "pct" else fmts["int"] if value.is_integer() and meta.kind == "aantal" else fmts["dec"]
                    sheet.write_number(i, j, value, fmt)
        last = 3 + len(kpis)
        for n, note in enumerate(suppression_notes(min_cell, min_noemer)[:3], start=last + 1):
            sheet.write(n, 0, note, note_fmt)
        sheet.set_column(0, 0, 48)
        sheet.set_column(1, 1, 10)
        sheet.set_column(2, 1 + len(codes), 14)
        sheet.freeze_panes(3, 2)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
    book.close()
    return path


UNIT_TEXT = {"pct": "%", "n": "aantal", "ratio": "verhouding", "eur": "euro", "vlag": "ja/nee"}


def _sheet_name(family: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", family).strip() or "kengetallen"
    return name[:31]


# --------------------------------------------------------------------------- manifest


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(manifest: Mapping[str, Any], path: Path) -> Path:
    """manifest.json with sorted keys, so two runs compare line by line."""
    path.write_text(json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path
