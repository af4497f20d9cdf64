"""Time the explorer file in a real browser; run on demand, not as a test.

    .venv/bin/python benchmarks/explorer.py [--loads 9]

For each bundled case: writes the explorer file, then opens it from disk in
Debian's headless Chromium (every request to a host refused) several times,
each in a fresh browser context, after one load that is not counted (it
starts the browser's first page), and prints
the time from navigation to every view drawn (each view's x axis in the SVG),
the median and the range, and the file's size with the part Vega takes.
The dashboard's own figures (a bare Voila notebook takes about 1.0 s to
show) are measured by ``benchmarks/dashboard.py``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.voila_server import CHROMIUM, CHROMIUM_ARGS

from casereport.apps.explorer import vega_bundle, write_explorer
from casereport.data.bundled import bundled_cases
from casereport.data.load import load_case

AXES = ".casereport-chart svg g[aria-label^='X-axis']"


def _views(path: Path) -> int:
    """How many views the file's chart has: each draws at least one x axis."""
    found = re.search(r'id="casereport-spec">(.*?)</script>', path.read_text(encoding="utf-8"), re.DOTALL)
    if found is None:
        raise SystemExit(f"{path}: no chart spec in the file")
    return len(json.loads(found.group(1))["vconcat"])


def _load_times(browser, path: Path, loads: int) -> list[float]:
    views = _views(path)
    times = []
    for _ in range(loads):
        context = browser.new_context(viewport={"width": 1280, "height": 2400})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.route(re.compile(r"^https?://"), lambda route: route.abort())
        start = time.perf_counter()
        page.goto(path.as_uri(), wait_until="commit")
        page.wait_for_function(f'n => document.querySelectorAll("{AXES}").length >= n', arg=views, timeout=60_000)
        times.append(time.perf_counter() - start)
        context.close()
        if errors:
            raise SystemExit(f"{path.name}: {errors[0]}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=9, help="loads per case (default: 9)")
    loads = parser.parse_args().loads
    vega = len(vega_bundle().encode("utf-8"))
    with tempfile.TemporaryDirectory(prefix="casereport-explorer-") as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, case_dir in bundled_cases().items():
                path = write_explorer(load_case(case_dir), Path(folder) / f"{name}.html")
                _load_times(browser, path, 1)  # not counted: the browser's first page
                times = _load_times(browser, path, loads)
                size = path.stat().st_size
                print(
                    f"{name}: {size / 1e6:.2f} MB (Vega {vega / 1e6:.2f} MB, {vega / size:.0%});"
                    f" navigation to every view drawn, median of {loads}: {statistics.median(times):.2f} s"
                    f" (from {min(times):.2f} to {max(times):.2f} s)"
                )
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
