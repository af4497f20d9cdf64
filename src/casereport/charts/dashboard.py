"""The dashboard's one Vega view: the timeline and the views its brush links, sized by the page."""

from __future__ import annotations

from typing import Any, TypeVar

import altair as alt

from casereport.charts.imaging import imaging_chart
from casereport.charts.labs import lab_chart, marker_chart
from casereport.charts.style import BRUSH, Scale, _finish, _independent, check_options
from casereport.charts.timeline import timeline_chart
from casereport.data.case import Case
from casereport.derive.panels import analyte_name, analyte_title, default_lab_view, tumour_markers
from casereport.derive.timeline import Axis

# On screen, no text under 12 px: marks' small text is two sizes under this.
SCREEN_TEXT = 14
AXIS_TEXT = 12
# Every view's y axis takes the same room, so that their time axes line up and the
# page knows how much to leave beside the plots (see ``AXIS_ROOM``).
Y_AXIS_EXTENT = 100
# Pixels beside the plot width: the y axis, its title and Vega's padding. The page gives
# the chart's container this much less than its column (``apps/dashboard.py``).
AXIS_ROOM = Y_AXIS_EXTENT + AXIS_TEXT + 2 * 5 + 14
# The plot width text is wrapped for: the narrowest a 1024 px tablet leaves.
NOMINAL_WIDTH = 760


def dashboard_chart(
    case: Case,
    *,
    axis: Axis = "calendar",
    analytes: tuple[str, ...] | list[str] | None = None,
    marker_scale: Scale = "linear",
    brush_range: tuple[object, object] | None = None,
) -> alt.VConcatChart:
    """The dashboard's linked views in one chart, so that linking happens in the browser.

    Brushing the timeline (``timeline_brush``) sets the x domain of the lab
    and tumour marker views and keeps only the stagings inside it on the
    imaging grid; clicking a staging (``staging_pick``) enlarges it on the
    timeline. ``analytes`` are LOINC codes shown in the lab view (``None``:
    the case's liver enzymes, else its first analyte); each tumour marker the
    case has (AFP, CEA, CA 19-9) has a view of its own, on ``marker_scale``.
    ``brush_range`` is where the brush starts (a view restored from a link).
    Every view is as wide as the chart's container (Vega-Lite's
    ``width="container"``), so the page decides the width, from a tablet to a
    wide desktop, and a window resized redraws without Python.
    """
    check_options(scale=marker_scale)
    sized: dict[str, Any] = {"axis": axis, "width": NOMINAL_WIDTH, "standalone": False, "text_size": SCREEN_TEXT}
    timeline = _described(
        timeline_chart(case, brush_range=brush_range, **sized),
        f"Case timeline of {case.title}: planned dose days per drug, stagings and events. "
        "Drag across it to narrow the views below; the data are in the tables under the chart.",
    )
    views: list[alt.LayerChart | alt.VConcatChart] = [timeline]
    markers = tumour_markers(case)
    shown = _lab_view(case, analytes, markers)
    if shown:
        views.append(
            _described(
                lab_chart(
                    case, shown, title="Labs (brush the timeline to zoom)", height=190, domain_param=BRUSH, **sized
                ),
                f"Lab values over time: {', '.join(analyte_name(case, c) for c in shown)}, "
                "with their upper limits and the treatment periods shaded.",
            )
        )
    for marker in markers:
        views.append(
            _described(
                marker_chart(case, marker, scale=marker_scale, height=170, domain_param=BRUSH, **sized),
                f"{analyte_title(case, marker)} over time on a {marker_scale} scale, with its upper limit.",
            )
        )
    views.append(
        _described(
            imaging_chart(case, brush=BRUSH, row_height=17, **sized),
            "Imaging findings by staging and site, with the RECIST 1.1 category of each staging.",
        )
    )
    chart = alt.vconcat(*views, spacing=22, resolve=_independent("color", "shape"))
    chart = _fill_container(chart)
    chart.description = (
        f"Linked views of {case.title}: "
        + ", ".join(["timeline", *(["labs"] if shown else []), *(analyte_name(case, m) for m in markers)])
        + " and imaging findings."
    )
    chart.autosize = alt.AutoSizeParams(type="pad", resize=True)
    # Set on the chart in place (as _finish does): each of Altair's configure_* and properties would build
    # the whole page's chart anew, copying every view.
    return _finish(
        chart,
        SCREEN_TEXT,
        axis=alt.AxisConfig(labelFontSize=AXIS_TEXT, titleFontSize=AXIS_TEXT + 1),
        axisY=alt.AxisConfig(minExtent=Y_AXIS_EXTENT, maxExtent=Y_AXIS_EXTENT, labelLimit=Y_AXIS_EXTENT - 8),
        legend=alt.LegendConfig(labelFontSize=AXIS_TEXT, titleFontSize=AXIS_TEXT, columns=3, orient="bottom"),
        title=alt.TitleConfig(fontSize=SCREEN_TEXT + 1, subtitleFontSize=AXIS_TEXT, anchor="start"),
    )


View = TypeVar("View", bound=alt.LayerChart | alt.VConcatChart)


def _described(view: View, description: str) -> View:
    """The view just built, with its description for screen readers: set in place, as Altair's ``properties``
    would build the layered view anew, copying every layer."""
    view.description = description
    return view


def _lab_view(case: Case, analytes: tuple[str, ...] | list[str] | None, markers: list[str]) -> list[str]:
    """The analytes of the shared lab view: those asked for (the default when none were) that have values and
    are no tumour marker (each marker has its own view)."""
    loincs = set(case.labs["loinc"])
    asked = default_lab_view(case) if analytes is None else analytes
    return [loinc for loinc in asked if loinc in loincs and loinc not in markers]


def _fill_container(chart: alt.VConcatChart) -> alt.VConcatChart:
    """Every view of ``chart`` as wide as its container, however deeply concatenated."""
    for view in chart.vconcat:
        if isinstance(view, alt.VConcatChart):
            _fill_container(view)
        else:
            view.width = "container"
    return chart


# A4 less 12 mm margins, in CSS pixels (96 per inch): the printed summary's width.
A4_CONTENT_WIDTH = 700


def print_summary_chart(
    case: Case,
    *,
    analytes: tuple[str, ...] | list[str] | None = None,
    marker_scale: Scale = "linear",
    width: int = A4_CONTENT_WIDTH,
) -> alt.VConcatChart:
    """The timeline, the lab view and each tumour marker over the whole course, at print size: the dashboard's
    printed page.

    The linked views are drawn for a screen (12 px text at the screen's width,
    the imaging grid below); a printed A4 page needs the paper's type sizes at
    its own width, and gives imaging as a table. Same chart functions, print sizes.
    """
    check_options(scale=marker_scale, width=width)
    plot = width - AXIS_ROOM
    views: list[alt.LayerChart] = [
        timeline_chart(case, axis="calendar", width=plot, standalone=False, selections=False)
    ]
    markers = tumour_markers(case)
    shown = _lab_view(case, analytes, markers)
    if shown:
        views.append(lab_chart(case, shown, title="Labs", width=plot, height=120, standalone=False))
    for marker in markers:
        views.append(marker_chart(case, marker, scale=marker_scale, width=plot, height=100, standalone=False))
    return _finish(alt.vconcat(*views, spacing=8, resolve=_independent("color", "shape")))
