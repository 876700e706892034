"""Fixtures of the research-extract tests: project keys of their own, extracts of the shared demo delivery.

Project keys come from the environment (never from a user's key file): the key folder points at a
fresh temporary folder for the whole session, so a test that lets a key file be created writes there.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.support.research_data import make_extract

os.environ["PARTICIPATIE_PROJECTSLEUTELMAP"] = tempfile.mkdtemp(prefix="participatie-projectsleutels-")
os.environ["PARTICIPATIE_PROJECTSLEUTEL_PROJECT_A"] = "projectsleutel-a-niet-voor-productie-0123456789"
os.environ["PARTICIPATIE_PROJECTSLEUTEL_PROJECT_B"] = "projectsleutel-b-niet-voor-productie-9876543210"


@pytest.fixture(scope="session")
def extract_a(demo_clean, tmp_path_factory) -> Path:
    return make_extract(demo_clean, tmp_path_factory.mktemp("extract") / "project-a", "project-a")


@pytest.fixture(scope="session")
def extract_a_again(demo_clean, tmp_path_factory) -> Path:
    return make_extract(demo_clean, tmp_path_factory.mktemp("extract") / "project-a-opnieuw", "project-a")


@pytest.fixture(scope="session")
def extract_b(demo_clean, tmp_path_factory) -> Path:
    return make_extract(demo_clean, tmp_path_factory.mktemp("extract") / "project-b", "project-b")
