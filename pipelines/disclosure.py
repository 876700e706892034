"""Small-cell suppression: the ONE definition of what a publication must not show.

docs/definities.md: a count of 1 to `min_cell - 1` (default 1-4), or a
percentage whose numerator is 1 to `min_cell - 1` or whose denominator is below `min_noemer`
(default 10), is shown as `<5` / `-` with the reason. kpis.csv keeps exact values and carries
the reason in `onderdrukt`; the publication outputs call the same functions.

Rules per kind of figure (the `kind` of a KPI in `pipelines.kpi.catalogue`):
- `aantal` (a count): suppressed when 1 <= waarde < min_cell. Zero is shown (it discloses nobody).
- `aandeel` (a percentage with numerator and denominator): numerator rule, then denominator rule.
- `verhouding` (a ratio of a count to something that is not a count of persons, e.g. benefits per
  1,000 inhabitants, persons per fte): the numerator rule only (the count is recoverable from it).
- `gemiddelde` (a mean or median over a population of `noemer` persons): the denominator rule,
  since a mean of very few people describes those people.
- `bedrag` (an amount in euro summed over `noemer` persons, e.g. costs or rewards): suppressed when
  it concerns 1 to `min_cell - 1` persons, since it then describes those few people.
- `meerjarig` and `vlag` (means of yearly percentages, norm flags): not suppressed on their own, but
  derived from the yearly rates: a mean is hidden when any of its years is, a flag when its year or
  its mean is (`afgeleid`), so neither reveals a hidden year.

That alone is not enough where published cells add up (municipalities to `totaal`, perspectives to
the stock, groups to their union, shares to 100 %): one hidden cell beside a published total and
published siblings is recomputed by subtraction. Secondary suppression (`protect`) hides the
smallest further cell of such a relation until no hidden cell can be recovered from what is
published (`exposed`): for every hidden cell the lowest and highest value consistent with the
published cells, the relations and what a reader knows of a hidden cell (a `<5` is 1 to 4, a
secondary `x` at least `min_cell`, an amount at least 0, a share 0 to 100), by bounds propagation
and, where relations form a cycle, linear programming. A cell whose range holds one value is
recovered. The cells that must not be recovered are those hidden for what they are (small counts,
small numerators or populations); a cell hidden only to protect them is itself publishable. The
relations of the KPIs come from the families (`Rules`, built by
`pipelines.kpi.registry.disclosure_rules`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from pipelines.periods import multi_year_peildata

AANTAL_KLEIN = "aantal_klein"
TELLER_KLEIN = "teller_klein"
NOEMER_KLEIN = "noemer_klein"
PERSONEN_KLEIN = "personen_klein"
#: A cell of a relation: any hashable key (`(kpi, gemeentecode)`, a table cell, ...).
Cell = Any
SECUNDAIR = "secundair"
AFGELEID = "afgeleid"
BLOK = "blok"

#: Dutch explanation of each reason, for reports and the Excel sheet.
REASON_TEXT: dict[str, str] = {
    AANTAL_KLEIN: "aantal van 1 tot de minimale celgrootte: niet gepubliceerd",
    TELLER_KLEIN: "percentage op een teller van 1 tot de minimale celgrootte: niet gepubliceerd",
    NOEMER_KLEIN: "percentage of gemiddelde op een noemer onder de minimale noemer: niet gepubliceerd",
    PERSONEN_KLEIN: "bedrag over 1 tot de minimale celgrootte personen: niet gepubliceerd",
    SECUNDAIR: "niet gepubliceerd omdat een onderdrukte cel er anders uit terug te rekenen is "
    "(secundaire onderdrukking)",
    AFGELEID: "gemiddelde of normvlag van een onderdrukt jaarcijfer: niet gepubliceerd",
    BLOK: "deel van een optelling die alleen uit kleine aantallen bestaat: niet gepubliceerd",
}

KINDS = ("aantal", "aandeel", "verhouding", "gemiddelde", "bedrag", "meerjarig", "vlag")


def suppression_reason(
    kind: str,
    waarde: float | None,
    teller: float | None,
    noemer: float | None,
    min_cell: int = 5,
    min_noemer: int = 10,
) -> str | None:
    """Why publication must hide this figure, or None when it may be shown (also when unavailable)."""
    if kind not in KINDS:
        raise ValueError(f"onbekende soort kengetal {kind!r}; bekend zijn {', '.join(KINDS)}")
    if waarde is None:
        return None
    if kind == "aantal":
        return AANTAL_KLEIN if 1 <= waarde < min_cell else None
    if kind in ("aandeel", "verhouding") and teller is not None and 1 <= teller < min_cell:
        return TELLER_KLEIN
    if kind in ("aandeel", "gemiddelde") and noemer is not None and noemer < min_noemer:
        return NOEMER_KLEIN
    if kind == "bedrag" and noemer is not None and 1 <= noemer < min_cell:
        return PERSONEN_KLEIN
    return None


def suppression_expr(
    kind: pl.Expr, waarde: pl.Expr, teller: pl.Expr, noemer: pl.Expr, min_cell: int = 5, min_noemer: int = 10
) -> pl.Expr:
    """`suppression_reason` as one polars expression (String, null = may be shown)."""
    small_count = (waarde >= 1) & (waarde < min_cell)
    small_teller = (teller >= 1) & (teller < min_cell)
    small_noemer = noemer < min_noemer
    return (
        pl.when(waarde.is_null())
        .then(pl.lit(None, pl.String))
        .when((kind == "aantal") & small_count)
        .then(pl.lit(AANTAL_KLEIN))
        .when(kind.is_in(["aandeel", "verhouding"]) & small_teller.fill_null(False))
        .then(pl.lit(TELLER_KLEIN))
        .when(kind.is_in(["aandeel", "gemiddelde"]) & small_noemer.fill_null(False))
        .then(pl.lit(NOEMER_KLEIN))
        .when((kind == "bedrag") & ((noemer >= 1) & (noemer < min_cell)).fill_null(False))
        .then(pl.lit(PERSONEN_KLEIN))
        .otherwise(pl.lit(None, pl.String))
    )


def add_onderdrukt(
    frame: pl.DataFrame,
    kinds: Mapping[str, str],
    min_cell: int = 5,
    min_noemer: int = 10,
    rules: Rules | None = None,
) -> pl.DataFrame:
    """Add (or replace) the `onderdrukt` column of a kpis frame, given each kpi's kind.

    With `rules`, also the derived means and flags (`afgeleid`) and the secondary suppression over
    the relations (`secundair`), per peildatum.
    """
    unknown = sorted(set(frame.get_column("kpi").unique().to_list()) - set(kinds))
    if unknown:
        raise ValueError(f"soort onbekend voor kengetal(len) {', '.join(unknown)}")
    kind = pl.col("kpi").replace_strict(dict(kinds), return_dtype=pl.String)
    frame = frame.with_columns(
        suppression_expr(
            kind, pl.col("waarde"), pl.col("teller"), pl.col("noemer"), min_cell, min_noemer
        ).alias("onderdrukt")
    )
    if rules is None or frame.is_empty():
        return frame
    frame = hide_derived(frame, rules)
    frame = secondary_suppression(frame, kinds, rules, min_cell)
    return hide_derived(frame, rules)


# --- relations between published cells ---------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """`sum(coef * cell) + constant` is 0 (`exact`) or at most 0: how published cells tie together."""

    terms: tuple[tuple[Cell, float], ...]
    constant: float = 0.0
    exact: bool = True

    @property
    def cells(self) -> list[Cell]:
        return [key for key, _ in self.terms]


def sum_relation(total: Cell | float, parts: Iterable[Cell]) -> Relation:
    """`total = sum(parts)`; a number as `total` is a fixed whole (shares adding up to 100)."""
    terms = tuple((p, -1.0) for p in parts)
    if isinstance(total, (int, float)):
        return Relation(terms, constant=float(total))
    return Relation(((total, 1.0), *terms))


def union_relations(total: Cell, parts: Iterable[Cell]) -> list[Relation]:
    """Persons in one or more groups: every group at most the union, the union at most the groups' sum."""
    parts = list(parts)
    out = [Relation(((p, 1.0), (total, -1.0)), exact=False) for p in parts]
    out.append(Relation(((total, 1.0), *((p, -1.0) for p in parts)), exact=False))
    return out


def mean_relation(mean: Cell, years: list[Cell]) -> Relation:
    """`mean` is the plain mean of `years`."""
    return Relation(((mean, float(len(years))), *((y, -1.0) for y in years)))


def holds(relation: Relation, values: Mapping[Cell, float], tolerance: float = 1e-6) -> bool:
    """Whether the exact figures satisfy the relation (a relation the data breaks tells a reader nothing)."""
    total = relation.constant + math.fsum(c * values[k] for k, c in relation.terms)
    scale = max([1.0, abs(relation.constant)] + [abs(values[k]) for k, _ in relation.terms])
    return abs(total) <= tolerance * scale if relation.exact else total <= tolerance * scale


@dataclass(frozen=True)
class Hidden:
    """What a reader knows of a hidden cell: its range, and whether it is a whole number."""

    low: float = 0.0
    high: float = math.inf
    integer: bool = False


def _components(relations: list[Relation], hidden: set[Cell]) -> list[tuple[list[Relation], list]]:
    """Relations grouped by the hidden cells they share (each group is solved on its own)."""
    parent: dict[Cell, Cell] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for rel in relations:
        keys = [k for k in rel.cells if k in hidden]
        for a in keys[1:]:
            parent[find(a)] = find(keys[0])
    groups: dict[Cell, tuple[list[Relation], set]] = {}
    for rel in relations:
        keys = [k for k in rel.cells if k in hidden]
        if not keys:
            continue
        root = find(keys[0])
        rels, cells = groups.setdefault(root, ([], set()))
        rels.append(rel)
        cells.update(keys)
    return [(rels, sorted(cells, key=repr)) for rels, cells in groups.values()]


def _propagate(
    rels: list[Relation],
    cells: list[Cell],
    values: Mapping[Cell, float],
    hidden: Mapping[Cell, Hidden],
) -> dict[Cell, list[float]]:
    """Bounds propagation to a fixed point: each relation narrows each of its hidden cells by the others.

    Sound (the true range lies inside) and, on a system without cycles, exact; whole numbers are rounded
    inwards, as a reader would.
    """
    box = {k: [hidden[k].low, hidden[k].high] for k in cells}
    for _ in range(200):
        changed = False
        for rel in rels:
            known = rel.constant + math.fsum(c * values[k] for k, c in rel.terms if k not in box)
            terms = [(k, c) for k, c in rel.terms if k in box]
            lows = [min(c * box[k][0], c * box[k][1]) for k, c in terms]
            highs = [max(c * box[k][0], c * box[k][1]) for k, c in terms]
            for j, (key, coef) in enumerate(terms):
                others_low = _sum_except(lows, j)
                others_high = _sum_except(highs, j)
                # coef * key = -(known + others): exactly (`= 0`), or at most that (`<= 0`)
                top = -(known + others_low)
                bottom = -(known + others_high) if rel.exact else -math.inf
                low, high = (bottom / coef, top / coef) if coef > 0 else (top / coef, bottom / coef)
                if hidden[key].integer:
                    low = math.ceil(low - 1e-9) if math.isfinite(low) else low
                    high = math.floor(high + 1e-9) if math.isfinite(high) else high
                if low > box[key][0] + 1e-9:
                    box[key][0] = low
                    changed = True
                if high < box[key][1] - 1e-9:
                    box[key][1] = high
                    changed = True
        if not changed:
            break
    return box


def _sum_except(items: list[float], skip: int) -> float:
    """Sum of `items` without the one at `skip` (infinite parts make it infinite, never NaN)."""
    rest = [x for i, x in enumerate(items) if i != skip]
    if any(x == math.inf for x in rest):
        return math.inf if not any(x == -math.inf for x in rest) else math.nan
    if any(x == -math.inf for x in rest):
        return -math.inf
    return math.fsum(rest)


def _acyclic(rels: list[Relation], cells: list[Cell]) -> bool:
    """Whether hidden cells and relations form a forest (then propagation is exact and no LP is needed)."""
    edges = sum(len({k for k in r.cells if k in set(cells)}) for r in rels)
    return edges == len(cells) + len(rels) - 1  # one connected component


def feasible_ranges(
    values: Mapping[Cell, float],
    hidden: Mapping[Cell, Hidden],
    relations: Iterable[Relation],
    cache: dict | None = None,
) -> dict[Cell, tuple[float, float]]:
    """For every hidden cell in a relation: the lowest and highest value the published cells allow.

    `values` holds every cell's exact value; a reader sees those not in `hidden`. Per group of
    relations that share hidden cells: bounds propagation, and where the group has a cycle also
    linear programming (HiGHS); the narrower of the two is kept.
    """
    relations = [r for r in relations if all(k in values for k in r.cells)]
    out: dict[Cell, tuple[float, float]] = {}
    for rels, cells in _components(relations, set(hidden)):
        # a group solved before with the same hidden cells and knowledge has the same ranges
        key = tuple((repr(k), hidden[k].low, hidden[k].high) for k in cells)
        if cache is not None and key in cache:
            out.update(cache[key])
            continue
        box = _propagate(rels, cells, values, hidden)
        if not _acyclic(rels, cells):
            for cell, (low, high) in _linear_ranges(rels, cells, values, hidden).items():
                box[cell] = [max(box[cell][0], low), min(box[cell][1], high)]
        found = {k: (v[0], v[1]) for k, v in box.items()}
        if cache is not None:
            cache[key] = found
        out.update(found)
    return out


def _linear_ranges(
    rels: list[Relation],
    cells: list[Cell],
    values: Mapping[Cell, float],
    hidden: Mapping[Cell, Hidden],
) -> dict[Cell, tuple[float, float]]:
    """The exact (continuous) range of every hidden cell of one group, by linear programming.

    The 2n problems (the lowest and the highest value of each of n cells) are independent copies of the
    same system, so they are solved as one problem with a block-diagonal matrix: one solver call per
    group. Values are capped at a large bound; a range that reaches it is unbounded.
    """
    import numpy as np
    from scipy.optimize import linprog  # only a system with a cycle needs it
    from scipy.sparse import csr_matrix, identity, kron

    n = len(cells)
    index = {k: i for i, k in enumerate(cells)}
    eq_rows: list[list[float]] = []
    eq_rhs: list[float] = []
    ub_rows: list[list[float]] = []
    ub_rhs: list[float] = []
    for rel in rels:
        row = [0.0] * n
        rhs = -rel.constant
        for key, coef in rel.terms:
            if key in index:
                row[index[key]] += coef
            else:
                rhs -= coef * values[key]
        (eq_rows if rel.exact else ub_rows).append(row)
        (eq_rhs if rel.exact else ub_rhs).append(rhs)
    scale = max([1.0] + [abs(values[k]) for rel in rels for k in rel.cells if math.isfinite(values[k])])
    cap = 1e6 * scale
    bounds = [(max(hidden[k].low, -cap), min(hidden[k].high, cap)) for k in cells] * (2 * n)
    cost = np.zeros(2 * n * n)
    for i in range(n):
        cost[(2 * i) * n + i] = 1.0  # copy 2i: the lowest value of cell i
        cost[(2 * i + 1) * n + i] = -1.0  # copy 2i + 1: the highest
    copies = identity(2 * n, format="csr")
    a_eq = kron(copies, csr_matrix(eq_rows), format="csr") if eq_rows else None
    a_ub = kron(copies, csr_matrix(ub_rows), format="csr") if ub_rows else None
    result = linprog(
        cost,
        A_eq=a_eq,
        b_eq=np.tile(eq_rhs, 2 * n) if eq_rows else None,
        A_ub=a_ub,
        b_ub=np.tile(ub_rhs, 2 * n) if ub_rows else None,
        bounds=bounds,
        method="highs",
    )
    if result.status != 0:  # infeasible: the reader's model contradicts the data; no conclusion
        return {k: (-math.inf, math.inf) for k in cells}
    x = result.x
    out = {}
    for key, i in index.items():
        low, high = float(x[(2 * i) * n + i]), float(x[(2 * i + 1) * n + i])
        out[key] = (
            -math.inf if low <= -cap * (1 - 1e-9) else low,
            math.inf if high >= cap * (1 - 1e-9) else high,
        )
    return out


def is_recovered(bounds: tuple[float, float], hidden: Hidden, tolerance: float = 1e-6) -> bool:
    """Whether a range pins the cell down: one whole number, or (not whole) no width at all."""
    low, high = bounds
    if math.isinf(low) or math.isinf(high):
        return False
    if hidden.integer:
        return math.floor(high + tolerance) - math.ceil(low - tolerance) < 1
    return high - low <= tolerance * max(1.0, abs(low), abs(high))


def exposed(
    values: Mapping[Cell, float],
    hidden: Mapping[Cell, Hidden],
    relations: Iterable[Relation],
    cache: dict | None = None,
) -> dict[Cell, tuple[float, float]]:
    """The hidden cells a reader can recompute from the published ones, with the range found."""
    ranges = feasible_ranges(values, hidden, relations, cache)
    return {k: r for k, r in ranges.items() if is_recovered(r, hidden[k])}


def protect(
    values: Mapping[Cell, float],
    hidden: Mapping[Cell, Hidden],
    relations: Iterable[Relation],
    secondary_bounds: Callable[[Cell], Hidden],
    priority: Callable[[Cell], int] = lambda key: 0,
    fixed: Iterable[Cell] = (),
) -> tuple[dict[Cell, Hidden], dict[Cell, tuple[float, float]]]:
    """Secondary suppression: hide further cells until no cell of `hidden` can be recovered.

    `hidden` are the sensitive cells (small counts and the like); a cell hidden here only to protect
    them is at least `min_cell` and no secret itself, so it may stay computable.

    Each round, for every recovered cell, a published cell of the relation that gives it away (the
    sum with the fewest hidden cells) is hidden too: the one with the lowest `priority` (parts before
    totals), then the smallest value (a zero count protects nothing). `fixed` cells are published
    elsewhere already and stay as they are. Returns the cells hidden this way (with what a reader
    knows of them) and any cell still recoverable when nothing is left to hide (the caller must then
    not publish it; the audit reports it).
    """
    fixed = set(fixed)
    relations = [r for r in relations if all(k in values for k in r.cells)]
    sensitive = set(hidden)  # a cell hidden only to protect another may be narrowed down; these not
    hidden = dict(hidden)
    added: dict[Cell, Hidden] = {}
    cache: dict = {}  # the groups a round did not touch are not solved again
    while True:
        pinned = exposed(values, hidden, relations, cache)
        found = {k: r for k, r in pinned.items() if k in sensitive}
        if not found:
            return added, {}
        chosen: list[Cell] = []
        for key in sorted(found, key=repr):
            own = [rel for rel in relations if key in rel.cells]
            if any(k in rel.cells for rel in own if rel.exact for k in chosen):
                continue  # a cell hidden this round already sits in one of its sums: look again first
            pick = None
            # the relations of this cell and of every other hidden cell that is pinned down (a chain
            # through a pinned protector gives it away too); a sum before an inequality, and the one
            # with the fewest hidden cells first: that is the one that gives a cell away
            pool = own + [r for r in relations if r not in own and any(k in pinned for k in r.cells)]
            ordered = sorted(pool, key=lambda rel: (not rel.exact, sum(k in hidden for k in rel.cells)))
            for rel in ordered:
                candidates = [k for k in rel.cells if k not in hidden and k not in fixed and values[k] > 0]
                if candidates:
                    pick = min(candidates, key=lambda k: (priority(k), values[k], repr(k)))
                    break
            if pick is not None:
                hidden[pick] = added[pick] = secondary_bounds(pick)
                chosen.append(pick)
        if not chosen:
            return added, found


# --- the rules of the KPIs ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """How the KPIs relate, for secondary suppression and the audit (from the family registry).

    - `municipal`: KPIs whose `totaal` is the sum of the municipalities;
    - `sums`: (total, parts) within one municipality, `total` a KPI or a fixed number (100 %);
    - `unions`: (union, groups): persons in one or more of the groups;
    - `derived`: a `meerjarig` mean or `vlag` flag -> the yearly KPI it is computed from;
    - `fixed`: a mean over fixed calendar years (`_vast`) -> (the yearly KPI, the years; None when
      unknown: then every year-end of the series counts);
    - `follows`: a figure computed from others on the same peildatum (a norm value from its baseline,
      a certainty from its flag) -> those others, in the order to apply;
    - `kinds`: the catalogue's kind of every KPI.
    """

    municipal: tuple[str, ...] = ()
    sums: tuple[tuple[str | float, tuple[str, ...]], ...] = ()
    unions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    derived: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, tuple[str, tuple[int, ...] | None]] = field(default_factory=dict)
    follows: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def relations(self, rows: Mapping[tuple[str, str], float]) -> list[Relation]:
        """The relations among `(kpi, gemeentecode) -> waarde` of one peildatum that the data satisfies."""
        gemeenten = sorted({g for _, g in rows if g != "totaal"})
        out: list[Relation] = []
        for kpi in self.municipal:
            cells = [(kpi, g) for g in gemeenten if (kpi, g) in rows]
            if (kpi, "totaal") in rows and cells:
                out.append(sum_relation((kpi, "totaal"), cells))
        for g in [*gemeenten, "totaal"]:
            for total, parts in self.sums:
                keys = [(p, g) for p in parts]
                if not all(k in rows for k in keys):
                    continue
                if isinstance(total, str):
                    if (total, g) in rows:
                        out.append(sum_relation((total, g), keys))
                else:
                    out.append(sum_relation(total, keys))
            for union, groups in self.unions:
                keys = [(p, g) for p in groups]
                if (union, g) in rows and all(k in rows for k in keys):
                    out.extend(union_relations((union, g), keys))
        return [r for r in out if holds(r, rows)]

    def totals(self) -> set[str]:
        return {t for t, _ in self.sums if isinstance(t, str)} | {u for u, _ in self.unions}


def reader_knows(kind: str, reason: str | None, min_cell: int) -> Hidden:
    """What a reader knows of a hidden cell of this kind from the way it is shown (`<5`, `x`, `-`)."""
    if kind == "aantal":
        if reason == AANTAL_KLEIN:
            return Hidden(1.0, float(min_cell - 1), integer=True)
        if reason == SECUNDAIR:
            return Hidden(float(min_cell), math.inf, integer=True)  # a secondary cell is never small
        return Hidden(0.0, math.inf, integer=True)  # `-`: a block, any number
    if kind == "aandeel":
        return Hidden(0.0, 100.0)
    if kind == "bedrag":
        return Hidden(0.0, math.inf)
    return Hidden(-math.inf, math.inf)


def secondary_suppression(
    frame: pl.DataFrame, kinds: Mapping[str, str], rules: Rules, min_cell: int = 5
) -> pl.DataFrame:
    """`onderdrukt = secundair` on the cells `protect` hides, per peildatum.

    Where even hiding every cell is not enough - a small total whose parts are all small (4 = 1 + 1 +
    1 + 1: a `<5` is at least 1, so each is 1) - every cell of that sum, zeros too, is hidden as a
    block (`blok`, shown `-`, any number to a reader) and the protection is done again.
    """
    chosen: list[tuple[str, str, dt.date]] = []
    blocked: list[tuple[str, str, dt.date]] = []
    totals = rules.totals()  # parts are hidden before totals, a municipality before `totaal`
    for (b,), part in frame.partition_by("peildatum", as_dict=True, maintain_order=True).items():
        rows = {
            (r["kpi"], r["gemeentecode"]): r
            for r in part.select("kpi", "gemeentecode", "waarde", "onderdrukt").iter_rows(named=True)
            if r["waarde"] is not None
        }
        values = {k: float(r["waarde"]) for k, r in rows.items()}
        relations = rules.relations(values)
        if not relations:
            continue
        hidden = {
            k: reader_knows(kinds.get(k[0], ""), r["onderdrukt"], min_cell)
            for k, r in rows.items()
            if r["onderdrukt"] is not None
        }
        block: set = set()
        while True:
            added, left = protect(
                values,
                hidden,
                relations,
                secondary_bounds=lambda k: reader_knows(kinds.get(k[0], ""), SECUNDAIR, min_cell),
                priority=lambda k: int(k[1] == "totaal") + int(k[0] in totals),
            )
            grow = {k for rel in relations if any(c in left for c in rel.cells) for k in rel.cells} - block
            if not grow:
                break
            block |= grow
            for key in grow:
                hidden[key] = reader_knows(kinds.get(key[0], ""), BLOK, min_cell)
        chosen.extend((kpi, gemeente, b) for kpi, gemeente in added if (kpi, gemeente) not in block)
        blocked.extend((kpi, gemeente, b) for kpi, gemeente in block)
    if not chosen and not blocked:
        return frame
    marks = pl.DataFrame(
        [(*c, SECUNDAIR) for c in chosen] + [(*c, BLOK) for c in blocked],
        schema={"kpi": pl.String, "gemeentecode": pl.String, "peildatum": pl.Date, "_reden": pl.String},
        orient="row",
    )
    return (
        frame.join(marks, on=["kpi", "gemeentecode", "peildatum"], how="left", maintain_order="left")
        .with_columns(
            # a block replaces any reason (a `<5` would tell the reader it is at least 1)
            pl.when(pl.col("_reden") == BLOK)
            .then(pl.lit(BLOK))
            .when(pl.col("_reden").is_not_null() & pl.col("onderdrukt").is_null())
            .then(pl.col("_reden"))
            .otherwise(pl.col("onderdrukt"))
            .alias("onderdrukt")
        )
        .drop("_reden")
    )


def hidden_sources(
    kpi: str, gemeente: str, b: dt.date, rules: Rules, year_ends: Iterable[dt.date] = ()
) -> list[tuple[str, str, dt.date]]:
    """The cells a derived figure is computed from: if one is hidden, the figure must be hidden too."""
    if kpi in rules.fixed:
        basis, years = rules.fixed[kpi]
        days = [dt.date(y, 12, 31) for y in years] if years is not None else list(year_ends)
        return [(basis, gemeente, d) for d in days]
    sources: list[tuple[str, str, dt.date]] = []
    if kpi in rules.derived:
        basis = rules.derived[kpi]
        if rules.kinds.get(kpi) == "meerjarig":
            sources += [(basis, gemeente, y) for y in multi_year_peildata(b)]
        else:
            means = [k for k, v in rules.derived.items() if v == basis and rules.kinds.get(k) == "meerjarig"]
            sources += [(basis, gemeente, b)] + [(m, gemeente, b) for m in means]
    for target, inputs in rules.follows:
        if target == kpi:
            sources += [(i, gemeente, b) for i in inputs]
    return sources


def hide_derived(frame: pl.DataFrame, rules: Rules) -> pl.DataFrame:
    """`onderdrukt = afgeleid` on a figure computed from a hidden one: a mean any of whose years is
    hidden, a flag whose year or mean is, a norm value whose baseline is, a certainty whose flag is."""
    if not (rules.derived or rules.fixed or rules.follows):
        return frame
    hidden = {
        (r["kpi"], r["gemeentecode"], r["peildatum"])
        for r in frame.filter(pl.col("onderdrukt").is_not_null())
        .select("kpi", "gemeentecode", "peildatum")
        .iter_rows(named=True)
    }
    targets = set(rules.derived) | set(rules.fixed) | {t for t, _ in rules.follows}
    candidates = (
        frame.filter(pl.col("kpi").is_in(list(targets)) & pl.col("onderdrukt").is_null())
        .select("kpi", "gemeentecode", "peildatum")
        .rows()
    )
    year_ends = sorted(
        {d for d in frame.get_column("peildatum").unique().to_list() if (d.month, d.day) == (12, 31)}
    )
    marks = []
    changed = True
    while changed:  # a norm value follows its mean, a flag its norm value, a certainty its flag
        changed = False
        for kpi, g, b in candidates:
            if (kpi, g, b) in hidden:
                continue
            if any(src in hidden for src in hidden_sources(kpi, g, b, rules, year_ends)):
                marks.append((kpi, g, b))
                hidden.add((kpi, g, b))
                changed = True
    if not marks:
        return frame
    flagged = pl.DataFrame(
        marks, schema={"kpi": pl.String, "gemeentecode": pl.String, "peildatum": pl.Date}, orient="row"
    ).with_columns(pl.lit(True).alias("_afgeleid"))
    return (
        frame.join(flagged, on=["kpi", "gemeentecode", "peildatum"], how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("_afgeleid"))
            .then(pl.lit(AFGELEID))
            .otherwise(pl.col("onderdrukt"))
            .alias("onderdrukt")
        )
        .drop("_afgeleid")
    )
