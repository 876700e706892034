"""LKS terms for many peildata at once against the definition date by date, on random provisions."""

import datetime as dt

import numpy as np
import polars as pl

from pipelines.kpi.base import PEILDATUM
from pipelines.kpi.lks import covered_days_each

D = dt.date
DATES = [D(2015, 12, 31), D(2019, 12, 31), D(2020, 3, 31), D(2021, 6, 30), D(2023, 12, 31), D(2024, 3, 31)]


def _covered_one_date(rows: list[tuple], b: dt.date) -> dict[str, tuple[int, dt.date]]:
    """Per person running a provision on `b`: the days covered up to `b` by the union of their provisions
    and the first day covered, by listing the days.
    """
    running = {p for p, s, e in rows if s is not None and s <= b and (e is None or e >= b)}
    out = {}
    for person in sorted(running):
        days = set()
        for p, s, e in rows:
            if p == person and s is not None and s <= b:
                last = b if e is None else min(e, b)
                days.update(s + dt.timedelta(days=i) for i in range((last - s).days + 1))
        out[person] = (len(days), min(days))
    return out


def test_covered_days_each_is_the_union_of_days_per_date():
    """Overlapping, nested, adjacent (the next starts the day after, or on the end day) and one-day
    provisions, running ones, ones without start, dates before any provision.
    """
    rng = np.random.default_rng(5)
    rows = []
    for p in range(60):
        for _ in range(int(rng.integers(1, 5))):
            start = D(2016, 1, 1) + dt.timedelta(days=int(rng.integers(0, 2800)))
            end = (
                None
                if rng.random() < 0.2
                else start + dt.timedelta(days=int(rng.choice([0, 1, 90, 400, 800])))
            )
            rows.append((f"P{p:02d}", start, end))
        if p % 10 == 0:  # the next provision starts the day after the last one ends
            last = max((e for q, _, e in rows if q == f"P{p:02d}" and e is not None), default=None)
            if last is not None:
                rows.append((f"P{p:02d}", last + dt.timedelta(days=1), last + dt.timedelta(days=30)))
                rows.append(
                    (f"P{p:02d}", last + dt.timedelta(days=30), last + dt.timedelta(days=90))
                )  # same day
    rows.append(("P00", None, D(2020, 1, 1)))
    frame = pl.DataFrame(
        {
            "persoon": [r[0] for r in rows],
            "soort": "jobcoach",
            "begindatum": pl.Series([r[1] for r in rows], dtype=pl.Date),
            "einddatum": pl.Series([r[2] for r in rows], dtype=pl.Date),
        }
    )
    frame = pl.concat([frame, frame.head(5).with_columns(pl.lit("ggz").alias("soort"))])  # another kind
    got = covered_days_each(frame, "jobcoach", DATES).collect()
    want = [
        (person, b, n, first)
        for b in sorted(DATES)
        for person, (n, first) in _covered_one_date(rows, b).items()
    ]
    assert len(want) > 50
    assert got.select("persoon", PEILDATUM, "dagen", "begin").rows() == want
