"""`participatie synth`: write a complete export (tables, physical variant, injected faults)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import polars as pl

from pipelines.errors import InputError
from pipelines.schema import TABLE_ORDER
from pipelines.synth.faults import FAULT_COLUMNS, inject_faults
from pipelines.synth.formats import FORMATS, parse_formaat, render_text, write_csv, write_xlsx
from pipelines.synth.presets import PRESETS
from pipelines.synth.tables import generate_tables
from pipelines.synth.world import DEFAULT_EXTRACTIEDATUM
from pipelines.text import format_nl


def generate_export(
    out: Path,
    organisatie: str,
    personen: int | None = None,
    seed: int = 2024,
    formaat: str = "standaard",
    fouten_pct: float = 0.0,
    extractiedatum: dt.date | None = None,
) -> Path:
    """Write a complete standard export into `out` (created; files overwritten) and return it."""
    return write_export(Path(out), organisatie, personen, seed, formaat, fouten_pct, extractiedatum)[0]


def write_export(
    out: Path,
    organisatie: str,
    personen: int | None,
    seed: int,
    formaat: str,
    fouten_pct: float,
    extractiedatum: dt.date | None,
) -> tuple[Path, dict[str, int], int]:
    """Write the export; return the folder, the rows per table and the number of listed faults."""
    fmt = parse_formaat(formaat)
    if not 0 <= fouten_pct <= 50:
        raise InputError("--fouten moet tussen 0 en 50 (procent) liggen")
    tables = generate_tables(organisatie, personen, seed, extractiedatum)
    inwoners = tables.pop("inwoners")
    faults = None
    if fouten_pct > 0:
        tables, faults = inject_faults(tables, fouten_pct, seed)
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("export.xlsx", "fouten_injectie.csv", *(f"{t}.csv" for t in TABLE_ORDER)):
        (out / stale).unlink(missing_ok=True)
    if fmt.xlsx:
        write_xlsx(out / "export.xlsx", tables, fmt)
    else:
        for name in TABLE_ORDER:
            write_csv(out / f"{name}.csv", render_text(name, tables[name], fmt), fmt)
    # the population reference override, always comma-separated UTF-8 like the shipped table
    inwoners.write_csv(out / "inwoners.csv")
    n_faults = 0
    if faults is not None:
        bestand = {t: ("export.xlsx" if fmt.xlsx else f"{t}.csv") for t in TABLE_ORDER}
        faults = (
            faults.with_columns(
                pl.col("tabel").replace_strict(bestand).alias("bestand"),
                (pl.col("_rij") + 2).alias("regel"),
                pl.col("tabel").replace_strict({t: i for i, t in enumerate(TABLE_ORDER)}).alias("_t"),
            )
            .sort("_t", "regel", "kolom")
            .select(FAULT_COLUMNS)
        )
        faults.write_csv(out / "fouten_injectie.csv")
        n_faults = faults.height
    return out, {name: frame.height for name, frame in tables.items()}, n_faults


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--organisatie", required=True, choices=sorted(PRESETS), help="preset (organisatie)")
    parser.add_argument(
        "--personen",
        type=int,
        default=None,
        help="aantal personen in het register (standaard: de natuurlijke omvang van de preset)",
    )
    parser.add_argument("--seed", type=int, default=2024, help="startwaarde van de toevalsgenerator (2024)")
    parser.add_argument("--out", type=Path, required=True, help="map waarin de export komt")
    parser.add_argument(
        "--formaat",
        default="standaard",
        help=f"fysieke variant: {', '.join(FORMATS)} of tokens, bijv. 'komma,cp1252,nl'",
    )
    parser.add_argument(
        "--fouten",
        type=float,
        default=0.0,
        metavar="PCT",
        help="percentage rijen per tabel met een ingebouwde fout (lijst in fouten_injectie.csv)",
    )
    parser.add_argument(
        "--extractiedatum",
        type=dt.date.fromisoformat,
        default=None,
        help=f"extractiedatum JJJJ-MM-DD (standaard {DEFAULT_EXTRACTIEDATUM.isoformat()})",
    )


def main(args: argparse.Namespace) -> int:
    """Write the export and print its summary (no BSN); bad parameters raise `InputError` (exit 2)."""
    out, counts, n_faults = write_export(
        args.out, args.organisatie, args.personen, args.seed, args.formaat, args.fouten, args.extractiedatum
    )
    print(
        f"Synthetische export van {args.organisatie} geschreven naar {out} "
        f"(seed {args.seed}, formaat {args.formaat})"
    )
    for name, n in counts.items():
        print(f"  {name:<16} {format_nl(n):>10} rijen")
    if args.fouten:
        print(f"Ingebouwde fouten: {n_faults} (zie fouten_injectie.csv)")
    return 0
