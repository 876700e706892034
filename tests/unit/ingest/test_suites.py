"""Every suite has a passing and a failing fixture, and every expectation is hit by the failing one.

Each failing row is a good row with one change (a mutation) that breaks one named rule;
the test checks that exactly that row fails with that rule, that the good rows pass, and
that every expectation of the suite is covered by some mutation.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from pipelines import paths, schema
from pipelines.ingest import rules as validate
from pipelines.ingest import suites
from pipelines.ingest.deliver import add_pseudonym
from pipelines.ingest.pseudonym import load_key, pseudonymise_values
from tests.support.ingest_builders import EXTRACTIE, good_delivery, valid_bsn

D = dt.date
UNKNOWN = valid_bsn(9001)
REJECTED = valid_bsn(9002)

# table -> stage -> list of (controle, kolom, changes); "uniek" adds two rows sharing an id.
MUTATIONS: dict[str, dict[str, list[tuple[str, str | None, dict]]]] = {
    "levering": {
        "rij": [
            ("verplicht", "organisatie", {"organisatie": None}),
            ("verplicht", "extractiedatum", {"extractiedatum": None}),
            ("verplicht", "gegevens_vanaf", {"gegevens_vanaf": None}),
            ("codelijst", "softwarepakket", {"softwarepakket": "excel"}),
            ("datumvolgorde", "extractiedatum", {"gegevens_vanaf": D(2025, 1, 1)}),
        ]
    },
    "personen": {
        "rij": [
            ("verplicht", "bsn", {"bsn": None}),
            ("elfproef", "bsn", {"bsn": "123456780"}),
            ("elfproef", "bsn", {"bsn": "12345"}),
            ("verplicht", "geboortedatum", {"geboortedatum": None}),
            ("verplicht", "gemeentecode", {"gemeentecode": None}),
            ("type", "gemeentecode", {"gemeentecode": "546"}),
            ("codelijst", "geslacht", {"geslacht": "3"}),
            ("codelijst", "migratieachtergrond", {"migratieachtergrond": "overig"}),
            ("bereik", "kinderen_ten_laste", {"kinderen_ten_laste": -1}),
            ("uniek", "bsn", {"bsn": valid_bsn(7001)}),
        ],
        "relaties": [
            ("na_extractiedatum", "datum_verblijfsvergunning", {"datum_verblijfsvergunning": D(2024, 10, 1)}),
            ("leeftijd", "geboortedatum", {"geboortedatum": D(2010, 10, 1)}),
            ("leeftijd", "geboortedatum", {"geboortedatum": D(1900, 1, 1)}),
            ("na_extractiedatum", "geboortedatum", {"geboortedatum": D(2024, 12, 1)}),
        ],
    },
    "uitkeringen": {
        "rij": [
            ("verplicht", "registratienummer", {"registratienummer": None}),
            ("verplicht", "bsn", {"bsn": None}),
            ("elfproef", "bsn", {"bsn": "999999999"}),
            ("verplicht", "regeling", {"regeling": None}),
            ("codelijst", "regeling", {"regeling": "07"}),
            ("codelijst", "leefvorm", {"leefvorm": "9"}),
            ("codelijst", "huisvesting", {"huisvesting": "7"}),
            ("verplicht", "aanvangsdatum", {"aanvangsdatum": None}),
            ("codelijst", "reden_beeindiging", {"einddatum": D(2023, 1, 1), "reden_beeindiging": "99"}),
            ("codelijst", "ontheffing", {"ontheffing": "3"}),
            ("datumvolgorde", "einddatum", {"einddatum": D(2019, 1, 1), "reden_beeindiging": "11"}),
            ("reden_bij_einde", "reden_beeindiging", {"einddatum": D(2023, 1, 1), "reden_beeindiging": None}),
            ("reden_bij_einde", "reden_beeindiging", {"einddatum": None, "reden_beeindiging": "11"}),
            (
                "alleen_bij",
                "einddatum_ontheffing",
                {"ontheffing": "2", "einddatum_ontheffing": D(2025, 1, 1)},
            ),
        ],
        "relaties": [
            ("onbekende_persoon", "bsn", {"bsn": UNKNOWN}),
            ("afgewezen_persoon", "bsn", {"bsn": REJECTED}),
            ("na_extractiedatum", "aanvangsdatum", {"aanvangsdatum": D(2024, 10, 1)}),
            ("na_extractiedatum", "einddatum", {"einddatum": D(2024, 12, 31), "reden_beeindiging": "11"}),
            (
                "na_extractiedatum",
                "einddatum_ontheffing",
                {"ontheffing": "4", "einddatum_ontheffing": D(2025, 1, 1)},
            ),
        ],
    },
    "inkomsten": {
        "rij": [
            ("verplicht", "bsn", {"bsn": None}),
            ("elfproef", "bsn", {"bsn": "111111111"}),
            ("verplicht", "maand", {"maand": None}),
            ("verplicht", "soort_inkomsten", {"soort_inkomsten": None}),
            ("codelijst", "soort_inkomsten", {"soort_inkomsten": "12"}),
            ("verplicht", "bedrag", {"bedrag": None}),
            ("bereik", "bedrag", {"bedrag": -0.01}),
        ],
        "relaties": [
            ("onbekende_persoon", "bsn", {"bsn": UNKNOWN}),
            ("afgewezen_persoon", "bsn", {"bsn": REJECTED}),
            ("na_extractiedatum", "maand", {"maand": D(2024, 10, 1)}),
        ],
    },
    "klantbeeld": {
        "rij": [
            ("verplicht", "bsn", {"bsn": None}),
            ("elfproef", "bsn", {"bsn": "000000001"}),
            ("verplicht", "ingangsdatum", {"ingangsdatum": None}),
            ("verplicht", "perspectief", {"perspectief": None}),
            ("codelijst", "perspectief", {"perspectief": "rusten"}),
            ("bereik", "trede", {"trede": 7}),
            ("bereik", "trede", {"trede": 0}),
            ("datumvolgorde", "einddatum", {"ingangsdatum": D(2020, 1, 1), "einddatum": D(2019, 1, 1)}),
            ("overlap", "ingangsdatum", {"ingangsdatum": D(2023, 1, 1), "einddatum": D(2023, 3, 1)}),
            ("alleen_bij", "duurzaam_vrijgesteld", {"duurzaam_vrijgesteld": True, "perspectief": "werken"}),
        ],
        "relaties": [
            ("onbekende_persoon", "bsn", {"bsn": UNKNOWN}),
            ("afgewezen_persoon", "bsn", {"bsn": REJECTED}),
            ("na_extractiedatum", "ingangsdatum", {"ingangsdatum": D(2024, 10, 1), "einddatum": None}),
            ("na_extractiedatum", "einddatum", {"einddatum": D(2025, 1, 1)}),
        ],
    },
    "contactmomenten": {
        "rij": [
            ("verplicht", "contact_id", {"contact_id": None}),
            ("verplicht", "bsn", {"bsn": None}),
            ("elfproef", "bsn", {"bsn": "12345678a"}),
            ("verplicht", "datum", {"datum": None}),
            ("verplicht", "soort", {"soort": None}),
            ("codelijst", "soort", {"soort": "email"}),
            ("codelijst", "leefgebieden", {"leefgebieden": ["financien", "vrije_tijd"]}),
            ("verplicht", "leefgebieden", {"leefgebieden": []}),
            ("uniek", "contact_id", {"contact_id": "C-dubbel"}),
        ],
        "relaties": [
            ("onbekende_persoon", "bsn", {"bsn": UNKNOWN}),
            ("afgewezen_persoon", "bsn", {"bsn": REJECTED}),
            ("na_extractiedatum", "datum", {"datum": D(2024, 10, 1)}),
        ],
    },
    "voorzieningen": {
        "rij": [
            ("verplicht", "voorziening_id", {"voorziening_id": None}),
            ("verplicht", "bsn", {"bsn": None}),
            ("elfproef", "bsn", {"bsn": "98765432"}),
            ("verplicht", "soort", {"soort": None}),
            ("codelijst", "soort", {"soort": "cursus"}),
            ("verplicht", "begindatum", {"begindatum": None}),
            ("codelijst", "reden_einde", {"einddatum": D(2024, 1, 1), "reden_einde": "4"}),
            ("bereik", "loonwaarde_pct", {"loonwaarde_pct": 100.0}),
            ("bereik", "loonwaarde_pct", {"loonwaarde_pct": -5.0}),
            ("type", "werkgever_kvk", {"werkgever_kvk": "1234567"}),
            ("codelijst", "werkgever_soort", {"werkgever_soort": "particulier"}),
            ("codelijst", "indicatie", {"indicatie": "wsw"}),
            ("type", "inlener_kvk", {"inlener_kvk": "ABCDEFGH"}),
            (
                "codelijst",
                "jobcoach_regime",
                {"soort": "jobcoach", "loonwaarde_pct": None, "indicatie": None, "jobcoach_regime": "zwaar"},
            ),
            ("bereik", "kosten", {"kosten": -1.0}),
            ("uniek", "voorziening_id", {"voorziening_id": "V-dubbel"}),
            ("datumvolgorde", "einddatum", {"einddatum": D(2022, 1, 1), "reden_einde": "2"}),
            ("alleen_bij", "reden_einde", {"reden_einde": "1"}),
            ("lks_velden", "loonwaarde_pct", {"loonwaarde_pct": None}),
            ("lks_velden", "indicatie", {"indicatie": None}),
            ("alleen_bij", "loonwaarde_pct", {"soort": "beschut_werk", "indicatie": None}),
            ("werkgever_velden", "werkgever_kvk", {"werkgever_kvk": None}),
            ("werkgever_velden", "werkgever_soort", {"werkgever_soort": None}),
            (
                "werkgever_velden",
                "werkgever_soort",
                {"soort": "training", "loonwaarde_pct": None, "indicatie": None, "werkgever_soort": None},
            ),
            ("alleen_bij", "jobcoach_regime", {"jobcoach_regime": "licht"}),
        ],
        "relaties": [
            ("onbekende_persoon", "bsn", {"bsn": UNKNOWN}),
            ("afgewezen_persoon", "bsn", {"bsn": REJECTED}),
            ("na_extractiedatum", "begindatum", {"begindatum": D(2024, 10, 1)}),
            ("na_extractiedatum", "einddatum", {"einddatum": D(2025, 6, 30)}),
        ],
    },
    "zrm": {
        "rij": [
            ("verplicht", "bsn", {"bsn": None}),
            ("elfproef", "bsn", {"bsn": "123456788"}),
            ("verplicht", "datum", {"datum": None}),
            ("verplicht", "domein", {"domein": None}),
            ("codelijst", "domein", {"domein": "werk"}),
            ("verplicht", "score", {"score": None}),
            ("bereik", "score", {"score": 6}),
        ],
        "relaties": [
            ("onbekende_persoon", "bsn", {"bsn": UNKNOWN}),
            ("afgewezen_persoon", "bsn", {"bsn": REJECTED}),
            ("na_extractiedatum", "datum", {"datum": D(2024, 10, 1)}),
        ],
    },
    "beloningen": {
        "rij": [
            ("verplicht", "bsn", {"bsn": None}),
            ("elfproef", "bsn", {"bsn": "876543210"}),
            ("verplicht", "datum", {"datum": None}),
            ("verplicht", "bedrag", {"bedrag": None}),
            ("bereik", "bedrag", {"bedrag": 0.0}),
        ],
        "relaties": [
            ("onbekende_persoon", "bsn", {"bsn": UNKNOWN}),
            ("afgewezen_persoon", "bsn", {"bsn": REJECTED}),
            ("na_extractiedatum", "datum", {"datum": D(2024, 10, 1)}),
        ],
    },
    "medewerkers": {
        "rij": [
            ("verplicht", "medewerker", {"medewerker": None}),
            ("verplicht", "functie", {"functie": None}),
            ("codelijst", "functie", {"functie": "manager"}),
            ("verplicht", "fte", {"fte": None}),
            ("bereik", "fte", {"fte": 0.0}),
            ("bereik", "fte", {"fte": 1.3}),
            ("uniek", "medewerker", {"medewerker": "M-dubbel"}),
        ]
    },
}

ID_COLUMN = {
    "personen": "bsn",
    "contactmomenten": "contact_id",
    "voorzieningen": "voorziening_id",
    "medewerkers": "medewerker",
}


def _base_rows(table: str) -> list[dict]:
    """Good rows of each table; the first one is the template that mutations change."""
    delivery = good_delivery()
    extra = {
        "inkomsten": [
            {"bsn": valid_bsn(i), "maand": D(2024, 8, 1), "soort_inkomsten": "11", "bedrag": 420.5}
            for i in range(3)
        ],
        "zrm": [
            {"bsn": valid_bsn(i), "datum": D(2024, 6, 1), "domein": "financien", "score": 3} for i in range(3)
        ],
        "beloningen": [
            {"bsn": valid_bsn(i), "datum": D(2024, 6, 1), "bedrag": 10.0, "stap": "intake"} for i in range(3)
        ],
    }
    if table in extra:
        return extra[table]
    rows = delivery[table].frame.drop("_regel").to_dicts()
    if table == "klantbeeld":  # first a closed period, later an open one per person
        return rows
    return rows


def _fixture(table: str, stage: str) -> tuple[pl.DataFrame, dict[int, tuple[str, str]], set[int]]:
    """Good rows plus one mutated row per rule; returns (frame, regel -> expected failure, good regels)."""
    base = _base_rows(table)
    template = dict(base[0])
    if table == "voorzieningen":
        template = dict(base[0])  # the lks provision: employer fields filled
    rows: list[dict] = []
    expected: dict[int, tuple[str, str]] = {}
    for row in base:
        rows.append(dict(row))
    good = set(range(2, 2 + len(rows)))
    for controle, kolom, change in MUTATIONS[table][stage]:
        row = dict(template)
        if table == "klantbeeld":
            row.update(
                {
                    "einddatum": None,
                    "perspectief": "meedoen",
                    "duurzaam_vrijgesteld": False,
                    "ingangsdatum": D(2022, 1, 1),
                }
            )
            row["bsn"] = valid_bsn(100 + len(rows))
            if controle == "overlap":
                # a second period of a person with an open period: it starts before that one ends
                row["bsn"] = base[-1]["bsn"]
        if table in ID_COLUMN and ID_COLUMN[table] != "bsn":
            row[ID_COLUMN[table]] = f"X{len(rows)}"
        if table == "personen":
            row["bsn"] = valid_bsn(200 + len(rows))
        row.update(change)
        rows.append(row)
        expected[len(rows) + 1] = (controle, kolom)
        if controle == "uniek":
            twin = dict(row)
            other = (
                "clientnummer"
                if table == "personen"
                else (
                    "fte"
                    if table == "medewerkers"
                    else ("medewerker" if table == "contactmomenten" else "aanbieder")
                )
            )
            twin[other] = 0.8 if table == "medewerkers" else "anders"
            rows.append(twin)
            expected[len(rows) + 1] = (controle, kolom)
    frame = pl.DataFrame(
        [dict(r, _regel=i + 2) for i, r in enumerate(rows)],
        schema={
            **{
                c.name: (pl.String() if c.kind == schema.BSN else c.clean_dtype())
                for c in schema.TABLES[table].columns
            },
            "_regel": pl.Int64(),
        },
    )
    return frame, expected, good


def _persons(key: bytes) -> dict:
    persons = [valid_bsn(i) for i in range(6)] + [REJECTED]
    return {
        "personen": sorted(pseudonymise_values(persons, key)),
        "afgewezen_personen": pseudonymise_values([REJECTED], key),
    }


SUITES = [(t, s) for t, stages in MUTATIONS.items() for s in stages]


def test_every_suite_has_fixtures():
    committed = {p.name for p in paths.EXPECTATIONS.glob("*.json")}
    assert committed == {f"{t}.{s}.json" for t, s in SUITES}


@pytest.mark.parametrize(("table", "stage"), SUITES, ids=[f"{t}.{s}" for t, s in SUITES])
def test_suite_passes_good_and_fails_each_mutation(table, stage):
    key = load_key()
    suite = suites.load_suite(table, stage)
    frame, expected, good = _fixture(table, stage)
    work = validate.with_helpers(table, add_pseudonym(table, frame, key), EXTRACTIE, **_persons(key))
    result = suites.run_suite(suite, work, {"extractiedatum": EXTRACTIE})
    found = {(r["_regel"], r["controle"], r["kolom"]) for r in result.failures.iter_rows(named=True)}

    assert not [f for f in found if f[0] in good], "de goede regels moeten alle controles doorstaan"
    for regel, (controle, kolom) in expected.items():
        assert (regel, controle, kolom) in found, (
            f"regel {regel}: {controle}/{kolom} niet gevonden in {sorted(found)}"
        )
    # Every expectation with row results is hit by some mutation (the failing fixture covers the suite).
    row_rules = result.outcomes.filter(~pl.col("tabelniveau"))
    missed = row_rules.filter(pl.col("aantal") == 0)
    assert missed.is_empty(), (
        f"regels zonder falend voorbeeld: {missed.select('controle', 'kolom', 'melding').rows()}"
    )


def test_levering_table_rule_needs_exactly_one_row():
    key = load_key()
    frame = good_delivery()["levering"].frame
    twice = pl.concat([frame, frame.with_columns(pl.lit(3, dtype=pl.Int64).alias("_regel"))])
    result = suites.run_suite(
        suites.load_suite("levering", "rij"), validate.with_helpers("levering", twice, None)
    )
    table_rule = result.outcomes.filter(pl.col("controle") == "aantal_regels")
    assert table_rule["geslaagd"].to_list() == [False]
    ok = suites.run_suite(
        suites.load_suite("levering", "rij"), validate.with_helpers("levering", frame, None)
    )
    assert ok.outcomes["geslaagd"].all()
    del key


def test_committed_suites_match_the_code():
    generated = suites.all_suites()
    for name, suite in generated.items():
        committed = (paths.EXPECTATIONS / name).read_text(encoding="utf-8")
        assert committed == suites.suite_json(suite), (
            f"{name} wijkt af: draai `python -m pipelines.ingest.rules`"
        )


def test_every_expectation_has_rationale_severity_and_known_rule():
    for name, suite in suites.all_suites().items():
        for exp in suite["expectations"]:
            meta = exp["meta"]
            assert meta["severity"] in ("error", "warning"), name
            assert len(meta["rationale"]) > 20, name
            assert meta["controle"] in schema.RULES, (name, meta["controle"])
            json.dumps(exp)


def test_elfproef_expression_matches_the_definition():
    from pipelines.ingest.pseudonym import elfproef, elfproef_expr

    values = ["111222333", "123456782", "123456789", "000000000", "12345678", "1234567890", "12345678x", None]
    got = pl.DataFrame({"b": values}).select(elfproef_expr("b").alias("ok"))["ok"].to_list()
    assert got == [None if v is None else elfproef(v) for v in values]
    assert elfproef("111222333") and not elfproef("123456789")


def test_docs_list_every_rule_of_the_suites():
    text = (paths.DOCS / "validatie.md").read_text(encoding="utf-8")
    start = text.index(suites.DOCS_BEGIN)
    end = text.index(suites.DOCS_END) + len(suites.DOCS_END)
    assert text[start:end] == suites.docs_rules_section(), (
        "docs/validatie.md is verouderd: draai `python -m pipelines.ingest.rules`"
    )
    for name, suite in suites.all_suites().items():
        assert f"`expectations/{name}`" in text
        for exp in suite["expectations"]:
            assert exp["meta"]["rationale"].replace("|", "\\|") in text


def test_great_expectations_loads_without_executing_scipy_stats_until_it_is_used():
    """GE imports scipy.stats for an expectation no suite has; the module executes on first use only."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pipelines.ingest import suites\n"
        "suites.load_great_expectations()\n"
        "from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl\n"
        "assert type(sys.modules['scipy.stats']).__name__ == '_LazyModule'\n"
        "assert 'scipy.stats._stats_py' not in sys.modules\n"
        "import scipy.stats\n"
        "assert kl.stats is scipy.stats\n"
        "assert round(kl.stats.entropy([0.5, 0.5], [0.25, 0.75]), 6) == 0.143841\n"
        "assert type(sys.modules['scipy.stats']).__name__ == 'module'\n"
        "from lifelines import KaplanMeierFitter\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_only_the_failing_expectations_are_asked_for_their_rows(monkeypatch):
    """The compressed run asks GE first for verdicts only, then for the rows of the rules that failed;
    outcomes and failing rows are those of one complete pass over every row."""
    key = load_key()
    suite = suites.load_suite("personen", "rij")
    frame, _expected, _good = _fixture("personen", "rij")
    work = validate.with_helpers(
        "personen", add_pseudonym("personen", frame, key), EXTRACTIE, **_persons(key)
    )
    asked: list[tuple[str, int]] = []
    real = suites._validate

    def recording(name, expectations, frame_pd, parameters, result_format="COMPLETE"):
        asked.append((result_format, len(expectations)))
        return real(name, expectations, frame_pd, parameters, result_format)

    monkeypatch.setattr(suites, "_validate", recording)
    two_pass = suites.run_suite(suite, work, {"extractiedatum": EXTRACTIE})
    rows_asked = sum(n for fmt, n in asked if fmt == "COMPLETE")
    failed = two_pass.outcomes.filter(~pl.col("geslaagd") & ~pl.col("tabelniveau")).height
    assert 0 < failed == rows_asked < len(suite["expectations"])
    reference = suites.run_suite(suite, work, {"extractiedatum": EXTRACTIE}, compress=False)
    assert two_pass.outcomes.equals(reference.outcomes)
    assert two_pass.failures.equals(reference.failures)
