"""Survival in assistance: Kaplan-Meier with exponential-Greenwood intervals, and the cumulative
incidence of outflow to work with other exits as a competing risk (Aalen-Johansen).

../shared/spec/research.md ("Inflow cohorts and survival"). Durations are whole days; at a tie,
events come before censorings (a spell censored on day `t` is still at risk on day `t`).

The Kaplan-Meier curve and its interval come from lifelines (`KaplanMeierFitter`, exponential
Greenwood, the log(-log) interval). Spells are first counted per (day, outcome) and handed to it as
integer weights: the same estimator, a few thousand rows instead of one per spell.

The cumulative incidence is computed here from that fit, `F(t) = sum over t_i <= t of S(t_i-) d_i / n_i`
(Aalen-Johansen). lifelines' `AalenJohansenFitter` computes the same sum, but first moves tied times
of different outcomes apart by a random jitter, with a warning: with durations in days ties are the
rule, and the result would change from run to run. The estimator needs no jitter; a test holds this
sum against `AalenJohansenFitter` on data without ties.

lifelines (with scipy, pandas and autograd) takes seconds to import, so it is imported by the function
that fits, not by every process that loads the KPI families.
"""

from __future__ import annotations

import numpy as np
import polars as pl

#: Outcome codes of a spell: still running or ended by AOW/death, outflow to work, another exit.
GECENSUREERD, WERK, ANDERS = 0, 1, 2

CURVE_SCHEMA: dict[str, pl.DataType] = {
    "dag": pl.Int64(),
    "n_risico": pl.Int64(),
    "uitstroom": pl.Int64(),
    "gecensureerd": pl.Int64(),
    "overleving": pl.Float64(),
    "ci_laag": pl.Float64(),
    "ci_hoog": pl.Float64(),
    "werk_cum": pl.Float64(),
}


def counts_per_day(durations: pl.Series, outcomes: pl.Series) -> pl.DataFrame:
    """`dag, uitkomst, aantal`: how many spells end (or are censored) on each day with each outcome."""
    frame = pl.DataFrame({"dag": durations.cast(pl.Int64), "uitkomst": outcomes.cast(pl.Int8)})
    return frame.group_by("dag", "uitkomst").len("aantal").sort("dag", "uitkomst")


def kaplan_meier(counts: pl.DataFrame, alpha: float = 0.05) -> pl.DataFrame:
    """The curve at every day on which a spell leaves observation (columns `CURVE_SCHEMA`).

    `counts`: `dag, uitkomst, aantal` as `counts_per_day` gives. `overleving` is S(t) just after day
    `t`, `ci_laag`/`ci_hoog` its exponential-Greenwood interval (null where S is 0 or 1: the interval is
    a point there), `werk_cum` the cumulative incidence of outflow to work.
    """
    if counts.is_empty() or int(counts.get_column("aantal").sum()) == 0:
        return pl.DataFrame(schema=CURVE_SCHEMA)
    from lifelines import KaplanMeierFitter

    days = counts.get_column("dag").to_numpy()
    outcome = counts.get_column("uitkomst").to_numpy()
    weights = counts.get_column("aantal").to_numpy()
    km = KaplanMeierFitter(alpha=alpha).fit(days, event_observed=outcome != GECENSUREERD, weights=weights)
    table = km.event_table
    keep = table["removed"].to_numpy() > 0
    times = table.index.to_numpy()[keep]
    survival = km.survival_function_.iloc[:, 0].to_numpy()[keep]
    ci = km.confidence_interval_survival_function_
    low, high = ci.iloc[:, 0].to_numpy()[keep], ci.iloc[:, 1].to_numpy()[keep]
    at_risk = table["at_risk"].to_numpy()[keep]
    events = table["observed"].to_numpy()[keep]
    censored = table["censored"].to_numpy()[keep]
    # outflow to work per day of the curve (a day with such an exit is a day on which spells leave)
    to_work = (outcome == WERK) & (weights > 0)
    d_work = np.zeros(len(times), dtype=float)
    np.add.at(d_work, np.searchsorted(times, days[to_work]), weights[to_work])
    before = np.concatenate([[1.0], survival[:-1]])
    cumulative = np.cumsum(before * d_work / at_risk)
    point = (survival <= 0.0) | (survival >= 1.0)
    return pl.DataFrame(
        {
            "dag": times.astype(np.int64),
            "n_risico": np.rint(at_risk).astype(np.int64),
            "uitstroom": np.rint(events).astype(np.int64),
            "gecensureerd": np.rint(censored).astype(np.int64),
            "overleving": survival.astype(float),
            "ci_laag": np.where(point, np.nan, low),
            "ci_hoog": np.where(point, np.nan, high),
            "werk_cum": cumulative,
        },
        schema=CURVE_SCHEMA,
    ).with_columns(pl.col("ci_laag").fill_nan(None), pl.col("ci_hoog").fill_nan(None))


def value_at(curve: pl.DataFrame, column: str, t: int, followed: int) -> float | None:
    """The step function `column` at day `t`; None when no spell was followed `t` days (`followed < t`)."""
    if followed < t:
        return None
    upto = curve.get_column("dag").search_sorted(t, side="right")  # days up to `t` (the curve is sorted)
    if upto == 0:
        return 1.0 if column == "overleving" else 0.0
    return float(curve.get_column(column)[int(upto) - 1])


def median_duration(curve: pl.DataFrame) -> int | None:
    """The smallest day with S(t) <= 0.5 (None when the curve does not get there).

    lifelines' `median_survival_time_` looks for S(t) < 0.5 and gives `inf` where the curve rests
    exactly on 0.5; the definition here includes it.
    """
    reached = np.flatnonzero(curve.get_column("overleving").to_numpy() <= 0.5 + 1e-12)
    return int(curve.get_column("dag")[int(reached[0])]) if reached.size else None
