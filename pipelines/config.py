"""The organisation's configuration: one YAML file of run parameters, with documented defaults.

Parameters are read here once and passed into the functions that need them; no KPI
function reads configuration itself. The shipped presets live in `pipelines/organisaties/`
(one per generator preset); a user passes their own with `--config org.yaml`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from pipelines.errors import InputError
from pipelines.paths import ORGANISATIONS, slugify
from pipelines.schema import CODE, INT, JANEE, PERSPECTIEF, TABLES


class ConfigError(InputError, ValueError):
    """A configuration file that cannot be used, with the file and key named."""


@dataclass(frozen=True)
class OrgConfig:
    """Run parameters of one organisation. Defaults follow docs/definities.md."""

    organisatie: str
    #: CBS code -> name of every municipality the organisation serves.
    gemeenten: dict[str, str] = field(default_factory=dict)
    #: Name of the SW company (sheltered work company), e.g. DZB Leiden; None when there is none.
    sw_bedrijf: str | None = None
    #: Benefit schemes in scope of outflow, stock and duration (PW, IOAW, IOAZ).
    regelingen: tuple[str, ...] = ("01", "02", "03")
    #: Periods of one person less than or equal to this many days apart are merged into one spell.
    gap_days: int = 30
    #: The outflow and part-time norms are relative: this factor times the baseline ("10 % meer": x 1.10).
    norm_factor: float = 1.10
    #: Baseline of those norms: `meerjarig` (the report year and the three before, rolling: the plan's own
    #: footnote) or `vast` (the mean over `norm_basisjaren`, the years before the plan: its college period).
    norm_basis: str = "meerjarig"
    #: Calendar years of the fixed baseline (e.g. 2016-2019); always computed when given, used for the norm
    #: when `norm_basis` is `vast`.
    norm_basisjaren: tuple[int, ...] = ()
    #: Publication: counts below this are suppressed, as are percentages on such numerators.
    min_cell: int = 5
    #: Publication: percentages on a denominator below this are suppressed.
    min_noemer: int = 10
    #: FIP conversations a year for a `werken_aan` client.
    fip_norm_per_jaar: int = 4
    #: Minimum days in the FIP perspectives within the window to be in the FIP population.
    fip_min_blootstelling_dagen: int = 91
    #: Perspectives whose clients get FIP conversations (the plan, section 7.3: werken aan and meedoen).
    fip_perspectieven: tuple[str, ...] = ("werken_aan", "meedoen")
    #: Case load per klantmanager fte must stay below this (strictly: "onder de 50").
    caseload_norm: float = 50.0
    #: What the case-load norm counts: `personen` (both partners of a couple) or `dossiers` (a couple is one
    #: case: one `registratienummer`).
    caseload_eenheid: str = "personen"
    #: Referrals to care and debt help a year (policy target).
    doorverwijzingen_norm: int = 50
    #: Rejected share of a table (percent) above which ingest stops.
    max_afwijzing_pct: float = 5.0
    #: Participation budget per year and perspective, in euro (the short form; see `participatiebudget`).
    budget_per_perspectief: dict[int, dict[str, float]] = field(default_factory=dict)
    #: The participation budget as a policy document states it, per year: available budget and spending
    #: lines with their perspective and kind (`vast` or `voorzieningen`); see `year_budget`.
    participatiebudget: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: The budget amounts are illustrative, not taken from a policy document: every output showing them
    #: says so.
    budget_illustratief: bool = False
    #: Cost-sharing key per municipality (fractions summing to 1), e.g. for a shared pilot.
    verdeelsleutel: dict[str, float] = field(default_factory=dict)
    #: Programme parameters (e.g. the Meedoen! pilot), free-form, documented in docs/definities.md.
    programmas: dict[str, Any] = field(default_factory=dict)
    #: Extra target groups for the target-group monitor: name -> condition on a `personen` column
    #: (`statushouder`, `kinderen_ten_laste > 0`, `migratieachtergrond = niet_westers`); see
    #: `parse_doelgroep`.
    doelgroepen: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return slugify(self.organisatie)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for logs and the run manifest (sorted, JSON-friendly)."""
        data = asdict(self)
        for key in ("regelingen", "norm_basisjaren", "fip_perspectieven"):
            data[key] = list(getattr(self, key))
        return data


_INT_KEYS = (
    "gap_days",
    "min_cell",
    "min_noemer",
    "fip_norm_per_jaar",
    "fip_min_blootstelling_dagen",
    "doorverwijzingen_norm",
)
_FLOAT_KEYS = ("norm_factor", "caseload_norm", "max_afwijzing_pct")
#: Keys that must be at least this value (a minimum cell of 0 would publish everything).
_MINIMUM = {
    "min_cell": 1,
    "min_noemer": 1,
    "gap_days": 0,
    "fip_norm_per_jaar": 1,
    "fip_min_blootstelling_dagen": 0,
    "doorverwijzingen_norm": 0,
    "norm_factor": 0.0,
    "caseload_norm": 0.0,
    "max_afwijzing_pct": 0.0,
}


def _number(value: Any, kind: type, key: str) -> Any:
    """`value` as an int or float, or a ConfigError naming the key (a YAML `vijf` is not a number)."""
    if isinstance(value, bool) or value is None:
        raise ConfigError(f"{key}: verwacht een {'geheel getal' if kind is int else 'getal'}, niet {value!r}")
    try:
        number = kind(value) if kind is float else int(str(value))
    except (TypeError, ValueError):
        raise ConfigError(
            f"{key}: verwacht een {'geheel getal' if kind is int else 'getal'}, niet {value!r}"
        ) from None
    if kind is float and number != number:
        raise ConfigError(f"{key}: verwacht een getal, niet {value!r}")
    return number


def _mapping(value: Any, key: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: verwacht een mapping (sleutel: waarde), niet {value!r}")
    return value


def _coerce(raw: dict[str, Any], source: str) -> OrgConfig:
    known = {f.name for f in fields(OrgConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"{source}: onbekende sleutel(s) {', '.join(unknown)}; bekend zijn {', '.join(sorted(known))}"
        )
    if "organisatie" not in raw:
        raise ConfigError(f"{source}: sleutel 'organisatie' ontbreekt")
    data = dict(raw)
    if "gemeenten" in data:
        data["gemeenten"] = {
            str(k).zfill(4): str(v) for k, v in _mapping(data["gemeenten"], f"{source}: gemeenten").items()
        }
    if "regelingen" in data:
        if not isinstance(data["regelingen"], (list, tuple)):
            raise ConfigError(
                f"{source}: regelingen: verwacht een lijst van codes, niet {data['regelingen']!r}"
            )
        data["regelingen"] = tuple(str(r).zfill(2) for r in data["regelingen"])
    if "verdeelsleutel" in data:
        data["verdeelsleutel"] = {
            str(k).zfill(4): _number(v, float, f"{source}: verdeelsleutel.{k}")
            for k, v in _mapping(data["verdeelsleutel"], f"{source}: verdeelsleutel").items()
        }
    if "programmas" in data:
        data["programmas"] = _programmas(data["programmas"], source)
    if "budget_per_perspectief" in data:
        data["budget_per_perspectief"] = _budgets(data["budget_per_perspectief"], source)
    if "doelgroepen" in data:
        data["doelgroepen"] = _doelgroepen(data["doelgroepen"], source)
    if "participatiebudget" in data:
        data["participatiebudget"] = _participatiebudget(data["participatiebudget"], source)
    for key, choices in _CHOICES.items():
        if key in data and data[key] not in choices:
            raise ConfigError(f"{source}: {key}: kies {' of '.join(choices)}, niet {data[key]!r}")
    if "norm_basisjaren" in data:
        data["norm_basisjaren"] = _years(data["norm_basisjaren"], f"{source}: norm_basisjaren")
    if data.get("norm_basis") == "vast" and not data.get("norm_basisjaren"):
        raise ConfigError(f"{source}: norm_basis vast vraagt norm_basisjaren (de jaren van de vaste basis)")
    if "fip_perspectieven" in data:
        data["fip_perspectieven"] = _perspectives(data["fip_perspectieven"], f"{source}: fip_perspectieven")
    if "budget_illustratief" in data and not isinstance(data["budget_illustratief"], bool):
        raise ConfigError(
            f"{source}: budget_illustratief: verwacht true of false, niet {data['budget_illustratief']!r}"
        )
    for keys, kind in ((_INT_KEYS, int), (_FLOAT_KEYS, float)):
        for key in keys:
            if key in data:
                data[key] = _number(data[key], kind, f"{source}: {key}")
                if data[key] < _MINIMUM[key]:
                    raise ConfigError(
                        f"{source}: {key}: moet ten minste {_MINIMUM[key]} zijn, niet {data[key]!r}"
                    )
    if data.get("max_afwijzing_pct", 0.0) > 100:
        raise ConfigError(
            f"{source}: max_afwijzing_pct: een percentage van 0 tot 100, niet {data['max_afwijzing_pct']!r}"
        )
    return OrgConfig(**data)


#: Keys with a fixed set of values.
_CHOICES = {"norm_basis": ("meerjarig", "vast"), "caseload_eenheid": ("personen", "dossiers")}


def _years(value: Any, key: str) -> tuple[int, ...]:
    """A list of calendar years (sorted, without repeats)."""
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{key}: verwacht een lijst van jaren, niet {value!r}")
    years = sorted({_number(v, int, key) for v in value})
    wrong = [y for y in years if not 1990 <= y <= 2100]
    if wrong:
        raise ConfigError(f"{key}: geen jaartal: {wrong}")
    return tuple(years)


def _perspectives(value: Any, key: str) -> tuple[str, ...]:
    """A non-empty list of perspectives of `klantbeeld`."""
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(f"{key}: verwacht een lijst van perspectieven ({', '.join(PERSPECTIEF)})")
    unknown = [str(p) for p in value if str(p) not in PERSPECTIEF]
    if unknown:
        raise ConfigError(
            f"{key}: onbekend perspectief {', '.join(unknown)}; bekend zijn {', '.join(PERSPECTIEF)}"
        )
    return tuple(dict.fromkeys(str(p) for p in value))


#: Target groups the monitor always shows (pipelines.kpi.doelgroepen); a configured group may not reuse a
#: name.
VASTE_DOELGROEPEN = ("alle", "alleenstaande_ouder", "statushouder", "50plus", "doelgroepregister")
_GROUP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_CONDITION = re.compile(r"^\s*([a-z_]+)\s*(?:(=|!=|>=|<=|>|<)\s*([A-Za-z0-9_]+))?\s*$")


@dataclass(frozen=True)
class Doelgroep:
    """A configured target group: `personen.<kolom> <op> <waarde>` (a bare ja/nee column means `= ja`)."""

    naam: str
    kolom: str
    op: str
    waarde: bool | int | str


def parse_doelgroep(naam: str, conditie: str, where: str = "doelgroepen") -> Doelgroep:
    """Check one configured group against the clean `personen` columns; ConfigError names the key.

    Only columns the standard export keeps can be used: ingest ignores extra columns, so a local
    column (e.g. a screening group) needs a mapping profile onto a standard column first.
    """
    key = f"{where}.{naam}"
    if not _GROUP_NAME.match(str(naam)) or naam in VASTE_DOELGROEPEN:
        raise ConfigError(
            f"{key}: naam moet uit kleine letters, cijfers en _ bestaan en mag geen vaste doelgroep "
            f"({', '.join(VASTE_DOELGROEPEN)}) zijn"
        )
    match = _CONDITION.match(str(conditie))
    columns = {c.name: c for c in TABLES["personen"].columns if c.kind in (JANEE, INT, CODE)}
    if not match or match.group(1) not in columns:
        raise ConfigError(
            f"{key}: voorwaarde {conditie!r} niet herkend; gebruik '<kolom>', '<kolom> = <waarde>' of "
            f"'<kolom> > <getal>' met een kolom van personen: {', '.join(sorted(columns))}"
        )
    kolom, op, raw = match.group(1), match.group(2) or "=", match.group(3)
    col = columns[kolom]
    if col.kind == JANEE:
        if raw is None:
            raw = "ja"
        if op not in ("=", "!=") or raw not in ("ja", "nee"):
            raise ConfigError(
                f"{key}: {kolom} is ja/nee: gebruik '{kolom}', '{kolom} = ja' of '{kolom} = nee'"
            )
        return Doelgroep(naam, kolom, op, raw == "ja")
    if raw is None:
        raise ConfigError(
            f"{key}: {kolom} is geen ja/nee-kolom: geef een vergelijking, bijvoorbeeld '{kolom} = ...'"
        )
    if col.kind == INT:
        if not raw.isdigit():
            raise ConfigError(
                f"{key}: {kolom} is een geheel getal: vergelijk met een getal, niet met {raw!r}"
            )
        return Doelgroep(naam, kolom, op, int(raw))
    if op not in ("=", "!=") or (col.codes and raw not in col.codes):
        codes = f" (codes: {', '.join(col.codes)})" if col.codes else ""
        raise ConfigError(f"{key}: {kolom} is een code: gebruik '=' of '!=' met een geldige code{codes}")
    return Doelgroep(naam, kolom, op, raw)


#: The perspectives a participation budget can be split over (the code list of klantbeeld.perspectief).
BUDGET_PERSPECTIEVEN = PERSPECTIEF


def _budgets(raw: Any, source: str) -> dict[int, dict[str, float]]:
    """year -> perspective -> euro; unknown perspectives and negative amounts are refused, naming the key."""
    out: dict[int, dict[str, float]] = {}
    for year, per in (raw or {}).items():
        key = f"{source}: budget_per_perspectief.{year}"
        if not isinstance(per, dict):
            raise ConfigError(f"{key}: verwacht perspectief -> bedrag in euro")
        year_number = _number(year, int, key)
        out[year_number] = {}
        for p, v in per.items():
            if str(p) not in BUDGET_PERSPECTIEVEN:
                raise ConfigError(
                    f"{key}.{p}: onbekend perspectief; bekend zijn {', '.join(BUDGET_PERSPECTIEVEN)}"
                )
            amount = _number(v, float, f"{key}.{p}")
            if amount < 0:
                raise ConfigError(f"{key}.{p}: bedrag moet 0 of meer euro zijn, niet {v!r}")
            out[year_number][str(p)] = amount
    return out


#: Where a spending line of the participation budget belongs: a perspective, or `algemeen` (no perspective:
#: programme management, research).
BUDGET_PLAATSEN = (*PERSPECTIEF, "algemeen")
#: `vast`: a fixed cost that is not a provision for a client (a contribution, salaries, research), taken
#: as spent evenly over the year; `voorzieningen`: met by the `kosten` of provisions in the export.
BUDGET_SOORTEN = ("vast", "voorzieningen")


@dataclass(frozen=True)
class BudgetLine:
    """One spending line of a participation budget, as the policy document words it."""

    regel: str
    bedrag: float
    perspectief: str
    soort: str


@dataclass(frozen=True)
class YearBudget:
    """The participation budget of one year as the document states it, stated totals included."""

    jaar: int
    #: (line, amount) of the available budget.
    beschikbaar: tuple[tuple[str, float], ...]
    uitgaven: tuple[BudgetLine, ...]
    #: The totals the document itself prints (None where it prints none), to check its own arithmetic.
    beschikbaar_opgegeven: float | None = None
    subtotalen_opgegeven: dict[str, float] = field(default_factory=dict)
    saldo_opgegeven: float | None = None

    def per_plaats(self) -> dict[str, float]:
        """perspective (or `algemeen`) -> the sum of its spending lines."""
        out = {p: 0.0 for p in BUDGET_PLAATSEN}
        for line in self.uitgaven:
            out[line.perspectief] += line.bedrag
        return {p: v for p, v in out.items() if any(x.perspectief == p for x in self.uitgaven)}


def _amount(value: Any, key: str) -> float:
    amount = _number(value, float, key)
    if amount < 0:
        raise ConfigError(f"{key}: bedrag moet 0 of meer euro zijn, niet {value!r}")
    return amount


def _participatiebudget(raw: Any, source: str) -> dict[int, dict[str, Any]]:
    """year -> the document's budget, checked key by key and normalised to plain YAML data."""
    out: dict[int, dict[str, Any]] = {}
    for year, spec in _mapping(raw, f"{source}: participatiebudget").items():
        key = f"{source}: participatiebudget.{year}"
        spec = _mapping(spec, key)
        known = {
            "beschikbaar",
            "uitgaven",
            "beschikbaar_totaal_opgegeven",
            "subtotalen_opgegeven",
            "saldo_opgegeven",
        }
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ConfigError(
                f"{key}: onbekende sleutel(s) {', '.join(unknown)}; bekend zijn {', '.join(sorted(known))}"
            )
        norm: dict[str, Any] = {"beschikbaar": [], "uitgaven": []}
        for part in ("beschikbaar", "uitgaven"):
            lines = spec.get(part) or []
            if not isinstance(lines, list):
                raise ConfigError(f"{key}.{part}: verwacht een lijst van regels")
            for i, line in enumerate(lines, start=1):
                where = f"{key}.{part}[{i}]"
                line = _mapping(line, where)
                if not str(line.get("regel") or "").strip():
                    raise ConfigError(f"{where}.regel: ontbreekt")
                item: dict[str, Any] = {
                    "regel": str(line["regel"]).strip(),
                    "bedrag": _amount(line.get("bedrag"), f"{where}.bedrag"),
                }
                if part == "uitgaven":
                    plaats, soort = str(line.get("perspectief")), str(line.get("soort"))
                    if plaats not in BUDGET_PLAATSEN:
                        raise ConfigError(
                            f"{where}.perspectief: kies {', '.join(BUDGET_PLAATSEN)}, niet {plaats!r}"
                        )
                    if soort not in BUDGET_SOORTEN:
                        raise ConfigError(
                            f"{where}.soort: kies {' of '.join(BUDGET_SOORTEN)}, niet {soort!r}"
                        )
                    item.update(perspectief=plaats, soort=soort)
                norm[part].append(item)
        if not norm["uitgaven"]:
            raise ConfigError(f"{key}.uitgaven: geen regels")
        for total in ("beschikbaar_totaal_opgegeven", "saldo_opgegeven"):
            if spec.get(total) is not None:
                norm[total] = _number(spec[total], float, f"{key}.{total}")
        if spec.get("subtotalen_opgegeven"):
            subs = _mapping(spec["subtotalen_opgegeven"], f"{key}.subtotalen_opgegeven")
            for plaats in subs:
                if str(plaats) not in BUDGET_PLAATSEN:
                    raise ConfigError(
                        f"{key}.subtotalen_opgegeven.{plaats}: onbekend; kies {', '.join(BUDGET_PLAATSEN)}"
                    )
            norm["subtotalen_opgegeven"] = {
                str(p): _amount(v, f"{key}.subtotalen_opgegeven.{p}") for p, v in subs.items()
            }
        out[_number(year, int, key)] = norm
    return dict(sorted(out.items()))


def year_budget(config: OrgConfig, jaar: int) -> YearBudget | None:
    """The typed budget of `jaar` from `participatiebudget` (validated on load), or None."""
    spec = config.participatiebudget.get(jaar)
    if spec is None:
        return None
    return YearBudget(
        jaar=jaar,
        beschikbaar=tuple((x["regel"], float(x["bedrag"])) for x in spec.get("beschikbaar", [])),
        uitgaven=tuple(
            BudgetLine(x["regel"], float(x["bedrag"]), x["perspectief"], x["soort"]) for x in spec["uitgaven"]
        ),
        beschikbaar_opgegeven=spec.get("beschikbaar_totaal_opgegeven"),
        subtotalen_opgegeven=dict(spec.get("subtotalen_opgegeven") or {}),
        saldo_opgegeven=spec.get("saldo_opgegeven"),
    )


def has_budget(config: OrgConfig) -> bool:
    """Whether the organisation configured a participation budget in either form."""
    return bool(config.budget_per_perspectief or config.participatiebudget)


def _doelgroepen(raw: Any, source: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: doelgroepen: verwacht een mapping naam -> voorwaarde")
    out = {str(k): str(v) for k, v in raw.items()}
    for naam, conditie in out.items():
        parse_doelgroep(naam, conditie, f"{source}: doelgroepen")
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class PilotParams:
    """`programmas.meedoen` of the configuration, with the proposal's figures as defaults."""

    peildatum_doelgroepen: dt.date | None = None
    #: The schemes of the target groups: the proposal's groups all receive "bijstandsuitkering PW" (01).
    doelgroep_regelingen: tuple[str, ...] = ("01",)
    ambitie_deelname_pct: tuple[float, float] = (60.0, 70.0)
    ambitie_activiteit_pct: tuple[float, float] = (60.0, 70.0)
    verwachting_uitstroom_werk_pct: tuple[float, float] = (1.0, 5.0)
    clienten_per_coach_per_jaar: float = 54.0
    uren_per_client: float = 26.0
    kosten_per_fte: float = 92_500.0
    aandeel_ingekocht_traject: float = 0.20
    prijs_traject: float = 2_000.0
    beloning_per_stap: float = 10.0
    max_beloning_per_jaar: float = 50.0
    voorstel: dict = field(default_factory=dict)


_PILOT_PAIRS = ("ambitie_deelname_pct", "ambitie_activiteit_pct", "verwachting_uitstroom_werk_pct")
_PILOT_NUMBERS = (
    "clienten_per_coach_per_jaar",
    "uren_per_client",
    "kosten_per_fte",
    "aandeel_ingekocht_traject",
    "prijs_traject",
    "beloning_per_stap",
    "max_beloning_per_jaar",
)


def _pair(value: Any, default: tuple[float, float], key: str) -> tuple[float, float]:
    """A range `[low, high]` (or one number for both ends)."""
    if value is None:
        return default
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ConfigError(f"{key}: verwacht [laag, hoog], niet {value!r}")
        low, high = (_number(v, float, key) for v in value)
        if low > high:
            raise ConfigError(f"{key}: laag ({low}) is groter dan hoog ({high})")
        return (low, high)
    number = _number(value, float, key)
    return (number, number)


def meedoen_params(raw: dict[str, Any], source: str = "configuratie") -> PilotParams:
    """`programmas.meedoen` parsed and checked; every error names the key and the file."""
    where = f"{source}: programmas.meedoen"
    raw = _mapping(raw, where)
    known = {f.name for f in fields(PilotParams)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"{where}: onbekende sleutel(s) {', '.join(unknown)}; bekend zijn {', '.join(sorted(known))}"
        )
    ref = raw.get("peildatum_doelgroepen")
    if isinstance(ref, str):
        try:
            ref = dt.date.fromisoformat(ref)
        except ValueError:
            raise ConfigError(
                f"{where}.peildatum_doelgroepen: verwacht een datum JJJJ-MM-DD, niet {ref!r}"
            ) from None
    elif ref is not None and not isinstance(ref, dt.date):
        raise ConfigError(f"{where}.peildatum_doelgroepen: verwacht een datum JJJJ-MM-DD, niet {ref!r}")
    default = PilotParams()
    values: dict[str, Any] = {
        "peildatum_doelgroepen": ref,
        "voorstel": _voorstel(raw.get("voorstel"), f"{where}.voorstel"),
    }
    if raw.get("doelgroep_regelingen") is not None:
        regelingen = raw["doelgroep_regelingen"]
        if not isinstance(regelingen, (list, tuple)) or not regelingen:
            raise ConfigError(
                f"{where}.doelgroep_regelingen: verwacht een lijst van codes, niet {regelingen!r}"
            )
        values["doelgroep_regelingen"] = tuple(str(r).zfill(2) for r in regelingen)
    for key in _PILOT_PAIRS:
        values[key] = _pair(raw.get(key), getattr(default, key), f"{where}.{key}")
    for key in _PILOT_NUMBERS:
        values[key] = _number(raw[key], float, f"{where}.{key}") if key in raw else getattr(default, key)
        if values[key] < 0:
            raise ConfigError(f"{where}.{key}: moet 0 of meer zijn, niet {values[key]!r}")
    return PilotParams(**values)


#: A budget line of the proposal: its figures per project (target group, fte, costs, rewards).
_VOORSTEL_REGEL = {
    "project": int,
    "deelnemers": int,
    "fte": float,
    "kosten_coaches": float,
    "trajecten": int,
    "kosten_trajecten": float,
    "beloningen": float,
}
_VOORSTEL_BEDRAGEN = (
    "beloningen_totaal_opgegeven",
    "projecten_totaal_opgegeven",
    "innovatiebudget",
    "totaal_opgegeven",
)


def _voorstel(raw: Any, where: str) -> dict[str, Any]:
    """The proposal's own figures (`programmas.meedoen.voorstel`), its budget lines checked field by field."""
    voorstel = dict(_mapping(raw, where))
    lines = voorstel.get("begrotingsregels") or []
    if not isinstance(lines, list):
        raise ConfigError(f"{where}.begrotingsregels: verwacht een lijst van regels")
    checked = []
    for i, line in enumerate(lines, start=1):
        key = f"{where}.begrotingsregels[{i}]"
        line = _mapping(line, key)
        unknown = sorted(set(line) - set(_VOORSTEL_REGEL) - {"regel"})
        if unknown:
            raise ConfigError(
                f"{key}: onbekende sleutel(s) {', '.join(unknown)}; "
                f"bekend zijn regel, {', '.join(_VOORSTEL_REGEL)}"
            )
        if "project" not in line or "deelnemers" not in line:
            raise ConfigError(f"{key}: project en deelnemers zijn verplicht")
        item: dict[str, Any] = {
            k: _number(line[k], kind, f"{key}.{k}")
            for k, kind in _VOORSTEL_REGEL.items()
            if line.get(k) is not None
        }
        item["regel"] = str(line.get("regel") or f"Project {item['project']}")
        checked.append(item)
    voorstel["begrotingsregels"] = checked
    for key in _VOORSTEL_BEDRAGEN:
        if voorstel.get(key) is not None:
            voorstel[key] = _amount(voorstel[key], f"{where}.{key}")
    per = _mapping(voorstel.get("kosten_per_gemeente"), f"{where}.kosten_per_gemeente")
    voorstel["kosten_per_gemeente"] = {
        str(part): {
            str(code).zfill(4): _amount(v, f"{where}.kosten_per_gemeente.{part}.{code}")
            for code, v in _mapping(amounts, f"{where}.kosten_per_gemeente.{part}").items()
        }
        for part, amounts in per.items()
    }
    return voorstel


#: Programmes the configuration knows, with the parser that checks their parameters.
PROGRAMMAS = {"meedoen": meedoen_params}


def _programmas(raw: Any, source: str) -> dict[str, Any]:
    programmas = _mapping(raw, f"{source}: programmas")
    unknown = sorted(set(programmas) - set(PROGRAMMAS))
    if unknown:
        raise ConfigError(
            f"{source}: programmas: onbekend programma {', '.join(unknown)}; bekend zijn "
            f"{', '.join(PROGRAMMAS)}"
        )
    for name, params in programmas.items():
        if params:
            PROGRAMMAS[name](params, source)
    return dict(programmas)


def load_config(path: str | Path) -> OrgConfig:
    """Read an organisation configuration from a YAML file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"configuratiebestand {path} bestaat niet") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"configuratiebestand {path} is niet te lezen ({type(exc).__name__})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (regel {mark.line + 1}, kolom {mark.column + 1})" if mark is not None else ""
        raise ConfigError(f"{path}: geen geldige YAML{where}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: verwacht een YAML-mapping")
    return _coerce(raw, str(path))


def preset_path(slug: str) -> Path:
    return ORGANISATIONS / f"{slug}.yaml"


def available_presets() -> list[str]:
    return sorted(p.stem for p in ORGANISATIONS.glob("*.yaml"))


def config_for(
    organisatie: str, path: str | Path | None = None, gemeentecodes: list[str] | None = None
) -> OrgConfig:
    """The configuration of a run: the file given, else the shipped preset of that name, else defaults.

    With defaults the municipalities are those found in the data (`gemeentecodes`).
    """
    if path is not None:
        return load_config(path)
    preset = preset_path(slugify(organisatie))
    if preset.exists():
        return load_config(preset)
    gemeenten = {code: code for code in sorted(gemeentecodes or [])}
    return OrgConfig(organisatie=organisatie, gemeenten=gemeenten)
