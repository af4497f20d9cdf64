"""What the browser tests share: a page visit that records what the browser said and asked for, and a brush."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from .conftest import SEED

SCREENSHOTS = Path(__file__).parent / "screenshots"
# The dashboard's linked views (the printed page has charts of its own, hidden on screen).
CHART = ".casereport-chart"
WIDGETS_TIMEOUT = 90_000  # ms: a cold kernel imports pandas and altair before the chart appears


class Visit:
    """One page load, with what the browser said and asked for along the way."""

    def __init__(self, page, url: str) -> None:
        self.page = page
        self.console_errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.goto(url, wait_until="domcontentloaded", timeout=WIDGETS_TIMEOUT)

    def wait_for_chart(self) -> None:
        self.page.wait_for_selector(f"{CHART} svg g[aria-label^='X-axis']", timeout=WIDGETS_TIMEOUT)

    def axis_labels(self, prefix: str = "X-axis") -> list[str]:
        return [
            el.get_attribute("aria-label") for el in self.page.locator(f"{CHART} svg g[aria-label^='{prefix}']").all()
        ]

    def foreign_requests(self, base: str) -> list[str]:
        host = urlsplit(base).netloc
        return [
            u
            for u in self.requests
            if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != host
        ]

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def case_url(base: str, name: str) -> str:
    return base if name == SEED else f"{base}?case={name}"


def timeline_box(visit: Visit) -> dict:
    """The timeline's plot area: between its x axis's ends, over its lanes."""
    x_axis = visit.page.locator(f"{CHART} svg g[aria-label^='X-axis']").first.bounding_box()
    lanes = visit.page.locator(f"{CHART} svg g[aria-label^='Y-axis for a discrete scale']").first.bounding_box()
    return {
        "left": x_axis["x"],
        "right": x_axis["x"] + x_axis["width"],
        "top": lanes["y"],
        "bottom": lanes["y"] + lanes["height"],
    }


def brush(visit: Visit, start: float, end: float) -> None:
    box = timeline_box(visit)
    y = box["top"] + 0.1 * (box["bottom"] - box["top"])  # the first drug's lane, clear of event marks
    width = box["right"] - box["left"]
    mouse = visit.page.mouse
    mouse.move(box["left"] + start * width, y)
    mouse.down()
    mouse.move(box["left"] + (start + end) / 2 * width, y, steps=4)
    mouse.move(box["left"] + end * width, y, steps=4)
    mouse.up()


def kernel_id(visit: Visit) -> str:
    """The id of the kernel Voila gave this page."""
    return json.loads(visit.page.locator("#jupyter-config-data").first.text_content())["kernelId"]


def kernel_alive(base: str, kernel: str) -> bool:
    """Whether the server at ``base`` still runs ``kernel``, by its kernel list."""
    try:
        with urllib.request.urlopen(f"{base}api/kernels/{kernel}", timeout=10) as answer:
            return answer.status == 200
    except urllib.error.HTTPError as refused:
        if refused.code == 404:
            return False
        raise
