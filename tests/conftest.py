"""Shared fixtures: one small synthetic export and its clean tables, made once per test session.

Sub-folders (synth/, ingest/, kpi/, run/, notebooks/) keep their own fixtures in their own conftest.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# A fixed pseudonymisation key for the whole test session: tests never touch a user's key file.
os.environ.setdefault("PARTICIPATIE_SLEUTEL", "testsleutel-niet-voor-productie-0123456789abcdef")

DEMO_ORG = "isd-bollenstreek"
DEMO_PERSONEN = 400
DEMO_SEED = 7


@pytest.fixture(scope="session")
def demo_export(tmp_path_factory) -> Path:
    """A small standard export of the shared-service preset (semicolon, UTF-8, ISO dates)."""
    from pipelines.synth import generate_export

    out = tmp_path_factory.mktemp("export") / DEMO_ORG
    generate_export(out, organisatie=DEMO_ORG, personen=DEMO_PERSONEN, seed=DEMO_SEED)
    return out


@pytest.fixture(scope="session")
def demo_clean(demo_export, tmp_path_factory) -> Path:
    """The clean (validated, pseudonymised) tables of `demo_export`."""
    from pipelines.ingest import ingest_export

    root = tmp_path_factory.mktemp("clean")
    result = ingest_export(demo_export, clean_root=root)
    return result.clean_dir
