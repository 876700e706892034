"""The papermill wrapper: refused parameters, kept output on failure, declared outputs, pool order."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from pipelines.run import notebooks as nr
from pipelines.run.notebooks import NotebookTask, run_notebooks
from tests.support.run_helpers import REPORT_PARAMETERS, make_notebook, report_notebook


def test_declared_parameters_reads_annotated_and_plain_assignments(nb_folder):
    nb = make_notebook(nb_folder / "a.ipynb", 'clean_dir: str = ""\nkwartaal = "2024Q3"\nx, y = 1, 2', "pass")
    assert nr.declared_parameters(nb) == {"clean_dir": "str", "kwartaal": None}


def test_unknown_parameter_is_refused_before_a_kernel_starts(nb_folder, tmp_path):
    nb = make_notebook(nb_folder / "a.ipynb", REPORT_PARAMETERS, "print(kwartaal)")
    out = tmp_path / "out" / "a.ipynb"
    with pytest.raises(nr.UnknownParameters) as info:
        nr.execute(nb, out, {"kwartaal": "2024Q3", "kwartal": "2024Q3"})
    assert info.value.unknown == ["kwartal"]
    assert "kwartal" in str(info.value) and "a.ipynb" in str(info.value)
    assert not out.exists()


def test_notebook_without_parameters_cell_accepts_no_parameters(nb_folder):
    nb = make_notebook(nb_folder / "b.ipynb", None, "x = 1")
    with pytest.raises(nr.UnknownParameters, match="geen"):
        nr.check_parameters(nb, {"kwartaal": "2024Q3"})


def test_failing_cell_names_notebook_cell_and_exception_and_keeps_output(nb_folder, tmp_path):
    nb = make_notebook(
        nb_folder / "c.ipynb", REPORT_PARAMETERS, "x = 1", "raise ValueError('kapot: ' + kwartaal)"
    )
    out = tmp_path / "out" / "c.ipynb"
    with pytest.raises(nr.NotebookFailed) as info:
        nr.execute(nb, out, {"kwartaal": "2024Q3"})
    err = info.value
    assert err.ename == "ValueError" and err.evalue == "kapot: 2024Q3"
    # cells: 0 title, 1 parameters, 2 injected parameters, 3 x = 1, 4 the raise
    assert err.cell == 4
    assert "c.ipynb" in str(err) and "cel 4" in str(err) and "ValueError" in str(err)
    kept = json.loads(out.read_text())
    assert any(o.get("ename") == "ValueError" for cell in kept["cells"] for o in cell.get("outputs", []))


def test_missing_declared_output_is_an_error(nb_folder, tmp_path):
    nb = make_notebook(nb_folder / "d.ipynb", REPORT_PARAMETERS, "pathlib_unused = 1")
    empty = tmp_path / "leeg.json"
    empty.write_text("")
    with pytest.raises(nr.MissingOutput) as info:
        nr.execute(
            nb,
            tmp_path / "out" / "d.ipynb",
            {"uitvoer_dir": str(tmp_path)},
            declared_outputs=[tmp_path / "nooit.json", empty],
        )
    assert set(info.value.missing) == {(tmp_path / "nooit.json").resolve(), empty.resolve()}


def test_pool_returns_in_task_order_and_raises_the_first_failure_in_order(nb_folder, tmp_path):
    good = report_notebook(nb_folder, "11_goed")
    bad = make_notebook(nb_folder / "12_fout.ipynb", REPORT_PARAMETERS, "1 / 0")
    tasks = [
        NotebookTask(
            nb,
            {"kwartaal": "2024Q3", "uitvoer_dir": str(tmp_path)},
            tmp_path / "nb" / nb.name,
            (tmp_path / f"{nb.stem}.kerncijfers.json",) if nb == good else (),
        )
        for nb in (good, bad)
    ]
    with pytest.raises(nr.NotebookFailed) as info:
        run_notebooks(tasks, kernel="participatie", workers=2)
    assert info.value.notebook.name == "12_fout.ipynb" and info.value.ename == "ZeroDivisionError"
    assert (tmp_path / "nb" / "11_goed.ipynb").exists() and (tmp_path / "nb" / "12_fout.ipynb").exists()
    results = run_notebooks(tasks[:1] * 1, kernel="participatie", workers=2)
    assert [r.notebook.name for r in results] == ["11_goed.ipynb"]
    assert json.loads((tmp_path / "11_goed.kerncijfers.json").read_text()) == {"kwartaal": "2024Q3"}


def test_a_reused_kernel_starts_each_notebook_as_a_new_kernel_would(nb_folder, tmp_path):
    """One worker, three notebooks, one kernel: no name leaks, counter from 1, same folder, same process."""
    first = make_notebook(
        nb_folder / "31_eerste.ipynb",
        REPORT_PARAMETERS,
        "import os\ngeheim = 42\nos.chdir('/')",
        "print(os.getpid(), flush=True)",
    )
    probe = (
        "import os, json\n"
        "print(os.getpid(), flush=True)\n"
        "print(json.dumps({'geheim': 'geheim' in globals(), 'map': os.getcwd()}), flush=True)"
    )
    second = make_notebook(nb_folder / "32_tweede.ipynb", REPORT_PARAMETERS, probe)
    third = make_notebook(nb_folder / "33_derde.ipynb", REPORT_PARAMETERS, probe)
    tasks = [
        NotebookTask(nb, {"kwartaal": "2024Q3"}, tmp_path / "nb" / nb.name, ())
        for nb in (first, second, third)
    ]
    done: list[str] = []
    results = run_notebooks(tasks, kernel="participatie", workers=1, progress=done.append)
    assert [r.notebook.name for r in results] == ["31_eerste.ipynb", "32_tweede.ipynb", "33_derde.ipynb"]
    assert done == ["31_eerste.ipynb", "32_tweede.ipynb", "33_derde.ipynb"]

    def code_cells(name: str) -> list[dict]:
        nb = json.loads((tmp_path / "nb" / name).read_text())
        return [c for c in nb["cells"] if c["cell_type"] == "code"]

    def printed(cell: dict) -> list[str]:
        return "".join("".join(o.get("text", "")) for o in cell["outputs"]).splitlines()

    pids = set()
    for name in ("31_eerste.ipynb", "32_tweede.ipynb", "33_derde.ipynb"):
        cells = code_cells(name)
        assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1)), name
        pids.add(printed(cells[-1])[0])
    assert len(pids) == 1  # one kernel process served all three
    for name in ("32_tweede.ipynb", "33_derde.ipynb"):
        probe_out = json.loads(printed(code_cells(name)[-1])[1])
        assert probe_out == {"geheim": False, "map": str(nb_folder.resolve())}


def test_without_reuse_every_notebook_gets_a_kernel_of_its_own(nb_folder, tmp_path):
    notebooks = [
        make_notebook(nb_folder / f"4{i}_pid.ipynb", REPORT_PARAMETERS, "import os\nprint(os.getpid())")
        for i in (1, 2)
    ]
    tasks = [NotebookTask(nb, {}, tmp_path / "nb" / nb.name, ()) for nb in notebooks]
    run_notebooks(tasks, kernel="participatie", workers=1, reuse_kernels=False)
    pids = {
        "".join(
            json.loads((tmp_path / "nb" / nb.name).read_text())["cells"][-1]["outputs"][0]["text"]
        ).strip()
        for nb in notebooks
    }
    assert len(pids) == 2


def test_a_pooled_notebook_is_written_when_it_starts_and_whole_when_it_ends_or_fails(nb_folder, tmp_path):
    """The output file is there from the start (a user watching the run sees it), but not rewritten after
    every cell (each write serialises the whole notebook); at the end, or at a failure, it is complete."""
    out = tmp_path / "nb" / "51_schrijf.ipynb"
    look = (
        f"import pathlib\nfile = pathlib.Path({str(out)!r})\n"
        "print(file.exists(), ('eerste' + ' cel') in file.read_text(), flush=True)"
    )
    good = make_notebook(nb_folder / "51_schrijf.ipynb", REPORT_PARAMETERS, "print('eerste' + ' cel')", look)
    bad = make_notebook(nb_folder / "52_fout.ipynb", REPORT_PARAMETERS, "print('voor de fout')", "1 / 0")
    tasks = [NotebookTask(nb, {"kwartaal": "2024Q3"}, tmp_path / "nb" / nb.name, ()) for nb in (good, bad)]
    with pytest.raises(nr.NotebookFailed):
        run_notebooks(tasks, kernel="participatie", workers=1)

    def outputs(name: str) -> list[str]:
        cells = json.loads((tmp_path / "nb" / name).read_text())["cells"]
        return [json.dumps(c.get("outputs", [])) for c in cells if c["cell_type"] == "code"]

    written = outputs("51_schrijf.ipynb")
    assert "eerste cel" in written[-2] and "True False" in written[-1]
    failed = outputs("52_fout.ipynb")
    assert "voor de fout" in failed[-2] and "ZeroDivisionError" in failed[-1]


def test_a_task_that_waits_starts_last_after_its_wait_and_a_failed_wait_fails_the_run(nb_folder, tmp_path):
    """The research tables go on being made while the first notebooks run: a notebook reading them waits."""
    started: list[str] = []

    def stamp(name: str):
        def wait() -> None:
            started.append(name)

        return wait

    notebooks = [
        make_notebook(nb_folder / f"6{i}_wacht.ipynb", REPORT_PARAMETERS, f"print({i})") for i in range(3)
    ]
    tasks = [
        NotebookTask(notebooks[0], {}, tmp_path / "nb" / notebooks[0].name, (), wait=stamp("eerste")),
        NotebookTask(notebooks[1], {}, tmp_path / "nb" / notebooks[1].name, ()),
        NotebookTask(notebooks[2], {}, tmp_path / "nb" / notebooks[2].name, ()),
    ]
    results = run_notebooks(tasks, kernel="participatie", workers=1)
    assert [r.notebook.name for r in results] == [nb.name for nb in notebooks]  # results in task order
    assert started == ["eerste"]
    first_written = (tmp_path / "nb" / notebooks[0].name).stat().st_mtime_ns
    assert all(first_written >= (tmp_path / "nb" / nb.name).stat().st_mtime_ns for nb in notebooks[1:])

    def broken() -> None:
        raise RuntimeError("onderzoekstabellen mislukt")

    with pytest.raises(RuntimeError, match="onderzoekstabellen mislukt"):
        run_notebooks(
            [NotebookTask(notebooks[1], {}, tmp_path / "fout" / notebooks[1].name, (), wait=broken)],
            kernel="participatie",
            workers=1,
        )
    assert not (tmp_path / "fout" / notebooks[1].name).exists()


def test_code_given_to_the_pool_runs_on_a_kernel_first_and_reports_its_failure(nb_folder, tmp_path):
    """The run has a kernel make the research tables while it computes the series: the code runs first,
    on a kernel that is reset afterwards; a failure is its exception, masked, and that kernel is replaced."""
    notebook = make_notebook(
        nb_folder / "70_na_code.ipynb", REPORT_PARAMETERS, "import os\nprint(os.getpid(), 'geheim' in dir())"
    )

    def printed(output) -> str:
        return json.dumps(json.loads(output.read_text(encoding="utf-8"))["cells"][-1]["outputs"])

    with nr.KernelPool("participatie", 1, warm_in=nb_folder) as pool:
        done = pool.submit_code(
            "import pathlib, os\n"
            "geheim = 1\n"
            f"pathlib.Path({str(tmp_path / 'code.txt')!r}).write_text(str(os.getpid()))\n"
        )
        pool.run([NotebookTask(notebook, {}, tmp_path / "nb" / notebook.name, ())])
        assert done.result() is None
        kernel_pid = (tmp_path / "code.txt").read_text()
        assert f"{kernel_pid} False" in printed(tmp_path / "nb" / notebook.name)  # same kernel, reset

        failed = pool.submit_code("raise ValueError('BSN 123456782 niet gevonden')")
        with pytest.raises(nr.CodeFailed) as caught:
            failed.result(timeout=120)
        assert caught.value.ename == "ValueError" and "123456782" not in str(caught.value)
        assert "#########" in str(caught.value)
        pool.run([NotebookTask(notebook, {}, tmp_path / "nb2" / notebook.name, ())])
        assert kernel_pid not in printed(tmp_path / "nb2" / notebook.name)  # a new kernel

        died = pool.submit_code("import os\nos._exit(3)")
        with pytest.raises(nr.CodeFailed, match="KernelGestopt: de kernel is gestopt"):
            died.result(timeout=120)
        pool.run([NotebookTask(notebook, {}, tmp_path / "nb3" / notebook.name, ())])  # and again a new one


def test_code_still_queued_when_the_pool_closes_is_cancelled(nb_folder):
    pool = nr.KernelPool("participatie", 1, warm_in=nb_folder)
    running = pool.submit_code("import time\ntime.sleep(1)")
    queued = pool.submit_code("1 + 1")
    while not running.running():
        time.sleep(0.05)
    pool.close()
    assert running.result() is None and queued.cancelled()


def test_a_pool_closed_without_waiting_stops_its_kernels_beside_the_caller_and_a_later_close_waits(
    nb_folder, tmp_path
):
    """The run lets its kernels shut down while it writes the publication, and waits for them at the end."""
    pool = nr.KernelPool("participatie", 1, warm_in=nb_folder)
    started = pool.submit_code(
        f"import os, pathlib\npathlib.Path({str(tmp_path / 'pid')!r}).write_text(str(os.getpid()))"
    )
    started.result(timeout=120)
    pid = int((tmp_path / "pid").read_text())
    pool.close(wait=False)
    threads = list(pool._threads)
    assert threads
    pool.close()
    assert not any(t.is_alive() for t in threads) and pool._threads == []
    with pytest.raises(ProcessLookupError):
        for _ in range(50):  # the kernel process is reaped by its manager; give the OS a moment
            os.kill(pid, 0)
            time.sleep(0.1)


def test_code_goes_before_the_notebooks_still_queued(nb_folder, tmp_path):
    """The run has the first free kernel draw the dashboard's charts while notebooks are queued: the code
    runs after the notebook running now, before the next one."""
    log = tmp_path / "volgorde.txt"
    append = "import pathlib\nwith pathlib.Path({log!r}).open('a') as f:\n    f.write({mark!r})\n"
    first = make_notebook(
        nb_folder / "71_eerst.ipynb",
        REPORT_PARAMETERS,
        "import time\ntime.sleep(1.5)\n" + append.format(log=str(log), mark="A"),
    )
    second = make_notebook(
        nb_folder / "72_daarna.ipynb", REPORT_PARAMETERS, append.format(log=str(log), mark="B")
    )
    with nr.KernelPool("participatie", 1, warm_in=nb_folder) as pool:
        submitted: list = []

        def submit_while_the_first_runs() -> None:
            while not (tmp_path / "nb" / first.name).exists():  # papermill writes it as the notebook starts
                time.sleep(0.05)
            submitted.append(pool.submit_code(append.format(log=str(log), mark="C")))

        helper = threading.Thread(target=submit_while_the_first_runs)
        helper.start()
        pool.run(
            [
                NotebookTask(first, {}, tmp_path / "nb" / first.name, ()),
                NotebookTask(second, {}, tmp_path / "nb" / second.name, ()),
            ]
        )
        helper.join()
        submitted[0].result(timeout=120)
    assert log.read_text() == "ACB"
