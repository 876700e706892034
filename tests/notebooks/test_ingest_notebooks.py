"""00_ingest and 01_validatie execute under papermill on the project kernel; their side file equals the
ingest.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pipelines.paths import KERNEL_NAME, NOTEBOOKS


def _execute(name: str, work: Path, **parameters) -> Path:
    import papermill as pm

    work.mkdir(parents=True, exist_ok=True)
    executed = work / name
    pm.execute_notebook(
        str(NOTEBOOKS / name),
        str(executed),
        parameters=parameters,
        kernel_name=KERNEL_NAME,
        cwd=str(work),
        progress_bar=False,
    )
    return executed


def _text_outputs(executed: Path) -> str:
    cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    parts = []
    for cell in cells:
        for out in cell.get("outputs", []):
            for key in ("text/markdown", "text/plain"):
                if key in out.get("data", {}):
                    parts.append("".join(out["data"][key]))
            parts.append("".join(out.get("text", "")))
    return "\n".join(parts)


@pytest.mark.slow
def test_00_ingest_and_01_validatie(demo_export, tmp_path):
    uitvoer = tmp_path / "uitvoer"
    _execute(
        "00_ingest.ipynb",
        tmp_path / "nb",
        export_dir=str(demo_export),
        clean_root=str(tmp_path / "schoon"),
        uitvoer_dir=str(uitvoer),
    )
    side = json.loads((uitvoer / "00_ingest.kerncijfers.json").read_text(encoding="utf-8"))
    clean_dir = tmp_path / "schoon" / "isd-bollenstreek" / side["extractiedatum"]
    afstemming = pl.read_csv(clean_dir / "validatie" / "afstemming.csv")
    assert side["kerncijfers"]["gelezen"] == afstemming["gelezen"].sum()
    assert side["kerncijfers"]["afgewezen"] == afstemming["afgewezen"].sum()
    assert (
        side["kerncijfers"]["personen.geaccepteerd"] == pl.read_parquet(clean_dir / "personen.parquet").height
    )

    executed = _execute(
        "01_validatie.ipynb", tmp_path / "nb", clean_dir=str(clean_dir), uitvoer_dir=str(uitvoer)
    )
    text = _text_outputs(executed)
    assert "personen" in text and "gelezen" in text
    if side["kerncijfers"]["afgewezen"]:
        assert (uitvoer / "01_validatie_afwijzingen.svg").exists()
    else:  # nothing rejected: said in words, no empty chart
        assert not (uitvoer / "01_validatie_afwijzingen.svg").exists()
        assert "Geen afwijzingen" in text


@pytest.mark.slow
def test_00_ingest_refuses_an_empty_export_dir(tmp_path):
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError, match="export_dir"):
        _execute("00_ingest.ipynb", tmp_path / "nb")
