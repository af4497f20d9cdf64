"""Imaging findings by staging and site, with the RECIST 1.1 row and the measured lesions."""

from __future__ import annotations

from collections.abc import Hashable

import altair as alt
import pandas as pd

from casereport.charts.style import FONT_SIZE, _finish, _palette_colour, _positions, _source, _wrap
from casereport.data.case import Case
from casereport.derive.response import MRECIST_NOTE, recist_response
from casereport.derive.tables import format_when
from casereport.derive.timeline import Axis

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


def _findings_by_staging(case: Case, axis: Axis) -> tuple[pd.DataFrame, pd.DataFrame, dict[Hashable, str]]:
    """The events placed on ``axis`` (by id), the findings laid out for the grid, and each staging's heading.

    Each finding gets its staging's heading and date, its dimensions and note
    in words, the paper's words, and a ``slot``: its place among the findings
    of the same staging and site, one below the other. The headings are in
    time order, as the grid's columns.
    """
    events = _positions(case, case.events, axis).set_index("id", drop=False)
    findings = _positions(case, case.findings, axis)
    staging_rows = events.loc[list(dict.fromkeys(findings["staging"]))].sort_values("x")
    labels = {i: _staging_label(case, row, axis) for i, row in staging_rows.iterrows()}
    findings["staging_label"] = findings["staging"].map(labels)
    findings["staging_when"] = findings["staging"].map(events["when"])
    findings["dimensions"] = findings[["dim1_mm", "dim2_mm", "dim3_mm"]].apply(
        lambda r: " x ".join(f"{v:g}" for v in r.dropna()) + " mm" if r.notna().any() else "not given", axis=1
    )
    findings["note"] = findings.apply(_finding_note, axis=1)
    findings["source"] = _source(findings)
    findings["slot"] = findings.groupby(["staging", "site_kind"]).cumcount()
    return events, findings, labels


def _recist_row(case: Case, events: pd.DataFrame, labels: dict[Hashable, str]) -> pd.DataFrame:
    """The RECIST 1.1 category at each staging, placed in the grid's first row, with its reason as ``why``."""
    response = recist_response(case)
    response["x"] = response["staging"].map(events["x"])
    response["staging_label"] = response["staging"].map(labels)
    response["staging_when"] = response["staging"].map(events["when"])
    response["site_kind"] = RECIST_ROW
    response["slot"] = 0
    # Two lines, so the longest category fits a column.
    response["category_text"] = response["category"].fillna("none").str.replace("non-CR/non-PD", "non-CR/\nnon-PD")
    response["why"] = response["reason"] + response["mrecist_note"].map(lambda n: f"; {n}" if n else "")
    return response


def _footnotes(response: pd.DataFrame) -> list[str]:
    """The notes under the title: why each RECIST 1.1 category was given, what the dagger means, the units."""
    notes = [
        f"{category}: {basis}"
        for category, basis in dict.fromkeys((row["category"], _response_basis(row)) for _, row in response.iterrows())
    ]
    necrotic = response.loc[response["mrecist_note"].str.contains("necrosis"), "staging_label"].str.replace("|", " ")
    if not necrotic.empty:
        notes.append(f"\u2020 Necrosis described ({', '.join(necrotic)}): {MRECIST_NOTE}.")
    notes.append("Dimensions in mm. Hover for the paper's words.")
    return notes


def _staging_x(order: list[str], text_size: float, *, band_position: float = 0.5) -> alt.X:
    """The grid's columns: one per staging, headed above the plot; marks at ``band_position`` of a column."""
    return alt.X(
        "staging_label:N",
        bandPosition=band_position,
        title=None,
        sort=order,
        scale=alt.Scale(domain=order),
        axis=alt.Axis(
            orient="top",
            labelAngle=0,
            labelExpr="split(datum.label, '|')",
            # A second line grows downwards, into the plot, unless the labels stand a line higher.
            labelPadding=text_size + 5 if any("|" in label for label in order) else 4,
            ticks=False,
            domain=False,
        ),
    )


def _site_y(rows: list[str], slots: int, row_height: int) -> alt.Y:
    """The grid's rows: the RECIST 1.1 row, then one per site, each ``slots`` findings high."""
    return alt.Y(
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


def _finding_tooltip() -> list[alt.Tooltip | str]:
    """A finding's tooltip: where and how it was seen, and the paper's words."""
    return [
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


def _finding_layers(
    base: alt.Chart,
    *,
    x: alt.X,
    y: alt.Y,
    y_offset: alt.YOffset,
    tooltip: list[alt.Tooltip | str],
    text_size: float,
) -> tuple[alt.Chart, alt.Chart]:
    """Each finding as a symbol for its described change, at the left of its cell, and its note beside it.

    Give an ``x`` placed at the column's start (``band_position=0``), so they
    stay in their cell at any width, the width of a page's container included.
    """
    change = alt.Color(
        "change:N",
        title="Described change",
        scale=alt.Scale(domain=CHANGES, range=CHANGE_COLOURS),
        legend=alt.Legend(orient="bottom", columns=2),
    )
    shape = alt.Shape("change:N", scale=alt.Scale(domain=CHANGES, range=CHANGE_SHAPES), legend=None)
    symbols = base.mark_point(size=30, filled=True, xOffset=5, opacity=1).encode(
        x=x, y=y, yOffset=y_offset, color=change, shape=shape, tooltip=tooltip
    )
    notes = base.mark_text(align="left", dx=11, fontSize=text_size - 2).encode(
        x=x, y=y, yOffset=y_offset, text="note:N", tooltip=tooltip
    )
    return symbols, notes


def _category_layer(categories: alt.Chart, *, x: alt.X, y: alt.Y, y_offset: alt.YOffset, text_size: float) -> alt.Chart:
    """The RECIST 1.1 category of each staging, in bold, with the sum of diameters and why in the tooltip."""
    return categories.mark_text(fontWeight="bold", fontSize=text_size, lineBreak="\n").encode(
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


def _measured_panel(
    findings: pd.DataFrame,
    *,
    order: list[str],
    width: int,
    tooltip: list[alt.Tooltip | str],
    brush: str | None,
    axis: Axis,
) -> alt.Chart | None:
    """The longest diameter of each measured lesion by staging, coloured by modality; None if none was measured."""
    measured = findings[findings[["dim1_mm", "dim2_mm", "dim3_mm"]].notna().any(axis=1)].copy()
    if measured.empty:
        return None
    measured["longest_mm"] = measured[["dim1_mm", "dim2_mm", "dim3_mm"]].max(axis=1)
    dims = _brushed(alt.Chart(measured), brush, axis)
    return (
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


def imaging_chart(
    case: Case,
    *,
    axis: Axis = "calendar",
    width: int = 320,
    row_height: int = 11,
    brush: str | None = None,
    standalone: bool = True,
    text_size: float = FONT_SIZE,
) -> alt.VConcatChart:
    """Every imaging finding by staging and site, the RECIST 1.1 category, and the measured lesions.

    Columns are the stagings, rows the sites; each finding is a symbol for the
    change the paper describes, with its dimensions, count, novelty and
    necrosis beside it. The first row is the RECIST 1.1 category, with the
    reasons it could or could not be given under the title. ``brush`` names an
    interval selection on ``x`` that keeps only the stagings within it.
    """
    events, findings, labels = _findings_by_staging(case, axis)
    order = list(labels.values())
    rows = [RECIST_ROW, *dict.fromkeys(findings["site_kind"])]
    slots = max(int(findings["slot"].max()) + 1, 1)
    response = _recist_row(case, events, labels)

    x = _staging_x(order, text_size)
    y = _site_y(rows, slots, row_height)
    y_offset = alt.YOffset("slot:O", scale=alt.Scale(domain=list(range(slots))))
    tooltip = _finding_tooltip()
    symbols, notes = _finding_layers(
        _brushed(alt.Chart(findings), brush, axis),
        x=_staging_x(order, text_size, band_position=0),
        y=y,
        y_offset=y_offset,
        tooltip=tooltip,
        text_size=text_size,
    )
    categories = _category_layer(
        _brushed(alt.Chart(response), brush, axis), x=x, y=y, y_offset=y_offset, text_size=text_size
    )
    grid = alt.layer(categories, symbols, notes).properties(
        width=width,
        height=row_height * slots * len(rows),
        title=alt.TitleParams(
            "Imaging findings by staging and site",
            subtitle=[line for note in _footnotes(response) for line in _wrap(note, width + 60, text_size)],
            subtitleFontSize=text_size - 1,
            limit=width + 60,
        ),
    )
    # alt.layer is typed to return a FacetChart too (for layers that share facet encodings; these have none).
    parts: list[alt.LayerChart | alt.FacetChart | alt.Chart] = [grid]
    measured = _measured_panel(findings, order=order, width=width, tooltip=tooltip, brush=brush, axis=axis)
    if measured is not None:
        parts.append(measured)
    chart = alt.vconcat(*parts, spacing=10).resolve_scale(color="independent", shape="independent")
    return _finish(chart, text_size) if standalone else chart
