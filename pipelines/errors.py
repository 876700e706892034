"""One error type per kind of failure, each with its exit code; `pipelines.cli.main` is the only handler.

- 2: bad input or usage (an export, configuration, parameter, key or quarter that cannot be used);
- 3: the rejection threshold was exceeded (the export is readable, but too much of it was rejected);
- 1: an internal failure (a bug, or a notebook that failed).
Every message passes `mask_identifiers` before anyone sees it: an exception from a reader can carry
a whole row, and a row can carry a BSN.
"""

from __future__ import annotations

import re

#: Nine digits, also written with spaces, dots or dashes between groups (`999 720 466`) or with
#: decimals after them (`983938258,00`): every shape in which a BSN turns up in an export or an error.
_NINE_DIGITS = re.compile(r"(?<![0-9])[0-9](?:[ .\-]?[0-9]){8}(?![0-9])")
MASK = "*********"


def mask_identifiers(text: str) -> str:
    """`text` with every nine-digit number (a possible BSN) replaced by `*********`."""
    return _NINE_DIGITS.sub(MASK, str(text))


class ParticipatieError(Exception):
    """Base of every error the suite reports to a user; `exit_code` is what the command returns."""

    exit_code = 1

    def __init__(self, message: str = "", detail: str | None = None) -> None:
        super().__init__(message)
        #: Lines printed before the message (e.g. the reconciliation table when the threshold stops a run).
        self.detail = detail


class InputError(ParticipatieError):
    """Bad input or usage: the message names the file, line, column, key or parameter."""

    exit_code = 2


class ThresholdError(ParticipatieError):
    """More rows were rejected than the threshold allows."""

    exit_code = 3


class InternalError(ParticipatieError):
    """Something that should not happen: a bug, not the user's input."""

    exit_code = 1


class RunError(ParticipatieError):
    """The quarterly run stopped; the message says which step and why, `exit_code` what the shell sees."""

    def __init__(self, message: str, exit_code: int = 1, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.exit_code = exit_code
