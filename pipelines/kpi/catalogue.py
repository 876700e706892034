"""The catalogue of every KPI: id, Dutch label, unit, kind, family and norm.

The ids and definitions are those of ../shared/spec/kpis.md; docs/definities.md explains each
one to users and a test keeps page and catalogue in step. `unit` is how the dashboard shows a
figure (`pct` percent, `n` count, `ratio` a ratio, `eur` an amount in euro, `vlag` a 0/1 flag); `kind` is how statistics
and disclosure control treat it (see `pipelines.disclosure`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.config import BUDGET_PERSPECTIEVEN, VASTE_DOELGROEPEN


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


def _k(kpi, label, unit, kind, family, norm=None, basis=None, alleen_totaal=False) -> KpiInfo:
    return KpiInfo(kpi, label, unit, kind, family, norm, basis, alleen_totaal)


#: Dutch label of each fixed target group of the target-group monitor (`pipelines.kpi.doelgroepen`).
DOELGROEP_LABELS: dict[str, str] = {
    "alle": "Alle klanten",
    "alleenstaande_ouder": "Alleenstaande ouders",
    "statushouder": "Statushouders",
    "50plus": "50 jaar of ouder",
    "doelgroepregister": "Doelgroepregister",
}
assert tuple(DOELGROEP_LABELS) == VASTE_DOELGROEPEN

_NORM_UITSTROOM = "10 % meer dan het meerjarig uitstroompercentage (gemiddelde van het rapportjaar en de drie jaren ervoor)"
_NORM_DEELTIJD = "10 % meer deeltijdwerk dan het meerjarig percentage"

_ALL: tuple[KpiInfo, ...] = (
    # uitstroom
    _k("uitstroom_pct", "Uitstroom (alle redenen behalve AOW)", "pct", "aandeel", "uitstroom"),
    _k("uitstroom_werk_pct", "Uitstroom naar werk", "pct", "aandeel", "uitstroom"),
    _k("uitstroom_werk_inkomen_pct", "Uitstroom naar werk of ander inkomen", "pct", "aandeel", "uitstroom"),
    _k("instroom_pct", "Instroom", "pct", "aandeel", "uitstroom"),
    _k("uitstroom_werk_n", "Uitstroom naar werk (aantal)", "n", "aantal", "uitstroom"),
    _k("uitstroom_werk_inkomen_n", "Uitstroom naar werk of ander inkomen (aantal)", "n", "aantal", "uitstroom"),
    _k("instroom_n", "Instroom (aantal)", "n", "aantal", "uitstroom"),
    _k("uitstroom_werk_pct_meerjarig", "Uitstroom naar werk, meerjarig gemiddelde", "pct", "meerjarig", "uitstroom",
       basis="uitstroom_werk_pct"),
    _k("uitstroom_werk_inkomen_pct_meerjarig", "Uitstroom naar werk of ander inkomen, meerjarig gemiddelde", "pct",
       "meerjarig", "uitstroom", basis="uitstroom_werk_inkomen_pct"),
    _k("uitstroom_werk_norm", "Norm uitstroom naar werk gehaald", "vlag", "vlag", "uitstroom", _NORM_UITSTROOM,
       basis="uitstroom_werk_pct"),
    _k("uitstroom_werk_inkomen_norm", "Norm uitstroom naar werk of ander inkomen gehaald", "vlag", "vlag", "uitstroom",
       _NORM_UITSTROOM, basis="uitstroom_werk_inkomen_pct"),
    # deeltijdwerk
    _k("deeltijdwerk_pct", "Deeltijdwerk naast de uitkering", "pct", "aandeel", "deeltijdwerk"),
    _k("deeltijdwerk_pct_meerjarig", "Deeltijdwerk, meerjarig gemiddelde", "pct", "meerjarig", "deeltijdwerk",
       basis="deeltijdwerk_pct"),
    _k("deeltijdwerk_norm", "Norm deeltijdwerk gehaald", "vlag", "vlag", "deeltijdwerk", _NORM_DEELTIJD,
       basis="deeltijdwerk_pct"),
    # bestand
    _k("bestand_n", "Personen in het bestand", "n", "aantal", "bestand"),
    _k("uitkeringen_n", "Lopende uitkeringen", "n", "aantal", "bestand"),
    _k("duur_2plus_pct", "Langer dan 2 jaar in de uitkering", "pct", "aandeel", "bestand"),
    _k("duur_5plus_pct", "Langer dan 5 jaar in de uitkering", "pct", "aandeel", "bestand"),
    _k("perspectief_werken_n", "Perspectief werken", "n", "aantal", "bestand"),
    _k("perspectief_werken_aan_n", "Perspectief werken aan", "n", "aantal", "bestand"),
    _k("perspectief_meedoen_n", "Perspectief meedoen", "n", "aantal", "bestand"),
    _k("perspectief_onbekend_n", "Perspectief onbekend", "n", "aantal", "bestand"),
    _k("duurzaam_vrijgesteld_n", "Duurzaam vrijgesteld", "n", "aantal", "bestand"),
    _k("alleenstaande_ouder_n", "Alleenstaande ouders", "n", "aantal", "bestand"),
    _k("statushouder_n", "Statushouders", "n", "aantal", "bestand"),
    _k("doelgroepregister_n", "In het doelgroepregister", "n", "aantal", "bestand"),
    _k("leeftijd_50plus_n", "50 jaar of ouder", "n", "aantal", "bestand"),
    _k("ontheffing_n", "Met ontheffing van de arbeidsverplichtingen", "n", "aantal", "bestand"),
    _k("bijstandsdichtheid", "Uitkeringen per 1.000 inwoners van 18 jaar en ouder", "ratio", "verhouding", "bestand"),
    # lks
    _k("lks_actief_n", "Lopende loonkostensubsidies", "n", "aantal", "lks"),
    _k("lks_regulier_pct", "Loonkostensubsidie bij een reguliere werkgever", "pct", "aandeel", "lks"),
    _k("lks_sw_banenafspraak_pct", "Loonkostensubsidie bij het SW-bedrijf, indicatie banenafspraak", "pct", "aandeel",
       "lks"),
    _k("lks_sw_beschut_pct", "Loonkostensubsidie bij het SW-bedrijf, indicatie beschut werk", "pct", "aandeel", "lks"),
    _k("lks_loonwaarde_gem", "Gemiddelde loonwaarde (%)", "pct", "gemiddelde", "lks"),
    _k("ontwikkelbaan_n", "Lopende ontwikkelbanen", "n", "aantal", "lks"),
    _k("ontwikkelbaan_over_3jaar_n", "Ontwikkelbanen langer dan 3 jaar (maximale termijn)", "n", "aantal", "lks",
       "een ontwikkelbaan duurt ten hoogste 3 jaar"),
    _k("jobcoach_over_24mnd_n", "Jobcoaching langer dan 24 maanden", "n", "aantal", "lks",
       "jobcoaching duurt ten hoogste 2 x 12 maanden"),
    # fip
    _k("fip_populatie_n", "FIP-populatie: klanten werken aan met voldoende blootstelling", "n", "aantal", "fip"),
    _k("fip_per_jaar_gem", "FIP-gesprekken per jaar (gemiddelde)", "ratio", "gemiddelde", "fip",
       "4 FIP-gesprekken per jaar"),
    _k("fip_per_jaar_mediaan", "FIP-gesprekken per jaar (mediaan)", "ratio", "gemiddelde", "fip",
       "4 FIP-gesprekken per jaar"),
    _k("fip_norm_pct", "Klanten die de FIP-norm halen", "pct", "aandeel", "fip", "4 FIP-gesprekken per jaar"),
    _k("fip_geen_n", "Klanten zonder FIP-gesprek", "n", "aantal", "fip"),
    _k("fip_leefgebieden_volledig_pct", "FIP-gesprekken over alle zes leefgebieden", "pct", "aandeel", "fip"),
    _k("fip_vervolgafspraak_pct", "FIP-gesprekken met vervolgafspraak", "pct", "aandeel", "fip"),
    # caseload en doorverwijzingen
    _k("caseload_per_fte", "Klanten per fte klantmanager", "ratio", "verhouding", "caseload",
       "ten hoogste 50 klanten per fte", alleen_totaal=True),
    _k("caseload_boven_norm_n", "Klantmanagers boven de caseloadnorm", "n", "aantal", "caseload",
       "ten hoogste 50 klanten per fte", alleen_totaal=True),
    _k("doorverwijzingen_zorg_n", "Doorverwijzingen naar zorg en schuldhulp", "n", "aantal", "caseload",
       "50 doorverwijzingen per jaar"),
    _k("tegenprestatie_n", "Klanten met tegenprestatie of vrijwilligerswerk", "n", "aantal", "caseload"),
    # meedoen
    _k("meedoen_doelgroep_1_n", "Meedoen! doelgroep 1: ouders met kinderen, 5 jaar of langer in de bijstand", "n", "aantal",
       "meedoen"),
    _k("meedoen_doelgroep_2_n", "Meedoen! doelgroep 2: alleenstaanden van 56+, 5 jaar of langer in de bijstand", "n",
       "aantal", "meedoen"),
    _k("meedoen_doelgroep_3_n", "Meedoen! doelgroep 3: niet-westerse migratieachtergrond, langer dan 5 jaar", "n",
       "aantal", "meedoen"),
    _k("meedoen_doelgroep_4_n", "Meedoen! doelgroep 4: trede 1 (geisoleerd), niet in een inrichting", "n", "aantal",
       "meedoen"),
    _k("meedoen_doelgroep_n", "Meedoen! doelgroepen: unieke personen", "n", "aantal", "meedoen"),
    _k("meedoen_deelname_pct", "Meedoen! deelname van de doelgroepen", "pct", "aandeel", "meedoen",
       "60-70 % van de doelgroepen doet mee"),
    _k("meedoen_deelnemers_n", "Meedoen! deelnemers op de peildatum", "n", "aantal", "meedoen"),
    _k("meedoen_activiteit_pct", "Meedoen! deelnemers met een activiteit", "pct", "aandeel", "meedoen",
       "60-70 % van de deelnemers heeft een activiteit"),
    _k("meedoen_uitstroom_werk_pct", "Meedoen! uitstroom naar betaald werk", "pct", "aandeel", "meedoen",
       "verwachting 1-5 % van de deelnemers"),
    _k("meedoen_huisbezoeken_per_deelnemer", "Meedoen! huisbezoeken per deelnemer in het kwartaal", "ratio",
       "gemiddelde", "meedoen"),
    _k("meedoen_bereikt_pct", "Meedoen! deelnemers bereikt met een huisbezoek in het kwartaal", "pct", "aandeel",
       "meedoen"),
    _k("meedoen_beloningen_bedrag", "Meedoen! beloningen (euro, 12 maanden)", "eur", "bedrag", "meedoen"),
    _k("meedoen_beloning_per_deelnemer", "Meedoen! beloningen per deelnemer (euro, 12 maanden)", "eur", "gemiddelde",
       "meedoen"),
    _k("meedoen_boven_max_beloning_n", "Meedoen! personen boven de maximale beloning in het kalenderjaar", "n", "aantal",
       "meedoen", "ten hoogste 50 euro per persoon per jaar"),
    _k("meedoen_zrm_verbeterd_pct", "Meedoen! deelnemers met een betere ZRM-score", "pct", "aandeel", "meedoen"),
    _k("meedoen_trajectkosten", "Meedoen! kosten van voorzieningen tijdens de deelname (euro, 12 maanden)", "eur",
       "bedrag", "meedoen"),
    # doelgroepen en participatiebudget
    *(
        _k(f"doelgroep_{_g}_{_m}", f"{_gl}: {_ml}", _u, _kind, "doelgroepen")
        for _g, _gl in DOELGROEP_LABELS.items()
        for _m, _ml, _u, _kind in (("bestand_n", "personen in het bestand", "n", "aantal"),
                                   ("uitstroom_werk_pct", "uitstroom naar werk", "pct", "aandeel"),
                                   ("participatie_pct", "deelname aan participatie", "pct", "aandeel"))
    ),
    *(
        _k(f"budget_{_p}_besteed", f"Participatiebudget besteed, perspectief {_p.replace('_', ' ')}", "eur", "bedrag",
           "budget")
        for _p in (*BUDGET_PERSPECTIEVEN, "onbekend")
    ),
    *(
        _k(f"budget_{_p}_uitputting", f"Participatiebudget uitgeput, perspectief {_p.replace('_', ' ')}", "pct", "bedrag",
           "budget", "ten hoogste het budget (100 %)", alleen_totaal=True)
        for _p in BUDGET_PERSPECTIEVEN
    ),
    _k("budget_totaal_besteed", "Participatiebudget besteed, totaal", "eur", "bedrag", "budget"),
    _k("budget_totaal_uitputting", "Participatiebudget uitgeput, totaal", "pct", "bedrag", "budget",
       "ten hoogste het budget (100 %)", alleen_totaal=True),
)

#: kpi id -> its description, in the order of the spec.
KPI_CATALOGUE: dict[str, KpiInfo] = {k.kpi: k for k in _ALL}

#: family -> kpi ids, in the order of the spec.
KPI_FAMILIES: dict[str, list[str]] = {}
for _info in _ALL:
    KPI_FAMILIES.setdefault(_info.family, []).append(_info.kpi)

#: Dutch title of each family (dashboard sections, notebooks).
FAMILY_LABELS: dict[str, str] = {
    "uitstroom": "Uitstroom en instroom",
    "deeltijdwerk": "Deeltijdwerk naast de uitkering",
    "bestand": "Samenstelling van het bestand",
    "lks": "Loonkostensubsidie, ontwikkelbanen en jobcoaching",
    "fip": "FIP-gesprekken",
    "caseload": "Caseload en doorverwijzingen",
    "meedoen": "Pilot Meedoen!",
    "doelgroepen": "Doelgroepen: bestand, uitstroom en participatie",
    "budget": "Participatiebudget per perspectief",
}

KINDS: dict[str, str] = {k.kpi: k.kind for k in _ALL}
