"""`participatie ingest` end to end on a small hand-written CSV export (through the real reader)."""

from __future__ import annotations

import hashlib
import json

import polars as pl
import pytest

from pipelines.cli import main as cli_main
from tests.support.ingest_builders import good_delivery, raw_table, write_csv_export


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory):
    return write_csv_export(good_delivery(n=10), tmp_path_factory.mktemp("export") / "leiden")


def _hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_cli_ingest_ok(export_dir, tmp_path, capsys):
    out = tmp_path / "schoon"
    before = _hashes(export_dir)
    code = cli_main(["ingest", "--export", str(export_dir), "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert _hashes(export_dir) == before  # raw files are never modified
    assert {f["sha256"] for f in json.loads((out / "ingest.json").read_text())["bestanden"]} <= set(
        before.values()
    )
    assert "uitkeringen" in captured.out and "geaccepteerd" in captured.out
    meta = json.loads((out / "ingest.json").read_text())
    assert {f["bestand"] for f in meta["bestanden"]} >= {"levering.csv", "personen.csv", "uitkeringen.csv"}
    assert all(len(f["sha256"]) == 64 for f in meta["bestanden"])
    assert len(meta["sleutel_vingerafdruk"]) == 16
    afstemming = pl.read_csv(out / "validatie" / "afstemming.csv")
    assert (afstemming["gelezen"] == afstemming["geaccepteerd"] + afstemming["afgewezen"]).all()


def test_cli_threshold_exit_3(tmp_path, capsys):
    tables = good_delivery(n=10)
    rows = tables["uitkeringen"].frame.drop("_regel").to_dicts()
    rows[0]["regeling"] = "99"
    tables["uitkeringen"] = raw_table("uitkeringen", rows)
    export = write_csv_export(tables, tmp_path / "export")
    code = cli_main(["ingest", "--export", str(export), "--out", str(tmp_path / "schoon")])
    err = capsys.readouterr().err
    assert code == 3
    assert "uitkeringen" in err and "10,0 %" in err and "drempel 5,0 %" in err
    assert (tmp_path / "schoon" / "validatie" / "index.html").exists()
    code = cli_main(
        ["ingest", "--export", str(export), "--out", str(tmp_path / "schoon"), "--max-afwijzing-pct", "100"]
    )
    assert code == 0


def test_cli_missing_column_exit_2(tmp_path, capsys):
    tables = good_delivery(n=3)
    export = write_csv_export(tables, tmp_path / "export")
    personen = pl.read_csv(export / "personen.csv", separator=";", infer_schema=False).drop("geboortedatum")
    personen.write_csv(export / "personen.csv", separator=";")
    code = cli_main(["ingest", "--export", str(export), "--out", str(tmp_path / "schoon")])
    err = capsys.readouterr().err
    assert code == 2
    assert "personen.csv" in err and "geboortedatum" in err and "standaard" in err
    assert not (tmp_path / "schoon").exists()
