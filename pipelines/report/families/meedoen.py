"""What the Meedoen! page shows besides kpis.csv: target groups beside the proposal, overlap, ZRM, costs.

Every table here is for publication: counts of 1 to `min_cell - 1` read `<5`, shares on fewer than
`min_noemer` persons are left out. The figures come from `pipelines.kpi.meedoen`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.disclosure import suppression_reason
from pipelines.kpi.base import GEMEENTE, TOTAAL, Context, Inconsistency, Unavailable
from pipelines.kpi.meedoen import (
    GROEP_LABELS,
    VOORSTEL_GEMEENTEN,
    PilotParams,
    check_proposal,
    group_counts,
    groups_for,
    line_totals,
    model_by_project,
    overlap_table,
    pilot_params,
    pilot_voorzieningen,
    project_costs,
    proposal_counts,
    proposal_group_sizes,
    proposal_lines,
    realised_costs,
    reward_per_person,
    split_costs,
    write_selection_list,
    zrm_changes,
    zrm_per_domain,
)
from pipelines.periods import window
from pipelines.report.formats import format_nl
from pipelines.report.present import published_count
from pipelines.schema import PERSON_COLUMN


def _eur(x: float | None) -> str:
    return "" if x is None else format_nl(x, "eur", decimals=0)


def _num(x: float | None, decimals: int = 0) -> str:
    return "" if x is None else format_nl(x, "n", decimals=decimals)


@dataclass
class PilotView:
    """The notebook's tables for one peildatum; `reden` says why there is nothing when `beschikbaar` is false.

    Every table is for publication: counts of 1 to `min_cell - 1` read `<5`, shares on fewer than
    `min_noemer` persons are left out. `groups` is the person-level selection: internal, never displayed.
    """

    beschikbaar: bool
    reden: str | None = None
    peildatum_doelgroepen: dt.date | None = None
    doelgroepen: pl.DataFrame | None = None
    overlap: pl.DataFrame | None = None
    zrm_domeinen: pl.DataFrame | None = None
    begroting: pl.DataFrame | None = None
    kosten: pl.DataFrame | None = None
    verdeling: pl.DataFrame | None = None
    verschillen: list[str] = field(default_factory=list)
    inconsistenties: list[str] = field(default_factory=list)
    kosten_totalen: dict[str, float | None] = field(default_factory=dict)
    groups: pl.DataFrame | None = field(default=None, repr=False)


def comparison_table(
    counts: pl.DataFrame, voorstel: dict, gemeenten: dict[str, str], min_cell: int
) -> pl.DataFrame:
    """Per group and municipality: the proposal's count (1 March 2019) beside the count in the data."""
    stated = {
        (r["groep"], r["gemeentecode"]): r["aantal"] for r in proposal_counts(voorstel).iter_rows(named=True)
    }
    lookup = {r[GEMEENTE]: r for r in counts.iter_rows(named=True)}
    codes = [c for c in VOORSTEL_GEMEENTEN if c in gemeenten] + [
        c for c in sorted(gemeenten) if c not in VOORSTEL_GEMEENTEN
    ]
    out = []
    for col, label in {**GROEP_LABELS, "doelgroep": "Unieke personen in een of meer groepen"}.items():
        row = {"Doelgroep": label}
        for code in [*codes, TOTAAL]:
            name = "Totaal" if code == TOTAAL else gemeenten[code]
            if col == "doelgroep":
                proposal = "n.b."
            else:
                n = stated.get((col, code))
                proposal = "" if n is None else str(n)
            data = int((lookup.get(code) or {}).get(col) or 0)
            row[f"{name} voorstel"] = proposal
            row[f"{name} data"] = published_count(data, min_cell)
        out.append(row)
    return pl.DataFrame(out)


def published_overlap(groups: pl.DataFrame, min_cell: int) -> pl.DataFrame:
    """`overlap_table` as text, small counts masked."""
    table = overlap_table(groups)
    return table.select(
        pl.col("groepen").alias("Combinatie van groepen"),
        pl.col("aantal_groepen").alias("Aantal groepen"),
        pl.col("personen")
        .map_elements(lambda n: published_count(int(n), min_cell), return_dtype=pl.String)
        .alias("Personen"),
    )


def published_zrm(changes: pl.DataFrame, min_noemer: int) -> pl.DataFrame:
    """Per ZRM domain the share of participants that improved, for a bar chart (`categorie, waarde,
    onderdrukt`).
    """
    per = zrm_per_domain(changes)
    hidden = pl.col("personen") < min_noemer
    return per.select(
        pl.col("domein").alias("categorie"),
        pl.when(hidden).then(None).otherwise(pl.col("verbeterd_pct")).alias("waarde"),
        pl.when(hidden).then(pl.lit("noemer_klein")).otherwise(None).alias("onderdrukt"),
        "personen",
        pl.when(hidden).then(None).otherwise(pl.col("verschil_gem")).alias("verschil_gem"),
    )


#: Row labels of the cost tables (the `KOSTENREGELS` of `pipelines.kpi.meedoen`) and their units.
REGEL_LABELS = {
    "deelnemers": ("Personen waarop begroot", "n"),
    "fte": ("Aandachtcoaches (fte)", "ratio"),
    "kosten_coaches": ("Kosten aandachtcoaches", "eur"),
    "trajecten": ("Ingekochte trajecten (aantal)", "n"),
    "kosten_trajecten": ("Kosten trajecten", "eur"),
    "beloningen": ("Beloningen (cadeaubonnen)", "eur"),
    "totaal": ("Totaal per jaar", "eur"),
}


def _cell(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "ratio":
        return format_nl(value, "ratio", decimals=1)
    return format_nl(value, unit, decimals=0) if unit == "eur" else format_nl(value, unit)


def inconsistency_text(found: Inconsistency) -> str:
    """One line of `check_proposal` in Dutch, numbers as the report writes them."""
    decimals = 2 if found.eenheid == "ratio" else None
    return (
        f"{found.regel}: {found.onderdeel} {format_nl(found.opgegeven, found.eenheid, decimals=decimals)} "
        f"opgegeven, {format_nl(found.berekend, found.eenheid, decimals=decimals)} volgt uit de eigen "
        "uitgangspunten of totalen"
    )


def project_table(voorstel: dict, params: PilotParams) -> pl.DataFrame:
    """Per project: the proposal's own lines beside the model on the proposal's own target groups."""
    stated = {r["project"]: r for r in proposal_lines(voorstel).iter_rows(named=True)}
    model = {
        r["project"]: r
        for r in model_by_project(proposal_group_sizes(voorstel), params).iter_rows(named=True)
    }
    out = []
    for project in sorted(set(stated) | set(model)):
        p, m = stated.get(project, {}), model.get(project, {})
        out.append(
            {
                "Project": GROEP_LABELS.get(f"groep_{project}", f"Project {project}"),
                "Doelgroep (personen)": _cell(p.get("deelnemers", m.get("deelnemers")), "n"),
                "Fte voorstel": _cell(p.get("fte"), "ratio"),
                "Fte model": _cell(m.get("fte"), "ratio"),
                "Trajecten voorstel": _cell(p.get("trajecten"), "n"),
                "Trajecten model": _cell(m.get("trajecten"), "n"),
                "Beloningen voorstel": _cell(p.get("beloningen"), "eur"),
                "Totaal voorstel": _cell(p.get("totaal"), "eur"),
                "Totaal model": _cell(m.get("totaal"), "eur"),
            }
        )
    return pl.DataFrame(out)


@dataclass
class Realised:
    """What the export shows of the pilot's spend in the 12 months up to the peildatum (exact values)."""

    deelnemers: int
    per_person: pl.DataFrame
    coach_fte: float | None


def realised_figures(ctx: Context, params: PilotParams, voorzieningen: pl.DataFrame, b: dt.date) -> Realised:
    s, _ = window(b)
    per = realised_costs(voorzieningen, ctx.data.tables.get("beloningen"), s, b)
    per = per.join(ctx.persons, on=PERSON_COLUMN, how="left")
    staff = ctx.data.tables.get("medewerkers")
    fte = None
    if staff is not None:
        coaches = staff.filter(pl.col("functie") == "aandachtcoach").get_column("fte").to_list()
        fte = math.fsum(coaches) if coaches else 0.0
    return Realised(deelnemers=per.height, per_person=per, coach_fte=fte)


def cost_comparison(
    voorstel: dict,
    params: PilotParams,
    data_groups: dict[int, float],
    realised: Realised,
    min_cell: int,
) -> pl.DataFrame:
    """A year of projects 1-4: the proposal, the model on three bases, and what the export shows.

    Columns: the proposal's own lines (summed); the model on the proposal's target groups (1 March 2019);
    on the target groups counted in the data; on the actual participants of the 12 months; realised in the
    export (trajectory costs and rewards of participants; coaches from `medewerkers`, an estimate).
    Amounts over 1 to `min_cell - 1` persons are not published (`-`).
    """
    stated = line_totals(proposal_lines(voorstel)) if voorstel.get("begrotingsregels") else {}
    basis = line_totals(model_by_project(proposal_group_sizes(voorstel), params)) if voorstel else {}
    in_data = line_totals(model_by_project(data_groups, params))
    on_people = project_costs(realised.deelnemers, params)
    per = realised.per_person
    persons_costs = per.filter(pl.col("kosten_trajecten") > 0).height
    persons_rewards = per.filter(pl.col("beloningen") > 0).height
    fte = realised.coach_fte
    actual: dict[str, float | None] = {
        "deelnemers": float(realised.deelnemers),
        "fte": fte,
        "kosten_coaches": None if fte is None else fte * params.kosten_per_fte,
        "trajecten": float(per.get_column("trajecten").sum()) if per.height else 0.0,
        "kosten_trajecten": math.fsum(per.get_column("kosten_trajecten").to_list()),
        "beloningen": math.fsum(per.get_column("beloningen").to_list()),
    }
    actual["totaal"] = math.fsum(
        v for k in ("kosten_coaches", "kosten_trajecten", "beloningen") if (v := actual[k]) is not None
    )
    hidden = {
        "deelnemers": suppression_reason("aantal", actual["deelnemers"], None, None, min_cell),
        "trajecten": suppression_reason("bedrag", actual["trajecten"], None, persons_costs, min_cell),
        "kosten_trajecten": suppression_reason(
            "bedrag", actual["kosten_trajecten"], None, persons_costs, min_cell
        ),
        "beloningen": suppression_reason("bedrag", actual["beloningen"], None, persons_rewards, min_cell),
    }
    if hidden["kosten_trajecten"] or hidden["beloningen"]:
        hidden["totaal"] = "personen_klein"
    out = []
    for key, (label, unit) in REGEL_LABELS.items():
        shown = "-" if hidden.get(key) else _cell(actual[key], unit)
        if key == "deelnemers" and hidden.get(key):
            shown = f"<{min_cell}"
        out.append(
            {
                "Regel": label,
                "Voorstel (eigen begroting)": _cell(stated.get(key), unit),
                "Model: doelgroepen van het voorstel": _cell(basis.get(key), unit),
                "Model: doelgroepen in de data": _cell(in_data.get(key), unit),
                "Model: deelnemers in de data (12 maanden)": (
                    (f"<{min_cell}" if key == "deelnemers" else "-")
                    if hidden["deelnemers"]
                    else _cell(on_people[key], unit)
                ),
                "Gerealiseerd in de export (12 maanden)": shown,
            }
        )
    return pl.DataFrame(out)


def municipality_table(voorstel: dict, config, realised: Realised, min_cell: int) -> pl.DataFrame | None:
    """Per municipality: the cost key, the proposal's amounts by that key, realised spend against the key.

    Realised spend is by the participant's municipality (trajectory costs and rewards, 12 months); the
    key's share is the key times the realised total. An amount over 1 to `min_cell - 1` persons is hidden,
    and then one more (the smallest other) so the total does not give it away. When the trajectory costs
    or the rewards as a whole concern so few persons, the realised total itself would give them away (the
    cost table shows the other part): then no realised figure is shown here.
    """
    if not config.verdeelsleutel:
        return None
    per_gem = voorstel.get("kosten_per_gemeente") or {}
    per = realised.per_person
    total = math.fsum(per.get_column("totaal").to_list()) if per.height else 0.0
    split = split_costs(total, config.verdeelsleutel, config.gemeenten)
    amounts, persons = {}, {}
    for row in split.iter_rows(named=True):
        spent = per.filter((pl.col(GEMEENTE) == row["gemeentecode"]) & (pl.col("totaal") > 0))
        amounts[row["gemeentecode"]] = math.fsum(spent.get_column("totaal").to_list())
        persons[row["gemeentecode"]] = spent.height
    hidden = {c for c in amounts if suppression_reason("bedrag", amounts[c], None, persons[c], min_cell)}
    parts_hidden = any(
        suppression_reason("bedrag", 1.0, None, per.filter(pl.col(part) > 0).height, min_cell)
        for part in ("kosten_trajecten", "beloningen")
    )
    if parts_hidden:
        hidden = set(amounts)
    if len(hidden) == 1:
        others = sorted((amounts[c], c) for c in amounts if c not in hidden)
        if others:
            hidden.add(others[0][1])
    out = []
    for row in split.iter_rows(named=True):
        code = row["gemeentecode"]
        mine = None if code in hidden else amounts[code]
        out.append(
            {
                "Gemeente": row["gemeente"],
                "Verdeelsleutel": format_nl(100 * row["aandeel"], "pct", decimals=2),
                "Voorstel projecten 1-4": _cell((per_gem.get("projecten") or {}).get(code), "eur"),
                "Voorstel innovatiebudget": _cell((per_gem.get("innovatie") or {}).get(code), "eur"),
                "Gerealiseerd (12 maanden)": "-" if mine is None else _cell(mine, "eur"),
                "Volgens de sleutel": "-" if parts_hidden else _cell(row["bedrag"], "eur"),
                "Verschil": "-" if mine is None else _cell(mine - row["bedrag"], "eur"),
            }
        )
    return pl.DataFrame(out)


def pilot_view(data, config, gemeente: str, b: dt.date) -> PilotView:
    """Everything the notebook shows besides kpis.csv, or the reason it cannot be shown."""
    ctx = Context.build(data, config)
    try:
        params = pilot_params(config)
        groups, ref = groups_for(ctx, params)
        voorzieningen = pilot_voorzieningen(ctx)
    except Unavailable as exc:
        return PilotView(beschikbaar=False, reden=str(exc))
    counts = group_counts(groups, ctx.gemeenten)
    names = {code: config.gemeenten.get(code, code) for code in ctx.gemeenten}
    voorstel = params.voorstel
    totaal = counts.filter(pl.col(GEMEENTE) == TOTAAL).row(0, named=True)
    unique = int(totaal["doelgroep"])
    data_groups = {i: float(totaal[f"groep_{i}"]) for i in range(1, 5)}
    realised = realised_figures(ctx, params, voorzieningen, b)
    kosten = cost_comparison(voorstel, params, data_groups, realised, config.min_cell)
    proposal_sum = (
        int(proposal_counts(voorstel).filter(pl.col(GEMEENTE) == TOTAAL).get_column("aantal").sum())
        if voorstel
        else None
    )
    rate = reward_per_person(params)
    stated = line_totals(proposal_lines(voorstel)) if voorstel.get("begrotingsregels") else {}
    notes = [
        "Het voorstel begroot elk project op zijn **doelgroep**, niet op de verwachte deelnemers: fte = "
        f"personen / {_num(params.clienten_per_coach_per_jaar)} per coach, afgerond op één decimaal; "
        f"{_num(100 * params.aandeel_ingekocht_traject)} % van de personen krijgt een traject van "
        f"{_eur(params.prijs_traject)} (naar boven afgerond); een fte kost {_eur(params.kosten_per_fte)}. "
        "Het model volgt die rekenregel op elke basis.",
        f"Beloningen: het voorstel begroot per project een bedrag (samen {_eur(stated.get('beloningen'))}, "
        "'ongeveer € 4.000') zonder rekenregel; het model neemt hetzelfde bedrag per persoon "
        f"({format_nl(rate, 'eur')}), "
        f"niet het maximum van {_eur(params.max_beloning_per_jaar)} per klant per jaar (dat is een plafond).",
        f"Het voorstel telt de vier groepen op ({proposal_sum if proposal_sum is not None else 'n.b.'} op 1 "
        "maart 2019); wie in twee groepen valt, telt daarin twee keer. In de data op "
        f"{ref.strftime('%d-%m-%Y')} zijn dat {published_count(sum(data_groups.values()), config.min_cell)} "
        f"plaatsen voor {published_count(unique, config.min_cell)} unieke personen.",
        "De kolom *deelnemers in de data* rekent op de "
        f"{published_count(realised.deelnemers, config.min_cell)} personen die in de 12 "
        "maanden tot en met de peildatum deelnamen: zo groot is het werk van de coaches werkelijk.",
        "De kolom *gerealiseerd* telt de kosten van voorzieningen die tijdens een deelname begonnen en de "
        "beloningen in de export; de aandachtcoaches staan niet in de export: hun kosten zijn een raming "
        "(fte van functie aandachtcoach in `medewerkers` x de kosten per fte).",
    ]
    if voorstel.get("innovatiebudget") is not None:
        notes.append(
            "Daarnaast vraagt het voorstel een innovatiebudget (project 5) van "
            f"{_eur(voorstel['innovatiebudget'])}; "
            f"het totaal is maximaal {_eur(voorstel.get('totaal_opgegeven'))}."
        )
    problems = check_proposal(voorstel, params, config.verdeelsleutel) if voorstel else []
    notes += [f"Het voorstel is op dit punt niet consistent: {inconsistency_text(p)}." for p in problems]
    if gemeente != TOTAAL:
        persons = ctx.persons.filter(pl.col(GEMEENTE) == gemeente).select(PERSON_COLUMN)
    else:
        persons = ctx.persons.select(PERSON_COLUMN)
    zrm = data.tables.get("zrm")
    zrm_table = None
    if zrm is not None:
        s, _ = window(b)
        changes = zrm_changes(zrm, voorzieningen, s, b).join(persons, on=PERSON_COLUMN, how="semi")
        zrm_table = published_zrm(changes, config.min_noemer)
    return PilotView(
        beschikbaar=True,
        peildatum_doelgroepen=ref,
        doelgroepen=comparison_table(counts, voorstel, names, config.min_cell),
        overlap=published_overlap(groups, config.min_cell),
        zrm_domeinen=zrm_table,
        begroting=project_table(voorstel, params) if voorstel else None,
        kosten=kosten,
        verdeling=municipality_table(voorstel, config, realised, config.min_cell),
        verschillen=notes,
        inconsistenties=[inconsistency_text(p) for p in problems],
        kosten_totalen={
            "voorstel": stated.get("totaal"),
            "model_voorstel": line_totals(model_by_project(proposal_group_sizes(voorstel), params))["totaal"]
            if voorstel
            else None,
            "model_doelgroepen_data": line_totals(model_by_project(data_groups, params))["totaal"],
            "model_deelnemers": project_costs(realised.deelnemers, params)["totaal"],
        },
        groups=groups,
    )


def write_internal_selection(
    view: PilotView, intern_dir: str | Path, published: str | Path | None
) -> Path | None:
    """Write the selection list to `intern_dir`, refusing a folder inside the published output."""
    if not intern_dir or view.groups is None:
        return None
    target = Path(intern_dir).expanduser().resolve()
    if published:
        bundle = Path(published).expanduser().resolve()
        if target == bundle or bundle in target.parents:
            raise ValueError(
                f"intern_dir {target} ligt in de gepubliceerde uitvoer {bundle}: kies een interne map"
            )
    return write_selection_list(view.groups, target)
