"""`participatie run` end to end: refusal, failure, interruption, reproducibility, suppression, offline
pages.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipelines import cli, paths
from pipelines.run.quarter import run_quarter
from tests.support.run_helpers import (
    REPORT_PARAMETERS,
    chart_containers,
    dump_dom,
    make_notebook,
    report_notebook,
)
from tests.support.vegalite import embedded_specs, schema_errors

KWARTAAL = "2024Q3"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "pipelines", "run", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_unknown_parameter_refuses_the_run_before_anything_runs(nb_folder, tmp_path, capsys):
    report_notebook(nb_folder, "10_goed")
    make_notebook(nb_folder / "11_oud.ipynb", 'clean_dir: str = ""\nkwartaal: str = "2024Q3"', "pass")
    export = tmp_path / "export"
    export.mkdir()
    clean = tmp_path / "clean"
    code = cli.main(
        [
            "run",
            "--export",
            str(export),
            "--kwartaal",
            KWARTAAL,
            "--out",
            str(tmp_path / "uit"),
            "--clean-root",
            str(clean),
            "--notebooks",
            str(nb_folder),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "11_oud.ipynb" in err and "gemeente" in err and "uitvoer_dir" in err and "geweigerd" in err
    assert not clean.exists() and not (tmp_path / "uit").exists()


def test_bad_kwartaal_is_refused(tmp_path, capsys):
    code = cli.main(
        ["run", "--export", str(tmp_path), "--kwartaal", "2024K3", "--out", str(tmp_path / "uit")]
    )
    assert code == 2 and "2024K3" in capsys.readouterr().err


@pytest.fixture(scope="module")
def tiny_notebooks(tmp_path_factory) -> Path:
    """Two quick report notebooks (one chart each) instead of the real ones: the run's mechanics only."""
    folder = tmp_path_factory.mktemp("notebooks")
    report_notebook(folder, "10_een")
    report_notebook(folder, "11_twee")
    make_notebook(folder / "explore" / "99_verkenning.ipynb", None, "raise RuntimeError('nooit draaien')")
    return folder


@pytest.fixture(scope="module")
def tiny_run(demo_export, tiny_notebooks, tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    result = run_quarter(
        demo_export, KWARTAAL, out_dir=root / "a", clean_root=root / "clean", notebooks_dir=tiny_notebooks
    )
    return result


@pytest.mark.slow
def test_bundle_has_every_part(tiny_run):
    out = tiny_run.out_dir
    for name in (
        "publicatie/index.html",
        "publicatie/10_een.html",
        "publicatie/11_twee.html",
        "publicatie/kpis.xlsx",
        "publicatie/grafieken/dashboard_uitstroom_pct.png",
        "publicatie/grafieken/dashboard_uitstroom_pct.svg",
        "intern/kpis.csv",
        "intern/validatie/index.html",
        "intern/validatie/afstemming.csv",
        "intern/validatie/afwijzingen.csv",
        "intern/notebooks/10_een.ipynb",
        "intern/notebooks/11_twee.ipynb",
        "intern/10_een.kerncijfers.json",
        "intern/run.log",
        "manifest.json",
    ):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert sorted(p.name for p in out.iterdir()) == ["intern", "manifest.json", "publicatie"]
    assert not list(out.parent.glob(".*onvolledig*")) and not list(out.parent.glob(".*.lock"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["uitkomst"]["status"] == "geslaagd"
    assert manifest["kernel"]["naam"] == paths.KERNEL_NAME
    assert manifest["invoer"]["bestanden"] and all(
        len(f["sha256"]) == 64 for f in manifest["invoer"]["bestanden"]
    )
    assert {r["tabel"] for r in manifest["afstemming"]} >= {"personen", "uitkeringen"}
    assert manifest["codeversie"].get("git_commit") or manifest["codeversie"].get("pakket")
    assert [n["notebook"] for n in manifest["notebooks"]] == ["10_een.ipynb", "11_twee.ipynb"]
    assert manifest["notebooks"][0]["parameters"]["uitvoer_dir"] == "."
    assert manifest["notebooks"][0]["parameters"]["kpis_csv"] == "intern/kpis.csv"
    assert manifest["pakketten"]["polars"] and manifest["tijden"]["start"] <= manifest["tijden"]["eind"]
    audit = manifest["onthullingscontrole"]
    assert audit["status"] == "geen onderdrukte cel terug te rekenen" and audit["bevindingen"] == []
    assert audit["onderdrukte_cellen"] > 0 and audit["relaties"] > 0
    # paths relative to the bundle or the repository, never the machine's own
    text = (out / "manifest.json").read_text()
    assert str(out) not in text and str(out.parent) not in text
    assert not re.findall(r'"(/[^"]*)"', text), re.findall(r'"(/[^"]*)"', text)
    assert manifest["invoer"]["schone_data"].endswith("isd-bollenstreek/2024-10-15")
    assert all(not name.startswith("/") for name in manifest["uitvoer"]["bestanden"])
    # the published part holds no exact figures and links nowhere outside itself
    public = out / "publicatie"
    assert not [p for p in public.rglob("*") if p.suffix in (".csv", ".json", ".ipynb", ".yaml", ".log")]
    for page in public.rglob("*.html"):
        for target in re.findall(r'(?:href|src)="([^"#][^"]*)"', page.read_text()):
            if target.startswith(("data:", "http://", "https://")):
                continue
            resolved = (page.parent / target).resolve()
            assert public.resolve() in resolved.parents, (page.name, target)
    assert "intern/" not in (public / "index.html").read_text()


@pytest.mark.slow
def test_same_input_gives_identical_kpis_and_manifest(tiny_run, demo_export, tiny_notebooks, tmp_path):
    again = run_quarter(
        demo_export,
        KWARTAAL,
        out_dir=tmp_path / "b",
        clean_root=tiny_run.out_dir.parent / "clean",
        notebooks_dir=tiny_notebooks,
    )
    for name in ("intern/kpis.csv", "publicatie/kpis.xlsx", "publicatie/index.html"):
        assert (again.out_dir / name).read_bytes() == (tiny_run.out_dir / name).read_bytes(), name

    def comparable(path):
        data = json.loads(path.read_text())
        return {k: v for k, v in data.items() if k not in ("tijden", "uitvoer")}

    first, second = (
        comparable(tiny_run.out_dir / "manifest.json"),
        comparable(again.out_dir / "manifest.json"),
    )
    assert first == second
    assert first["uitkomst"]["kpis_csv_sha256"] == second["uitkomst"]["kpis_csv_sha256"]


@pytest.mark.slow
def test_publication_outputs_never_show_small_cells(tiny_run):
    out = tiny_run.out_dir
    from pipelines.kpi.engine import read_kpis_csv

    kpis = read_kpis_csv(out / "intern" / "kpis.csv")
    b = kpis["peildatum"].max()
    hidden = kpis.filter((pl.col("peildatum") == b) & pl.col("onderdrukt").is_not_null())
    assert hidden.height > 0, "the demo export has small cells to hide"
    from pipelines.kpi.registry import KPI_CATALOGUE
    from pipelines.report.present import masked_text

    book = openpyxl.load_workbook(out / "publicatie" / "kpis.xlsx")
    config = json.loads((out / "manifest.json").read_text())["configuratie"]
    names = {"totaal": "Totaal", **config["gemeenten"]}
    checked = 0
    for row in hidden.iter_rows(named=True):
        info = KPI_CATALOGUE[row["kpi"]]
        sheet = book[info.family]
        header = [c.value for c in sheet[3]]
        col = header.index(names[row["gemeentecode"]])
        line = next(r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == info.label)
        assert line[col] == masked_text(info.kind, 5, row["onderdrukt"]), (
            row["kpi"],
            row["gemeentecode"],
            line[col],
        )
        checked += 1
    assert checked == hidden.height
    for sheet in book.worksheets:  # no count of 1-4 anywhere in a count row
        for line in sheet.iter_rows(min_row=4, values_only=True):
            label = line[0]
            info = next((i for i in KPI_CATALOGUE.values() if i.label == label), None)
            if info is not None and info.kind == "aantal":
                assert not any(isinstance(v, (int, float)) and 1 <= v < 5 for v in line[2:]), (
                    sheet.title,
                    label,
                )
    page = (out / "publicatie" / "index.html").read_text()
    tiles = 0
    for row in hidden.iter_rows(named=True):
        tile = page.split(f'data-kpi="{row["kpi"]}" data-gemeente="{row["gemeentecode"]}"')
        if len(tile) > 1:
            shown = re.search(r'<span class="waarde">([^<]*)</span>', tile[1]).group(1)
            assert shown in ("&lt;5", "-", "x"), (row["kpi"], row["gemeentecode"], shown)
            tiles += 1
    assert tiles > 0, "some hidden figure has a dashboard tile"


@pytest.mark.slow
def test_every_page_draws_its_charts_offline(tiny_run, tmp_path):
    out = tiny_run.out_dir
    public = out / "publicatie"
    pages = [public / "index.html", public / "10_een.html", public / "11_twee.html"]
    pages.append(out / "intern" / "validatie" / "index.html")
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', text), page.name
        dom = dump_dom(page, tmp_path / f"profiel-{page.stem}")
        charts = chart_containers(dom)
        for div_id, content in charts.items():
            assert "<svg" in content, f"{page.name}: grafiek {div_id} niet getekend: {content[:200]}"
        if page.parent == public:
            assert charts, f"{page.name} heeft geen grafieken"


@pytest.mark.slow
def test_failing_notebook_stops_the_run_and_keeps_its_output(demo_export, tmp_path):
    folder = tmp_path / "notebooks"
    report_notebook(folder, "10_goed")
    make_notebook(
        folder / "11_kapot.ipynb", REPORT_PARAMETERS, "x = 1", "raise ValueError('kolom ontbreekt')"
    )
    out = tmp_path / "rapport" / KWARTAAL
    done = _cli(
        "--export",
        str(demo_export),
        "--kwartaal",
        KWARTAAL,
        "--out",
        str(out),
        "--clean-root",
        str(tmp_path / "clean"),
        "--notebooks",
        str(folder),
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert "11_kapot.ipynb" in done.stderr and "cel 4" in done.stderr
    assert "ValueError: kolom ontbreekt" in done.stderr
    failed = out.parent / f"{KWARTAAL}.mislukt"
    assert str(failed / "notebooks" / "11_kapot.ipynb") in done.stderr
    kept = json.loads((failed / "notebooks" / "11_kapot.ipynb").read_text())
    assert any(o.get("ename") == "ValueError" for c in kept["cells"] for o in c.get("outputs", []))
    assert not out.exists() and not (failed / "index.html").exists()
    assert json.loads((failed / "manifest.json").read_text())["uitkomst"]["status"] == "mislukt"


def _stopped_run_message(demo_export, tiny_notebooks, tmp_path) -> str:
    """The message of a run that must stop (a `RunError`) and leave nothing behind in its target's folder."""
    from pipelines.errors import RunError

    out = tmp_path / "rapport" / KWARTAAL
    with pytest.raises(RunError) as caught:
        run_quarter(
            demo_export, KWARTAAL, out_dir=out, clean_root=tmp_path / "clean", notebooks_dir=tiny_notebooks
        )
    assert not out.exists() and [p.name for p in out.parent.iterdir()] == []
    return str(caught.value)


@pytest.mark.slow
def test_failing_research_tables_stop_the_run_with_their_masked_exception(
    demo_export, tiny_notebooks, tmp_path, monkeypatch
):
    """Made by a thread (a large delivery) the research tables fail as they do in a kernel: a message
    with the exception, masked, and nothing left behind."""
    from pipelines.run import quarter

    def broken(*args, **kwargs):
        raise ValueError("persoon 123456782 niet gevonden")

    monkeypatch.setattr(quarter, "research_in_a_kernel", lambda afstemming: False)
    monkeypatch.setattr(quarter, "write_research_tables", broken)
    assert _stopped_run_message(demo_export, tiny_notebooks, tmp_path) == (
        "de onderzoekstabellen konden niet worden gemaakt: ValueError: persoon ######### niet gevonden"
    )


@pytest.mark.slow
def test_failing_dashboard_charts_stop_the_run_with_their_masked_exception(
    demo_export, tiny_notebooks, tmp_path, monkeypatch
):
    """The kernel that draws the dashboard's charts fails: the run stops with that exception, masked, and
    leaves nothing behind."""
    from pipelines.run import quarter

    def broken(pool):
        def draw(charts_to_draw):
            raise ValueError("gemeente van 123456782 onbekend")

        return draw

    monkeypatch.setattr(quarter, "drawn_by_a_kernel", broken)
    assert _stopped_run_message(demo_export, tiny_notebooks, tmp_path) == (
        "de grafieken van het dashboard konden niet worden gemaakt: "
        "ValueError: gemeente van ######### onbekend"
    )


@pytest.mark.slow
def test_interrupted_run_leaves_no_half_bundle_and_keeps_the_previous_one(demo_export, tmp_path):
    folder = tmp_path / "notebooks"
    report_notebook(folder, "10_goed")
    make_notebook(folder / "11_traag.ipynb", REPORT_PARAMETERS, "import time\ntime.sleep(120)")
    out = tmp_path / "rapport" / KWARTAAL
    out.mkdir(parents=True)
    (out / "index.html").write_text("vorige run")
    staging = out.parent / f".{KWARTAAL}.onvolledig"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines",
            "run",
            "--export",
            str(demo_export),
            "--kwartaal",
            KWARTAAL,
            "--out",
            str(out),
            "--clean-root",
            str(tmp_path / "clean"),
            "--notebooks",
            str(folder),
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 600
    while not (staging / "notebooks" / "11_traag.ipynb").exists():
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        assert time.monotonic() < deadline, "de run kwam niet bij de notebooks"
        time.sleep(0.5)
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert "onderbroken" in err
    assert (out / "index.html").read_text() == "vorige run"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    assert not staging.exists()
    assert not (out.parent / f"{KWARTAAL}.mislukt").exists()


@pytest.mark.slow
def test_quarterly_run_on_the_demo_export_with_the_real_notebooks(demo_export, tmp_path):
    """What `make run` does, on the shared demo export: a complete bundle whose every page draws offline."""
    out = tmp_path / "rapport"
    done = _cli(
        "--export",
        str(demo_export),
        "--kwartaal",
        KWARTAAL,
        "--out",
        str(out),
        "--clean-root",
        str(tmp_path / "clean"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Kwartaalrun geslaagd" in done.stdout
    from pipelines.run.plan import discover_notebooks

    stems = [nb.stem for nb in discover_notebooks()]
    part = {s: "intern" if s.startswith("01_") else "publicatie" for s in stems}
    assert stems and all((out / part[s] / f"{s}.html").is_file() for s in stems)
    for page in [out / "publicatie" / "index.html", *(out / part[s] / f"{s}.html" for s in stems)]:
        for div_id, spec in embedded_specs(page).items():  # the run converts them without Altair's check
            assert schema_errors(spec) is None, f"{page.name}: grafiek {div_id}: {schema_errors(spec)}"
        dom = dump_dom(page, tmp_path / f"profiel-{page.stem}")
        charts = chart_containers(dom)
        nothing_rejected = page.stem == "01_validatie" and "Geen afwijzingen" in dom
        assert charts or nothing_rejected, f"{page.name} heeft geen grafieken"
        for div_id, content in charts.items():
            assert "<svg" in content, f"{page.name}: grafiek {div_id} niet getekend: {content[:200]}"
    _assert_no_person_identifiers(out, demo_export, tmp_path / "clean", done.stdout + done.stderr)


def _bundle_texts(out: Path):
    """(name, text) of every file of a bundle; a workbook is read as the XML inside it."""
    import zipfile

    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                yield (
                    path.name,
                    "\n".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml")),
                )
        elif path.suffix != ".png":
            yield path.name, path.read_text(encoding="utf-8")


def _assert_no_person_identifiers(out: Path, export: Path, clean_root: Path, console: str) -> None:
    """No BSN of the export and no pseudonym of the clean data in any file of the bundle or the console."""
    bsns = set(pl.read_csv(export / "personen.csv", separator=";", infer_schema=False)["bsn"].to_list())
    personen = next(clean_root.rglob("personen.parquet"))
    pseudonyms = set(pl.read_parquet(personen)["persoon"].to_list())
    assert len(bsns) > 100 and len(pseudonyms) > 100
    nine_digits, hex_ids = re.compile(r"(?<!\d)\d{9}(?!\d)"), re.compile(r"[0-9a-f]{16,64}")
    leaks = []
    for name, text in [*_bundle_texts(out), ("console", console)]:
        leaks += [f"{name}: BSN" for m in nine_digits.findall(text) if m in bsns]
        leaks += [f"{name}: pseudoniem" for m in hex_ids.findall(text) if m in pseudonyms]
    assert leaks == []


@pytest.mark.slow
def test_threshold_stop_exits_non_zero_naming_table_share_and_threshold(demo_export, tmp_path, nb_folder):
    export = tmp_path / "export"
    shutil.copytree(demo_export, export)
    file = export / "uitkeringen.csv"
    lines = file.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(";")
    col = header.index("aanvangsdatum")
    for i in range(
        1, len(lines), 5
    ):  # every fifth row gets an impossible start date (aanvangsdatum): 20 % rejected
        cells = lines[i].split(";")
        cells[col] = "31-13-2024"
        lines[i] = ";".join(cells)
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report_notebook(nb_folder, "10_een")
    out = tmp_path / "rapport"
    done = _cli(
        "--export",
        str(export),
        "--kwartaal",
        KWARTAAL,
        "--out",
        str(out),
        "--max-afwijzing-pct",
        "5",
        "--clean-root",
        str(tmp_path / "clean"),
        "--notebooks",
        str(nb_folder),
        cwd=tmp_path,
    )
    assert done.returncode == 3, done.stderr[-2000:]
    assert "uitkeringen" in done.stderr and "drempel 5,0 %" in done.stderr and "afgewezen" in done.stderr
    assert not out.exists()
