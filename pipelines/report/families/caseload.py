"""What the case-load page shows besides kpis.csv: case load per klantmanager, anonymised."""

from __future__ import annotations

import polars as pl

from pipelines.disclosure import suppression_reason
from pipelines.kpi.caseload import caseload_per_klantmanager as per_km
from pipelines.report.notebook import NotebookContext
from pipelines.spells import merge_spells


def caseload_per_klantmanager(ctx: NotebookContext) -> pl.DataFrame:
    """The engine's case load per klantmanager on the peildatum, anonymised for publication.

    Klantmanagers are shown as `A`, `B`, ... in order of case load (highest first): the page is
    about the spread against the norm, not about named staff. The unit is the norm's
    (`caseload_eenheid`: persons, or dossiers where a couple is one case). Returns `categorie, waarde`
    (per fte), `klanten` (persons or dossiers), `fte`, `onderdrukt`.
    """
    cfg = ctx.config
    spells = merge_spells(ctx.data.get("uitkeringen"), cfg.regelingen, cfg.gap_days)
    frame = per_km(
        spells,
        ctx.data.get("personen"),
        ctx.data.get("medewerkers"),
        ctx.peildatum,
        ctx.data.get("uitkeringen"),
        cfg.regelingen,
    )
    count, ratio = (
        ("dossiers", "dossiers_per_fte")
        if cfg.caseload_eenheid == "dossiers"
        else ("klanten", "klanten_per_fte")
    )
    frame = frame.sort([ratio, "medewerker"], descending=[True, False], nulls_last=True)
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


def _letters(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: labels for anonymised staff."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out
