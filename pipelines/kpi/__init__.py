"""The KPI engine: every figure of the definitions page (docs/definities.md) over the clean tables.

    from pipelines.kpi.engine import compute_kpis, write_kpis_csv
    kpis = compute_kpis(load_clean(dir), config, peildatum("2024Q3"))

One module per family, named by its id (`uitstroom`, `deeltijdwerk`, `bestand`, `lks`, `fip`,
`caseload`, `meedoen`, `doelgroepen`, `budget`), each exporting one `FAMILY` for the registry
(`pipelines.kpi.registry`). This package imports nothing eagerly: no report, notebook or Great
Expectations module is ever pulled in by the engine.
"""
