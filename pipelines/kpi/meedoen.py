"""The Meedoen! pilot of a shared social service: target groups, quarterly monitor and cost model.

The pilot proposal: attention coaches visit long-term clients at home, reward steps with small vouchers
(at most `max_beloning_per_jaar` a year), measure progress with the Zelfredzaamheidsmatrix and evaluate
every three months. Its target groups all receive "bijstandsuitkering PW" (`doelgroep_regelingen`, 01);
they are fixed on the reference date and stay the denominator of the participation share for the whole
pilot. The pilot's parameters are `programmas.meedoen` in the organisation configuration; an organisation
without them runs no pilot (no page; every figure not available). docs/definities.md ("Meedoen!") states
every choice made here (denominators, reference date, "reached", the calendar year of the reward maximum,
what "improved" means on the ZRM, the cost model beside the proposal's own budget lines).

Every function is frame in / frame out; `meedoen_series` turns them into kpis.csv rows for all peildata.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from pipelines.config import PilotParams, meedoen_params
from pipelines.csvout import write_csv
from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    TOTAAL,
    Context,
    Inconsistency,
    Unavailable,
    by_gemeente,
    concat_rows,
    count_rows,
    dates_frame,
    pct_rows,
    per_peildatum,
    rows,
    with_gemeente,
)
from pipelines.kpi.bestand import current_periods, stock_on
from pipelines.kpi.uitstroom import WERK
from pipelines.periods import minus_months, minus_years
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import latest_running_each, merge_spells, overlapping_each, running_on_each
from pipelines.text import format_date

MEEDOEN = "meedoen"
ACTIVITEITEN = ("vrijwilligerswerk", "dagbesteding", "tegenprestatie")
HUISBEZOEK = "huisbezoek"
IN_INRICHTING = "4"
GROEPEN = ("groep_1", "groep_2", "groep_3", "groep_4")
#: Dutch names of the target groups, as the pilot proposal words them.
GROEP_LABELS = {
    "groep_1": "1. Alleenstaande ouders en paren met kinderen, 5 jaar of langer bijstand PW",
    "groep_2": "2. Alleenstaande ouderen van 56 jaar of ouder, 5 jaar of langer bijstand PW",
    "groep_3": "3. Niet-westerse migratieachtergrond, langer dan 5 jaar bijstand PW",
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
BEREIK = ["meedoen_deelname_pct", "meedoen_deelname_bestand_pct"]
DEELNAME = ["meedoen_deelnemers_n", "meedoen_activiteit_pct"]
UITSTROOM = ["meedoen_uitstroom_werk_pct"]
BEZOEKEN = ["meedoen_huisbezoeken_per_deelnemer", "meedoen_bereikt_pct"]
BELONINGEN = ["meedoen_beloningen_bedrag", "meedoen_beloning_per_deelnemer", "meedoen_boven_max_beloning_n"]
ZRM = ["meedoen_zrm_verbeterd_pct"]
KOSTEN = ["meedoen_trajectkosten"]
KPIS = DOELGROEP + BEREIK + DEELNAME + UITSTROOM + BEZOEKEN + BELONINGEN + ZRM + KOSTEN

GEEN_PILOT = (
    "niet beschikbaar: de organisatie draait geen pilot Meedoen! (geen programmas.meedoen in de configuratie)"
)
GEEN_DEELNEMERS = "niet beschikbaar: geen voorzieningen van soort meedoen in de export"


def voor_de_start(b: dt.date, start: dt.date) -> str:
    return (
        f"niet beschikbaar: peildatum {format_date(b)} ligt voor de selectiedatum {format_date(start)} "
        "(de start van de pilot): er is nog niets sinds de start te tellen"
    )


T = TypeVar("T")


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
    trede = latest_running_each(klantbeeld, [reference], start="ingangsdatum", end="einddatum").select(
        PERSON_COLUMN, "trede"
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
    write_csv(selection_list(groups), path, separator=";", line_terminator="\n")
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


def _with_flag(frame: pl.LazyFrame, found: pl.LazyFrame, name: str) -> pl.LazyFrame:
    """`frame` (a row per peildatum and person) with `name`: the person is in `found` on that date."""
    flag = found.select(PEILDATUM, PERSON_COLUMN).unique().with_columns(pl.lit(True).alias(name))
    return frame.join(flag, on=[PEILDATUM, PERSON_COLUMN], how="left").with_columns(
        pl.col(name).fill_null(False)
    )


def activities_each(voorzieningen: pl.DataFrame, peildata: list[dt.date]) -> pl.DataFrame:
    """Per peildatum `b` the participants on `b` (a `meedoen` provision running on `b`) with `activiteit`:
    a vrijwilligerswerk, dagbesteding or tegenprestatie running on `b`.
    """
    people = running_on_each(
        participations(voorzieningen).filter(pl.col("begindatum").is_not_null()),
        peildata,
        "begindatum",
        "einddatum",
    ).select(PEILDATUM, PERSON_COLUMN)
    doing = running_on_each(
        voorzieningen.filter(pl.col("soort").is_in(ACTIVITEITEN) & pl.col("begindatum").is_not_null()),
        peildata,
        "begindatum",
        "einddatum",
    )
    return _with_flag(people.unique(), doing, "activiteit").sort(PEILDATUM, PERSON_COLUMN).collect()


def participants_between(voorzieningen: pl.LazyFrame | pl.DataFrame, s: dt.date, b: dt.date) -> pl.DataFrame:
    """Persons with a `meedoen` provision running at some time in `s..b`, with their first start."""
    return participants_between_each(voorzieningen, [(s, b)]).drop(PEILDATUM)


def participants_between_each(
    voorzieningen: pl.LazyFrame | pl.DataFrame, windows: list[tuple[dt.date, dt.date]]
) -> pl.DataFrame:
    """`participants_between` for many windows `s..b` at once (`peildatum` = `b`): the first start is that
    of the person's participations in the window. The windows grow together (`overlapping_each`).
    """
    spans = participations(voorzieningen).filter(pl.col("begindatum").is_not_null())
    return (
        overlapping_each(spans, windows, "begindatum", "einddatum")
        .group_by(PEILDATUM, PERSON_COLUMN)
        .agg(pl.col("begindatum").min().alias("eerste_start"))
        .sort(PEILDATUM, PERSON_COLUMN)
        .collect()
    )


def joined_each(
    groups: pl.DataFrame, voorzieningen: pl.DataFrame, reference: dt.date, peildata: list[dt.date]
) -> pl.DataFrame:
    """`groups` once per peildatum `b` with `deelgenomen`: the person took part at some time from
    `reference` up to `b`.
    """
    took = participants_between_each(voorzieningen, [(reference, b) for b in peildata])
    dated = groups.lazy().join(dates_frame(peildata).lazy(), how="cross")
    return _with_flag(dated, took.lazy(), "deelgenomen").collect()


def work_outflow(spells: pl.DataFrame, voorzieningen: pl.DataFrame, s: dt.date, b: dt.date) -> pl.DataFrame:
    """Participants of `s..b` with `uitstroom_werk`: a merged spell ended in `s..b`, on or after their first
    start, with reason 11 or 13 (work). With `s` the pilot's start this is cumulative ("uiteindelijk").
    """
    return work_outflow_each(spells, voorzieningen, [(s, b)]).drop(PEILDATUM)


def work_outflow_each(
    spells: pl.DataFrame, voorzieningen: pl.DataFrame, windows: list[tuple[dt.date, dt.date]]
) -> pl.DataFrame:
    """`work_outflow` for many windows `s..b` at once (`peildatum` = `b`)."""
    people = participants_between_each(voorzieningen, windows).lazy()
    to_work = spells.lazy().filter(pl.col("end").is_not_null() & pl.col("reden_beeindiging").is_in(WERK))
    ended = (
        overlapping_each(to_work, windows, "end", "end")
        .join(people, on=[PEILDATUM, PERSON_COLUMN], how="inner")
        .filter(pl.col("end") >= pl.col("eerste_start"))
    )
    return _with_flag(people, ended, "uitstroom_werk").sort(PEILDATUM, PERSON_COLUMN).collect()


def quarter(b: dt.date) -> tuple[dt.date, dt.date]:
    """The three months ending at `b` (the pilot evaluates every quarter): `(b - 3 months + 1 day, b)`."""
    return minus_months(b, 3) + dt.timedelta(days=1), b


def home_visits_each(
    contactmomenten: pl.DataFrame, voorzieningen: pl.DataFrame, windows: list[tuple[dt.date, dt.date]]
) -> pl.DataFrame:
    """Participants of each window `s..b` (`peildatum` = `b`) with `huisbezoeken`: home visits in `s..b`
    dated inside one of their participations, and `bereikt` (at least one).
    """
    people = participants_between_each(voorzieningen, windows).lazy()
    during = (
        contactmomenten.lazy()
        .filter((pl.col("soort") == HUISBEZOEK) & pl.col("datum").is_not_null())
        .select(PERSON_COLUMN, "contact_id", "datum")
        .join(participations(voorzieningen).lazy(), on=PERSON_COLUMN, how="inner")
        .filter(
            (pl.col("datum") >= pl.col("begindatum"))
            & (pl.col("einddatum").is_null() | (pl.col("datum") <= pl.col("einddatum")))
        )
        .select(PERSON_COLUMN, "contact_id", "datum")
        .unique()
    )
    visits = (
        overlapping_each(during, windows, "datum", "datum")
        .select(PEILDATUM, PERSON_COLUMN, "contact_id")
        .unique()
        .group_by(PEILDATUM, PERSON_COLUMN)
        .agg(pl.len().alias("huisbezoeken"))
    )
    return (
        people.join(visits, on=[PEILDATUM, PERSON_COLUMN], how="left")
        .with_columns(pl.col("huisbezoeken").fill_null(0).cast(pl.Int64))
        .with_columns((pl.col("huisbezoeken") > 0).alias("bereikt"))
        .sort(PEILDATUM, PERSON_COLUMN)
        .collect()
    )


def rewards_per_person(beloningen: pl.DataFrame, s: dt.date, b: dt.date) -> pl.DataFrame:
    """Per rewarded person the rewards dated in `s..b`: `persoon, bedrag, aantal` (exact sums of cents)."""
    return rewards_per_person_each(beloningen, [(s, b)]).drop(PEILDATUM)


def rewards_per_person_each(beloningen: pl.DataFrame, windows: list[tuple[dt.date, dt.date]]) -> pl.DataFrame:
    """`rewards_per_person` for many windows `s..b` at once (`peildatum` = `b`)."""
    return (
        overlapping_each(beloningen.lazy().filter(pl.col("datum").is_not_null()), windows, "datum", "datum")
        .group_by(PEILDATUM, PERSON_COLUMN)
        .agg((pl.col("bedrag") * 100).round(0).cast(pl.Int64).sum().alias("_cent"), pl.len().alias("aantal"))
        .select(PEILDATUM, PERSON_COLUMN, (pl.col("_cent") / 100).alias("bedrag"), "aantal")
        .sort(PEILDATUM, PERSON_COLUMN)
        .collect()
    )


def rewards_over_max(beloningen: pl.DataFrame, b: dt.date, maximum: float) -> pl.DataFrame:
    """Persons whose rewards in the calendar year of `b` (1 January up to `b`) exceed `maximum` (50 is
    allowed).
    """
    return rewards_over_max_each(beloningen, [b], maximum).drop(PEILDATUM)


def rewards_over_max_each(beloningen: pl.DataFrame, peildata: list[dt.date], maximum: float) -> pl.DataFrame:
    """`rewards_over_max` for many peildata at once."""
    year = rewards_per_person_each(beloningen, [(dt.date(b.year, 1, 1), b) for b in peildata])
    return year.with_columns((pl.col("bedrag") > maximum).alias("boven_max"))


def zrm_changes(zrm: pl.DataFrame, voorzieningen: pl.DataFrame, s: dt.date, b: dt.date) -> pl.DataFrame:
    """Per participant of `s..b` and ZRM domain: the score of the first and latest measurement since joining.

    Measurements count from the person's first `meedoen` start up to `b`. A person needs at least two
    measurement dates; a domain needs a score on both the first and the latest date.
    Columns: persoon, domein, eerste, laatste, verschil.
    """
    return zrm_changes_each(zrm, voorzieningen, [(s, b)]).drop(PEILDATUM)


def zrm_changes_each(
    zrm: pl.DataFrame, voorzieningen: pl.DataFrame, windows: list[tuple[dt.date, dt.date]]
) -> pl.DataFrame:
    """`zrm_changes` for many windows `s..b` at once (`peildatum` = `b`)."""
    people = participants_between_each(voorzieningen, windows)
    keys = [PEILDATUM, PERSON_COLUMN]
    scores = (
        zrm.lazy()
        .join(people.lazy(), on=PERSON_COLUMN, how="inner")
        .filter((pl.col("datum") >= pl.col("eerste_start")) & (pl.col("datum") <= pl.col(PEILDATUM)))
        .with_columns(
            pl.col("datum").min().over(keys).alias("_eerste"),
            pl.col("datum").max().over(keys).alias("_laatste"),
        )
        .filter(pl.col("_laatste") > pl.col("_eerste"))
    )
    first = (
        scores.filter(pl.col("datum") == pl.col("_eerste"))
        .group_by(*keys, "domein")
        .agg(pl.col("score").max().alias("eerste"))
    )
    last = (
        scores.filter(pl.col("datum") == pl.col("_laatste"))
        .group_by(*keys, "domein")
        .agg(pl.col("score").max().alias("laatste"))
    )
    return (
        first.join(last, on=[*keys, "domein"], how="inner")
        .with_columns((pl.col("laatste") - pl.col("eerste")).cast(pl.Int64).alias("verschil"))
        .sort(*keys, "domein")
        .collect()
    )


def zrm_per_person(changes: pl.DataFrame) -> pl.DataFrame:
    """A person improved when the summed change over the domains scored both times is positive (per
    peildatum when `changes` has one).
    """
    keys = [c for c in (PEILDATUM, PERSON_COLUMN) if c in changes.columns]
    return (
        changes.group_by(*keys)
        .agg(pl.col("verschil").sum().alias("verschil"), pl.len().alias("domeinen"))
        .with_columns((pl.col("verschil") > 0).alias("verbeterd"))
        .sort(*keys)
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
    return trajectory_costs_each(voorzieningen, [(s, b)]).drop(PEILDATUM)


def trajectory_costs_each(
    voorzieningen: pl.DataFrame, windows: list[tuple[dt.date, dt.date]]
) -> pl.DataFrame:
    """`trajectory_costs` for many windows `s..b` at once (`peildatum` = `b`)."""
    spans = participations(voorzieningen).lazy().rename({"begindatum": "_van", "einddatum": "_tot"})
    during = (
        voorzieningen.lazy()
        .filter(pl.col("begindatum").is_not_null())
        .join(spans, on=PERSON_COLUMN, how="inner")
        .filter(
            (pl.col("begindatum") >= pl.col("_van"))
            & (pl.col("_tot").is_null() | (pl.col("begindatum") <= pl.col("_tot")))
        )
        .select(PERSON_COLUMN, "voorziening_id", "soort", pl.col("kosten").fill_null(0.0), "begindatum")
        .unique()
    )
    return (
        overlapping_each(during, windows, "begindatum", "begindatum")
        .select(PEILDATUM, PERSON_COLUMN, "voorziening_id", "soort", "kosten")
        .unique()
        .sort(PEILDATUM, PERSON_COLUMN, "voorziening_id")
        .collect()
    )


def exact_sums(
    frame: pl.DataFrame, column: str, gemeenten: list[str], alias: str, peildata: list[dt.date] | None = None
) -> pl.DataFrame:
    """Sum of a euro column per municipality and `totaal`, correctly rounded (`math.fsum`), 0 when empty.

    With `peildata` the frame has a `peildatum` column and the result a row per peildatum and
    municipality, as `by_gemeente`.
    """
    keys = [] if peildata is None else [PEILDATUM]
    dates: list[dt.date | None] = [None] if peildata is None else [*sorted(set(peildata))]
    totals: dict[Any, list[float]] = {b: [] for b in dates}
    parts: dict[tuple[Any, str], list[float]] = {}
    for *day, code, value in frame.select(*keys, GEMEENTE, pl.col(column).cast(pl.Float64)).iter_rows():
        b = day[0] if day else None
        totals.setdefault(b, []).append(value)
        parts.setdefault((b, code), []).append(value)
    out: dict[str, list[Any]] = {PEILDATUM: [], GEMEENTE: [], alias: []}
    for b in dates:
        for code in [TOTAAL, *gemeenten]:
            out[PEILDATUM].append(b)
            out[GEMEENTE].append(code)
            out[alias].append(math.fsum(totals[b] if code == TOTAAL else parts.get((b, code), [])))
    schema = {PEILDATUM: pl.Date(), GEMEENTE: pl.String(), alias: pl.Float64()}
    result = pl.DataFrame(out, schema=schema)
    return result if peildata is not None else result.drop(PEILDATUM)


# --- kpis.csv rows ---------------------------------------------------------------------------------


def target_spells(ctx: Context, params: PilotParams) -> pl.DataFrame:
    """Merged spells of the target groups' schemes only (PW): years "in de bijstand PW" count on these."""
    regelingen = tuple(params.doelgroep_regelingen)
    return ctx.cached(
        ("meedoen_spells", regelingen),
        lambda: merge_spells(ctx.data.get("uitkeringen"), regelingen, ctx.config.gap_days),
    )


def groups_for(ctx: Context, params: PilotParams) -> tuple[pl.DataFrame, dt.date]:
    """The target groups on the reference date (PW clients only) and that date."""
    data = ctx.data
    ref = reference_date(params, data.tables.get("voorzieningen"))
    ctx.check_peildatum(ref)
    klantbeeld = ctx.table("klantbeeld")
    groups = target_groups(
        target_spells(ctx, params),
        data.get("uitkeringen"),
        data.get("personen"),
        klantbeeld,
        ref,
        params.doelgroep_regelingen,
    )
    return groups, ref


def still_eligible(groups: pl.DataFrame, spells: pl.DataFrame) -> pl.DataFrame:
    """`groups` (a row per person and peildatum `b`) with `in_bestand`: the person still receives the
    target groups' benefit (PW) on `b`.

    Who left assistance (for work, another income, or at AOW age) is no longer eligible.
    """
    dates = groups.get_column(PEILDATUM).unique().to_list()
    theirs = spells.lazy().join(groups.lazy().select(PERSON_COLUMN).unique(), on=PERSON_COLUMN, how="semi")
    return _with_flag(groups.lazy(), running_on_each(theirs, dates), "in_bestand").collect()


def pilot_voorzieningen(ctx: Context) -> pl.DataFrame:
    """`voorzieningen`, or `Unavailable` when it is absent or holds no `meedoen` provision."""
    voorzieningen = ctx.table("voorzieningen")
    if voorzieningen.filter(pl.col("soort") == MEEDOEN).height == 0:
        raise Unavailable(GEEN_DEELNEMERS)
    return voorzieningen


def _target_rows(ctx: Context, groups: pl.DataFrame, dates: list[dt.date]) -> list[pl.DataFrame]:
    """The groups are fixed on the reference date: the same counts on every peildatum."""
    counts = group_counts(groups, ctx.gemeenten).join(dates_frame(dates), how="cross")
    out = count_rows(counts, {f"meedoen_doelgroep_{i}_n": f"groep_{i}" for i in range(1, 5)})
    return out + count_rows(counts, {"meedoen_doelgroep_n": "doelgroep"})


def _reach_rows(
    ctx: Context,
    params: PilotParams,
    voorzieningen: pl.DataFrame,
    groups: tuple[pl.DataFrame, dt.date],
    dates: list[dt.date],
) -> list[pl.DataFrame]:
    targets, ref = groups
    took = joined_each(targets.filter(pl.col("doelgroep")), voorzieningen, ref, dates)
    took = still_eligible(took, target_spells(ctx, params))
    agg = by_gemeente(
        took,
        [
            pl.len().alias("doelgroep"),
            pl.col("deelgenomen").sum().alias("deelgenomen"),
            pl.col("in_bestand").sum().alias("in_bestand"),
            (pl.col("deelgenomen") & pl.col("in_bestand")).sum().alias("deelgenomen_in_bestand"),
        ],
        ctx.gemeenten,
        dates,
    )
    return pct_rows(
        agg,
        {
            "meedoen_deelname_pct": ("deelgenomen", "doelgroep"),
            "meedoen_deelname_bestand_pct": ("deelgenomen_in_bestand", "in_bestand"),
        },
    )


def _participation_rows(
    ctx: Context, voorzieningen: pl.DataFrame, dates: list[dt.date]
) -> list[pl.DataFrame]:
    active = with_gemeente(activities_each(voorzieningen, dates).lazy(), ctx.persons)
    agg = by_gemeente(
        active,
        [pl.len().alias("deelnemers"), pl.col("activiteit").sum().alias("activiteit")],
        ctx.gemeenten,
        dates,
    )
    out = count_rows(agg, {"meedoen_deelnemers_n": "deelnemers"})
    out += pct_rows(agg, {"meedoen_activiteit_pct": ("activiteit", "deelnemers")})
    return out


def _outflow_rows(
    ctx: Context, params: PilotParams, voorzieningen: pl.DataFrame, dates: list[dt.date]
) -> list[pl.DataFrame]:
    """Outflow to paid work since the pilot started (the reference date), cumulative up to each `b`."""
    ref = reference_date(params, voorzieningen)
    ctx.check_peildatum(ref)
    outflow = work_outflow_each(ctx.spells, voorzieningen, [(ref, b) for b in dates])
    agg = by_gemeente(
        with_gemeente(outflow.lazy(), ctx.persons),
        [pl.len().alias("deelnemers"), pl.col("uitstroom_werk").sum().alias("werk")],
        ctx.gemeenten,
        dates,
    )
    return pct_rows(agg, {"meedoen_uitstroom_werk_pct": ("werk", "deelnemers")})


def _visit_rows(ctx: Context, voorzieningen: pl.DataFrame, dates: list[dt.date]) -> list[pl.DataFrame]:
    visits = home_visits_each(ctx.table("contactmomenten"), voorzieningen, [quarter(b) for b in dates])
    agg = by_gemeente(
        with_gemeente(visits.lazy(), ctx.persons),
        [
            pl.len().alias("deelnemers"),
            pl.col("huisbezoeken").sum().alias("bezoeken"),
            pl.col("bereikt").sum().alias("bereikt"),
        ],
        ctx.gemeenten,
        dates,
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


def _reward_rows(
    ctx: Context, params: PilotParams, voorzieningen: pl.DataFrame, dates: list[dt.date]
) -> list[pl.DataFrame]:
    beloningen = ctx.table("beloningen")
    g, keys = ctx.gemeenten, [PEILDATUM, GEMEENTE]
    windows = [ctx.check_window(b) for b in dates]
    per = with_gemeente(rewards_per_person_each(beloningen, windows).lazy(), ctx.persons).collect()
    people = with_gemeente(participants_between_each(voorzieningen, windows).lazy(), ctx.persons)
    over = with_gemeente(
        rewards_over_max_each(beloningen, dates, params.max_beloning_per_jaar).lazy(), ctx.persons
    )
    agg = (
        by_gemeente(people, [pl.len().alias("deelnemers")], g, dates)
        .join(by_gemeente(per, [pl.len().alias("beloond")], g, dates), on=keys)
        .join(exact_sums(per, "bedrag", g, "bedrag", dates), on=keys)
        .join(by_gemeente(over, [pl.col("boven_max").sum().alias("boven")], g, dates), on=keys)
    )
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


def _zrm_rows(ctx: Context, voorzieningen: pl.DataFrame, dates: list[dt.date]) -> list[pl.DataFrame]:
    windows = [ctx.check_window(b) for b in dates]
    changes = zrm_changes_each(ctx.table("zrm"), voorzieningen, windows)
    per = with_gemeente(zrm_per_person(changes).lazy(), ctx.persons)
    agg = by_gemeente(
        per, [pl.len().alias("gemeten"), pl.col("verbeterd").sum().alias("verbeterd")], ctx.gemeenten, dates
    )
    return pct_rows(agg, {"meedoen_zrm_verbeterd_pct": ("verbeterd", "gemeten")})


def _cost_rows(ctx: Context, voorzieningen: pl.DataFrame, dates: list[dt.date]) -> list[pl.DataFrame]:
    windows = [ctx.check_window(b) for b in dates]
    costs = with_gemeente(trajectory_costs_each(voorzieningen, windows).lazy(), ctx.persons).collect()
    charged = costs.filter(pl.col("kosten") > 0)
    agg = by_gemeente(charged, [pl.col(PERSON_COLUMN).n_unique().alias("personen")], ctx.gemeenten, dates)
    agg = agg.join(exact_sums(costs, "kosten", ctx.gemeenten, "kosten", dates), on=[PEILDATUM, GEMEENTE])
    return [rows(agg, "meedoen_trajectkosten", pl.col("kosten"), noemer=pl.col("personen"))]


def _once(compute: Callable[[], T]) -> Callable[[], T]:
    """`compute()` at the first call only; every later call gives that result or raises that `Unavailable`."""
    outcome: list[tuple[T | None, Unavailable | None]] = []

    def get() -> T:
        if not outcome:
            try:
                outcome.append((compute(), None))
            except Unavailable as exc:
                outcome.append((None, exc))
        value, failed = outcome[0]
        if failed is not None:
            raise failed
        return value  # type: ignore[return-value]

    return get


def meedoen_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """Every `meedoen` KPI for every peildatum; each part is unavailable on its own (a table may be absent).

    A part first needs what does not depend on the date (the pilot's provisions, its table: found once,
    their absence is the reason on every date), then checks each date; the dates that pass are computed
    together.
    """
    params = pilot_params(ctx.config)
    voorzieningen = _once(lambda: pilot_voorzieningen(ctx))
    groups = _once(lambda: groups_for(ctx, params))
    start = _once(lambda: reference_date(params, voorzieningen()))

    def part(
        kpis: list[str],
        needs: list[Callable[[], object]],
        check: Callable[[dt.date], object],
        compute: Callable[[list[dt.date]], list[pl.DataFrame]],
    ) -> pl.DataFrame:
        def checked(b: dt.date) -> None:
            for need in needs:
                need()
            check(b)

        return per_peildatum(kpis, ctx.gemeenten, peildata, checked, compute)

    def table(name: str) -> Callable[[], object]:
        return lambda: ctx.table(name)

    def in_quarter(b: dt.date) -> None:
        ctx.check_peildatum(quarter(ctx.check_peildatum(b))[0])

    def since_start(b: dt.date) -> None:
        """Participation and outflow count since the pilot started: before it there is nothing yet."""
        ctx.check_peildatum(b)
        if b < start():
            raise Unavailable(voor_de_start(b, start()))

    return concat_rows(
        [
            part(DOELGROEP, [], lambda b: None, lambda d: _target_rows(ctx, groups()[0], d)),
            part(
                BEREIK,
                [voorzieningen],
                since_start,
                lambda d: _reach_rows(ctx, params, voorzieningen(), groups(), d),
            ),
            part(
                DEELNAME,
                [voorzieningen],
                ctx.check_peildatum,
                lambda d: _participation_rows(ctx, voorzieningen(), d),
            ),
            part(
                UITSTROOM,
                [voorzieningen],
                since_start,
                lambda d: _outflow_rows(ctx, params, voorzieningen(), d),
            ),
            part(
                BEZOEKEN,
                [voorzieningen, table("contactmomenten")],
                in_quarter,
                lambda d: _visit_rows(ctx, voorzieningen(), d),
            ),
            part(
                BELONINGEN,
                [voorzieningen, table("beloningen")],
                ctx.check_window,
                lambda d: _reward_rows(ctx, params, voorzieningen(), d),
            ),
            part(
                ZRM,
                [voorzieningen, table("zrm")],
                ctx.check_window,
                lambda d: _zrm_rows(ctx, voorzieningen(), d),
            ),
            part(KOSTEN, [voorzieningen], ctx.check_window, lambda d: _cost_rows(ctx, voorzieningen(), d)),
        ],
        dated=True,
    )


# --- cost model ------------------------------------------------------------------------------------

#: The lines of a yearly cost estimate, as the proposal budgets each project.
KOSTENREGELS = (
    "deelnemers",
    "fte",
    "kosten_coaches",
    "trajecten",
    "kosten_trajecten",
    "beloningen",
    "totaal",
)


def reward_per_person(params: PilotParams) -> float:
    """The rewards budgeted per person: the proposal's own ratio (its reward lines / its target groups).

    The proposal budgets rewards per project (870, 1,550, 480, 870 euro: about 4,000 in all for 233
    persons) without a rule; the yearly maximum of 50 euro is a ceiling per client, not a budget. Without
    reward lines in the proposal the maximum is the (upper-bound) rate.
    """
    lines = [x for x in params.voorstel.get("begrotingsregels") or [] if x.get("beloningen") is not None]
    persons = math.fsum(float(x["deelnemers"]) for x in lines)
    if not lines or persons <= 0:
        return params.max_beloning_per_jaar
    return math.fsum(float(x["beloningen"]) for x in lines) / persons


def project_costs(deelnemers: float, params: PilotParams, beloning_per_persoon: float | None = None) -> dict:
    """A year of one project sized on `deelnemers` persons, by the proposal's own method.

    fte = persons / `clienten_per_coach_per_jaar` rounded to one decimal ("1,1 fte" for 57 persons),
    coaches = fte x `kosten_per_fte`; trajectories = `aandeel_ingekocht_traject` of the persons rounded up
    ("12 x 2.000" for 57) x `prijs_traject`; rewards = persons x `beloning_per_persoon`
    (`reward_per_person` by default). Returns the `KOSTENREGELS` as a dict.
    """
    rate = reward_per_person(params) if beloning_per_persoon is None else beloning_per_persoon
    fte = round_half_up(deelnemers / params.clienten_per_coach_per_jaar, 1) if deelnemers else 0.0
    trajecten = float(math.ceil(round(deelnemers * params.aandeel_ingekocht_traject, 9)))
    out = {
        "deelnemers": float(deelnemers),
        "fte": fte,
        "kosten_coaches": fte * params.kosten_per_fte,
        "trajecten": trajecten,
        "kosten_trajecten": trajecten * params.prijs_traject,
        "beloningen": deelnemers * rate,
    }
    out["totaal"] = math.fsum((out["kosten_coaches"], out["kosten_trajecten"], out["beloningen"]))
    return out


def round_half_up(value: float, decimals: int) -> float:
    """`value` rounded half-up (the proposal rounds 1.6852 fte to 1.7 and 1.0556 to 1.1)."""
    factor = 10**decimals
    return math.floor(value * factor + 0.5) / factor


def proposal_lines(voorstel: dict) -> pl.DataFrame:
    """The proposal's budget lines as transcribed (`begrotingsregels`): one row per project with `totaal`.

    Columns `project, regel` and the `KOSTENREGELS` (a figure the proposal does not give is null).
    """
    out = []
    for line in sorted(voorstel.get("begrotingsregels") or [], key=lambda x: x["project"]):
        row: dict[str, Any] = {
            "project": int(line["project"]),
            "regel": line.get("regel") or f"Project {line['project']}",
        }
        for key in KOSTENREGELS[:-1]:
            row[key] = None if line.get(key) is None else float(line[key])
        parts = [row[k] for k in ("kosten_coaches", "kosten_trajecten", "beloningen") if row[k] is not None]
        row["totaal"] = math.fsum(parts) if parts else None
        out.append(row)
    schema = {"project": pl.Int64(), "regel": pl.String(), **{k: pl.Float64() for k in KOSTENREGELS}}
    return pl.DataFrame(out, schema=schema)


def model_by_project(deelnemers: dict[int, float], params: PilotParams) -> pl.DataFrame:
    """`project_costs` per project for the given persons per project (the columns of `proposal_lines`)."""
    out = [
        {"project": int(p), "regel": f"Project {p}", **project_costs(n, params)}
        for p, n in sorted(deelnemers.items())
    ]
    schema = {"project": pl.Int64(), "regel": pl.String(), **{k: pl.Float64() for k in KOSTENREGELS}}
    return pl.DataFrame(out, schema=schema)


def line_totals(lines: pl.DataFrame) -> dict[str, float | None]:
    """The sum of every cost line over the projects (exact; null when no project gives that line)."""
    out: dict[str, float | None] = {}
    for key in KOSTENREGELS:
        values = lines.get_column(key).drop_nulls().to_list() if lines.height else []
        out[key] = math.fsum(values) if values else None
    return out


def realised_costs(
    voorzieningen: pl.DataFrame, beloningen: pl.DataFrame | None, s: dt.date, b: dt.date
) -> pl.DataFrame:
    """Per participant of `s..b`: the `kosten` of provisions started during participation (`trajectory_costs`,
    trajectories bought in) and the rewards dated in `s..b`: `persoon, trajecten, kosten_trajecten,
    beloningen, totaal` (exact sums of cents).
    """
    people = participants_between(voorzieningen, s, b).select(PERSON_COLUMN)
    costs = (
        trajectory_costs(voorzieningen, s, b)
        .filter(pl.col("kosten") > 0)
        .group_by(PERSON_COLUMN)
        .agg(
            pl.len().alias("trajecten"),
            (pl.col("kosten") * 100).round(0).cast(pl.Int64).sum().alias("_ct"),
        )
    )
    rewards = (
        rewards_per_person(beloningen, s, b).select(
            PERSON_COLUMN, (pl.col("bedrag") * 100).round(0).cast(pl.Int64).alias("_cb")
        )
        if beloningen is not None
        else pl.DataFrame(schema={PERSON_COLUMN: pl.String(), "_cb": pl.Int64()})
    )
    return (
        people.join(costs, on=PERSON_COLUMN, how="left")
        .join(rewards, on=PERSON_COLUMN, how="left")
        .with_columns(pl.col("trajecten", "_ct", "_cb").fill_null(0))
        .select(
            PERSON_COLUMN,
            pl.col("trajecten").cast(pl.Int64),
            (pl.col("_ct") / 100).alias("kosten_trajecten"),
            (pl.col("_cb") / 100).alias("beloningen"),
            ((pl.col("_ct") + pl.col("_cb")) / 100).alias("totaal"),
        )
        .sort(PERSON_COLUMN)
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


def proposal_group_sizes(voorstel: dict) -> dict[int, float]:
    """project -> the target group the proposal sizes it on (its budget line, else its group table)."""
    sizes = {int(x["project"]): float(x["deelnemers"]) for x in voorstel.get("begrotingsregels") or []}
    if sizes:
        return sizes
    counts = proposal_counts(voorstel).filter(pl.col("gemeentecode") == TOTAAL)
    return {int(r["groep"].removeprefix("groep_")): float(r["aantal"]) for r in counts.iter_rows(named=True)}


def _near(stated: float, computed: float, tolerance: float) -> bool:
    return abs(stated - computed) <= tolerance + 1e-9


def check_proposal(
    voorstel: dict,
    params: PilotParams,
    verdeelsleutel: dict[str, float] | None = None,
    fte_tolerance: float = 0.05,
    eur_tolerance: float = 500.0,
) -> list[Inconsistency]:
    """Recompute every figure of the proposal from its own inputs; return the ones that disagree.

    - each target group's `totaal` against the sum of its municipalities;
    - the participants (`deelnemers`) against the ambition range of the summed group counts;
    - each budget line (`begrotingsregels`): its persons against its group's total, its fte against
      persons / `clienten_per_coach_per_jaar`, coach costs against fte x `kosten_per_fte`, trajectories
      against `aandeel_ingekocht_traject` of the persons rounded up, their costs against x `prijs_traject`;
    - two lines with the same number of persons but a different fte (projects 1 and 4: 57 persons,
      "1,1 fte" and "ongeveer 1 fte"): both cannot follow from one rule;
    - the rewards, the projects and the whole against the totals the proposal prints, and the amounts per
      municipality against those totals and the cost key.
    Tolerances allow for the proposal's rounding (0.05 fte: one decimal; 500 euro: "afgerond").
    """
    found: list[Inconsistency] = []
    counts = proposal_counts(voorstel)
    summed = 0
    group_totals: dict[int, int] = {}
    for groep in counts.get_column("groep").unique().sort().to_list():
        part = counts.filter(pl.col("groep") == groep)
        parts = part.filter(pl.col("gemeentecode") != TOTAAL).get_column("aantal").sum()
        stated = part.filter(pl.col("gemeentecode") == TOTAAL).get_column("aantal")
        total = int(stated[0]) if stated.len() else int(parts)
        group_totals[int(groep.removeprefix("groep_"))] = total
        summed += total
        if stated.len() and int(stated[0]) != int(parts):
            found.append(Inconsistency(f"doelgroep {groep[-1]}", "totaal", float(stated[0]), float(parts)))
    if voorstel.get("deelnemers") is not None and summed:
        low, high = participants_at_ambition(summed, params)
        stated_participants = float(voorstel["deelnemers"])
        if not (low - 0.5 <= stated_participants <= high + 0.5):
            found.append(Inconsistency("deelnemers", "deelnemers", stated_participants, (low + high) / 2))
    lines = voorstel.get("begrotingsregels") or []
    for line in lines:
        name = str(line.get("regel") or f"Project {line['project']}")
        persons = float(line["deelnemers"])
        group = group_totals.get(int(line["project"]))
        if group is not None and group != persons:
            found.append(Inconsistency(name, "deelnemers", persons, float(group)))
        fte = line.get("fte")
        if fte is not None:
            expected = persons / params.clienten_per_coach_per_jaar
            if not _near(float(fte), expected, fte_tolerance):
                found.append(Inconsistency(name, "fte", float(fte), expected, "ratio"))
            if line.get("kosten_coaches") is not None:
                expected = float(fte) * params.kosten_per_fte
                if not _near(float(line["kosten_coaches"]), expected, eur_tolerance):
                    found.append(
                        Inconsistency(
                            name, "kosten aandachtcoaches", float(line["kosten_coaches"]), expected, "eur"
                        )
                    )
        if line.get("trajecten") is not None:
            expected = float(math.ceil(round(persons * params.aandeel_ingekocht_traject, 9)))
            if float(line["trajecten"]) != expected:
                found.append(Inconsistency(name, "trajecten", float(line["trajecten"]), expected))
            if line.get("kosten_trajecten") is not None:
                expected = float(line["trajecten"]) * params.prijs_traject
                if not _near(float(line["kosten_trajecten"]), expected, eur_tolerance):
                    found.append(
                        Inconsistency(
                            name, "kosten trajecten", float(line["kosten_trajecten"]), expected, "eur"
                        )
                    )
    for i, first in enumerate(lines):
        for second in lines[i + 1 :]:
            same = float(first["deelnemers"]) == float(second["deelnemers"])
            if (
                same
                and first.get("fte") is not None
                and second.get("fte") is not None
                and float(first["fte"]) != float(second["fte"])
            ):
                pair = f"projecten {first['project']} en {second['project']}"
                found.append(
                    Inconsistency(
                        f"{pair} (beide {int(first['deelnemers'])} personen)",
                        "fte",
                        float(second["fte"]),
                        float(first["fte"]),
                        "ratio",
                    )
                )
    totals = line_totals(proposal_lines(voorstel))
    checks = [
        ("beloningen", "totaal", voorstel.get("beloningen_totaal_opgegeven"), totals["beloningen"]),
        ("projecten 1-4", "totaal", voorstel.get("projecten_totaal_opgegeven"), totals["totaal"]),
    ]
    if (
        voorstel.get("totaal_opgegeven") is not None
        and voorstel.get("projecten_totaal_opgegeven") is not None
    ):
        whole = float(voorstel["projecten_totaal_opgegeven"]) + float(voorstel.get("innovatiebudget") or 0.0)
        checks.append(("projecten en innovatiebudget", "totaal", voorstel["totaal_opgegeven"], whole))
    per = voorstel.get("kosten_per_gemeente") or {}
    for budget_part, stated_total in (
        ("projecten", voorstel.get("projecten_totaal_opgegeven")),
        ("innovatie", voorstel.get("innovatiebudget")),
    ):
        amounts = per.get(budget_part) or {}
        if amounts and stated_total is not None:
            checks.append(
                (
                    f"kosten per gemeente ({budget_part})",
                    "som",
                    math.fsum(amounts.values()),
                    float(stated_total),
                )
            )
            for code, amount in sorted(amounts.items()):
                share = (verdeelsleutel or {}).get(code)
                if share is not None:
                    checks.append(
                        (
                            f"kosten per gemeente ({budget_part}) {code}",
                            "verdeelsleutel",
                            amount,
                            share * float(stated_total),
                        )
                    )
    for name, what, given, computed in checks:
        if (
            given is not None
            and computed is not None
            and not _near(float(given), float(computed), eur_tolerance)
        ):
            found.append(Inconsistency(name, what, float(given), float(computed), "eur"))
    return found


FAMILY = registry.register(
    registry.Family(
        id="meedoen",
        label="Pilot Meedoen!",
        order=70,
        series=meedoen_series,
        notebook="20_meedoen",
        unions=(("meedoen_doelgroep_n", tuple(f"meedoen_doelgroep_{i}_n" for i in range(1, 5))),),
        norms=norm_rules,
        active=runs_pilot,
        kpis=(
            registry.kpi(
                "meedoen_doelgroep_1_n",
                "Meedoen! doelgroep 1: ouders met kinderen, 5 jaar of langer bijstand PW",
                "n",
                "aantal",
                "meedoen",
            ),
            registry.kpi(
                "meedoen_doelgroep_2_n",
                "Meedoen! doelgroep 2: alleenstaande ouderen van 56+, 5 jaar of langer bijstand PW",
                "n",
                "aantal",
                "meedoen",
            ),
            registry.kpi(
                "meedoen_doelgroep_3_n",
                "Meedoen! doelgroep 3: niet-westerse migratieachtergrond, langer dan 5 jaar bijstand PW",
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
                "Meedoen! deelname van de doelgroepen (cumulatief, oorspronkelijke groep)",
                "pct",
                "aandeel",
                "meedoen",
                "60-70 % van de doelgroepen doet mee",
            ),
            registry.kpi(
                "meedoen_deelname_bestand_pct",
                "Meedoen! deelname van wie op de peildatum nog in de doelgroep-uitkering zit",
                "pct",
                "aandeel",
                "meedoen",
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
                "Meedoen! uitstroom naar betaald werk sinds de start (cumulatief)",
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
