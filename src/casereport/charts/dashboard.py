"""The dashboard's one Vega view: the timeline and the views its brush links."""

from __future__ import annotations

import altair as alt

from casereport.charts.imaging import imaging_chart
from casereport.charts.labs import afp_chart, lab_chart
from casereport.charts.style import BRUSH, Scale, _finish
from casereport.charts.timeline import timeline_chart
from casereport.data.case import Case
from casereport.data.catalogue import AFP, LIVER_ENZYMES
from casereport.derive.timeline import Axis


def dashboard_chart(
    case: Case,
    *,
    axis: Axis = "calendar",
    analytes: tuple[str, ...] | list[str] = LIVER_ENZYMES,
    afp_scale: Scale = "linear",
    width: int = 640,
) -> alt.VConcatChart:
    """The dashboard's linked views in one chart, so that linking happens in the browser.

    Brushing the timeline (``timeline_brush``) sets the x domain of the lab
    and AFP views and keeps only the stagings inside it on the imaging grid;
    clicking a staging (``staging_pick``) enlarges it on the timeline.
    ``analytes`` are LOINC codes shown in the lab view; AFP has its own view.
    """
    loincs = set(case.labs["loinc"])
    views: list[alt.LayerChart | alt.VConcatChart] = [timeline_chart(case, axis=axis, width=width, standalone=False)]
    shown = [loinc for loinc in analytes if loinc in loincs and loinc != AFP]
    if shown:
        views.append(
            lab_chart(
                case,
                shown,
                axis=axis,
                title="Labs (brush the timeline to zoom)",
                width=width,
                height=170,
                domain_param=BRUSH,
                standalone=False,
            )
        )
    if AFP in loincs:
        views.append(
            afp_chart(case, axis=axis, scale=afp_scale, width=width, height=150, domain_param=BRUSH, standalone=False)
        )
    views.append(imaging_chart(case, axis=axis, width=width, brush=BRUSH, standalone=False))
    chart = _finish(alt.vconcat(*views, spacing=18).resolve_scale(color="independent", shape="independent"))
    # On screen, larger type than in print.
    return chart.configure_axis(labelFontSize=11, titleFontSize=12).configure_legend(
        labelFontSize=11, titleFontSize=11, columns=2, orient="bottom"
    )
