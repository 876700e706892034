"""What the Meedoen! page shows besides kpis.csv: target groups beside the proposal, overlap, ZRM, costs.

Every table here is for publication: counts of 1 to `min_cell - 1` read `<5`, shares on fewer than
`min_noemer` persons are left out. The figures come from `pipelines.kpi.meedoen`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines.kpi.base import GEMEENTE, TOTAAL, Context, Unavailable
from pipelines.kpi.meedoen import (
    GROEP_LABELS,
    GROEPEN,
    VOORSTEL_GEMEENTEN,
    PilotParams,
    check_proposal,
    cost_lines,
    group_counts,
    groups_for,
    overlap_table,
    participants_at_ambition,
    pilot_params,
    pilot_voorzieningen,
    proposal_counts,
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
    kosten: pl.DataFrame | None = None
    verdeling: pl.DataFrame | None = None
    verschillen: list[str] = field(default_factory=list)
    model_deelnemers: float | None = None
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


def cost_comparison(
    voorstel_deelnemers: float | None, model_deelnemers: float, params: PilotParams
) -> pl.DataFrame:
    """The cost lines on the proposal's own participants (about 150) beside the model's on the data."""
    model = cost_lines(model_deelnemers, params)
    proposal = cost_lines(voorstel_deelnemers, params) if voorstel_deelnemers is not None else None
    out = []
    for i, line in enumerate(model.iter_rows(named=True)):
        p_line = proposal.row(i, named=True) if proposal is not None else {"aantal": None, "bedrag": None}
        decimals = 2 if line["eenheid"] == "fte" else 0
        out.append(
            {
                "Regel": line["regel"] + (f" ({line['eenheid']})" if line["eenheid"] else ""),
                "Voorstel: aantal": _num(p_line["aantal"], decimals),
                "Voorstel: kosten": _eur(p_line["bedrag"]),
                "Model op de data: aantal": _num(line["aantal"], decimals),
                "Model op de data: kosten": _eur(line["bedrag"]),
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
    unique = int(counts.filter(pl.col(GEMEENTE) == TOTAAL).get_column("doelgroep")[0])
    summed = int(counts.filter(pl.col(GEMEENTE) == TOTAAL).select(pl.sum_horizontal(*GROEPEN)).item())
    low, high = participants_at_ambition(unique, params)
    model = (low + high) / 2
    stated = voorstel.get("deelnemers")
    kosten = cost_comparison(float(stated) if stated is not None else None, model, params)
    total = cost_lines(model, params).get_column("bedrag")[-1]
    verdeling = None
    if config.verdeelsleutel:
        split = split_costs(total, config.verdeelsleutel, config.gemeenten)
        verdeling = split.select(
            pl.col("gemeente").alias("Gemeente"),
            (pl.col("aandeel") * 100)
            .map_elements(lambda x: _num(x, 2) + " %", return_dtype=pl.String)
            .alias("Verdeelsleutel"),
            pl.col("bedrag").map_elements(_eur, return_dtype=pl.String).alias("Aandeel in de kosten (model)"),
        )
    proposal_sum = (
        int(proposal_counts(voorstel).filter(pl.col(GEMEENTE) == TOTAAL).get_column("aantal").sum())
        if voorstel
        else None
    )
    notes = [
        f"Het voorstel telt de vier groepen op ({proposal_sum if proposal_sum is not None else 'n.b.'} op 1 "
        f"maart 2019); "
        "wie in twee groepen valt, telt daarin twee keer. Het model rekent met unieke personen: in de data "
        f"{_num(unique)} personen tegen {_num(summed)} als som van de groepen.",
        f"Het model neemt het midden van de ambitie "
        f"({_num(params.ambitie_deelname_pct[0])}-{_num(params.ambitie_deelname_pct[1])} %) "
        f"van de unieke doelgroep op {ref.strftime('%d-%m-%Y')}: {_num(model, 1)} deelnemers; het voorstel "
        f"gaat uit van "
        f"{stated if stated is not None else 'n.b.'} deelnemers.",
        f"Aandachtcoaches: deelnemers gedeeld door {_num(params.clienten_per_coach_per_jaar)} per coach per "
        f"jaar, "
        f"{_eur(params.kosten_per_fte)} per fte; trajecten: {_num(100 * params.aandeel_ingekocht_traject)} % "
        f"van de deelnemers "
        f"x {_eur(params.prijs_traject)}; beloningen op het maximum van {_eur(params.max_beloning_per_jaar)} "
        f"per deelnemer "
        "(een bovengrens).",
        "De begrotingstabel van het voorstel zelf (regels met deelnemers en fte) staat niet in de "
        "bronbeschrijving; "
        "de kolom 'voorstel' is daarom herrekend uit de uitgangspunten die het voorstel noemt.",
    ]
    problems = check_proposal(voorstel, params) if voorstel else []
    notes += [f"Het voorstel is op dit punt niet consistent: {p.tekst()}." for p in problems]
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
        kosten=kosten,
        verdeling=verdeling,
        verschillen=notes,
        model_deelnemers=model,
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
