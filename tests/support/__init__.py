"""Shared test helpers: frame builders, export writers, notebook and browser helpers (importable as
tests.support).
"""

from pathlib import Path

#: Hand-made vendor exports the tests read (tests/fixtures/).
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
