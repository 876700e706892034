"""The codebook of a research extract: what every table and column is, as data and as documents.

`extract_fields(table)` is the one description of an extract table (column, type, Dutch and
English text, code list with labels, pseudonym or not); it is generated from `pipelines.schema`
plus the changes the extract makes (re-keyed identifiers, birth year, merged spells). From it come
the Frictionless `datapackage.json` (Table Schema with enums and `categories`, primary and foreign
keys), the value labels of the SPSS and Stata files (`pipelines.research.formats`) and the
readable `codeboek.html`. `pipelines.research.extract` checks every table it writes against it.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from pipelines import schema
from pipelines.paths import PACKAGE
from pipelines.schema import PERSON_COLUMN

TEMPLATES = PACKAGE / "templates"

#: Frictionless type per clean column kind.
_TYPES = {
    schema.TEXT: "string", schema.DATE: "date", schema.MONTH: "date", schema.CODE: "string",
    schema.JANEE: "boolean", schema.INT: "integer", schema.DECIMAL: "number",
}  # fmt: skip

#: Identifier columns the extract re-keys with the project key: (table, column) -> (kind, new name).
#: The kind prefixes the value before hashing, so an employee id and a benefit id never share a pseudonym;
#: employers and borrowing employers share the kind `werkgever`, so one company has one id in both columns.
REKEYED: dict[tuple[str, str], tuple[str, str]] = {
    ("personen", "klantmanager"): ("medewerker", "klantmanager"),
    ("uitkeringen", "registratienummer"): ("uitkering", "registratienummer"),
    ("contactmomenten", "contact_id"): ("contact", "contact_id"),
    ("contactmomenten", "medewerker"): ("medewerker", "medewerker"),
    ("voorzieningen", "voorziening_id"): ("voorziening", "voorziening_id"),
    ("voorzieningen", "werkgever_kvk"): ("werkgever", "werkgever_id"),
    ("voorzieningen", "inlener_kvk"): ("werkgever", "inlener_id"),
    ("medewerkers", "medewerker"): ("medewerker", "medewerker"),
}

#: Clean columns left out, with the reason (Dutch, for the codebook).
DROPPED: dict[tuple[str, str], str] = {
    ("personen", "clientnummer"): "direct identificerend: het klantnummer van de organisatie",
    ("personen", "geboortedatum"): "vervangen door het geboortejaar (of de klasse van vijf jaar)",
    ("personen", "datum_verblijfsvergunning"): "vervangen door het jaar van de verblijfsvergunning",
    ("contactmomenten", "leefgebieden"): "vervangen door een ja/nee-kolom per leefgebied",
    ("voorzieningen", "aanbieder"): "vrije tekst (namen van aanbieders en personen)",
    ("beloningen", "stap"): "vrije tekst",
}

#: Tables of the extract, in the order of the codebook. `spells` is derived from `uitkeringen`.
EXTRACT_TABLES: tuple[str, ...] = (
    "levering", "personen", "uitkeringen", "spells", "inkomsten", "klantbeeld", "contactmomenten",
    "voorzieningen", "zrm", "beloningen", "medewerkers", "inwoners",
)  # fmt: skip
#: Always part of an extract: the delivery's dates (coverage) and the persons every other table refers to.
ALWAYS = ("levering", "personen")

#: Reason groups of a merged spell (the KPI groups of docs/definities.md), with their labels.
REDENGROEP_LABELS: dict[str, tuple[str, str]] = {
    "werk": ("werk (reden 11 of 13)", "work (reason 11 or 13)"),
    "inkomen": ("ander inkomen (reden 14, 15, 17, 18 of 19)", "other income (reason 14, 15, 17, 18 or 19)"),
    "aow": ("AOW-leeftijd (reden 03; geen uitstroom)", "state pension age (reason 03; not outflow)"),
    "overig": ("andere reden", "other reason"),
}

_TABLE_TEXT_EXTRA = {
    "spells": (
        "Samengevoegde uitkeringsperiodes (spells) van de "
        "regelingen in scope, zoals de kengetallen ze tellen",
        "Merged benefit spells of the schemes in scope, as the KPIs count them",
    ),
    "inwoners": (
        "Inwoners van 18 jaar en ouder per gemeente op 1 januari (CBS)",
        "Inhabitants aged 18 and over per municipality on 1 January (CBS)",
    ),
}
PSEUDONYM_NL = "gesleuteld pseudoniem (HMAC-SHA256 met de projectsleutel, 64 hexadecimale tekens)"
PSEUDONYM_EN = "keyed pseudonym (HMAC-SHA256 with the project key, 64 hexadecimal characters)"
LEEFGEBIED_PREFIX = "leefgebied_"


@dataclass(frozen=True)
class Field:
    """One column of an extract table."""

    name: str
    type: str  # Frictionless: string, integer, number, boolean, date
    nl: str
    en: str
    codes: tuple[tuple[Any, str, str], ...] | None = None  # (value, Dutch label, English label)
    code_list: str | None = None
    pseudonym: bool = False
    required: bool = False
    ordinal: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    nl: str
    en: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _labels(name: str) -> tuple[tuple[Any, str, str], ...]:
    return tuple((code, nl, en) for code, (nl, en) in schema.CODE_LABELS[name].items())


def _person_field(nl: str = "pseudoniem van de persoon", en: str = "pseudonym of the person") -> Field:
    return Field(
        PERSON_COLUMN,
        "string",
        f"{nl}: {PSEUDONYM_NL}",
        f"{en}: {PSEUDONYM_EN}",
        pseudonym=True,
        required=True,
    )


def _gemeente_field(gemeenten: Mapping[str, str], nl: str, en: str) -> Field:
    codes = tuple((code, name, name) for code, name in sorted(gemeenten.items()))
    return Field(
        "gemeentecode", "string", nl, en, codes=codes or None, code_list="gemeente" if codes else None
    )


def _schema_field(table: str, column: str, gemeenten: Mapping[str, str]) -> Field:
    col = schema.TABLES[table].column(column)
    nl, en = schema.COLUMN_TEXT[table][column]
    if column == "gemeentecode":
        return _gemeente_field(gemeenten, nl, en)
    kind = col.kind
    list_name = schema.code_list_name(table, column)
    codes = None
    if list_name:
        codes = _labels(list_name)
        if kind == schema.INT:
            codes = tuple((int(c), a, b) for c, a, b in codes)
    return Field(
        column,
        _TYPES[kind],
        nl,
        en,
        codes=codes,
        code_list=list_name,
        required=col.required,
        ordinal=(table, column) in schema.SCALES,
    )


def extract_fields(table: str, gemeenten: Mapping[str, str]) -> TableSpec:
    """The columns of one extract table, in the order the extract writes them."""
    if table == "spells":
        return _spells_spec()
    if table == "inwoners":
        return TableSpec(
            "inwoners",
            *_TABLE_TEXT_EXTRA["inwoners"],
            fields=(
                _gemeente_field(gemeenten, "CBS-code van de gemeente", "CBS code of the municipality"),
                Field(
                    "jaar", "integer", "jaar (stand op 1 januari)", "year (count on 1 January)", required=True
                ),
                Field(
                    "inwoners_18plus",
                    "integer",
                    "inwoners van 18 jaar en ouder",
                    "inhabitants aged 18 and over",
                ),
            ),
            primary_key=("gemeentecode", "jaar"),
        )
    nl, en = schema.TABLE_TEXT[table]
    fields: list[Field] = []
    for column in schema.TABLES[table].clean_schema():
        if column == PERSON_COLUMN:
            fields.append(_person_field())
        elif (table, column) in REKEYED:
            _, new = REKEYED[(table, column)]
            cnl, cen = schema.COLUMN_TEXT[table][column]
            if column.endswith("_kvk"):
                cnl, cen = (
                    cnl.replace("KvK-nummer van de", "").strip(),
                    cen.replace("Chamber of Commerce number of the", "").strip(),
                )
            fields.append(
                Field(
                    new,
                    "string",
                    f"{cnl}: {PSEUDONYM_NL}",
                    f"{cen}: {PSEUDONYM_EN}",
                    pseudonym=True,
                    required=schema.TABLES[table].column(column).required,
                )
            )
        elif (table, column) == ("personen", "geboortedatum"):
            fields.append(
                Field(
                    "geboortejaar",
                    "integer",
                    "geboortejaar; leeg waar het is vergroofd tot een klasse van 5 jaar "
                    "(zie geboortejaar_klasse en de k-anonimiteit)",
                    "year of birth; empty where it was coarsened to a 5-year band (see geboortejaar_klasse)",
                )
            )
            fields.append(
                Field(
                    "geboortejaar_klasse",
                    "integer",
                    "eerste jaar van de klasse van 5 geboortejaren (1985 = 1985-1989)",
                    "first year of the 5-year birth-year band (1985 = 1985-1989)",
                    required=True,
                    ordinal=True,
                )
            )
        elif (table, column) == ("personen", "datum_verblijfsvergunning"):
            fields.append(
                Field(
                    "jaar_verblijfsvergunning",
                    "integer",
                    "jaar van de verblijfsvergunning",
                    "year of the residence permit",
                )
            )
        elif (table, column) == ("contactmomenten", "leefgebieden"):
            for code, label_nl, label_en in _labels("leefgebieden"):
                fields.append(
                    Field(
                        f"{LEEFGEBIED_PREFIX}{code}",
                        "boolean",
                        f"leefgebied {label_nl} besproken (leeg: niet vastgelegd)",
                        f"life domain {label_en} discussed (empty: not recorded)",
                    )
                )
        elif (table, column) in DROPPED:
            continue
        else:
            fields.append(_schema_field(table, column, gemeenten))
    keys = {
        "personen": (PERSON_COLUMN,),
        "contactmomenten": ("contact_id",),
        "voorzieningen": ("voorziening_id",),
        "medewerkers": ("medewerker",),
    }
    return TableSpec(table, nl, en, tuple(fields), primary_key=keys.get(table, ()))


def _spells_spec() -> TableSpec:
    reason = _labels("reden_beeindiging")
    return TableSpec(
        "spells",
        *_TABLE_TEXT_EXTRA["spells"],
        fields=(
            _person_field(),
            Field(
                "spell",
                "integer",
                "volgnummer van de spell van deze persoon (1 = de eerste in de levering)",
                "sequence number of this person's spell (1 = the first in the delivery)",
                required=True,
            ),
            Field(
                "aanvangsdatum",
                "date",
                "eerste dag van de samengevoegde periode",
                "first day of the merged spell",
                required=True,
            ),
            Field("einddatum", "date", "laatste dag; leeg = loopt nog", "last day; empty = still running"),
            Field(
                "reden_beeindiging",
                "string",
                "reden van beëindiging van de periode die het laatst eindigt",
                "reason for ending of the period that ends last",
                codes=reason,
                code_list="reden_beeindiging",
            ),
            Field(
                "redengroep",
                "string",
                "groep van de reden zoals de kengetallen hem gebruiken; leeg = loopt nog",
                "reason group as the KPIs use it; empty = still running",
                codes=tuple((k, a, b) for k, (a, b) in REDENGROEP_LABELS.items()),
                code_list="redengroep",
            ),
            Field(
                "perioden",
                "integer",
                "aantal uitkeringsperiodes in deze spell",
                "number of benefit periods in this spell",
                required=True,
            ),
        ),
        primary_key=(PERSON_COLUMN, "spell"),
    )


def extract_specs(tables: list[str], gemeenten: Mapping[str, str]) -> dict[str, TableSpec]:
    return {t: extract_fields(t, gemeenten) for t in tables}


# --------------------------------------------------------------------------- Frictionless


def foreign_keys(table: str, present: list[str], medewerkers_complete: bool) -> list[dict]:
    """References between tables (persons always; staff only where every id is in `medewerkers`)."""
    keys = []
    if table not in ("levering", "personen", "medewerkers", "inwoners"):
        keys.append(
            {"fields": [PERSON_COLUMN], "reference": {"resource": "personen", "fields": [PERSON_COLUMN]}}
        )
    if "medewerkers" in present and medewerkers_complete:
        column = {"personen": "klantmanager", "contactmomenten": "medewerker"}.get(table)
        if column:
            keys.append(
                {"fields": [column], "reference": {"resource": "medewerkers", "fields": ["medewerker"]}}
            )
    return keys


def field_descriptor(field: Field) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": field.name,
        "type": field.type,
        "description": field.nl,
        "description_en": field.en,
    }
    constraints: dict[str, Any] = {}
    if field.required:
        constraints["required"] = True
    if field.pseudonym:
        constraints["pattern"] = "[0-9a-f]{64}"
    if field.codes and field.code_list != "gemeente":
        constraints["enum"] = [c for c, _, _ in field.codes]
    if field.codes:
        out["categories"] = [{"value": c, "label": nl, "label_en": en} for c, nl, en in field.codes]
        if field.ordinal:
            out["categoriesOrdered"] = True
    if field.type == "boolean":
        out["trueValues"], out["falseValues"] = ["true"], ["false"]
    if field.type == "date":
        out["format"] = "default"
    if constraints:
        out["constraints"] = constraints
    return out


def datapackage(
    specs: Mapping[str, TableSpec],
    files: Mapping[str, dict],
    meta: Mapping[str, Any],
    medewerkers_complete: bool,
) -> dict[str, Any]:
    """The Frictionless Data Package of the extract's CSV files (other formats named per resource)."""
    present = list(specs)
    resources = []
    for name, spec in specs.items():
        info = files[name]
        table_schema: dict[str, Any] = {
            "fields": [field_descriptor(f) for f in spec.fields],
            "missingValues": [""],
        }
        if spec.primary_key:
            table_schema["primaryKey"] = list(spec.primary_key)
        fks = foreign_keys(name, present, medewerkers_complete)
        if fks:
            table_schema["foreignKeys"] = fks
        resources.append(
            {
                "name": name,
                "path": info["csv"],
                "profile": "tabular-data-resource",
                "title": name,
                "description": spec.nl,
                "description_en": spec.en,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "header": True},
                "hash": f"sha256:{info['csv_sha256']}",
                "bytes": info["csv_bytes"],
                "rows": info["rows"],
                "schema": table_schema,
                "formaten": {k: v for k, v in info.items() if k in ("parquet", "spss", "stata")},
            }
        )
    project = meta["project"]
    return {
        "profile": "tabular-data-package",
        "name": f"participatie-onderzoeksbestand-{project}",
        "title": f"Onderzoeksbestand {project} - {meta['organisatie']}, levering {meta['extractiedatum']}",
        "description": (
            "Gepseudonimiseerd en geminimaliseerd onderzoeksbestand uit de Participatiewet-gegevens van "
            f"{meta['organisatie']}, alleen voor onderzoeksproject {project}. Zie codeboek.html."
        ),
        "description_en": (
            "Pseudonymised, minimised research extract of Participation Act data of "
            f"{meta['organisatie']}, for research project {project} only. See codeboek.html."
        ),
        "version": meta["extractiedatum"],
        "created": meta["gemaakt_op"],
        "keywords": ["Participatiewet", "bijstand", "onderzoeksbestand", project],
        "licenses": [
            {
                "name": "other-closed",
                "title": f"Alleen voor onderzoeksproject {project}, onder de afspraken "
                "met de organisatie; niet doorgeven, niet koppelen met bestanden van andere projecten",
            }
        ],
        "resources": resources,
        "participatie": {
            "project": project,
            "organisatie": meta["organisatie"],
            "extractiedatum": meta["extractiedatum"],
            "gegevens_vanaf": meta["gegevens_vanaf"],
            "vanaf": meta.get("vanaf"),
            "definitieversie": meta.get("definitieversie"),
            "codeversie": meta.get("codeversie"),
            "projectsleutel_vingerafdruk": meta["projectsleutel_vingerafdruk"],
            "spells": meta["spells"],
            "kanonimiteit": meta["kanonimiteit"],
            "weggelaten": [
                {"tabel": t, "kolom": c, "reden": r} for (t, c), r in DROPPED.items() if t in specs
            ],
        },
    }


# --------------------------------------------------------------------------- codeboek.html


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _table(header: list[str], rows: list[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


R_LINES = (
    'library(arrow)   # install.packages("arrow"); of read.csv voor csv/',
    'personen <- read_parquet("parquet/personen.parquet")',
    'spells <- read.csv("csv/spells.csv", colClasses = "character")   # codes als tekst: "01" blijft "01"',
)
PYTHON_LINES = ("import polars as pl", 'personen = pl.read_parquet("parquet/personen.parquet")')


def codebook_html(
    specs: Mapping[str, TableSpec],
    meta: Mapping[str, Any],
    numeric_codes: Mapping[tuple[str, str], dict],
    kreport: list[dict],
    files: Mapping[str, dict],
) -> str:
    """The readable codebook: one offline page in the style of the reports, all data text escaped."""
    project, org = meta["project"], meta["organisatie"]
    k = meta["kanonimiteit"]
    parts = [f"<h1>Codeboek onderzoeksbestand {_e(project)}</h1>"]
    version = meta.get("codeversie") or {}
    limited = f", beperkt tot gegevens vanaf {_e(meta['vanaf'])}" if meta.get("vanaf") else ""
    commit = f" (commit {_e(version['git_commit'][:12])})" if version.get("git_commit") else ""
    parts.append(
        f"<p>{_e(org)}, levering met extractiedatum {_e(meta['extractiedatum'])} (gegevens volledig vanaf "
        f"{_e(meta['gegevens_vanaf'])}){limited}. Gemaakt op {_e(meta['gemaakt_op'])} met participatie "
        f"{_e(version.get('pakket'))}{commit}; definities van de kengetallen versie "
        f"{_e(meta.get('definitieversie') or 'onbekend')}.</p>"
    )
    nav = "".join(f'<li><a href="#tabel-{_e(n)}">{_e(n)}</a> - {_e(s.nl)}</li>' for n, s in specs.items())
    parts.append(f'<ul class="secties">{nav}</ul>')

    parts.append("<h2>Hoe dit bestand is gemaakt</h2><ul>")
    parts.append(
        "<li><strong>Pseudoniemen per project.</strong> Elk "
        "pseudoniem van een persoon is HMAC-SHA256(projectsleutel, "
        "pseudoniem in de schone gegevens); medewerkers, uitkeringen, "
        "contacten, voorzieningen en werkgevers zijn op "
        "dezelfde manier opnieuw gesleuteld. Twee projecten "
        "kunnen hun bestanden daardoor niet koppelen; hetzelfde "
        f"project krijgt elk kwartaal dezelfde pseudoniemen (vingerafdruk van de projectsleutel: "
        f"<code>{_e(meta['projectsleutel_vingerafdruk'])}</code>, nooit de sleutel zelf).</li>"
    )
    dropped = "".join(
        f"<li><code>{_e(t)}.{_e(c)}</code>: {_e(r)}</li>" for (t, c), r in DROPPED.items() if t in specs
    )
    parts.append(f"<li><strong>Minimalisatie.</strong> Weggelaten of vervangen:<ul>{dropped}</ul></li>")
    sp = meta["spells"]
    parts.append(
        "<li><strong>Spells.</strong> Uitkeringsperiodes van de "
        f"regelingen {_e(', '.join(sp['regelingen']))} zijn per "
        "persoon samengevoegd wanneer de volgende ten hoogste "
        f"{_e(sp['gap_days'])} dagen na het einde van de vorige "
        "begint, precies zoals de kengetallen tellen "
        "(docs/definities.md, 'Regelingen en uitkeringsperiodes'). "
        "De ruwe periodes staan ernaast in <code>uitkeringen</code>.</li>"
    )
    if meta.get("vanaf"):
        parts.append(
            f"<li><strong>Vanaf {_e(meta['vanaf'])}.</strong> "
            "Periodes die daarvoor eindigden en gebeurtenissen van "
            "daarvoor zijn weggelaten; <code>levering.gegevens_vanaf</code> "
            "is daarop aangepast. Spells houden hun "
            "volledige begin en hun volgnummer.</li>"
        )
    parts.append("</ul>")

    parts.append("<h2>Inlezen</h2>")
    fmt_rows = [
        [
            "CSV (UTF-8, komma, punt als decimaalteken, datums JJJJ-MM-DD, leeg = ontbreekt)",
            "<code>csv/</code>",
            "beschreven in <code>datapackage.json</code> (Frictionless Data Package)",
        ],
        ["Parquet", "<code>parquet/</code>", "zelfde kolommen en typen als de CSV"],
        [
            "SPSS (.sav)",
            "<code>spss/</code>",
            "codes als getallen met waardelabels, variabelelabels in het Nederlands",
        ],
        ["Stata (.dta)", "<code>stata/</code>", "codes als getallen met waardelabels"],
    ]
    parts.append(_table(["formaat", "map", "bijzonderheden"], fmt_rows))
    parts.append("<p>R (drie regels):</p><pre>" + _e("\n".join(R_LINES)) + "</pre>")
    parts.append("<p>Python:</p><pre>" + _e("\n".join(PYTHON_LINES)) + "</pre>")
    parts.append(
        "<p>In SPSS en Stata zijn codes getallen; de tabellen hieronder geven per code het getal "
        "(kolom <em>SPSS/Stata</em>) naast de code in CSV en parquet. Ja/nee is 1/0.</p>"
    )

    parts.append("<h2>Privacy en k-anonimiteit</h2>")
    parts.append(
        f"<p>Quasi-identificatoren: {_e(', '.join(k['quasi_identificatoren']))} "
        "(leefvorm: van de laatste uitkeringsperiode). "
        f"Een klasse is een groep personen met dezelfde waarden op alle vijf; een klasse kleiner dan "
        f"{_e(k['min_cell'])} (de minimale celgrootte van de organisatie) kan iemand herkenbaar maken.</p>"
    )
    parts.append(
        f"<p><strong>Vergroofd:</strong> in {_e(k['cellen_vergroofd'])} cellen (een klasse van "
        f"{_e(k['bandbreedte_jaren'])} geboortejaren binnen "
        "een combinatie van geslacht, gemeente, leefvorm en "
        f"migratieachtergrond) had een klasse minder dan {_e(k['min_cell'])} personen. Voor alle "
        f"{_e(k['personen_geboortejaar_vergroofd'])} personen "
        "in die cellen is <code>geboortejaar</code> leeg en "
        f"staat alleen <code>geboortejaar_klasse</code>; elders staat het exacte geboortejaar.</p>"
    )
    krows = [[_e(r["fase"]), _e(r["klassegrootte"]), _e(r["klassen"]), _e(r["personen"])] for r in kreport]
    parts.append(_table(["fase", "klassegrootte", "klassen", "personen"], krows))
    parts.append(
        f"<p>Na vergroving blijven {_e(k['kleine_klassen_na'])} kleine klassen over met samen "
        f"{_e(k['personen_in_kleine_klassen_na'])} personen (van {_e(k['personen'])}). "
        "Alleen aantallen staan hier, nooit de waarden. Publiceer "
        "uitkomsten alleen met onderdrukking van kleine "
        "aantallen (zoals de publicaties van de suite), probeer "
        "niemand te herkennen en koppel dit bestand niet aan "
        "bestanden van andere projecten. Ook <code>kanonimiteit.csv</code> bevat deze telling.</p>"
    )

    parts.append("<h2>Tabellen</h2>")
    lists: dict[str, tuple[Field, str]] = {}
    for name, spec in specs.items():
        info = files.get(name, {})
        parts.append(f'<h3 id="tabel-{_e(name)}">{_e(name)}</h3>')
        parts.append(
            f"<p>{_e(spec.nl)}<br><em>{_e(spec.en)}</em><br>Aantal regels: {_e(info.get('rows'))}"
            f"{'; sleutel: ' + _e(', '.join(spec.primary_key)) if spec.primary_key else ''}.</p>"
        )
        rows = []
        for f in spec.fields:
            codes = ""
            if f.codes:
                list_id = f.code_list or f"{name}-{f.name}"
                lists.setdefault(list_id, (f, name))
                codes = f'<a href="#codes-{_e(list_id)}">{_e(list_id)}</a>'
            rows.append([f"<code>{_e(f.name)}</code>", _e(f.type), _e(f.nl), f"<em>{_e(f.en)}</em>", codes])
        parts.append(_table(["kolom", "type", "omschrijving", "description", "codelijst"], rows, "kolommen"))

    parts.append("<h2>Codelijsten</h2>")
    for list_id, (f, table) in lists.items():
        numeric = numeric_codes.get((table, f.name), {})
        parts.append(f'<h3 id="codes-{_e(list_id)}">{_e(list_id)}</h3>')
        rows = [
            [f"<code>{_e(c)}</code>", _e(numeric.get(c, c)), _e(nl), f"<em>{_e(en)}</em>"]
            for c, nl, en in f.codes or ()
        ]
        parts.append(_table(["code", "SPSS/Stata", "label", "label (English)"], rows))

    parts.append("<h2>Verantwoording</h2>")
    parts.append(
        "<p><code>manifest.json</code> bevat de hashes (SHA-256) van de gelezen schone bestanden en van elk "
        "bestand hier, de code- en definitieversie, de "
        "projectnaam, de vingerafdruk van de projectsleutel en de "
        "regelaantallen. Met dezelfde schone gegevens, dezelfde "
        "projectsleutel en dezelfde parameters geeft de "
        "suite dezelfde tabellen.</p>"
    )
    body = "\n".join(parts)
    css = (TEMPLATES / "style.css").read_text(encoding="utf-8") + (
        "\nth, td { text-align: left; vertical-align: top; }\nh3 { margin-top: 1.6rem; }\n"
    )
    return Template((TEMPLATES / "page.html").read_text(encoding="utf-8")).substitute(
        title=_e(f"Codeboek onderzoeksbestand {project}"),
        css=css,
        organisatie=_e(org),
        kwartaal=_e(f"onderzoeksproject {project}"),
        nav="",
        body=body,
        footer=_e(
            f"participatie - codeboek van het onderzoeksbestand {project}, gemaakt {meta['gemaakt_op']}"
        ),
        scripts="",
    )


def write_json(data: Any, path: Path) -> Path:
    path.write_text(
        json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n", encoding="utf-8"
    )
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
