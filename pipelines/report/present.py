"""The one published-cell rule: what a reader sees for an exact figure (text, `<5`, `-`, `n.b.`).

kpis.csv keeps exact values and the reason a figure is hidden (`onderdrukt`, `pipelines.disclosure`);
every page, tile, table and workbook cell turns a figure into text here, so the same figure reads
the same everywhere: a hidden small count is `<5` (with the organisation's `min_cell`), a cell hidden
so that another cannot be recomputed `x` (secondary suppression), any other hidden figure `-`, a
figure that cannot be computed `n.b.`, and the rest goes through `format_nl`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import polars as pl

from pipelines import disclosure
from pipelines.kpi.registry import KpiInfo, disclosure_rules
from pipelines.report.formats import NIET_BESCHIKBAAR, format_nl, range_text

#: Kinds whose hidden value is a small count of persons (shown as `<5`); the others show `-`.
COUNT_KINDS = ("aantal",)


#: How a cell hidden by secondary suppression reads (as CBS writes it): not small, but not shown.
SECONDARY_TEXT = "x"


def masked_text(kind: str, min_cell: int = 5, reason: str | None = None) -> str:
    """How a publication shows a suppressed figure: a small count `<5`, a secondary cell `x`, else `-`."""
    if reason == disclosure.SECUNDAIR:
        return SECONDARY_TEXT
    if reason == disclosure.BLOK:
        return "-"
    return f"<{min_cell}" if kind in COUNT_KINDS else "-"


def published_text(
    value: float | None, unit: str, kind: str, onderdrukt: str | None, min_cell: int = 5
) -> str:
    """The text of one published cell."""
    if onderdrukt is not None:
        return masked_text(kind, min_cell, onderdrukt)
    if value is None:
        return NIET_BESCHIKBAAR
    return format_nl(value, unit)


def published_count(n: int | float | None, min_cell: int = 5) -> str:
    """A count of persons in a table that is not a KPI row: `<5` for 1 to `min_cell - 1`."""
    if n is None:
        return NIET_BESCHIKBAAR
    if 1 <= n < min_cell:
        return masked_text("aantal", min_cell)
    return format_nl(n, "n")


def publication_frame(
    kpis: pl.DataFrame,
    info: Mapping[str, KpiInfo],
    min_cell: int = 5,
    min_noemer: int = 10,
    rules: disclosure.Rules | None = None,
    *,
    flagged: bool = False,
) -> pl.DataFrame:
    """kpis.csv rows plus `reden` (why publication hides it, or null) and `tekst` (what publication shows).

    The reason is recomputed with `pipelines.disclosure` from the organisation's own limits (small
    cells, derived means and flags, secondary suppression over the families' relations), so the
    publication never depends on a stale `onderdrukt` column. Only with `flagged` is the frame's own
    column taken as it is: the run passes the frame `compute_kpis` has just flagged with these very
    limits and rules (computing the secondary suppression of a whole series twice costs a second).
    """
    kinds = {k: info[k].kind if k in info else "aantal" for k in kpis.get_column("kpi").unique().to_list()}
    rules = rules or disclosure_rules()
    if not flagged:
        kpis = disclosure.add_onderdrukt(kpis, kinds, min_cell, min_noemer, rules)
    frame = kpis.rename({"onderdrukt": "reden"})
    texts = []
    for row in frame.select("kpi", "waarde", "reden").iter_rows(named=True):
        meta = info.get(row["kpi"])
        kind = meta.kind if meta else "aantal"
        if row["reden"] is not None:
            texts.append(masked_text(kind, min_cell, row["reden"]))
        else:
            texts.append(format_nl(row["waarde"], meta.unit if meta else "n"))
    return frame.with_columns(pl.Series("tekst", texts, dtype=pl.String))


def relative_norm_text(factor: float, basis: str = "meerjarig") -> str:
    """The +10 % norms in words, as the plan words them: relative to a baseline, never "+10 %" points.

    `basis` `meerjarig` (the report year and the three before) or `vast` (the fixed base years).
    """
    increase = format_nl(round(100 * (factor - 1), 6), "n")
    if basis == "vast":
        return f"{increase} % hoger dan het gemiddelde van de basisjaren (vaste basis)"
    return f"{increase} % hoger dan het meerjarig gemiddelde"


#: The uncertainty verdict of a norm (kpis.md "Norms and uncertainty"), by the `_zeker` flag.
ZEKER_TEXT = {
    True: "zeker: het 95 %-interval ligt geheel aan één kant van de normwaarde",
    False: "onzeker: het 95 %-interval omvat de normwaarde",
}


def shown_value(row: Mapping[str, Any]) -> float | None:
    """The number a chart or workbook cell may carry: None where suppressed or missing."""
    return None if row.get("reden") is not None else row.get("waarde")


def peildata_of(frame: pl.DataFrame) -> list[dt.date]:
    return sorted(frame.get_column("peildatum").unique().to_list())


def rows_by_key(pub: pl.DataFrame) -> dict[tuple[str, str, dt.date], dict]:
    return {(r["kpi"], r["gemeentecode"], r["peildatum"]): r for r in pub.iter_rows(named=True)}


def reason_words(reden: str, min_cell: int = 5, min_noemer: int = 10) -> str:
    """Why publication hides a figure, in the organisation's own limits (`aantal van 1 tot en met 4: ...`)."""
    small = range_text(1, min_cell - 1)
    words = {
        disclosure.AANTAL_KLEIN: f"aantal van {small}",
        disclosure.TELLER_KLEIN: f"percentage op een teller van {small}",
        disclosure.NOEMER_KLEIN: f"percentage of gemiddelde over minder dan {format_nl(min_noemer)} personen",
        disclosure.PERSONEN_KLEIN: f"bedrag over {small} personen",
    }
    if reden in words:
        return f"{words[reden]}: niet gepubliceerd"
    # secondary, derived and block suppression: the same words as the audit and the workbook
    return disclosure.REASON_TEXT.get(reden, f"{reden}: niet gepubliceerd")


def _small_count(min_cell: int) -> str:
    return f"een aantal van {range_text(1, min_cell - 1)}"


def _small_share(min_cell: int, min_noemer: int) -> str:
    return (
        f"een percentage op een teller van {range_text(1, min_cell - 1)} of op een noemer onder "
        f"{format_nl(min_noemer)}, of een gemiddelde over minder dan {format_nl(min_noemer)} personen"
    )


def suppression_sentence(min_cell: int, min_noemer: int) -> str:
    """The rule for small cells in one sentence, as every page states it."""
    return (
        f"Kleine aantallen worden niet gepubliceerd: {_small_count(min_cell)} staat er als `<{min_cell}`, "
        f"{_small_share(min_cell, min_noemer)} als `-`, en een cijfer waaruit zo'n cel terug te rekenen "
        f"zou zijn als `{SECONDARY_TEXT}`; in de grafieken ontbreekt zo'n punt en de ondertitel zegt het."
    )


def suppression_notes(min_cell: int, min_noemer: int) -> list[str]:
    """The same rule as notes under the dashboard and in the workbook (the wording of
    `suppression_sentence`).
    """
    return [
        f"<{min_cell}: {_small_count(min_cell)} wordt niet gepubliceerd (onthullingsrisico).",
        f"-: {_small_share(min_cell, min_noemer)} wordt niet gepubliceerd.",
        f"{SECONDARY_TEXT}: niet gepubliceerd omdat een onderdrukte cel anders uit de andere cijfers terug "
        "te rekenen is (secundaire onderdrukking); een gemiddelde of normoordeel van een onderdrukt "
        "jaarcijfer staat er als -.",
        "n.b.: niet beschikbaar (tabel ontbreekt, venster niet gedekt of lege populatie; zie kpis.csv, kolom "
        "opmerking).",
        "Pijlen: verandering ten opzichte van het vorige kwartaal; groen is beter, rood is slechter, grijs "
        "is gelijk of zonder richting. Geen pijl waar een van beide waarden niet getoond wordt.",
    ]
