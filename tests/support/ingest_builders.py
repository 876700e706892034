"""Hand-built deliveries in exactly the reader's shape (`pipelines.ingest.read.RawTable`), for unit tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import polars as pl

from pipelines import schema

EXTRACTIE = dt.date(2024, 9, 30)


def valid_bsn(seed: int) -> str:
    """A nine-digit number passing the elfproef, derived from `seed` (leading zeros kept)."""
    base = f"{(seed * 7919 + 10000000) % 100000000:08d}"
    while True:
        total = sum(w * int(d) for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2), base, strict=False))
        for last in range(10):
            if (total - last) % 11 == 0:
                return base + str(last)
        base = f"{(int(base) + 1) % 100000000:08d}"


def raw_schema(table: str) -> dict[str, pl.DataType]:
    out = {}
    for col in schema.TABLES[table].columns:
        out[col.name] = pl.String() if col.kind == schema.BSN else col.clean_dtype()
    out["_regel"] = pl.Int64()
    return out


def raw_table(table: str, rows: list[dict], rejects: list[dict] | None = None, bestand: str | None = None):
    """A RawTable-like object: typed frame with `bsn` and `_regel` (header = line 1, rows from line 2)."""
    full = []
    for i, row in enumerate(rows):
        item = {name: None for name in schema.TABLES[table].names}
        item.update(row)
        item.setdefault("_regel", i + 2)
        if item["_regel"] is None:
            item["_regel"] = i + 2
        full.append(item)
    frame = pl.DataFrame(full, schema=raw_schema(table)) if full else pl.DataFrame(schema=raw_schema(table))
    reject_frame = pl.DataFrame(
        rejects or [],
        schema={
            "tabel": pl.String,
            "bestand": pl.String,
            "regel": pl.Int64,
            "kolom": pl.String,
            "controle": pl.String,
            "waarde": pl.String,
            "melding": pl.String,
        },
    )
    return SimpleNamespace(
        table=table,
        bestand=bestand or f"{table}.csv",
        frame=frame,
        rejects=reject_frame,
        gelezen=len(rows) + len(rejects or []),
        ignored_columns=[],
        format={"scheidingsteken": ";"},
    )


def good_delivery(n: int = 6) -> dict[str, SimpleNamespace]:
    """A small delivery that passes every rule."""
    bsns = [valid_bsn(i) for i in range(n)]
    personen = [
        {
            "bsn": b,
            "geboortedatum": dt.date(1970 + i, 3, 1),
            "geslacht": "1" if i % 2 else "2",
            "gemeentecode": "0546",
            "migratieachtergrond": "nederlands",
            "statushouder": False,
            "doelgroepregister": False,
            "kinderen_ten_laste": i % 3,
            "klantmanager": "km1",
        }
        for i, b in enumerate(bsns)
    ]
    uitkeringen = [
        {
            "registratienummer": f"R{i}",
            "bsn": b,
            "regeling": "01",
            "leefvorm": "1",
            "huisvesting": "1",
            "aanvangsdatum": dt.date(2020, 1, 1),
            "einddatum": dt.date(2023, 6, 30) if i % 2 else None,
            "reden_beeindiging": "11" if i % 2 else None,
            "ontheffing": "2",
        }
        for i, b in enumerate(bsns)
    ]
    klantbeeld = [
        {
            "bsn": b,
            "ingangsdatum": dt.date(2021, 1, 1),
            "einddatum": dt.date(2022, 1, 1),
            "perspectief": "werken_aan",
            "trede": 3,
            "duurzaam_vrijgesteld": False,
        }
        for b in bsns
    ] + [
        {
            "bsn": b,
            "ingangsdatum": dt.date(2022, 1, 1),
            "einddatum": None,
            "perspectief": "meedoen",
            "trede": 2,
            "duurzaam_vrijgesteld": True,
        }
        for b in bsns
    ]
    contactmomenten = [
        {
            "contact_id": f"C{i}",
            "bsn": b,
            "datum": dt.date(2024, 5, 1),
            "soort": "fip",
            "medewerker": "km1",
            "leefgebieden": ["financien", "werk_opleiding"],
            "vervolgafspraak": True,
        }
        for i, b in enumerate(bsns)
    ]
    voorzieningen = [
        {
            "voorziening_id": "V1",
            "bsn": bsns[0],
            "soort": "lks",
            "begindatum": dt.date(2023, 1, 1),
            "loonwaarde_pct": 60.0,
            "werkgever_kvk": "12345678",
            "werkgever_soort": "regulier",
            "indicatie": "banenafspraak",
        },
        {
            "voorziening_id": "V2",
            "bsn": bsns[1],
            "soort": "jobcoach",
            "begindatum": dt.date(2023, 1, 1),
            "einddatum": dt.date(2023, 12, 31),
            "reden_einde": "1",
            "jobcoach_regime": "licht",
            "kosten": 1200.0,
        },
    ]
    return {
        "levering": raw_table(
            "levering",
            [
                {
                    "organisatie": "Gemeente Leiden",
                    "softwarepakket": "gws",
                    "extractiedatum": EXTRACTIE,
                    "gegevens_vanaf": dt.date(2015, 1, 1),
                }
            ],
        ),
        "personen": raw_table("personen", personen),
        "uitkeringen": raw_table("uitkeringen", uitkeringen),
        "klantbeeld": raw_table("klantbeeld", klantbeeld),
        "contactmomenten": raw_table("contactmomenten", contactmomenten),
        "voorzieningen": raw_table("voorzieningen", voorzieningen),
        "medewerkers": raw_table(
            "medewerkers", [{"medewerker": "km1", "functie": "klantmanager", "fte": 1.0}]
        ),
    }


def read_of(tables: dict, files: list[Path] | None = None):
    """An ExportRead-like object around hand-built tables."""
    return SimpleNamespace(
        tables=tables, profile="standaard", ignored_files=[], files=files or [], inwoners=None
    )


def write_csv_export(tables: dict, folder: Path) -> Path:
    """Write hand-built tables as a standard export (`;`, ISO dates, ja/nee, `|` lists)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, raw in tables.items():
        frame = raw.frame.sort("_regel").drop("_regel")
        exprs = []
        for col, dtype in frame.schema.items():
            c = pl.col(col)
            if isinstance(dtype, pl.List):
                exprs.append(c.list.join("|").alias(col))
            elif dtype == pl.Boolean:
                exprs.append(pl.when(c).then(pl.lit("ja")).when(~c).then(pl.lit("nee")).alias(col))
            else:
                exprs.append(c.cast(pl.String).alias(col))
        frame.select(exprs).write_csv(folder / f"{name}.csv", separator=";")
    return folder
