"""Mapping profiles: how a vendor's export layout (file names, headers, codes, date styles, encoding)
maps onto the standard export. `standaard` is the standard itself; docs/profielen.md explains the keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipelines import schema
from pipelines.errors import InputError
from pipelines.paths import PROFILES

STANDARD_PROFILE = "standaard"


@dataclass(frozen=True)
class TableProfile:
    """How one standard table appears in a layout: file names, column names, code values."""

    table: str
    files: tuple[str, ...]
    #: normalised source column name -> standard column name
    columns: dict[str, str]
    #: standard column -> {lower-cased source value -> standard value}
    codes: dict[str, dict[str, str]]
    #: standard column -> source value as written in the profile, per standard value (for writing)
    codes_out: dict[str, dict[str, str]]
    #: standard column -> source column name as written in the profile (for writing)
    names_out: dict[str, str]
    date_styles: dict[str, str]


@dataclass(frozen=True)
class Profile:
    """A mapping profile: a layout of the export and how it maps onto the standard one."""

    name: str
    tables: dict[str, TableProfile]
    date_style: str | None = None
    month_style: str | None = None
    decimal_separator: str | None = None
    delimiter: str | None = None
    #: used by `write_in_profile_layout` only: encoding and line ending of the layout
    encoding: str = "utf-8"
    line_ending: str = "\n"
    source: Path | None = None


def normalise_header(name: str) -> str:
    """Header names are case-insensitive and may carry spaces: ` Aanvangs Datum ` -> `aanvangs_datum`."""
    return re.sub(r"\s+", "_", name.replace("\ufeff", "").strip().lower())


def available_profiles() -> list[str]:
    """Names of the profiles shipped in `pipelines/profielen/`."""
    return sorted(p.stem for p in PROFILES.glob("*.yaml"))


_PROFILE_KEYS = {
    "naam",
    "omschrijving",
    "datumstijl",
    "maandstijl",
    "decimaalteken",
    "scheidingsteken",
    "codering",
    "regeleinde",
    "tabellen",
}


_TABLE_KEYS = {"bestand", "kolommen", "codes", "datumstijl"}


_ENCODINGS = {"utf-8": "utf-8", "utf-8-bom": "utf-8-sig", "windows-1252": "cp1252"}


_LINE_ENDINGS = {"lf": "\n", "crlf": "\r\n"}


def load_profile(profile: str | Path | None = None) -> Profile:
    """A profile by shipped name, by path to a YAML file, or the standard layout for None."""
    if profile is None:
        profile = STANDARD_PROFILE
    if isinstance(profile, Path) or str(profile).endswith((".yaml", ".yml")):
        path = Path(profile)
    else:
        path = PROFILES / f"{profile}.yaml"
        if not path.exists():
            raise ExportError(
                f"profiel {profile!r} bestaat niet; beschikbaar: {', '.join(available_profiles())} "
                "(of geef een pad naar een YAML-bestand)"
            )
    if not path.exists():
        raise ExportError(f"profielbestand {path} bestaat niet")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ExportError(f"profiel {path.name}: geen geldige YAML ({exc})") from exc
    return parse_profile(raw, source=path)


def _style(value: Any, styles: dict, where: str) -> str | None:
    if value is None:
        return None
    if str(value) not in styles:
        raise ExportError(f"{where}: onbekende stijl {value!r}; kies uit {', '.join(styles)}")
    return str(value)


def parse_profile(raw: dict[str, Any], source: Path | None = None) -> Profile:
    """Check a profile's YAML content and build the `Profile`; every mistake names its key."""
    where = f"profiel {source.name if source else raw.get('naam', '?')}"
    if not isinstance(raw, dict):
        raise ExportError(f"{where}: verwacht een YAML-mapping bovenaan")
    unknown = sorted(set(raw) - _PROFILE_KEYS)
    if unknown:
        raise ExportError(
            f"{where}: onbekende sleutel(s) {', '.join(unknown)}; bekend: {', '.join(sorted(_PROFILE_KEYS))}"
        )
    name = str(raw.get("naam") or (source.stem if source else STANDARD_PROFILE))
    where = f"profiel {name}"
    encoding = str(raw.get("codering", "utf-8"))
    if encoding not in _ENCODINGS:
        raise ExportError(f"{where}: codering {encoding!r} onbekend; kies uit {', '.join(_ENCODINGS)}")
    line_ending = str(raw.get("regeleinde", "lf"))
    if line_ending not in _LINE_ENDINGS:
        raise ExportError(f"{where}: regeleinde {line_ending!r} onbekend; kies uit lf, crlf")
    delimiter = raw.get("scheidingsteken")
    if delimiter is not None and delimiter not in (";", ","):
        raise ExportError(f"{where}: scheidingsteken {delimiter!r} onbekend; kies ';' of ','")
    decimal = raw.get("decimaalteken")
    if decimal is not None and decimal not in DECIMAL_SEPARATORS:
        raise ExportError(f"{where}: decimaalteken {decimal!r} onbekend; kies '.' of ','")
    date_style = _style(raw.get("datumstijl"), DATE_STYLES, f"{where}, datumstijl")
    tables_raw = raw.get("tabellen") or {}
    if not isinstance(tables_raw, dict):
        raise ExportError(f"{where}: 'tabellen' moet een mapping per standaardtabel zijn")
    tables: dict[str, TableProfile] = {}
    for table_name in schema.TABLE_ORDER:
        spec = tables_raw.get(table_name) or {}
        tables[table_name] = _parse_table_profile(table_name, spec, where)
    extra = sorted(set(tables_raw) - set(schema.TABLES))
    if extra:
        raise ExportError(
            f"{where}: onbekende tabel(len) {', '.join(extra)}; standaardtabellen: "
            f"{', '.join(schema.TABLE_ORDER)}"
        )
    return Profile(
        name=name,
        tables=tables,
        date_style=date_style,
        month_style=_style(raw.get("maandstijl"), MONTH_STYLES, f"{where}, maandstijl"),
        decimal_separator=decimal,
        delimiter=delimiter,
        encoding=_ENCODINGS[encoding],
        line_ending=_LINE_ENDINGS[line_ending],
        source=source,
    )


def _parse_table_profile(table_name: str, spec: dict[str, Any], where: str) -> TableProfile:
    table = schema.TABLES[table_name]
    where = f"{where}, tabel {table_name}"
    if not isinstance(spec, dict):
        raise ExportError(f"{where}: verwacht een mapping met {', '.join(sorted(_TABLE_KEYS))}")
    unknown = sorted(set(spec) - _TABLE_KEYS)
    if unknown:
        raise ExportError(f"{where}: onbekende sleutel(s) {', '.join(unknown)}")
    files = spec.get("bestand", f"{table_name}.csv")
    files = tuple(str(f) for f in (files if isinstance(files, list) else [files]))
    columns: dict[str, str] = {}
    names_out: dict[str, str] = {}
    for source_name, target in (spec.get("kolommen") or {}).items():
        if target not in table.names:
            raise ExportError(
                f"{where}: kolom {source_name!r} wijst naar {target!r}, geen kolom van {table_name}"
            )
        key = normalise_header(str(source_name))
        if key in columns and columns[key] != target:
            raise ExportError(f"{where}: kolom {source_name!r} staat twee keer in het profiel")
        columns[key] = target
        names_out.setdefault(target, str(source_name))
    # Standard names stay readable unless the profile gives the column another name.
    for name in table.names:
        if name not in names_out and name not in columns:
            columns[name] = name
    codes: dict[str, dict[str, str]] = {}
    codes_out: dict[str, dict[str, str]] = {}
    for column_name, mapping in (spec.get("codes") or {}).items():
        if column_name not in table.names:
            raise ExportError(f"{where}: codes voor onbekende kolom {column_name!r}")
        column = table.column(column_name)
        if column.kind not in (schema.CODE, schema.LIST):
            raise ExportError(f"{where}: kolom {column_name} is geen code, codes kunnen er niet op")
        if not isinstance(mapping, dict):
            raise ExportError(f"{where}: codes.{column_name} moet een mapping bronwaarde: standaardcode zijn")
        forward: dict[str, str] = {}
        backward: dict[str, str] = {}
        for source_value, target in mapping.items():
            source_value, target = str(source_value), str(target)
            if column.codes is not None and target not in column.codes:
                raise ExportError(
                    f"{where}: codes.{column_name}: {source_value!r} wijst naar {target!r}, "
                    f"geen code uit de lijst ({', '.join(column.codes)})"
                )
            key = source_value.strip().lower()
            if key in forward and forward[key] != target:
                raise ExportError(
                    f"{where}: codes.{column_name}: {source_value!r} staat twee keer in het profiel"
                )
            forward[key] = target
            backward.setdefault(target, source_value)
        codes[column_name] = forward
        codes_out[column_name] = backward
    date_styles: dict[str, str] = {}
    for column_name, style in (spec.get("datumstijl") or {}).items():
        if column_name not in table.names or table.column(column_name).kind != schema.DATE:
            raise ExportError(f"{where}: datumstijl voor {column_name!r}, geen datumkolom van {table_name}")
        date_style = _style(style, DATE_STYLES, f"{where}, datumstijl.{column_name}")
        if date_style is not None:
            date_styles[column_name] = date_style
    return TableProfile(table_name, files, columns, codes, codes_out, names_out, date_styles)


class ExportError(InputError, ValueError):
    """An export (or profile) that cannot be read; the message names file, column and profile."""


#: Date styles a column may use (one per column), with their strptime format and shape.
DATE_STYLES: dict[str, tuple[str, str]] = {
    "JJJJ-MM-DD": ("%Y-%m-%d", r"^\d{4}-\d{2}-\d{2}$"),
    "JJJJMMDD": ("%Y%m%d", r"^\d{8}$"),
    "DD-MM-JJJJ": ("%d-%m-%Y", r"^\d{2}-\d{2}-\d{4}$"),
}


#: Month styles for `maand`; parsed as the first day of the month.
MONTH_STYLES: dict[str, tuple[str, str]] = {
    "JJJJ-MM": ("%Y-%m", r"^\d{4}-\d{2}$"),
    "JJJJMM": ("%Y%m", r"^\d{6}$"),
}


#: Decimal separators; a number has at most one separator, never a thousands separator.
DECIMAL_SEPARATORS: dict[str, str] = {
    ".": r"^[+-]?\d+\.\d+$",
    ",": r"^[+-]?\d+,\d+$",
}
