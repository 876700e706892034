"""The standard export ("participatie-export", version 1) as data.

One description of every table serves the generator (what to write), the reader
(how to parse), the Great Expectations suites (what to check) and the clean parquet
layout (what the KPI engine reads). See docs/inlezen.md.

Clean tables keep the export's column names and order, with three changes:
`bsn` is replaced by `persoon` (a keyed pseudonym, see `pipelines.ingest.pseudonym`); a direct
identifier or free text that no figure needs (`clientnummer`, `aanbieder`, `stap`: `clean=False`)
is validated but never written; and values are typed (dates as `pl.Date`, `maand` as the first
day of the month, ja/nee as `pl.Boolean`, `leefgebieden` as a list of strings, codes as strings in
their canonical spelling: `regeling` `01`, `geslacht` `1`/`2`).
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
    #: False for a direct identifier or free text that no figure needs: validated, never written clean.
    clean: bool = True

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
        return {
            (PERSON_COLUMN if c.kind == BSN else c.name): c.clean_dtype() for c in self.columns if c.clean
        }


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
                Column("clientnummer", TEXT, clean=False),
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
                Column("aanbieder", TEXT, clean=False),
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
                Column("stap", TEXT, clean=False),
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


# --- Labels and descriptions (codebooks, value labels) --------------------------------------------
# Dutch first, English second: the research codebook (`pipelines.research.codebook`) shows both, and
# SPSS/Stata files carry the Dutch label. Wording follows ../shared/spec/export-format.md.

#: Code list name -> code -> (Dutch label, English label). `trede` and `zrm_score` are integer scales.
CODE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "softwarepakket": {
        "gws": ("pakketcode gws (GWS4all/Suite4)", "package code gws (GWS4all/Suite4)"),
        "soc": ("pakketcode soc", "package code soc"),
        "sam": ("pakketcode sam", "package code sam"),
        "and": ("pakketcode and (ander pakket)", "package code and (other package)"),
    },
    "geslacht": {"1": ("man", "male"), "2": ("vrouw", "female")},
    "migratieachtergrond": {
        "nederlands": ("Nederlandse achtergrond", "Dutch background"),
        "westers": ("westerse migratieachtergrond", "Western migration background"),
        "niet_westers": ("niet-westerse migratieachtergrond", "non-Western migration background"),
        "onbekend": ("onbekend", "unknown"),
    },
    "regeling": {
        "01": ("algemene bijstand (Participatiewet)", "general social assistance (Participation Act)"),
        "02": ("IOAW", "IOAW (older and partially disabled unemployed)"),
        "03": ("IOAZ", "IOAZ (older and partially disabled former self-employed)"),
        "11": ("bijzondere bijstand", "special assistance"),
        "12": ("bijzondere bijstand (overig)", "special assistance (other)"),
        "14": ("Bbz (zelfstandigen)", "Bbz (self-employed)"),
    },
    "leefvorm": {
        "1": ("alleenstaande", "single"),
        "2": ("alleenstaande ouder", "single parent"),
        "3": ("gehuwd of samenwonend", "married or cohabiting"),
        "4": ("anders", "other"),
    },
    "huisvesting": {
        "1": ("huurder", "tenant"),
        "2": ("eigenaar", "owner-occupier"),
        "3": ("inwonend", "living in"),
        "4": ("in inrichting", "in an institution"),
        "5": ("adresloos", "without address"),
        "6": ("geen vaste woon- of verblijfplaats", "no fixed abode"),
    },
    "reden_beeindiging": {
        "01": ("onderwijs met studiefinanciering", "education with student finance"),
        "02": ("relatie", "relationship"),
        "03": ("AOW-leeftijd bereikt", "state pension age reached"),
        "04": ("overlijden", "death"),
        "05": ("detentie", "detention"),
        "06": ("kan onderwijs volgen maar doet het niet", "could follow education but does not"),
        "07": ("verblijf in het buitenland", "stay abroad"),
        "11": ("arbeid in dienstbetrekking", "employment"),
        "13": ("zelfstandig beroep of bedrijf", "self-employment"),
        "14": ("WW-uitkering", "unemployment benefit (WW)"),
        "15": ("arbeidsongeschiktheidsuitkering", "disability benefit"),
        "17": ("alimentatie", "alimony"),
        "18": ("vermogensopbrengsten", "income from assets"),
        "19": ("ander inkomen", "other income"),
        "31": ("geen inlichtingen verstrekt", "no information provided"),
        "32": ("verhuizing binnen Nederland", "moved within the Netherlands"),
        "33": ("verhuizing naar het buitenland", "moved abroad"),
        "34": ("niet verschenen", "did not appear"),
        "35": ("niet verschenen (overig)", "did not appear (other)"),
        "97": ("oorzaak bij de partner", "cause with the partner"),
        "98": ("andere oorzaak", "other cause"),
    },
    "ontheffing": {
        "2": ("geen ontheffing", "no exemption"),
        "4": ("ontheffing art. 9a", "exemption art. 9a"),
        "5": ("ontheffing art. 9 lid 1a", "exemption art. 9(1a)"),
        "6": ("ontheffing art. 9 lid 5", "exemption art. 9(5)"),
    },
    "soort_inkomsten": {
        "11": ("(deeltijd)arbeid in dienstbetrekking", "(part-time) employment"),
        "18": ("vermogen", "assets"),
        "23": ("kinderalimentatie", "child support"),
        "24": ("partneralimentatie", "spousal support"),
        "31": ("heffingskortingen", "tax credits"),
        "98": ("andere inkomsten", "other income"),
    },
    "perspectief": {
        "werken": ("werken", "work"),
        "werken_aan": ("werken aan (ontwikkeling naar werk)", "working towards work"),
        "meedoen": ("meedoen (participatie)", "participation"),
    },
    "contact_soort": {
        "fip": (
            "FIP-gesprek (frequent, intensief, persoonlijk)",
            "FIP conversation (frequent, intensive, personal)",
        ),
        "intake": ("intake", "intake"),
        "heronderzoek": ("heronderzoek", "reassessment"),
        "huisbezoek": ("huisbezoek", "home visit"),
        "telefonisch": ("telefonisch contact", "telephone contact"),
        "groepsbijeenkomst": ("groepsbijeenkomst", "group meeting"),
        "overig": ("overig", "other"),
    },
    "leefgebieden": {
        "financien": ("financiën", "finances"),
        "werk_opleiding": ("werk en opleiding", "work and education"),
        "huisvesting": ("huisvesting", "housing"),
        "gezondheid": ("gezondheid", "health"),
        "sociaal_netwerk": ("sociaal netwerk", "social network"),
        "dagbesteding": ("dagbesteding", "daytime activities"),
    },
    "voorziening_soort": {
        "lks": ("loonkostensubsidie", "wage-cost subsidy"),
        "lks_forfaitair": ("loonkostensubsidie (forfaitair)", "wage-cost subsidy (flat rate)"),
        "beschut_werk": ("beschut werk", "sheltered work"),
        "ontwikkelbaan": ("ontwikkelbaan", "development job"),
        "jobcoach": ("jobcoaching", "job coaching"),
        "proefplaatsing": ("proefplaatsing", "trial placement"),
        "werkervaringsplaats": ("werkervaringsplaats", "work-experience placement"),
        "participatieplaats": ("participatieplaats", "participation placement"),
        "work_first": ("work first", "work first"),
        "training": ("training", "training"),
        "leerwerktraject": ("leerwerktraject", "learning-and-working programme"),
        "schuldhulpverlening": ("schuldhulpverlening", "debt counselling"),
        "ggz": ("geestelijke gezondheidszorg", "mental health care"),
        "verslavingszorg": ("verslavingszorg", "addiction care"),
        "maatschappelijk_werk": ("maatschappelijk werk", "social work"),
        "vrijwilligerswerk": ("vrijwilligerswerk", "volunteering"),
        "tegenprestatie": ("tegenprestatie", "reciprocal service"),
        "dagbesteding": ("dagbesteding", "day care activities"),
        "meedoen": ("Meedoen!-traject", "Meedoen! programme"),
        "overig": ("overig", "other"),
    },
    "reden_einde": {
        "1": ("volledig afgerond", "completed"),
        "2": ("voortijdig gestopt", "stopped early"),
        "3": ("verhuizing, overlijden, detentie of zwangerschap", "move, death, detention or pregnancy"),
    },
    "werkgever_soort": {
        "regulier": ("reguliere werkgever", "regular employer"),
        "overheid": ("overheid", "government"),
        "sw_bedrijf": ("SW-bedrijf", "sheltered-work company"),
    },
    "indicatie": {
        "banenafspraak": ("banenafspraak", "jobs agreement"),
        "beschut": ("beschut werk", "sheltered work"),
        "geen": ("geen indicatie", "no indication"),
    },
    "jobcoach_regime": {
        "zeer_licht": ("zeer licht", "very light"),
        "licht": ("licht", "light"),
        "midden": ("midden", "medium"),
        "intensief": ("intensief", "intensive"),
    },
    "zrm_domein": {
        "financien": ("financiën", "finances"),
        "werk_opleiding": ("werk en opleiding", "work and education"),
        "tijdsbesteding": ("tijdsbesteding", "use of time"),
        "huisvesting": ("huisvesting", "housing"),
        "huiselijke_relaties": ("huiselijke relaties", "domestic relations"),
        "geestelijke_gezondheid": ("geestelijke gezondheid", "mental health"),
        "lichamelijke_gezondheid": ("lichamelijke gezondheid", "physical health"),
        "middelengebruik": ("middelengebruik", "substance use"),
        "basale_adl": ("basale ADL", "basic ADL"),
        "instrumentele_adl": ("instrumentele ADL", "instrumental ADL"),
        "sociaal_netwerk": ("sociaal netwerk", "social network"),
        "maatschappelijke_participatie": ("maatschappelijke participatie", "social participation"),
        "justitie": ("justitie", "justice"),
    },
    "functie": {
        "klantmanager": ("klantmanager", "case manager"),
        "werkconsulent": ("werkconsulent", "employment consultant"),
        "jobcoach": ("jobcoach", "job coach"),
        "aandachtcoach": ("aandachtcoach", "attention coach"),
        "overig": ("overig", "other"),
    },
    "trede": {
        "1": ("geïsoleerd", "isolated"),
        "2": ("sociale contacten buitenshuis", "social contacts outside the home"),
        "3": ("deelname georganiseerde activiteiten", "organised activities"),
        "4": ("onbetaald werk", "unpaid work"),
        "5": ("betaald werk met ondersteuning", "paid work with support"),
        "6": ("betaald werk", "paid work"),
    },
    "zrm_score": {
        "1": ("acute problematiek", "acute problems"),
        "2": ("niet zelfredzaam", "not self-reliant"),
        "3": ("beperkt zelfredzaam", "limited self-reliance"),
        "4": ("voldoende zelfredzaam", "sufficiently self-reliant"),
        "5": ("volledig zelfredzaam", "fully self-reliant"),
    },
}

#: Which code list each code column uses (by identity of the tuple in `Column.codes`).
CODE_LISTS: dict[str, tuple[str, ...]] = {
    "softwarepakket": SOFTWAREPAKKET,
    "geslacht": GESLACHT,
    "migratieachtergrond": MIGRATIEACHTERGROND,
    "regeling": REGELING,
    "leefvorm": LEEFVORM,
    "huisvesting": HUISVESTING,
    "reden_beeindiging": REDEN_BEEINDIGING,
    "ontheffing": ONTHEFFING,
    "soort_inkomsten": SOORT_INKOMSTEN,
    "perspectief": PERSPECTIEF,
    "contact_soort": CONTACT_SOORT,
    "leefgebieden": LEEFGEBIEDEN,
    "voorziening_soort": VOORZIENING_SOORT,
    "reden_einde": REDEN_EINDE,
    "werkgever_soort": WERKGEVER_SOORT,
    "indicatie": INDICATIE,
    "jobcoach_regime": JOBCOACH_REGIME,
    "zrm_domein": ZRM_DOMEIN,
    "functie": FUNCTIE,
}

#: Integer columns whose values are a labelled scale.
SCALES: dict[tuple[str, str], str] = {("klantbeeld", "trede"): "trede", ("zrm", "score"): "zrm_score"}


def code_list_name(table: str, column: str) -> str | None:
    """The name of the code list (or labelled scale) of a column, None for a free column."""
    if (table, column) in SCALES:
        return SCALES[(table, column)]
    if column == PERSON_COLUMN:
        return None
    codes = TABLES[table].column(column).codes
    if codes is None:
        return None
    return next(name for name, values in CODE_LISTS.items() if values is codes)


#: Table -> (Dutch, English) description.
TABLE_TEXT: dict[str, tuple[str, str]] = {
    "levering": ("Gegevens over de levering (één regel)", "About the delivery (one row)"),
    "personen": ("Eén regel per persoon in het klantenbestand", "One row per person in the client register"),
    "uitkeringen": (
        "Uitkeringsperiodes: één regel per persoon per periode (CBS BUS)",
        "Benefit periods: one row per person per period (CBS BUS)",
    ),
    "inkomsten": ("Inkomsten per maand naast de uitkering", "Monthly income next to the benefit"),
    "klantbeeld": (
        "Periodes van perspectief en trede op de participatieladder",
        "Periods of perspective and participation-ladder step",
    ),
    "contactmomenten": ("Gesprekken en bezoeken", "Conversations and visits"),
    "voorzieningen": (
        "Re-integratie- en participatievoorzieningen",
        "Re-integration and participation provisions",
    ),
    "zrm": (
        "Metingen met de Zelfredzaamheidsmatrix, één regel per domein",
        "Self-Sufficiency Matrix measurements, one row per domain",
    ),
    "beloningen": ("Beloningen in de pilot Meedoen!", "Rewards in the Meedoen! pilot"),
    "medewerkers": ("Medewerkers", "Staff"),
}

#: Table -> column -> (Dutch, English) description (clean column names; `persoon` replaces `bsn`).
COLUMN_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "levering": {
        "organisatie": ("de uitvoerende organisatie", "the executing organisation"),
        "softwarepakket": (
            "softwarepakket van de export (CBS BUS veld 5)",
            "software package of the export (CBS BUS field 5)",
        ),
        "extractiedatum": ("datum waarop de export is gemaakt", "date the export was made"),
        "gegevens_vanaf": (
            "eerste datum vanaf welke de gegevens volledig zijn",
            "first date from which the data are complete",
        ),
    },
    "personen": {
        PERSON_COLUMN: ("pseudoniem van de persoon", "pseudonym of the person"),
        "geboortedatum": ("geboortedatum", "date of birth"),
        "geslacht": ("geslacht", "sex"),
        "gemeentecode": ("CBS-code van de woongemeente", "CBS code of the municipality of residence"),
        "migratieachtergrond": ("migratieachtergrond", "migration background"),
        "statushouder": ("statushouder (vergunninghouder)", "holder of a residence permit (refugee status)"),
        "datum_verblijfsvergunning": ("datum van de verblijfsvergunning", "date of the residence permit"),
        "doelgroepregister": (
            "ingeschreven in het doelgroepregister (banenafspraak)",
            "registered in the jobs-agreement target-group register",
        ),
        "kinderen_ten_laste": ("aantal kinderen onder 18 ten laste", "number of dependent children under 18"),
        "klantmanager": ("toegewezen klantmanager", "assigned case manager"),
    },
    "uitkeringen": {
        "registratienummer": (
            "uitkering; partners van een paar delen hem",
            "benefit; both partners of a couple share it",
        ),
        PERSON_COLUMN: ("pseudoniem van de persoon", "pseudonym of the person"),
        "regeling": ("regeling", "benefit scheme"),
        "leefvorm": ("leefvorm (huishoudtype)", "household type"),
        "huisvesting": ("huisvesting", "housing situation"),
        "aanvangsdatum": ("eerste dag van de periode", "first day of the period"),
        "einddatum": (
            "laatste dag van de periode; leeg = loopt nog",
            "last day of the period; empty = still running",
        ),
        "reden_beeindiging": (
            "reden van beëindiging (CBS BUS veld 34)",
            "reason for ending (CBS BUS field 34)",
        ),
        "ontheffing": ("ontheffing van de arbeidsverplichtingen", "exemption from work obligations"),
        "einddatum_ontheffing": ("einddatum van de ontheffing", "end date of the exemption"),
    },
    "inkomsten": {
        PERSON_COLUMN: ("pseudoniem van de persoon", "pseudonym of the person"),
        "maand": ("maand (eerste dag van de maand)", "month (first day of the month)"),
        "soort_inkomsten": ("soort inkomsten (CBS BUS veld 31)", "kind of income (CBS BUS field 31)"),
        "bedrag": ("bedrag in euro in die maand", "amount in euro in that month"),
    },
    "klantbeeld": {
        PERSON_COLUMN: ("pseudoniem van de persoon", "pseudonym of the person"),
        "ingangsdatum": ("eerste dag van de periode", "first day of the period"),
        "einddatum": (
            "laatste dag van de periode; leeg = actueel",
            "last day of the period; empty = current",
        ),
        "perspectief": ("perspectief", "perspective"),
        "trede": ("trede op de participatieladder (1-6)", "participation-ladder step (1-6)"),
        "duurzaam_vrijgesteld": (
            "duurzaam vrijgesteld van arbeidsverplichtingen",
            "permanently exempt from work obligations",
        ),
    },
    "contactmomenten": {
        "contact_id": ("contactmoment", "contact"),
        PERSON_COLUMN: ("pseudoniem van de persoon", "pseudonym of the person"),
        "datum": ("datum van het contact", "date of the contact"),
        "soort": ("soort contact", "kind of contact"),
        "medewerker": ("medewerker die het contact had", "staff member who held it"),
        "leefgebieden": ("besproken leefgebieden", "life domains discussed"),
        "vervolgafspraak": ("vervolgafspraak gemaakt", "follow-up agreement made"),
    },
    "voorzieningen": {
        "voorziening_id": ("voorziening", "provision"),
        PERSON_COLUMN: ("pseudoniem van de persoon", "pseudonym of the person"),
        "soort": ("soort voorziening", "kind of provision"),
        "begindatum": ("eerste dag", "first day"),
        "einddatum": ("laatste dag; leeg = loopt nog", "last day; empty = still running"),
        "reden_einde": ("reden van beëindiging", "reason for ending"),
        "loonwaarde_pct": (
            "loonwaarde in procent (loonkostensubsidie)",
            "wage value in percent (wage-cost subsidy)",
        ),
        "werkgever_kvk": ("KvK-nummer van de werkgever", "Chamber of Commerce number of the employer"),
        "werkgever_soort": ("soort werkgever", "kind of employer"),
        "indicatie": ("indicatie", "indication"),
        "inlener_kvk": (
            "KvK-nummer van de inlener bij detachering",
            "Chamber of Commerce number of the borrowing employer",
        ),
        "jobcoach_regime": ("regime van de jobcoaching", "job-coaching regime"),
        "kosten": (
            "kosten ten laste van het participatiebudget, in euro",
            "costs charged to the participation budget, in euro",
        ),
    },
    "zrm": {
        PERSON_COLUMN: ("pseudoniem van de persoon", "pseudonym of the person"),
        "datum": ("datum van de meting", "date of the measurement"),
        "domein": ("domein van de Zelfredzaamheidsmatrix", "domain of the Self-Sufficiency Matrix"),
        "score": ("score (1-5)", "score (1-5)"),
    },
    "beloningen": {
        PERSON_COLUMN: ("pseudoniem van de persoon", "pseudonym of the person"),
        "datum": ("datum van de beloning", "date of the reward"),
        "bedrag": ("bedrag in euro", "amount in euro"),
    },
    "medewerkers": {
        "medewerker": ("medewerker", "staff member"),
        "functie": ("functie", "position"),
        "fte": ("omvang van de aanstelling in fte", "size of the appointment in FTE"),
    },
}
