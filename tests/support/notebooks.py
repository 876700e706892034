"""A small random clean delivery (parquet, clean schema) for the notebook tests.

Independent of the generator and ingest, so the notebook and chart tests run on their own;
the end-to-end notebook runs also use the shared `demo_clean` fixture when it is available.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import polars as pl

from pipelines.schema import LEEFGEBIEDEN, clean_schema

D = dt.date
ORGANISATIE = "ISD Bollenstreek"
GEMEENTEN = ("0534", "0553", "0575", "1525")


def run_notebook(
    notebook: Path,
    out_dir: Path,
    clean_dir: Path,
    kwartaal: str = "2024Q3",
    cwd: Path | None = None,
    **parameters,
) -> tuple[Path, dict]:
    """Run one notebook as the quarterly run does; returns (executed notebook, its kerncijfers side file)."""
    import papermill as pm

    from pipelines.paths import KERNEL_NAME
    from pipelines.run.notebooks import KERNEL_ARGUMENTS

    out_dir.mkdir(parents=True, exist_ok=True)
    params = {"clean_dir": str(clean_dir), "kwartaal": kwartaal, "uitvoer_dir": str(out_dir), **parameters}
    executed = out_dir / notebook.name
    pm.execute_notebook(
        str(notebook),
        str(executed),
        parameters=params,
        kernel_name=KERNEL_NAME,
        cwd=str(cwd or out_dir),
        progress_bar=False,
        extra_arguments=list(KERNEL_ARGUMENTS),
    )
    side = out_dir / f"{notebook.stem}.kerncijfers.json"
    return executed, json.loads(side.read_text(encoding="utf-8")) if side.exists() else {}


def _frame(table: str, rows: list[dict]) -> pl.DataFrame:
    schema = clean_schema(table)
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema)


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


EXTRACTIEDATUM = D(2024, 10, 15)


def write_small_clean(
    root: Path, personen: int = 160, seed: int = 3, extractiedatum: dt.date = EXTRACTIEDATUM
) -> Path:
    """Write one delivery under `root/isd-bollenstreek/<extractiedatum>/` and return that folder."""
    rng = random.Random(seed)
    vanaf = D(2016, 1, 1)
    km = [f"KM{i:02d}" for i in range(1, 5)]
    rows: dict[str, list[dict]] = {
        k: []
        for k in ("personen", "uitkeringen", "inkomsten", "klantbeeld", "contactmomenten", "voorzieningen")
    }
    for i in range(personen):
        p = f"P{i:04d}"
        rows["personen"].append(
            {
                "persoon": p,
                "clientnummer": f"C{i:05d}",
                "geboortedatum": _day(rng, D(1960, 1, 1), D(2003, 12, 31)),
                "geslacht": rng.choice("12"),
                "gemeentecode": rng.choice(GEMEENTEN),
                "migratieachtergrond": rng.choice(["nederlands", "westers", "niet_westers"]),
                "statushouder": rng.random() < 0.1,
                "doelgroepregister": rng.random() < 0.15,
                "kinderen_ten_laste": rng.randrange(3),
                "klantmanager": rng.choice(km),
            }
        )
        start = _day(rng, D(2014, 1, 1), D(2024, 6, 30))
        end = (
            None
            if rng.random() < 0.5
            else min(start + dt.timedelta(days=rng.randrange(120, 2500)), extractiedatum)
        )
        if end is not None and end >= extractiedatum:
            end = None
        rows["uitkeringen"].append(
            {
                "registratienummer": f"U{i:05d}",
                "persoon": p,
                "regeling": "01",
                "leefvorm": rng.choice("1234"),
                "huisvesting": "1",
                "aanvangsdatum": start,
                "einddatum": end,
                "reden_beeindiging": None if end is None else rng.choice(["11", "13", "14", "03", "31"]),
                "ontheffing": rng.choice([None, None, "4"]),
            }
        )
        last = end or extractiedatum
        month = D(max(start, vanaf).year, max(start, vanaf).month, 1)
        works = rng.random() < 0.2
        while works and month <= last:
            if rng.random() < 0.5:
                rows["inkomsten"].append(
                    {"persoon": p, "maand": month, "soort_inkomsten": "11", "bedrag": 400.0}
                )
            month = D(month.year + month.month // 12, month.month % 12 + 1, 1)
        perspectief = rng.choice(["werken", "werken_aan", "werken_aan", "meedoen"])
        kb_start = max(start, vanaf)
        rows["klantbeeld"].append(
            {
                "persoon": p,
                "ingangsdatum": kb_start,
                "einddatum": end,
                "perspectief": perspectief,
                "trede": 2,
                "duurzaam_vrijgesteld": perspectief == "meedoen" and rng.random() < 0.2,
            }
        )
        if perspectief == "werken_aan":
            for k in range(rng.randrange(0, 12)):
                rows["contactmomenten"].append(
                    {
                        "contact_id": f"F{i:04d}-{k}",
                        "persoon": p,
                        "datum": _day(rng, kb_start, last),
                        "soort": "fip",
                        "medewerker": rng.choice(km),
                        "leefgebieden": rng.sample(list(LEEFGEBIEDEN), rng.randrange(1, 7)),
                        "vervolgafspraak": rng.random() < 0.7,
                    }
                )
        if rng.random() < 0.35:
            soort = rng.choice(
                ["lks", "lks", "ontwikkelbaan", "jobcoach", "schuldhulpverlening", "tegenprestatie"]
            )
            werkgever = (
                rng.choice(["regulier", "sw_bedrijf", "sw_bedrijf"])
                if soort in ("lks", "ontwikkelbaan")
                else None
            )
            rows["voorzieningen"].append(
                {
                    "voorziening_id": f"V{i:05d}",
                    "persoon": p,
                    "soort": soort,
                    "begindatum": _day(rng, max(start, vanaf), last),
                    "einddatum": None,
                    "loonwaarde_pct": 50.0 if soort == "lks" else None,
                    "werkgever_soort": werkgever,
                    "indicatie": rng.choice(["banenafspraak", "beschut"])
                    if werkgever == "sw_bedrijf"
                    else "geen",
                }
            )
    tables = {name: _frame(name, r) for name, r in rows.items()}
    tables["levering"] = _frame(
        "levering",
        [
            {
                "organisatie": ORGANISATIE,
                "softwarepakket": "gws",
                "extractiedatum": extractiedatum,
                "gegevens_vanaf": vanaf,
            }
        ],
    )
    tables["medewerkers"] = _frame(
        "medewerkers", [{"medewerker": m, "functie": "klantmanager", "fte": 0.8} for m in km]
    )
    out = root / "isd-bollenstreek" / extractiedatum.isoformat()
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.write_parquet(out / f"{name}.parquet")
    return out
