"""One error type per kind of failure, each with its exit code; `pipelines.cli.main` is the only handler.

- 2: bad input or usage (an export, configuration, parameter, key or quarter that cannot be used);
- 3: the rejection threshold was exceeded (the export is readable, but too much of it was rejected);
- 1: an internal failure (a bug, or a notebook that failed).
Every message passes `safe_message` before anyone sees it: an exception from a reader can carry
a whole row (or a whole file), and a row can carry a BSN. `mask_identifiers` is the one masking rule
of the package: messages, report files, CSV cells and header names all pass it.
"""

from __future__ import annotations

import re
from typing import Any

#: Nine digits, also written with spaces, dots or dashes between groups (`999 720 466`) or with
#: decimals after them (`983938258,00`): every shape in which a BSN turns up in an export or an error.
NINE_DIGITS = re.compile(r"(?<![0-9])[0-9](?:[ .\-]?[0-9]){8}(?![0-9])")
#: What a masked nine-digit number reads as, everywhere (messages, reports, CSV files, headers).
MASK = "#########"
#: The pattern without look-arounds, for engines that lack them (polars): a superset of the matches.
NINE_DIGITS_LOOSE = r"[0-9](?:[ .\-]?[0-9]){8}"
#: A message longer than this is cut (no message needs more; a longer one quotes data).
MESSAGE_LIMIT = 2000


def mask_identifiers(text: str) -> str:
    """`text` with every nine-digit number (a possible BSN) replaced by `#########`."""
    return NINE_DIGITS.sub(MASK, str(text))


def has_identifier(text: str) -> bool:
    """Whether `text` holds a nine-digit number in any of the shapes `mask_identifiers` masks."""
    return NINE_DIGITS.search(str(text)) is not None


_DIGEST = re.compile(r"^[0-9a-f]{16,64}$")


def mask_data(value: Any) -> Any:
    """Every string in a JSON-like structure masked (keys too); hex digests (checksums) are left alone."""
    if isinstance(value, str):
        return value if _DIGEST.match(value) else mask_identifiers(value)
    if isinstance(value, dict):
        return {mask_data(k): mask_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_data(v) for v in value]
    return value


def safe_message(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A message as a user may see it: masked, and cut after `limit` characters (a longer one quotes data)."""
    masked = mask_identifiers(text)
    if len(masked) <= limit:
        return masked
    return masked[:limit].rstrip() + " ... (melding ingekort)"


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
