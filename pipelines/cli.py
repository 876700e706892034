"""The `participatie` command: one subcommand per step, each defined in its own module.

A module named here provides `configure_parser(parser)` and `main(args) -> int`; it is imported only
when its subcommand runs, so `participatie synth` never pays for Great Expectations or Jupyter.
Errors are handled here and only here (`pipelines.errors`): the message, masked, on stderr, and the
error's exit code (2 bad input or usage, 3 rejection threshold, 1 internal failure).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from pipelines.errors import ParticipatieError, mask_identifiers

COMMANDS: dict[str, tuple[str, str]] = {
    "synth": ("pipelines.synth", "genereer een synthetische export (demo, tests, schaal)"),
    "ingest": ("pipelines.ingest.deliver", "lees, valideer en pseudonimiseer een export naar data_clean/"),
    "kpi": ("pipelines.kpi.cli", "bereken kpis.csv uit schone data"),
    "run": ("pipelines.run.quarter", "de kwartaalevaluatie: ingest, alle notebooks, dashboard"),
    "meedoen-selectie": (
        "pipelines.run.selectie",
        "selectielijst van de Meedoen!-doelgroepen (intern gebruik)",
    ),
    "onderzoeksbestand": (
        "pipelines.research.extract",
        "gepseudonimiseerd onderzoeksbestand met codeboek per onderzoeksproject",
    ),
}

log = logging.getLogger("pipelines")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="participatie",
        description="Analyse- en monitoringsuite voor de Participatiewet.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDO")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _configure_logging() -> None:
    """The package logs; the command shows INFO and up on stderr, without timestamps (a run.log has them)."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        parser = build_parser()
        if argv and argv[0] not in ("-h", "--help"):
            parser.print_usage(sys.stderr)
            print(f"participatie: onbekend commando {mask_identifiers(argv[0])!r}", file=sys.stderr)
            return 2
        parser.print_help()
        return 0
    name, rest = argv[0], argv[1:]
    module = importlib.import_module(COMMANDS[name][0])
    sub = argparse.ArgumentParser(prog=f"participatie {name}", description=COMMANDS[name][1])
    module.configure_parser(sub)
    args = sub.parse_args(rest)
    _configure_logging()
    try:
        return int(module.main(args) or 0)
    except ParticipatieError as exc:
        if exc.detail:
            print(mask_identifiers(exc.detail), file=sys.stderr)
        print(f"participatie {name}: {mask_identifiers(str(exc))}", file=sys.stderr)
        return exc.exit_code
