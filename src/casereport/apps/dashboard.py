"""The dashboard: the case's linked views and the panels around them, as ipywidgets.

The charts link in the browser (one Vega view, named selections); Python
only answers what needs Python: the summary of a brushed range and the
findings of a clicked staging.
"""

from __future__ import annotations

import asyncio
import datetime
import html
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import altair as alt
import ipywidgets as widgets
import pandas as pd

from casereport import charts
from casereport.apps.case_html import (
    PROVENANCE_LEGEND,
    STYLE,
    chart_data_html,
    clinical_html,
    header_html,
    range_html,
    staging_html,
    table_html,
)
from casereport.apps.offline import served_chart_class
from casereport.apps.page_bridge import PageBridge
from casereport.apps.view_state import (
    ViewState,
    default_analytes,
    range_from_brush,
    read_view,
    stagings_with_findings,
    view_query,
)
from casereport.data.bundled import bundled_cases
from casereport.data.case import Case
from casereport.data.load import load_case
from casereport.derive.audit import audit_case, audit_frame
from casereport.derive.panels import analyte_name, shared_view_analytes, tumour_markers
from casereport.derive.tables import format_when
from casereport.exceptions import CaseValidationError, UnknownCaseError

CASE_PARAMETER = "case"
# Seconds without a keystroke before a typed range applies; and the first year a range may start in.
TYPING_PAUSE_S = 0.7
FIRST_YEAR = 1900
# Under the case's page only: a page that could not show a case does not explain its views.
READING_GUIDE = (
    "<p class='casereport-note casereport-reading'><b>Reading the page.</b> Drag across the timeline to narrow the linked lab and imaging"
    " views to that range, or type the range in <i>From</i> and <i>To</i>; double-click the timeline or press"
    " <i>Whole course</i> to clear. Click a staging (a diamond) or its button to read its findings in the paper's"
    " words. The address keeps what you chose: copy it to send this view. Every chart's data are in the tables under"
    " it.</p>"
)


def choose_case(query_string: str | None, default: str | Path) -> Path:
    """The case folder a request asks for: a bundled case by name, never a path from the request."""
    asked = parse_qs(query_string or "").get(CASE_PARAMETER, [""])[0].strip()
    if not asked:
        return Path(default)
    cases = bundled_cases()
    if asked not in cases:
        raise UnknownCaseError(asked, list(cases))
    return cases[asked]


def audit_panel(case: Case) -> widgets.Accordion:
    """The audit's disagreements, one click away."""
    found = audit_frame(audit_case(case))
    body = widgets.HTML(
        STYLE
        + table_html(
            found[["severity", "detail", "quotes"]], empty="The paper's counts, dates and labs agree with each other."
        )
        + "<p class='casereport-note'>A tension holds only under the reading it names. Checks that hold only because"
        " illustrative values were made to satisfy them are not counted as agreement: <code>casereport audit"
        " --verbose</code> lists them.</p>"
    )
    panel = widgets.Accordion(children=[body], selected_index=None)
    panel.set_title(
        0,
        f"Audit: the paper disagrees with itself in {len(found)} place(s)"
        if len(found)
        else "Audit: the paper's counts, dates and labs agree",
    )
    return panel


def _brush_bounds(value: dict, axis: charts.Axis, browser_zone: str | None = None) -> tuple[object, object] | None:
    """The brush's range from the chart, in the axis's own units: on the calendar, the dates the visitor sees."""
    bounds = value.get("x") if value else None
    if not bounds:
        return None
    low, high = bounds[0], bounds[1]
    if axis == "calendar":
        low, high = (_seen_date(b, browser_zone) for b in (low, high))
    return low, high


def _seen_date(value: object, browser_zone: str | None) -> pd.Timestamp:
    """A brushed date as the browser shows it. Vega reads the charts' dates in the browser's time zone and gives
    the brush's as milliseconds since 1970 UTC: read as UTC, a brush in Berlin began the evening before, and a
    range typed or linked from it lost a day (``browser_zone``: the zone's name, as the chart widget reports it)."""
    if not isinstance(value, int | float):
        return pd.Timestamp(str(value))  # a date Vega gave as text
    instant = pd.Timestamp(value, unit="ms", tz="UTC")
    try:
        return instant.tz_convert(browser_zone or "UTC").tz_localize(None)
    except (KeyError, ValueError):  # a zone this machine does not know: UTC, as before it was told
        return instant.tz_localize(None)


def _day(value: object) -> datetime.date | None:
    return value.date() if isinstance(value, pd.Timestamp) else None


class CaseDashboard:
    """The dashboard's widgets and the few callbacks that need Python; its view lives in the address."""

    def __init__(self, case: Case, *, view: ViewState | None = None, case_name: str | None = None) -> None:
        self.case = case
        self.case_name = case_name
        self.view = view or ViewState()
        self.notes: list[str] = []
        self._quiet = False  # set while Python itself moves the controls
        self._typing: asyncio.TimerHandle | None = None
        self.analyte_boxes = {
            loinc: widgets.Checkbox(description=analyte_name(case, loinc), indent=False, layout={"width": "auto"})
            for loinc in shared_view_analytes(case)
        }
        # One scale for the tumour markers' views, named by the marker ("CEA scale"); shown only with a marker.
        markers = tumour_markers(case)
        self.marker_scale = widgets.ToggleButtons(
            options=["linear", "log"],
            description=f"{analyte_name(case, markers[0])} scale" if len(markers) == 1 else "Marker scale",
        )
        self.axis = widgets.ToggleButtons(
            options=[("Calendar dates", "calendar"), ("Days since start", "relative")], description="Time axis"
        )
        self.date_from = widgets.DatePicker(description="From", layout={"width": "auto"})
        self.date_to = widgets.DatePicker(description="To", layout={"width": "auto"})
        self.day_from = widgets.IntText(description="From day", layout={"width": "170px"})
        self.day_to = widgets.IntText(description="To day", layout={"width": "170px"})
        self.whole_course = widgets.Button(description="Whole course", tooltip="Clear the range")
        stagings = stagings_with_findings(case)
        events = case.events.set_index("id")
        self.staging = widgets.ToggleButtons(
            options=[(format_when(*events.loc[s, ["date_earliest", "date_latest"]]), s) for s in stagings],
            tooltips=[str(events.at[s, "label"]) for s in stagings],
            description="Staging",
            style={"button_width": "auto"},
        )
        self.bridge = PageBridge()
        self.notice = widgets.HTML()
        self.summary = widgets.HTML()
        self.findings = widgets.HTML()
        self.findings.add_class("casereport-findings")
        self.summary.add_class("casereport-summary")
        self._set_controls()
        self.chart = served_chart_class()(
            self._chart(),
            # The summary follows a brush once it pauses: redrawn at every move, its table reflowed
            # the page under the drag (brush-to-redraw p95 32-41 ms at 60 ms, 28 ms at 250 ms).
            debounce_wait=250,
            # No Vega action menu: its links lead off the page, and print and the figures export.
            embed_options={"renderer": "svg", "actions": False},
        )
        self.chart.add_class("casereport-chart")
        # What a printer gets instead of the linked views: the same charts at A4's width and type sizes,
        # added once the page is drawn (a visitor waits for the screen, not for the printout).
        self.print_chart: alt.JupyterChart | None = None
        self.printed = widgets.VBox()
        self.printed.add_class("casereport-print-only")
        self.bridge.observe(self._add_print_chart, names="rendered")
        self.chart_data = widgets.HTML(chart_data_html(case, self._analytes()))
        self._show_summary()
        self._show_findings()
        for control in (self.marker_scale, self.axis, *self.analyte_boxes.values()):
            control.observe(self._on_view_control, names="value")
        for picker in (self.date_from, self.date_to, self.day_from, self.day_to):
            picker.observe(self._on_range_input, names="value")
        self.whole_course.on_click(self._on_whole_course)
        self.staging.observe(self._on_staging, names="value")
        self._watch_selections()
        self.page = self._compose()

    # The view, shown
    def apply_view(self, view: ViewState, *, notes: list[str] | None = None, case_name: str | None = None) -> None:
        """Show ``view`` (from a link), with a note for each part of the link that did not fit."""
        self.case_name = case_name
        self._show(view, notes=notes or [])

    def _analytes(self) -> tuple[str, ...]:
        return self.view.analytes if self.view.analytes is not None else default_analytes(self.case)

    def _staging_shown(self) -> str | None:
        stagings = stagings_with_findings(self.case)
        return self.view.staging or (stagings[-1] if stagings else None)

    def _chart(self) -> alt.VConcatChart:
        return charts.dashboard_chart(
            self.case,
            axis=self.view.axis,
            analytes=list(self._analytes()),
            marker_scale=self.view.marker_scale,
            brush_range=self.view.range_bounds(),
        )

    def _add_print_chart(self, change: dict) -> None:
        if change["new"] and self.print_chart is None:
            self.print_chart = served_chart_class()(
                self._print_chart(), embed_options={"renderer": "svg", "actions": False}
            )
            self.printed.children = (self.print_chart,)

    def _print_chart(self) -> alt.VConcatChart:
        return charts.print_summary_chart(
            self.case, analytes=list(self._analytes()), marker_scale=self.view.marker_scale
        )

    def _set_controls(self, *, keep_inputs: bool = False) -> None:
        """Move the controls to the view, without their callbacks acting on it."""
        self._quiet = True
        try:
            view = self.view
            self.axis.value = view.axis
            self.marker_scale.value = view.marker_scale
            shown = set(self._analytes())
            for loinc, box in self.analyte_boxes.items():
                box.value = loinc in shown
            low, high = view.range or (None, None)
            if not keep_inputs:
                self.date_from.value, self.date_to.value = _day(low), _day(high)
                self.day_from.value = int(low) if isinstance(low, int) else 0
                self.day_to.value = int(high) if isinstance(high, int) else 0
            calendar = view.axis == "calendar"
            for picker in (self.date_from, self.date_to):
                picker.layout.display = None if calendar else "none"
            for box in (self.day_from, self.day_to):
                box.layout.display = "none" if calendar else None
            self.staging.value = self._staging_shown()
            self.bridge.query = view_query(view, self.case, case_name=self.case_name)
            self.notice.value = "".join(
                f"<p class='casereport-illustrative' role='status'>{html.escape(n)}</p>" for n in self.notes
            )
        finally:
            self._quiet = False

    def _show_summary(self) -> None:
        bounds = self.view.range_bounds()
        if bounds is None:
            self.summary.value = self._whole_course()
        else:
            self.summary.value = range_html(self.case, *bounds, axis=self.view.axis)

    def _show_findings(self) -> None:
        staging = self._staging_shown()
        self.findings.value = (
            staging_html(self.case, staging) if staging else "<p><em>No staging with findings.</em></p>"
        )

    def _whole_course(self) -> str:
        frames = [self.case.events, self.case.labs, self.case.administrations]
        if self.view.axis == "calendar":
            start = min(f["date_earliest"].min() for f in frames)
            end = max(f["date_latest"].max() for f in frames) + pd.Timedelta(days=1)
        else:
            start, end = -1e6, 1e6
        return range_html(self.case, start, end, axis=self.view.axis).replace(
            "Range:", "Whole course (brush the timeline or type a range to narrow):", 1
        )

    def _change(self, *, from_inputs: bool = False, **changes: Any) -> None:
        """A new view from a control."""
        self._show(self.view.replace(**changes), from_inputs=from_inputs)

    def _show(self, view: ViewState, *, notes: list[str] | None = None, from_inputs: bool = False) -> None:
        """Show ``view``: the controls and the address follow, and each part whose input changed is redrawn."""
        before, self.view, self.notes = self.view, view, notes or []
        self._set_controls(keep_inputs=from_inputs)  # never rewrite a date while it is being typed
        if (before.axis, before.marker_scale, before.analytes, before.range) != (
            view.axis,
            view.marker_scale,
            view.analytes,
            view.range,
        ):
            self._redraw()
        if (before.range, before.axis) != (view.range, view.axis):
            self._show_summary()
        if before.analytes != view.analytes:
            self.chart_data.value = chart_data_html(self.case, self._analytes())
        printed = (before.analytes, before.marker_scale) != (view.analytes, view.marker_scale)
        if printed and self.print_chart is not None:
            self.print_chart.chart = self._print_chart()
        if before.staging != view.staging:
            self._show_findings()

    def _redraw(self) -> None:
        self.chart.chart = self._chart()
        self._watch_selections()  # a new chart brings new selection traits

    def _watch_selections(self) -> None:
        self.chart.selections.observe(self._on_brush, names=[charts.BRUSH])
        self.chart.selections.observe(self._on_pick, names=[charts.STAGING_PICK])

    # Callbacks
    def _on_view_control(self, _change: dict) -> None:
        if self._quiet:
            return
        analytes = tuple(loinc for loinc, box in self.analyte_boxes.items() if box.value)
        axis = self.axis.value
        changes: dict[str, Any] = {"marker_scale": self.marker_scale.value, "analytes": analytes, "axis": axis}
        if axis != self.view.axis:
            changes["range"] = None  # days and dates do not convert without a chosen reference
        self._change(**changes)

    def _on_range_input(self, _change: dict) -> None:
        """A typed range applies once typing pauses: each keystroke in a date field is a valid date already."""
        if self._quiet:
            return
        if self._typing is not None:
            self._typing.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (called from a script): apply now
            self._apply_range_inputs()
            return
        self._typing = loop.call_later(TYPING_PAUSE_S, self._apply_range_inputs)

    def _apply_range_inputs(self) -> None:
        self._typing = None
        if self.view.axis == "calendar":
            low, high = self.date_from.value, self.date_to.value
            # A year still being typed reads as year 2 or 201: wait for a whole one.
            if low is None or high is None or min(low.year, high.year) < FIRST_YEAR:
                return
            self._change(range=range_from_brush(low, high, "calendar"), from_inputs=True)
        else:
            self._change(range=range_from_brush(self.day_from.value, self.day_to.value, "relative"), from_inputs=True)

    def _on_whole_course(self, _button: widgets.Button) -> None:
        self._change(range=None)

    def _on_brush(self, change: dict) -> None:
        bounds = _brush_bounds(change["new"].value, self.view.axis, self.chart.local_tz)
        rounded = range_from_brush(*bounds, self.view.axis) if bounds else None
        if rounded != self.view.range:
            self.notes = []
            self.view = self.view.replace(range=rounded)
            self._set_controls()
            self._show_summary()

    def _on_pick(self, change: dict) -> None:
        picked = [p.get("id") for p in change["new"].value or []]
        chosen = next((p for p in picked if p in stagings_with_findings(self.case)), None)
        if chosen:
            self._change(staging=chosen)

    def _on_staging(self, change: dict) -> None:
        if not self._quiet and change["new"]:
            self._change(staging=change["new"])

    def widget(self) -> widgets.Widget:
        """The whole page: header band, controls, the linked views, their data, the answers, the clinical cards.

        Composed once, when the dashboard is built (in a preheated kernel, before the
        visitor comes): a visit only moves it to the view its link asks for.
        """
        return self.page

    def _compose(self) -> widgets.VBox:
        range_inputs = widgets.HBox(
            [self.date_from, self.date_to, self.day_from, self.day_to, self.whole_course],
            layout={"align_items": "flex-end", "flex_flow": "row wrap"},
        )
        analytes = widgets.HBox(
            [widgets.Label("Analytes"), *self.analyte_boxes.values()], layout={"flex_flow": "row wrap"}
        )
        # The lab view's analytes only when it has some (a tumour marker has its view and scale instead).
        choices = [analytes] if self.analyte_boxes else []
        toggles = [self.axis, self.marker_scale] if tumour_markers(self.case) else [self.axis]
        controls = widgets.Box([range_inputs, self.staging, *choices, *toggles, self.bridge])
        controls.add_class("casereport-controls")
        findings = widgets.VBox([widgets.HTML("<h3>Staging findings</h3>"), self.findings])
        summary = widgets.VBox([widgets.HTML("<h3>Summary of the range</h3>"), self.summary])
        answers = widgets.Box([summary, findings])
        answers.add_class("casereport-panels")
        page = widgets.VBox(
            [
                widgets.HTML(header_html(self.case)),
                self.notice,
                controls,
                widgets.HTML(READING_GUIDE + PROVENANCE_LEGEND),
                self.chart,
                self.printed,
                self.chart_data,
                answers,
                widgets.HTML(clinical_html(self.case)),
                audit_panel(self.case),
            ],
            layout={"width": "100%"},
        )
        page.add_class("casereport-page")
        return page


def dashboard_page(
    query_string: str | None, *, default: str | Path, prebuilt: CaseDashboard | None = None
) -> widgets.Widget:
    """The page for a request: the case its ``?case=`` names, in the view its other parameters give, or a refusal.

    ``prebuilt`` (built before the visitor came, by a preheated kernel) serves
    if it shows that case.
    """
    try:
        chosen = choose_case(query_string, default)
    except UnknownCaseError as unknown:
        return unknown_case_widget(unknown)
    asked = parse_qs(query_string or "").get(CASE_PARAMETER, [""])[0].strip() or None
    same = prebuilt is not None and Path(prebuilt.case.path).resolve() == chosen.resolve()
    try:
        dashboard = prebuilt if same and prebuilt is not None else CaseDashboard(load_case(chosen))
    except CaseValidationError as invalid:
        return case_error_widget(invalid)
    view, notes = read_view(query_string, dashboard.case)
    dashboard.apply_view(view, notes=notes, case_name=asked)
    return dashboard.widget()


def prebuild(case_dir: str | Path) -> CaseDashboard | None:
    """The dashboard of ``case_dir``, built before a visitor comes; None if the case does not load.

    A case that does not load is the visitor's page to explain (:func:`dashboard_page`), not a
    traceback in a preheated kernel.
    """
    try:
        return CaseDashboard(load_case(case_dir))
    except CaseValidationError:
        return None


def offline_charts(cache: Path | None = None) -> type[alt.JupyterChart]:
    """The chart widget class that loads Vega from vl-convert's bundle, never a CDN (see ``apps/offline.py``).

    ``JupyterChart.enable_offline()`` builds that bundle in vl-convert's
    JavaScript runtime, which stays in memory (about 90 MB per kernel). The
    dashboard's server builds it once (``prepare_offline_bundle``) into the
    template's static folder, and each chart's script imports it from there by
    URL (``served_chart_class``); without the file (``cache``, by default the
    server's), the bundle goes inline, built once by this kernel. Later calls
    return the same class.
    """
    return served_chart_class(cache)


def unknown_case_widget(error: UnknownCaseError) -> widgets.Widget:
    """A friendly page for a case that is not here, with links to the ones that are."""
    links = " ".join(f"<a href='?{CASE_PARAMETER}={html.escape(name)}'>{html.escape(name)}</a>" for name in error.known)
    return widgets.HTML(
        f"<div class='casereport-unknown-case casereport-refusal'><h2>Case not found</h2><p>{html.escape(str(error))}</p>"
        f"<p>Open one of: {links}</p></div>"
    )


def case_error_widget(error: CaseValidationError) -> widgets.Widget:
    """A page for a case whose files do not validate: what is wrong, where, and how to check it."""
    problems = "".join(f"<li>{html.escape(str(problem))}</li>" for problem in error.problems[:20])
    more = len(error.problems) - 20
    return widgets.HTML(
        "<div class='casereport-case-error casereport-refusal'><h2>This case cannot be shown</h2>"
        f"<p>The case folder <code>{html.escape(Path(error.case_dir).name)}</code> has"
        f" {len(error.problems)} problem(s), so the dashboard shows nothing rather than something wrong."
        " Its author can list them all with <code>casereport validate</code>.</p>"
        f"<ul>{problems}</ul>" + (f"<p>and {more} more.</p>" if more > 0 else "") + "</div>"
    )
