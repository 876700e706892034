"""KPI tests build their frames by hand with `kpi_testdata` (importable from this folder)."""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
