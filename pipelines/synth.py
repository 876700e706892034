"""Synthetic client register: writes the standard export (../shared/spec/export-format.md).

Why: the suite needs realistic data for the demo, the tests and scale runs, and real
client data may never leave a municipality. The generator simulates benefit spells of
households over decades (inflow, duration, outflow by CBS reason, AOW age, re-entry),
keeps the households with history in the ten export years, and derives every other table
(perspectives, conversations, provisions, ZRM, rewards, staff) from those spells. Presets
are calibrated to the public figures of ../shared/spec/domain.md; docs/synth.md states the
targets and tolerances the tests hold them to.

Everything is vectorised numpy/polars (no per-person Python loops) and every random stage
draws from its own stream `default_rng([seed, stage])`, so the same seed and parameters
always give byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.config import load_config, preset_path
from pipelines.paths import REFERENCE
from pipelines.schema import (
    CODE,
    DATE,
    DECIMAL,
    INT,
    JANEE,
    LEEFGEBIEDEN,
    MONTH,
    TABLE_ORDER,
    TABLES,
    ZRM_DOMEIN,
)

EPOCH = dt.date(1970, 1, 1)
YEAR = 365.2425
RUNNING = 10**7  # day number used for "no end date" inside the simulation
DEFAULT_EXTRACTIEDATUM = dt.date(2024, 10, 15)
HISTORY_YEARS = 10  # levering.gegevens_vanaf lies this many years before the extraction
SIMULATION_YEARS = 47  # inflow is simulated this far back, so long-term clients exist

#: Named physical variants -> their token list (see `parse_formaat`).
FORMATS: dict[str, str] = {
    "standaard": "puntkomma,utf8,iso,decimaalpunt",
    "excel-nl": "puntkomma,cp1252,nl,decimaalkomma,hoofdletters,zonder-voorloopnul,geslacht-mv,crlf",
    "cbs": "komma,utf8-bom,cbs,decimaalpunt",
    "xlsx": "xlsx",
}

# --------------------------------------------------------------------------- presets


@dataclass(frozen=True)
class Preset:
    """Calibration parameters of one organisation (figures: ../shared/spec/domain.md)."""

    slug: str
    gemeenten: dict[str, float]  # CBS code -> share of clients
    softwarepakket: str
    bestand: int  # persons on in-scope assistance at the extraction date at natural size
    koppel: float  # share of benefits for couples (two persons share the registratienummer)
    ouder: float  # share of benefits of single parents
    lang: float  # share of inflow with a long (structural) duration
    kort_jaren: float  # mean duration of the short type
    lang_jaren: float  # mean duration of the long type
    werk: float  # base probability that an ending is to work (11/13)
    perspectief_start: tuple[float, float, float]  # werken, werken_aan, meedoen
    perspectief_later: tuple[float, float, float]
    vrijgesteld: float  # share of meedoen periods that are duurzaam vrijgesteld
    fip_vanaf: dt.date
    fip_schaal: float  # multiplies the per-person FIP rate (1.0 = the plan's practice)
    tegenprestatie: float  # probability a benefit carries tegenprestatie/vrijwilligerswerk
    doorverwijzing_per_jaar: float  # referrals to care/debt help per person-year on assistance
    lks_bij_werk: float  # probability an exit to work goes with a wage-cost subsidy
    lks_split: tuple[float, float, float, float]  # regulier, overheid, sw+banenafspraak, sw+beschut
    sw_kvk: str | None
    ontwikkelbaan_per_jaar: float  # per person-year in werken_aan
    jobcoach_bij_lks: float
    niet_westers: float
    meedoen: bool  # runs the Meedoen! pilot (ISD Bollenstreek)
    #: inwoners 18+ of the preset's own synthetic population in 2024 (None: use the reference)
    inwoners_2024: dict[str, int] | None = None
    staff_caseload: float = 47.0  # mean stock persons per klantmanager fte


PRESETS: dict[str, Preset] = {
    p.slug: p
    for p in (
        Preset(
            slug="isd-bollenstreek",
            gemeenten={"0534": 0.1854, "0553": 0.1877, "0575": 0.3526, "1525": 0.2743},
            softwarepakket="gws",
            bestand=970,
            koppel=0.06,
            ouder=0.08,
            lang=0.16,
            kort_jaren=1.1,
            lang_jaren=22.0,
            werk=0.42,
            perspectief_start=(0.30, 0.55, 0.15),
            perspectief_later=(0.05, 0.55, 0.40),
            vrijgesteld=0.16,
            fip_vanaf=dt.date(2021, 1, 1),
            fip_schaal=0.35,
            tegenprestatie=0.25,
            doorverwijzing_per_jaar=0.08,
            lks_bij_werk=0.10,
            lks_split=(0.85, 0.15, 0.0, 0.0),
            sw_kvk=None,
            ontwikkelbaan_per_jaar=0.0,
            jobcoach_bij_lks=0.4,
            niet_westers=0.07,
            meedoen=True,
        ),
        Preset(
            slug="gemeente-leiden",
            gemeenten={"0546": 1.0},
            softwarepakket="gws",
            bestand=3450,
            koppel=0.09,
            ouder=0.18,
            lang=0.16,
            kort_jaren=1.1,
            lang_jaren=22.0,
            werk=0.40,
            perspectief_start=(0.30, 0.55, 0.15),
            perspectief_later=(0.05, 0.55, 0.40),
            vrijgesteld=0.18,
            fip_vanaf=dt.date(2020, 1, 1),
            fip_schaal=0.5,
            tegenprestatie=0.15,
            doorverwijzing_per_jaar=0.10,
            lks_bij_werk=0.30,
            lks_split=(0.45, 0.10, 0.20, 0.25),
            sw_kvk="28074590",
            ontwikkelbaan_per_jaar=0.06,
            jobcoach_bij_lks=0.5,
            niet_westers=0.45,
            meedoen=False,
        ),
        Preset(
            slug="gemeente-pijnacker-nootdorp",
            gemeenten={"1926": 1.0},
            softwarepakket="soc",
            bestand=495,
            koppel=0.05,
            ouder=0.20,
            lang=0.14,
            kort_jaren=1.1,
            lang_jaren=19.0,
            werk=0.40,
            perspectief_start=(0.20, 0.65, 0.15),
            perspectief_later=(0.05, 0.58, 0.37),
            vrijgesteld=0.16,
            fip_vanaf=dt.date(2019, 1, 1),
            fip_schaal=1.0,
            tegenprestatie=0.62,
            doorverwijzing_per_jaar=0.10,
            lks_bij_werk=0.15,
            lks_split=(0.80, 0.20, 0.0, 0.0),
            sw_kvk=None,
            ontwikkelbaan_per_jaar=0.0,
            jobcoach_bij_lks=0.4,
            niet_westers=0.35,
            meedoen=False,
            inwoners_2024={"1926": 28700},
        ),
    )
}

# --------------------------------------------------------------------------- small helpers


def _day(d: dt.date) -> int:
    return (d - EPOCH).days


def _rng(seed: int, stage: int) -> np.random.Generator:
    """One independent stream per stage: changing one stage never shifts another."""
    return np.random.default_rng([int(seed), stage])


def _dates(days: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(days, dtype=np.int32)).cast(pl.Date)
    if null is not None and null.any():
        s = s.scatter(np.flatnonzero(null), None)
    return s


def _strs(values: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(np.asarray(values).astype(str), dtype=pl.String)
    if null is not None and null.any():
        s = s.scatter(np.flatnonzero(null), None)
    return s


def _pick(rng: np.random.Generator, codes: tuple[str, ...], p, n: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return np.asarray(codes)[rng.choice(len(codes), size=n, p=p / p.sum())]


def _year_of(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[Y]").astype(int) + 1970


def _year_start(years: np.ndarray) -> np.ndarray:
    return (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def _month_index(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _month_first_day(month_index: np.ndarray) -> np.ndarray:
    return np.asarray(month_index).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _events(rng, lo: np.ndarray, hi: np.ndarray, rate: np.ndarray | float):
    """Poisson events at `rate` per year inside [lo, hi] (inclusive days): (owner index, day)."""
    length = np.maximum(hi - lo + 1, 0)
    n = rng.poisson(np.asarray(rate) * length / YEAR)
    owner = np.repeat(np.arange(len(lo)), n)
    day = lo[owner] + np.floor(rng.random(len(owner)) * length[owner]).astype(np.int64)
    return owner, day


def _subset_masks(rng, n: int, sizes: np.ndarray, k: int = 6) -> np.ndarray:
    """Random subsets of `sizes[i]` out of k items, as a boolean (n, k) matrix."""
    ranks = np.argsort(np.argsort(rng.random((n, k)), axis=1), axis=1)
    return ranks < sizes[:, None]


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


# --------------------------------------------------------------------------- BSN


_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2])
BSN_PREFIX_LOW = 98_000_000  # the first eight digits are drawn from 98000000-99999999
BSN_PREFIXES = 2_000_000


def elfproef(bsn: str) -> bool:
    """The BSN check: weights 9..2 on digits 1-8 and -1 on digit 9, sum divisible by 11."""
    if len(bsn) != 9 or not bsn.isdigit():
        return False
    digits = [int(c) for c in bsn]
    return (sum(w * d for w, d in zip(_WEIGHTS, digits[:8])) - digits[8]) % 11 == 0


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
        raise ValueError(
            f"de synthetische BSN-reeks is te klein voor {n} personen (maximaal ongeveer 1,8 miljoen)"
        )
    return np.char.zfill(numbers[:n].astype(str), 9)


# --------------------------------------------------------------------------- spells


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
    leefvorm = _pick(
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
    birth_year = _year_of(birth)
    aow = np.round(birth + _aow_age(birth_year + 66) * YEAR).astype(np.int64)
    aow_hh = np.where(size == 2, aow.min(axis=1), aow[:, 0])
    gemeente = _pick(rng, tuple(preset.gemeenten), tuple(preset.gemeenten.values()), n_hh)

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
        out[sel] = _pick(rng, codes, probs, int(sel.sum()))
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
    preset = _preset(organisatie)
    e, g = _day(extractiedatum), _day(_gegevens_vanaf(extractiedatum))
    _, per_stock = _register_ratio(preset.slug, e, g)
    return int(round(preset.bestand * per_stock))


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


# --------------------------------------------------------------------------- the model


@dataclass
class _World:
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


def _build_world(preset: Preset, n_persons: int, seed: int, e: int, g: int) -> _World:
    per_hh, _ = _register_ratio(preset.slug, e, g)
    factor = 1.25
    for _attempt in range(6):
        n_hh = int(math.ceil(n_persons * factor / per_hh)) + 200
        sp = _simulate(preset, n_hh, _rng(seed, 1), e, g)
        try:
            chosen = _select_households(sp, n_persons, _rng(seed, 2))
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
    rng = _rng(seed, 3)
    age_start = (b_start - p_birth[hh_first[b_hh]]) / YEAR
    regeling = np.where((age_start >= 50) & (rng.random(len(b_hh)) < 0.12), "02", "01")
    regeling = np.where(rng.random(len(b_hh)) < 0.008, "03", regeling)
    regnr = np.char.add("U", np.char.zfill((1_000_001 + np.arange(len(b_hh))).astype(str), 7))

    n_pb = size[b_hh]
    pb_benefit = np.repeat(np.arange(len(b_hh)), n_pb)
    within = np.arange(len(pb_benefit)) - np.repeat(np.cumsum(n_pb) - n_pb, n_pb)
    pb_person = hh_first[b_hh][pb_benefit] + within

    bsn = draw_bsns(_rng(seed, 4), len(p_hh))
    return _World(
        preset,
        e,
        g,
        p_hh,
        p_role,
        p_birth,
        bsn,
        p_gemeente,
        b_hh,
        b_start,
        b_end,
        b_reason,
        b_long,
        regeling,
        leefvorm_hh[b_hh],
        regnr,
        pb_person,
        pb_benefit,
    )


# --------------------------------------------------------------------------- tables


@dataclass
class _Periods:
    """klantbeeld periods (one row each) with the person-benefit they belong to."""

    pb: np.ndarray
    start: np.ndarray
    end: np.ndarray  # RUNNING = open
    perspectief: np.ndarray
    trede: np.ndarray
    vrijgesteld: np.ndarray


def _klantbeeld(w: _World, seed: int) -> _Periods:
    """One or two perspective periods per person-benefit, from gegevens_vanaf on."""
    rng = _rng(seed, 10)
    pr = w.preset
    s = np.maximum(w.b_start[w.pb_benefit], w.g)
    end = w.b_end[w.pb_benefit]
    last = np.minimum(end, w.e)
    n = len(s)
    long = w.b_long[w.pb_benefit]
    codes = ("werken", "werken_aan", "meedoen")
    p_short = np.array(pr.perspectief_start) * np.array([1.6, 0.9, 0.6])
    first = np.where(long, _pick(rng, codes, (0.10, 0.60, 0.30), n), _pick(rng, codes, p_short, n))
    # elapsed time on assistance drives the change towards the later distribution
    elapsed_years = (last - w.b_start[w.pb_benefit]) / YEAR
    change = (last - s > 180) & (rng.random(n) < np.clip(0.25 + 0.12 * elapsed_years, 0, 0.9))
    later = _pick(rng, codes, pr.perspectief_later, n)
    at = s + 90 + np.floor(rng.random(n) * np.maximum(last - s - 90, 1)).astype(np.int64)
    at = np.minimum(at, last)
    change &= at > s
    idx1 = np.arange(n)
    idx2 = np.flatnonzero(change)
    pb = np.concatenate([idx1, idx2])
    start = np.concatenate([s, at[idx2]])
    stop = np.concatenate([np.where(change, at - 1, end), end[idx2]])
    persp = np.concatenate([first, later[idx2]])
    m = len(pb)
    trede = np.select(
        [persp == "werken", persp == "werken_aan"],
        [
            rng.choice([4, 5, 6], size=m, p=[0.45, 0.35, 0.20]),
            rng.choice([2, 3, 4], size=m, p=[0.25, 0.5, 0.25]),
        ],
        rng.choice([1, 2, 3], size=m, p=[0.22, 0.48, 0.30]),
    )
    vrij = (persp == "meedoen") & (rng.random(m) < pr.vrijgesteld)
    order = np.lexsort((start, w.pb_person[pb]))
    return _Periods(pb[order], start[order], stop[order], persp[order], trede[order], vrij[order])


def _klantmanagers(w: _World, seed: int) -> tuple[pl.DataFrame, np.ndarray, dict[str, np.ndarray]]:
    """Staff with fte, and each person's klantmanager (uneven, so some exceed 50 per fte)."""
    rng = _rng(seed, 20)
    running = w.b_end[w.pb_benefit] == RUNNING
    stock = len(np.unique(w.pb_person[running]))
    fte_choices = np.array([0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    total_fte = max(stock / w.preset.staff_caseload, 0.5)
    k = max(1, int(round(total_fte / 0.82)))
    km_fte = rng.choice(fte_choices, size=k, p=[0.08, 0.12, 0.15, 0.25, 0.15, 0.25])
    weight = km_fte * rng.uniform(0.75, 1.35, k)
    person_km = rng.choice(k, size=len(w.p_hh), p=weight / weight.sum())
    groups: dict[str, tuple[str, int, np.ndarray]] = {
        "klantmanager": ("KM", k, km_fte),
    }
    n_wc = max(1, int(round(stock / 220)))
    groups["werkconsulent"] = ("WC", n_wc, rng.choice(fte_choices[2:], size=n_wc))
    n_jc = max(1, int(round(stock / 400)))
    groups["jobcoach"] = ("JC", n_jc, rng.choice(fte_choices[2:], size=n_jc))
    n_ac = max(1, int(round(stock / 320))) if w.preset.meedoen else 0
    groups["aandachtcoach"] = ("AC", n_ac, rng.choice(fte_choices[3:], size=n_ac))
    n_ov = max(1, int(round(stock / 600)))
    groups["overig"] = ("OV", n_ov, rng.choice(np.array([0.4, 0.6, 0.8, 1.0, 1.2]), size=n_ov))
    ids, functie, fte = [], [], []
    staff: dict[str, np.ndarray] = {}
    for name, (prefix, n, ftes) in groups.items():
        names = np.array([f"{prefix}{i + 1:03d}" for i in range(n)], dtype=object)
        staff[name] = names
        ids.extend(names)
        functie.extend([name] * n)
        fte.extend(np.round(ftes, 2))
    frame = pl.DataFrame(
        {"medewerker": ids, "functie": functie, "fte": np.asarray(fte, dtype=float)},
        schema={"medewerker": pl.String, "functie": pl.String, "fte": pl.Float64},
    )
    return frame, staff["klantmanager"][person_km], staff


def _uitkeringen(w: _World, seed: int) -> pl.DataFrame:
    """In-scope benefit periods per partner, plus bijzondere bijstand and Bbz rows (not in scope)."""
    rng = _rng(seed, 30)
    n = len(w.b_hh)
    huis = _pick(rng, ("1", "2", "3", "4", "5", "6"), (0.80, 0.04, 0.08, 0.03, 0.02, 0.03), n)
    onth = np.where(
        rng.random(n) < np.where(w.b_long, 0.14, 0.05), _pick(rng, ("4", "5", "6"), (0.3, 0.5, 0.2), n), "2"
    )
    last = np.minimum(w.b_end, w.e)
    has_oe = (onth != "2") & (rng.random(n) < 0.5)
    oe = w.b_start + np.floor(rng.random(n) * (last - w.b_start + 1)).astype(np.int64)
    # bijzondere bijstand (11/12): short one-off periods inside the window; Bbz (14) for a few
    bb = rng.random(n) < 0.25
    bb_idx = np.flatnonzero(bb)
    lo = np.maximum(w.b_start[bb_idx], w.g)
    bb_start = lo + np.floor(rng.random(len(bb_idx)) * (last[bb_idx] - lo + 1)).astype(np.int64)
    bb_end = np.minimum(bb_start + rng.integers(0, 31, len(bb_idx)), w.e)
    bb_reg = _pick(rng, ("11", "12"), (0.7, 0.3), len(bb_idx))
    bz = rng.random(n) < 0.01
    bz_idx = np.flatnonzero(bz)
    bz_start = np.maximum(w.b_start[bz_idx] - rng.integers(60, 700, len(bz_idx)), w.g)
    bz_end = np.minimum(bz_start + rng.integers(90, 365, len(bz_idx)), w.b_start[bz_idx] - 1)
    ok_bz = bz_end >= bz_start
    bz_idx, bz_start, bz_end = bz_idx[ok_bz], bz_start[ok_bz], bz_end[ok_bz]

    rows_b = np.concatenate([np.arange(n), bb_idx, bz_idx])
    kind = np.concatenate([np.zeros(n, int), np.ones(len(bb_idx), int), np.full(len(bz_idx), 2)])
    start = np.concatenate([w.b_start, bb_start, bz_start])
    end = np.concatenate([w.b_end, bb_end, bz_end])
    regeling = np.concatenate([w.b_regeling, bb_reg, np.full(len(bz_idx), "14")])
    reden = np.concatenate([w.b_reason, np.full(len(bb_idx), "98"), np.full(len(bz_idx), "98")])
    onth_all = np.concatenate([onth, np.full(len(bb_idx) + len(bz_idx), "2")])
    oe_all = np.concatenate([oe, np.zeros(len(bb_idx) + len(bz_idx), np.int64)])
    has_oe_all = np.concatenate([has_oe, np.zeros(len(bb_idx) + len(bz_idx), bool)])
    huis_all = huis[rows_b]
    leef_all = w.b_leefvorm[rows_b]
    extra_nr = np.char.add("B", np.char.zfill((1_000_001 + np.arange(len(rows_b) - n)).astype(str), 7))
    regnr = np.concatenate([w.b_regnr, extra_nr])
    # one row per partner
    size = np.bincount(w.pb_benefit, minlength=n)[rows_b]
    r = np.repeat(np.arange(len(rows_b)), size)
    within = np.arange(len(r)) - np.repeat(np.cumsum(size) - size, size)
    hh_first = np.searchsorted(w.p_hh, w.b_hh[rows_b])
    person = hh_first[r] + within
    running = end[r] == RUNNING
    frame = pl.DataFrame(
        {
            "_p": person,
            "_s": start[r],
            "_k": kind[r],
            "registratienummer": regnr[r],
            "bsn": w.p_bsn[person],
            "regeling": regeling[r],
            "leefvorm": leef_all[r],
            "huisvesting": huis_all[r],
            "aanvangsdatum": _dates(start[r]),
            "einddatum": _dates(np.where(running, 0, end[r]), running),
            "reden_beeindiging": _strs(reden[r], running),
            "ontheffing": onth_all[r],
            "einddatum_ontheffing": _dates(oe_all[r], ~has_oe_all[r]),
        }
    )
    return frame.sort("_p", "_s", "_k", "registratienummer").drop("_p", "_s", "_k")


def _inkomsten(w: _World, seed: int) -> pl.DataFrame:
    """Monthly income next to the benefit: part-time work episodes and some other sources."""
    rng = _rng(seed, 40)
    n = len(w.pb_person)
    b = w.pb_benefit
    lo = np.maximum(w.b_start[b], w.g)
    last_month = _month_index(np.array([w.e]))[0] - 1
    m_lo = _month_index(lo)
    m_hi = np.minimum(_month_index(np.minimum(w.b_end[b], w.e)), last_month)
    leef = w.b_leefvorm[b]
    specs = [  # soort, probability per person-benefit, months (lo, hi), monthly amount (median, spread)
        ("11", np.full(n, 0.16), (3, 30), (650.0, 0.5)),
        ("23", np.where(leef == "2", 0.35, 0.0), (6, 36), (280.0, 0.3)),
        ("24", np.where(leef == "2", 0.05, 0.0), (6, 24), (350.0, 0.3)),
        ("31", np.full(n, 0.08), (1, 3), (90.0, 0.4)),
        ("18", np.full(n, 0.01), (1, 2), (120.0, 0.6)),
        ("98", np.full(n, 0.04), (1, 6), (200.0, 0.6)),
    ]
    pers, months, soort, cents = [], [], [], []
    for code, prob, (a, z), (median, spread) in specs:
        has = (rng.random(n) < prob) & (m_hi >= m_lo)
        idx = np.flatnonzero(has)
        span = m_hi[idx] - m_lo[idx] + 1
        first = m_lo[idx] + np.floor(rng.random(len(idx)) * span).astype(np.int64)
        length = np.minimum(rng.integers(a, z + 1, len(idx)), m_hi[idx] - first + 1)
        rep = np.repeat(np.arange(len(idx)), length)
        offs = np.arange(len(rep)) - np.repeat(np.cumsum(length) - length, length)
        base = median * np.exp(rng.normal(0, spread, len(idx)))
        amount = base[rep] * rng.uniform(0.85, 1.15, len(rep))
        pers.append(w.pb_person[idx][rep])
        months.append(first[rep] + offs)
        soort.append(np.full(len(rep), code))
        cents.append(np.round(amount * 100).astype(np.int64))
    p = np.concatenate(pers)
    frame = pl.DataFrame(
        {
            "_p": p,
            "bsn": w.p_bsn[p],
            "maand": _dates(_month_first_day(np.concatenate(months))),
            "soort_inkomsten": np.concatenate(soort),
            "bedrag": np.concatenate(cents) / 100.0,
        }
    )
    # one row per person, month and kind: overlapping episodes of a couple's re-entry are summed
    frame = frame.group_by("_p", "bsn", "maand", "soort_inkomsten", maintain_order=True).agg(
        pl.col("bedrag").sum().round(2)
    )
    return frame.sort("_p", "maand", "soort_inkomsten").drop("_p")


_FIP_DOMAINS = LEEFGEBIEDEN


def _contactmomenten(
    w: _World, kb: _Periods, person_km: np.ndarray, staff: dict, meedoen: dict, seed: int
) -> pl.DataFrame:
    """Intakes, re-examinations, calls, group meetings, FIP for werken_aan, home visits."""
    rng = _rng(seed, 50)
    pr = w.preset
    b = w.pb_benefit
    lo = np.maximum(w.b_start[b], w.g)
    hi = np.minimum(w.b_end[b], w.e)
    parts = []  # (person, day, soort, medewerker)

    intake = np.flatnonzero(w.b_start[b] >= w.g)
    parts.append((w.pb_person[intake], w.b_start[b][intake], "intake", None))
    for soort, rate in (("heronderzoek", 0.5), ("telefonisch", 1.0), ("overig", 0.25)):
        o, d = _events(rng, lo, hi, rate)
        parts.append((w.pb_person[o], d, soort, None))
    kb_person = w.pb_person[kb.pb]
    kb_end = np.minimum(kb.end, w.e)
    werken = np.flatnonzero(kb.perspectief == "werken")
    o, d = _events(rng, kb.start[werken], kb_end[werken], 1.0)
    parts.append((kb_person[werken][o], d, "groepsbijeenkomst", "werkconsulent"))
    # FIP: an uneven personal rate (some none, most 2-4 a year, some 6+) for werken_aan periods
    u = rng.random(len(w.p_hh))
    rate = np.where(
        u < 0.12,
        0.0,
        np.where(u < 0.80, rng.gamma(6.0, 3.1 / 6.0, len(u)), rng.gamma(5.0, 6.5 / 5.0, len(u))),
    )
    rate = rate * pr.fip_schaal
    wa = np.flatnonzero(kb.perspectief == "werken_aan")
    f_lo = np.maximum(kb.start[wa], _day(pr.fip_vanaf))
    o, d = _events(rng, f_lo, kb_end[wa], rate[kb_person[wa]])
    parts.append((kb_person[wa][o], d, "fip", None))
    # home visits: by attention coaches in the Meedoen! pilot, rarely elsewhere
    o, d = _events(rng, lo, hi, 0.1)
    parts.append((w.pb_person[o], d, "huisbezoek", None))
    if len(meedoen["person"]):
        o, d = _events(rng, meedoen["start"], np.minimum(meedoen["end"], w.e), 7.0)
        parts.append((meedoen["person"][o], d, "huisbezoek", "aandachtcoach"))

    person = np.concatenate([p for p, *_ in parts])
    day = np.concatenate([d for _, d, *_ in parts])
    soort = np.concatenate([np.full(len(p), s) for p, _, s, _ in parts])
    n = len(person)
    who = person_km[person].astype(object)
    for role in ("werkconsulent", "aandachtcoach"):
        sel = np.concatenate([np.full(len(p), r == role) for p, _, _, r in parts])
        if sel.any() and len(staff[role]):
            who[sel] = staff[role][rng.integers(0, len(staff[role]), int(sel.sum()))]
    # life domains: FIP mostly all six, intake often several, others few or none
    size = np.select(
        [soort == "fip", soort == "intake", np.isin(soort, ("heronderzoek", "huisbezoek"))],
        [
            np.where(rng.random(n) < 0.6, 6, rng.integers(3, 6, n)),
            np.where(rng.random(n) < 0.3, 6, rng.integers(2, 5, n)),
            rng.integers(0, 4, n),
        ],
        0,
    )
    mask = _subset_masks(rng, n, size)
    dom = pl.DataFrame({d: mask[:, i] for i, d in enumerate(_FIP_DOMAINS)})
    leefgebieden = dom.select(
        pl.concat_str(
            [pl.when(pl.col(d)).then(pl.lit(d)) for d in _FIP_DOMAINS], separator="|", ignore_nulls=True
        )
    ).to_series()
    leefgebieden = leefgebieden.replace("", None)
    p_vervolg = np.select([soort == "fip", soort == "intake", soort == "heronderzoek"], [0.8, 0.9, 0.5], 0.3)
    frame = pl.DataFrame(
        {
            "_p": person,
            "_d": day,
            "_s": soort,
            "bsn": w.p_bsn[person],
            "datum": _dates(day),
            "soort": soort,
            "medewerker": pl.Series(who, dtype=pl.String),
            "leefgebieden": leefgebieden,
            "vervolgafspraak": rng.random(n) < p_vervolg,
        }
    ).sort("_p", "_d", "_s", "medewerker")
    ids = pl.Series("contact_id", np.char.add("C", np.char.zfill((1 + np.arange(n)).astype(str), 8)))
    return frame.drop("_p", "_d", "_s").insert_column(0, ids)


_AANBIEDERS = (
    "Stichting Zorg & Welzijn Rijnstreek", "Café de Buurt", "Re-integratiebureau Duinstreek",
    "Leerwerkplaats Bloembollenhof", "Coöperatie Schuldhulp Zuid-Holland", "GGZ Kustlanden",
    "Verslavingszorg Délta", "Buurtwerk Oranjepark, afdeling Jongeren", "Taalhuis Rijn- en Veenstreek",
    "Sportcentrum De Geër",
)  # fmt: skip

# soort -> rate per person-year on assistance, duration months (lo, hi), cost (lo, hi) euro
_TRAJECTEN = {
    "training": (0.05, (2, 9), (500, 2500)),
    "work_first": (0.04, (1, 4), (1000, 3000)),
    "werkervaringsplaats": (0.025, (3, 12), (0, 1500)),
    "proefplaatsing": (0.015, (1, 3), (0, 0)),
    "participatieplaats": (0.015, (6, 24), (500, 1500)),
    "leerwerktraject": (0.012, (6, 12), (2000, 6000)),
    "dagbesteding": (0.015, (6, 36), (1500, 6000)),
    "overig": (0.01, (1, 12), (0, 1000)),
}
_DOORVERWIJZINGEN = (
    ("schuldhulpverlening", "maatschappelijk_werk", "ggz", "verslavingszorg"),
    (0.45, 0.30, 0.15, 0.10),
)


def _voorzieningen(w: _World, kb: _Periods, seed: int) -> tuple[pl.DataFrame, dict[str, np.ndarray]]:
    """Provisions: trajectories, referrals, tegenprestatie, LKS with employers, jobcoach, ontwikkelbanen, Meedoen!."""
    rng = _rng(seed, 60)
    pr = w.preset
    b = w.pb_benefit
    lo = np.maximum(w.b_start[b], w.g)
    hi = np.minimum(w.b_end[b], w.e)
    cols: dict[str, list] = {
        k: []
        for k in (
            "person",
            "soort",
            "start",
            "end",
            "loonwaarde",
            "kvk",
            "wsoort",
            "indicatie",
            "inlener",
            "regime",
            "aanbieder",
            "kosten",
        )
    }

    def add(
        person,
        soort,
        start,
        end,
        *,
        loonwaarde=None,
        kvk=None,
        wsoort=None,
        indicatie=None,
        inlener=None,
        regime=None,
        aanbieder=None,
        kosten=None,
    ):
        m = len(person)
        none = np.full(m, None, dtype=object)
        cols["person"].append(person)
        cols["soort"].append(
            np.full(m, soort, dtype=object) if isinstance(soort, str) else soort.astype(object)
        )
        cols["start"].append(start)
        cols["end"].append(end)
        for key, val in (
            ("loonwaarde", loonwaarde),
            ("kvk", kvk),
            ("wsoort", wsoort),
            ("indicatie", indicatie),
            ("inlener", inlener),
            ("regime", regime),
            ("aanbieder", aanbieder),
            ("kosten", kosten),
        ):
            cols[key].append(none if val is None else np.asarray(val, dtype=object))

    def months_later(start, lo_m, hi_m):
        return start + np.round(rng.uniform(lo_m, hi_m, len(start)) * 30.44).astype(np.int64)

    def provider(m):
        return np.asarray(_AANBIEDERS, dtype=object)[rng.integers(0, len(_AANBIEDERS), m)]

    for soort, (rate, (m_lo, m_hi), (c_lo, c_hi)) in _TRAJECTEN.items():
        o, d = _events(rng, lo, hi, rate)
        cost = np.round(rng.uniform(c_lo, c_hi, len(o)), 2) if c_hi else None
        add(w.pb_person[o], soort, d, months_later(d, m_lo, m_hi), aanbieder=provider(len(o)), kosten=cost)
    o, d = _events(rng, lo, hi, pr.doorverwijzing_per_jaar)
    kinds = _pick(rng, *_DOORVERWIJZINGEN, len(o))
    add(w.pb_person[o], kinds, d, months_later(d, 3, 18), aanbieder=provider(len(o)))
    # tegenprestatie / vrijwilligerswerk: from early in the benefit until it ends
    tp = np.flatnonzero((rng.random(len(b)) < pr.tegenprestatie) & (hi - lo > 90))
    tp_start = lo[tp] + np.floor(rng.random(len(tp)) * np.minimum(150, hi[tp] - lo[tp])).astype(np.int64)
    tp_soort = np.where(rng.random(len(tp)) < 0.2, "vrijwilligerswerk", "tegenprestatie")
    add(w.pb_person[tp], tp_soort, tp_start, w.b_end[b][tp])
    # wage-cost subsidy after an exit to work (LKS exists since 2015)
    to_work = np.flatnonzero(
        np.isin(w.b_reason[b], ("11",))
        & (w.b_end[b] >= _day(dt.date(2015, 1, 1)))
        & (rng.random(len(b)) < pr.lks_bij_werk)
        & (w.b_end[b] < w.e)
    )
    l_start = w.b_end[b][to_work] + 1
    l_end = l_start + np.round(rng.exponential(4.0, len(to_work)) * YEAR + 180).astype(np.int64)
    kind = rng.choice(4, size=len(to_work), p=np.asarray(pr.lks_split) / sum(pr.lks_split))
    employers = _employer_pool(rng, max(20, len(to_work) // 4))
    kvk = np.where(
        kind >= 2, pr.sw_kvk or "", employers[rng.integers(0, len(employers), len(to_work))]
    ).astype(object)
    wsoort = np.array(["regulier", "overheid", "sw_bedrijf", "sw_bedrijf"], dtype=object)[kind]
    indicatie = np.where(
        kind == 3,
        "beschut",
        np.where(kind == 2, "banenafspraak", np.where(rng.random(len(kind)) < 0.6, "banenafspraak", "geen")),
    ).astype(object)
    loonwaarde = np.where(
        kind == 3, rng.uniform(20, 50, len(kind)), np.clip(rng.normal(53, 15, len(kind)), 15, 95)
    )
    loonwaarde = np.round(loonwaarde, 1)
    inlener = np.where(
        (kind == 2) & (rng.random(len(kind)) < 0.5),
        employers[rng.integers(0, len(employers), len(kind))],
        None,
    )
    l_soort = np.where(rng.random(len(kind)) < 0.1, "lks_forfaitair", "lks")
    l_person = w.pb_person[to_work]
    add(
        l_person,
        l_soort,
        l_start,
        l_end,
        loonwaarde=loonwaarde,
        kvk=kvk,
        wsoort=wsoort,
        indicatie=indicatie,
        inlener=inlener,
        kosten=np.round((100 - loonwaarde) * 230.0, 2),
    )
    bw = np.flatnonzero(kind == 3)
    add(l_person[bw], "beschut_werk", l_start[bw], l_end[bw], kvk=kvk[bw], wsoort=wsoort[bw])
    # job coaching next to LKS: 12 or 24 months, a few running longer (the regional term is 2 x 12)
    jc = np.flatnonzero(rng.random(len(kind)) < pr.jobcoach_bij_lks)
    months = rng.choice([12, 24, 36], size=len(jc), p=[0.55, 0.35, 0.10]) + rng.integers(-1, 2, len(jc))
    jc_start = l_start[jc] + rng.integers(0, 60, len(jc))
    regime = _pick(rng, ("zeer_licht", "licht", "midden", "intensief"), (0.2, 0.35, 0.3, 0.15), len(jc))
    cost_per_regime = {"zeer_licht": 1200.0, "licht": 2400.0, "midden": 3600.0, "intensief": 5400.0}
    add(
        l_person[jc],
        "jobcoach",
        jc_start,
        jc_start + np.round(months * 30.44).astype(np.int64),
        regime=regime,
        aanbieder=provider(len(jc)),
        kosten=np.array([cost_per_regime[r] for r in regime.tolist()]) * months / 12,
    )
    # ontwikkelbanen (at most 3 years; some overrun so the monitor has something to flag)
    if pr.ontwikkelbaan_per_jaar:
        wa = np.flatnonzero(kb.perspectief == "werken_aan")
        o, d = _events(rng, kb.start[wa], np.minimum(kb.end[wa], w.e), pr.ontwikkelbaan_per_jaar)
        months = np.where(rng.random(len(o)) < 0.08, rng.uniform(37, 60, len(o)), rng.uniform(6, 36, len(o)))
        at_sw = (rng.random(len(o)) < 0.8) & (pr.sw_kvk is not None)
        kvk_o = np.where(at_sw, pr.sw_kvk or "", employers[rng.integers(0, len(employers), len(o))]).astype(
            object
        )
        add(
            w.pb_person[kb.pb[wa]][o],
            "ontwikkelbaan",
            d,
            d + np.round(months * 30.44).astype(np.int64),
            kvk=kvk_o,
            wsoort=np.where(at_sw, "sw_bedrijf", "regulier").astype(object),
        )
    meedoen = _meedoen_participants(w, kb, rng)
    if len(meedoen["person"]):
        add(
            meedoen["person"],
            "meedoen",
            meedoen["start"],
            meedoen["end"],
            aanbieder=provider(len(meedoen["person"])),
        )
        for args, kw in _pilot_provisions(meedoen, _rng(seed, 61)):
            add(*args, **kw)

    person = np.concatenate(cols["person"])
    start = np.concatenate(cols["start"])
    end = np.concatenate(cols["end"])
    keep = start <= w.e
    running = end > w.e
    n = len(person)
    reden = np.where(running, None, _pick(rng, ("1", "2", "3"), (0.62, 0.32, 0.06), n)).astype(object)

    def obj(key):
        return pl.Series(np.concatenate(cols[key]), dtype=pl.Object)

    frame = pl.DataFrame(
        {
            "_p": person,
            "bsn": w.p_bsn[person],
            "soort": pl.Series(np.concatenate(cols["soort"]).astype(str)),
            "begindatum": _dates(start),
            "einddatum": _dates(np.where(running, 0, end), running),
            "reden_einde": pl.Series(reden.tolist(), dtype=pl.String),
            "loonwaarde_pct": pl.Series(np.concatenate(cols["loonwaarde"]).tolist(), dtype=pl.Float64),
            "werkgever_kvk": pl.Series(np.concatenate(cols["kvk"]).tolist(), dtype=pl.String),
            "werkgever_soort": pl.Series(np.concatenate(cols["wsoort"]).tolist(), dtype=pl.String),
            "indicatie": pl.Series(np.concatenate(cols["indicatie"]).tolist(), dtype=pl.String),
            "inlener_kvk": pl.Series(np.concatenate(cols["inlener"]).tolist(), dtype=pl.String),
            "jobcoach_regime": pl.Series(np.concatenate(cols["regime"]).tolist(), dtype=pl.String),
            "aanbieder": pl.Series(np.concatenate(cols["aanbieder"]).tolist(), dtype=pl.String),
            "kosten": pl.Series(np.concatenate(cols["kosten"]).tolist(), dtype=pl.Float64).round(2),
        }
    ).filter(pl.Series(keep))
    frame = frame.sort("_p", "begindatum", "soort", "einddatum", nulls_last=True, maintain_order=True).drop(
        "_p"
    )
    ids = pl.Series(
        "voorziening_id", np.char.add("V", np.char.zfill((1 + np.arange(frame.height)).astype(str), 8))
    )
    return frame.insert_column(0, ids), meedoen


def _employer_pool(rng, n: int) -> np.ndarray:
    """Fictitious 8-digit KvK numbers of regular employers."""
    return rng.choice(np.arange(60_000_000, 69_999_999), size=n, replace=False).astype(str).astype(object)


def _meedoen_participants(w: _World, kb: _Periods, rng) -> dict[str, np.ndarray]:
    """Meedoen! (ISD Bollenstreek, from 2019): 60-70 % of the four target groups of 1 March 2019 join."""
    empty = {
        "person": np.zeros(0, np.int64),
        "start": np.zeros(0, np.int64),
        "end": np.zeros(0, np.int64),
        "groups": np.zeros((0, 4), bool),
    }
    if not w.preset.meedoen:
        return empty
    groups = target_groups(w, kb, _day(dt.date(2019, 3, 1)))
    any_group = groups["groups"].any(axis=1)
    cand = np.flatnonzero(any_group & (rng.random(len(any_group)) < 0.65))
    person = groups["person"][cand]
    start = _day(dt.date(2019, 4, 1)) + rng.integers(0, 270, len(cand))
    b_end = groups["benefit_end"][cand]
    ok = start < b_end
    person, start, b_end, g = person[ok], start[ok], b_end[ok], groups["groups"][cand][ok]
    # guidance lasts 1 to 13 years (the pilot was continued after its evaluation), never past the benefit;
    # the draw is that of a 1-3 year pilot stretched, so the random streams after it stay as they were
    drawn = rng.integers(365, 1100, len(person))
    end = np.minimum(start + 365 + 6 * (drawn - 365), b_end)
    return {"person": person, "start": start, "end": end, "groups": g}


def _pilot_provisions(meedoen: dict, rng) -> list[tuple[tuple, dict]]:
    """What the attention coaches arrange for Meedoen! participants (own random stream, so nothing else moves).

    About 65 % take up an activity (vrijwilligerswerk, dagbesteding, tegenprestatie) one to six months
    after joining, until their guidance ends; about 20 % get a bought-in trajectory of 2,000 euro (domain.md).
    """
    person, start, end = meedoen["person"], meedoen["start"], meedoen["end"]
    n = len(person)
    out = []
    act = np.flatnonzero(rng.random(n) < 0.65)
    a_start = start[act] + rng.integers(30, 181, len(act))
    ok = a_start < end[act]
    act, a_start = act[ok], a_start[ok]
    soort = _pick(rng, ("vrijwilligerswerk", "dagbesteding", "tegenprestatie"), (0.4, 0.2, 0.4), len(act))
    aanbieder = np.asarray(_AANBIEDERS, dtype=object)[rng.integers(0, len(_AANBIEDERS), len(act))]
    out.append(((person[act], soort, a_start, end[act]), {"aanbieder": aanbieder}))
    tr = np.flatnonzero(rng.random(n) < 0.20)
    t_start = start[tr] + rng.integers(30, 271, len(tr))
    t_end = t_start + rng.integers(90, 271, len(tr))
    aanbieder = np.asarray(_AANBIEDERS, dtype=object)[rng.integers(0, len(_AANBIEDERS), len(tr))]
    out.append(
        (
            (person[tr], "training", t_start, t_end),
            {"aanbieder": aanbieder, "kosten": np.full(len(tr), 2000.0)},
        )
    )
    return out


def target_groups(w: _World, kb: _Periods, t: int) -> dict[str, np.ndarray]:
    """The Meedoen! target groups on day `t` among persons with a benefit running then (domain.md)."""
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


def _zrm(w: _World, meedoen: dict, seed: int) -> pl.DataFrame:
    """ZRM: all 13 domains at some intakes, and every three months for Meedoen! participants."""
    rng = _rng(seed, 70)
    b = w.pb_benefit
    intake = np.flatnonzero(
        (w.b_start[b] >= max(w.g, _day(dt.date(2017, 1, 1)))) & (rng.random(len(b)) < 0.12)
    )
    m_person = [w.pb_person[intake]]
    m_day = [np.minimum(w.b_start[b][intake] + rng.integers(0, 60, len(intake)), w.e)]
    m_k = [np.zeros(len(intake), np.int64)]
    if len(meedoen["person"]):
        last = np.minimum(meedoen["end"], w.e)
        k = (last - meedoen["start"]) // 91 + 1
        rep = np.repeat(np.arange(len(k)), k)
        step = np.arange(len(rep)) - np.repeat(np.cumsum(k) - k, k)
        m_person.append(meedoen["person"][rep])
        m_day.append(meedoen["start"][rep] + 91 * step)
        m_k.append(step)
    person = np.concatenate(m_person)
    day = np.concatenate(m_day)
    k = np.concatenate(m_k)
    n, d = len(person), len(ZRM_DOMEIN)
    base = rng.choice([1, 2, 3, 4], size=(len(w.p_hh), d), p=[0.12, 0.33, 0.35, 0.20])
    # most participants improve slowly, some stay put and some slide back (the ZRM monitor must see both)
    pace = rng.uniform(-0.12, 0.35, (len(w.p_hh), d))
    score = np.clip(base[person] + np.floor(k[:, None] * pace[person]), 1, 5).astype(np.int64)
    frame = pl.DataFrame(
        {
            "_p": np.repeat(person, d),
            "bsn": np.repeat(w.p_bsn[person], d),
            "datum": _dates(np.repeat(day, d)),
            "domein": np.tile(np.asarray(ZRM_DOMEIN), n),
            "_o": np.tile(np.arange(d), n),
            "score": score.ravel(),
        }
    )
    return frame.sort("_p", "datum", "_o").drop("_p", "_o")


_STAPPEN = (
    "kennismakingsgesprek", "ZRM ingevuld", "afspraak nagekomen", "activiteit gestart", "taalles gevolgd",
    "sport of bewegen", "vrijwilligerswerk gestart", "cursus afgerond", "schuldhulp aangevraagd", "sociaal netwerk uitgebreid",
)  # fmt: skip


def _beloningen(w: _World, meedoen: dict, seed: int) -> pl.DataFrame:
    """Vouchers of 10 euro per step, at most 50 a year for almost everyone (a few exceed it)."""
    rng = _rng(seed, 80)
    if not len(meedoen["person"]):
        return pl.DataFrame(
            schema={"bsn": pl.String, "datum": pl.Date, "bedrag": pl.Float64, "stap": pl.String}
        )
    start, last = meedoen["start"], np.minimum(meedoen["end"], w.e)
    y0, y1 = _year_of(start), _year_of(last)
    ny = y1 - y0 + 1
    rep = np.repeat(np.arange(len(start)), ny)
    year = y0[rep] + (np.arange(len(rep)) - np.repeat(np.cumsum(ny) - ny, ny))
    lo = np.maximum(_year_start(year), start[rep])
    hi = np.minimum(_year_start(year + 1) - 1, last[rep])
    steps = np.where(
        rng.random(len(rep)) < 0.04, rng.integers(6, 8, len(rep)), np.minimum(rng.poisson(3.2, len(rep)), 5)
    )
    steps = np.where(hi - lo < 30, np.minimum(steps, 1), steps)
    owner = np.repeat(np.arange(len(rep)), steps)
    day = lo[owner] + np.floor(rng.random(len(owner)) * (hi - lo + 1)[owner]).astype(np.int64)
    person = meedoen["person"][rep][owner]
    frame = pl.DataFrame(
        {
            "_p": person,
            "bsn": w.p_bsn[person],
            "datum": _dates(day),
            "bedrag": np.full(len(owner), 10.0),
            "stap": np.asarray(_STAPPEN)[rng.integers(0, len(_STAPPEN), len(owner))],
        }
    )
    return frame.sort("_p", "datum", "stap").drop("_p")


def _personen(w: _World, person_km: np.ndarray, vz: pl.DataFrame, seed: int) -> pl.DataFrame:
    """One row per person: birth, sex, municipality, background, status holder, children, case manager."""
    rng = _rng(seed, 90)
    n = len(w.p_hh)
    first_b = np.searchsorted(w.b_hh, w.p_hh)  # benefits are sorted by household
    leef = w.b_leefvorm[first_b]
    first_start = w.b_start[first_b]
    woman = np.where(
        leef == "2",
        rng.random(n) < 0.86,
        np.where(leef == "3", (w.p_role == 1) ^ (rng.random(n) < 0.05), rng.random(n) < 0.45),
    )
    dates_sh = first_start - rng.integers(30, 400, n)
    banen = vz.filter(pl.col("indicatie") == "banenafspraak")["bsn"].unique().implode()
    dgr = pl.Series(w.p_bsn).is_in(banen).to_numpy() | (rng.random(n) < 0.03)
    mig = np.where(
        w.niet_westers,
        "niet_westers",
        _pick(rng, ("nederlands", "westers", "onbekend"), (0.80, 0.14, 0.06), n),
    )
    statushouder = w.niet_westers & (first_start >= _day(dt.date(2014, 1, 1))) & (rng.random(n) < 0.35)
    return pl.DataFrame(
        {
            "bsn": w.p_bsn,
            "clientnummer": (300_001 + np.arange(n)).astype(str),
            "geboortedatum": _dates(w.p_birth),
            "geslacht": np.where(woman, "2", "1"),
            "gemeentecode": w.p_gemeente,
            "migratieachtergrond": mig,
            "statushouder": statushouder,
            "datum_verblijfsvergunning": _dates(np.minimum(dates_sh, w.e), ~statushouder),
            "doelgroepregister": dgr,
            "kinderen_ten_laste": w.kids.astype(np.int64),
            "klantmanager": pl.Series(person_km, dtype=pl.String),
        }
    )


def _inwoners(preset: Preset, scale: float) -> pl.DataFrame:
    """inwoners.csv of the export: the shipped reference (or the preset's own base) times the size factor."""
    codes = list(preset.gemeenten)
    ref = pl.read_csv(REFERENCE / "inwoners.csv", schema_overrides={"gemeentecode": pl.String})
    ref = ref.filter(pl.col("gemeentecode").is_in(codes))
    if preset.inwoners_2024:
        base = ref.filter(pl.col("jaar") == 2024).select(
            "gemeentecode", pl.col("inwoners_18plus").alias("_b")
        )
        own = pl.DataFrame(
            {"gemeentecode": list(preset.inwoners_2024), "_o": list(preset.inwoners_2024.values())}
        )
        ref = (
            ref.join(base, on="gemeentecode")
            .join(own, on="gemeentecode")
            .with_columns((pl.col("inwoners_18plus") * pl.col("_o") / pl.col("_b")).alias("inwoners_18plus"))
            .drop("_b", "_o")
        )
    out = ref.with_columns((pl.col("inwoners_18plus") * scale).round(0).cast(pl.Int64).clip(lower_bound=1))
    return out.select("gemeentecode", "jaar", "inwoners_18plus").sort("gemeentecode", "jaar")


# --------------------------------------------------------------------------- public API


def _preset(organisatie: str) -> Preset:
    if organisatie not in PRESETS:
        raise ValueError(f"onbekende organisatie {organisatie!r}; kies uit {', '.join(sorted(PRESETS))}")
    return PRESETS[organisatie]


def _gegevens_vanaf(extractiedatum: dt.date) -> dt.date:
    return dt.date(extractiedatum.year - HISTORY_YEARS, extractiedatum.month, 1)


def generate_tables(
    organisatie: str,
    personen: int | None = None,
    seed: int = 2024,
    extractiedatum: dt.date | None = None,
) -> dict[str, pl.DataFrame]:
    """All tables of the export as typed frames (dates as pl.Date, ja/nee as bool), plus `inwoners`."""
    preset = _preset(organisatie)
    extractiedatum = extractiedatum or DEFAULT_EXTRACTIEDATUM
    vanaf = _gegevens_vanaf(extractiedatum)
    e, g = _day(extractiedatum), _day(vanaf)
    natural = natural_size(organisatie, extractiedatum)
    n = natural if personen is None else int(personen)
    if n < 1:
        raise ValueError("--personen moet minstens 1 zijn")
    w = _build_world(preset, n, seed, e, g)
    rng = _rng(seed, 5)
    w.niet_westers = rng.random(len(w.p_hh)) < preset.niet_westers
    # dependent children per household (single parents at least one), the same for both partners
    leef_hh = w.b_leefvorm[np.searchsorted(w.b_hh, np.arange(w.p_hh[-1] + 1))]
    kids_hh = np.where(
        leef_hh == "2",
        1 + rng.poisson(0.8, len(leef_hh)),
        np.where(leef_hh == "3", rng.poisson(1.1, len(leef_hh)), 0),
    )
    w.kids = kids_hh[w.p_hh]
    kb = _klantbeeld(w, seed)
    medewerkers, person_km, staff = _klantmanagers(w, seed)
    uitkeringen = _uitkeringen(w, seed)
    # huisvesting of the in-scope benefit rows, for the target groups (institution excluded)
    hv = uitkeringen.filter(pl.col("registratienummer").str.starts_with("U")).unique(
        "registratienummer", keep="first", maintain_order=True
    )
    w.huisvesting = (
        pl.DataFrame({"registratienummer": w.b_regnr})
        .join(hv, on="registratienummer", how="left", maintain_order="left")["huisvesting"]
        .to_numpy()
    )
    voorzieningen, meedoen = _voorzieningen(w, kb, seed)
    tables = {
        "levering": pl.DataFrame(
            {
                "organisatie": [load_config(preset_path(organisatie)).organisatie],
                "softwarepakket": [preset.softwarepakket],
                "extractiedatum": [extractiedatum],
                "gegevens_vanaf": [vanaf],
            }
        ),
        "personen": _personen(w, person_km, voorzieningen, seed),
        "uitkeringen": uitkeringen,
        "inkomsten": _inkomsten(w, seed),
        "klantbeeld": pl.DataFrame(
            {
                "bsn": w.p_bsn[w.pb_person[kb.pb]],
                "ingangsdatum": _dates(kb.start),
                "einddatum": _dates(np.where(kb.end == RUNNING, 0, kb.end), kb.end == RUNNING),
                "perspectief": kb.perspectief,
                "trede": kb.trede.astype(np.int64),
                "duurzaam_vrijgesteld": kb.vrijgesteld,
            }
        ),
        "contactmomenten": _contactmomenten(w, kb, person_km, staff, meedoen, seed),
        "voorzieningen": voorzieningen,
        "zrm": _zrm(w, meedoen, seed),
        "beloningen": _beloningen(w, meedoen, seed),
        "medewerkers": medewerkers,
    }
    tables = {name: frame.select(TABLES[name].names) for name, frame in tables.items()}
    tables["inwoners"] = _inwoners(preset, n / natural)
    return tables


# --------------------------------------------------------------------------- physical format

_TOKENS = {
    "delimiter": ("puntkomma", "komma"),
    "encoding": ("utf8", "utf8-bom", "cp1252"),
    "dates": ("iso", "cbs", "nl"),
    "decimal": ("decimaalpunt", "decimaalkomma"),
}
_FLAGS = ("hoofdletters", "zonder-voorloopnul", "geslacht-mv", "crlf", "xlsx")
_DATE_FORMATS = {"iso": "%Y-%m-%d", "cbs": "%Y%m%d", "nl": "%d-%m-%Y"}
_MONTH_FORMATS = {"iso": "%Y-%m", "cbs": "%Y%m", "nl": "%Y-%m"}
#: Two-digit codes that Excel turns into numbers (`01` -> `1`) in the `zonder-voorloopnul` variant.
_STRIPPED_CODES = ("regeling", "reden_beeindiging", "soort_inkomsten")


@dataclass(frozen=True)
class Formaat:
    """The physical variety of one export (see FORMATS and docs/synth.md)."""

    delimiter: str = "puntkomma"
    encoding: str = "utf8"
    dates: str = "iso"
    decimal: str = "decimaalpunt"
    flags: frozenset[str] = frozenset()

    @property
    def xlsx(self) -> bool:
        return "xlsx" in self.flags

    @property
    def separator(self) -> str:
        return ";" if self.delimiter == "puntkomma" else ","


def parse_formaat(formaat: str) -> Formaat:
    """A named variant (`FORMATS`) or comma-separated tokens, e.g. `komma,cp1252,nl`."""
    tokens = [t.strip().lower() for t in FORMATS.get(formaat, formaat).split(",") if t.strip()]
    chosen: dict[str, str] = {}
    flags = set()
    for token in tokens:
        kind = next((k for k, values in _TOKENS.items() if token in values), None)
        if kind is None and token not in _FLAGS:
            known = ", ".join([*FORMATS, *(v for vs in _TOKENS.values() for v in vs), *_FLAGS])
            raise ValueError(f"onbekend formaat {token!r}; bekend zijn: {known}")
        if kind is None:
            flags.add(token)
        elif kind in chosen and chosen[kind] != token:
            raise ValueError(f"formaat {formaat!r} kiest twee waarden voor {kind}: {chosen[kind]} en {token}")
        else:
            chosen[kind] = token
    fmt = Formaat(**chosen, flags=frozenset(flags))
    if fmt.delimiter == "komma" and fmt.decimal == "decimaalkomma":
        raise ValueError(
            "decimaalkomma gaat niet samen met komma als scheidingsteken (Excel schrijft dan ';')"
        )
    return fmt


def _header(name: str, position: int, fmt: Formaat) -> str:
    if "hoofdletters" not in fmt.flags:
        return name
    return (" " if position % 2 else "") + name.capitalize() + (" " if position % 3 == 2 else "")


def render_text(table: str, frame: pl.DataFrame, fmt: Formaat) -> pl.DataFrame:
    """All cells as the text a delimited file holds (empty = missing), headers as the variant writes them."""
    exprs = []
    for col in TABLES[table].columns:
        c = pl.col(col.name)
        if col.kind == DATE:
            e = c.dt.strftime(_DATE_FORMATS[fmt.dates])
        elif col.kind == MONTH:
            e = c.dt.strftime(_MONTH_FORMATS[fmt.dates])
        elif col.kind == JANEE:
            e = pl.when(c).then(pl.lit("ja")).when(c.not_()).then(pl.lit("nee"))
        elif col.kind == DECIMAL:
            e = c.cast(pl.String)
            if fmt.decimal == "decimaalkomma":
                e = e.str.replace(".", ",", literal=True)
        elif col.kind == INT:
            e = c.cast(pl.String)
        else:
            e = c.cast(pl.String)
            if col.kind == CODE and "zonder-voorloopnul" in fmt.flags and col.name in _STRIPPED_CODES:
                e = pl.when(e.str.contains(r"^0\d$")).then(e.str.slice(1)).otherwise(e)
            if col.name == "geslacht" and "geslacht-mv" in fmt.flags:
                e = e.replace({"1": "M", "2": "V"})
        exprs.append(e.alias(_header(col.name, len(exprs), fmt)))
    return frame.select(exprs)


def _write_csv(path: Path, text: pl.DataFrame, fmt: Formaat) -> None:
    options = dict(
        separator=fmt.separator, line_terminator="\r\n" if "crlf" in fmt.flags else "\n", null_value=""
    )
    if fmt.encoding == "cp1252":
        path.write_bytes(text.write_csv(None, **options).encode("cp1252"))
    else:
        text.write_csv(path, include_bom=fmt.encoding == "utf8-bom", **options)


XLSX_MAX_ROWS = 1_048_575  # data rows below the header of one worksheet


def _write_xlsx(path: Path, tables: dict[str, pl.DataFrame], fmt: Formaat) -> None:
    """One workbook, a sheet per table: dates as real Excel dates, codes as text, numbers as numbers."""
    import xlsxwriter

    too_big = [f"{n} ({f.height} rijen)" for n, f in tables.items() if f.height > XLSX_MAX_ROWS]
    if too_big:
        raise ValueError(f"te groot voor een Excel-werkblad: {', '.join(too_big)}; kies een csv-formaat")
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}
    )
    workbook.set_properties({"created": dt.datetime(2024, 1, 1), "author": "participatie synth"})
    date_format = workbook.add_format({"num_format": "dd-mm-yyyy"})
    for name in TABLE_ORDER:
        frame = tables[name]
        sheet = workbook.add_worksheet(name)
        text = render_text(name, frame, Formaat(flags=fmt.flags - {"xlsx"}))
        for j, col in enumerate(TABLES[name].columns):
            sheet.write_string(0, j, text.columns[j])
            if col.kind == DATE:
                values = frame[col.name].to_list()
                for i, v in enumerate(values, start=1):
                    if v is not None:
                        sheet.write_datetime(i, j, dt.datetime(v.year, v.month, v.day), date_format)
            elif col.kind in (DECIMAL, INT):
                for i, v in enumerate(frame[col.name].to_list(), start=1):
                    if v is not None:
                        sheet.write_number(i, j, v)
            else:
                for i, v in enumerate(text[text.columns[j]].to_list(), start=1):
                    if v is not None:
                        sheet.write_string(i, j, v)
    workbook.close()


# --------------------------------------------------------------------------- faults

FAULT_COLUMNS = ("tabel", "bestand", "regel", "kolom", "controle", "omschrijving")
_UNKNOWN_CODE = {
    "geslacht": "X",
    "leefvorm": "7",
    "perspectief": "werk",
    "soort_inkomsten": "77",
    "soort": "bezoek",
    "domein": "werk",
    "functie": "teamleider",
}
# table -> fault kinds that can be injected there: (controle, column)
_FAULTS: dict[str, tuple[tuple[str, str], ...]] = {
    "personen": (("elfproef", "bsn"), ("dubbel", "")),
    "uitkeringen": (
        ("datumvolgorde", "einddatum"),
        ("codelijst", "leefvorm"),
        ("verplicht", "regeling"),
        ("onbekende_persoon", "bsn"),
        ("dubbel", ""),
    ),
    "inkomsten": (
        ("codelijst", "soort_inkomsten"),
        ("verplicht", "bedrag"),
        ("onbekende_persoon", "bsn"),
        ("dubbel", ""),
    ),
    "klantbeeld": (
        ("datumvolgorde", "einddatum"),
        ("codelijst", "perspectief"),
        ("verplicht", "perspectief"),
        ("onbekende_persoon", "bsn"),
        ("dubbel", ""),
    ),
    "contactmomenten": (
        ("codelijst", "soort"),
        ("verplicht", "datum"),
        ("onbekende_persoon", "bsn"),
        ("dubbel", ""),
    ),
    "voorzieningen": (
        ("datumvolgorde", "einddatum"),
        ("codelijst", "soort"),
        ("verplicht", "begindatum"),
        ("onbekende_persoon", "bsn"),
        ("dubbel", ""),
    ),
    "zrm": (("codelijst", "domein"), ("verplicht", "score"), ("onbekende_persoon", "bsn"), ("dubbel", "")),
    "beloningen": (("verplicht", "datum"), ("onbekende_persoon", "bsn"), ("dubbel", "")),
    "medewerkers": (("codelijst", "functie"), ("dubbel", "")),
}
_DESCRIPTIONS = {
    "elfproef": "BSN met een fout controlecijfer",
    "datumvolgorde": "einddatum voor de begindatum gezet",
    "codelijst": "onbekende code {value!r} in {column}",
    "verplicht": "verplichte waarde {column} leeggemaakt",
    "onbekende_persoon": "geldig BSN dat niet in personen voorkomt",
    "dubbel": "exacte herhaling van regel {original}",
    "afgewezen_persoon": "persoon afgewezen: BSN met fout controlecijfer overgenomen uit personen regel {original}",
}


def _eligible(table: str, frame: pl.DataFrame, kind: str, column: str) -> np.ndarray:
    """Rows where a fault of this kind breaks exactly its own rule and nothing else."""
    if kind == "datumvolgorde":
        return frame["einddatum"].is_not_null().to_numpy()
    if table == "voorzieningen" and kind == "codelijst":
        # an unknown soort must not also trip the LKS, employer or jobcoach field rules
        return (
            frame.select(
                pl.col("werkgever_kvk").is_null()
                & pl.col("jobcoach_regime").is_null()
                & pl.col("loonwaarde_pct").is_null()
            )
            .to_series()
            .to_numpy()
        )
    if table == "medewerkers" and kind == "codelijst":
        return (frame["functie"] != "klantmanager").to_numpy()  # persons keep a valid klantmanager
    return np.ones(frame.height, bool)


def _inject(
    tables: dict[str, pl.DataFrame], pct: float, seed: int
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Give round(pct % of rows) rows per table exactly one realistic fault; return the list of faults.

    Positions are final row indices (0-based, before the header); `_lines` turns them into lines.
    """
    rng = _rng(seed, 100)
    out = dict(tables)
    records: list[tuple[str, int, str, str, str]] = []  # table, row, kolom, controle, omschrijving
    bsn_counts = pl.concat(
        [out[t].select("bsn") for t in TABLE_ORDER if t != "personen" and "bsn" in out[t].columns]
    )
    bsn_counts = bsn_counts.group_by("bsn").len()
    used_bsn = set(out["personen"]["bsn"].to_list())
    blocked: set[str] = set()  # persons whose rows are all rejected already (elfproef)

    # personen first: a bad check digit is carried into every table, as a mistyped BSN would be
    pers = out["personen"]
    n_faults = int(round(pers.height * pct / 100))
    if n_faults:
        n_elf = max(1, n_faults // 2) if pers.height > 1 else 0
        counts = (
            pers.select("bsn").join(bsn_counts, on="bsn", how="left").with_columns(pl.col("len").fill_null(0))
        )
        order = np.lexsort((rng.random(pers.height), counts["len"].to_numpy()))
        elf_rows = np.sort(order[:n_elf])
        rest = np.setdiff1d(np.arange(pers.height), elf_rows)
        dup_rows = np.sort(rng.choice(rest, size=min(n_faults - n_elf, len(rest)), replace=False))
        mapping = {}
        for r in elf_rows.tolist():
            good = pers["bsn"][r]
            bad = good[:8] + str((int(good[8]) + 1) % 10)
            mapping[good] = bad
            blocked.add(bad)
            records.append(("personen", r, "bsn", "elfproef", _DESCRIPTIONS["elfproef"]))
        for name in TABLE_ORDER:
            if "bsn" in out[name].columns:
                out[name] = out[name].with_columns(pl.col("bsn").replace(mapping))
        out["personen"] = _duplicate(out["personen"], dup_rows)
        records = _shift(records, "personen", dup_rows)
        records += [
            (
                "personen",
                int(r + 1 + i),
                "",
                "dubbel",
                _DESCRIPTIONS["dubbel"].format(original=int(r + i) + 2),
            )
            for i, r in enumerate(dup_rows)
        ]
        elf_lines = {mapping[pers["bsn"][r]]: _position(dup_rows, r) + 2 for r in elf_rows.tolist()}
        for name in TABLE_ORDER:
            if name != "personen" and "bsn" in out[name].columns:
                hit = out[name]["bsn"].is_in(list(blocked)).to_numpy()
                for r in np.flatnonzero(hit).tolist():
                    line = elf_lines[out[name]["bsn"][r]]
                    records.append(
                        (
                            name,
                            r,
                            "bsn",
                            "afgewezen_persoon",
                            _DESCRIPTIONS["afgewezen_persoon"].format(original=line),
                        )
                    )

    extra_bsn = iter(b for b in draw_bsns(_rng(seed, 101), len(used_bsn) + 5000) if b not in used_bsn)
    for name, kinds in _FAULTS.items():
        if name == "personen":
            continue
        frame = out[name]
        n_faults = int(round(frame.height * pct / 100))
        if not n_faults:
            continue
        free = (
            ~frame["bsn"].is_in(list(blocked)).to_numpy()
            if "bsn" in frame.columns
            else np.ones(frame.height, bool)
        )
        rows = np.sort(rng.choice(np.flatnonzero(free), size=min(n_faults, int(free.sum())), replace=False))
        options = np.stack([_eligible(name, frame, k, c)[rows] for k, c in kinds], axis=1)
        choice = np.argmax(
            np.where(options, rng.random(options.shape), -1.0), axis=1
        )  # a random eligible kind
        updates: dict[str, list] = {}
        for (kind, column), idx in zip(kinds, range(len(kinds))):
            sel = rows[choice == idx]
            if not len(sel) or kind == "dubbel":
                continue
            if kind == "datumvolgorde":
                start_col = {"uitkeringen": "aanvangsdatum", "klantbeeld": "ingangsdatum"}.get(
                    name, "begindatum"
                )
                start = frame[start_col].gather(sel)
                values = (
                    start - pl.Series([dt.timedelta(days=int(d)) for d in rng.integers(1, 60, len(sel))])
                ).to_list()
            elif kind == "codelijst":
                values = [_UNKNOWN_CODE[column]] * len(sel)
            elif kind == "verplicht":
                values = [None] * len(sel)
            else:  # onbekende_persoon
                values = [next(extra_bsn) for _ in sel]
            updates.setdefault(column, []).append((sel, values))
            desc = _DESCRIPTIONS[kind].format(value=_UNKNOWN_CODE.get(column), column=column, original=0)
            records += [(name, int(r), column, kind, desc) for r in sel]
        for column, parts in updates.items():
            series = frame[column]
            for sel, values in parts:
                series = series.scatter(sel, pl.Series(values, dtype=series.dtype))
            frame = frame.with_columns(series.alias(column))
        dup_rows = (
            rows[np.array([kinds[c][0] == "dubbel" for c in choice], dtype=bool)] if len(rows) else rows
        )
        out[name] = _duplicate(frame, dup_rows)
        records = _shift(records, name, dup_rows)
        records += [
            (name, int(r + 1 + i), "", "dubbel", _DESCRIPTIONS["dubbel"].format(original=int(r + i) + 2))
            for i, r in enumerate(dup_rows)
        ]
    faults = pl.DataFrame(
        records,
        schema={
            "tabel": pl.String,
            "_rij": pl.Int64,
            "kolom": pl.String,
            "controle": pl.String,
            "omschrijving": pl.String,
        },
        orient="row",
    )
    return out, faults


def _position(dup_rows: np.ndarray, row: int) -> int:
    """Final index of original row `row` after the repeats of `dup_rows` were inserted."""
    return int(row + np.searchsorted(dup_rows, row, side="left"))


def _shift(records, table: str, dup_rows: np.ndarray):
    """Move the recorded rows of `table` to their index after duplicates were inserted."""
    if not len(dup_rows):
        return records
    return [(t, _position(dup_rows, r) if t == table else r, *rest) for t, r, *rest in records]


def _duplicate(frame: pl.DataFrame, rows: np.ndarray) -> pl.DataFrame:
    """Insert an exact copy of each row in `rows` right after it (as a double export would)."""
    if not len(rows):
        return frame
    counts = np.ones(frame.height, dtype=np.int64)
    counts[rows] = 2
    return frame[np.repeat(np.arange(frame.height), counts)]


# --------------------------------------------------------------------------- export


def generate_export(
    out: Path,
    organisatie: str,
    personen: int | None = None,
    seed: int = 2024,
    formaat: str = "standaard",
    fouten_pct: float = 0.0,
    extractiedatum: dt.date | None = None,
) -> Path:
    """Write a complete standard export into `out` (created; files overwritten) and return it."""
    return _write_export(Path(out), organisatie, personen, seed, formaat, fouten_pct, extractiedatum)[0]


def _write_export(out, organisatie, personen, seed, formaat, fouten_pct, extractiedatum):
    fmt = parse_formaat(formaat)
    if not 0 <= fouten_pct <= 50:
        raise ValueError("--fouten moet tussen 0 en 50 (procent) liggen")
    tables = generate_tables(organisatie, personen, seed, extractiedatum)
    inwoners = tables.pop("inwoners")
    faults = None
    if fouten_pct > 0:
        tables, faults = _inject(tables, fouten_pct, seed)
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("export.xlsx", "fouten_injectie.csv", *(f"{t}.csv" for t in TABLE_ORDER)):
        (out / stale).unlink(missing_ok=True)
    if fmt.xlsx:
        _write_xlsx(out / "export.xlsx", tables, fmt)
    else:
        for name in TABLE_ORDER:
            _write_csv(out / f"{name}.csv", render_text(name, tables[name], fmt), fmt)
    # the population reference override, always comma-separated UTF-8 like the shipped table
    inwoners.write_csv(out / "inwoners.csv")
    n_faults = 0
    if faults is not None:
        bestand = {t: ("export.xlsx" if fmt.xlsx else f"{t}.csv") for t in TABLE_ORDER}
        faults = (
            faults.with_columns(
                pl.col("tabel").replace_strict(bestand).alias("bestand"),
                (pl.col("_rij") + 2).alias("regel"),
                pl.col("tabel").replace_strict({t: i for i, t in enumerate(TABLE_ORDER)}).alias("_t"),
            )
            .sort("_t", "regel", "kolom")
            .select(FAULT_COLUMNS)
        )
        faults.write_csv(out / "fouten_injectie.csv")
        n_faults = faults.height
    return out, {name: frame.height for name, frame in tables.items()}, n_faults


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--organisatie", required=True, choices=sorted(PRESETS), help="preset (organisatie)")
    parser.add_argument(
        "--personen",
        type=int,
        default=None,
        help="aantal personen in het register (standaard: de natuurlijke omvang van de preset)",
    )
    parser.add_argument("--seed", type=int, default=2024, help="startwaarde van de toevalsgenerator (2024)")
    parser.add_argument("--out", type=Path, required=True, help="map waarin de export komt")
    parser.add_argument(
        "--formaat",
        default="standaard",
        help=f"fysieke variant: {', '.join(FORMATS)} of tokens, bijv. 'komma,cp1252,nl'",
    )
    parser.add_argument(
        "--fouten",
        type=float,
        default=0.0,
        metavar="PCT",
        help="percentage rijen per tabel met een ingebouwde fout (lijst in fouten_injectie.csv)",
    )
    parser.add_argument(
        "--extractiedatum",
        type=dt.date.fromisoformat,
        default=None,
        help=f"extractiedatum JJJJ-MM-DD (standaard {DEFAULT_EXTRACTIEDATUM.isoformat()})",
    )


def main(args: argparse.Namespace) -> int:
    try:
        out, counts, n_faults = _write_export(
            args.out,
            args.organisatie,
            args.personen,
            args.seed,
            args.formaat,
            args.fouten,
            args.extractiedatum,
        )
    except ValueError as exc:
        print(f"participatie synth: {exc}")
        return 2
    print(
        f"Synthetische export van {args.organisatie} geschreven naar {out} (seed {args.seed}, formaat {args.formaat})"
    )
    for name, n in counts.items():
        print(f"  {name:<16} {n:>10} rijen")
    if args.fouten:
        print(f"Ingebouwde fouten: {n_faults} (zie fouten_injectie.csv)")
    return 0
