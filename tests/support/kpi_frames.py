"""Hand-built clean frames for KPI unit tests: name only the columns a test is about."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.clean import INWONERS_SCHEMA, CleanData
from pipelines.config import OrgConfig
from pipelines.schema import clean_schema

D = dt.date


def frame(table: str, rows: list[dict]) -> pl.DataFrame:
    """A clean table of `rows`; omitted columns are null, dtypes as `clean_schema(table)`."""
    schema = clean_schema(table)
    unknown = {k for r in rows for k in r} - set(schema)
    assert not unknown, f"{table}: onbekende kolommen {unknown}"
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)


def personen(*codes: tuple[str, str], **extra) -> pl.DataFrame:
    """Persons `(persoon, gemeentecode)` born 1980-01-01 unless `extra` overrides per person."""
    return frame(
        "personen",
        [
            {"persoon": p, "gemeentecode": g, "geboortedatum": D(1980, 1, 1), **extra.get(p, {})}
            for p, g in codes
        ],
    )


def uitkering(persoon, start, end=None, reden=None, regeling="01", reg=None, **kw) -> dict:
    return {
        "registratienummer": reg or f"U-{persoon}-{start.isoformat()}",
        "persoon": persoon,
        "regeling": regeling,
        "aanvangsdatum": start,
        "einddatum": end,
        "reden_beeindiging": reden,
        **kw,
    }


#: The default delivery window of the hand-built frames.
GEGEVENS_VANAF = D(2015, 1, 1)
EXTRACTIEDATUM = D(2024, 10, 15)


def clean_data(
    tables: dict[str, pl.DataFrame | list[dict]],
    gegevens_vanaf: dt.date = GEGEVENS_VANAF,
    extractiedatum: dt.date = EXTRACTIEDATUM,
    inwoners: list[tuple[str, int, int]] | None = None,
) -> CleanData:
    built = {n: (t if isinstance(t, pl.DataFrame) else frame(n, t)) for n, t in tables.items()}
    built["levering"] = frame(
        "levering",
        [
            {
                "organisatie": "Testorganisatie",
                "extractiedatum": extractiedatum,
                "gegevens_vanaf": gegevens_vanaf,
            }
        ],
    )
    inw = pl.DataFrame(inwoners or [], schema=INWONERS_SCHEMA, orient="row")
    return CleanData(
        organisatie="Testorganisatie",
        extractiedatum=extractiedatum,
        gegevens_vanaf=gegevens_vanaf,
        tables=built,
        inwoners=inw,
    )


def config(**kw) -> OrgConfig:
    kw.setdefault("gemeenten", {"0001": "Een", "0002": "Twee"})
    return OrgConfig(organisatie="Testorganisatie", **kw)


def same_counts(got: pl.DataFrame, want: pl.DataFrame, counts: list[str]) -> bool:
    """The same counts per peildatum and municipality, in any row order (their integer types may differ)."""
    columns = ["peildatum", "gemeentecode", *counts]
    as_ints = {c: pl.Int64 for c in counts}
    return (
        got.select(columns)
        .cast(as_ints)
        .sort(columns[:2])
        .equals(want.select(columns).cast(as_ints).sort(columns[:2]))
    )
