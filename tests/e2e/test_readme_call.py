"""The README promises analysts the clean data "met één aanroep": the call it shows works as written."""

from __future__ import annotations

import re

import polars as pl

from pipelines.paths import ROOT


def _readme_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## De schone data in één aanroep", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_call_loads_a_delivery(demo_clean, tmp_path, monkeypatch, capsys):
    code = _readme_block()
    folder = re.search(r'load_clean\("([^"]+)"\)', code).group(1)
    target = tmp_path / folder
    target.parent.mkdir(parents=True)
    target.symlink_to(demo_clean, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert isinstance(scope["personen"], pl.DataFrame) and scope["personen"].height > 100
    assert isinstance(scope["uitkeringen"], pl.DataFrame) and scope["uitkeringen"].height > 100
    assert "persoon" in scope["personen"].columns and "bsn" not in scope["personen"].columns
    printed = capsys.readouterr().out
    assert "ISD Bollenstreek" in printed and "uitkeringen" in printed
