"""The fast validation (GE on one row per class of rows, first for its verdicts and then for the rows of
the rules that failed) gives exactly what one complete GE pass on every row gives.

Built from a synthetic export with built-in faults in every table (codes, patterns, ranges, date
order, duplicates, unknown and rejected persons, conditional fields), so every kind of rule fails
somewhere: rejects, warnings, reconciliation, the outcome of every expectation and the clean rows
must be identical between `compress=True` (what ingest runs) and `compress=False` (every row to GE).
"""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

from pipelines.ingest import deliver
from pipelines.ingest.pseudonym import load_key
from pipelines.ingest.read import read_export
from pipelines.synth import generate_export


@pytest.fixture(scope="module")
def faulty_read(tmp_path_factory):
    out = tmp_path_factory.mktemp("fout") / "export"
    generate_export(out, organisatie="isd-bollenstreek", personen=2500, seed=5, fouten_pct=2)
    return read_export(out)


def test_compressed_validation_equals_every_row_validation(faulty_read):
    key = load_key()
    fast = deliver.validate_tables(faulty_read.tables, key)
    reference = deliver.validate_tables(faulty_read.tables, key, compress=False)
    assert fast.afwijzingen.height > 500  # the faults really are there
    assert set(fast.afwijzingen.get_column("controle")) >= {
        "codelijst",
        "verplicht",
        "elfproef",
        "dubbel",
        "onbekende_persoon",
        "datumvolgorde",
    }
    assert not fast.uitkomsten.get_column("geslaagd").all()
    for name in ("afwijzingen", "waarschuwingen", "afstemming", "uitkomsten"):
        assert_frame_equal(getattr(fast, name), getattr(reference, name))
    assert fast.accepted.keys() == reference.accepted.keys()
    for table, frame in fast.accepted.items():
        assert_frame_equal(frame, reference.accepted[table])
