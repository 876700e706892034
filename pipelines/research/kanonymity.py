"""k-anonymity of a research extract on its quasi-identifiers, with birth years coarsened where needed.

Quasi-identifiers are what an outsider may know of a person: birth year, sex, municipality,
household type (`leefvorm` of the person's latest benefit period) and migration background.
A class is the set of persons sharing all five; a class smaller than `min_cell` can single
someone out.

Coarsening works per cell: a 5-year band of birth years (`1985` = 1985-1989) within one stratum
(the four quasi-identifiers other than birth year). When any class of a cell is too small, every
person of that cell gets the band instead of the exact year, so the released band class holds
everyone of that band in the stratum (and an outsider who knows someone's exact year finds no
exact-year record to single them out). Cells whose classes are all large enough keep exact years.
Classes that are still small after coarsening are counted in the report, never listed with values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from pipelines.schema import PERSON_COLUMN

#: The quasi-identifiers, in the order the report names them.
QUASI_IDENTIFIERS = ("geboortejaar", "geslacht", "gemeentecode", "leefvorm", "migratieachtergrond")
#: Width of a birth-year band; bands start at multiples of it (1985-1989).
BAND_YEARS = 5
STRATUM = ("geslacht", "gemeentecode", "leefvorm", "migratieachtergrond")

REPORT_SCHEMA = {
    "fase": pl.String(),
    "klassegrootte": pl.Int64(),
    "klassen": pl.Int64(),
    "personen": pl.Int64(),
}


@dataclass(frozen=True)
class Coarsening:
    """The released birth years and what the check found before and after coarsening."""

    #: persoon, geboortejaar (null where coarsened), geboortejaar_klasse (first year of the band).
    persons: pl.DataFrame
    #: fase (`voor`/`na`), klassegrootte 1..min_cell-1, klassen, personen: counts only.
    report: pl.DataFrame
    summary: dict = field(default_factory=dict)


def latest_household_type(uitkeringen: pl.DataFrame | None) -> pl.DataFrame:
    """persoon -> `leefvorm` of the latest benefit period (latest start, then running, then latest end)."""
    if uitkeringen is None or uitkeringen.is_empty():
        return pl.DataFrame(schema={PERSON_COLUMN: pl.String(), "leefvorm": pl.String()})
    return (
        uitkeringen.lazy()
        .sort(
            [PERSON_COLUMN, "aanvangsdatum", pl.col("einddatum").is_null(), "einddatum", "registratienummer"],
            nulls_last=True,
        )
        .group_by(PERSON_COLUMN)
        .agg(pl.col("leefvorm").last())
        .collect()
    )


def quasi_identifiers(personen: pl.DataFrame, uitkeringen: pl.DataFrame | None) -> pl.DataFrame:
    """persoon and the five quasi-identifiers (birth year from the date; household type from the benefits)."""
    return (
        personen.select(
            PERSON_COLUMN,
            pl.col("geboortedatum").dt.year().cast(pl.Int64).alias("geboortejaar"),
            "geslacht",
            "gemeentecode",
            "migratieachtergrond",
        )
        .join(latest_household_type(uitkeringen), on=PERSON_COLUMN, how="left")
        .select(PERSON_COLUMN, *QUASI_IDENTIFIERS)
    )


def class_sizes(frame: pl.DataFrame, columns: list[str] | tuple[str, ...]) -> pl.Series:
    """Per row, how many rows share its values of `columns` (missing values form their own class)."""
    return frame.select(pl.len().over(list(columns)).alias("k")).get_column("k").cast(pl.Int64)


def small_class_counts(sizes: pl.Series, min_cell: int, fase: str) -> pl.DataFrame:
    """Per class size 1..min_cell-1: how many classes and persons (a class of k persons has k rows)."""
    counts = pl.DataFrame({"k": sizes}).group_by("k").agg(pl.len().alias("personen"))
    rows = []
    for size in range(1, min_cell):
        persons = counts.filter(pl.col("k") == size).get_column("personen")
        n = int(persons[0]) if persons.len() else 0
        rows.append({"fase": fase, "klassegrootte": size, "klassen": n // size, "personen": n})
    return pl.DataFrame(rows, schema=REPORT_SCHEMA)


def band_start(year: pl.Expr) -> pl.Expr:
    """First year of the 5-year band of a birth year (1987 -> 1985)."""
    return (year // BAND_YEARS) * BAND_YEARS


def coarsen_birth_years(qi: pl.DataFrame, min_cell: int) -> Coarsening:
    """Coarsen birth years to bands in every cell with a class below `min_cell`; report before and after."""
    if min_cell < 1:
        raise ValueError("min_cell moet minstens 1 zijn")
    before = class_sizes(qi, QUASI_IDENTIFIERS)
    work = qi.with_columns(
        before.alias("_k"), band_start(pl.col("geboortejaar")).alias("geboortejaar_klasse")
    )
    cell = ["geboortejaar_klasse", *STRATUM]
    work = work.with_columns((pl.col("_k") < min_cell).any().over(cell).alias("_grof"))
    work = work.with_columns(
        pl.when(pl.col("_grof")).then(None).otherwise(pl.col("geboortejaar")).alias("_jaar")
    )
    after = class_sizes(work, ["_jaar", "geboortejaar_klasse", *STRATUM])
    report = pl.concat(
        [small_class_counts(before, min_cell, "voor"), small_class_counts(after, min_cell, "na")]
    )
    coarsened = work.filter(pl.col("_grof"))
    summary = {
        "quasi_identificatoren": list(QUASI_IDENTIFIERS),
        "min_cell": min_cell,
        "personen": qi.height,
        "klassen_voor": _n_classes(qi, QUASI_IDENTIFIERS),
        "kleine_klassen_voor": int(report.filter(pl.col("fase") == "voor").get_column("klassen").sum()),
        "personen_in_kleine_klassen_voor": int((before < min_cell).sum()),
        "klassen_na": _n_classes(work, ["_jaar", "geboortejaar_klasse", *STRATUM]),
        "kleine_klassen_na": int(report.filter(pl.col("fase") == "na").get_column("klassen").sum()),
        "personen_in_kleine_klassen_na": int((after < min_cell).sum()),
        "cellen_vergroofd": _n_classes(coarsened, cell) if coarsened.height else 0,
        "personen_geboortejaar_vergroofd": coarsened.height,
        "bandbreedte_jaren": BAND_YEARS,
    }
    persons = work.select(
        PERSON_COLUMN, pl.col("_jaar").alias("geboortejaar"), pl.col("geboortejaar_klasse").cast(pl.Int64)
    )
    return Coarsening(persons=persons, report=report, summary=summary)


def _n_classes(frame: pl.DataFrame, columns) -> int:
    return frame.select(list(columns)).unique().height
