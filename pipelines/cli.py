"""The `participatie` command: one subcommand per step, each defined in its own module.

A module named here provides `configure_parser(parser)` and `main(args) -> int`; it is imported only
when its subcommand runs, so `participatie synth` never pays for Great Expectations or Jupyter.
Errors are handled here and only here (`pipelines.errors`): the message, masked, on stderr, and the
error's exit code (2 bad input or usage, 3 rejection threshold, 1 internal failure).
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import logging
import os
import re
import sys
from typing import Any, NoReturn

from pipelines.errors import MESSAGE_LIMIT, ParticipatieError, mask_identifiers, safe_message

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

#: argparse's own messages (gettext, English) and how a Dutch user reads them; `%s`-free patterns, so they
#: match the wording of Python 3.11 to 3.13.
_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (.+)", r"deze argumenten zijn verplicht: \1"),
    (r"unrecognized arguments: (.+)", r"onbekende argumenten: \1"),
    (r"one of the arguments (.+) is required", r"een van de argumenten \1 is verplicht"),
    (r"not allowed with argument (.+)", r"niet toegestaan samen met argument \1"),
    (r"ambiguous option: (\S+) could match (.+)", r"optie \1 is dubbelzinnig: \2"),
    (r"invalid choice: (.+?) \(choose from (.+)\)", r"ongeldige keuze \1 (kies uit \2)"),
    (r"invalid int value: (.+)", r"\1 is geen geheel getal"),
    (r"invalid float value: (.+)", r"\1 is geen getal"),
    (r"invalid fromisoformat value: (.+)", r"\1 is geen datum (JJJJ-MM-DD)"),
    (r"invalid \S+ value: (.+)", r"ongeldige waarde \1"),
    (r"expected one argument", "verwacht een waarde"),
    (r"expected at most one argument", "verwacht ten hoogste een waarde"),
    (r"expected at least one argument", "verwacht ten minste een waarde"),
    (r"expected (\d+) arguments?", r"verwacht \1 waarden"),
    (r"ignored explicit argument (.+)", r"waarde \1 genegeerd"),
)


def dutch_message(message: str) -> str:
    """An argparse error message in Dutch (unknown wording is left as it is)."""
    for pattern, replacement in _MESSAGES:
        message = re.sub(pattern, replacement, message)
    return message


class DutchHelpFormatter(argparse.HelpFormatter):
    """`gebruik:` instead of argparse's `usage:`."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "gebruik: " if prefix is None else prefix)


class DutchArgumentParser(argparse.ArgumentParser):
    """argparse with Dutch headings, help and errors, without a translation catalogue (gettext has no
    Dutch for argparse): the `participatie` command speaks Dutch whatever the system's language.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", DutchHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        if add_help:
            self.add_argument(
                "-h", "--help", action="help", default=argparse.SUPPRESS, help="toon deze hulp en stop"
            )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fout: {mask_identifiers(dutch_message(message))}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = DutchArgumentParser(
        prog="participatie",
        description="Analyse- en monitoringsuite voor de Participatiewet.",
        epilog="`participatie COMMANDO --help` toont de opties van een commando.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDO", title="commando's")
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
    sub = DutchArgumentParser(prog=f"participatie {name}", description=COMMANDS[name][1])
    module.configure_parser(sub)
    args = sub.parse_args(rest)
    _configure_logging()
    try:
        return int(module.main(args) or 0)
    except ParticipatieError as exc:
        if exc.detail:
            print(safe_message(exc.detail, 10 * MESSAGE_LIMIT), file=sys.stderr)
        print(f"participatie {name}: {safe_message(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        # a folder or file the command cannot use (read-only, full disk, a file where a folder belongs):
        # the operating system's own reason, never a traceback
        reason = safe_message((f"{exc.filename}: " if exc.filename else "") + (exc.strerror or ""))
        print(f"participatie {name}: bestand of map niet te gebruiken: {reason}", file=sys.stderr)
        return 2


def console_main() -> NoReturn:
    """The `participatie` command (and `python -m pipelines`): `main`, then leave without the
    interpreter's teardown.

    After a quarterly run, freeing every module and object one at a time (Great Expectations, Altair's
    schema classes, the pipelines) took 0.6-0.9 s on one core, with everything already written.
    `leave` runs the exit handlers (which flush and close the logs) and flushes the standard streams
    first, so nothing written is lost. An exception leaves the ordinary way, traceback and all.
    """
    leave(main())


def leave(code: int) -> NoReturn:
    """Exit with `code` now: the exit handlers run and stdout/stderr are flushed, the teardown is skipped."""
    atexit._run_exitfuncs()  # what the interpreter itself calls at exit (CPython 3.11-3.13 alike)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`participatie ... | head`) or a closed stream
            pass
    os._exit(code)
