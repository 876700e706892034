"""The generator's named format variants and the vendor layout read to the same frames."""

from __future__ import annotations

import polars as pl
import pytest

from pipelines import synth
from pipelines.ingest.read import LINE_COLUMN, read_export, write_in_profile_layout

ORG = "isd-bollenstreek"
PERSONEN = 200
SEED = 11


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """name -> (folder, read) for every named format, without faults."""
    out = {}
    for name in synth.FORMATS:
        folder = tmp_path_factory.mktemp(f"synth-{name}")
        synth.generate_export(folder, organisatie=ORG, personen=PERSONEN, seed=SEED, formaat=name)
        out[name] = (folder, read_export(folder))
    return out


@pytest.mark.parametrize("name", list(synth.FORMATS))
def test_every_generator_format_reads_to_the_same_frames(name, generated):
    reference = generated["standaard"][1]
    read = generated[name][1]
    assert list(read.tables) == list(reference.tables)
    for table, raw in read.tables.items():
        assert raw.rejects.is_empty(), raw.rejects
        assert raw.gelezen == raw.frame.height > 0
        left, right = raw.frame, reference.tables[table].frame
        if raw.format["bron"] == "xlsx":  # sheet rows, not text lines
            left, right = left.drop(LINE_COLUMN), right.drop(LINE_COLUMN)
        assert left.equals(right), table


@pytest.mark.parametrize("formaat", ["standaard", "excel-nl"])
def test_injected_faults_and_type_rejects_agree(formaat, tmp_path):
    folder = tmp_path / "export"
    synth.generate_export(
        folder, organisatie=ORG, personen=PERSONEN, seed=SEED, formaat=formaat, fouten_pct=4
    )
    read = read_export(folder)
    assert "fouten_injectie.csv" in read.ignored_files
    faults = pl.read_csv(folder / "fouten_injectie.csv", infer_schema=False)
    expected = (
        faults.filter(pl.col("controle") == "type")
        .select("bestand", pl.col("regel").cast(pl.Int64), "kolom")
        .unique()
        .sort(pl.all())
    )
    rejects = pl.concat([raw.rejects for raw in read.tables.values()])
    assert rejects.select("bestand", "regel", "kolom").unique().sort(pl.all()).equals(expected)
    for raw in read.tables.values():
        assert raw.gelezen == raw.frame.height + raw.rejects["regel"].n_unique()


def test_generated_export_in_vendor_layout_reads_back_the_same(tmp_path):
    folder = tmp_path / "standaard"
    synth.generate_export(folder, organisatie=ORG, personen=PERSONEN, seed=SEED, fouten_pct=4)
    write_in_profile_layout(folder, "gws4all", tmp_path / "gws4all")
    standard, vendor = read_export(folder), read_export(tmp_path / "gws4all", profile="gws4all")
    assert vendor.profile == "gws4all"
    assert list(vendor.tables) == list(standard.tables)
    for table, raw in vendor.tables.items():
        assert raw.frame.equals(standard.tables[table].frame), table
        key = ["regel", "kolom", "controle"]
        assert raw.rejects.select(key).equals(standard.tables[table].rejects.select(key)), table
    # the vendor layout really differs: its own names and codes
    text = (tmp_path / "gws4all" / "uitkeringen.csv").read_bytes().decode("cp1252")
    assert text.startswith("DOSSIERNUMMER;CLIENT_BSN;REGELING") and ";PW;" in text
