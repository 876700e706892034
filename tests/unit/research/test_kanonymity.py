"""k-anonymity on a hand-built population: which cells are coarsened, what the report counts."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.research.kanonymity import (
    QUASI_IDENTIFIERS,
    coarsen_birth_years,
    latest_household_type,
    quasi_identifiers,
)

S1 = ("1", "0546", "1", "nederlands")
S2 = ("2", "0546", "1", "nederlands")
S3 = ("1", "1926", "2", "westers")


def population() -> pl.DataFrame:
    rows = []

    def add(stratum, year, n=1):
        for _ in range(n):
            rows.append(
                {
                    "persoon": f"p{len(rows):02d}",
                    "geboortejaar": year,
                    **dict(zip(QUASI_IDENTIFIERS[1:], stratum, strict=True)),
                }
            )

    add(S1, 1980, 6)  # one class of 6: stays exact
    add(S2, 1981), add(S2, 1982), add(S2, 1983), add(S2, 1984, 3)  # band 1980 of S2: classes 1, 1, 1, 3
    add(S2, 1991, 5)  # band 1990 of S2: one class of 5, stays exact although S2 has small classes elsewhere
    add(S3, 1970)  # alone in its stratum: small before and after
    return pl.DataFrame(rows).select("persoon", *QUASI_IDENTIFIERS)


def test_coarsening_triggers_only_in_cells_with_a_small_class():
    result = coarsen_birth_years(population(), min_cell=5)
    persons = population().join(result.persons.rename({"geboortejaar": "uit"}), on="persoon")
    s2_band = persons.filter((pl.col("geslacht") == "2") & (pl.col("geboortejaar") < 1990))
    assert s2_band.height == 6
    assert (
        s2_band.get_column("uit").is_null().all()
        and (s2_band.get_column("geboortejaar_klasse") == 1980).all()
    )
    s1 = persons.filter(pl.col("geslacht") == "1", pl.col("gemeentecode") == "0546")
    assert s1.get_column("uit").to_list() == [1980] * 6
    s2_1991 = persons.filter(pl.col("geboortejaar") == 1991)
    assert s2_1991.get_column("uit").to_list() == [1991] * 5
    assert s2_1991.get_column("geboortejaar_klasse").to_list() == [1990] * 5
    s3 = persons.filter(pl.col("gemeentecode") == "1926").row(0, named=True)
    assert s3["uit"] is None and s3["geboortejaar_klasse"] == 1970


def test_report_counts_small_classes_before_and_after_by_hand():
    result = coarsen_birth_years(population(), min_cell=5)
    report = {
        (r["fase"], r["klassegrootte"]): (r["klassen"], r["personen"])
        for r in result.report.iter_rows(named=True)
    }
    # before: 1981, 1982, 1983 of S2 and the S3 person are classes of one; 1984 of S2 a class of three
    assert report[("voor", 1)] == (4, 4) and report[("voor", 2)] == (0, 0)
    assert report[("voor", 3)] == (1, 3) and report[("voor", 4)] == (0, 0)
    # after: S2's band 1980 is one class of six; only the S3 person is still alone
    assert report[("na", 1)] == (1, 1) and report[("na", 3)] == (0, 0)
    s = result.summary
    assert s["personen_geboortejaar_vergroofd"] == 7 and s["cellen_vergroofd"] == 2
    assert s["kleine_klassen_voor"] == 5 and s["personen_in_kleine_klassen_voor"] == 7
    assert s["kleine_klassen_na"] == 1 and s["personen_in_kleine_klassen_na"] == 1
    assert s["klassen_voor"] == 7 and s["klassen_na"] == 4


def test_nothing_is_coarsened_when_every_class_is_large_enough():
    result = coarsen_birth_years(population(), min_cell=1)
    assert result.summary["personen_geboortejaar_vergroofd"] == 0
    assert result.persons.get_column("geboortejaar").null_count() == 0
    assert result.report.is_empty()  # no class sizes below 1


def test_household_type_is_the_leefvorm_of_the_latest_period():
    d = dt.date
    uitkeringen = pl.DataFrame(
        {
            "registratienummer": ["U1", "U2", "U3", "U4"],
            "persoon": ["a", "a", "b", "b"],
            "aanvangsdatum": [d(2018, 1, 1), d(2020, 1, 1), d(2019, 1, 1), d(2019, 1, 1)],
            "einddatum": [d(2019, 1, 1), None, d(2019, 6, 1), None],
            "leefvorm": ["1", "3", "2", "4"],
        }
    )
    got = dict(latest_household_type(uitkeringen).iter_rows())
    assert got == {"a": "3", "b": "4"}  # b: same start, the running period wins


def test_quasi_identifiers_take_the_birth_year_and_keep_persons_without_benefits():
    personen = pl.DataFrame(
        {
            "persoon": ["a", "z"],
            "geboortedatum": [dt.date(1987, 5, 17), dt.date(1960, 1, 1)],
            "geslacht": ["1", "2"],
            "gemeentecode": ["0546", "0546"],
            "migratieachtergrond": ["nederlands", None],
        }
    )
    uitkeringen = pl.DataFrame(
        {
            "registratienummer": ["U1"],
            "persoon": ["a"],
            "aanvangsdatum": [dt.date(2020, 1, 1)],
            "einddatum": [None],
            "leefvorm": ["2"],
        },
        schema_overrides={"einddatum": pl.Date},
    )
    qi = quasi_identifiers(personen, uitkeringen)
    assert qi.columns == ["persoon", *QUASI_IDENTIFIERS]
    assert qi.row(0) == ("a", 1987, "1", "0546", "2", "nederlands")
    assert qi.row(1) == ("z", 1960, "2", "0546", None, None)
