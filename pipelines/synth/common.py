"""Shared by the generator's modules: day numbers, random streams, vectorised draws.

Day numbers count from 1970-01-01 (numpy datetime64[D]); every random stage draws from its own
stream `default_rng([seed, stage])`, so changing one stage never shifts another.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

EPOCH = dt.date(1970, 1, 1)
YEAR = 365.2425
RUNNING = 10**7  # day number used for "no end date" inside the simulation


def to_day(d: dt.date) -> int:
    """Day number of a date (days since 1970-01-01)."""
    return (d - EPOCH).days


def stream(seed: int, stage: int) -> np.random.Generator:
    """One independent stream per stage: changing one stage never shifts another."""
    return np.random.default_rng([int(seed), stage])


def date_series(days: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)
    if null is not None and null.any():
        s = s.scatter(np.flatnonzero(null), None)
    return s


def str_series(values: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(values).astype(str), dtype=pl.String)
    if null is not None and null.any():
        s = s.scatter(np.flatnonzero(null), None)
    return s


def pick(rng: np.random.Generator, codes: tuple[str, ...], p, n: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(codes)[rng.choice(len(codes), size=n, p=p / p.sum())]


def year_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[Y]").astype(int) + 1970


def year_start(years: np.ndarray) -> np.ndarray:
    return (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def month_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_start(month_index: np.ndarray) -> np.ndarray:
    return np.asarray(month_index).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def poisson_events(rng, lo: np.ndarray, hi: np.ndarray, rate: np.ndarray | float):
    """Poisson events at `rate` per year inside [lo, hi] (inclusive days): (owner index, day)."""
    length = np.maximum(hi - lo + 1, 0)
    n = rng.poisson(np.asarray(rate) * length / YEAR)
    owner = np.repeat(np.arange(len(lo)), n)
    day = lo[owner] + np.floor(rng.random(len(owner)) * length[owner]).astype(np.int64)
    return owner, day


def subset_masks(rng, n: int, sizes: np.ndarray, k: int = 6) -> np.ndarray:
    """Random subsets of `sizes[i]` out of k items, as a boolean (n, k) matrix."""
    ranks = np.argsort(np.argsort(rng.random((n, k)), axis=1), axis=1)
    return ranks < sizes[:, None]
