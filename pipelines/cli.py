"""The `participatie` command: one subcommand per step, each defined in its own module.

A module named here provides `configure_parser(parser)` and `main(args) -> int`; it is
imported only when its subcommand runs, so `participatie synth` never pays for
Great Expectations or Jupyter.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "synth": ("pipelines.synth", "genereer een synthetische export (demo, tests, schaal)"),
    "ingest": ("pipelines.ingest", "lees, valideer en pseudonimiseer een export naar data_clean/"),
    "kpi": ("pipelines.kpi.cli", "bereken kpis.csv uit schone data"),
    "run": ("pipelines.run", "de kwartaalevaluatie: ingest, alle notebooks, dashboard"),
    "meedoen-selectie": ("pipelines.kpi.meedoen", "selectielijst van de Meedoen!-doelgroepen (intern gebruik)"),
    "onderzoeksbestand": ("pipelines.research.extract", "gepseudonimiseerd onderzoeksbestand met codeboek per onderzoeksproject"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="participatie",
        description="Analyse- en monitoringsuite voor de Participatiewet.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDO")
    for name, (module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        parser = build_parser()
        if argv and argv[0] not in ("-h", "--help"):
            parser.print_usage(sys.stderr)
            print(f"participatie: onbekend commando {argv[0]!r}", file=sys.stderr)
            return 2
        parser.print_help()
        return 0
    name, rest = argv[0], argv[1:]
    module = importlib.import_module(COMMANDS[name][0])
    sub = argparse.ArgumentParser(prog=f"participatie {name}", description=COMMANDS[name][1])
    module.configure_parser(sub)
    args = sub.parse_args(rest)
    return int(module.main(args) or 0)
