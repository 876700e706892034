"""Run every benchmark one after the other and keep what each printed (`make bench`).

    .venv/bin/python benchmarks/run_all.py                 # the sizes the issues ask for
    .venv/bin/python benchmarks/run_all.py --klein         # a quick pass at small sizes (a smoke check)

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

#: name -> (arguments at full size, arguments for a quick pass)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "bench_synth": (["--personen", "500000"], ["--personen", "5000"]),
    "bench_ingest": (["--personen", "500000"], ["--personen", "5000"]),
    "bench_kpi": (["--personen", "500000"], ["--personen", "5000"]),
    "bench_research": (["--personen", "500000"], ["--personen", "5000"]),
    "bench_run": ([], ["--personen", "2000"]),
}


def run(name: str, args: list[str], results: Path = RESULTS) -> int:
    """Run one benchmark, echo its output and write it (with the command and date) to results/."""
    command = [sys.executable, str(HERE / f"{name}.py"), *args]
    results.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent)
    seconds = time.perf_counter() - started
    header = (
        f"# {' '.join(['benchmarks/' + name + '.py', *args])}\n"
        f"# {dt.date.today().isoformat()}, exit {proc.returncode}, {seconds:.0f} s in all\n"
    )
    text = header + proc.stdout + (("\n# stderr\n" + proc.stderr[-4000:]) if proc.returncode else "")
    (results / f"{name}.txt").write_text(text, encoding="utf-8")
    print(text, flush=True)
    return proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--klein", action="store_true", help="small sizes: checks that every benchmark runs")
    parser.add_argument("--alleen", nargs="*", choices=sorted(BENCHMARKS), help="only these benchmarks")
    args = parser.parse_args()
    failed = []
    for name, (full, small) in BENCHMARKS.items():
        if args.alleen and name not in args.alleen:
            continue
        if run(name, small if args.klein else full, RESULTS / "klein" if args.klein else RESULTS):
            failed.append(name)
    if failed:
        print(f"mislukt: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
