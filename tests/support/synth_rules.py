"""The rules of a fault-free export (export-format.md), checked directly on typed frames.

Shared by the generator's rule tests and its fault tests (everything but the injected faults is clean).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines import schema
from pipelines.synth import elfproef


def violations(t: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Count rule violations per rule; every value must be 0 for a fault-free export."""
    e = t["levering"]["extractiedatum"][0]
    p, u, k, c, v = t["personen"], t["uitkeringen"], t["klantbeeld"], t["contactmomenten"], t["voorzieningen"]
    bsns = p["bsn"].implode()
    out: dict[str, int] = {}
    out["elfproef"] = sum(not elfproef(b) for b in p["bsn"].to_list())
    out["bsn_uniek"] = p.height - p["bsn"].n_unique()
    for name in schema.TABLE_ORDER:
        frame = t[name]
        out[f"{name}_dubbele_regels"] = frame.height - frame.unique().height  # the validation's `dubbel`
        if "bsn" in frame.columns and name != "personen":
            out[f"{name}_onbekende_persoon"] = frame.filter(~pl.col("bsn").is_in(bsns)).height
        for col in schema.TABLES[name].columns:
            if col.required:
                out[f"{name}.{col.name}_verplicht"] = frame[col.name].null_count()
            if col.codes and col.kind != schema.LIST:
                out[f"{name}.{col.name}_codelijst"] = frame.filter(
                    pl.col(col.name).is_not_null() & ~pl.col(col.name).is_in(col.codes)
                ).height
            if col.unique:
                out[f"{name}.{col.name}_uniek"] = frame.height - frame[col.name].n_unique()
            if col.kind == schema.DATE:
                out[f"{name}.{col.name}_na_extractie"] = frame.filter(pl.col(col.name) > e).height
    age = (e - p["geboortedatum"]).dt.total_days() / 365.25
    out["leeftijd"] = int(((age < 15) | (age > 110)).sum())
    for name, s, end in (
        ("uitkeringen", "aanvangsdatum", "einddatum"),
        ("klantbeeld", "ingangsdatum", "einddatum"),
        ("voorzieningen", "begindatum", "einddatum"),
    ):
        out[f"{name}_datumvolgorde"] = t[name].filter(pl.col(end) < pl.col(s)).height
    out["reden_iff_einde"] = u.filter(
        pl.col("einddatum").is_null() != pl.col("reden_beeindiging").is_null()
    ).height
    out["reden_einde_zonder_einde"] = v.filter(
        pl.col("einddatum").is_null() & pl.col("reden_einde").is_not_null()
    ).height
    out["einddatum_ontheffing"] = u.filter(
        pl.col("einddatum_ontheffing").is_not_null() & ~pl.col("ontheffing").is_in(("4", "5", "6"))
    ).height
    ks = k.sort("bsn", "ingangsdatum")
    out["klantbeeld_overlap"] = ks.filter(
        (pl.col("bsn") == pl.col("bsn").shift(1))
        & (pl.col("ingangsdatum") <= pl.col("einddatum").shift(1).fill_null(dt.date(9999, 1, 1)))
    ).height
    lks = pl.col("soort").is_in(schema.LKS_SOORTEN)
    werk = pl.col("soort").is_in(schema.WERKGEVER_SOORTEN)
    out["lks_velden"] = v.filter(
        lks & (pl.col("loonwaarde_pct").is_null() | pl.col("indicatie").is_null())
    ).height
    out["loonwaarde_bereik"] = v.filter(
        (pl.col("loonwaarde_pct") >= 100) | (pl.col("loonwaarde_pct") < 0)
    ).height
    out["loonwaarde_alleen_lks"] = v.filter(
        ~lks & (pl.col("loonwaarde_pct").is_not_null() | pl.col("indicatie").is_not_null())
    ).height
    out["werkgever_velden"] = v.filter(
        werk & (pl.col("werkgever_kvk").is_null() | pl.col("werkgever_soort").is_null())
    ).height
    out["werkgever_kvk_8_cijfers"] = v.filter(
        pl.col("werkgever_kvk").is_not_null() & ~pl.col("werkgever_kvk").str.contains(r"^\d{8}$")
    ).height
    out["jobcoach_regime_alleen_jobcoach"] = v.filter(
        (pl.col("soort") == "jobcoach") != pl.col("jobcoach_regime").is_not_null()
    ).height
    out["kosten_negatief"] = v.filter(pl.col("kosten") < 0).height
    fte = t["medewerkers"]["fte"]
    out["fte_bereik"] = int(((fte <= 0) | (fte > 1.2)).sum())
    out["klantmanager_bestaat"] = p.filter(
        ~pl.col("klantmanager").is_in(
            t["medewerkers"].filter(pl.col("functie") == "klantmanager")["medewerker"].implode()
        )
    ).height
    out["bedrag_negatief"] = t["inkomsten"].filter(pl.col("bedrag") < 0).height
    out["beloning_niet_positief"] = t["beloningen"].filter(pl.col("bedrag") <= 0).height
    out["zrm_score"] = t["zrm"].filter(~pl.col("score").is_between(1, 5)).height
    out["zrm_een_meting_per_dag"] = (
        t["zrm"].height - t["zrm"].select("bsn", "datum", "domein").unique().height
    )
    out["trede"] = k.filter(~pl.col("trede").is_between(1, 6)).height
    out["vrijgesteld_niet_meedoen"] = k.filter(
        pl.col("duurzaam_vrijgesteld") & (pl.col("perspectief") != "meedoen")
    ).height
    out["leefgebieden_codelijst"] = (
        c.select(pl.col("leefgebieden").str.split("|").explode())
        .filter(pl.col("leefgebieden").is_not_null() & ~pl.col("leefgebieden").is_in(schema.LEEFGEBIEDEN))
        .height
    )
    out["kinderen_negatief"] = p.filter(pl.col("kinderen_ten_laste") < 0).height
    # couples share a registratienummer; each registratienummer has at most two persons
    per_nr = u.group_by("registratienummer").agg(pl.col("bsn").n_unique().alias("n"))
    out["registratienummer_max_twee"] = per_nr.filter(pl.col("n") > 2).height
    return {rule: n for rule, n in out.items() if n}
