"""`participatie ingest` end to end on a small hand-written CSV export (through the real reader)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

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


def test_great_expectations_is_loaded_for_good_before_the_export_is_read(export_dir, tmp_path):
    """An ingest freezes GE's objects out of the collector's way (`deliver.prepare_rule_engine`), and does so
    before the export is read: what is frozen stays, and the tables read must not be among it."""
    code = (
        "import gc, json, sys\n"
        "from pathlib import Path\n"
        "from pipelines.ingest import deliver\n"
        "seen = {}\n"
        "read_export = deliver.read_export\n"
        "def reading(*args, **kwargs):\n"
        "    seen.update(ge='great_expectations' in sys.modules, frozen=gc.get_freeze_count())\n"
        "    frame = read_export(*args, **kwargs)\n"
        "    seen['after_read'] = gc.get_freeze_count()\n"
        "    return frame\n"
        "deliver.read_export = reading\n"
        f"deliver.ingest_export(Path({str(export_dir)!r}), out_dir=Path({str(tmp_path / 'schoon')!r}))\n"
        "seen['end'] = gc.get_freeze_count()\n"
        "print(json.dumps(seen))\n"
    )
    # the key comes from the environment the tests set (tests/conftest.py)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["ge"] and seen["frozen"] > 10_000  # GE's objects, frozen before reading
    # nothing frozen once the export is read: the count only shrinks (frozen objects freed leave it)
    assert seen["end"] <= seen["after_read"] <= seen["frozen"]
