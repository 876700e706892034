"""The one masking rule (messages, files, headers) and the one CSV writer (no formulas)."""

from __future__ import annotations

import csv

import polars as pl

from pipelines import csvout, errors


def test_every_shape_of_a_bsn_is_masked_anywhere_in_a_text():
    text = "regel 3: '983938258' en 983938258,00 en 999 720 466 en 999.720.466 en 999-720-466"
    masked = errors.mask_identifiers(text)
    assert "983938258" not in masked and "720" not in masked
    assert masked.count(errors.MASK) == 5
    # other numbers stay: a date, a postcode, ten digits (not a BSN), eight digits
    for keep in ("2024-09-30", "2316 XB", "0612345678x", "12345678"):
        assert errors.mask_identifiers(keep) == keep


def test_safe_message_masks_and_cuts_a_message_that_quotes_data():
    long = "voorzieningen.csv: " + "V1;983938258;meedoen;2019-06-27\n" * 5000
    safe = errors.safe_message(long)
    assert len(safe) < errors.MESSAGE_LIMIT + 50 and safe.endswith("(melding ingekort)")
    assert "983938258" not in safe


def test_mask_data_masks_strings_and_keys_but_not_checksums():
    digest = "0123456789abcdef" * 4
    data = {"bestanden": [{"bestand": "123456782.csv", "sha256": digest}], "123456782": ["kolom 123456782"]}
    masked = errors.mask_data(data)
    assert masked == {
        "bestanden": [{"bestand": "#########.csv", "sha256": digest}],
        "#########": ["kolom #########"],
    }


def test_formula_cells_are_neutralised_and_numbers_are_not(tmp_path):
    frame = pl.DataFrame(
        {
            "waarde": ['=hyperlink("http://x","klik")', "=cmd|' /c calc'!a0", "+31", "-1", "@som", "gewoon"],
            "getal": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    path = csvout.write_csv(frame, tmp_path / "uit.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [r["waarde"] for r in rows] == [
        '\'=hyperlink("http://x","klik")',
        "'=cmd|' /c calc'!a0",
        "'+31",
        "'-1",
        "'@som",
        "gewoon",
    ]
    assert rows[0]["getal"] == "-1.5"
    assert csvout.neutralise_cell("\t=1") == "'\t=1" and csvout.neutralise_cell("a=1") == "a=1"
