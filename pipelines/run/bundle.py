"""Assemble a bundle from the executed notebooks and kpis.csv: pages, dashboard, workbook, charts,
manifest.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from pipelines import paths
from pipelines.errors import RunError
from pipelines.kpi.registry import KPI_CATALOGUE, KPI_FAMILIES, active_families
from pipelines.provenance import code_version, definitions_version, package_version, sha256_file
from pipelines.report import charts, dashboard, present, xlsx
from pipelines.report import html as report_html
from pipelines.report.families.budget import illustrative_text
from pipelines.report.manifest import write_manifest
from pipelines.run.staging import RUN_LOG, now

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
) -> dict[str, Any]:
    """Pages, dashboard, workbook, chart exports and the manifest, all inside the staging folder."""
    pub = present.publication_frame(kpis, KPI_CATALOGUE, config.min_cell, config.min_noemer)
    # a programme the organisation does not run is in kpis.csv (with the reason), not in the publication
    shown = [k for f in active_families(config) for k in KPI_FAMILIES[f]]
    pub = pub.filter(pub.get_column("kpi").is_in(shown))
    gemeenten = dict(config.gemeenten)
    for code in kpis.get_column("gemeentecode").unique().to_list():
        if code != "totaal":
            gemeenten.setdefault(code, code)
    pages = [(f"{r.output.stem}.html", page_title(r.output)) for r in results]
    nav = (
        [("index.html", "Dashboard")]
        + pages
        + [("validatie/index.html", "Validatie"), ("index.html#bestanden", "Bestanden")]
    )
    for r in results:
        html_text = report_html.notebook_page(
            r.output,
            organisatie=config.organisatie,
            kwartaal=kwartaal,
            nav=nav,
            active=f"{r.output.stem}.html",
        )
        (staging / f"{r.output.stem}.html").write_text(html_text, encoding="utf-8")
        step.advance(r.output.stem)

    norms = dashboard.config_norms(config)
    chart_specs: list[tuple[str, dict]] = []
    compared: list[dashboard.DashboardChart] = []
    for kpi in DASHBOARD_CHARTS:
        spec = dashboard.overview_chart(pub, KPI_CATALOGUE, gemeenten, kpi, norms)
        if spec is None:
            continue
        div_id = f"dashboard-{kpi.replace('_', '-')}"
        chart_specs.append((div_id, dashboard.page_spec(spec)))
        files = charts.save_spec(spec, staging / "grafieken" / f"dashboard_{kpi}")
        compared.append(
            dashboard.DashboardChart(
                div_id,
                KPI_CATALOGUE[kpi].label,
                tuple(
                    f.relative_to(staging).as_posix() for f in sorted(files, key=lambda f: f.suffix != ".png")
                ),
            )
        )
    step.advance("grafieken")

    downloads = [
        ("kpis.xlsx", "kpis.xlsx: alle kengetallen per gemeente (publicatieversie, voor de bestuursnotitie)"),
        ("kpis.csv", "kpis.csv: exacte waarden (alleen voor analisten)"),
        ("validatie/index.html", "Validatierapport van de levering"),
        ("manifest.json", "manifest.json: verantwoording (invoer, parameters, versies)"),
    ]
    body = dashboard.dashboard_body(
        pub,
        KPI_CATALOGUE,
        gemeenten,
        present.suppression_notes(config.min_cell, config.min_noemer) + budget_notes(config),
        norms,
        organisatie=config.organisatie,
        charts_shown=compared,
        downloads=downloads,
    )
    index = report_html.render_page(
        title=f"Dashboard {config.organisatie} {kwartaal}",
        body=body,
        organisatie=config.organisatie,
        kwartaal=kwartaal,
        nav=nav,
        active="index.html",
        charts=chart_specs,
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
    )
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
        "codeversie": code_version(),
        "definitieversie": definitions_version(),
        "pakketten": {name: package_version(name) for name in MANIFEST_PACKAGES},
        "python": sys.version.split()[0],
        "kernel": kernel_meta,
        "notebooks": [
            {
                "notebook": r.notebook.name,
                "parameters": {k: bundle_relative(v, staging) for k, v in sorted(r.parameters.items())},
            }
            for r in results
        ],
        "uitkomst": {
            "status": STATUS_OK,
            "kengetallen": current.height,
            "beschikbaar": int(current.get_column("waarde").is_not_null().sum()),
            "onderdrukt_in_publicatie": int(
                pub.filter(pub.get_column("peildatum") == b).get_column("reden").is_not_null().sum()
            ),
            "kpis_csv_sha256": sha256_file(staging / "kpis.csv"),
        },
        "tijden": {
            "start": started_at,
            "stappen_s": {k: round(v, 3) for k, v in steps_seconds.items()},
            "notebooks_s": {r.notebook.name: round(r.seconds, 3) for r in results},
        },
    }
    files = sorted(
        p for p in staging.rglob("*") if p.is_file() and p.name not in (".pid", "manifest.json", RUN_LOG)
    )
    manifest["uitvoer"] = {
        "map": str(target),
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


def page_title(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = "".join(cell.get("source", ""))
            for line in source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return notebook.stem
