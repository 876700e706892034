"""Keyed pseudonyms for the BSN, and masking of BSNs in anything a person reads.

The pseudonym is the full lowercase hex of HMAC-SHA256(key, bsn) (64 characters): with
the same key the same person gets the same pseudonym in every quarter, so deliveries link
up; without the key the BSN cannot be recovered by trying all 10^9 candidates.

The key comes from the environment variable `PARTICIPATIE_SLEUTEL`, else from a key file:
`$PARTICIPATIE_SLEUTELBESTAND` or `~/.config/participatie/sleutel`. A missing key file is
created on first use with 0600 permissions and a notice on stderr. A key file inside the
repository is refused (it would end up in git). Losing the key breaks the link between
quarters; the notice says so.

Masking: even part of a BSN is personal data, so reports show a BSN as `#########`. The rule is
`pipelines.errors.mask_identifiers` (every nine-digit number, also `999 720 466` or `983938258,00`,
anywhere in a text); `mask_expr` and `mask_frame` apply that same rule to columns and frames.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import operator
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl

from pipelines.errors import MASK, NINE_DIGITS, NINE_DIGITS_LOOSE, InputError, mask_identifiers
from pipelines.paths import ROOT
from pipelines.schema import PERSON_COLUMN

ENV_KEY = "PARTICIPATIE_SLEUTEL"
ENV_KEY_FILE = "PARTICIPATIE_SLEUTELBESTAND"
DEFAULT_KEY_FILE = Path("~/.config/participatie/sleutel")
__all__ = ["MASK", "mask_expr", "mask_frame", "mask_value"]
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
        if path.is_dir():
            raise PseudonymKeyError(
                f"sleutelbestand {path} is een map, geen bestand; geef via {env_file_var} het pad van het "
                "sleutelbestand zelf"
            )
        if not path.exists():
            if not create:
                raise PseudonymKeyError(f"geen {what}: het sleutelbestand {path} bestaat niet")
            _create_key_file(path, what, env_var, env_file_var)
        _refuse_open_permissions(path)
        try:
            key = path.read_text(encoding="utf-8").strip().encode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise PseudonymKeyError(f"het sleutelbestand {path} is niet leesbaar ({reason})") from None
    if len(key) < MIN_KEY_LENGTH:
        raise PseudonymKeyError(f"de {what} is te kort (minimaal {MIN_KEY_LENGTH} tekens)")
    return key


def _refuse_open_permissions(path: Path) -> None:
    """A key file others can read is refused: with the key anyone can link pseudonyms to BSNs."""
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        print(
            f"participatie: waarschuwing: sleutelbestand {path} is leesbaar voor anderen "
            f"(rechten {mode:04o})",
            file=sys.stderr,
        )
        raise PseudonymKeyError(
            f"sleutelbestand {path} heeft rechten {mode:04o}: anderen kunnen de sleutel lezen; "
            f"beperk ze tot de eigenaar met `chmod 600 {path}` en start opnieuw"
        )


def _create_key_file(path: Path, what: str, env_var: str | None, env_file_var: str) -> None:
    """A new random key in `path`, readable by its owner only, with a notice on stderr."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        via = f"via {env_var} of " if env_var else ""
        raise PseudonymKeyError(
            f"geen {what}: het sleutelbestand {path} kan niet worden aangemaakt "
            f"({exc.strerror or type(exc).__name__}); geef de sleutel {via}een schrijfbaar pad via "
            f"{env_file_var}"
        ) from None
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


def _hmac_sha256_hex(key: bytes) -> Callable[[bytes], str]:
    """HMAC-SHA256 (RFC 2104) as a function of the message, its keyed inner and outer states made once.

    The same digest as `hmac.new(key, message, sha256).hexdigest()` (a test holds them equal) at less
    than half the cost per value: only the two state copies and the message are hashed per call.
    """
    block = 64
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digest(message: bytes) -> str:
        i = inner.copy()
        i.update(message)
        o = outer.copy()
        o.update(i.digest())
        return o.hexdigest()

    return digest


def pseudonymise_values(values: list[str | None], key: bytes) -> list[str | None]:
    """HMAC-SHA256 hex of each value (None stays None); hashes each distinct value once."""
    digest = _hmac_sha256_hex(key)
    cache: dict[str, str] = {}
    out: list[str | None] = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        hexed = cache.get(value)
        if hexed is None:
            hexed = cache[value] = digest(value.encode("utf-8"))
        out.append(hexed)
    return out


#: Helper column: the number of a row's BSN in the delivery's `pseudonym_table` (one per distinct BSN,
#: so equal numbers mean equal pseudonyms); person sets in the validation use it instead of 64 characters.
PERSON_ID = "_persoon_nr"


def pseudonym_table(columns: Iterable[pl.Series], key: bytes) -> pl.DataFrame:
    """`_bsn -> _ps` (pseudonym), `_elfproef` and `PERSON_ID` for every distinct value in `columns`.

    Made once for all tables of a delivery: each BSN is hashed and checked once, not once per row.
    """
    parts = [s.cast(pl.String).drop_nulls().unique() for s in columns]
    unique = pl.concat(parts).unique() if parts else pl.Series([], dtype=pl.String)
    digest = _hmac_sha256_hex(key)
    return pl.DataFrame(
        {"_bsn": unique, "_ps": [digest(v.encode("utf-8")) for v in unique.to_list()]},
        schema={"_bsn": pl.String, "_ps": pl.String},
    ).with_columns(
        elfproef_expr("_bsn").alias("_elfproef"), pl.int_range(pl.len(), dtype=pl.UInt32).alias(PERSON_ID)
    )


def with_pseudonym(frame: pl.DataFrame, table: pl.DataFrame, column: str = "bsn") -> pl.DataFrame:
    """`frame` with `persoon`, `_elfproef` and `PERSON_ID` of its BSN from a `pseudonym_table`."""
    looked_up = frame.select(pl.col(column).cast(pl.String).alias("_bsn")).join(
        table, on="_bsn", how="left", maintain_order="left"
    )
    return frame.with_columns(
        looked_up.get_column("_ps").alias(PERSON_COLUMN),
        looked_up.get_column("_elfproef").alias("_elfproef"),
        looked_up.get_column(PERSON_ID).alias(PERSON_ID),
    )


def pseudonymise(series: pl.Series, key: bytes, table: pl.DataFrame | None = None) -> pl.Series:
    """A String series of BSNs (or other identifiers) as keyed pseudonyms, each distinct value hashed once.

    `table` (`pseudonym_table`): the mapping made once for a whole delivery; it must hold every value.
    """
    mapping = table if table is not None else pseudonym_table([series], key)
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


def _mask_series(series: pl.Series) -> pl.Series:
    """`mask_identifiers` on the values that may hold a nine-digit number (a cheap polars pre-filter)."""
    text = series.cast(pl.String)
    suspect = text.str.contains(NINE_DIGITS_LOOSE).fill_null(False)
    if not suspect.any():
        return text
    distinct = text.filter(suspect).unique().to_list()
    masked = {value: mask_identifiers(value) for value in distinct}
    return (
        pl.DataFrame({"v": text, "s": suspect})
        .select(
            pl.when(pl.col("s"))
            .then(pl.col("v").replace_strict(masked, default=pl.col("v"), return_dtype=pl.String))
            .otherwise(pl.col("v"))
        )
        .to_series()
        .rename(series.name)
    )


def mask_expr(column: str) -> pl.Expr:
    """`mask_identifiers` on every value of a String column (null stays null)."""
    return pl.col(column).map_batches(_mask_series, return_dtype=pl.String).alias(column)


def mask_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every String column of `frame` masked: what a written report file must be."""
    return frame.with_columns([mask_expr(c) for c, t in frame.schema.items() if t == pl.String])


def identifier_token(digits: str, key: bytes) -> str:
    """A nine-digit number inside a kept text (a record number that is a BSN) as a keyed token.

    `#` plus 12 hex characters of HMAC-SHA256(key, "tekst:" + digits): the same number gives the same
    token, so joins and counts on the column still work; the number itself cannot be read back.
    """
    clean = "".join(ch for ch in digits if ch.isdigit())
    return "#" + hmac.new(key, b"tekst:" + clean.encode("ascii"), hashlib.sha256).hexdigest()[:12]


def scrub_identifiers(frame: pl.DataFrame, columns: list[str], key: bytes) -> pl.DataFrame:
    """Every nine-digit number inside the text `columns` replaced by `identifier_token` (clean data)."""

    def scrub(series: pl.Series) -> pl.Series:
        suspect = series.str.contains(NINE_DIGITS_LOOSE).fill_null(False)
        if not suspect.any():
            return series
        mapping = {
            v: NINE_DIGITS.sub(lambda m: identifier_token(m.group(0), key), v)
            for v in series.filter(suspect).unique().to_list()
        }
        return series.replace_strict(mapping, default=series, return_dtype=pl.String)

    present = [c for c in columns if c in frame.columns and frame.schema[c] == pl.String]
    return frame.with_columns([pl.col(c).map_batches(scrub, return_dtype=pl.String) for c in present])


def mask_value(value: str | None) -> str | None:
    """One value masked (None stays None)."""
    return None if value is None else mask_identifiers(value)
