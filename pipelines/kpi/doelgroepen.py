"""Target-group monitor: stock, outflow to work and participation per target group against the whole.

docs/definities.md: a target-group breakdown follows the same definitions on the
subset. Membership is fixed once per peildatum `b`, for everyone in `personen`, so the stock and the
outflow of a group concern the same people:
- `alleenstaande_ouder`: the person's current in-scope period (the one that started last on or before
  `b`, as `bestand.current_periods_each`) has `leefvorm` 2 - for someone who left in the window, the period
  they left from;
- `statushouder`, `doelgroepregister`: the person flags in `personen` (empty = no);
- `50plus`: aged 50 or more on `b` (`bestand.age_expr`);
- `alle`: everyone (the whole the groups are compared with);
- groups named in the configuration (`doelgroepen`): a condition on a `personen` column. They are
  shown in the notebook (`monitor_frame`), not in kpis.csv, whose catalogue is the same for every
  organisation.

Per group: persons in stock on `b`, outflow to work in the window (`uitstroom.flow_masks`, on
the group's spells) and the share of the stock with a participation provision running on `b`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import polars as pl

from pipelines.config import VASTE_DOELGROEPEN, Doelgroep, parse_doelgroep
from pipelines.disclosure import Rules, add_onderdrukt
from pipelines.kpi import registry
from pipelines.kpi.base import (
    GEMEENTE,
    PEILDATUM,
    Context,
    by_gemeente_masks,
    concat_rows,
    count_rows,
    dates_frame,
    pct_rows,
    per_peildatum,
)
from pipelines.kpi.bestand import current_periods_masks, first_day_aged
from pipelines.kpi.uitstroom import flow_masks
from pipelines.periods import window
from pipelines.schema import PERSON_COLUMN
from pipelines.spells import date_bit, date_position, mask_chunks, range_mask, running_mask
from pipelines.stats import wilson_exprs

#: The groups of the catalogue (every organisation, every run), `alle` first.
GROEPEN = VASTE_DOELGROEPEN
#: Dutch label of each fixed target group.
GROEP_LABELS: dict[str, str] = {
    "alle": "Alle klanten",
    "alleenstaande_ouder": "Alleenstaande ouders",
    "statushouder": "Statushouders",
    "50plus": "50 jaar of ouder",
    "doelgroepregister": "Doelgroepregister",
}
assert tuple(GROEP_LABELS) == VASTE_DOELGROEPEN
#: Provisions that count as taking part (participation rather than a route to paid work or care).
PARTICIPATIE = (
    "tegenprestatie",
    "vrijwilligerswerk",
    "dagbesteding",
    "participatieplaats",
    "werkervaringsplaats",
    "meedoen",
)
MEASURES = ("bestand_n", "uitstroom_werk_pct", "participatie_pct")


def kpi_id(groep: str, measure: str) -> str:
    return f"doelgroep_{groep}_{measure}"


def group_kpis(groepen=GROEPEN, measures=MEASURES) -> list[str]:
    return [kpi_id(g, m) for g in groepen for m in measures]


def group_label(groep: str) -> str:
    """Dutch label of a group (a configured one: its name in words)."""
    return GROEP_LABELS.get(groep) or groep.replace("_", " ").capitalize()


def condition_expr(groep: Doelgroep) -> pl.Expr:
    """A configured group as a polars condition; an empty cell is not a member."""
    col, value = pl.col(groep.kolom), groep.waarde
    if isinstance(value, bool):
        col = col.fill_null(False)  # an empty ja/nee cell counts as nee, as in the stock figures
    ops = {
        "=": col == value,
        "!=": col != value,
        ">": col > value,
        ">=": col >= value,
        "<": col < value,
        "<=": col <= value,
    }
    return ops[groep.op].fill_null(False)


def memberships(
    personen: pl.LazyFrame | pl.DataFrame,
    uitkeringen: pl.LazyFrame | pl.DataFrame,
    b: dt.date,
    regelingen=("01", "02", "03"),
    extra: dict[str, str] | None = None,
) -> pl.DataFrame:
    """One row per person of `personen`: `persoon` and a Boolean column per group, as of `b`.

    A person can be in several groups. `extra` holds configured groups (name -> condition).
    """
    persons = personen.lazy().select(PERSON_COLUMN, pl.lit(b, pl.Date).alias(PEILDATUM))
    return (
        with_memberships(persons, personen, uitkeringen, [b], regelingen, extra)
        .drop(PEILDATUM)
        .sort(PERSON_COLUMN)
        .collect()
    )


def with_memberships(
    frame: pl.LazyFrame | pl.DataFrame,
    personen: pl.LazyFrame | pl.DataFrame,
    uitkeringen: pl.LazyFrame | pl.DataFrame,
    peildata: list[dt.date],
    regelingen=("01", "02", "03"),
    extra: dict[str, str] | None = None,
) -> pl.LazyFrame:
    """`frame` (with `persoon` and `peildatum`) and a Boolean column per group: its person's membership as
    of its peildatum. A person missing from `personen` is only in `alle`. At most
    `pipelines.spells.MASK_DATES` peildata (`group_series` computes a longer series in parts).
    """
    return _Memberships(personen, uitkeringen, peildata, regelingen, extra).attach(frame)


class _Memberships:
    """What group membership is read from, prepared once for several frames of the same peildata.

    Each group is a date mask per person (`pipelines.spells.running_mask`): bit i is set when the person is
    in the group on the i-th peildatum. Only leefvorm 2 of the current period changes with the date besides
    age, and both are a range of dates: a series needs no frame of every person on every date.
    """

    def __init__(self, personen, uitkeringen, peildata: list[dt.date], regelingen, extra) -> None:
        self.dates = pl.Series(sorted(set(peildata)), dtype=pl.Date)
        self.configured = {n: condition_expr(parse_doelgroep(n, c)) for n, c in (extra or {}).items()}
        n = len(self.dates)
        every = range_mask(pl.lit(0, pl.UInt32), pl.lit(n, pl.UInt32))

        def flag(column: str) -> pl.Expr:
            return pl.when(pl.col(column).fill_null(False)).then(every).otherwise(pl.lit(0, pl.UInt64))

        single_parent = (
            current_periods_masks(uitkeringen, regelingen, peildata)
            .filter((pl.col("leefvorm") == "2") & (pl.col("_current") != 0))
            .group_by(PERSON_COLUMN)
            .agg(pl.col("_current").bitwise_or().alias("_alleenstaande_ouder"))
        )
        self.person = (
            personen.lazy()
            .select(
                PERSON_COLUMN,
                pl.col("statushouder").alias("_statushouder"),
                pl.col("doelgroepregister").alias("_doelgroepregister"),
                pl.col("geboortedatum").alias("_geboortedatum"),
                *(expr.alias(f"_{name}") for name, expr in self.configured.items()),
            )
            .join(single_parent, on=PERSON_COLUMN, how="left")
        )
        # on a frame joined with `person`; a person missing from `personen` is only in `alle`
        self.aged = date_position(self.dates, first_day_aged(pl.col("_geboortedatum"), 50))
        self.masks = {
            "alle": every,
            "alleenstaande_ouder": pl.col("_alleenstaande_ouder").fill_null(0),
            "statushouder": flag("_statushouder"),
            "50plus": range_mask(pl.col("_aged"), pl.lit(n, pl.UInt32)),  # no birth date: no range
            "doelgroepregister": flag("_doelgroepregister"),
            **{name: flag(f"_{name}") for name in self.configured},
        }
        self.helpers = self.person.collect_schema().names()[1:]

    def with_masks(self, frame: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
        """`frame` (with `persoon`) and the date mask of each group `g` of its person (`_in_<g>`)."""
        return (
            frame.lazy()
            .join(self.person, on=PERSON_COLUMN, how="left")
            .with_columns(self.aged.alias("_aged"))  # once: the masks below use it twice
            .with_columns(mask.alias(f"_in_{g}") for g, mask in self.masks.items())
            .drop(*self.helpers, "_aged")
        )

    def attach(self, frame: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
        """`frame` (with `persoon` and a `peildatum` of these peildata) and a Boolean column per group."""
        bit = date_bit(self.dates.to_list())
        return (
            self.with_masks(frame)
            .with_columns(((pl.col(f"_in_{g}") & bit) != 0).alias(g) for g in self.masks)
            .drop(f"_in_{g}" for g in self.masks)
        )


def _on(frame: pl.DataFrame, peildata: list[dt.date]) -> pl.DataFrame:
    """The rows of `frame` on the given peildata (a part computes only the dates its check accepts)."""
    return frame.join(dates_frame(peildata), on=PEILDATUM, how="semi")


def stock_parts(
    ctx: Context, peildata: list[dt.date], counts: pl.DataFrame, names: list[str]
) -> list[pl.DataFrame]:
    """`doelgroep_<g>_bestand_n` for each group (from `_group_counts`)."""
    return count_rows(_on(counts, peildata), {kpi_id(g, "bestand_n"): f"n_{g}" for g in names})


def outflow_parts(
    ctx: Context, peildata: list[dt.date], counts: pl.DataFrame, names: list[str]
) -> list[pl.DataFrame]:
    """`doelgroep_<g>_uitstroom_werk_pct`: `uitstroom_werk_pct` on the spells of the group's persons."""
    return pct_rows(
        _on(counts, peildata), {kpi_id(g, "uitstroom_werk_pct"): (f"w_{g}", f"d_{g}") for g in names}
    )


def participation_parts(
    ctx: Context, peildata: list[dt.date], counts: pl.DataFrame, names: list[str]
) -> list[pl.DataFrame]:
    """`doelgroep_<g>_participatie_pct`: stock persons with a `PARTICIPATIE` provision running on `b` /
    stock.
    """
    return pct_rows(
        _on(counts, peildata), {kpi_id(g, "participatie_pct"): (f"p_{g}", f"n_{g}") for g in names}
    )


def spell_masks(spells: pl.LazyFrame | pl.DataFrame, peildata: list[dt.date]) -> pl.LazyFrame:
    """Each merged spell on any of the peildata with its dates as date masks (`spells.running_mask`): in
    stock on `b` (`_stock`), in the D of the window ending on `b` (`_d`) and out to work in it (`_w`), as
    `uitstroom.flow_masks` gives the flows of the windows.
    """
    flows = flow_masks([window(b) for b in peildata])
    return (
        spells.lazy()
        .select(
            PERSON_COLUMN,
            "spell",
            GEMEENTE,
            running_mask(peildata).alias("_stock"),
            flows["noemer"].alias("_d"),
            flows["uitstroom_werk"].alias("_w"),
        )
        .filter((pl.col("_stock") != 0) | (pl.col("_d") != 0))
    )


def _group_counts(
    ctx: Context, peildata: list[dt.date], members: _Memberships, names: list[str]
) -> pl.DataFrame:
    """Per peildatum and municipality, per group: the stock (`n_<g>`), the flows' D and outflow to work
    (`d_<g>`, `w_<g>`) and, with `voorzieningen`, the stock with a `PARTICIPATIE` provision running on `b`
    (`p_<g>`).

    From the date masks of the spells (`spell_masks`) and of the groups: merged spells never overlap, so a
    person counts once per date; nothing has a row per person and date.
    """
    spells = members.with_masks(spell_masks(ctx.spells, peildata))
    masks: dict[str, pl.Expr] = {}
    for g in names:
        member = pl.col(f"_in_{g}")
        masks |= {
            f"n_{g}": pl.col("_stock") & member,
            f"d_{g}": pl.col("_d") & member,
            f"w_{g}": pl.col("_w") & member,
        }
    voorzieningen = ctx.data.tables.get("voorzieningen")
    if voorzieningen is not None:
        doing = (
            voorzieningen.lazy()
            .filter(pl.col("soort").is_in(PARTICIPATIE))
            .with_columns(running_mask(peildata, "begindatum", "einddatum").alias("_doet"))
            .filter(pl.col("_doet") != 0)
            .group_by(PERSON_COLUMN)
            .agg(pl.col("_doet").bitwise_or())
        )
        spells = spells.join(doing, on=PERSON_COLUMN, how="left")
        masks |= {
            f"p_{g}": pl.col("_stock") & pl.col(f"_in_{g}") & pl.col("_doet").fill_null(0) for g in names
        }
    return by_gemeente_masks(spells, masks, ctx.gemeenten, peildata)


def group_series(ctx: Context, peildata: list[dt.date], extra: dict[str, str] | None = None) -> pl.DataFrame:
    """The monitor's rows for the fixed groups (and `extra` configured ones) on every peildatum; each part
    guarded on its own, date by date.
    """
    return concat_rows([_group_series(ctx, dates, extra) for dates in mask_chunks(peildata)], dated=True)


def _group_series(ctx: Context, peildata: list[dt.date], extra: dict[str, str] | None) -> pl.DataFrame:
    names = list(GROEPEN) + list(extra or {})
    members = _Memberships(
        ctx.data.get("personen"), ctx.data.get("uitkeringen"), peildata, ctx.config.regelingen, extra
    )
    counts = _group_counts(ctx, peildata, members, names)

    def needs_provisions(b: dt.date) -> object:
        return ctx.table("voorzieningen"), ctx.check_peildatum(b)

    parts = []
    for measure, compute, check in (
        ("bestand_n", partial(stock_parts, ctx, counts=counts, names=names), ctx.check_peildatum),
        ("uitstroom_werk_pct", partial(outflow_parts, ctx, counts=counts, names=names), ctx.check_window),
        ("participatie_pct", partial(participation_parts, ctx, counts=counts, names=names), needs_provisions),
    ):
        parts.append(per_peildatum(group_kpis(names, [measure]), ctx.gemeenten, peildata, check, compute))
    return concat_rows(parts, dated=True)


def group_rows(ctx: Context, b: dt.date, extra: dict[str, str] | None = None) -> list[pl.DataFrame]:
    """The monitor's rows on `b` (`group_series` for one date)."""
    return [group_series(ctx, [b], extra).drop(PEILDATUM)]


def doelgroepen_series(ctx: Context, peildata: list[dt.date]) -> pl.DataFrame:
    """The `doelgroepen` family of the engine: the fixed groups only (the catalogue is static)."""
    return group_series(ctx, peildata)


def monitor_frame(data, config, peildata: list[dt.date], gemeente: str | None = None) -> pl.DataFrame:
    """Fixed and configured groups for the notebook, finished like kpis.csv (interval, `onderdrukt`).

    `gemeente` keeps the rows of one municipality (or `totaal`); None keeps all.
    """
    ctx = Context.build(data, config)
    frame = group_series(ctx, sorted(set(peildata)), dict(config.doelgroepen))
    kinds = {
        k: ("aantal" if k.endswith("_n") else "aandeel") for k in frame.get_column("kpi").unique().to_list()
    }
    low, high = wilson_exprs(pl.col("teller"), pl.col("noemer"))
    is_pct = pl.col("waarde").is_not_null() & pl.col("kpi").str.ends_with("_pct")
    frame = frame.with_columns(
        pl.when(is_pct).then(low).alias("ci_laag"), pl.when(is_pct).then(high).alias("ci_hoog")
    )
    # the same relations as kpis.csv: a group's count per municipality adds up to its total
    rules = Rules(municipal=tuple(k for k, v in kinds.items() if v == "aantal"), kinds=kinds)
    frame = add_onderdrukt(frame, kinds, config.min_cell, config.min_noemer, rules)
    if gemeente is not None:
        frame = frame.filter(pl.col(GEMEENTE) == gemeente)
    return frame.sort("kpi", GEMEENTE, "peildatum")


FAMILY = registry.register(
    registry.Family(
        id="doelgroepen",
        label="Doelgroepen: bestand, uitstroom en participatie",
        order=80,
        series=doelgroepen_series,
        notebook="21_doelgroepen",
        kpis=(
            *(
                registry.kpi(f"doelgroep_{_g}_{_m}", f"{_gl}: {_ml}", _u, _kind, "doelgroepen")
                for _g, _gl in GROEP_LABELS.items()
                for _m, _ml, _u, _kind in (
                    ("bestand_n", "personen in het bestand", "n", "aantal"),
                    ("uitstroom_werk_pct", "uitstroom naar werk", "pct", "aandeel"),
                    ("participatie_pct", "deelname aan participatie", "pct", "aandeel"),
                )
            ),
        ),
    )
)
