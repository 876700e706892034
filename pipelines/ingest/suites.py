"""The Great Expectations suites: built from the rules (`pipelines.ingest.rules`), written as JSON, run.


This is the only module that imports Great Expectations (lazily, once: the import costs seconds).
`python -m pipelines.ingest.suites` (or `make suites`) rewrites expectations/*.json and the rules
section of docs/validatie.md from the code, so the suites, the docs and the code never drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.ingest.rules import ERROR, STAGES, WARNING, build_rules
from pipelines.paths import DOCS, EXPECTATIONS
from pipelines.schema import TABLES


def suite_name(table: str, stage: str) -> str:
    return f"{table}.{stage}"


def build_suite(table: str, stage: str) -> dict[str, Any]:
    """A suite as GE 1.x JSON (name, expectations with meta.rationale and meta.severity)."""
    return {
        "name": suite_name(table, stage),
        "expectations": [rule.as_json() for rule in build_rules(table, stage)],
        "meta": {
            "tabel": table,
            "stap": stage,
            "bron": "gegenereerd uit pipelines/schema.py en pipelines/validate.py",
        },
    }


def all_suites() -> dict[str, dict[str, Any]]:
    """Every suite with at least one expectation, by file name."""
    out = {}
    for table in TABLES:
        for stage in STAGES:
            suite = build_suite(table, stage)
            if suite["expectations"]:
                out[f"{suite_name(table, stage)}.json"] = suite
    return out


def suite_json(suite: dict[str, Any]) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_suites(directory: Path = EXPECTATIONS) -> list[Path]:
    """(Re)write expectations/*.json from the code; `python -m pipelines.ingest.suites` calls this."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, suite in all_suites().items():
        path = directory / name
        path.write_text(suite_json(suite), encoding="utf-8")
        written.append(path)
    return written


def load_suite(table: str, stage: str, directory: Path = EXPECTATIONS) -> dict[str, Any] | None:
    """The committed suite of a table and stage, or None when that stage has no rules."""
    path = directory / f"{suite_name(table, stage)}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


FAILURE_SCHEMA = {
    "_regel": pl.Int64,
    "kolom": pl.String,
    "controle": pl.String,
    "ernst": pl.String,
    "melding": pl.String,
    "regel_nr": pl.Int64,
}


@dataclass(frozen=True)
class SuiteResult:
    """What one suite found: failing rows, and the outcome of every expectation."""

    suite: str
    failures: pl.DataFrame  # FAILURE_SCHEMA: one line per (row, expectation)
    outcomes: (
        pl.DataFrame
    )  # regel_nr, controle, kolom, ernst, rationale, melding, tabelniveau, geslaagd, aantal


def _referenced_columns(suite: dict[str, Any], available: list[str]) -> list[str]:
    needed: set[str] = set()
    for exp in suite["expectations"]:
        kwargs = exp["kwargs"]
        for key in ("column", "column_A", "column_B"):
            if key in kwargs:
                needed.add(kwargs[key])
        condition = kwargs.get("row_condition")
        if condition:
            needed.add(condition["column"]["name"])
    return [c for c in available if c in needed]


_CONTEXT: dict[str, Any] = {}


#: Seconds spent in this process on the pandas conversion and inside GE (read by benchmarks/bench_ingest.py).
TIMINGS: dict[str, float] = {"naar_pandas": 0.0, "great_expectations": 0.0}


def load_great_expectations() -> None:
    """Import Great Expectations now (seconds); the benchmark times it, validation does it when needed."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations  # noqa: F401


def _ge_batch(suite_id: str, frame_pd):
    """A GE batch over a pandas frame, on one ephemeral context without progress bars or analytics."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if "context" not in _CONTEXT:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        _CONTEXT["context"] = context
        _CONTEXT["source"] = context.data_sources.add_pandas("participatie")
        _CONTEXT["definitions"] = {}
    definitions = _CONTEXT["definitions"]
    if suite_id not in definitions:
        asset = _CONTEXT["source"].add_dataframe_asset(suite_id)
        definitions[suite_id] = asset.add_batch_definition_whole_dataframe(suite_id)
    return definitions[suite_id].get_batch(batch_parameters={"dataframe": frame_pd})


def run_suite(
    suite: dict[str, Any], frame: pl.DataFrame, parameters: dict[str, Any] | None = None
) -> SuiteResult:
    """Validate `frame` (with `_regel` and helper columns) against `suite`; return the failing rows.

    Only the columns the suite references go to pandas. `parameters` fills `$PARAMETER`
    references (dates as `datetime.date`, sets as lists).
    """
    import great_expectations as gx
    import pandas as pd
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
    from great_expectations.expectations.metadata_types import FailureSeverity

    started = time.perf_counter()
    columns = _referenced_columns(suite, frame.columns)
    frame_pd = frame.select(columns).to_pandas() if columns else pd.DataFrame(index=range(frame.height))
    TIMINGS["naar_pandas"] += time.perf_counter() - started
    started = time.perf_counter()
    configs = []
    for number, exp in enumerate(suite["expectations"]):
        meta = dict(exp["meta"], regel_nr=number)
        configs.append(
            ExpectationConfiguration(
                type=exp["type"],
                kwargs=exp["kwargs"],
                meta=meta,
                severity=FailureSeverity(exp["severity"]),
            )
        )
    ge_suite = gx.ExpectationSuite(name=suite["name"], expectations=[c.to_domain_obj() for c in configs])
    ge_params = {}
    for key, value in (parameters or {}).items():
        ge_params[key] = pd.Timestamp(value) if isinstance(value, dt.date) else value
    batch = _ge_batch(suite["name"], frame_pd)
    result = batch.validate(
        ge_suite, result_format={"result_format": "COMPLETE"}, expectation_parameters=ge_params
    )
    TIMINGS["great_expectations"] += time.perf_counter() - started

    regels = frame["_regel"]
    fail_parts: list[pl.DataFrame] = []
    outcomes = []
    for res in result.results:
        meta = res.expectation_config.meta
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"validatieregel {meta['controle']} ({suite['name']}, {res.expectation_config.type}) kon "
                f"niet "
                f"worden uitgevoerd: {res.exception_info.get('exception_message')}"
            )
        table_level = res.expectation_config.type.startswith("expect_table_")
        indices = [] if table_level else list(res.result.get("unexpected_index_list") or [])
        outcomes.append(
            {
                "regel_nr": meta["regel_nr"],
                "controle": meta["controle"],
                "kolom": meta["kolom"],
                "ernst": meta["severity"],
                "rationale": meta["rationale"],
                "melding": meta["melding"],
                "tabelniveau": table_level,
                "geslaagd": bool(res.success),
                "aantal": 0 if table_level else len(indices),
            }
        )
        if indices:
            fail_parts.append(
                pl.DataFrame(
                    {
                        "_regel": regels.gather(indices),
                        "kolom": meta["kolom"],
                        "controle": meta["controle"],
                        "ernst": meta["severity"],
                        "melding": meta["melding"],
                        "regel_nr": meta["regel_nr"],
                    },
                    schema=FAILURE_SCHEMA,
                )
            )
    failures = pl.concat(fail_parts) if fail_parts else pl.DataFrame(schema=FAILURE_SCHEMA)
    outcome_frame = pl.DataFrame(
        outcomes,
        schema={
            "regel_nr": pl.Int64,
            "controle": pl.String,
            "kolom": pl.String,
            "ernst": pl.String,
            "rationale": pl.String,
            "melding": pl.String,
            "tabelniveau": pl.Boolean,
            "geslaagd": pl.Boolean,
            "aantal": pl.Int64,
        },
    ).sort("regel_nr")
    return SuiteResult(suite["name"], failures.sort("_regel", "regel_nr"), outcome_frame)


DOCS_BEGIN = (
    "<!-- regels:begin (gegenereerd door `python -m pipelines.ingest.suites`; niet met de hand wijzigen) -->"
)


DOCS_END = "<!-- regels:end -->"


_SEVERITY_NL = {ERROR: "fout: regel afgewezen", WARNING: "waarschuwing: regel behouden"}


def docs_rules_section() -> str:
    """Markdown: every rule of every suite with column, severity and rationale (Dutch)."""
    lines = [DOCS_BEGIN]
    for name, suite in all_suites().items():
        lines += [
            "",
            f"### {suite['meta']['tabel']} - stap `{suite['meta']['stap']}` (`expectations/{name}`)",
            "",
            "| controle | kolom | ernst | wat | waarom | GE-expectation |",
            "|---|---|---|---|---|---|",
        ]
        for exp in suite["expectations"]:
            meta = exp["meta"]
            severity = (
                _SEVERITY_NL[meta["severity"]]
                if meta["kolom"]
                else ("fout: ingest stopt" if meta["severity"] == ERROR else "waarschuwing")
            )
            cells = [
                f"`{meta['controle']}`",
                meta["kolom"] or "(tabel)",
                severity,
                meta["melding"],
                meta["rationale"],
                f"`{exp['type']}`",
            ]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += ["", DOCS_END]
    return "\n".join(lines)


def update_docs(path: Path) -> None:
    """Replace the generated section of docs/validatie.md by the current rules."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(DOCS_BEGIN), text.index(DOCS_END) + len(DOCS_END)
    path.write_text(text[:start] + docs_rules_section() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    for written in write_suites():
        print(written)
    update_docs(DOCS / "validatie.md")
    print(DOCS / "validatie.md")
