"""What every chart shares: the palette, fonts, named selections, axes, and provenance marks.

Conventions, so that every figure is honest and readable:

- Provenance shows: reported values are filled marks, stated values at an
  illustrative date pale marks, illustrative values hollow marks, and the
  legend says so; lines joining values are dashed.
- A date known to the month is drawn across its month (a band or a bar), and
  a value dated to a month sits at its middle.
- Colours are the Okabe-Ito palette, safe for colour-blind readers.
- Every selection and param is named (``timeline_brush``, ``staging_pick``),
  so dashboards can link views in the browser.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

import altair as alt
import pandas as pd

from casereport.data.case import Case
from casereport.derive.tables import when_texts
from casereport.derive.timeline import Axis, placed

Scale = Literal["linear", "log"]
TopLevel = TypeVar("TopLevel", bound=alt.TopLevelMixin)
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
EVENT_SHAPES = {  # by event kind, as the legend names it
    "diagnosis": "circle",
    "staging": "diamond",
    "regimen start": "triangle-up",
    "regimen stop": "cross",
    "symptom": "triangle-down",
    "observation end": "square",
    "other": "triangle-right",
}
BRUSH = "timeline_brush"
STAGING_PICK = "staging_pick"
LAB_ZOOM = "lab_zoom"
PROVENANCE_TEXT = {
    "reported": "stated in the paper",
    "derived": "derived from stated facts",
    "date_illustrative": "stated value, illustrative date",
    "illustrative": "illustrative, not measured",
}
# How a mark is drawn: filled (stated), pale (stated value at a date placed for illustration), hollow (illustrative).
PROVENANCE_FILL = {"reported": "#555555", "derived": "#555555", "date_illustrative": "#c8c8c8", "illustrative": "white"}
FONT_SIZE = 9  # points: legible in print at one column and on screen
MAX_MONTH_TICKS = 10  # labels on a calendar axis, at most
SHORT_SPAN_DAYS = 92  # below about three months a calendar axis is labelled by week
X_PADDING = 0.03  # share of the case's span left free at each end, so edge marks are whole


def print_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec for a printed figure: legends stacked under the plot, one column wide.

    (Vega's legend ``layout`` is not in Altair's config schema, so it is set on the spec.)
    """
    spec = chart.to_dict()
    legend = spec.setdefault("config", {}).setdefault("legend", {})
    legend["layout"] = {"bottom": {"direction": "vertical", "anchor": "start"}}
    return spec


def _positions(case: Case, frame: pd.DataFrame, axis: Axis) -> pd.DataFrame:
    """``frame`` with ``x``, ``x_start``, ``x_end`` for the chosen axis, and ``when`` as a reader says it."""
    out = placed(case, frame, axis)
    # The date as a reader says it, marked where the paper does not give it.
    out["when"] = when_texts(out)
    return out


def x_extent(case: Case, axis: Axis) -> list:
    """The x span every chart of the case shares: all its dated records, padded at each end."""
    frames = [f for f in (case.events, case.administrations, case.labs, case.findings) if not f.empty]
    spans = pd.concat([_positions(case, f, axis)[["x_start", "x_end"]] for f in frames])
    low, high = spans["x_start"].min(), spans["x_end"].max()
    pad = (high - low) * X_PADDING
    low, high = low - pad, high + pad
    if axis == "calendar":
        return [alt.DateTime(year=t.year, month=t.month, date=t.day) for t in (low, high)]
    return [float(round(low)), float(round(high))]


def _x(
    case: Case,
    axis: Axis,
    field: str = "x",
    *,
    title: bool = True,
    domain_param: str | None = None,
    extent: list | None = None,
) -> alt.X:
    """The x encoding: calendar months or days since the reference event; a linked or the case's own domain."""
    bounds = extent or x_extent(case, axis)
    if domain_param:
        scale = alt.Scale(domain=alt.ParameterExtent(param=domain_param))
    else:
        scale = alt.Scale(domain=bounds, nice=False)
    if axis == "calendar":
        # A linked view may be zoomed to weeks, where month labels would repeat: its labels name the day.
        # Otherwise one tick per month (or per few months over a long course), so no month is named twice.
        low, high = (pd.Timestamp(year=d.year, month=d.month, day=d.date) for d in bounds)
        days = (high - low).days
        if domain_param:
            # Month starts by month and year, other ticks by day (not Vega's "Sat 09").
            labels = alt.Axis(
                labelAngle=-40,
                labelExpr="timeFormat(datum.value, date(datum.value) === 1 ? '%b %Y' : '%-d %b')",
            )
        elif days < SHORT_SPAN_DAYS:  # a course of weeks: weekly ticks, named by day
            weeks = alt.TimeIntervalStep(interval="week", step=max(1, math.ceil(days / 7 / MAX_MONTH_TICKS)))
            labels = alt.Axis(format="%-d %b %Y", labelAngle=-40, tickCount=weeks)
        else:
            months = alt.TimeIntervalStep(interval="month", step=max(1, math.ceil(days / 30.44 / MAX_MONTH_TICKS)))
            labels = alt.Axis(format="%b %Y", labelAngle=-40, tickCount=months)
        return alt.X(f"{field}:T", title="Date" if title else None, scale=scale, axis=labels)
    reference = case.event(case.reference_event)["label"]
    # Wrapped: an event's label can be longer than a one-column figure is wide.
    return alt.X(f"{field}:Q", title=textwrap.wrap(f"Days since {reference}", 32) if title else None, scale=scale)


def _provenance_marks(
    data: pd.DataFrame,
    *,
    x: alt.X,
    y: alt.Y,
    stroke: alt.Color | Mapping[str, Any],
    fill: alt.Fill | Mapping[str, Any],
    tooltip: list,
    size: int = 40,
    legend: bool = True,
    **encodings: object,
) -> list[alt.Chart]:
    """Points filled when the paper gives the value and hollow when it is illustrative, with a legend saying so.

    The legend comes from a grey key layer drawn under the coloured points;
    the enclosing layer must resolve ``fill`` independently.
    """
    data = data.assign(shown_as=_shown_as(data))
    present = [kind for kind in PROVENANCE_TEXT if kind in set(data["shown_as"])]
    key_legend = alt.Legend(
        title="Values",
        orient="bottom",
        columns=1,
        labelExpr=" : ".join(f"datum.value == '{k}' ? '{PROVENANCE_TEXT[k]}'" for k in present) + " : datum.label",
    )
    scale = alt.Scale(domain=present, range=[PROVENANCE_FILL[k] for k in present])
    key = (
        alt.Chart(data)
        .mark_point(size=size, strokeWidth=1.5, color="#555555", opacity=1, clip=True)
        .encode(x=x, y=y, fill=alt.Fill("shown_as:N", scale=scale, legend=key_legend if legend else None), **encodings)
    )
    marks = (
        alt.Chart(data)
        .mark_point(size=size, strokeWidth=1.5, opacity=1, clip=True)
        .encode(
            x=x,
            y=y,
            color=stroke,
            fill=alt.condition(alt.datum.shown_as == "illustrative", alt.value("white"), fill),
            fillOpacity=alt.condition(alt.datum.shown_as == "date_illustrative", alt.value(0.35), alt.value(1)),
            tooltip=tooltip,
            **encodings,
        )
    )
    return [key, marks]


def _shown_as(data: pd.DataFrame) -> pd.Series:
    """A record's provenance as drawn: a stated value whose date is illustrative is drawn apart from both."""
    shown = data["provenance"].copy()
    if "date_provenance" in data:
        shown[(data["provenance"] != "illustrative") & (data["date_provenance"] == "illustrative")] = (
            "date_illustrative"
        )
    return shown


def _palette_colour(field: str, title: str, domain: list[str]) -> alt.Color:
    """A nominal colour from the Okabe-Ito palette, in the order the values first appear."""
    return alt.Color(
        f"{field}:N",
        title=title,
        scale=alt.Scale(domain=domain, range=OKABE_ITO[: len(domain)]),
        legend=alt.Legend(orient="bottom"),
    )


def _wrap(text: str, width_points: float, text_size: float = FONT_SIZE) -> list[str]:
    """Lines of ``text`` that fit ``width_points`` (Vega wraps no text itself)."""
    return textwrap.wrap(text, max(12, int(width_points / (text_size * 0.55))))


def _grade_text(grades: pd.Series) -> pd.Series:
    return grades.map(lambda g: "not graded" if pd.isna(g) else f"grade {g}")


def _source(frame: pd.DataFrame) -> pd.Series:
    return frame["quote"].fillna(frame["rule"]).fillna("")


def _finish(chart: TopLevel, text_size: float = FONT_SIZE) -> TopLevel:
    """Type sizes for the whole chart: ``FONT_SIZE`` points in print, larger on screen."""
    return (
        chart.configure_axis(labelFontSize=text_size, titleFontSize=text_size)
        .configure_legend(
            labelFontSize=text_size,
            titleFontSize=text_size,
            columns=2,
            orient="bottom",
        )
        .configure_title(fontSize=text_size + 2, subtitleFontSize=text_size, anchor="start")
    )


def _regimen_periods(case: Case, axis: Axis) -> pd.DataFrame:
    """Each stopped regimen's period, from the middle of its start to the middle of its stop."""
    rows = []
    for _, regimen in case.regimens[case.regimens["stop"].notna()].iterrows():
        ends = _positions(case, case.events[case.events["id"].isin([regimen["start"], regimen["stop"]])], axis)
        ends = ends.set_index("id")
        rows.append(
            {
                "regimen": regimen["drug"],
                "x_start": ends.at[regimen["start"], "x"],
                "x_end": ends.at[regimen["stop"], "x"],
                "period": f"{regimen['drug']} {ends.at[regimen['start'], 'when']!s} to "
                f"{ends.at[regimen['stop'], 'when']!s}",
            }
        )
    return pd.DataFrame(rows, columns=["regimen", "x_start", "x_end", "period"])
