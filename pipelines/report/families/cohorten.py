"""What the cohort page shows: survival curves by inflow year and by perspective, and the cohort table.

The tables come from the run (`cohorten.csv`, `cohortcurven.csv` beside kpis.csv, computed once);
a notebook run by hand computes them itself. What a page shows passes the disclosure rule: a curve
point resting on fewer than `min_cell` persons at risk is not drawn, and a cohort figure is only
shown when the curve point it is read from would be drawn.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipelines.kpi.base import TOTAAL
from pipelines.kpi.cohorten import COHORTEN_SCHEMA, CURVEN_SCHEMA, GROEPEN, JAAR_1, JAAR_2, JAAR_5
from pipelines.kpi.engine import research_tables
from pipelines.kpi.overgangen import OVERGANGEN_SCHEMA
from pipelines.report.formats import format_nl
from pipelines.report.notebook import NotebookContext

SCHEMAS = {
    "cohorten.csv": COHORTEN_SCHEMA,
    "cohortcurven.csv": CURVEN_SCHEMA,
    "overgangen.csv": OVERGANGEN_SCHEMA,
}
PERSPECTIEF_LABELS = {
    "perspectief:werken": "Werken",
    "perspectief:werken_aan": "Werken aan",
    "perspectief:meedoen": "Meedoen",
    "perspectief:onbekend": "Onbekend",
}
#: Days between the points of a drawn curve (the exact curve is in cohortcurven.csv).
STAP_DAGEN = 14


def research_table(ctx: NotebookContext, name: str) -> pl.DataFrame | str:
    """A research table of this run (beside kpis.csv), else computed here; a str says why it is absent."""
    if ctx.kpis_csv is not None:
        path = Path(ctx.kpis_csv).parent / name
        if path.is_file():
            return pl.read_csv(path, schema=SCHEMAS[name])
    if ctx.peildatum not in ctx._research:
        ctx._research[ctx.peildatum] = research_tables(ctx.data, ctx.config, ctx.peildatum)
    return ctx._research[ctx.peildatum][name]


def curve_points(
    curves: pl.DataFrame, gemeente: str, groep: str, min_cell: int, by: str = "cohort"
) -> pl.DataFrame:
    """The drawable points of the curves of one municipality: `reeks, jaren, dag, waarde, ci_laag, ci_hoog,
    werk`.

    `groep` selects one group (`totaal`, `perspectief:werken`, ...) or, with `by="groep"`, every group of
    one cohort (`groep` is then the cohort as text). Every curve starts at (0, 100 %); it is read on a
    grid of `STAP_DAGEN` days, and stops before the first day on which fewer than `min_cell` are at risk.
    """
    if by == "cohort":
        sel = curves.filter((pl.col("gemeentecode") == gemeente) & (pl.col("groep") == groep))
        key, rank = pl.col("cohort").cast(pl.String), pl.col("cohort")
    else:
        sel = curves.filter((pl.col("gemeentecode") == gemeente) & (pl.col("cohort") == int(groep)))
        key = pl.col("groep").replace(PERSPECTIEF_LABELS).replace({TOTAAL: "Alle"})
        rank = pl.col("groep").replace_strict(
            {g: i for i, g in enumerate(GROEPEN)}, default=len(GROEPEN), return_dtype=pl.Int64
        )
    sel = sel.with_columns(key.alias("reeks"), rank.alias("_rang")).sort("_rang", "dag")
    parts = []
    for (reeks,), curve in sel.partition_by("reeks", as_dict=True, maintain_order=True).items():
        small = curve.filter(pl.col("n_risico") < min_cell)
        if small.height:
            curve = curve.filter(pl.col("dag") < small.get_column("dag").min())
        last = int(curve.get_column("dag").max()) if curve.height else 0  # type: ignore[arg-type]
        grid = pl.DataFrame({"dag": list(range(0, last + 1, STAP_DAGEN)) + [last]}).unique().sort("dag")
        start = pl.DataFrame(
            {"dag": [0], "overleving": [1.0], "ci_laag": [None], "ci_hoog": [None], "werk_cum": [0.0]},
            schema={k: CURVEN_SCHEMA[k] for k in ("dag", "overleving", "ci_laag", "ci_hoog", "werk_cum")},
        )
        steps = pl.concat([start, curve.select(start.columns)]).sort("dag").unique("dag", keep="last")
        drawn = grid.join_asof(steps.sort("dag"), on="dag", strategy="backward")
        parts.append(
            drawn.select(
                pl.lit(reeks).alias("reeks"),
                (pl.col("dag") / 365.25).alias("jaren"),
                "dag",
                (100 * pl.col("overleving")).alias("waarde"),
                (100 * pl.col("ci_laag")).alias("ci_laag"),
                (100 * pl.col("ci_hoog")).alias("ci_hoog"),
                (100 * pl.col("werk_cum")).alias("werk"),
            )
        )
    if not parts:
        return pl.DataFrame(
            schema={
                "reeks": pl.String(),
                "jaren": pl.Float64(),
                "dag": pl.Int64(),
                "waarde": pl.Float64(),
                "ci_laag": pl.Float64(),
                "ci_hoog": pl.Float64(),
                "werk": pl.Float64(),
            }
        )
    return pl.concat(parts)


def _shown_at(curves: pl.DataFrame, t: int, min_cell: int) -> bool:
    """Whether the value of a curve at day `t` rests on at least `min_cell` persons at risk."""
    upto = curves.filter(pl.col("dag") <= t)
    return bool(upto.is_empty() or upto.get_column("n_risico").min() >= min_cell)  # type: ignore[operator]


def _cell(
    curve: pl.DataFrame, small: bool, min_cell: int, value, t: int, unit: str = "pct", scale: float = 100.0
) -> str:
    """A published cohort figure: `-` on a small cohort or on too few at risk, `n.b.` when not yet known."""
    if small:
        return "-"
    if value is None:
        return "n.b."
    if not _shown_at(curve, t, min_cell):
        return "-"
    return format_nl(value * scale, unit)


def cohort_table(cohorten: pl.DataFrame, curves: pl.DataFrame, gemeente: str, min_cell: int) -> pl.DataFrame:
    """The cohort figures of one municipality (group `totaal`) as a publication table (Dutch text)."""
    rows = cohorten.filter((pl.col("gemeentecode") == gemeente) & (pl.col("groep") == TOTAAL)).sort("cohort")
    out = []
    for r in rows.iter_rows(named=True):
        curve = curves.filter(
            (pl.col("gemeentecode") == gemeente)
            & (pl.col("groep") == TOTAAL)
            & (pl.col("cohort") == r["cohort"])
        )
        small = 1 <= r["n"] < min_cell

        median = r["mediane_duur_dagen"]
        out.append(
            {
                "Instroomjaar": str(r["cohort"]),
                "Instroom": "<5" if small else format_nl(r["n"], "n"),
                "Na 1 jaar nog in de uitkering": _cell(curve, small, min_cell, r["overleving_1j"], JAAR_1),
                "Na 2 jaar": _cell(curve, small, min_cell, r["overleving_2j"], JAAR_2),
                "Na 5 jaar": _cell(curve, small, min_cell, r["overleving_5j"], JAAR_5),
                "Mediane duur (dagen)": _cell(curve, small, min_cell, median, median or 0, "n", 1.0)
                if median is not None
                else "niet bereikt",
                "Binnen 1 jaar naar werk": _cell(curve, small, min_cell, r["werk_cum_1j"], JAAR_1),
                "Binnen 2 jaar naar werk": _cell(curve, small, min_cell, r["werk_cum_2j"], JAAR_2),
            }
        )
    columns = [
        "Instroomjaar",
        "Instroom",
        "Na 1 jaar nog in de uitkering",
        "Na 2 jaar",
        "Na 5 jaar",
        "Mediane duur (dagen)",
        "Binnen 1 jaar naar werk",
        "Binnen 2 jaar naar werk",
    ]
    return pl.DataFrame(out, schema={c: pl.String() for c in columns})


def latest_followed_cohort(cohorten: pl.DataFrame, gemeente: str) -> int | None:
    """The most recent cohort with a known one-year survival (followed for at least a year), if any."""
    rows = cohorten.filter(
        (pl.col("gemeentecode") == gemeente)
        & (pl.col("groep") == TOTAAL)
        & pl.col("overleving_1j").is_not_null()
    )
    return int(rows.get_column("cohort").max()) if rows.height else None  # type: ignore[arg-type]


def unavailable_reason(table: pl.DataFrame | str) -> str | None:
    """Why the survival tables cannot be shown (Dutch), or None when they can."""
    if isinstance(table, str):
        return table
    if table.is_empty():
        return "geen instroomjaar begint binnen de geleverde periode (gegevens vanaf) of er is geen instroom"
    return None
