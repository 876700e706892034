"""Every page of a demo bundle in headless Chromium, as a board member and a policy officer see it.

One quarterly run with the real notebooks, then each page is opened, its charts drawn, and the drawn SVG
measured: every chart draws marks, no label of a norm, reference or value sits on another one or on a bar
or error bar, no legend label is cut off, a target group, perspective or municipality keeps one colour on
every page, and the dashboard prints as an A4 document without navigation. Screenshots of every page land
in `$PARTICIPATIE_SCREENSHOTS` (or the test's temporary folder) for a person to look at.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import pytest

from pipelines.run.quarter import run_quarter
from tests.support.browser import Browser, bundle_pages, find_chromium

pytestmark = pytest.mark.slow

KWARTAAL = "2024Q3"

#: Per chart: the boxes of its data texts, its short rules (error bars) and bars, and its legend entries.
MEASURE = r"""
(function () {
  function box(e) {
    var r = e.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height};
  }
  return Array.from(document.querySelectorAll('.grafiek[id]')).map(function (div) {
    var svg = div.querySelector('svg');
    if (!svg) { return {id: div.id, svg: false, text: div.textContent}; }
    var labelOf = function (e) { return e.getAttribute('aria-label') || ''; };
    return {
      id: div.id,
      svg: true,
      svgBox: box(svg),
      marks: svg.querySelectorAll('g.role-mark path, g.role-mark line, g.role-mark text').length,
      texts: Array.from(svg.querySelectorAll('g.mark-text.role-mark text')).map(function (t) {
        var b = box(t); b.text = t.textContent; return b; }),
      rules: Array.from(svg.querySelectorAll('g.mark-rule.role-mark line')).map(function (l) {
        var b = box(l); b.label = labelOf(l); return b; }),
      bars: Array.from(svg.querySelectorAll('g.mark-rect.role-mark path')).map(function (p) {
        var b = box(p); b.label = labelOf(p); b.fill = p.getAttribute('fill');
        b.kind = p.getAttribute('aria-roledescription') || ''; return b; }),
      legend: Array.from(svg.querySelectorAll('g.role-legend-symbol')).map(function (s) {
        var text = s.parentNode.querySelector('g.role-legend-label text');
        var path = s.querySelector('path');
        // a line symbol is drawn by its stroke; a filled one by its fill
        var fill = path ? path.getAttribute('fill') : null;
        if (!fill || fill === 'transparent' || fill === 'none') {
          fill = path ? path.getAttribute('stroke') : null;
        }
        return {text: text ? text.textContent : '', fill: fill}; }),
      titles: Array.from(svg.querySelectorAll('g.role-title-text text'))
        .map(function (t) { return t.textContent; }),
      allTexts: Array.from(svg.querySelectorAll('text')).filter(function (t) { return t.textContent.trim(); })
        .map(function (t) {
          var b = box(t); b.text = t.textContent;
          var turn = /rotate\(([-0-9.]+)/.exec(t.getAttribute('transform') || '');
          b.oblique = !!turn && Math.abs(parseFloat(turn[1]) % 90) > 0.1;  // its box is not its outline
          return b; })
    };
  });
})()
"""

#: The dashboard in print layout: what is hidden and what is left.
PRINTED = """
(function () {
  function shown(sel) {
    var e = document.querySelector(sel);
    return e ? getComputedStyle(e).display !== 'none' : null;
  }
  return {
    nav: shown('.kop nav'), tables: shown('.tabellen'), tiles: shown('.tegels'), charts: shown('.grafieken')
  };
})()
"""


@pytest.fixture(scope="module")
def browser():
    if find_chromium() is None:
        pytest.skip(
            "Chromium ontbreekt (apt-get install -y chromium); de paginatest in de browser is overgeslagen"
        )
    with Browser() as b:
        yield b


@pytest.fixture(scope="module")
def bundle(demo_export, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser_run")
    return run_quarter(demo_export, KWARTAAL, out_dir=root / "rapport", clean_root=root / "clean").out_dir


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = os.environ.get("PARTICIPATIE_SCREENSHOTS")
    return Path(folder) if folder else tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def measured(browser, bundle, shots) -> dict[str, list[dict]]:
    """page name -> the measurements of its charts, after a screenshot of the whole page."""
    out = {}
    for page in bundle_pages(bundle):
        name = page.relative_to(bundle).as_posix()
        state = browser.open(page)
        assert state["done"], f"{name}: niet elke grafiek is getekend"
        browser.screenshot(shots / (name.replace("/", "_").removesuffix(".html") + ".png"))
        out[name] = browser.evaluate(MEASURE)
    return out


def _overlap(a: dict, b: dict, slack: float = 1.0) -> bool:
    return (
        a["x"] + slack < b["x"] + b["w"]
        and b["x"] + slack < a["x"] + a["w"]
        and a["y"] + slack < b["y"] + b["h"]
        and b["y"] + slack < a["y"] + a["h"]
    )


def test_every_page_is_there_and_its_charts_are_drawn(bundle, measured):
    from pipelines.run.plan import discover_notebooks

    expected = {
        "publicatie/index.html",
        "intern/validatie/index.html",
        *(
            f"{'intern' if nb.stem == '01_validatie' else 'publicatie'}/{nb.stem}.html"
            for nb in discover_notebooks()
        ),
    }
    assert expected <= set(measured)
    assert measured["publicatie/index.html"], "the dashboard compares the municipalities in charts"
    for name, charts in measured.items():
        for chart in charts:
            assert chart["svg"], f"{name} {chart['id']}: {chart.get('text', '')[:200]}"
            assert chart["marks"] > 0, f"{name} {chart['id']}: an empty chart"


def test_no_label_sits_on_another_or_on_a_bar(measured):
    problems = []
    for name, charts in measured.items():
        for chart in charts:
            if not chart["svg"]:
                continue
            # every text of the chart: norm and reference labels, values, axis labels and titles, legend
            every = [
                t for t in chart["allTexts"] if t["text"].strip() != "-" and t["w"] > 0 and not t["oblique"]
            ]
            for i, a in enumerate(every):
                for b in every[i + 1 :]:
                    if _overlap(a, b):
                        problems.append(f"{name} {chart['id']}: '{a['text']}' op '{b['text']}'")
            texts = [t for t in chart["texts"] if t["text"].strip() not in ("", "-") and t["w"] > 0]
            # bars, error bars (their marks carry the interval) and reference lines (norms, averages)
            bars = [r for r in chart["bars"] if r["kind"] == "bar"]
            for t in texts:
                for r in bars + chart["rules"]:
                    if _overlap(t, r, slack=1.5):
                        what = (
                            "een foutmarge"
                            if "ci_" in r["label"]
                            else "een balk"
                            if r in bars
                            else "een normlijn"
                        )
                        problems.append(f"{name} {chart['id']}: '{t['text']}' op {what}")
                        break
    assert problems == [], "\n".join(problems)


def test_no_text_runs_off_its_chart(measured):
    """Axis titles, labels and notes stay inside the drawing (a long axis title was cut off at the top)."""
    outside = []
    for name, charts in measured.items():
        for chart in charts:
            if not chart["svg"]:
                continue
            frame = chart["svgBox"]
            for t in chart["allTexts"]:
                inside = (
                    t["x"] >= frame["x"] - 1
                    and t["y"] >= frame["y"] - 1
                    and t["x"] + t["w"] <= frame["x"] + frame["w"] + 1
                    and t["y"] + t["h"] <= frame["y"] + frame["h"] + 1
                )
                if not inside:
                    outside.append(f"{name} {chart['id']}: '{t['text']}'")
    assert outside == [], "\n".join(outside)


def test_legends_are_not_cut_off(measured):
    cut = [
        f"{name} {chart['id']}: {entry['text']}"
        for name, charts in measured.items()
        for chart in charts
        if chart["svg"]
        for entry in chart["legend"]
        if "…" in entry["text"] or entry["text"].endswith("...")
    ]
    assert cut == []
    assert any(chart["legend"] for charts in measured.values() for chart in charts if chart["svg"])


def test_a_group_perspective_or_municipality_has_one_colour_on_every_page(measured):
    from pipelines.report.charts import FIXED_COLOURS

    seen: dict[str, set[str]] = defaultdict(set)
    where: dict[str, set[str]] = defaultdict(set)
    for name, charts in measured.items():
        for chart in charts:
            if not chart["svg"]:
                continue
            for entry in chart["legend"]:
                if entry["fill"]:
                    seen[entry["text"]].add(entry["fill"].upper())
                    where[entry["text"]].add(name)
            for bar in (b for b in chart["bars"] if b["kind"] == "bar"):
                for key in ("categorie: ", "gemeente: "):
                    if key in bar["label"] and bar["fill"]:
                        label = bar["label"].split(key, 1)[1].split(";")[0].strip()
                        seen[label].add(bar["fill"].upper())
                        where[label].add(name)
    several = {label: colours for label, colours in seen.items() if len(colours) > 1}
    assert several == {}, {label: (colours, where[label]) for label, colours in several.items()}
    fixed = {label for label in seen if label in FIXED_COLOURS}
    assert {"Statushouders", "Alleenstaande ouders", "Werken", "Meedoen"} <= fixed
    for label in fixed:
        assert seen[label] == {FIXED_COLOURS[label].upper()}, label
    assert any(len(where[label]) > 1 for label in fixed), "some group is drawn on more than one page"


def test_validation_page_says_no_rejections_instead_of_an_empty_chart(bundle):
    page = (bundle / "intern" / "01_validatie.html").read_text(encoding="utf-8")
    rejects_csv = (bundle / "intern" / "validatie" / "afwijzingen.csv").read_text(encoding="utf-8")
    rejected = rejects_csv.strip().splitlines()
    assert "(geen)" not in page
    if len(rejected) <= 1:
        assert "Geen afwijzingen" in page


def test_dashboard_prints_as_a_board_document(browser, bundle, shots):
    browser.print_media(True)
    try:
        browser.open(bundle / "publicatie" / "index.html")
        printed = browser.evaluate(PRINTED)
        browser.screenshot(shots / "index_afdruk.png")
        pdf = browser.pdf(shots / "index.pdf")
    finally:
        browser.print_media(False)
    assert printed == {"nav": False, "tables": False, "tiles": True, "charts": True}
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2
