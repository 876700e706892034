"""The keyed pseudonym: stable per key, different across keys, key file handling, masking."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat

import polars as pl
import pytest

from pipelines import errors
from pipelines.ingest import pseudonym
from pipelines.paths import ROOT


def test_pseudonym_is_keyed_stable_and_hex():
    series = pl.Series("bsn", ["111222333", None, "111222333", "123456782"])
    a = pseudonym.pseudonymise(series, b"sleutel-een-0123456789")
    b = pseudonym.pseudonymise(series, b"sleutel-een-0123456789")
    c = pseudonym.pseudonymise(series, b"sleutel-twee-0123456789")
    assert a.to_list() == b.to_list()
    assert a[0] == a[2] and a[1] is None and a[0] != a[3]
    assert a[0] != c[0]
    assert len(a[0]) == 64 and int(a[0], 16) >= 0
    assert "111222333" not in a[0]


@pytest.mark.parametrize("key", [b"sleutel-een-0123456789", b"k" * 64, "lang-\u00e9".encode() * 20])
def test_fast_hmac_is_the_standard_hmac(key):
    values = ["111222333", "123456782", "", "\u00e9\u00e9n", "x" * 200]
    expected = [hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest() for v in values]
    assert pseudonym.pseudonymise_values(values, key) == expected


def test_one_table_for_a_whole_delivery_gives_the_same_pseudonyms():
    key = b"sleutel-een-0123456789"
    personen = pl.Series("bsn", ["111222333", "123456782", None])
    uitkeringen = pl.Series("bsn", ["123456782", "123456782", "999999999", None])
    table = pseudonym.pseudonym_table([personen, uitkeringen], key)
    assert table.height == 3  # each distinct BSN once
    for series in (personen, uitkeringen):
        assert (
            pseudonym.pseudonymise(series, key, table).to_list()
            == pseudonym.pseudonymise(series, key).to_list()
        )


def test_key_from_environment(monkeypatch):
    monkeypatch.setenv(pseudonym.ENV_KEY, "omgevingssleutel-0123456789")
    assert pseudonym.load_key() == b"omgevingssleutel-0123456789"
    monkeypatch.setenv(pseudonym.ENV_KEY, "kort")
    with pytest.raises(pseudonym.PseudonymKeyError, match="te kort"):
        pseudonym.load_key()


def test_key_file_created_once_with_0600_and_notice(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv(pseudonym.ENV_KEY, raising=False)
    path = tmp_path / "conf" / "sleutel"
    monkeypatch.setenv(pseudonym.ENV_KEY_FILE, str(path))
    first = pseudonym.load_key()
    assert "nieuwe pseudonimiseringssleutel" in capsys.readouterr().err
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second = pseudonym.load_key()
    assert first == second
    assert capsys.readouterr().err == ""


def test_key_file_inside_repository_is_refused(monkeypatch):
    monkeypatch.delenv(pseudonym.ENV_KEY, raising=False)
    monkeypatch.setenv(pseudonym.ENV_KEY_FILE, str(ROOT / "sleutel"))
    with pytest.raises(pseudonym.PseudonymKeyError, match="repository"):
        pseudonym.load_key()
    assert not (ROOT / "sleutel").exists()


def test_fingerprint_does_not_reveal_the_key():
    key = b"geheime-sleutel-0123456789"
    fp = pseudonym.key_fingerprint(key)
    assert (
        len(fp) == 16 and fp == pseudonym.key_fingerprint(key) and fp != pseudonym.key_fingerprint(key + b"x")
    )
    assert key.decode() not in fp


def test_masking():
    assert pseudonym.mask_value("123456782") == "#########"
    assert pseudonym.mask_value(" 123456782 ") == " ######### "
    assert pseudonym.mask_value("0546") == "0546"
    assert pseudonym.mask_value(None) is None
    # every shape a BSN turns up in, anywhere in a text (the one rule of errors.mask_identifiers)
    assert (
        pseudonym.mask_value("'983938258' heeft niet de datumstijl") == "'#########' heeft niet de datumstijl"
    )
    assert pseudonym.mask_value("983938258,00") == "#########,00"
    assert pseudonym.mask_value("bsn 999 720 466.") == "bsn #########."
    assert pseudonym.mask_value("1234567890") == "1234567890"
    assert pseudonym.MASK == errors.MASK


def test_mask_expression_matches_mask_value():
    values = ["123456782", " 123456782 ", "0546", None, "1234567890", "12345678", "x 999-720-466 y"]
    got = pl.DataFrame({"waarde": values}).select(pseudonym.mask_expr("waarde"))["waarde"].to_list()
    assert got == [pseudonym.mask_value(v) for v in values]


def test_key_file_readable_by_others_is_refused_with_a_warning(monkeypatch, tmp_path, capsys):
    monkeypatch.delenv(pseudonym.ENV_KEY, raising=False)
    path = tmp_path / "sleutel"
    path.write_text("a" * 40 + "\n")
    monkeypatch.setenv(pseudonym.ENV_KEY_FILE, str(path))
    for mode in (0o644, 0o666, 0o640):
        path.chmod(mode)
        with pytest.raises(pseudonym.PseudonymKeyError, match="chmod 600"):
            pseudonym.load_key()
        assert "leesbaar voor anderen" in capsys.readouterr().err
    path.chmod(0o600)
    assert pseudonym.load_key() == b"a" * 40


def test_key_path_that_is_a_folder_or_cannot_be_created_is_a_dutch_input_error(monkeypatch, tmp_path):
    monkeypatch.delenv(pseudonym.ENV_KEY, raising=False)
    monkeypatch.setenv(pseudonym.ENV_KEY_FILE, str(tmp_path))
    with pytest.raises(pseudonym.PseudonymKeyError, match="is een map"):
        pseudonym.load_key()
    blocker = tmp_path / "geen-map"
    blocker.write_text("")
    monkeypatch.setenv(pseudonym.ENV_KEY_FILE, str(blocker / "conf" / "sleutel"))  # like an unwritable HOME
    with pytest.raises(pseudonym.PseudonymKeyError, match="kan niet worden aangemaakt"):
        pseudonym.load_key()
