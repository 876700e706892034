"""The Meedoen! pilot of a shared social service: target groups, quarterly monitor and cost model.

docs/definities.md: attention coaches visit long-term clients at home, reward steps with small
vouchers (at most `max_beloning_per_jaar` a year), measure progress with the Zelfredzaamheidsmatrix
and evaluate every three months. The pilot's parameters are `programmas.meedoen` in the organisation
configuration; an organisation without them runs no pilot and gets every figure as not available.
docs/definities.md ("Meedoen!") states every choice made here (denominators, reference date,
"reached", the calendar year of the reward maximum, what "improved" means on the ZRM).

Every function is frame in / frame out; `meedoen_rows` turns them into kpis.csv rows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.config import PilotParams, meedoen_params
from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    TOTAAL,
    Context,
    Unavailable,
    by_gemeente,
    count_rows,
    guarded,
    pct_rows,
    rows,
    with_gemeente,
)
from pipelines.kpi.bestand import current_periods, stock_on
from pipelines.kpi.uitstroom import WERK
from pipelines.periods import minus_months, minus_years
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import running_on

MEEDOEN = "meedoen"
ACTIVITEITEN = ("vrijwilligerswerk", "dagbesteding", "tegenprestatie")
HUISBEZOEK = "huisbezoek"
IN_INRICHTING = "4"
GROEPEN = ("groep_1", "groep_2", "groep_3", "groep_4")
#: Dutch names of the target groups, as the pilot proposal words them.
GROEP_LABELS = {
    "groep_1": "1. Alleenstaande ouders en paren met kinderen, 5 jaar of langer in de bijstand",
    "groep_2": "2. Alleenstaanden van 56 jaar en ouder, 5 jaar of langer in de bijstand",
    "groep_3": "3. Niet-westerse migratieachtergrond, langer dan 5 jaar in de bijstand",
    "groep_4": "4. Trede 1 van de participatieladder (geïsoleerd), niet in een inrichting",
}
#: Column order of the proposal's table (Hillegom, Lisse, Noordwijk, Teylingen).
VOORSTEL_GEMEENTEN = ("0534", "0553", "0575", "1525")

DOELGROEP = [
    "meedoen_doelgroep_1_n",
    "meedoen_doelgroep_2_n",
    "meedoen_doelgroep_3_n",
    "meedoen_doelgroep_4_n",
    "meedoen_doelgroep_n",
]
BEREIK = ["meedoen_deelname_pct"]
DEELNAME = ["meedoen_deelnemers_n", "meedoen_activiteit_pct", "meedoen_uitstroom_werk_pct"]
BEZOEKEN = ["meedoen_huisbezoeken_per_deelnemer", "meedoen_bereikt_pct"]
BELONINGEN = ["meedoen_beloningen_bedrag", "meedoen_beloning_per_deelnemer", "meedoen_boven_max_beloning_n"]
ZRM = ["meedoen_zrm_verbeterd_pct"]
KOSTEN = ["meedoen_trajectkosten"]
KPIS = DOELGROEP + BEREIK + DEELNAME + BEZOEKEN + BELONINGEN + ZRM + KOSTEN

GEEN_PILOT = (
    "niet beschikbaar: de organisatie draait geen pilot Meedoen! (geen programmas.meedoen in de configuratie)"
)
GEEN_DEELNEMERS = "niet beschikbaar: geen voorzieningen van soort meedoen in de export"


# --- parameters ------------------------------------------------------------------------------------


def pilot_params(config) -> PilotParams:
    """The pilot's parameters (validated when the configuration was loaded), or `Unavailable` without a
    pilot.
    """
    raw = (config.programmas or {}).get(MEEDOEN)
    if not raw:
        raise Unavailable(GEEN_PILOT)
    return meedoen_params(raw)


def reference_date(params: PilotParams, voorzieningen: pl.DataFrame | None) -> dt.date:
    """The target groups' reference date: configured, else 1 March of the year the first participation
    started.
    """
    if params.peildatum_doelgroepen is not None:
        return params.peildatum_doelgroepen
    first = None if voorzieningen is None else participations(voorzieningen).get_column("begindatum").min()
    if not isinstance(first, dt.date):
        raise Unavailable(GEEN_DEELNEMERS)
    return dt.date(first.year, 3, 1)


def runs_pilot(config) -> bool:
    """Whether the organisation's configuration has the pilot (`programmas.meedoen`)."""
    return bool((config.programmas or {}).get(MEEDOEN))


def norm_rules(config) -> list[registry.NormRule]:
    """The dashboard's checks of the pilot: `(kpi, op, limit)`; none when the organisation runs no pilot.

    The lower bound of each ambition (60 % take part, 60 % of them have an activity), and nobody
    above the yearly reward maximum.
    """
    try:
        params = pilot_params(config)
    except Unavailable:
        return []
    return [
        registry.NormRule("meedoen_deelname_pct", ">=", params.ambitie_deelname_pct[0]),
        registry.NormRule("meedoen_activiteit_pct", ">=", params.ambitie_activiteit_pct[0]),
        registry.NormRule("meedoen_boven_max_beloning_n", "<=", 0.0),
    ]


# --- target groups ---------------------------------------------------------------------------------


def target_groups(
    spells: pl.DataFrame,
    uitkeringen: pl.DataFrame,
    personen: pl.DataFrame,
    klantbeeld: pl.DataFrame,
    reference: dt.date,
    regelingen=("01", "02", "03"),
) -> pl.DataFrame:
    """One row per person in stock on `reference` with a boolean per target group.

    A person may be in several groups.

    Years of assistance count from the start of the merged spell (`start <= ref - 5 years` is "5 years
    or more", groups 1 and 2; group 3 says "more than 5 years": `start < ref - 5 years`). Leefvorm and
    huisvesting come from the current benefit period, the rung from the klantbeeld period running on
    the date; an unknown huisvesting is not an institution (only code 4 excludes).
    Columns: persoon, gemeentecode, start, leeftijd, groep_1..groep_4, doelgroep (any of them).
    """
    stock = stock_on(spells, uitkeringen, personen, reference, regelingen)
    five = minus_years(reference, 5)
    extra = personen.lazy().select(PERSON_COLUMN, "kinderen_ten_laste", "migratieachtergrond")
    huis = current_periods(uitkeringen, regelingen, reference).select(PERSON_COLUMN, "huisvesting")
    trede = (
        running_on(klantbeeld, reference, start="ingangsdatum", end="einddatum")
        .sort(PERSON_COLUMN, "ingangsdatum")
        .group_by(PERSON_COLUMN)
        .last()
        .select(PERSON_COLUMN, "trede")
    )
    with_kids = (pl.col("leefvorm") == "2") | (
        (pl.col("leefvorm") == "3") & (pl.col("kinderen_ten_laste") > 0)
    )
    out = (
        stock.lazy()
        .join(extra, on=PERSON_COLUMN, how="left")
        .join(huis, on=PERSON_COLUMN, how="left")
        .join(trede, on=PERSON_COLUMN, how="left")
        .select(
            PERSON_COLUMN,
            GEMEENTE,
            "start",
            "leeftijd",
            (with_kids & (pl.col("start") <= five)).fill_null(False).alias("groep_1"),
            ((pl.col("leefvorm") == "1") & (pl.col("leeftijd") >= 56) & (pl.col("start") <= five))
            .fill_null(False)
            .alias("groep_2"),
            ((pl.col("migratieachtergrond") == "niet_westers") & (pl.col("start") < five))
            .fill_null(False)
            .alias("groep_3"),
            ((pl.col("trede") == 1) & (pl.col("huisvesting").fill_null("") != IN_INRICHTING))
            .fill_null(False)
            .alias("groep_4"),
        )
        .with_columns(pl.any_horizontal(*GROEPEN).alias("doelgroep"))
    )
    return out.sort(PERSON_COLUMN).collect()


def group_counts(groups: pl.DataFrame, gemeenten: list[str]) -> pl.DataFrame:
    """Persons per target group and in any group, per municipality and `totaal` (`by_gemeente`)."""
    aggs = [pl.col(g).sum().alias(g) for g in GROEPEN] + [pl.col("doelgroep").sum().alias("doelgroep")]
    return by_gemeente(groups, aggs, gemeenten)


def proposal_layout(counts: pl.DataFrame, gemeenten: dict[str, str]) -> pl.DataFrame:
    """The proposal's table: one row per group (and unique persons), a column per municipality and
    `totaal`.
    """
    codes = [c for c in VOORSTEL_GEMEENTEN if c in gemeenten] + [
        c for c in sorted(gemeenten) if c not in VOORSTEL_GEMEENTEN
    ]
    lookup = {r[GEMEENTE]: r for r in counts.iter_rows(named=True)}
    labels = {**GROEP_LABELS, "doelgroep": "Unieke personen in een of meer groepen"}
    out = []
    for col, label in labels.items():
        row: dict[str, str | int] = {"Doelgroep": label}
        for code in codes:
            row[gemeenten[code]] = int(lookup.get(code, {}).get(col) or 0)
        row["Totaal"] = int(lookup[TOTAAL][col])
        out.append(row)
    return pl.DataFrame(out)


def overlap_table(groups: pl.DataFrame) -> pl.DataFrame:
    """Persons per combination of target groups (e.g. `1+2`), largest first: who is counted twice."""
    persons = groups.filter(pl.col("doelgroep"))
    combo = pl.concat_str(
        [pl.when(pl.col(g)).then(pl.lit(g[-1])) for g in GROEPEN], separator="+", ignore_nulls=True
    ).alias("groepen")
    return (
        persons.select(combo, pl.sum_horizontal(*GROEPEN).alias("aantal_groepen"))
        .group_by("groepen", "aantal_groepen")
        .agg(pl.len().alias("personen"))
        .sort(["personen", "groepen"], descending=[True, False])
    )


def selection_list(groups: pl.DataFrame) -> pl.DataFrame:
    """The coaches' planning list: pseudonym, municipality and groups of every person in a target group.

    For internal use only (never in a published page): `persoon` is the keyed pseudonym of clean
    data, never a BSN; the coaches' own system links it back.
    """
    return (
        groups.filter(pl.col("doelgroep"))
        .select(PERSON_COLUMN, GEMEENTE, *GROEPEN)
        .sort(GEMEENTE, PERSON_COLUMN)
    )


def write_selection_list(groups: pl.DataFrame, folder: str | Path) -> Path:
    """Write `<folder>/meedoen_selectie.csv` (internal; `folder` must not be inside a published bundle)."""
    path = Path(folder) / "meedoen_selectie.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    selection_list(groups).write_csv(path, separator=";", line_terminator="\n")
    return path


# --- participation ---------------------------------------------------------------------------------


def participations(voorzieningen: pl.LazyFrame | pl.DataFrame) -> pl.DataFrame:
    """The `meedoen` provisions: `persoon, begindatum, einddatum` (one row per participation)."""
    return (
        voorzieningen.lazy()
        .filter(pl.col("soort") == MEEDOEN)
        .select(PERSON_COLUMN, "begindatum", "einddatum")
        .sort(PERSON_COLUMN, "begindatum")
        .collect()
    )


def participants_on(voorzieningen: pl.LazyFrame | pl.DataFrame, b: dt.date) -> pl.DataFrame:
    """Persons with a `meedoen` provision running on `b`."""
    return (
        running_on(participations(voorzieningen), b, "begindatum", "einddatum")
        .select(PERSON_COLUMN)
        .unique()
        .sort(PERSON_COLUMN)
        .collect()
    )


def participants_between(voorzieningen: pl.LazyFrame | pl.DataFrame, s: dt.date, b: dt.date) -> pl.DataFrame:
    """Persons with a `meedoen` provision running at some time in `s..b`, with their first start."""
    return (
        participations(voorzieningen)
        .filter((pl.col("begindatum") <= b) & (pl.col("einddatum").is_null() | (pl.col("einddatum") >= s)))
        .group_by(PERSON_COLUMN)
        .agg(pl.col("begindatum").min().alias("eerste_start"))
        .sort(PERSON_COLUMN)
    )


def joined(groups: pl.DataFrame, voorzieningen: pl.DataFrame, reference: dt.date, b: dt.date) -> pl.DataFrame:
    """`groups` with `deelgenomen`: the person took part at some time from `reference` up to `b`."""
    took = participations(voorzieningen).filter(
        (pl.col("begindatum") <= b) & (pl.col("einddatum").is_null() | (pl.col("einddatum") >= reference))
    )
    return groups.with_columns(
        pl.col(PERSON_COLUMN).is_in(took.get_column(PERSON_COLUMN).implode()).alias("deelgenomen")
    )


def activities_on(voorzieningen: pl.DataFrame, b: dt.date) -> pl.DataFrame:
    """Participants on `b` with `activiteit`: a vrijwilligerswerk, dagbesteding or tegenprestatie running on
    `b`.
    """
    doing = running_on(
        voorzieningen.filter(pl.col("soort").is_in(ACTIVITEITEN)), b, "begindatum", "einddatum"
    )
    ids = doing.select(PERSON_COLUMN).collect().get_column(PERSON_COLUMN).implode()
    return participants_on(voorzieningen, b).with_columns(
        pl.col(PERSON_COLUMN).is_in(ids).alias("activiteit")
    )


def work_outflow(spells: pl.DataFrame, voorzieningen: pl.DataFrame, s: dt.date, b: dt.date) -> pl.DataFrame:
    """Participants of the window with `uitstroom_werk`: a merged spell ended in `s..b`, on or after their
    first start, with reason 11 or 13 (work)."""
    people = participants_between(voorzieningen, s, b)
    ended = (
        spells.lazy()
        .filter((pl.col("end") >= s) & (pl.col("end") <= b) & pl.col("reden_beeindiging").is_in(WERK))
        .join(people.lazy(), on=PERSON_COLUMN, how="inner")
        .filter(pl.col("end") >= pl.col("eerste_start"))
        .select(PERSON_COLUMN)
        .collect()
        .get_column(PERSON_COLUMN)
        .implode()
    )
    return people.with_columns(pl.col(PERSON_COLUMN).is_in(ended).alias("uitstroom_werk"))


def quarter(b: dt.date) -> tuple[dt.date, dt.date]:
    """The three months ending at `b` (the pilot evaluates every quarter): `(b - 3 months + 1 day, b)`."""
    return minus_months(b, 3) + dt.timedelta(days=1), b


def home_visits(
    contactmomenten: pl.DataFrame, voorzieningen: pl.DataFrame, s: dt.date, b: dt.date
) -> pl.DataFrame:
    """Participants of `s..b` with `huisbezoeken`: home visits in `s..b` dated inside one of their
    participations.
    """
    people = participants_between(voorzieningen, s, b)
    spans = (
        participations(voorzieningen)
        .lazy()
        .join(people.lazy().select(PERSON_COLUMN), on=PERSON_COLUMN, how="semi")
    )
    visits = (
        contactmomenten.lazy()
        .filter((pl.col("soort") == HUISBEZOEK) & (pl.col("datum") >= s) & (pl.col("datum") <= b))
        .select(PERSON_COLUMN, "contact_id", "datum")
        .join(spans, on=PERSON_COLUMN, how="inner")
        .filter(
            (pl.col("datum") >= pl.col("begindatum"))
            & (pl.col("einddatum").is_null() | (pl.col("datum") <= pl.col("einddatum")))
        )
        .select(PERSON_COLUMN, "contact_id")
        .unique()
        .group_by(PERSON_COLUMN)
        .agg(pl.len().alias("huisbezoeken"))
    )
    return (
        people.lazy()
        .join(visits, on=PERSON_COLUMN, how="left")
        .with_columns(pl.col("huisbezoeken").fill_null(0).cast(pl.Int64))
        .with_columns((pl.col("huisbezoeken") > 0).alias("bereikt"))
        .sort(PERSON_COLUMN)
        .collect()
    )


def rewards_per_person(beloningen: pl.DataFrame, s: dt.date, b: dt.date) -> pl.DataFrame:
    """Per rewarded person the rewards dated in `s..b`: `persoon, bedrag, aantal` (exact sums of cents)."""
    return (
        beloningen.lazy()
        .filter((pl.col("datum") >= s) & (pl.col("datum") <= b))
        .group_by(PERSON_COLUMN)
        .agg((pl.col("bedrag") * 100).round(0).cast(pl.Int64).sum().alias("_cent"), pl.len().alias("aantal"))
        .select(PERSON_COLUMN, (pl.col("_cent") / 100).alias("bedrag"), "aantal")
        .sort(PERSON_COLUMN)
        .collect()
    )


def rewards_over_max(beloningen: pl.DataFrame, b: dt.date, maximum: float) -> pl.DataFrame:
    """Persons whose rewards in the calendar year of `b` (1 January up to `b`) exceed `maximum` (50 is
    allowed).
    """
    year = rewards_per_person(beloningen, dt.date(b.year, 1, 1), b)
    return year.with_columns((pl.col("bedrag") > maximum).alias("boven_max"))


def zrm_changes(zrm: pl.DataFrame, voorzieningen: pl.DataFrame, s: dt.date, b: dt.date) -> pl.DataFrame:
    """Per participant of `s..b` and ZRM domain: the score of the first and latest measurement since joining.

    Measurements count from the person's first `meedoen` start up to `b`. A person needs at least two
    measurement dates; a domain needs a score on both the first and the latest date.
    Columns: persoon, domein, eerste, laatste, verschil.
    """
    people = participants_between(voorzieningen, s, b)
    scores = (
        zrm.lazy()
        .join(people.lazy(), on=PERSON_COLUMN, how="inner")
        .filter((pl.col("datum") >= pl.col("eerste_start")) & (pl.col("datum") <= b))
        .with_columns(
            pl.col("datum").min().over(PERSON_COLUMN).alias("_eerste"),
            pl.col("datum").max().over(PERSON_COLUMN).alias("_laatste"),
        )
        .filter(pl.col("_laatste") > pl.col("_eerste"))
    )
    first = (
        scores.filter(pl.col("datum") == pl.col("_eerste"))
        .group_by(PERSON_COLUMN, "domein")
        .agg(pl.col("score").max().alias("eerste"))
    )
    last = (
        scores.filter(pl.col("datum") == pl.col("_laatste"))
        .group_by(PERSON_COLUMN, "domein")
        .agg(pl.col("score").max().alias("laatste"))
    )
    return (
        first.join(last, on=[PERSON_COLUMN, "domein"], how="inner")
        .with_columns((pl.col("laatste") - pl.col("eerste")).cast(pl.Int64).alias("verschil"))
        .sort(PERSON_COLUMN, "domein")
        .collect()
    )


def zrm_per_person(changes: pl.DataFrame) -> pl.DataFrame:
    """A person improved when the summed change over the domains scored both times is positive."""
    return (
        changes.group_by(PERSON_COLUMN)
        .agg(pl.col("verschil").sum().alias("verschil"), pl.len().alias("domeinen"))
        .with_columns((pl.col("verschil") > 0).alias("verbeterd"))
        .sort(PERSON_COLUMN)
    )


def zrm_per_domain(changes: pl.DataFrame) -> pl.DataFrame:
    """Per domain: persons, mean first and latest score, mean change and the share improved (for the
    notebook).
    """
    return (
        changes.group_by("domein")
        .agg(
            pl.len().alias("personen"),
            pl.col("eerste").mean().alias("eerste_gem"),
            pl.col("laatste").mean().alias("laatste_gem"),
            pl.col("verschil").mean().alias("verschil_gem"),
            (100.0 * (pl.col("verschil") > 0).sum() / pl.len()).alias("verbeterd_pct"),
            (pl.col("verschil") > 0).sum().alias("verbeterd"),
        )
        .sort("domein")
    )


def trajectory_costs(voorzieningen: pl.DataFrame, s: dt.date, b: dt.date) -> pl.DataFrame:
    """Provisions of participants that started in `s..b` during one of their participations (the `meedoen`
    provision itself included), with `kosten` (empty = 0 charged):
    `persoon, voorziening_id, soort, kosten`.
    """
    spans = participations(voorzieningen).lazy().rename({"begindatum": "_van", "einddatum": "_tot"})
    return (
        voorzieningen.lazy()
        .filter((pl.col("begindatum") >= s) & (pl.col("begindatum") <= b))
        .join(spans, on=PERSON_COLUMN, how="inner")
        .filter(
            (pl.col("begindatum") >= pl.col("_van"))
            & (pl.col("_tot").is_null() | (pl.col("begindatum") <= pl.col("_tot")))
        )
        .select(PERSON_COLUMN, "voorziening_id", "soort", pl.col("kosten").fill_null(0.0))
        .unique()
        .sort(PERSON_COLUMN, "voorziening_id")
        .collect()
    )


def exact_sums(frame: pl.DataFrame, column: str, gemeenten: list[str], alias: str) -> pl.DataFrame:
    """Sum of a euro column per municipality and `totaal`, correctly rounded (`math.fsum`), 0 when empty."""
    values = frame.select(GEMEENTE, pl.col(column).cast(pl.Float64))
    out = {TOTAAL: math.fsum(values.get_column(column).to_list())}
    parts = {
        k[0]: p.get_column(column).to_list() for k, p in values.partition_by(GEMEENTE, as_dict=True).items()
    }
    for code in gemeenten:
        out[code] = math.fsum(parts.get(code, []))
    return pl.DataFrame(
        {GEMEENTE: list(out), alias: list(out.values())}, schema={GEMEENTE: pl.String(), alias: pl.Float64()}
    )


# --- kpis.csv rows ---------------------------------------------------------------------------------


def groups_for(ctx: Context, params: PilotParams) -> tuple[pl.DataFrame, dt.date]:
    data = ctx.data
    ref = reference_date(params, data.tables.get("voorzieningen"))
    ctx.check_peildatum(ref)
    klantbeeld = ctx.table("klantbeeld")
    groups = target_groups(
        ctx.spells, data.get("uitkeringen"), data.get("personen"), klantbeeld, ref, ctx.config.regelingen
    )
    return groups, ref


def pilot_voorzieningen(ctx: Context) -> pl.DataFrame:
    """`voorzieningen`, or `Unavailable` when it is absent or holds no `meedoen` provision."""
    voorzieningen = ctx.table("voorzieningen")
    if voorzieningen.filter(pl.col("soort") == MEEDOEN).height == 0:
        raise Unavailable(GEEN_DEELNEMERS)
    return voorzieningen


def _target_rows(ctx: Context, params: PilotParams) -> list[pl.DataFrame]:
    groups, _ = groups_for(ctx, params)
    counts = group_counts(groups, ctx.gemeenten)
    out = count_rows(counts, {f"meedoen_doelgroep_{i}_n": f"groep_{i}" for i in range(1, 5)})
    return out + count_rows(counts, {"meedoen_doelgroep_n": "doelgroep"})


def _reach_rows(ctx: Context, params: PilotParams, b: dt.date) -> list[pl.DataFrame]:
    voorzieningen = pilot_voorzieningen(ctx)
    ctx.check_peildatum(b)
    groups, ref = groups_for(ctx, params)
    took = joined(groups.filter(pl.col("doelgroep")), voorzieningen, ref, b)
    agg = by_gemeente(
        took, [pl.len().alias("doelgroep"), pl.col("deelgenomen").sum().alias("deelgenomen")], ctx.gemeenten
    )
    return pct_rows(agg, {"meedoen_deelname_pct": ("deelgenomen", "doelgroep")})


def _participation_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    voorzieningen = pilot_voorzieningen(ctx)
    ctx.check_peildatum(b)
    active = with_gemeente(activities_on(voorzieningen, b).lazy(), ctx.persons)
    agg = by_gemeente(
        active, [pl.len().alias("deelnemers"), pl.col("activiteit").sum().alias("activiteit")], ctx.gemeenten
    )
    out = count_rows(agg, {"meedoen_deelnemers_n": "deelnemers"})
    out += pct_rows(agg, {"meedoen_activiteit_pct": ("activiteit", "deelnemers")})
    s, b = ctx.check_window(b)
    flows = with_gemeente(work_outflow(ctx.spells, voorzieningen, s, b).lazy(), ctx.persons)
    agg_w = by_gemeente(
        flows, [pl.len().alias("deelnemers"), pl.col("uitstroom_werk").sum().alias("werk")], ctx.gemeenten
    )
    out += pct_rows(agg_w, {"meedoen_uitstroom_werk_pct": ("werk", "deelnemers")})
    return out


def _visit_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    voorzieningen = pilot_voorzieningen(ctx)
    contacten = ctx.table("contactmomenten")
    qs, b = quarter(ctx.check_peildatum(b))
    ctx.check_peildatum(qs)
    visits = with_gemeente(home_visits(contacten, voorzieningen, qs, b).lazy(), ctx.persons)
    agg = by_gemeente(
        visits,
        [
            pl.len().alias("deelnemers"),
            pl.col("huisbezoeken").sum().alias("bezoeken"),
            pl.col("bereikt").sum().alias("bereikt"),
        ],
        ctx.gemeenten,
    )
    empty = pl.col("deelnemers") == 0
    out = [
        rows(
            agg,
            "meedoen_huisbezoeken_per_deelnemer",
            pl.col("bezoeken").cast(pl.Float64) / pl.col("deelnemers"),
            pl.col("bezoeken"),
            pl.col("deelnemers"),
            empty_when=empty,
        )
    ]
    out += pct_rows(agg, {"meedoen_bereikt_pct": ("bereikt", "deelnemers")})
    return out


def _reward_rows(ctx: Context, params: PilotParams, b: dt.date) -> list[pl.DataFrame]:
    voorzieningen = pilot_voorzieningen(ctx)
    beloningen = ctx.table("beloningen")
    s, b = ctx.check_window(b)
    per = with_gemeente(rewards_per_person(beloningen, s, b).lazy(), ctx.persons).collect()
    people = with_gemeente(participants_between(voorzieningen, s, b).lazy(), ctx.persons)
    agg = by_gemeente(people, [pl.len().alias("deelnemers")], ctx.gemeenten)
    agg = agg.join(by_gemeente(per, [pl.len().alias("beloond")], ctx.gemeenten), on=GEMEENTE)
    agg = agg.join(exact_sums(per, "bedrag", ctx.gemeenten, "bedrag"), on=GEMEENTE)
    over = with_gemeente(rewards_over_max(beloningen, b, params.max_beloning_per_jaar).lazy(), ctx.persons)
    agg = agg.join(by_gemeente(over, [pl.col("boven_max").sum().alias("boven")], ctx.gemeenten), on=GEMEENTE)
    return [
        rows(agg, "meedoen_beloningen_bedrag", pl.col("bedrag"), noemer=pl.col("beloond")),
        rows(
            agg,
            "meedoen_beloning_per_deelnemer",
            pl.col("bedrag") / pl.col("deelnemers"),
            pl.col("bedrag"),
            pl.col("deelnemers"),
            empty_when=pl.col("deelnemers") == 0,
        ),
        *count_rows(agg, {"meedoen_boven_max_beloning_n": "boven"}),
    ]


def _zrm_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    voorzieningen = pilot_voorzieningen(ctx)
    zrm = ctx.table("zrm")
    s, b = ctx.check_window(b)
    per = with_gemeente(zrm_per_person(zrm_changes(zrm, voorzieningen, s, b)).lazy(), ctx.persons)
    agg = by_gemeente(
        per, [pl.len().alias("gemeten"), pl.col("verbeterd").sum().alias("verbeterd")], ctx.gemeenten
    )
    return pct_rows(agg, {"meedoen_zrm_verbeterd_pct": ("verbeterd", "gemeten")})


def _cost_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    voorzieningen = pilot_voorzieningen(ctx)
    s, b = ctx.check_window(b)
    costs = with_gemeente(trajectory_costs(voorzieningen, s, b).lazy(), ctx.persons).collect()
    charged = costs.filter(pl.col("kosten") > 0)
    agg = by_gemeente(charged, [pl.col(PERSON_COLUMN).n_unique().alias("personen")], ctx.gemeenten)
    agg = agg.join(exact_sums(costs, "kosten", ctx.gemeenten, "kosten"), on=GEMEENTE)
    return [rows(agg, "meedoen_trajectkosten", pl.col("kosten"), noemer=pl.col("personen"))]


def meedoen_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    """Every `meedoen` KPI for peildatum `b`; each part is unavailable on its own (a table may be absent)."""
    params = pilot_params(ctx.config)
    g = ctx.gemeenten
    return [
        guarded(DOELGROEP, g, lambda: _target_rows(ctx, params)),
        guarded(BEREIK, g, lambda: _reach_rows(ctx, params, b)),
        guarded(DEELNAME, g, lambda: _participation_rows(ctx, b)),
        guarded(BEZOEKEN, g, lambda: _visit_rows(ctx, b)),
        guarded(BELONINGEN, g, lambda: _reward_rows(ctx, params, b)),
        guarded(ZRM, g, lambda: _zrm_rows(ctx, b)),
        guarded(KOSTEN, g, lambda: _cost_rows(ctx, b)),
    ]


# --- cost model ------------------------------------------------------------------------------------


def cost_lines(deelnemers: float, params: PilotParams) -> pl.DataFrame:
    """The pilot's yearly cost lines for `deelnemers` participants, from the configured parameters.

    A coach guides `clienten_per_coach_per_jaar` people a year (fte = deelnemers / 54), an fte costs
    `kosten_per_fte`; `aandeel_ingekocht_traject` of the participants get a trajectory of `prijs_traject`;
    rewards at the yearly maximum per participant. Returns `regel, aantal, eenheid, bedrag`.
    """
    fte = deelnemers / params.clienten_per_coach_per_jaar
    trajecten = deelnemers * params.aandeel_ingekocht_traject
    lines: list[tuple[str, float | None, str | None, float | None]] = [
        ("Deelnemers", deelnemers, "personen", None),
        ("Begeleidingsuren", deelnemers * params.uren_per_client, "uren", None),
        ("Aandachtcoaches", fte, "fte", fte * params.kosten_per_fte),
        ("Ingekochte trajecten", trajecten, "trajecten", trajecten * params.prijs_traject),
        ("Beloningen (maximaal)", deelnemers, "personen", deelnemers * params.max_beloning_per_jaar),
    ]
    total = math.fsum(line[3] for line in lines if line[3] is not None)
    lines.append(("Totaal", None, None, total))
    return pl.DataFrame(
        [{"regel": r, "aantal": a, "eenheid": e, "bedrag": v} for r, a, e, v in lines],
        schema={"regel": pl.String(), "aantal": pl.Float64(), "eenheid": pl.String(), "bedrag": pl.Float64()},
    )


def split_costs(
    total: float, verdeelsleutel: dict[str, float], gemeenten: dict[str, str] | None = None
) -> pl.DataFrame:
    """`total` over the municipalities by the fixed key (fractions summing to 1): `gemeentecode, gemeente,
    aandeel, bedrag`.
    """
    if not verdeelsleutel:
        raise ValueError("geen verdeelsleutel in de configuratie")
    som = math.fsum(verdeelsleutel.values())
    if abs(som - 1.0) > 1e-6:
        raise ValueError(f"de verdeelsleutel telt op tot {som:.4f}, niet tot 1")
    names = gemeenten or {}
    return pl.DataFrame(
        [
            {
                "gemeentecode": code,
                "gemeente": names.get(code, code),
                "aandeel": share,
                "bedrag": total * share,
            }
            for code, share in sorted(verdeelsleutel.items())
        ],
        schema={
            "gemeentecode": pl.String(),
            "gemeente": pl.String(),
            "aandeel": pl.Float64(),
            "bedrag": pl.Float64(),
        },
    )


def participants_at_ambition(doelgroep: float, params: PilotParams) -> tuple[float, float]:
    """Participants at the low and high ambition (60-70 % of the target group)."""
    low, high = params.ambitie_deelname_pct
    return doelgroep * low / 100.0, doelgroep * high / 100.0


def proposal_counts(voorstel: dict) -> pl.DataFrame:
    """The proposal's target-group counts as a frame: `groep, gemeentecode, aantal` (`totaal` as stated)."""
    out = []
    for groep, per in sorted((voorstel.get("doelgroepen") or {}).items(), key=lambda kv: str(kv[0])):
        for code, n in per.items():
            out.append(
                {
                    "groep": f"groep_{groep}",
                    "gemeentecode": str(code).zfill(4) if str(code) != TOTAAL else TOTAAL,
                    "aantal": int(n),
                }
            )
    return pl.DataFrame(out, schema={"groep": pl.String(), "gemeentecode": pl.String(), "aantal": pl.Int64()})


@dataclass(frozen=True)
class Inconsistency:
    """A line of the proposal that its own inputs do not reproduce."""

    regel: str
    onderdeel: str
    opgegeven: float
    berekend: float

    def tekst(self) -> str:
        return (
            f"{self.regel}: {self.onderdeel} {self.opgegeven:g} opgegeven, "
            f"{self.berekend:.2f} volgt uit de eigen uitgangspunten"
        )


def check_proposal(
    voorstel: dict, params: PilotParams, fte_tolerance: float = 0.05, eur_tolerance: float = 500.0
) -> list[Inconsistency]:
    """Recompute every figure of the proposal from its own inputs; return the ones that disagree.

    - each target group's `totaal` against the sum of its municipalities;
    - the participants (`deelnemers`) against the ambition range of the summed group counts;
    - each budget line (`begrotingsregels`: `regel`, `deelnemers`, `fte`, optional `kosten`):
      fte against deelnemers / clienten_per_coach_per_jaar (so two lines with the same group size but a
      different fte cannot both pass), and kosten against fte x kosten_per_fte.
    Tolerances allow for the proposal's rounding (0.05 fte: one decimal; 500 euro).
    """
    found: list[Inconsistency] = []
    counts = proposal_counts(voorstel)
    summed = 0
    for groep in counts.get_column("groep").unique().sort().to_list():
        part = counts.filter(pl.col("groep") == groep)
        parts = part.filter(pl.col("gemeentecode") != TOTAAL).get_column("aantal").sum()
        stated = part.filter(pl.col("gemeentecode") == TOTAAL).get_column("aantal")
        summed += int(stated[0]) if stated.len() else int(parts)
        if stated.len() and int(stated[0]) != int(parts):
            found.append(Inconsistency(f"doelgroep {groep[-1]}", "totaal", float(stated[0]), float(parts)))
    if voorstel.get("deelnemers") is not None and summed:
        low, high = participants_at_ambition(summed, params)
        stated_participants = float(voorstel["deelnemers"])
        if not (low - 0.5 <= stated_participants <= high + 0.5):
            found.append(Inconsistency("deelnemers", "deelnemers", stated_participants, (low + high) / 2))
    for line in voorstel.get("begrotingsregels") or []:
        name = str(line["regel"])
        expected_fte = float(line["deelnemers"]) / params.clienten_per_coach_per_jaar
        if line.get("fte") is not None and abs(float(line["fte"]) - expected_fte) > fte_tolerance:
            found.append(Inconsistency(name, "fte", float(line["fte"]), expected_fte))
        if line.get("kosten") is not None and line.get("fte") is not None:
            expected = float(line["fte"]) * params.kosten_per_fte
            if abs(float(line["kosten"]) - expected) > eur_tolerance:
                found.append(Inconsistency(name, "kosten", float(line["kosten"]), expected))
    return found


FAMILY = registry.register(
    registry.Family(
        id="meedoen",
        label="Pilot Meedoen!",
        order=70,
        rows=meedoen_rows,
        notebook="20_meedoen",
        norms=norm_rules,
        active=runs_pilot,
        kpis=(
            registry.kpi(
                "meedoen_doelgroep_1_n",
                "Meedoen! doelgroep 1: ouders met kinderen, 5 jaar of langer in de bijstand",
                "n",
                "aantal",
                "meedoen",
            ),
            registry.kpi(
                "meedoen_doelgroep_2_n",
                "Meedoen! doelgroep 2: alleenstaanden van 56+, 5 jaar of langer in de bijstand",
                "n",
                "aantal",
                "meedoen",
            ),
            registry.kpi(
                "meedoen_doelgroep_3_n",
                "Meedoen! doelgroep 3: niet-westerse migratieachtergrond, langer dan 5 jaar",
                "n",
                "aantal",
                "meedoen",
            ),
            registry.kpi(
                "meedoen_doelgroep_4_n",
                "Meedoen! doelgroep 4: trede 1 (geïsoleerd), niet in een inrichting",
                "n",
                "aantal",
                "meedoen",
            ),
            registry.kpi(
                "meedoen_doelgroep_n", "Meedoen! doelgroepen: unieke personen", "n", "aantal", "meedoen"
            ),
            registry.kpi(
                "meedoen_deelname_pct",
                "Meedoen! deelname van de doelgroepen",
                "pct",
                "aandeel",
                "meedoen",
                "60-70 % van de doelgroepen doet mee",
            ),
            registry.kpi(
                "meedoen_deelnemers_n", "Meedoen! deelnemers op de peildatum", "n", "aantal", "meedoen"
            ),
            registry.kpi(
                "meedoen_activiteit_pct",
                "Meedoen! deelnemers met een activiteit",
                "pct",
                "aandeel",
                "meedoen",
                "60-70 % van de deelnemers heeft een activiteit",
            ),
            registry.kpi(
                "meedoen_uitstroom_werk_pct",
                "Meedoen! uitstroom naar betaald werk",
                "pct",
                "aandeel",
                "meedoen",
                "verwachting 1-5 % van de deelnemers",
            ),
            registry.kpi(
                "meedoen_huisbezoeken_per_deelnemer",
                "Meedoen! huisbezoeken per deelnemer in het kwartaal",
                "ratio",
                "gemiddelde",
                "meedoen",
            ),
            registry.kpi(
                "meedoen_bereikt_pct",
                "Meedoen! deelnemers bereikt met een huisbezoek in het kwartaal",
                "pct",
                "aandeel",
                "meedoen",
            ),
            registry.kpi(
                "meedoen_beloningen_bedrag",
                "Meedoen! beloningen (euro, 12 maanden)",
                "eur",
                "bedrag",
                "meedoen",
            ),
            registry.kpi(
                "meedoen_beloning_per_deelnemer",
                "Meedoen! beloningen per deelnemer (euro, 12 maanden)",
                "eur",
                "gemiddelde",
                "meedoen",
            ),
            registry.kpi(
                "meedoen_boven_max_beloning_n",
                "Meedoen! personen boven de maximale beloning in het kalenderjaar",
                "n",
                "aantal",
                "meedoen",
                "ten hoogste 50 euro per persoon per jaar",
            ),
            registry.kpi(
                "meedoen_zrm_verbeterd_pct",
                "Meedoen! deelnemers met een betere ZRM-score",
                "pct",
                "aandeel",
                "meedoen",
            ),
            registry.kpi(
                "meedoen_trajectkosten",
                "Meedoen! kosten van voorzieningen tijdens de deelname (euro, 12 maanden)",
                "eur",
                "bedrag",
                "meedoen",
            ),
        ),
    )
)
