"""Chart factories: pure functions from a ``Case`` to Altair charts.

The same functions serve the dashboard, the paper's figures and the teaching
notebooks; one module per figure family, and ``style`` for what they share.
"""

from casereport.charts.dashboard import dashboard_chart, print_summary_chart
from casereport.charts.imaging import CHANGE_COLOURS, CHANGE_SHAPES, CHANGES, RECIST_ROW, imaging_chart
from casereport.charts.labs import (
    afp_chart,
    all_labs_chart,
    all_labs_margin,
    lab_chart,
    lab_figure_margin,
    liver_enzymes_chart,
    marker_chart,
)
from casereport.charts.rationale import (
    EVIDENCE,
    EVIDENCE_DASHES,
    RATIONALE_BOX,
    RATIONALE_MARGIN,
    RATIONALE_TOP,
    rationale_chart,
)
from casereport.charts.style import (
    BRUSH,
    EVENT_SHAPES,
    FONT_SIZE,
    LAB_ZOOM,
    MAX_MONTH_TICKS,
    OKABE_ITO,
    PRINT_MARGIN,
    PROVENANCE_FILL,
    PROVENANCE_TEXT,
    SHORT_SPAN_DAYS,
    STAGING_PICK,
    X_PADDING,
    Scale,
    print_spec,
    unchecked,
    x_extent,
)
from casereport.charts.timeline import timeline_chart
from casereport.derive.timeline import Axis

__all__ = [
    "BRUSH",
    "CHANGES",
    "CHANGE_COLOURS",
    "CHANGE_SHAPES",
    "EVENT_SHAPES",
    "EVIDENCE",
    "EVIDENCE_DASHES",
    "FONT_SIZE",
    "LAB_ZOOM",
    "MAX_MONTH_TICKS",
    "OKABE_ITO",
    "PRINT_MARGIN",
    "PROVENANCE_FILL",
    "PROVENANCE_TEXT",
    "RATIONALE_BOX",
    "RATIONALE_MARGIN",
    "RATIONALE_TOP",
    "RECIST_ROW",
    "SHORT_SPAN_DAYS",
    "STAGING_PICK",
    "X_PADDING",
    "Axis",
    "Scale",
    "afp_chart",
    "all_labs_chart",
    "all_labs_margin",
    "dashboard_chart",
    "imaging_chart",
    "lab_chart",
    "lab_figure_margin",
    "liver_enzymes_chart",
    "marker_chart",
    "print_spec",
    "print_summary_chart",
    "rationale_chart",
    "timeline_chart",
    "unchecked",
    "x_extent",
]
