"""Independent, simple computations of the calibration targets on generated frames.

Deliberately not the KPI engine: these follow the KPI definitions (docs/definities.md) in the plainest way,
so the generator's calibration is checked by code that shares nothing with it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

IN_SCOPE = ("01", "02", "03")


def spells(uitkeringen: pl.DataFrame, gap_days: int = 30) -> pl.DataFrame:
    """Merged in-scope spells per bsn (next period starting <= gap_days after the previous end)."""
    far = dt.date(9999, 12, 31)
    u = (
        uitkeringen.filter(pl.col("regeling").is_in(IN_SCOPE))
        .with_columns(pl.col("einddatum").fill_null(far).alias("end"))
        .sort("bsn", "aanvangsdatum")
    )
    u = u.with_columns(pl.col("end").cum_max().shift(1).over("bsn").alias("prev_end"))
    u = u.with_columns(
        (
            (pl.col("prev_end").is_null())
            | ((pl.col("aanvangsdatum") - pl.col("prev_end")).dt.total_days() > gap_days)
        )
        .cast(pl.Int32)
        .cum_sum()
        .over("bsn")
        .alias("spell")
    )
    return (
        u.group_by("bsn", "spell", maintain_order=True)
        .agg(
            pl.col("aanvangsdatum").min().alias("start"),
            pl.col("end").max().alias("end"),
            pl.col("reden_beeindiging").last().alias("reden"),
        )
        .with_columns(pl.when(pl.col("end") == far).then(None).otherwise(pl.col("end")).alias("end"))
    )


def stock(sp: pl.DataFrame, b: dt.date) -> pl.DataFrame:
    return sp.filter((pl.col("start") <= b) & (pl.col("end").is_null() | (pl.col("end") >= b)))


def outflow(sp: pl.DataFrame, year: int, reasons: tuple[str, ...]) -> int:
    return sp.filter((pl.col("end").dt.year() == year) & pl.col("reden").is_in(reasons)).height


def inflow(sp: pl.DataFrame, year: int) -> int:
    return sp.filter(pl.col("start").dt.year() == year).height


def benefits_running(uitkeringen: pl.DataFrame, b: dt.date) -> int:
    u = uitkeringen.filter(
        pl.col("regeling").is_in(IN_SCOPE)
        & (pl.col("aanvangsdatum") <= b)
        & (pl.col("einddatum").is_null() | (pl.col("einddatum") >= b))
    )
    return u["registratienummer"].n_unique()


def benefits_started(uitkeringen: pl.DataFrame, year: int) -> int:
    u = uitkeringen.filter(pl.col("regeling").is_in(IN_SCOPE) & (pl.col("aanvangsdatum").dt.year() == year))
    return u["registratienummer"].n_unique()


def perspectives(klantbeeld: pl.DataFrame, persons: pl.Series, b: dt.date) -> dict[str, int]:
    k = klantbeeld.filter(
        pl.col("bsn").is_in(persons.implode())
        & (pl.col("ingangsdatum") <= b)
        & (pl.col("einddatum").is_null() | (pl.col("einddatum") >= b))
    )
    counts = dict(k.group_by("perspectief").len().iter_rows())
    counts["duurzaam_vrijgesteld"] = k.filter(pl.col("duurzaam_vrijgesteld")).height
    return counts


def lks_split(voorzieningen: pl.DataFrame, b: dt.date) -> dict[str, float]:
    v = voorzieningen.filter(
        pl.col("soort").is_in(("lks", "lks_forfaitair"))
        & (pl.col("begindatum") <= b)
        & (pl.col("einddatum").is_null() | (pl.col("einddatum") >= b))
    )
    n = v.height
    sw = pl.col("werkgever_soort") == "sw_bedrijf"
    return {
        "n": n,
        "regulier": 100 * v.filter(~sw).height / n,
        "sw_banenafspraak": 100 * v.filter(sw & (pl.col("indicatie") == "banenafspraak")).height / n,
        "sw_beschut": 100 * v.filter(sw & (pl.col("indicatie") == "beschut")).height / n,
        "loonwaarde_gem": v["loonwaarde_pct"].mean(),
    }


def fip_rates(klantbeeld: pl.DataFrame, contact: pl.DataFrame, b: dt.date) -> pl.DataFrame:
    """FIP conversations per year of werken_aan exposure in the window ending on b (exposure >= 91 days)."""
    s = dt.date(b.year - 1, b.month, b.day) + dt.timedelta(days=1)
    k = (
        klantbeeld.filter(pl.col("perspectief") == "werken_aan")
        .with_columns(
            pl.max_horizontal(pl.col("ingangsdatum"), pl.lit(s)).alias("lo"),
            pl.min_horizontal(pl.col("einddatum").fill_null(b), pl.lit(b)).alias("hi"),
        )
        .filter(pl.col("hi") >= pl.col("lo"))
    )
    exposure = k.group_by("bsn").agg(((pl.col("hi") - pl.col("lo")).dt.total_days() + 1).sum().alias("dagen"))
    fip = (
        contact.filter(pl.col("soort") == "fip")
        .join(k.select("bsn", "lo", "hi"), on="bsn")
        .filter((pl.col("datum") >= pl.col("lo")) & (pl.col("datum") <= pl.col("hi")))
        .group_by("bsn")
        .len("fip")
    )
    return (
        exposure.filter(pl.col("dagen") >= 91)
        .join(fip, on="bsn", how="left")
        .with_columns(pl.col("fip").fill_null(0))
        .with_columns((pl.col("fip") * 365.25 / pl.col("dagen")).alias("per_jaar"))
    )


def summary(t: dict[str, pl.DataFrame], b: dt.date = dt.date(2024, 9, 30)) -> dict:
    """The figures the presets are calibrated to, for printing and for the tests."""
    sp = spells(t["uitkeringen"])
    st = stock(sp, b)
    n = st.height
    out = {
        "bestand_n": n,
        "uitkeringen_n": benefits_running(t["uitkeringen"], b),
        "duur_2plus_pct": 100 * st.filter(pl.col("start") <= dt.date(b.year - 2, b.month, b.day)).height / n,
        "duur_5plus_pct": 100 * st.filter(pl.col("start") <= dt.date(b.year - 5, b.month, b.day)).height / n,
    }
    out.update({f"perspectief_{k}": v for k, v in perspectives(t["klantbeeld"], st["bsn"], b).items()})
    for y in range(2016, 2024):
        out[f"uitstroom_werk_{y}"] = outflow(sp, y, ("11", "13"))
        out[f"uitstroom_{y}"] = sp.filter((pl.col("end").dt.year() == y) & (pl.col("reden") != "03")).height
        out[f"instroom_{y}"] = inflow(sp, y)
    return out


def zrm_change_per_participant(t: dict[str, pl.DataFrame], b: dt.date) -> pl.DataFrame:
    """Meedoen! participants measured twice since joining: summed score change from first to latest date."""
    joined = (
        t["voorzieningen"]
        .filter(pl.col("soort") == "meedoen")
        .group_by("bsn")
        .agg(pl.col("begindatum").min().alias("s"))
    )
    z = t["zrm"].join(joined, on="bsn").filter((pl.col("datum") >= pl.col("s")) & (pl.col("datum") <= b))
    z = z.with_columns(
        pl.col("datum").min().over("bsn").alias("first"), pl.col("datum").max().over("bsn").alias("last")
    ).filter(pl.col("last") > pl.col("first"))
    first = z.filter(pl.col("datum") == pl.col("first")).select("bsn", "domein", pl.col("score").alias("a"))
    last = z.filter(pl.col("datum") == pl.col("last")).select("bsn", "domein", pl.col("score").alias("z"))
    return (
        first.join(last, on=["bsn", "domein"])
        .group_by("bsn")
        .agg((pl.col("z") - pl.col("a")).sum().alias("verschil"))
    )
