"""`participatie kpi --clean DIR --kwartaal 2024Q3 [--config org.yaml] [--out kpis.csv]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.clean import load_clean
from pipelines.config import config_for
from pipelines.kpi.engine import RESEARCH_TABLES, compute_kpis, write_kpis_csv, write_research_tables
from pipelines.periods import check_quarter
from pipelines.text import format_date, format_nl


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--clean", required=True, type=Path, help="map met schone data (data_clean/<org>/<datum>/)"
    )
    parser.add_argument(
        "--kwartaal",
        required=True,
        action="append",
        help="kwartaal, bijvoorbeeld 2024Q3 (mag vaker worden opgegeven)",
    )
    parser.add_argument("--config", type=Path, default=None, help="configuratie van de organisatie (YAML)")
    parser.add_argument("--out", type=Path, default=None, help="uitvoerbestand (standaard <clean>/kpis.csv)")


def main(args: argparse.Namespace) -> int:
    data = load_clean(args.clean)
    dates = [check_quarter(k, data.gegevens_vanaf, data.extractiedatum) for k in args.kwartaal]
    codes = data.get("personen").get_column("gemeentecode").unique().to_list()
    config = config_for(data.organisatie, args.config, gemeentecodes=codes)
    kpis = compute_kpis(data, config, dates)
    out = write_kpis_csv(kpis, args.out or (Path(args.clean) / "kpis.csv"))
    missing = write_research_tables(out.parent, data, config, max(dates))
    available = kpis.filter(kpis["waarde"].is_not_null()).height
    print(
        f"{format_nl(kpis.height)} kengetallen ({format_nl(available)} beschikbaar) voor {data.organisatie}, "
        f"peildatum {', '.join(format_date(d) for d in dates)}: {out}"
    )
    for name in RESEARCH_TABLES:
        where = f"niet gemaakt ({missing[name]})" if name in missing else str(out.parent / name)
        print(f"  {name} (peildatum {format_date(max(dates))}): {where}")
    return 0
