"""docs/definities.md has one section per KPI of the catalogue, with the catalogue's label, and no others."""

import re

from pipelines.kpi.registry import KPI_CATALOGUE
from pipelines.paths import DOCS

HEADING = re.compile(r"^### `([a-z0-9_]+)` - (.+)$", re.MULTILINE)


def _sections() -> dict[str, str]:
    text = (DOCS / "definities.md").read_text(encoding="utf-8")
    found = HEADING.findall(text)
    ids = [k for k, _ in found]
    assert len(ids) == len(set(ids)), "een kengetal staat twee keer op de pagina"
    return dict(found)


def test_every_catalogue_kpi_has_a_section_with_its_label():
    sections = _sections()
    assert sorted(set(KPI_CATALOGUE) - set(sections)) == []
    for kpi, info in KPI_CATALOGUE.items():
        assert sections[kpi] == info.label, kpi


def test_page_has_no_kpi_the_code_does_not_compute():
    assert sorted(set(_sections()) - set(KPI_CATALOGUE)) == []


def test_page_is_citeable_and_lists_decisions():
    text = (DOCS / "definities.md").read_text(encoding="utf-8")
    assert text.startswith("# Definities van de kengetallen")
    assert "versie" in text.splitlines()[2]
    assert "## Beslissingen" in text


def test_documented_defaults_are_the_code_defaults():
    from pipelines.config import OrgConfig

    text = (DOCS / "definities.md").read_text(encoding="utf-8")
    cfg = OrgConfig(organisatie="x")
    table = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `([a-z_0-9]+)`[^|]*\| ([^|]+) \|", text, re.MULTILINE)
    }
    assert table["gap_days"].strip() == str(cfg.gap_days)
    assert table["fip_norm_per_jaar"].strip() == str(cfg.fip_norm_per_jaar)
    assert table["fip_min_blootstelling_dagen"].strip() == str(cfg.fip_min_blootstelling_dagen)
    assert table["caseload_norm"].strip() == f"{cfg.caseload_norm:g}"
    assert table["norm_factor"].strip() == f"{cfg.norm_factor:.2f}".replace(".", ",")
    assert table["min_cell"].strip() == f"{cfg.min_cell}, {cfg.min_noemer}"
    assert ", ".join(f"`{r}`" for r in cfg.regelingen) == table["regelingen"].strip()
