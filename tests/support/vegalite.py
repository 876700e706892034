"""Every chart held to the Vega-Lite schema: the run converts its charts without Altair's check
(`charts.spec_of`), so the tests make that check on what a run really drew."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from altair.vegalite.v6.schema.core import Root

_EMBEDDED = re.compile(r'<script type="application/json" id="([^"]+)-spec">(.*?)</script>', re.DOTALL)


def schema_errors(spec: dict[str, Any]) -> str | None:
    """None when `spec` is valid Vega-Lite, else the schema's first complaint."""
    from jsonschema.exceptions import ValidationError

    try:
        Root.validate(spec)
    except ValidationError as exc:
        return exc.message
    return None


def embedded_specs(page: Path) -> dict[str, dict[str, Any]]:
    """The specs a bundle page carries for its charts, by chart id."""
    return {div_id: json.loads(payload) for div_id, payload in _EMBEDDED.findall(page.read_text("utf-8"))}
