"""Chart factories: pure functions from a ``Case`` to Altair charts.

The same functions serve the dashboard, the paper's figures and the teaching
notebooks. Conventions, so that every figure is honest and readable:

- Provenance shows: reported values are filled marks, illustrative values
  hollow marks, and the legend says so; lines joining values are dashed.
- A date known to the month is drawn across its month (a band or a bar), and
  a value dated to a month sits at its middle.
- Colours are the Okabe-Ito palette, safe for colour-blind readers.
- Every selection and param is named (``timeline_brush``, ``staging_pick``),
  so dashboards can link views in the browser.
"""

from __future__ import annotations

import math
import textwrap
from typing import Literal

import altair as alt
import pandas as pd

from .case import Case
from .grading import grade_labs
from .rationale import COLUMN_TITLES, COLUMNS, rationale_drugs, rationale_graph
from .response import MRECIST_NOTE, recist_response
from .summary import placed
from .tables import format_when, when_text

Axis = Literal["calendar", "relative"]
Scale = Literal["linear", "log"]

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
LIVER_ENZYMES = ("1920-8", "1742-6", "2324-2")
AFP = "1834-1"
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
    out["when"] = [when_text(row) for _, row in out.iterrows()] if not out.empty else []
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
        # A linked view may be zoomed to weeks, where month labels would repeat; Vega's own labels adapt.
        # Otherwise one tick per month (or per few months over a long course), so no month is named twice.
        low, high = (pd.Timestamp(year=d.year, month=d.month, day=d.date) for d in bounds)
        days = (high - low).days
        if domain_param:
            labels = alt.Axis(labelAngle=-40)
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
    stroke: alt.Color | dict,
    fill: alt.Fill | dict,
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
    legend = alt.Legend(
        title="Values",
        orient="bottom",
        columns=1,
        labelExpr=" : ".join(f"datum.value == '{k}' ? '{PROVENANCE_TEXT[k]}'" for k in present) + " : datum.label",
    )
    scale = alt.Scale(domain=present, range=[PROVENANCE_FILL[k] for k in present])
    key = (
        alt.Chart(data)
        .mark_point(size=size, strokeWidth=1.5, color="#555555", opacity=1, clip=True)
        .encode(x=x, y=y, fill=alt.Fill("shown_as:N", scale=scale, legend=legend if legend else None), **encodings)
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


def _wrap(text: str, width_points: float) -> list[str]:
    """Lines of ``text`` that fit ``width_points`` (Vega wraps no text itself)."""
    return textwrap.wrap(text, max(12, int(width_points / (FONT_SIZE * 0.55))))


def _grade_text(grades: pd.Series) -> pd.Series:
    return grades.map(lambda g: "not graded" if pd.isna(g) else f"grade {g}")


def _source(frame: pd.DataFrame) -> pd.Series:
    return frame["quote"].fillna(frame["rule"]).fillna("")


def _finish(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE)
        .configure_legend(
            labelFontSize=FONT_SIZE,
            titleFontSize=FONT_SIZE,
            columns=2,
            orient="bottom",
        )
        .configure_title(fontSize=FONT_SIZE + 2, anchor="start")
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
                "period": f"{regimen['drug']} {ends.at[regimen['start'], 'when']} to "
                f"{ends.at[regimen['stop'], 'when']}",
            }
        )
    return pd.DataFrame(rows, columns=["regimen", "x_start", "x_end", "period"])


def lab_chart(
    case: Case,
    loincs: tuple[str, ...] | list[str],
    *,
    axis: Axis = "calendar",
    scale: Scale = "linear",
    title: str | None = None,
    width: int = 320,
    height: int = 180,
    domain_param: str | None = None,
    standalone: bool = True,
) -> alt.LayerChart:
    """Values of the given analytes over time, with their upper limits and the stopped regimens shaded.

    Analytes share one y axis, so give analytes of one unit. ``domain_param``
    names an interval selection whose range sets the x domain (for linked
    views); ``standalone=False`` leaves configuration to an enclosing chart.
    """
    graded = grade_labs(case)
    labs = _positions(case, graded[graded["loinc"].isin(loincs)], axis)
    if labs.empty:
        raise ValueError(f"case '{case.case_id}' has no values for LOINC {', '.join(loincs)}")
    units = sorted(set(labs["unit"]))
    labs["source"] = _source(labs)
    labs["grade"] = _grade_text(labs["ctcae_grade"])
    names = list(dict.fromkeys(labs["analyte"]))
    colour = _palette_colour("analyte", "Analyte", names)
    if len(names) == 1:
        colour = colour.legend(None)  # the axis title names it
    y_scale = alt.Scale(type=scale, zero=False) if scale == "log" else alt.Scale(zero=True)
    # One analyte names itself on the axis; several are named in the legend.
    y_title = f"{names[0]} ({units[0]})" if len(names) == 1 else ", ".join(units)
    y = alt.Y("value:Q", title=y_title, scale=y_scale)
    # Every layer names the same domain: Vega-Lite drops a linked domain that only some layers give.
    x = _x(case, axis, domain_param=domain_param)
    base = alt.Chart(labs)
    lines = base.mark_line(strokeDash=[4, 3], strokeWidth=1.2, clip=True).encode(
        x=x, y=y, color=colour, detail="analyte:N"
    )
    tooltip = [
        alt.Tooltip("analyte:N"),
        alt.Tooltip("value:Q", format=".4~g"),
        alt.Tooltip("unit:N"),
        alt.Tooltip("when:N", title="date"),
        alt.Tooltip("flag:N", title="vs reference"),
        alt.Tooltip("grade:N", title="CTCAE v5.0"),
        alt.Tooltip("provenance:N"),
        alt.Tooltip("source:N", title="paper's words or rule"),
    ]
    fill = alt.Fill("analyte:N", scale=alt.Scale(domain=names, range=OKABE_ITO[: len(names)]), legend=None)
    points = _provenance_marks(labs, x=x, y=y, stroke=colour, fill=fill, tooltip=tooltip)
    limits = labs.drop_duplicates("analyte")[["analyte", "upper_limit", "lower_limit", "unit", "limits_provenance"]]
    limits = limits.melt(
        id_vars=["analyte", "unit", "limits_provenance"],
        value_vars=["upper_limit", "lower_limit"],
        var_name="limit",
        value_name="limit_value",
    ).dropna(subset=["limit_value"])
    limits["limit"] = limits["limit"].str.replace("_limit", " limit")
    limits["limit_text"] = limits["limit"] + " " + limits["limit_value"].map("{:g}".format)
    limit_rules = (
        alt.Chart(limits)
        .mark_rule(strokeDash=[1, 2], strokeWidth=1)
        .encode(
            y="limit_value:Q",
            color=colour,
            tooltip=[
                alt.Tooltip("analyte:N"),
                alt.Tooltip("limit:N"),
                alt.Tooltip("limit_value:Q", title="value"),
                alt.Tooltip("unit:N"),
                alt.Tooltip("limits_provenance:N", title="provenance"),
            ],
        )
    )
    limit_labels = (
        alt.Chart(limits)
        .mark_text(align="right", baseline="bottom", dy=-1, fontSize=FONT_SIZE - 2)
        .encode(y="limit_value:Q", x=alt.value(width), color=colour, text="limit_text:N")
    )
    if standalone and not domain_param:
        # Drag to pan and scroll to zoom along time in the HTML figure; double-click resets.
        lines = lines.add_params(alt.selection_interval(name=LAB_ZOOM, bind="scales", encodings=["x"]))
    layers = [limit_rules, limit_labels, lines, *points]
    periods = _regimen_periods(case, axis)
    if not periods.empty:
        x_start = _x(case, axis, "x_start", domain_param=domain_param)
        shade = (
            alt.Chart(periods)
            .mark_rect(opacity=0.12, color="#777777", clip=True)
            .encode(
                x=x_start,
                x2="x_end",
                tooltip=[alt.Tooltip("period:N", title="treatment period")],
            )
        )
        label = (
            alt.Chart(periods)
            .mark_text(align="left", baseline="top", dx=3, dy=3, fontSize=FONT_SIZE - 1, color="#444444", clip=True)
            .encode(
                x=x_start,
                y=alt.value(0),
                text="regimen:N",
            )
        )
        layers = [shade, label, *layers]
    chart = (
        alt.layer(*layers)
        .resolve_scale(fill="independent")
        .properties(width=width, height=height, title=title or alt.Undefined)
    )
    return _finish(chart) if standalone else chart


def liver_enzymes_chart(
    case: Case,
    *,
    axis: Axis = "calendar",
    width: int = 320,
    height: int = 180,
    domain_param: str | None = None,
    standalone: bool = True,
) -> alt.LayerChart:
    """The paper's Figure 5A: GOT, GPT and gamma-GT with their upper limits, treatment periods shaded."""
    present = [loinc for loinc in LIVER_ENZYMES if loinc in set(case.labs["loinc"])]
    return lab_chart(
        case,
        present,
        axis=axis,
        title="Liver enzymes",
        width=width,
        height=height,
        domain_param=domain_param,
        standalone=standalone,
    )


def afp_chart(
    case: Case,
    *,
    axis: Axis = "calendar",
    scale: Scale = "linear",
    width: int = 320,
    height: int = 180,
    domain_param: str | None = None,
    standalone: bool = True,
) -> alt.LayerChart:
    """The paper's Figure 5B: AFP with its limit, linear or log scale, treatment periods shaded."""
    return lab_chart(
        case,
        [AFP],
        axis=axis,
        scale=scale,
        title="Alpha-fetoprotein (AFP)",
        width=width,
        height=height,
        domain_param=domain_param,
        standalone=standalone,
    )


def all_labs_chart(
    case: Case, *, axis: Axis = "calendar", width: int = 240, height: int = 120, columns: int = 2
) -> alt.ConcatChart:
    """Small multiples of every analyte with its reference band and each value's CTCAE grade."""
    graded = _positions(case, grade_labs(case), axis)
    graded["source"] = _source(graded)
    graded["grade"] = _grade_text(graded["ctcae_grade"])
    grades = ["not graded", "grade 0", "grade 1", "grade 2", "grade 3", "grade 4"]
    grade_scale = alt.Scale(domain=grades, range=["#999999", "#009E73", "#F0E442", "#E69F00", "#D55E00", "#000000"])
    grade_colour = alt.Color("grade:N", title="CTCAE v5.0", scale=grade_scale, legend=alt.Legend(orient="bottom"))
    panels = []
    extent = x_extent(case, axis)
    for loinc, values in graded.groupby("loinc", sort=False):
        first = values.iloc[0]
        band = pd.DataFrame(
            [
                {
                    "low": first["lower_limit"] if pd.notna(first["lower_limit"]) else 0,
                    "high": first["upper_limit"] if pd.notna(first["upper_limit"]) else None,
                }
            ]
        )
        band["high"] = band["high"].fillna(values["value"].max())
        x = _x(case, axis, title=False, extent=extent)
        y = alt.Y("value:Q", title=first["unit"])
        reference = alt.Chart(band).mark_rect(color="#009E73", opacity=0.12).encode(y="low:Q", y2="high:Q")
        line = (
            alt.Chart(values).mark_line(strokeDash=[4, 3], color="#777777", strokeWidth=1, clip=True).encode(x=x, y=y)
        )
        tooltip = [
            "analyte:N",
            alt.Tooltip("value:Q", format=".4~g"),
            "unit:N",
            alt.Tooltip("when:N", title="date"),
            "flag:N",
            alt.Tooltip("grade:N", title="CTCAE v5.0"),
            "provenance:N",
            alt.Tooltip("source:N", title="paper's words or rule"),
        ]
        grade_fill = alt.Fill("grade:N", scale=grade_scale, legend=None)
        points = _provenance_marks(
            values, x=x, y=y, stroke=grade_colour, fill=grade_fill, tooltip=tooltip, size=36, legend=not panels
        )
        panels.append(
            alt.layer(reference, line, *points)
            .resolve_scale(fill="independent")
            .properties(width=width, height=height, title=f"{first['analyte']} (LOINC {loinc})")
        )
    return _finish(alt.concat(*panels, columns=columns).properties(title="All labs: reference range shaded"))


def timeline_chart(
    case: Case, *, axis: Axis = "calendar", width: int = 320, height: int | None = None, standalone: bool = True
) -> alt.LayerChart:
    """The case timeline: one lane per drug, stagings and other events; brush and staging selection named.

    Continuous regimens are bars; cyclic ones their dose days, coloured by
    cycle. Doses that may or may not have been given before an uncertain stop
    are faint. Events known to the month span their month.
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
        axis=alt.Axis(labelFontSize=FONT_SIZE, labelLimit=120),
    )
    x = _x(case, axis)
    x_type = "temporal" if axis == "calendar" else "quantitative"
    brush = alt.selection_interval(name=BRUSH, encodings=["x"])
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
    marks = (
        alt.Chart(doses)
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
    points[1] = points[1].encode(size=alt.condition(pick, alt.value(150), alt.value(70))).add_params(brush, pick)
    chart = (
        alt.layer(spans, marks, *points)
        .resolve_scale(fill="independent")
        .properties(
            width=width,
            height=height or 26 * len(lanes),
            title=alt.TitleParams(
                "Case timeline", subtitle=_wrap(case.title, width + 60), subtitleFontSize=FONT_SIZE, limit=width + 60
            ),
        )
    )
    return _finish(chart) if standalone else chart


CHANGES = ["baseline", "decreased", "stable", "increased", "new", "mixed", "not stated"]
CHANGE_COLOURS = ["#777777", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#E69F00", "#000000"]
CHANGE_SHAPES = ["circle", "triangle-down", "square", "triangle-up", "diamond", "diamond", "cross"]
RECIST_ROW = "RECIST 1.1"


def _brushed(chart: alt.Chart, brush: str | None, axis: Axis) -> alt.Chart:
    """``chart`` keeping only records whose ``x`` lies in the ``brush`` (all of them while it is empty)."""
    if not brush:
        return chart
    if axis == "calendar":
        # Unencoded, ``x`` arrives as text; the brush compares dates.
        chart = chart.transform_calculate(x="toDate(datum.x)")
    return chart.transform_filter(alt.ParameterPredicate(param=brush))


def _staging_label(case: Case, staging: pd.Series, axis: Axis) -> str:
    """A staging's column heading, as precise as the paper: ``Sep 2009|+6 wk`` or ``day 42`` (``|`` breaks)."""
    if axis == "relative":
        return f"day {staging['day_earliest']}" + (
            f"|to {staging['day_latest']}" if staging["day_latest"] != staging["day_earliest"] else ""
        )
    if staging["anchor"] != staging["id"] and staging["anchor_offset_days"]:
        anchor = case.events.set_index("id").loc[staging["anchor"]]
        days = int(staging["anchor_offset_days"])
        offset = f"+{days // 7} wk" if days % 7 == 0 else f"+{days} d"
        return f"{format_when(anchor['date_earliest'], anchor['date_latest'])}|{offset}"
    return staging["when"]


def _response_basis(row: pd.Series) -> str:
    """A RECIST 1.1 category's reason in a few words, for a figure's footnote (the full reason is in the tooltip)."""
    if row["category"] == "baseline":
        return "targets measured" if pd.notna(row["sum_mm"]) else "no measurable target (RECIST 1.1 needs CT or MRI)"
    if row["category"] == "PD":
        return "new lesion reported" if row["new_lesion"] else "sum of diameters up at least 20%"
    if row["category"] == "NE":
        return "not evaluable at this staging"
    if row["category"] == "non-CR/non-PD":
        return "non-target disease only, no new lesion"
    return "from the sum of diameters"


def _finding_note(finding: pd.Series) -> str:
    """What a finding adds to its symbol: dimensions, count, new, and a dagger for necrosis."""
    dims = [f"{v:g}" for v in finding[["dim1_mm", "dim2_mm", "dim3_mm"]].dropna()]
    parts = []
    if dims:
        parts.append("\u00d7".join(dims))
    if pd.notna(finding["lesion_count"]) and finding["lesion_count"] > 1:
        parts.append(f"{finding['lesion_count']:g} lesions")
    if finding["new_lesion"] is True:
        parts.append("new")
    note = ", ".join(parts)
    # A dagger keeps the column narrow; the footnote says what it means.
    return f"{note} \u2020" if pd.notna(finding["necrosis"]) else note


def imaging_chart(
    case: Case,
    *,
    axis: Axis = "calendar",
    width: int = 320,
    row_height: int = 11,
    brush: str | None = None,
    standalone: bool = True,
) -> alt.VConcatChart:
    """Every imaging finding by staging and site, the RECIST 1.1 category, and the measured lesions.

    Columns are the stagings, rows the sites; each finding is a symbol for the
    change the paper describes, with its dimensions, count, novelty and
    necrosis beside it. The first row is the RECIST 1.1 category, with the
    reasons it could or could not be given under the title. ``brush`` names an
    interval selection on ``x`` that keeps only the stagings within it.
    """
    events = _positions(case, case.events, axis).set_index("id", drop=False)
    findings = _positions(case, case.findings, axis)
    staging_rows = events.loc[list(dict.fromkeys(findings["staging"]))].sort_values("x")
    labels = {i: _staging_label(case, row, axis) for i, row in staging_rows.iterrows()}
    order = list(labels.values())
    findings["staging_label"] = findings["staging"].map(labels)
    findings["staging_when"] = findings["staging"].map(events["when"])
    findings["dimensions"] = findings[["dim1_mm", "dim2_mm", "dim3_mm"]].apply(
        lambda r: " x ".join(f"{v:g}" for v in r.dropna()) + " mm" if r.notna().any() else "not given", axis=1
    )
    findings["note"] = findings.apply(_finding_note, axis=1)
    findings["source"] = _source(findings)
    findings["slot"] = findings.groupby(["staging", "site_kind"]).cumcount()
    sites = list(dict.fromkeys(findings["site_kind"]))
    rows = [RECIST_ROW, *sites]

    response = recist_response(case)
    response["x"] = response["staging"].map(events["x"])
    response["staging_label"] = response["staging"].map(labels)
    response["staging_when"] = response["staging"].map(events["when"])
    response["site_kind"] = RECIST_ROW
    response["slot"] = 0
    # Two lines, so the longest category fits a column.
    response["category_text"] = response["category"].fillna("none").str.replace("non-CR/non-PD", "non-CR/\nnon-PD")
    response["why"] = response["reason"] + response["mrecist_note"].map(lambda n: f"; {n}" if n else "")
    notes = [
        f"{category}: {basis}"
        for category, basis in dict.fromkeys((row["category"], _response_basis(row)) for _, row in response.iterrows())
    ]
    necrotic = response.loc[response["mrecist_note"].str.contains("necrosis"), "staging_label"].str.replace("|", " ")
    if not necrotic.empty:
        notes.append(f"\u2020 Necrosis described ({', '.join(necrotic)}): {MRECIST_NOTE}.")
    notes.append("Dimensions in mm. Hover for the paper's words.")

    band = width / max(len(order), 1)
    slots = max(int(findings["slot"].max()) + 1, 1)
    x = alt.X(
        "staging_label:N",
        title=None,
        sort=order,
        scale=alt.Scale(domain=order),
        axis=alt.Axis(
            orient="top",
            labelAngle=0,
            labelExpr="split(datum.label, '|')",
            # A second line grows downwards, into the plot, unless the labels stand a line higher.
            labelPadding=FONT_SIZE + 5 if any("|" in label for label in order) else 4,
            ticks=False,
            domain=False,
        ),
    )
    y = alt.Y(
        "site_kind:N",
        title=None,
        sort=rows,
        scale=alt.Scale(domain=rows),
        # Labels at the first slot of their row, where its findings start.
        axis=alt.Axis(
            labelFontWeight="bold",
            labelLimit=90,
            labelOffset=-row_height * (slots - 1) / 2,
            ticks=False,
            domain=False,
        ),
    )
    y_offset = alt.YOffset("slot:O", scale=alt.Scale(domain=list(range(slots))))
    tooltip = [
        alt.Tooltip("staging_when:N", title="staging"),
        "modality:N",
        "site:N",
        "dimensions:N",
        alt.Tooltip("lesion_count:Q", title="lesions"),
        "necrosis:N",
        "enhancement:N",
        alt.Tooltip("change:N", title="described change"),
        alt.Tooltip("description:N", title="finding"),
        alt.Tooltip("source:N", title="paper's words"),
    ]
    change = alt.Color(
        "change:N",
        title="Described change",
        scale=alt.Scale(domain=CHANGES, range=CHANGE_COLOURS),
        legend=alt.Legend(orient="bottom", columns=2),
    )
    shape = alt.Shape("change:N", scale=alt.Scale(domain=CHANGES, range=CHANGE_SHAPES), legend=None)
    base = _brushed(alt.Chart(findings), brush, axis)
    symbols = base.mark_point(size=30, filled=True, xOffset=-band / 2 + 4, opacity=1).encode(
        x=x, y=y, yOffset=y_offset, color=change, shape=shape, tooltip=tooltip
    )
    notes_text = base.mark_text(align="left", dx=-band / 2 + 9, fontSize=FONT_SIZE - 2).encode(
        x=x, y=y, yOffset=y_offset, text="note:N", tooltip=tooltip
    )
    categories = _brushed(alt.Chart(response), brush, axis)
    category_text = categories.mark_text(fontWeight="bold", fontSize=FONT_SIZE, lineBreak="\n").encode(
        x=x,
        y=y,
        yOffset=y_offset,
        text="category_text:N",
        tooltip=[
            alt.Tooltip("staging_when:N", title="staging"),
            alt.Tooltip("category_text:N", title="RECIST 1.1"),
            alt.Tooltip("sum_mm:Q", title="sum of diameters (mm)"),
            alt.Tooltip("change_from_baseline_pct:Q", title="change from baseline (%)", format=".0f"),
            alt.Tooltip("why:N", title="why"),
        ],
    )
    grid = alt.layer(category_text, symbols, notes_text).properties(
        width=width,
        height=row_height * slots * len(rows),
        title=alt.TitleParams(
            "Imaging findings by staging and site",
            subtitle=[line for note in notes for line in _wrap(note, width + 60)],
            subtitleFontSize=FONT_SIZE - 1,
            limit=width + 60,
        ),
    )
    parts = [grid]
    measured = findings[findings[["dim1_mm", "dim2_mm", "dim3_mm"]].notna().any(axis=1)].copy()
    if not measured.empty:
        measured["longest_mm"] = measured[["dim1_mm", "dim2_mm", "dim3_mm"]].max(axis=1)
        dims = _brushed(alt.Chart(measured), brush, axis)
        parts.append(
            dims.mark_point(size=40, strokeWidth=1.5, opacity=1, filled=True)
            .encode(
                x=alt.X(
                    "staging_label:N",
                    title=None,
                    sort=order,
                    scale=alt.Scale(domain=order),
                    axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, '|')"),
                ),
                # A fixed domain: the brush may leave no measured lesion to take it from.
                y=alt.Y(
                    "longest_mm:Q",
                    title="Longest diameter (mm)",
                    scale=alt.Scale(domain=[0, float(measured["longest_mm"].max())]),
                ),
                color=_palette_colour("modality", "Measured by", list(dict.fromkeys(measured["modality"]))).legend(
                    orient="bottom", columns=1
                ),
                shape=alt.Shape("modality:N", legend=None),
                tooltip=tooltip,
            )
            .properties(width=width, height=110, title="Measured lesions")
        )
    chart = alt.vconcat(*parts, spacing=10).resolve_scale(color="independent", shape="independent")
    return _finish(chart) if standalone else chart


EVIDENCE = ["established", "preclinical", "proposed"]
EVIDENCE_DASHES = [[1, 0], [6, 3], [2, 2]]
RATIONALE_BOX = 0.32  # half a box's width, in columns
RATIONALE_MARGIN = 0.36  # space beyond the outer columns, in columns
ACTION_AT = 0.5  # where along a drug's edge its action is written
RATIONALE_TOP = 0.1  # room above the first row for the column titles, in shares of the height


def rationale_chart(case: Case, *, width: int = 560, row_height: int = 56) -> alt.LayerChart:
    """The paper's rationale for its regimen (its Figure 1) drawn from data: drug, what it acts on, what follows.

    Three columns of boxes; each drug's edges in its colour, dashed by what
    the step rests on (approved use, laboratory models, a proposal). A
    target two drugs share is where the paper argues they meet. Hover an
    edge for the paper's words.
    """
    nodes, edges = rationale_graph(case)
    rows = max(int(nodes.groupby("kind").size().max()) if not nodes.empty else 1, 1)
    height = rows * row_height
    span = len(COLUMNS) - 1 + 2 * RATIONALE_MARGIN
    box_points = 2 * RATIONALE_BOX * width / span
    y_per_point = (1 + RATIONALE_TOP) / height  # data units per point, vertically

    nodes = nodes.assign(label=nodes["name"].map(lambda n: _wrap(n, box_points - 10)))
    lines_of = nodes["label"].map(len)
    half = (lines_of * (FONT_SIZE + 2) + 8) / 2 * y_per_point
    nodes = nodes.assign(
        x=nodes["column"] - RATIONALE_BOX,
        x2=nodes["column"] + RATIONALE_BOX,
        top=nodes["y"] - half,
        bottom=nodes["y"] + half,
        mid=nodes["column"].astype(float),
        # Vega sets the first line at y; lift multi-line labels so the block is centred.
        text_y=nodes["y"] - (lines_of - 1) * (FONT_SIZE + 2) / 2 * y_per_point,
    )
    edges = edges.assign(x=edges["x"] + RATIONALE_BOX, x2=edges["x2"] - RATIONALE_BOX)
    headers = pd.DataFrame(
        {"mid": [float(i) for i in range(len(COLUMNS))], "label": [COLUMN_TITLES[c] for c in COLUMNS]}
    )
    drugs = rationale_drugs(case)
    x_scale = alt.Scale(domain=[-RATIONALE_MARGIN, len(COLUMNS) - 1 + RATIONALE_MARGIN])
    y_scale = alt.Scale(domain=[1.0, -RATIONALE_TOP])  # top to bottom, with room for the column titles

    def x(field: str) -> alt.X:
        return alt.X(f"{field}:Q", axis=None, scale=x_scale)

    def y(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", axis=None, scale=y_scale)

    lines = (
        alt.Chart(edges)
        .mark_rule(strokeWidth=2)
        .encode(
            x=x("x"),
            y=y("y"),
            x2="x2:Q",
            y2="y2:Q",
            color=_palette_colour("drug", "Drug", drugs),
            strokeDash=alt.StrokeDash(
                "evidence:N",
                title="Rests on",
                scale=alt.Scale(
                    domain=[e for e in EVIDENCE if e in set(edges["evidence"])],
                    range=[d for e, d in zip(EVIDENCE, EVIDENCE_DASHES, strict=True) if e in set(edges["evidence"])],
                ),
                legend=alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeWidth=2),
            ),
            tooltip=[
                alt.Tooltip("drug:N"),
                alt.Tooltip("source:N", title="from"),
                alt.Tooltip("action:N"),
                alt.Tooltip("target_node:N", title="to"),
                alt.Tooltip("evidence:N", title="rests on"),
                alt.Tooltip("source_text:N", title="source"),
            ],
        )
    )
    first_hop = edges[edges["action"] != "leads to"]
    first_hop = first_hop.assign(
        mid_x=first_hop["x"] + ACTION_AT * (first_hop["x2"] - first_hop["x"]),
        mid_y=first_hop["y"] + ACTION_AT * (first_hop["y2"] - first_hop["y"]),
    )
    actions = (
        alt.Chart(first_hop)
        .mark_text(fontSize=FONT_SIZE - 1, fontStyle="italic", dy=-5)
        .encode(x=x("mid_x"), y=y("mid_y"), text="action:N", color=_palette_colour("drug", "Drug", drugs))
    )
    boxes = (
        alt.Chart(nodes)
        .mark_rect(fill="white", stroke="#555555", strokeWidth=1, cornerRadius=4)
        .encode(x=x("x"), x2="x2:Q", y=y("top"), y2="bottom:Q", tooltip=[alt.Tooltip("name:N"), alt.Tooltip("kind:N")])
    )
    labels = (
        alt.Chart(nodes)
        .mark_text(fontSize=FONT_SIZE, baseline="middle", lineHeight=FONT_SIZE + 2)
        .encode(x=x("mid"), y=y("text_y"), text="label:N")
    )
    titles = (
        alt.Chart(headers.assign(y=-RATIONALE_TOP / 2))
        .mark_text(fontSize=FONT_SIZE + 1, fontWeight="bold")
        .encode(x=x("mid"), y=y("y"), text="label:N")
    )
    chart = alt.layer(lines, actions, boxes, labels, titles).properties(
        width=width,
        height=height,
        title=alt.Title(
            "The rationale: what each drug acts on, and what follows",
            subtitle=_wrap("Colour: drug. Line: what each step rests on.", width),
        ),
    )
    return _finish(chart).configure_view(stroke=None)


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
    views = [timeline_chart(case, axis=axis, width=width, standalone=False)]
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
