"""What the participation-budget page shows: spend per perspective, exhaustion per year, the budget table,
and the policy document's own budget lines beside what the export shows for that year.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from pipelines.config import OrgConfig, year_budget
from pipelines.kpi.base import TOTAAL, Inconsistency
from pipelines.kpi.budget import (
    ALGEMEEN,
    ONBEKEND,
    PERSPECTIEVEN,
    budgets_of,
    check_budget,
    fixed_costs,
    year_fraction,
)
from pipelines.report.formats import format_nl
from pipelines.report.notebook import unavailable_reason
from pipelines.report.present import reason_words

PERSPECTIEF_LABELS = {
    "werken": "Werken",
    "werken_aan": "Werken aan",
    "meedoen": "Meedoen",
    ONBEKEND: "Onbekend",
    ALGEMEEN: "Algemeen (geen perspectief)",
    TOTAAL: "Totaal",
}
SOORT_LABELS = {"vast": "vaste last", "voorzieningen": "voorzieningen (export)"}


def calendar_year_peildata(b: dt.date, jaren: int = 4) -> list[dt.date]:
    """31 December of the `jaren - 1` years before `b`, then `b`: whole past years and this year to date."""
    return [dt.date(b.year - k, 12, 31) for k in range(jaren - 1, 0, -1)] + [b]


def calendar_year_label(b: dt.date) -> str:
    """`2023` for a whole year, `2024 t/m 30-09` for a year to date."""
    return str(b.year) if (b.month, b.day) == (12, 31) else f"{b.year} t/m {b.strftime('%d-%m')}"


def _published(frame: pl.DataFrame, kpi: str, b: dt.date) -> tuple[float | None, str | None, str | None]:
    """(value publication may show, suppression reason, why unavailable) of one KPI on `b`."""
    sel = frame.filter((pl.col("kpi") == kpi) & (pl.col("peildatum") == b))
    if not sel.height:
        return None, None, "niet berekend"
    r = sel.row(0, named=True)
    return (None if r["onderdrukt"] else r["waarde"]), r["onderdrukt"], r["opmerking"]


def spend_bars(frame: pl.DataFrame, b: dt.date) -> pl.DataFrame:
    """Spend per perspective on `b` for `charts.bar_chart`: `categorie, waarde, onderdrukt`."""
    out = []
    for p in (*PERSPECTIEVEN, ONBEKEND):
        waarde, reden, _ = _published(frame, f"budget_{p}_besteed", b)
        out.append({"categorie": PERSPECTIEF_LABELS[p], "waarde": waarde, "onderdrukt": reden})
    return pl.DataFrame(
        out, schema={"categorie": pl.String(), "waarde": pl.Float64(), "onderdrukt": pl.String()}
    )


def exhaustion_series(frame: pl.DataFrame, peildata: list[dt.date]) -> pl.DataFrame:
    """Budget exhaustion per perspective and year for `charts.series_chart`.

    Columns `periode, reeks, waarde, onderdrukt`.

    Years without a figure at all (no budget, not covered) are left out; suppressed ones stay as a gap.
    """
    out = []
    for b in peildata:
        for p in (*PERSPECTIEVEN, TOTAAL):
            waarde, reden, _ = _published(frame, f"budget_{p}_uitputting", b)
            if waarde is not None or reden is not None:
                out.append(
                    {
                        "periode": calendar_year_label(b),
                        "reeks": PERSPECTIEF_LABELS[p],
                        "waarde": waarde,
                        "onderdrukt": reden,
                    }
                )
    schema = {"periode": pl.String(), "reeks": pl.String(), "waarde": pl.Float64(), "onderdrukt": pl.String()}
    return pl.DataFrame(out, schema=schema)


def budget_table(frame: pl.DataFrame, b: dt.date, config: OrgConfig) -> pl.DataFrame:
    """Per perspective: budget of the year, fixed costs to date, spend to date, exhaustion (Dutch text,
    suppression applied). The general part (programme management, research) has a budget and fixed costs
    but no spend of its own.
    """
    year = budgets_of(config, b.year) or {}
    fixed = fixed_costs(year_budget(config, b.year), b)
    places = [*PERSPECTIEVEN, ONBEKEND] + ([ALGEMEEN] if ALGEMEEN in year else []) + [TOTAAL]
    out = []
    for p in places:
        budget = math.fsum(year.values()) if (p == TOTAAL and year) else year.get(p)
        vast = math.fsum(fixed.values()) if p == TOTAAL else fixed.get(p)
        cells, notes = [], []
        for kpi, unit in ((f"budget_{p}_besteed", "eur"), (f"budget_{p}_uitputting", "pct")):
            waarde, reden, opmerking = _published(frame, kpi, b)
            if p in (ONBEKEND, ALGEMEEN) and (kpi.endswith("_uitputting") or p == ALGEMEEN):
                cells.append("")
            elif reden:
                cells.append("-")
                notes.append(reason_words(reden, config.min_cell, config.min_noemer))
            elif waarde is None:
                cells.append("n.b.")
                notes.append(opmerking or "niet beschikbaar")
            else:
                cells.append(format_nl(waarde, unit))
                if opmerking:
                    notes.append(opmerking)
        out.append(
            {
                "Perspectief": PERSPECTIEF_LABELS[p],
                f"Budget {b.year}": format_nl(budget, "eur")
                if budget is not None
                else ("" if p == ONBEKEND else "n.b."),
                "Vaste lasten (tijdsevenredig)": "" if not vast else format_nl(vast, "eur"),
                f"Besteed aan voorzieningen ({calendar_year_label(b)})": cells[0],
                "Uitputting": cells[1],
                "Toelichting": "; ".join(dict.fromkeys(notes)),
            }
        )
    return pl.DataFrame(out)


def plan_years(config: OrgConfig, b: dt.date) -> list[dt.date]:
    """The peildata of the years a policy document budgets line by line, up to `b` (31 December, or `b`)."""
    return [min(dt.date(y, 12, 31), b) for y in sorted(config.participatiebudget) if y <= b.year]


def plan_table(frame: pl.DataFrame, config: OrgConfig, b: dt.date) -> pl.DataFrame | None:
    """The document's budget for the year of `b`, line by line, beside what the export shows.

    A fixed-cost line is taken as spent evenly over the year (the export holds no salaries or
    contributions); a provisions line is met by the `kosten` of that perspective's provisions (one figure
    per perspective: the export does not say which budget line a provision belongs to).
    """
    plan = year_budget(config, b.year)
    if plan is None:
        return None
    share = year_fraction(b)
    out, seen = [], set()
    for line in plan.uitgaven:
        if line.soort == "vast":
            realised, note = format_nl(line.bedrag * share, "eur"), "vaste last, tijdsevenredig"
        elif line.perspectief in seen:
            realised, note = "", "zie de eerste regel van dit perspectief"
        else:
            seen.add(line.perspectief)
            waarde, reden, opmerking = _published(frame, f"budget_{line.perspectief}_besteed", b)
            realised = "-" if reden else ("n.b." if waarde is None else format_nl(waarde, "eur"))
            note = (
                reason_words(reden, config.min_cell, config.min_noemer)
                if reden
                else (opmerking or "kosten van voorzieningen")
            )
        out.append(
            {
                "Regel": line.regel,
                "Perspectief": PERSPECTIEF_LABELS[line.perspectief],
                "Soort": SOORT_LABELS[line.soort],
                f"Begroot {b.year}": format_nl(line.bedrag, "eur"),
                f"Gerealiseerd ({calendar_year_label(b)})": realised,
                "Toelichting": note,
            }
        )
    total = math.fsum(line.bedrag for line in plan.uitgaven)
    out.append(
        {
            "Regel": "Totaal uitgaven",
            "Perspectief": "",
            "Soort": "",
            f"Begroot {b.year}": format_nl(total, "eur"),
            f"Gerealiseerd ({calendar_year_label(b)})": "",
            "Toelichting": "",
        }
    )
    for regel, bedrag in plan.beschikbaar:
        out.append(
            {
                "Regel": f"Beschikbaar: {regel}",
                "Perspectief": "",
                "Soort": "",
                f"Begroot {b.year}": format_nl(bedrag, "eur"),
                f"Gerealiseerd ({calendar_year_label(b)})": "",
                "Toelichting": "",
            }
        )
    return pl.DataFrame(out)


def budget_inconsistency_text(found: Inconsistency) -> str:
    """One line of `check_budget` in Dutch."""
    return (
        f"{found.regel}: {found.onderdeel} {format_nl(found.opgegeven, 'eur')} in het stuk, "
        f"{format_nl(found.berekend, 'eur')} uit de eigen regels (verschil "
        f"{format_nl(found.berekend - found.opgegeven, 'eur')})"
    )


def plan_checks(config: OrgConfig, jaar: int) -> list[str]:
    """The document's own arithmetic for `jaar`, as Dutch sentences (empty when it adds up)."""
    plan = year_budget(config, jaar)
    return [budget_inconsistency_text(f) for f in check_budget(plan)] if plan is not None else []


ILLUSTRATIEF_TEKST = (
    "de budgetbedragen zijn illustratief: ze staan in de configuratie van de organisatie, maar komen niet "
    "uit een vastgesteld beleidsstuk; de uitputting is daarom geen oordeel over de werkelijke begroting"
)


def illustrative_text(config: OrgConfig) -> str | None:
    """The plain warning every output that shows illustrative budget amounts carries (None for real ones)."""
    return f"Participatiebudget: {ILLUSTRATIEF_TEKST}." if config.budget_illustratief else None


def illustrative_note(config: OrgConfig) -> str | None:
    """The same warning for the notebook page, with what to do about it."""
    if not config.budget_illustratief:
        return None
    return (
        f"**Let op: {ILLUSTRATIEF_TEKST}.** Vervang ze door de eigen begroting (`participatiebudget` of "
        "`budget_per_perspectief`)."
    )


def unavailable_note(frame: pl.DataFrame, b: dt.date) -> str | None:
    """Why the family has no figures on `b` (None when it has some): `notebook.unavailable_reason`."""
    return unavailable_reason(frame, b)
