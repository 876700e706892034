"""Helpers shared by tests: importable as `tests.support.<module>` (pytest's importlib mode)."""
