"""The family registry: one object per family, and everything that loops over it picks up a new one."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import openpyxl
import polars as pl
import pytest

from pipelines.config import OrgConfig
from pipelines.kpi import registry
from pipelines.kpi.base import Context, by_gemeente, count_rows
from pipelines.kpi.engine import compute_kpis, kpi_value
from pipelines.kpi.registry import KINDS, KPI_CATALOGUE, KPI_FAMILIES, Family, NormRule
from pipelines.report import dashboard, present, xlsx
from pipelines.schema import PERSON_COLUMN
from tests.support.kpi_frames import clean_data, personen, uitkering

D = dt.date


def _dummy_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    """Persons in `personen`, per municipality: the smallest family one could write."""
    persons = ctx.data.get("personen").select(PERSON_COLUMN, "gemeentecode")
    agg = by_gemeente(persons, [pl.len().alias("n")], ctx.gemeenten)
    return count_rows(agg, {"dummy_personen_n": "n"})


DUMMY = Family(
    id="dummy",
    label="Nepfamilie",
    order=999,
    rows=_dummy_rows,
    norms=lambda config: [NormRule("dummy_personen_n", ">=", 1)],
    kpis=(registry.kpi("dummy_personen_n", "Personen (nep)", "n", "aantal", "dummy"),),
)


@pytest.fixture
def dummy_family():
    registry.register(DUMMY)
    yield DUMMY
    registry.unregister(DUMMY.id)


def test_every_family_module_registers_one_family():
    assert list(KPI_FAMILIES) == [
        "uitstroom", "deeltijdwerk", "bestand", "lks", "fip", "caseload", "meedoen", "doelgroepen", "budget",
        "cohorten", "duurzaamheid", "overgangen",
    ]  # fmt: skip
    for family in registry.families().values():
        assert family.ids == tuple(KPI_FAMILIES[family.id])
        assert all(KPI_CATALOGUE[k].family == family.id for k in family.ids)


def test_a_new_family_needs_only_its_own_object(dummy_family, tmp_path):
    data = clean_data(
        {
            "personen": personen(("A", "0001"), ("B", "0001"), ("C", "0002")),
            "uitkeringen": [uitkering("A", D(2020, 1, 1))],
        }
    )
    config = OrgConfig("Test", gemeenten={"0001": "Een", "0002": "Twee"})
    b = D(2024, 9, 30)
    # catalogue and kinds
    assert (
        KPI_CATALOGUE["dummy_personen_n"].label == "Personen (nep)" and KINDS["dummy_personen_n"] == "aantal"
    )
    # engine
    kpis = compute_kpis(data, config, b, families=["dummy"])
    assert kpi_value(kpis, "dummy_personen_n") == 3 and kpi_value(kpis, "dummy_personen_n", "0002") == 1
    assert kpis.filter(pl.col("gemeentecode") == "0002").get_column("onderdrukt").to_list() == [
        "aantal_klein"
    ]
    # dashboard norms
    assert dashboard.config_norms(config).rules["dummy_personen_n"].op == ">="
    # Excel: a sheet of its own
    pub = present.publication_frame(kpis, KPI_CATALOGUE, config.min_cell, config.min_noemer)
    path = xlsx.write_kpis_xlsx(
        pub, KPI_CATALOGUE, config.gemeenten, tmp_path / "k.xlsx", organisatie="Test", kwartaal="2024Q3",
        min_cell=5, min_noemer=10,
    )  # fmt: skip
    book = openpyxl.load_workbook(path)
    assert "dummy" in book.sheetnames
    assert book["dummy"]["A1"].value.startswith("Nepfamilie")


def test_unregistered_family_is_gone_again():
    assert "dummy" not in KPI_FAMILIES and "dummy_personen_n" not in KPI_CATALOGUE


def test_a_kpi_id_cannot_belong_to_two_families():
    clash = Family(
        id="dubbel", label="x", order=1, rows=_dummy_rows,
        kpis=(registry.kpi("bestand_n", "x", "n", "aantal", "dubbel"),),
    )  # fmt: skip
    with pytest.raises(ValueError, match="bestand_n"):
        registry.register(clash)


def test_the_engine_imports_no_report_notebook_or_great_expectations_module():
    code = (
        "import sys, pipelines.kpi.engine\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('pipelines.report', 'pipelines.run', "
        "'pipelines.ingest', 'great_expectations', 'altair', 'papermill', 'nbformat', 'IPython')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_catalogue_views_follow_a_registration_in_every_way_they_are_read(dummy_family):
    """`in`, `get`, `keys`, `items` and `values` read the registry as it is now, as indexing does."""
    key = "dummy_personen_n"
    assert key in KPI_CATALOGUE and KPI_CATALOGUE.get(key) is KPI_CATALOGUE[key]
    assert key in KPI_CATALOGUE.keys() and dict(KPI_CATALOGUE.items())[key] is KPI_CATALOGUE[key]
    assert KPI_CATALOGUE[key] in list(KPI_CATALOGUE.values())
    assert len(KPI_CATALOGUE.keys()) == len(KPI_CATALOGUE) == len(list(KPI_CATALOGUE.items()))
    registry.unregister(DUMMY.id)
    try:
        assert key not in KPI_CATALOGUE and KPI_CATALOGUE.get(key, "weg") == "weg"
        assert key not in dict(KPI_CATALOGUE.items()) and "dummy" not in KPI_FAMILIES
    finally:
        registry.register(DUMMY)  # the fixture unregisters it
