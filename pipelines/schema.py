"""The standard export ("participatie-export", version 1) as data.

One description of every table serves the generator (what to write), the reader
(how to parse), the Great Expectations suites (what to check) and the clean parquet
layout (what the KPI engine reads). See ../shared/spec/export-format.md.

Clean tables keep the export's column names and order, with two changes:
`bsn` is replaced by `persoon` (a keyed pseudonym, see `pipelines.ingest.pseudonym`), and
values are typed (dates as `pl.Date`, `maand` as the first day of the month, ja/nee as
`pl.Boolean`, `leefgebieden` as a list of strings, codes as strings in their canonical
spelling: `regeling` `01`, `geslacht` `1`/`2`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

#: The column that carries the pseudonym in clean data, in place of `bsn`.
PERSON_COLUMN = "persoon"

# Column kinds: how a cell is written in an export and parsed by the reader.
BSN = "bsn"  # nine digits, leading zeros kept, elfproef
TEXT = "text"
DATE = "date"  # YYYY-MM-DD, YYYYMMDD or DD-MM-YYYY, one style per column
MONTH = "month"  # YYYY-MM or YYYYMM
CODE = "code"  # string from a closed list (or fixed-width digits)
JANEE = "janee"  # ja/nee
INT = "int"
DECIMAL = "decimal"  # '.' or ',' as decimal separator
LIST = "list"  # '|'-separated subset of a code list


@dataclass(frozen=True)
class Column:
    """One column of the standard export."""

    name: str
    kind: str
    required: bool = False
    codes: tuple[str, ...] | None = None
    width: int | None = None  # numeric codes are zero-padded to this width (`1` -> `01`)
    minimum: float | None = None
    minimum_exclusive: bool = False  # `> minimum` rather than `>= minimum`
    maximum: float | None = None
    maximum_exclusive: bool = False
    unique: bool = False
    aliases: tuple[tuple[str, str], ...] = ()  # accepted spellings mapped onto a code (`M` -> `1`)

    def clean_dtype(self) -> pl.DataType:
        return CLEAN_DTYPES[self.kind]


@dataclass(frozen=True)
class Table:
    """One table (file) of the standard export."""

    name: str
    columns: tuple[Column, ...]
    required: bool = False

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} heeft geen kolom {name!r}")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def has_bsn(self) -> bool:
        return any(c.kind == BSN for c in self.columns)

    def clean_schema(self) -> dict[str, pl.DataType]:
        """Column names and dtypes of the clean (pseudonymised, typed) table."""
        return {(PERSON_COLUMN if c.kind == BSN else c.name): c.clean_dtype() for c in self.columns}


CLEAN_DTYPES: dict[str, pl.DataType] = {
    BSN: pl.String(),
    TEXT: pl.String(),
    DATE: pl.Date(),
    MONTH: pl.Date(),
    CODE: pl.String(),
    JANEE: pl.Boolean(),
    INT: pl.Int64(),
    DECIMAL: pl.Float64(),
    LIST: pl.List(pl.String()),
}

# Code lists, in the spelling of the spec.
SOFTWAREPAKKET = ("gws", "soc", "sam", "and")
GESLACHT = ("1", "2")
MIGRATIEACHTERGROND = ("nederlands", "westers", "niet_westers", "onbekend")
REGELING = ("01", "02", "03", "11", "12", "14")
LEEFVORM = ("1", "2", "3", "4")
HUISVESTING = ("1", "2", "3", "4", "5", "6")
REDEN_BEEINDIGING = (
    "01",
    "02",
    "03",
    "04",
    "05",
    "06",
    "07",
    "11",
    "13",
    "14",
    "15",
    "17",
    "18",
    "19",
    "31",
    "32",
    "33",
    "34",
    "35",
    "97",
    "98",
)
ONTHEFFING = ("2", "4", "5", "6")
SOORT_INKOMSTEN = ("11", "18", "23", "24", "31", "98")
PERSPECTIEF = ("werken", "werken_aan", "meedoen")
CONTACT_SOORT = (
    "fip",
    "intake",
    "heronderzoek",
    "huisbezoek",
    "telefonisch",
    "groepsbijeenkomst",
    "overig",
)
LEEFGEBIEDEN = (
    "financien",
    "werk_opleiding",
    "huisvesting",
    "gezondheid",
    "sociaal_netwerk",
    "dagbesteding",
)
VOORZIENING_SOORT = (
    "lks",
    "lks_forfaitair",
    "beschut_werk",
    "ontwikkelbaan",
    "jobcoach",
    "proefplaatsing",
    "werkervaringsplaats",
    "participatieplaats",
    "work_first",
    "training",
    "leerwerktraject",
    "schuldhulpverlening",
    "ggz",
    "verslavingszorg",
    "maatschappelijk_werk",
    "vrijwilligerswerk",
    "tegenprestatie",
    "dagbesteding",
    "meedoen",
    "overig",
)
REDEN_EINDE = ("1", "2", "3")
WERKGEVER_SOORT = ("regulier", "overheid", "sw_bedrijf")
INDICATIE = ("banenafspraak", "beschut", "geen")
JOBCOACH_REGIME = ("zeer_licht", "licht", "midden", "intensief")
ZRM_DOMEIN = (
    "financien",
    "werk_opleiding",
    "tijdsbesteding",
    "huisvesting",
    "huiselijke_relaties",
    "geestelijke_gezondheid",
    "lichamelijke_gezondheid",
    "middelengebruik",
    "basale_adl",
    "instrumentele_adl",
    "sociaal_netwerk",
    "maatschappelijke_participatie",
    "justitie",
)
FUNCTIE = ("klantmanager", "werkconsulent", "jobcoach", "aandachtcoach", "overig")

#: Provisions that need employer fields, and those that are wage-cost subsidies.
LKS_SOORTEN = ("lks", "lks_forfaitair")
WERKGEVER_SOORTEN = ("lks", "lks_forfaitair", "beschut_werk", "ontwikkelbaan")


def _bsn(required: bool = True) -> Column:
    return Column("bsn", BSN, required=required)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "levering",
            (
                Column("organisatie", TEXT, required=True),
                Column("softwarepakket", CODE, codes=SOFTWAREPAKKET),
                Column("extractiedatum", DATE, required=True),
                Column("gegevens_vanaf", DATE, required=True),
            ),
            required=True,
        ),
        Table(
            "personen",
            (
                Column("bsn", BSN, required=True, unique=True),
                Column("clientnummer", TEXT),
                Column("geboortedatum", DATE, required=True),
                Column("geslacht", CODE, codes=GESLACHT, aliases=(("M", "1"), ("V", "2"))),
                Column("gemeentecode", CODE, required=True, width=4),
                Column("migratieachtergrond", CODE, codes=MIGRATIEACHTERGROND),
                Column("statushouder", JANEE),
                Column("datum_verblijfsvergunning", DATE),
                Column("doelgroepregister", JANEE),
                Column("kinderen_ten_laste", INT, minimum=0),
                Column("klantmanager", TEXT),
            ),
            required=True,
        ),
        Table(
            "uitkeringen",
            (
                Column("registratienummer", TEXT, required=True),
                _bsn(),
                Column("regeling", CODE, required=True, codes=REGELING, width=2),
                Column("leefvorm", CODE, codes=LEEFVORM),
                Column("huisvesting", CODE, codes=HUISVESTING),
                Column("aanvangsdatum", DATE, required=True),
                Column("einddatum", DATE),
                Column("reden_beeindiging", CODE, codes=REDEN_BEEINDIGING, width=2),
                Column("ontheffing", CODE, codes=ONTHEFFING),
                Column("einddatum_ontheffing", DATE),
            ),
            required=True,
        ),
        Table(
            "inkomsten",
            (
                _bsn(),
                Column("maand", MONTH, required=True),
                Column("soort_inkomsten", CODE, required=True, codes=SOORT_INKOMSTEN, width=2),
                Column("bedrag", DECIMAL, required=True, minimum=0),
            ),
        ),
        Table(
            "klantbeeld",
            (
                _bsn(),
                Column("ingangsdatum", DATE, required=True),
                Column("einddatum", DATE),
                Column("perspectief", CODE, required=True, codes=PERSPECTIEF),
                Column("trede", INT, minimum=1, maximum=6),
                Column("duurzaam_vrijgesteld", JANEE),
            ),
        ),
        Table(
            "contactmomenten",
            (
                Column("contact_id", TEXT, required=True, unique=True),
                _bsn(),
                Column("datum", DATE, required=True),
                Column("soort", CODE, required=True, codes=CONTACT_SOORT),
                Column("medewerker", TEXT),
                Column("leefgebieden", LIST, codes=LEEFGEBIEDEN),
                Column("vervolgafspraak", JANEE),
            ),
        ),
        Table(
            "voorzieningen",
            (
                Column("voorziening_id", TEXT, required=True, unique=True),
                _bsn(),
                Column("soort", CODE, required=True, codes=VOORZIENING_SOORT),
                Column("begindatum", DATE, required=True),
                Column("einddatum", DATE),
                Column("reden_einde", CODE, codes=REDEN_EINDE),
                Column("loonwaarde_pct", DECIMAL, minimum=0, maximum=100, maximum_exclusive=True),
                Column("werkgever_kvk", CODE, width=8),
                Column("werkgever_soort", CODE, codes=WERKGEVER_SOORT),
                Column("indicatie", CODE, codes=INDICATIE),
                Column("inlener_kvk", CODE, width=8),
                Column("jobcoach_regime", CODE, codes=JOBCOACH_REGIME),
                Column("aanbieder", TEXT),
                Column("kosten", DECIMAL, minimum=0),
            ),
        ),
        Table(
            "zrm",
            (
                _bsn(),
                Column("datum", DATE, required=True),
                Column("domein", CODE, required=True, codes=ZRM_DOMEIN),
                Column("score", INT, required=True, minimum=1, maximum=5),
            ),
        ),
        Table(
            "beloningen",
            (
                _bsn(),
                Column("datum", DATE, required=True),
                Column("bedrag", DECIMAL, required=True, minimum=0, minimum_exclusive=True),
                Column("stap", TEXT),
            ),
        ),
        Table(
            "medewerkers",
            (
                Column("medewerker", TEXT, required=True, unique=True),
                Column("functie", CODE, required=True, codes=FUNCTIE),
                Column("fte", DECIMAL, required=True, minimum=0, minimum_exclusive=True, maximum=1.2),
            ),
        ),
    )
}

#: Tables in the order the export format lists them (and the reader reports them).
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)
REQUIRED_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if t.required)


def clean_schema(table: str) -> dict[str, pl.DataType]:
    """Dtypes of a clean table by name."""
    return TABLES[table].clean_schema()


def empty_clean_frame(table: str) -> pl.DataFrame:
    """An empty clean table with the right columns and dtypes (for tests and absent tables)."""
    return pl.DataFrame(schema=clean_schema(table))


#: Identifiers of validation rules (`controle` in afwijzingen.csv), shared by the validator
#: and the generator's fault list, with the Dutch wording reports use.
RULES: dict[str, str] = {
    "kolom_ontbreekt": "verplichte kolom ontbreekt",
    "type": "waarde heeft niet het verwachte type (datum, getal, maand)",
    "verplicht": "verplichte waarde ontbreekt",
    "codelijst": "code komt niet voor in de codelijst",
    "elfproef": "BSN voldoet niet aan de elfproef",
    "bereik": "waarde buiten het toegestane bereik",
    "datumvolgorde": "einddatum ligt voor de begindatum",
    "reden_bij_einde": "reden van beëindiging is verplicht precies wanneer de einddatum is gevuld",
    "alleen_bij": "veld mag alleen gevuld zijn in combinatie met een ander veld",
    "lks_velden": "voor loonkostensubsidie zijn loonwaarde, werkgever en indicatie verplicht",
    "werkgever_velden": "werkgever (kvk en soort) verplicht voor deze voorziening",
    "leeftijd": "leeftijd op de extractiedatum buiten 15-110 jaar",
    "na_extractiedatum": "datum ligt na de extractiedatum",
    "uniek": "sleutel komt vaker voor met verschillende inhoud",
    "dubbel": "exacte dubbele regel (eerste exemplaar behouden)",
    "overlap": "periodes van dezelfde persoon overlappen",
    "onbekende_persoon": "BSN komt niet voor in personen",
    "afgewezen_persoon": "persoon is zelf afgewezen",
    "aantal_regels": "tabel heeft niet het verwachte aantal regels",
}
