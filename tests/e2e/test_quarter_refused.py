"""A quarter the delivery has no data on is refused before any work, with a Dutch message and exit 2."""

from __future__ import annotations

import pytest

from pipelines import cli


@pytest.mark.parametrize(
    ("kwartaal", "words"),
    [
        ("2014Q1", ["voor het begin van de gegevens", "2014Q4 tot en met 2024Q3"]),
        ("2025Q1", ["31-03-2025", "na de extractiedatum 15-10-2024"]),
    ],
)
def test_run_refuses_a_quarter_outside_the_delivery_before_validating(
    demo_export, tmp_path, capsys, kwartaal, words
):
    clean, out = tmp_path / "clean", tmp_path / "uit"
    code = cli.main(
        [
            "run",
            "--export",
            str(demo_export),
            "--kwartaal",
            kwartaal,
            "--out",
            str(out),
            "--clean-root",
            str(clean),
        ]
    )
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "run geweigerd voordat er iets draaide" in captured.err
    for word in words:
        assert word in captured.err
    assert "Kwartaalrun geslaagd" not in captured.out
    assert not clean.exists() and not out.exists(), "nothing validated, nothing written"


def test_kpi_refuses_a_quarter_outside_the_delivery(demo_clean, tmp_path, capsys):
    code = cli.main(
        ["kpi", "--clean", str(demo_clean), "--kwartaal", "2014Q1", "--out", str(tmp_path / "k.csv")]
    )
    err = capsys.readouterr().err
    assert code == 2 and "voor het begin van de gegevens" in err and "participatie kpi:" in err
    assert not (tmp_path / "k.csv").exists()
