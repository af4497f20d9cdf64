"""The case timeline: planned dose days per regimen, stagings and events, with the timeline brush."""

from __future__ import annotations

from typing import Literal

import altair as alt
import pandas as pd

from casereport.charts.style import (
    BRUSH,
    EVENT_SHAPES,
    FONT_SIZE,
    STAGING_PICK,
    _finish,
    _positions,
    _provenance_marks,
    _source,
    _wrap,
    _x,
)
from casereport.data.case import Case
from casereport.derive.timeline import Axis


def timeline_chart(
    case: Case,
    *,
    axis: Axis = "calendar",
    width: int = 320,
    height: int | None = None,
    standalone: bool = True,
    text_size: float = FONT_SIZE,
    brush_range: tuple[object, object] | None = None,
    selections: bool = True,
) -> alt.LayerChart:
    """The case timeline: one lane per drug, stagings and other events; brush and staging selection named.

    Continuous regimens are bars; cyclic ones their dose days, coloured by
    cycle. Doses that may or may not have been given before an uncertain stop
    are faint. Events known to the month span their month. ``brush_range``
    (dates on the calendar axis, days on the relative one) is where the brush
    starts, so that a shared view opens as it was sent. A timeline inside
    another chart (``standalone=False``) leaves the case's title to the page.
    ``selections=False`` draws it without the brush and the staging pick (print).
    """
    doses = _positions(case, case.administrations, axis)
    doses["lane"] = doses["drug"].str.capitalize()
    doses["dose_text"] = doses["dose"].map("{:g}".format) + " " + doses["dose_unit"]
    doses["cycle_text"] = doses["cycle"].map(lambda c: "" if pd.isna(c) else f"cycle {c}")
    doses["cycle_parity"] = doses["cycle"].map(
        lambda c: "continuous" if pd.isna(c) else ("odd cycle" if c % 2 else "even cycle")
    )
    events = _positions(case, case.events, axis)
    events["lane"] = events["kind"].map(lambda k: "Stagings" if k == "staging" else "Events")
    events["kind"] = events["kind"].str.replace("_", " ")
    kinds = [k for k in EVENT_SHAPES if k in set(events["kind"])]
    events["source"] = _source(events)
    lanes = [*dict.fromkeys(doses["lane"]), "Stagings", "Events"]
    y = alt.Y(
        "lane:N",
        title=None,
        sort=lanes,
        scale=alt.Scale(domain=lanes),
        axis=alt.Axis(labelFontSize=text_size, labelLimit=120),
    )
    x = _x(case, axis)
    x_type: Literal["temporal", "quantitative"] = "temporal" if axis == "calendar" else "quantitative"
    brush = alt.selection_interval(
        name=BRUSH, encodings=["x"], value=alt.Undefined if brush_range is None else {"x": _brush_value(brush_range)}
    )
    pick = alt.selection_point(name=STAGING_PICK, fields=["id"], on="click", clear="dblclick")

    dose_tooltip = [
        alt.Tooltip("drug:N"),
        alt.Tooltip("dose_text:N", title="dose"),
        alt.Tooltip("cycle_text:N", title="cycle"),
        alt.Tooltip("day_in_cycle:Q", title="day in cycle"),
        alt.Tooltip("when:N", title="date"),
        alt.Tooltip("certainty:N", title="planned dose"),
        alt.Tooltip("rule:N", title="planned by"),
    ]
    # Only what the marks and tooltips use: a daily regimen has hundreds of rows, and every
    # column of each travels to the browser in the chart's spec.
    drawn = [
        "x",
        "lane",
        "cycle_parity",
        "certainty",
        "drug",
        "dose_text",
        "cycle_text",
        "day_in_cycle",
        "when",
        "rule",
    ]
    marks = (
        alt.Chart(doses[drawn])
        .mark_tick(thickness=2, size=14)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "cycle_parity:N",
                title="Planned dose days",
                scale=alt.Scale(
                    domain=["continuous", "odd cycle", "even cycle"], range=["#0072B2", "#E69F00", "#CC79A7"]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            opacity=alt.Opacity(
                "certainty:O",
                title="Planned dose",
                scale=alt.Scale(domain=["certain", "possible"], range=[0.9, 0.25]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=dose_tooltip,
        )
    )
    spans = (
        alt.Chart(events)
        .mark_bar(height=10, opacity=0.25, color="#555555")
        .encode(
            x=alt.X("x_start", type=x_type), x2="x_end", y=y, tooltip=[alt.Tooltip("when:N", title="date as given")]
        )
    )
    event_tooltip = [
        alt.Tooltip("label:N", title="event"),
        alt.Tooltip("when:N", title="date"),
        alt.Tooltip("provenance:N"),
        alt.Tooltip("source:N", title="paper's words or rule"),
    ]
    points = _provenance_marks(
        events,
        x=x,
        y=y,
        stroke=alt.value("#000000"),
        fill=alt.value("#000000"),
        tooltip=event_tooltip,
        size=70,
        shape=alt.Shape(
            "kind:N",
            title="Event",
            # Each kind keeps its shape whichever kinds a (revealed) case holds.
            scale=alt.Scale(domain=kinds, range=[EVENT_SHAPES[k] for k in kinds]),
            legend=alt.Legend(orient="bottom"),
        ),
    )
    # Both selections live on one layer: Altair lifts params of several layers
    # of a concatenated chart onto every one of them, declaring the brush twice.
    if selections:
        points[1] = points[1].encode(size=alt.condition(pick, alt.value(150), alt.value(70))).add_params(brush, pick)
    chart = (
        alt.layer(spans, marks, *points)
        .resolve_scale(fill="independent")
        .properties(
            width=width,
            height=height or 26 * len(lanes),
            title=alt.TitleParams(
                "Case timeline",
                subtitle=_wrap(case.title, width + 60, text_size) if standalone else alt.Undefined,
                subtitleFontSize=text_size,
                limit=width + 60,
            ),
        )
    )
    return _finish(chart, text_size) if standalone else chart


def _brush_value(brush_range: tuple[object, object]) -> list[alt.DateTime] | list[float]:
    """A brush's starting range as Vega-Lite takes it: DateTime objects for dates, numbers for days."""
    low, high = brush_range
    if isinstance(low, int | float) and isinstance(high, int | float):
        return [float(low), float(high)]
    return [
        alt.DateTime(year=t.year, month=t.month, date=t.day, hours=t.hour, minutes=t.minute)
        for t in (pd.Timestamp(str(low)), pd.Timestamp(str(high)))
    ]
