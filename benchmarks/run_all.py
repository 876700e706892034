"""Run every benchmark one after the other and keep what each printed (`make bench`).

    .venv/bin/python benchmarks/run_all.py                 # the sizes the issues ask for
    .venv/bin/python benchmarks/run_all.py --klein         # a quick pass at small sizes (a smoke check)
    .venv/bin/python benchmarks/run_all.py --groot         # also the scaling table up to 2 million persons

Each benchmark runs in its own process (so its peak memory is its own), in sequence (so they
do not share the two cores), and its output goes to `benchmarks/results/<name>.txt` as well as
to the screen (`--klein` writes to `results/klein/`, never over the full-size figures).
The figures in benchmarks/README.md are copied from those files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

#: name -> (script, arguments at full size, arguments for a quick pass)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "bench_synth": ("bench_synth", ["--personen", "500000"], ["--personen", "5000"]),
    "bench_ingest": ("bench_ingest", ["--personen", "500000"], ["--personen", "5000"]),
    "bench_kpi": ("bench_kpi", ["--personen", "500000"], ["--personen", "5000"]),
    "bench_research": ("bench_research", ["--personen", "500000"], ["--personen", "5000"]),
    "bench_run": ("bench_run", ["--personen", "2000", "--herhaal", "3"], ["--personen", "2000"]),
    "bench_run_500k": (
        "bench_run",
        ["--personen", "500000", "--organisatie", "gemeente-leiden"],
        ["--personen", "20000", "--organisatie", "gemeente-leiden"],
    ),
}

#: `--groot`: the scaling table up to a pooled national set of 2 million persons (about an hour).
LARGE: dict[str, tuple[str, list[str], list[str]]] = {
    "bench_scale": (
        "bench_scale",
        [],
        ["--personen", "5000", "--personen", "8000", "--poolen-vanaf", "6000"],
    ),
}


def run(name: str, args: list[str], results: Path = RESULTS, script: str | None = None) -> int:
    """Run one benchmark, echo its output and write it (with the command and date) to results/."""
    command = [sys.executable, str(HERE / f"{script or name}.py"), *args]
    results.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent)
    seconds = time.perf_counter() - started
    header = (
        f"# {' '.join(['benchmarks/' + (script or name) + '.py', *args])}\n"
        f"# {dt.date.today().isoformat()}, exit {proc.returncode}, {seconds:.0f} s in all\n"
    )
    text = header + proc.stdout + (("\n# stderr\n" + proc.stderr[-4000:]) if proc.returncode else "")
    (results / f"{name}.txt").write_text(text, encoding="utf-8")
    print(text, flush=True)
    return proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--klein", action="store_true", help="small sizes: checks that every benchmark runs")
    parser.add_argument(
        "--groot", action="store_true", help="the scaling table up to 2 million persons (bench_scale) as well"
    )
    parser.add_argument(
        "--voor",
        default=None,
        help="git-ref van de code van voor: bench_ingest en bench_run meten die ernaast (--vergelijk)",
    )
    parser.add_argument(
        "--alleen", nargs="*", choices=sorted(BENCHMARKS | LARGE), help="only these benchmarks"
    )
    args = parser.parse_args()
    chosen = BENCHMARKS | (LARGE if args.groot or (args.alleen and set(args.alleen) & set(LARGE)) else {})
    failed = []
    for name, (script, full, small) in chosen.items():
        if args.alleen and name not in args.alleen:
            continue
        folder = RESULTS / "klein" if args.klein else RESULTS
        chosen_args = list(small if args.klein else full)
        if args.voor and name in ("bench_ingest", "bench_run"):
            chosen_args += ["--vergelijk", args.voor]
        if run(name, chosen_args, folder, script):
            failed.append(name)
    if failed:
        print(f"mislukt: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
