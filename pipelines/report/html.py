"""HTML pages without code: notebook pages and the frame every page shares.

Everything here is meant to be opened by people outside the analysts' team, so charts draw
offline (the Vega, Vega-Lite and vega-embed JavaScript is inlined once per page, never loaded from
a CDN; a page that would still load an external script or stylesheet is refused by
`external_sources`) and outputs are byte-identical for the same input.

Text from an export is data, not markup: Markdown is rendered with raw HTML escaped (`markdown_html`),
and every page carries a Content-Security-Policy that allows only the page's own scripts, by hash
(`content_security_policy`): an injected `<script>` or `onerror=` attribute does not run.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from pathlib import Path
from string import Template
from typing import Any

from pipelines.errors import ParticipatieError
from pipelines.paths import PACKAGE

TEMPLATES = PACKAGE / "templates"

_VEGA_MIME = re.compile(r"^application/vnd\.vega(lite)?\.v\d+(\.\d+)?\+json$")
_EXTERNAL = re.compile(
    r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?\s*(https?:)?//""", re.IGNORECASE
)


class PublishError(ParticipatieError):
    """A publication output that would break a promise (offline, suppressed) is refused."""

    exit_code = 1


_bundle_lock = threading.Lock()
_bundle: Future[str] | None = None


def bundle_file() -> Path:
    """Where the page script of the installed vl-convert is kept (`make install` writes it): it depends on
    that version alone, so it is built once per installation rather than in every run."""
    from importlib.metadata import version

    return Path(sys.prefix) / "share" / "participatie" / f"vega-bundle-{version('vl-convert-python')}.js"


def prepare_vega_bundle() -> Future[str]:
    """Start getting the page script (`vega_bundle`) beside the caller's work, once per process.

    It is read from `bundle_file`. Where that is missing it is built (about 1.5 s, 2 s of CPU) and kept
    there when the folder is writable. vl-convert holds the GIL while it bundles, so in a thread of this
    process it would stop the run's own work as long: it is built by a child Python, waited for by a
    thread. The run starts this before its KPI step, so the pages find the script ready.
    """
    global _bundle
    with _bundle_lock:
        if _bundle is None:
            future: Future[str] = Future()

            def build() -> None:
                try:
                    future.set_result(_kept_bundle())
                except BaseException as exc:  # handed to whoever waits for the bundle
                    future.set_exception(exc)

            threading.Thread(target=build, name="vega-bundle", daemon=True).start()
            _bundle = future
        return _bundle


def _kept_bundle() -> str:
    """The script from `bundle_file`, or built and (where it can be) written there whole."""
    file = bundle_file()
    with contextlib.suppress(OSError):
        kept = file.read_text(encoding="utf-8")
        if kept.strip():  # an emptied file is built again
            return kept
    code = "import sys, vl_convert; sys.stdout.write(vl_convert.javascript_bundle())"
    try:
        script = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, check=True, encoding="utf-8"
        ).stdout
    except (OSError, subprocess.CalledProcessError):  # no usable interpreter: build it here
        import vl_convert

        script = vl_convert.javascript_bundle()  # type: ignore[call-arg]
    partial = file.with_name(f".{file.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(script, encoding="utf-8")
        os.replace(partial, file)  # a reader finds the whole script or none
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
    return script


def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (about 0.9 MB; built once per process)."""
    return prepare_vega_bundle().result()


@functools.lru_cache(maxsize=1)
def locales() -> tuple[dict, dict]:
    import vl_convert

    return vl_convert.get_format_locale("nl-NL"), vl_convert.get_time_format_locale("nl-NL")


def chart_scripts(specs: list[tuple[str, dict]]) -> tuple[str, list[str]]:
    """The inlined bundle plus one vegaEmbed call per chart (Dutch number and date formats, SVG).

    Returns the markup and the bodies of its executable scripts (their hashes go into the page's
    Content-Security-Policy). `ast: true` makes Vega interpret expressions instead of compiling them
    with `new Function`, so the policy needs no 'unsafe-eval'.
    """
    if not specs:
        return "", []
    fmt, tfmt = locales()
    options = {
        "actions": False,
        "ast": True,
        "renderer": "svg",
        "formatLocale": fmt,
        "timeFormatLocale": tfmt,
    }
    bundle = vega_bundle()
    parts = [f"<script>{bundle}</script>"]
    for div_id, spec in specs:
        payload = _json_script(spec)
        parts.append(f'<script type="application/json" id="{html.escape(div_id)}-spec">{payload}</script>')
    ids = _json_script([div_id for div_id, _ in specs])
    embed = (
        "(function(){var opts="
        + _json_script(options)
        + ";"
        + ids
        + ".forEach(function(id){var spec=JSON.parse(document.getElementById(id+'-spec').textContent);"
        "vegaEmbed(document.getElementById(id),spec,opts).catch(function(e){document.getElementById(id).textContent="
        "'Grafiek kon niet worden getekend: '+e;});});})();"
    )
    parts.append(f"<script>{embed}</script>")
    return "\n".join(parts), [bundle, embed]


def content_security_policy(scripts: list[str]) -> str:
    """The page's policy: nothing from elsewhere, only its own scripts (by sha256), inline styles.

    Inline styles stay allowed (the page's stylesheet and the SVG that Vega draws use them); scripts
    do not: a script or event handler that is not one of `scripts` is blocked by the browser.
    """
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii") + "'"
        for body in scripts
    )
    script_src = hashes or "'none'"
    return (
        "default-src 'none'; "
        f"script-src {script_src}; "
        "style-src 'unsafe-inline'; img-src data:; font-src data:; "
        "base-uri 'none'; form-action 'none'; object-src 'none'"
    )


@functools.lru_cache(maxsize=1)
def _markdown_renderer() -> Any:
    import mistune

    return mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])


def markdown_html(text: str) -> str:
    """Markdown as HTML with raw HTML escaped: `<script>` in a text shows as text and never runs."""
    return str(_markdown_renderer()(text))


def _json_script(data: Any) -> str:
    """JSON for inside a `<script>` element: `<`, `>` and `&` as JSON escapes, so text from an export
    (a chart title with the organisation's name) can never close the element or look like a tag."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_page(
    *,
    title: str,
    body: str,
    organisatie: str,
    kwartaal: str,
    nav: list[tuple[str, str]],
    active: str,
    charts: list[tuple[str, dict]] | None = None,
    footer: str = "",
) -> str:
    """One HTML page of the bundle from the shared template; refused if it would load anything external."""
    css = (TEMPLATES / "style.css").read_text(encoding="utf-8")
    active_attr = ' class="actief"'
    links = " ".join(
        f'<a href="{html.escape(href)}"{active_attr if href == active else ""}>{html.escape(text)}</a>'
        for href, text in nav
    )
    scripts, bodies = chart_scripts(charts or [])
    page = Template((TEMPLATES / "page.html").read_text(encoding="utf-8")).substitute(
        csp=html.escape(content_security_policy(bodies)),
        title=html.escape(title),
        css=css,
        organisatie=html.escape(organisatie),
        kwartaal=html.escape(kwartaal),
        nav=links,
        body=body,
        footer=footer,
        scripts=scripts,
    )
    external = external_sources(page)
    if external:
        raise PublishError(
            f"pagina {title!r} zou externe bronnen laden (niet offline): {', '.join(external[:3])}"
        )
    return page


def external_sources(page: str) -> list[str]:
    """Script, stylesheet, image or frame sources outside the page (what would fail offline)."""
    return [m.group(0) for m in _EXTERNAL.finditer(page)]


def _cell_source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


_SKIP_TAGS = {"parameters", "injected-parameters", "remove-cell", "remove-output", "hide-output", "verbergen"}


def notebook_body(
    nb: Mapping[str, Any], chart_prefix: str = "grafiek-nb"
) -> tuple[str, list[tuple[str, dict]], str]:
    """The executed notebook as HTML without code: markdown, tables, text and charts.

    Returns `(body, charts, title)`. Vega-Lite/Vega outputs become chart placeholders
    drawn by `chart_scripts`; images are inlined; stderr is left out (warnings are for analysts).
    Markdown (cells and outputs) is rendered with raw HTML escaped.
    """
    parts: list[str] = []
    charts: list[tuple[str, dict]] = []
    title = ""
    for cell in nb.get("cells", []):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & _SKIP_TAGS:
            continue
        if cell.get("cell_type") == "markdown":
            text = _cell_source(cell)
            if not title:
                match = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
                title = match.group(1).strip() if match else ""
            parts.append(f'<section class="tekst">{markdown_html(text)}</section>')
            continue
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                if output.get("name") == "stdout":
                    parts.append(
                        f"<pre>{html.escape(_cell_source({'source': output.get('text', '')}))}</pre>"
                    )
                continue
            if kind == "error":
                parts.append(
                    f"<pre>Fout: {html.escape(output.get('ename', ''))}: "
                    f"{html.escape(output.get('evalue', ''))}</pre>"
                )
                continue
            if kind not in ("display_data", "execute_result"):
                continue
            data = output.get("data", {})
            if kind == "execute_result" and set(data) <= {"text/plain"}:
                # a bare repr of a cell's last value (paths, lists) is for the analyst, not the reader
                continue
            parts.append(_render_mimebundle(data, charts, chart_prefix))
    return "\n".join(p for p in parts if p), charts, title


def _render_mimebundle(data: Mapping[str, Any], charts: list[tuple[str, dict]], prefix: str) -> str:
    for mime, value in sorted(data.items()):
        if _VEGA_MIME.match(mime):
            spec = value if isinstance(value, dict) else json.loads(value)
            div_id = f"{prefix}-{len(charts) + 1}"
            charts.append((div_id, spec))
            return f'<div class="grafiek" id="{div_id}"></div>'
    if "text/html" in data:
        markup = _cell_source({"source": data["text/html"]})
        spec = altair_html_spec(markup)
        if spec is not None:
            div_id = f"{prefix}-{len(charts) + 1}"
            charts.append((div_id, spec))
            return f'<div class="grafiek" id="{div_id}"></div>'
        if "<script" in markup.lower() and re.search(r"https?://", markup):
            raise PublishError(
                "een notebookuitvoer laadt script van internet (bijvoorbeeld Altairs standaard-HTML via een "
                "CDN) "
                "en zou offline leeg blijven; toon grafieken met pipelines.report.charts.show"
            )
        return f'<div class="uitvoer">{markup}</div>'
    if "image/svg+xml" in data:
        return f'<div class="uitvoer">{_cell_source({"source": data["image/svg+xml"]})}</div>'
    if "image/png" in data:
        return f'<img alt="grafiek" src="data:image/png;base64,{str(data["image/png"]).strip()}">'
    if "text/markdown" in data:
        return markdown_html(_cell_source({"source": data["text/markdown"]}))
    if "text/plain" in data:
        return f"<pre>{html.escape(_cell_source({'source': data['text/plain']}))}</pre>"
    return ""


def altair_html_spec(markup: str) -> dict | None:
    """The Vega-Lite spec inside Altair's default HTML output (which loads vega from a CDN), or None.

    Altair's `html` renderer ends its script with `})(<spec>, <embed options>);`; the spec is
    taken out so the chart draws from the inlined bundle instead.
    """
    if "vegaEmbed" not in markup or "})(" not in markup:
        return None
    start = markup.rfind("})(") + 3
    try:
        spec, _ = json.JSONDecoder().raw_decode(markup, start)
    except ValueError:
        return None
    if not isinstance(spec, dict) or "vega" not in str(spec.get("$schema", "")):
        return None
    return spec


def notebook_page(
    notebook: Path, *, organisatie: str, kwartaal: str, nav: list[tuple[str, str]], active: str
) -> str:
    """The HTML page of one executed notebook."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    body, charts, title = notebook_body(
        nb, chart_prefix="grafiek-" + re.sub(r"[^a-z0-9]+", "-", Path(notebook).stem.lower())
    )
    return render_page(
        title=title or Path(notebook).stem,
        body=body,
        organisatie=organisatie,
        kwartaal=kwartaal,
        nav=nav,
        active=active,
        charts=charts,
        footer=(
            f"Gegenereerd uit het notebook {html.escape(Path(notebook).name)} "
            "(uitgevoerd notebook in notebooks/)."
        ),
    )
