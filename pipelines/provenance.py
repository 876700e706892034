"""Where an output came from: file hashes, the code and package versions, the version of the definitions.

One module for the run's manifest and the research extract's manifest alike.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import subprocess
from pathlib import Path
from typing import Any

from pipelines import paths

#: Packages whose versions decide the research extract's files.
PACKAGES = ("polars", "pyarrow", "pyreadstat", "frictionless")
_DEFINITIONS_VERSION = re.compile(r"versie\s+(\d+(?:\.\d+)*)")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def package_version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def code_version(root: Path = paths.ROOT) -> dict[str, Any]:
    """The installed package version, plus the git commit and a dirty flag when run from a clone."""
    version: dict[str, Any] = {"pakket": package_version("participatie")}
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        if commit.returncode == 0:
            status = subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=30,
            )
            version["git_commit"] = commit.stdout.strip()
            version["git_gewijzigd"] = bool(status.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return version


def definitions_version(path: Path = paths.DOCS / "definities.md") -> str | None:
    """The version in the definitions page's subtitle (`... versie 1.1 ...`), None without the page."""
    try:
        head = path.read_text(encoding="utf-8").splitlines()[:5]
    except OSError:
        return None
    for line in head:
        match = _DEFINITIONS_VERSION.search(line)
        if match:
            return match.group(1)
    return None
