"""Fixtures of the notebook tests: a small clean delivery of our own, and the shared demo delivery when it exists."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from nb_testdata import write_small_clean  # noqa: E402


@pytest.fixture(scope="session")
def small_clean(tmp_path_factory) -> Path:
    """A random clean delivery of about 160 persons in four municipalities (no generator or ingest needed)."""
    return write_small_clean(tmp_path_factory.mktemp("nb_clean"))


@pytest.fixture(scope="session")
def notebook_demo_clean(demo_clean) -> Path:
    """The shared demo delivery (`demo_clean`)."""
    return demo_clean
