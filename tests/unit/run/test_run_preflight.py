"""`participatie run` and `ingest` refuse what cannot work before they start: exit 2, Dutch, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipelines import cli, preflight
from tests.support.ingest_builders import good_delivery, write_csv_export

KWARTAAL = "2024Q3"


@pytest.fixture(scope="module")
def small_export(tmp_path_factory):
    return write_csv_export(good_delivery(n=8), tmp_path_factory.mktemp("export") / "leiden")


def _run(export, tmp_path, *extra):
    return cli.main(
        [
            "run",
            "--export",
            str(export),
            "--kwartaal",
            KWARTAAL,
            "--clean-root",
            str(tmp_path / "clean"),
            *extra,
        ]
    )


@pytest.mark.parametrize("command", ["run", "ingest"])
@pytest.mark.parametrize("value", ["nan", "-1", "101"])
def test_threshold_must_be_a_percentage(command, value, small_export, tmp_path, capsys):
    args = [
        command,
        "--export",
        str(small_export),
        "--max-afwijzing-pct",
        value,
        "--out",
        str(tmp_path / "u"),
    ]
    if command == "run":
        args += ["--kwartaal", KWARTAAL]
    with pytest.raises(SystemExit) as stop:
        cli.main(args)
    assert stop.value.code == 2
    assert "0 tot en met 100" in capsys.readouterr().err
    assert not (tmp_path / "u").exists()


def test_a_short_key_stops_the_run_before_the_ingest(small_export, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PARTICIPATIE_SLEUTEL", "kort")
    assert _run(small_export, tmp_path, "--out", str(tmp_path / "uit")) == 2
    assert "te kort" in capsys.readouterr().err
    assert not (tmp_path / "clean").exists() and not (tmp_path / "uit").exists()


def test_a_key_path_that_is_a_folder_stops_the_run_before_the_ingest(
    small_export, tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("PARTICIPATIE_SLEUTEL")
    monkeypatch.setenv("PARTICIPATIE_SLEUTELBESTAND", str(tmp_path))
    assert _run(small_export, tmp_path, "--out", str(tmp_path / "uit")) == 2
    assert "is een map" in capsys.readouterr().err and not (tmp_path / "clean").exists()


def test_an_output_folder_that_cannot_be_written_stops_the_run_at_once(small_export, tmp_path, capsys):
    blocker = tmp_path / "bestand"
    blocker.write_text("")
    assert _run(small_export, tmp_path, "--out", str(blocker / "uit")) == 2
    assert "--out" in capsys.readouterr().err and not (tmp_path / "clean").exists()
    assert _run(small_export, tmp_path, "--out", str(tmp_path / "uit"), "--clean-root", str(blocker)) == 2
    assert "--clean-root" in capsys.readouterr().err


def test_a_second_run_into_the_same_folder_stops_at_once_with_exit_2(small_export, tmp_path, capsys):
    out = tmp_path / "uit"
    first = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = tmp_path / ".uit.lock"
        lock.write_text(json.dumps({"pid": first.pid, "start": preflight._start_time(first.pid)}))
        assert _run(small_export, tmp_path, "--out", str(out)) == 2
        err = capsys.readouterr().err
        assert f"proces {first.pid}" in err and "wacht tot die klaar is" in err
        assert not (tmp_path / "clean").exists()  # refused before its ingest
    finally:
        first.kill()
        first.wait()


def test_a_killed_ingest_leaves_nothing_behind_after_the_next_one(small_export, tmp_path, capsys):
    out = tmp_path / "schoon" / "levering"
    out.parent.mkdir(parents=True)
    left = out.parent / ".levering.tmp-99999"
    left.mkdir()
    (left / "personen.parquet").write_bytes(b"PAR1 half")
    assert cli.main(["ingest", "--export", str(small_export), "--out", str(out)]) == 0, (
        capsys.readouterr().err
    )
    assert sorted(p.name for p in out.parent.iterdir()) == ["levering"]
