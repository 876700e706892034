"""`participatie run`: the quarterly evaluation from export to offline dashboard bundle.

Steps (each with its own progress bar and timing):
1. ingest and validation - `pipelines.ingest.ingest_export` in this process (typed errors, one
   pass over the data); the threshold stop exits non-zero naming table, share and threshold;
2. KPIs - `compute_kpis` for the peildatum and the quarter before (the dashboard's trend arrows),
   written as the exact `kpis.csv`;
3. notebooks - `01_validatie` and every KPI/programme notebook (`notebooks/[0-2][0-9]_*.ipynb`,
   not `00_ingest`, whose work step 1 did) with papermill on the named kernel, two at a time;
   parameters are checked against every notebook's `parameters` cell before step 1 starts;
4. publication - HTML pages without code, `index.html`, `kpis.xlsx`, chart exports, `manifest.json`.

Everything is written into a hidden staging folder beside the target (`.<kwartaal>.onvolledig`)
and moved into place only when every step succeeded. A failed notebook leaves the staging
folder as `<kwartaal>.mislukt/` (executed notebooks kept, no dashboard); an interrupted run
removes it. A previous bundle stays untouched until the new one replaces it whole.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from pipelines import notebook_runner, paths

#: Notebooks the run executes: numbered 00-29 at the top of notebooks/ (never notebooks/explore/).
NOTEBOOK_PATTERN = "[0-2][0-9]_*.ipynb"
#: Ingest runs in-process (step 1); its notebook is for analysts running ingest by hand.
SKIPPED_NOTEBOOKS = ("00_ingest",)
#: Parameters the run passes to each kind of notebook (by the first digit of its name).
VALIDATION_PARAMETERS = ("clean_dir", "uitvoer_dir")
REPORT_PARAMETERS = ("clean_dir", "kwartaal", "gemeente", "config_path", "uitvoer_dir")
#: Packages whose versions go into the manifest (they decide the figures and the pages).
MANIFEST_PACKAGES = (
    "polars", "pandas", "pyarrow", "numpy", "great-expectations", "altair", "vl-convert-python",
    "papermill", "nbconvert", "nbformat", "ipykernel", "jupyter-client", "xlsxwriter", "fastexcel", "pyyaml",
)  # fmt: skip
#: Charts of the dashboard exported as PNG and SVG (grafieken/dashboard_<kpi>.png|svg).
DASHBOARD_CHARTS = ("uitstroom_werk_inkomen_pct", "uitstroom_pct", "instroom_pct", "deeltijdwerk_pct")
STATUS_OK = "geslaagd"


class RunError(RuntimeError):
    """The run stopped; the message says which step and why (and `exit_code` what the shell sees)."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class NotebookTask:
    notebook: Path
    parameters: dict[str, Any]
    output: Path
    declared_outputs: tuple[Path, ...]


@dataclass
class RunResult:
    out_dir: Path
    manifest: dict[str, Any]
    kpis: Any  # the kpis frame (polars)
    steps: dict[str, float] = field(default_factory=dict)
    notebooks: list[notebook_runner.NotebookResult] = field(default_factory=list)


# --------------------------------------------------------------------------- planning (pure)


def discover_notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """The run's notebooks in name order (the order of the pages and of the manifest)."""
    found = sorted(Path(folder).glob(NOTEBOOK_PATTERN))
    return [p for p in found if p.stem not in SKIPPED_NOTEBOOKS and p.is_file()]


def parameter_names(notebook: Path) -> tuple[str, ...]:
    """The parameters the run gives a notebook: validation notebooks (0x) get fewer."""
    return VALIDATION_PARAMETERS if notebook.name.startswith("0") else REPORT_PARAMETERS


def declared_output_names(notebook: Path) -> tuple[str, ...]:
    """Files a notebook promises under its `uitvoer_dir` (checked to exist and be non-empty)."""
    return () if notebook.name.startswith("0") else (f"{notebook.stem}.kerncijfers.json",)


def plan_notebooks(
    notebooks: list[Path], *, clean_dir: Path, kwartaal: str, config_path: Path, bundle: Path
) -> list[NotebookTask]:
    """One task per notebook with absolute paths; outputs go into the bundle being built."""
    values = {
        "clean_dir": str(clean_dir), "kwartaal": kwartaal, "gemeente": "totaal",
        "config_path": str(config_path), "uitvoer_dir": str(bundle),
    }
    return [
        NotebookTask(
            notebook=nb.resolve(),
            parameters={name: values[name] for name in parameter_names(nb)},
            output=bundle / "notebooks" / nb.name,
            declared_outputs=tuple(bundle / name for name in declared_output_names(nb)),
        )
        for nb in notebooks
    ]


def check_notebooks(notebooks: list[Path]) -> None:
    """Refuse the run before anything starts when a notebook would not accept the run's parameters."""
    if not notebooks:
        raise RunError(f"geen notebooks gevonden ({NOTEBOOK_PATTERN})")
    for nb in notebooks:
        try:
            notebook_runner.check_parameters(nb, {name: None for name in parameter_names(nb)})
        except notebook_runner.NotebookError as exc:
            raise RunError(f"run geweigerd voordat er iets draaide: {exc}", exit_code=2) from exc


def default_out_dir(organisatie_slug: str, kwartaal: str) -> Path:
    return paths.REPORTS / organisatie_slug / kwartaal


# --------------------------------------------------------------------------- execution


def run_notebooks(
    tasks: list[NotebookTask], *, kernel: str, workers: int = 2, progress: Callable[[str], None] | None = None
) -> list[notebook_runner.NotebookResult]:
    """Execute the tasks on a small pool; the first failure (in notebook order) is raised after the others stop.

    Tasks not yet started are cancelled on a failure; results come back in task order, so the
    outputs do not depend on which notebook finished first.
    """
    results: dict[Path, notebook_runner.NotebookResult] = {}
    errors: dict[Path, BaseException] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="notebook")
    futures: dict[Future, NotebookTask] = {}
    try:
        for task in tasks:
            future = pool.submit(
                notebook_runner.execute, task.notebook, task.output, task.parameters,
                kernel_name=kernel, declared_outputs=task.declared_outputs,
            )
            futures[future] = task
        pending = set(futures)
        while pending:
            # A short timeout keeps the main thread responsive to Ctrl-C (a signal that lands
            # in a worker thread does not wake a blocked wait in the main thread).
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_EXCEPTION)
            for future in done:
                task = futures[future]
                if future.cancelled():
                    continue
                exc = future.exception()
                if exc is None:
                    results[task.notebook] = future.result()
                    if progress:
                        progress(task.notebook.name)
                else:
                    errors[task.notebook] = exc
            if errors:
                for future in pending:
                    future.cancel()
                while wait(pending, timeout=0.5)[1]:
                    pass
                pending = set()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    if errors:
        first = next(task.notebook for task in tasks if task.notebook in errors)
        raise errors[first]
    return [results[task.notebook] for task in tasks]


def git_version(root: Path = paths.ROOT) -> dict[str, Any]:
    """The code version: git commit plus a dirty flag in a clone, else the installed package version."""
    version: dict[str, Any] = {"pakket": _version("participatie")}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10)
        if commit.returncode == 0:
            status = subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True, timeout=30
            )
            version["git_commit"] = commit.stdout.strip()
            version["git_gewijzigd"] = bool(status.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return version


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def kernel_info(kernel: str) -> dict[str, Any]:
    """Name, display name and interpreter of the kernel (refuses an unknown kernel before the run)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel as exc:
        raise RunError(
            f"Jupyter-kernel {kernel!r} is niet geregistreerd; draai `make install` "
            f"(registreert de kernel {paths.KERNEL_NAME!r})", exit_code=2
        ) from exc
    return {"naam": kernel, "weergavenaam": spec.display_name, "taal": spec.language, "python": spec.argv[0]}


def _staging(out_dir: Path) -> Path:
    """The hidden folder a run builds in; a left-over of a dead run is removed, a live one refused."""
    staging = out_dir.parent / f".{out_dir.name}.onvolledig"
    if staging.exists():
        pid_file = staging / ".pid"
        pid = int(pid_file.read_text()) if pid_file.exists() and pid_file.read_text().strip().isdigit() else None
        if pid and pid != os.getpid() and _alive(pid):
            raise RunError(f"er draait al een run naar {out_dir} (proces {pid}); wacht tot die klaar is")
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    (staging / ".pid").write_text(str(os.getpid()))
    return staging


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _replace(staging: Path, target: Path) -> None:
    """Move the finished bundle into place; the old one is removed only after the new one is there."""
    old = target.parent / f".{target.name}.oud"
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)


class Progress:
    """A line per step on stdout and a tqdm bar per step on stderr (hidden when not a terminal)."""

    def __init__(self, total_steps: int, stream=sys.stdout):
        self.total = total_steps
        self.number = 0
        self.stream = stream
        self.seconds: dict[str, float] = {}

    def step(self, name: str, units: int = 1):
        return _Step(self, name, units)


class _Step:
    def __init__(self, progress: Progress, name: str, units: int):
        self.progress, self.name, self.units = progress, name, units

    def __enter__(self):
        from tqdm import tqdm

        self.progress.number += 1
        print(f"[{self.progress.number}/{self.progress.total}] {self.name} ...", file=self.progress.stream, flush=True)
        self.bar = tqdm(total=self.units, desc=self.name, unit="stap", leave=False, disable=None, file=sys.stderr)
        self.started = time.perf_counter()
        return self

    def advance(self, label: str = "") -> None:
        if label:
            self.bar.set_postfix_str(label)
        self.bar.update(1)

    def __exit__(self, exc_type, exc, tb):
        self.bar.close()
        seconds = time.perf_counter() - self.started
        self.progress.seconds[self.name] = seconds
        if exc_type is None:
            print(f"      klaar in {_nl_seconds(seconds)}", file=self.progress.stream, flush=True)
        return False


def _nl_seconds(seconds: float) -> str:
    return f"{seconds:.1f}".replace(".", ",") + " s"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


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
    workers: int = 2,
    stream=sys.stdout,
) -> RunResult:
    """The whole quarterly run; raises `RunError` (with the exit code) when it stops."""
    from pipelines.config import ConfigError, config_for, load_config
    from pipelines.periods import PeriodError, peildatum, vorig_kwartaal

    started_at = _now()
    export_dir = Path(export_dir).resolve()
    try:
        b = peildatum(kwartaal)
        b_previous = peildatum(vorig_kwartaal(kwartaal))
    except PeriodError as exc:
        raise RunError(str(exc), exit_code=2) from exc
    if not export_dir.is_dir():
        raise RunError(f"exportmap {export_dir} bestaat niet", exit_code=2)
    notebooks = discover_notebooks(Path(notebooks_dir).resolve())
    check_notebooks(notebooks)
    kernel_meta = kernel_info(kernel)
    try:
        given_config = load_config(Path(config_path).resolve()) if config_path else None
    except ConfigError as exc:
        raise RunError(str(exc), exit_code=2) from exc

    progress = Progress(4, stream)
    result_steps: dict[str, Any] = {}

    with progress.step("ingest en validatie"):
        ingest = _ingest(export_dir, clean_root, max_afwijzing_pct, given_config, profiel)
    config = given_config or config_for(ingest.organisatie, gemeentecodes=_gemeentecodes(ingest.clean_dir))
    target = Path(out_dir).resolve() if out_dir else default_out_dir(config.slug, kwartaal)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _staging(target)
    try:
        shutil.copytree(ingest.clean_dir / "validatie", staging / "validatie")
        config_file = staging / "configuratie.yaml"
        config_file.write_text(yaml.safe_dump(config.as_dict(), sort_keys=True, allow_unicode=True), encoding="utf-8")

        with progress.step("kengetallen"):
            kpis = _kpis(ingest.clean_dir, config, [b_previous, b], staging / "kpis.csv")

        tasks = plan_notebooks(notebooks, clean_dir=ingest.clean_dir, kwartaal=kwartaal, config_path=config_file, bundle=staging)
        with progress.step("notebooks", units=len(tasks)) as step:
            try:
                results = run_notebooks(tasks, kernel=kernel, workers=workers, progress=step.advance)
            except notebook_runner.NotebookError as exc:
                failed = target.parent / f"{target.name}.mislukt"
                message = _failure_message(exc, staging, failed)
                _keep_failed(staging, failed, started_at, message)
                raise RunError(message) from exc

        from pipelines.publish import PublishError

        run_parameters = {
            "export": str(export_dir), "kwartaal": kwartaal, "peildatum": b.isoformat(),
            "peildatum_vorig": b_previous.isoformat(), "max_afwijzing_pct": ingest.max_afwijzing_pct,
            "config": str(Path(config_path).resolve()) if config_path else None, "profiel": profiel,
            "kernel": kernel,
        }
        with progress.step("publicatie", units=len(results) + 3) as step:
            try:
                manifest = _publish(
                    staging, results, kpis, config, ingest, kwartaal=kwartaal, b=b, parameters=run_parameters,
                    kernel_meta=kernel_meta, started_at=started_at, target=target, step=step,
                    steps_seconds=progress.seconds,
                )
            except PublishError as exc:
                raise RunError(f"run gestopt bij de publicatie: {exc}") from exc
        (staging / ".pid").unlink()
        _replace(staging, target)
    except BaseException:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    result_steps.update(progress.seconds)
    return RunResult(out_dir=target, manifest=manifest, kpis=kpis, steps=result_steps, notebooks=results)


def _gemeentecodes(clean_dir: Path) -> list[str]:
    import polars as pl

    file = clean_dir / "personen.parquet"
    if not file.exists():
        return []
    return sorted(pl.read_parquet(file, columns=["gemeentecode"]).get_column("gemeentecode").drop_nulls().unique().to_list())


def _ingest(export_dir: Path, clean_root: Path, max_afwijzing_pct: float | None, config, profiel: str | None):
    from pipelines.export import ExportError
    from pipelines.ingest import IngestError, ThresholdExceeded, ingest_export

    try:
        return ingest_export(export_dir, clean_root=Path(clean_root).resolve(), profile=profiel,
                             max_afwijzing_pct=max_afwijzing_pct, config=config)
    except ThresholdExceeded as exc:
        raise RunError(f"run gestopt bij ingest: {exc}", exit_code=3) from exc
    except (ExportError, IngestError) as exc:
        raise RunError(f"run gestopt bij ingest: {exc}", exit_code=3) from exc


def _kpis(clean_dir: Path, config, peildata: list[dt.date], path: Path):
    from pipelines.clean import load_clean
    from pipelines.kpi import compute_kpis, write_kpis_csv

    frame = compute_kpis(load_clean(clean_dir), config, peildata)
    write_kpis_csv(frame, path)
    return frame


def _failure_message(exc: notebook_runner.NotebookError, staging: Path, failed: Path) -> str:
    text = str(exc).replace(str(staging), str(failed))
    return f"run gestopt: {text}"


def _keep_failed(staging: Path, failed: Path, started_at: str, message: str) -> None:
    """A failed run keeps its executed notebooks as `<kwartaal>.mislukt/`, clearly not a bundle."""
    from pipelines.publish import write_manifest

    write_manifest({"uitkomst": {"status": "mislukt", "melding": message}, "tijden": {"start": started_at, "eind": _now()}},
                   staging / "manifest.json")
    (staging / ".pid").unlink(missing_ok=True)
    if failed.exists():
        shutil.rmtree(failed)
    os.replace(staging, failed)


def _publish(
    staging: Path, results, kpis, config, ingest, *, kwartaal: str, b: dt.date, parameters: dict, kernel_meta: dict, started_at: str, target: Path, step, steps_seconds: dict,
) -> dict[str, Any]:
    """Pages, dashboard, workbook, chart exports and the manifest, all inside the staging folder."""
    from pipelines import publish
    from pipelines.kpi import KPI_CATALOGUE

    pub = publish.publication_frame(kpis, KPI_CATALOGUE, config.min_cell, config.min_noemer)
    gemeenten = dict(config.gemeenten)
    for code in kpis.get_column("gemeentecode").unique().to_list():
        if code != "totaal":
            gemeenten.setdefault(code, code)
    pages = [(f"{r.output.stem}.html", _page_title(r.output)) for r in results]
    nav = [("index.html", "Dashboard")] + pages + [("validatie/index.html", "Validatie")]
    for r in results:
        html_text = publish.notebook_page(r.output, organisatie=config.organisatie, kwartaal=kwartaal, nav=nav,
                                          active=f"{r.output.stem}.html")
        (staging / f"{r.output.stem}.html").write_text(html_text, encoding="utf-8")
        step.advance(r.output.stem)

    norms = publish.config_norms(config)
    chart_specs: list[tuple[str, dict]] = []
    chart_files: list[str] = []
    for kpi in DASHBOARD_CHARTS:
        spec = publish.overview_chart(pub, KPI_CATALOGUE, gemeenten, kpi)
        if spec is None:
            continue
        chart_specs.append((f"dashboard-{kpi.replace('_', '-')}", spec))
        for file in publish.save_chart(spec, staging / "grafieken" / f"dashboard_{kpi}"):
            chart_files.append(file.relative_to(staging).as_posix())
    step.advance("grafieken")

    sections = pages + [("validatie/index.html", "Validatierapport"), ("kpis.csv", "kpis.csv (exact, voor analisten)"),
                        ("kpis.xlsx", "kpis.xlsx (publicatieversie)"), ("manifest.json", "manifest.json (verantwoording)")]
    body = publish.dashboard_body(pub, KPI_CATALOGUE, gemeenten, sections, chart_files,
                                  publish.suppression_notes(config.min_cell, config.min_noemer), norms)
    body += "\n" + "\n".join(f'<div class="grafiek" id="{div_id}"></div>' for div_id, _ in chart_specs)
    index = publish.render_page(title=f"Dashboard {config.organisatie} {kwartaal}", body=body,
                                organisatie=config.organisatie, kwartaal=kwartaal, nav=nav, active="index.html",
                                charts=chart_specs)
    (staging / "index.html").write_text(index, encoding="utf-8")
    step.advance("dashboard")

    publish.write_kpis_xlsx(pub, KPI_CATALOGUE, gemeenten, staging / "kpis.xlsx", organisatie=config.organisatie,
                            kwartaal=kwartaal, min_cell=config.min_cell, min_noemer=config.min_noemer)
    step.advance("kpis.xlsx")

    ingest_meta = json.loads((ingest.clean_dir / "ingest.json").read_text(encoding="utf-8"))
    current = kpis.filter(kpis.get_column("peildatum") == b)
    manifest = {
        "organisatie": config.organisatie,
        "kwartaal": kwartaal,
        "parameters": parameters,
        "configuratie": config.as_dict(),
        "invoer": {
            "bestanden": ingest_meta.get("bestanden", []),
            "extractiedatum": ingest_meta.get("extractiedatum"),
            "gegevens_vanaf": ingest_meta.get("gegevens_vanaf"),
            "profiel": ingest_meta.get("profiel"),
            "sleutel_vingerafdruk": ingest_meta.get("sleutel_vingerafdruk"),
            "schone_data": str(ingest.clean_dir),
        },
        "afstemming": ingest.afstemming.to_dicts(),
        "codeversie": git_version(),
        "pakketten": {name: _version(name) for name in MANIFEST_PACKAGES},
        "python": sys.version.split()[0],
        "kernel": kernel_meta,
        "notebooks": [
            {"notebook": r.notebook.name,
             "parameters": {k: _bundle_relative(v, staging) for k, v in sorted(r.parameters.items())}}
            for r in results
        ],
        "uitkomst": {
            "status": STATUS_OK,
            "kengetallen": current.height,
            "beschikbaar": int(current.get_column("waarde").is_not_null().sum()),
            "onderdrukt_in_publicatie": int(pub.filter(pub.get_column("peildatum") == b).get_column("reden").is_not_null().sum()),
            "kpis_csv_sha256": publish.sha256_file(staging / "kpis.csv"),
        },
        "tijden": {
            "start": started_at,
            "stappen_s": {k: round(v, 3) for k, v in steps_seconds.items()},
            "notebooks_s": {r.notebook.name: round(r.seconds, 3) for r in results},
        },
    }
    files = sorted(p for p in staging.rglob("*") if p.is_file() and p.name not in (".pid", "manifest.json"))
    manifest["uitvoer"] = {
        "map": str(target),
        "bestanden": {p.relative_to(staging).as_posix(): publish.sha256_file(p) for p in files},
    }
    manifest["tijden"]["eind"] = _now()
    publish.write_manifest(manifest, staging / "manifest.json")
    step.advance("manifest")
    return manifest


def _bundle_relative(value: Any, staging: Path) -> Any:
    """Paths inside the bundle as relative paths, so the manifest does not name the staging folder."""
    if isinstance(value, str) and value.startswith(str(staging)):
        return Path(value).relative_to(staging).as_posix() or "."
    return value


def _page_title(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = "".join(cell.get("source", ""))
            for line in source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem


def summary(result: RunResult, b: dt.date | None = None) -> str:
    """The closing lines of a run: where the bundle is, how long each step took, what the figures say."""
    lines = ["", f"Kwartaalrun geslaagd: {result.out_dir / 'index.html'}"]
    for name, seconds in result.steps.items():
        lines.append(f"  {name:<22} {_nl_seconds(seconds):>10}")
    for r in result.notebooks:
        lines.append(f"    {r.notebook.name:<34} {_nl_seconds(r.seconds):>10}")
    outcome = result.manifest.get("uitkomst", {})
    lines.append(
        f"  kengetallen: {outcome.get('kengetallen')} rijen, {outcome.get('beschikbaar')} beschikbaar, "
        f"{outcome.get('onderdrukt_in_publicatie')} onderdrukt in de publicatie"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--export", required=True, type=Path, help="map met de export (csv/xlsx)")
    parser.add_argument("--kwartaal", required=True, help="kwartaal van de evaluatie, bijvoorbeeld 2024Q3")
    parser.add_argument("--out", type=Path, default=None, help="doelmap (standaard reports/<organisatie>/<kwartaal>/)")
    parser.add_argument("--max-afwijzing-pct", type=float, default=None,
                        help="maximaal aandeel afgewezen regels per tabel in procent (standaard uit de configuratie, 5)")
    parser.add_argument("--config", type=Path, default=None, help="configuratie van de organisatie (yaml)")
    parser.add_argument("--profiel", default=None, help="mappingprofiel van de export (naam of pad); standaard automatisch")
    parser.add_argument("--clean-root", type=Path, default=paths.DATA_CLEAN,
                        help=f"map voor de schone data (standaard {paths.DATA_CLEAN})")
    parser.add_argument("--notebooks", type=Path, default=paths.NOTEBOOKS,
                        help=f"map met de notebooks (standaard {paths.NOTEBOOKS})")
    parser.add_argument("--kernel", default=paths.KERNEL_NAME, help=f"Jupyter-kernel (standaard {paths.KERNEL_NAME})")
    parser.add_argument("--workers", type=int, default=2, help="notebooks tegelijk (standaard 2)")


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(args: argparse.Namespace) -> int:
    previous = signal.signal(signal.SIGTERM, _terminate)
    # Ctrl-C must stop a run even when the shell started it with SIGINT ignored (background jobs, CI).
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        result = run_quarter(
            args.export, args.kwartaal, out_dir=args.out, max_afwijzing_pct=args.max_afwijzing_pct,
            config_path=args.config, profiel=args.profiel, clean_root=args.clean_root, notebooks_dir=args.notebooks,
            kernel=args.kernel, workers=args.workers,
        )
    except RunError as exc:
        print(f"participatie run: {exc}", file=sys.stderr)
        return exc.exit_code
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
