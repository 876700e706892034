"""The clean layer: validated, typed, pseudonymised tables on disk, and one call to load them.

Layout of one delivery (written by `pipelines.ingest.deliver`, read by the KPI engine and notebooks):

    data_clean/<organisatie-slug>/<extractiedatum>/
        levering.parquet, personen.parquet, uitkeringen.parquet, ...   (present tables only)
        inwoners.parquet        only when the export carried an inwoners.csv override
        ingest.json             what was read: files with sha256, profile, counts
        validatie/              index.html, afstemming.csv, afwijzingen.csv

A table that was absent from the export has no parquet file; KPIs that need it are
reported as not available, never as zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.errors import InputError
from pipelines.paths import DATA_CLEAN, REFERENCE, slugify
from pipelines.schema import TABLES, clean_schema

INWONERS_SCHEMA = {"gemeentecode": pl.String(), "jaar": pl.Int64(), "inwoners_18plus": pl.Int64()}


class CleanDataMissing(InputError, FileNotFoundError):
    """No clean delivery where one was asked for."""


class TableAbsent(LookupError):
    """A table the export did not contain."""

    def __init__(self, table: str):
        super().__init__(f"tabel {table} ontbreekt in de export")
        self.table = table


@dataclass(frozen=True)
class CleanData:
    """One delivery's clean tables, in memory."""

    organisatie: str
    extractiedatum: dt.date
    gegevens_vanaf: dt.date
    tables: Mapping[str, pl.DataFrame]
    inwoners: pl.DataFrame
    path: Path | None = None
    softwarepakket: str | None = None
    meta: dict = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return slugify(self.organisatie)

    def has(self, table: str) -> bool:
        return table in self.tables

    def get(self, table: str) -> pl.DataFrame:
        if table not in self.tables:
            raise TableAbsent(table)
        return self.tables[table]


def clean_dir(organisatie: str, extractiedatum: dt.date, root: Path = DATA_CLEAN) -> Path:
    return root / slugify(organisatie) / extractiedatum.isoformat()


def latest_clean_dir(organisatie: str, root: Path = DATA_CLEAN) -> Path:
    """The newest delivery of an organisation in data_clean/ (folders are ISO dates)."""
    base = root / slugify(organisatie)
    candidates = sorted(p for p in base.glob("????-??-??") if (p / "levering.parquet").exists())
    if not candidates:
        raise CleanDataMissing(
            f"geen schone data voor {organisatie} in {base}; draai eerst `participatie ingest`"
        )
    return candidates[-1]


def shipped_inwoners() -> pl.DataFrame:
    """The population reference shipped with the suite (CBS population 18+ on 1 January)."""
    return read_inwoners_csv(REFERENCE / "inwoners.csv")


def read_inwoners_csv(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, schema_overrides={"gemeentecode": pl.String()}, separator=",")
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    return frame.select(
        pl.col("gemeentecode").str.zfill(4),
        pl.col("jaar").cast(pl.Int64),
        pl.col("inwoners_18plus").cast(pl.Int64),
    ).sort("gemeentecode", "jaar")


def _read_table(name: str, file: Path) -> pl.DataFrame:
    expected = clean_schema(name)
    return pl.read_parquet(file).select([pl.col(c).cast(t) for c, t in expected.items()])


class LazyTables(Mapping[str, pl.DataFrame]):
    """A delivery's clean tables, each read from its parquet file when first used.

    A KPI page that shows kpis.csv reads none of them, another one or two; at 500,000 persons all
    tables together take seconds and about 2 GiB in every notebook kernel.
    """

    def __init__(self, files: dict[str, Path]):
        self._files = files
        self._loaded: dict[str, pl.DataFrame] = {}

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self._loaded:
            self._loaded[name] = _read_table(name, self._files[name])
        return self._loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in self._files  # without reading it (Mapping's default would)

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


def load_clean(path: str | Path, lazy: bool = False) -> CleanData:
    """Load one delivery's clean tables (the analysts' one call); `lazy`: each table on first use."""
    path = Path(path)
    if not (path / "levering.parquet").exists():
        raise CleanDataMissing(f"{path} is geen map met schone data (levering.parquet ontbreekt)")
    files = {name: path / f"{name}.parquet" for name in TABLES if (path / f"{name}.parquet").exists()}
    tables: Mapping[str, pl.DataFrame] = (
        LazyTables(files) if lazy else {name: _read_table(name, file) for name, file in files.items()}
    )
    levering = tables["levering"].row(0, named=True)
    override = path / "inwoners.parquet"
    inwoners = pl.read_parquet(override) if override.exists() else shipped_inwoners()
    return CleanData(
        organisatie=levering["organisatie"],
        extractiedatum=levering["extractiedatum"],
        gegevens_vanaf=levering["gegevens_vanaf"],
        softwarepakket=levering.get("softwarepakket"),
        tables=tables,
        inwoners=inwoners.select([pl.col(c).cast(t) for c, t in INWONERS_SCHEMA.items()]),
        path=path,
    )
