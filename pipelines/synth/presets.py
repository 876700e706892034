"""The calibration presets of the generator: one `Preset` per organisation.

The figures come from the organisations' public documents (docs/synth.md states the targets and
tolerances the tests hold them to); the organisation's name and municipalities come from its
shipped configuration (pipelines/organisaties/<slug>.yaml).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipelines.errors import InputError


@dataclass(frozen=True)
class Preset:
    """Calibration parameters of one organisation (targets and sources: docs/synth.md)."""

    slug: str
    gemeenten: dict[str, float]  # CBS code -> share of clients
    softwarepakket: str
    bestand: int  # persons on in-scope assistance at the extraction date at natural size
    koppel: float  # share of benefits for couples (two persons share the registratienummer)
    ouder: float  # share of benefits of single parents
    lang: float  # share of inflow with a long (structural) duration
    kort_jaren: float  # mean duration of the short type
    lang_jaren: float  # mean duration of the long type
    werk: float  # base probability that an ending is to work (11/13)
    perspectief_start: tuple[float, float, float]  # werken, werken_aan, meedoen
    perspectief_later: tuple[float, float, float]
    vrijgesteld: float  # share of meedoen periods that are duurzaam vrijgesteld
    fip_vanaf: dt.date
    fip_schaal: float  # multiplies the per-person FIP rate (1.0 = the plan's practice)
    tegenprestatie: float  # probability a benefit carries tegenprestatie/vrijwilligerswerk
    doorverwijzing_per_jaar: float  # referrals to care/debt help per person-year on assistance
    lks_bij_werk: float  # probability an exit to work goes with a wage-cost subsidy
    lks_split: tuple[float, float, float, float]  # regulier, overheid, sw+banenafspraak, sw+beschut
    sw_kvk: str | None
    ontwikkelbaan_per_jaar: float  # per person-year in werken_aan
    jobcoach_bij_lks: float
    niet_westers: float
    meedoen: bool  # runs the Meedoen! pilot (ISD Bollenstreek)
    #: inwoners 18+ of the preset's own synthetic population in 2024 (None: use the reference)
    inwoners_2024: dict[str, int] | None = None
    staff_caseload: float = 47.0  # mean stock persons per klantmanager fte
    #: shares of job coaching lasting 12, 24 and 36 months (the regional term is 2 x 12 months)
    jobcoach_duur: tuple[float, float, float] = (0.55, 0.35, 0.10)


PRESETS: dict[str, Preset] = {
    p.slug: p
    for p in (
        Preset(
            slug="isd-bollenstreek",
            gemeenten={"0534": 0.1854, "0553": 0.1877, "0575": 0.3526, "1525": 0.2743},
            softwarepakket="gws",
            bestand=970,
            koppel=0.06,
            ouder=0.08,
            lang=0.16,
            kort_jaren=1.1,
            lang_jaren=22.0,
            werk=0.42,
            perspectief_start=(0.30, 0.55, 0.15),
            perspectief_later=(0.05, 0.55, 0.40),
            vrijgesteld=0.16,
            fip_vanaf=dt.date(2021, 1, 1),
            fip_schaal=0.35,
            tegenprestatie=0.25,
            doorverwijzing_per_jaar=0.08,
            # no public LKS figures for the region: an assumed split with the regional SW company
            # (MareGroep in the configuration), so the demo shows every part of the LKS monitor
            lks_bij_werk=0.25,
            lks_split=(0.55, 0.10, 0.15, 0.20),
            sw_kvk="28092714",
            ontwikkelbaan_per_jaar=0.05,
            jobcoach_bij_lks=0.45,
            niet_westers=0.07,
            meedoen=True,
            jobcoach_duur=(0.40, 0.30, 0.30),
        ),
        Preset(
            slug="gemeente-leiden",
            gemeenten={"0546": 1.0},
            softwarepakket="gws",
            bestand=3450,
            koppel=0.09,
            ouder=0.18,
            lang=0.16,
            kort_jaren=1.1,
            lang_jaren=22.0,
            werk=0.40,
            perspectief_start=(0.30, 0.55, 0.15),
            perspectief_later=(0.05, 0.55, 0.40),
            vrijgesteld=0.18,
            fip_vanaf=dt.date(2020, 1, 1),
            fip_schaal=0.5,
            tegenprestatie=0.15,
            doorverwijzing_per_jaar=0.10,
            lks_bij_werk=0.30,
            lks_split=(0.45, 0.10, 0.20, 0.25),
            sw_kvk="28074590",
            ontwikkelbaan_per_jaar=0.06,
            jobcoach_bij_lks=0.5,
            niet_westers=0.45,
            meedoen=False,
        ),
        Preset(
            slug="gemeente-pijnacker-nootdorp",
            gemeenten={"1926": 1.0},
            softwarepakket="soc",
            bestand=495,
            koppel=0.05,
            ouder=0.20,
            lang=0.14,
            kort_jaren=1.1,
            lang_jaren=19.0,
            werk=0.40,
            perspectief_start=(0.20, 0.65, 0.15),
            perspectief_later=(0.05, 0.58, 0.37),
            vrijgesteld=0.16,
            fip_vanaf=dt.date(2019, 1, 1),
            fip_schaal=1.0,
            tegenprestatie=0.62,
            doorverwijzing_per_jaar=0.10,
            lks_bij_werk=0.15,
            lks_split=(0.80, 0.20, 0.0, 0.0),
            sw_kvk=None,
            ontwikkelbaan_per_jaar=0.0,
            jobcoach_bij_lks=0.4,
            niet_westers=0.35,
            meedoen=False,
            inwoners_2024={"1926": 28700},
        ),
    )
}


def get_preset(organisatie: str) -> Preset:
    if organisatie not in PRESETS:
        raise InputError(f"onbekende organisatie {organisatie!r}; kies uit {', '.join(sorted(PRESETS))}")
    return PRESETS[organisatie]
