"""What the transitions page shows: the from/to matrix of perspectives and of ladder steps."""

from __future__ import annotations

import polars as pl

from pipelines.disclosure import suppression_reason
from pipelines.kpi.overgangen import RANG

PERSPECTIEF_LABELS = {"meedoen": "Meedoen", "werken_aan": "Werken aan", "werken": "Werken"}
PERSPECTIEF_ORDER = [PERSPECTIEF_LABELS[p] for p in RANG]
TREDE_ORDER = [str(t) for t in range(1, 7)] + ["onbekend"]


def matrix(overgangen: pl.DataFrame, gemeente: str, soort: str, min_cell: int) -> pl.DataFrame:
    """`van, naar, aantal, onderdrukt` of one municipality; counts of 1 to `min_cell - 1` become null.

    A matrix adds up to the population of the two percentages on the page, so a suppressed cell is
    not recoverable from a published total: the page publishes the matrix and the percentages, not
    the row or column totals.
    """
    sel = overgangen.filter((pl.col("gemeentecode") == gemeente) & (pl.col("soort") == soort))
    labels = PERSPECTIEF_LABELS if soort == "perspectief" else {}
    reasons = [suppression_reason("aantal", float(n), None, None, min_cell) for n in sel.get_column("aantal")]
    return sel.select(
        pl.col("van").replace(labels),
        pl.col("naar").replace(labels),
        pl.Series("onderdrukt", reasons, dtype=pl.String),
        pl.col("aantal"),
    ).with_columns(pl.when(pl.col("onderdrukt").is_null()).then(pl.col("aantal")).alias("aantal"))


def order(soort: str) -> list[str]:
    return PERSPECTIEF_ORDER if soort == "perspectief" else TREDE_ORDER
