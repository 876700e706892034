"""Fixtures of the generator tests: typed tables of each preset at its natural size, made once."""

from __future__ import annotations

import os

import pytest

from pipelines.synth import PRESETS, generate_tables

SEED = int(os.environ.get("SYNTH_SEED", "11"))  # other seeds: SYNTH_SEED=n pytest tests/unit/synth


@pytest.fixture(scope="session", params=sorted(PRESETS))
def preset_tables(request):
    """(slug, tables) of every preset at its natural size."""
    return request.param, generate_tables(request.param, seed=SEED)


@pytest.fixture(scope="session")
def tables_by_preset():
    return {slug: generate_tables(slug, seed=SEED) for slug in sorted(PRESETS)}
