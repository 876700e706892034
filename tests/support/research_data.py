"""A tiny clean delivery built by hand (three persons), in memory and on disk."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

D = dt.date


def make_extract(clean_dir: Path, out: Path, project: str, *extra: str) -> Path:
    """Run `participatie onderzoeksbestand` as a user does; the test fails when the command does."""
    from pipelines.cli import main

    code = main(
        ["onderzoeksbestand", "--clean", str(clean_dir), "--project", project, "--out", str(out), *extra]
    )
    assert code == 0, f"onderzoeksbestand gaf exitcode {code}"
    return out


def tiny_tables(organisatie: str = "Gemeente Proef") -> dict[str, pl.DataFrame]:
    """Three persons by hand: benefits for p1 (three periods) and p2 (running), p3 only in personen."""
    from pipelines.schema import clean_schema

    def frame(table: str, rows: list[dict]) -> pl.DataFrame:
        schema = clean_schema(table)
        return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)

    return {
        "levering": frame(
            "levering",
            [
                {
                    "organisatie": organisatie,
                    "softwarepakket": "gws",
                    "extractiedatum": D(2024, 10, 15),
                    "gegevens_vanaf": D(2016, 1, 1),
                }
            ],
        ),
        "personen": frame(
            "personen",
            [
                {
                    "persoon": "p1",
                    "clientnummer": "K-0001",
                    "geboortedatum": D(1987, 5, 17),
                    "geslacht": "1",
                    "gemeentecode": "0546",
                    "migratieachtergrond": "nederlands",
                    "statushouder": False,
                    "doelgroepregister": False,
                    "kinderen_ten_laste": 0,
                    "klantmanager": "KM01",
                },
                {
                    "persoon": "p2",
                    "clientnummer": "K-0002",
                    "geboortedatum": D(1990, 2, 1),
                    "geslacht": "2",
                    "gemeentecode": "0546",
                    "migratieachtergrond": "onbekend",
                    "statushouder": True,
                    "datum_verblijfsvergunning": D(2016, 3, 9),
                    "doelgroepregister": True,
                    "kinderen_ten_laste": 2,
                    "klantmanager": "KM01",
                },
                {
                    "persoon": "p3",
                    "clientnummer": "K-0003",
                    "geboortedatum": D(1960, 12, 31),
                    "geslacht": "2",
                    "gemeentecode": "1926",
                    "migratieachtergrond": "westers",
                    "kinderen_ten_laste": 0,
                },
            ],
        ),
        "uitkeringen": frame(
            "uitkeringen",
            [
                {
                    "registratienummer": "U1",
                    "persoon": "p1",
                    "regeling": "01",
                    "leefvorm": "1",
                    "huisvesting": "1",
                    "aanvangsdatum": D(2017, 1, 1),
                    "einddatum": D(2018, 3, 31),
                    "reden_beeindiging": "11",
                },
                {
                    "registratienummer": "U2",
                    "persoon": "p1",
                    "regeling": "01",
                    "leefvorm": "3",
                    "huisvesting": "1",
                    "aanvangsdatum": D(2018, 4, 20),
                    "einddatum": D(2023, 6, 30),
                    "reden_beeindiging": "14",
                },
                {
                    "registratienummer": "U3",
                    "persoon": "p1",
                    "regeling": "01",
                    "leefvorm": "3",
                    "huisvesting": "1",
                    "aanvangsdatum": D(2023, 9, 1),
                    "einddatum": None,
                },
                {
                    "registratienummer": "U4",
                    "persoon": "p2",
                    "regeling": "02",
                    "leefvorm": "2",
                    "huisvesting": "3",
                    "aanvangsdatum": D(2019, 1, 1),
                    "einddatum": None,
                },
                {
                    "registratienummer": "U5",
                    "persoon": "p2",
                    "regeling": "11",
                    "leefvorm": "2",
                    "huisvesting": "3",
                    "aanvangsdatum": D(2020, 1, 1),
                    "einddatum": D(2020, 1, 31),
                    "reden_beeindiging": "98",
                },
            ],
        ),
        "contactmomenten": frame(
            "contactmomenten",
            [
                {
                    "contact_id": "C1",
                    "persoon": "p1",
                    "datum": D(2019, 5, 1),
                    "soort": "fip",
                    "medewerker": "KM01",
                    "leefgebieden": ["financien", "gezondheid"],
                    "vervolgafspraak": True,
                },
                {
                    "contact_id": "C2",
                    "persoon": "p2",
                    "datum": D(2024, 2, 1),
                    "soort": "telefonisch",
                    "medewerker": "KM02",
                    "leefgebieden": None,
                    "vervolgafspraak": False,
                },
            ],
        ),
        "voorzieningen": frame(
            "voorzieningen",
            [
                {
                    "voorziening_id": "V1",
                    "persoon": "p1",
                    "soort": "lks",
                    "begindatum": D(2023, 9, 1),
                    "loonwaarde_pct": 60.0,
                    "werkgever_kvk": "12345678",
                    "werkgever_soort": "regulier",
                    "indicatie": "banenafspraak",
                    "inlener_kvk": "12345678",
                    "aanbieder": "Bakkerij De Vries, t.a.v. J. de Vries",
                },
            ],
        ),
        "medewerkers": frame(
            "medewerkers",
            [
                {"medewerker": "KM01", "functie": "klantmanager", "fte": 1.0},
                {"medewerker": "KM02", "functie": "werkconsulent", "fte": 0.8},
            ],
        ),
    }


def tiny_clean(tables: dict[str, pl.DataFrame] | None = None):
    from pipelines.clean import CleanData, shipped_inwoners

    tables = tables or tiny_tables()
    levering = tables["levering"].row(0, named=True)
    return CleanData(
        organisatie=levering["organisatie"],
        extractiedatum=levering["extractiedatum"],
        gegevens_vanaf=levering["gegevens_vanaf"],
        tables=tables,
        inwoners=shipped_inwoners(),
    )


def write_tiny_clean(folder: Path, tables: dict[str, pl.DataFrame] | None = None) -> Path:
    """The tiny delivery as a clean folder on disk (what `participatie ingest` leaves)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (tables or tiny_tables()).items():
        frame.write_parquet(folder / f"{name}.parquet")
    (folder / "ingest.json").write_text(
        '{"sleutel_vingerafdruk": "0000000000000000", "bestanden": []}\n', encoding="utf-8"
    )
    return folder
