"""manifest.json of a bundle: inputs with sha256, parameters, versions, times, outcome."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(manifest: Mapping[str, Any], path: Path) -> Path:
    """manifest.json with sorted keys, so two runs compare line by line."""
    path.write_text(
        json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n",
        encoding="utf-8",
    )
    return path
