"""The case explorer: one HTML file with the dashboard's linked views, that answers a range and a staging offline.

The unit tests read the file as text; the browser tests (``server``-marked, as every browser
test is, though they start no server) open it from disk in Debian's Chromium with every
request to a host refused, as a colleague with the file and no network would.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import casereport
from casereport import charts
from casereport.apps.cli import main
from casereport.apps.explorer import _script_safe, page_data, write_explorer
from casereport.apps.view_state import stagings_with_findings
from casereport.derive.summary import dose_summary, lab_summary
from casereport.derive.tables import quantity_text

from .browser import CHART, Visit, brush, timeline_box
from .conftest import CASES, SEED, SYNTHETIC

BUDGET_BYTES = 3_000_000
BROWSER_TIMEOUT = 30_000  # ms: a file on disk, no kernel to wait for


class _Tags(HTMLParser):
    """Every start tag with its attributes (script bodies are text to this parser, not tags)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(text: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(text)
    return parser.tags


def _inline_json(text: str, element_id: str) -> object:
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', text, re.DOTALL)
    assert found, element_id
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def explorers(tmp_path_factory) -> dict[str, Path]:
    """The explorer file of each bundled case, made once by the command line as a user makes it."""
    folder = tmp_path_factory.mktemp("explorer")
    files = {}
    for name, case_dir in CASES.items():
        files[name] = folder / name / f"{name}.html"
        assert main(["explorer", str(case_dir), "--out", str(files[name])]) == 0
    return files


# The file


@pytest.mark.parametrize("name", [SEED, SYNTHETIC])
def test_the_command_writes_one_file_under_the_budget(explorers, name):
    path = explorers[name]
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert 0 < path.stat().st_size < BUDGET_BYTES, f"{name}: {path.stat().st_size / 1e6:.2f} MB"


@pytest.mark.parametrize("name", [SEED, SYNTHETIC])
def test_the_file_asks_no_host_for_anything(explorers, name):
    text = explorers[name].read_text(encoding="utf-8")
    tags = _tags(text)
    linked = [(tag, attrs) for tag, attrs in tags if "src" in attrs or (tag == "link" and "href" in attrs)]
    assert linked == [], "the data, Vega and the page are all inline"
    foreign = [
        (tag, attrs)
        for tag, attrs in tags
        if any(re.match(r"\s*(https?:)?//", attrs.get(key) or "") for key in ("src", "href", "action"))
    ]
    assert foreign == []
    scripts = [attrs.get("type") for tag, attrs in tags if tag == "script"]
    assert scripts == ["application/json", "application/json", "module", "module"]
    # No inlined text closed its script early: as many scripts end as begin.
    assert text.count("</script>") == len(scripts)


@pytest.mark.parametrize("axis", ["calendar", "relative"])
@pytest.mark.parametrize("name", [SEED, SYNTHETIC])
def test_the_embedded_chart_is_the_dashboards(name, axis, tmp_path):
    case = casereport.load_case(CASES[name])
    path = tmp_path / "explorer.html"
    assert main(["explorer", str(CASES[name]), "--out", str(path), "--axis", axis]) == 0
    text = path.read_text(encoding="utf-8")
    assert _inline_json(text, "casereport-spec") == charts.dashboard_chart(case, axis=axis).to_dict()
    assert _inline_json(text, "casereport-data") == json.loads(json.dumps(page_data(case, axis=axis)))


@pytest.mark.parametrize("name", [SEED, SYNTHETIC])
def test_the_page_has_every_value_dose_and_staging_and_never_shows_an_illustrative_value_as_measured(name):
    case = casereport.load_case(CASES[name])
    data = page_data(case)
    assert len(data["labs"]) == len(case.labs)
    assert len(data["doses"]) == len(case.administrations)
    for record in data["labs"]:
        assert record["text"].endswith(" (illustrative)") == (record["provenance"] == "illustrative"), record
    assert [s["id"] for s in data["stagings"]] == stagings_with_findings(case)
    for staging in data["stagings"]:
        quotes = case.findings.loc[case.findings["staging"] == staging["id"], "quote"].dropna()
        assert all(html.escape(q[:30]) in staging["html"] for q in quotes), staging["id"]
        assert "RECIST 1.1" in staging["html"]


def test_the_header_and_the_provenance_legend_are_in_the_file(explorers):
    case = casereport.load_case(CASES[SEED])
    text = explorers[SEED].read_text(encoding="utf-8")
    for words in (case.title, "Patient", "Diagnosis", "Regimens", "Key dates", "Source:", "PMC3328781"):
        assert words in text, words
    assert "never a measurement" in text  # the legend: illustrative values are not measurements
    assert "Not in this file" in text  # what needs the dashboard, said where the reader looks


def test_a_script_that_would_close_its_element_is_made_safe_or_refused():
    assert _script_safe('const s = "</script>";') == 'const s = "<\\/script>";'
    with pytest.raises(ValueError, match="<!--"):
        _script_safe("const s = '<!--';")


def test_the_command_refuses_an_invalid_case_and_an_unwritable_file(editable_case, tmp_path, capsys):
    broken = editable_case()
    (broken / "labs.csv").write_text("not,a,lab,file\n", encoding="utf-8")
    assert main(["explorer", str(broken), "--out", str(tmp_path / "x.html")]) == 2
    assert "labs.csv" in capsys.readouterr().err
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    assert main(["explorer", str(CASES[SYNTHETIC]), "--out", str(blocked / "x.html")]) == 2
    assert "--out" in capsys.readouterr().err


@pytest.mark.parametrize("formats", ["html,svg", "svg"])
def test_figures_writes_the_explorer_beside_the_html_figures(formats, tmp_path, monkeypatch):
    from casereport.apps import figures

    monkeypatch.setattr(figures, "figure_factories", lambda case, **_: {})  # only the pages and tables here
    manifest = figures.write_figures(case_dir=CASES[SYNTHETIC], output_dir=tmp_path, formats=formats)
    if "html" in formats:
        [page] = manifest["pages"]
        path = tmp_path / page["file"]
        assert page["page"] == "explorer"
        assert path.name == f"{SYNTHETIC}-explorer-calendar.html"
        assert page["bytes"] == path.stat().st_size
        assert "casereport-spec" in path.read_text(encoding="utf-8")
    else:
        assert manifest["pages"] == []
        assert not list(tmp_path.glob("*explorer*"))
        assert {"figure": "explorer", "reason": "the case explorer is an HTML page: ask for --format html"} in (
            manifest["skipped"]
        )
    assert json.loads((tmp_path / "manifest.json").read_text())["pages"] == manifest["pages"]


# In the browser


@pytest.fixture
def browser_context_args(browser_context_args):
    # Far from UTC: the page reads dates as Vega does (local time), and so must every comparison.
    return {**browser_context_args, "timezone_id": "Pacific/Auckland"}


def _open(page, path: Path) -> Visit:
    """The file from disk with every request to a host refused, its views drawn."""
    page.route(re.compile(r"^https?://"), lambda route: route.abort())
    visit = Visit(page, path.as_uri())
    page.wait_for_selector("body[data-explorer='ready']", timeout=BROWSER_TIMEOUT)
    return visit


def _summary(page) -> dict[str, list[dict[str, str]]]:
    """The summary's two tables as rows of {column: text}: labs, then doses."""
    tables = page.evaluate(
        """() => [...document.querySelectorAll('.casereport-summary table')].map(t => [...t.tBodies[0].rows]
             .map(tr => Object.fromEntries([...tr.cells].map(td => [td.dataset.key, td.textContent]))))"""
    )
    return {"labs": tables[0] if tables else [], "doses": tables[1] if len(tables) > 1 else []}


def _range(page, axis: str) -> tuple[object, object]:
    bounds = page.evaluate(
        "() => [document.querySelector('.casereport-summary').dataset.from,"
        " document.querySelector('.casereport-summary').dataset.to]"
    )
    assert None not in bounds, "a brushed range is on the summary"
    return tuple(pd.Timestamp(b) if axis == "calendar" else float(b) for b in bounds)


def _expected(case, start, end, axis: str) -> dict[str, list[dict[str, str]]]:
    """What the dashboard's Python summary says of the range, in the columns the page shows."""
    labs = lab_summary(case, start, end, axis=axis)
    doses = dose_summary(case, start, end, axis=axis)
    return {
        "labs": [
            {
                "analyte": row.analyte,
                "values": str(row.values),
                "first": quantity_text(row.first, row.unit),
                "first_when": row.first_when,
                "last": quantity_text(row.last, row.unit),
                "last_when": row.last_when,
                "lowest": quantity_text(row.lowest, row.unit),
                "highest": quantity_text(row.highest, row.unit),
                "worst_grade": "not graded" if pd.isna(row.worst_grade) else f"grade {row.worst_grade}",
                "illustrative_values": str(row.illustrative_values),
            }
            for row in labs.itertuples()
        ],
        "doses": [
            {
                "drug": row.drug,
                "planned_at_most": str(row.planned_at_most),
                "planned_possible": str(row.planned_possible),
                "cycles": ", ".join(map(str, row.cycles)) or "(continuous)",
                "first_when": row.first_when,
                "last_when": row.last_when,
                "note": row.note,
            }
            for row in doses.itertuples()
        ],
    }


LAB_COLUMNS = ["analyte", "values", "first", "first_when", "last", "last_when", "lowest", "highest", "worst_grade"]
DOSE_COLUMNS = ["drug", "planned_at_most", "planned_possible", "cycles", "first_when", "last_when", "note"]


def _shown(summary: dict[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    """The page's summary in the columns :func:`_expected` gives, a value's mark (illustrative) aside."""
    columns = {"labs": [*LAB_COLUMNS, "illustrative_values"], "doses": DOSE_COLUMNS}
    return {
        table: [{key: re.sub(r" \(illustrative\)$", "", row[key]) for key in columns[table]} for row in rows]
        for table, rows in summary.items()
    }


def _axis_labels(visit: Visit) -> str:
    return "|".join(visit.axis_labels())


class TestInTheBrowser:
    pytestmark = pytest.mark.server

    @pytest.mark.parametrize("name", [SEED, SYNTHETIC])
    def test_it_opens_from_disk_offline_with_every_view_drawn(self, page, explorers, name):
        case = casereport.load_case(CASES[name])
        visit = _open(page, explorers[name])
        views = len(_inline_json(explorers[name].read_text(encoding="utf-8"), "casereport-spec")["vconcat"])
        assert len(visit.axis_labels()) >= views
        body = page.locator("body")
        titles = ["Case timeline", "Labs (brush the timeline to zoom)", "Imaging findings by staging and site"]
        if "1834-1" in set(case.labs["loinc"]):
            titles.append("Alpha-fetoprotein (AFP)")
        for text in [case.title, "Provenance.", "Summary of the range", "Staging findings", *titles]:
            assert body.get_by_text(text, exact=False).first.is_visible(), text
        visit.shot(f"explorer-{name}")
        assert visit.requests == [explorers[name].as_uri()], "nothing but the file itself"
        assert visit.console_errors == []

    @pytest.mark.parametrize("name", [SEED, SYNTHETIC])
    def test_brushing_narrows_the_views_and_the_summary_the_browser_computes(self, page, explorers, name):
        case = casereport.load_case(CASES[name])
        visit = _open(page, explorers[name])
        whole = _shown(_summary(page))
        assert whole == _expected(case, pd.Timestamp("1900-01-01"), pd.Timestamp("2100-01-01"), "calendar")
        before = _axis_labels(visit)
        brush(visit, 0.35, 0.65)
        page.locator(".casereport-summary h4", has_text=re.compile("^Range: ")).wait_for(timeout=BROWSER_TIMEOUT)
        page.wait_for_function(
            f"before => [...document.querySelectorAll(\"{CHART} svg g[aria-label^='X-axis']\")]"
            ".map(g => g.getAttribute('aria-label')).join('|') !== before",
            arg=before,
            timeout=BROWSER_TIMEOUT,
        )
        narrowed = _shown(_summary(page))
        assert narrowed != whole
        assert narrowed == _expected(case, *_range(page, "calendar"), "calendar")
        # A double-click clears the brush: the whole course again.
        box = timeline_box(visit)
        page.mouse.dblclick(box["left"] + 0.5 * (box["right"] - box["left"]), box["top"] + 5)
        page.locator(".casereport-summary h4", has_text="Whole course").wait_for(timeout=BROWSER_TIMEOUT)
        assert _shown(_summary(page)) == whole
        assert visit.console_errors == []

    @pytest.mark.parametrize("name", [SEED, SYNTHETIC])
    def test_a_staging_shows_its_findings_in_the_papers_words(self, page, explorers, name):
        case = casereport.load_case(CASES[name])
        stagings = case.events[case.events["kind"] == "staging"].sort_values("date_earliest", kind="stable")
        latest, clicked = stagings.iloc[-1], stagings.iloc[1]  # the first after baseline
        visit = _open(page, explorers[name])
        findings = page.locator(".casereport-findings")
        assert latest["label"] in findings.locator("h4").inner_text(), "the latest staging until another is chosen"
        page.locator(f"{CHART} svg path[aria-label*='{clicked['label']}']").first.click()
        findings.locator("h4", has_text=clicked["label"]).wait_for(timeout=BROWSER_TIMEOUT)
        quotes = case.findings.loc[case.findings["staging"] == clicked["id"], "quote"].dropna()
        text = findings.inner_text()
        assert quotes.size
        assert all(q[:30] in text for q in quotes)
        assert "RECIST 1.1" in text
        # Its button says so, and another button shows another staging, from the keyboard too.
        assert page.locator(".casereport-staging-buttons button[aria-pressed='true']").count() == 1
        page.locator(".casereport-staging-buttons button").first.focus()
        page.keyboard.press("Enter")
        findings.locator("h4", has_text=stagings.iloc[0]["label"]).wait_for(timeout=BROWSER_TIMEOUT)
        visit.shot(f"explorer-{name}-staging")
        assert visit.console_errors == []

    def test_on_the_relative_axis_a_range_is_days_and_the_summary_still_agrees(self, page, tmp_path):
        case = casereport.load_case(CASES[SEED])
        path = write_explorer(case, tmp_path / "relative.html", axis="relative")
        visit = _open(page, path)
        brush(visit, 0.2, 0.5)
        page.locator(".casereport-summary h4", has_text=re.compile(r"^Range: day ")).wait_for(timeout=BROWSER_TIMEOUT)
        assert _shown(_summary(page)) == _expected(case, *_range(page, "relative"), "relative")
        assert visit.console_errors == []

    @pytest.mark.parametrize("axis", ["calendar", "relative"])
    def test_a_window_resized_redraws_the_views_without_an_error(self, page, tmp_path, axis):
        """The views take the window's width: a resize redraws them, brushed or not, with nothing in the console
        (on the relative axis, the timeline's brush once failed at every resize)."""
        case = casereport.load_case(CASES[SEED])
        visit = _open(page, write_explorer(case, tmp_path / "page.html", axis=axis))
        drawn = f"{CHART} svg.marks"
        width = page.locator(drawn).first.bounding_box()["width"]
        page.set_viewport_size({"width": 1024, "height": 1200})
        page.wait_for_function(f"document.querySelector('{drawn}').getBoundingClientRect().width < {width - 100}")
        brush(visit, 0.2, 0.5)
        page.set_viewport_size({"width": 1280, "height": 1200})
        page.locator(".casereport-summary h4", has_text="Range:").wait_for(timeout=BROWSER_TIMEOUT)
        assert visit.console_errors == []


def test_a_case_without_imaging_has_an_explorer_and_a_dashboard(no_imaging_case, tmp_path):
    """An author's case may have no imaging: the page and the dashboard say so, with no traceback."""
    from casereport.apps.dashboard import dashboard_page, prebuild

    case = casereport.load_case(no_imaging_case)
    path = tmp_path / "explorer.html"
    assert main(["explorer", str(no_imaging_case), "--out", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert "no imaging findings" in json.dumps(_inline_json(text, "casereport-spec"))
    assert not stagings_with_findings(case)
    dashboard = prebuild(no_imaging_case)
    assert dashboard is not None
    assert "no imaging findings" in json.dumps(dashboard.chart.spec)
    assert "No staging with findings" in dashboard.findings.value
    dashboard_page("axis=relative", default=no_imaging_case)  # the page a visitor gets, another view
