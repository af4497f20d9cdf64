"""The dashboard: the case's linked views and the panels around them, as ipywidgets.

The charts link in the browser (one Vega view, named selections); Python
only answers what needs Python: the summary of a brushed range and the
findings of a clicked staging.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import parse_qs

import altair as alt
import ipywidgets as widgets
import pandas as pd

from casereport import charts
from casereport.apps.offline import offline_chart_class
from casereport.data.bundled import bundled_cases
from casereport.data.case import Case
from casereport.data.catalogue import AFP, LIVER_ENZYMES
from casereport.data.load import load_case
from casereport.derive.audit import audit_case, audit_frame
from casereport.derive.clinical import (
    adverse_event_table,
    baseline_assessment,
    exposure,
    outcome_summary,
    toxicity_table,
)
from casereport.derive.grading import on_treatment_grades
from casereport.derive.response import response_assessments
from casereport.derive.summary import dose_summary, lab_summary, staging_findings
from casereport.derive.tables import format_when
from casereport.exceptions import UnknownCaseError

CASE_PARAMETER = "case"
READABLE = {
    "values": "n",
    "first_when": "first on",
    "last_when": "last on",
    "worst_grade": "worst CTCAE v5.0 on treatment",
    "illustrative_values": "illustrative",
    "planned_at_most": "planned doses (at most)",
    "planned_possible": "of which only possibly before a stop",
}
CHART_WIDTH = 540
# Under the case's page only: a page that could not show a case does not explain its views.
READING_GUIDE = (
    "<p><b>Reading the page.</b> Drag across the timeline to narrow the lab, AFP and imaging views to that range;"
    " double-click to clear. Click a staging (a diamond) to read its findings in the paper's words. Filled marks are"
    " values stated in the paper; pale marks stated values at a date the paper does not give; hollow marks are"
    " illustrative, placed to show the course the paper describes, and never measurements.</p>"
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


def _table(frame: pd.DataFrame, *, empty: str) -> str:
    if frame.empty:
        return f"<p><em>{html.escape(empty)}</em></p>"
    return frame.to_html(index=False, na_rep="", escape=True, classes="casereport-table", border=0)


STYLE = """<style>
.casereport-table { border-collapse: collapse; font-size: 12px; line-height: 1.35; margin: 4px 0 8px; }
.casereport-table th, .casereport-table td { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left;
  vertical-align: top; }
.casereport-note { color: #555; font-size: 12px; }
.casereport-illustrative { background: #fff4d6; border-left: 4px solid #E69F00; padding: 4px 8px; font-size: 12px; }
</style>"""


def header_html(case: Case) -> str:
    """The patient, diagnosis, regimens and key dates in a few lines."""
    patient = {r["field"]: r["value"] for _, r in case.patient.iterrows()}
    age, sex = patient.pop("age_years", None), patient.pop("sex", "")
    who = f"{age}-year-old {sex}" if age is not None else str(sex)
    background = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in patient.items())
    regimens = "; ".join(
        f"{r['drug']} {r['dose']:g} {r['dose_unit']} ({r['schedule_kind']})" for _, r in case.regimens.iterrows()
    )
    keys = case.events[case.events["kind"].isin(["diagnosis", "regimen_start", "staging", "regimen_stop"])]
    dates = " &middot; ".join(
        f"<b>{html.escape(format_when(r['date_earliest'], r['date_latest']))}</b> {html.escape(r['label'])}"
        for _, r in keys.iterrows()
    )
    synthetic = (
        "<p class='casereport-illustrative'>Synthetic case, made up for testing and teaching: not a patient.</p>"
        if case.synthetic
        else ""
    )
    citation = html.escape(str(case.source.get("citation", "")))
    return (
        f"{STYLE}<h2 style='margin-bottom:2px'>{html.escape(case.title)}</h2>{synthetic}"
        f"<p><b>Patient:</b> {html.escape(who)}; {html.escape(background)}<br>"
        f"<b>Diagnosis:</b> {html.escape(str(case.diagnosis['name']))}<br>"
        f"<b>Regimens:</b> {html.escape(regimens)}</p>"
        f"<p class='casereport-note'>{dates}</p>"
        f"<p class='casereport-note'>Source: {citation}. Hollow marks and the word <i>illustrative</i> mark values "
        "placed for illustration, not measured; hover a mark for the paper's words.</p>"
    )


def audit_panel(case: Case) -> widgets.Accordion:
    """The audit's disagreements, one click away."""
    found = audit_frame(audit_case(case))
    body = widgets.HTML(
        STYLE
        + _table(
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


def clinical_panel(case: Case) -> widgets.Accordion:
    """Baseline, planned doses, on-treatment toxicity, adverse events and outcome, one click each."""
    toxicity = toxicity_table(on_treatment_grades(case))
    parts = [
        ("Baseline: Child-Pugh, BCLC, ECOG, metastatic sites", _table(baseline_assessment(case), empty="")),
        (
            "Regimens: planned doses and time on each drug",
            "<p class='casereport-note'>Planned doses from the regimen rules, at most the number shown: the paper"
            " reports no holds or reductions.</p>" + _table(exposure(case), empty="No regimen."),
        ),
        (
            "Toxicity on treatment (CTCAE v5.0)",
            "<p class='casereport-note'>Values before the first dose are the baseline, not adverse events.</p>"
            + _table(toxicity, empty="No graded laboratory value on treatment."),
        ),
        ("Adverse events", _table(adverse_event_table(case), empty="No adverse event reported.")),
        ("Outcome", _table(outcome_summary(case), empty="")),
    ]
    panel = widgets.Accordion(children=[widgets.HTML(STYLE + body) for _, body in parts], selected_index=None)
    for number, (title, _) in enumerate(parts):
        panel.set_title(number, title)
    return panel


def staging_html(case: Case, staging: str) -> str:
    """A staging's findings, response categories (against baseline, and before an added drug) and the paper's words."""
    event = case.event(staging)
    assessed = response_assessments(case)
    assessed = assessed[(assessed["staging"] == staging) & (assessed["category"] != "baseline")]
    lines = [
        f"<p><b>RECIST 1.1 against {html.escape(case.event(r['compared_with'])['label'])}:</b> {html.escape(r['category'])}"
        f" &mdash; <span class='casereport-note'>"
        f"{html.escape('; '.join(x for x in (r['reason'], r['mrecist_note']) if x))}</span></p>"
        for _, r in assessed.iterrows()
    ] or ["<p><b>RECIST 1.1:</b> the reference the later stagings are read against.</p>"]
    return (
        f"{STYLE}<h4 style='margin:4px 0'>{html.escape(event['label'])} "
        f"({html.escape(format_when(event['date_earliest'], event['date_latest']))})</h4>"
        + "".join(lines)
        + _table(
            staging_findings(case, staging).drop(columns=["finding"]),
            empty="No findings recorded for this staging.",
        )
    )


def range_html(case: Case, start: object, end: object, *, axis: charts.Axis) -> str:
    """The Python summary of a brushed range: labs and doses."""
    labs = lab_summary(case, start, end, axis=axis)
    doses = dose_summary(case, start, end, axis=axis)
    if axis == "calendar":
        first, last = (pd.Timestamp(str(v)).strftime("%-d %b %Y") for v in (start, end))
        span = f"{first} to {last}"
    else:
        span = f"day {float(str(start)):.0f} to day {float(str(end)):.0f}"
    doses = doses.assign(cycles=doses["cycles"].map(lambda c: ", ".join(map(str, c)) or "(continuous)"))
    labs = labs.assign(worst_grade=labs["worst_grade"].map(lambda g: "not graded" if pd.isna(g) else f"grade {g}"))
    # Values as clinicians write them (130 U/L, not 130.0), dates kept on one line.
    for column in ("first", "last", "lowest", "highest"):
        labs[column] = [f"{v:g}\u00a0{u}" for v, u in zip(labs[column], labs["unit"], strict=True)]
    for frame in (labs, doses):
        for column in ("first_when", "last_when"):
            frame[column] = frame[column].map(lambda text: str(text).replace(" ", "\u00a0"))
    labs = labs.drop(columns="unit")
    labs = labs.rename(columns=READABLE)
    doses = doses.rename(columns=READABLE)
    note = (
        "<p class='casereport-illustrative'>Some values in this range are illustrative, not measured "
        "(column <i>illustrative</i>).</p>"
        if not labs.empty and labs["illustrative"].gt(0).any()
        else ""
    )
    return (
        f"{STYLE}<h4 style='margin:4px 0'>Brushed range: {html.escape(span)}</h4>{note}"
        + _table(labs, empty="No lab values in this range.")
        + _table(doses, empty="No doses in this range.")
    )


def _brush_bounds(value: dict, axis: charts.Axis) -> tuple[object, object] | None:
    """The brush's range from the chart, in the axis's own units (Vega gives dates as epoch milliseconds)."""
    bounds = value.get("x") if value else None
    if not bounds:
        return None
    low, high = bounds[0], bounds[1]
    if axis == "calendar":
        low, high = (
            pd.to_datetime(b, unit="ms") if isinstance(b, int | float) else pd.Timestamp(b) for b in (low, high)
        )
    return low, high


class CaseDashboard:
    """The dashboard's widgets and the few callbacks that need Python."""

    def __init__(self, case: Case) -> None:
        self.case = case
        loincs = list(dict.fromkeys(case.labs["loinc"]))
        names = case.analytes.set_index("loinc")["name"].to_dict()
        choices = [(names.get(loinc, loinc), loinc) for loinc in loincs if loinc != AFP]
        default = [loinc for loinc in LIVER_ENZYMES if loinc in loincs] or [c[1] for c in choices[:1]]
        self.analytes = widgets.SelectMultiple(
            options=choices, value=default, description="Analytes", rows=min(6, max(2, len(choices)))
        )
        self.afp_scale = widgets.ToggleButtons(options=["linear", "log"], value="linear", description="AFP scale")
        self.axis = widgets.ToggleButtons(
            options=[("Calendar dates", "calendar"), ("Days since start", "relative")],
            value="calendar",
            description="Time axis",
        )
        stagings = case.events[case.events["kind"] == "staging"].sort_values("date_earliest", kind="stable")
        stagings = stagings[stagings["id"].isin(case.findings["staging"])]
        # The latest staging shows until a clinician clicks another: never an empty panel.
        latest = stagings["id"].iloc[-1] if not stagings.empty else None
        self.staging = widgets.Dropdown(  # the list of stagings; a click on the timeline sets it too
            options=[
                (f"{format_when(r['date_earliest'], r['date_latest'])}: {r['label']}", r["id"])
                for _, r in stagings.iterrows()
            ]
            or [("(no staging with findings)", None)],
            value=latest,
            description="Staging",
            layout=widgets.Layout(width="540px"),
        )
        self.chart = offline_chart_class()(self._chart(), debounce_wait=60)
        self.summary = widgets.HTML(self._whole_course())
        self.findings = widgets.HTML(staging_html(case, latest) if latest else "")
        self.findings.add_class("casereport-findings")
        self.summary.add_class("casereport-summary")
        for control in (self.analytes, self.afp_scale, self.axis):
            control.observe(self._redraw, names="value")
        self.staging.observe(self._show_staging, names="value")
        self._watch_selections()

    def _chart(self) -> alt.VConcatChart:
        return charts.dashboard_chart(
            self.case,
            axis=self.axis.value,
            analytes=list(self.analytes.value),
            afp_scale=self.afp_scale.value,
            width=CHART_WIDTH,
        )

    def _whole_course(self) -> str:
        frames = [self.case.events, self.case.labs, self.case.administrations]
        if self.axis.value == "calendar":
            start = min(f["date_earliest"].min() for f in frames)
            end = max(f["date_latest"].max() for f in frames) + pd.Timedelta(days=1)
        else:
            start, end = -1e6, 1e6
        return range_html(self.case, start, end, axis=self.axis.value).replace(
            "Brushed range:", "Whole course (brush the timeline to narrow):", 1
        )

    def _watch_selections(self) -> None:
        self.chart.selections.observe(self._on_brush, names=[charts.BRUSH])
        self.chart.selections.observe(self._on_pick, names=[charts.STAGING_PICK])

    def _redraw(self, _change: dict) -> None:
        self.chart.chart = self._chart()
        self._watch_selections()  # a new chart brings new selection traits
        self.summary.value = self._whole_course()

    def _on_brush(self, change: dict) -> None:
        bounds = _brush_bounds(change["new"].value, self.axis.value)
        self.summary.value = range_html(self.case, *bounds, axis=self.axis.value) if bounds else self._whole_course()

    def _on_pick(self, change: dict) -> None:
        picked = [p.get("id") for p in change["new"].value or []]
        stagings = set(self.case.events.loc[self.case.events["kind"] == "staging", "id"])
        chosen = next((p for p in picked if p in stagings), None)
        if chosen:
            self.staging.value = chosen

    def _show_staging(self, change: dict) -> None:
        self.findings.value = staging_html(self.case, change["new"]) if change["new"] else ""

    def widget(self) -> widgets.Widget:
        """The whole page: header, audit, controls, the linked views, the range summary and staging findings."""
        header = widgets.HTML(header_html(self.case))
        toggles = [self.axis, self.afp_scale] if AFP in set(self.case.labs["loinc"]) else [self.axis]
        controls = widgets.HBox([widgets.VBox(toggles), self.analytes])
        # The findings and the summary sit beside the charts, where a click or a brush shows its answer.
        side = widgets.VBox(
            [
                widgets.HTML("<h3 style='margin-top:0'>Staging findings</h3>"),
                self.staging,
                self.findings,
                widgets.HTML("<h3>Summary</h3>"),
                self.summary,
            ],
            layout=widgets.Layout(width="560px", margin="0 0 0 12px", overflow="auto"),
        )
        return widgets.VBox(
            [
                header,
                clinical_panel(self.case),
                audit_panel(self.case),
                controls,
                widgets.HBox([self.chart, side]),
                widgets.HTML(READING_GUIDE),
            ]
        )


def dashboard_page(
    query_string: str | None, *, default: str | Path, prebuilt: CaseDashboard | None = None
) -> widgets.Widget:
    """The page for a request: the case its ``?case=`` names (``prebuilt`` if it is that one), or a kind refusal."""
    try:
        chosen = choose_case(query_string, default)
    except UnknownCaseError as unknown:
        return unknown_case_widget(unknown)
    if prebuilt is not None and Path(prebuilt.case.path).resolve() == chosen.resolve():
        return prebuilt.widget()
    return CaseDashboard(load_case(chosen)).widget()


def offline_charts(cache: Path | None = None) -> type[alt.JupyterChart]:
    """The chart widget class that loads Vega from vl-convert's bundle, never a CDN (see ``apps/offline.py``).

    ``JupyterChart.enable_offline()`` builds that bundle in vl-convert's
    JavaScript runtime, which stays in memory (about 90 MB per kernel). The
    dashboard's server builds it once (``prepare_offline_bundle``) and each
    kernel reads the file (``cache``, by default the server's); without the
    file, this kernel builds it once. Later ``offline_chart_class()`` calls
    return the same class.
    """
    return offline_chart_class(cache)


def unknown_case_widget(error: UnknownCaseError) -> widgets.Widget:
    """A friendly page for a case that is not here, with links to the ones that are."""
    links = " ".join(f"<a href='?{CASE_PARAMETER}={html.escape(name)}'>{html.escape(name)}</a>" for name in error.known)
    return widgets.HTML(
        f"<div class='casereport-unknown-case'><h2>Case not found</h2><p>{html.escape(str(error))}</p>"
        f"<p>Open one of: {links}</p></div>"
    )
