"""A fault-free export obeys the rules of export-format.md, checked directly on the generated frames."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines import schema
from pipelines.config import config_for
from pipelines.synth import generate_tables
from tests.support.synth_rules import violations


def test_presets_obey_every_rule(preset_tables):
    slug, tables = preset_tables
    assert violations(tables) == {}, slug


@pytest.mark.parametrize("personen", [50, 137])
def test_small_sizes_obey_every_rule(personen):
    tables = generate_tables("gemeente-leiden", personen=personen, seed=3)
    assert tables["personen"].height == personen
    assert violations(tables) == {}


def test_every_table_has_the_spec_columns(preset_tables):
    _, tables = preset_tables
    for name in schema.TABLE_ORDER:
        assert tables[name].columns == schema.TABLES[name].names


def test_couples_share_a_benefit(preset_tables):
    _, tables = preset_tables
    u = tables["uitkeringen"]
    couples = (
        u.filter(pl.col("leefvorm") == "3")
        .group_by("registratienummer")
        .agg(pl.col("bsn").n_unique().alias("n"))
    )
    assert couples.height > 0
    assert (couples["n"] == 2).all()


def test_realistic_dynamics_are_present(tables_by_preset):
    t = tables_by_preset["gemeente-leiden"]
    u, v, c = t["uitkeringen"], t["voorzieningen"], t["contactmomenten"]
    assert set(u["reden_beeindiging"].drop_nulls()) >= {"03", "11", "13", "14", "32"}
    assert set(u["regeling"]) >= {"01", "02", "11", "12"}
    assert t["inkomsten"].filter(pl.col("soort_inkomsten") == "11").height > 0
    assert set(v["soort"]) >= {
        "lks",
        "jobcoach",
        "ontwikkelbaan",
        "schuldhulpverlening",
        "tegenprestatie",
        "beschut_werk",
    }
    assert set(v["jobcoach_regime"].drop_nulls()) == set(schema.JOBCOACH_REGIME)
    assert set(c["soort"]) >= {"fip", "intake", "heronderzoek", "telefonisch", "huisbezoek"}
    assert set(t["medewerkers"]["functie"]) >= {"klantmanager", "werkconsulent", "jobcoach"}
    # re-entry within a month exists (a new benefit starting <= 30 days after the previous one ended)
    ins = u.filter(pl.col("regeling").is_in(("01", "02", "03"))).sort("bsn", "aanvangsdatum")
    gaps = ins.with_columns(
        (pl.col("aanvangsdatum") - pl.col("einddatum").shift(1).over("bsn")).dt.total_days().alias("gap")
    )
    assert gaps.filter(pl.col("gap").is_between(1, 30)).height > 0
    # perspective changes: persons with more than one klantbeeld period within one benefit
    assert t["klantbeeld"].group_by("bsn").len().filter(pl.col("len") > 1).height > 0
    # accents in provider names, so encodings really differ
    assert v["aanbieder"].str.contains("é").any()


def test_history_covers_ten_years(preset_tables):
    _, t = preset_tables
    lev = t["levering"]
    assert lev["extractiedatum"][0] == dt.date(2024, 10, 15)
    assert lev["gegevens_vanaf"][0] == dt.date(2014, 10, 1)
    u = t["uitkeringen"]
    assert u["aanvangsdatum"].min() < lev["gegevens_vanaf"][0]  # long-term clients started earlier
    assert (u["einddatum"].drop_nulls() >= lev["gegevens_vanaf"][0]).all()


def test_organisation_name_matches_the_configuration(preset_tables):
    slug, t = preset_tables
    assert t["levering"]["organisatie"][0] == config_for(slug).organisatie
    assert set(t["personen"]["gemeentecode"]) == set(config_for(slug).gemeenten)
