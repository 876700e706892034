"""`compute_kpis`: every KPI of the catalogue for every municipality and peildatum, and kpis.csv.

Families compute counts, numerators and denominators; here the rows are completed in one place:
the peildatum, the 95 % Wilson interval of every percentage (`kind` `aandeel`), the disclosure
flag `onderdrukt` (`pipelines.disclosure`) and a fixed sort order. The result has exactly the
columns of kpis.csv and one row per KPI per municipality (`totaal` first) per peildatum.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import polars as pl

from pipelines.clean import CleanData
from pipelines.config import OrgConfig
from pipelines.disclosure import add_onderdrukt
from pipelines.kpi import cohorten, overgangen, registry
from pipelines.kpi.base import GEMEENTE, TOTAAL, Context, Unavailable, concat_rows, guarded
from pipelines.kpi.registry import KINDS, KPI_CATALOGUE, KPI_FAMILIES
from pipelines.schema import PERSON_COLUMN
from pipelines.stats import wilson_exprs

KPIS_COLUMNS: tuple[str, ...] = (
    "kpi",
    "gemeentecode",
    "peildatum",
    "waarde",
    "teller",
    "noemer",
    "ci_laag",
    "ci_hoog",
    "n_jaren",
    "onderdrukt",
    "opmerking",
)

KPIS_SCHEMA: dict[str, pl.DataType] = {
    "kpi": pl.String(),
    "gemeentecode": pl.String(),
    "peildatum": pl.Date(),
    "waarde": pl.Float64(),
    "teller": pl.Float64(),
    "noemer": pl.Float64(),
    "ci_laag": pl.Float64(),
    "ci_hoog": pl.Float64(),
    "n_jaren": pl.Int64(),
    "onderdrukt": pl.String(),
    "opmerking": pl.String(),
}


def family_frame(ctx: Context, family: str, b: dt.date) -> pl.DataFrame:
    """The rows of one family for one peildatum (unavailable rows when it cannot be computed)."""
    fam = registry.family(family)
    if fam.guards_itself:
        return concat_rows(fam.rows(ctx, b))
    return guarded(list(fam.ids), ctx.gemeenten, lambda: fam.rows(ctx, b))


def compute_kpis(
    data: CleanData,
    config: OrgConfig,
    peildata: dt.date | Iterable[dt.date],
    families: Iterable[str] | None = None,
) -> pl.DataFrame:
    """Every KPI (or those of `families`) for `totaal` and every municipality, per peildatum, as kpis.csv."""
    dates = [peildata] if isinstance(peildata, dt.date) else sorted(set(peildata))
    wanted = list(KPI_FAMILIES) if families is None else list(families)
    unknown = [f for f in wanted if f not in KPI_FAMILIES]
    if unknown:
        raise ValueError(f"onbekende familie(s) {', '.join(unknown)}; bekend zijn {', '.join(KPI_FAMILIES)}")
    ctx = Context.build(data, config)
    parts = []
    for b in dates:
        frame = concat_rows([family_frame(ctx, fam, b) for fam in wanted])
        parts.append(frame.with_columns(pl.lit(b, pl.Date).alias("peildatum")))
    result = pl.concat(parts) if parts else pl.DataFrame(schema=KPIS_SCHEMA)
    _check_complete(result, wanted, ctx.gemeenten, dates)
    return finish(result, config.min_cell, config.min_noemer)


def restrict_to_persons(data: CleanData, personen: pl.Series | list[str]) -> CleanData:
    """The same delivery with only the given persons in every person table (target-group breakdowns).

    `compute_kpis` on the result applies the same definitions to the subset (kpis.md "Breakdowns");
    staff and delivery tables stay as they are.
    """
    keep = pl.Series(PERSON_COLUMN, list(personen), dtype=pl.String).implode()
    tables = {
        name: frame.filter(pl.col(PERSON_COLUMN).is_in(keep)) if PERSON_COLUMN in frame.columns else frame
        for name, frame in data.tables.items()
    }
    return replace(data, tables=tables)


def finish(frame: pl.DataFrame, min_cell: int, min_noemer: int) -> pl.DataFrame:
    """Add Wilson intervals and `onderdrukt`, and put columns and rows in the kpis.csv order."""
    kind = pl.col("kpi").replace_strict(KINDS, return_dtype=pl.String)
    low, high = wilson_exprs(pl.col("teller"), pl.col("noemer"))
    with_ci = pl.col("waarde").is_not_null() & (kind == "aandeel")
    frame = frame.with_columns(
        pl.when(with_ci).then(low).alias("ci_laag"),
        pl.when(with_ci).then(high).alias("ci_hoog"),
    )
    frame = add_onderdrukt(frame, KINDS, min_cell, min_noemer)
    return sort_kpis(frame.select([pl.col(c).cast(t) for c, t in KPIS_SCHEMA.items()]))


def sort_kpis(frame: pl.DataFrame) -> pl.DataFrame:
    """Sorted by (kpi, gemeentecode, peildatum) - `totaal` sorts after the four-digit codes."""
    return frame.sort("kpi", "gemeentecode", "peildatum")


def _check_complete(
    frame: pl.DataFrame, families: list[str], gemeenten: list[str], dates: list[dt.date]
) -> None:
    """Exactly one row per KPI x municipality x peildatum: a family that forgets one is a bug."""
    expected = len([k for f in families for k in KPI_FAMILIES[f]]) * (len(gemeenten) + 1) * len(dates)
    dupes = frame.group_by("kpi", GEMEENTE, "peildatum").len().filter(pl.col("len") > 1)
    if frame.height != expected or dupes.height:
        got = sorted(set(frame.get_column("kpi").to_list()))
        raise AssertionError(f"KPI-rijen onvolledig: {frame.height} rijen, {expected} verwacht; kpi's: {got}")
    extra = set(frame.get_column("kpi").to_list()) - set(KPI_CATALOGUE)
    if extra:
        raise AssertionError(f"kpi's buiten de catalogus: {sorted(extra)}")


def format_number(value: float | int | None) -> str:
    """Byte-stable number text: integers without decimals, other floats as their shortest exact repr."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def write_kpis_csv(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write kpis.csv: sorted, `,`-delimited, UTF-8, `\\n` line ends, fixed number formatting."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    missing = [c for c in KPIS_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"kpis-frame mist kolom(men) {', '.join(missing)}")
    frame = sort_kpis(frame.select(KPIS_COLUMNS))
    numeric = {"waarde", "teller", "noemer", "ci_laag", "ci_hoog", "n_jaren"}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=",", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(KPIS_COLUMNS)
        for row in frame.iter_rows(named=True):
            out = []
            for col in KPIS_COLUMNS:
                value = row[col]
                if col in numeric:
                    out.append(format_number(value))
                elif isinstance(value, dt.date):
                    out.append(value.isoformat())
                else:
                    out.append("" if value is None else str(value))
            writer.writerow(out)
    return path


def read_kpis_csv(path: str | Path) -> pl.DataFrame:
    """Read a kpis.csv back with the types of `compute_kpis` (codes stay strings)."""
    return pl.read_csv(Path(path), schema=KPIS_SCHEMA)


def kpi_value(frame: pl.DataFrame, kpi: str, gemeentecode: str = TOTAAL, peildatum: dt.date | None = None):
    """One figure from a kpis frame (None when unavailable) - convenient for notebooks and tests."""
    sel = frame.filter((pl.col("kpi") == kpi) & (pl.col(GEMEENTE) == gemeentecode))
    if peildatum is not None:
        sel = sel.filter(pl.col("peildatum") == peildatum)
    if sel.height != 1:
        raise KeyError(f"{kpi} / {gemeentecode} / {peildatum}: {sel.height} rijen")
    return sel.get_column("waarde")[0]


# --- the research tables beside kpis.csv ------------------------------------------------------------

#: File name -> what it holds (research.md): written beside kpis.csv, in the internal part of a bundle.
RESEARCH_TABLES = {
    "cohorten.csv": "overleving in de uitkering per instroomjaar, gemeente en perspectief na intake",
    "cohortcurven.csv": "de overlevingscurven (Kaplan-Meier) en cumulatieve uitstroom naar werk per dag",
    "overgangen.csv": "overgangen tussen perspectieven en treden, een jaar terug tegenover de peildatum",
}


def research_tables(data: CleanData, config: OrgConfig, b: dt.date) -> dict[str, pl.DataFrame | str]:
    """File name -> frame, or the reason (Dutch) it cannot be made for this delivery and peildatum."""
    ctx = Context.build(data, config)
    out: dict[str, pl.DataFrame | str] = {}
    cohorten_frame, curven = cohorten.survival_tables(ctx, b)
    out["cohorten.csv"], out["cohortcurven.csv"] = cohorten_frame, curven
    try:
        out["overgangen.csv"] = overgangen.transition_matrix(ctx, b)
    except Unavailable as exc:
        out["overgangen.csv"] = str(exc)
    return out


def write_table_csv(frame: pl.DataFrame, path: str | Path) -> Path:
    """A research table as UTF-8 CSV with kpis.csv's number formatting (byte-stable, `,`-delimited)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=",", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(frame.columns)
        for row in frame.iter_rows():
            writer.writerow(
                [
                    v.isoformat()
                    if isinstance(v, dt.date)
                    else format_number(v)
                    if isinstance(v, (int, float))
                    else ("" if v is None else str(v))
                    for v in row
                ]
            )
    return path


def write_research_tables(
    folder: str | Path, data: CleanData, config: OrgConfig, b: dt.date
) -> dict[str, str]:
    """Write the research tables into `folder`; returns file name -> why it is absent (empty when all are
    written).
    """
    missing: dict[str, str] = {}
    for name, table in research_tables(data, config, b).items():
        if isinstance(table, str):
            missing[name] = table
            (Path(folder) / name).unlink(missing_ok=True)
        else:
            write_table_csv(table, Path(folder) / name)
    return missing
