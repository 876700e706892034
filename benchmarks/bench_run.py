"""Wall time and peak memory of the quarterly run (`participatie run`) and where the time goes.

    .venv/bin/python benchmarks/bench_run.py                  # demo (2,000) and 50,000 persons
    .venv/bin/python benchmarks/bench_run.py --personen 500000 --organisatie gemeente-leiden
    .venv/bin/python benchmarks/bench_run.py --personen 2000 --herhaal 3 --vergelijk <git-ref>

Per size it generates a synthetic export (seed 2024), then runs the whole quarter, each run in a
fresh child process: the command's wall time from the interpreter's start to its exit (what a user
who times `participatie run` sees; the target of issue 16), the run's own, wall and CPU seconds per
step (ingest and validation, KPIs, notebooks, publication) and how many of the machine's cores were
busy in it (below the core count a step waits on one process's own work), seconds per notebook, the
peak of the summed resident memory of the run and its notebook kernels (sampled every 0.2 s), and the
number of chart files written (every chart must be drawn). `--vergelijk REF` also runs the code of git
ref REF (extracted to a temp dir, with its own kernel on that code) right after each run of this
code: a before/after under the same load.
Timings are wall-clock on a possibly shared machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

os.environ.setdefault("PARTICIPATIE_SLEUTEL", "benchmarksleutel-niet-voor-productie-0123456789")

from machine import describe, load_text  # noqa: E402

RUN = """
import json, os, sys, time
sys.meta_path[:] = [f for f in sys.meta_path if 'ditable' not in type(f).__name__]
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from pathlib import Path
from machine import TreePeak, busy_seconds, cpu_seconds, load_text
from pipelines.run import quarter
steps = {{}}
enter, leave = quarter._Step.__enter__, quarter._Step.__exit__
def timed_enter(self):
    self._bench = (time.perf_counter(), cpu_seconds(), busy_seconds())
    return enter(self)
def timed_exit(self, *exc):
    out = leave(self, *exc)
    wall = time.perf_counter() - self._bench[0]
    steps[self.name] = (wall, cpu_seconds() - self._bench[1], (busy_seconds() - self._bench[2]) / wall)
    return out
quarter._Step.__enter__, quarter._Step.__exit__ = timed_enter, timed_exit
out = Path({out!r})
started, cpu = time.perf_counter(), cpu_seconds()
with TreePeak() as peak, open(os.devnull, 'w') as quiet:
    res = quarter.run_quarter(Path({export!r}), {kwartaal!r}, out_dir=out, clean_root=Path({clean!r}),
                              kernel={kernel!r}, stream=quiet)
result = dict(
    wall=time.perf_counter() - started, cpu=cpu_seconds() - cpu, peak_gib=peak.gib, steps=steps,
    notebooks={{r.notebook.name: r.seconds for r in res.notebooks}},
    charts=sum(1 for p in out.rglob('*.svg') if p.parent.name == 'grafieken'), load=load_text(),
    kengetallen=res.manifest['uitkomst']['kengetallen'],
)
open({result!r}, 'w').write(json.dumps(result))
try:  # the command's own way out (code from before `leave` exits the ordinary way)
    from pipelines.cli import leave
except ImportError:
    leave = sys.exit
leave(0)
"""

KERNEL = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if 'ditable' not in type(f).__name__]
sys.path.insert(0, {root!r})
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""


def extract(ref: str, into: Path) -> Path:
    """The tree of git ref `ref` in `into`."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def before_kernel(root: Path, work: Path) -> tuple[str, dict[str, str]]:
    """A kernelspec that runs the code in `root` (not the installed tree), and the env that finds it."""
    script = work / "kernel_voor.py"
    script.write_text(KERNEL.format(root=str(root)), encoding="utf-8")
    spec = work / "jupyter" / "kernels" / "participatie-voor"
    spec.mkdir(parents=True)
    # no log level here: the runner passes its own (`KERNEL_ARGUMENTS`), and the kernel refuses two
    argv = [sys.executable, str(script), "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "participatie (voor)", "language": "python"}),
        encoding="utf-8",
    )
    return "participatie-voor", {"JUPYTER_PATH": str(work / "jupyter")}


def one_run(
    root: Path, export: Path, work: Path, name: str, kernel: str, env: dict[str, str], kwartaal: str
) -> dict:
    result = work / f"{name}.json"
    code = RUN.format(
        root=str(root),
        bench=str(ROOT / "benchmarks"),
        out=str(work / name),
        export=str(export),
        kwartaal=kwartaal,
        clean=str(work / f"{name}-schoon"),
        kernel=kernel,
        result=str(result),
    )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=work, env={**os.environ, **env})
    # from starting the interpreter to its exit, as a user who times the command sees it
    command = time.perf_counter() - started
    return {**json.loads(result.read_text()), "command": command}


def _summary(values: list[float], unit: str = "s") -> str:
    if len(values) == 1:
        return f"{values[0]:.1f} {unit}"
    return f"median {statistics.median(values):.1f} {unit} (min {min(values):.1f}, max {max(values):.1f})"


def _step_figures(wall: float, cpu: float, cores: float) -> str:
    return f"{wall:7.1f} {cpu:7.1f} {cores:5.2f}"


def report(personen: int, organisatie: str, runs: list[dict], before: list[dict], ref: str | None) -> str:
    last = runs[-1]
    lines = [
        "",
        f"{personen:,} personen ({organisatie}), {len(runs)} run(s); load average at the end of each: "
        + ", ".join(r["load"] for r in runs),
        f"  command wall (interpreter start to exit): {_summary([r['command'] for r in runs])}",
        f"  run wall (run_quarter inside the process): {_summary([r['wall'] for r in runs])}; "
        f"CPU (run and kernels): {_summary([r['cpu'] for r in runs])}",
        f"  peak memory (run + kernels, summed): {_summary([r['peak_gib'] for r in runs], 'GiB')}",
        f"  charts drawn (svg): {last['charts']}; kengetallen: {last['kengetallen']}",
    ]
    if before:
        lines.append(
            f"  before ({ref}): command wall {_summary([r['command'] for r in before])}; "
            f"run wall {_summary([r['wall'] for r in before])}; CPU "
            f"{_summary([r['cpu'] for r in before])}; peak {_summary([r['peak_gib'] for r in before], 'GiB')}"
        )
        ratios = [b["command"] / a["command"] for a, b in zip(runs, before, strict=True)]
        lines.append(f"  speed-up before / after (same round): {_summary(ratios, 'x')}")
    lines.append(
        "  steps of the last run (wall s, CPU s of the run, cores in use on the machine)"
        + (" | before" if before else "")
    )
    for step, figures in last["steps"].items():
        extra = ""
        if before and step in before[-1]["steps"]:
            extra = " | " + _step_figures(*before[-1]["steps"][step])
        lines.append(f"    {step:<22} {_step_figures(*figures)}{extra}")
    for name, seconds in last["notebooks"].items():
        extra = f" | {before[-1]['notebooks'].get(name, float('nan')):5.1f}" if before else ""
        lines.append(f"      {name:<30} {seconds:5.1f}{extra}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--personen", type=int, action="append", help="export size(s); default 2000 and 50000"
    )
    parser.add_argument("--organisatie", default="isd-bollenstreek")
    parser.add_argument("--kwartaal", default="2024Q3")
    parser.add_argument("--herhaal", type=int, default=1, help="runs per size (median and spread)")
    parser.add_argument(
        "--vergelijk", default=None, help="git ref of the code to compare with (before/after)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    sizes = args.personen or [2000, 50000]
    print("bench_run")
    print(f"  machine: {describe()}")
    print(f"  load average (1/5/15 min) at the start: {load_text()}")
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        work = Path(tmp)
        before_root = extract(args.vergelijk, work / "voor") if args.vergelijk else None
        kernel, env = before_kernel(before_root, work) if before_root else ("participatie", {})
        for personen in sizes:
            export = work / f"export-{personen}"
            started = time.perf_counter()
            code = (
                f"from pipelines.synth import generate_export; generate_export({str(export)!r}, "
                f"organisatie={args.organisatie!r}, personen={personen}, seed=2024)"
            )
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
            print(f"  export of {personen:,} persons generated in {time.perf_counter() - started:.0f} s")
            runs, before = [], []
            for i in range(args.herhaal):
                runs.append(
                    one_run(ROOT, export, work, f"na-{personen}-{i}", "participatie", {}, args.kwartaal)
                )
                if before_root is not None:
                    before.append(
                        one_run(before_root, export, work, f"voor-{personen}-{i}", kernel, env, args.kwartaal)
                    )
            print(report(personen, args.organisatie, runs, before, args.vergelijk), flush=True)
            figures.append({"personen": personen, "na": runs, "voor": before})
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
