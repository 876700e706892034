"""The verdict on a norm as every reader sees it: dashboard tiles, the verdict line, tables and kpis.xlsx.

Two kinds of norm reach the report. A flag norm is computed by the engine (`<kpi>_norm` in kpis.csv,
1 = met) against a relative norm value (the multi-year mean times `norm_factor`, or `<kpi>_normwaarde`
when the engine writes it); a rule norm (`NormRule` of a family: at least / at most a limit) is checked
here on the published value. When the engine also writes how certain a flag verdict is
(`<flag>_zeker`: 1 when the 95 % interval lies wholly on one side of the norm value), the verdict says
so; this module never computes that itself.

A count hidden as `<5` still gets a verdict when every value it may stand for (1 to `min_cell - 1`)
meets the norm, or every one breaks it: "ten hoogste 0" with 1-4 above is "niet gehaald".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipelines import disclosure
from pipelines.kpi.registry import KpiInfo, NormRule, norm_rules
from pipelines.report.formats import flag_true, format_nl
from pipelines.report.present import ZEKER_TEXT, relative_norm_text, shown_value

GEHAALD = "gehaald"
NIET_GEHAALD = "niet-gehaald"

#: For KPIs without a norm: which way is better for the reader (`hoger`, `lager`); absent means neither.
BETTER_WITHOUT_NORM = {
    "uitstroom_pct": "hoger",
    "uitstroom_werk_n": "hoger",
    "uitstroom_werk_inkomen_n": "hoger",
    "instroom_pct": "lager",
    "instroom_n": "lager",
    "bestand_n": "lager",
    "uitkeringen_n": "lager",
    "bijstandsdichtheid": "lager",
    "duur_2plus_pct": "lager",
    "duur_5plus_pct": "lager",
    "fip_norm_pct": "hoger",
    "fip_leefgebieden_volledig_pct": "hoger",
    "meedoen_bereikt_pct": "hoger",
    "meedoen_uitstroom_werk_pct": "hoger",
    "uitstroom_werk_duurzaam_pct": "hoger",
    "herinstroom_12m_pct": "lager",
    "instroomcohort_uit_12m_pct": "hoger",
    "perspectief_stap_omhoog_pct": "hoger",
}


@dataclass(frozen=True)
class Norms:
    """The organisation's norms as the report checks them, with its limits for small cells."""

    rules: dict[str, NormRule]
    #: The relative norms: this factor times the baseline (the verdict itself comes from kpis.csv).
    factor: float = 1.10
    #: Their baseline: `meerjarig` or `vast` (`norm_basis`).
    basis: str = "meerjarig"
    min_cell: int = 5
    min_noemer: int = 10


def config_norms(config: Any) -> Norms:
    """The norms every active family sets (the flag norms come from kpis.csv itself)."""
    return Norms(
        norm_rules(config),
        float(config.norm_factor),
        getattr(config, "norm_basis", "meerjarig"),
        int(getattr(config, "min_cell", 5)),
        int(getattr(config, "min_noemer", 10)),
    )


#: A rule norm in words.
OP_WORDS = {">=": "ten minste", "<=": "ten hoogste", "<": "onder", ">": "boven"}


def norm_flags(info: Mapping[str, KpiInfo]) -> dict[str, str]:
    """yearly kpi -> its `_norm` flag kpi (from the catalogue's `basis`)."""
    return {v.basis: k for k, v in info.items() if v.kind == "vlag" and v.basis}


@dataclass(frozen=True)
class Verdict:
    """One figure against its norm: `status` `gehaald` / `niet-gehaald` / `` (no verdict), the norm in
    words, the norm value where there is one, and whether the verdict is certain (None: not known).
    """

    status: str = ""
    text: str = ""
    value: float | None = None
    zeker: bool | None = None

    @property
    def has_norm(self) -> bool:
        return bool(self.text)

    @property
    def onzeker(self) -> bool:
        return bool(self.status) and self.zeker is False

    @property
    def words(self) -> str:
        """`norm gehaald`, `norm niet gehaald`, with `(onzeker)` when the interval contains the norm value."""
        if not self.status:
            return "geen oordeel" if self.text else ""
        base = "norm gehaald" if self.status == GEHAALD else "norm niet gehaald"
        if self.zeker is None:
            return base
        return base + (" (zeker)" if self.zeker else " (onzeker)")

    @property
    def certainty_text(self) -> str:
        """Why the verdict is certain or not, in words (empty when the engine does not say)."""
        return ZEKER_TEXT[self.zeker] if self.status and self.zeker is not None else ""

    @property
    def xlsx_text(self) -> str:
        """`ja` / `nee` for the workbook's "Norm gehaald" column (empty without a verdict)."""
        return {GEHAALD: "ja", NIET_GEHAALD: "nee"}.get(self.status, "")


#: KPIs whose norm is a ceiling, not a direction: spending more of the budget is neither better nor worse.
NO_DIRECTION_PREFIXES = ("budget_",)


def limit_text(limit: float, unit: str) -> str:
    """A norm's limit as policy writes it: `60 %`, `4`, `50` (whole limits without decimals)."""
    if float(limit).is_integer() and unit != "eur":
        return format_nl(limit, unit, decimals=0)
    return format_nl(limit, unit)


def better_direction(kpi: str, info: Mapping[str, KpiInfo], norms: Norms) -> str | None:
    """`hoger` or `lager` is better for this KPI (from its norm, else `BETTER_WITHOUT_NORM`), or None."""
    if kpi.startswith(NO_DIRECTION_PREFIXES):
        return None
    rule = norms.rules.get(kpi)
    if rule is not None:
        return "hoger" if rule.op in (">=", ">") else "lager"
    if kpi in norm_flags(info):
        return "hoger"
    return BETTER_WITHOUT_NORM.get(kpi)


def _certainty(rows: Mapping, flag_kpi: str, gemeente: str, b: dt.date) -> bool | None:
    row = rows.get((f"{flag_kpi}_zeker", gemeente, b))
    if row is None or shown_value(row) is None:
        return None
    return flag_true(row["waarde"])


def verdict(
    rows: Mapping[tuple[str, str, dt.date], dict],
    kpi: str,
    gemeente: str,
    b: dt.date,
    info: Mapping[str, KpiInfo],
    norms: Norms,
) -> Verdict:
    """The verdict on `kpi` for one municipality on `b`; no verdict on a figure nobody may see."""
    row = rows.get((kpi, gemeente, b))
    flag_kpi = norm_flags(info).get(kpi)
    if row is None or (flag_kpi is None and kpi not in norms.rules):
        return Verdict()
    if flag_kpi is not None:
        return _flag_verdict(rows, row, kpi, flag_kpi, gemeente, b, info, norms)
    rule = norms.rules[kpi]
    if rule.alleen_totaal and gemeente != "totaal":
        return Verdict()
    unit = info[kpi].unit if kpi in info else ""
    text = f"norm: {OP_WORDS[rule.op]} {limit_text(rule.limit, unit)}"
    value = shown_value(row)
    if value is not None:
        return Verdict(GEHAALD if rule.met(value) else NIET_GEHAALD, text, rule.limit)
    if row.get("reden") == disclosure.AANTAL_KLEIN:
        # hidden as <5: the count is one of 1 .. min_cell - 1; a verdict only when all of them agree
        outcomes = {rule.met(float(v)) for v in range(1, norms.min_cell)}
        if len(outcomes) == 1:
            return Verdict(GEHAALD if outcomes.pop() else NIET_GEHAALD, text, rule.limit)
    return Verdict("", text, rule.limit)


def _flag_verdict(
    rows: Mapping, row: dict, kpi: str, flag_kpi: str, gemeente: str, b: dt.date, info, norms: Norms
) -> Verdict:
    """A relative norm (x 1,10): its words, baseline and norm value, the verdict and how certain it is."""
    text = "norm: " + relative_norm_text(norms.factor, norms.basis)
    value = None
    normwaarde = rows.get((f"{kpi}_normwaarde", gemeente, b))
    basis = rows.get((f"{kpi}_{'vast' if norms.basis == 'vast' else 'meerjarig'}", gemeente, b))
    # only what publication shows: a baseline, norm value or flag hidden with a hidden year stays out
    basis_value = shown_value(basis) if basis is not None else None
    if normwaarde is not None and shown_value(normwaarde) is not None:
        value = float(normwaarde["waarde"])
    elif basis_value is not None and (normwaarde is None or normwaarde.get("reden") is None):
        value = float(basis_value) * norms.factor
    if basis_value is not None:
        text += f" ({format_nl(basis_value, 'pct')})"
    if value is not None:
        text += f", dus ten minste {format_nl(value, 'pct')}"
    flag = rows.get((flag_kpi, gemeente, b))
    if flag is None or shown_value(flag) is None or shown_value(row) is None:
        return Verdict("", text, value)
    status = GEHAALD if flag_true(flag["waarde"]) else NIET_GEHAALD
    return Verdict(status, text, value, _certainty(rows, flag_kpi, gemeente, b))


@dataclass(frozen=True)
class Tally:
    """How a municipality does on its norms: met, not met, uncertain, and without a verdict."""

    gehaald: int = 0
    niet_gehaald: int = 0
    onzeker: int = 0
    zonder_oordeel: int = 0

    @property
    def total(self) -> int:
        return self.gehaald + self.niet_gehaald + self.onzeker + self.zonder_oordeel


def tally(verdicts: list[Verdict]) -> Tally:
    """Count the verdicts; an uncertain one counts as uncertain, not as met or not met."""
    with_norm = [v for v in verdicts if v.has_norm]
    return Tally(
        gehaald=sum(1 for v in with_norm if v.status == GEHAALD and not v.onzeker),
        niet_gehaald=sum(1 for v in with_norm if v.status == NIET_GEHAALD and not v.onzeker),
        onzeker=sum(1 for v in with_norm if v.onzeker),
        zonder_oordeel=sum(1 for v in with_norm if not v.status),
    )


def tally_text(t: Tally) -> str:
    """`14 normen: 6 gehaald, 5 niet gehaald, 2 onzeker, 1 zonder oordeel` (parts that are 0 left out)."""
    if not t.total:
        return "geen normen getoetst"
    parts = [
        f"{format_nl(t.gehaald)} gehaald",
        f"{format_nl(t.niet_gehaald)} niet gehaald",
    ]
    if t.onzeker:
        parts.append(f"{format_nl(t.onzeker)} onzeker")
    if t.zonder_oordeel:
        parts.append(f"{format_nl(t.zonder_oordeel)} zonder oordeel")
    return f"{format_nl(t.total)} {'norm' if t.total == 1 else 'normen'}: " + ", ".join(parts)
