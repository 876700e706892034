"""compute_kpis as a whole and kpis.csv: complete, sorted, typed, byte-stable."""

import dataclasses
import datetime as dt
import hashlib

import polars as pl
import pytest

from pipelines.clean import load_clean
from pipelines.config import config_for
from pipelines.kpi.engine import (
    KPIS_COLUMNS,
    compute_kpis,
    format_number,
    read_kpis_csv,
    with_person_ids,
    write_kpis_csv,
)
from pipelines.kpi.registry import KPI_CATALOGUE, KPI_FAMILIES
from tests.support.kpi_frames import clean_data, config, personen, uitkering

D = dt.date


@pytest.fixture(scope="module")
def small():
    people = personen(("A", "0001"), ("B", "0001"), ("C", "0009"))  # 0009 is not in the configuration
    rows = [
        uitkering("A", D(2020, 1, 1)),
        uitkering("B", D(2024, 2, 1), D(2024, 8, 1), "11"),
        uitkering("C", D(2021, 5, 5)),
    ]
    medewerkers = [{"medewerker": "KM1", "functie": "klantmanager", "fte": 0.8}]
    return clean_data(
        {"personen": people, "uitkeringen": rows, "medewerkers": medewerkers},
        inwoners=[("0001", 2024, 3000), ("0002", 2024, 1000), ("0009", 2024, 700)],
    )


def test_one_row_per_kpi_municipality_and_peildatum(small):
    dates = [D(2024, 6, 30), D(2024, 9, 30)]
    kpis = compute_kpis(small, config(), dates)
    assert kpis.columns == list(KPIS_COLUMNS)
    assert set(kpis["gemeentecode"]) == {"totaal", "0001", "0002", "0009"}
    assert kpis.height == len(KPI_CATALOGUE) * 4 * 2
    assert kpis.select("kpi", "gemeentecode", "peildatum").is_unique().all()
    assert set(kpis["kpi"]) == set(KPI_CATALOGUE)
    assert kpis.equals(kpis.sort("kpi", "gemeentecode", "peildatum"))
    assert dict(kpis.schema)["n_jaren"] == pl.Int64 and dict(kpis.schema)["peildatum"] == pl.Date


def test_every_unavailable_value_has_a_reason(small):
    kpis = compute_kpis(small, config(), D(2024, 9, 30))
    missing = kpis.filter(pl.col("waarde").is_null())
    assert missing.height > 0 and missing["opmerking"].null_count() == 0
    assert (
        kpis.filter(pl.col("waarde").is_not_null() & pl.col("kpi").str.ends_with("_pct"))[
            "ci_laag"
        ].null_count()
        == 0
    )


def test_families_match_catalogue():
    assert [k for ks in KPI_FAMILIES.values() for k in ks] == list(KPI_CATALOGUE)
    assert {i.unit for i in KPI_CATALOGUE.values()} <= {"pct", "n", "ratio", "eur", "vlag"}
    for kpi, info in KPI_CATALOGUE.items():
        assert info.family in KPI_FAMILIES and kpi in KPI_FAMILIES[info.family]
        if kpi.endswith("_pct"):
            assert info.unit == "pct"


def test_unknown_family_is_refused(small):
    with pytest.raises(ValueError, match="onbekende familie"):
        compute_kpis(small, config(), D(2024, 9, 30), families=["uitstroom", "geluk"])


def test_csv_is_byte_stable_and_reads_back(small, tmp_path):
    kpis = compute_kpis(small, config(), D(2024, 9, 30))
    a = write_kpis_csv(kpis, tmp_path / "a.csv").read_bytes()
    b = write_kpis_csv(
        compute_kpis(small, config(), D(2024, 9, 30)).sample(fraction=1.0, shuffle=True, seed=1),
        tmp_path / "b.csv",
    ).read_bytes()
    assert a == b
    text = a.decode("utf-8")
    assert "\r" not in text and text.splitlines()[0] == ",".join(KPIS_COLUMNS)
    back = read_kpis_csv(tmp_path / "a.csv")
    assert back.equals(kpis)


def test_format_number():
    assert format_number(12.0) == "12"
    assert format_number(100 / 3) == "33.333333333333336"
    assert format_number(None) == "" and format_number(3) == "3"
    assert float(format_number(0.1 + 0.2)) == 0.1 + 0.2


def test_cli_writes_kpis_csv(small, tmp_path):
    from pipelines.cli import main

    clean = tmp_path / "clean"
    clean.mkdir()
    for name, frame in small.tables.items():
        frame.write_parquet(clean / f"{name}.parquet")
    small.inwoners.write_parquet(clean / "inwoners.parquet")
    out = tmp_path / "kpis.csv"
    assert main(["kpi", "--clean", str(clean), "--kwartaal", "2024Q3", "--out", str(out)]) == 0
    kpis = read_kpis_csv(out)
    assert set(kpis["peildatum"]) == {D(2024, 9, 30)}
    assert (
        kpis.filter((pl.col("kpi") == "bestand_n") & (pl.col("gemeentecode") == "totaal"))["waarde"].item()
        == 2
    )
    assert main(["kpi", "--clean", str(clean), "--kwartaal", "2024Q7"]) == 2


def test_target_group_breakdown_uses_the_same_definitions(small):
    from pipelines.kpi.engine import restrict_to_persons

    sub = restrict_to_persons(small, ["A", "C"])
    kpis = compute_kpis(sub, config(), D(2024, 9, 30), families=["bestand"])
    assert (
        kpis.filter((pl.col("kpi") == "bestand_n") & (pl.col("gemeentecode") == "totaal"))["waarde"].item()
        == 2
    )
    assert sub.get("medewerkers").equals(small.get("medewerkers"))


def test_person_ids_are_exact_or_not_used(small_clean):
    """Pseudonyms become their 16-character prefix as a number; anything else stays as it is."""
    data = load_clean(small_clean)
    short = with_person_ids(data)
    assert short is data  # the fixture's keys are not pseudonyms: nothing to gain, nothing changed

    def pseudonym(value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()

    tables = {
        name: frame.with_columns(pl.col("persoon").map_elements(pseudonym, return_dtype=pl.String))
        if "persoon" in frame.columns
        else frame
        for name, frame in data.tables.items()
    }
    hexed = dataclasses.replace(data, tables=tables)
    ids = with_person_ids(hexed)
    personen = hexed.get("personen").get_column("persoon")
    assert ids.get("personen").get_column("persoon").to_list() == [int(p[:16], 16) for p in personen]
    assert ids.get("personen").get_column("persoon").dtype == pl.UInt64
    # a row whose pseudonym is not the one its prefix stands for: no ids at all (exact or nothing)
    broken = dict(tables)
    uitkeringen = broken["uitkeringen"]
    first = uitkeringen.get_column("persoon")[0]
    broken["uitkeringen"] = uitkeringen.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(first[:16] + "0" * 48))
        .otherwise(pl.col("persoon"))
        .alias("persoon")
    )
    clash = dataclasses.replace(data, tables=broken)
    assert with_person_ids(clash) is clash
    # the figures do not depend on how persons are keyed
    cfg = config_for(data.organisatie)
    assert compute_kpis(hexed, cfg, D(2024, 9, 30)).equals(compute_kpis(data, cfg, D(2024, 9, 30)))


def test_families_side_by_side_give_the_figures_of_one_after_another(demo_clean, monkeypatch):
    """`compute_kpis` runs families in threads; the whole series of the demo is the same as in turn."""
    from pipelines.kpi import engine
    from pipelines.periods import peildatum, series_peildata

    data = load_clean(demo_clean)
    codes = data.get("personen").get_column("gemeentecode").unique().drop_nulls().to_list()
    cfg = config_for(data.organisatie, gemeentecodes=codes)
    dates = series_peildata(peildatum("2024Q3"), data.gegevens_vanaf)
    monkeypatch.setattr(engine, "family_threads", lambda: 2)
    side_by_side = compute_kpis(data, cfg, dates)
    monkeypatch.setattr(engine, "family_threads", lambda: 1)
    assert side_by_side.equals(compute_kpis(data, cfg, dates))


def test_a_shared_frame_is_computed_once_by_threads_that_ask_at_once(small):
    """Two families asking for the same intermediate frame at the same moment: one computes, one waits."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from pipelines.kpi.base import Context, Unavailable

    ctx = Context.build(small, config())
    calls, both_asking = [], threading.Barrier(2)

    def slow() -> str:
        calls.append(1)
        threading.Event().wait(0.2)
        return "frame"

    def ask(_: int) -> str:
        both_asking.wait()
        return ctx.cached(("gedeeld",), slow)

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(ask, range(2))) == ["frame", "frame"]
    assert len(calls) == 1

    def unavailable() -> str:
        calls.append(1)
        raise Unavailable("tabel ontbreekt")

    for _ in range(2):  # a failure is not kept: every caller meets it
        with pytest.raises(Unavailable):
            ctx.cached(("ontbreekt",), unavailable)
    assert len(calls) == 3
    assert ctx.spells is ctx.spells
