"""Papermill with its weak spots closed: refused parameters, named kernel, kept output, clear failure.

Papermill on its own only warns about a parameter the notebook does not declare, runs on
whatever kernel the notebook's metadata names, resolves paths against the working directory
and leaves the caller to dig the failing cell out of an exception. This module checks the
parameters against the notebook's `parameters` cell before any kernel starts, always passes
the kernel name and absolute paths, keeps the executed notebook also when a cell fails, and
turns a failure into one Dutch message naming notebook, cell and exception.
"""

from __future__ import annotations

import ast
import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.errors import ParticipatieError
from pipelines.paths import KERNEL_NAME

#: Passed to every kernel the runner starts: its own start-up and shutdown messages ("Kernel is running over
#: TCP without encryption" on loopback, "KeyboardInterrupt caught in kernel" when it is stopped) are not for
#: the person running the quarter, however the package was installed (pip, conda or `make install`).
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=CRITICAL",)


class NotebookError(ParticipatieError):
    """Base class: something about one notebook stops the run."""

    def __init__(self, notebook: Path, message: str):
        super().__init__(message)
        self.notebook = Path(notebook)


class UnknownParameters(NotebookError):
    """Parameters that the notebook's `parameters` cell does not declare (or no such cell)."""

    def __init__(self, notebook: Path, unknown: list[str], known: list[str]):
        self.unknown = unknown
        self.known = known
        if known:
            known_text = ", ".join(known)
        else:
            known_text = "geen (het notebook heeft geen cel met tag 'parameters')"
        super().__init__(
            notebook,
            f"{Path(notebook).name}: onbekende parameter(s) {', '.join(unknown)}; "
            f"de cel 'parameters' declareert: {known_text}",
        )


class NotebookFailed(NotebookError):
    """A cell raised: notebook, cell number, exception name and value, and where the output notebook is."""

    def __init__(
        self,
        notebook: Path,
        output: Path,
        cell: int | None,
        ename: str,
        evalue: str,
        exec_count: int | None = None,
    ):
        self.output = Path(output)
        self.cell = cell
        self.exec_count = exec_count
        self.ename = ename
        self.evalue = evalue
        if cell is None:
            where = "buiten een cel (kernel)"
        else:
            where = f"cel {cell}" + (f" (In [{exec_count}])" if exec_count else "")
        super().__init__(
            notebook,
            f"notebook {Path(notebook).name} faalde in {where}: {ename}: {evalue} "
            f"(uitgevoerd notebook bewaard in {output})",
        )


class MissingOutput(NotebookError):
    """A declared output file is missing or empty after a successful run."""

    def __init__(self, notebook: Path, missing: list[Path]):
        self.missing = missing
        super().__init__(
            notebook,
            f"notebook {Path(notebook).name} liep zonder fout maar schreef zijn uitvoer niet "
            f"(ontbreekt of leeg): {', '.join(str(p) for p in missing)}",
        )


@dataclass(frozen=True)
class NotebookResult:
    """What one successful execution produced, for the run summary and manifest."""

    notebook: Path
    output: Path
    parameters: dict[str, Any]
    seconds: float
    outputs: tuple[Path, ...] = field(default_factory=tuple)


def _parameters_source(nb: dict) -> str | None:
    for cell in nb.get("cells", []):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") == "code" and "parameters" in tags:
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else source
    return None


def declared_parameters(notebook: str | Path) -> dict[str, str | None]:
    """Names declared in the cell tagged `parameters`, with their annotation (or None).

    Read with `ast`, not with a kernel, so the check costs milliseconds and runs before
    anything else. A notebook without such a cell declares nothing.
    """
    path = Path(notebook)
    nb = json.loads(path.read_text(encoding="utf-8"))
    source = _parameters_source(nb)
    if source is None:
        return {}
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise NotebookError(path, f"{path.name}: de cel 'parameters' is geen geldige Python: {exc}") from exc
    names: dict[str, str | None] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = ast.unparse(node.annotation)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, None)
    return names


def check_parameters(notebook: str | Path, parameters: dict[str, Any]) -> None:
    """Refuse any parameter the notebook does not declare (papermill would only warn)."""
    known = declared_parameters(notebook)
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise UnknownParameters(Path(notebook), unknown, sorted(known))


def missing_outputs(paths: Iterable[Path]) -> list[Path]:
    """Declared outputs that do not exist or are empty."""
    return [p for p in paths if not p.is_file() or p.stat().st_size == 0]


def execute(
    notebook: str | Path,
    output: str | Path,
    parameters: dict[str, Any],
    *,
    kernel_name: str = KERNEL_NAME,
    cwd: str | Path | None = None,
    declared_outputs: Iterable[str | Path] = (),
    start_timeout: int = 120,
) -> NotebookResult:
    """Run one notebook with papermill; raise a `NotebookError` subclass on anything wrong.

    All paths are made absolute first; `cwd` defaults to the notebook's own folder, so a
    notebook runs as it does in JupyterLab whatever the caller's working directory.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook).resolve()
    output = Path(output).resolve()
    expected = [Path(p).resolve() for p in declared_outputs]
    check_parameters(notebook, parameters)
    output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=dict(parameters),
            kernel_name=kernel_name,
            language="python",
            progress_bar=False,
            log_output=False,
            cwd=str(Path(cwd).resolve() if cwd else notebook.parent),
            start_timeout=start_timeout,
            extra_arguments=list(KERNEL_ARGUMENTS),
        )
    except PapermillExecutionError as exc:
        raise NotebookFailed(notebook, output, exc.cell_index, exc.ename, exc.evalue, exc.exec_count) from exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # kernel died, would not start, timeout: still one clear message
        first_line = (str(exc).strip().splitlines() or [""])[0]
        raise NotebookFailed(notebook, output, None, type(exc).__name__, first_line) from exc
    seconds = time.perf_counter() - started
    missing = missing_outputs(expected)
    if missing:
        raise MissingOutput(notebook, missing)
    return NotebookResult(
        notebook=notebook,
        output=output,
        parameters=dict(parameters),
        seconds=seconds,
        outputs=tuple(expected),
    )


def run_notebooks(
    tasks: list[NotebookTask], *, kernel: str, workers: int = 2, progress: Callable[[str], None] | None = None
) -> list[NotebookResult]:
    """Execute the tasks on a small pool.

    The first failure (in notebook order) is raised after the others stop.

    Tasks not yet started are cancelled on a failure; results come back in task order, so the
    outputs do not depend on which notebook finished first.
    """
    results: dict[Path, NotebookResult] = {}
    errors: dict[Path, BaseException] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="notebook")
    futures: dict[Future, NotebookTask] = {}
    try:
        for task in tasks:
            future = pool.submit(
                execute,
                task.notebook,
                task.output,
                task.parameters,
                kernel_name=kernel,
                declared_outputs=task.declared_outputs,
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


@dataclass(frozen=True)
class NotebookTask:
    notebook: Path
    parameters: dict[str, Any]
    output: Path
    declared_outputs: tuple[Path, ...]
