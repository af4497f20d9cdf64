"""Measure the dashboard in a real browser; run on demand, not as a test.

    .venv/bin/python benchmarks/dashboard.py

Prints, in one run:
- time until every panel is visible, against a bare Voila notebook started
  the same way (same command, config and template), as a ratio;
- time from each pointer move of a brush on the timeline to the linked views redrawn (95th percentile);
- kernel memory per visitor, against a bare Python that imports pandas and altair, and visitors per GB;
- ten visitors opening the page at once: all render, none errors, the slowest time;
- thirty visitors one after another, each closing the page: the kernels left afterwards, against the pool;
- the single-file explorer (no server, no kernel) from disk: time to every view, against the bare notebook.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.voila_server import CHROMIUM, CHROMIUM_ARGS, dashboard_server, server_kernels

from casereport.apps.explorer import write_explorer
from casereport.data.bundled import default_case_dir
from casereport.data.load import load_case

VISITS = 5
POOL_REFILL_S = 12  # preheated kernels are replaced in the background after each visit
# Every panel a clinician reads: the linked views, the range summary, the staging findings, the clinical cards.
PANELS = [
    ".casereport-chart svg g[aria-label^='X-axis']",
    ".casereport-summary table",
    ".casereport-findings table",
    ".casereport-cards table",
]
BRUSHES = 12  # each drawn in 10 pointer moves: over a hundred redraws timed


# Inside the project: Voila serves notebooks under the folder it runs in only.
BARE = Path("benchmarks") / "bare.ipynb"


async def _time_visit(browser, url: str, selectors: list[str]) -> float:
    page = await browser.new_page(viewport={"width": 1280, "height": 2400})
    start = time.perf_counter()
    await page.goto(url, wait_until="domcontentloaded", timeout=180_000)
    for selector in selectors:
        await page.wait_for_selector(selector, timeout=120_000)
    elapsed = time.perf_counter() - start
    await page.close()
    return elapsed


async def _render_times(browser, url: str, selectors: list[str]) -> list[float]:
    times = []
    for _ in range(VISITS):
        await asyncio.sleep(POOL_REFILL_S)
        times.append(await _time_visit(browser, url, selectors))
        print(f"  visit: {times[-1]:.2f} s", file=sys.stderr, flush=True)
    return times


BRUSH_PROBE = """
() => {
  window.__brush = {moves: [], changes: []};
  document.addEventListener('pointermove', e => window.__brush.moves.push(performance.now()), true);
  const axes = [...document.querySelectorAll(".casereport-chart svg g[aria-label^='X-axis']")];
  const linked = axes[1];
  new MutationObserver(() => window.__brush.changes.push(performance.now()))
    .observe(linked, {attributes: true, attributeFilter: ['aria-label']});
}
"""


async def _brush_latencies(browser, url: str) -> list[float]:
    """Milliseconds from each pointer move of a brush to the lab view's next new x domain, over several brushes."""
    page = await browser.new_page(viewport={"width": 1280, "height": 2400})
    await page.goto(url, wait_until="domcontentloaded", timeout=180_000)
    await page.wait_for_selector(PANELS[1], timeout=120_000)
    x_axis = await page.locator(".casereport-chart svg g[aria-label^='X-axis']").first.bounding_box()
    lanes = await page.locator(
        ".casereport-chart svg g[aria-label^='Y-axis for a discrete scale']"
    ).first.bounding_box()
    y = lanes["y"] + 0.1 * lanes["height"]
    latencies = []
    spans = [(0.05 + 0.07 * (n % 6), 0.45 + 0.08 * (n % 6)) for n in range(BRUSHES)]
    for start, end in spans:
        await page.mouse.dblclick(x_axis["x"] + 0.95 * x_axis["width"], y)  # clear the previous brush
        await asyncio.sleep(0.5)
        await page.evaluate(BRUSH_PROBE)
        await page.mouse.move(x_axis["x"] + start * x_axis["width"], y)
        await page.mouse.down()
        await page.mouse.move(x_axis["x"] + end * x_axis["width"], y, steps=10)
        await page.mouse.up()
        await asyncio.sleep(0.5)
        probe = await page.evaluate("window.__brush")
        # Each move's redraw: the first new domain after it, if it came before the next move.
        moves, changes = probe["moves"], probe["changes"]
        for move, following in zip(moves, [*moves[1:], float("inf")], strict=True):
            redraw = next((c for c in changes if move <= c < following), None)
            if redraw is not None:
                latencies.append(redraw - move)
    await page.close()
    return latencies


EXPLORER_VIEWS = ".casereport-chart svg g[aria-label^='X-axis']"
POOL_SIZE = 2  # voila.json's default_pool_size
IN_A_ROW = 30


async def _explorer_times(browser, path: Path) -> list[float]:
    """Seconds from navigation to every view of the explorer file drawn, opened from disk with no network."""
    views = None
    times = []
    for visit in range(VISITS + 1):  # the first load starts the browser's renderer: not counted
        context = await browser.new_context(viewport={"width": 1280, "height": 2400})
        page = await context.new_page()
        await page.route(lambda url: url.startswith(("http://", "https://")), lambda route: route.abort())
        start = time.perf_counter()
        await page.goto(path.as_uri(), wait_until="commit")
        if views is None:
            await page.wait_for_selector(EXPLORER_VIEWS, timeout=60_000)
            await asyncio.sleep(2)
            views = await page.locator(EXPLORER_VIEWS).count()
        await page.wait_for_function(f'n => document.querySelectorAll("{EXPLORER_VIEWS}").length >= n', arg=views)
        if visit:
            times.append(time.perf_counter() - start)
        await context.close()
    return times


async def _in_a_row(browser, url: str) -> tuple[int, int, float]:
    """Visitors one after another, each closing the page; then how many kernels are left, and how soon."""
    rendered = 0
    for _ in range(IN_A_ROW):
        page = await browser.new_page(viewport={"width": 1280, "height": 2400})
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=180_000)
            await page.wait_for_selector(PANELS[0], timeout=180_000)
            rendered += 1
        except PlaywrightError as err:
            print("  visitor error:", repr(err)[:200])
        await page.close(run_before_unload=True)
    start = time.perf_counter()
    while len(server_kernels(url)) > POOL_SIZE and time.perf_counter() - start < 120:
        await asyncio.sleep(1)
    return rendered, len(server_kernels(url)), time.perf_counter() - start


def _kernel_usage(url: str) -> list[tuple[float, float]]:
    """Resident memory (MB) and CPU time used so far (s) of each kernel of the server at ``url``."""
    pids = ",".join(str(pid) for pid in server_kernels(url))
    out = subprocess.run(["ps", "-o", "rss=,times=", "-p", pids], capture_output=True, text=True, check=False).stdout
    return [(int(rss) / 1024, float(cpu)) for rss, cpu in (line.split() for line in out.splitlines())]


def _bare_python_rss_mb() -> float:
    code = "import pandas, altair, resource;print(open('/proc/self/status').read().split('VmRSS:')[1].split()[0])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return int(out) / 1024


async def _visitors(browser, url: str, selectors: list[str], count: int = 10) -> tuple[int, int, float]:
    errors = []

    async def visit() -> float:
        context = await browser.new_context(viewport={"width": 1280, "height": 2400})
        page = await context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        start = time.perf_counter()
        try:
            await page.goto(url, wait_until="domcontentloaded", timeout=180_000)
            for selector in selectors:
                await page.wait_for_selector(selector, timeout=180_000)
            return time.perf_counter() - start
        except PlaywrightError as err:  # a visitor who never sees the page counts as a failure
            errors.append(repr(err))
            return float("nan")
        finally:
            await context.close()

    times = await asyncio.gather(*(visit() for _ in range(count)))
    rendered = [t for t in times if not math.isnan(t)]
    for error in errors[:3]:
        print("  visitor error:", error[:200])
    return len(rendered), len(errors), max(rendered) if rendered else float("nan")


async def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            with dashboard_server(None, folder / "bare.log", notebook=BARE) as url:
                bare_times = await _render_times(browser, url, ["text=bare notebook ready"])
                await asyncio.sleep(POOL_REFILL_S)
                print("  ten visitors, bare notebook", file=sys.stderr, flush=True)
                bare_ten = await _visitors(browser, url, ["text=bare notebook ready"])
            print("  explorer", file=sys.stderr, flush=True)
            explorer = write_explorer(load_case(default_case_dir()), folder / "explorer.html")
            explorer_times = await _explorer_times(browser, explorer)
            with dashboard_server(None, folder / "dashboard.log") as url:
                dashboard_times = await _render_times(browser, url, PANELS)
                await asyncio.sleep(POOL_REFILL_S)
                print("  brushing", file=sys.stderr, flush=True)
                latencies = await _brush_latencies(browser, url)
                page = await browser.new_page()
                await page.goto(url, wait_until="domcontentloaded", timeout=180_000)
                await page.wait_for_selector(PANELS[0], timeout=120_000)
                usage = _kernel_usage(url)  # the pool's two and the visitor's
                kernels = [rss for rss, _ in usage]
                visitor_cpu = max(cpu for _, cpu in usage)
                await page.close()
                await asyncio.sleep(POOL_REFILL_S)
                print("  ten visitors", file=sys.stderr, flush=True)
                rendered, errors, slowest = await _visitors(browser, url, PANELS)
                await asyncio.sleep(POOL_REFILL_S)
                print(f"  {IN_A_ROW} in a row", file=sys.stderr, flush=True)
                row_rendered, row_left, row_settled = await _in_a_row(browser, url)
            await browser.close()
    bare_s, dashboard_s = statistics.median(bare_times), statistics.median(dashboard_times)
    python_mb = _bare_python_rss_mb()
    visitor_mb = max(kernels) if kernels else float("nan")
    print(f"bare Voila notebook, every output visible:  {bare_s:6.2f} s (median of {VISITS}, preheated)")
    print(f"dashboard, every panel visible:             {dashboard_s:6.2f} s (median of {VISITS}, preheated)")
    print(f"render ratio:                               {dashboard_s / bare_s:6.2f} (aim: at most 1.2)")
    if latencies:
        p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0]
        print(
            f"brush move to linked views redrawn:         {statistics.median(latencies):6.1f} ms median, "
            f"{p95:.1f} ms 95th percentile, {max(latencies):.1f} ms worst of {len(latencies)} (aim: p95 under 16 ms)"
        )
    else:
        print("brush to linked views redrawn:              not measured (no redraw seen)")
    print(
        f"kernel memory per visitor:                  {visitor_mb:6.0f} MB, bare python with pandas+altair "
        f"{python_mb:.0f} MB: {100 * (visitor_mb / python_mb - 1):+.0f}% (aim: within 20%)"
    )
    print(f"visitors per GB of kernels:                 {1024 / visitor_mb:6.1f}")
    print(
        f"kernel CPU per visitor (start to page):     {visitor_cpu:6.1f} s: one core starts about "
        f"{60 / visitor_cpu:.0f} visitors a minute"
    )
    print(
        f"ten visitors at once:                       {rendered}/10 rendered, {errors} errors, slowest {slowest:.2f} s"
        f" (aim: under 10 s); the bare notebook {bare_ten[0]}/10, {bare_ten[1]} errors, slowest {bare_ten[2]:.2f} s"
    )
    print(
        f"{IN_A_ROW} visitors in a row, each closing:         {row_rendered}/{IN_A_ROW} rendered, {row_left} kernels"
        f" left {row_settled:.0f} s after the last (pool: {POOL_SIZE})"
    )
    explorer_s = statistics.median(explorer_times)
    print(
        f"explorer file from disk, every view drawn:  {explorer_s:6.2f} s (median of {VISITS}), "
        f"{explorer_s / bare_s:.2f} of the bare notebook (aim: at most 0.5), no kernel"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
