"""The KPI engine on generated exports: every KPI for every municipality, and the calibration targets.

These use the synthetic generator and the ingest of other modules; the unit tests next to this file
check the definitions on hand-built frames.
"""

import polars as pl
import pytest

from pipelines.clean import load_clean
from pipelines.config import config_for
from pipelines.kpi.engine import compute_kpis, kpi_value, write_kpis_csv
from pipelines.kpi.registry import KPI_CATALOGUE
from pipelines.periods import peildatum

B = peildatum("2024Q3")


@pytest.fixture(scope="module")
def demo_kpis(demo_clean):
    data = load_clean(demo_clean)
    config = config_for(data.organisatie)
    return data, config, compute_kpis(data, config, B)


def test_demo_has_every_kpi_for_every_municipality(demo_kpis):
    data, config, kpis = demo_kpis
    codes = {"totaal"} | set(config.gemeenten) | set(data.get("personen")["gemeentecode"].unique())
    assert set(kpis["gemeentecode"]) == codes
    assert kpis.height == len(KPI_CATALOGUE) * len(codes)
    # the demo export has every table and ten years of history: only the case-load rows per municipality,
    # empty populations of single municipalities and what the configuration leaves out may lack a value: the
    # preset has no fixed baseline years and no budget lines (its budget per perspective is illustrative),
    # and a small demo may have no job coaching running on b (then no regime mix)
    missing = kpis.filter(pl.col("waarde").is_null() & (pl.col("gemeentecode") == "totaal"))
    by_configuration = {
        "niet beschikbaar: geen norm_basisjaren in de configuratie (vaste basis)",
        "niet beschikbaar: geen begrotingsregels voor 2024 in de configuratie (participatiebudget)",
    }
    no_coaching = missing["kpi"].str.starts_with("jobcoach_regime_") & (kpi_value(kpis, "jobcoach_n") == 0)
    unexpected = missing.filter(~pl.col("opmerking").is_in(by_configuration) & ~no_coaching)
    assert unexpected.height == 0, unexpected.select("kpi", "opmerking").rows()
    assert set(missing.filter(pl.col("opmerking").is_in(by_configuration))["kpi"]) == {
        "uitstroom_werk_pct_vast",
        "uitstroom_werk_inkomen_pct_vast",
        "deeltijdwerk_pct_vast",
        "deeltijdwerk_inkomen_pct_vast",
        "budget_vaste_lasten",
    }


def test_demo_csv_is_reproducible(demo_kpis, tmp_path):
    data, config, kpis = demo_kpis
    first = write_kpis_csv(kpis, tmp_path / "a.csv").read_bytes()
    again = write_kpis_csv(compute_kpis(data, config, B), tmp_path / "b.csv").read_bytes()
    assert first == again


@pytest.mark.slow
def test_mid_sized_preset_lands_near_its_policy_figures(tmp_path_factory):
    from pipelines.ingest.deliver import ingest_export
    from pipelines.synth import generate_export

    root = tmp_path_factory.mktemp("pn")
    export = generate_export(root / "export", organisatie="gemeente-pijnacker-nootdorp", seed=2024)
    data = load_clean(ingest_export(export, clean_root=root / "clean").clean_dir)
    kpis = compute_kpis(data, config_for(data.organisatie), B)

    def v(kpi):
        return kpi_value(kpis, kpi)

    # domain.md: about 480 benefits; perspectives about 60 / 290 / 140 with about 23 permanently exempt;
    # 60 % longer than 2 years, 44 % longer than 5; outflow to work 60-85 a year; about 144 in a year;
    # 16.7 benefits per 1,000 inhabitants 18+; about 300 tegenprestatie.
    assert 380 <= v("uitkeringen_n") <= 600
    assert 40 <= v("perspectief_werken_n") <= 90
    assert 220 <= v("perspectief_werken_aan_n") <= 360
    assert 100 <= v("perspectief_meedoen_n") <= 180
    assert 12 <= v("duurzaam_vrijgesteld_n") <= 35
    assert 50 <= v("duur_2plus_pct") <= 70
    assert 34 <= v("duur_5plus_pct") <= 54
    assert 40 <= v("uitstroom_werk_n") <= 100
    assert 100 <= v("instroom_n") <= 190
    assert 13 <= v("bijstandsdichtheid") <= 20.5
    assert 200 <= v("tegenprestatie_n") <= 400
    assert v("fip_populatie_n") > 150 and 1 <= v("fip_per_jaar_gem") <= 5
