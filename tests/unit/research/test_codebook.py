"""Codebook sources: every export column described, every code list labelled, every table specified."""

from __future__ import annotations

import pytest

from pipelines import schema
from pipelines.research.codebook import EXTRACT_TABLES, REKEYED, extract_fields, field_descriptor
from pipelines.research.formats import numeric_code_map, variable_label


def test_every_clean_column_has_a_dutch_and_english_description():
    for name, table in schema.TABLES.items():
        assert set(schema.COLUMN_TEXT[name]) == set(table.clean_schema()), name
        assert all(nl and en for nl, en in schema.COLUMN_TEXT[name].values()), name
        assert all(schema.TABLE_TEXT[name])


def test_every_code_list_has_a_label_for_exactly_its_codes():
    for name, codes in schema.CODE_LISTS.items():
        assert tuple(schema.CODE_LABELS[name]) == codes, name
    assert list(schema.CODE_LABELS["trede"]) == [str(i) for i in range(1, 7)]
    assert list(schema.CODE_LABELS["zrm_score"]) == [str(i) for i in range(1, 6)]
    for table in schema.TABLES.values():
        for column in table.columns:
            if column.codes is not None:
                assert schema.code_list_name(table.name, column.name) in schema.CODE_LISTS, column.name


@pytest.mark.parametrize("table", EXTRACT_TABLES)
def test_extract_tables_are_fully_specified(table):
    spec = extract_fields(table, {"0546": "Leiden"})
    assert spec.names and len(set(spec.names)) == len(spec.names)
    assert all(len(n) <= 32 for n in spec.names)  # Stata's limit
    for field in spec.fields:
        assert field.nl and field.en and field.type in ("string", "integer", "number", "boolean", "date")
        descriptor = field_descriptor(field)
        if field.codes and field.code_list != "gemeente":
            assert descriptor["constraints"]["enum"] == [c for c, _, _ in field.codes]
            mapping = numeric_code_map(field)
            assert len(set(mapping.values())) == len(mapping)  # one number per code
        assert len(variable_label(field)) <= 80
    assert set(spec.primary_key) <= set(spec.names)


def test_numeric_codes_keep_digit_codes_and_number_the_others():
    spec = extract_fields("uitkeringen", {})
    assert numeric_code_map(spec.field("reden_beeindiging"))["97"] == 97
    assert numeric_code_map(extract_fields("klantbeeld", {}).field("perspectief")) == {
        "werken": 1,
        "werken_aan": 2,
        "meedoen": 3,
    }


def test_no_identifier_column_of_the_organisation_is_kept_unkeyed():
    for (table, column), (_, new) in REKEYED.items():
        spec = extract_fields(table, {})
        assert spec.field(new).pseudonym
        assert column == new or column not in spec.names
    for table in EXTRACT_TABLES:
        names = extract_fields(table, {}).names
        assert not {"clientnummer", "geboortedatum", "aanbieder", "stap", "bsn", "leefgebieden"} & set(names)
