"""The Meedoen! pilot on the shared-service demo delivery: meaningful figures, and the notebook under
papermill.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from pipelines.clean import load_clean
from pipelines.config import config_for
from pipelines.kpi.engine import compute_kpis, kpi_value
from pipelines.kpi.registry import KPI_FAMILIES
from pipelines.paths import NOTEBOOKS
from tests.support.notebooks import run_notebook, write_small_clean

NOTEBOOK = NOTEBOOKS / "20_meedoen.ipynb"
KWARTAAL = "2024Q3"


def _kpis(clean_dir: Path, b: dt.date) -> pl.DataFrame:
    data = load_clean(clean_dir)
    return compute_kpis(data, config_for(data.organisatie), b, families=["meedoen"])


def test_demo_pilot_has_meaningful_figures(demo_clean):
    k = _kpis(demo_clean, dt.date(2020, 12, 31))  # the pilot's second year
    assert kpi_value(k, "meedoen_doelgroep_n") >= 10
    assert kpi_value(k, "meedoen_deelnemers_n") >= 5
    assert 40 <= kpi_value(k, "meedoen_deelname_pct") <= 90  # about 65 % of the target groups take part
    assert kpi_value(k, "meedoen_activiteit_pct") > 0
    assert kpi_value(k, "meedoen_huisbezoeken_per_deelnemer") > 0
    assert kpi_value(k, "meedoen_beloningen_bedrag") > 0
    assert kpi_value(k, "meedoen_zrm_verbeterd_pct") is not None
    assert kpi_value(k, "meedoen_trajectkosten") > 0
    unique = kpi_value(k, "meedoen_doelgroep_n")
    assert unique <= sum(kpi_value(k, f"meedoen_doelgroep_{i}_n") for i in range(1, 5))


def _execute(clean_dir: Path, out: Path, **extra) -> dict:
    return run_notebook(NOTEBOOK, out, clean_dir, KWARTAAL, **extra)[1]


def _outputs(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return json.dumps([o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])])


def test_notebook_on_the_demo_matches_the_engine_and_keeps_the_list_internal(demo_clean, tmp_path):
    out = tmp_path / "bundel"
    side = _execute(demo_clean, out, intern_dir=str(tmp_path / "intern"))
    expected = _kpis(demo_clean, dt.date(2024, 9, 30)).filter(pl.col("gemeentecode") == "totaal")
    assert set(side["kerncijfers"]) == set(KPI_FAMILIES["meedoen"])
    for row in expected.iter_rows(named=True):
        got = side["kerncijfers"][row["kpi"]]
        assert got == (None if row["waarde"] is None else pytest.approx(row["waarde"], rel=1e-12)), row["kpi"]
    assert side["extra"]["beschikbaar"] is True
    selection = pl.read_csv(tmp_path / "intern" / "meedoen_selectie.csv", separator=";")
    shown = _outputs(out / NOTEBOOK.name)
    assert "application/vnd.vegalite.v5+json" in shown and '"output_type": "error"' not in shown
    assert not any(p in shown for p in selection.get_column("persoon").to_list()), "pseudoniem in de pagina"
    assert not list(out.rglob("meedoen_selectie.csv"))


@pytest.mark.parametrize("pilot", [False, True], ids=["zonder-pilot", "pilot-zonder-deelnemers"])
def test_notebook_without_a_pilot_says_not_available(tmp_path, pilot):
    """The small notebook delivery has no `meedoen` provisions; without `programmas.meedoen` nothing at
    all.
    """
    clean = write_small_clean(tmp_path / "clean")
    extra = {}
    if not pilot:
        cfg = tmp_path / "zonder_pilot.yaml"
        cfg.write_text(
            'organisatie: ISD Bollenstreek\ngemeenten: {"0534": Hillegom, "0553": Lisse, "0575": Noordwijk, '
            '"1525": Teylingen}\n',
            encoding="utf-8",
        )
        extra["config_path"] = str(cfg)
    side = _execute(clean, tmp_path / "uit", **extra)
    assert side["extra"]["beschikbaar"] is False
    assert all(v is None for k, v in side["kerncijfers"].items() if pilot is False or "doelgroep" not in k)
    assert "niet beschikbaar" in _outputs(tmp_path / "uit" / NOTEBOOK.name)


def test_selection_list_command_writes_the_target_groups_pseudonymised(demo_clean, tmp_path, capsys):
    from pipelines import cli
    from pipelines.kpi.meedoen import GROEPEN

    assert cli.main(["meedoen-selectie", "--clean", str(demo_clean), "--out", str(tmp_path / "intern")]) == 0
    assert "intern gebruik" in capsys.readouterr().out
    selection = pl.read_csv(tmp_path / "intern" / "meedoen_selectie.csv", separator=";", infer_schema=False)
    assert selection.columns[:2] == ["persoon", "gemeentecode"] and set(GROEPEN) <= set(selection.columns)
    personen = pl.read_parquet(demo_clean / "personen.parquet")["persoon"]
    assert selection["persoon"].is_in(personen.implode()).all()  # pseudonyms of the clean data, never a BSN
    k = _kpis(demo_clean, dt.date(2024, 9, 30))
    assert selection.height == kpi_value(k, "meedoen_doelgroep_n")
