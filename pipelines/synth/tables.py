"""One builder per table of the export, and `generate_tables` that runs them on one simulated world."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.config import load_config, preset_path
from pipelines.errors import InputError
from pipelines.paths import REFERENCE
from pipelines.schema import LEEFGEBIEDEN, TABLES, ZRM_DOMEIN
from pipelines.synth.common import (
    RUNNING,
    YEAR,
    date_series,
    month_of,
    month_start,
    pick,
    poisson_events,
    str_series,
    stream,
    subset_masks,
    to_day,
    year_of,
    year_start,
)
from pipelines.synth.meedoen import meedoen_participants, pilot_provisions
from pipelines.synth.presets import Preset, get_preset
from pipelines.synth.world import (
    AANBIEDERS,
    DEFAULT_EXTRACTIEDATUM,
    Periods,
    World,
    build_world,
    gegevens_vanaf,
    natural_size,
)


def _klantbeeld(w: World, seed: int) -> Periods:
    """One or two perspective periods per person-benefit, from gegevens_vanaf on."""
    rng = stream(seed, 10)
    pr = w.preset
    s = np.maximum(w.b_start[w.pb_benefit], w.g)
    end = w.b_end[w.pb_benefit]
    last = np.minimum(end, w.e)
    n = len(s)
    long = w.b_long[w.pb_benefit]
    codes = ("werken", "werken_aan", "meedoen")
    p_short = np.array(pr.perspectief_start) * np.array([1.6, 0.9, 0.6])
    first = np.where(long, pick(rng, codes, (0.10, 0.60, 0.30), n), pick(rng, codes, p_short, n))
    # elapsed time on assistance drives the change towards the later distribution
    elapsed_years = (last - w.b_start[w.pb_benefit]) / YEAR
    change = (last - s > 180) & (rng.random(n) < np.clip(0.25 + 0.12 * elapsed_years, 0, 0.9))
    later = pick(rng, codes, pr.perspectief_later, n)
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
    return Periods(pb[order], start[order], stop[order], persp[order], trede[order], vrij[order])


def _klantmanagers(w: World, seed: int) -> tuple[pl.DataFrame, np.ndarray, dict[str, np.ndarray]]:
    """Staff with fte, and each person's klantmanager (uneven, so some exceed 50 per fte)."""
    rng = stream(seed, 20)
    running = w.b_end[w.pb_benefit] == RUNNING
    stock = len(np.unique(w.pb_person[running]))
    fte_choices = np.array([0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    total_fte = max(stock / w.preset.staff_caseload, 0.5)
    k = max(1, round(total_fte / 0.82))
    km_fte = rng.choice(fte_choices, size=k, p=[0.08, 0.12, 0.15, 0.25, 0.15, 0.25])
    weight = km_fte * rng.uniform(0.75, 1.35, k)
    person_km = rng.choice(k, size=len(w.p_hh), p=weight / weight.sum())
    groups: dict[str, tuple[str, int, np.ndarray]] = {
        "klantmanager": ("KM", k, km_fte),
    }
    n_wc = max(1, round(stock / 220))
    groups["werkconsulent"] = ("WC", n_wc, rng.choice(fte_choices[2:], size=n_wc))
    n_jc = max(1, round(stock / 400))
    groups["jobcoach"] = ("JC", n_jc, rng.choice(fte_choices[2:], size=n_jc))
    n_ac = max(1, round(stock / 320)) if w.preset.meedoen else 0
    groups["aandachtcoach"] = ("AC", n_ac, rng.choice(fte_choices[3:], size=n_ac))
    n_ov = max(1, round(stock / 600))
    groups["overig"] = ("OV", n_ov, rng.choice(np.array([0.4, 0.6, 0.8, 1.0, 1.2]), size=n_ov))
    ids: list[str] = []
    functie: list[str] = []
    fte: list[float] = []
    staff: dict[str, np.ndarray] = {}
    for name, (prefix, n, ftes) in groups.items():
        names = np.array([f"{prefix}{i + 1:03d}" for i in range(n)], dtype=object)
        staff[name] = names
        ids.extend(names)
        functie.extend([name] * n)
        fte.extend(np.round(ftes, 2))
    frame = pl.DataFrame(
        {"medewerker": ids, "functie": functie, "fte": np.asarray(fte, dtype=np.float64)},
        schema={"medewerker": pl.String, "functie": pl.String, "fte": pl.Float64},
    )
    return frame, staff["klantmanager"][person_km], staff


def _uitkeringen(w: World, seed: int) -> pl.DataFrame:
    """In-scope benefit periods per partner, plus bijzondere bijstand and Bbz rows (not in scope)."""
    rng = stream(seed, 30)
    n = len(w.b_hh)
    huis = pick(rng, ("1", "2", "3", "4", "5", "6"), (0.80, 0.04, 0.08, 0.03, 0.02, 0.03), n)
    onth = np.where(
        rng.random(n) < np.where(w.b_long, 0.14, 0.05), pick(rng, ("4", "5", "6"), (0.3, 0.5, 0.2), n), "2"
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
    bb_reg = pick(rng, ("11", "12"), (0.7, 0.3), len(bb_idx))
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
            "aanvangsdatum": date_series(start[r]),
            "einddatum": date_series(np.where(running, 0, end[r]), running),
            "reden_beeindiging": str_series(reden[r], running),
            "ontheffing": onth_all[r],
            "einddatum_ontheffing": date_series(oe_all[r], ~has_oe_all[r]),
        }
    )
    return frame.sort("_p", "_s", "_k", "registratienummer").drop("_p", "_s", "_k")


def _inkomsten(w: World, seed: int) -> pl.DataFrame:
    """Monthly income next to the benefit: part-time work episodes and some other sources."""
    rng = stream(seed, 40)
    n = len(w.pb_person)
    b = w.pb_benefit
    lo = np.maximum(w.b_start[b], w.g)
    last_month = month_of(np.array([w.e]))[0] - 1
    m_lo = month_of(lo)
    m_hi = np.minimum(month_of(np.minimum(w.b_end[b], w.e)), last_month)
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
            "maand": date_series(month_start(np.concatenate(months))),
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
    w: World, kb: Periods, person_km: np.ndarray, staff: dict, meedoen: dict, seed: int
) -> pl.DataFrame:
    """Intakes, re-examinations, calls, group meetings, FIP for werken_aan, home visits."""
    rng = stream(seed, 50)
    pr = w.preset
    b = w.pb_benefit
    lo = np.maximum(w.b_start[b], w.g)
    hi = np.minimum(w.b_end[b], w.e)
    parts: list[tuple[np.ndarray, np.ndarray, str, str | None]] = []  # (person, day, soort, medewerker)

    intake = np.flatnonzero(w.b_start[b] >= w.g)
    parts.append((w.pb_person[intake], w.b_start[b][intake], "intake", None))
    for kind, per_year in (("heronderzoek", 0.5), ("telefonisch", 1.0), ("overig", 0.25)):
        o, d = poisson_events(rng, lo, hi, per_year)
        parts.append((w.pb_person[o], d, kind, None))
    kb_person = w.pb_person[kb.pb]
    kb_end = np.minimum(kb.end, w.e)
    werken = np.flatnonzero(kb.perspectief == "werken")
    o, d = poisson_events(rng, kb.start[werken], kb_end[werken], 1.0)
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
    f_lo = np.maximum(kb.start[wa], to_day(pr.fip_vanaf))
    o, d = poisson_events(rng, f_lo, kb_end[wa], rate[kb_person[wa]])
    parts.append((kb_person[wa][o], d, "fip", None))
    # home visits: by attention coaches in the Meedoen! pilot, rarely elsewhere
    o, d = poisson_events(rng, lo, hi, 0.1)
    parts.append((w.pb_person[o], d, "huisbezoek", None))
    if len(meedoen["person"]):
        o, d = poisson_events(rng, meedoen["start"], np.minimum(meedoen["end"], w.e), 7.0)
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
    mask = subset_masks(rng, n, size)
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
            "datum": date_series(day),
            "soort": soort,
            "medewerker": pl.Series(who, dtype=pl.String),
            "leefgebieden": leefgebieden,
            "vervolgafspraak": rng.random(n) < p_vervolg,
        }
    ).sort("_p", "_d", "_s", "medewerker")
    ids = pl.Series("contact_id", np.char.add("C", np.char.zfill((1 + np.arange(n)).astype(str), 8)))
    return frame.drop("_p", "_d", "_s").insert_column(0, ids)


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


def _voorzieningen(w: World, kb: Periods, seed: int) -> tuple[pl.DataFrame, dict[str, np.ndarray]]:
    """Provisions: trajectories, referrals, tegenprestatie, LKS, jobcoach, ontwikkelbanen, Meedoen!."""
    rng = stream(seed, 60)
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
        return np.asarray(AANBIEDERS, dtype=object)[rng.integers(0, len(AANBIEDERS), m)]

    for soort, (rate, (m_lo, m_hi), (c_lo, c_hi)) in _TRAJECTEN.items():
        o, d = poisson_events(rng, lo, hi, rate)
        cost = np.round(rng.uniform(c_lo, c_hi, len(o)), 2) if c_hi else None
        add(w.pb_person[o], soort, d, months_later(d, m_lo, m_hi), aanbieder=provider(len(o)), kosten=cost)
    o, d = poisson_events(rng, lo, hi, pr.doorverwijzing_per_jaar)
    kinds = pick(rng, *_DOORVERWIJZINGEN, len(o))
    add(w.pb_person[o], kinds, d, months_later(d, 3, 18), aanbieder=provider(len(o)))
    # tegenprestatie / vrijwilligerswerk: from early in the benefit until it ends
    tp = np.flatnonzero((rng.random(len(b)) < pr.tegenprestatie) & (hi - lo > 90))
    tp_start = lo[tp] + np.floor(rng.random(len(tp)) * np.minimum(150, hi[tp] - lo[tp])).astype(np.int64)
    tp_soort = np.where(rng.random(len(tp)) < 0.2, "vrijwilligerswerk", "tegenprestatie")
    add(w.pb_person[tp], tp_soort, tp_start, w.b_end[b][tp])
    # wage-cost subsidy after an exit to work (LKS exists since 2015)
    to_work = np.flatnonzero(
        np.isin(w.b_reason[b], ("11",))
        & (w.b_end[b] >= to_day(dt.date(2015, 1, 1)))
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
        np.full(len(kind), None, dtype=object),
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
    # job coaching next to LKS: 12 or 24 months, some running longer (the regional term is 2 x 12)
    jc = np.flatnonzero(rng.random(len(kind)) < pr.jobcoach_bij_lks)
    months = rng.choice([12, 24, 36], size=len(jc), p=pr.jobcoach_duur) + rng.integers(-1, 2, len(jc))
    jc_start = l_start[jc] + rng.integers(0, 60, len(jc))
    regime = pick(rng, ("zeer_licht", "licht", "midden", "intensief"), (0.2, 0.35, 0.3, 0.15), len(jc))
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
        o, d = poisson_events(rng, kb.start[wa], np.minimum(kb.end[wa], w.e), pr.ontwikkelbaan_per_jaar)
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
    # the pilot draws from its own stream, so provision rates never move its participants
    meedoen = meedoen_participants(w, kb, stream(seed, 62))
    if len(meedoen["person"]):
        add(
            meedoen["person"],
            "meedoen",
            meedoen["start"],
            meedoen["end"],
            aanbieder=provider(len(meedoen["person"])),
        )
        for args, kw in pilot_provisions(meedoen, stream(seed, 61)):
            add(*args, **kw)

    person = np.concatenate(cols["person"])
    start = np.concatenate(cols["start"])
    end = np.concatenate(cols["end"])
    keep = start <= w.e
    running = end > w.e
    n = len(person)
    none = np.full(n, None, dtype=object)
    reden = np.where(running, none, pick(rng, ("1", "2", "3"), (0.62, 0.32, 0.06), n)).astype(object)

    frame = pl.DataFrame(
        {
            "_p": person,
            "bsn": w.p_bsn[person],
            "soort": pl.Series(np.concatenate(cols["soort"]).astype(str)),
            "begindatum": date_series(start),
            "einddatum": date_series(np.where(running, 0, end), running),
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


def _zrm(w: World, meedoen: dict, seed: int) -> pl.DataFrame:
    """ZRM: all 13 domains at some intakes, and every three months for Meedoen! participants."""
    rng = stream(seed, 70)
    b = w.pb_benefit
    intake = np.flatnonzero(
        (w.b_start[b] >= max(w.g, to_day(dt.date(2017, 1, 1)))) & (rng.random(len(b)) < 0.12)
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
    # one measurement per person and day (an intake can fall on the day a Meedoen! guidance starts)
    _, first = np.unique(person * (RUNNING + 1) + day, return_index=True)
    keep = np.sort(first)
    person, day, k = person[keep], day[keep], k[keep]
    n, d = len(person), len(ZRM_DOMEIN)
    base = rng.choice([1, 2, 3, 4], size=(len(w.p_hh), d), p=[0.12, 0.33, 0.35, 0.20])
    # change per quarter: a personal trend (most improve slowly, some stay put, some slide back, so the
    # ZRM monitor sees all three) plus a spread per domain
    p = len(w.p_hh)
    u = rng.random((p, 1))
    trend = np.where(
        u < 0.60,
        rng.uniform(0.04, 0.30, (p, 1)),
        np.where(u < 0.82, rng.uniform(-0.03, 0.03, (p, 1)), rng.uniform(-0.20, -0.04, (p, 1))),
    )
    pace = trend + rng.uniform(-0.10, 0.10, (p, d))
    score = np.clip(base[person] + np.round(k[:, None] * pace[person]), 1, 5).astype(np.int64)
    frame = pl.DataFrame(
        {
            "_p": np.repeat(person, d),
            "bsn": np.repeat(w.p_bsn[person], d),
            "datum": date_series(np.repeat(day, d)),
            "domein": np.tile(np.asarray(ZRM_DOMEIN), n),
            "_o": np.tile(np.arange(d), n),
            "score": score.ravel(),
        }
    )
    return frame.sort("_p", "datum", "_o").drop("_p", "_o")


_STAPPEN = (
    "kennismakingsgesprek", "ZRM ingevuld", "afspraak nagekomen", "activiteit gestart", "taalles gevolgd",
    "sport of bewegen", "vrijwilligerswerk gestart", "cursus afgerond", "schuldhulp aangevraagd",
    "sociaal netwerk uitgebreid",
)  # fmt: skip


def _beloningen(w: World, meedoen: dict, seed: int) -> pl.DataFrame:
    """Vouchers of 10 euro per step, at most 50 a year for almost everyone (a few exceed it)."""
    rng = stream(seed, 80)
    if not len(meedoen["person"]):
        return pl.DataFrame(
            schema={"bsn": pl.String, "datum": pl.Date, "bedrag": pl.Float64, "stap": pl.String}
        )
    start, last = meedoen["start"], np.minimum(meedoen["end"], w.e)
    y0, y1 = year_of(start), year_of(last)
    ny = y1 - y0 + 1
    rep = np.repeat(np.arange(len(start)), ny)
    year = y0[rep] + (np.arange(len(rep)) - np.repeat(np.cumsum(ny) - ny, ny))
    lo = np.maximum(year_start(year), start[rep])
    hi = np.minimum(year_start(year + 1) - 1, last[rep])
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
            "datum": date_series(day),
            "bedrag": np.full(len(owner), 10.0),
            "stap": np.asarray(_STAPPEN)[rng.integers(0, len(_STAPPEN), len(owner))],
        }
    )
    # the same step rewarded twice on one day would be an exact double row: one voucher
    return frame.sort("_p", "datum", "stap").drop("_p").unique(maintain_order=True)


def _personen(w: World, person_km: np.ndarray, vz: pl.DataFrame, seed: int) -> pl.DataFrame:
    """One row per person: birth, sex, municipality, background, status holder, children, case manager."""
    assert w.niet_westers is not None and w.kids is not None, "traits not set"
    rng = stream(seed, 90)
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
        pick(rng, ("nederlands", "westers", "onbekend"), (0.80, 0.14, 0.06), n),
    )
    statushouder = w.niet_westers & (first_start >= to_day(dt.date(2014, 1, 1))) & (rng.random(n) < 0.35)
    return pl.DataFrame(
        {
            "bsn": w.p_bsn,
            "clientnummer": (300_001 + np.arange(n)).astype(str),
            "geboortedatum": date_series(w.p_birth),
            "geslacht": np.where(woman, "2", "1"),
            "gemeentecode": w.p_gemeente,
            "migratieachtergrond": mig,
            "statushouder": statushouder,
            "datum_verblijfsvergunning": date_series(np.minimum(dates_sh, w.e), ~statushouder),
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


def generate_tables(
    organisatie: str,
    personen: int | None = None,
    seed: int = 2024,
    extractiedatum: dt.date | None = None,
) -> dict[str, pl.DataFrame]:
    """All tables of the export as typed frames (dates as pl.Date, ja/nee as bool), plus `inwoners`."""
    preset = get_preset(organisatie)
    extractiedatum = extractiedatum or DEFAULT_EXTRACTIEDATUM
    vanaf = gegevens_vanaf(extractiedatum)
    e, g = to_day(extractiedatum), to_day(vanaf)
    natural = natural_size(organisatie, extractiedatum)
    n = natural if personen is None else int(personen)
    if n < 1:
        raise InputError("--personen moet minstens 1 zijn")
    w = build_world(preset, n, seed, e, g)
    rng = stream(seed, 5)
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
                "ingangsdatum": date_series(kb.start),
                "einddatum": date_series(np.where(kb.end == RUNNING, 0, kb.end), kb.end == RUNNING),
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
