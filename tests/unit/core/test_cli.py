"""The command speaks Dutch: help, headings and argparse's own errors, whatever the system language."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipelines import cli

ENGLISH = (
    "usage:",
    "options:",
    "positional arguments",
    "show this help",
    "the following arguments",
    "error:",
)


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_help_of_every_command_is_dutch(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert out.startswith(f"gebruik: participatie {command}") and "toon deze hulp en stop" in out
    assert not any(word in out for word in ENGLISH), out


def test_top_level_help_lists_the_commands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "gebruik: participatie" in out and "commando's:" in out and "opties:" in out
    assert not any(word in out for word in ENGLISH)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run"], "deze argumenten zijn verplicht: --export, --kwartaal"),
        (["kpi", "--clean", "x", "--kwartaal", "2024Q3", "--onbekend"], "onbekende argumenten: --onbekend"),
        (
            ["run", "--export", "x", "--kwartaal", "2024Q3", "--workers", "twee"],
            "'twee' is geen geheel getal",
        ),
        (
            ["run", "--export", "x", "--kwartaal", "2024Q3", "--max-afwijzing-pct", "vijf"],
            "'vijf' is geen getal",
        ),
    ],
)
def test_usage_errors_are_dutch_and_exit_2(argv, expected, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(argv)
    err = capsys.readouterr().err
    assert done.value.code == 2
    assert expected in err and f"participatie {argv[0]}: fout:" in err and err.startswith("gebruik:")
    assert not any(word in err for word in ENGLISH), err


def test_dutch_message_leaves_unknown_wording_alone():
    assert cli.dutch_message("iets anders") == "iets anders"
    assert cli.dutch_message("expected one argument") == "verwacht een waarde"


def test_the_command_leaves_without_losing_output(tmp_path):
    """`leave` skips the interpreter's teardown, yet what the command printed, logged and registered to
    run at exit all happens, and the exit code is the command's."""
    log_file = tmp_path / "run.log"
    marker = tmp_path / "bij-afsluiten.txt"
    code = (
        "import atexit, logging, sys\n"
        "from pipelines.cli import leave\n"
        f"handler = logging.FileHandler({str(log_file)!r}, encoding='utf-8')\n"
        "logging.getLogger('proef').addHandler(handler)\n"
        "logging.getLogger('proef').warning('gelogd')\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('gedaan'))\n"
        "sys.stdout.write('geschreven')\n"
        "sys.stderr.write('gemeld')\n"
        "leave(3)\n"
        "raise SystemExit('niet bereikt')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert done.stdout == "geschreven"
    assert done.stderr == "gemeld"
    assert log_file.read_text(encoding="utf-8") == "gelogd\n"
    assert marker.read_text(encoding="utf-8") == "gedaan"


def test_python_m_pipelines_is_the_command():
    done = subprocess.run(
        [sys.executable, "-m", "pipelines", "onzin"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "onbekend commando 'onzin'" in done.stderr
