"""Which notebooks a run plans: a programme the organisation does not run gets no page."""

from __future__ import annotations

import ast
import inspect
import json
from pathlib import Path

from pipelines import disclosure
from pipelines.config import config_for
from pipelines.kpi.registry import active_families
from pipelines.run.plan import (
    ALSO_WARMED,
    active_notebooks,
    discover_notebooks,
    plan_notebooks,
    reads_research_tables,
    warm_code,
)
from tests.support.kpi_frames import config


def _stems(notebooks: list[Path]) -> list[str]:
    return [nb.stem for nb in notebooks]


def test_without_the_pilot_and_without_a_budget_there_is_no_page_for_them():
    notebooks = discover_notebooks()
    assert {"20_meedoen", "22_participatiebudget"} <= set(_stems(notebooks))
    plain = _stems(active_notebooks(notebooks, config()))
    assert "20_meedoen" not in plain and "22_participatiebudget" not in plain
    assert "10_uitstroom" in plain and "21_doelgroepen" in plain
    assert "meedoen" not in active_families(config()) and "budget" not in active_families(config())


def test_the_presets_get_the_pages_of_what_they_run():
    leiden = _stems(active_notebooks(discover_notebooks(), config_for("Gemeente Leiden")))
    assert "20_meedoen" not in leiden and "22_participatiebudget" not in leiden
    isd = _stems(active_notebooks(discover_notebooks(), config_for("ISD Bollenstreek")))
    assert "20_meedoen" in isd and "22_participatiebudget" in isd
    pn = _stems(active_notebooks(discover_notebooks(), config_for("Gemeente Pijnacker-Nootdorp")))
    assert "20_meedoen" not in pn and "22_participatiebudget" in pn  # the plan's real 2020 budget


def test_only_the_notebooks_that_read_the_research_tables_wait_for_them(tmp_path):
    notebooks = discover_notebooks()
    readers = [nb.stem for nb in notebooks if reads_research_tables(nb)]
    assert readers == ["30_cohorten", "32_overgangen"]

    def ready() -> None:
        return None

    tasks = plan_notebooks(
        notebooks,
        clean_dir=tmp_path,
        kwartaal="2024Q3",
        config_path=tmp_path / "configuratie.yaml",
        bundle=tmp_path,
        kpis_csv=tmp_path / "kpis.csv",
        research_ready=ready,
    )
    assert [t.notebook.stem for t in tasks if t.wait is ready] == readers


def test_a_kernel_makes_the_research_tables_of_a_small_delivery_and_a_thread_those_of_a_large_one():
    import polars as pl

    from pipelines.run.quarter import RESEARCH_IN_A_KERNEL_MAX_ROWS, research_in_a_kernel

    def afstemming(*accepted: int) -> pl.DataFrame:
        return pl.DataFrame(
            {"tabel": [f"t{i}" for i in range(len(accepted))], "geaccepteerd": list(accepted)}
        )

    assert research_in_a_kernel(afstemming(30_000, 1_000))  # the demo: 2,000 persons
    assert research_in_a_kernel(afstemming(RESEARCH_IN_A_KERNEL_MAX_ROWS - 10, 10))
    assert not research_in_a_kernel(afstemming(RESEARCH_IN_A_KERNEL_MAX_ROWS, 1))
    assert not research_in_a_kernel(afstemming(8_000_000))  # 500,000 persons


def test_the_warm_code_imports_what_the_notebooks_import_and_what_pages_import_late(tmp_path):
    notebook = tmp_path / "10_proef.ipynb"
    notebook.write_text(
        json.dumps(
            {
                "cells": [
                    {"cell_type": "code", "metadata": {}, "source": "import polars as pl\n"},
                    {"cell_type": "code", "metadata": {}, "source": "from pipelines.report import charts"},
                    {"cell_type": "markdown", "metadata": {}, "source": "import niet_dit"},
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        ),
        encoding="utf-8",
    )
    code = warm_code([notebook])
    compile(code, "warm", "exec")
    names = ast.literal_eval(code.split("    _warm(", 1)[1].split(")\n", 1)[0])
    assert "with loaded_for_good():" in code
    assert names == sorted(names)
    assert {"polars", "pipelines.report", "pipelines.report.charts", *ALSO_WARMED} == set(names)
    # what the disclosure check imports when a page first needs it
    source = inspect.getsource(disclosure._linear_ranges)
    assert all(f"from {name} import" in source for name in ("scipy.optimize", "scipy.sparse"))
