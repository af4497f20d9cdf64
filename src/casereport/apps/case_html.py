"""The case as HTML: the header band, the clinical cards, a staging's findings, a range's summary, the data tables.

Plain HTML from a case, no widgets: the dashboard shows these in its
widgets, and the explorer page (and the figures command that writes it)
puts them in a file without importing ipywidgets.
"""

from __future__ import annotations

import html

import pandas as pd

from casereport import charts
from casereport.charts.dashboard import AXIS_ROOM
from casereport.data.case import Case
from casereport.derive.clinical import (
    adverse_event_table,
    baseline_assessment,
    exposure,
    outcome_summary,
    toxicity_table,
)
from casereport.derive.grading import NO_TREATMENT_NOTE, on_treatment_grades
from casereport.derive.panels import analyte_title, shared_view_analytes, tumour_markers
from casereport.derive.response import response_assessments
from casereport.derive.summary import dose_summary, lab_summary, staging_findings
from casereport.derive.tables import format_when, imaging_table, lab_table, quantity_text, timeline_table

READABLE = {
    "values": "n",
    "first_when": "first on",
    "last_when": "last on",
    "worst_grade": "worst CTCAE v5.0 on treatment",
    "illustrative_values": "illustrative",
    "planned_at_most": "planned doses (at most)",
    "planned_possible": "of which only possibly before a stop",
}


def table_html(frame: pd.DataFrame, *, empty: str) -> str:
    if frame.empty:
        return f"<p><em>{html.escape(empty)}</em></p>"
    return frame.to_html(index=False, na_rep="", escape=True, classes="casereport-table", border=0)


STYLE = f"""<style>
.casereport-table {{ border-collapse: collapse; font-size: 13px; line-height: 1.4; margin: 4px 0 10px; width: 100%; }}
.casereport-table th, .casereport-table td {{ border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left;
  vertical-align: top; overflow-wrap: break-word; }}
.casereport-table th {{ background: #f4f4f4; overflow-wrap: normal; }}
.casereport-page p {{ line-height: 1.45; margin: 4px 0 8px; }}
.casereport-note {{ color: #444; font-size: 13px; }}
.casereport-illustrative {{ background: #fff4d6; border-left: 4px solid #E69F00; padding: 4px 8px; font-size: 13px; }}
.casereport-page {{ font-size: 14px; max-width: 100%; }}
.casereport-page h3 {{ font-size: 16px; margin: 14px 0 6px; }}
/* The chart's container: its column less the room the y axes take beside the plots, so that
   Vega's container width (the plots) plus the axes fill the column and no more. */
.casereport-chart {{ width: calc(100% - {AXIS_ROOM}px) !important; min-width: 0; overflow: visible !important; }}
.casereport-panels {{ display: flex; flex-wrap: wrap; gap: 8px 24px; }}
.casereport-panels > .widget-html, .casereport-panels > .widget-vbox {{ flex: 1 1 720px; min-width: 0; }}
.casereport-cards {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 4px 24px; }}
.casereport-cards section.wide {{ grid-column: 1 / -1; }}
.casereport-controls {{ display: flex; flex-wrap: wrap; gap: 4px 28px; align-items: flex-end; }}
.casereport-controls .widget-label {{ font-size: 14px; }}
.casereport-data summary {{ cursor: pointer; font-weight: 600; margin: 4px 0; }}
</style>"""


def _breakable_span(when: str) -> str:
    """A date or span, escaped, that breaks only after a span's dash ("13 Oct \u2013 / 11 Nov 2009")."""
    return " \u2013 ".join(html.escape(part).replace(" ", "\u00a0") for part in when.split(" \u2013 "))


def _letters(name: str) -> str:
    """A name without case, spaces or punctuation: "child_pugh_class" is "Child-Pugh class"."""
    return "".join(c for c in name.lower() if c.isalpha())


def header_html(case: Case) -> str:
    """The header band: patient, diagnosis, baseline stage, regimens, key dates and source, at a glance."""
    patient = {r["field"]: r["value"] for _, r in case.patient.iterrows()}
    age, sex = patient.pop("age_years", None), patient.pop("sex", "")
    who = f"{age}-year-old {sex}" if age is not None else str(sex)
    baseline = baseline_assessment(case)
    shown_elsewhere = {_letters(item) for item in baseline["item"]}  # Child-Pugh class is under Diagnosis
    background = "; ".join(
        f"{k.replace('_', ' ')}: {v}" for k, v in patient.items() if _letters(k) not in shown_elsewhere
    )
    regimens = "".join(
        f"<li>{html.escape(str(r['drug']))} {r['dose']:g}\u00a0{html.escape(str(r['dose_unit']))}"
        f" ({html.escape(str(r['schedule_kind']))})</li>"
        for _, r in case.regimens.iterrows()
    )
    keys = case.events[case.events["kind"].isin(["diagnosis", "regimen_start", "staging", "regimen_stop"])]
    dates = "".join(
        f"<li><b class='casereport-when'>{_breakable_span(format_when(r['date_earliest'], r['date_latest']))}</b>"
        f" {html.escape(r['label'])}</li>"
        for _, r in keys.sort_values("date_earliest", kind="stable").iterrows()
    )
    stage = "; ".join(
        f"{item} {value}{', derived' if provenance == 'derived' else ''}"
        for item, value, provenance in baseline[["item", "value", "provenance"]].itertuples(index=False)
        if item in ("Child-Pugh class", "BCLC stage") and value != "not reported"
    )
    sites = [str(v).split(":")[0] for v in baseline.loc[baseline["item"] == "metastatic site", "value"]]
    synthetic = (
        "<p class='casereport-illustrative'>Synthetic case, made up for testing and teaching: not a patient.</p>"
        if case.synthetic
        else ""
    )
    citation = str(case.source.get("citation", "")).rstrip(".")
    identifier = str(case.source.get("identifier") or "")
    cells = [
        ("Patient", html.escape(who) + (f"<br>{html.escape(background)}" if background else "")),
        (
            "Diagnosis",
            html.escape(str(case.diagnosis["name"]))
            + (f"<br>{html.escape(stage)}" if stage else "")
            + (f"<br>Metastatic sites: {html.escape(', '.join(sites))}" if sites else ""),
        ),
        ("Regimens", f"<ul>{regimens}</ul>"),
        ("Key dates", f"<ul>{dates}</ul>"),
    ]
    band = "".join(f"<div><h2>{title}</h2>{body}</div>" for title, body in cells)
    return (
        f"{STYLE}<div class='casereport-header'><h1>{html.escape(case.title)}</h1>{synthetic}"
        f"<div class='casereport-band'>{band}</div>"
        f"<p class='casereport-source'><b>Source:</b> {html.escape(citation)}."
        + (f" {html.escape(identifier)}." if identifier and identifier != "synthetic" else "")
        + "</p></div>"
    )


PROVENANCE_LEGEND = (
    "<p class='casereport-legend'><b>Provenance.</b> <span class='casereport-mark stated'></span> filled: stated in"
    " the paper; <span class='casereport-mark pale'></span> pale: a stated value at a date the paper does not give;"
    " <span class='casereport-mark hollow'></span> hollow and the word <i>illustrative</i>: placed to show the course"
    " the paper describes, never a measurement. On the timeline, a line with end ticks (|&ndash;|) spans the"
    " month (or year) of a date the paper gives only to the month (or year); in the lab views, one through a"
    " value spans the year of a value dated only to its year. Hover a mark for the paper's words.</p>"
)


BASELINE_PARTS = {"Child-Pugh": "Child-Pugh", "BCLC": "BCLC", "ECOG": "ECOG", "metastatic": "metastatic sites"}


def _baseline_title(baseline: pd.DataFrame) -> str:
    """ "Baseline: " and what this case's baseline holds (Child-Pugh and BCLC only for a liver case)."""
    held = [name for start, name in BASELINE_PARTS.items() if baseline["item"].str.startswith(start).any()]
    return "Baseline: " + ", ".join(held) if held else "Baseline"


def clinical_html(case: Case) -> str:
    """Baseline, regimens with planned doses, on-treatment toxicity, adverse events and outcome, as cards."""
    toxicity = toxicity_table(on_treatment_grades(case))
    baseline = baseline_assessment(case)
    cards = [
        (_baseline_title(baseline), table_html(baseline, empty=""), ""),
        (
            "Regimens: planned doses and time on each drug",
            "<p class='casereport-note'>Planned doses from the regimen rules, at most the number shown: the paper"
            " reports no holds or reductions.</p>" + table_html(exposure(case), empty="No regimen."),
            " wide",
        ),
        ("Outcome", table_html(outcome_summary(case), empty=""), ""),
        (
            "Adverse events",
            table_html(adverse_event_table(case), empty="No adverse event reported."),
            " wide casereport-print",
        ),
        (
            "Toxicity on treatment (CTCAE v5.0)",
            "<p class='casereport-note'>"
            + (
                NO_TREATMENT_NOTE
                if case.regimens.empty
                else "Values before the first dose are the baseline, not adverse events."
            )
            + "</p>"
            + table_html(toxicity, empty="No graded laboratory value on treatment."),
            " wide",
        ),
    ]
    return (
        f"{STYLE}<div class='casereport-cards'>"
        + "".join(
            f"<section class='card{kind}'><h3>{html.escape(title)}</h3>{body}</section>" for title, body, kind in cards
        )
        + "</div>"
    )


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
        + table_html(
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
        labs[column] = [quantity_text(v, u) for v, u in zip(labs[column], labs["unit"], strict=True)]
    for frame in (labs, doses):
        for column in ("first_when", "last_when"):
            frame[column] = frame[column].map(_unbroken_date)
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
        f"{STYLE}<h4 style='margin:4px 0'>Range: {html.escape(span)}</h4>{note}"
        + table_html(labs, empty="No lab values in this range.")
        + table_html(doses, empty="No doses in this range.")
    )


def _unbroken_date(text: object) -> str:
    """A date that does not break over lines; a note after it ("(date illustrative)") may."""
    date, _, note = str(text).partition(" (")
    return date.replace(" ", "\u00a0") + (f" ({note}" if note else "")


def chart_data_html(case: Case, analytes: list[str] | tuple[str, ...]) -> str:
    """Every chart's data as a table, one click away (for screen readers, and for reading the numbers)."""
    markers = tumour_markers(case)
    # The lab view's table only for a case with analytes it can show (a case of CEA alone has CEA's view only).
    labs = (
        [("Labs", lab_table(case, [a for a in analytes if a not in markers]), "")] if shared_view_analytes(case) else []
    )
    parts = [
        ("Timeline: events, with the date as precise as the paper gives it", timeline_table(case), ""),
        *labs,
        *((analyte_title(case, marker), lab_table(case, [marker]), "") for marker in markers),
        ("Imaging findings by staging", imaging_table(case), " casereport-print"),
    ]
    return (
        f"{STYLE}<div class='casereport-data'><h3>The data behind the charts</h3>"
        + "".join(
            f"<details class='casereport-details{kind}'><summary>{html.escape(title)} ({len(frame)} rows)</summary>"
            f"{table_html(frame, empty='No data.')}</details>"
            for title, frame, kind in parts
        )
        + "</div>"
    )
