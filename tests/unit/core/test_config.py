"""The configuration is checked when it is loaded: every error names the file and the key."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines import cli
from pipelines.config import ConfigError, PilotParams, load_config, meedoen_params
from pipelines.errors import InputError


def _write(tmp_path, text: str):
    path = tmp_path / "org.yaml"
    path.write_text("organisatie: Test\n" + text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, key",
    [
        ("min_cell: vijf\n", "min_cell"),
        ("min_cell: 0\n", "min_cell"),
        ("min_noemer: 2.5\n", "min_noemer"),
        ("norm_factor: hoog\n", "norm_factor"),
        ("max_afwijzing_pct: 150\n", "max_afwijzing_pct"),
        ("max_afwijzing_pct: .nan\n", "max_afwijzing_pct"),
        ("gemeenten: [0534]\n", "gemeenten"),
        ("verdeelsleutel: {'0534': veel}\n", "verdeelsleutel.0534"),
        ("budget_per_perspectief: {2024: {werken: duur}}\n", "budget_per_perspectief.2024.werken"),
        ("programmas: {meedoen: {uren_per_client: veel}}\n", "programmas.meedoen.uren_per_client"),
        (
            "programmas: {meedoen: {ambitie_deelname_pct: [70, 60]}}\n",
            "programmas.meedoen.ambitie_deelname_pct",
        ),
        (
            "programmas: {meedoen: {peildatum_doelgroepen: 1 maart}}\n",
            "programmas.meedoen.peildatum_doelgroepen",
        ),
        ("programmas: {meedoen: {onbekend: 1}}\n", "programmas.meedoen"),
        ("programmas: {fietsplan: {a: 1}}\n", "programmas"),
        ("onzin: 1\n", "onbekende sleutel"),
    ],
)
def test_a_wrong_value_is_refused_naming_file_and_key(tmp_path, text, key):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value) and key in str(info.value)
    assert isinstance(info.value, InputError) and info.value.exit_code == 2


def test_yaml_that_does_not_parse_names_line_and_column(tmp_path):
    path = _write(tmp_path, "gemeenten: {0534: Hillegom\n")
    with pytest.raises(ConfigError, match=r"geen geldige YAML \(regel \d+, kolom \d+\)"):
        load_config(path)


def test_pilot_parameters_are_typed_when_loaded(tmp_path):
    path = _write(
        tmp_path, "programmas:\n  meedoen:\n    uren_per_client: 30\n    peildatum_doelgroepen: 2019-03-01\n"
    )
    config = load_config(path)
    params = meedoen_params(config.programmas["meedoen"])
    assert params.uren_per_client == 30.0 and params.peildatum_doelgroepen == dt.date(2019, 3, 1)
    assert params.ambitie_deelname_pct == PilotParams().ambitie_deelname_pct


def test_the_command_reports_a_bad_configuration_with_exit_2_and_no_traceback(demo_clean, tmp_path, capsys):
    path = _write(tmp_path, "min_cell: vijf\n")
    out = tmp_path / "kpis.csv"
    code = cli.main(
        ["kpi", "--clean", str(demo_clean), "--kwartaal", "2024Q3", "--config", str(path), "--out", str(out)]
    )
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert "Traceback" not in err and f"participatie kpi: {path}: min_cell: verwacht een geheel getal" in err
