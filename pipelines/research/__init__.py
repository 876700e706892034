"""Research extracts: pseudonymised, minimised datasets with a codebook, one per research project.

`participatie onderzoeksbestand` (`pipelines.research.extract`) builds one; `kanonymity` checks and
coarsens the quasi-identifiers, `codebook` describes the tables (Frictionless `datapackage.json` and
`codeboek.html`), `formats` writes parquet, CSV, SPSS and Stata. See docs/onderzoeksbestand.md.
Nothing is imported here, so `import pipelines.research` stays cheap.
"""
