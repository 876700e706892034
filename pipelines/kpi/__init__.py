"""The KPI engine: every figure of ../shared/spec/kpis.md over the clean tables.

    from pipelines.kpi import compute_kpis, write_kpis_csv
    kpis = compute_kpis(load_clean(dir), config, peildatum("2024Q3"))

Families (one module each): `outflow` (uitstroom), `parttime` (deeltijdwerk), `stock` (bestand),
`lks`, `fip`, `caseload`. Their per-person and per-spell functions are public for notebooks.
"""

from pipelines.kpi.base import TOTAAL, Context
from pipelines.kpi.catalogue import FAMILY_LABELS, KINDS, KPI_CATALOGUE, KPI_FAMILIES, KpiInfo
from pipelines.kpi.caseload import caseload_per_klantmanager
from pipelines.kpi.engine import (
    KPIS_COLUMNS,
    KPIS_SCHEMA,
    compute_kpis,
    format_number,
    kpi_value,
    read_kpis_csv,
    restrict_to_persons,
    sort_kpis,
    write_kpis_csv,
)
from pipelines.kpi.fip import fip_contacts, fip_per_person, werken_aan_periods
from pipelines.kpi.lks import lks_on, provisions_on
from pipelines.kpi.outflow import flow_counts, flows_per_spell
from pipelines.kpi.parttime import parttime_per_person
from pipelines.kpi.stock import current_periods, stock_on
from pipelines.spells import merge_spells

__all__ = [
    "TOTAAL", "Context", "FAMILY_LABELS", "KINDS", "KPI_CATALOGUE", "KPI_FAMILIES", "KpiInfo",
    "KPIS_COLUMNS", "KPIS_SCHEMA", "compute_kpis", "format_number", "kpi_value", "read_kpis_csv",
    "restrict_to_persons", "sort_kpis", "write_kpis_csv", "caseload_per_klantmanager", "fip_contacts", "fip_per_person",
    "werken_aan_periods", "lks_on", "provisions_on", "flow_counts", "flows_per_spell",
    "parttime_per_person", "current_periods", "stock_on", "merge_spells",
]  # fmt: skip
