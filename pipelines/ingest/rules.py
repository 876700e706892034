"""Validation rules of the standard export as Great Expectations suites, and running them.

This is the only module that imports Great Expectations, and only inside `run_suite`
(its import costs seconds). The suites are generated from `pipelines.schema` plus the
conditional rules below, written to `expectations/<tabel>.<stage>.json`, and loaded from
that JSON for validation; a test keeps the JSON and the code in step.

Stages:
- `rij`: rules on one table alone (required, code lists, elfproef, ranges, date order,
  conditional fields, uniqueness, overlap of periods, table-level checks).
- `relaties`: rules that need another table or the delivery: every person exists in
  `personen` and was accepted there, dates not after the extraction date, age at the
  extraction date. They use the runtime suite parameter `$PARAMETER` `extractiedatum` or
  helper columns computed from the delivery.

Great Expectations never sees a BSN: it checks the pseudonym column `persoon`, and the
elfproef via the helper column `_elfproef` (True/False computed in polars, checked with
`expect_column_values_to_be_in_set [true]`; GE has no elfproef of its own). Other helper
columns: `_leeftijd` (whole years at the extraction date), `_overlap` (a klantbeeld period
that starts before an earlier period of the same person has ended), `_leefgebieden`
(the list joined with `|`, checked with a regular expression), and `_persoon_bekend` /
`_persoon_afgewezen` (the person is in `personen` / was rejected there). The last two are
helper columns rather than a `$PARAMETER` value set because GE handles a value set element by
element (measured: about 7 s per expectation for 50,000 persons, whatever the table's size),
which at national scale made the two membership checks 95 % of the ingest.

Severity: `error` rejects the row (GE severity `critical`), `warning` keeps the row and is
reported (GE severity `warning`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import polars as pl

from pipelines import schema
from pipelines.ingest.pseudonym import PERSON_ID, elfproef_expr
from pipelines.schema import PERSON_COLUMN, TABLES

STAGES = ("rij", "relaties")
ERROR = "error"
WARNING = "warning"

#: End dates may lie in the future (a planned end); other dates may not.
FUTURE_ALLOWED = ("einddatum", "einddatum_ontheffing")

#: (table, end column, start column) pairs for the `datumvolgorde` rule.
DATE_ORDER = (
    ("levering", "extractiedatum", "gegevens_vanaf"),
    ("uitkeringen", "einddatum", "aanvangsdatum"),
    ("klantbeeld", "einddatum", "ingangsdatum"),
    ("voorzieningen", "einddatum", "begindatum"),
)


@dataclass(frozen=True)
class Rule:
    """One expectation with what the reports need to know about it."""

    type: str
    kwargs: dict[str, Any]
    controle: str
    kolom: str | None
    severity: str
    rationale: str
    melding: str

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "kwargs": self.kwargs,
            "meta": {
                "controle": self.controle,
                "kolom": self.kolom,
                "severity": self.severity,
                "rationale": self.rationale,
                "melding": self.melding,
            },
            "severity": _GE_SEVERITY[self.severity],
        }


def ge_column(table: schema.Table, column: str) -> str:
    """The column name GE sees: the pseudonym in place of the BSN."""
    return PERSON_COLUMN if table.column(column).kind == schema.BSN else column


def _where(column: str, operator: str, parameter: Any) -> dict[str, Any]:
    """A GE 1.x row condition (the JSON of `Column(column) <operator> parameter`)."""
    return {"column": {"name": column}, "operator": operator, "parameter": parameter, "type": "comparison"}


def _filled(column: str, filled: bool = True) -> dict[str, Any]:
    """A GE 1.x row condition: `Column(column).is_not_null()` (or `is_null()`)."""
    return {"column": {"name": column}, "is_null": not filled, "type": "nullity"}


def _row_rules(table: schema.Table) -> list[Rule]:
    rules: list[Rule] = []
    for col in table.columns:
        name = ge_column(table, col.name)
        if col.required:
            rules.append(
                Rule(
                    "expect_column_values_to_not_be_null",
                    {"column": name},
                    "verplicht",
                    col.name,
                    ERROR,
                    f"{col.name} is verplicht in de exportstandaard; zonder deze waarde is de regel niet "
                    f"bruikbaar.",
                    f"{col.name} is leeg",
                )
            )
        if col.kind == schema.BSN:
            rules.append(
                Rule(
                    "expect_column_values_to_be_in_set",
                    {"column": "_elfproef", "value_set": [True]},
                    "elfproef",
                    col.name,
                    ERROR,
                    "Een BSN bestaat uit 9 cijfers en voldoet aan de elfproef; een BSN dat dat niet doet is "
                    "verkeerd overgenomen en koppelt de persoon niet betrouwbaar.",
                    "BSN is geen 9 cijfers of voldoet niet aan de elfproef",
                )
            )
        if col.codes is not None and col.kind == schema.CODE:
            rules.append(
                Rule(
                    "expect_column_values_to_be_in_set",
                    {"column": name, "value_set": list(col.codes)},
                    "codelijst",
                    col.name,
                    ERROR,
                    f"Alleen codes uit de codelijst van {col.name} hebben een betekenis in de KPI's.",
                    f"toegestaan: {', '.join(col.codes)}",
                )
            )
        if col.codes is not None and col.kind == schema.LIST:
            alternatives = "|".join(re.escape(c) for c in col.codes)
            rules.append(
                Rule(
                    "expect_column_values_to_match_regex",
                    {"column": f"_{col.name}", "regex": f"^(?:{alternatives})(?:\\|(?:{alternatives}))*$"},
                    "codelijst",
                    col.name,
                    ERROR,
                    f"{col.name} is een met | gescheiden lijst uit een vaste codelijst.",
                    f"toegestaan (met | gescheiden): {', '.join(col.codes)}",
                )
            )
        if col.kind == schema.CODE and col.codes is None and col.width is not None:
            rules.append(
                Rule(
                    "expect_column_values_to_match_regex",
                    {"column": name, "regex": f"^\\d{{{col.width}}}$"},
                    "type",
                    col.name,
                    ERROR,
                    f"{col.name} is een code van precies {col.width} cijfers (voorloopnullen tellen mee).",
                    f"verwacht {col.width} cijfers",
                )
            )
        if col.minimum is not None or col.maximum is not None:
            kwargs: dict[str, Any] = {"column": name}
            bounds = []
            if col.minimum is not None:
                kwargs["min_value"] = col.minimum
                kwargs["strict_min"] = col.minimum_exclusive
                bounds.append(f"{'>' if col.minimum_exclusive else '>='} {col.minimum:g}")
            if col.maximum is not None:
                kwargs["max_value"] = col.maximum
                kwargs["strict_max"] = col.maximum_exclusive
                bounds.append(f"{'<' if col.maximum_exclusive else '<='} {col.maximum:g}")
            rules.append(
                Rule(
                    "expect_column_values_to_be_between",
                    kwargs,
                    "bereik",
                    col.name,
                    ERROR,
                    f"De exportstandaard staat voor {col.name} alleen waarden {' en '.join(bounds)} toe.",
                    f"toegestaan: {' en '.join(bounds)}",
                )
            )
        if col.unique:
            rules.append(
                Rule(
                    "expect_column_values_to_be_unique",
                    {"column": name},
                    "uniek",
                    col.name,
                    ERROR,
                    f"{col.name} identificeert een regel; twee regels met dezelfde sleutel en verschillende "
                    "inhoud zijn tegenstrijdig, dus beide worden afgewezen.",
                    "sleutel komt vaker voor met verschillende inhoud",
                )
            )
    for name, end, start in DATE_ORDER:
        if name == table.name:
            rationale = (
                "De gegevens kunnen niet volledig zijn vanaf een datum na de extractie: extractiedatum ligt "
                "op of na "
                "gegevens_vanaf."
                if name == "levering"
                else f"Een periode kan niet eindigen voor ze begint: {end} ligt op of na {start}."
            )
            rules.append(
                Rule(
                    "expect_column_pair_values_a_to_be_greater_than_b",
                    {
                        "column_A": end,
                        "column_B": start,
                        "or_equal": True,
                        "ignore_row_if": "either_value_is_missing",
                    },
                    "datumvolgorde",
                    end,
                    ERROR,
                    rationale,
                    f"{end} ligt voor {start}",
                )
            )
    rules.extend(_conditional_rules(table))
    rules.extend(_table_rules(table))
    return rules


def _conditional(
    kind: str,
    column: str,
    condition: dict[str, Any],
    controle: str,
    severity: str,
    rationale: str,
    melding: str,
) -> Rule:
    return Rule(
        kind,
        {"column": column, "row_condition": condition},
        controle,
        column.lstrip("_"),
        severity,
        rationale,
        melding,
    )


def _conditional_rules(table: schema.Table) -> list[Rule]:
    not_null, null = "expect_column_values_to_not_be_null", "expect_column_values_to_be_null"
    if table.name == "uitkeringen":
        return [
            _conditional(
                not_null,
                "reden_beeindiging",
                _filled("einddatum"),
                "reden_bij_einde",
                ERROR,
                "Bij een beëindigde uitkering hoort een reden (CBS BUS veld 34); de uitstroom-KPI's "
                "delen uitstroom in naar reden.",
                "einddatum gevuld maar reden_beeindiging leeg",
            ),
            _conditional(
                null,
                "reden_beeindiging",
                _filled("einddatum", False),
                "reden_bij_einde",
                ERROR,
                "Een lopende uitkering heeft geen reden van beëindiging; een reden zonder einddatum "
                "wijst op een onvolledige registratie.",
                "reden_beeindiging gevuld maar einddatum leeg",
            ),
            _conditional(
                null,
                "einddatum_ontheffing",
                _where("ontheffing", "NOT_IN", ["4", "5", "6"]),
                "alleen_bij",
                ERROR,
                "Een einddatum van een ontheffing bestaat alleen bij een ontheffing (code 4, 5 of 6).",
                "einddatum_ontheffing gevuld zonder ontheffing 4/5/6",
            ),
        ]
    if table.name == "klantbeeld":
        return [
            Rule(
                "expect_column_values_to_be_in_set",
                {"column": "_overlap", "value_set": [False]},
                "overlap",
                "ingangsdatum",
                ERROR,
                "Een persoon heeft op elk moment hoogstens een klantbeeld; overlappende periodes maken het "
                "perspectief op een peildatum dubbelzinnig. De latere van twee overlappende periodes wordt "
                "afgewezen (aansluitende periodes, ingangsdatum = vorige einddatum, zijn toegestaan).",
                "periode begint voor het einde van een eerdere periode van dezelfde persoon",
            ),
            Rule(
                "expect_column_values_to_be_in_set",
                {
                    "column": "perspectief",
                    "value_set": ["meedoen"],
                    "row_condition": _where("duurzaam_vrijgesteld", "==", True),
                },
                "alleen_bij",
                "duurzaam_vrijgesteld",
                WARNING,
                "Duurzaam vrijgestelden zijn een deelgroep van het perspectief meedoen; de regel blijft "
                "behouden, maar de registratie verdient controle.",
                "duurzaam_vrijgesteld = ja bij een ander perspectief dan meedoen",
            ),
        ]
    if table.name == "contactmomenten":
        return [
            _conditional(
                not_null,
                "_leefgebieden",
                _where("soort", "==", "fip"),
                "verplicht",
                WARNING,
                "Een FIP-gesprek is gestructureerd naar de zes leefgebieden; zonder leefgebieden telt "
                "het gesprek wel mee, maar is de voortgang niet te volgen.",
                "FIP-gesprek zonder leefgebieden",
            ),
        ]
    if table.name == "voorzieningen":
        lks = _where("soort", "IN", list(schema.LKS_SOORTEN))
        not_lks = _where("soort", "NOT_IN", list(schema.LKS_SOORTEN))
        employer = _where("soort", "IN", list(schema.WERKGEVER_SOORTEN))
        return [
            _conditional(
                null,
                "reden_einde",
                _filled("einddatum", False),
                "alleen_bij",
                ERROR,
                "Een reden van einde hoort alleen bij een beëindigde voorziening.",
                "reden_einde gevuld maar einddatum leeg",
            ),
            _conditional(
                not_null,
                "loonwaarde_pct",
                lks,
                "lks_velden",
                ERROR,
                "Loonkostensubsidie compenseert het verschil tussen loonwaarde en loon; zonder "
                "loonwaarde is de LKS-monitor niet te berekenen.",
                "loonwaarde_pct ontbreekt bij LKS",
            ),
            _conditional(
                not_null,
                "indicatie",
                lks,
                "lks_velden",
                ERROR,
                "Bij LKS is de indicatie (banenafspraak, beschut, geen) verplicht voor de verdeling "
                "naar doelgroep.",
                "indicatie ontbreekt bij LKS",
            ),
            _conditional(
                null,
                "loonwaarde_pct",
                not_lks,
                "alleen_bij",
                ERROR,
                "Een loonwaarde wordt alleen vastgesteld bij loonkostensubsidie.",
                "loonwaarde_pct gevuld bij een voorziening die geen LKS is",
            ),
            _conditional(
                not_null,
                "werkgever_kvk",
                employer,
                "werkgever_velden",
                ERROR,
                "LKS, beschut werk en ontwikkelbanen zijn banen bij een werkgever; het KvK-nummer "
                "is nodig voor de verdeling regulier/overheid/SW-bedrijf.",
                "werkgever_kvk ontbreekt bij deze voorziening",
            ),
            _conditional(
                not_null,
                "werkgever_soort",
                employer,
                "werkgever_velden",
                ERROR,
                "De soort werkgever bepaalt de verdeling regulier/overheid/SW-bedrijf.",
                "werkgever_soort ontbreekt bij deze voorziening",
            ),
            _conditional(
                not_null,
                "werkgever_soort",
                _filled("werkgever_kvk"),
                "werkgever_velden",
                ERROR,
                "Waar een werkgever is vastgelegd, is ook de soort werkgever verplicht.",
                "werkgever_kvk gevuld zonder werkgever_soort",
            ),
            _conditional(
                null,
                "jobcoach_regime",
                _where("soort", "!=", "jobcoach"),
                "alleen_bij",
                ERROR,
                "Een jobcoachregime hoort alleen bij de voorziening jobcoach.",
                "jobcoach_regime gevuld bij een andere voorziening dan jobcoach",
            ),
        ]
    return []


def _table_rules(table: schema.Table) -> list[Rule]:
    rules = []
    if table.name == "levering":
        rules.append(
            Rule(
                "expect_table_row_count_to_equal",
                {"value": 1},
                "aantal_regels",
                None,
                ERROR,
                "De levering beschrijft precies een export: organisatie en extractiedatum moeten eenduidig "
                "zijn.",
                "levering moet precies een regel hebben",
            )
        )
    elif table.required:
        rules.append(
            Rule(
                "expect_table_row_count_to_be_between",
                {"min_value": 1},
                "aantal_regels",
                None,
                WARNING,
                f"{table.name} is een verplichte tabel; een lege tabel maakt de KPI's die erop steunen leeg.",
                f"{table.name} heeft geen regels",
            )
        )
    return rules


def _relation_rules(table: schema.Table) -> list[Rule]:
    rules: list[Rule] = []
    if table.has_bsn and table.name != "personen":
        rules.append(
            Rule(
                "expect_column_values_to_be_in_set",
                {"column": "_persoon_bekend", "value_set": [True]},
                "onbekende_persoon",
                "bsn",
                ERROR,
                "Elke regel hoort bij een persoon uit personen (referentiele integriteit); een onbekende "
                "persoon "
                "kan niet aan kenmerken als leeftijd of gemeente gekoppeld worden.",
                "BSN komt niet voor in personen",
            )
        )
        rules.append(
            Rule(
                "expect_column_values_to_be_in_set",
                {"column": "_persoon_afgewezen", "value_set": [False]},
                "afgewezen_persoon",
                "bsn",
                ERROR,
                "Regels van een afgewezen persoon worden ook afgewezen, anders tellen ze mee zonder persoon.",
                "persoon is in personen afgewezen",
            )
        )
    for col in table.columns:
        if col.kind not in (schema.DATE, schema.MONTH) or table.name == "levering":
            continue
        future = col.name in FUTURE_ALLOWED
        rules.append(
            Rule(
                "expect_column_values_to_be_between",
                {"column": col.name, "max_value": {"$PARAMETER": "extractiedatum"}},
                "na_extractiedatum",
                col.name,
                WARNING if future else ERROR,
                (
                    f"{col.name} mag een geplande datum na de extractiedatum zijn; dat wordt gemeld maar "
                    f"niet afgewezen."
                    if future
                    else f"{col.name} beschrijft iets dat al gebeurd is en kan niet na de "
                    "extractiedatum liggen."
                ),
                "datum ligt na de extractiedatum",
            )
        )
    if table.name == "personen":
        rules.append(
            Rule(
                "expect_column_values_to_be_between",
                {"column": "_leeftijd", "min_value": 15, "max_value": 110},
                "leeftijd",
                "geboortedatum",
                ERROR,
                "De Participatiewet gaat over mensen vanaf 15 jaar; een leeftijd boven 110 wijst op een "
                "verkeerde geboortedatum.",
                "leeftijd op de extractiedatum buiten 15-110 jaar",
            )
        )
    return rules


def build_rules(table: str, stage: str) -> list[Rule]:
    """The rules of one table and stage, generated from the schema plus the conditional rules."""
    spec = TABLES[table]
    if stage == "rij":
        return _row_rules(spec)
    if stage == "relaties":
        return _relation_rules(spec)
    raise ValueError(f"onbekende stap {stage!r}; bekend zijn {', '.join(STAGES)}")


# --- helper columns -------------------------------------------------------------------------


def _overlap_expr() -> pl.Expr:
    """A period that starts before an earlier (by start) period of the same person has ended.

    Only well-formed periods take part (start set, end empty or not before start);
    an open end counts as 'never ends'.
    """
    start, end = pl.col("ingangsdatum"), pl.col("einddatum")
    far = pl.lit(dt.date(9999, 12, 31))
    ok = start.is_not_null() & (end.is_null() | (end >= start))
    end_filled = pl.when(ok).then(end.fill_null(far)).otherwise(None)
    previous_end = end_filled.cum_max().shift(1).over(PERSON_COLUMN, order_by=["ingangsdatum", "_regel"])
    return (
        pl.when(ok & pl.col(PERSON_COLUMN).is_not_null())
        .then((start < previous_end).fill_null(False))
        .otherwise(False)
    )


def with_helpers(
    table: str,
    frame: pl.DataFrame,
    extractiedatum: dt.date | None,
    personen: pl.Series | list[str] | None = None,
    afgewezen_personen: pl.Series | list[str] | None = None,
) -> pl.DataFrame:
    """Add the helper columns the suites of `table` check (frame keeps its row order).

    `frame` has the clean columns with `persoon`, plus `bsn` (for the elfproef) and `_regel`.
    `personen` are the pseudonyms of every row of `personen`, `afgewezen_personen` those rejected
    there; both are needed for the `relaties` stage of the other person tables.
    """
    spec = TABLES[table]
    exprs: list[pl.Expr] = []
    if spec.has_bsn and "_elfproef" not in frame.columns:  # deliver brings it from the pseudonym table
        exprs.append(elfproef_expr("bsn").alias("_elfproef"))
    if spec.has_bsn and table != "personen":
        person = pl.col(PERSON_COLUMN)
        for alias, given in (("_persoon_bekend", personen), ("_persoon_afgewezen", afgewezen_personen)):
            if isinstance(given, pl.Series) and given.dtype.is_integer() and PERSON_ID in frame.columns:
                person, members = pl.col(PERSON_ID), given  # numbers of the BSNs (deliver): same sets
            else:
                person = pl.col(PERSON_COLUMN)
                members = (
                    given.cast(pl.String)
                    if isinstance(given, pl.Series)
                    else pl.Series(PERSON_COLUMN, list(given) if given is not None else [], dtype=pl.String)
                )
            exprs.append(
                pl.when(person.is_null()).then(None).otherwise(person.is_in(members.implode())).alias(alias)
            )
    for col in spec.columns:
        if col.kind == schema.LIST:
            joined = pl.col(col.name).list.join("|")
            exprs.append(
                pl.when(pl.col(col.name).list.len() > 0).then(joined).otherwise(None).alias(f"_{col.name}")
            )
    if table == "personen" and extractiedatum is not None:
        birth = pl.col("geboortedatum")
        years = pl.lit(extractiedatum.year) - birth.dt.year()
        before_birthday = (pl.lit(extractiedatum.month) < birth.dt.month()) | (
            (pl.lit(extractiedatum.month) == birth.dt.month()) & (pl.lit(extractiedatum.day) < birth.dt.day())
        )
        exprs.append((years - before_birthday.cast(pl.Int32)).cast(pl.Int64).alias("_leeftijd"))
    out = frame.with_columns(exprs) if exprs else frame
    if table == "klantbeeld":
        out = out.with_columns(_overlap_expr().alias("_overlap"))
    return out


# --- running a suite -------------------------------------------------------------------------


# --- the rules in docs/validatie.md ------------------------------------------------------------


_GE_SEVERITY = {ERROR: "critical", WARNING: "warning"}
