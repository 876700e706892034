"""The disclosure audit: try to recover every hidden cell from what a bundle publishes.

Run by every quarterly run (`pipelines.run.bundle`): the KPI cells while the notebooks write the
pages (`audit_cells`), the pages' tables once they are written (`audit_tables`); its outcome goes
into the manifest, and a run whose audit recovers a cell fails. It reads the publication as a reader
would:

- every KPI cell through its published text (the one text of `present.publication_frame` that the
  dashboard, pages and workbook show): `<5` is a count of 1 to `min_cell - 1`, `x` a hidden cell that
  is at least `min_cell` (a count) or at least 0 (an amount), `-` a hidden share (0 to 100) or figure;
  a shown cell is taken at its exact value (a reader with the unrounded figure is the stronger one);
- the tables of the published pages that add up on their own (the overlap of the Meedoen! target
  groups: combinations add up to the union and, per group, to the group's count).

Checks, per peildatum: no count of 1 to `min_cell - 1` is shown; no multi-year mean or norm flag is
shown beside a hidden year; and no cell hidden for what it is (`<5`, `-`) has only one value left
once every relation of the families (municipalities to `totaal`, perspectives to the stock, groups
to their union, shares to 100 %, years to their mean, the overlap table) and every published cell
is taken into account (`pipelines.disclosure.exposed`). A cell hidden only to protect another (`x`)
is at least `min_cell` and no secret: it may be narrowed down, as long as the small cells are not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl

from pipelines import disclosure
from pipelines.kpi.registry import KpiInfo
from pipelines.periods import multi_year_peildata
from pipelines.report.present import SECONDARY_TEXT

#: The header of the overlap table on the Meedoen! page (`report.families.meedoen.published_overlap`).
OVERLAP_HEADER = ("Combinatie van groepen", "Aantal groepen", "Personen")
UNION_KPI = "meedoen_doelgroep_n"
GROUP_KPI = "meedoen_doelgroep_{}_n"

STATUS_SAFE = "geen onderdrukte cel terug te rekenen"
STATUS_LEAK = "onderdrukte cel terug te rekenen"


@dataclass
class AuditResult:
    """What the audit checked and found (no values: the manifest may be handed out)."""

    cells: int = 0
    hidden: int = 0
    relations: int = 0
    tables: int = 0
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        return not self.findings

    def as_manifest(self) -> dict[str, Any]:
        return {
            "status": STATUS_SAFE if self.safe else STATUS_LEAK,
            "gecontroleerde_cellen": self.cells,
            "onderdrukte_cellen": self.hidden,
            "relaties": self.relations,
            "tabellen_uit_paginas": self.tables,
            "bevindingen": self.findings,
        }

    def message(self) -> str:
        """A Dutch summary naming the cells (kpi, municipality, peildatum), never their values."""
        parts = [f"{f['soort']}: {f['cel']}" for f in self.findings[:10]]
        more = f" (en nog {len(self.findings) - 10})" if len(self.findings) > 10 else ""
        return "onthullingscontrole: " + "; ".join(parts) + more


# --- what a reader sees -----------------------------------------------------------------------------


def reader_view(text: str, kind: str, min_cell: int) -> tuple[str, disclosure.Hidden | None]:
    """(`shown` | `hidden` | `absent`, what a reader knows of a hidden cell) from a published text."""
    if text == "n.b." or text == "":
        return "absent", None
    if text == f"<{min_cell}":
        return "hidden", disclosure.reader_knows(kind, disclosure.AANTAL_KLEIN, min_cell)
    if text == SECONDARY_TEXT:
        return "hidden", disclosure.reader_knows(kind, disclosure.SECUNDAIR, min_cell)
    if text == "-":
        return "hidden", disclosure.reader_knows(kind, None if kind == "aantal" else "-", min_cell)
    return "shown", None


def _dutch_int(text: str) -> float | None:
    clean = text.strip().replace(".", "")
    return float(clean) if re.fullmatch(r"\d+", clean) else None


def _label(key: disclosure.Cell) -> str:
    if isinstance(key, tuple) and len(key) == 3 and isinstance(key[2], dt.date):
        return f"{key[0]} / {key[1]} / {key[2].isoformat()}"
    if isinstance(key, tuple):
        return " / ".join(str(k) for k in key)
    return str(key)


@dataclass(frozen=True)
class CellAudit:
    """The audit of the published KPI cells (`audit_cells`), which the pages' tables build on: the cells
    by key, what a reader sees of each, and what was found."""

    rows: Mapping[disclosure.Cell, dict]
    state: Mapping[disclosure.Cell, tuple[str, disclosure.Hidden | None]]
    result: AuditResult


def audit_publication(
    pub: pl.DataFrame,
    info: Mapping[str, KpiInfo],
    rules: disclosure.Rules,
    min_cell: int,
    tables: Iterable[tuple[list[str], list[list[str]]]] = (),
    peildatum: dt.date | None = None,
) -> AuditResult:
    """Audit the published KPI cells (`pub`: kpis rows with `tekst`) and the pages' own tables."""
    return audit_tables(audit_cells(pub, info, rules, min_cell), min_cell, tables, peildatum)


def audit_cells(
    pub: pl.DataFrame, info: Mapping[str, KpiInfo], rules: disclosure.Rules, min_cell: int
) -> CellAudit:
    """The KPI cells' part of `audit_publication`: it needs only the publication frame, so a run does it
    while the notebooks still write the pages (most of the audit's time)."""
    result = AuditResult()
    rows: dict[tuple[str, str, dt.date], dict] = {
        (r["kpi"], r["gemeentecode"], r["peildatum"]): r
        for r in pub.select("kpi", "gemeentecode", "peildatum", "waarde", "n_jaren", "tekst").iter_rows(
            named=True
        )
    }
    state: dict[tuple[str, str, dt.date], tuple[str, disclosure.Hidden | None]] = {}
    for key, r in rows.items():
        kind = info[key[0]].kind if key[0] in info else "aantal"
        state[key] = reader_view(r["tekst"], kind, min_cell)
        if state[key][0] == "shown":
            result.cells += 1
            if kind == "aantal" and r["waarde"] is not None and 1 <= r["waarde"] < min_cell:
                result.findings.append({"soort": "klein aantal getoond", "cel": _label(key)})
        elif state[key][0] == "hidden":
            result.hidden += 1
    _check_derived(rows, state, rules, result)
    values = {k: float(r["waarde"]) for k, r in rows.items() if r["waarde"] is not None}
    hidden = {k: known for k, (seen, known) in state.items() if seen == "hidden" and k in values and known}
    relations: list[disclosure.Relation] = []
    by_day: dict[dt.date, dict[tuple[str, str], float]] = {}
    for k, v in values.items():
        by_day.setdefault(k[2], {})[(k[0], k[1])] = v
    for b, day in sorted(by_day.items()):
        for rel in rules.relations(day):
            relations.append(
                disclosure.Relation(
                    tuple(((k[0], k[1], b), c) for k, c in rel.terms), rel.constant, rel.exact
                )
            )
    relations += _mean_relations(rows, values, rules)
    relevant = [r for r in relations if any(c in hidden for c in r.cells)]
    result.relations += len(relevant)
    for cell in disclosure.exposed(values, hidden, relevant):
        if rows[cell]["tekst"] != SECONDARY_TEXT:  # an `x` protects another cell and is no secret itself
            result.findings.append({"soort": "terug te rekenen", "cel": _label(cell)})
    return CellAudit(rows, state, result)


def audit_tables(
    cells: CellAudit,
    min_cell: int,
    tables: Iterable[tuple[list[str], list[list[str]]]] = (),
    peildatum: dt.date | None = None,
) -> AuditResult:
    """`audit_publication`'s outcome: the cells' audit (`audit_cells`, not changed) with the pages' tables
    that add up on their own checked against it."""
    result = replace(cells.result, findings=list(cells.result.findings))
    last = peildatum or (max(k[2] for k in cells.rows) if cells.rows else None)
    for headers, body in tables:
        if tuple(headers) == OVERLAP_HEADER and last is not None:
            result.tables += 1
            _audit_overlap(body, cells.rows, cells.state, last, min_cell, result)
    return result


def _check_derived(rows: Mapping, state: Mapping, rules: disclosure.Rules, result: AuditResult) -> None:
    """A mean, norm value or flag shown beside a hidden figure it derives from."""
    targets = set(rules.derived) | set(rules.fixed) | {t for t, _ in rules.follows}
    year_ends = sorted({k[2] for k in rows if (k[2].month, k[2].day) == (12, 31)})
    for (kpi, g, b), (seen, _) in state.items():
        if seen != "shown" or kpi not in targets:
            continue
        sources = disclosure.hidden_sources(kpi, g, b, rules, year_ends)
        if any(state.get(y, ("absent",))[0] == "hidden" for y in sources):
            result.findings.append(
                {"soort": "afgeleid van een onderdrukt cijfer", "cel": _label((kpi, g, b))}
            )


def _mean_relations(rows: Mapping, values: Mapping, rules: disclosure.Rules) -> list[disclosure.Relation]:
    """`n_jaren x mean = the sum of its years` (cells of other peildata), where the series holds them all."""
    out = []
    for (kpi, g, b), r in rows.items():
        basis = rules.derived.get(kpi)
        if (
            basis is None
            or rules.kinds.get(kpi) != "meerjarig"
            or not r["n_jaren"]
            or (kpi, g, b) not in values
        ):
            continue
        years = [(basis, g, y) for y in multi_year_peildata(b)[: int(r["n_jaren"])]]
        if all(y in values for y in years):
            relation = disclosure.mean_relation((kpi, g, b), years)
            if disclosure.holds(relation, values, tolerance=1e-6):
                out.append(relation)
    return out


def _audit_overlap(
    body: list[list[str]], rows: Mapping, state: Mapping, b: dt.date, min_cell: int, result: AuditResult
) -> None:
    """Combinations of groups add up to the union and, for each group, to its count."""
    values: dict[disclosure.Cell, float] = {}
    hidden: dict[disclosure.Cell, disclosure.Hidden] = {}
    sensitive: set[disclosure.Cell] = set()
    combos = []
    for line in body:
        if len(line) < 3:
            continue
        combo, text = line[0].strip(), line[2].strip()
        key = ("overlap", combo)
        combos.append((key, set(combo.split("+"))))
        seen, known = reader_view(text, "aantal", min_cell)
        if seen == "hidden" and known is not None:
            hidden[key] = known
            values[key] = 0.0
            result.hidden += 1
            if text != SECONDARY_TEXT:
                sensitive.add(key)
        else:
            number = _dutch_int(text)
            if number is None:
                return
            values[key] = number
            result.cells += 1
    if not hidden:
        return
    totals: dict[str, disclosure.Cell] = {"union": (UNION_KPI, "totaal")}
    totals.update({str(i): (GROUP_KPI.format(i), "totaal") for i in range(1, 5)})
    for cell in totals.values():
        row = rows.get((*cell, b))
        if row is None or row["waarde"] is None:
            continue
        seen, known = state[(*cell, b)]
        values[cell] = float(row["waarde"])
        if seen == "hidden" and known is not None:
            hidden[cell] = known
    relations = []
    if totals["union"] in values:
        relations.append(disclosure.sum_relation(totals["union"], [k for k, _ in combos]))
    for i in range(1, 5):
        cell = totals[str(i)]
        parts = [k for k, members in combos if str(i) in members]
        if cell in values and parts:
            relations.append(disclosure.sum_relation(cell, parts))
    result.relations += len(relations)
    for cell in disclosure.exposed(values, hidden, relations):
        if cell in sensitive:
            result.findings.append({"soort": "terug te rekenen (overlaptabel)", "cel": _label(cell)})


# --- the tables of a published page -------------------------------------------------------------------


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._header: list[str] = []
        self._body: list[list[str]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self._depth += 1
            self._header, self._body = [], []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if not self._header:
                self._header = self._row
            else:
                self._body.append(self._row)
            self._row = None
        elif tag == "table" and self._depth:
            self._depth -= 1
            self.tables.append((self._header, self._body))

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_tables(html_text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every `<table>` of a page as (header cells, rows of cell texts)."""
    parser = _Tables()
    parser.feed(html_text)
    return parser.tables


def published_tables(folder: Path) -> list[tuple[list[str], list[list[str]]]]:
    """The tables of every page in a published folder."""
    out = []
    for page in sorted(Path(folder).rglob("*.html")):
        out.extend(page_tables(page.read_text(encoding="utf-8")))
    return out
