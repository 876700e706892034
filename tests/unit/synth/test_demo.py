"""The `make demo` export (the Makefile's DEMO_* settings) shows every feature and stays below the threshold.

A board member found the demo's LKS split 100 % regular, no ontwikkelbanen, no rejected rows and
every ZRM participant improving. These checks keep the demo honest without freezing its figures.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

from pipelines.config import config_for
from pipelines.schema import TABLE_ORDER
from pipelines.synth import generate_export, generate_tables
from tests.support.synth_metrics import lks_split, zrm_change_per_participant

MAKEFILE = Path(__file__).resolve().parents[3] / "Makefile"
B = dt.date(2024, 9, 30)  # the demo quarter 2024Q3


def _demo_settings() -> dict[str, str]:
    """The DEMO_* and KWARTAAL variables of the Makefile (`NAME ?= value`)."""
    found = re.findall(r"^(DEMO_\w+|KWARTAAL) \?= (\S+)$", MAKEFILE.read_text(encoding="utf-8"), re.MULTILINE)
    return dict(found)


@pytest.fixture(scope="module")
def settings():
    s = _demo_settings()
    assert {"DEMO_ORG", "DEMO_PERSONEN", "DEMO_SEED", "DEMO_FOUTEN", "KWARTAAL"} <= set(s), s
    assert s["KWARTAAL"] == "2024Q3"
    return s


@pytest.fixture(scope="module")
def demo_tables(settings):
    return generate_tables(settings["DEMO_ORG"], int(settings["DEMO_PERSONEN"]), int(settings["DEMO_SEED"]))


def _running(soort: str | tuple[str, ...]) -> pl.Expr:
    soorten = (soort,) if isinstance(soort, str) else soort
    return (
        pl.col("soort").is_in(soorten)
        & (pl.col("begindatum") <= B)
        & (pl.col("einddatum").is_null() | (pl.col("einddatum") >= B))
    )


def test_lks_split_has_regular_employers_and_the_sw_company(demo_tables):
    split = lks_split(demo_tables["voorzieningen"], B)
    assert split["n"] >= 30
    for part in ("regulier", "sw_banenafspraak", "sw_beschut"):
        assert 5 <= split[part] <= 90, (part, split)


def test_ontwikkelbanen_and_jobcoaching_run(demo_tables):
    v = demo_tables["voorzieningen"]
    assert v.filter(_running("ontwikkelbaan")).height >= 10
    assert v.filter(_running("jobcoach")).height >= 10
    assert v.filter(_running("beschut_werk")).height >= 1
    assert set(v.filter(pl.col("soort") == "jobcoach")["jobcoach_regime"]) == {
        "zeer_licht",
        "licht",
        "midden",
        "intensief",
    }


def test_zrm_goes_both_ways(demo_tables):
    changes = zrm_change_per_participant(demo_tables, B)
    assert changes.height >= 20
    assert 0 < (changes["verschil"] > 0).sum() < changes.height
    assert (changes["verschil"] < 0).sum() >= 1


def test_faulty_rows_in_every_table_below_the_rejection_threshold(settings, tmp_path):
    out = generate_export(
        tmp_path,
        settings["DEMO_ORG"],
        int(settings["DEMO_PERSONEN"]),
        int(settings["DEMO_SEED"]),
        fouten_pct=float(settings["DEMO_FOUTEN"]),
    )
    faults = pl.read_csv(out / "fouten_injectie.csv", infer_schema=False)
    pct = float(settings["DEMO_FOUTEN"])
    limit = config_for(settings["DEMO_ORG"]).max_afwijzing_pct
    listed = dict(faults.select("tabel", "regel").unique().group_by("tabel").len().iter_rows())
    assert {"personen", "uitkeringen", "klantbeeld", "contactmomenten", "voorzieningen", "zrm"} <= set(listed)
    for name in TABLE_ORDER:
        rows = len((out / f"{name}.csv").read_bytes().splitlines()) - 1
        if name not in listed:  # too few rows for one fault at this percentage (levering, medewerkers)
            assert round(rows * pct / 100) == 0, name
            continue
        assert 100 * listed[name] / rows <= limit, (name, listed[name], rows)
