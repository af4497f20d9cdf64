"""``casereport explorer``: the case's linked views as one HTML file that opens anywhere, offline, without Python.

A colleague without Python (or a network) gets the dashboard's linked views
in one file: brushing the timeline narrows the lab, tumour marker and imaging
views and the summary of the range; a staging's button or mark shows its findings in the
paper's words. The views are the dashboard's own chart
(:func:`casereport.charts.dashboard_chart`, one source of truth). What the
dashboard answers in Python, the file answers in the browser, over records
Python prepares (:mod:`casereport.derive.range_records`): the summary of a
range by the arithmetic of :mod:`casereport.derive.summary`, and each
staging's findings as the dashboard writes them, prepared for every staging.

Vega, Vega-Lite and vega-embed come from ``vl_convert.javascript_bundle``
(about 0.9 MB, most of the file), inline in a module script: the file asks
no host for anything. The page's own script, style sheet and layout are package data
beside this module (``explorer_page/``).
"""

from __future__ import annotations

import html
import json
import re
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from casereport import charts
from casereport.apps.case_html import PROVENANCE_LEGEND, READABLE, STYLE, chart_data_html, header_html, staging_html
from casereport.apps.rendering import vega_embed_bundle
from casereport.apps.view_state import default_analytes, stagings_with_findings
from casereport.data.case import Case
from casereport.derive.range_records import dose_notes, dose_records, lab_records
from casereport.derive.summary import DOSE_SUMMARY_COLUMNS, LAB_SUMMARY_COLUMNS
from casereport.derive.tables import format_when
from casereport.derive.timeline import Axis

PAGE = "explorer_page"
# What the file leaves to the dashboard: it needs Python to redraw or to keep the view in the address.
LEFT_OUT = (
    "Not in this file (they need the dashboard, <code>casereport dashboard</code>): the other time axis"
    " (a file is drawn on one: <code>casereport explorer --axis</code>), another choice of analytes and the"
    " tumour marker's log scale (each redraws the chart in Python), a range typed as dates, the view kept in"
    " the address, and the printed A4 page. The clinical cards and the audit are in"
    " <code>casereport report --format html</code>."
)
_MARKER = re.compile(r"<!--@(\w+)@-->")


def vega_bundle() -> str:
    """Vega, Vega-Lite (the version Altair writes specs for) and vega-embed as one script, built once and kept.

    The script sets ``window.vegaEmbed``, which the page's own script uses;
    the HTML figures carry the same one (:func:`~casereport.apps.rendering.vega_embed_bundle`).
    """
    return vega_embed_bundle()


def _page_file(name: str) -> str:
    return (resources.files("casereport.apps") / PAGE / name).read_text(encoding="utf-8")


def _script_safe(text: str) -> str:
    """Script text that cannot end its ``<script>`` element early ("</script" inside a string would)."""
    if "<!--" in text:
        raise ValueError("a script holding '<!--' cannot be inlined safely")
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def _json_safe(value: object) -> str:
    """JSON to inline in a ``<script type="application/json">``: no ``<`` that could close it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def _columns(columns: list[str], *, left_out: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """A summary's columns as the dashboard heads them (``values`` is "n")."""
    return [(column, READABLE.get(column, column)) for column in columns if column not in left_out]


def page_data(case: Case, *, axis: Axis = "calendar") -> dict[str, Any]:
    """What the page's script reads: the records it summarises a range from, and every staging's findings."""
    events = case.events.set_index("id")
    return {
        "axis": axis,
        "brush": charts.BRUSH,
        "pick": charts.STAGING_PICK,
        "labs": lab_records(case, axis=axis),
        "doses": dose_records(case, axis=axis),
        "notes": dose_notes(),
        "columns": {
            # The value's unit is in its text (130 U/L), as on the dashboard.
            "labs": _columns(LAB_SUMMARY_COLUMNS, left_out=("unit",)),
            "doses": _columns(DOSE_SUMMARY_COLUMNS),
        },
        "stagings": [
            {
                "id": staging,
                "when": format_when(*events.loc[staging, ["date_earliest", "date_latest"]]),
                "label": str(events.at[staging, "label"]),
                # The dashboard's panel, less the style sheet the page already has.
                "html": staging_html(case, staging).removeprefix(STYLE),
            }
            for staging in stagings_with_findings(case)
        ],
    }


def explorer_spec(case: Case, *, axis: Axis = "calendar") -> dict:
    """The page's chart: the dashboard's first view (its default analytes and scale, the whole course).

    Not validated against the Vega-Lite schema as it is written (a third of the time to write it): the
    tests validate it for the bundled cases (tests/test_figures.py).
    """
    with charts.unchecked():
        return charts.dashboard_chart(case, axis=axis).to_dict(validate=False)


def explorer_html(case: Case, *, axis: Axis = "calendar") -> str:
    """The explorer page for ``case``: the chart's spec, the page's data, Vega and the page's script, all inline."""
    try:
        version = metadata.version("casereport")
    except metadata.PackageNotFoundError:
        version = "unknown"
    # The dashboard's first view: the chart itself, and the tables of its data under it, as the dashboard makes them.
    parts = {
        "generator": f"casereport {version}",
        "title": html.escape(f"{case.title}: case explorer"),
        "css": _page_file("explorer.css"),
        "header": header_html(case),
        "legend": PROVENANCE_LEGEND,
        "chart_data": chart_data_html(case, default_analytes(case)),
        "footer": f"Made by casereport {html.escape(version)} from the case <code>{html.escape(case.case_id)}</code>."
        f" {LEFT_OUT}",
        "spec": _json_safe(explorer_spec(case, axis=axis)),
        "data": _json_safe(page_data(case, axis=axis)),
        "vega": _script_safe(vega_bundle()),
        "page_js": _script_safe(_page_file("explorer.js")),
    }
    # One pass: text put in is never searched for markers again.
    return _MARKER.sub(lambda found: parts[found.group(1)], _page_file("page.html"))


def write_explorer(case: Case, out: str | Path, *, axis: Axis = "calendar") -> Path:
    """Write the explorer file for ``case`` to ``out`` (its folder made if need be); return its path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(explorer_html(case, axis=axis), encoding="utf-8")
    return out
