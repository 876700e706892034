"""Ingest: read an export, validate it, pseudonymise it and write the clean layer.

The steps, each a function on frames: pseudonymise the BSN (`persoon`), set aside exact
duplicate rows, run the `rij` and `relaties` suites (`pipelines.ingest.rules`), reject every
row that breaks an error rule (keeping warnings), reconcile every file
(`gelezen = geaccepteerd + afgewezen`) and write the clean tables, the reconciliation, the
rejections and the validation report atomically (a temp folder next to the target, renamed
into place). The BSN itself is dropped before anything is written, and so are the direct
identifiers no figure needs (`clientnummer`, free text: `schema.Column.clean`); a nine-digit number
inside a kept text column becomes a keyed token. Every column of every report file, and every
message, shows a nine-digit number as `#########`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from pipelines import paths, schema
from pipelines.clean import clean_dir as default_clean_dir
from pipelines.config import OrgConfig, config_for, load_config
from pipelines.csvout import write_csv
from pipelines.errors import InputError, ThresholdError, mask_data, mask_identifiers
from pipelines.ingest import rules as validate
from pipelines.ingest import suites
from pipelines.ingest.pseudonym import (
    MASK,
    PERSON_ID,
    key_fingerprint,
    load_key,
    mask_expr,
    mask_frame,
    pseudonym_table,
    pseudonymise,
    scrub_identifiers,
    with_pseudonym,
)
from pipelines.ingest.read import REJECT_SCHEMA, read_export
from pipelines.ingest.report import render_report
from pipelines.preflight import TargetLock, check_percentage, check_writable_dir, percentage
from pipelines.schema import PERSON_COLUMN, RULES, TABLE_ORDER, TABLES
from pipelines.text import format_date, format_nl

REJECT_COLUMNS = list(REJECT_SCHEMA)
AFSTEMMING_SCHEMA = {
    "tabel": pl.String,
    "bestand": pl.String,
    "gelezen": pl.Int64,
    "geaccepteerd": pl.Int64,
    "afgewezen": pl.Int64,
}
#: Text columns of the clean tables (record numbers, staff, the organisation): a BSN typed into one
#: becomes a keyed token there, so no BSN reaches clean data through a free-text field.
TEXT_COLUMNS = {
    name: [c.name for c in table.columns if c.kind == schema.TEXT and c.clean]
    for name, table in TABLES.items()
}
OUTCOME_COLUMNS = [
    "tabel",
    "suite",
    "regel_nr",
    "controle",
    "kolom",
    "ernst",
    "rationale",
    "melding",
    "tabelniveau",
    "geslaagd",
    "aantal",
]


class IngestError(InputError):
    """The delivery cannot be ingested at all (e.g. `levering` is unusable)."""


class ThresholdExceeded(ThresholdError):
    """A table's rejected share is above the threshold; the validation report was written."""

    def __init__(self, message: str, result: IngestResult):
        super().__init__(message, detail=summary(result))
        self.result = result


@dataclass
class Validation:
    """The outcome of validating one delivery, before anything is written."""

    accepted: dict[str, pl.DataFrame]  # clean tables (persoon, clean dtypes), in source order
    afwijzingen: pl.DataFrame  # REJECT_SCHEMA, error rules: the rows that were rejected
    waarschuwingen: pl.DataFrame  # REJECT_SCHEMA, warning rules: the rows were kept
    afstemming: pl.DataFrame  # AFSTEMMING_SCHEMA
    uitkomsten: pl.DataFrame  # one row per expectation: OUTCOME_COLUMNS
    levering: dict[str, Any]


@dataclass
class IngestResult:
    clean_dir: Path
    afstemming: pl.DataFrame
    afwijzingen: pl.DataFrame
    organisatie: str
    extractiedatum: dt.date
    waarschuwingen: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECT_SCHEMA))
    stopped: bool = False
    message: str | None = None
    validation_dir: Path | None = None
    max_afwijzing_pct: float | None = None


# --- pure steps on frames ----------------------------------------------------------------------


def add_pseudonym(
    table: str, frame: pl.DataFrame, key: bytes, pseudonyms: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Add `persoon` (HMAC pseudonym of `bsn`); the `bsn` column stays until the clean write.

    `pseudonyms`: the delivery's `pseudonym_table` (every BSN of every table, each hashed once).
    """
    if not TABLES[table].has_bsn:
        return frame
    if pseudonyms is not None:  # with the elfproef of each distinct BSN, made with the pseudonym
        return with_pseudonym(frame, pseudonyms)
    return frame.with_columns(pseudonymise(frame["bsn"], key).alias(PERSON_COLUMN))


def _comparable(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Columns as values that can be compared row by row (lists joined, so duplicates are found)."""
    exprs = []
    for name in columns:
        if isinstance(frame.schema[name], pl.List):
            exprs.append(pl.col(name).list.join("\x1f").alias(name))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def find_duplicates(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Exact repeats of an earlier row: `_regel` of the repeat and `_eerste` of the row kept."""
    data_columns = [c for c in TABLES[table].names if c in frame.columns]
    comparable = _comparable(frame, data_columns)
    # a hash per row finds the candidates (a collision only adds one); the exact check is on those only
    repeated = comparable.hash_rows().is_duplicated() if data_columns else pl.Series([], dtype=pl.Boolean)
    if not repeated.any():  # the usual case: one hash pass, no per-row structs
        return pl.DataFrame(schema={"_regel": pl.Int64, "_eerste": pl.Int64})
    keyed = comparable.filter(repeated).select(
        pl.struct(data_columns).alias("_rij"), frame["_regel"].filter(repeated)
    )
    keyed = keyed.with_columns(pl.col("_regel").min().over("_rij").alias("_eerste"))
    return keyed.filter(pl.col("_regel") != pl.col("_eerste")).select("_regel", "_eerste")


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text the way a report shows it (dates ISO, ja/nee, lists with |)."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            exprs.append(col.list.join("|").alias(name))
        elif dtype == pl.Boolean:
            exprs.append(pl.when(col).then(pl.lit("ja")).when(~col).then(pl.lit("nee")).alias(name))
        else:
            exprs.append(col.cast(pl.String).alias(name))
    return frame.select(exprs)


def failure_lines(table: str, bestand: str, frame: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    """Failing (row, rule) pairs as afwijzingen lines, with the offending value (BSN masked)."""
    if failures.is_empty():
        return pl.DataFrame(schema=REJECT_SCHEMA)
    rows = frame.join(failures.select("_regel").unique(), on="_regel", how="semi")
    value_columns = [c for c in TABLES[table].names if c in rows.columns and c != "bsn"]
    text = _as_text(rows.select(value_columns)).with_columns(rows["_regel"])
    long = text.unpivot(index="_regel", variable_name="kolom", value_name="waarde")
    out = failures.join(long, on=["_regel", "kolom"], how="left")
    if "bsn" in frame.columns:
        bsn_present = rows.select("_regel", pl.col("bsn").is_not_null().alias("_heeft_bsn"))
        out = out.join(bsn_present, on="_regel", how="left").with_columns(
            pl.when(pl.col("kolom") == "bsn")
            .then(pl.when(pl.col("_heeft_bsn")).then(pl.lit(MASK)).otherwise(None))
            .otherwise(pl.col("waarde"))
            .alias("waarde")
        )
    return out.select(
        pl.lit(table).alias("tabel"),
        pl.lit(bestand).alias("bestand"),
        pl.col("_regel").alias("regel"),
        "kolom",
        "controle",
        mask_expr("waarde"),
        (
            pl.col("controle").replace_strict(RULES, default=pl.col("controle"))
            + pl.lit(": ")
            + pl.col("melding")
        ).alias("melding"),
    ).cast(REJECT_SCHEMA)


def _reader_rejects(raw: Any) -> pl.DataFrame:
    """The reader's parse failures, with any BSN-looking value masked."""
    rejects = getattr(raw, "rejects", None)
    if rejects is None or rejects.is_empty():
        return pl.DataFrame(schema=REJECT_SCHEMA)
    out = rejects.select(REJECT_COLUMNS).cast(REJECT_SCHEMA)
    return out.with_columns(
        pl.when(pl.col("kolom") == "bsn").then(pl.lit(MASK)).otherwise(mask_expr("waarde")).alias("waarde")
    )


def to_clean(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Accepted rows as the clean table: exactly `schema.clean_schema(table)`, in source order."""
    target = schema.clean_schema(table)
    return frame.sort("_regel").select([pl.col(c).cast(t) for c, t in target.items()])


def _sort_lines(frame: pl.DataFrame) -> pl.DataFrame:
    order = {name: i for i, name in enumerate(TABLE_ORDER)}
    return (
        frame.with_columns(
            pl.col("tabel").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_t")
        )
        .sort("_t", "bestand", "regel", "kolom", "controle", nulls_last=True)
        .drop("_t")
        .unique(maintain_order=True)
    )


def validate_tables(
    tables: dict[str, Any],
    key: bytes,
    suites_dir: Path = paths.EXPECTATIONS,
    compress: bool = True,
    release_rows: bool = False,
) -> Validation:
    """Validate every table read (RawTable-like: `.frame`, `.bestand`, `.rejects`, `.gelezen`).

    `compress=False` gives Great Expectations every row instead of one per class of rows the rule
    treats alike (`suites.run_suite`): the same outcome, much slower; the reference a test holds the
    fast path to. `release_rows`: empty each table read (`.frame`) once it is validated, so the rows
    read and the clean rows are not all in memory at once (for a caller that owns the tables).
    """
    for required in schema.REQUIRED_TABLES:
        if required not in tables:
            raise IngestError(f"verplichte tabel {required} ontbreekt in de export")
    order = [t for t in TABLE_ORDER if t in tables]
    accepted: dict[str, pl.DataFrame] = {}
    afwijzingen: list[pl.DataFrame] = []
    waarschuwingen: list[pl.DataFrame] = []
    afstemming: list[dict[str, Any]] = []
    uitkomsten: list[pl.DataFrame] = []
    parameters: dict[str, Any] = {}
    persons: dict[str, pl.Series] = {}
    levering: dict[str, Any] = {}

    pseudonyms = pseudonym_table((tables[t].frame["bsn"] for t in order if TABLES[t].has_bsn), key)
    for table in order:
        raw = tables[table]
        bestand = str(raw.bestand)
        frame = add_pseudonym(table, raw.frame, key, pseudonyms)
        duplicates = find_duplicates(table, frame)
        dup_lines = duplicates.select(
            pl.lit(table).alias("tabel"),
            pl.lit(bestand).alias("bestand"),
            pl.col("_regel").alias("regel"),
            pl.lit(None, dtype=pl.String).alias("kolom"),
            pl.lit("dubbel").alias("controle"),
            pl.lit(None, dtype=pl.String).alias("waarde"),
            (pl.lit(RULES["dubbel"] + ": herhaling van regel ") + pl.col("_eerste").cast(pl.String)).alias(
                "melding"
            ),
        ).cast(REJECT_SCHEMA)
        work = frame.join(duplicates.select("_regel"), on="_regel", how="anti").sort("_regel")
        work = validate.with_helpers(
            table,
            work,
            parameters.get("extractiedatum"),
            persons.get("personen"),
            persons.get("afgewezen_personen"),
        )

        found: list[pl.DataFrame] = []
        for stage in validate.STAGES:
            suite = suites.load_suite(table, stage, suites_dir)
            if suite is None:
                continue
            result = suites.run_suite(suite, work, parameters, compress=compress)
            found.append(result.failures)
            uitkomsten.append(
                result.outcomes.with_columns(
                    pl.lit(table).alias("tabel"), pl.lit(result.suite).alias("suite")
                ).select(OUTCOME_COLUMNS)
            )
            fatal = result.outcomes.filter(
                pl.col("tabelniveau") & ~pl.col("geslaagd") & (pl.col("ernst") == validate.ERROR)
            )
            if not fatal.is_empty():
                raise IngestError(f"{bestand}: {'; '.join(fatal['melding'].to_list())}")
        failures = pl.concat(found) if found else pl.DataFrame(schema=suites.FAILURE_SCHEMA)
        errors = failures.filter(pl.col("ernst") == validate.ERROR)
        warnings = failures.filter(pl.col("ernst") == validate.WARNING)
        afwijzingen.append(_reader_rejects(raw))
        afwijzingen.append(dup_lines)
        afwijzingen.append(failure_lines(table, bestand, work, errors))
        waarschuwingen.append(failure_lines(table, bestand, work, warnings))

        kept = work.join(errors.select("_regel").unique(), on="_regel", how="anti")
        accepted[table] = scrub_identifiers(to_clean(table, kept), TEXT_COLUMNS[table], key)

        rejected_regels = pl.concat(
            [
                _reader_rejects(raw).select(pl.col("regel")),
                dup_lines.select("regel"),
                errors.select(pl.col("_regel").alias("regel")),
            ]
        ).unique()
        gelezen = int(raw.gelezen)
        row: dict[str, Any] = {
            "tabel": table,
            "bestand": bestand,
            "gelezen": gelezen,
            "geaccepteerd": accepted[table].height,
            "afgewezen": rejected_regels.height,
        }
        if row["geaccepteerd"] + row["afgewezen"] != gelezen:
            raise IngestError(
                f"{bestand}: afstemming sluit niet: gelezen {gelezen}, geaccepteerd {row['geaccepteerd']}, "
                f"afgewezen {row['afgewezen']}"
            )
        afstemming.append(row)
        if release_rows:
            raw.frame = raw.frame.clear()

        if table == "levering":
            if accepted["levering"].height != 1:
                reasons = _sort_lines(pl.concat(afwijzingen))
                detail = "; ".join(
                    f"regel {r['regel']} kolom {r['kolom']}: {r['melding']}"
                    for r in reasons.filter(pl.col("tabel") == "levering").iter_rows(named=True)
                )
                raise IngestError(
                    f"{bestand}: de levering is niet bruikbaar ({detail or 'geen geldige regel'})"
                )
            levering = accepted["levering"].row(0, named=True)
            parameters["extractiedatum"] = levering["extractiedatum"]
        if table == "personen":
            # the number of each distinct BSN stands for its pseudonym where it is there: 4 bytes, not 64
            person_key = PERSON_ID if PERSON_ID in work.columns else PERSON_COLUMN
            everyone = work[person_key].drop_nulls().unique()
            kept_persons = kept[person_key].drop_nulls().unique()
            persons["personen"] = everyone
            persons["afgewezen_personen"] = everyone.filter(~everyone.is_in(kept_persons.implode()))

    # A rejected value also sits in `melding` (and a file name or column can be a BSN): mask every column.
    return Validation(
        accepted=accepted,
        afwijzingen=mask_frame(_sort_lines(pl.concat(afwijzingen))),
        waarschuwingen=mask_frame(_sort_lines(pl.concat(waarschuwingen))),
        afstemming=mask_frame(pl.DataFrame(afstemming, schema=AFSTEMMING_SCHEMA)),
        uitkomsten=pl.concat(uitkomsten) if uitkomsten else pl.DataFrame(),
        levering=levering,
    )


def threshold_breaches(afstemming: pl.DataFrame, max_pct: float) -> list[str]:
    """Dutch messages for every table whose rejected share exceeds `max_pct` percent."""
    messages = []
    for row in afstemming.iter_rows(named=True):
        if row["gelezen"] == 0:
            continue
        share = 100.0 * row["afgewezen"] / row["gelezen"]
        if share > max_pct:
            messages.append(
                f"tabel {row['tabel']} ({row['bestand']}): {_pct(share)} van de regels afgewezen "
                f"({row['afgewezen']} van {row['gelezen']}), drempel {_pct(max_pct)}"
            )
    return messages


def _pct(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " %"


# --- writing ------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _relative(path: Path, base: Path) -> str:
    try:
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return Path(path).name


def _write_validation(folder: Path, validation: Validation, meta: dict[str, Any]) -> None:

    folder.mkdir(parents=True, exist_ok=True)
    write_csv(validation.afstemming, folder / "afstemming.csv")
    write_csv(validation.afwijzingen, folder / "afwijzingen.csv")
    write_csv(validation.waarschuwingen, folder / "waarschuwingen.csv")
    (folder / "index.html").write_text(render_report(validation, meta), encoding="utf-8")


def _publish(tmp: Path, target: Path) -> None:
    """Replace `target` by `tmp` with renames only, so a crash never leaves half a delivery."""
    old = target.parent / f".{target.name}.oud-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    if old.exists():
        shutil.rmtree(old)


def delivered_organisation(read: Any) -> str | None:
    """The organisation named in the delivery as read (before validation), or None when unreadable."""
    levering = read.tables.get("levering")
    if levering is None or levering.frame.is_empty():
        return None
    value = levering.frame.get_column("organisatie")[0]
    return str(value) if value else None


def delivered_clean_dir(read: Any, clean_root: Path, out_dir: Path | None = None) -> Path | None:
    """Where this delivery's clean tables will go (None when `levering` cannot tell), for the lock."""
    if out_dir is not None:
        return Path(out_dir)
    levering = read.tables.get("levering")
    if levering is None or levering.frame.is_empty():
        return None
    row = levering.frame.row(0, named=True)
    if not row.get("organisatie") or row.get("extractiedatum") is None:
        return None
    return default_clean_dir(row["organisatie"], row["extractiedatum"], Path(clean_root))


def ingest_read(
    read: Any,
    export_dir: Path,
    clean_root: Path = paths.DATA_CLEAN,
    out_dir: Path | None = None,
    max_afwijzing_pct: float | None = None,
    config: OrgConfig | None = None,
    suites_dir: Path = paths.EXPECTATIONS,
    release_rows: bool = False,
) -> IngestResult:
    """Validate and write an export that was already read (`export.read_export`'s result).

    `release_rows`: the read rows may be let go table by table (the caller does not need them after).
    """
    key = load_key()
    validation = validate_tables(read.tables, key, suites_dir, release_rows=release_rows)
    return write_delivery(
        read,
        validation,
        key_fingerprint(key),
        export_dir,
        clean_root=clean_root,
        out_dir=out_dir,
        max_afwijzing_pct=max_afwijzing_pct,
        config=config,
        suites_dir=suites_dir,
    )


def write_delivery(
    read: Any,
    validation: Validation,
    fingerprint: str,
    export_dir: Path,
    clean_root: Path = paths.DATA_CLEAN,
    out_dir: Path | None = None,
    max_afwijzing_pct: float | None = None,
    config: OrgConfig | None = None,
    suites_dir: Path = paths.EXPECTATIONS,
) -> IngestResult:
    """Apply the threshold and write the clean layer and the validation report, atomically."""
    organisatie = validation.levering["organisatie"]
    extractiedatum = validation.levering["extractiedatum"]
    if config is None:
        codes = []
        if "personen" in validation.accepted:
            codes = validation.accepted["personen"]["gemeentecode"].drop_nulls().unique().to_list()
        config = config_for(organisatie, gemeentecodes=codes)
    given = check_percentage(max_afwijzing_pct)
    threshold = config.max_afwijzing_pct if given is None else given
    breaches = threshold_breaches(validation.afstemming, threshold)
    target = (
        Path(out_dir)
        if out_dir is not None
        else default_clean_dir(organisatie, extractiedatum, Path(clean_root))
    )

    export_dir = Path(export_dir)
    bestanden = []
    for path in sorted(Path(p) for p in read.files):
        bestanden.append({"bestand": _relative(path, export_dir), "sha256": _sha256(path)})
    meta = {
        "organisatie": organisatie,
        "extractiedatum": extractiedatum.isoformat(),
        "gegevens_vanaf": validation.levering["gegevens_vanaf"].isoformat(),
        "profiel": str(read.profile),
        "bestanden": bestanden,
        "formaten": {t: getattr(raw, "format", None) for t, raw in sorted(read.tables.items())},
        "genegeerde_kolommen": {
            t: list(getattr(raw, "ignored_columns", []) or []) for t, raw in sorted(read.tables.items())
        },
        "genegeerde_bestanden": sorted(_relative(Path(p), export_dir) for p in (read.ignored_files or [])),
        "afstemming": validation.afstemming.to_dicts(),
        "sleutel_vingerafdruk": fingerprint,
        "max_afwijzing_pct": threshold,
        "gestopt": bool(breaches),
        "suites": {p.name: _sha256(p) for p in sorted(suites_dir.glob("*.json"))},
        "inwoners_uit_export": read.inwoners is not None,
    }
    meta = mask_data(meta)  # header names, file names and the organisation come from the export

    target.parent.mkdir(parents=True, exist_ok=True)
    with TargetLock(target, "een ingest of run"):
        remove_leftovers(target)
        return _write_locked(read, validation, meta, target, breaches, organisatie, extractiedatum, threshold)


def remove_leftovers(target: Path) -> list[Path]:
    """Temp and old folders of an ingest that was killed (`.<name>.tmp-<pid>`, `.<name>.oud-<pid>`).

    Called with the target's lock held: no live ingest is writing them.
    """
    found = sorted(target.parent.glob(f".{target.name}.tmp-*")) + sorted(
        target.parent.glob(f".{target.name}.oud-*")
    )
    for folder in found:
        shutil.rmtree(folder, ignore_errors=True)
    return found


def _write_locked(
    read: Any,
    validation: Validation,
    meta: dict[str, Any],
    target: Path,
    breaches: list[str],
    organisatie: str,
    extractiedatum: dt.date,
    threshold: float,
) -> IngestResult:
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    tmp.mkdir()
    try:
        if not breaches:
            for table, frame in validation.accepted.items():
                frame.write_parquet(tmp / f"{table}.parquet", compression="zstd", statistics=True)
            if read.inwoners is not None:
                read.inwoners.write_parquet(tmp / "inwoners.parquet", compression="zstd", statistics=True)
        _write_validation(tmp / "validatie", validation, meta)
        (tmp / "ingest.json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
        )
        if breaches and (target / "levering.parquet").exists():
            # Never replace a published delivery by a stopped run: its report goes beside it.
            target = target.parent / f"{target.name}.gestopt"
        _publish(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)

    result = IngestResult(
        clean_dir=target,
        afstemming=validation.afstemming,
        afwijzingen=validation.afwijzingen,
        waarschuwingen=validation.waarschuwingen,
        organisatie=organisatie,
        extractiedatum=extractiedatum,
        stopped=bool(breaches),
        validation_dir=target / "validatie",
        max_afwijzing_pct=threshold,
    )
    if breaches:
        result.message = (
            "ingest gestopt: te veel afgewezen regels; "
            + "; ".join(breaches)
            + f". Het validatierapport staat in {target / 'validatie' / 'index.html'}."
            + " Verhoog --max-afwijzing-pct alleen als u deze afwijzingen bewust accepteert."
        )
        raise ThresholdExceeded(result.message, result)
    return result


def prepare_rule_engine() -> None:
    """Import Great Expectations for good (`machine.loaded_for_good`) before an export is read.

    A command that ingests calls this first: Python's full collections then no longer walk GE's objects
    (0.5-0.65 s of a demo run), and nothing of the export is alive yet to be kept with them. Nothing
    happens when GE is loaded already (validation loads it on first use otherwise, without freezing).
    """
    suites.load_great_expectations(for_good=True)


def ingest_export(
    export_dir: Path,
    clean_root: Path = paths.DATA_CLEAN,
    out_dir: Path | None = None,
    profile: str | Path | None = None,
    max_afwijzing_pct: float | None = None,
    config: OrgConfig | None = None,
) -> IngestResult:
    """Read, validate, pseudonymise and write one export (see the module docstring).

    What can be checked before any work is checked first: the key, the threshold, the folders.
    """
    load_key()
    check_percentage(max_afwijzing_pct)
    check_writable_dir(Path(out_dir) if out_dir is not None else Path(clean_root), "doelmap")
    prepare_rule_engine()
    read = read_export(Path(export_dir), profile=profile)
    return ingest_read(
        read,
        Path(export_dir),
        clean_root=clean_root,
        out_dir=out_dir,
        max_afwijzing_pct=max_afwijzing_pct,
        config=config,
        release_rows=True,
    )


# --- command line -------------------------------------------------------------------------------


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--export", required=True, type=Path, help="map met de export (csv/xlsx)")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="doelmap (standaard data_clean/<organisatie>/<extractiedatum>/)",
    )
    parser.add_argument(
        "--profiel",
        default=None,
        help="mappingprofiel: naam van een meegeleverd profiel of pad naar een YAML-bestand "
        "(standaard: de exportstandaard)",
    )
    parser.add_argument(
        "--max-afwijzing-pct",
        type=percentage,
        default=None,
        help="maximaal aandeel afgewezen regels per tabel in procent (standaard uit de configuratie, 5)",
    )
    parser.add_argument("--config", type=Path, default=None, help="configuratie van de organisatie (yaml)")


def summary(result: IngestResult) -> str:
    lines = [f"{result.organisatie}, extractiedatum {format_date(result.extractiedatum)}"]
    lines.append(f"{'tabel':<16} {'gelezen':>9} {'geaccepteerd':>13} {'afgewezen':>10}")
    for row in result.afstemming.iter_rows(named=True):
        lines.append(
            f"{row['tabel']:<16} {format_nl(row['gelezen']):>9} {format_nl(row['geaccepteerd']):>13} "
            f"{format_nl(row['afgewezen']):>10}"
        )
    lines.append(f"waarschuwingen: {format_nl(result.waarschuwingen.height)}")
    lines.append(f"schone data: {result.clean_dir}")
    lines.append(f"validatierapport: {result.clean_dir / 'validatie' / 'index.html'}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    config = load_config(args.config) if args.config else None
    result = ingest_export(
        args.export,
        out_dir=args.out,
        profile=args.profiel,
        max_afwijzing_pct=args.max_afwijzing_pct,
        config=config,
    )
    print(mask_identifiers(summary(result)))  # the organisation and paths come from the export
    return 0
