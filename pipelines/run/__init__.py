"""Run: the quarterly evaluation (plan, papermill notebooks, staging, bundle)."""
