"""Small-cell suppression: the ONE definition of what a publication must not show.

docs/definities.md: a count of 1 to `min_cell - 1` (default 1-4), or a
percentage whose numerator is 1 to `min_cell - 1` or whose denominator is below `min_noemer`
(default 10), is shown as `<5` / `-` with the reason. kpis.csv keeps exact values and carries
the reason in `onderdrukt`; the publication outputs call the same functions.

Rules per kind of figure (the `kind` of a KPI in `pipelines.kpi.catalogue`):
- `aantal` (a count): suppressed when 1 <= waarde < min_cell. Zero is shown (it discloses nobody).
- `aandeel` (a percentage with numerator and denominator): numerator rule, then denominator rule.
- `verhouding` (a ratio of a count to something that is not a count of persons, e.g. benefits per
  1,000 inhabitants, persons per fte): the numerator rule only (the count is recoverable from it).
- `gemiddelde` (a mean or median over a population of `noemer` persons): the denominator rule,
  since a mean of very few people describes those people.
- `bedrag` (an amount in euro summed over `noemer` persons, e.g. costs or rewards): suppressed when
  it concerns 1 to `min_cell - 1` persons, since it then describes those few people.
- `meerjarig` and `vlag` (means of yearly percentages, norm flags): never suppressed; they
  are derived from the yearly rates, which are themselves suppressed where needed.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

AANTAL_KLEIN = "aantal_klein"
TELLER_KLEIN = "teller_klein"
NOEMER_KLEIN = "noemer_klein"
PERSONEN_KLEIN = "personen_klein"

#: Dutch explanation of each reason, for reports and the Excel sheet.
REASON_TEXT: dict[str, str] = {
    AANTAL_KLEIN: "aantal van 1 tot de minimale celgrootte: niet gepubliceerd",
    TELLER_KLEIN: "percentage op een teller van 1 tot de minimale celgrootte: niet gepubliceerd",
    NOEMER_KLEIN: "percentage of gemiddelde op een noemer onder de minimale noemer: niet gepubliceerd",
    PERSONEN_KLEIN: "bedrag over 1 tot de minimale celgrootte personen: niet gepubliceerd",
}

KINDS = ("aantal", "aandeel", "verhouding", "gemiddelde", "bedrag", "meerjarig", "vlag")


def suppression_reason(
    kind: str,
    waarde: float | None,
    teller: float | None,
    noemer: float | None,
    min_cell: int = 5,
    min_noemer: int = 10,
) -> str | None:
    """Why publication must hide this figure, or None when it may be shown (also when unavailable)."""
    if kind not in KINDS:
        raise ValueError(f"onbekende soort kengetal {kind!r}; bekend zijn {', '.join(KINDS)}")
    if waarde is None:
        return None
    if kind == "aantal":
        return AANTAL_KLEIN if 1 <= waarde < min_cell else None
    if kind in ("aandeel", "verhouding") and teller is not None and 1 <= teller < min_cell:
        return TELLER_KLEIN
    if kind in ("aandeel", "gemiddelde") and noemer is not None and noemer < min_noemer:
        return NOEMER_KLEIN
    if kind == "bedrag" and noemer is not None and 1 <= noemer < min_cell:
        return PERSONEN_KLEIN
    return None


def suppression_expr(
    kind: pl.Expr, waarde: pl.Expr, teller: pl.Expr, noemer: pl.Expr, min_cell: int = 5, min_noemer: int = 10
) -> pl.Expr:
    """`suppression_reason` as one polars expression (String, null = may be shown)."""
    small_count = (waarde >= 1) & (waarde < min_cell)
    small_teller = (teller >= 1) & (teller < min_cell)
    small_noemer = noemer < min_noemer
    return (
        pl.when(waarde.is_null())
        .then(pl.lit(None, pl.String))
        .when((kind == "aantal") & small_count)
        .then(pl.lit(AANTAL_KLEIN))
        .when(kind.is_in(["aandeel", "verhouding"]) & small_teller.fill_null(False))
        .then(pl.lit(TELLER_KLEIN))
        .when(kind.is_in(["aandeel", "gemiddelde"]) & small_noemer.fill_null(False))
        .then(pl.lit(NOEMER_KLEIN))
        .when((kind == "bedrag") & ((noemer >= 1) & (noemer < min_cell)).fill_null(False))
        .then(pl.lit(PERSONEN_KLEIN))
        .otherwise(pl.lit(None, pl.String))
    )


def add_onderdrukt(
    frame: pl.DataFrame, kinds: Mapping[str, str], min_cell: int = 5, min_noemer: int = 10
) -> pl.DataFrame:
    """Add (or replace) the `onderdrukt` column of a kpis frame, given each kpi's kind."""
    unknown = sorted(set(frame.get_column("kpi").unique().to_list()) - set(kinds))
    if unknown:
        raise ValueError(f"soort onbekend voor kengetal(len) {', '.join(unknown)}")
    kind = pl.col("kpi").replace_strict(kinds, return_dtype=pl.String)
    return frame.with_columns(
        suppression_expr(
            kind, pl.col("waarde"), pl.col("teller"), pl.col("noemer"), min_cell, min_noemer
        ).alias("onderdrukt")
    )
