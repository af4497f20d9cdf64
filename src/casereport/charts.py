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

from typing import Literal

import altair as alt
import pandas as pd

from .case import Case
from .grading import grade_labs
from .response import recist_response
from .tables import format_when
from .timeline import relative_days

Axis = Literal["calendar", "relative"]
Scale = Literal["linear", "log"]

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
LIVER_ENZYMES = ("1920-8", "1742-6", "2324-2")
AFP = "1834-1"
BRUSH = "timeline_brush"
STAGING_PICK = "staging_pick"
PROVENANCE_FILL = alt.Scale(domain=["reported", "derived", "illustrative"], range=["#555555", "#555555", "white"])
PROVENANCE_LEGEND = alt.Legend(
    title=["Provenance: filled, stated in the paper;", "hollow, illustrative"], orient="bottom", titleLimit=400
)
FONT_SIZE = 10


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
    out = relative_days(case, frame)
    out["when"] = [format_when(a, b) for a, b in zip(out["date_earliest"], out["date_latest"], strict=True)]
    if axis == "calendar":
        out["x_start"] = out["date_earliest"]
        out["x_end"] = out["date_latest"] + pd.Timedelta(days=1)
        out["x"] = out["date_earliest"] + (out["x_end"] - out["date_earliest"]) / 2
    else:
        out["x_start"] = out["day_earliest"].astype(float)
        out["x_end"] = out["day_latest"].astype(float) + 1
        out["x"] = (out["x_start"] + out["x_end"]) / 2
    return out


def _x(case: Case, axis: Axis, field: str = "x", *, title: bool = True, domain_param: str | None = None) -> alt.X:
    scale = alt.Scale(domain=alt.param(domain_param)) if domain_param else alt.Undefined
    if axis == "calendar":
        return alt.X(
            f"{field}:T", title="Date" if title else None, scale=scale, axis=alt.Axis(format="%b %Y", labelAngle=-40)
        )
    reference = case.event(case.reference_event)["label"]
    return alt.X(f"{field}:Q", title=f"Days since {reference}" if title else None, scale=scale)


def _provenance_marks(
    data: pd.DataFrame,
    *,
    x: alt.X,
    y: alt.Y,
    stroke: alt.Color | dict,
    fill: alt.Fill | dict,
    tooltip: list,
    size: int = 40,
    **encodings: object,
) -> list[alt.Chart]:
    """Points filled when the paper gives the value and hollow when it is illustrative, with a legend saying so.

    The legend comes from a grey key layer drawn under the coloured points;
    the enclosing layer must resolve ``fill`` independently.
    """
    key = (
        alt.Chart(data)
        .mark_point(size=size, strokeWidth=1.5, color="#555555", opacity=1, clip=True)
        .encode(x=x, y=y, fill=alt.Fill("provenance:N", scale=PROVENANCE_FILL, legend=PROVENANCE_LEGEND), **encodings)
    )
    marks = (
        alt.Chart(data)
        .mark_point(size=size, strokeWidth=1.5, opacity=1, clip=True)
        .encode(
            x=x,
            y=y,
            color=stroke,
            fill=alt.condition(alt.datum.provenance == "illustrative", alt.value("white"), fill),
            tooltip=tooltip,
            **encodings,
        )
    )
    return [key, marks]


def _palette_colour(field: str, title: str, domain: list[str]) -> alt.Color:
    """A nominal colour from the Okabe-Ito palette, in the order the values first appear."""
    return alt.Color(
        f"{field}:N",
        title=title,
        scale=alt.Scale(domain=domain, range=OKABE_ITO[: len(domain)]),
        legend=alt.Legend(orient="bottom"),
    )


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
    y_scale = alt.Scale(type=scale, zero=False) if scale == "log" else alt.Scale(zero=True)
    y = alt.Y("value:Q", title=f"{' / '.join(names)} ({', '.join(units)})", scale=y_scale)
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
    layers = [limit_rules, lines, *points]
    periods = _regimen_periods(case, axis)
    if not periods.empty:
        shade = (
            alt.Chart(periods)
            .mark_rect(opacity=0.12, color="#777777", clip=True)
            .encode(
                x=alt.X("x_start", type="temporal" if axis == "calendar" else "quantitative"),
                x2="x_end",
                tooltip=[alt.Tooltip("period:N", title="treatment period")],
            )
        )
        label = (
            alt.Chart(periods)
            .mark_text(align="left", baseline="top", dx=3, dy=3, fontSize=FONT_SIZE - 1, color="#444444", clip=True)
            .encode(
                x=alt.X("x_start", type="temporal" if axis == "calendar" else "quantitative"),
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
        x = _x(case, axis, title=False)
        y = alt.Y("value:Q", title=first["unit"])
        reference = alt.Chart(band).mark_rect(color="#009E73", opacity=0.12).encode(y="low:Q", y2="high:Q")
        line = alt.Chart(values).mark_line(strokeDash=[4, 3], color="#777777", strokeWidth=1).encode(x=x, y=y)
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
        points = _provenance_marks(values, x=x, y=y, stroke=grade_colour, fill=grade_fill, tooltip=tooltip, size=36)
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
        alt.Tooltip("certainty:N"),
        alt.Tooltip("rule:N", title="derived from"),
    ]
    marks = (
        alt.Chart(doses)
        .mark_tick(thickness=2, size=14)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "cycle_parity:N",
                title="Dose days",
                scale=alt.Scale(
                    domain=["continuous", "odd cycle", "even cycle"], range=["#0072B2", "#E69F00", "#CC79A7"]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            opacity=alt.Opacity(
                "certainty:N",
                title="Dose given",
                scale=alt.Scale(domain=["certain", "possible"], range=[0.9, 0.25]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=dose_tooltip,
        )
        .add_params(brush)
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
        shape=alt.Shape("kind:N", title="Event", legend=alt.Legend(orient="bottom")),
    )
    points[1] = points[1].encode(size=alt.condition(pick, alt.value(150), alt.value(70))).add_params(pick)
    chart = (
        alt.layer(spans, marks, *points)
        .resolve_scale(fill="independent")
        .properties(
            width=width,
            height=height or 26 * len(lanes),
            title=alt.TitleParams("Case timeline", subtitle=case.title, subtitleFontSize=FONT_SIZE, limit=width + 60),
        )
    )
    return _finish(chart) if standalone else chart


def imaging_chart(
    case: Case, *, axis: Axis = "calendar", width: int = 320, height: int = 160, standalone: bool = True
) -> alt.VConcatChart:
    """Lesion dimensions per staging and site, every finding described, and the RECIST 1.1 category."""
    findings = _positions(case, case.findings, axis)
    findings["longest_mm"] = findings[["dim1_mm", "dim2_mm", "dim3_mm"]].max(axis=1)
    findings["dimensions"] = findings[["dim1_mm", "dim2_mm", "dim3_mm"]].apply(
        lambda r: " x ".join(f"{v:g}" for v in r.dropna()) + " mm" if r.notna().any() else "not given", axis=1
    )
    findings["source"] = _source(findings)
    findings["new"] = findings["new_lesion"].map({True: "new lesion", False: "", None: ""}).fillna("")
    x = _x(case, axis, domain_param=None)
    tooltip = [
        alt.Tooltip("when:N", title="staging"),
        "modality:N",
        "site:N",
        "dimensions:N",
        alt.Tooltip("lesion_count:Q", title="lesions"),
        "necrosis:N",
        "enhancement:N",
        "change:N",
        "new:N",
        alt.Tooltip("source:N", title="paper's words"),
    ]
    sites = list(dict.fromkeys(findings["site_kind"]))
    colour = _palette_colour("site_kind", "Site", sites)
    measured = findings[findings["longest_mm"].notna()]
    dims = (
        alt.Chart(measured)
        .mark_point(size=60, filled=True, strokeWidth=1.5)
        .encode(
            x=x,
            y=alt.Y("longest_mm:Q", title="Longest diameter (mm)"),
            color=colour,
            shape=alt.Shape("modality:N", title="Modality", legend=alt.Legend(orient="bottom")),
            tooltip=tooltip,
        )
        .properties(width=width, height=height, title="Imaging: measured lesions")
    )
    described = (
        alt.Chart(findings)
        .mark_point(size=50, filled=True)
        .encode(
            x=x,
            y=alt.Y("site_kind:N", title=None, sort=sites),
            color=colour,
            shape=alt.Shape("change:N", title="Described change", legend=alt.Legend(orient="bottom")),
            tooltip=tooltip,
        )
        .properties(width=width, height=16 * len(sites) + 10, title="Every finding, as described")
    )
    response = _positions(case, recist_response(case), axis)
    response["category_text"] = response["category"].fillna("no category")
    response["why"] = response["reason"].where(response["reason"] != "", "measured") + response["mrecist_note"].map(
        lambda n: f"; {n}" if n else ""
    )
    categories = (
        alt.Chart(response)
        .mark_text(fontSize=FONT_SIZE, fontWeight="bold")
        .encode(
            x=x,
            y=alt.value(8),
            text="category_text:N",
            tooltip=[
                alt.Tooltip("when:N", title="staging"),
                alt.Tooltip("category_text:N", title="RECIST 1.1"),
                alt.Tooltip("sum_mm:Q", title="sum of diameters (mm)"),
                alt.Tooltip("change_from_baseline_pct:Q", title="change from baseline (%)", format=".0f"),
                alt.Tooltip("why:N", title="why"),
            ],
        )
        .properties(width=width, height=18, title="RECIST 1.1 category per staging")
    )
    parts = [categories, described] if measured.empty else [categories, dims, described]
    chart = alt.vconcat(*parts, spacing=8).resolve_scale(color="shared", x="shared", shape="independent")
    return _finish(chart) if standalone else chart
