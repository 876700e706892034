"""The Meedoen! pilot of ISD Bollenstreek: its target groups, participants and what the coaches arrange."""

from __future__ import annotations

import datetime as dt

import numpy as np

from pipelines.synth.common import YEAR, pick, to_day
from pipelines.synth.world import AANBIEDERS, Periods, World


def meedoen_participants(w: World, kb: Periods, rng) -> dict[str, np.ndarray]:
    """Meedoen! (ISD Bollenstreek, from 2019): 60-70 % of the four target groups of 1 March 2019 join."""
    empty = {
        "person": np.zeros(0, np.int64),
        "start": np.zeros(0, np.int64),
        "end": np.zeros(0, np.int64),
        "groups": np.zeros((0, 4), bool),
    }
    if not w.preset.meedoen:
        return empty
    groups = target_groups(w, kb, to_day(dt.date(2019, 3, 1)))
    any_group = groups["groups"].any(axis=1)
    cand = np.flatnonzero(any_group & (rng.random(len(groups["person"])) < 0.65))
    person = groups["person"][cand]
    start = to_day(dt.date(2019, 4, 1)) + rng.integers(0, 270, len(cand))
    b_end = groups["benefit_end"][cand]
    ok = start < b_end
    person, start, b_end, g = person[ok], start[ok], b_end[ok], groups["groups"][cand][ok]
    # guidance lasts 1 to 13 years (the pilot was continued after its evaluation), never past the benefit;
    # the draw is that of a 1-3 year pilot stretched, so the random streams after it stay as they were
    drawn = rng.integers(365, 1100, len(person))
    end = np.minimum(start + 365 + 6 * (drawn - 365), b_end)
    return {"person": person, "start": start, "end": end, "groups": g}


def pilot_provisions(meedoen: dict, rng) -> list[tuple[tuple, dict]]:
    """What the attention coaches arrange for Meedoen! participants.

    Drawn from its own random stream, so nothing else moves.

    About 65 % take up an activity (vrijwilligerswerk, dagbesteding, tegenprestatie) one to six months
    after joining, until their guidance ends; about 20 % get a bought-in trajectory of 2,000 euro
    (the pilot proposal).
    """
    person, start, end = meedoen["person"], meedoen["start"], meedoen["end"]
    n = len(person)
    out: list[tuple[tuple, dict]] = []
    act = np.flatnonzero(rng.random(n) < 0.65)
    a_start = start[act] + rng.integers(30, 181, len(act))
    ok = a_start < end[act]
    act, a_start = act[ok], a_start[ok]
    soort = pick(rng, ("vrijwilligerswerk", "dagbesteding", "tegenprestatie"), (0.4, 0.2, 0.4), len(act))
    aanbieder = np.asarray(AANBIEDERS, dtype=object)[rng.integers(0, len(AANBIEDERS), len(act))]
    out.append(((person[act], soort, a_start, end[act]), {"aanbieder": aanbieder}))
    tr = np.flatnonzero(rng.random(n) < 0.20)
    t_start = start[tr] + rng.integers(30, 271, len(tr))
    t_end = t_start + rng.integers(90, 271, len(tr))
    aanbieder = np.asarray(AANBIEDERS, dtype=object)[rng.integers(0, len(AANBIEDERS), len(tr))]
    out.append(
        (
            (person[tr], "training", t_start, t_end),
            {"aanbieder": aanbieder, "kosten": np.full(len(tr), 2000.0)},
        )
    )
    return out


def target_groups(w: World, kb: Periods, t: int) -> dict[str, np.ndarray]:
    """The Meedoen! target groups (of the pilot proposal) on day `t` among persons with a running benefit."""
    assert w.kids is not None and w.niet_westers is not None and w.huisvesting is not None, "traits not set"
    b = w.pb_benefit
    run = (w.b_start[b] <= t) & (w.b_end[b] >= t)
    pb = np.flatnonzero(run)
    person = w.pb_person[pb]
    five = w.b_start[b][pb] <= t - int(5 * YEAR)
    leef = w.b_leefvorm[b][pb]
    kids = (leef == "2") | ((leef == "3") & (w.kids[person] > 0))
    age = (t - w.p_birth[person]) / YEAR
    g1 = kids & five
    g2 = (leef == "1") & (age >= 56) & five
    nw = w.niet_westers[person]
    g3 = nw & five
    on = (kb.start <= t) & (kb.end >= t) & (kb.trede == 1)
    rung1 = np.zeros(len(w.pb_person), bool)
    rung1[kb.pb[on]] = True
    g4 = rung1[pb] & (w.huisvesting[b][pb] != "4")
    _, first = np.unique(person, return_index=True)
    return {
        "person": person[first],
        "benefit_end": w.b_end[b][pb][first],
        "groups": np.stack([g1, g2, g3, g4], axis=1)[first],
    }
