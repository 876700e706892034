"""The Great Expectations suites: built from the rules (`pipelines.ingest.rules`), written as JSON, run.


This is the only module that imports Great Expectations (lazily, once: the import costs seconds).
`python -m pipelines.ingest.suites` (or `make suites`) rewrites expectations/*.json and the rules
section of docs/validatie.md from the code, so the suites, the docs and the code never drift apart.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.ingest.rules import ERROR, STAGES, WARNING, build_rules
from pipelines.machine import collector_paused, loaded_for_good
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


def load_great_expectations(for_good: bool = False) -> None:
    """Import Great Expectations now (seconds); the benchmark times it, validation does it when needed.

    With the collector paused (`machine.collector_paused`); `for_good` also freezes what exists after
    (`machine.loaded_for_good`), for a command that loads GE before it reads any data.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # jsonschema (imported via altair inside GE) compiles an IRI grammar at import when rfc3987_syntax
    # is installed: 1.5 s of CPU per ingest for a format check no suite makes (as in report.charts).
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    # GE's KL-divergence expectation (no suite has one) imports scipy.stats at GE's import: 1 s of the
    # ingest. Loaded on first use instead: in a run by lifelines, for the research tables.
    _load_on_first_use("scipy.stats")
    if "great_expectations" in sys.modules:
        return
    with loaded_for_good() if for_good else collector_paused():
        import great_expectations  # noqa: F401


def _load_on_first_use(name: str) -> None:
    """Register module `name` so that it executes when an attribute is first read, not at its import.

    `importlib.util.LazyLoader`, meant for start-up time that matters. Nothing if it is loaded already.
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def _ge_batch(suite_id: str, frame_pd):
    """A GE batch over a pandas frame, on one ephemeral context without progress bars or analytics."""
    load_great_expectations()
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


#: Row-by-row expectations whose outcome for a row depends only on the row's own values, so they can be
#: evaluated on one representative row per class of rows that the rule treats alike (`_class_keys`).
_PER_ROW = (
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_values_to_be_unique",
)

_OUTCOME_SCHEMA = {
    "regel_nr": pl.Int64,
    "controle": pl.String,
    "kolom": pl.String,
    "ernst": pl.String,
    "rationale": pl.String,
    "melding": pl.String,
    "tabelniveau": pl.Boolean,
    "geslaagd": pl.Boolean,
    "aantal": pl.Int64,
}


def run_suite(
    suite: dict[str, Any],
    frame: pl.DataFrame,
    parameters: dict[str, Any] | None = None,
    compress: bool = True,
) -> SuiteResult:
    """Validate `frame` (with `_regel` and helper columns) against `suite`; return the failing rows.

    `parameters` fills `$PARAMETER` references (dates as `datetime.date`, sets as lists).

    With `compress` (the default) Great Expectations sees, per expectation, one representative row
    of every class of rows the rule treats alike - the distinct values of a code or pattern column,
    null or not for a required field, below/at/inside/at/above the bounds of a range, the order of a
    date pair, the repeated values of a key - instead of every row, and the classes it rejects are
    mapped back to their rows in polars. The rules, their outcomes and the rows they reject are the
    same as with `compress=False` (every row to GE; a test holds the two equal on a faulty export),
    but GE's per-row cost no longer grows with the table (8 million rows become a few thousand).
    Table-level expectations (row counts) always see the real number of rows. GE lists the failing
    classes only for the rules that failed (`_verdicts_then_rows`).
    """
    parameters = parameters or {}
    expectations = suite["expectations"]
    if not compress or not all(
        e["type"] in _PER_ROW or e["type"].startswith("expect_table_") for e in expectations
    ):
        return _run_rows(suite, frame, parameters)
    return _run_compressed(suite, frame, parameters)


def _validate(
    name: str,
    expectations: list[tuple[int, dict[str, Any], dict[str, Any]]],
    frame_pd,
    parameters,
    result_format: str = "COMPLETE",
) -> list[Any]:
    """GE results of `(regel_nr, expectation, kwargs)` on a pandas frame (one batch, one suite run).

    `result_format` COMPLETE lists the failing rows; BOOLEAN_ONLY only says whether each passed (the
    same verdict, at less than half the cost per expectation).
    """
    load_great_expectations()
    import great_expectations as gx
    import pandas as pd
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
    from great_expectations.expectations.metadata_types import FailureSeverity

    started = time.perf_counter()
    configs = [
        ExpectationConfiguration(
            type=exp["type"],
            kwargs=kwargs,
            meta=dict(exp["meta"], regel_nr=number),
            severity=FailureSeverity(exp["severity"]),
        )
        for number, exp, kwargs in expectations
    ]
    ge_suite = gx.ExpectationSuite(name=name, expectations=[c.to_domain_obj() for c in configs])
    ge_params = {k: pd.Timestamp(v) if isinstance(v, dt.date) else v for k, v in parameters.items()}
    batch = _ge_batch(name, frame_pd)
    result = batch.validate(
        ge_suite,
        result_format={"result_format": result_format, "return_unexpected_index_query": False},
        expectation_parameters=ge_params,
    )
    TIMINGS["great_expectations"] += time.perf_counter() - started
    for res in result.results:
        if res.exception_info and res.exception_info.get("raised_exception"):
            meta = res.expectation_config.meta
            raise RuntimeError(
                f"validatieregel {meta['controle']} ({name}, {res.expectation_config.type}) kon niet "
                f"worden uitgevoerd: {res.exception_info.get('exception_message')}"
            )
    return list(result.results)


def _outcome(res: Any, count: int) -> dict[str, Any]:
    meta = res.expectation_config.meta
    table_level = res.expectation_config.type.startswith("expect_table_")
    return {
        "regel_nr": meta["regel_nr"],
        "controle": meta["controle"],
        "kolom": meta["kolom"],
        "ernst": meta["severity"],
        "rationale": meta["rationale"],
        "melding": meta["melding"],
        "tabelniveau": table_level,
        "geslaagd": bool(res.success),
        "aantal": 0 if table_level else count,
    }


def _failure_frame(regels: pl.Series, meta: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "_regel": regels,
            "kolom": meta["kolom"],
            "controle": meta["controle"],
            "ernst": meta["severity"],
            "melding": meta["melding"],
            "regel_nr": meta["regel_nr"],
        },
        schema=FAILURE_SCHEMA,
    )


def _result(name: str, outcomes: list[dict[str, Any]], fail_parts: list[pl.DataFrame]) -> SuiteResult:
    failures = pl.concat(fail_parts) if fail_parts else pl.DataFrame(schema=FAILURE_SCHEMA)
    outcome_frame = pl.DataFrame(outcomes, schema=_OUTCOME_SCHEMA).sort("regel_nr")
    return SuiteResult(name, failures.sort("_regel", "regel_nr"), outcome_frame)


def _pandas(frame: pl.DataFrame, columns: list[str]):
    import pandas as pd

    started = time.perf_counter()
    out = frame.select(columns).to_pandas() if columns else pd.DataFrame(index=range(frame.height))
    TIMINGS["naar_pandas"] += time.perf_counter() - started
    return out


def _run_rows(suite: dict[str, Any], frame: pl.DataFrame, parameters: dict[str, Any]) -> SuiteResult:
    """Every row to GE (the reference the compressed run is held to)."""
    frame_pd = _pandas(frame, _referenced_columns(suite, frame.columns))
    expectations = [(n, exp, exp["kwargs"]) for n, exp in enumerate(suite["expectations"])]
    regels = frame["_regel"]
    outcomes, fail_parts = [], []
    for res in _validate(suite["name"], expectations, frame_pd, parameters):
        table_level = res.expectation_config.type.startswith("expect_table_")
        indices = [] if table_level else list(res.result.get("unexpected_index_list") or [])
        outcomes.append(_outcome(res, len(indices)))
        if indices:
            fail_parts.append(_failure_frame(regels.gather(indices), res.expectation_config.meta))
    return _result(suite["name"], outcomes, fail_parts)


def _bound(value: Any, parameters: dict[str, Any]) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return parameters[value["$PARAMETER"]]
    return value


def _class_keys(exp: dict[str, Any], schema: pl.Schema, parameters: dict[str, Any]) -> list[pl.Expr]:
    """Expressions whose values split the rows into classes the expectation treats alike.

    Two rows with the same values of these expressions pass or fail the expectation together: the
    key is what the rule looks at (the value itself for a code list or pattern, null or not for a
    required field, the position against the bounds for a range, the order of a date pair, the row
    itself for a repeated key), plus the column of its row condition.
    """
    kwargs, kind = exp["kwargs"], exp["type"]
    keys: list[pl.Expr] = []
    condition = kwargs.get("row_condition")
    if condition:
        column = pl.col(condition["column"]["name"])
        keys.append(column.is_null() if condition.get("type") == "nullity" else column)
    if kind in ("expect_column_values_to_not_be_null", "expect_column_values_to_be_null"):
        keys.append(pl.col(kwargs["column"]).is_null())
    elif kind in ("expect_column_values_to_be_in_set", "expect_column_values_to_match_regex"):
        keys.append(pl.col(kwargs["column"]))
    elif kind == "expect_column_values_to_be_between":
        value = pl.col(kwargs["column"])
        keys.append(value.is_null())
        if schema[kwargs["column"]].is_float():
            keys.append(value.is_nan())
        for side in ("min_value", "max_value"):
            bound = _bound(kwargs.get(side), parameters)
            if bound is not None:
                keys += [value < pl.lit(bound), value == pl.lit(bound)]
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = pl.col(kwargs["column_A"]), pl.col(kwargs["column_B"])
        keys += [a.is_null(), b.is_null(), a > b, a == b]
    elif kind == "expect_column_values_to_be_unique":
        value = pl.col(kwargs["column"])
        repeated = value.is_duplicated() & value.is_not_null()
        keys += [value.is_null(), pl.when(repeated).then(pl.int_range(pl.len())).otherwise(-1)]
    else:  # pragma: no cover - run_suite only compresses the kinds above
        raise ValueError(kind)
    return [key.alias(f"_k{i}") for i, key in enumerate(keys)]


def _expectation_columns(exp: dict[str, Any]) -> list[str]:
    kwargs = exp["kwargs"]
    names = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    if kwargs.get("row_condition"):
        names.append(kwargs["row_condition"]["column"]["name"])
    return list(dict.fromkeys(names))


def _renamed(kwargs: dict[str, Any], rename: dict[str, str]) -> dict[str, Any]:
    out = dict(kwargs)
    for k in ("column", "column_A", "column_B"):
        if k in out:
            out[k] = rename[out[k]]
    if out.get("row_condition"):
        condition = json.loads(json.dumps(out["row_condition"]))
        condition["column"]["name"] = rename[condition["column"]["name"]]
        out["row_condition"] = condition
    return out


def _run_compressed(suite: dict[str, Any], frame: pl.DataFrame, parameters: dict[str, Any]) -> SuiteResult:
    """Each row-by-row expectation on one representative row per class (`_class_keys`); see `run_suite`.

    Expectations with the same classes share a block of columns (renamed `_g<n>_<column>`); the blocks
    stand side by side in one frame, so GE validates the whole suite in one run. A shorter block is
    padded with copies of its first representative (same verdict, mapped to the same class), a block
    of a uniqueness rule with empty cells (which GE does not check).
    """
    name = suite["name"]
    groups: dict[str, dict[str, Any]] = {}
    table_level: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    for number, exp in enumerate(suite["expectations"]):
        if exp["type"].startswith("expect_table_"):
            table_level.append((number, exp, exp["kwargs"]))
            continue
        keys = _class_keys(exp, frame.schema, parameters)
        signature = " | ".join(str(k) for k in keys)
        group = groups.setdefault(
            signature, {"keys": keys, "members": [], "columns": [], "unique": False, "number": len(groups)}
        )
        group["members"].append((number, exp))
        group["columns"] += [c for c in _expectation_columns(exp) if c not in group["columns"]]
        group["unique"] |= exp["type"] == "expect_column_values_to_be_unique"

    queries = [
        frame.lazy()
        .select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_rij"), *group["keys"])
        .group_by([k.meta.output_name() for k in group["keys"]], maintain_order=True)
        .agg(pl.col("_rij").first())
        for group in groups.values()
    ]
    keyed: dict[str, pl.DataFrame] = dict(zip(groups, pl.collect_all(queries), strict=True))
    length = max((c.height for c in keyed.values()), default=0)

    blocks: list[pl.DataFrame] = []
    expectations: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    for signature, group in groups.items():
        reps = keyed[signature].get_column("_rij")
        padding = length - reps.len()
        if padding:
            fill = (
                pl.Series([None] * padding, dtype=pl.UInt32)
                if group["unique"]
                else reps.head(1).extend_constant(reps[0], padding - 1)
            )
            reps = pl.concat([reps, fill])
        rename = {c: f"_g{group['number']}_{c}" for c in group["columns"]}
        blocks.append(frame.select(pl.col(group["columns"]).gather(reps)).rename(rename))
        expectations += [(n, exp, _renamed(exp["kwargs"], rename)) for n, exp in group["members"]]

    results = []
    if expectations:
        combined = pl.concat(blocks, how="horizontal")
        results += _verdicts_then_rows(name, expectations, _pandas(combined, combined.columns), parameters)
    if table_level:
        results += _validate(name + ".tabel", table_level, _pandas(frame, []), parameters, "BOOLEAN_ONLY")

    by_number = {number: signature for signature, g in groups.items() for number, _ in g["members"]}
    rows_keyed: dict[str, pl.DataFrame] = {}  # `_regel` and the class keys of every row, when a rule failed
    outcomes, fail_parts = [], []
    for res in results:
        meta = res.expectation_config.meta
        if res.expectation_config.type.startswith("expect_table_"):
            outcomes.append(_outcome(res, 0))
            continue
        signature = by_number[meta["regel_nr"]]
        classes = keyed[signature]
        positions = res.result.get("unexpected_index_list") or []
        failing = sorted({p if p < classes.height else 0 for p in positions})
        if not failing:
            outcomes.append(_outcome(res, 0))
            continue
        if signature not in rows_keyed:
            rows_keyed[signature] = frame.select(pl.col("_regel"), *groups[signature]["keys"])
        names = [k.meta.output_name() for k in groups[signature]["keys"]]
        bad = classes[failing].select(names)
        rows = rows_keyed[signature].join(bad, on=names, how="semi", nulls_equal=True).get_column("_regel")
        outcomes.append(_outcome(res, rows.len()))
        fail_parts.append(_failure_frame(rows, meta))
    return _result(name, outcomes, fail_parts)


def _verdicts_then_rows(
    name: str, expectations: list[tuple[int, dict[str, Any], dict[str, Any]]], frame_pd, parameters
) -> list[Any]:
    """GE's results with the failing rows listed, in two passes: whether each expectation passes
    (BOOLEAN_ONLY), then the rows only of those that failed (COMPLETE). Most rules pass on most
    deliveries, and the first pass costs less than half as much; the verdicts and rows are those of
    one COMPLETE pass (no suite uses `mostly`, which could pass with failing rows: such a rule would
    go to the second pass too).
    """
    verdicts = _validate(name, expectations, frame_pd, parameters, "BOOLEAN_ONLY")
    passed = {
        res.expectation_config.meta["regel_nr"]
        for res in verdicts
        if res.success and (res.expectation_config.kwargs.get("mostly") or 1) >= 1
    }
    again = [entry for entry in expectations if entry[0] not in passed]
    if not again:
        return verdicts
    complete = _validate(name, again, frame_pd, parameters, "COMPLETE")
    return [res for res in verdicts if res.expectation_config.meta["regel_nr"] in passed] + complete


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
