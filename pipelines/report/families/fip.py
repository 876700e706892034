"""What the FIP page shows besides kpis.csv: conversations per person and the life domains covered."""

from __future__ import annotations

import polars as pl

from pipelines import periods
from pipelines.disclosure import suppression_reason
from pipelines.kpi.fip import fip_contacts, fip_per_person
from pipelines.report.notebook import NotebookContext, count_distribution
from pipelines.schema import PERSON_COLUMN

FIP_KLASSEN = ["0", "1", "2", "3", "4+"]


def fip_population(ctx: NotebookContext) -> pl.DataFrame:
    """The engine's FIP population on the peildatum (`fip_per_person`), for the municipality shown."""
    s, b = periods.window(ctx.peildatum)
    cfg = ctx.config
    persons = fip_per_person(
        ctx.data.get("klantbeeld"),
        ctx.data.get("contactmomenten"),
        s,
        b,
        cfg.fip_norm_per_jaar,
        cfg.fip_min_blootstelling_dagen,
        cfg.fip_perspectieven,
    ).collect()
    return persons.join(ctx.pseudonymous_persons().select(PERSON_COLUMN), on=PERSON_COLUMN, how="semi")


def fip_distribution(ctx: NotebookContext) -> pl.DataFrame:
    """Persons in the FIP population by their number of FIP conversations in the window: 0, 1, 2, 3, 4+."""
    persons = fip_population(ctx).with_columns(
        pl.when(pl.col("fip") >= 4)
        .then(pl.lit("4+"))
        .otherwise(pl.col("fip").cast(pl.String))
        .alias("klasse")
    )
    return count_distribution(persons, "klasse", FIP_KLASSEN, ctx.config)


LEEFGEBIED_LABELS = {
    "financien": "Financi\u00ebn",
    "werk_opleiding": "Werk en opleiding",
    "huisvesting": "Huisvesting",
    "gezondheid": "Gezondheid",
    "sociaal_netwerk": "Sociaal netwerk",
    "dagbesteding": "Dagbesteding",
}


def life_domain_coverage(ctx: NotebookContext) -> pl.DataFrame:
    """Of the FIP conversations the norm counts (`fip_contacts`: one per person and day, population only):
    the share per life domain (a domain counts when any record of that day names it).

    Returns `categorie, waarde` (percent), `onderdrukt`, `teller`, `noemer`.
    """
    s, b = periods.window(ctx.peildatum)
    population = fip_population(ctx).select(PERSON_COLUMN)
    counted = (
        fip_contacts(
            ctx.data.get("klantbeeld"), ctx.data.get("contactmomenten"), s, b, ctx.config.fip_perspectieven
        )
        .join(population.lazy(), on=PERSON_COLUMN, how="semi")
        .select(PERSON_COLUMN, "datum", "leefgebieden")
        .collect()
    )
    total = counted.height
    out = []
    for code, label in LEEFGEBIED_LABELS.items():
        n = counted.filter(pl.col("leefgebieden").list.contains(code).fill_null(False)).height
        pct = 100.0 * n / total if total else None
        reason = suppression_reason("aandeel", pct, n, total, ctx.config.min_cell, ctx.config.min_noemer)
        out.append(
            {
                "categorie": label,
                "waarde": None if reason else pct,
                "onderdrukt": reason,
                "teller": n,
                "noemer": total,
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "categorie": pl.String(),
            "waarde": pl.Float64(),
            "onderdrukt": pl.String(),
            "teller": pl.Int64(),
            "noemer": pl.Int64(),
        },
    )
