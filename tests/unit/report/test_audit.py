"""The disclosure audit reads a publication as a reader would and finds every recomputable hidden cell."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines import disclosure
from pipelines.kpi.engine import KPIS_SCHEMA
from pipelines.kpi.registry import KINDS, KPI_CATALOGUE, disclosure_rules
from pipelines.report import audit, present
from pipelines.report.families.meedoen import published_overlap
from pipelines.report.html import markdown_html
from pipelines.report.notebook import markdown_table

B = dt.date(2024, 9, 30)
LKS = {"0534": 5.0, "0553": 4.0, "0575": 10.0, "1525": 6.0, "totaal": 25.0}


def _frame(values: dict[tuple[str, str, dt.date], float]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"kpi": k, "gemeentecode": g, "peildatum": d, "waarde": v, "teller": None, "noemer": None}
            | {"ci_laag": None, "ci_hoog": None, "n_jaren": None, "onderdrukt": None, "opmerking": None}
            for (k, g, d), v in values.items()
        ],
        schema=KPIS_SCHEMA,
    )


def _primary_only(kpis: pl.DataFrame) -> pl.DataFrame:
    """What the suite published before secondary suppression: small cells only."""
    frame = disclosure.add_onderdrukt(kpis, KINDS).rename({"onderdrukt": "reden"})
    return frame.with_columns(
        pl.struct("kpi", "waarde", "reden")
        .map_elements(
            lambda r: present.published_text(
                r["waarde"], KPI_CATALOGUE[r["kpi"]].unit, KPI_CATALOGUE[r["kpi"]].kind, r["reden"]
            ),
            return_dtype=pl.String,
        )
        .alias("tekst")
    )


def test_the_lisse_subtraction_is_found_in_a_primary_only_publication_and_not_after_protection():
    kpis = _frame({("lks_actief_n", g, B): v for g, v in LKS.items()})
    found = audit.audit_publication(_primary_only(kpis), KPI_CATALOGUE, disclosure_rules(), 5)
    assert [f["cel"] for f in found.findings] == ["lks_actief_n / 0553 / 2024-09-30"]
    assert found.as_manifest()["status"] == audit.STATUS_LEAK
    pub = present.publication_frame(kpis, KPI_CATALOGUE, 5, 10)
    assert dict(zip(pub["gemeentecode"], pub["tekst"], strict=True))["0534"] == "x"
    safe = audit.audit_publication(pub, KPI_CATALOGUE, disclosure_rules(), 5)
    assert safe.safe and safe.hidden == 2 and safe.relations == 1
    assert "4" not in str(safe.as_manifest())  # the manifest names no hidden value


def test_a_norm_flag_or_mean_shown_beside_a_hidden_year_is_found():
    years = [dt.date(2021, 9, 30), dt.date(2022, 9, 30), dt.date(2023, 9, 30), B]
    values = {("uitstroom_werk_pct", "totaal", y): 10.0 for y in years}
    values[("uitstroom_werk_pct_meerjarig", "totaal", B)] = 10.0
    values[("uitstroom_werk_norm", "totaal", B)] = 1.0
    kpis = _frame(values).with_columns(
        pl.when(pl.col("kpi") == "uitstroom_werk_pct").then(2.0).alias("teller"),  # 2 of 20: hidden
        pl.when(pl.col("kpi") == "uitstroom_werk_pct").then(20.0).alias("noemer"),
    )
    found = audit.audit_publication(_primary_only(kpis), KPI_CATALOGUE, disclosure_rules(), 5)
    cells = {f["cel"] for f in found.findings if f["soort"] == "afgeleid van een onderdrukt cijfer"}
    assert cells == {
        "uitstroom_werk_pct_meerjarig / totaal / 2024-09-30",
        "uitstroom_werk_norm / totaal / 2024-09-30",
    }
    pub = present.publication_frame(kpis, KPI_CATALOGUE, 5, 10)
    assert audit.audit_publication(pub, KPI_CATALOGUE, disclosure_rules(), 5).safe


def test_a_small_count_in_plain_sight_is_found():
    kpis = _frame({("bestand_n", "totaal", B): 3.0})
    pub = kpis.with_columns(pl.lit(None, pl.String).alias("reden"), pl.lit("3").alias("tekst"))
    found = audit.audit_publication(pub, KPI_CATALOGUE, disclosure_rules(), 5)
    assert found.findings == [{"soort": "klein aantal getoond", "cel": "bestand_n / totaal / 2024-09-30"}]


def _groups(combos: dict[str, int]) -> pl.DataFrame:
    """Persons with target-group flags: `combos` maps `1+3` to how many persons are in exactly those."""
    rows = []
    for combo, n in combos.items():
        members = set(combo.split("+"))
        for _ in range(n):
            rows.append({"gemeentecode": "0534"} | {f"groep_{i}": str(i) in members for i in range(1, 5)})
    frame = pl.DataFrame(rows)
    return frame.with_columns(
        pl.any_horizontal("groep_1", "groep_2", "groep_3", "groep_4").alias("doelgroep")
    )


def _published_overlap_page(table: pl.DataFrame) -> str:
    return markdown_html(markdown_table(table))


def _pub_for(groups: pl.DataFrame) -> pl.DataFrame:
    totals = {f"meedoen_doelgroep_{i}_n": float(groups[f"groep_{i}"].sum()) for i in range(1, 5)}
    totals["meedoen_doelgroep_n"] = float(groups["doelgroep"].sum())
    return present.publication_frame(
        _frame({(k, "totaal", B): v for k, v in totals.items()}), KPI_CATALOGUE, 5, 10
    )


@pytest.mark.parametrize("protected", [False, True])
def test_the_overlap_table_pins_a_combination_unless_protected(protected):
    groups = _groups({"1": 30, "2": 20, "3": 12, "1+3": 1, "2+3": 6})
    if protected:
        table = published_overlap(groups, 5)
    else:  # the table as it was: small counts masked, nothing else
        table = published_overlap(groups, 5).with_columns(
            pl.Series("Personen", ["30", "20", "12", "6", "<5"], dtype=pl.String)
        )
    tables = audit.page_tables(_published_overlap_page(table))
    assert tables[0][0] == list(audit.OVERLAP_HEADER)
    found = audit.audit_publication(_pub_for(groups), KPI_CATALOGUE, disclosure_rules(), 5, tables)
    assert found.tables == 1
    if protected:
        assert found.safe, found.findings
        assert "x" in table.get_column("Personen").to_list()
    else:
        assert [f["cel"] for f in found.findings] == ["overlap / 1+3"]


def test_the_cells_audited_ahead_are_completed_by_the_pages_tables_without_being_changed():
    """A run audits the cells while the notebooks write the pages, and the pages' tables at the end."""
    groups = _groups({"1": 30, "2": 20, "3": 12, "1+3": 1, "2+3": 6})
    leaky = published_overlap(groups, 5).with_columns(
        pl.Series("Personen", ["30", "20", "12", "6", "<5"], dtype=pl.String)
    )
    tables = audit.page_tables(_published_overlap_page(leaky))
    cells = audit.audit_cells(_pub_for(groups), KPI_CATALOGUE, disclosure_rules(), 5)
    before = (cells.result.cells, cells.result.hidden, cells.result.relations, list(cells.result.findings))
    found = audit.audit_tables(cells, 5, tables)
    assert [f["cel"] for f in found.findings] == ["overlap / 1+3"]
    assert found.tables == 1 and found.hidden > cells.result.hidden
    assert (cells.result.cells, cells.result.hidden, cells.result.relations, cells.result.findings) == before
    assert audit.audit_tables(cells, 5, tables) == found
    assert found == audit.audit_publication(_pub_for(groups), KPI_CATALOGUE, disclosure_rules(), 5, tables)
