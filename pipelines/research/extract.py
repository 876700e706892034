"""`participatie onderzoeksbestand`: a pseudonymised, minimised extract with a codebook per research project.

    participatie onderzoeksbestand --clean DIR --project NAAM --out DIR [--tabellen ...] [--vanaf DATUM]

Steps, each a function on frames: re-key every pseudonym with the project key (`rekey`), minimise
each clean table (`minimise_table`: no client number, no free text, birth year for birth date,
employee and record ids re-keyed), add the merged spells (`spells_table`, the KPIs' own
`merge_spells`), check k-anonymity and coarsen birth years where needed
(`pipelines.research.kanonymity`), then write parquet, CSV, SPSS and Stata files, the codebook
(`datapackage.json`, `codeboek.html`), `kanonimiteit.csv` and `manifest.json` into a staging
folder that replaces the output folder only when everything was written.

The project key: the key file `--sleutelbestand` when given (it must exist), else
`PARTICIPATIE_PROJECTSLEUTEL_<NAAM>` (name in capitals, `-` as `_`), else `<map>/<naam>.sleutel`, `<map>` from
`PARTICIPATIE_PROJECTSLEUTELMAP` or `~/.config/participatie/projecten`; that default file is
created on first use (0600), like the main key. See docs/onderzoeksbestand.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines import paths, provenance
from pipelines.clean import CleanData, load_clean
from pipelines.config import OrgConfig, config_for
from pipelines.errors import InputError, mask_identifiers
from pipelines.ingest.pseudonym import PseudonymKeyError, key_fingerprint, load_key, pseudonymise
from pipelines.kpi.uitstroom import AOW, INKOMEN, WERK
from pipelines.research import codebook, formats
from pipelines.research.codebook import (
    ALWAYS,
    EXTRACT_TABLES,
    LEEFGEBIED_PREFIX,
    REKEYED,
    TableSpec,
    extract_specs,
)
from pipelines.research.kanonymity import Coarsening, coarsen_birth_years, quasi_identifiers
from pipelines.schema import LEEFGEBIEDEN, PERSON_COLUMN
from pipelines.spells import merge_spells

ENV_PROJECT_KEY = "PARTICIPATIE_PROJECTSLEUTEL_"
ENV_PROJECT_KEY_DIR = "PARTICIPATIE_PROJECTSLEUTELMAP"
DEFAULT_PROJECT_KEY_DIR = Path("~/.config/participatie/projecten")
KIND = "onderzoeksbestand"
log = logging.getLogger(__name__)
_PROJECT = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
#: Person tables whose rows can be limited to `--vanaf`: table -> (start column, end column or None).
_PERIODS = {
    "uitkeringen": ("aanvangsdatum", "einddatum"), "spells": ("aanvangsdatum", "einddatum"),
    "klantbeeld": ("ingangsdatum", "einddatum"), "voorzieningen": ("begindatum", "einddatum"),
    "inkomsten": ("maand", None), "contactmomenten": ("datum", None), "zrm": ("datum", None),
    "beloningen": ("datum", None),
}  # fmt: skip


class ExtractError(InputError, ValueError):
    """The extract cannot be made as asked (project name, table, date, output folder); exit code 2."""


# --------------------------------------------------------------------------- project key


def project_slug(name: str) -> str:
    """`Cohort_Studie` -> `cohort-studie`; refused unless letters, digits, `-` and `_` (at most 63)."""
    slug = str(name).strip().lower().replace("_", "-")
    if not _PROJECT.match(slug):
        raise ExtractError(
            f"projectnaam {mask_identifiers(name)!r} niet bruikbaar: gebruik letters, cijfers, '-' en '_' "
            "(begin met een letter of cijfer, hoogstens 63 tekens)"
        )
    return slug


def project_key_variable(slug: str) -> str:
    return ENV_PROJECT_KEY + slug.upper().replace("-", "_")


def project_key_file(slug: str) -> Path:
    raw = os.environ.get(ENV_PROJECT_KEY_DIR)
    folder = Path(raw).expanduser() if raw else DEFAULT_PROJECT_KEY_DIR.expanduser()
    return folder / f"{slug}.sleutel"


def load_project_key(slug: str, key_file: Path | None = None) -> bytes:
    """The project key: a named key file (must exist), else its environment variable, else the default."""
    what = f"projectsleutel van project {slug}"
    if key_file is not None:
        return load_key(None, key_file, what=what, create=False, env_file_var="--sleutelbestand")
    variable = project_key_variable(slug)
    if variable in os.environ and not os.environ[variable].strip():
        raise PseudonymKeyError(f"geen projectsleutel: {variable} is gezet maar leeg")
    return load_key(variable, project_key_file(slug), what=what, env_file_var=ENV_PROJECT_KEY_DIR)


def rekey(series: pl.Series, key: bytes, kind: str | None = None) -> pl.Series:
    """HMAC-SHA256(project key, value) as hex; `kind` prefixes non-person ids (`medewerker:KM01`)."""
    values = series.cast(pl.String)
    if kind is not None:
        values = pl.select((pl.lit(f"{kind}:") + values).alias(series.name)).to_series()
    return pseudonymise(values, key).rename(series.name)


# --------------------------------------------------------------------------- tables


def redengroep_expr(column: str = "reden_beeindiging") -> pl.Expr:
    """The reason group of docs/definities.md: werk, inkomen, aow (03) or overig; empty while running."""
    reason = pl.col(column)
    return (
        pl.when(reason.is_null())
        .then(None)
        .when(reason.is_in(list(WERK)))
        .then(pl.lit("werk"))
        .when(reason.is_in(list(INKOMEN)))
        .then(pl.lit("inkomen"))
        .when(reason == AOW)
        .then(pl.lit("aow"))
        .otherwise(pl.lit("overig"))
        .alias("redengroep")
    )


def spells_table(uitkeringen: pl.DataFrame, regelingen: tuple[str, ...], gap_days: int) -> pl.DataFrame:
    """Merged in-scope spells with the clean pseudonym, Dutch column names and the reason group."""
    spells = merge_spells(uitkeringen, regelingen, gap_days)
    return spells.select(
        PERSON_COLUMN,
        pl.col("spell").cast(pl.Int64),
        pl.col("start").alias("aanvangsdatum"),
        pl.col("end").alias("einddatum"),
        "reden_beeindiging",
        redengroep_expr(),
        pl.col("perioden").cast(pl.Int64),
    )


def since(table: str, frame: pl.DataFrame, vanaf: dt.date | None) -> pl.DataFrame:
    """Rows that still matter from `vanaf` on: periods running on or after it, events on or after it."""
    if vanaf is None or table not in _PERIODS:
        return frame
    start, end = _PERIODS[table]
    if end is not None:
        return frame.filter(pl.col(end).is_null() | (pl.col(end) >= vanaf))
    if table == "inkomsten":
        return frame.filter(pl.col(start) >= dt.date(vanaf.year, vanaf.month, 1))
    return frame.filter(pl.col(start) >= vanaf)


def minimise_table(
    table: str, frame: pl.DataFrame, key: bytes, persons: pl.DataFrame, spec: TableSpec
) -> pl.DataFrame:
    """One clean table as the extract holds it: re-keyed ids, indicators for lists, sorted."""
    out = frame
    if PERSON_COLUMN in out.columns:
        out = out.join(persons, on=PERSON_COLUMN, how="inner", maintain_order="left")
        out = out.with_columns(pl.col("_nieuw").alias(PERSON_COLUMN)).drop("_nieuw")
    for (name, column), (kind, new) in REKEYED.items():
        if name == table and column in out.columns:
            out = out.with_columns(rekey(out.get_column(column), key, kind).alias(new))
    if table == "contactmomenten":
        out = out.with_columns(
            pl.when(pl.col("leefgebieden").is_null())
            .then(None)
            .otherwise(pl.col("leefgebieden").list.contains(code))
            .alias(f"{LEEFGEBIED_PREFIX}{code}")
            for code in LEEFGEBIEDEN
        )
    return _conform(out, spec)


def _conform(frame: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """Exactly the codebook's columns in its order, sorted on them (no order left from the source system)."""
    missing = [c for c in spec.names if c not in frame.columns]
    if missing:
        raise RuntimeError(f"tabel {spec.name}: kolom(men) {', '.join(missing)} ontbreken voor het codeboek")
    out = frame.select(spec.names)
    return out.sort(spec.names, nulls_last=True)


def personen_table(
    personen: pl.DataFrame,
    uitkeringen: pl.DataFrame | None,
    key: bytes,
    persons: pl.DataFrame,
    min_cell: int,
    spec: TableSpec,
) -> tuple[pl.DataFrame, Coarsening]:
    """Persons with birth year (coarsened where k-anonymity needs it), permit year and re-keyed ids."""
    coarsening = coarsen_birth_years(quasi_identifiers(personen, uitkeringen), min_cell)
    out = personen.join(coarsening.persons, on=PERSON_COLUMN, how="left", maintain_order="left")
    out = out.with_columns(
        pl.col("datum_verblijfsvergunning").dt.year().cast(pl.Int64).alias("jaar_verblijfsvergunning")
    )
    return minimise_table("personen", out, key, persons, spec), coarsening


@dataclass
class Extract:
    """An extract in memory: its tables (codebook order), their specs and what the k-anonymity check did."""

    tables: dict[str, pl.DataFrame]
    specs: dict[str, TableSpec]
    coarsening: Coarsening
    levering: dict
    gemeenten: dict[str, str]
    vanaf: dt.date | None = None
    niet_beschikbaar: list[str] = field(default_factory=list)
    medewerkers_complete: bool = False


def selected_tables(tabellen: list[str] | None) -> list[str]:
    """The tables asked for (commas or spaces), plus `levering` and `personen`, in codebook order."""
    if not tabellen:
        return list(EXTRACT_TABLES)
    names = [n.strip().lower() for item in tabellen for n in str(item).split(",") if n.strip()]
    unknown = sorted(set(names) - set(EXTRACT_TABLES))
    if unknown:
        raise ExtractError(
            f"onbekende tabel(len) {', '.join(mask_identifiers(u) for u in unknown)}; "
            f"kies uit {', '.join(EXTRACT_TABLES)}"
        )
    wanted = set(names) | set(ALWAYS)
    return [t for t in EXTRACT_TABLES if t in wanted]


def _persons_with_rows(data: CleanData, spells: pl.DataFrame | None, vanaf: dt.date) -> pl.Series:
    """Persons that still have a row from `vanaf` on in any person table (selected or not)."""
    found = []
    for table in _PERIODS:
        frame = spells if table == "spells" else (data.tables.get(table))
        if frame is not None:
            found.append(since(table, frame, vanaf).get_column(PERSON_COLUMN))
    return pl.concat(found).unique() if found else pl.Series(PERSON_COLUMN, [], dtype=pl.String)


def build_extract(
    data: CleanData,
    config: OrgConfig,
    key: bytes,
    tabellen: list[str] | None = None,
    vanaf: dt.date | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Extract:
    """Every table of the extract, from one clean delivery (pure: nothing is written)."""
    wanted = selected_tables(tabellen)
    if vanaf is not None and vanaf > data.extractiedatum:
        raise ExtractError(
            f"--vanaf {vanaf.isoformat()} ligt na de extractiedatum {data.extractiedatum.isoformat()}"
        )
    available = set(data.tables) | {"inwoners"} | ({"spells"} if data.has("uitkeringen") else set())
    niet_beschikbaar = [t for t in wanted if t not in available]
    present = [t for t in wanted if t in available]

    personen = data.get("personen")
    gemeenten = {str(c): str(n) for c, n in config.gemeenten.items()}
    for code in personen.get_column("gemeentecode").drop_nulls().unique().sort().to_list():
        gemeenten.setdefault(code, code)
    specs = extract_specs(present, gemeenten)

    progress("spells samenvoegen")
    spells = (
        spells_table(data.get("uitkeringen"), config.regelingen, config.gap_days)
        if data.has("uitkeringen")
        else None
    )
    if vanaf is not None:
        personen = personen.join(
            pl.DataFrame({PERSON_COLUMN: _persons_with_rows(data, spells, vanaf)}),
            on=PERSON_COLUMN,
            how="semi",
            maintain_order="left",
        )

    progress("pseudoniemen opnieuw sleutelen met de projectsleutel")
    ids = personen.get_column(PERSON_COLUMN)
    persons = pl.DataFrame({PERSON_COLUMN: ids, "_nieuw": rekey(ids, key)})

    progress("tabellen minimaliseren en k-anonimiteit toetsen")
    tables: dict[str, pl.DataFrame] = {}
    coarsening: Coarsening | None = None
    for table in present:
        spec = specs[table]
        if table == "personen":
            tables[table], coarsening = personen_table(
                personen, data.tables.get("uitkeringen"), key, persons, config.min_cell, spec
            )
        elif table == "levering":
            levering = data.get("levering")
            if vanaf is not None:
                levering = levering.with_columns(
                    pl.max_horizontal(pl.col("gegevens_vanaf"), pl.lit(vanaf)).alias("gegevens_vanaf")
                )
            tables[table] = _conform(levering, spec)
        elif table == "inwoners":
            tables[table] = _conform(
                data.inwoners.filter(pl.col("gemeentecode").is_in(list(gemeenten))), spec
            )
        elif table == "spells" and spells is not None:
            tables[table] = minimise_table(table, since(table, spells, vanaf), key, persons, spec)
        else:
            tables[table] = minimise_table(table, since(table, data.get(table), vanaf), key, persons, spec)
    if coarsening is None:
        raise RuntimeError("personen hoort altijd bij een onderzoeksbestand")

    complete = False
    if "medewerkers" in tables:
        staff = set(tables["medewerkers"].get_column("medewerker").to_list())
        used: set[str] = set()
        for table, column in (("personen", "klantmanager"), ("contactmomenten", "medewerker")):
            if table in tables:
                used |= set(tables[table].get_column(column).drop_nulls().to_list())
        complete = used <= staff
    return Extract(
        tables=tables,
        specs=specs,
        coarsening=coarsening,
        levering=tables["levering"].row(0, named=True),
        gemeenten=gemeenten,
        vanaf=vanaf,
        niet_beschikbaar=niet_beschikbaar,
        medewerkers_complete=complete,
    )


# --------------------------------------------------------------------------- output folder


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def check_output_dir(out: Path, clean_dir: Path, project: str) -> Path:
    """The output folder: never in the repository, clean data or a published bundle, nor over other files."""
    target = Path(out).expanduser().resolve()
    clean = Path(clean_dir).expanduser().resolve()
    if _inside(target, paths.ROOT.resolve()):
        raise ExtractError(
            f"uitvoermap {target} ligt in de repository ({paths.ROOT}); kies een map daarbuiten, "
            "anders kunnen persoonsgegevens in git terechtkomen"
        )
    if _inside(target, clean) or _inside(clean, target):
        raise ExtractError(
            f"uitvoermap {target} valt samen met de schone gegevens ({clean}); kies een eigen map"
        )
    for folder in (target, *target.parents):
        if folder.name == "data_clean" or (
            (folder / "levering.parquet").exists() and (folder / "ingest.json").exists()
        ):
            raise ExtractError(
                f"uitvoermap {target} ligt in schone gegevens (data_clean/, {folder}); kies een eigen map"
            )
        if (folder / "manifest.json").exists() and (
            (folder / "publicatie").is_dir() or (folder / "intern").is_dir()
        ):
            raise ExtractError(
                f"uitvoermap {target} ligt in een gepubliceerde kwartaalbundel ({folder}); "
                "een onderzoeksbestand hoort daar nooit bij"
            )
    if target.exists() and not target.is_dir():
        raise ExtractError(f"uitvoermap {target} is een bestand")
    if target.exists() and any(target.iterdir()):
        manifest = _read_manifest(target / "manifest.json")
        if manifest.get("soort") != KIND:
            raise ExtractError(
                f"uitvoermap {target} is niet leeg en bevat geen onderzoeksbestand; kies een lege map"
            )
        if manifest.get("project") != project:
            raise ExtractError(
                f"uitvoermap {target} bevat het onderzoeksbestand van een ander project "
                f"({manifest.get('project')!r}); kies een eigen map per project"
            )
    return target


def _read_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# --------------------------------------------------------------------------- writing


def write_extract(
    extract: Extract,
    out: Path,
    *,
    project: str,
    fingerprint: str,
    clean_dir: Path,
    config: OrgConfig,
    tabellen: list[str] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict:
    """Write every file of the extract into a staging folder and move it into place; returns the manifest."""
    target = check_output_dir(out, clean_dir, project)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.onvolledig-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    for sub in ("csv", "parquet", "spss", "stata"):
        (staging / sub).mkdir(parents=True)
    try:
        files: dict[str, dict] = {}
        for name, frame in extract.tables.items():
            progress(f"schrijven: {name} ({frame.height} {'regel' if frame.height == 1 else 'regels'})")
            spec = extract.specs[name]
            csv = formats.write_csv(frame, staging / "csv" / f"{name}.csv")
            formats.write_parquet(frame, staging / "parquet" / f"{name}.parquet")
            formats.write_spss_stata(
                frame,
                spec,
                staging / "spss" / f"{name}.sav",
                staging / "stata" / f"{name}.dta",
                f"{name} - onderzoeksbestand {project}",
            )
            files[name] = {
                "rows": frame.height,
                "csv": f"csv/{name}.csv",
                "csv_sha256": provenance.sha256_file(csv),
                "csv_bytes": csv.stat().st_size,
                "parquet": f"parquet/{name}.parquet",
                "spss": f"spss/{name}.sav",
                "stata": f"stata/{name}.dta",
            }
        progress("codeboek en manifest")
        kreport = extract.coarsening.report
        kreport.write_csv(staging / "kanonimiteit.csv")
        meta = {
            "project": project,
            "organisatie": extract.levering["organisatie"],
            "extractiedatum": extract.levering["extractiedatum"].isoformat(),
            "gegevens_vanaf": extract.levering["gegevens_vanaf"].isoformat(),
            "vanaf": extract.vanaf.isoformat() if extract.vanaf else None,
            "gemaakt_op": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "codeversie": provenance.code_version(),
            "definitieversie": provenance.definitions_version(),
            "projectsleutel_vingerafdruk": fingerprint,
            "spells": {"regelingen": list(config.regelingen), "gap_days": config.gap_days},
            "kanonimiteit": extract.coarsening.summary,
        }
        numeric = {}
        for name, spec in extract.specs.items():
            for f in spec.fields:
                mapping = formats.numeric_code_map(f)
                if mapping:
                    numeric[(name, f.name)] = mapping
        package = codebook.datapackage(extract.specs, files, meta, extract.medewerkers_complete)
        codebook.write_json(package, staging / "datapackage.json")
        page = codebook.codebook_html(extract.specs, meta, numeric, kreport.to_dicts(), files)
        (staging / "codeboek.html").write_text(page, encoding="utf-8")

        ingest_meta = _read_manifest(Path(clean_dir) / "ingest.json")
        inputs = {p.name: provenance.sha256_file(p) for p in sorted(Path(clean_dir).glob("*.parquet"))}
        if (Path(clean_dir) / "ingest.json").exists():
            inputs["ingest.json"] = provenance.sha256_file(Path(clean_dir) / "ingest.json")
        manifest = {
            "soort": KIND,
            **{
                k: meta[k]
                for k in (
                    "project",
                    "organisatie",
                    "extractiedatum",
                    "gegevens_vanaf",
                    "vanaf",
                    "gemaakt_op",
                    "codeversie",
                    "definitieversie",
                    "projectsleutel_vingerafdruk",
                    "spells",
                )
            },
            "parameters": {"tabellen": tabellen or [], "vanaf": meta["vanaf"], "min_cell": config.min_cell},
            "invoer": {
                "schone_data": inputs,
                "export": ingest_meta.get("bestanden", []),
                "sleutel_vingerafdruk_schone_data": ingest_meta.get("sleutel_vingerafdruk"),
            },
            "pakketten": {p: provenance.package_version(p) for p in provenance.PACKAGES},
            "python": sys.version.split()[0],
            "tabellen": {name: frame.height for name, frame in extract.tables.items()},
            "niet_beschikbaar": extract.niet_beschikbaar,
            "kanonimiteit": extract.coarsening.summary,
        }
        outputs = sorted(p for p in staging.rglob("*") if p.is_file())
        manifest["uitvoer"] = {p.relative_to(staging).as_posix(): provenance.sha256_file(p) for p in outputs}
        codebook.write_json(dict(sorted(manifest.items())), staging / "manifest.json")
        _replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return manifest


def _replace(staging: Path, target: Path) -> None:
    """Swap the finished staging folder in with renames only, so a crash never leaves half an extract."""
    old = target.parent / f".{target.name}.oud-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)


# --------------------------------------------------------------------------- command line


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--clean", required=True, type=Path, help="map met schone data (data_clean/<org>/<datum>/)"
    )
    parser.add_argument(
        "--project", required=True, help="naam van het onderzoeksproject (bepaalt de projectsleutel)"
    )
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        help="uitvoermap (buiten de repository, de schone data en elke kwartaalbundel)",
    )
    parser.add_argument(
        "--tabellen",
        nargs="+",
        default=None,
        metavar="TABEL",
        help=f"alleen deze tabellen (plus levering en personen); kies uit {', '.join(EXTRACT_TABLES)}",
    )
    parser.add_argument(
        "--vanaf",
        default=None,
        metavar="DATUM",
        help="alleen gegevens die vanaf deze datum (JJJJ-MM-DD) nog lopen of gebeuren",
    )
    parser.add_argument("--config", type=Path, default=None, help="configuratie van de organisatie (YAML)")
    parser.add_argument(
        "--sleutelbestand",
        type=Path,
        default=None,
        help="bestand met de projectsleutel (moet bestaan); standaard per project in "
        f"${ENV_PROJECT_KEY_DIR} of {DEFAULT_PROJECT_KEY_DIR}",
    )


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ExtractError(f"--vanaf {mask_identifiers(value)!r} is geen datum; gebruik JJJJ-MM-DD") from exc


def summary(extract: Extract, manifest: dict, target: Path) -> str:
    k = extract.coarsening.summary
    lines = [
        f"Onderzoeksbestand voor project {manifest['project']}: {target}",
        f"{mask_identifiers(manifest['organisatie'])}, extractiedatum {manifest['extractiedatum']}, "
        f"gegevens vanaf {manifest['gegevens_vanaf']}",
        f"{'tabel':<16} {'regels':>10}",
    ]
    lines += [f"{name:<16} {rows:>10}" for name, rows in manifest["tabellen"].items()]
    if extract.niet_beschikbaar:
        lines.append(f"niet beschikbaar (ontbreekt in de levering): {', '.join(extract.niet_beschikbaar)}")
    lines.append(
        f"k-anonimiteit (minimale celgrootte {k['min_cell']}): {k['kleine_klassen_voor']} kleine klassen "
        f"({k['personen_in_kleine_klassen_voor']} personen) voor vergroving, {k['kleine_klassen_na']} "
        f"({k['personen_in_kleine_klassen_na']} personen) erna; geboortejaar vergroofd tot 5 jaar voor "
        f"{k['personen_geboortejaar_vergroofd']} personen"
    )
    lines.append(f"projectsleutel: vingerafdruk {manifest['projectsleutel_vingerafdruk']}")
    lines.append(f"codeboek: {target / 'codeboek.html'}")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """Errors are `InputError`s (exit 2, message masked); `pipelines.cli` reports them."""
    started = time.perf_counter()

    def progress(message: str) -> None:
        log.info("onderzoeksbestand [%6.1f s] %s", time.perf_counter() - started, message)

    slug = project_slug(args.project)
    vanaf = parse_date(args.vanaf)
    selected_tables(args.tabellen)
    check_output_dir(args.out, args.clean, slug)
    progress("schone data lezen")
    data = load_clean(args.clean)
    codes = data.get("personen").get_column("gemeentecode").drop_nulls().unique().to_list()
    config = config_for(data.organisatie, args.config, gemeentecodes=codes)
    key = load_project_key(slug, args.sleutelbestand)
    extract = build_extract(data, config, key, args.tabellen, vanaf, progress)
    manifest = write_extract(
        extract,
        args.out,
        project=slug,
        fingerprint=key_fingerprint(key),
        clean_dir=args.clean,
        config=config,
        tabellen=args.tabellen,
        progress=progress,
    )
    print(summary(extract, manifest, Path(args.out).expanduser().resolve()))
    return 0
