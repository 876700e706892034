"""The dashboard (index.html): tiles against their norms, per municipality, tables per family, charts."""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from pipelines import disclosure
from pipelines.kpi.registry import FAMILY_LABELS, KpiInfo, NormRule, norm_rules
from pipelines.report.formats import UNIT_TEXT, flag_true, format_nl
from pipelines.report.html import locales
from pipelines.report.present import ZEKER_TEXT, peildata_of, relative_norm_text, rows_by_key, shown_value


def trend_arrow(now: float | None, before: float | None) -> str:
    """Up, down or level compared with the previous quarter; nothing when either is hidden or missing."""
    if now is None or before is None:
        return ""
    if math.isclose(now, before, rel_tol=1e-9, abs_tol=1e-9):
        return "&#9654;"  # level
    return "&#9650;" if now > before else "&#9660;"


@dataclass(frozen=True)
class Norms:
    """The organisation's norms as the dashboard checks them."""

    rules: dict[str, NormRule]
    #: The relative norms: this factor times the baseline (the verdict itself comes from kpis.csv).
    factor: float = 1.10
    #: Their baseline: `meerjarig` or `vast` (`norm_basis`).
    basis: str = "meerjarig"


def config_norms(config: Any) -> Norms:
    """The norms every active family sets (the flag norms come from kpis.csv itself)."""
    return Norms(norm_rules(config), float(config.norm_factor), getattr(config, "norm_basis", "meerjarig"))


def norm_flags(info: Mapping[str, KpiInfo]) -> dict[str, str]:
    """yearly kpi -> its `_norm` flag kpi (from the catalogue's `basis`)."""
    return {v.basis: k for k, v in info.items() if v.kind == "vlag" and v.basis}


def norm_status(
    rows: Mapping[tuple[str, str, dt.date], dict],
    kpi: str,
    gemeente: str,
    b: dt.date,
    info: Mapping[str, KpiInfo],
    norms: Norms,
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
        return _relative_norm_status(rows, kpi, flag_kpi, gemeente, b, norms)
    rule = rules[kpi]
    unit = info[kpi].unit if kpi in info else ""
    words = {">=": "ten minste", "<=": "ten hoogste", "<": "onder", ">": "boven"}[rule.op]
    text = f"norm: {words} {format_nl(rule.limit, unit)}"
    value = shown_value(row)
    if value is None:
        return "", text
    return ("gehaald" if rule.met(value) else "niet-gehaald"), text


def _relative_norm_status(
    rows: Mapping, kpi: str, flag_kpi: str, gemeente: str, b: dt.date, norms: Norms
) -> tuple[str, str]:
    """A relative (x 1,10) norm: its words, baseline, norm value and the `zeker`/`onzeker` verdict."""
    row = rows.get((kpi, gemeente, b))
    basis = rows.get((f"{kpi}_{'vast' if norms.basis == 'vast' else 'meerjarig'}", gemeente, b))
    value = rows.get((f"{kpi}_normwaarde", gemeente, b))
    text = "norm: " + relative_norm_text(norms.factor, norms.basis)
    if basis is not None and shown_value(basis) is not None:
        text += f" ({format_nl(basis['waarde'], 'pct')})"
        norm_value = value["waarde"] if value is not None and value.get("waarde") is not None else None
        if norm_value is None:
            norm_value = basis["waarde"] * norms.factor
        text += f", dus ten minste {format_nl(norm_value, 'pct')}"
    flag = rows.get((flag_kpi, gemeente, b))
    if flag is None or flag.get("waarde") is None or row is None or shown_value(row) is None:
        return "", text
    certain = rows.get((f"{flag_kpi}_zeker", gemeente, b))
    if certain is not None and certain.get("waarde") is not None:
        text += f"; {ZEKER_TEXT[flag_true(certain['waarde'])]}"
    return ("gehaald" if flag_true(flag["waarde"]) else "niet-gehaald"), text


def tile(
    rows: Mapping,
    kpi: str,
    gemeente: str,
    b: dt.date,
    previous: dt.date | None,
    info: Mapping[str, KpiInfo],
    norms: Norms,
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
        reason = (
            f'<div class="noot">{html.escape(disclosure.REASON_TEXT.get(row["reden"], row["reden"]))}</div>'
        )
    elif row.get("waarde") is None and row.get("opmerking"):
        reason = f'<div class="noot">{html.escape(str(row["opmerking"]))}</div>'
    return (
        f'<div class="tegel {status}" data-kpi="{html.escape(kpi)}" data-gemeente="{html.escape(gemeente)}">'
        f'<div class="naam">{html.escape(info[kpi].label)}</div>'
        f'<div><span class="waarde">{html.escape(row["tekst"])}</span><span class="trend" title="ten '
        f'opzichte van vorig kwartaal">{arrow}</span></div>'
        + (
            f'<div class="norm">{html.escape(norm_text)} <span class="status">{status_text}</span></div>'
            if norm_text
            else ""
        )
        + reason
        + "</div>"
    )


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
        '<h2 id="duurzaamheid">Duurzaamheid</h2><p>Uitstroom en instroom van een jaar eerder, '
        "een jaar gevolgd; overgangen ten opzichte van een jaar eerder.</p>"
        f'<div class="tegels">{tiles}</div>'
    )


def dashboard_body(
    pub: pl.DataFrame,
    info: Mapping[str, KpiInfo],
    gemeenten: Mapping[str, str],
    sections: list[tuple[str, str]],
    chart_files: list[str],
    notes: list[str],
    norms: Norms,
) -> str:
    """index.html's content: tiles (total, then per municipality), tables per family, links."""
    peildata = peildata_of(pub)
    b = peildata[-1]
    previous = peildata[-2] if len(peildata) > 1 else None
    rows = rows_by_key(pub)
    present = pub.filter(pl.col("peildatum") == b).get_column("kpi").unique().to_list()
    heads = headline_kpis(info, present, norms)
    codes = ["totaal"] + [c for c in sorted(gemeenten) if c != "totaal"]
    out = [
        f"<h1>Kwartaalevaluatie Participatiewet</h1><p>Peildatum {b.strftime('%d-%m-%Y')}"
        + (f"; pijlen vergelijken met peildatum {previous.strftime('%d-%m-%Y')}." if previous else ".")
        + "</p>"
    ]
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
        if code == "totaal":
            out.append(durability_row(rows, b, previous, info, norms))
    families: dict[str, list[str]] = {}
    for k, v in info.items():
        if k in present:
            families.setdefault(v.family, []).append(k)
    out.append('<h2 id="tabellen">Alle kengetallen per gemeente</h2>')
    for family, kpis in families.items():
        head = "".join(
            f"<th>{html.escape('Totaal' if c == 'totaal' else gemeenten.get(c, c))}</th>" for c in codes
        )
        body = []
        for k in kpis:
            cells = []
            for c in codes:
                row = rows.get((k, c, b))
                status, _ = norm_status(rows, k, c, b, info, norms) if row else ("", "")
                cls = f' class="{status}"' if status else ""
                cells.append(f"<td{cls}>{html.escape(row['tekst']) if row else ''}</td>")
            body.append(f"<tr><td>{html.escape(info[k].label)}</td>{''.join(cells)}</tr>")
        out.append(
            f"<h3>{html.escape(FAMILY_LABELS.get(family, family))}</h3><table><thead><tr>"
            f"<th>Kengetal</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
    for file in chart_files:
        out.append(f'<p><a href="{html.escape(file)}">{html.escape(file)}</a></p>')
    out.append('<div class="noot">' + "<br>".join(html.escape(n) for n in notes) + "</div>")
    return "\n".join(out)


def overview_chart(
    pub: pl.DataFrame, info: Mapping[str, KpiInfo], gemeenten: Mapping[str, str], kpi: str
) -> dict | None:
    """A bar chart of one percentage per municipality at the peildatum; hidden values are left out."""
    b = peildata_of(pub)[-1]
    sel = pub.filter((pl.col("kpi") == kpi) & (pl.col("peildatum") == b)).sort("gemeentecode")
    if sel.is_empty() or kpi not in info:
        return None
    values = [
        {
            "gemeente": "Totaal"
            if r["gemeentecode"] == "totaal"
            else gemeenten.get(r["gemeentecode"], r["gemeentecode"]),
            "waarde": shown_value(r),
        }
        for r in sel.iter_rows(named=True)
        if shown_value(r) is not None
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
            "x": {
                "field": "waarde",
                "type": "quantitative",
                "title": UNIT_TEXT.get(info[kpi].unit, "waarde"),
                "axis": {"format": ",.1f"},
            },
            "tooltip": [
                {"field": "gemeente", "title": "Gemeente"},
                {"field": "waarde", "title": "Waarde", "format": ",.1f"},
            ],
        },
        "width": 500,
        "config": {"locale": {"number": locales()[0]}},
    }
