"""Ingest on hand-built deliveries: nothing lost, duplicates, persons, threshold, atomic and identical
writes.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines import schema
from pipelines.clean import load_clean
from pipelines.ingest.deliver import (
    IngestError,
    ThresholdExceeded,
    find_duplicates,
    threshold_breaches,
    validate_tables,
    write_delivery,
)
from pipelines.ingest.pseudonym import key_fingerprint, load_key
from tests.support.ingest_builders import EXTRACTIE, good_delivery, raw_table, read_of, valid_bsn

D = dt.date


def _faulty_delivery():
    """The good delivery with known faults, and the (tabel, regel, controle) each should produce."""
    tables = good_delivery(n=20)
    personen = tables["personen"].frame.drop("_regel").to_dicts()
    bad_person = dict(personen[3], bsn="123456789")  # elfproef: rejected person
    personen[3] = bad_person
    personen.append(dict(personen[5]))  # exact duplicate of line 7 -> line 22
    tables["personen"] = raw_table(
        "personen",
        personen,
        rejects=[
            {
                "tabel": "personen",
                "bestand": "personen.csv",
                "regel": 23,
                "kolom": "geboortedatum",
                "controle": "type",
                "waarde": "31-02-1980",
                "melding": "geen geldige datum",
            },
        ],
    )
    uitkeringen = tables["uitkeringen"].frame.drop("_regel").to_dicts()
    uitkeringen[3]["bsn"] = "123456789"  # the rejected person (also fails the elfproef here)
    uitkeringen[4]["bsn"] = valid_bsn(5000)  # unknown person
    uitkeringen[6].update(einddatum=D(2023, 1, 1), reden_beeindiging=None)  # reden_bij_einde
    uitkeringen[8].update(einddatum_ontheffing=D(2025, 1, 1), ontheffing=None)  # alleen_bij (no ontheffing)
    tables["uitkeringen"] = raw_table("uitkeringen", uitkeringen)
    contact = tables["contactmomenten"].frame.drop("_regel").to_dicts()
    contact[1]["contact_id"] = contact[0]["contact_id"]  # same id, different content: both rejected
    contact[2]["leefgebieden"] = []  # FIP without domains: warning, row kept
    tables["contactmomenten"] = raw_table("contactmomenten", contact)
    expected = {
        ("personen", 5, "elfproef"),
        ("personen", 22, "dubbel"),
        ("personen", 23, "type"),
        ("uitkeringen", 5, "elfproef"),
        ("uitkeringen", 5, "afgewezen_persoon"),
        ("uitkeringen", 6, "onbekende_persoon"),
        ("uitkeringen", 8, "reden_bij_einde"),
        ("uitkeringen", 10, "alleen_bij"),
        ("contactmomenten", 2, "uniek"),
        ("contactmomenten", 3, "uniek"),
    }
    return tables, expected


@pytest.fixture(scope="module")
def good():
    tables = good_delivery()
    return tables, validate_tables(tables, load_key())


@pytest.fixture(scope="module")
def faulty():
    tables, expected = _faulty_delivery()
    return tables, validate_tables(tables, load_key()), expected


def _write(tables, validation, tmp_path, **kwargs):
    return write_delivery(read_of(tables), validation, key_fingerprint(load_key()), tmp_path, **kwargs)


def test_good_delivery_is_written_and_loads(tmp_path, good):
    tables, validation = good
    result = _write(tables, validation, tmp_path, clean_root=tmp_path / "clean")
    assert result.clean_dir == tmp_path / "clean" / "gemeente-leiden" / "2024-09-30"
    assert result.afwijzingen.is_empty()
    data = load_clean(result.clean_dir)
    assert data.extractiedatum == EXTRACTIE
    for name, raw in tables.items():
        frame = pl.read_parquet(result.clean_dir / f"{name}.parquet")
        assert frame.schema == pl.Schema(schema.clean_schema(name))
        assert frame.height == raw.frame.height
        assert "bsn" not in frame.columns
    assert not (result.clean_dir / "inwoners.parquet").exists()
    for name in ("index.html", "afstemming.csv", "afwijzingen.csv"):
        assert (result.clean_dir / "validatie" / name).exists()
    assert (result.clean_dir / "ingest.json").exists()
    assert not list(result.clean_dir.parent.glob(".*"))  # no temp folders left


def test_faults_are_rejected_row_for_row_and_reconciled(tmp_path, faulty):
    tables, validation, expected = faulty
    result = _write(tables, validation, tmp_path, out_dir=tmp_path / "uit", max_afwijzing_pct=100)
    rej = result.afwijzingen
    found = set(rej.select("tabel", "regel", "controle").iter_rows())
    assert expected <= found
    # every other rejection is a consequence: rows of the person whose BSN was broken in personen
    gone = valid_bsn(3)
    consequences = {
        (name, r["_regel"], "onbekende_persoon")
        for name, raw in tables.items()
        if name != "personen" and "bsn" in raw.frame.columns
        for r in raw.frame.filter(pl.col("bsn") == gone).iter_rows(named=True)
    }
    assert consequences and found - expected == consequences
    # the exact duplicate is kept once, the id conflict loses both rows
    personen = pl.read_parquet(result.clean_dir / "personen.parquet")
    assert personen.height == 20 - 1  # 21 parsed rows: elfproef and duplicate out
    contact = pl.read_parquet(result.clean_dir / "contactmomenten.parquet")
    assert contact.height == 20 - 2 - 1  # both id conflicts and the contact of the vanished person
    # reconciliation holds for every file and matches the rejected lines
    for row in result.afstemming.iter_rows(named=True):
        assert row["gelezen"] == row["geaccepteerd"] + row["afgewezen"]
        assert row["afgewezen"] == rej.filter(pl.col("tabel") == row["tabel"])["regel"].n_unique()
    # warnings keep the row
    assert ("contactmomenten", 4, "verplicht") in set(
        result.waarschuwingen.select("tabel", "regel", "controle").iter_rows()
    )
    # no BSN in any message or value; BSN values are masked
    assert rej.filter(pl.col("kolom") == "bsn")["waarde"].unique().to_list() == ["#########"]
    text = (result.clean_dir / "validatie" / "afwijzingen.csv").read_text()
    assert "123456789" not in text and valid_bsn(5000) not in text
    # the report explains every rule and shows counts and masked examples
    html = (result.clean_dir / "validatie" / "index.html").read_text()
    assert "<h2>Controles op uitkeringen</h2>" in html and "reden_bij_einde" in html
    assert "uitkeringen.csv regel 8" in html and "#########" in html
    assert "123456789" not in html and "://" not in html  # offline: nothing loaded from elsewhere


def test_rows_of_a_rejected_person_are_rejected_with_that_reason():
    tables = good_delivery(n=30)
    personen = tables["personen"].frame.drop("_regel").to_dicts()
    personen[0]["geboortedatum"] = D(2015, 1, 1)  # too young: leeftijd
    tables["personen"] = raw_table("personen", personen)
    rej = validate_tables(tables, load_key()).afwijzingen
    assert ("personen", 2, "leeftijd") in set(rej.select("tabel", "regel", "controle").iter_rows())
    consequences = rej.filter(pl.col("controle") == "afgewezen_persoon")
    # the person had one benefit, two klantbeeld periods, one contact and one provision
    assert sorted(consequences["tabel"].to_list()) == [
        "contactmomenten",
        "klantbeeld",
        "klantbeeld",
        "uitkeringen",
        "voorzieningen",
    ]


def test_threshold_stops_after_writing_the_report(tmp_path):
    tables = good_delivery(n=10)
    uitkeringen = tables["uitkeringen"].frame.drop("_regel").to_dicts()
    uitkeringen[0]["regeling"] = "99"  # 1 of 10 = 10 % > 5 %
    tables["uitkeringen"] = raw_table("uitkeringen", uitkeringen)
    validation = validate_tables(tables, load_key())
    with pytest.raises(ThresholdExceeded) as info:
        _write(tables, validation, tmp_path, out_dir=tmp_path / "uit")
    message = str(info.value)
    assert "uitkeringen" in message and "10,0 %" in message and "drempel 5,0 %" in message
    assert info.value.result.stopped
    out = tmp_path / "uit"
    assert (out / "validatie" / "index.html").exists()
    assert (out / "validatie" / "afwijzingen.csv").exists()
    assert not list(out.glob("*.parquet"))
    # explicitly accepting it publishes
    result = _write(tables, validation, tmp_path, out_dir=tmp_path / "uit", max_afwijzing_pct=100)
    assert (result.clean_dir / "uitkeringen.parquet").exists() and not result.stopped
    # a later stopped run never replaces that published delivery
    with pytest.raises(ThresholdExceeded) as again:
        _write(tables, validation, tmp_path, out_dir=tmp_path / "uit", max_afwijzing_pct=5)
    assert (tmp_path / "uit" / "uitkeringen.parquet").exists()
    assert again.value.result.clean_dir == tmp_path / "uit.gestopt"


def test_threshold_messages():
    afstemming = pl.DataFrame(
        {
            "tabel": ["a", "b"],
            "bestand": ["a.csv", "b.csv"],
            "gelezen": [100, 100],
            "geaccepteerd": [95, 94],
            "afgewezen": [5, 6],
        }
    )
    assert threshold_breaches(afstemming, 5) == [
        "tabel b (b.csv): 6,0 % van de regels afgewezen (6 van 100), drempel 5,0 %"
    ]
    assert threshold_breaches(afstemming, 100) == []


def test_unusable_levering_stops_with_a_message(tmp_path):
    tables = good_delivery()
    tables["levering"] = raw_table(
        "levering",
        [{"organisatie": "Gemeente Leiden", "extractiedatum": None, "gegevens_vanaf": D(2015, 1, 1)}],
    )
    with pytest.raises(IngestError, match="levering.csv.*extractiedatum"):
        validate_tables(tables, load_key())
    del tables["uitkeringen"]
    with pytest.raises(IngestError, match="uitkeringen"):
        validate_tables(tables, load_key())


def test_same_input_gives_identical_files(tmp_path, faulty):
    tables, validation, _ = faulty
    again = validate_tables(tables, load_key())  # validation itself is deterministic too
    first = _write(tables, validation, tmp_path, out_dir=tmp_path / "a", max_afwijzing_pct=100).clean_dir
    second = _write(tables, again, tmp_path, out_dir=tmp_path / "b", max_afwijzing_pct=100).clean_dir
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_a_crash_leaves_no_half_delivery(tmp_path, monkeypatch, good):
    tables, validation = good
    calls = {"n": 0}
    original = pl.DataFrame.write_parquet

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("schijf vol")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", failing)
    with pytest.raises(OSError):
        _write(tables, validation, tmp_path, out_dir=tmp_path / "uit")
    assert not (tmp_path / "uit").exists()
    assert list(tmp_path.iterdir()) == []


def test_duplicates_are_found_as_by_their_definition():
    """The fast path (hash pass first) equals the definition: every row equal to an earlier one, with
    the first such row, lists compared element by element and empty cells equal to each other."""
    frame = pl.DataFrame(
        {
            "contact_id": ["a", "b", "a", "c", "a", None, None, "d", "d"],
            "soort": ["fip", "fip", "fip", "fip", "fip", "fip", "fip", "fip", "fip"],
            "leefgebieden": [["x"], ["x"], ["x"], [], ["x"], None, None, ["x", "y"], ["y", "x"]],
            "_regel": [2, 3, 4, 5, 6, 7, 8, 9, 10],
        }
    )
    out = find_duplicates("contactmomenten", frame).sort("_regel")
    assert out.rows() == [(4, 2), (6, 2), (8, 7)]
    assert find_duplicates("contactmomenten", frame.head(2)).height == 0
