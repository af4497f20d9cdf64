"""The dashboard as a clinician uses it: at three screen sizes, from a sent link, from the keyboard, printed.

Screenshots of each size land in ``tests/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import io
import re
import unicodedata
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from .browser import CHART, WIDGETS_TIMEOUT, Visit, brush, case_url
from .conftest import CASES, SEED, SYNTHETIC

pytestmark = pytest.mark.server
SIZES = [(1024, 768), (1366, 768), (1920, 1080)]

# What does not fit, measured in the page: elements wider than it, tables wider than their
# box, visible text under 12 px (SVG text at its drawn size, from its transform), and SVG
# text Vega shortened to its label limit (ending in an ellipsis).
LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const name = e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
    ? '.' + String(e.className).trim().split(/\\s+/).slice(0, 2).join('.') : '');
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const wide = [...document.querySelectorAll('body *')].filter(e => shown(e) && e.getBoundingClientRect().right > width + 1);
  const cut = [...document.querySelectorAll('table')].filter(t => shown(t) && (t.scrollWidth > t.clientWidth + 1
    || t.getBoundingClientRect().right > t.parentElement.getBoundingClientRect().right + 1));
  const small = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!shown(e) || ![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    let size = parseFloat(getComputedStyle(e).fontSize);
    if (e instanceof SVGGraphicsElement) { const m = e.getScreenCTM(); size *= Math.hypot(m.a, m.b); }
    if (size < 11.95) small.push(size.toFixed(1) + 'px ' + e.textContent.trim().slice(0, 40));
  }
  const shortened = [...document.querySelectorAll('svg text')].filter(t => shown(t) && t.textContent.trim().endsWith('\u2026'));
  return {scroll: document.documentElement.scrollWidth, width,
          wide: wide.slice(0, 5).map(name), cut: cut.map(t => t.innerText.slice(0, 60)), small: small.slice(0, 10),
          shortened: shortened.map(t => t.textContent)};
}"""


def _open(browser, url: str, *, width: int = 1366, height: int = 768) -> Visit:
    page = browser.new_context(viewport={"width": width, "height": height}, locale="en-US").new_page()
    visit = Visit(page, url)
    visit.wait_for_chart()
    return visit


def _domain(axis_label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The dates a time axis spans, from Vega's description of it ("... with values from Dec 20, 2009 to ...")."""
    found = re.search(r"values from (.+?) to (.+?)$", axis_label)
    assert found, axis_label
    return pd.Timestamp(found[1]), pd.Timestamp(found[2])


def _tab_to(page, focused: str, *, presses: int = 40) -> None:
    """Press Tab until the JavaScript predicate ``focused`` holds, as a keyboard user moves through the page."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate(focused):
            return
    pytest.fail(f"not reached by Tab: {focused}")


def _summary_heading(visit: Visit) -> str:
    return visit.page.locator(".casereport-summary h4").inner_text()


def _settled_range_heading(visit: Visit) -> str:
    """The summary's heading once it shows the range the address holds (Python answers after the brush)."""
    query = parse_qs(urlsplit(visit.page.url).query)
    first, last = (pd.Timestamp(query[k][0]).strftime("%-d %b %Y") for k in ("from", "to"))
    expected = f"Range: {first} to {last}"
    visit.page.locator(".casereport-summary h4", has_text=expected).wait_for(timeout=20_000)
    return expected


@pytest.mark.parametrize("name", [SEED, SYNTHETIC])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_page_fits_each_screen_with_every_panel_and_readable_text(browser, dashboard_url, name, size):
    width, height = size
    visit = _open(browser, case_url(dashboard_url, name), width=width, height=height)
    page = visit.page
    for panel in (
        ".casereport-header h1",
        ".casereport-band",
        "input[type=date]",
        f"{CHART} svg",
        ".casereport-summary table",
        ".casereport-findings table",
        ".casereport-cards table",
        ".casereport-data details",
    ):
        assert page.locator(panel).first.is_visible(), panel
    for heading in ("Summary of the range", "Staging findings", "Adverse events", "The data behind the charts"):
        assert page.get_by_role("heading", name=heading).first.is_visible(), heading
    layout = page.evaluate(LAYOUT)
    visit.shot(f"{name}-{width}x{height}")
    assert layout["scroll"] <= layout["width"], layout["wide"]
    assert layout["wide"] == []
    assert layout["cut"] == []
    assert layout["small"] == []
    assert layout["shortened"] == []
    # The linked views fill the page's width, less the room of their y axes, at every size.
    chart = page.locator(f"{CHART} svg").first.bounding_box()
    assert chart["width"] > 0.85 * width
    assert visit.console_errors == []


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12"])
def test_a_brushed_range_is_the_days_the_visitor_sees_in_any_time_zone(browser, dashboard_url, zone):
    """The range Python keeps (the link's from and to, the summary) is the days the brushed views show. Read as
    UTC, a brush fell a day early 14 hours east of it before 14:00, and a day late 12 hours west from noon:
    between the two zones, every time of day a brush can end at is checked."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US", timezone_id=zone)
    visit = Visit(context.new_page(), dashboard_url)
    visit.wait_for_chart()
    before = visit.axis_labels()[1]
    brush(visit, 0.35, 0.65)
    visit.page.wait_for_function(
        f"before => document.querySelectorAll(\"{CHART} svg g[aria-label^='X-axis']\")[1]"
        ".getAttribute('aria-label') !== before",
        arg=before,
        timeout=10_000,
    )
    low, high = _domain(visit.axis_labels()[1])  # the brush's ends, as the browser shows them
    expected = f"from={low.date().isoformat()}&to={high.date().isoformat()}"
    visit.page.wait_for_function("expected => location.search.includes(expected)", arg=expected, timeout=20_000)
    assert visit.console_errors == []
    context.close()


def test_a_brushed_range_staging_and_scale_travel_as_a_link(browser, dashboard_url):
    visit = _open(browser, dashboard_url)
    page = visit.page
    brush(visit, 0.35, 0.65)
    page.wait_for_function("() => location.search.includes('from=')", timeout=20_000)
    page.get_by_role("button", name="Jan 2010", exact=True).click()
    page.get_by_role("checkbox", name="gamma-GT").uncheck()
    page.get_by_role("button", name="log", exact=True).click()
    page.wait_for_function(
        "() => ['staging=', 'analytes=', 'afp=log'].every(k => location.search.includes(k))", timeout=20_000
    )
    heading = _settled_range_heading(visit)
    page.locator(".casereport-findings h4", has_text="January 2010").wait_for(timeout=20_000)
    summary = page.locator(".casereport-summary").inner_text()
    # A colleague opens the link: the same range, staging, analytes and scale, and the same summary.
    other = _open(browser, page.url)
    assert _summary_heading(other) == heading
    assert other.page.locator(".casereport-summary").inner_text() == summary
    assert "January 2010" in other.page.locator(".casereport-findings h4").inner_text()
    assert not other.page.get_by_role("checkbox", name="gamma-GT").is_checked()
    assert other.page.get_by_role("checkbox", name="GOT (AST)").is_checked()
    other.page.wait_for_selector(f"{CHART} svg g[aria-label*='AFP (ng/mL, log scale)' i]")
    # The restored brush narrows the linked views to the link's range.
    query = parse_qs(urlsplit(page.url).query)
    low, high = _domain(other.axis_labels()[1])
    assert abs(low - pd.Timestamp(query["from"][0])) <= pd.Timedelta(days=1)
    assert abs(high - pd.Timestamp(query["to"][0])) <= pd.Timedelta(days=1)
    assert visit.console_errors == []
    assert other.console_errors == []


@pytest.mark.parametrize(
    ("query", "note"),
    [("from=2010-13-01&to=2010-03-31", "not a date"), ("staging=nope", "not one of this case's stagings")],
)
def test_a_damaged_link_opens_the_whole_course_with_a_note(browser, dashboard_url, query, note):
    visit = _open(browser, f"{dashboard_url}?{query}")
    visit.page.get_by_text(note, exact=False).wait_for(timeout=20_000)
    assert "Whole course" in _summary_heading(visit)
    assert visit.console_errors == []


def test_the_range_and_the_staging_are_set_from_the_keyboard(browser, dashboard_url):
    visit = _open(browser, dashboard_url)
    page = visit.page
    # Tab from the top of the page reaches the From date, then (past its month, day and year) the To date.
    for field, typed in ((0, "01012010"), (1, "03312010")):
        _tab_to(
            page,
            f"() => [...document.querySelectorAll('input[type=date]')].indexOf(document.activeElement) === {field}",
        )
        page.keyboard.type(typed)  # month, day, year: the browser's own date field, in the en-US locale
    page.locator(".casereport-summary h4", has_text="Range: 1 Jan 2010 to 31 Mar 2010").wait_for(timeout=20_000)
    page.wait_for_function("() => location.search.includes('from=2010-01-01&to=2010-03-31')", timeout=20_000)
    # The stagings are buttons: Tab to the January one and press it.
    _tab_to(page, "() => document.activeElement.textContent === 'Jan 2010'")
    page.keyboard.press("Enter")
    page.locator(".casereport-findings h4", has_text="January 2010").wait_for(timeout=20_000)
    assert visit.console_errors == []


@pytest.mark.parametrize("name", [SEED, SYNTHETIC])
def test_printing_gives_at_most_two_a4_pages_with_the_summary(browser, dashboard_url, name):
    from pypdf import PdfReader

    import casereport

    case = casereport.load_case(CASES[name])
    visit = _open(browser, case_url(dashboard_url, name))
    visit.page.wait_for_selector(".casereport-print-only svg", state="attached", timeout=20_000)
    pdf = PdfReader(io.BytesIO(visit.page.pdf(format="A4", print_background=True)))
    # NFKC: the PDF's fonts set "fi" as one ligature glyph.
    text = unicodedata.normalize("NFKC", re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pdf.pages)))
    assert 1 <= len(pdf.pages) <= 2
    assert abs(float(pdf.pages[0].mediabox.width) - 595.3) < 1  # A4, in points
    for part in (case.title, "Case timeline", "Imaging findings by staging", "Adverse events", "Source:"):
        assert part in text, part
    assert "Provenance" in text
    # The controls and the reading guide stay on screen.
    assert "Copy link" not in text
    assert "Reading the page" not in text


@pytest.mark.parametrize("name", [SEED, SYNTHETIC])
def test_no_serious_or_critical_accessibility_problem(browser, dashboard_url, name):
    from axe_playwright_python.sync_playwright import Axe

    visit = _open(browser, case_url(dashboard_url, name))
    visit.page.wait_for_timeout(500)  # the brush's rectangles are marked once drawn
    found = Axe().run(visit.page).response["violations"]
    grave = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found]
    assert [g for g in grave if g[1] in ("serious", "critical")] == []


def test_the_page_frame_shows_while_the_case_loads(browser, dashboard_url):
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(dashboard_url, wait_until="domcontentloaded", timeout=WIDGETS_TIMEOUT)
    frame = page.locator("#casereport-frame")
    assert "Loading the case" in frame.inner_text()
    assert not page.get_by_text("Loading widget").first.is_visible()
    page.wait_for_selector(f"{CHART} svg", timeout=WIDGETS_TIMEOUT)
    assert not frame.is_visible()


def test_a_missing_case_shows_only_its_message(browser, dashboard_url):
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.goto(f"{dashboard_url}?case=no-such-case", wait_until="domcontentloaded", timeout=WIDGETS_TIMEOUT)
    page.get_by_text("Case not found").wait_for(timeout=WIDGETS_TIMEOUT)
    assert not page.locator("#casereport-frame").is_visible()
    assert page.get_by_text("Reading the page").count() == 0
    assert page.locator(".casereport-page-actions").count() == 0
