"""The dashboard in a real browser: Debian's Chromium, driven by Playwright, against Voila on loopback.

Screenshots land in ``tests/screenshots/`` (ignored by git) for a person to look at.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .browser import CHART, WIDGETS_TIMEOUT, Visit, brush, case_url, timeline_box
from .conftest import CASES, SEED, SYNTHETIC
from .voila_server import jupyter_server, slides_server

pytestmark = pytest.mark.server


@pytest.mark.parametrize("name", [SEED, SYNTHETIC])
def test_every_panel_renders_offline_without_errors(page, dashboard_url, name):
    import casereport

    case = casereport.load_case(CASES[name])
    visit = Visit(page, case_url(dashboard_url, name))
    visit.wait_for_chart()
    body = page.locator("body")
    for title in ("Adverse events", "Toxicity on treatment (CTCAE v5.0)"):  # the clinical summary's panels
        assert body.get_by_text(title, exact=True).first.is_visible(), title
    for text in (
        case.title,
        "Audit:",
        "Time axis",
        "Staging findings",
        "Whole course",
        "Case timeline",
        "Imaging findings by staging and site",
    ):
        assert body.get_by_text(text, exact=False).first.is_visible(), text
    if "1834-1" in set(case.labs["loinc"]):
        assert body.get_by_text("Alpha-fetoprotein (AFP)").first.is_visible()
    visit.shot(f"{name}-whole-page")
    assert visit.console_errors == []
    assert visit.foreign_requests(dashboard_url) == []


@pytest.mark.parametrize("name", [SEED, SYNTHETIC])
def test_brushing_the_timeline_narrows_the_linked_views_and_the_summary(page, dashboard_url, name):
    visit = Visit(page, case_url(dashboard_url, name))
    visit.wait_for_chart()
    before = visit.axis_labels()
    brush(visit, 0.35, 0.65)
    page.wait_for_function(
        f"before => [...document.querySelectorAll(\"{CHART} svg g[aria-label^='X-axis']\")]"
        ".map(g => g.getAttribute('aria-label')).join('|') !== before",
        arg="|".join(before),
        timeout=10_000,
    )
    after = visit.axis_labels()
    assert after[0] == before[0], "the timeline itself keeps the whole course"
    linked = [i for i, label in enumerate(before[1:], 1) if "time scale" in label or "linear scale" in label]
    assert linked, before
    assert all(after[i] != before[i] for i in linked), (before, after)
    # The summary, computed in Python, follows the brush.
    page.locator(".casereport-summary h4", has_text=re.compile("^Range:")).wait_for(timeout=20_000)
    visit.shot(f"{name}-brushed")
    # Double-click clears the brush; the whole course comes back.
    box = timeline_box(visit)
    page.mouse.dblclick(box["left"] + 0.5 * (box["right"] - box["left"]), box["top"] + 5)
    page.wait_for_function(
        f"before => [...document.querySelectorAll(\"{CHART} svg g[aria-label^='X-axis']\")]"
        ".map(g => g.getAttribute('aria-label')).join('|') === before",
        arg="|".join(before),
        timeout=10_000,
    )
    assert visit.console_errors == []


@pytest.mark.parametrize("name", [SEED, SYNTHETIC])
def test_clicking_a_staging_shows_its_findings_in_the_papers_words(page, dashboard_url, name):
    import casereport

    case = casereport.load_case(CASES[name])
    staging = case.events[case.events["kind"] == "staging"].iloc[1]  # the first after baseline
    visit = Visit(page, case_url(dashboard_url, name))
    visit.wait_for_chart()
    page.locator(f".casereport-chart svg path[aria-label*='{staging['label']}']").first.click()
    findings = page.locator(".casereport-findings")
    # The latest staging shows before any click; the clicked one's heading replaces it.
    findings.locator("h4", has_text=staging["label"]).wait_for(timeout=20_000)
    quotes = case.findings.loc[case.findings["staging"] == staging["id"], "quote"].dropna()
    text = findings.inner_text()
    assert any(q[:30] in text for q in quotes)
    assert "RECIST 1.1" in text
    visit.shot(f"{name}-staging-findings")


@pytest.mark.parametrize("name", [SEED, SYNTHETIC])
def test_the_clinical_cards_show_the_adverse_events_and_the_baseline(page, dashboard_url, name):
    import casereport
    from casereport.derive.clinical import adverse_event_table, baseline_assessment

    case = casereport.load_case(CASES[name])
    visit = Visit(page, case_url(dashboard_url, name))
    visit.wait_for_chart()
    cards = page.locator(".casereport-cards")
    table = adverse_event_table(case)
    events = cards.locator("section", has=page.get_by_role("heading", name="Adverse events")).locator("table")
    assert events.is_visible()  # shown, not behind a click
    text = events.inner_text()
    for _, row in table.iterrows():
        assert row["adverse event"] in text
        assert row["grade"] in text
    baseline = cards.locator("section", has=page.get_by_role("heading", name="Baseline"))
    if name == SEED:  # a liver case's baseline names its liver stages; another case's does not
        assert baseline.get_by_role("heading", name="Baseline: Child-Pugh, BCLC, ECOG, metastatic sites").is_visible()
    else:
        assert "Child-Pugh" not in baseline.get_by_role("heading").inner_text()
    for _, row in baseline_assessment(case).iterrows():
        assert baseline.get_by_text(row["item"].strip(), exact=True).first.is_visible()
    visit.shot(f"{name}-clinical-summary")
    assert visit.console_errors == []


def test_axis_and_scale_toggles_redraw_the_views(page, dashboard_url):
    visit = Visit(page, dashboard_url)
    visit.wait_for_chart()
    page.get_by_text("Days since start").click()
    page.wait_for_selector("svg g[aria-label*='Days since']", timeout=20_000)
    page.get_by_role("button", name="log").click()
    page.wait_for_selector("svg g[aria-label*='AFP (ng/mL, log scale)' i]", timeout=20_000)
    # A window resized after the redraw (a full-page screenshot resizes it too): the views follow, and on the
    # relative axis the timeline's brush once failed at every resize.
    drawn = f"{CHART} svg.marks"
    width = page.locator(drawn).bounding_box()["width"]
    page.set_viewport_size({"width": 1024, "height": 3200})
    page.wait_for_function(f"document.querySelector('{drawn}').getBoundingClientRect().width < {width - 100}")
    visit.shot("relative-log")
    assert visit.console_errors == []


def test_choosing_analytes_changes_the_lab_view(page, dashboard_url):
    visit = Visit(page, dashboard_url)
    visit.wait_for_chart()
    for name in ("GOT (AST)", "GPT (ALT)"):  # leaves gamma-GT, which then names the axis itself
        page.get_by_role("checkbox", name=name).uncheck()
    page.wait_for_selector(".casereport-chart svg g[aria-label^=\"Y-axis titled 'gamma-GT (U/L)'\"]", timeout=20_000)


@pytest.mark.parametrize("asked", ["no-such-case", "../../etc/passwd", "/work/main/data/gahr2012-hcc"])
def test_a_bad_case_parameter_gets_a_friendly_message(page, dashboard_url, asked):
    visit = Visit(page, f"{dashboard_url}?case={asked}")
    page.get_by_text("Case not found").wait_for(timeout=WIDGETS_TIMEOUT)
    assert "Traceback" not in page.content()
    assert page.locator(".vega-embed").count() == 0
    assert visit.console_errors == []
    assert visit.foreign_requests(dashboard_url) == []


def test_the_page_holds_no_source_and_the_server_no_files(dashboard_url):
    with urllib.request.urlopen(dashboard_url, timeout=180) as response:
        page = response.read().decode("utf-8")
    notebook = json.loads((Path(__file__).resolve().parents[1] / "dashboards" / "case.ipynb").read_text())
    # Names long enough to be the notebook's own; highlighted source would keep each one whole.
    names = {
        n for c in notebook["cells"] if c["cell_type"] == "code" for n in re.findall(r"\w{12,}", "".join(c["source"]))
    }
    assert names, "the dashboard notebook has code"
    assert sorted(n for n in names if n in page) == []
    root = Path(__file__).resolve().parents[1]
    private = [p.relative_to(root).as_posix() for p in (root / "data").rglob("*.csv")][:3]
    private += ["dashboards/case.ipynb", "notebooks/figures.ipynb", "voila.json", "pyproject.toml"]
    for path in private:
        for route in ("voila/files/", "files/", "voila/static/", "voila/templates/casereport/static/../../../../"):
            url = dashboard_url + route + path
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    body = response.read().decode("utf-8", "replace")
                    served = response.status == 200 and not re.search(r"<html", body[:500], re.IGNORECASE)
            except urllib.error.HTTPError:
                served = False
            assert not served, url


def test_the_page_links_no_cdn_and_font_awesome_is_served_locally(dashboard_url):
    with urllib.request.urlopen(dashboard_url, timeout=180) as response:
        page = response.read().decode("utf-8")
    with urllib.request.urlopen(dashboard_url + "voila/templates/casereport/static/fontawesome/css/all.min.css") as css:
        assert b"Font Awesome" in css.read()
    assert "cdn.jsdelivr.net/npm/@fortawesome" not in page
    assert "voila/templates/casereport/static/fontawesome/css/all.min.css" in page
    assert not re.findall(r"<(?:script|link)[^>]+(?:src|href)=\"https?://", page)


@pytest.fixture(scope="module")
def jupyter_url(tmp_path_factory):
    with jupyter_server(tmp_path_factory.mktemp("jupyter") / "jupyter.log") as base:
        yield base


def test_the_jupyter_server_route_renders_it_too(page, jupyter_url):
    """JupyterHub and Binder serve the dashboard through Voila's server extension."""
    visit = Visit(page, jupyter_url + "voila/render/dashboards/case.ipynb")
    visit.wait_for_chart()
    page.get_by_text("Whole course").first.wait_for()
    visit.shot("jupyter-server-route")
    assert page.locator("svg g[aria-label^='X-axis']").count() >= 3


def test_the_jupyter_server_route_asks_no_other_host(page, jupyter_url):
    """Under the server extension Voila's page would fetch MathJax from cdnjs; the server config stops it."""
    visit = Visit(page, jupyter_url + "voila/render/dashboards/case.ipynb")
    visit.wait_for_chart()
    assert visit.foreign_requests(jupyter_url) == []
    assert visit.console_errors == []


def test_an_html_figure_works_offline_with_tooltips_and_zoom(page, tmp_path):
    from casereport.apps.figures import write_figures

    write_figures(case_dir=CASES[SEED], output_dir=tmp_path, formats="html")
    visit = Visit(page, (tmp_path / f"{SEED}-afp-calendar.html").as_uri())
    page.wait_for_selector("svg g[aria-label^='X-axis']", timeout=30_000)
    # The tooltip of a value the paper states carries its provenance and the paper's words.
    page.locator("svg path[aria-label*='analyte: AFP'][aria-label*='provenance: reported']").first.hover()
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=10_000)
    tooltip = page.inner_text("#vg-tooltip-element")
    assert "reported" in tooltip
    assert "paper's words" in tooltip
    # Zooming changes the dates along the axis (its aria-label keeps the first domain with month ticks).
    ticks = "() => document.querySelector(\"svg g[aria-label^='X-axis']\").textContent"
    before = page.evaluate(ticks)
    plot = page.locator("svg g[aria-label^='Y-axis']").first.bounding_box()
    x_axis = page.locator("svg g[aria-label^='X-axis']").first.bounding_box()
    page.mouse.move(x_axis["x"] + x_axis["width"] / 2, plot["y"] + plot["height"] / 2)
    page.mouse.wheel(0, -400)
    page.wait_for_function(f"before => ({ticks})() !== before", arg=before, timeout=10_000)
    assert [u for u in visit.requests if not u.startswith(("file:", "data:", "blob:"))] == []
    assert visit.console_errors == []


@pytest.fixture(scope="module")
def slides_url(tmp_path_factory):
    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "02-liver-enzymes-and-ctcae.ipynb"
    with slides_server(notebook, tmp_path_factory.mktemp("slides") / "slides.log") as base:
        yield base


def test_a_teaching_notebook_runs_as_slides_offline(page, slides_url):
    visit = Visit(page, slides_url)
    # reveal.js marks its container ready once the slides are laid out; the step control is a live widget.
    page.wait_for_selector(".reveal.ready", timeout=WIDGETS_TIMEOUT)
    first = page.locator(".reveal .slides section.present").first.inner_text()
    assert "liver enzymes under treatment" in first.lower()  # the theme sets headings in capitals
    page.keyboard.press("ArrowRight")
    page.wait_for_selector(".reveal .slides section.present .widget-slider", timeout=WIDGETS_TIMEOUT)
    step = page.locator(".reveal .slides section.present").first
    assert "Step" in step.inner_text()
    assert step.locator("svg").count() >= 1
    visit.shot("slides-step-through")
    # The parameters and the imports are skipped; no source is shown.
    assert "reveal_until =" not in page.content()
    assert visit.console_errors == []
    assert visit.foreign_requests(slides_url) == []
    with urllib.request.urlopen(
        slides_url + "voila/templates/casereport-slides/static/reveal/dist/reveal.css", timeout=30
    ) as css:
        assert b".reveal" in css.read()
