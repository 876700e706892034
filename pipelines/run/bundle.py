"""Assemble a bundle from the executed notebooks and kpis.csv: pages, dashboard, workbook, charts,
disclosure audit, manifest.

A bundle has two parts (`PLACEMENT` says which file goes where):

    <kwartaal>/
        publicatie/   what may be handed to a board or put on a website: the dashboard, the KPI pages,
                      their charts and kpis.xlsx; no exact small figure, nothing that links outside it
        intern/       what carries exact values or rows: kpis.csv, the notebooks' side files of exact
                      figures, the executed notebooks, the validation report and rejects, the run log
        manifest.json the account of the run (inputs, versions, the audit), with paths relative to the
                      bundle or the repository
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipelines import paths
from pipelines.errors import RunError
from pipelines.kpi.registry import KPI_CATALOGUE, KPI_FAMILIES, active_families, disclosure_rules
from pipelines.provenance import code_version, definitions_version, package_version, sha256_file
from pipelines.report import audit, charts, dashboard, present, xlsx
from pipelines.report import html as report_html
from pipelines.report.families.budget import illustrative_text
from pipelines.report.html import PublishError
from pipelines.report.manifest import write_manifest
from pipelines.report.norms import Norms
from pipelines.run.staging import RUN_LOG, now

PUBLICATIE = "publicatie"
INTERN = "intern"
#: The bundle's root (only the manifest).
ROOT = "."

#: Where every file of a bundle goes: the first pattern (bundle-relative, `fnmatch`) that matches
#: wins. Published are only the pages, their charts and the workbook; anything not named here
#: (a new side file) is internal until it is listed as published.
PLACEMENT: tuple[tuple[str, str], ...] = (
    ("manifest.json", ROOT),
    ("index.html", PUBLICATIE),
    ("kpis.xlsx", PUBLICATIE),
    ("01_validatie*", INTERN),  # the validation page shows rejected rows
    ("[0-9][0-9]_*.html", PUBLICATIE),
    ("grafieken/*", PUBLICATIE),
    ("kpis.csv", INTERN),
    ("*.kerncijfers.json", INTERN),
    ("notebooks/*", INTERN),
    ("validatie/*", INTERN),
    ("configuratie.yaml", INTERN),
    ("run.log", INTERN),
    ("*", INTERN),
)

#: What the dashboard says of the internal part, which it may not link to.
INTERNAL_FILES_TEXT = (
    "De exacte cijfers (kpis.csv), het validatierapport, de uitgevoerde notebooks en het runlogboek staan "
    "in het interne deel van deze run (de map intern naast deze map), de verantwoording in manifest.json. "
    "Die zijn niet om te verspreiden: ze bevatten kleine aantallen en afgewezen regels."
)

#: Pages that are internal (they show rows of the export): never in the published navigation.
INTERNAL_PAGES = ("01_validatie",)

#: Packages whose versions go into the manifest (they decide the figures and the pages).
MANIFEST_PACKAGES = (
    "polars",
    "pandas",
    "pyarrow",
    "numpy",
    "great-expectations",
    "altair",
    "vl-convert-python",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "jupyter-client",
    "xlsxwriter",
    "fastexcel",
    "pyyaml",
)


#: Charts of the dashboard exported as PNG and SVG (grafieken/dashboard_<kpi>.png|svg).
DASHBOARD_CHARTS = ("uitstroom_werk_inkomen_pct", "uitstroom_pct", "instroom_pct", "deeltijdwerk_pct")


STATUS_OK = "geslaagd"


def kernel_info(kernel: str) -> dict[str, Any]:
    """Name, display name and interpreter of the kernel (refuses an unknown kernel before the run)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel as exc:
        raise RunError(
            f"Jupyter-kernel {kernel!r} is niet geregistreerd; draai `make install` "
            f"(registreert de kernel {paths.KERNEL_NAME!r})",
            exit_code=2,
        ) from exc
    return {"naam": kernel, "weergavenaam": spec.display_name, "taal": spec.language, "python": spec.argv[0]}


@dataclass(frozen=True)
class DashboardCharts:
    """What the dashboard shows, with its charts drawn: the publication frame, the municipalities' names,
    the norms, the specs the page embeds and the exported files per chart; and the disclosure audit of
    the frame's cells, which the audit of the pages' tables completes."""

    pub: pl.DataFrame
    gemeenten: dict[str, str]
    norms: Norms
    specs: list[tuple[str, dict]]
    shown: list[dashboard.DashboardChart]
    cells_audited: audit.CellAudit
    rows: dict[tuple[str, str, dt.date], dict]  # `present.rows_by_key(pub)`, for the pages and the workbook


def draw_here(charts_to_draw: list[tuple[dict, Path]]) -> None:
    """Each spec as `stem.svg` and `stem.png` (`charts.save_spec`), in this process."""
    for spec, stem in charts_to_draw:
        charts.save_spec(spec, stem)


def dashboard_charts(
    staging: Path,
    kpis: pl.DataFrame,
    config,
    draw: Callable[[list[tuple[dict, Path]]], None] = draw_here,
) -> DashboardCharts:
    """The publication frame and the dashboard's charts, drawn into `staging/grafieken/`, and the audit of
    the frame's cells (`audit.audit_cells`).

    Needs only the KPI series, so the run does it while the notebooks run (`publish_bundle` takes the
    result, or makes it itself). `draw` draws the specs to their stems: the run has a kernel do it
    (vl-convert holds the interpreter while it draws, which here would keep the threads that drive the
    notebooks from sending the kernels their next cell).
    """
    rules = disclosure_rules(config)
    # `kpis` is the run's own frame, flagged by `compute_kpis` with this configuration's limits and rules
    pub = present.publication_frame(
        kpis, KPI_CATALOGUE, config.min_cell, config.min_noemer, rules, flagged=True
    )
    # a programme the organisation does not run is in kpis.csv (with the reason), not in the publication
    shown = [k for f in active_families(config) for k in KPI_FAMILIES[f]]
    pub = pub.filter(pub.get_column("kpi").is_in(shown))
    gemeenten = dict(config.gemeenten)
    for code in kpis.get_column("gemeentecode").unique().to_list():
        if code != "totaal":
            gemeenten.setdefault(code, code)
    norms = dashboard.config_norms(config)
    rows = present.rows_by_key(pub)
    chart_specs: list[tuple[str, dict]] = []
    compared: list[dashboard.DashboardChart] = []
    to_draw: list[tuple[dict, Path]] = []
    for kpi in DASHBOARD_CHARTS:
        spec = dashboard.overview_chart(pub, KPI_CATALOGUE, gemeenten, kpi, norms, rows=rows)
        if spec is None:
            continue
        div_id = f"dashboard-{kpi.replace('_', '-')}"
        chart_specs.append((div_id, dashboard.page_spec(spec)))
        stem = staging / "grafieken" / f"dashboard_{kpi}"
        to_draw.append((spec, stem))
        files = (stem.with_suffix(".png"), stem.with_suffix(".svg"))
        compared.append(
            dashboard.DashboardChart(
                div_id, KPI_CATALOGUE[kpi].label, tuple(f.relative_to(staging).as_posix() for f in files)
            )
        )
    if to_draw:
        draw(to_draw)
    cells_audited = audit.audit_cells(pub, KPI_CATALOGUE, rules, config.min_cell)
    return DashboardCharts(pub, gemeenten, norms, chart_specs, compared, cells_audited, rows)


def publish_bundle(
    staging: Path,
    results,
    kpis,
    config,
    ingest,
    *,
    kwartaal: str,
    b: dt.date,
    parameters: dict,
    kernel_meta: dict,
    started_at: str,
    target: Path,
    step,
    steps_seconds: dict,
    drawn: DashboardCharts | None = None,
) -> dict[str, Any]:
    """Pages, dashboard, workbook, chart exports, the audit and the manifest, inside the staging folder.

    Everything is written flat first (the notebooks wrote there too), then placed in `publicatie/` and
    `intern/` (`place_files`); the audit reads the published part as a reader would. `drawn`: the
    dashboard's charts when the caller drew them already (`dashboard_charts`).
    """
    if drawn is None:
        drawn = dashboard_charts(staging, kpis, config)
    pub, gemeenten, norms = drawn.pub, drawn.gemeenten, drawn.norms
    published_pages = [
        (f"{r.output.stem}.html", page_title(r.output))
        for r in results
        if r.output.stem not in INTERNAL_PAGES
    ]
    internal_pages = [
        (f"{r.output.stem}.html", page_title(r.output)) for r in results if r.output.stem in INTERNAL_PAGES
    ]
    nav = [("index.html", "Dashboard")] + published_pages + [("index.html#bestanden", "Bestanden")]
    internal_nav = internal_pages + [("validatie/index.html", "Validatierapport")]
    for r in results:
        internal = r.output.stem in INTERNAL_PAGES
        html_text = report_html.notebook_page(
            r.output,
            organisatie=config.organisatie,
            kwartaal=kwartaal,
            nav=internal_nav if internal else nav,
            active=f"{r.output.stem}.html",
        )
        (staging / f"{r.output.stem}.html").write_text(html_text, encoding="utf-8")
        step.advance(r.output.stem)
    step.advance("grafieken")

    # the published part links only inside itself; what is internal is named, not linked
    downloads = [
        ("kpis.xlsx", "kpis.xlsx: alle kengetallen per gemeente (publicatieversie, voor de bestuursnotitie)"),
    ]
    body = dashboard.dashboard_body(
        pub,
        KPI_CATALOGUE,
        gemeenten,
        present.suppression_notes(config.min_cell, config.min_noemer) + budget_notes(config),
        norms,
        organisatie=config.organisatie,
        charts_shown=drawn.shown,
        downloads=downloads,
        internal_files=INTERNAL_FILES_TEXT,
        rows=drawn.rows,
    )
    index = report_html.render_page(
        title=f"Dashboard {config.organisatie} {kwartaal}",
        body=body,
        organisatie=config.organisatie,
        kwartaal=kwartaal,
        nav=nav,
        active="index.html",
        charts=drawn.specs,
    )
    (staging / "index.html").write_text(index, encoding="utf-8")
    step.advance("dashboard")

    xlsx.write_kpis_xlsx(
        pub,
        KPI_CATALOGUE,
        gemeenten,
        staging / "kpis.xlsx",
        organisatie=config.organisatie,
        kwartaal=kwartaal,
        min_cell=config.min_cell,
        min_noemer=config.min_noemer,
        norms=norms,
        rows=drawn.rows,
    )
    step.advance("kpis.xlsx")

    place_files(staging)
    check_links(staging / PUBLICATIE, report_html.vega_bundle())
    outcome = audit.audit_tables(
        drawn.cells_audited, config.min_cell, audit.published_tables(staging / PUBLICATIE), peildatum=b
    )
    if not outcome.safe:
        raise PublishError(outcome.message())

    ingest_meta = json.loads((ingest.clean_dir / "ingest.json").read_text(encoding="utf-8"))
    current = kpis.filter(kpis.get_column("peildatum") == b)
    manifest = {
        "organisatie": config.organisatie,
        "kwartaal": kwartaal,
        "parameters": {k: portable_path(v, target) for k, v in parameters.items()},
        "configuratie": config.as_dict(),
        "invoer": {
            "bestanden": ingest_meta.get("bestanden", []),
            "extractiedatum": ingest_meta.get("extractiedatum"),
            "gegevens_vanaf": ingest_meta.get("gegevens_vanaf"),
            "profiel": ingest_meta.get("profiel"),
            "sleutel_vingerafdruk": ingest_meta.get("sleutel_vingerafdruk"),
            "schone_data": portable_path(ingest.clean_dir, target),
        },
        "afstemming": ingest.afstemming.to_dicts(),
        "codeversie": code_version(),
        "definitieversie": definitions_version(),
        "pakketten": {name: package_version(name) for name in MANIFEST_PACKAGES},
        "python": sys.version.split()[0],
        "kernel": {k: portable_path(v, target) for k, v in kernel_meta.items()},
        "notebooks": [
            {
                "notebook": r.notebook.name,
                "parameters": {
                    k: placed(portable_path(bundle_relative(v, staging), target), staging)
                    for k, v in sorted(r.parameters.items())
                },
            }
            for r in results
        ],
        "onthullingscontrole": outcome.as_manifest(),
        "uitkomst": {
            "status": STATUS_OK,
            "kengetallen": current.height,
            "beschikbaar": int(current.get_column("waarde").is_not_null().sum()),
            "onderdrukt_in_publicatie": int(
                pub.filter(pub.get_column("peildatum") == b).get_column("reden").is_not_null().sum()
            ),
            "kpis_csv_sha256": sha256_file(staging / INTERN / "kpis.csv"),
        },
        "tijden": {
            "start": started_at,
            "stappen_s": {k: round(v, 3) for k, v in steps_seconds.items()},
            "notebooks_s": {r.notebook.name: round(r.seconds, 3) for r in results},
        },
    }
    files = sorted(p for p in staging.rglob("*") if p.is_file() and p.name not in ("manifest.json", RUN_LOG))
    manifest["uitvoer"] = {
        "map": ".",
        "delen": {PUBLICATIE: "publicatie/ (om te delen)", INTERN: "intern/ (exacte cijfers, alleen intern)"},
        "bestanden": {p.relative_to(staging).as_posix(): sha256_file(p) for p in files},
    }
    manifest["tijden"]["eind"] = now()
    write_manifest(manifest, staging / "manifest.json")
    step.advance("manifest")
    return manifest


def budget_notes(config) -> list[str]:
    """Dashboard notes on the budget: illustrative amounts say so (only when the budget is shown at all)."""
    note = illustrative_text(config)
    return [note] if note and "budget" in active_families(config) else []


def bundle_relative(value: Any, staging: Path) -> Any:
    """Paths inside the bundle as relative paths, so the manifest does not name the staging folder."""
    if isinstance(value, str) and value.startswith(str(staging)):
        return Path(value).relative_to(staging).as_posix() or "."
    return value


def portable_path(value: Any, bundle: Path) -> Any:
    """An absolute path as the manifest records it: relative to the bundle or to the repository; a path
    outside both by its last two parts (`.../isd-bollenstreek/2024-10-15`). Never the machine's own
    absolute path (a home folder names a person), and the same wherever the bundle is written."""
    if isinstance(value, Path):
        value = str(value)
    if not isinstance(value, str) or not os.path.isabs(value):
        return value
    path = Path(value)
    for base in (bundle, paths.ROOT):
        try:
            return path.relative_to(base).as_posix() or "."
        except ValueError:
            continue
    return ".../" + "/".join(path.parts[-2:])


def placed(value: Any, staging: Path) -> Any:
    """A path of the flat layout as it is after `place_files` (`kpis.csv` -> `intern/kpis.csv`)."""
    if not isinstance(value, str) or value == "." or value.startswith("..") or os.path.isabs(value):
        return value
    part = placement(value)
    if part == ROOT or not (staging / part / value).exists():
        return value
    return f"{part}/{value}"


def placement(relative: str) -> str:
    """Which part of the bundle a file belongs in (`PLACEMENT`)."""
    for pattern, part in PLACEMENT:
        if fnmatch.fnmatch(relative, pattern):
            return part
    return INTERN


def place_files(staging: Path) -> dict[str, list[str]]:
    """Move every file of a flat bundle into `publicatie/` or `intern/` (empty folders are removed)."""
    moved: dict[str, list[str]] = {PUBLICATIE: [], INTERN: []}
    for file in sorted(p for p in staging.rglob("*") if p.is_file()):
        relative = file.relative_to(staging).as_posix()
        if relative.startswith((f"{PUBLICATIE}/", f"{INTERN}/")):
            continue
        part = placement(relative)
        if part == ROOT:
            continue
        target = staging / part / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(file, target)
        moved[part].append(relative)
    for folder in sorted((p for p in staging.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        if folder.name not in (PUBLICATIE, INTERN) and not any(folder.iterdir()):
            folder.rmdir()
    return moved


#: The lookahead on the first letter halves the scan of a page (most of it is the inlined chart script).
_LINK = re.compile(r"""(?=[hs])\b(?:href|src)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def check_links(folder: Path, script: str = "") -> None:
    """Refuse a published page that links outside `publicatie/` (into `intern/`, or anywhere else).

    `script`: the chart script the pages inline (`report.html.vega_bundle`, 0.9 MB of each page), left
    out of the scan: the run put those exact bytes there, not an export. Everything else is scanned.
    """
    root = folder.resolve()
    inlined = f"<script>{script}</script>" if script else ""
    for page in sorted(folder.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for target in _LINK.findall(text.replace(inlined, "") if inlined else text):
            if not target or target.startswith(("#", "data:", "mailto:")) or re.match(r"^[a-z]+://", target):
                continue
            resolved = (page.parent / target.split("#")[0]).resolve()
            if resolved != root and root not in resolved.parents:
                raise PublishError(
                    f"{page.relative_to(folder).as_posix()} verwijst naar {target}, buiten {folder.name}/: "
                    "een gepubliceerde pagina mag niet naar interne bestanden wijzen"
                )


def page_title(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = "".join(cell.get("source", ""))
            for line in source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem
