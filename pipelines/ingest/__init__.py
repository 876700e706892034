"""Ingest: read an export (csv/xlsx, vendor profiles), validate it, pseudonymise it, deliver clean parquet.

Nothing here is imported eagerly: `import pipelines.ingest.pseudonym` must not pull Great Expectations.
"""
