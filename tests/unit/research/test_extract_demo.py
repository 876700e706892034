"""Extracts of the demo delivery: linkage between projects, privacy scan of every file, codebook, formats."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from pipelines.clean import load_clean
from pipelines.provenance import definitions_version
from pipelines.research.codebook import EXTRACT_TABLES, extract_fields
from pipelines.research.formats import numeric_code_map
from tests.support.research_data import make_extract

TOKEN = re.compile(rb"[0-9A-Za-z_]+")


def _persons(folder: Path) -> set[str]:
    return set(pl.read_parquet(folder / "parquet" / "personen.parquet")["persoon"])


def _ids(folder: Path) -> set[str]:
    """Every pseudonym of the extract: persons, staff, benefits, contacts, provisions, employers."""
    out: set[str] = set()
    for path in (folder / "parquet").glob("*.parquet"):
        frame = pl.read_parquet(path)
        for column in (
            "persoon",
            "medewerker",
            "klantmanager",
            "registratienummer",
            "contact_id",
            "voorziening_id",
            "werkgever_id",
            "inlener_id",
        ):
            if column in frame.columns:
                out |= set(frame[column].drop_nulls())
    return out


def test_two_projects_cannot_link_and_one_project_is_stable(extract_a, extract_a_again, extract_b):
    a, again, b = _persons(extract_a), _persons(extract_a_again), _persons(extract_b)
    assert len(a) == 400 and a == again
    assert a.isdisjoint(b)
    assert _ids(extract_a).isdisjoint(_ids(extract_b))
    assert _ids(extract_a) == _ids(extract_a_again)


def test_a_rerun_gives_the_same_tables_byte_for_byte(extract_a, extract_a_again):
    for sub in ("csv", "parquet"):
        for path in sorted((extract_a / sub).iterdir()):
            assert path.read_bytes() == (extract_a_again / sub / path.name).read_bytes(), path.name
    assert (extract_a / "kanonimiteit.csv").read_bytes() == (
        extract_a_again / "kanonimiteit.csv"
    ).read_bytes()


def _forbidden(demo_export: Path, demo_clean: Path) -> dict[str, set[str]]:
    """What may never appear: BSNs, client numbers, clean-layer pseudonyms, the organisation's own ids."""

    def col(table, column):
        frame = pl.read_csv(demo_export / f"{table}.csv", separator=";", infer_schema=False)
        return {v for v in frame[column].drop_nulls().to_list() if v.strip()}

    clean = load_clean(demo_clean)
    pseudonyms = set(clean.get("personen")["persoon"])
    return {
        "bsn": col("personen", "bsn"),
        "clientnummer": col("personen", "clientnummer"),
        "schoon pseudoniem": pseudonyms,
        "medewerker": col("medewerkers", "medewerker") | col("personen", "klantmanager"),
        "registratienummer": col("uitkeringen", "registratienummer"),
        "contact_id": col("contactmomenten", "contact_id"),
        "voorziening_id": col("voorzieningen", "voorziening_id"),
        "kvk": col("voorzieningen", "werkgever_kvk") | col("voorzieningen", "inlener_kvk"),
        "vrije tekst": col("voorzieningen", "aanbieder") | col("beloningen", "stap"),
        "geboortedatum": col("personen", "geboortedatum"),
    }


def _cells(path: Path) -> set[str]:
    """Every cell of a table file as text (parquet is compressed, so its bytes alone prove nothing)."""
    import pyreadstat

    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
    elif path.suffix == ".csv":
        frame = pl.read_csv(path, infer_schema=False)
    elif path.suffix == ".sav":
        frame = pyreadstat.read_sav(str(path), output_format="polars")[0]
    else:
        frame = pyreadstat.read_dta(str(path), output_format="polars")[0]
    values: set[str] = set()
    for name in frame.columns:
        values |= {str(v) for v in frame[name].drop_nulls().unique().to_list()}
    return values


def _json_strings(data) -> set[str]:
    if isinstance(data, dict):
        return set().union(set(map(str, data)), *(_json_strings(v) for v in data.values()))
    if isinstance(data, list):
        return set().union(*(_json_strings(v) for v in data)) if data else set()
    return {data} if isinstance(data, str) else set()


def scan(folder: Path, forbidden: dict[str, set[str]]) -> list[str]:
    """Every place where a forbidden value turns up: raw tokens of every file, cells of every table file."""
    # tokens that can only be identifiers (nine digits, 64 hex, letters+digits): raw bytes of every file
    token_kinds = (
        "bsn",
        "schoon pseudoniem",
        "medewerker",
        "registratienummer",
        "contact_id",
        "voorziening_id",
        "kvk",
    )
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        where = path.relative_to(folder).as_posix()
        tokens = {t.decode() for t in TOKEN.findall(path.read_bytes())}
        found += [f"{kind} in {where}" for kind in token_kinds if tokens & forbidden[kind]]
        if path.suffix in (".csv", ".parquet", ".sav", ".dta"):
            values = _cells(path)
            # an event date may equal a birth date: personen itself has no date column (checked below)
            found += [
                f"{kind} in {where}"
                for kind, v in forbidden.items()
                if kind != "geboortedatum" and values & v
            ]
        elif path.suffix == ".json":
            strings = _json_strings(json.loads(path.read_text(encoding="utf-8")))
            found += [f"{kind} in {where}" for kind, v in forbidden.items() if strings & v]
        else:
            text = path.read_text(encoding="utf-8")
            for kind in ("clientnummer", "vrije tekst"):
                if any(re.search(rf"(?<![\w.]){re.escape(v)}(?![\w.])", text) for v in forbidden[kind]):
                    found.append(f"{kind} in {where}")
    return found


def test_no_identifier_of_the_organisation_appears_in_any_file(extract_a, demo_export, demo_clean, tmp_path):
    import pyreadstat

    forbidden = _forbidden(demo_export, demo_clean)
    assert all(
        forbidden[k] for k in ("bsn", "clientnummer", "schoon pseudoniem", "medewerker", "vrije tekst")
    )
    assert {p.suffix for p in extract_a.rglob("*") if p.is_file()} >= {
        ".csv",
        ".parquet",
        ".sav",
        ".dta",
        ".json",
        ".html",
    }
    assert scan(extract_a, forbidden) == []
    personen = pl.read_parquet(extract_a / "parquet" / "personen.parquet")
    assert personen.select(pl.col(pl.Date)).width == 0  # birth date reduced to the year

    # the scan finds what it looks for: a BSN in a Stata file, a clean pseudonym in a compressed parquet file
    copy = tmp_path / "kopie"
    shutil.copytree(extract_a, copy)
    bsn, pseudonym = min(forbidden["bsn"]), min(forbidden["schoon pseudoniem"])
    frame, _ = pyreadstat.read_dta(str(copy / "stata" / "medewerkers.dta"), output_format="polars")
    pyreadstat.write_dta(
        frame.with_columns(pl.lit(bsn).alias("medewerker")), str(copy / "stata" / "medewerkers.dta")
    )
    pl.read_parquet(copy / "parquet" / "zrm.parquet").with_columns(
        pl.lit(pseudonym).alias("persoon")
    ).write_parquet(copy / "parquet" / "zrm.parquet", compression="zstd")
    assert sorted(set(scan(copy, forbidden))) == [
        "bsn in stata/medewerkers.dta",
        "schoon pseudoniem in parquet/zrm.parquet",
    ]


def test_the_frictionless_validation_passes_and_catches_a_change(extract_a, tmp_path):
    import frictionless

    report = frictionless.validate(str(extract_a / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    assert [t.name for t in report.tasks] == [t for t in EXTRACT_TABLES]
    copy = tmp_path / "kopie"
    shutil.copytree(extract_a, copy)
    spells = (copy / "csv" / "spells.csv").read_text(encoding="utf-8").splitlines()
    spells[1] = spells[1].replace(",werk,", ",vakantie,") if ",werk," in spells[1] else spells[1] + "x"
    (copy / "csv" / "spells.csv").write_text("\n".join(spells) + "\n", encoding="utf-8")
    assert not frictionless.validate(str(copy / "datapackage.json")).valid


def test_the_datapackage_describes_every_column_with_both_languages_and_keys(extract_a):
    package = json.loads((extract_a / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        header = (extract_a / resource["path"]).read_text(encoding="utf-8").splitlines()[0].split(",")
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == header
        assert all(f["description"] and f["description_en"] for f in fields)
        for f in fields:
            if "categories" in f and f["name"] != "gemeentecode":
                assert f["constraints"]["enum"] == [c["value"] for c in f["categories"]]
    by_name = {r["name"]: r for r in package["resources"]}
    assert by_name["personen"]["schema"]["primaryKey"] == ["persoon"]
    assert by_name["spells"]["schema"]["primaryKey"] == ["persoon", "spell"]
    assert {"fields": ["persoon"], "reference": {"resource": "personen", "fields": ["persoon"]}} in (
        by_name["zrm"]["schema"]["foreignKeys"]
    )
    geslacht = next(f for f in by_name["personen"]["schema"]["fields"] if f["name"] == "geslacht")
    assert geslacht["categories"][0] == {"value": "1", "label": "man", "label_en": "male"}
    meta = package["participatie"]
    assert meta["definitieversie"] and meta["project"] == "project-a"
    assert {"tabel": "personen", "kolom": "clientnummer", "reden": meta["weggelaten"][0]["reden"]} in meta[
        "weggelaten"
    ]


def test_spss_and_stata_files_read_back_with_their_labels(extract_a):
    import pyreadstat

    csv = pl.read_csv(extract_a / "csv" / "uitkeringen.csv", infer_schema=False)
    spec = extract_fields("uitkeringen", {})
    regeling = numeric_code_map(spec.field("regeling"))
    for path, reader in (
        (extract_a / "spss" / "uitkeringen.sav", pyreadstat.read_sav),
        (extract_a / "stata" / "uitkeringen.dta", pyreadstat.read_dta),
    ):
        frame, meta = reader(str(path), output_format="polars")
        assert frame.columns == csv.columns and frame.height == csv.height
        assert meta.column_names_to_labels["regeling"] == "regeling"
        assert meta.column_names_to_labels["persoon"] == "pseudoniem van de persoon (pseudoniem)"
        labels = {int(k): v for k, v in meta.variable_value_labels["regeling"].items()}
        assert labels[1] == "algemene bijstand (Participatiewet)" and labels[2] == "IOAW"
        assert {int(k): v for k, v in meta.variable_value_labels["reden_beeindiging"].items()}[
            11
        ] == "arbeid in dienstbetrekking"
        assert [int(v) for v in frame["regeling"]] == [regeling[c] for c in csv["regeling"]]
        assert frame["persoon"].to_list() == csv["persoon"].to_list()
        assert [d.isoformat() for d in frame["aanvangsdatum"]] == csv["aanvangsdatum"].to_list()
    frame, meta = pyreadstat.read_sav(str(extract_a / "spss" / "contactmomenten.sav"), output_format="polars")
    assert meta.variable_value_labels["vervolgafspraak"] == {0.0: "nee", 1.0: "ja"}
    frame, meta = pyreadstat.read_dta(str(extract_a / "stata" / "personen.dta"), output_format="polars")
    bands = meta.variable_value_labels["geboortejaar_klasse"]
    assert bands and all(label == f"{int(y)}-{int(y) + 4}" for y, label in bands.items())
    assert all(len(name) <= 32 for name in frame.columns)  # Stata's limit on variable names


def test_manifest_has_hashes_versions_and_the_key_fingerprint_never_the_key(extract_a, demo_clean):
    import hashlib
    import os

    manifest = json.loads((extract_a / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["soort"] == "onderzoeksbestand" and manifest["project"] == "project-a"
    assert len(manifest["projectsleutel_vingerafdruk"]) == 16
    text = (extract_a / "manifest.json").read_text(encoding="utf-8")
    assert os.environ["PARTICIPATIE_PROJECTSLEUTEL_PROJECT_A"] not in text
    assert manifest["definitieversie"] == definitions_version() == "2.1"
    assert manifest["codeversie"]["pakket"]
    assert manifest["tabellen"]["personen"] == 400 and set(manifest["tabellen"]) == set(EXTRACT_TABLES)
    assert (
        manifest["invoer"]["schone_data"]["personen.parquet"]
        == hashlib.sha256((demo_clean / "personen.parquet").read_bytes()).hexdigest()
    )
    assert manifest["invoer"]["export"] and manifest["invoer"]["sleutel_vingerafdruk_schone_data"]
    for rel, digest in manifest["uitvoer"].items():
        assert hashlib.sha256((extract_a / rel).read_bytes()).hexdigest() == digest, rel
    assert manifest["kanonimiteit"]["min_cell"] == 5


def test_codebook_page_names_every_table_column_and_code_list_offline(extract_a):
    page = (extract_a / "codeboek.html").read_text(encoding="utf-8")
    package = json.loads((extract_a / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        assert f'id="tabel-{resource["name"]}"' in page
        for f in resource["schema"]["fields"]:
            assert f"<code>{f['name']}</code>" in page
    for list_id in ("regeling", "reden_beeindiging", "redengroep", "perspectief", "zrm_score", "gemeente"):
        assert f'id="codes-{list_id}"' in page
    assert f"versie {definitions_version()}" in page and "read_parquet" in page and "k-anonimiteit" in page
    assert "<script" not in page and "://" not in page  # offline (the CSP meta tag says http-equiv)


def test_kanonymity_report_lists_counts_only(extract_a):
    report = pl.read_csv(extract_a / "kanonimiteit.csv")
    assert report.columns == ["fase", "klassegrootte", "klassen", "personen"]
    assert set(report["fase"]) == {"voor", "na"} and report["klassegrootte"].max() == 4
    after = report.filter(pl.col("fase") == "na")["personen"].sum()
    before = report.filter(pl.col("fase") == "voor")["personen"].sum()
    assert after < before  # coarsening helped


@pytest.mark.parametrize("tabellen", [["spells"]])
def test_a_selection_of_tables(tabellen, demo_clean, tmp_path):
    out = make_extract(
        demo_clean, tmp_path / "sel", "project-a", "--tabellen", *tabellen, "--vanaf", "2023-01-01"
    )
    assert sorted(p.stem for p in (out / "csv").iterdir()) == ["levering", "personen", "spells"]
    spells = pl.read_parquet(out / "parquet" / "spells.parquet")
    assert spells.filter(pl.col("einddatum") < pl.date(2023, 1, 1)).is_empty()
    assert (
        pl.read_parquet(out / "parquet" / "levering.parquet")["gegevens_vanaf"][0].isoformat() == "2023-01-01"
    )
