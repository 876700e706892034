"""Kaplan-Meier (lifelines) and the Aalen-Johansen incidence computed from it, on hand-sized data."""

import warnings

import numpy as np
import polars as pl
import pytest

from pipelines.survival import counts_per_day, kaplan_meier, median_duration, value_at


def curve(durations, outcomes):
    return kaplan_meier(counts_per_day(pl.Series(durations), pl.Series(outcomes)))


def test_ties_events_before_censorings():
    # day 3: one event and one censoring; the censored spell is still at risk on day 3
    c = curve([2, 3, 3, 5], [1, 2, 0, 1])
    assert c["n_risico"].to_list() == [4, 3, 1]
    assert c["overleving"].to_list() == pytest.approx([3 / 4, 3 / 4 * 2 / 3, 0.0])
    assert c["ci_laag"][-1] is None and c["ci_hoog"][-1] is None  # S = 0: no interval


def test_aalen_johansen_equals_lifelines_without_ties():
    from lifelines import AalenJohansenFitter

    rng = np.random.default_rng(7)
    durations = rng.permutation(np.arange(1, 61))
    outcomes = rng.choice([0, 1, 2], size=60)
    ours = curve(durations, outcomes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ties: lifelines must not jitter
        aj = AalenJohansenFitter(calculate_variance=False).fit(durations, outcomes, event_of_interest=1)
    theirs = aj.cumulative_density_.iloc[:, 0]
    expected = [float(theirs.loc[t]) for t in ours["dag"].to_list()]
    assert ours["werk_cum"].to_list() == pytest.approx(expected, abs=1e-12)


def test_aalen_johansen_with_ties_is_exact_and_reproducible():
    # day 1: n 4, one to work and one other exit -> F = 1/4; day 2: S(2-) = 1/2, one of two to work -> + 1/4
    c = curve([1, 1, 2, 2], [1, 2, 1, 0])
    assert c["werk_cum"].to_list() == pytest.approx([0.25, 0.5])
    assert curve([1, 1, 2, 2], [1, 2, 1, 0]).equals(c)


def test_median_includes_a_curve_resting_exactly_on_one_half():
    c = curve([1, 2], [1, 1])  # S(1) = 0.5 exactly: lifelines' median_survival_time_ would say 2
    assert median_duration(c) == 1
    assert median_duration(curve([5, 6], [0, 0])) is None


def test_value_at_is_empty_beyond_the_longest_follow_up():
    c = curve([10, 400], [1, 0])
    assert value_at(c, "overleving", 365, followed=400) == pytest.approx(0.5)
    assert value_at(c, "overleving", 730, followed=400) is None
    assert value_at(c, "overleving", 5, followed=400) == 1.0
    assert value_at(c, "werk_cum", 5, followed=400) == 0.0
