"""Shared fixtures: one small synthetic export and its clean tables, made once per test session.

The tree mirrors the package: unit/<layer>/, notebooks/, e2e/; shared helpers live in tests/support/
(imported as `tests.support.<module>`), their fixtures are registered here as plugins.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.notebooks import write_small_clean

# A fixed pseudonymisation key for the whole test session: tests never touch a user's key file.
os.environ.setdefault("PARTICIPATIE_SLEUTEL", "testsleutel-niet-voor-productie-0123456789abcdef")

pytest_plugins = ["tests.support.run_helpers"]

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
    from pipelines.ingest.deliver import ingest_export

    root = tmp_path_factory.mktemp("clean")
    result = ingest_export(demo_export, clean_root=root)
    return result.clean_dir


@pytest.fixture(scope="session")
def small_clean(tmp_path_factory) -> Path:
    """A random clean delivery of about 160 persons in four municipalities (no generator or ingest needed)."""
    return write_small_clean(tmp_path_factory.mktemp("nb_clean"))


@pytest.fixture(scope="session")
def notebook_demo_clean(request) -> Path:
    """The shared demo delivery (`demo_clean`)."""
    return request.getfixturevalue("demo_clean")
