"""--fouten: realistic faults in a share of the rows of every table, each listed with its line and rule."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.schema import TABLE_ORDER
from pipelines.synth.bsn import draw_bsns
from pipelines.synth.common import stream

FAULT_COLUMNS = ("tabel", "bestand", "regel", "kolom", "controle", "omschrijving")
_UNKNOWN_CODE = {
    "geslacht": "X",
    "leefvorm": "7",
    "perspectief": "werk",
    "soort_inkomsten": "77",
    "soort": "bezoek",
    "domein": "werk",
    "functie": "teamleider",
}
# table -> fault kinds that can be injected there: (controle, column)
_FAULTS: dict[str, tuple[tuple[str, str], ...]] = {
    "personen": (("elfproef", "bsn"), ("dubbel", "")),
    "uitkeringen": (
        ("datumvolgorde", "einddatum"),
        ("codelijst", "leefvorm"),
        ("verplicht", "regeling"),
        ("onbekende_persoon", "bsn"),
        ("dubbel", ""),
    ),
    "inkomsten": (
        ("codelijst", "soort_inkomsten"),
        ("verplicht", "bedrag"),
        ("onbekende_persoon", "bsn"),
        ("dubbel", ""),
    ),
    "klantbeeld": (
        ("datumvolgorde", "einddatum"),
        ("codelijst", "perspectief"),
        ("verplicht", "perspectief"),
        ("onbekende_persoon", "bsn"),
        ("dubbel", ""),
    ),
    "contactmomenten": (
        ("codelijst", "soort"),
        ("verplicht", "datum"),
        ("onbekende_persoon", "bsn"),
        ("dubbel", ""),
    ),
    "voorzieningen": (
        ("datumvolgorde", "einddatum"),
        ("codelijst", "soort"),
        ("verplicht", "begindatum"),
        ("onbekende_persoon", "bsn"),
        ("dubbel", ""),
    ),
    "zrm": (("codelijst", "domein"), ("verplicht", "score"), ("onbekende_persoon", "bsn"), ("dubbel", "")),
    "beloningen": (("verplicht", "datum"), ("onbekende_persoon", "bsn"), ("dubbel", "")),
    "medewerkers": (("codelijst", "functie"), ("dubbel", "")),
}
_DESCRIPTIONS = {
    "elfproef": "BSN met een fout controlecijfer",
    "datumvolgorde": "einddatum voor de begindatum gezet",
    "codelijst": "onbekende code {value!r} in {column}",
    "verplicht": "verplichte waarde {column} leeggemaakt",
    "onbekende_persoon": "geldig BSN dat niet in personen voorkomt",
    "dubbel": "exacte herhaling van regel {original}",
    "afgewezen_persoon": (
        "persoon afgewezen: BSN met fout controlecijfer overgenomen uit personen regel {original}"
    ),
}


def _eligible(table: str, frame: pl.DataFrame, kind: str, column: str) -> np.ndarray:
    """Rows where a fault of this kind breaks exactly its own rule and nothing else."""
    if kind == "datumvolgorde":
        return frame["einddatum"].is_not_null().to_numpy()
    if table == "voorzieningen" and kind == "codelijst":
        # an unknown soort must not also trip the LKS, employer or jobcoach field rules
        return (
            frame.select(
                pl.col("werkgever_kvk").is_null()
                & pl.col("jobcoach_regime").is_null()
                & pl.col("loonwaarde_pct").is_null()
            )
            .to_series()
            .to_numpy()
        )
    if table == "medewerkers" and kind == "codelijst":
        return (frame["functie"] != "klantmanager").to_numpy()  # persons keep a valid klantmanager
    return np.ones(frame.height, bool)


def inject_faults(
    tables: dict[str, pl.DataFrame], pct: float, seed: int
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Give round(pct % of rows) rows per table exactly one realistic fault; return the list of faults.

    Positions are final row indices (0-based, before the header); `_lines` turns them into lines.
    """
    rng = stream(seed, 100)
    out = dict(tables)
    records: list[tuple[str, int, str, str, str]] = []  # table, row, kolom, controle, omschrijving
    bsn_counts = pl.concat(
        [out[t].select("bsn") for t in TABLE_ORDER if t != "personen" and "bsn" in out[t].columns]
    )
    bsn_counts = bsn_counts.group_by("bsn").len()
    used_bsn = set(out["personen"]["bsn"].to_list())
    blocked: set[str] = set()  # persons whose rows are all rejected already (elfproef)

    # personen first: a bad check digit is carried into every table, as a mistyped BSN would be
    pers = out["personen"]
    n_faults = round(pers.height * pct / 100)
    if n_faults:
        n_elf = max(1, n_faults // 2) if pers.height > 1 else 0
        counts = (
            pers.select("bsn").join(bsn_counts, on="bsn", how="left").with_columns(pl.col("len").fill_null(0))
        )
        order = np.lexsort((rng.random(pers.height), counts["len"].to_numpy()))
        elf_rows = np.sort(order[:n_elf])
        rest = np.setdiff1d(np.arange(pers.height), elf_rows)
        dup_rows = np.sort(rng.choice(rest, size=min(n_faults - n_elf, len(rest)), replace=False))
        mapping = {}
        for r in elf_rows.tolist():
            good = pers["bsn"][r]
            bad = good[:8] + str((int(good[8]) + 1) % 10)
            mapping[good] = bad
            blocked.add(bad)
            records.append(("personen", r, "bsn", "elfproef", _DESCRIPTIONS["elfproef"]))
        for name in TABLE_ORDER:
            if "bsn" in out[name].columns:
                out[name] = out[name].with_columns(pl.col("bsn").replace(mapping))
        out["personen"] = _duplicate(out["personen"], dup_rows)
        records = _shift(records, "personen", dup_rows)
        records += [
            (
                "personen",
                int(r + 1 + i),
                "",
                "dubbel",
                _DESCRIPTIONS["dubbel"].format(original=int(r + i) + 2),
            )
            for i, r in enumerate(dup_rows)
        ]
        elf_lines = {mapping[pers["bsn"][r]]: _position(dup_rows, r) + 2 for r in elf_rows.tolist()}
        for name in TABLE_ORDER:
            if name != "personen" and "bsn" in out[name].columns:
                hit = out[name]["bsn"].is_in(list(blocked)).to_numpy()
                for r in np.flatnonzero(hit).tolist():
                    line = elf_lines[out[name]["bsn"][r]]
                    records.append(
                        (
                            name,
                            r,
                            "bsn",
                            "afgewezen_persoon",
                            _DESCRIPTIONS["afgewezen_persoon"].format(original=line),
                        )
                    )

    extra_bsn = iter(b for b in draw_bsns(stream(seed, 101), len(used_bsn) + 5000) if b not in used_bsn)
    for name, kinds in _FAULTS.items():
        if name == "personen":
            continue
        frame = out[name]
        n_faults = round(frame.height * pct / 100)
        if not n_faults:
            continue
        free = (
            ~frame["bsn"].is_in(list(blocked)).to_numpy()
            if "bsn" in frame.columns
            else np.ones(frame.height, bool)
        )
        rows = np.sort(rng.choice(np.flatnonzero(free), size=min(n_faults, int(free.sum())), replace=False))
        options = np.stack([_eligible(name, frame, k, c)[rows] for k, c in kinds], axis=1)
        # a random eligible kind per row
        choice = np.argmax(np.where(options, rng.random(options.shape), -1.0), axis=1)
        updates: dict[str, list] = {}
        for idx, (kind, column) in enumerate(kinds):
            sel = rows[choice == idx]
            if not len(sel) or kind == "dubbel":
                continue
            if kind == "datumvolgorde":
                start_col = {"uitkeringen": "aanvangsdatum", "klantbeeld": "ingangsdatum"}.get(
                    name, "begindatum"
                )
                start = frame[start_col].gather(sel)
                values = (
                    start - pl.Series([dt.timedelta(days=int(d)) for d in rng.integers(1, 60, len(sel))])
                ).to_list()
            elif kind == "codelijst":
                values = [_UNKNOWN_CODE[column]] * len(sel)
            elif kind == "verplicht":
                values = [None] * len(sel)
            else:  # onbekende_persoon
                values = [next(extra_bsn) for _ in sel]
            updates.setdefault(column, []).append((sel, values))
            desc = _DESCRIPTIONS[kind].format(value=_UNKNOWN_CODE.get(column), column=column, original=0)
            records += [(name, int(r), column, kind, desc) for r in sel]
        for column, parts in updates.items():
            series = frame[column]
            for sel, values in parts:
                series = series.scatter(sel, pl.Series(values, dtype=series.dtype))
            frame = frame.with_columns(series.alias(column))
        dup_rows = (
            rows[np.array([kinds[c][0] == "dubbel" for c in choice], dtype=bool)] if len(rows) else rows
        )
        out[name] = _duplicate(frame, dup_rows)
        records = _shift(records, name, dup_rows)
        records += [
            (name, int(r + 1 + i), "", "dubbel", _DESCRIPTIONS["dubbel"].format(original=int(r + i) + 2))
            for i, r in enumerate(dup_rows)
        ]
    faults = pl.DataFrame(
        records,
        schema={
            "tabel": pl.String,
            "_rij": pl.Int64,
            "kolom": pl.String,
            "controle": pl.String,
            "omschrijving": pl.String,
        },
        orient="row",
    )
    return out, faults


def _position(dup_rows: np.ndarray, row: int) -> int:
    """Final index of original row `row` after the repeats of `dup_rows` were inserted."""
    return int(row + np.searchsorted(dup_rows, row, side="left"))


def _shift(records, table: str, dup_rows: np.ndarray):
    """Move the recorded rows of `table` to their index after duplicates were inserted."""
    if not len(dup_rows):
        return records
    return [(t, _position(dup_rows, r) if t == table else r, *rest) for t, r, *rest in records]


def _duplicate(frame: pl.DataFrame, rows: np.ndarray) -> pl.DataFrame:
    """Insert an exact copy of each row in `rows` right after it (as a double export would)."""
    if not len(rows):
        return frame
    counts = np.ones(frame.height, dtype=np.int64)
    counts[rows] = 2
    return frame[np.repeat(np.arange(frame.height), counts)]
