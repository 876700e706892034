"""The charts' typeface: DejaVu Sans's own glyphs, every character our texts use, the same file each build."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from pipelines.paths import ROOT
from pipelines.report import charts, typeface

SYSTEM_DEJAVU = typeface.DEBIAN_DEJAVU / "DejaVuSans.ttf"
needs_system_dejavu = pytest.mark.skipif(
    not SYSTEM_DEJAVU.exists(), reason="DejaVu Sans is not installed here (Debian: fonts-dejavu-core)"
)


def _faces() -> list[Path]:
    return [typeface.FONT_DIR / name for name in typeface.FACES.values()]


def test_the_faces_carry_the_family_the_charts_ask_for_first():
    assert charts.house_config().to_dict()["font"].startswith(f"{typeface.FAMILY}, DejaVu Sans,")
    for path in _faces():
        assert TTFont(path)["name"].getBestFamilyName() == typeface.FAMILY
    assert (typeface.FONT_DIR / "LICENSE").read_text(encoding="utf-8").count("Bitstream Vera") >= 2


def test_every_character_of_our_own_texts_is_in_both_faces():
    """A character missing from the face is drawn from some other installed font, in another style."""
    sources = [*(ROOT / "pipelines").rglob("*.py"), *(ROOT / "notebooks").glob("*.ipynb")]
    used = set("€–—‘’“”…≤≥→×·°½é ëïöüáóúèàçñ")
    for path in sources:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = json.dumps(json.loads(text), ensure_ascii=False)
        used |= {c for c in text if ord(c) > 126 and c.isprintable() and c != "\ufeff"}
    for path in _faces():
        cmap = TTFont(path).getBestCmap()
        missing = sorted(c for c in used if ord(c) not in cmap)
        assert not missing, f"{path.name}: {missing}"


@needs_system_dejavu
def test_a_chart_in_the_bundled_face_is_the_png_drawn_with_the_systems_dejavu_sans():
    """Byte for byte: the subset keeps DejaVu Sans's outlines, spacing and kerning."""
    import polars as pl
    import vl_convert as vlc

    frame = pl.DataFrame(
        {
            "periode": ["2024 K1", "2024 K2", "2024 K3"],
            "waarde": [12.5, 14.25, 1234.5],
            "ci_laag": [10.0, 12.0, 1200.0],
            "ci_hoog": [15.0, 16.0, 1300.0],
            "onderdrukt": [None, None, None],
        }
    )
    chart = charts.trend_chart(
        frame, title="Uitstroom – ‘gemiddeld’ € ≥ 5 ë", y_title="Percentage", meerjarig=11.0, norm=12.1
    )
    bundled = charts.spec_of(chart)
    system = json.loads(json.dumps(bundled).replace(f"{typeface.FAMILY}, ", ""))
    assert system["config"]["font"] == "DejaVu Sans, Arial, sans-serif"
    svg, png = charts.draw(bundled)
    assert f'font-family="{typeface.FAMILY}' in svg
    system_png = vlc.svg_to_png(vlc.vegalite_to_svg(system, allowed_base_urls=[]), scale=2)
    assert hashlib.sha256(png).hexdigest() == hashlib.sha256(system_png).hexdigest()


@needs_system_dejavu
def test_the_committed_faces_are_what_the_build_makes_from_dejavu_sans(tmp_path):
    written = typeface.build(typeface.DEBIAN_DEJAVU, tmp_path)
    assert [p.name for p in written] == list(typeface.FACES.values())
    for path in written:
        assert path.read_bytes() == (typeface.FONT_DIR / path.name).read_bytes(), path.name


def test_the_faces_stay_small():
    """vl-convert reads the file again for nearly every glyph: a broader subset makes every chart slower
    (171 KB cost a quarter more chart time than these 68 KB; benchmarks/README.md, eighth round)."""
    for path in _faces():
        assert path.stat().st_size <= 80_000, path.name
