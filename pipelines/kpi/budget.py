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
    TOTAAL,
    Context,
    Inconsistency,
    Unavailable,
    na_extractie,
    niet_gedekt,
    rows,
    tabel_ontbreekt,
    unavailable_rows,
    with_gemeente,
)
from pipelines.schema import LKS_SOORTEN, PERSON_COLUMN

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
        .sort("voorziening_id", "ingangsdatum")
        .group_by("voorziening_id")
        .last()
        .select("voorziening_id", "perspectief")
    )
    return prov.join(matched, on="voorziening_id", how="left").with_columns(
        pl.col("perspectief").fill_null(ONBEKEND)
    )


def charged_in(voorzieningen: pl.LazyFrame | pl.DataFrame, s: dt.date, b: dt.date) -> pl.LazyFrame:
    """Provisions starting in `s..b` that carry `kosten` and are paid from the participation budget (not
    LKS): what is charged to the budget of that period.
    """
    return voorzieningen.lazy().filter(
        (pl.col("begindatum") >= s)
        & (pl.col("begindatum") <= b)
        & pl.col("kosten").is_not_null()
        & ~pl.col("soort").is_in(NIET_PARTICIPATIEBUDGET)
    )


def spend_table(charged: pl.DataFrame, gemeenten: list[str], perspectieven: list[str]) -> pl.DataFrame:
    """`gemeentecode, perspectief, besteed, personen` for `totaal` and every municipality (exact sums).

    `perspectief` `totaal` is all provisions; a municipality or perspective without provisions gets 0.
    """
    out = []
    for code in [TOTAAL, *gemeenten]:
        part = charged if code == TOTAAL else charged.filter(pl.col(GEMEENTE) == code)
        for p in [*perspectieven, TOTAAL]:
            sel = part if p == TOTAAL else part.filter(pl.col("perspectief") == p)
            out.append(
                {
                    GEMEENTE: code,
                    "perspectief": p,
                    "besteed": math.fsum(sel.get_column("kosten").to_list()),
                    "personen": sel.get_column(PERSON_COLUMN).n_unique() if sel.height else 0,
                }
            )
    schema = {
        GEMEENTE: pl.String(),
        "perspectief": pl.String(),
        "besteed": pl.Float64(),
        "personen": pl.Int64(),
    }
    return pl.DataFrame(out, schema=schema)


def spend_rows(spend: pl.DataFrame, perspectief: str) -> pl.DataFrame:
    sel = spend.filter(pl.col("perspectief") == perspectief)
    return rows(sel, f"budget_{perspectief}_besteed", pl.col("besteed"), noemer=pl.col("personen"))


def exhaustion_rows(
    spend: pl.DataFrame,
    perspectief: str,
    budget: float | None,
    fixed: float,
    reason: str,
    gemeenten: list[str],
    note: str | None = None,
) -> list[pl.DataFrame]:
    """`budget_<p>_uitputting` for `totaal`: (spend + fixed costs) / budget x 100; municipalities get the
    alleen-totaal note. `teller` is the amount charged, `noemer` the persons behind the spend.
    """
    kpi = f"budget_{perspectief}_uitputting"
    per_gemeente = unavailable_rows([kpi], gemeenten, ALLEEN_TOTAAL_BUDGET).filter(pl.col(GEMEENTE) != TOTAAL)
    if not budget:
        return [unavailable_rows([kpi], [], reason), per_gemeente]
    tot = spend.filter((pl.col("perspectief") == perspectief) & (pl.col(GEMEENTE) == TOTAAL))
    charged = pl.col("besteed") + pl.lit(fixed)
    row = rows(tot, kpi, 100.0 * charged / budget, teller=charged, noemer=pl.col("personen"))
    if note:
        row = row.with_columns(pl.lit(note).alias("opmerking"))
    return [row, per_gemeente]


def fixed_rows(lines: YearBudget | None, b: dt.date, gemeenten: list[str]) -> list[pl.DataFrame]:
    """`budget_vaste_lasten`: the fixed-cost lines up to `b`, for the organisation only."""
    kpi = "budget_vaste_lasten"
    per_gemeente = unavailable_rows([kpi], gemeenten, ALLEEN_TOTAAL_BUDGET).filter(pl.col(GEMEENTE) != TOTAAL)
    if lines is None:
        return [unavailable_rows([kpi], [], geen_vaste_lasten(b.year)), per_gemeente]
    amount = math.fsum(fixed_costs(lines, b).values())
    frame = pl.DataFrame({GEMEENTE: [TOTAAL], "vast": [amount]})
    return [rows(frame, kpi, pl.col("vast")), per_gemeente]


def budget_rows(ctx: Context, b: dt.date) -> list[pl.DataFrame]:
    """Every `budget` KPI for peildatum `b`; per perspective unavailable without klantbeeld, totals still
    computed.
    """
    voorzieningen = ctx.table("voorzieningen")
    s, b = year_to_date(b)
    if b > ctx.data.extractiedatum:
        raise Unavailable(na_extractie(b, ctx.data.extractiedatum))
    if s < ctx.data.gegevens_vanaf:
        raise Unavailable(niet_gedekt(s, b, ctx.data.gegevens_vanaf))
    if voorzieningen.get_column("kosten").drop_nulls().len() == 0:
        raise Unavailable(KOSTEN_LEEG)
    klantbeeld = ctx.data.tables.get("klantbeeld")
    charged = charged_in(voorzieningen, s, b)
    if klantbeeld is not None:
        charged = perspective_at_start(charged, klantbeeld)
    else:
        charged = charged.with_columns(pl.lit(ONBEKEND).alias("perspectief"))
    perspectieven = [*PERSPECTIEVEN, ONBEKEND] if klantbeeld is not None else []
    spend = spend_table(with_gemeente(charged, ctx.persons).collect(), ctx.gemeenten, perspectieven)
    lines = year_budget(ctx.config, b.year)
    budgets = budgets_of(ctx.config, b.year)
    fixed = fixed_costs(lines, b)
    note = ILLUSTRATIEF if ctx.config.budget_illustratief else None
    out = [spend_rows(spend, TOTAAL), *fixed_rows(lines, b, ctx.gemeenten)]
    total_budget = math.fsum(budgets.values()) if budgets else None
    out += exhaustion_rows(
        spend, TOTAAL, total_budget, math.fsum(fixed.values()), geen_budget(b.year), ctx.gemeenten, note
    )
    if klantbeeld is None:
        out.append(unavailable_rows(BESTEED + UITPUTTING, ctx.gemeenten, tabel_ontbreekt("klantbeeld")))
        return out
    out += [spend_rows(spend, p) for p in (*PERSPECTIEVEN, ONBEKEND)]
    for p in PERSPECTIEVEN:
        reason = geen_budget(b.year) if not budgets else geen_budget(b.year, p)
        out += exhaustion_rows(
            spend, p, (budgets or {}).get(p), fixed.get(p, 0.0), reason, ctx.gemeenten, note
        )
    return out


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
        rows=budget_rows,
        notebook="22_participatiebudget",
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
