"""Participation budget by perspective: spend from `voorzieningen.kosten` and fixed costs against the budget.

The policy plan budgets its participation budget per calendar year, over the three perspectives and
a general part (programme management, research), line by line (`participatiebudget`; the short form
`budget_per_perspectief` gives one amount per perspective). So the spend of peildatum `b` is that of
the calendar year of `b` up to and including `b` (year to date; at Q4 the whole year):
- a provision counts in full in the year of its `begindatum` (the cost is committed when it starts),
  with its `kosten`; a provision without `kosten` is not charged (counted apart in the notebook); a
  wage-cost subsidy (`lks`, `lks_forfaitair`) is never charged: it is paid from the income budget
  (BUIG), not from the participation budget;
- its perspective is that of the client's `klantbeeld` period running on the `begindatum`; when none
  runs, that of the period that ended most recently, at most `LOOKBACK_DAYS` before (a job coach
  often starts the day after the benefit and its perspective ended); else `onbekend`;
- `budget_<p>_besteed` per perspective (and `onbekend`, `totaal`) for every municipality, by the
  person's municipality; noemer = the persons behind the amount (disclosure kind `bedrag`);
- budget lines that are not provisions for a client (`soort: vast`: the contribution to the employers'
  service point, job coaches' salaries, the programme manager, research) are fixed costs: spent evenly
  over the year, so `budget_vaste_lasten` is their pro-rata part up to `b` (organisation only);
- `budget_<p>_uitputting` = 100 x (spend + fixed costs of p) / budget of p, only for the organisation as
  a whole (`totaal`): the budget is the organisation's. `totaal` compares all spend, `onbekend` and the
  general part included, with the whole budget.
Sums are exact (`math.fsum`), so kpis.csv does not depend on row order.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from pipelines.config import BUDGET_PERSPECTIEVEN, YearBudget, has_budget, year_budget
from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    SERIES_SCHEMA,
    TOTAAL,
    Context,
    Inconsistency,
    Unavailable,
    na_extractie,
    niet_gedekt,
    per_peildatum,
    tabel_ontbreekt,
    unavailable_rows,
    with_gemeente,
)
from pipelines.schema import LKS_SOORTEN, PERSON_COLUMN
from pipelines.spells import by_start_then_end, overlapping_each

ONBEKEND = "onbekend"
#: A provision starting at most this many days (one quarter) after the client's last perspective
#: period ended is charged to that perspective.
LOOKBACK_DAYS = 92
PERSPECTIEVEN = BUDGET_PERSPECTIEVEN
BESTEED = [f"budget_{p}_besteed" for p in (*PERSPECTIEVEN, ONBEKEND)]
UITPUTTING = [f"budget_{p}_uitputting" for p in PERSPECTIEVEN]
TOTAAL_KPIS = ["budget_totaal_besteed", "budget_totaal_uitputting", "budget_vaste_lasten"]
KPIS = BESTEED + UITPUTTING + TOTAAL_KPIS
#: Provisions never charged to the participation budget: the wage-cost subsidy is paid from BUIG.
NIET_PARTICIPATIEBUDGET = LKS_SOORTEN
ALGEMEEN = "algemeen"
ALLEEN_TOTAAL_BUDGET = (
    "alleen berekend voor de organisatie als geheel (gemeentecode totaal): het participatiebudget per "
    "perspectief is voor de organisatie vastgesteld"
)
KOSTEN_LEEG = "niet beschikbaar: kolom kosten van voorzieningen is leeg (geen kosten geleverd)"
ILLUSTRATIEF = "budget illustratief: geen vastgesteld bedrag van de organisatie (budget_illustratief)"


def norm_rules(config) -> list[registry.NormRule]:
    """The dashboard's checks: spend at most the budget (100 %), only when the organisation configured one."""
    if not has_budget(config):
        return []
    return [
        registry.NormRule(kpi, "<=", 100.0, alleen_totaal=True)
        for kpi in (*UITPUTTING, "budget_totaal_uitputting")
    ]


def geen_budget(jaar: int, perspectief: str | None = None) -> str:
    if perspectief is None:
        return (
            f"niet beschikbaar: geen budget voor {jaar} in de configuratie "
            "(participatiebudget of budget_per_perspectief)"
        )
    return f"niet beschikbaar: geen budget voor perspectief {perspectief} in {jaar} (budget_per_perspectief)"


def geen_vaste_lasten(jaar: int) -> str:
    return f"niet beschikbaar: geen begrotingsregels voor {jaar} in de configuratie (participatiebudget)"


def budgets_of(config, jaar: int) -> dict[str, float] | None:
    """perspective (and `algemeen`) -> budget of `jaar`: the sum of the document's lines when configured,
    else `budget_per_perspectief`; None without a budget for that year.
    """
    lines = year_budget(config, jaar)
    if lines is not None:
        return lines.per_plaats()
    return config.budget_per_perspectief.get(jaar)


def year_fraction(b: dt.date) -> float:
    """The part of the calendar year of `b` up to and including `b` (1.0 on 31 December)."""
    start, end = dt.date(b.year, 1, 1), dt.date(b.year, 12, 31)
    return ((b - start).days + 1) / ((end - start).days + 1)


def fixed_costs(lines: YearBudget | None, b: dt.date) -> dict[str, float]:
    """perspective (and `algemeen`) -> the fixed-cost lines' part up to `b` (spread evenly over the year)."""
    out: dict[str, float] = {}
    if lines is None:
        return out
    share = year_fraction(b)
    for line in lines.uitgaven:
        if line.soort == "vast":
            out[line.perspectief] = math.fsum([out.get(line.perspectief, 0.0), line.bedrag * share])
    return out


def check_budget(lines: YearBudget, tolerance: float = 0.5) -> list[Inconsistency]:
    """The document's own arithmetic: available lines against its total, spending lines against its
    subtotals, and its balance (available minus spending) against the balance it prints.
    """
    found: list[Inconsistency] = []
    available = math.fsum(amount for _, amount in lines.beschikbaar)
    spending = math.fsum(line.bedrag for line in lines.uitgaven)
    if lines.beschikbaar_opgegeven is not None and abs(available - lines.beschikbaar_opgegeven) > tolerance:
        found.append(
            Inconsistency("beschikbaar budget", "totaal", lines.beschikbaar_opgegeven, available, "eur")
        )
    per = lines.per_plaats()
    for plaats, stated in lines.subtotalen_opgegeven.items():
        computed = per.get(plaats, 0.0)
        if abs(computed - stated) > tolerance:
            found.append(Inconsistency(f"uitgaven {plaats}", "subtotaal", stated, computed, "eur"))
    if lines.saldo_opgegeven is not None and lines.beschikbaar:
        balance = available - spending
        if abs(balance - lines.saldo_opgegeven) > tolerance:
            found.append(
                Inconsistency(
                    "saldo (beschikbaar min uitgaven)", "saldo", lines.saldo_opgegeven, balance, "eur"
                )
            )
    return found


def year_to_date(b: dt.date) -> tuple[dt.date, dt.date]:
    """1 January of the year of `b` up to and including `b`."""
    return dt.date(b.year, 1, 1), b


def perspective_at_start(
    voorzieningen: pl.LazyFrame | pl.DataFrame, klantbeeld: pl.LazyFrame | pl.DataFrame
) -> pl.LazyFrame:
    """Every provision with `perspectief` on its `begindatum` (see the module docstring), else `onbekend`.

    Periods of one person do not overlap (validated), so the period that started last on or before
    the `begindatum` is the running one or, when none runs, the one that ended most recently.
    """
    prov = voorzieningen.lazy()
    matched = (
        prov.select("voorziening_id", PERSON_COLUMN, "begindatum")
        .join(
            klantbeeld.lazy().select(PERSON_COLUMN, "ingangsdatum", "einddatum", "perspectief"),
            on=PERSON_COLUMN,
        )
        .filter(
            (pl.col("ingangsdatum") <= pl.col("begindatum"))
            & (
                pl.col("einddatum").is_null()
                | (pl.col("einddatum") >= pl.col("begindatum") - dt.timedelta(days=LOOKBACK_DAYS))
            )
        )
        .sort("voorziening_id", *by_start_then_end("ingangsdatum", "einddatum"), maintain_order=True)
        .group_by("voorziening_id")
        .last()
        .select("voorziening_id", "perspectief")
    )
    return prov.join(matched, on="voorziening_id", how="left").with_columns(
        pl.col("perspectief").fill_null(ONBEKEND)
    )


def charged_in_each(voorzieningen: pl.LazyFrame | pl.DataFrame, peildata: list[dt.date]) -> pl.LazyFrame:
    """Provisions starting in the calendar year of a peildatum up to it (`year_to_date`) that carry `kosten`
    and are paid from the participation budget (not LKS): a row per provision and `peildatum` whose
    budget it is charged to.
    """
    windows = [year_to_date(b) for b in peildata]
    first, last = min(s for s, _ in windows), max(b for _, b in windows)
    eligible = voorzieningen.lazy().filter(
        (pl.col("begindatum") >= first)
        & (pl.col("begindatum") <= last)
        & pl.col("kosten").is_not_null()
        & ~pl.col("soort").is_in(NIET_PARTICIPATIEBUDGET)
    )
    return overlapping_each(eligible, windows, "begindatum", "begindatum")


def spend_table(
    charged: pl.DataFrame,
    gemeenten: list[str],
    perspectieven: list[str],
    peildata: list[dt.date] | None = None,
) -> pl.DataFrame:
    """`gemeentecode, perspectief, besteed, personen` for `totaal` and every municipality (exact sums); with
    `peildata` `charged` has a `peildatum` and so has every row (per date as one call per date gives).

    `perspectief` `totaal` is all provisions; a municipality or perspective without provisions gets 0.
    """
    frame = charged.lazy()
    if peildata is None:
        frame = frame.with_columns(pl.lit(None, pl.Date).alias(PEILDATUM))
    keys = [PEILDATUM, GEMEENTE, "perspectief"]
    # every provision under its municipality and `totaal`, and under its perspective and `totaal`
    base = frame.select(*keys, "kosten", PERSON_COLUMN)
    both = pl.concat([base, base.with_columns(pl.lit(TOTAAL).alias(GEMEENTE))])
    both = pl.concat([both, both.with_columns(pl.lit(TOTAAL).alias("perspectief"))])
    groups = both.group_by(keys).agg("kosten", pl.col(PERSON_COLUMN).n_unique().alias("personen")).collect()
    found = {(b, code, p): (math.fsum(kosten), n) for b, code, p, kosten, n in groups.iter_rows()}
    dates = [None] if peildata is None else sorted(set(peildata))
    grid = [(b, code, p) for b in dates for code in [TOTAAL, *gemeenten] for p in [*perspectieven, TOTAAL]]
    spend = [found.get(key, (0.0, 0)) for key in grid]
    out = pl.DataFrame(
        {
            PEILDATUM: [b for b, _, _ in grid],
            GEMEENTE: [code for _, code, _ in grid],
            "perspectief": [p for _, _, p in grid],
            "besteed": [amount for amount, _ in spend],
            "personen": [n for _, n in spend],
        },
        schema={
            PEILDATUM: pl.Date(),
            GEMEENTE: pl.String(),
            "perspectief": pl.String(),
            "besteed": pl.Float64(),
            "personen": pl.Int64(),
        },
    )
    return out.drop(PEILDATUM) if peildata is None else out


def budget_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """Every `budget` KPI for each peildatum whose year to date lies in the delivery, all dates in one pass;
    per perspective unavailable without klantbeeld, totals still computed.
    """
    voorzieningen = ctx.table("voorzieningen")

    def check(b: dt.date) -> None:
        s, b = year_to_date(b)
        if b > ctx.data.extractiedatum:
            raise Unavailable(na_extractie(b, ctx.data.extractiedatum))
        if s < ctx.data.gegevens_vanaf:
            raise Unavailable(niet_gedekt(s, b, ctx.data.gegevens_vanaf))

    return per_peildatum(
        KPIS, ctx.gemeenten, peildata, check, lambda dates: _budget_rows(ctx, voorzieningen, dates)
    )


def _budget_rows(ctx: Context, voorzieningen: pl.DataFrame, dates: list[dt.date]) -> list[pl.DataFrame]:
    if voorzieningen.get_column("kosten").drop_nulls().len() == 0:
        raise Unavailable(KOSTEN_LEEG)
    klantbeeld = ctx.data.tables.get("klantbeeld")
    charged = charged_in_each(voorzieningen, dates)
    if klantbeeld is not None:
        charged = perspective_at_start(charged, klantbeeld)
    else:
        charged = charged.with_columns(pl.lit(ONBEKEND).alias("perspectief"))
    perspectieven = [*PERSPECTIEVEN, ONBEKEND] if klantbeeld is not None else []
    spend = spend_table(with_gemeente(charged, ctx.persons).collect(), ctx.gemeenten, perspectieven, dates)
    shown = [TOTAAL, *PERSPECTIEVEN] if klantbeeld is not None else [TOTAAL]
    plan = _exhaustion_plan(ctx.config, dates, shown)
    out = [
        spend.select(
            pl.format("budget_{}_besteed", pl.col("perspectief")).alias("kpi"),
            GEMEENTE,
            pl.col("besteed").alias("waarde"),
            pl.lit(None, pl.Float64).alias("teller"),
            pl.col("personen").cast(pl.Float64).alias("noemer"),
            pl.lit(None, pl.Int64).alias("n_jaren"),
            pl.lit(None, pl.String).alias("opmerking"),
            PEILDATUM,
        ),
        _exhaustion_rows(spend, plan, ILLUSTRATIEF if ctx.config.budget_illustratief else None),
        _fixed_rows(ctx.config, dates),
    ]
    alleen_totaal = ["budget_vaste_lasten", *(f"budget_{p}_uitputting" for p in shown)]
    on_dates = pl.DataFrame({PEILDATUM: dates}, schema={PEILDATUM: pl.Date()})
    per_gemeente = unavailable_rows(alleen_totaal, ctx.gemeenten, ALLEEN_TOTAAL_BUDGET)
    out.append(per_gemeente.filter(pl.col(GEMEENTE) != TOTAAL).join(on_dates, how="cross"))
    if klantbeeld is None:
        missing = unavailable_rows(BESTEED + UITPUTTING, ctx.gemeenten, tabel_ontbreekt("klantbeeld"))
        out.append(missing.join(on_dates, how="cross"))
    return out


def _exhaustion_plan(config, dates: list[dt.date], perspectieven: list[str]) -> pl.DataFrame:
    """Per peildatum and perspective (`totaal`: the whole budget) what its exhaustion compares: the budget of
    the year (empty when there is none or it is 0), the fixed costs up to the date and why it is missing.
    """
    out = []
    for b in dates:
        budgets = budgets_of(config, b.year)
        fixed = fixed_costs(year_budget(config, b.year), b)
        for p in perspectieven:
            if p == TOTAAL:
                budget = math.fsum(budgets.values()) if budgets else None
                amount, reason = math.fsum(fixed.values()), geen_budget(b.year)
            else:
                budget = (budgets or {}).get(p)
                amount = fixed.get(p, 0.0)
                reason = geen_budget(b.year) if not budgets else geen_budget(b.year, p)
            out.append((b, p, budget or None, amount, reason))
    return pl.DataFrame(
        out,
        schema={
            PEILDATUM: pl.Date(),
            "perspectief": pl.String(),
            "_budget": pl.Float64(),
            "_vast": pl.Float64(),
            "_reden": pl.String(),
        },
        orient="row",
    )


def _exhaustion_rows(spend: pl.DataFrame, plan: pl.DataFrame, note: str | None) -> pl.DataFrame:
    """`budget_<p>_uitputting` for `totaal`: (spend + fixed costs) / budget x 100, unavailable without a
    budget. `teller` is the amount charged, `noemer` the persons behind the spend.
    """
    has_budget = pl.col("_budget").is_not_null()
    charged = pl.col("besteed") + pl.col("_vast")
    return (
        spend.filter(pl.col(GEMEENTE) == TOTAAL)
        .join(plan, on=[PEILDATUM, "perspectief"], how="inner")
        .select(
            pl.format("budget_{}_uitputting", pl.col("perspectief")).alias("kpi"),
            GEMEENTE,
            pl.when(has_budget).then(100.0 * charged / pl.col("_budget")).alias("waarde"),
            pl.when(has_budget).then(charged).alias("teller"),
            pl.when(has_budget).then(pl.col("personen").cast(pl.Float64)).alias("noemer"),
            pl.lit(None, pl.Int64).alias("n_jaren"),
            pl.when(has_budget).then(pl.lit(note, pl.String)).otherwise(pl.col("_reden")).alias("opmerking"),
            PEILDATUM,
        )
    )


def _fixed_rows(config, dates: list[dt.date]) -> pl.DataFrame:
    """`budget_vaste_lasten` for `totaal`: the fixed-cost lines up to each date."""
    values: list[float | None] = []
    reasons: list[str | None] = []
    for b in dates:
        lines = year_budget(config, b.year)
        values.append(None if lines is None else math.fsum(fixed_costs(lines, b).values()))
        reasons.append(geen_vaste_lasten(b.year) if lines is None else None)
    n = len(dates)
    return pl.DataFrame(
        {
            "kpi": ["budget_vaste_lasten"] * n,
            GEMEENTE: [TOTAAL] * n,
            "waarde": values,
            "teller": [None] * n,
            "noemer": [None] * n,
            "n_jaren": [None] * n,
            "opmerking": reasons,
            PEILDATUM: dates,
        },
        schema=SERIES_SCHEMA,
    )


def provisions_without_costs(voorzieningen: pl.DataFrame, b: dt.date) -> int:
    """Provisions starting in the calendar year of `b` up to `b` without `kosten` (the spend leaves them
    out).
    """
    s, b = year_to_date(b)
    return voorzieningen.filter(
        (pl.col("begindatum") >= s) & (pl.col("begindatum") <= b) & pl.col("kosten").is_null()
    ).height


FAMILY = registry.register(
    registry.Family(
        id="budget",
        label="Participatiebudget per perspectief",
        order=90,
        series=budget_series,
        notebook="22_participatiebudget",
        sums=(("budget_totaal_besteed", tuple(BESTEED)),),
        norms=norm_rules,
        active=has_budget,
        kpis=(
            *(
                registry.kpi(
                    f"budget_{_p}_besteed",
                    f"Participatiebudget besteed, perspectief {_p.replace('_', ' ')}",
                    "eur",
                    "bedrag",
                    "budget",
                )
                for _p in (*PERSPECTIEVEN, "onbekend")
            ),
            *(
                registry.kpi(
                    f"budget_{_p}_uitputting",
                    f"Participatiebudget uitgeput, perspectief {_p.replace('_', ' ')}",
                    "pct",
                    "bedrag",
                    "budget",
                    "ten hoogste het budget (100 %)",
                    alleen_totaal=True,
                )
                for _p in PERSPECTIEVEN
            ),
            registry.kpi(
                "budget_totaal_besteed", "Participatiebudget besteed, totaal", "eur", "bedrag", "budget"
            ),
            registry.kpi(
                "budget_totaal_uitputting",
                "Participatiebudget uitgeput, totaal",
                "pct",
                "bedrag",
                "budget",
                "ten hoogste het budget (100 %)",
                alleen_totaal=True,
            ),
            registry.kpi(
                "budget_vaste_lasten",
                "Participatiebudget: vaste lasten tot en met de peildatum",
                "eur",
                "bedrag",
                "budget",
                alleen_totaal=True,
            ),
        ),
    )
)
