"""A plain pandas implementation of the yearly KPI definitions: the reference a user would otherwise write.

Why: the benchmark compares the polars engine with what an analyst would write by hand from
docs/definities.md,
and checks both give the same figures. It covers every family for one peildatum - stock and
flows with the multi-year means, part-time work, stock composition, LKS, FIP, case load - and
returns `{(kpi, gemeentecode): value}` with None where a figure is not available.

It deliberately does not reuse anything from `pipelines.kpi`: the agreement check is only
worth something if the two are written independently.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

OPEN = pd.Timestamp("2200-01-01")
WERK = ["11", "13"]
INKOMEN = ["14", "15", "17", "18", "19"]
SIX = ["financien", "werk_opleiding", "huisvesting", "gezondheid", "sociaal_netwerk", "dagbesteding"]


def years_back(b: dt.date, n: int) -> dt.date:
    """b minus n years (29 February -> 28 February)."""
    try:
        return b.replace(year=b.year - n)
    except ValueError:
        return b.replace(year=b.year - n, day=28)


def months_back(b: dt.date, n: int) -> dt.date:
    idx = b.year * 12 + b.month - 1 - n
    y, m = idx // 12, idx % 12 + 1
    last = (pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0)).day
    return dt.date(y, m, min(b.day, last))


def window(b: dt.date) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(years_back(b, 1) + dt.timedelta(days=1)), pd.Timestamp(b)


def merge_spells(u: pd.DataFrame, regelingen, gap_days: int) -> pd.DataFrame:
    u = u[u["regeling"].isin(list(regelingen))].copy()
    u["end_f"] = u["einddatum"].fillna(OPEN)
    u = u.sort_values(["persoon", "aanvangsdatum", "end_f", "registratienummer"])
    prev = u.groupby("persoon")["end_f"].cummax().groupby(u["persoon"]).shift(1)
    new = prev.isna() | ((u["aanvangsdatum"] - prev).dt.days > gap_days)
    u["spell"] = new.astype("int64").groupby(u["persoon"]).cumsum()
    last = (
        u.sort_values(["persoon", "spell", "end_f", "aanvangsdatum", "registratienummer"])
        .groupby(["persoon", "spell"])
        .tail(1)
    )
    spells = (
        u.groupby(["persoon", "spell"])
        .agg(start=("aanvangsdatum", "min"), end_f=("end_f", "max"))
        .reset_index()
    )
    spells = spells.merge(last[["persoon", "spell", "reden_beeindiging"]], on=["persoon", "spell"])
    return spells


def _per_gemeente(df: pd.DataFrame, gemeenten: list[str], func) -> dict[str, object]:
    """Apply `func(frame)` to the whole organisation and to each municipality."""
    out = {"totaal": func(df)}
    for g in gemeenten:
        out[g] = func(df[df["gemeentecode"] == g])
    return out


def _pct(t, n):
    return None if n == 0 else 100.0 * t / n


def flows(spells: pd.DataFrame, b: dt.date, gemeenten) -> dict[str, dict]:
    s, e = window(b)
    sp = spells[(spells["start"] <= e) & (spells["end_f"] >= s)]

    def one(d):
        begin = ((d["start"] < s) & (d["end_f"] >= s)).sum()
        inflow = ((d["start"] >= s) & (d["start"] <= e)).sum()
        ends = (d["end_f"] >= s) & (d["end_f"] <= e)
        r = d["reden_beeindiging"]
        return {
            "D": int(begin + inflow),
            "alle": int((ends & r.notna() & (r != "03")).sum()),
            "werk": int((ends & r.isin(WERK)).sum()),
            "wi": int((ends & r.isin(WERK + INKOMEN)).sum()),
            "in": int(inflow),
        }

    return _per_gemeente(sp, gemeenten, one)


def parttime(
    spells: pd.DataFrame, inkomsten: pd.DataFrame, b: dt.date, gemeenten, soorten=("11",)
) -> dict[str, tuple[int, int]]:
    s, e = window(b)
    sp = spells[(spells["start"] <= e) & (spells["end_f"] >= s)]
    ink = inkomsten[inkomsten["soort_inkomsten"].isin(list(soorten))][["persoon", "maand"]].drop_duplicates()
    ink = ink.assign(m0=ink["maand"].clip(lower=s), m1=(ink["maand"] + pd.offsets.MonthEnd(0)).clip(upper=e))
    ink = ink[ink["m0"] <= ink["m1"]]
    j = ink.merge(sp[["persoon", "start", "end_f"]], on="persoon")
    worked = set(j.loc[(j["start"] <= j["m1"]) & (j["end_f"] >= j["m0"]), "persoon"])
    persons = sp.drop_duplicates("persoon")[["persoon", "gemeentecode"]]
    persons = persons.assign(w=persons["persoon"].isin(worked))
    return _per_gemeente(persons, gemeenten, lambda d: (int(d["w"].sum()), len(d)))


def compute(
    t: dict[str, pd.DataFrame],
    b: dt.date,
    gemeenten: list[str],
    regelingen=("01", "02", "03"),
    gap_days: int = 30,
    gegevens_vanaf: dt.date | None = None,
    norm_factor: float = 1.10,
    fip_norm: int = 4,
    fip_min: int = 91,
    caseload_norm: float = 50.0,
    fip_perspectieven=("werken_aan", "meedoen"),
) -> dict[tuple[str, str], float | None]:
    """Every yearly KPI (and the multi-year means) for peildatum `b`, as `{(kpi, gemeente): value}`."""
    res: dict[tuple[str, str], float | None] = {}
    pers = t["personen"][["persoon", "gemeentecode"]]
    spells = merge_spells(t["uitkeringen"], regelingen, gap_days).merge(pers, on="persoon", how="left")
    B = pd.Timestamp(b)

    # uitstroom and deeltijdwerk, four windows
    yearly = {
        "uitstroom_werk_pct": [],
        "uitstroom_werk_inkomen_pct": [],
        "deeltijdwerk_pct": [],
        "deeltijdwerk_inkomen_pct": [],
    }
    for k in range(4):
        p = years_back(b, k)
        if gegevens_vanaf is not None and window(p)[0].date() < gegevens_vanaf:
            break
        f = flows(spells, p, gemeenten)
        pt = parttime(spells, t["inkomsten"], p, gemeenten)
        pti = parttime(spells, t["inkomsten"], p, gemeenten, ("11", "18", "23", "24", "98"))
        yearly["uitstroom_werk_pct"].append({g: _pct(v["werk"], v["D"]) for g, v in f.items()})
        yearly["uitstroom_werk_inkomen_pct"].append({g: _pct(v["wi"], v["D"]) for g, v in f.items()})
        yearly["deeltijdwerk_pct"].append({g: _pct(w, n) for g, (w, n) in pt.items()})
        yearly["deeltijdwerk_inkomen_pct"].append({g: _pct(w, n) for g, (w, n) in pti.items()})
        if k == 0:
            for g, v in f.items():
                res[("uitstroom_pct", g)] = _pct(v["alle"], v["D"])
                res[("uitstroom_werk_pct", g)] = _pct(v["werk"], v["D"])
                res[("uitstroom_werk_inkomen_pct", g)] = _pct(v["wi"], v["D"])
                res[("instroom_pct", g)] = _pct(v["in"], v["D"])
                res[("uitstroom_werk_n", g)] = v["werk"]
                res[("uitstroom_werk_inkomen_n", g)] = v["wi"]
                res[("instroom_n", g)] = v["in"]
            for g, (w, n) in pt.items():
                res[("deeltijdwerk_pct", g)] = _pct(w, n)
            for g, (w, n) in pti.items():
                res[("deeltijdwerk_inkomen_pct", g)] = _pct(w, n)
    for kpi, series in yearly.items():
        for g in ["totaal"] + gemeenten:
            vals = [y[g] for y in series if y[g] is not None]
            mean = sum(vals) / len(vals) if vals else None
            res[(f"{kpi}_meerjarig", g)] = mean
            res[(f"{kpi}_normwaarde", g)] = None if mean is None else norm_factor * mean

    # bestand
    stock = spells[(spells["start"] <= B) & (spells["end_f"] >= B)][["persoon", "start"]]
    u = t["uitkeringen"]
    u = u[u["regeling"].isin(list(regelingen))]
    cur = u[u["aanvangsdatum"] <= B].assign(end_f=u["einddatum"].fillna(OPEN))
    cur = (
        cur.sort_values(["persoon", "aanvangsdatum", "end_f", "registratienummer"]).groupby("persoon").tail(1)
    )
    cur = cur.assign(
        ontheffing_actief=cur["ontheffing"].isin(["4", "5", "6"])
        & (cur["einddatum_ontheffing"].isna() | (cur["einddatum_ontheffing"] >= B))
    )[["persoon", "leefvorm", "ontheffing_actief"]]
    p = t["personen"][["persoon", "gemeentecode", "statushouder", "doelgroepregister", "geboortedatum"]]
    st = stock.merge(p, on="persoon", how="left").merge(cur, on="persoon", how="left")
    geb = st["geboortedatum"]
    age = (
        b.year - geb.dt.year - ((geb.dt.month > b.month) | ((geb.dt.month == b.month) & (geb.dt.day > b.day)))
    )
    st["plus50"] = age >= 50
    kb = t["klantbeeld"]
    kb = kb[(kb["ingangsdatum"] <= B) & (kb["einddatum"].isna() | (kb["einddatum"] >= B))]
    kb = (
        kb.sort_values(["persoon", "ingangsdatum"])
        .groupby("persoon")
        .tail(1)[["persoon", "perspectief", "duurzaam_vrijgesteld"]]
    )
    st = st.merge(kb, on="persoon", how="left")
    two, five = pd.Timestamp(years_back(b, 2)), pd.Timestamp(years_back(b, 5))
    running = u[(u["aanvangsdatum"] <= B) & (u["einddatum"].isna() | (u["einddatum"] >= B))].merge(
        pers, on="persoon"
    )

    def stock_one(d):
        n = len(d)
        return {
            "bestand_n": n,
            "duur_2plus_pct": _pct(int((d["start"] <= two).sum()), n),
            "duur_5plus_pct": _pct(int((d["start"] <= five).sum()), n),
            "alleenstaande_ouder_n": int((d["leefvorm"] == "2").sum()),
            "statushouder_n": int(d["statushouder"].fillna(False).astype(bool).sum()),
            "doelgroepregister_n": int(d["doelgroepregister"].fillna(False).astype(bool).sum()),
            "leeftijd_50plus_n": int(d["plus50"].sum()),
            "ontheffing_n": int(d["ontheffing_actief"].fillna(False).astype(bool).sum()),
            "perspectief_werken_n": int((d["perspectief"] == "werken").sum()),
            "perspectief_werken_aan_n": int((d["perspectief"] == "werken_aan").sum()),
            "perspectief_meedoen_n": int((d["perspectief"] == "meedoen").sum()),
            "perspectief_onbekend_n": int(d["perspectief"].isna().sum()),
            "duurzaam_vrijgesteld_n": int(d["duurzaam_vrijgesteld"].fillna(False).astype(bool).sum()),
        }

    for g, vals in _per_gemeente(st, gemeenten, stock_one).items():
        for kpi, v in vals.items():
            res[(kpi, g)] = v
    for g, v in _per_gemeente(running, gemeenten, lambda d: d["registratienummer"].nunique()).items():
        res[("uitkeringen_n", g)] = v

    # lks
    vz = t["voorzieningen"]
    run = vz[(vz["begindatum"] <= B) & (vz["einddatum"].isna() | (vz["einddatum"] >= B))].merge(
        pers, on="persoon", how="left"
    )
    lks = run[run["soort"].isin(["lks", "lks_forfaitair"])]

    def lks_one(d):
        n = len(d)
        sw = d["werkgever_soort"] == "sw_bedrijf"
        return {
            "lks_actief_n": n,
            "lks_regulier_pct": _pct(int(d["werkgever_soort"].isin(["regulier", "overheid"]).sum()), n),
            "lks_werkgever_onbekend_pct": _pct(int(d["werkgever_soort"].isna().sum()), n),
            "lks_sw_banenafspraak_pct": _pct(int((sw & (d["indicatie"] == "banenafspraak")).sum()), n),
            "lks_sw_beschut_pct": _pct(int((sw & (d["indicatie"] == "beschut")).sum()), n),
            "lks_loonwaarde_gem": d["loonwaarde_pct"].mean() if d["loonwaarde_pct"].notna().any() else None,
        }

    for g, vals in _per_gemeente(lks, gemeenten, lks_one).items():
        for kpi, v in vals.items():
            res[(kpi, g)] = v
    three, m24 = pd.Timestamp(years_back(b, 3)), pd.Timestamp(months_back(b, 24))

    def over_term(soort, limit):
        """Persons running `soort` on b whose provisions of that soort (overlaps once) cover more days up
        to b than the term from `limit` to b.
        """
        v = vz[(vz["soort"] == soort) & (vz["begindatum"] <= B)][["persoon", "begindatum", "einddatum"]]
        v = v.assign(tot=v["einddatum"].fillna(B).clip(upper=B)).sort_values(["persoon", "begindatum", "tot"])
        reach = v.groupby("persoon")["tot"].cummax().groupby(v["persoon"]).shift(1)
        v["blok"] = (reach.isna() | (v["begindatum"] > reach)).astype("int64").groupby(v["persoon"]).cumsum()
        blocks = v.groupby(["persoon", "blok"]).agg(van=("begindatum", "min"), tot=("tot", "max"))
        days = ((blocks["tot"] - blocks["van"]).dt.days + 1).groupby(level="persoon").sum()
        runners = run[run["soort"] == soort].drop_duplicates("persoon")
        return runners.assign(over=runners["persoon"].map(days) > (B - limit).days + 1)

    ontw, coach = over_term("ontwikkelbaan", three), over_term("jobcoach", m24)
    for g in ["totaal"] + gemeenten:
        sel = (lambda d: d) if g == "totaal" else (lambda d, g=g: d[d["gemeentecode"] == g])
        res[("ontwikkelbaan_n", g)] = int((sel(run)["soort"] == "ontwikkelbaan").sum())
        res[("ontwikkelbaan_over_3jaar_n", g)] = int(sel(ontw)["over"].sum())
        res[("jobcoach_over_24mnd_n", g)] = int(sel(coach)["over"].sum())
        jc = sel(run)[sel(run)["soort"] == "jobcoach"]
        res[("jobcoach_n", g)] = len(jc)
        for regime in ("zeer_licht", "licht", "midden", "intensief"):
            res[(f"jobcoach_regime_{regime}_pct", g)] = _pct(
                int((jc["jobcoach_regime"] == regime).sum()), len(jc)
            )

    # fip
    s, e = window(b)
    wa = t["klantbeeld"]
    wa = wa[wa["perspectief"].isin(list(fip_perspectieven))]
    wa = wa.assign(van=wa["ingangsdatum"].clip(lower=s), tot=wa["einddatum"].fillna(e).clip(upper=e))
    # a day two periods of a person share counts once: a period starts after the earlier ones have ended
    wa = wa.sort_values(["persoon", "van"])
    ended = wa.groupby("persoon")["tot"].cummax().groupby(wa["persoon"]).shift(1)
    wa = wa.assign(van=wa["van"].where(ended.isna() | (wa["van"] > ended), ended + pd.Timedelta(days=1)))
    wa = wa.assign(dagen=((wa["tot"] - wa["van"]).dt.days + 1).clip(lower=0))
    wa = wa[wa["dagen"] > 0]
    expo = wa.groupby("persoon")["dagen"].sum()
    popl = expo[expo >= fip_min].rename("blootstelling").reset_index()
    cm = t["contactmomenten"]
    cm = cm[(cm["soort"] == "fip") & (cm["datum"] >= s) & (cm["datum"] <= e)]
    cm = cm.merge(wa[["persoon", "van", "tot"]], on="persoon")
    cm = cm[(cm["datum"] >= cm["van"]) & (cm["datum"] <= cm["tot"])]
    cm = cm[cm["persoon"].isin(popl["persoon"])]
    # one conversation per person and day: the day's records together
    cm = (
        cm.assign(
            domeinen=cm["leefgebieden"].map(lambda x: set() if x is None else set(x)),
            vervolg=cm["vervolgafspraak"].fillna(False).astype(bool),
        )
        .groupby(["persoon", "datum"])
        .agg(domeinen=("domeinen", lambda x: set().union(*x)), vervolg=("vervolg", "any"))
        .reset_index()
    )
    cm = cm.assign(volledig=cm["domeinen"].map(lambda x: set(SIX) <= x)).merge(pers, on="persoon", how="left")
    cnt = cm.groupby("persoon").size().rename("fip")
    popl = popl.merge(cnt, on="persoon", how="left").fillna({"fip": 0}).merge(pers, on="persoon", how="left")
    popl["nodig"] = np.floor(fip_norm * popl["blootstelling"] / 365.25 + 0.5)
    popl["rate"] = popl["fip"] * 365.25 / popl["blootstelling"]

    def fip_one(d):
        n = len(d)
        return {
            "fip_populatie_n": n,
            "fip_per_jaar_gem": d["rate"].mean() if n else None,
            "fip_per_jaar_mediaan": d["rate"].median() if n else None,
            "fip_norm_pct": _pct(int((d["fip"] >= d["nodig"]).sum()), n),
            "fip_geen_n": int((d["fip"] == 0).sum()),
        }

    for g, vals in _per_gemeente(popl, gemeenten, fip_one).items():
        for kpi, v in vals.items():
            res[(kpi, g)] = v
    for g, (n, vol, ver) in _per_gemeente(
        cm, gemeenten, lambda d: (len(d), int(d["volledig"].sum()), int(d["vervolg"].sum()))
    ).items():
        res[("fip_leefgebieden_volledig_pct", g)] = _pct(vol, n)
        res[("fip_vervolgafspraak_pct", g)] = _pct(ver, n)

    # caseload (organisation only), referrals, tegenprestatie
    km = t["medewerkers"]
    km = km[km["functie"] == "klantmanager"]
    own = stock.merge(t["personen"][["persoon", "klantmanager"]], on="persoon").groupby("klantmanager").size()
    km = km.assign(klanten=km["medewerker"].map(own).fillna(0))
    res[("caseload_per_fte", "totaal")] = km["klanten"].sum() / km["fte"].sum()
    res[("caseload_boven_norm_n", "totaal")] = int((km["klanten"] / km["fte"] >= caseload_norm).sum())
    zorg = vz[
        vz["soort"].isin(["schuldhulpverlening", "ggz", "verslavingszorg", "maatschappelijk_werk"])
        & (vz["begindatum"] >= s)
        & (vz["begindatum"] <= e)
    ].merge(pers, on="persoon", how="left")
    for g, v in _per_gemeente(zorg, gemeenten, len).items():
        res[("doorverwijzingen_zorg_n", g)] = v
    tp = set(run.loc[run["soort"].isin(["tegenprestatie", "vrijwilligerswerk"]), "persoon"])
    stp = st[st["persoon"].isin(tp)]
    for g, v in _per_gemeente(stp, gemeenten, lambda d: d["persoon"].nunique()).items():
        res[("tegenprestatie_n", g)] = v
    return res
