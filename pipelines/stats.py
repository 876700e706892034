"""Small statistics shared by the KPI engine and the notebooks: Wilson intervals, half-up rounding.

The Wilson score interval is used for every percentage in kpis.csv because it stays inside
0-100 % and behaves on small numerators, where the normal approximation does not
(Wilson 1927; Brown, Cai & DasGupta 2001 recommend it for n < 40 and beyond).
"""

from __future__ import annotations

import math

import polars as pl

#: The two-sided 95 % normal quantile.
Z95 = 1.959963984540054


def wilson(teller: float, noemer: float, z: float = Z95) -> tuple[float, float] | None:
    """95 % Wilson interval of a proportion `teller / noemer`, as fractions; None when `noemer` is 0."""
    if noemer is None or teller is None or noemer <= 0:
        return None
    p = teller / noemer
    z2 = z * z
    denom = 1.0 + z2 / noemer
    centre = (p + z2 / (2.0 * noemer)) / denom
    half = z * math.sqrt(p * (1.0 - p) / noemer + z2 / (4.0 * noemer * noemer)) / denom
    low = 0.0 if teller <= 0 else max(0.0, centre - half)
    high = 1.0 if teller >= noemer else min(1.0, centre + half)
    return low, high


def wilson_exprs(
    teller: pl.Expr, noemer: pl.Expr, z: float = Z95, scale: float = 100.0
) -> tuple[pl.Expr, pl.Expr]:
    """The same interval as polars expressions (lower, upper), times `scale`; null when `noemer` is 0."""
    n = noemer.cast(pl.Float64)
    p = teller.cast(pl.Float64) / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom
    valid = n > 0
    # The bounds are exactly 0 and 1 at p = 0 and p = 1 (the formula gives them up to rounding).
    t = teller.cast(pl.Float64)
    low = pl.when(valid).then(pl.when(t <= 0).then(0.0).otherwise((centre - half).clip(0.0, 1.0)) * scale)
    high = pl.when(valid).then(pl.when(t >= n).then(1.0).otherwise((centre + half).clip(0.0, 1.0)) * scale)
    return low, high


def round_half_up_ratio(numerator: int, denominator: int) -> int:
    """`round_half_up(numerator / denominator)` in exact integer arithmetic (no float ties)."""
    if denominator <= 0:
        raise ValueError("noemer moet positief zijn")
    return (2 * numerator + denominator) // (2 * denominator)


def round_half_up_ratio_expr(numerator: pl.Expr, denominator: int) -> pl.Expr:
    """The same as a polars expression on an integer column and a positive integer constant."""
    return (2 * numerator.cast(pl.Int64) + denominator) // (2 * denominator)
