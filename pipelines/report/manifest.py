"""manifest.json of a bundle: inputs with sha256, parameters, versions, times, outcome."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write_manifest(manifest: Mapping[str, Any], path: Path) -> Path:
    """manifest.json with sorted keys, so two runs compare line by line."""
    path.write_text(
        json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n",
        encoding="utf-8",
    )
    return path
