"""Fixtures of the ingest tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.export_variants import write_variant


@pytest.fixture
def make_export(tmp_path):
    """`make_export(variant, base=None, name=...)` writes a CSV export folder in that variant."""

    def make(variant: dict, base: dict | None = None, name: str = "export") -> Path:
        return write_variant(tmp_path / name, variant, base)

    return make
