"""The validation report `validatie/index.html`: one self-contained Dutch page, readable offline.

Per table the reconciliation (read / accepted / rejected), per rule its rationale, severity
and number of failures with a few examples (file, line, masked value). No scripts, no
external styles, no timestamps (same input, same page).
"""

from __future__ import annotations

from html import escape
from typing import Any

import polars as pl

from pipelines.schema import RULES, TABLE_ORDER
from pipelines.text import dutch_dates, format_date, format_nl

MAX_EXAMPLES = 5

#: Rules checked by the reader and ingest itself rather than by a GE suite.
BUILTIN_RATIONALE = {
    "type": (
        "error",
        "Een waarde die niet als datum, maand of getal te lezen is, wordt niet geraden maar afgewezen.",
    ),
    "dubbel": (
        "error",
        "Een exacte herhaling van een regel telt anders dubbel mee; het eerste exemplaar blijft behouden.",
    ),
    "kolom_ontbreekt": ("error", "Zonder verplichte kolom is de tabel niet te gebruiken."),
}

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1b1b;max-width:75rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #154273}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #c8c8c8;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#e8eef5}td.n{text-align:right;font-variant-numeric:tabular-nums}
.error{color:#a4001d;font-weight:600}.warning{color:#8a5a00;font-weight:600}.ok{color:#2e7d32}
.klein{font-size:.8rem;color:#555}
"""

#: The page runs no script at all and loads nothing: an injected tag in a value could not run anyway.
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

SEVERITY_LABEL = {"error": "fout (regel afgewezen)", "warning": "waarschuwing (regel behouden)"}


def _severity_label(row: dict[str, Any]) -> str:
    if row["tabelniveau"]:
        return "fout (ingest stopt)" if row["ernst"] == "error" else "waarschuwing"
    return SEVERITY_LABEL[row["ernst"]]


def _examples(lines: pl.DataFrame) -> str:
    if lines.is_empty():
        return ""
    items = []
    for row in lines.head(MAX_EXAMPLES).iter_rows(named=True):
        waarde = "" if row["waarde"] is None else f" waarde <code>{escape(str(row['waarde']))}</code>"
        items.append(f"{escape(row['bestand'])} regel {row['regel']}{waarde}")
    more = lines.height - MAX_EXAMPLES
    tail = f"<br><span class='klein'>en nog {format_nl(more)}</span>" if more > 0 else ""
    return "<br>".join(items) + tail


def _rule_rows(validation: Any) -> list[dict[str, Any]]:
    """Every rule with its count and examples: GE outcomes plus the reader's and ingest's own rules."""
    rows: list[dict[str, Any]] = []
    lines_by_severity = {"error": validation.afwijzingen, "warning": validation.waarschuwingen}
    outcomes = validation.uitkomsten
    if outcomes.height:
        for row in outcomes.iter_rows(named=True):
            full = f"{RULES.get(row['controle'], row['controle'])}: {row['melding']}"
            lines = lines_by_severity[row["ernst"]].filter(
                (pl.col("tabel") == row["tabel"])
                & (pl.col("controle") == row["controle"])
                & (pl.col("melding") == full)
            )
            rows.append({**row, "voorbeelden": _examples(lines), "aantal": row["aantal"]})
    for controle, (severity, rationale) in BUILTIN_RATIONALE.items():
        found = validation.afwijzingen.filter(pl.col("controle") == controle)
        for (tabel, kolom), group in found.group_by(["tabel", "kolom"], maintain_order=True):
            rows.append(
                {
                    "tabel": tabel,
                    "suite": "inlezen",
                    "controle": controle,
                    "kolom": kolom,
                    "ernst": severity,
                    "rationale": rationale,
                    "melding": RULES[controle],
                    "tabelniveau": False,
                    "geslaagd": False,
                    "aantal": group.height,
                    "voorbeelden": _examples(group),
                }
            )
    return rows


def render_report(validation: Any, meta: dict[str, Any]) -> str:
    """The page as a string (`validation` is `pipelines.ingest.deliver.Validation`)."""
    out: list[str] = [
        "<!DOCTYPE html>",
        "<html lang='nl'><head><meta charset='utf-8'>",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>Validatierapport {escape(meta['organisatie'])} "
        f"{format_date(meta['extractiedatum'])}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Validatierapport {escape(meta['organisatie'])}</h1>",
        f"<p>Extractiedatum {format_date(meta['extractiedatum'])}, gegevens volledig vanaf "
        f"{format_date(meta['gegevens_vanaf'])}, profiel <code>{escape(meta['profiel'])}</code>. "
        f"Drempel afwijzingen per tabel: {format_nl(float(meta['max_afwijzing_pct']), 'pct')}.</p>",
        "<p>Regels die een fout bevatten zijn afgewezen en staan in <code>afwijzingen.csv</code>; "
        "waarschuwingen staan in <code>waarschuwingen.csv</code> en de regel is behouden. "
        "Een BSN wordt nooit getoond: het staat als <code>#########</code> in dit rapport.</p>",
    ]
    if meta.get("gestopt"):
        out.append(
            "<p class='error'>De ingest is gestopt: in minstens een tabel is het aandeel afgewezen regels "
            "hoger dan de drempel. Er is geen schone data gepubliceerd.</p>"
        )

    out.append("<h2>Afstemming per bestand</h2>")
    out.append(
        "<table><tr><th>tabel</th><th>bestand</th><th>gelezen</th><th>geaccepteerd</th>"
        "<th>afgewezen</th><th>aandeel afgewezen</th></tr>"
    )
    for row in validation.afstemming.iter_rows(named=True):
        share = 100.0 * row["afgewezen"] / row["gelezen"] if row["gelezen"] else 0.0
        cls = "error" if share > float(meta["max_afwijzing_pct"]) else ""
        pct = format_nl(share, "pct")
        out.append(
            f"<tr><td>{escape(row['tabel'])}</td><td>{escape(row['bestand'])}</td><td "
            f"class='n'>{format_nl(row['gelezen'])}</td>"
            f"<td class='n'>{format_nl(row['geaccepteerd'])}</td>"
            f"<td class='n'>{format_nl(row['afgewezen'])}</td>"
            f"<td class='n {cls}'>{pct}</td></tr>"
        )
    out.append("</table>")

    rules = _rule_rows(validation)
    order = {name: i for i, name in enumerate(TABLE_ORDER)}
    tables = sorted({r["tabel"] for r in rules}, key=lambda t: order.get(t, len(order)))
    for table in tables:
        out.append(f"<h2>Controles op {escape(table)}</h2>")
        out.append(
            "<table><tr><th>controle</th><th>kolom</th><th>ernst</th><th>waarom</th>"
            "<th>afwijkingen</th><th>voorbeelden</th></tr>"
        )
        for row in (r for r in rules if r["tabel"] == table):
            if row["tabelniveau"]:
                count = (
                    "<span class='ok'>voldaan</span>"
                    if row["geslaagd"]
                    else f"<span class='{row['ernst']}'>niet voldaan</span>"
                )
            else:
                count = format_nl(row["aantal"]) if row["aantal"] else "<span class='ok'>0</span>"
            out.append(
                f"<tr><td>{escape(row['controle'])}<br><span "
                f"class='klein'>{escape(dutch_dates(row['melding']))}</span></td>"
                f"<td>{escape(row['kolom'] or '(tabel)')}</td>"
                f"<td class='{row['ernst']}'>{escape(_severity_label(row))}</td>"
                f"<td>{escape(row['rationale'])}</td><td "
                f"class='n'>{count}</td><td>{row['voorbeelden']}</td></tr>"
            )
        out.append("</table>")
    ignored = {t: cols for t, cols in meta.get("genegeerde_kolommen", {}).items() if cols}
    if ignored or meta.get("genegeerde_bestanden"):
        out.append("<h2>Genegeerd</h2><ul>")
        for table, cols in ignored.items():
            out.append(f"<li>{escape(table)}: extra kolommen {escape(', '.join(cols))}</li>")
        for name in meta.get("genegeerde_bestanden", []):
            out.append(f"<li>bestand {escape(name)}</li>")
        out.append("</ul>")
    out.append(
        f"<p class='klein'>Sleutel-vingerafdruk {escape(meta['sleutel_vingerafdruk'])}; regels volgens "
        "de suites in <code>expectations/</code> (zie docs/validatie.md).</p>"
    )
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --- what the notebooks 00_ingest and 01_validatie call ------------------------------------------
