"""The clean layer holds no direct identifier: no `clientnummer`, no free text, no BSN in a kept text."""

from __future__ import annotations

import re

import polars as pl

from pipelines import schema
from pipelines.ingest.deliver import validate_tables, write_delivery
from pipelines.ingest.pseudonym import key_fingerprint, load_key
from tests.support.ingest_builders import good_delivery, raw_table, read_of


def _strings(frame: pl.DataFrame) -> str:
    return "\n".join(
        str(v) for c, t in frame.schema.items() if t == pl.String for v in frame.get_column(c).to_list()
    )


def test_clientnummer_and_free_text_never_reach_clean_data_and_bsns_in_record_numbers_become_tokens(tmp_path):
    tables = good_delivery(n=6)
    personen = tables["personen"].frame.drop("_regel").to_dicts()
    for row in personen:
        row["clientnummer"] = row["bsn"]  # a system that fills the client number with the BSN
    tables["personen"] = raw_table("personen", personen)
    uitkeringen = tables["uitkeringen"].frame.drop("_regel").to_dicts()
    for row in uitkeringen:
        row["registratienummer"] = f"U-{row['bsn']}"  # record numbers built from the BSN
    tables["uitkeringen"] = raw_table("uitkeringen", uitkeringen)
    voorzieningen = tables["voorzieningen"].frame.drop("_regel").to_dicts()
    voorzieningen[0]["aanbieder"] = f"Bureau X, client {personen[0]['bsn']}"
    tables["voorzieningen"] = raw_table("voorzieningen", voorzieningen)
    bsns = {row["bsn"] for row in personen}

    key = load_key()
    validation = validate_tables(tables, key)
    result = write_delivery(
        read_of(tables), validation, key_fingerprint(key), tmp_path, out_dir=tmp_path / "c"
    )
    assert result.afwijzingen.is_empty()
    for name in tables:
        frame = pl.read_parquet(result.clean_dir / f"{name}.parquet")
        assert not {"clientnummer", "aanbieder", "stap", "bsn"} & set(frame.columns), name
        found = set(re.findall(r"(?<!\d)\d{9}(?!\d)", _strings(frame)))
        assert not found & bsns, name
    assert "clientnummer" not in schema.clean_schema("personen")
    uitk = pl.read_parquet(result.clean_dir / "uitkeringen.parquet")
    # one token per distinct record number: counts and joins on the column still work
    assert uitk["registratienummer"].n_unique() == len(uitkeringen)
    assert uitk["registratienummer"].str.contains(r"^U-#[0-9a-f]{12}$").all()
