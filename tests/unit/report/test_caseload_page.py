"""The case-load page stays readable and drawable at any number of klantmanagers."""

from __future__ import annotations

import polars as pl

from pipelines.config import OrgConfig
from pipelines.report import charts
from pipelines.report import notebook as nb
from pipelines.report.families import caseload as caseload_pagina


def _klantmanagers(ratios: list[float | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "medewerker": [f"KM{i:05d}" for i in range(len(ratios))],
            "fte": [1.0] * len(ratios),
            "klanten": [int(r) if r is not None else 0 for r in ratios],
            "klanten_per_fte": ratios,
        },
        schema={
            "medewerker": pl.String,
            "fte": pl.Float64,
            "klanten": pl.Int64,
            "klanten_per_fte": pl.Float64,
        },
    )


def test_distribution_counts_klantmanagers_per_class_by_hand():
    ratios = [5.0] * 6 + [49.9] * 7 + [50.0] * 8 + [120.0] * 9 + [3.0, None]
    out = caseload_pagina.caseload_distribution(_klantmanagers(ratios), OrgConfig(organisatie="X"))
    assert out.get_column("categorie").to_list() == caseload_pagina.caseload_classes()
    counts = dict(zip(out.get_column("categorie").to_list(), out.get_column("waarde").to_list(), strict=True))
    assert counts["0 tot 10"] == 7  # 6 x 5.0 and one 3.0; the klantmanager without a ratio is left out
    assert counts["40 tot 50"] == 7 and counts["50 tot 60"] == 8  # the norm of 50 is a class boundary
    assert counts["100 of meer"] == 9
    assert counts["10 tot 20"] == 0.0  # an empty class is shown as 0, not hidden


def test_distribution_suppresses_classes_of_one_to_four_klantmanagers():
    out = caseload_pagina.caseload_distribution(
        _klantmanagers([55.0] * 3 + [45.0] * 5), OrgConfig(organisatie="X")
    )
    row = out.filter(pl.col("categorie") == "50 tot 60").row(0, named=True)
    assert row["waarde"] is None and row["onderdrukt"] == "aantal_klein"
    # the page publishes the number of klantmanagers (8): beside a hidden 3 the 5 would give it away
    other = out.filter(pl.col("categorie") == "40 tot 50").row(0, named=True)
    assert other["waarde"] is None and other["onderdrukt"] == "secundair"
    assert out.filter(pl.col("categorie") == "0 tot 10").get_column("waarde").item() == 0.0


def test_few_klantmanagers_keep_one_anonymised_bar_each(small_clean):
    ctx = nb.prepare(str(small_clean), "2024Q3")
    view = caseload_pagina.caseload_view(ctx)
    assert view.per_klantmanager and view.frame.height == view.klantmanagers <= caseload_pagina.MAX_BARS
    assert view.frame.get_column("categorie")[0] == "Klantmanager A"


def test_thousands_of_klantmanagers_draw_a_dozen_bars(small_clean, tmp_path):
    ctx = nb.prepare(str(small_clean), "2024Q3")
    ratios = [float(i % 140) for i in range(5000)]
    frame = caseload_pagina.caseload_distribution(_klantmanagers(ratios), ctx.config)
    view = caseload_pagina.CaseloadView(frame, False, 5000, 2000, 69.5)
    chart = caseload_pagina.caseload_chart(ctx, view)
    spec = chart.to_dict()
    assert len(spec["data"]["values"]) == len(caseload_pagina.caseload_classes()) == 11
    assert "5.000 klantmanagers; mediaan 69,5" in " ".join(spec["title"]["subtitle"])
    files = charts.save_spec(spec, tmp_path / "caseload")
    assert all(p.stat().st_size > 0 for p in files)
