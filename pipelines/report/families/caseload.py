"""What the case-load page shows besides kpis.csv: case load per klantmanager, anonymised.

Up to `MAX_BARS` klantmanagers the page draws one anonymised bar each; above that it draws the
distribution (klantmanagers per class of case load per fte), because a bar per employee stops being
readable long before it stops being drawable (thousands of bars broke the SVG conversion).
The unit is the norm's (`caseload_eenheid`: persons, or dossiers where a couple is one case).
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import polars as pl

from pipelines.config import OrgConfig
from pipelines.disclosure import suppression_reason
from pipelines.kpi.caseload import caseload_per_klantmanager as per_km
from pipelines.report import charts
from pipelines.report.formats import format_nl
from pipelines.report.notebook import NotebookContext, count_distribution, quarter_label
from pipelines.spells import merge_spells

#: Most klantmanagers drawn as one bar each; with more the page shows the distribution.
MAX_BARS = 40
#: Width of a class of case load per fte in the distribution (the norm of 50 lies on a class boundary).
CLASS_WIDTH = 10
#: The last class is open: `100 of meer`.
CLASS_TOP = 100


@dataclass(frozen=True)
class CaseloadView:
    """The frame of the per-klantmanager chart and how to read it."""

    frame: pl.DataFrame  # `categorie, waarde, onderdrukt` (+ `klanten, fte` per klantmanager)
    per_klantmanager: bool  # True: one bar per klantmanager; False: klantmanagers per class
    klantmanagers: int
    boven_norm: int  # at or above the norm ("onder de 50": 50 does not meet it)
    mediaan: float | None


def unit(config: OrgConfig) -> tuple[str, str, str]:
    """(count column, ratio column, Dutch word) of the configured case-load unit."""
    if config.caseload_eenheid == "dossiers":
        return "dossiers", "dossiers_per_fte", "dossiers"
    return "klanten", "klanten_per_fte", "klanten"


def caseload_per_klantmanager(ctx: NotebookContext) -> pl.DataFrame:
    """The engine's case load per klantmanager on the peildatum, anonymised for publication.

    Klantmanagers are shown as `A`, `B`, ... in order of case load (highest first): the page is
    about the spread against the norm, not about named staff. The unit is the norm's
    (`caseload_eenheid`: persons, or dossiers where a couple is one case). Returns `categorie, waarde`
    (per fte), `klanten` (persons or dossiers), `fte`, `onderdrukt`.
    """
    cfg = ctx.config
    count, ratio, _ = unit(cfg)
    frame = _per_klantmanager(ctx).sort([ratio, "medewerker"], descending=[True, False], nulls_last=True)
    out = []
    for i, row in enumerate(frame.iter_rows(named=True)):
        reason = suppression_reason("verhouding", row[ratio], row[count], None, cfg.min_cell, cfg.min_noemer)
        out.append(
            {
                "categorie": f"Klantmanager {_letters(i)}",
                "waarde": None if reason else row[ratio],
                "klanten": row[count],
                "fte": row["fte"],
                "onderdrukt": reason,
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "categorie": pl.String(),
            "waarde": pl.Float64(),
            "klanten": pl.Int64(),
            "fte": pl.Float64(),
            "onderdrukt": pl.String(),
        },
    )


def caseload_classes() -> list[str]:
    """Class labels of the distribution: `0 tot 10`, ..., `90 tot 100`, `100 of meer` (fixed, so quarters
    and organisations compare)."""
    bounds = range(0, CLASS_TOP, CLASS_WIDTH)
    return [f"{lo} tot {lo + CLASS_WIDTH}" for lo in bounds] + [f"{CLASS_TOP} of meer"]


def caseload_distribution(frame: pl.DataFrame, config: OrgConfig) -> pl.DataFrame:
    """Klantmanagers per class of case load per fte (the engine's per-klantmanager frame in).

    A klantmanager without a usable ratio (no fte) is left out. Counts of 1 to `min_cell - 1`
    klantmanagers are suppressed like any published count. Returns `count_distribution`'s columns.
    """
    ratio = pl.col(unit(config)[1])
    usable = frame.filter(ratio.is_not_null() & ~ratio.is_nan())
    klasse = (
        pl.when(ratio >= CLASS_TOP)
        .then(pl.lit(f"{CLASS_TOP} of meer"))
        .otherwise(
            pl.format(
                "{} tot {}",
                (ratio // CLASS_WIDTH * CLASS_WIDTH).cast(pl.Int64),
                (ratio // CLASS_WIDTH * CLASS_WIDTH + CLASS_WIDTH).cast(pl.Int64),
            )
        )
        .alias("klasse")
    )
    return count_distribution(usable.with_columns(klasse), "klasse", caseload_classes(), config)


def caseload_view(ctx: NotebookContext) -> CaseloadView:
    """One bar per klantmanager when there are few, the distribution over classes when there are many."""
    raw = _per_klantmanager(ctx)
    ratio = raw.get_column(unit(ctx.config)[1])
    usable = ratio.filter(ratio.is_not_null() & ~ratio.is_nan())
    median = usable.cast(pl.Float64).median()
    mediaan = float(median) if isinstance(median, (int, float)) else None
    boven = int((usable >= ctx.config.caseload_norm).sum())
    if raw.height <= MAX_BARS:
        return CaseloadView(caseload_per_klantmanager(ctx), True, raw.height, boven, mediaan)
    return CaseloadView(caseload_distribution(raw, ctx.config), False, raw.height, boven, mediaan)


def caseload_chart(ctx: NotebookContext, view: CaseloadView) -> alt.TopLevelMixin:
    """The page's chart for `view`: anonymised bars with the norm, or the distribution over classes."""
    cfg = ctx.config
    eenheid = unit(cfg)[2]
    where = f"{cfg.organisatie} (alle gemeenten); peildatum {quarter_label(ctx.peildatum)}"
    if view.per_klantmanager:
        return charts.bar_chart(
            view.frame,
            title=f"{eenheid.capitalize()} per fte per klantmanager",
            unit="ratio",
            horizontal=True,
            x_title="Klantmanager",
            y_title=f"{eenheid.capitalize()} per fte",
            norm=cfg.caseload_norm,
            norm_label=f"norm: onder de {format_nl(cfg.caseload_norm, 'n')}",
            subtitle=where,
        )
    summary = (
        f"{format_nl(view.klantmanagers, 'n')} klantmanagers; mediaan "
        f"{format_nl(view.mediaan, 'ratio')} {eenheid} per fte; op of boven de norm (onder de "
        f"{format_nl(cfg.caseload_norm, 'n')}): {format_nl(view.boven_norm, 'n')}"
    )
    return charts.bar_chart(
        view.frame,
        title=f"Klantmanagers naar aantal {eenheid} per fte",
        unit="n",
        x_title=f"{eenheid.capitalize()} per fte",
        y_title="Aantal klantmanagers",
        subtitle=[where, summary],
    )


def _per_klantmanager(ctx: NotebookContext) -> pl.DataFrame:
    cfg = ctx.config
    spells = merge_spells(ctx.data.get("uitkeringen"), cfg.regelingen, cfg.gap_days)
    return per_km(
        spells,
        ctx.data.get("personen"),
        ctx.data.get("medewerkers"),
        ctx.peildatum,
        ctx.data.get("uitkeringen"),
        cfg.regelingen,
    )


def _letters(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: labels for anonymised staff."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out
