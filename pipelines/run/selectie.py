"""`participatie meedoen-selectie`: the coaches' selection list of the Meedoen! target groups.

Pseudonymised and for internal use only: it names persons, so it is never part of a bundle.
"""

from __future__ import annotations

import argparse

from pipelines.clean import load_clean
from pipelines.config import config_for
from pipelines.errors import InputError
from pipelines.kpi.base import Context, Unavailable
from pipelines.kpi.meedoen import groups_for, pilot_params, write_selection_list


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--clean", required=True, help="map met schone data van een levering (data_clean/<org>/<datum>/)"
    )
    parser.add_argument("--out", required=True, help="interne map (niet de gepubliceerde rapportmap)")
    parser.add_argument(
        "--config", default=None, help="configuratie van de organisatie (standaard: meegeleverd)"
    )


def main(args: argparse.Namespace) -> int:
    """The coaches' selection list of the target groups (pseudonymised, internal use only)."""
    data = load_clean(args.clean)
    config = config_for(data.organisatie, args.config)
    ctx = Context.build(data, config)
    try:
        groups, ref = groups_for(ctx, pilot_params(config))
    except Unavailable as exc:
        raise InputError(str(exc)) from exc
    path = write_selection_list(groups, args.out)
    print(f"selectielijst doelgroepen per {ref.isoformat()} (intern gebruik): {path}")
    return 0
