"""The back test's frozen reference: kpis.csv of a fixed synthetic export, as the definitions give it today.

    python -m tests.support.backtest      # rewrite tests/fixtures/backtest/kpis.csv after a deliberate change

Only after a change of definitions that `docs/definities.md` records: the diff of the frozen file is
then part of the change and shows every figure that moved.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pipelines.clean import load_clean
from pipelines.config import config_for
from pipelines.ingest.deliver import ingest_export
from pipelines.kpi.engine import compute_kpis, write_kpis_csv
from pipelines.periods import peildatum
from pipelines.synth import generate_export
from tests.support import FIXTURES

FROZEN = FIXTURES / "backtest" / "kpis.csv"
ORGANISATIE = "isd-bollenstreek"
PERSONEN = 400
SEED = 7
KWARTALEN = ("2023Q3", "2024Q2", "2024Q3")


def compute(export: Path, clean_root: Path, out: Path) -> Path:
    """kpis.csv of `export` for the back test's quarters, written to `out`."""
    clean = ingest_export(export, clean_root=clean_root).clean_dir
    data = load_clean(clean)
    codes = data.get("personen").get_column("gemeentecode").unique().to_list()
    config = config_for(data.organisatie, gemeentecodes=codes)
    return write_kpis_csv(compute_kpis(data, config, [peildatum(k) for k in KWARTALEN]), out)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export"
        generate_export(export, organisatie=ORGANISATIE, personen=PERSONEN, seed=SEED)
        FROZEN.parent.mkdir(parents=True, exist_ok=True)
        compute(export, Path(tmp) / "schoon", FROZEN)
    print(f"bevroren referentie geschreven: {FROZEN}")


if __name__ == "__main__":
    main()
