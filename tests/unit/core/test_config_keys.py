"""The configuration keys of the seed-fidelity changes: checked on load, errors name file and key, and a
configuration survives the round trip through the run's configuratie.yaml.
"""

from __future__ import annotations

import pytest
import yaml

from pipelines.config import ConfigError, config_for, load_config


def _load(tmp_path, body: str):
    path = tmp_path / "org.yaml"
    path.write_text("organisatie: X\n" + body, encoding="utf-8")
    return load_config(path)


@pytest.mark.parametrize(
    "body, message",
    [
        ("norm_basis: jaarlijks\n", r"org\.yaml: norm_basis: kies meerjarig of vast"),
        ("norm_basis: vast\n", r"norm_basis vast vraagt norm_basisjaren"),
        ("norm_basisjaren: [2016, negentien]\n", r"norm_basisjaren: verwacht een geheel getal"),
        ("norm_basisjaren: 2016\n", r"norm_basisjaren: verwacht een lijst van jaren"),
        ("caseload_eenheid: huishoudens\n", r"caseload_eenheid: kies personen of dossiers"),
        ("fip_perspectieven: [werken_aan, rust]\n", r"fip_perspectieven: onbekend perspectief rust"),
        ("fip_perspectieven: []\n", r"fip_perspectieven: verwacht een lijst van perspectieven"),
        ("budget_illustratief: misschien\n", r"budget_illustratief: verwacht true of false"),
        (
            "programmas:\n  meedoen:\n    voorstel:\n      begrotingsregels:\n"
            "        - {project: 1, fte: 1.1}\n",
            r"programmas\.meedoen\.voorstel\.begrotingsregels\[1\]: project en deelnemers zijn verplicht",
        ),
        (
            "programmas:\n  meedoen:\n    voorstel:\n      begrotingsregels:\n"
            "        - {project: 1, deelnemers: 57, fte: een}\n",
            r"begrotingsregels\[1\]\.fte: verwacht een getal",
        ),
        (
            "programmas:\n  meedoen:\n    doelgroep_regelingen: 01\n",
            r"programmas\.meedoen\.doelgroep_regelingen: verwacht een lijst van codes",
        ),
    ],
)
def test_bad_values_name_the_file_and_the_key(tmp_path, body, message):
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, body)


def test_defaults_follow_the_seeds(tmp_path):
    cfg = _load(tmp_path, "")
    assert cfg.norm_basis == "meerjarig" and cfg.norm_basisjaren == ()
    assert cfg.fip_perspectieven == ("werken_aan", "meedoen")  # the plan, section 7.3
    assert cfg.caseload_eenheid == "personen" and not cfg.budget_illustratief
    cfg = _load(tmp_path, "norm_basis: vast\nnorm_basisjaren: [2019, 2016, 2017, 2018, 2017]\n")
    assert cfg.norm_basisjaren == (2016, 2017, 2018, 2019)


@pytest.mark.parametrize("preset", ["ISD Bollenstreek", "Gemeente Leiden", "Gemeente Pijnacker-Nootdorp"])
def test_a_configuration_survives_the_runs_configuratie_yaml(tmp_path, preset):
    cfg = config_for(preset)
    path = tmp_path / "configuratie.yaml"
    path.write_text(yaml.safe_dump(cfg.as_dict(), sort_keys=True, allow_unicode=True), encoding="utf-8")
    assert load_config(path) == cfg
