"""Synthetic client register: writes the standard export (docs/synth.md).

Why: the suite needs realistic data for the demo, the tests and scale runs, and real client data
may never leave a municipality. The generator simulates benefit spells of households over decades
(`world`), keeps the households with history in the ten export years, and derives every other table
(perspectives, conversations, provisions, ZRM, rewards, staff) from those spells (`tables`, with the
Meedoen! pilot in `meedoen`). `formats` writes the physical variants, `faults` injects faulty rows,
`cli` is the `participatie synth` command. Presets (`presets`) are calibrated to public figures;
docs/synth.md states the targets and tolerances the tests hold them to.

Everything is vectorised numpy/polars (no per-person Python loops) and every random stage draws from
its own stream `default_rng([seed, stage])`, so the same seed and parameters always give
byte-identical files.
"""

from pipelines.synth.bsn import draw_bsns, elfproef
from pipelines.synth.cli import configure_parser, generate_export, main, write_export
from pipelines.synth.faults import FAULT_COLUMNS, inject_faults
from pipelines.synth.formats import FORMATS, XLSX_MAX_ROWS, Formaat, parse_formaat, render_text
from pipelines.synth.meedoen import target_groups
from pipelines.synth.presets import PRESETS, Preset, get_preset
from pipelines.synth.tables import generate_tables
from pipelines.synth.world import DEFAULT_EXTRACTIEDATUM, natural_size

__all__ = [
    "DEFAULT_EXTRACTIEDATUM",
    "FAULT_COLUMNS",
    "FORMATS",
    "PRESETS",
    "XLSX_MAX_ROWS",
    "Formaat",
    "Preset",
    "configure_parser",
    "draw_bsns",
    "elfproef",
    "generate_export",
    "generate_tables",
    "get_preset",
    "inject_faults",
    "main",
    "natural_size",
    "parse_formaat",
    "render_text",
    "target_groups",
    "write_export",
]
