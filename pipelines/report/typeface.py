"""The charts' typeface: DejaVu Sans, shipped with the package as a subset that vl-convert reads fast.

vl-convert (its text layout, for SVG and for PNG) opens and maps the font file again for nearly every
glyph it measures or draws: about 1,000 times per chart. With a small file (this subset: the Latin,
Greek and Cyrillic alphabets, punctuation, currency, arrows and mathematical signs; no hinting, which a
renderer that draws outlines never uses; 171 KB against the system's 740 KB) a chart costs about a
quarter less (`benchmarks/README.md`, seventh round). The glyphs are DejaVu Sans's own: a chart drawn
with it is byte for byte the PNG drawn with the system's DejaVu Sans (a test holds that where the
system has it). It also makes the PNGs the same on every machine, whatever fonts it has installed.

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
#: Unicode blocks kept: Basic Latin to Latin Extended-B, combining marks, Greek, Cyrillic, Latin
#: Extended Additional, general punctuation, currency, letterlike, number forms, arrows, mathematical
#: operators, geometric shapes, Latin ligatures.
UNICODES = (
    "U+0000-024F,U+0300-036F,U+0370-03FF,U+0400-04FF,U+1E00-1EFF,U+2000-206F,U+20A0-20CF,"
    "U+2100-214F,U+2150-218F,U+2190-21FF,U+2200-22FF,U+25A0-25FF,U+FB00-FB06"
)
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
