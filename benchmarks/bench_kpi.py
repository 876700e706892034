"""Benchmark: `compute_kpis` for one quarter at scale, next to a plain pandas implementation.

    .venv/bin/python benchmarks/bench_kpi.py [--personen 500000] [--bron direct|synth] [--seed 1]

Work: a clean delivery of N persons with 10 years of history (every table). `--bron synth` makes it
the way a user would (`pipelines.synth.generate_export` then `pipelines.ingest.deliver.ingest_export`);
`--bron direct` (default) builds the clean tables straight away with a vectorised numpy generator of
the same shape, so the benchmark measures the KPI engine and not the ingest.

Measured, each in a fresh child process so peak memory (ru_maxrss) belongs to one side only:
- polars: `compute_kpis(data, config, peildatum)` for the families of kpis.md (all municipalities);
- pandas: `benchmarks/pandas_reference.py` on the same tables (converted before timing starts).
Then both results are compared figure by figure and the time and memory ratios printed.
Performance is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from machine import load_text, peak_mib  # noqa: E402

from pipelines.clean import CleanData, load_clean  # noqa: E402
from pipelines.config import OrgConfig  # noqa: E402
from pipelines.schema import clean_schema  # noqa: E402

EXTRACTIE = dt.date(2024, 10, 15)
VANAF = dt.date(2014, 10, 15)
PEILDATUM = dt.date(2024, 9, 30)
GEMEENTEN = {"0534": 0.1854, "0553": 0.1877, "0575": 0.3526, "1525": 0.2743}
EPOCH = dt.date(1970, 1, 1)


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


def _dates(days: np.ndarray, null: np.ndarray | None = None) -> pl.Series:
    s = pl.Series(days.astype(np.int32)).cast(pl.Date)
    if null is not None:
        s = pl.select(pl.when(pl.Series(null)).then(None).otherwise(s)).to_series()
    return s


def _strs(values: np.ndarray, keep: np.ndarray) -> pl.Series:
    """Strings with null where `keep` is False."""
    return pl.select(pl.when(pl.Series(keep)).then(pl.Series(values.astype(str)))).to_series()


def _ids(prefix: str, n: int) -> pl.Series:
    return pl.select(
        pl.format(prefix + "{}", pl.int_range(0, n, dtype=pl.Int64).cast(pl.String).str.zfill(8))
    ).to_series()


def generate_clean(n: int, seed: int = 1) -> CleanData:
    """Clean tables of `n` persons with 10 years of history, vectorised (no per-person loops)."""
    rng = np.random.default_rng(seed)
    e, v = _days(EXTRACTIE), _days(VANAF)
    persoon = _ids("P", n)
    codes = np.array(list(GEMEENTEN))
    gem = codes[rng.choice(len(codes), n, p=np.array(list(GEMEENTEN.values())))]
    n_km = max(2, n // 60)
    personen = pl.DataFrame(
        {
            "persoon": persoon,
            "geboortedatum": _dates(rng.integers(_days(dt.date(1950, 1, 1)), _days(dt.date(2004, 1, 1)), n)),
            "geslacht": rng.choice(["1", "2"], n),
            "gemeentecode": gem,
            "statushouder": rng.random(n) < 0.06,
            "doelgroepregister": rng.random(n) < 0.04,
            "kinderen_ten_laste": rng.poisson(0.8, n),
            "klantmanager": pl.Series(np.char.add("KM", rng.integers(0, n_km, n).astype(str))),
        }
    )
    # benefit periods: 1-3 per person, some re-entries within a month
    k = rng.choice([1, 2, 3], n, p=[0.6, 0.3, 0.1])
    pid = np.repeat(np.arange(n), k)
    m = len(pid)
    first = rng.integers(v - 8 * 365, e - 30, n)
    rank = np.arange(m) - np.repeat(np.cumsum(k) - k, k)
    dur = rng.exponential(900, m).astype(np.int64) + 30
    gap = np.where(rng.random(m) < 0.3, rng.integers(1, 45, m), rng.integers(60, 900, m))
    start = np.repeat(first, k).astype(np.int64)
    end = start + dur
    for r in (1, 2):  # later periods start after the previous one ended plus a gap
        idx = np.nonzero(rank == r)[0]
        start[idx] = end[idx - 1] + gap[idx]
        end[idx] = start[idx] + dur[idx]
    keep = start < e
    pid, start, end, rank = pid[keep], start[keep], end[keep], rank[keep]
    m = len(pid)
    running = end >= e
    reasons = np.array(["11", "13", "14", "15", "19", "03", "02", "31", "32", "98"])
    reden = reasons[rng.choice(len(reasons), m, p=[0.22, 0.03, 0.12, 0.05, 0.05, 0.08, 0.1, 0.1, 0.1, 0.15])]
    regeling = np.array(["01", "02", "03", "11", "14"])[rng.choice(5, m, p=[0.86, 0.05, 0.02, 0.05, 0.02])]
    uitkeringen = pl.DataFrame(
        {
            "registratienummer": _ids("R", m),
            "persoon": persoon.gather(pid),
            "regeling": regeling,
            "leefvorm": rng.choice(["1", "2", "3", "4"], m, p=[0.55, 0.15, 0.25, 0.05]),
            "huisvesting": rng.choice(["1", "2", "3"], m),
            "aanvangsdatum": _dates(start),
            "einddatum": _dates(np.minimum(end, e), running),
            "reden_beeindiging": _strs(reden, ~running),
            "ontheffing": rng.choice(["2", "4", "5", "6"], m, p=[0.8, 0.1, 0.05, 0.05]),
        }
    ).with_columns(
        pl.when(pl.col("ontheffing") != "2")
        .then(pl.col("aanvangsdatum") + pl.duration(days=700))
        .alias("einddatum_ontheffing")
    )
    # couples: every 7th period shares the registratienummer of the period before
    share = np.arange(m) % 7 == 1
    regnr = uitkeringen["registratienummer"].to_numpy().copy()
    regnr[share] = regnr[np.nonzero(share)[0] - 1]
    uitkeringen = uitkeringen.with_columns(pl.Series("registratienummer", regnr))
    # part-time income: ~12 % of periods have 3-18 monthly rows of soort 11, plus other income rows
    w = np.nonzero(rng.random(m) < 0.12)[0]
    nm = rng.integers(3, 19, len(w))
    wp = np.repeat(w, nm)
    month0 = np.repeat(start[w], nm) + (np.arange(len(wp)) - np.repeat(np.cumsum(nm) - nm, nm)) * 30
    ok = month0 < e
    wp, month0 = wp[ok], month0[ok]
    maand = pl.select(_dates(month0).dt.truncate("1mo")).to_series()
    inkomsten = pl.DataFrame(
        {
            "persoon": persoon.gather(pid[wp]),
            "maand": maand,
            "soort_inkomsten": rng.choice(["11", "18", "23", "31"], len(wp), p=[0.8, 0.05, 0.1, 0.05]),
            "bedrag": rng.gamma(2, 300, len(wp)).round(2),
        }
    ).unique(subset=["persoon", "maand", "soort_inkomsten"], keep="first", maintain_order=True)
    # klantbeeld: two consecutive periods per person over their first benefit
    kb_start = first
    kb_mid = kb_start + rng.integers(90, 1500, n)
    p1 = rng.choice(["werken", "werken_aan", "meedoen"], n, p=[0.2, 0.55, 0.25])
    p2 = rng.choice(["werken", "werken_aan", "meedoen"], n, p=[0.15, 0.6, 0.25])
    kb_mid_ok = kb_mid < e
    klantbeeld = (
        pl.concat(
            [
                pl.DataFrame(
                    {
                        "persoon": persoon,
                        "ingangsdatum": _dates(kb_start),
                        "einddatum": _dates(np.minimum(kb_mid - 1, e), ~kb_mid_ok),
                        "perspectief": p1,
                    }
                ),
                pl.DataFrame(
                    {
                        "persoon": persoon,
                        "ingangsdatum": _dates(kb_mid),
                        "einddatum": _dates(kb_mid),
                        "perspectief": p2,
                    }
                )
                .filter(pl.Series(kb_mid_ok))
                .with_columns(pl.lit(None, pl.Date).alias("einddatum")),
            ]
        )
        .with_columns(
            pl.lit(1).cast(pl.Int64).alias("trede"),
            ((pl.col("perspectief") == "meedoen") & (pl.int_range(pl.len()) % 6 == 0)).alias(
                "duurzaam_vrijgesteld"
            ),
        )
        .select(list(clean_schema("klantbeeld")))
    )
    # FIP contacts: werken_aan clients, 0-9 a year over the last 3 years
    nf = rng.poisson(np.where(np.isin(p2, ["werken_aan"]) | np.isin(p1, ["werken_aan"]), 9, 1))
    fp = np.repeat(np.arange(n), nf)
    cdate = rng.integers(e - 3 * 365, e, len(fp))
    cdate = np.maximum(cdate, np.repeat(first, nf))
    ok = cdate <= e
    fp, cdate = fp[ok], cdate[ok]
    nc = len(fp)
    domains = np.array(
        ["financien", "werk_opleiding", "huisvesting", "gezondheid", "sociaal_netwerk", "dagbesteding"]
    )
    full = rng.random(nc) < 0.6
    all_six = pl.lit(pl.Series([list(domains)], dtype=pl.List(pl.String)))
    contactmomenten = (
        pl.DataFrame(
            {
                "contact_id": _ids("C", nc),
                "persoon": persoon.gather(fp),
                "datum": _dates(cdate),
                "soort": rng.choice(["fip", "telefonisch", "huisbezoek"], nc, p=[0.75, 0.2, 0.05]),
                "medewerker": pl.Series(np.char.add("KM", rng.integers(0, n_km, nc).astype(str))),
                "vervolgafspraak": rng.random(nc) < 0.7,
            }
        )
        .with_columns(
            pl.when(pl.Series(full))
            .then(all_six.first())
            .otherwise(all_six.first().list.head(3))
            .alias("leefgebieden")
        )
        .select(list(clean_schema("contactmomenten")))
    )
    # provisions: ~0.6 per person
    nv = int(n * 0.6)
    vp = rng.integers(0, n, nv)
    soorten = np.array(
        [
            "lks",
            "lks_forfaitair",
            "ontwikkelbaan",
            "jobcoach",
            "schuldhulpverlening",
            "ggz",
            "tegenprestatie",
            "vrijwilligerswerk",
            "training",
            "work_first",
        ]
    )
    soort = soorten[
        rng.choice(len(soorten), nv, p=[0.12, 0.03, 0.05, 0.08, 0.12, 0.05, 0.15, 0.1, 0.15, 0.15])
    ]
    vbeg = rng.integers(v - 2 * 365, e, nv)
    vend = vbeg + rng.integers(60, 2000, nv)
    lks = np.isin(soort, ["lks", "lks_forfaitair"])
    ws = rng.choice(["regulier", "overheid", "sw_bedrijf"], nv, p=[0.45, 0.1, 0.45])
    ind = np.where(
        ws == "sw_bedrijf",
        rng.choice(["banenafspraak", "beschut"], nv, p=[0.45, 0.55]),
        rng.choice(["banenafspraak", "geen"], nv),
    )
    emp = np.isin(soort, ["lks", "lks_forfaitair", "ontwikkelbaan"])
    voorzieningen = pl.DataFrame(
        {
            "voorziening_id": _ids("V", nv),
            "persoon": persoon.gather(vp),
            "soort": soort,
            "begindatum": _dates(vbeg),
            "einddatum": _dates(np.minimum(vend, e), vend >= e),
            "loonwaarde_pct": pl.Series(np.where(lks, rng.uniform(20, 95, nv).round(1), np.nan)).fill_nan(
                None
            ),
            "werkgever_soort": _strs(ws, emp),
            "indicatie": _strs(ind, lks),
        }
    )
    medewerkers = pl.DataFrame(
        {
            "medewerker": [f"KM{i}" for i in range(n_km)],
            "functie": ["klantmanager"] * n_km,
            "fte": rng.choice([0.5, 0.6, 0.8, 0.9, 1.0], n_km),
        }
    )
    raw = {
        "personen": personen,
        "uitkeringen": uitkeringen,
        "inkomsten": inkomsten,
        "klantbeeld": klantbeeld,
        "contactmomenten": contactmomenten,
        "voorzieningen": voorzieningen,
        "medewerkers": medewerkers,
    }
    tables = {}
    for name, frame in raw.items():
        schema = clean_schema(name)
        tables[name] = frame.select(
            [pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c) for c, t in schema.items()]
        )
    tables["levering"] = pl.DataFrame(
        {
            "organisatie": ["Benchmark"],
            "softwarepakket": ["gws"],
            "extractiedatum": [EXTRACTIE],
            "gegevens_vanaf": [VANAF],
        }
    )
    inwoners = pl.DataFrame(
        {
            "gemeentecode": list(GEMEENTEN),
            "jaar": [2024] * 4,
            "inwoners_18plus": [int(n * 40 * f) for f in GEMEENTEN.values()],
        }
    )
    return CleanData("Benchmark", EXTRACTIE, VANAF, tables, inwoners)


def save(data: CleanData, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in data.tables.items():
        frame.write_parquet(folder / f"{name}.parquet")
    data.inwoners.write_parquet(folder / "inwoners.parquet")


def _config(data: CleanData) -> OrgConfig:
    codes = sorted(data.get("personen")["gemeentecode"].unique().to_list())
    return OrgConfig(organisatie=data.organisatie, gemeenten={c: c for c in codes})


#: The families of docs/definities.md, which `pandas_reference.py` implements too (like against like;
#: the programme monitors of issue 6 are not in the reference).
REFERENCE_FAMILIES = ("uitstroom", "deeltijdwerk", "bestand", "lks", "fip", "caseload")


def _run_polars(folder: str, out: str) -> None:
    from pipelines.kpi.engine import compute_kpis

    data = load_clean(folder)
    config = _config(data)
    wall = float("inf")
    for _ in range(2):  # the best of two: the first call also pays one-off start-up (imports, thread pool)
        t0 = time.perf_counter()
        kpis = compute_kpis(data, config, PEILDATUM, families=REFERENCE_FAMILIES)
        wall = min(wall, time.perf_counter() - t0)
    values = {f"{r['kpi']}|{r['gemeentecode']}": r["waarde"] for r in kpis.iter_rows(named=True)}
    peak = peak_mib()
    wall_all = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        every = compute_kpis(data, config, PEILDATUM)
        wall_all = min(wall_all, time.perf_counter() - t0)
    # the series of a quarterly run: every quarter end whose window the delivery covers
    from pipelines.periods import series_peildata

    quarters = series_peildata(PEILDATUM, data.gegevens_vanaf)
    wall_series = cpu_series = float("inf")
    for _ in range(2):  # the best of two, as the single quarter above
        t0, c0 = time.perf_counter(), time.process_time()
        series = compute_kpis(data, config, quarters)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        if seconds < wall_series:
            wall_series, cpu_series = seconds, cpu
    peak_series = peak_mib()
    Path(out).write_text(
        json.dumps(
            {
                "wall": wall,
                "peak_mib": peak,
                "values": values,
                "wall_all": wall_all,
                "available_all": every.filter(every["waarde"].is_not_null()).height,
                "rows_all": every.height,
                "wall_series": wall_series,
                "cpu_series": cpu_series,
                "quarters": len(quarters),
                "rows_series": series.height,
                "peak_series_mib": peak_series,
                "families": _per_family(data, config, quarters),
            }
        )
    )


def _per_family(data: CleanData, config: OrgConfig, quarters: list) -> dict[str, tuple[float, float]]:
    """Per family the seconds of one quarter and of the series, each from an empty cache (what is shared
    between families, the merged spells, is built once beforehand): where the series costs more."""
    from pipelines.kpi import engine
    from pipelines.kpi.base import Context
    from pipelines.kpi.registry import KPI_FAMILIES

    ctx = Context.build(engine.with_person_ids(data), config)
    ctx.spells  # noqa: B018 - built once, as compute_kpis does for all families
    shared = {key: once for key, once in ctx._cache.items() if key == ("spells",)}
    out = {}
    for family in KPI_FAMILIES:
        seconds = []
        for dates in ([PEILDATUM], quarters):
            ctx._cache.clear()
            ctx._cache.update(shared)
            t0 = time.perf_counter()
            engine.family_series(ctx, family, dates)
            seconds.append(time.perf_counter() - t0)
        out[family] = (seconds[0], seconds[1])
    return out


def _run_load(folder: str, out: str) -> None:
    """Only load the clean tables (what `compute_kpis` starts from), for the engine's own memory."""
    data = load_clean(folder)
    peak = peak_mib()
    Path(out).write_text(json.dumps({"peak_mib": peak, "tabellen": len(data.tables)}))


def _run_pandas(folder: str, out: str) -> None:
    import pandas_reference

    data = load_clean(folder)
    config = _config(data)
    tables = {n: f.to_pandas() for n, f in data.tables.items()}
    del data
    t0 = time.perf_counter()
    res = pandas_reference.compute(
        tables, PEILDATUM, sorted(config.gemeenten), gegevens_vanaf=VANAF, caseload_norm=config.caseload_norm
    )
    wall = time.perf_counter() - t0
    values = {f"{k}|{g}": (None if v is None else float(v)) for (k, g), v in res.items()}
    peak = peak_mib()
    Path(out).write_text(json.dumps({"wall": wall, "peak_mib": peak, "values": values}))


def _child(target, folder: Path, tmp: Path, name: str) -> dict:
    out = tmp / f"{name}.json"
    proc = mp.get_context("spawn").Process(target=target, args=(str(folder), str(out)))
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise SystemExit(f"{name} faalde (exitcode {proc.exitcode})")
    return json.loads(out.read_text())


def compare(pol: dict, pan: dict) -> tuple[int, list[str]]:
    """Figures the pandas reference computes that differ from the engine (relative 1e-9)."""
    diffs = []
    for key, ref in pan.items():
        got = pol.get(key)
        if ref is None or got is None:
            if (ref is None) != (got is None):
                diffs.append(f"{key}: polars {got} pandas {ref}")
            continue
        if abs(got - ref) > 1e-9 * max(1.0, abs(ref)):
            diffs.append(f"{key}: polars {got} pandas {ref}")
    return len(pan), diffs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personen", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bron", choices=["direct", "synth"], default="direct")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_kpi_") as tmpdir:
        tmp = Path(tmpdir)
        t0 = time.perf_counter()
        if args.bron == "synth":
            from pipelines.ingest.deliver import ingest_export
            from pipelines.synth import generate_export

            export = generate_export(
                tmp / "export", organisatie="isd-bollenstreek", personen=args.personen, seed=args.seed
            )
            folder = ingest_export(export, clean_root=tmp / "clean").clean_dir
        else:
            folder = tmp / "clean"
            save(generate_clean(args.personen, args.seed), folder)
        prep = time.perf_counter() - t0
        sizes = {
            p.stem: pl.scan_parquet(p).select(pl.len()).collect().item()
            for p in sorted(folder.glob("*.parquet"))
        }
        print(f"werk: {args.personen} personen, bron {args.bron}, voorbereiding {prep:.1f} s")
        print("rijen: " + ", ".join(f"{k} {v}" for k, v in sizes.items()))
        print(f"machine: {platform.platform()}, {os.cpu_count()} cores, polars {pl.__version__}")
        base = _child(_run_load, folder, tmp, "laden")
        pol = _child(_run_polars, folder, tmp, "polars")
        pan = _child(_run_pandas, folder, tmp, "pandas")
    n, diffs = compare(pol["values"], pan["values"])
    print(
        f"alleen laden (polars): piek {base['peak_mib']:.0f} MiB; compute_kpis zelf dus ongeveer "
        f"{pol['peak_mib'] - base['peak_mib']:.0f} MiB extra"
    )
    print(
        f"polars compute_kpis: {pol['wall']:.2f} s, piek {pol['peak_mib']:.0f} MiB (incl. geladen "
        f"polars-tabellen)"
    )
    print(
        f"polars alle families (ook de programmamonitors): {pol['wall_all']:.2f} s, "
        f"{pol['rows_all']} rijen waarvan {pol['available_all']} met een waarde"
    )
    print(
        f"pandas referentie:   {pan['wall']:.2f} s, piek {pan['peak_mib']:.0f} MiB (incl. geladen tabellen, "
        "polars-kopie vrijgegeven na omzetten)"
    )
    print(
        f"load average tijdens de meting: {os.getloadavg()[0]:.1f} (bij meer dan {os.cpu_count()} is de "
        f"machine gedeeld)"
    )
    print(
        f"verhouding pandas/polars: tijd {pan['wall'] / pol['wall']:.1f}x, geheugen "
        f"{pan['peak_mib'] / pol['peak_mib']:.1f}x"
    )
    print(
        f"reeks van de kwartaalrun: {pol['quarters']} kwartalen, alle families: {pol['wall_series']:.2f} s "
        f"(CPU {pol['cpu_series']:.1f} s), {pol['rows_series']} rijen, "
        f"piek {pol['peak_series_mib']:.0f} MiB; "
        f"{pol['wall_series'] / pol['wall_all']:.1f}x de tijd van een kwartaal"
    )
    print("per familie, elk vanuit een lege cache: één kwartaal / de reeks (s)")
    for family, (one, whole) in pol["families"].items():
        print(f"  {family:14s} {one:6.2f} / {whole:6.2f}  ({whole / one if one else 0:.1f}x)")
    print(f"load average (1/5/15 min) aan het eind: {load_text()}")
    print(f"vergeleken: {n} cijfers, verschillen: {len(diffs)}")
    for d in diffs[:20]:
        print("  " + d)
    return 0 if not diffs else 1


if __name__ == "__main__":
    raise SystemExit(main())
