"""Every path of the project, resolved from this file and never from the working directory."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
NOTEBOOKS = ROOT / "notebooks"
EXPECTATIONS = ROOT / "expectations"
DATA_RAW = ROOT / "data_raw"
DATA_CLEAN = ROOT / "data_clean"
REPORTS = ROOT / "reports"
DOCS = ROOT / "docs"
ORGANISATIONS = PACKAGE / "organisaties"
REFERENCE = PACKAGE / "referentie"
PROFILES = PACKAGE / "profielen"
DEMO_EXPORT = DATA_RAW / "demo"

#: Name of the Jupyter kernel `make run` registers and papermill runs on.
KERNEL_NAME = "participatie"


def slugify(name: str) -> str:
    """`ISD Bollenstreek` -> `isd-bollenstreek`: folder names for an organisation."""
    out = []
    for ch in name.strip().lower():
        out.append(ch if ch.isalnum() else "-")
    slug = "-".join(part for part in "".join(out).split("-") if part)
    return slug or "onbekend"
