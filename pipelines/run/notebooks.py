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
import itertools
import json
import logging
import queue
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.errors import ParticipatieError, mask_identifiers
from pipelines.machine import usable_cores
from pipelines.paths import KERNEL_NAME

logger = logging.getLogger(__name__)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

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


#: Run in a kernel after each notebook so the next one starts as in a new kernel: an empty namespace,
#: execution counter 1, the kernel's start folder and its garbage collected. The modules stay imported,
#: which is the point: starting a kernel and importing polars, altair and the pipelines costs 2-4 s of
#: CPU per notebook, the reset a few milliseconds.
RESET_CODE = (
    "get_ipython().reset(new_session=True)\n__import__('os').chdir({cwd!r})\n__import__('gc').collect()"
)

#: The papermill engine that runs a notebook on a kernel the pool already started.
POOL_ENGINE = "participatie-kernelpool"

#: While a notebook runs on the pool, its output file is rewritten at most this often (it is always written
#: when the notebook starts and when it ends or fails). Papermill rewrites it at the start and the end of
#: every cell; each write serialises and validates the whole notebook with its charts, which was most of
#: papermill's own time in a run.
SAVE_EVERY_SECONDS = 5.0


def default_workers() -> int:
    """Kernels at a time: one per core this process may use (papermill itself is single-threaded)."""
    return usable_cores()


def _register_pool_engine() -> None:
    """Register (once) papermill's nbclient engine on a running kernel, resetting it after the notebook."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger as papermill_logger

    if POOL_ENGINE in papermill_engines._engines:
        return

    class KernelPoolEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            km=None,
            kc=None,
            reset_code=None,
            **kwargs,
        ):
            client = PapermillNotebookClient(
                nb_man,
                km=km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=papermill_logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            # the slot's client, connected and ready: a new client per notebook waits for the kernel's
            # output channel to stay quiet for 0.2 s before the first cell
            client.kc = kc
            save = nb_man.save

            def save_now_and_then(**kwargs):
                if (nb_man.now() - nb_man.last_save_time).total_seconds() >= SAVE_EVERY_SECONDS:
                    save(**kwargs)

            nb_man.save = save_now_and_then
            try:
                nb = client.execute()
                if reset_code:
                    reply = client.wait_for_reply(
                        client.kc.execute(reset_code, silent=True, store_history=False)
                    )
                    if not reply or reply["content"].get("status") != "ok":
                        raise RuntimeError("de kernel kon na het notebook niet worden schoongemaakt")
                return nb
            finally:
                del nb_man.save  # the final write (papermill's `notebook_complete`) is a real one
                if client.kc is not None and client.kc is not kc:
                    client.kc.stop_channels()

    papermill_engines.register(POOL_ENGINE, KernelPoolEngine)


class KernelSlot:
    """The kernel one worker uses for notebook after notebook (reset in between), started on first use,
    with one client connected to it for all of them.

    A kernel is reused only for notebooks in the folder it was started in (their working directory);
    after a failure it is shut down, never reused.
    """

    def __init__(self, kernel_name: str, start_timeout: int = 120):
        self.kernel_name = kernel_name
        self.start_timeout = start_timeout
        self.km: Any = None
        self.kc: Any = None
        self.cwd: Path | None = None

    def kernel(self, cwd: Path) -> Any:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        if self.km is not None and self.cwd != cwd:
            self.close()
        if self.km is None:
            km = AsyncKernelManager(kernel_name=self.kernel_name)
            # the history of a run's kernels is never needed; a shared sqlite file would only lock
            arguments = [*KERNEL_ARGUMENTS, "--HistoryManager.hist_file=:memory:"]
            run_sync(km.start_kernel)(cwd=str(cwd), extra_arguments=arguments)
            self.km, self.cwd = km, cwd
        return self.km

    def client(self, cwd: Path) -> Any:
        """The client of the kernel in `cwd`, its channels started and the kernel ready."""
        from jupyter_core.utils import run_sync

        km = self.kernel(cwd)
        if self.kc is None:
            kc = km.client()
            kc.start_channels()
            try:
                run_sync(kc.wait_for_ready)(timeout=self.start_timeout)
            except BaseException:
                kc.stop_channels()
                raise
            kc.allow_stdin = False
            self.kc = kc
        return self.kc

    def _run_silently(self, cwd: Path, source: str, timeout: float | None = None) -> dict[str, Any]:
        """Execute `source` without output or history; the content of the kernel's reply. Raises when the
        kernel dies meanwhile, or after `timeout` seconds."""
        from jupyter_core.utils import run_sync

        client = self.client(cwd)
        msg_id = client.execute(source, silent=True, store_history=False, allow_stdin=False)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                reply = run_sync(client.get_shell_msg)(timeout=1.0)
            except queue.Empty:
                if not run_sync(self.km.is_alive)():
                    raise RuntimeError("de kernel is gestopt") from None
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"de kernel antwoordde niet binnen {timeout:.0f} s") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"]

    def warm(self, cwd: Path, code: str) -> None:
        """Start the kernel now and run `code` in it silently (imports), then reset it: a notebook that
        comes later finds the modules loaded but an empty namespace."""
        reply = self._run_silently(cwd, code, self.start_timeout)
        if reply.get("status") != "ok":  # a notebook that needs what failed will report it
            logger.debug("opwarmen van de kernel: %s", reply.get("ename"))
        if self._run_silently(cwd, RESET_CODE.format(cwd=str(cwd)), self.start_timeout).get("status") != "ok":
            raise RuntimeError("de kernel kon na het opwarmen niet worden schoongemaakt")

    def run_code(self, cwd: Path, code: str) -> None:
        """Run `code` silently, then reset the kernel; `CodeFailed` when it raised or the kernel died."""
        try:
            reply = self._run_silently(cwd, code)
        except RuntimeError as exc:
            raise CodeFailed("KernelGestopt", str(exc), []) from exc
        if reply.get("status") != "ok":
            raise CodeFailed(str(reply.get("ename")), str(reply.get("evalue")), reply.get("traceback") or [])
        if self._run_silently(cwd, RESET_CODE.format(cwd=str(cwd))).get("status") != "ok":
            raise RuntimeError("de kernel kon na de code niet worden schoongemaakt")

    def close(self) -> None:
        """Stop the kernel at once (killed): nothing in it is needed any more. Asked politely instead, its
        own shutdown now and then hung for 1-2.5 s (its control thread flushing output into a stopped
        output thread) until jupyter_client killed it anyway, and the run waited for that."""
        from jupyter_core.utils import run_sync

        km, kc, self.km, self.kc, self.cwd = self.km, self.kc, None, None, None
        if kc is not None:
            kc.stop_channels()
        if km is not None:
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception:  # a kernel that died already has nothing left to stop
                logger.debug("kernel stoppen mislukt", exc_info=True)


def execute(
    notebook: str | Path,
    output: str | Path,
    parameters: dict[str, Any],
    *,
    kernel_name: str = KERNEL_NAME,
    cwd: str | Path | None = None,
    declared_outputs: Iterable[str | Path] = (),
    start_timeout: int = 120,
    slot: KernelSlot | None = None,
) -> NotebookResult:
    """Run one notebook with papermill; raise a `NotebookError` subclass on anything wrong.

    All paths are made absolute first; `cwd` defaults to the notebook's own folder, so a
    notebook runs as it does in JupyterLab whatever the caller's working directory. With `slot`
    the notebook runs on the slot's kernel (started if needed, reset afterwards); without, on a
    new kernel of its own.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook).resolve()
    output = Path(output).resolve()
    expected = [Path(p).resolve() for p in declared_outputs]
    check_parameters(notebook, parameters)
    output.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(cwd).resolve() if cwd else notebook.parent
    started = time.perf_counter()
    engine: dict[str, Any] = {"extra_arguments": list(KERNEL_ARGUMENTS)}
    try:
        if slot is not None:
            _register_pool_engine()
            engine = {
                "engine_name": POOL_ENGINE,
                "km": slot.kernel(folder),
                "kc": slot.client(folder),
                "reset_code": RESET_CODE.format(cwd=str(folder)),
            }
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=dict(parameters),
            kernel_name=kernel_name,
            language="python",
            progress_bar=False,
            log_output=False,
            cwd=str(folder),
            start_timeout=start_timeout,
            **engine,
        )
    except PapermillExecutionError as exc:
        if slot is not None:
            slot.close()
        raise NotebookFailed(notebook, output, exc.cell_index, exc.ename, exc.evalue, exc.exec_count) from exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # kernel died, would not start, timeout: still one clear message
        if slot is not None:
            slot.close()
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


#: The order in which a pool's workers take what is queued.
_CODE, _NOTEBOOK, _STOP = 0, 1, 2


class KernelPool:
    """`workers` threads, each with a kernel of its own that runs notebook after notebook.

    Started early (`start`), the kernels start and import while the caller does other work (the run
    starts them before its ingest): `warm_code` runs silently in each kernel in `warm_in`, followed
    by the reset. `run` executes tasks in order of the list, one per free kernel; `submit_code` gives
    a kernel other work meanwhile (the run's research tables); `close` shuts the kernels down. Use it
    as a context manager.
    """

    def __init__(
        self,
        kernel: str,
        workers: int | None = None,
        *,
        warm_in: Path | None = None,
        warm_code: str | None = None,
        reuse_kernels: bool = True,
    ):
        self.kernel = kernel
        self.workers = max(1, workers or default_workers())
        self.warm_in = Path(warm_in).resolve() if warm_in else None
        self.warm_code = warm_code
        self.reuse_kernels = reuse_kernels
        # code before notebooks (a kernel takes it as soon as it is free), the stop signals last
        self._tasks: queue.PriorityQueue[tuple[int, int, tuple[int, NotebookTask | CodeTask] | None]] = (
            queue.PriorityQueue()
        )
        self._order = itertools.count()
        self._done: queue.SimpleQueue[tuple[int, NotebookResult | BaseException | None]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._closing = False
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> KernelPool:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        # Ctrl-C or a stop signal: do not wait for running notebooks (their kernels follow this process)
        self.close(wait=exc_type is None or issubclass(exc_type, Exception))

    def start(self) -> KernelPool:
        if not self._threads:
            for number in range(self.workers):
                thread = threading.Thread(target=self._worker, name=f"notebook-{number}", daemon=True)
                thread.start()
                self._threads.append(thread)
        return self

    def _worker(self) -> None:
        slot = KernelSlot(self.kernel) if self.reuse_kernels else None
        try:
            if slot is not None and self.warm_in is not None and self.warm_code:
                try:
                    slot.warm(self.warm_in, self.warm_code)
                except Exception:  # the notebook itself will start a kernel and report what is wrong
                    logger.debug("kernel opwarmen mislukt", exc_info=True)
                    slot.close()
            while True:
                _, _, item = self._tasks.get()
                if item is None:
                    return
                index, task = item
                if isinstance(task, CodeTask):
                    self._run_code(slot, task)
                    continue
                if self._stop.is_set():
                    self._done.put((index, None))
                    continue
                try:
                    if task.wait is not None:
                        task.wait()
                    result: NotebookResult | BaseException = execute(
                        task.notebook,
                        task.output,
                        task.parameters,
                        kernel_name=self.kernel,
                        declared_outputs=task.declared_outputs,
                        slot=slot,
                    )
                except BaseException as exc:
                    self._stop.set()
                    result = exc
                self._done.put((index, result))
        finally:
            if slot is not None:
                slot.close()

    def _run_code(self, slot: KernelSlot | None, task: CodeTask) -> None:
        """One code task: cancelled when the pool is stopping, else its outcome set on its future."""
        if self._stop.is_set():
            task.future.cancel()
        if not task.future.set_running_or_notify_cancel():
            return
        try:
            if slot is None:
                raise RuntimeError("code draait alleen op kernels die blijven (reuse_kernels=True)")
            slot.run_code(self.warm_in or Path.cwd(), task.code)
        except BaseException as exc:
            if slot is not None:
                slot.close()  # as after a failed notebook: a kernel that failed is not used again
            task.future.set_exception(exc)
        else:
            task.future.set_result(None)

    def _put(self, rank: int, item: tuple[int, NotebookTask | CodeTask] | None) -> None:
        self._tasks.put((rank, next(self._order), item))

    def submit_code(self, code: str) -> Future:
        """Run `code` on the first free kernel, before any notebook still queued; the future says when it
        is done, or what it raised (`CodeFailed`). Cancelled when the pool stops before it starts."""
        self.start()
        task = CodeTask(code, Future())
        self._put(_CODE, (-1, task))
        return task.future

    def run(
        self, tasks: list[NotebookTask], progress: Callable[[str], None] | None = None
    ) -> list[NotebookResult]:
        """Execute the tasks, those that wait for something (`NotebookTask.wait`) last; on a failure no new
        notebook starts and the first failure in task order is raised once the running ones have finished.
        Results come back in task order."""
        self.start()
        self._stop.clear()
        for item in sorted(enumerate(tasks), key=lambda item: item[1].wait is not None):
            self._put(_NOTEBOOK, item)
        outcome: dict[int, NotebookResult | BaseException | None] = {}
        try:
            while len(outcome) < len(tasks):
                try:
                    # A short timeout keeps the main thread responsive to Ctrl-C (a signal that lands
                    # in a worker thread does not wake a blocked wait in the main thread).
                    index, result = self._done.get(timeout=0.5)
                except queue.Empty:
                    continue
                outcome[index] = result
                if isinstance(result, NotebookResult) and progress:
                    progress(result.notebook.name)
        except BaseException:
            self._stop.set()
            raise
        failures = [r for _, r in sorted(outcome.items()) if isinstance(r, BaseException)]
        if failures:
            raise failures[0]
        return [r for _, r in sorted(outcome.items()) if isinstance(r, NotebookResult)]

    def close(self, wait: bool = True) -> None:
        """Stop the workers after their current notebook and shut their kernels down (`wait`: until done).

        Without waiting the kernels stop beside whatever the caller does next; a later `close()` waits.
        """
        if not self._closing:
            self._closing = True
            self._stop.set()
            for _ in self._threads:
                self._put(_STOP, None)
        if wait:
            for thread in self._threads:
                thread.join()
            self._threads = []


def run_notebooks(
    tasks: list[NotebookTask],
    *,
    kernel: str,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
    reuse_kernels: bool = True,
    pool: KernelPool | None = None,
) -> list[NotebookResult]:
    """Execute the tasks on `workers` kernels at a time (default: one per core), in task order.

    Each worker keeps one kernel and runs notebook after notebook on it, reset in between
    (`RESET_CODE`), so a run pays the start and imports of a kernel once per worker instead of once
    per notebook; `reuse_kernels=False` gives every notebook a new kernel. `pool`: a pool already
    started (and warmed) by the caller, which stays open. On a failure no new notebook starts; the
    first failure in task order is raised after the running ones finish.
    """
    if pool is not None:
        return pool.run(tasks, progress)
    count = min(workers or default_workers(), max(1, len(tasks)))
    with KernelPool(kernel, count, reuse_kernels=reuse_kernels) as own:
        return own.run(tasks, progress)


@dataclass(frozen=True)
class CodeTask:
    """Code for the first free kernel of a pool (`KernelPool.submit_code`), and where its outcome goes."""

    code: str
    future: Future


class CodeFailed(RuntimeError):
    """Code run on a pool's kernel raised (`KernelPool.submit_code`): its exception, masked; the kernel's
    traceback (without colours, masked) goes to the debug log (`run.log`)."""

    def __init__(self, ename: str, evalue: str, traceback: list[str]):
        self.ename, self.evalue = ename, mask_identifiers(evalue)
        super().__init__(f"{self.ename}: {self.evalue}")
        logger.debug("code in een kernel faalde:\n%s", mask_identifiers(_ANSI.sub("", "\n".join(traceback))))


@dataclass(frozen=True)
class NotebookTask:
    notebook: Path
    parameters: dict[str, Any]
    output: Path
    declared_outputs: tuple[Path, ...]
    #: Called by the kernel's worker before the notebook starts, when what it reads is still being made
    #: (the run's research tables); an exception from it fails the task. The pool starts these tasks last.
    wait: Callable[[], object] | None = None
