"""Which notebooks a quarterly run executes, with which parameters (checked before anything runs)."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from pipelines import paths
from pipelines.errors import RunError
from pipelines.kpi import registry
from pipelines.kpi.engine import RESEARCH_TABLES
from pipelines.run import notebooks as notebook_runner
from pipelines.run.notebooks import NotebookTask

#: Notebooks the run executes: numbered 00-39 at the top of notebooks/ (never notebooks/explore/).
NOTEBOOK_PATTERN = "[0-3][0-9]_*.ipynb"


#: Ingest runs in-process (step 1); its notebook is for analysts running ingest by hand.
SKIPPED_NOTEBOOKS = ("00_ingest",)


#: Parameters the run passes to each kind of notebook (by the first digit of its name).
VALIDATION_PARAMETERS = ("clean_dir", "uitvoer_dir")


REPORT_PARAMETERS = ("clean_dir", "kwartaal", "gemeente", "config_path", "uitvoer_dir", "kpis_csv")


def discover_notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """The run's notebooks in name order (the order of the pages and of the manifest)."""
    found = sorted(Path(folder).glob(NOTEBOOK_PATTERN))
    return [p for p in found if p.stem not in SKIPPED_NOTEBOOKS and p.is_file()]


def active_notebooks(notebooks: list[Path], config) -> list[Path]:
    """The notebooks of the families the organisation runs: a programme it has no configuration for (no
    Meedoen! pilot, no participation budget) gets no page at all, not a page of "n.b." rows.
    """
    inactive = {f.notebook for f in registry.families().values() if f.notebook and not f.active(config)}
    return [nb for nb in notebooks if nb.stem not in inactive]


def parameter_names(notebook: Path) -> tuple[str, ...]:
    """The parameters the run gives a notebook: validation notebooks (0x) get fewer."""
    return VALIDATION_PARAMETERS if notebook.name.startswith("0") else REPORT_PARAMETERS


def declared_output_names(notebook: Path) -> tuple[str, ...]:
    """Files a notebook promises under its `uitvoer_dir` (checked to exist and be non-empty)."""
    return () if notebook.name.startswith("0") else (f"{notebook.stem}.kerncijfers.json",)


def plan_notebooks(
    notebooks: list[Path],
    *,
    clean_dir: Path,
    kwartaal: str,
    config_path: Path,
    bundle: Path,
    kpis_csv: Path,
    research_ready: Callable[[], object] | None = None,
) -> list[NotebookTask]:
    """One task per notebook with absolute paths; outputs go into the bundle being built.

    `research_ready` returns once the research tables beside `kpis_csv` are written (raising what stopped
    them): a notebook that reads them (`reads_research_tables`) waits for it before it starts.
    """
    values = {
        "clean_dir": str(clean_dir),
        "kwartaal": kwartaal,
        "gemeente": "totaal",
        "config_path": str(config_path),
        "uitvoer_dir": str(bundle),
        "kpis_csv": str(kpis_csv),
    }
    return [
        NotebookTask(
            notebook=nb.resolve(),
            parameters={name: values[name] for name in parameter_names(nb)},
            output=bundle / "notebooks" / nb.name,
            declared_outputs=tuple(bundle / name for name in declared_output_names(nb)),
            wait=research_ready if reads_research_tables(nb) else None,
        )
        for nb in notebooks
    ]


def _code_trees(notebook: Path) -> Iterator[ast.Module]:
    """The parsed code cells of a notebook (a cell that is no valid Python is left out)."""
    for cell in json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            yield ast.parse("".join(source) if isinstance(source, list) else source)
        except SyntaxError:
            continue


def reads_research_tables(notebook: Path) -> bool:
    """Whether the notebook's code names a research table file (`cohorten.csv`, ...) as a string."""
    return any(
        isinstance(node, ast.Constant) and node.value in RESEARCH_TABLES
        for tree in _code_trees(notebook)
        for node in ast.walk(tree)
    )


#: Heavy modules that page code imports only on first use, warmed with the notebooks' own imports: the
#: disclosure check's linear programming (`disclosure._linear_ranges`, e.g. Meedoen!'s overlap table).
#: In a notebook their import took 0.35-0.45 s (Meedoen!'s page 0.9-1.0 s instead of 0.7-0.8 s).
ALSO_WARMED = ("numpy", "scipy.sparse", "scipy.optimize")


def warm_code(notebooks: list[Path]) -> str:
    """Python that imports every module the notebooks import and `ALSO_WARMED`, binding no name.

    Run silently in the run's kernels while ingest runs (`KernelPool`): the notebooks then find
    polars, altair and the pipelines loaded. Also starts the chart converter once
    (`charts.start_converter`: its first chart starts a JavaScript runtime). All of it is loaded for good
    (`machine.loaded_for_good`): no collection runs during the imports, and what they made is frozen out
    of the collector's reach after, so a full collection (after every notebook, and whenever Python
    decides on one) no longer walks the modules that stay for the kernel's life.
    """
    modules: list[str] = []
    for nb in notebooks:
        for tree in _code_trees(nb):
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules += [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    names = sorted(dict.fromkeys(modules + list(ALSO_WARMED)))
    return (
        "def _warm(names):\n"
        "    import importlib\n"
        "    for name in names:\n"
        "        try:\n"
        "            importlib.import_module(name)\n"
        "        except ImportError:\n"
        "            pass\n"
        "    from pipelines.report.charts import start_converter\n"
        "    start_converter()\n"
        "from pipelines.machine import loaded_for_good\n"
        "with loaded_for_good():\n"
        f"    _warm({names!r})\n"
    )


def check_notebooks(notebooks: list[Path]) -> None:
    """Refuse the run before anything starts when a notebook would not accept the run's parameters."""
    if not notebooks:
        raise RunError(f"geen notebooks gevonden ({NOTEBOOK_PATTERN})")
    for nb in notebooks:
        try:
            notebook_runner.check_parameters(nb, {name: None for name in parameter_names(nb)})
        except notebook_runner.NotebookError as exc:
            raise RunError(f"run geweigerd voordat er iets draaide: {exc}", exit_code=2) from exc
