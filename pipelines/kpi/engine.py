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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import polars as pl

from pipelines import disclosure
from pipelines.clean import CleanData, load_clean
from pipelines.config import OrgConfig, load_config
from pipelines.csvout import neutralise_cell
from pipelines.disclosure import add_onderdrukt
from pipelines.kpi import cohorten, overgangen, registry
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    TOTAAL,
    Context,
    Unavailable,
    concat_rows,
    guarded,
    unavailable_rows,
)
from pipelines.kpi.registry import KINDS, KPI_CATALOGUE, KPI_FAMILIES
from pipelines.machine import usable_cores
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


def family_series(ctx: Context, family: str, dates: list[dt.date]) -> pl.DataFrame:
    """The rows of one family for every peildatum, with the date (unavailable rows where it cannot be
    computed): in one pass when the family has `series`, else date by date.
    """
    fam = registry.family(family)
    if fam.series is not None:
        try:
            return fam.series(ctx, dates)
        except Unavailable as exc:
            if fam.guards_itself:
                raise
            return concat_rows(
                [unavailable_rows(list(fam.ids), ctx.gemeenten, str(exc), b) for b in dates], True
            )
    rows = fam.rows
    assert rows is not None
    parts = []
    for b in dates:
        if fam.guards_itself:
            frame = concat_rows(rows(ctx, b))
        else:
            frame = guarded(list(fam.ids), ctx.gemeenten, lambda b=b: rows(ctx, b))
        parts.append(frame.with_columns(pl.lit(b, pl.Date).alias(PEILDATUM)))
    return concat_rows(parts, dated=True)


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
    ctx = Context.build(with_person_ids(data), config)
    parts = _every_family(ctx, wanted, dates) if dates else []
    result = concat_rows(parts, dated=True) if parts else pl.DataFrame(schema=KPIS_SCHEMA)
    _check_complete(result, wanted, ctx.gemeenten, dates)
    return finish(result, config.min_cell, config.min_noemer, registry.disclosure_rules(config))


def family_threads() -> int:
    """Families computed at the same time: one per core this process may use, at most two.

    polars releases the GIL while it works, and every family has stretches that keep one core busy (a sort,
    a join against a small side, the Python between steps), which a second family fills. More than two
    would hold more intermediate frames at once for little more gain.
    """
    return min(usable_cores(), 2)


def _every_family(ctx: Context, wanted: list[str], dates: list[dt.date]) -> list[pl.DataFrame]:
    """`family_series` of each wanted family, in the order asked; side by side on `family_threads()`."""
    workers = min(family_threads(), len(wanted))
    if workers <= 1:
        return [family_series(ctx, fam, dates) for fam in wanted]
    with ThreadPoolExecutor(workers, thread_name_prefix="kpi-familie") as pool:
        return list(pool.map(lambda fam: family_series(ctx, fam, dates), wanted))


def with_person_ids(data: CleanData) -> CleanData:
    """The delivery with `persoon` as an integer, the same in every table, instead of the pseudonym.

    Every join, group-by and sort on persons then handles 8 bytes instead of 64 characters (measured
    at 500,000 persons over 13 quarters: the KPIs in half the time). The id of a pseudonym (64 hex
    characters) is its first 16 characters read as a number, after checking that no two different
    pseudonyms share them; the ids sort as the pseudonyms do, so sorting by person gives the same
    order, and no figure carries a person: the figures are identical. Person keys that are not all
    pseudonyms are left as they are.
    """
    columns = {
        name: f.get_column(PERSON_COLUMN) for name, f in data.tables.items() if PERSON_COLUMN in f.columns
    }
    if not columns:
        return data
    ids = _prefix_ids(columns)
    if ids is None:  # not all pseudonyms (short keys in tests and benchmarks hash cheaply as they are)
        return data
    tables = {
        name: frame.with_columns(ids[name].alias(PERSON_COLUMN)) if name in ids else frame
        for name, frame in data.tables.items()
    }
    return replace(data, tables=tables)


def _prefix(series: pl.Series) -> pl.Series:
    return series.str.slice(0, 16).str.to_integer(base=16, dtype=pl.UInt64, strict=False)


def _prefix_ids(columns: dict[str, pl.Series]) -> dict[str, pl.Series] | None:
    """The 16-character prefix as UInt64 when it identifies every person exactly, else None.

    Exact: within the persons of `personen` no two pseudonyms share a prefix, and every row of every
    table carries the very pseudonym its prefix stands for (a string comparison, no hashing).
    """
    personen = columns.get("personen")
    if personen is None:
        return None
    reference = pl.DataFrame({PERSON_COLUMN: personen, "_id": _prefix(personen)}).drop_nulls(PERSON_COLUMN)
    if (
        reference.get_column(PERSON_COLUMN).str.len_bytes().min() != 64
        or reference.get_column("_id").null_count()
    ):
        return None
    reference = reference.unique(PERSON_COLUMN)
    if reference.get_column("_id").n_unique() != reference.height:
        return None
    out = {}
    for name, series in columns.items():
        ids = _prefix(series)
        check = pl.DataFrame({PERSON_COLUMN: series, "_id": ids}).join(
            reference, on="_id", how="left", suffix="_ref", maintain_order="left"
        )
        same = check.get_column(PERSON_COLUMN).eq_missing(check.get_column(f"{PERSON_COLUMN}_ref"))
        if not same.all():
            return None
        out[name] = ids
    return out


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


def finish(
    frame: pl.DataFrame, min_cell: int, min_noemer: int, rules: disclosure.Rules | None = None
) -> pl.DataFrame:
    """Add Wilson intervals and `onderdrukt`, and put columns and rows in the kpis.csv order."""
    kind = pl.col("kpi").replace_strict(KINDS, return_dtype=pl.String)
    low, high = wilson_exprs(pl.col("teller"), pl.col("noemer"))
    with_ci = pl.col("waarde").is_not_null() & (kind == "aandeel")
    frame = frame.with_columns(
        pl.when(with_ci).then(low).alias("ci_laag"),
        pl.when(with_ci).then(high).alias("ci_hoog"),
    )
    frame = add_onderdrukt(frame, KINDS, min_cell, min_noemer, rules or registry.disclosure_rules())
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
                    out.append("" if value is None else neutralise_cell(str(value)))
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
                    else ("" if v is None else neutralise_cell(str(v)))
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


def write_research_tables_of_delivery(
    folder: str, clean_dir: str, config_path: str, b: str
) -> dict[str, str]:
    """`write_research_tables` for a clean delivery and a configuration file on disk, with `b` as
    YYYY-MM-DD: what a run has one of its kernels do while it computes the series itself."""
    data, config = load_clean(clean_dir), load_config(config_path)
    return write_research_tables(folder, data, config, dt.date.fromisoformat(b))
