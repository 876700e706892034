"""Keyed pseudonyms for the BSN, and masking of BSNs in anything a person reads.

The pseudonym is the full lowercase hex of HMAC-SHA256(key, bsn) (64 characters): with
the same key the same person gets the same pseudonym in every quarter, so deliveries link
up; without the key the BSN cannot be recovered by trying all 10^9 candidates.

The key comes from the environment variable `PARTICIPATIE_SLEUTEL`, else from a key file:
`$PARTICIPATIE_SLEUTELBESTAND` or `~/.config/participatie/sleutel`. A missing key file is
created on first use with 0600 permissions and a notice on stderr. A key file inside the
repository is refused (it would end up in git). Losing the key breaks the link between
quarters; the notice says so.

Masking: even part of a BSN is personal data, so reports show a BSN as `#########`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import operator
import os
import re
import secrets
import sys
from pathlib import Path

import polars as pl

from pipelines.errors import InputError
from pipelines.paths import ROOT

ENV_KEY = "PARTICIPATIE_SLEUTEL"
ENV_KEY_FILE = "PARTICIPATIE_SLEUTELBESTAND"
DEFAULT_KEY_FILE = Path("~/.config/participatie/sleutel")
MASK = "#########"
MIN_KEY_LENGTH = 16

_NINE_DIGITS = re.compile(r"^\d{9}$")


class PseudonymKeyError(InputError):
    """The pseudonymisation key cannot be used (too short, file inside the repository)."""


def key_file_path() -> Path:
    """Where the key file lives (outside the repository)."""
    raw = os.environ.get(ENV_KEY_FILE)
    return Path(raw).expanduser() if raw else DEFAULT_KEY_FILE.expanduser()


def _inside_repository(path: Path) -> bool:
    try:
        path.resolve().relative_to(ROOT.resolve())
    except ValueError:
        return False
    return True


def load_key(
    env_var: str | None = ENV_KEY,
    key_file: Path | None = None,
    *,
    what: str = "pseudonimiseringssleutel",
    create: bool = True,
    env_file_var: str = ENV_KEY_FILE,
) -> bytes:
    """A secret key: the environment variable first, else the key file (created with 0600 on first use).

    The defaults give the main key of ingest. A research project's key (`pipelines.research`) uses
    the same rules with its own variable and file; `create=False` refuses a missing file instead
    of making one (an explicitly named key file that is not there is a mistake, not a first use);
    `env_var=None` reads the file only.
    """
    raw = os.environ.get(env_var) if env_var else None
    if raw:
        key = raw.encode("utf-8")
    else:
        path = key_file_path() if key_file is None else Path(key_file).expanduser()
        if _inside_repository(path):
            raise PseudonymKeyError(
                f"sleutelbestand {path} ligt in de repository ({ROOT}); kies een pad daarbuiten "
                f"via {env_file_var}, anders komt de sleutel in git terecht"
            )
        if not path.exists():
            if not create:
                raise PseudonymKeyError(f"geen {what}: het sleutelbestand {path} bestaat niet")
            _create_key_file(path, what)
        try:
            key = path.read_text(encoding="utf-8").strip().encode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = type(exc).__name__
            raise PseudonymKeyError(f"het sleutelbestand {path} is niet leesbaar ({reason})") from exc
    if len(key) < MIN_KEY_LENGTH:
        raise PseudonymKeyError(f"de {what} is te kort (minimaal {MIN_KEY_LENGTH} tekens)")
    return key


def _create_key_file(path: Path, what: str) -> None:
    """A new random key in `path`, readable by its owner only, with a notice on stderr."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise PseudonymKeyError(
            f"geen {what}: het sleutelbestand {path} kan niet worden aangemaakt ({type(exc).__name__})"
        ) from exc
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    print(
        f"participatie: nieuwe {what} aangemaakt in {path} (rechten 0600). "
        "Bewaar dit bestand veilig en gebruik het elk kwartaal opnieuw: met een andere sleutel "
        "krijgen dezelfde personen andere pseudoniemen en sluiten kwartalen niet meer op elkaar aan.",
        file=sys.stderr,
    )


def key_fingerprint(key: bytes) -> str:
    """A short public identifier of the key (for ingest.json): shows whether two runs used the same key."""
    return hmac.new(key, b"participatie-sleutel-vingerafdruk", hashlib.sha256).hexdigest()[:16]


def pseudonymise_values(values: list[str | None], key: bytes) -> list[str | None]:
    """HMAC-SHA256 hex of each value (None stays None); hashes each distinct value once."""
    cache: dict[str, str] = {}
    out: list[str | None] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        digest = cache.get(value)
        if digest is None:
            digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
            cache[value] = digest
        out.append(digest)
    return out


def pseudonymise(series: pl.Series, key: bytes) -> pl.Series:
    """A String series of BSNs (or other identifiers) as keyed pseudonyms, each distinct value hashed once."""
    unique = series.drop_nulls().unique(maintain_order=True)
    mapping = pl.DataFrame(
        {"_bsn": unique, "_ps": pseudonymise_values(unique.to_list(), key)},
        schema={"_bsn": pl.String, "_ps": pl.String},
    )
    frame = pl.DataFrame({"_bsn": series.cast(pl.String)})
    return frame.join(mapping, on="_bsn", how="left", maintain_order="left")["_ps"].rename(series.name)


def elfproef_expr(column: str) -> pl.Expr:
    """True when a value is nine digits passing the elfproef (weights 9..2, -1; sum divisible by 11).

    Null stays null, so the `verplicht` rule (not this one) reports a missing BSN.
    """
    col = pl.col(column).cast(pl.String)
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    digits = [col.str.slice(i, 1).cast(pl.Int64, strict=False) for i in range(9)]
    # a plain sum: a character that is not a digit makes the total null (fill_null(1) then fails it)
    total = functools.reduce(operator.add, [w * d for w, d in zip(weights, digits, strict=True)])
    well_formed = col.str.contains(r"^\d{9}$")
    return pl.when(col.is_null()).then(None).otherwise(well_formed & (total.fill_null(1) % 11 == 0))


def elfproef(value: str) -> bool:
    """The elfproef on one string (for tests and the generator)."""
    if not _NINE_DIGITS.match(value):
        return False
    total = sum(w * int(d) for w, d in zip((9, 8, 7, 6, 5, 4, 3, 2, -1), value, strict=False))
    return total % 11 == 0


def mask_expr(column: str) -> pl.Expr:
    """`mask_value` as a polars expression (for whole columns of report values)."""
    col = pl.col(column)
    return pl.when(col.str.contains(r"^\s*\d{9}\s*$")).then(pl.lit(MASK)).otherwise(col).alias(column)


def mask_value(value: str | None) -> str | None:
    """Anything that looks like a BSN (nine digits) is shown as `#########`."""
    if value is None:
        return None
    return MASK if _NINE_DIGITS.match(value.strip()) else value
