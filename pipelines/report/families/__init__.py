"""Per-family tables and charts for the notebooks (presentation only; figures come from `pipelines.kpi`)."""
