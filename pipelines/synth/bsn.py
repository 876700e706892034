"""Synthetic BSNs: valid under the elfproef, from a range no real person has (docs/synth.md)."""

from __future__ import annotations

import numpy as np

from pipelines.errors import InputError

_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2])
BSN_PREFIX_LOW = 98_000_000  # the first eight digits are drawn from 98000000-99999999
BSN_PREFIXES = 2_000_000


def elfproef(bsn: str) -> bool:
    """The BSN check: weights 9..2 on digits 1-8 and -1 on digit 9, sum divisible by 11."""
    if len(bsn) != 9 or not bsn.isdigit():
        return False
    digits = [int(c) for c in bsn]
    return (sum(w * d for w, d in zip(_WEIGHTS, digits[:8], strict=True)) - digits[8]) % 11 == 0


def draw_bsns(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` distinct valid BSNs from the synthetic range 980000000-999999999 (docs/synth.md)."""
    pool = BSN_PREFIXES
    take = min(pool, int(n * 1.15) + 50)
    prefixes = BSN_PREFIX_LOW + rng.choice(pool, size=take, replace=False)
    digits = (prefixes[:, None] // (10 ** np.arange(7, -1, -1))) % 10
    check = (digits * _WEIGHTS).sum(axis=1) % 11
    valid = check <= 9
    numbers = (prefixes * 10 + check)[valid]
    if len(numbers) < n:
        raise InputError(
            f"de synthetische BSN-reeks is te klein voor {n} personen (maximaal ongeveer 1,8 miljoen)"
        )
    return np.char.zfill(numbers[:n].astype(str), 9)
