"""`participatie run`: the quarterly evaluation from export to offline dashboard bundle.

Steps (each with its own progress bar and timing):
1. ingest and validation - `pipelines.ingest.deliver.ingest_export` in this process (typed errors, one
   pass over the data); the threshold stop exits non-zero naming table, share and threshold;
2. KPIs - `compute_kpis` for every quarter end from the first covered quarter up to the peildatum
   (`periods.series_peildata`: the series every page and the dashboard's arrows read), written as the
   exact `kpis.csv`, with the research tables beside it (`cohorten.csv`, `cohortcurven.csv`,
   `overgangen.csv`, `engine.write_research_tables`), made meanwhile, and on into step 3: for a small
   delivery by one of the kernels of step 3 (`KernelPool.submit_code`), for a large one by a thread
   (`research_in_a_kernel`);
3. notebooks - `01_validatie` and every KPI/programme/research notebook (`notebooks/[0-3][0-9]_*.ipynb`,
   not `00_ingest`, whose work step 1 did) with papermill on the named kernel: one kernel per core,
   started (and importing) while step 1 runs, each running notebook after notebook, reset in between
   (a notebook that reads the research tables starts last and waits for them);
   parameters are checked against every notebook's `parameters` cell before step 1 starts;
4. publication - HTML pages without code, `index.html`, `kpis.xlsx`, chart exports, the disclosure
   audit (a run whose published part gives a hidden cell away fails) and `manifest.json`; the bundle
   is split into `publicatie/` (to hand out) and `intern/` (exact figures, rows), see
   `pipelines.run.bundle`.

Everything is written into a hidden staging folder beside the target (`.<kwartaal>.onvolledig`)
and moved into place only when every step succeeded. A failed notebook leaves the staging
folder as `<kwartaal>.mislukt/` (executed notebooks kept, no dashboard); an interrupted run
removes it. A previous bundle stays untouched until the new one replaces it whole.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import logging.handlers
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines import paths
from pipelines.clean import load_clean
from pipelines.config import config_for, load_config
from pipelines.errors import RunError, mask_identifiers
from pipelines.ingest.deliver import (
    IngestError,
    ThresholdExceeded,
    delivered_clean_dir,
    delivered_organisation,
    ingest_read,
    prepare_rule_engine,
)
from pipelines.ingest.profiles import ExportError
from pipelines.ingest.pseudonym import load_key
from pipelines.ingest.read import read_export
from pipelines.kpi.engine import compute_kpis, write_kpis_csv, write_research_tables
from pipelines.paths import slugify
from pipelines.periods import PeriodError, check_quarter, peildatum, series_peildata, vorig_kwartaal
from pipelines.preflight import TargetLock, check_percentage, check_writable_dir, percentage
from pipelines.report.formats import format_nl
from pipelines.report.html import PublishError, prepare_vega_bundle
from pipelines.run import notebooks as notebook_runner
from pipelines.run.bundle import dashboard_charts, kernel_info, publish_bundle
from pipelines.run.notebooks import KernelPool, default_workers, run_notebooks
from pipelines.run.plan import (
    active_notebooks,
    check_notebooks,
    discover_notebooks,
    plan_notebooks,
    warm_code,
)
from pipelines.run.staging import RUN_LOG, default_out_dir, keep_failed, make_staging, now, replace_bundle

#: Up to this many accepted rows (about 30,000 persons) a kernel of the run makes the research tables:
#: on a small delivery their work is mostly Python (lifelines), which in a thread would hold this
#: process's interpreter beside the series (demo: the KPI step 3.2 -> 1.6 s). On a large one polars
#: does most of it, a thread shares the tables already loaded, and a kernel cost up to 6 s and 1.1 GiB
#: (500,000 persons, `benchmarks/README.md`, seventh round).
RESEARCH_IN_A_KERNEL_MAX_ROWS = 500_000


def research_in_a_kernel(afstemming) -> bool:
    """Whether a kernel makes the research tables of a delivery with this reconciliation (see above)."""
    return int(afstemming.get_column("geaccepteerd").sum()) <= RESEARCH_IN_A_KERNEL_MAX_ROWS


def drawn_by_a_kernel(pool: KernelPool) -> Callable[[list[tuple[dict, Path]]], None]:
    """`bundle.dashboard_charts`'s `draw` for a run: the first kernel that is free draws the charts (its
    converter is warm); vl-convert in this process would hold the interpreter the threads that drive
    the notebooks need."""

    def draw(charts_to_draw: list[tuple[dict, Path]]) -> None:
        payload = json.dumps([[spec, str(stem)] for spec, stem in charts_to_draw])
        pool.submit_code(
            "from pipelines.run.bundle import draw_here\n"
            f"draw_here([(spec, __import__('pathlib').Path(stem)) for spec, stem in "
            f"__import__('json').loads({payload!r})])\n"
        ).result()

    return draw


@dataclass
class RunResult:
    out_dir: Path
    manifest: dict[str, Any]
    kpis: Any  # the kpis frame (polars)
    steps: dict[str, float] = field(default_factory=dict)
    notebooks: list[notebook_runner.NotebookResult] = field(default_factory=list)


# --------------------------------------------------------------------------- planning (pure)


# --------------------------------------------------------------------------- execution


log = logging.getLogger(__name__)


class _MaskingFilter(logging.Filter):
    """Mask every nine-digit number in a record before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_identifiers(record.getMessage())
        record.args = None
        return True


@contextlib.contextmanager
def run_log() -> Iterator[logging.handlers.MemoryHandler]:
    """Collect the run's log records from the start; `write_run_log` sends them (and the rest) to a file.

    The bundle folder exists only after the ingest, but the configuration is logged before it.
    """
    package = logging.getLogger("pipelines")
    buffer = logging.handlers.MemoryHandler(capacity=1_000_000, flushLevel=logging.CRITICAL + 1)
    buffer.setLevel(logging.DEBUG)
    buffer.addFilter(_MaskingFilter())
    previous = package.level
    package.setLevel(logging.DEBUG)
    package.addHandler(buffer)
    try:
        yield buffer
    finally:
        package.removeHandler(buffer)
        buffer.flush()
        if buffer.target is not None:
            buffer.target.close()
        buffer.close()
        package.setLevel(previous)


def write_run_log(buffer: logging.handlers.MemoryHandler, path: Path) -> None:
    """From now on the buffered records, and every later one, go to `path`."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    buffer.setTarget(handler)
    buffer.flush()
    buffer.flushLevel = logging.DEBUG


class Progress:
    """A line per step on stdout and a tqdm bar per step on stderr (hidden when not a terminal)."""

    def __init__(self, total_steps: int, stream=None):
        self.total = total_steps
        self.number = 0
        # the stdout of the moment, not of import time (a test or notebook may have replaced it since)
        self.stream = stream if stream is not None else sys.stdout
        self.seconds: dict[str, float] = {}

    def step(self, name: str, units: int = 1):
        return _Step(self, name, units)


class _Step:
    def __init__(self, progress: Progress, name: str, units: int):
        self.progress, self.name, self.units = progress, name, units
        self.done = 0

    def __enter__(self):
        from tqdm import tqdm

        self.progress.number += 1
        log.debug("stap %s/%s: %s", self.progress.number, self.progress.total, self.name)
        print(
            f"[{self.progress.number}/{self.progress.total}] {self.name} ...",
            file=self.progress.stream,
            flush=True,
        )
        self.bar = tqdm(
            total=self.units, desc=self.name, unit="stap", leave=False, disable=None, file=sys.stderr
        )
        self.started = time.perf_counter()
        return self

    def advance(self, label: str = "") -> None:
        if label:
            self.bar.set_postfix_str(label)
        self.bar.update(1)

    def finished(self, label: str) -> None:
        """A line as each part finishes (`[3/10] 12_bestand.ipynb klaar na 21,3 s`), then the bar moves on:
        a long step shows it is alive also where no bar is drawn (a log, CI, a pipe).
        """
        self.done += 1
        seconds = _nl_seconds(time.perf_counter() - self.started)
        line = f"      [{self.done}/{self.units}] {label} klaar na {seconds}"
        self.bar.write(line, file=self.progress.stream)
        self.progress.stream.flush()
        self.advance(label)

    def __exit__(self, exc_type, exc, tb):
        self.bar.close()
        seconds = time.perf_counter() - self.started
        self.progress.seconds[self.name] = seconds
        if exc_type is None:
            log.debug("stap %s klaar in %s", self.name, _nl_seconds(seconds))
            print(f"      klaar in {_nl_seconds(seconds)}", file=self.progress.stream, flush=True)
        else:
            log.debug("stap %s gestopt na %s: %s", self.name, _nl_seconds(seconds), exc_type.__name__)
        return False


def _nl_seconds(seconds: float) -> str:
    return f"{format_nl(seconds, 'n', decimals=1)} s"


@dataclass(frozen=True)
class _Plan:
    """What a run is asked to do, as checked before any work starts."""

    export_dir: Path
    kwartaal: str
    b: dt.date
    b_previous: dt.date
    given_target: Path | None
    given_config: Any
    clean_root: Path
    max_afwijzing_pct: float | None
    notebooks: list[Path]
    kernel: str
    kernel_meta: dict
    config_path: Path | None
    profiel: str | None
    started_at: str


def run_quarter(
    export_dir: Path,
    kwartaal: str,
    *,
    out_dir: Path | None = None,
    max_afwijzing_pct: float | None = None,
    config_path: Path | None = None,
    profiel: str | None = None,
    clean_root: Path = paths.DATA_CLEAN,
    notebooks_dir: Path = paths.NOTEBOOKS,
    kernel: str = paths.KERNEL_NAME,
    workers: int | None = None,
    stream=None,
) -> RunResult:
    """The whole quarterly run; raises `RunError` (with the exit code) when it stops.

    Everything that can be checked before work starts is checked first (exit 2): quarter, export,
    threshold, key, writable folders, notebooks, kernel. The target is locked before the ingest, so a
    second run into the same folder stops at once instead of after its ingest.
    """
    with run_log() as buffer:
        plan = _check_plan(
            export_dir,
            kwartaal,
            out_dir,
            max_afwijzing_pct,
            config_path,
            profiel,
            clean_root,
            notebooks_dir,
            kernel,
        )
        progress = Progress(4, stream)
        with contextlib.ExitStack() as locks:
            # a second run into the same folder stops here, before any kernel starts or any file is read
            if plan.given_target is not None:
                locks.enter_context(TargetLock(plan.given_target))
            # the kernels start and import while ingest runs, which leaves a core mostly idle
            pool = KernelPool(
                kernel,
                min(workers or default_workers(), len(plan.notebooks)),
                warm_in=plan.notebooks[0].parent,
                warm_code=warm_code(plan.notebooks),
            ).start()
            try:
                manifest, kpis, results, target = _locked_run(plan, locks, buffer, progress, pool)
            except BaseException as exc:
                pool.close(wait=isinstance(exc, Exception))  # on Ctrl-C the kernels follow this process
                raise
            pool.close()  # no kernel outlives the run
    return RunResult(
        out_dir=target, manifest=manifest, kpis=kpis, steps=dict(progress.seconds), notebooks=results
    )


def _check_plan(
    export_dir: Path,
    kwartaal: str,
    out_dir: Path | None,
    max_afwijzing_pct: float | None,
    config_path: Path | None,
    profiel: str | None,
    clean_root: Path,
    notebooks_dir: Path,
    kernel: str,
) -> _Plan:
    """The checks before any work (exit 2 on the first that fails), and the configuration logged first."""
    started_at = now()
    export_dir = Path(export_dir).resolve()
    b, b_previous = peildatum(kwartaal), peildatum(vorig_kwartaal(kwartaal))
    if not export_dir.is_dir():
        raise RunError(f"exportmap {export_dir} bestaat niet", exit_code=2)
    max_afwijzing_pct = check_percentage(max_afwijzing_pct)
    load_key()
    clean_root = check_writable_dir(Path(clean_root).resolve(), "--clean-root")
    given_target = check_writable_dir(Path(out_dir).resolve(), "--out") if out_dir else None
    notebooks = discover_notebooks(Path(notebooks_dir).resolve())
    check_notebooks(notebooks)
    kernel_meta = kernel_info(kernel)
    given_config = load_config(Path(config_path).resolve()) if config_path else None
    log.debug("kwartaalrun %s op %s", kwartaal, export_dir)
    log.debug(
        "configuratie: %s",
        "uit " + str(Path(config_path).resolve())
        if config_path
        else "meegeleverde instelling van de organisatie",
    )
    if given_config is not None:
        log.debug(
            "configuratie (volledig):\n%s",
            yaml.safe_dump(given_config.as_dict(), sort_keys=True, allow_unicode=True),
        )
    return _Plan(
        export_dir=export_dir,
        kwartaal=kwartaal,
        b=b,
        b_previous=b_previous,
        given_target=given_target,
        given_config=given_config,
        clean_root=clean_root,
        max_afwijzing_pct=max_afwijzing_pct,
        notebooks=notebooks,
        kernel=kernel,
        kernel_meta=kernel_meta,
        config_path=config_path,
        profiel=profiel,
        started_at=started_at,
    )


def _locked_run(
    plan: _Plan,
    locks: contextlib.ExitStack,
    buffer: logging.handlers.MemoryHandler,
    progress: Progress,
    pool: KernelPool,
) -> tuple[dict[str, Any], Any, list[notebook_runner.NotebookResult], Path]:
    """Steps 1-4; `locks` holds the given target's lock and takes those of a default target and of the
    clean delivery the notebooks read (released by the caller when the run ends)."""
    with progress.step("ingest en validatie"):
        prepare_rule_engine()
        read = _read(plan.export_dir, plan.profiel, plan.kwartaal)
        target = plan.given_target
        if target is None:
            organisatie = delivered_organisation(read) or "onbekend"
            slug = plan.given_config.slug if plan.given_config else slugify(organisatie)
            target = check_writable_dir(default_out_dir(slug, plan.kwartaal).resolve(), "doelmap")
            locks.enter_context(TargetLock(target))
        clean_target = delivered_clean_dir(read, plan.clean_root)
        if clean_target is not None:
            # the notebooks read this delivery: no other run or ingest may replace it meanwhile
            locks.enter_context(TargetLock(clean_target, "een andere run of ingest"))
        ingest = _ingest(read, plan.export_dir, plan.clean_root, plan.max_afwijzing_pct, plan.given_config)
    config = plan.given_config or config_for(
        ingest.organisatie, gemeentecodes=_gemeentecodes(ingest.clean_dir)
    )
    manifest, kpis, results = _build(plan, buffer, progress, pool, ingest, config, target)
    return manifest, kpis, results, target


def _build(
    plan: _Plan,
    buffer: logging.handlers.MemoryHandler,
    progress: Progress,
    pool: KernelPool,
    ingest: Any,
    config: Any,
    target: Path,
) -> tuple[dict[str, Any], Any, list[notebook_runner.NotebookResult]]:
    """Steps 2-4 in the staging folder, swapped into place at the end (the caller holds the locks)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = make_staging(target)
    try:
        write_run_log(buffer, staging / RUN_LOG)
        if plan.given_config is None:
            log.debug(
                "configuratie (volledig):\n%s",
                yaml.safe_dump(config.as_dict(), sort_keys=True, allow_unicode=True),
            )
        shutil.copytree(ingest.clean_dir / "validatie", staging / "validatie")
        config_file = staging / "configuratie.yaml"
        config_file.write_text(
            yaml.safe_dump(config.as_dict(), sort_keys=True, allow_unicode=True), encoding="utf-8"
        )

        prepare_vega_bundle()  # the pages' script, built beside the KPI step (mostly one core)
        # The research tables are made beside the series and on into the notebooks (only the notebooks
        # that read them wait for them): on a small delivery by a kernel, which would wait idle until
        # the series is written; on a large one by a thread of this process (`research_in_a_kernel`).
        research: Future | None = None
        if research_in_a_kernel(ingest.afstemming):
            research = pool.submit_code(
                "from pipelines.kpi.engine import write_research_tables_of_delivery\n"
                f"write_research_tables_of_delivery({str(staging)!r}, {str(ingest.clean_dir)!r}, "
                f"{str(config_file)!r}, {plan.b.isoformat()!r})\n"
            )
        with ThreadPoolExecutor(2, thread_name_prefix="naast-de-notebooks") as beside:
            try:
                with progress.step("kengetallen"):
                    # the series every page and the dashboard read: computed once here, not in every kernel
                    data = load_clean(ingest.clean_dir)
                    if research is None:
                        research = beside.submit(write_research_tables, staging, data, config, plan.b)
                    kpis = compute_kpis(data, config, series_peildata(plan.b, data.gegevens_vanaf))
                    write_kpis_csv(kpis, staging / "kpis.csv")
                    del data
                # the dashboard's charts need only the series: drawn while the notebooks run
                drawn = beside.submit(dashboard_charts, staging, kpis, config, drawn_by_a_kernel(pool))

                tasks = plan_notebooks(
                    active_notebooks(plan.notebooks, config),
                    clean_dir=ingest.clean_dir,
                    kwartaal=plan.kwartaal,
                    config_path=config_file,
                    bundle=staging,
                    kpis_csv=staging / "kpis.csv",
                    research_ready=research.result,
                )
                with progress.step("notebooks", units=len(tasks)) as step:
                    try:
                        results = run_notebooks(tasks, kernel=plan.kernel, pool=pool, progress=step.finished)
                        wait([drawn])  # a kernel draws the dashboard's charts: the pool stays until it has
                        pool.close(wait=False)  # the kernels stop beside the publication
                    except notebook_runner.NotebookError as exc:
                        wait([research, drawn])  # nothing may still write into the folder that is kept
                        failed = target.parent / f"{target.name}.mislukt"
                        message = _failure_message(exc, staging, failed)
                        keep_failed(staging, failed, plan.started_at, message)
                        raise RunError(message) from exc
                research.result()  # also when no notebook waited for them, their failure stops the run
            except Exception as exc:
                if research is not None:
                    wait([research])  # nothing may write into the staging folder once it is removed
                    if not research.cancelled() and research.exception() is exc:
                        raise RunError(_beside_failure("de onderzoekstabellen", exc)) from exc
                raise

        run_parameters = {
            "export": str(plan.export_dir),
            "kwartaal": plan.kwartaal,
            "peildatum": plan.b.isoformat(),
            "peildatum_vorig": plan.b_previous.isoformat(),
            "max_afwijzing_pct": ingest.max_afwijzing_pct,
            "config": str(Path(plan.config_path).resolve()) if plan.config_path else None,
            "profiel": plan.profiel,
            "kernel": plan.kernel,
        }
        with progress.step("publicatie", units=len(results) + 3) as step:
            try:
                dashboard = drawn.result()
            except Exception as exc:
                raise RunError(_beside_failure("de grafieken van het dashboard", exc)) from exc
            try:
                manifest = publish_bundle(
                    staging,
                    results,
                    kpis,
                    config,
                    ingest,
                    kwartaal=plan.kwartaal,
                    b=plan.b,
                    parameters=run_parameters,
                    kernel_meta=plan.kernel_meta,
                    started_at=plan.started_at,
                    target=target,
                    step=step,
                    steps_seconds=progress.seconds,
                    drawn=dashboard,
                )
            except PublishError as exc:
                raise RunError(f"run gestopt bij de publicatie: {exc}") from exc
        replace_bundle(staging, target)
    except BaseException:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest, kpis, results


def _gemeentecodes(clean_dir: Path) -> list[str]:
    import polars as pl

    file = clean_dir / "personen.parquet"
    if not file.exists():
        return []
    return sorted(
        pl.read_parquet(file, columns=["gemeentecode"])
        .get_column("gemeentecode")
        .drop_nulls()
        .unique()
        .to_list()
    )


def _read(export_dir: Path, profiel: str | None, kwartaal: str):
    """Read the export and refuse a quarter it has no data on, before anything is validated."""
    try:
        read = read_export(export_dir, profile=profiel)
    except ExportError as exc:
        raise RunError(f"run gestopt bij ingest: {exc}", exit_code=exc.exit_code) from exc
    _check_quarter_of(read, kwartaal)
    return read


def _ingest(read, export_dir: Path, clean_root: Path, max_afwijzing_pct: float | None, config):
    try:
        return ingest_read(
            read,
            export_dir,
            clean_root=Path(clean_root).resolve(),
            max_afwijzing_pct=max_afwijzing_pct,
            config=config,
            release_rows=True,
        )
    except (ThresholdExceeded, ExportError, IngestError) as exc:
        raise RunError(f"run gestopt bij ingest: {exc}", exit_code=exc.exit_code) from exc


def _check_quarter_of(read, kwartaal: str) -> None:
    """The quarter against the delivery's `gegevens_vanaf` and `extractiedatum` (exit 2 when outside).

    A `levering` that is not one readable row is left to the validation, which rejects it with reasons.
    """
    levering = read.tables["levering"].frame
    if levering.height != 1:
        return
    row = levering.row(0, named=True)
    if row.get("gegevens_vanaf") is None or row.get("extractiedatum") is None:
        return
    try:
        check_quarter(kwartaal, row["gegevens_vanaf"], row["extractiedatum"])
    except PeriodError as exc:
        raise RunError(f"run geweigerd voordat er iets draaide: {exc}", exit_code=2) from exc


def _beside_failure(what: str, exc: BaseException) -> str:
    """What stopped work done beside the notebooks, in a kernel (`CodeFailed`: its exception) or a
    thread, masked."""
    name, value = getattr(exc, "ename", type(exc).__name__), getattr(exc, "evalue", str(exc))
    return f"{what} konden niet worden gemaakt: {name}: {mask_identifiers(value)}"


def _failure_message(exc: notebook_runner.NotebookError, staging: Path, failed: Path) -> str:
    text = str(exc).replace(str(staging), str(failed))
    return f"run gestopt: {text}"


def summary(result: RunResult, b: dt.date | None = None) -> str:
    """The closing lines of a run: where the bundle is, how long each step took, what the figures say."""
    lines = [
        "",
        f"Kwartaalrun geslaagd: {result.out_dir / 'publicatie' / 'index.html'}",
        f"  om te delen: {result.out_dir / 'publicatie'}",
        f"  alleen intern (exacte cijfers): {result.out_dir / 'intern'}",
    ]
    for name, seconds in result.steps.items():
        lines.append(f"  {name:<22} {_nl_seconds(seconds):>10}")
    for r in result.notebooks:
        lines.append(f"    {r.notebook.name:<34} {_nl_seconds(r.seconds):>10}")
    outcome = result.manifest.get("uitkomst", {})
    lines.append(
        f"  kengetallen: {format_nl(outcome.get('kengetallen'))} rijen, "
        f"{format_nl(outcome.get('beschikbaar'))} beschikbaar, "
        f"{format_nl(outcome.get('onderdrukt_in_publicatie'))} onderdrukt in de publicatie"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--export", required=True, type=Path, metavar="MAP", help="map met de export (csv/xlsx)"
    )
    parser.add_argument("--kwartaal", required=True, help="kwartaal van de evaluatie, bijvoorbeeld 2024Q3")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="MAP",
        help="doelmap (standaard reports/<organisatie>/<kwartaal>/)",
    )
    parser.add_argument(
        "--max-afwijzing-pct",
        type=percentage,
        default=None,
        metavar="PCT",
        help="maximaal aandeel afgewezen regels per tabel in procent (standaard uit de configuratie, 5)",
    )
    parser.add_argument(
        "--config", type=Path, default=None, metavar="BESTAND", help="configuratie van de organisatie (yaml)"
    )
    parser.add_argument(
        "--profiel", default=None, help="mappingprofiel van de export (naam of pad); standaard automatisch"
    )
    parser.add_argument(
        "--clean-root",
        type=Path,
        default=paths.DATA_CLEAN,
        metavar="MAP",
        help=f"map voor de schone data (standaard {paths.DATA_CLEAN})",
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        default=paths.NOTEBOOKS,
        metavar="MAP",
        help=f"map met de notebooks (standaard {paths.NOTEBOOKS})",
    )
    parser.add_argument(
        "--kernel",
        default=paths.KERNEL_NAME,
        metavar="NAAM",
        help=f"Jupyter-kernel (standaard {paths.KERNEL_NAME})",
    )
    parser.add_argument(
        "--workers", type=int, default=2, metavar="AANTAL", help="notebooks tegelijk (standaard 2)"
    )


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(args: argparse.Namespace) -> int:
    previous = signal.signal(signal.SIGTERM, _terminate)
    # Ctrl-C must stop a run even when the shell started it with SIGINT ignored (background jobs, CI).
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        result = run_quarter(
            args.export,
            args.kwartaal,
            out_dir=args.out,
            max_afwijzing_pct=args.max_afwijzing_pct,
            config_path=args.config,
            profiel=args.profiel,
            clean_root=args.clean_root,
            notebooks_dir=args.notebooks,
            kernel=args.kernel,
            workers=args.workers,
        )
    except KeyboardInterrupt:
        print("participatie run: onderbroken; er is geen (half) rapport achtergelaten", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        # Worker threads may still wait on a kernel; end the process now (kernels follow their parent).
        os._exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    print(summary(result))
    return 0
