"""BSNs: valid elfproef, unique, from the synthetic range. The command: summary without BSNs."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest

from pipelines.cli import main as cli_main
from pipelines.errors import InputError
from pipelines.synth import draw_bsns, elfproef, generate_tables, natural_size
from pipelines.synth.world import _register_ratio


def test_elfproef_known_numbers():
    assert elfproef("111222333") and elfproef("123456782")
    assert not elfproef("123456781") and not elfproef("12345678") and not elfproef("12345678a")


def test_drawn_bsns_are_valid_unique_and_in_range():
    bsns = draw_bsns(np.random.default_rng(1), 20_000)
    assert len(set(bsns.tolist())) == 20_000
    assert all(b[:2] in ("98", "99") and len(b) == 9 and elfproef(b) for b in bsns.tolist())


def test_person_count_is_exact():
    for n in (50, 51, 333):
        assert generate_tables("isd-bollenstreek", personen=n, seed=8)["personen"].height == n


def test_natural_sizes_are_stable():
    slugs = ("isd-bollenstreek", "gemeente-leiden", "gemeente-pijnacker-nootdorp")
    sizes = {slug: natural_size(slug) for slug in slugs}
    assert sizes["gemeente-leiden"] > sizes["isd-bollenstreek"] > sizes["gemeente-pijnacker-nootdorp"]
    _register_ratio.cache_clear()  # recomputed from scratch, not read back from the cache
    assert sizes == {slug: natural_size(slug) for slug in slugs}


def test_cli_writes_and_prints_no_bsn(tmp_path, capsys):
    rc = cli_main(
        [
            "synth",
            "--organisatie",
            "gemeente-leiden",
            "--personen",
            "120",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
            "--formaat",
            "cbs",
            "--fouten",
            "2",
            "--extractiedatum",
            "2023-12-31",
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert re.search(r"personen +12[0-9] rijen", printed) and "Ingebouwde fouten" in printed
    bsns = pl.read_csv(tmp_path / "personen.csv", infer_schema=False, encoding="utf8")["bsn"].to_list()
    assert not any(b in printed for b in bsns)
    levering = pl.read_csv(tmp_path / "levering.csv", infer_schema=False, encoding="utf8")
    assert levering["extractiedatum"][0] == "20231231" and levering["gegevens_vanaf"][0] == "20131201"


def test_cli_refuses_unknown_format(tmp_path, capsys):
    rc = cli_main(
        [
            "synth",
            "--organisatie",
            "gemeente-leiden",
            "--personen",
            "60",
            "--out",
            str(tmp_path),
            "--formaat",
            "tab",
        ]
    )
    assert rc == 2
    assert "participatie synth: onbekend formaat" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--personen", "0"], "--personen moet minstens 1 zijn"),
        (["--fouten", "60"], "--fouten moet tussen 0 en 50"),
        (["--formaat", "komma,decimaalkomma"], "decimaalkomma gaat niet samen met komma"),
    ],
)
def test_cli_bad_parameters_exit_2_with_a_dutch_message(tmp_path, capsys, extra, message):
    rc = cli_main(["synth", "--organisatie", "isd-bollenstreek", "--out", str(tmp_path), *extra])
    assert rc == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "personen.csv").exists()


def test_unknown_organisation_is_an_input_error():
    with pytest.raises(InputError, match="onbekende organisatie 'gemeente-nergens'"):
        generate_tables("gemeente-nergens", personen=10)
