"""The simulated population: households, their benefit spells over decades, and the world built from them.

Households enter assistance uniformly over SIMULATION_YEARS (inflow, duration, outflow by CBS reason,
AOW age, re-entry); the households with history in the export window are kept, and every table is
derived from the resulting `World`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.synth.bsn import draw_bsns
from pipelines.synth.common import RUNNING, YEAR, pick, stream, to_day, year_of
from pipelines.synth.presets import PRESETS, Preset, get_preset

DEFAULT_EXTRACTIEDATUM = dt.date(2024, 10, 15)
HISTORY_YEARS = 10  # levering.gegevens_vanaf lies this many years before the extraction
SIMULATION_YEARS = 47  # inflow is simulated this far back, so long-term clients exist


def _aow_age(year: np.ndarray) -> np.ndarray:
    """AOW age (years) by the year it is reached: 65 until 2012, 67 from 2024 (simplified steps)."""
    table = {
        2013: 65 + 1 / 12,
        2014: 65 + 2 / 12,
        2015: 65.25,
        2016: 65.5,
        2017: 65.75,
        2018: 66.0,
        2019: 66 + 4 / 12,
        2020: 66 + 4 / 12,
        2021: 66 + 4 / 12,
        2022: 66 + 7 / 12,
        2023: 66 + 10 / 12,
    }
    out = np.where(year <= 2012, 65.0, 67.0)
    for y, age in table.items():
        out = np.where(year == y, age, out)
    return out


@dataclass
class _Spells:
    """Households and their benefit periods (day numbers; RUNNING = no end)."""

    n_hh: int
    hh_size: np.ndarray
    hh_leefvorm: np.ndarray
    hh_gemeente: np.ndarray
    birth: np.ndarray  # (n_hh, 2): head, partner
    b_hh: np.ndarray
    b_start: np.ndarray
    b_end: np.ndarray
    b_reason: np.ndarray
    b_long: np.ndarray


def _simulate(preset: Preset, n_hh: int, rng: np.random.Generator, e: int, g: int) -> _Spells:
    """Households entering assistance uniformly over SIMULATION_YEARS, with up to two re-entries."""
    h0 = e - int(SIMULATION_YEARS * YEAR)
    start = rng.integers(h0, e + 1, n_hh)
    u = rng.random(n_hh)
    age = np.where(
        u < 0.22,
        rng.uniform(18, 27, n_hh),
        np.where(u < 0.64, rng.uniform(27, 45, n_hh), rng.uniform(45, 64, n_hh)),
    )
    leefvorm = pick(
        rng,
        ("1", "2", "3", "4"),
        (1 - preset.koppel - preset.ouder - 0.03, preset.ouder, preset.koppel, 0.03),
        n_hh,
    )
    size = np.where(leefvorm == "3", 2, 1)
    partner_age = np.clip(age + rng.normal(0, 4, n_hh), 18, 64.5)
    birth = np.stack([start - np.round(age * YEAR), start - np.round(partner_age * YEAR)], axis=1).astype(
        np.int64
    )
    birth_year = year_of(birth)
    aow = np.round(birth + _aow_age(birth_year + 66) * YEAR).astype(np.int64)
    aow_hh = np.where(size == 2, aow.min(axis=1), aow[:, 0])
    gemeente = pick(rng, tuple(preset.gemeenten), tuple(preset.gemeenten.values()), n_hh)

    age_factor = np.where(age < 27, 0.7, np.where(age < 45, 1.0, 1.5))
    hh_ids, starts, ends, reasons, longs = [], [], [], [], []
    cur_hh = np.arange(n_hh)
    cur_start = start
    for generation in range(3):
        n = len(cur_hh)
        long = rng.random(n) < np.clip(
            preset.lang * age_factor[cur_hh] * (0.8 if generation else 1.0), 0, 0.95
        )
        years = np.where(
            long, rng.exponential(preset.lang_jaren, n), rng.gamma(2.0, preset.kort_jaren / 2, n)
        )
        end = cur_start + np.maximum(np.round(years * YEAR).astype(np.int64), 14)
        reason = _end_reasons(rng, preset, long, n)
        at_aow = end >= aow_hh[cur_hh]
        end = np.where(at_aow, aow_hh[cur_hh] - 1, end)
        reason = np.where(at_aow, "03", reason)
        running = end > e
        end = np.where(running, RUNNING, end)
        reason = np.where(running, "", reason)
        hh_ids.append(cur_hh)
        starts.append(cur_start)
        ends.append(end)
        reasons.append(reason)
        longs.append(long)
        again = (~running) & ~np.isin(reason, ("03", "04", "07", "33")) & (rng.random(n) < 0.20)
        soon = rng.random(n) < 0.45
        gap = np.where(soon, rng.integers(1, 29, n), rng.integers(60, 1500, n))
        nxt = end + gap + 1
        keep = again & (nxt <= e) & (nxt < aow_hh[cur_hh] - 30)
        cur_hh, cur_start = cur_hh[keep], nxt[keep]
        if not len(cur_hh):
            break
    b_hh = np.concatenate(hh_ids)
    b_start = np.concatenate(starts)
    b_end = np.concatenate(ends)
    b_reason = np.concatenate(reasons)
    b_long = np.concatenate(longs)
    in_window = b_end >= g
    return _Spells(
        n_hh,
        size,
        leefvorm,
        gemeente,
        birth,
        b_hh[in_window],
        b_start[in_window],
        b_end[in_window],
        b_reason[in_window],
        b_long[in_window],
    )


_REASON_GROUPS = {
    "werk": (("11", "13"), (0.88, 0.12)),
    "inkomen": (("14", "15", "17", "18", "19"), (0.30, 0.20, 0.10, 0.05, 0.35)),
    "omstandigheden": (("01", "02", "04", "05", "06", "07"), (0.18, 0.37, 0.10, 0.05, 0.05, 0.25)),
    "administratief": (
        ("31", "32", "33", "34", "35", "97", "98"),
        (0.15, 0.35, 0.10, 0.10, 0.05, 0.05, 0.20),
    ),
}


def _end_reasons(rng, preset: Preset, long: np.ndarray, n: int) -> np.ndarray:
    """CBS reason of ending: short spells end to work more often than long ones."""
    p_work = np.where(long, preset.werk * 0.45, np.minimum(preset.werk * 1.25, 0.8))
    rest = 1 - p_work
    u = rng.random(n)
    group = np.where(
        u < p_work, 0, np.where(u < p_work + rest * 0.30, 1, np.where(u < p_work + rest * 0.55, 2, 3))
    )
    out = np.empty(n, dtype="<U2")
    for i, (codes, probs) in enumerate(_REASON_GROUPS.values()):
        sel = group == i
        out[sel] = pick(rng, codes, probs, int(sel.sum()))
    return out


@functools.lru_cache(maxsize=32)
def _register_ratio(slug: str, e: int, g: int) -> tuple[float, float]:
    """Pilot run with a fixed seed: register persons per simulated household, and per stock person."""
    preset = PRESETS[slug]
    sp = _simulate(preset, 60_000, np.random.default_rng([0, 99]), e, g)
    kept = np.unique(sp.b_hh)
    persons = sp.hh_size[kept].sum()
    running = sp.b_end == RUNNING
    stock = sp.hh_size[np.unique(sp.b_hh[running])].sum()
    return persons / sp.n_hh, persons / max(stock, 1)


def natural_size(organisatie: str, extractiedatum: dt.date = DEFAULT_EXTRACTIEDATUM) -> int:
    """Register persons of the preset at its calibrated size (its `bestand` on assistance)."""
    preset = get_preset(organisatie)
    e, g = to_day(extractiedatum), to_day(gegevens_vanaf(extractiedatum))
    _, per_stock = _register_ratio(preset.slug, e, g)
    return round(preset.bestand * per_stock)


def _select_households(sp: _Spells, n_persons: int, rng) -> np.ndarray:
    """Households (random order) holding exactly `n_persons` persons; couples stay whole."""
    kept = np.unique(sp.b_hh)
    order = kept[rng.permutation(len(kept))]
    cum = np.cumsum(sp.hh_size[order])
    chosen = order[cum <= n_persons]
    short = n_persons - sp.hh_size[chosen].sum()
    if short:
        rest = order[cum > n_persons]
        singles = rest[sp.hh_size[rest] == 1][:short]
        chosen = np.concatenate([chosen, singles])
    if sp.hh_size[chosen].sum() != n_persons:
        raise RuntimeError("te weinig gesimuleerde huishoudens")  # the caller retries with more
    return np.sort(chosen)


@dataclass
class World:
    """Everything the table builders share: persons, benefits and person-benefit links."""

    preset: Preset
    e: int
    g: int
    # persons (index = person order = clientnummer order)
    p_hh: np.ndarray
    p_role: np.ndarray
    p_birth: np.ndarray
    p_bsn: np.ndarray
    p_gemeente: np.ndarray
    # benefits (in scope)
    b_hh: np.ndarray
    b_start: np.ndarray
    b_end: np.ndarray
    b_reason: np.ndarray
    b_long: np.ndarray
    b_regeling: np.ndarray
    b_leefvorm: np.ndarray
    b_regnr: np.ndarray
    # person-benefit links
    pb_person: np.ndarray
    pb_benefit: np.ndarray
    # person traits and benefit housing, set by generate_tables before the tables that need them
    niet_westers: np.ndarray | None = None
    kids: np.ndarray | None = None
    huisvesting: np.ndarray | None = None


def build_world(preset: Preset, n_persons: int, seed: int, e: int, g: int) -> World:
    per_hh, _ = _register_ratio(preset.slug, e, g)
    factor = 1.25
    for _attempt in range(6):
        n_hh = math.ceil(n_persons * factor / per_hh) + 200
        sp = _simulate(preset, n_hh, stream(seed, 1), e, g)
        try:
            chosen = _select_households(sp, n_persons, stream(seed, 2))
            break
        except RuntimeError:
            factor *= 1.5
    else:
        raise RuntimeError("kon niet genoeg huishoudens simuleren")
    keep = np.isin(sp.b_hh, chosen)
    b_hh_old = sp.b_hh[keep]
    b_start, b_end = sp.b_start[keep], sp.b_end[keep]
    b_reason, b_long = sp.b_reason[keep], sp.b_long[keep]
    # household order = order of first benefit start (then simulation index): clientnummer order
    first = pl.DataFrame({"hh": b_hh_old, "s": b_start}).group_by("hh").agg(pl.col("s").min()).sort("s", "hh")
    hh_order = first["hh"].to_numpy()
    new_id = np.full(sp.n_hh, -1, dtype=np.int64)
    new_id[hh_order] = np.arange(len(hh_order))
    b_hh = new_id[b_hh_old]
    size = sp.hh_size[hh_order]
    p_hh = np.repeat(np.arange(len(hh_order)), size)
    hh_first = np.concatenate([[0], np.cumsum(size)[:-1]])
    p_role = np.arange(len(p_hh)) - hh_first[p_hh]
    p_birth = sp.birth[hh_order[p_hh], p_role]
    p_gemeente = sp.hh_gemeente[hh_order][p_hh]
    leefvorm_hh = sp.hh_leefvorm[hh_order]

    order = np.lexsort((b_end, b_start, b_hh))
    b_hh, b_start, b_end, b_reason, b_long = (a[order] for a in (b_hh, b_start, b_end, b_reason, b_long))
    rng = stream(seed, 3)
    age_start = (b_start - p_birth[hh_first[b_hh]]) / YEAR
    regeling = np.where((age_start >= 50) & (rng.random(len(b_hh)) < 0.12), "02", "01")
    regeling = np.where(rng.random(len(b_hh)) < 0.008, "03", regeling)
    regnr = np.char.add("U", np.char.zfill((1_000_001 + np.arange(len(b_hh))).astype(str), 7))

    n_pb = size[b_hh]
    pb_benefit = np.repeat(np.arange(len(b_hh)), n_pb)
    within = np.arange(len(pb_benefit)) - np.repeat(np.cumsum(n_pb) - n_pb, n_pb)
    pb_person = hh_first[b_hh][pb_benefit] + within

    bsn = draw_bsns(stream(seed, 4), len(p_hh))
    return World(
        preset=preset,
        e=e,
        g=g,
        p_hh=p_hh,
        p_role=p_role,
        p_birth=p_birth,
        p_bsn=bsn,
        p_gemeente=p_gemeente,
        b_hh=b_hh,
        b_start=b_start,
        b_end=b_end,
        b_reason=b_reason,
        b_long=b_long,
        b_regeling=regeling,
        b_leefvorm=leefvorm_hh[b_hh],
        b_regnr=regnr,
        pb_person=pb_person,
        pb_benefit=pb_benefit,
    )


def gegevens_vanaf(extractiedatum: dt.date) -> dt.date:
    return dt.date(extractiedatum.year - HISTORY_YEARS, extractiedatum.month, 1)


# --- shared by the table builders and the Meedoen! pilot


@dataclass
class Periods:
    """klantbeeld periods (one row each) with the person-benefit they belong to."""

    pb: np.ndarray
    start: np.ndarray
    end: np.ndarray  # RUNNING = open
    perspectief: np.ndarray
    trede: np.ndarray
    vrijgesteld: np.ndarray


#: Fictitious providers of the region (accented names, so the encodings really differ).
AANBIEDERS = (
    "Stichting Zorg & Welzijn Rijnstreek", "Café de Buurt", "Re-integratiebureau Duinstreek",
    "Leerwerkplaats Bloembollenhof", "Coöperatie Schuldhulp Zuid-Holland", "GGZ Kustlanden",
    "Verslavingszorg Délta", "Buurtwerk Oranjepark, afdeling Jongeren", "Taalhuis Rijn- en Veenstreek",
    "Sportcentrum De Geër",
)  # fmt: skip
