"""The charts' typeface: DejaVu Sans, shipped with the package as a subset that vl-convert reads fast.

vl-convert (its text layout, for SVG and for PNG) opens and maps the font file again for nearly every
glyph it measures or draws: about 1,700 times for each SVG or PNG of a chart. What that costs grows with
the file, so the subset is kept to what charts in Dutch need: the Latin script (Basic Latin to Latin
Extended-B, every European language written in Latin letters), general punctuation, currency signs, the
four arrows, the minus and the signs for about, unequal, at most and at least, numero and trade mark; no
hinting, which a renderer that draws outlines never uses. 68 KB against the system's 740 KB; the 40
notebook charts of the demo cost a quarter less than with the broader subset of the seventh round (171
KB, with Greek, Cyrillic and all mathematical signs; `benchmarks/README.md`, eighth round). The glyphs
are DejaVu Sans's own: a chart drawn with it is byte for byte the PNG drawn with the system's DejaVu
Sans (a test holds that where the system has it). It also makes the PNGs the same on every machine,
whatever fonts it has installed.

The face is named `DejaVu Sans Participatie` (`FAMILY`), first in the charts' font list; a viewer
without it (a browser, an SVG editor) takes the next: DejaVu Sans, Arial, sans-serif. A character
outside the subset is drawn from another installed font. The license (Bitstream Vera, DejaVu's
changes in the public domain) allows the subset and asks for its notice: `fonts/LICENSE`.

`python -m pipelines.report.typeface [FOLDER]` rebuilds the two files from DejaVuSans.ttf and
DejaVuSans-Bold.ttf in FOLDER (default: Debian's /usr/share/fonts/truetype/dejavu).
"""

from __future__ import annotations

import argparse
import functools
from pathlib import Path

FAMILY = "DejaVu Sans Participatie"
FONT_DIR = Path(__file__).parent / "fonts"
#: The source faces and the file each becomes.
FACES = {
    "DejaVuSans.ttf": "DejaVuSansParticipatie.ttf",
    "DejaVuSans-Bold.ttf": "DejaVuSansParticipatie-Bold.ttf",
}
#: Characters kept: Basic Latin to Latin Extended-B, general punctuation, currency, four arrows, minus,
#: about, unequal, at most, at least, numero, trade mark. Kept small on purpose (`test_the_faces_stay_small`).
UNICODES = "U+0000-024F,U+2000-206F,U+20A0-20CF,U+2190-2193,U+2212,U+2248,U+2260-2265,U+2116,U+2122"
DEBIAN_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@functools.cache
def register() -> None:
    """Make the face known to vl-convert in this process (once; a fraction of a millisecond)."""
    import vl_convert

    vl_convert.register_font_directory(str(FONT_DIR))


def build(source: Path, target: Path = FONT_DIR) -> list[Path]:
    """Subset and rename the DejaVu Sans faces in `source` into `target` (the same bytes every time)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]
    options.hinting = False
    options.drop_tables += ["FFTM"]
    options.name_IDs = ["*"]
    written = []
    for source_name, target_name in FACES.items():
        font = TTFont(source / source_name, recalcTimestamp=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
        subsetter.subset(font)
        for record in font["name"].names:
            text = record.toUnicode()
            renamed = text.replace("DejaVu Sans", FAMILY).replace("DejaVuSans", FAMILY.replace(" ", ""))
            if renamed != text:
                record.string = renamed
        path = target / target_name
        font.save(path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bouw het lettertype van de grafieken uit DejaVu Sans.")
    parser.add_argument("bron", nargs="?", type=Path, default=DEBIAN_DEJAVU, help="map met DejaVuSans.ttf")
    args = parser.parse_args(argv)
    for path in build(args.bron):
        print(f"geschreven: {path.name} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
