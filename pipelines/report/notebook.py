"""What the KPI notebooks share: parameters -> data and configuration, KPI series, tables, side files.

The notebooks stay thin (a title, one `parameters` cell, calls, charts, prose); everything a test
would want to reach lives here. Figures come from `pipelines.kpi.compute_kpis` only (one definition
per figure), and what is shown passes the one disclosure rule (`pipelines.disclosure`): a suppressed
figure is shown as `<5` / `-` and left out of charts, with a note saying so.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipelines import disclosure, periods
from pipelines.clean import CleanData, TableAbsent, latest_clean_dir, load_clean
from pipelines.config import OrgConfig, config_for
from pipelines.disclosure import suppression_reason
from pipelines.errors import InputError
from pipelines.kpi.base import TOTAAL, Unavailable
from pipelines.kpi.engine import compute_kpis, read_kpis_csv
from pipelines.kpi.registry import KPI_CATALOGUE, KPI_FAMILIES
from pipelines.report import charts
from pipelines.report.formats import dutch_dates, format_date, format_nl, range_text
from pipelines.report.present import (
    SECONDARY_TEXT,
    ZEKER_TEXT,
    masked_text,
    reason_words,
    relative_norm_text,
    suppression_sentence,
)
from pipelines.schema import PERSON_COLUMN

#: The organisation of the demo export (`make run`): an empty `clean_dir` means its newest delivery.
DEMO_ORGANISATIE = "isd-bollenstreek"
#: Quarters in a trend chart: 13 so the series holds the four peildata of the multi-year comparison.
TREND_KWARTALEN = 13


class ParameterError(InputError, ValueError):
    """A notebook parameter that cannot be used; the message names it (Dutch)."""


@dataclass
class NotebookContext:
    """One notebook run: the data, its configuration, the peildatum and the municipality shown."""

    data: CleanData
    config: OrgConfig
    kwartaal: str
    peildatum: dt.date
    gemeente: str
    uitvoer_dir: Path | None
    #: The run's kpis.csv (every KPI over the run's quarters, computed once per run), if given.
    kpis_csv: Path | None = None
    #: Why the page's family has no figures on the peildatum (set by `show_availability`), else None.
    unavailable: str | None = None
    _kpis: dict[tuple, pl.DataFrame] = field(default_factory=dict, repr=False)
    #: Research tables computed in this kernel (when the run's are not beside kpis.csv), per peildatum.
    _research: dict[dt.date, dict[str, pl.DataFrame | str]] = field(default_factory=dict, repr=False)

    @property
    def gemeente_naam(self) -> str:
        if self.gemeente == TOTAAL:
            return f"{self.config.organisatie} (totaal)"
        return self.config.gemeenten.get(self.gemeente, f"gemeente {self.gemeente}")

    @property
    def grafieken_dir(self) -> Path | None:
        """Where chart exports go (`<uitvoer_dir>/grafieken`), None when nothing is written."""
        return self.uitvoer_dir / "grafieken" if self.uitvoer_dir else None

    def kpis(
        self,
        peildata: list[dt.date] | dt.date,
        families: list[str] | None = None,
        gemeente: str | None = None,
    ) -> pl.DataFrame:
        """The KPIs of these peildata (and families), rows of the municipality shown (or `gemeente`).

        Read from the run's kpis.csv when it holds every date asked for (the series is computed once
        per run, not in every kernel); computed with `compute_kpis` otherwise (a notebook run by hand).
        """
        dates = tuple(sorted(set(peildata if isinstance(peildata, list) else [peildata])))
        key = (dates, tuple(families) if families else None)
        if key not in self._kpis:
            from_run = self._from_run(dates, families)
            if from_run is None:
                from_run = compute_kpis(self.data, self.config, list(dates), families=families)
            self._kpis[key] = from_run
        return self._kpis[key].filter(pl.col("gemeentecode") == (gemeente or self.gemeente))

    def kpis_all(self, peildata: list[dt.date] | dt.date, families: list[str] | None = None) -> pl.DataFrame:
        """Like `kpis`, for every municipality and `totaal` (tables that show municipalities side by side)."""
        self.kpis(peildata, families)
        dates = tuple(sorted(set(peildata if isinstance(peildata, list) else [peildata])))
        return self._kpis[(dates, tuple(families) if families else None)]

    def _from_run(self, dates: tuple[dt.date, ...], families: list[str] | None) -> pl.DataFrame | None:
        if self.kpis_csv is None:
            return None
        run = read_kpis_csv(self.kpis_csv)
        have = set(run.get_column("peildatum").unique().to_list())
        # The run's series starts at the first covered quarter: earlier dates were left out on purpose
        # (their windows are not covered), so they are not a reason to compute everything again.
        if not have or any(d not in have and d >= min(have) for d in dates):
            return None
        wanted = [k for f in (families or KPI_FAMILIES) for k in KPI_FAMILIES[f]]
        return run.filter(pl.col("peildatum").is_in(dates) & pl.col("kpi").is_in(wanted))

    def pseudonymous_persons(self) -> pl.DataFrame:
        """`persoon, gemeentecode` of the persons in the municipality shown (all for `totaal`)."""
        personen = self.data.get("personen").select(PERSON_COLUMN, "gemeentecode")
        if self.gemeente == TOTAAL:
            return personen
        return personen.filter(pl.col("gemeentecode") == self.gemeente)


def resolve_clean_dir(clean_dir: str) -> Path:
    """`""` -> the newest delivery of the demo organisation in data_clean/, else the folder given."""
    if not clean_dir:
        return latest_clean_dir(DEMO_ORGANISATIE)
    path = Path(clean_dir).expanduser()
    if not path.is_dir():
        raise ParameterError(f"parameter clean_dir: map {path} bestaat niet")
    return path


def prepare(
    clean_dir: str = "",
    kwartaal: str = "2024Q3",
    gemeente: str = TOTAAL,
    config_path: str = "",
    uitvoer_dir: str = "",
    kpis_csv: str = "",
) -> NotebookContext:
    """Turn the notebook parameters into data + configuration, refusing what cannot be used."""
    try:
        b = periods.peildatum(kwartaal)
    except periods.PeriodError as exc:
        raise ParameterError(f"parameter kwartaal: {exc}") from exc
    data = load_clean(resolve_clean_dir(clean_dir), lazy=True)  # a page reads only the tables it uses
    present = (
        data.get("personen").get_column("gemeentecode").drop_nulls().unique().sort().to_list()
        if data.has("personen")
        else []
    )
    config = config_for(data.organisatie, config_path or None, gemeentecodes=present)
    gemeente = (gemeente or TOTAAL).strip()
    if gemeente != TOTAAL:
        gemeente = gemeente.zfill(4)
        known = sorted(set(config.gemeenten) | set(present))
        if gemeente not in known:
            raise ParameterError(
                f"parameter gemeente: {gemeente} hoort niet bij {config.organisatie}; "
                f"kies 'totaal' of een van {', '.join(known)}"
            )
    try:
        periods.check_quarter(kwartaal, data.gegevens_vanaf, data.extractiedatum)
    except periods.PeriodError as exc:
        raise ParameterError(f"parameter kwartaal: {exc}") from exc
    out = Path(uitvoer_dir).expanduser() if uitvoer_dir else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    run_kpis = Path(kpis_csv).expanduser() if kpis_csv else None
    if run_kpis is not None and not run_kpis.is_file():
        raise ParameterError(f"parameter kpis_csv: bestand {run_kpis} bestaat niet")
    return NotebookContext(
        data=data,
        config=config,
        kwartaal=periods.kwartaal_van(b),
        peildatum=b,
        gemeente=gemeente,
        uitvoer_dir=out,
        kpis_csv=run_kpis,
    )


# --- periods of the trend charts ---------------------------------------------------------------


def quarter_peildata(kwartaal: str, n: int = TREND_KWARTALEN) -> list[dt.date]:
    """The quarter-ends of the last `n` quarters up to and including `kwartaal`, oldest first."""
    return [
        periods.peildatum(q) for q in periods.kwartalen(periods.vorig_kwartaal(kwartaal, n - 1), kwartaal)
    ]


def series_peildata(ctx: NotebookContext) -> list[dt.date]:
    """Every quarter end of the run's series (from the first covered quarter up to the peildatum)."""
    return periods.series_peildata(ctx.peildatum, ctx.data.gegevens_vanaf)


def year_peildata(kwartaal: str) -> list[dt.date]:
    """The peildata of the multi-year comparison (`b - 3y` .. `b`), oldest first: the years the norm
    averages.
    """
    return sorted(periods.multi_year_peildata(periods.peildatum(kwartaal)))


_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def year_label(b: dt.date) -> str:
    """The 12-month window ending at `b`: `2024` for a calendar year, else `okt 2023 - sep 2024`."""
    s, _ = periods.window(b)
    if (s.month, s.day) == (1, 1) and s.year == b.year:
        return str(b.year)
    return f"{_MONTHS[s.month - 1]} {s.year} - {_MONTHS[b.month - 1]} {b.year}"


def quarter_label(b: dt.date) -> str:
    """2024-09-30 -> `2024 K3` (Dutch quarter notation)."""
    return f"{b.year} K{(b.month - 1) // 3 + 1}"


# --- figures for publication -----------------------------------------------------------------------


def series(frame: pl.DataFrame, kpi: str, label=quarter_label) -> pl.DataFrame:
    """One KPI over its peildata for a chart.

    Columns `periode, peildatum, waarde, ci_laag, ci_hoog, onderdrukt, opmerking`.

    Suppressed figures get a null `waarde` (the chart leaves them out and says so); periods without
    a figure at all (window not covered, table absent) are dropped.
    """
    rows = frame.filter(pl.col("kpi") == kpi).sort("peildatum")
    rows = rows.filter(pl.col("waarde").is_not_null() | pl.col("onderdrukt").is_not_null())
    hidden = pl.col("onderdrukt").is_not_null()
    return rows.select(
        pl.col("peildatum").map_elements(label, return_dtype=pl.String).alias("periode"),
        "peildatum",
        *(pl.when(hidden).then(None).otherwise(pl.col(c)).alias(c) for c in ("waarde", "ci_laag", "ci_hoog")),
        "onderdrukt",
        "opmerking",
    )


def multi_series(frame: pl.DataFrame, labels: dict[str, str], label=quarter_label) -> pl.DataFrame:
    """Several KPIs as series for `charts.series_chart`: `periode, reeks, waarde, onderdrukt` (legend order =
    `labels`).
    """
    parts = [
        series(frame, kpi, label).select(
            "periode", pl.lit(text).alias("reeks"), "waarde", "onderdrukt", "peildatum"
        )
        for kpi, text in labels.items()
    ]
    order = {text: i for i, text in enumerate(labels.values())}
    out = pl.concat(parts) if parts else pl.DataFrame()
    return out.sort("peildatum", pl.col("reeks").replace_strict(order, return_dtype=pl.Int64)).drop(
        "peildatum"
    )


def value_on(frame: pl.DataFrame, kpi: str, b: dt.date) -> float | None:
    """The exact value of one KPI on one peildatum (None when not available)."""
    rows = frame.filter((pl.col("kpi") == kpi) & (pl.col("peildatum") == b))
    return rows.get_column("waarde")[0] if rows.height else None


def published_value(frame: pl.DataFrame, kpi: str, b: dt.date) -> float | None:
    """The value of one KPI as publication may show it (None when suppressed or not available)."""
    rows = frame.filter((pl.col("kpi") == kpi) & (pl.col("peildatum") == b))
    if not rows.height or rows.get_column("onderdrukt")[0] is not None:
        return None
    return rows.get_column("waarde")[0]


def figure_table(frame: pl.DataFrame, kpis: list[str], b: dt.date, config: OrgConfig) -> pl.DataFrame:
    """The key figures of one peildatum as a publication table (Dutch text, suppression applied)."""
    out = []
    rows = {r["kpi"]: r for r in frame.filter(pl.col("peildatum") == b).iter_rows(named=True)}
    for kpi in kpis:
        info = KPI_CATALOGUE[kpi]
        row = rows.get(kpi)
        interval, note = "", ""
        if row is None or (row["waarde"] is None and row["onderdrukt"] is None):
            shown = "n.b."
            note = dutch_dates((row or {}).get("opmerking") or "niet beschikbaar")
        elif row["onderdrukt"] is not None:
            shown = masked_text(info.kind, config.min_cell, row["onderdrukt"])
            note = reason_words(row["onderdrukt"], config.min_cell, config.min_noemer)
        else:
            shown = format_nl(row["waarde"], info.unit)
            if info.unit == "pct" and row["ci_laag"] is not None and info.kind == "aandeel":
                interval = f"{format_nl(row['ci_laag'], 'pct')} - {format_nl(row['ci_hoog'], 'pct')}"
            if info.kind == "meerjarig" and row["n_jaren"] is not None and row["n_jaren"] < 4:
                note = f"gemiddelde over {row['n_jaren']} jaar (minder dan 4)"
            elif row["opmerking"]:
                note = dutch_dates(row["opmerking"])
        out.append({"Kengetal": info.label, "Waarde": shown, "95 %-interval": interval, "Toelichting": note})
    return pl.DataFrame(
        out, schema={c: pl.String() for c in ("Kengetal", "Waarde", "95 %-interval", "Toelichting")}
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~#!])")


def md_text(value: object) -> str:
    """Text from an export (a name, a rejected value) as literal Markdown text: nothing in it is markup.

    Every character Markdown or HTML would act on gets a backslash, so `<script>` shows as text in
    JupyterLab and in the pages (which also escape raw HTML when they render Markdown).
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value)).replace("\n", " ")


#: Number columns that are identifiers, not quantities: written as they are (`regel 12345`).
PLAIN_NUMBER_COLUMNS = ("regel", "jaar")


def markdown_table(frame: pl.DataFrame) -> str:
    """A small frame as a Markdown table (renders in JupyterLab and in the HTML pages, no scripts);
    numbers in the Dutch notation of `format_nl` (`15.613`), except line numbers and years.

    Every header and text cell is literal text (`md_text`): a rejected value like `<img onerror=...>`
    is shown, never rendered.
    """

    def cell(v, column: str) -> str:
        if v is None:
            return ""
        if isinstance(v, (int, float)) and not isinstance(v, bool) and column not in PLAIN_NUMBER_COLUMNS:
            v = format_nl(v)
        return md_text(v)

    head = "| " + " | ".join(md_text(c) for c in frame.columns) + " |"
    # text columns left, number columns right (also a column of numbers written as text: `<5`, `12,5 %`)
    rule = "|" + "|".join("---:" if _numeric(frame, c) else ":---" for c in frame.columns) + "|"
    body = [
        "| " + " | ".join(cell(v, c) for v, c in zip(row, frame.columns, strict=True)) + " |"
        for row in frame.iter_rows()
    ]
    return "\n".join([head, rule, *body])


#: A published cell of a number column: a figure, or the text that stands for a hidden one.
_NUMBER_TEXT = re.compile(rf"^(<\d+|-|{re.escape(SECONDARY_TEXT)}|n\.b\.|€ ?[\d.,]+|[\d.,]+( %)?|)$")


def _numeric(frame: pl.DataFrame, column: str) -> bool:
    series = frame.get_column(column)
    if series.dtype.is_numeric():
        return True
    if series.dtype != pl.String or series.is_empty():
        return False
    values = [v for v in series.to_list() if v is not None]
    return (
        bool(values) and all(_NUMBER_TEXT.match(v.strip()) for v in values) and any(v.strip() for v in values)
    )


def show_table(frame: pl.DataFrame) -> None:
    """Display a publication table in a notebook as Markdown."""
    from IPython.display import Markdown, display

    display(Markdown(markdown_table(frame)))


def show_chart(ctx: NotebookContext, chart, name: str | None = None, reason: str | None = None) -> None:
    """Show a chart in the notebook and write it as SVG and PNG to the bundle's `grafieken/` (when `name`).

    A chart with nothing to draw (the family's table is absent, every point suppressed) is not shown
    as an empty frame: the page says it is not available and why (`reason`, else the family's reason).
    """
    spec = charts.spec_of(chart)
    if charts.drawn_points(spec) == 0:
        why = reason or ctx.unavailable or "geen cijfers om te tekenen; de reden staat bij de kerncijfers"
        show_text(f"*{charts.chart_title(spec)}*: niet beschikbaar ({reason_text(why)}).")
        return
    charts.show(spec)
    if name:
        charts.save_chart(spec, ctx.grafieken_dir, name)


#: What a part of a page may meet when the export lacks an optional table (or the window is not covered).
UNAVAILABLE = (TableAbsent, Unavailable)


def reason_text(reason: object) -> str:
    """A reason without its leading `niet beschikbaar: ` (the page says that itself), dates in Dutch."""
    return dutch_dates(str(reason)).removeprefix("niet beschikbaar: ").strip()


@contextmanager
def when_available(what: str) -> Iterator[None]:
    """A part of a page that needs an optional table: when it is absent the page says
    `<what>: niet beschikbaar (<reason>)` and goes on, instead of the run failing.
    """
    try:
        yield
    except UNAVAILABLE as exc:
        show_text(f"*{what}*: niet beschikbaar ({reason_text(exc)}).")


def unavailable_reason(frame: pl.DataFrame, b: dt.date, kpis: list[str] | None = None) -> str | None:
    """Why none of the KPIs (all in `frame`, or those named) has a figure on `b`; None when one has.

    A suppressed figure counts as a figure (it exists, publication hides it).
    """
    sel = frame.filter(pl.col("peildatum") == b)
    if kpis is not None:
        sel = sel.filter(pl.col("kpi").is_in(kpis))
    if sel.filter(pl.col("waarde").is_not_null() | pl.col("onderdrukt").is_not_null()).height:
        return None
    reasons = sorted({reason_text(r) for r in sel.get_column("opmerking").drop_nulls().to_list()})
    return "; ".join(reasons) or "geen cijfers voor deze peildatum"


def show_availability(ctx: NotebookContext, frame: pl.DataFrame) -> None:
    """Say at the top of a page when its family has no figures on the peildatum, and why."""
    ctx.unavailable = unavailable_reason(frame, ctx.peildatum)
    if ctx.unavailable:
        show_text(f"**Niet beschikbaar** voor deze peildatum: {ctx.unavailable}.")


def show_text(text: str) -> None:
    """Narration computed from the figures (Dutch Markdown)."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def count_distribution(
    frame: pl.DataFrame, column: str, categories: list[str], config: OrgConfig, total_label: str | None = None
) -> pl.DataFrame:
    """Persons per category for a bar chart, with the count suppression applied per bar.

    `frame` has one row per person and a String `column` holding its category; every category in
    `categories` gets a bar (0 when empty). Returns `categorie, waarde, onderdrukt, aandeel_pct`.
    The bars add up to the population, which is published too: beside a hidden small bar the next
    smallest is hidden as well (`disclosure.protect`), so no bar can be recomputed.
    """
    counts = frame.group_by(column).agg(pl.len().alias("n"))
    lookup = dict(zip(counts.get_column(column).to_list(), counts.get_column("n").to_list(), strict=True))
    total = sum(lookup.get(c, 0) for c in categories)
    values: dict = {cat: float(lookup.get(cat, 0)) for cat in categories} | {("totaal",): float(total)}
    small = {
        cat: disclosure.reader_knows("aantal", disclosure.AANTAL_KLEIN, config.min_cell)
        for cat in categories
        if suppression_reason("aantal", lookup.get(cat, 0), None, None, config.min_cell, config.min_noemer)
    }
    added, left = disclosure.protect(
        values,
        small,
        [disclosure.sum_relation(("totaal",), categories)],
        secondary_bounds=lambda k: disclosure.reader_knows("aantal", disclosure.SECUNDAIR, config.min_cell),
        fixed=[("totaal",)],
    )
    out = []
    for cat in categories:
        n = lookup.get(cat, 0)
        reason = suppression_reason("aantal", n, None, None, config.min_cell, config.min_noemer)
        if reason is None and (cat in added or left):
            reason = disclosure.SECUNDAIR
        share_reason = suppression_reason(
            "aandeel", 100.0 * n / total if total else None, n, total, config.min_cell, config.min_noemer
        )
        out.append(
            {
                "categorie": cat,
                "waarde": None if reason else float(n),
                "onderdrukt": reason,
                "aandeel_pct": None if (reason or share_reason or not total) else 100.0 * n / total,
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "categorie": pl.String(),
            "waarde": pl.Float64(),
            "onderdrukt": pl.String(),
            "aandeel_pct": pl.Float64(),
        },
    )


# --- narration and the charts of one family ---------------------------------------------------------


def intro(ctx: NotebookContext) -> str:
    """The first lines of every KPI page: organisation, municipality, peildatum, delivery, small cells."""
    return (
        f"**{md_text(ctx.gemeente_naam)}** - peildatum {format_date(ctx.peildatum)} "
        f"({quarter_label(ctx.peildatum)}).  \n"
        f"Levering van {format_date(ctx.data.extractiedatum)}, gegevens vanaf "
        f"{format_date(ctx.data.gegevens_vanaf)}. "
        + suppression_sentence(ctx.config.min_cell, ctx.config.min_noemer)
    )


def norm_increase_text(factor: float) -> str:
    """The relative norm's increase in words' numbers: factor 1.10 -> `10` (percent more than the mean)."""
    return format_nl(round(100 * (factor - 1), 6), "n")


def norm_text(ctx: NotebookContext, frame: pl.DataFrame, kpi: str, norm_kpi: str | None = None) -> str:
    """Dutch sentences: the figure on the peildatum, its interval, the baselines, the norm value, the
    verdict and whether that verdict is more than noise (`zeker` / `onzeker`).
    """
    b = ctx.peildatum
    norm_kpi = norm_kpi or kpi.removesuffix("_pct") + "_norm"
    label = KPI_CATALOGUE[kpi].label.lower()
    rows = frame.filter((pl.col("kpi") == kpi) & (pl.col("peildatum") == b))
    if not rows.height or (rows.get_column("waarde")[0] is None and rows.get_column("onderdrukt")[0] is None):
        reason = rows.get_column("opmerking")[0] if rows.height else "niet berekend"
        return f"De {label} is voor deze peildatum niet beschikbaar ({reason_text(reason)})."
    if rows.get_column("onderdrukt")[0] is not None:
        why = reason_words(rows.get_column("onderdrukt")[0], ctx.config.min_cell, ctx.config.min_noemer)
        return f"De {label} wordt niet getoond: {why}."
    row = rows.row(0, named=True)
    text = (
        f"De {label} over de 12 maanden tot en met {format_date(b)} is "
        f"**{format_nl(row['waarde'], 'pct')}** "
        f"({format_nl(row['teller'], 'n')} van {format_nl(row['noemer'], 'n')} personen; 95 %-interval "
        f"{format_nl(row['ci_laag'], 'pct')} tot {format_nl(row['ci_hoog'], 'pct')})."
    )
    config = ctx.config
    # the baselines, norm value and verdict only as far as publication shows them (hidden with a year)
    meerjarig = published_value(frame, f"{kpi}_meerjarig", b)
    vast = published_value(frame, f"{kpi}_vast", b)
    normwaarde = published_value(frame, f"{kpi}_normwaarde", b)
    derived = frame.filter(
        pl.col("kpi").is_in([f"{kpi}_meerjarig", f"{kpi}_vast", f"{kpi}_normwaarde", norm_kpi])
        & (pl.col("peildatum") == b)
    )
    if derived.get_column("onderdrukt").is_not_null().any():
        text += (
            " Het meerjarig gemiddelde en het oordeel over de norm worden niet getoond: een van de jaren "
            "is niet gepubliceerd."
        )
    if meerjarig is not None:
        n_jaren = frame.filter((pl.col("kpi") == f"{kpi}_meerjarig") & (pl.col("peildatum") == b))["n_jaren"][
            0
        ]
        text += f" Het meerjarig gemiddelde ({n_jaren} jaar) is {format_nl(meerjarig, 'pct')}."
        if n_jaren is not None and n_jaren < 4:
            text += (
                f" Let op: het gemiddelde telt {n_jaren} in plaats van 4 jaar, "
                "omdat de levering niet verder terug gaat."
            )
    if vast is not None:
        years = ", ".join(str(y) for y in config.norm_basisjaren)
        text += f" Het gemiddelde van de basisjaren ({years}, vaste basis) is {format_nl(vast, 'pct')}."
    if normwaarde is not None:
        flag = published_value(frame, norm_kpi, b)
        certain = published_value(frame, f"{norm_kpi}_zeker", b)
        verdict = "" if flag is None else f": de norm is **{'gehaald' if flag >= 0.5 else 'niet gehaald'}**"
        factor = format_nl(config.norm_factor, "ratio", decimals=2)
        text += (
            f" De norm is {relative_norm_text(config.norm_factor, config.norm_basis)} (x {factor}, geen "
            f"{norm_increase_text(config.norm_factor)} procentpunt): ten minste "
            f"{format_nl(normwaarde, 'pct')}{verdict}."
        )
        if certain is not None:
            text += f" Dat oordeel is {ZEKER_TEXT[certain >= 0.5]}."
    return text


def norm_charts(ctx: NotebookContext, frame: pl.DataFrame, kpi: str, title: str):
    """Per year (the four years the norm averages) and per quarter, with the baselines and the norm line."""
    b = ctx.peildatum
    avg = published_value(frame, f"{kpi}_meerjarig", b)
    vast = published_value(frame, f"{kpi}_vast", b)
    norm = published_value(frame, f"{kpi}_normwaarde", b)
    basis = vast if ctx.config.norm_basis == "vast" else avg
    if norm is None and basis is not None:
        norm = ctx.config.norm_factor * basis
    subtitle = f"{ctx.gemeente_naam}; lijnen: gemiddelde(n) en norm voor {quarter_label(b)}"
    norm_label = "norm: " + relative_norm_text(ctx.config.norm_factor, ctx.config.norm_basis)
    years = frame.filter(pl.col("peildatum").is_in(year_peildata(ctx.kwartaal)))
    per_year = charts.trend_chart(
        series(years, kpi, year_label),
        title=f"{title} per jaar",
        y_title="% van iedereen in de bijstand",
        period_title="12 maanden tot en met de peildatum",
        meerjarig=avg,
        norm=norm,
        norm_label=norm_label,
        bars=True,
        subtitle=subtitle,
        vast=vast,
    )
    per_quarter = charts.trend_chart(
        series(frame, kpi),
        title=f"{title} per kwartaal (voortschrijdend over 12 maanden)",
        y_title="% van iedereen in de bijstand",
        meerjarig=avg,
        norm=norm,
        norm_label=norm_label,
        subtitle=subtitle,
        vast=vast,
    )
    return per_year, per_quarter


def ambition_bands(
    ranges: dict[str, tuple[str, tuple[float, float]]],
) -> list[tuple[str | None, str, float, float]]:
    """Bands for `charts.series_chart` from `{series: (text, (low, high))}` percentages.

    Series with the same range share one band (`ambitie deelname en activiteit: 60 tot en met 70 %`),
    so two labels never stand on top of each other.
    """
    by_range: dict[tuple[float, float], list[tuple[str, str]]] = {}
    for series_label, (text, (low, high)) in ranges.items():
        by_range.setdefault((float(low), float(high)), []).append((series_label, text))
    out: list[tuple[str | None, str, float, float]] = []
    for (low, high), items in by_range.items():
        words = range_text(low, high, "pct")
        if len(items) == 1:
            out.append((items[0][0], f"{items[0][1]}: {words}", low, high))
            continue
        texts = [t for _, t in items]
        first = {t.split(" ", 1)[0] for t in texts}
        if len(first) == 1 and all(" " in t for t in texts):
            joined = f"{first.pop()} " + " en ".join(t.split(" ", 1)[1] for t in texts)
        else:
            joined = " en ".join(texts)
        out.append((None, f"{joined}: {words}", low, high))
    return out


# --- the side file ---------------------------------------------------------------------------------


def key_figures(frame: pl.DataFrame, kpis: list[str], b: dt.date) -> dict[str, float | None]:
    """kpi -> exact `waarde` on `b` (None when not available), for the side file."""
    return {kpi: value_on(frame, kpi, b) for kpi in kpis}


def _plain(value):
    if value is None:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def write_key_figures(
    ctx: NotebookContext, stem: str, kerncijfers: dict[str, float | None], extra: dict | None = None
) -> Path | None:
    """Write `<uitvoer_dir>/<stem>.kerncijfers.json` (sorted keys, plain numbers); nothing when no
    uitvoer_dir.
    """
    if ctx.uitvoer_dir is None:
        return None
    payload = {
        "notebook": stem,
        "organisatie": ctx.config.organisatie,
        "kwartaal": ctx.kwartaal,
        "peildatum": ctx.peildatum.isoformat(),
        "gemeentecode": ctx.gemeente,
        "kerncijfers": _plain(kerncijfers),
    }
    if extra:
        payload["extra"] = _plain(extra)
    path = ctx.uitvoer_dir / f"{stem}.kerncijfers.json"
    path.write_text(
        json.dumps(payload, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path
