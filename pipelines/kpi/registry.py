"""The family registry: one `Family` object per KPI family, and every view derived from them.

Each family module in `pipelines.kpi` (named by its id: `uitstroom`, `bestand`, ...) exports one
`FAMILY`. The engine, the catalogue, the dashboard's norms, the Excel workbook and the notebooks
loop over `families()`; adding a family is one new module with its `FAMILY`, its notebook and its
section in docs/definities.md. The catalogue views (`KPI_CATALOGUE`, `KPI_FAMILIES`, `KINDS`,
`FAMILY_LABELS`) are live mappings, so a family registered later (a test's dummy) appears in all.
`unit` is how a figure is shown (`pct` percent, `n` count, `ratio`, `eur` an amount in euro,
`vlag` a 0/1 flag); `kind` is how statistics and disclosure control treat it (`pipelines.disclosure`).
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass, field
from typing import Any

from pipelines import disclosure

UNITS = ("pct", "n", "ratio", "eur", "vlag")


@dataclass(frozen=True)
class KpiInfo:
    kpi: str
    label: str
    unit: str  # pct | n | ratio | eur | vlag
    kind: str  # aantal | aandeel | verhouding | gemiddelde | bedrag | meerjarig | vlag
    family: str
    #: Plain-language norm (Dutch) when the policy sets one, else None.
    norm: str | None = None
    #: For a `_norm` flag and a `_meerjarig` mean: the yearly KPI it belongs to.
    basis: str | None = None
    #: Only computed for the organisation as a whole (`totaal`).
    alleen_totaal: bool = False


def kpi(
    kpi_id: str,
    label: str,
    unit: str,
    kind: str,
    family: str,
    norm: str | None = None,
    basis: str | None = None,
    alleen_totaal: bool = False,
) -> KpiInfo:
    """Shorthand for a catalogue entry, in the column order of the spec."""
    return KpiInfo(kpi_id, label, unit, kind, family, norm, basis, alleen_totaal)


@dataclass(frozen=True)
class NormRule:
    """A norm the dashboard checks: the KPI must be at least (`>=`), at most (`<=`), below (`<`, "onder de
    50") or above (`>`) `limit`.
    """

    kpi: str
    op: str
    limit: float
    #: The norm is set for the organisation as a whole (e.g. 50 referrals a year), not per municipality.
    alleen_totaal: bool = False

    def __post_init__(self) -> None:
        if self.op not in NORM_OPS:
            raise ValueError(
                f"norm {self.kpi}: onbekende vergelijking {self.op!r}; bekend zijn {', '.join(NORM_OPS)}"
            )

    def met(self, value: float) -> bool:
        """Whether `value` meets the norm."""
        return NORM_OPS[self.op](value, self.limit)


NORM_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": lambda v, limit: v >= limit,
    "<=": lambda v, limit: v <= limit,
    "<": lambda v, limit: v < limit,
    ">": lambda v, limit: v > limit,
}


def _no_norms(config: Any) -> list[NormRule]:
    return []


def _always(config: Any) -> bool:
    return True


@dataclass(frozen=True)
class Family:
    """One KPI family: what it computes, how it is shown and checked."""

    id: str
    label: str
    #: Position in the catalogue, the dashboard and the workbook (the spec's order).
    order: int
    kpis: tuple[KpiInfo, ...]
    #: (Context, peildatum) -> rows of `pipelines.kpi.base.ROW_SCHEMA` (a frame or a list of frames).
    #: None when the family has `series`: one date is then a series of one.
    rows: Callable[[Any, dt.date], Any] | None = None
    #: (Context, peildata) -> rows of `pipelines.kpi.base.SERIES_SCHEMA` for all dates in one pass (a
    #: frame); guards every date itself (`pipelines.kpi.base.per_peildatum`). A series of quarters then
    #: costs one scan of the tables instead of one per quarter.
    series: Callable[[Any, list[dt.date]], Any] | None = None
    #: config -> the norms the dashboard checks (flag norms `_norm` come from the rows themselves).
    norms: Callable[[Any], list[NormRule]] = _no_norms
    #: config -> whether the organisation runs this family at all (a programme it has no pilot of: no page).
    active: Callable[[Any], bool] = _always
    #: The notebook that presents the family (stem under notebooks/), if any.
    notebook: str | None = None
    #: True when `rows` guards its own parts (unavailable rows per part) instead of the engine guarding it
    #: whole.
    guards_itself: bool = False
    #: Published figures that add up within one municipality: (total kpi or a fixed number, parts), e.g.
    #: the stock is the sum of its perspectives (disclosure control: `pipelines.disclosure.Rules`).
    sums: tuple[tuple[str | float, tuple[str, ...]], ...] = ()
    #: (union kpi, group kpis): persons in one or more groups (at most the sum, at least each group).
    unions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: The KPI ids, in catalogue order.
    ids: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", tuple(k.kpi for k in self.kpis))
        if (self.rows is None) == (self.series is None):
            raise ValueError(f"familie {self.id}: geef rows of series, niet beide of geen van beide")
        wrong = [k.kpi for k in self.kpis if k.family != self.id or k.unit not in UNITS]
        if wrong:
            raise ValueError(f"familie {self.id}: kpi's met een andere familie of onbekende eenheid: {wrong}")


_FRAMEWORK_MODULES = {"base", "registry", "engine", "cli"}
_registered: dict[str, Family] = {}
_discovered = False
#: Bumped on every change of the registry, so the views below rebuild only then.
_version = 0


def _discover() -> None:
    """Import every family module of this package once and register its `FAMILY`."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    import pipelines.kpi as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name in _FRAMEWORK_MODULES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"pipelines.kpi.{info.name}")
        family = getattr(module, "FAMILY", None)
        if isinstance(family, Family):
            register(family)


def register(family: Family) -> Family:
    """Add a family (a module's `FAMILY`, or a test's dummy); its ids must be new."""
    taken = {k for f in _registered.values() if f.id != family.id for k in f.ids}
    clash = sorted(set(family.ids) & taken)
    if clash:
        raise ValueError(f"familie {family.id}: kpi-id's bestaan al: {clash}")
    global _version
    _registered[family.id] = family
    _version += 1
    return family


def unregister(family_id: str) -> None:
    """Remove a family registered by `register` (tests)."""
    global _version
    _registered.pop(family_id, None)
    _version += 1


def families() -> dict[str, Family]:
    """id -> Family, in catalogue order."""
    _discover()
    return {f.id: f for f in sorted(_registered.values(), key=lambda f: (f.order, f.id))}


def family(family_id: str) -> Family:
    found = families().get(family_id)
    if found is None:
        raise KeyError(f"onbekende familie {family_id!r}; bekend zijn {', '.join(families())}")
    return found


def active_families(config: Any) -> list[str]:
    """The ids of the families the organisation runs (a programme it has no configuration for: none)."""
    return [f.id for f in families().values() if f.active(config)]


def norm_rules(config: Any) -> dict[str, NormRule]:
    """kpi -> the norm the dashboard checks, from every active family."""
    return {r.kpi: r for f in families().values() if f.active(config) for r in f.norms(config)}


class _View(Mapping[str, Any]):
    """A read-only mapping recomputed from the registry, so late registrations show up everywhere."""

    def __init__(self, build: Callable[[], dict[str, Any]]) -> None:
        self._make = build
        self._cache: tuple[int, dict[str, Any]] | None = None

    def _build(self) -> dict[str, Any]:
        _discover()
        if self._cache is None or self._cache[0] != _version:
            self._cache = (_version, self._make())
        return self._cache[1]

    def __getitem__(self, key: str) -> Any:
        return self._build()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._build())

    # The mixin's versions look every key up again through `__getitem__` (a registry check each): a page
    # of the publication walked the catalogue's items 1,400 times, 0.15 s. These use the built dict.
    def __contains__(self, key: object) -> bool:
        return key in self._build()

    def keys(self) -> KeysView[str]:
        return self._build().keys()

    def items(self) -> ItemsView[str, Any]:
        return self._build().items()

    def values(self) -> ValuesView[Any]:
        return self._build().values()

    def get(self, key: str, default: Any = None) -> Any:
        return self._build().get(key, default)

    def __len__(self) -> int:
        return len(self._build())

    def __repr__(self) -> str:
        return repr(self._build())


#: Kinds and units whose `totaal` is the sum of the municipalities (persons counted once, amounts).
ADDITIVE = {("aantal", "n"), ("bedrag", "eur")}


def disclosure_rules(config: Any = None) -> disclosure.Rules:
    """How published figures relate, for secondary suppression and the disclosure audit.

    Municipalities add up to `totaal` for every count and amount computed per municipality; the
    families name their own sums and unions; a `meerjarig` mean and a `vlag` flag derive from their
    `basis`; the relative norm's rows by their names: `<kpi>_vast` is the mean of the base years
    (`norm_basisjaren` of `config`; without it every year-end counts), `<kpi>_normwaarde` follows its
    baseline, a flag its norm value, `<flag>_zeker` its flag.
    """
    catalogue = {k.kpi: k for f in families().values() for k in f.kpis}
    years = tuple(config.norm_basisjaren) if config is not None else None
    basis = getattr(config, "norm_basis", None)
    fixed: dict[str, tuple[str, tuple[int, ...] | None]] = {}
    follows: list[tuple[str, tuple[str, ...]]] = []
    for k in catalogue:
        if k.endswith("_vast") and k.removesuffix("_vast") in catalogue:
            fixed[k] = (k.removesuffix("_vast"), years)
    for k in catalogue:
        if k.endswith("_normwaarde"):
            yearly = k.removesuffix("_normwaarde")
            baselines = [
                f"{yearly}_{b}"
                for b in (
                    ("vast",) if basis == "vast" else ("meerjarig",) if basis else ("meerjarig", "vast")
                )
            ]
            follows.append((k, tuple(b for b in baselines if b in catalogue)))
    for k, v in catalogue.items():
        if v.kind == "vlag" and v.basis and f"{v.basis}_normwaarde" in catalogue:
            follows.append((k, (f"{v.basis}_normwaarde",)))
    for k in catalogue:
        if k.endswith("_zeker") and k.removesuffix("_zeker") in catalogue:
            follows.append((k, (k.removesuffix("_zeker"),)))
    return disclosure.Rules(
        municipal=tuple(
            k for k, v in catalogue.items() if (v.kind, v.unit) in ADDITIVE and not v.alleen_totaal
        ),
        sums=tuple(s for f in families().values() for s in f.sums),
        unions=tuple(u for f in families().values() for u in f.unions),
        derived={k: v.basis for k, v in catalogue.items() if v.kind in ("meerjarig", "vlag") and v.basis},
        kinds={k: v.kind for k, v in catalogue.items()},
        fixed=fixed,
        follows=tuple(follows),
    )


#: kpi id -> its description, in catalogue order.
KPI_CATALOGUE: Mapping[str, KpiInfo] = _View(lambda: {k.kpi: k for f in families().values() for k in f.kpis})
#: family id -> its kpi ids, in catalogue order.
KPI_FAMILIES: Mapping[str, list[str]] = _View(lambda: {f.id: list(f.ids) for f in families().values()})
#: kpi id -> kind (disclosure control and statistics).
KINDS: Mapping[str, str] = _View(lambda: {k.kpi: k.kind for f in families().values() for k in f.kpis})
#: family id -> Dutch title (dashboard sections, workbook sheets, notebooks).
FAMILY_LABELS: Mapping[str, str] = _View(lambda: {f.id: f.label for f in families().values()})
