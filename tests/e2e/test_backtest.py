"""Back test: the shared demo export (fixed preset, size and seed) gives exactly the frozen kpis.csv.

A difference means a definition or the generator changed: if deliberate, record it in
docs/definities.md and refreeze with `python -m tests.support.backtest`; the diff of
tests/fixtures/backtest/kpis.csv then shows every figure that moved.
"""

from __future__ import annotations

import csv

from tests.conftest import DEMO_ORG, DEMO_PERSONEN, DEMO_SEED
from tests.support import backtest


def _rows(path) -> dict[tuple[str, str, str], dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return {(r["kpi"], r["gemeentecode"], r["peildatum"]): r for r in csv.DictReader(handle)}


def test_the_back_test_uses_the_shared_demo_export():
    assert (backtest.ORGANISATIE, backtest.PERSONEN, backtest.SEED) == (DEMO_ORG, DEMO_PERSONEN, DEMO_SEED)


def test_demo_export_gives_the_frozen_kpis(demo_export, tmp_path):
    fresh = backtest.compute(demo_export, tmp_path / "schoon", tmp_path / "kpis.csv")
    frozen, now = _rows(backtest.FROZEN), _rows(fresh)
    assert sorted(set(frozen) - set(now)) == [], "rijen verdwenen uit kpis.csv"
    assert sorted(set(now) - set(frozen)) == [], (
        "nieuwe rijen in kpis.csv: bevries opnieuw als dat de bedoeling is"
    )
    moved = [(key, frozen[key], now[key]) for key in frozen if frozen[key] != now[key]]
    assert moved == [], f"{len(moved)} kengetallen veranderd, bijvoorbeeld {moved[:3]}"
    assert fresh.read_bytes() == backtest.FROZEN.read_bytes()
