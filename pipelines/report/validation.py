"""The validation notebook's front end: run the ingest, read its outcome back, count and chart the rejects."""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import polars as pl

from pipelines import paths
from pipelines.ingest.deliver import ingest_export
from pipelines.report import charts
from pipelines.schema import RULES


def run_ingest_notebook(
    export_dir: str,
    clean_root: str = "",
    profiel: str = "",
    max_afwijzing_pct: float = -1,
    uitvoer_dir: str = "",
):
    """Notebook parameters -> `ingest_export` ('' and -1 mean: the default); writes the key figures."""
    if not export_dir:
        raise ValueError("parameter export_dir is leeg: geef de map van de export op")
    result = ingest_export(
        Path(export_dir),
        clean_root=Path(clean_root) if clean_root else paths.DATA_CLEAN,
        profile=profiel or None,
        max_afwijzing_pct=None
        if max_afwijzing_pct is None or max_afwijzing_pct < 0
        else float(max_afwijzing_pct),
    )
    if uitvoer_dir:
        write_ingest_key_figures(result, Path(uitvoer_dir))
    return result


def ingest_key_figures(afstemming: pl.DataFrame) -> dict[str, int]:
    """Totals and per-table counts of a reconciliation, as plain numbers."""
    figures = {
        "gelezen": int(afstemming["gelezen"].sum()),
        "geaccepteerd": int(afstemming["geaccepteerd"].sum()),
        "afgewezen": int(afstemming["afgewezen"].sum()),
    }
    for row in afstemming.iter_rows(named=True):
        for what in ("gelezen", "geaccepteerd", "afgewezen"):
            figures[f"{row['tabel']}.{what}"] = int(row[what])
    return figures


def write_ingest_key_figures(result, uitvoer_dir):
    """`<uitvoer_dir>/00_ingest.kerncijfers.json` (sorted keys; no paths that differ per machine)."""
    folder = Path(uitvoer_dir)
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "notebook": "00_ingest",
        "organisatie": result.organisatie,
        "extractiedatum": result.extractiedatum.isoformat(),
        "kerncijfers": ingest_key_figures(result.afstemming),
        "waarschuwingen": int(result.waarschuwingen.height),
    }
    path = folder / "00_ingest.kerncijfers.json"
    path.write_text(
        json.dumps(payload, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def read_validation(clean_dir) -> dict[str, pl.DataFrame]:
    """The CSV files of `<clean_dir>/validatie/` as frames (codes and lines as text/integers)."""
    folder = Path(clean_dir) / "validatie"
    if not (folder / "afstemming.csv").exists():
        raise FileNotFoundError(f"{folder} bevat geen afstemming.csv; draai eerst de ingest")
    lines = {
        "tabel": pl.String,
        "bestand": pl.String,
        "regel": pl.Int64,
        "kolom": pl.String,
        "controle": pl.String,
        "waarde": pl.String,
        "melding": pl.String,
    }
    out = {
        "afstemming": pl.read_csv(
            folder / "afstemming.csv", schema_overrides={"tabel": pl.String, "bestand": pl.String}
        )
    }
    for name in ("afwijzingen", "waarschuwingen"):
        path = folder / f"{name}.csv"
        out[name] = pl.read_csv(path, schema=lines) if path.exists() else pl.DataFrame(schema=lines)
    return out


def rule_counts(lines: pl.DataFrame) -> pl.DataFrame:
    """Failures per table and rule (distinct lines), most first, with the rule's Dutch wording."""
    if lines.is_empty():
        return pl.DataFrame(
            schema={"tabel": pl.String, "controle": pl.String, "omschrijving": pl.String, "regels": pl.Int64}
        )
    return (
        lines.group_by("tabel", "controle")
        .agg(pl.col("regel").n_unique().cast(pl.Int64).alias("regels"))
        .with_columns(
            pl.col("controle").replace_strict(RULES, default=pl.col("controle")).alias("omschrijving")
        )
        .sort(["regels", "tabel", "controle"], descending=[True, False, False])
        .select("tabel", "controle", "omschrijving", "regels")
    )


def rejections_chart(afwijzingen: pl.DataFrame):
    """A bar chart of rejected lines per table, coloured by rule (Altair, drawn offline)."""
    counts = rule_counts(afwijzingen)
    if counts.is_empty():
        counts = pl.DataFrame(
            {"tabel": ["(geen)"], "controle": ["geen afwijzingen"], "omschrijving": [""], "regels": [0]}
        )
    chart = (
        alt.Chart(alt.Data(values=counts.to_dicts()))
        .mark_bar()
        .encode(
            y=alt.Y("tabel:N", title=None, sort="-x"),
            x=alt.X("regels:Q", title="afgewezen regels", stack="zero"),
            color=alt.Color("controle:N", title="controle", scale=alt.Scale(range=charts.PALETTE)),
            tooltip=[
                alt.Tooltip("tabel:N"),
                alt.Tooltip("omschrijving:N", title="controle"),
                alt.Tooltip("regels:Q", format=",d"),
            ],
        )
        .properties(
            width=charts.WIDTH,
            height=max(120, 28 * counts["tabel"].n_unique()),
            title="Afgewezen regels per tabel en controle",
        )
    )
    return charts.dutch(chart)
