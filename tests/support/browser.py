"""Headless Chromium over the DevTools protocol: open a bundle page, wait for its charts, measure, screenshot.

The pages draw their charts with JavaScript (vega-embed, SVG renderer), so checking them means running
them in a browser. This drives a local Chromium through its DevTools websocket (websocket-client comes
with Jupyter), without network and without a profile of its own beyond a temporary folder.

As a script it screenshots every page of a bundle, for a person to look at:

    python -m tests.support.browser <bundle> <screenshot-folder> [--delen]

(`--delen` adds the pages cut in window-high parts under `<screenshot-folder>/delen/`.)
"""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import websocket

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)

#: A promise that settles when every chart placeholder holds its drawing (an SVG) or a message.
WAIT_FOR_CHARTS = """
new Promise(function (resolve) {
  var start = Date.now();
  (function poll() {
    var divs = Array.from(document.querySelectorAll('.grafiek[id]'));
    var done = divs.every(function (d) { return d.querySelector('svg') || d.textContent.trim(); });
    if (done || Date.now() - start > 20000) { resolve({charts: divs.length, done: done}); }
    else { setTimeout(poll, 50); }
  })();
})
"""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless Chromium with one tab; use as a context manager."""

    def __init__(self, executable: str | None = None, width: int = 1280, height: int = 900):
        self.executable = executable or find_chromium()
        if self.executable is None:
            raise FileNotFoundError("geen Chromium gevonden (" + ", ".join(CHROMIUM_NAMES) + ")")
        self.width, self.height = width, height
        self._ids = itertools.count(1)

    def __enter__(self) -> Browser:
        self.profile = tempfile.mkdtemp(prefix="participatie-chromium-")
        self.process = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={self.width},900"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.__exit__(None, None, None)
                raise RuntimeError("Chromium startte niet (geen DevToolsActivePort)")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            pages = [t for t in json.load(response) if t.get("type") == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60)
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.viewport(self.width, self.height)
        return self

    def __exit__(self, *exc: object) -> None:
        if getattr(self, "ws", None) is not None:
            self.ws.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method: str, **params: Any) -> dict:
        """One DevTools command; events that arrive meanwhile are kept for `wait_event`."""
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._events.append(message)

    _events: list[dict] = []

    def wait_event(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        for i, event in enumerate(self._events):
            if event.get("method") == method:
                return self._events.pop(i)
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            if message.get("method") == method:
                return message
        raise TimeoutError(method)

    def viewport(self, width: int, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def open(self, path: Path) -> dict:
        """Load a page from disk and wait for its charts; returns `{charts, done}`."""
        self._events = []
        self.viewport(self.width, self.height)
        self.send("Page.navigate", url=Path(path).resolve().as_uri())
        self.wait_event("Page.loadEventFired")
        return self.evaluate(WAIT_FOR_CHARTS)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def screenshot(self, target: Path) -> Path:
        """The whole page (not only the window) as PNG."""
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.viewport(self.width, min(height, 16000))
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
        self.viewport(self.width, self.height)
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(data))
        return target

    def screenshot_parts(self, stem: Path, part_height: int = 1200) -> list[Path]:
        """The whole page in window-high parts (`stem-1.png`, ...), legible when looked at one by one."""
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.viewport(self.width, min(height, 16000))
        out = []
        for i, top in enumerate(range(0, min(height, 16000), part_height), start=1):
            clip = {
                "x": 0,
                "y": top,
                "width": self.width,
                "height": min(part_height, height - top),
                "scale": 1,
            }
            data = self.send("Page.captureScreenshot", format="png", clip=clip)["data"]
            target = Path(f"{stem}-{i}.png")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(data))
            out.append(target)
        self.viewport(self.width, self.height)
        return out

    def print_media(self, on: bool = True, width: int = 794) -> None:
        """Lay the page out as it prints (`@media print`, A4 width at 96 dpi), for a screenshot of it."""
        self.send("Emulation.setEmulatedMedia", media="print" if on else "")
        self.width = width if on else 1280

    def pdf(self, target: Path) -> Path:
        """The page printed as the browser's "print to PDF" would (A4, print stylesheet)."""
        data = self.send(
            "Page.printToPDF",
            paperWidth=8.27,
            paperHeight=11.69,
            printBackground=True,
            preferCSSPageSize=True,
        )["data"]
        target = Path(target)
        target.write_bytes(base64.b64decode(data))
        return target


def bundle_pages(bundle: Path) -> list[Path]:
    """Every HTML page of a bundle, the dashboard (`publicatie/index.html`) first."""
    pages = sorted(p for p in Path(bundle).rglob("*.html") if "notebooks" not in p.parts)
    dashboard = Path(bundle) / "publicatie" / "index.html"
    return sorted(pages, key=lambda p: (p != dashboard, str(p)))


def main(argv: list[str]) -> int:
    bundle, out = Path(argv[0]), Path(argv[1])
    with Browser() as browser:
        for page in bundle_pages(bundle):
            state = browser.open(page)
            name = page.relative_to(bundle).as_posix().replace("/", "_").removesuffix(".html")
            browser.screenshot(out / f"{name}.png")
            if "--delen" in argv:
                browser.screenshot_parts(out / "delen" / name)
            print(f"{name}: {state['charts']} grafieken, getekend: {state['done']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
