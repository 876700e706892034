"""The dashboard (index.html): per municipality a one-line verdict on its norms, then its tiles, then the
municipalities compared in charts, the tables of every KPI, the files of the bundle and the notes.

A tile shows the published figure, an arrow coloured by whether the change is better or worse for that
KPI (not by up or down), the previous quarter's figure in words, and the norm with its verdict
(`pipelines.report.norms`). The page prints as a clean A4 board document (style.css, `@media print`).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from pipelines.kpi.registry import FAMILY_LABELS, KpiInfo
from pipelines.report import charts
from pipelines.report.formats import NIET_BESCHIKBAAR, UNIT_TEXT, dutch_dates, format_date
from pipelines.report.norms import (
    GEHAALD,
    NIET_GEHAALD,
    Norms,
    Verdict,
    better_direction,
    config_norms,
    norm_flags,
    tally,
    tally_text,
    verdict,
)
from pipelines.report.present import peildata_of, reason_words, rows_by_key, shown_value

__all__ = [
    "Norms",
    "config_norms",
    "dashboard_body",
    "headline_kpis",
    "norm_status",
    "overview_chart",
    "trend",
]

UP, DOWN, LEVEL = "&#9650;", "&#9660;", "&#9654;"


@dataclass(frozen=True)
class Trend:
    """The change against the previous quarter: arrow, `beter` / `slechter` / `gelijk` / `` and the words."""

    arrow: str = ""
    quality: str = ""
    words: str = ""


def trend(now: float | None, before: float | None, direction: str | None) -> Trend:
    """Up, down or level compared with the previous quarter, judged by which way is better for the KPI.

    Nothing when either figure is hidden or missing; a KPI without a better direction gets a grey arrow.
    """
    if now is None or before is None:
        return Trend()
    if math.isclose(now, before, rel_tol=1e-9, abs_tol=1e-9):
        return Trend(LEVEL, "gelijk", "gelijk aan vorig kwartaal")
    up = now > before
    words = "hoger dan vorig kwartaal" if up else "lager dan vorig kwartaal"
    if direction is None:
        return Trend(UP if up else DOWN, "", words)
    better = up == (direction == "hoger")
    return Trend(
        UP if up else DOWN, "beter" if better else "slechter", f"{words}: {'beter' if better else 'slechter'}"
    )


def norm_status(
    rows: Mapping[tuple[str, str, dt.date], dict],
    kpi: str,
    gemeente: str,
    b: dt.date,
    info: Mapping[str, KpiInfo],
    norms: Norms,
) -> tuple[str, str]:
    """(`gehaald` / `niet-gehaald` / ``, the norm in words with its certainty): `norms.verdict` as text."""
    judged = verdict(rows, kpi, gemeente, b, info, norms)
    text = judged.text + (f"; {judged.certainty_text}" if judged.certainty_text else "")
    return judged.status, text


def _tile(
    rows: Mapping,
    kpi: str,
    gemeente: str,
    b: dt.date,
    previous: dt.date | None,
    info: Mapping[str, KpiInfo],
    norms: Norms,
    judged: Verdict,
) -> str:
    row = rows.get((kpi, gemeente, b))
    if row is None:
        return ""
    before = rows.get((kpi, gemeente, previous)) if previous else None
    change = trend(
        shown_value(row), shown_value(before) if before else None, better_direction(kpi, info, norms)
    )
    if change.arrow and before is not None and before["tekst"] == row["tekst"]:
        change = Trend(LEVEL, "gelijk", "gelijk aan vorig kwartaal")  # a change smaller than the text shows
    classes = " ".join(c for c in ("tegel", judged.status, "onzeker" if judged.onzeker else "") if c)
    parts = [
        f'<div class="{classes}" data-kpi="{html.escape(kpi)}" data-gemeente="{html.escape(gemeente)}">',
        f'<div class="naam">{html.escape(info[kpi].label)}</div>',
        f'<div class="regel"><span class="waarde">{html.escape(row["tekst"])}</span>'
        + (
            f'<span class="trend {change.quality}" title="{html.escape(change.words)}" '
            f'aria-label="{html.escape(change.words)}">{change.arrow}</span>'
            if change.arrow
            else ""
        )
        + "</div>",
    ]
    if before is not None and before["tekst"] != NIET_BESCHIKBAAR:
        said = f"vorig kwartaal {html.escape(before['tekst'])}"
        if change.quality in ("beter", "slechter"):
            said += f' &middot; <span class="{change.quality}">{change.quality}</span>'
        parts.append(f'<div class="vorig">{said}</div>')
    if judged.has_norm:
        why = f' title="{html.escape(judged.certainty_text)}"' if judged.certainty_text else ""
        status = f' <span class="status"{why}>{html.escape(judged.words)}</span>' if judged.status else ""
        parts.append(f'<div class="norm">{html.escape(judged.text)}{status}</div>')
    if row.get("reden"):
        why = reason_words(row["reden"], norms.min_cell, norms.min_noemer)
        parts.append(f'<div class="noot">{html.escape(why)}</div>')
    elif row.get("waarde") is None and row.get("opmerking"):
        parts.append(f'<div class="noot">{html.escape(dutch_dates(str(row["opmerking"])))}</div>')
    parts.append("</div>")
    return "".join(parts)


def tile(
    rows: Mapping,
    kpi: str,
    gemeente: str,
    b: dt.date,
    previous: dt.date | None,
    info: Mapping[str, KpiInfo],
    norms: Norms,
) -> str:
    """One tile: the figure, its change, the previous figure, the norm and its verdict, and any note."""
    return _tile(rows, kpi, gemeente, b, previous, info, norms, verdict(rows, kpi, gemeente, b, info, norms))


def headline_kpis(info: Mapping[str, KpiInfo], present: Iterable[str], norms: Norms) -> list[str]:
    """Tiles: every KPI with a norm, then the fixed headline figures, in catalogue order."""
    wanted = {
        "bestand_n",
        "uitstroom_pct",
        "instroom_pct",
        "uitstroom_werk_pct",
        "uitstroom_werk_inkomen_pct",
        "deeltijdwerk_pct",
        "bijstandsdichtheid",
        "fip_norm_pct",
        "caseload_per_fte",
        "lks_actief_n",
    }
    present = set(present)
    flagged = norm_flags(info)
    return [k for k in info if k in present and (k in flagged or k in norms.rules or k in wanted)]


#: The "Duurzaamheid" row: does outflow last, and do people move up (research.md), for the organisation.
DUURZAAMHEID_KPIS = (
    "uitstroom_werk_duurzaam_pct",
    "herinstroom_12m_pct",
    "instroomcohort_uit_12m_pct",
    "perspectief_stap_omhoog_pct",
)


def durability_row(rows: Mapping, b: dt.date, previous: dt.date | None, info, norms: Norms) -> str:
    """Tiles of the durability measures for `totaal` (empty when none of them is in the run)."""
    tiles = "".join(tile(rows, k, "totaal", b, previous, info, norms) for k in DUURZAAMHEID_KPIS if k in info)
    if not tiles:
        return ""
    return (
        '<section class="gemeente duurzaamheid"><h2 id="duurzaamheid">Duurzaamheid</h2><p>Uitstroom en '
        "instroom van een jaar eerder, een jaar gevolgd; overgangen ten opzichte van een jaar eerder.</p>"
        f'<div class="tegels">{tiles}</div></section>'
    )


@dataclass(frozen=True)
class DashboardChart:
    """A chart at the foot of the dashboard: its placeholder id, heading and exported files."""

    div_id: str
    title: str
    files: tuple[str, ...] = ()


def _verdict_line(verdicts: list[Verdict]) -> str:
    counts = tally(verdicts)
    if not counts.total:
        return ""
    text = html.escape(tally_text(counts))
    for word, cls in (("niet gehaald", NIET_GEHAALD), ("gehaald", GEHAALD), ("onzeker", "onzeker")):
        text = text.replace(f" {word}", f' <span class="{cls}">{word}</span>', 1)
    return f'<p class="oordeel"><strong>Oordeel</strong>: {text}.</p>'


def _municipality_section(
    code: str,
    name: str,
    heads: list[str],
    rows: Mapping,
    b: dt.date,
    previous: dt.date | None,
    info: Mapping[str, KpiInfo],
    norms: Norms,
) -> str:
    # figures computed for the organisation only would be an empty tile in every municipality
    own = [k for k in heads if code == "totaal" or not info[k].alleen_totaal]
    own = [k for k in own if rows.get((k, code, b)) is not None]
    if not own:
        return ""
    judged = {k: verdict(rows, k, code, b, info, norms) for k in own}
    tiles = "".join(_tile(rows, k, code, b, previous, info, norms, judged[k]) for k in own)
    return (
        f'<section class="gemeente" id="gemeente-{html.escape(code)}"><h2>{html.escape(name)}</h2>'
        + _verdict_line(list(judged.values()))
        + f'<div class="tegels">{tiles}</div></section>'
    )


def dashboard_body(
    pub: pl.DataFrame,
    info: Mapping[str, KpiInfo],
    gemeenten: Mapping[str, str],
    notes: list[str],
    norms: Norms,
    *,
    organisatie: str = "",
    charts_shown: list[DashboardChart] | None = None,
    downloads: list[tuple[str, str]] | None = None,
    internal_files: str = "",
    rows: Mapping[tuple[str, str, dt.date], dict] | None = None,
) -> str:
    """index.html's content: per municipality (total first) the verdict line and the tiles, the charts,
    the tables of every KPI, the bundle's files and the notes. `rows`: `rows_by_key(pub)` where the
    caller has it already.
    """
    peildata = peildata_of(pub)
    b = peildata[-1]
    previous = peildata[-2] if len(peildata) > 1 else None
    rows = rows_by_key(pub) if rows is None else rows
    present = pub.filter(pl.col("peildatum") == b).get_column("kpi").unique().to_list()
    heads = headline_kpis(info, present, norms)
    codes = ["totaal"] + [c for c in sorted(gemeenten) if c != "totaal"]
    sub = " &middot; ".join(
        p
        for p in (
            html.escape(organisatie),
            f"peildatum {format_date(b)}",
            f"pijlen vergelijken met {format_date(previous)}" if previous else "",
        )
        if p
    )
    out = [f'<h1>Kwartaalevaluatie Participatiewet</h1><p class="ondertitel">{sub}</p>']
    for code in codes:
        name = "Totaal" if code == "totaal" else f"{gemeenten.get(code, code)} ({code})"
        out.append(_municipality_section(code, name, heads, rows, b, previous, info, norms))
        if code == "totaal":
            out.append(durability_row(rows, b, previous, info, norms))
    if charts_shown:
        out.append('<section class="grafieken"><h2 id="grafieken">Gemeenten vergeleken</h2>')
        for item in charts_shown:
            links = " of ".join(
                f'<a href="{html.escape(f)}">{html.escape(f.rsplit(".", 1)[-1].upper())}</a>'
                for f in item.files
            )
            out.append(
                f'<div class="grafiek-blok"><h3>{html.escape(item.title)}</h3>'
                f'<div class="grafiek" id="{html.escape(item.div_id)}"></div>'
                + (f'<p class="download">Deze grafiek als {links}.</p>' if links else "")
                + "</div>"
            )
        out.append("</section>")
    out.append(_tables(rows, info, gemeenten, codes, b, present, norms))
    if downloads or internal_files:
        items = "".join(
            f'<li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for h, t in downloads or []
        )
        said = f"<p>{html.escape(internal_files)}</p>" if internal_files else ""
        out.append(
            f'<section class="bestanden"><h2 id="bestanden">Bestanden</h2><ul>{items}</ul>{said}</section>'
        )
    out.append(
        '<p class="alleen-print">Alle kengetallen per gemeente staan in kpis.xlsx bij dit rapport.</p>'
        '<div class="noot">' + "<br>".join(html.escape(n) for n in notes) + "</div>"
    )
    return "\n".join(p for p in out if p)


def _tables(
    rows: Mapping,
    info: Mapping[str, KpiInfo],
    gemeenten: Mapping[str, str],
    codes: list[str],
    b: dt.date,
    present: list[str],
    norms: Norms,
) -> str:
    families: dict[str, list[str]] = {}
    for k, v in info.items():
        if k in present:
            families.setdefault(v.family, []).append(k)
    out = ['<section class="tabellen"><h2 id="tabellen">Alle kengetallen per gemeente</h2>']
    head = "".join(
        f"<th>{html.escape('Totaal' if c == 'totaal' else gemeenten.get(c, c))}</th>" for c in codes
    )
    for family, kpis in families.items():
        body = []
        for k in kpis:
            cells = []
            for c in codes:
                row = rows.get((k, c, b))
                judged = verdict(rows, k, c, b, info, norms) if row else Verdict()
                cls = f' class="{judged.status}"' if judged.status else ""
                title = f' title="{html.escape(judged.words)}"' if judged.status else ""
                cells.append(f"<td{cls}{title}>{html.escape(row['tekst']) if row else ''}</td>")
            body.append(f"<tr><td>{html.escape(info[k].label)}</td>{''.join(cells)}</tr>")
        out.append(
            f"<h3>{html.escape(FAMILY_LABELS.get(family, family))}</h3><table><thead><tr>"
            f"<th>Kengetal</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
    out.append("</section>")
    return "".join(out)


def overview_chart(
    pub: pl.DataFrame,
    info: Mapping[str, KpiInfo],
    gemeenten: Mapping[str, str],
    kpi: str,
    norms: Norms | None = None,
    rows: Mapping[tuple[str, str, dt.date], dict] | None = None,
) -> dict[str, Any] | None:
    """One figure per municipality at the peildatum, each in its own colour, with its norm where it has one;
    hidden values are left out. None when nothing can be shown. `rows`: `rows_by_key(pub)` where the
    caller has it already.
    """
    peildata = peildata_of(pub)
    b = peildata[-1]
    sel = pub.filter((pl.col("kpi") == kpi) & (pl.col("peildatum") == b)).sort("gemeentecode")
    if sel.is_empty() or kpi not in info:
        return None
    rows = rows_by_key(pub) if rows is None else rows
    names = {c: gemeenten.get(c, c) for c in sel.get_column("gemeentecode").to_list() if c != "totaal"}
    order = sorted(names, key=lambda c: names[c]) + ["totaal"]
    values = []
    for code in order:
        row = rows.get((kpi, code, b))
        if row is None or shown_value(row) is None:
            continue
        judged = verdict(rows, kpi, code, b, info, norms) if norms else Verdict()
        values.append(
            {
                "gemeente": "Totaal" if code == "totaal" else names[code],
                "waarde": shown_value(row),
                "norm": judged.value,
            }
        )
    if not values:
        return None
    unit = info[kpi].unit
    chart = charts.municipality_chart(
        values,
        title=info[kpi].label,
        unit=unit,
        x_title="" if unit == "pct" else UNIT_TEXT.get(unit, "waarde"),
        colours=charts.municipality_colours(["Totaal", *names.values()]),
        norm_text="Streepje: de norm van de gemeente (rood).",
        subtitle=f"Peildatum {format_date(b)}",
    )
    return charts.spec_of(chart)


def page_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The chart as the dashboard embeds it: the heading above it names it, so its own title gives way to
    its subtitle lines (peildatum, what the norm mark means); the exported PNG and SVG keep the title.
    """
    title = spec.get("title")
    if not isinstance(title, dict) or not title.get("subtitle"):
        return {k: v for k, v in spec.items() if k != "title"}
    lines = title["subtitle"] if isinstance(title["subtitle"], list) else [title["subtitle"]]
    return {**spec, "title": {"text": lines, "fontSize": 12, "fontWeight": "normal", "color": "#444444"}}
