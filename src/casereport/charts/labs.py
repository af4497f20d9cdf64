"""Lab values over time: any analytes, the liver enzymes, a tumour marker, and every lab in small multiples."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from casereport.charts.style import (
    FONT_SIZE,
    LAB_ZOOM,
    OKABE_ITO,
    Scale,
    _finish,
    _grade_text,
    _palette_colour,
    _positions,
    _provenance_marks,
    _regimen_periods,
    _source,
    _x,
    x_extent,
)
from casereport.data.case import Case
from casereport.data.catalogue import AFP
from casereport.derive.grading import grade_labs
from casereport.derive.panels import analyte_title, liver_enzymes
from casereport.derive.timeline import Axis


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
    text_size: float = FONT_SIZE,
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
        .mark_text(align="right", baseline="bottom", dy=-1, fontSize=text_size - 2)
        .encode(y="limit_value:Q", x=alt.value("width"), color=colour, text="limit_text:N")
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
            .mark_text(align="left", baseline="top", dx=3, dy=3, fontSize=text_size - 1, color="#444444", clip=True)
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
    return _finish(chart, text_size) if standalone else chart


def liver_enzymes_chart(
    case: Case,
    *,
    axis: Axis = "calendar",
    width: int = 320,
    height: int = 180,
    domain_param: str | None = None,
    standalone: bool = True,
    text_size: float = FONT_SIZE,
) -> alt.LayerChart:
    """The liver enzymes the case has (the seed paper's Figure 5A: GOT, GPT and gamma-GT) with their upper
    limits, treatment periods shaded; ``ValueError`` for a case without them."""
    return lab_chart(
        case,
        liver_enzymes(case),
        axis=axis,
        title="Liver enzymes",
        width=width,
        height=height,
        domain_param=domain_param,
        standalone=standalone,
        text_size=text_size,
    )


def marker_chart(
    case: Case,
    loinc: str,
    *,
    axis: Axis = "calendar",
    scale: Scale = "linear",
    width: int = 320,
    height: int = 180,
    domain_param: str | None = None,
    standalone: bool = True,
    text_size: float = FONT_SIZE,
) -> alt.LayerChart:
    """One tumour marker with its limit, linear or log scale, treatment periods shaded, titled by its name.

    A marker has a view of its own because its values span orders of
    magnitude (AFP from the hundreds to single digits) where the enzymes span
    one: on a log scale its fall under treatment reads as plainly as a rise.
    """
    return lab_chart(
        case,
        [loinc],
        axis=axis,
        scale=scale,
        title=analyte_title(case, loinc),
        width=width,
        height=height,
        domain_param=domain_param,
        standalone=standalone,
        text_size=text_size,
    )


def afp_chart(case: Case, **options: Any) -> alt.LayerChart:
    """The seed paper's Figure 5B, for the notebooks that teach it: :func:`marker_chart` of alpha-fetoprotein,
    with its options."""
    return marker_chart(case, AFP, **options)


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
    panels: list[alt.LayerChart] = []
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
