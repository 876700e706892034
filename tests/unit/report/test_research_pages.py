"""What the research pages draw: curves stop where fewer than min_cell are at risk; small cells hidden."""

import polars as pl

from pipelines.kpi.cohorten import COHORTEN_SCHEMA, CURVEN_SCHEMA
from pipelines.report.families import cohorten as page
from pipelines.report.families import overgangen


def _curve(rows):
    cols = ["cohort", "gemeentecode", "groep", "dag", "n_risico", "uitstroom", "gecensureerd", "overleving"]
    frame = pl.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])
    return frame.with_columns(
        pl.col("overleving").alias("ci_laag"),
        pl.col("overleving").alias("ci_hoog"),
        pl.lit(0.0).alias("werk_cum"),
    ).select([pl.col(c).cast(t) for c, t in CURVEN_SCHEMA.items()])


CURVES = _curve(
    [
        (2020, "totaal", "totaal", 10, 20, 2, 0, 0.9),
        (2020, "totaal", "totaal", 400, 8, 4, 0, 0.45),
        (2020, "totaal", "totaal", 700, 4, 1, 0, 0.3375),  # rests on 4 persons at risk: not drawn
    ]
)


def test_curve_starts_at_100_and_stops_before_too_few_at_risk():
    points = page.curve_points(CURVES, "totaal", "totaal", min_cell=5)
    assert points["waarde"][0] == 100.0 and points["dag"][0] == 0
    assert points["dag"].max() == 400 and points["waarde"].min() == 45.0
    at_day_14 = points.filter(pl.col("dag") == 14)["waarde"][0]
    assert at_day_14 == 90.0  # the step after day 10


def test_cohort_table_hides_what_rests_on_too_few():
    cohorten = pl.DataFrame(
        [
            {"cohort": 2020, "gemeentecode": "totaal", "groep": "totaal", "n": 20, "overleving_1j": 0.9,
             "overleving_2j": 0.3375, "overleving_5j": None, "mediane_duur_dagen": 400, "werk_cum_1j": 0.0,
             "werk_cum_2j": 0.0},
            {"cohort": 2021, "gemeentecode": "totaal", "groep": "totaal", "n": 3, "overleving_1j": 0.5,
             "overleving_2j": None, "overleving_5j": None, "mediane_duur_dagen": 100, "werk_cum_1j": 0.0,
             "werk_cum_2j": None},
        ],
        schema=COHORTEN_SCHEMA,
    )  # fmt: skip
    table = page.cohort_table(cohorten, CURVES, "totaal", min_cell=5)
    first, second = table.row(0, named=True), table.row(1, named=True)
    assert first["Na 1 jaar nog in de uitkering"] == "90,0 %"
    assert first["Na 2 jaar"] == "-"  # S(730) is the step of day 700, which rests on 4 at risk
    assert first["Na 5 jaar"] == "n.b." and first["Mediane duur (dagen)"] == "400"
    assert second["Instroom"] == "<5" and second["Na 1 jaar nog in de uitkering"] == "-"


def test_transition_matrix_masks_small_cells():
    frame = pl.DataFrame(
        {
            "gemeentecode": ["totaal"] * 3,
            "soort": ["perspectief"] * 3,
            "van": ["meedoen", "meedoen", "werken"],
            "naar": ["meedoen", "werken", "werken"],
            "aantal": [12, 3, 0],
        }
    )
    cells = overgangen.matrix(frame, "totaal", "perspectief", min_cell=5)
    assert cells["aantal"].to_list() == [12, None, 0]
    assert cells["van"].to_list() == ["Meedoen", "Meedoen", "Werken"]
