"""Imaging findings by staging and site, with the RECIST 1.1 row and the measured lesions."""

from __future__ import annotations

from collections.abc import Hashable

import altair as alt
import pandas as pd

from casereport.charts.placement import LINE_HEIGHT, text_width, wrap_to
from casereport.charts.style import (
    FONT_SIZE,
    _finish,
    _independent,
    _palette_colour,
    _positions,
    _read_only,
    _source,
    _wrap,
    check_options,
)
from casereport.data.case import Case
from casereport.derive.response import MRECIST_NOTE, RECIST_MODALITIES, recist_response
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
    """A staging's column heading, as precise as the paper: ``Sep 2009``, ``Oct\u2013Nov 2009|week 6`` or
    ``day 42`` (``|`` breaks).

    A staging the paper dates from another event (6 weeks after a start it
    gives to the month) is headed by the months it may fall in, then its
    week (or day) after that event.
    """
    if axis == "relative":
        return f"day {staging['day_earliest']}" + (
            f"|to {staging['day_latest']}" if staging["day_latest"] != staging["day_earliest"] else ""
        )
    if staging["anchor"] != staging["id"] and staging["anchor_offset_days"]:
        days = int(staging["anchor_offset_days"])
        offset = f"week {days // 7}" if days % 7 == 0 else f"day {days}"
        return f"{_months(staging['date_earliest'], staging['date_latest'])}|{offset}"
    return staging["when"]


def _months(earliest: pd.Timestamp, latest: pd.Timestamp) -> str:
    """A date range as the months it may fall in (``Oct\u2013Nov 2009``), or its day where it is one day."""
    if earliest == latest:
        return format_when(earliest, latest)
    if (earliest.year, earliest.month) == (latest.year, latest.month):
        return earliest.strftime("%b %Y")
    if earliest.year == latest.year:
        return f"{earliest:%b}\u2013{latest:%b %Y}"
    return f"{earliest:%b %Y}\u2013{latest:%b %Y}"


def _response_basis(case: Case, row: pd.Series) -> str:
    """A RECIST 1.1 category's reason in a few words, for a figure's footnote (the full reason is in the tooltip)."""
    if row["category"] == "baseline":
        return "targets measured" if pd.notna(row["sum_mm"]) else _why_no_target(case, row["staging"])
    if row["category"] == "PD":
        return "new lesion reported" if row["new_lesion"] else "sum of diameters up at least 20%"
    if row["category"] == "NE":
        return "not evaluable at this staging"
    if row["category"] == "non-CR/non-PD":
        return "non-target disease only, no new lesion"
    return "from the sum of diameters"


def _why_no_target(case: Case, staging: str) -> str:
    """Why a baseline has no RECIST 1.1 target, in words that square with the sizes in its cells: a lesion
    measured by sonography is not RECIST-measurable (CT or MRI only), however large."""
    found = case.findings[case.findings["staging"] == staging]
    longest = found[["dim1_mm", "dim2_mm", "dim3_mm"]].max(axis=1).dropna()
    if longest.empty:
        return "no lesion size given"
    measured = found.loc[longest.index]
    if measured["modality"].isin(RECIST_MODALITIES).any():
        return "no single lesion of 10 mm or more on CT or MRI"
    sizes = ", ".join(dict.fromkeys(f"{v:g}" for v in longest.sort_values(ascending=False)))
    lesions = "lesion" if len(longest) == 1 else "lesions"
    return (
        f"{sizes} mm {lesions} measured by {' and '.join(dict.fromkeys(measured['modality']))}, not RECIST-measurable"
    )


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
    response["basis"] = [_response_basis(case, row) for _, row in response.iterrows()]
    return response


def _footnotes(response: pd.DataFrame, *, short: bool = False) -> list[str]:
    """The grid's notes (under its title): why each RECIST 1.1 category was given, what the dagger means, the units.

    ``short``: a printed table's footnotes, which has units in its cells and nothing to hover.
    """
    notes = [
        f"{category}: {basis}"
        for category, basis in dict.fromkeys(zip(response["category"], response["basis"], strict=True))
    ]
    necrotic = response.loc[response["mrecist_note"].str.contains("necrosis"), "staging_label"].str.replace("|", " ")
    if short:
        dagger = [f"{DAGGER} Necrosis described; the viable diameter (mRECIST) is not given."] if len(necrotic) else []
        return [f"RECIST 1.1 {'; '.join(notes)}.", *dagger]
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


def _finding_tooltip() -> list[alt.Tooltip]:
    """A finding's tooltip: where and how it was seen, and the paper's words."""
    return [
        alt.Tooltip("staging_when:N", title="staging"),
        alt.Tooltip("modality:N"),
        alt.Tooltip("site:N"),
        alt.Tooltip("dimensions:N"),
        alt.Tooltip("lesion_count:Q", title="lesions"),
        alt.Tooltip("necrosis:N"),
        alt.Tooltip("enhancement:N"),
        alt.Tooltip("change:N", title="described change"),
        alt.Tooltip("description:N", title="finding"),
        alt.Tooltip("source:N", title="paper's words"),
    ]


def _tooltip_fields(tooltip: list[alt.Tooltip]) -> list[str]:
    """The fields a tooltip reads, which its layer keeps of the findings' 37 columns (style._read_only), with the
    ids (which finding each mark is) and the columns its marks read."""
    return [str(field.shorthand).split(":")[0] for field in tooltip]


def _finding_layers(
    base: alt.Chart,
    *,
    x: alt.X,
    y: alt.Y,
    y_offset: alt.YOffset,
    tooltip: list[alt.Tooltip],
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
        x=x, y=y, yOffset=y_offset, text=alt.Text("note:N"), tooltip=tooltip
    )
    return symbols, notes


def _category_layer(categories: alt.Chart, *, x: alt.X, y: alt.Y, y_offset: alt.YOffset, text_size: float) -> alt.Chart:
    """The RECIST 1.1 category of each staging, in bold, with the sum of diameters and why in the tooltip."""
    return categories.mark_text(fontWeight="bold", fontSize=text_size, lineBreak="\n").encode(
        x=x,
        y=y,
        yOffset=y_offset,
        text=alt.Text("category_text:N"),
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
    tooltip: list[alt.Tooltip],
    brush: str | None,
    axis: Axis,
) -> alt.Chart | None:
    """The longest diameter of each measured lesion by staging, coloured by modality; None if none was measured."""
    measured = findings[findings[["dim1_mm", "dim2_mm", "dim3_mm"]].notna().any(axis=1)].copy()
    if measured.empty:
        return None
    measured["longest_mm"] = measured[["dim1_mm", "dim2_mm", "dim3_mm"]].max(axis=1)
    dims = _brushed(
        alt.Chart(
            _read_only(measured, ["id", "x", "staging_label", "longest_mm", "modality", *_tooltip_fields(tooltip)])
        ),
        brush,
        axis,
    )
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
                orient="bottom",
                columns=1,
                labelLimit=0,  # whole names: a screen's legend cuts them at 160 px
            ),
            shape=alt.Shape("modality:N", legend=None),
            tooltip=tooltip,
        )
        .properties(width=width, height=110, title="Measured lesions")
    )


NO_FINDINGS = "The case records no imaging findings (findings.csv has no rows)."


def _no_findings(*, width: int, standalone: bool, text_size: float) -> alt.LayerChart:
    """The imaging view of a case without findings: its title and a line saying so, where the grid would be."""
    note = alt.Chart(pd.DataFrame({"text": [NO_FINDINGS]})).mark_text(
        align="left", baseline="middle", x=0, y=text_size, fontSize=text_size, fontStyle="italic", color="#555555"
    )
    chart = alt.LayerChart(
        layer=[note.encode(text=alt.Text("text:N"))],
        width=width,
        height=2 * text_size,
        title="Imaging findings by staging and site",
    )
    return _finish(chart, text_size, view=alt.ViewConfig(stroke=None)) if standalone else chart


def imaging_chart(
    case: Case,
    *,
    axis: Axis = "calendar",
    width: int = 320,
    row_height: int = 11,
    brush: str | None = None,
    standalone: bool = True,
    text_size: float = FONT_SIZE,
    table: bool | None = None,
) -> alt.VConcatChart | alt.LayerChart:
    """Every imaging finding by staging and site, the RECIST 1.1 category, and the measured lesions.

    Columns are the stagings, rows the sites; each finding is a symbol for the
    change the paper describes, with its dimensions, count, novelty and
    necrosis beside it. The first row is the RECIST 1.1 category, with the
    reasons it could or could not be given under the title. ``brush`` names an
    interval selection on ``x`` that keeps only the stagings within it.

    ``table`` (a figure's layout; the default for a standalone chart without a
    brush) writes the same grid as a table a reader takes in at a glance: each
    finding one short text in its cell (the change in words, the size, the
    count, necrosis), the sites' rows as high as their longest cell, no
    symbols and so no legend, and the measured sizes in the cells instead of
    a panel of their own.

    A case without findings gets its title and a line saying there are none.
    """
    check_options(width=width, row_height=row_height, text_size=text_size)
    if case.findings.empty:
        return _no_findings(width=width, standalone=standalone, text_size=text_size)
    if standalone and brush is None if table is None else table:
        return _imaging_table(case, axis=axis, width=width, text_size=text_size)
    events, findings, labels = _findings_by_staging(case, axis)
    order = list(labels.values())
    rows = [RECIST_ROW, *dict.fromkeys(findings["site_kind"])]
    slots = max(int(findings["slot"].max()) + 1, 1)
    response = _recist_row(case, events, labels)

    x = _staging_x(order, text_size)
    y = _site_y(rows, slots, row_height)
    y_offset = alt.YOffset("slot:O", scale=alt.Scale(domain=list(range(slots))))
    tooltip = _finding_tooltip()
    drawn = _read_only(
        findings, ["id", "x", "staging_label", "site_kind", "slot", "change", "note", *_tooltip_fields(tooltip)]
    )
    symbols, notes = _finding_layers(
        _brushed(alt.Chart(drawn), brush, axis),
        x=_staging_x(order, text_size, band_position=0),
        y=y,
        y_offset=y_offset,
        tooltip=tooltip,
        text_size=text_size,
    )
    categories = _category_layer(
        _brushed(alt.Chart(response), brush, axis), x=x, y=y, y_offset=y_offset, text_size=text_size
    )
    grid = alt.LayerChart(
        layer=[categories, symbols, notes],
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
    chart = alt.vconcat(*parts, spacing=10, resolve=_independent("color", "shape"))
    return _finish(chart, text_size) if standalone else chart


CHANGE_WORDS = {"new": "new", "increased": "larger", "mixed": "mixed", "stable": "stable", "decreased": "smaller"}
CELL_PADDING = 3  # points between a table cell's edge and its text
WIDE_COLUMN = 60  # points: a staging's column this wide takes the larger text and the sites' names unbroken
DAGGER = "\u2020"


def _cell_text(findings: pd.DataFrame) -> tuple[str, str]:
    """What a site showed at a staging, as one short text: the changes the paper describes in words (a new
    lesion is "new"), then the longest diameters measured, and a dagger where necrosis is described
    (``new, larger, mixed``, ``110, 50 mm``). At baseline, or where the paper describes no change:
    ``present`` or ``described``."""
    changes = set(findings["change"]) | ({"new"} if findings["new_lesion"].map(lambda n: n is True).any() else set())
    words = [word for change, word in CHANGE_WORDS.items() if change in changes]
    longest = findings[["dim1_mm", "dim2_mm", "dim3_mm"]].max(axis=1).dropna().sort_values(ascending=False)
    sizes = ", ".join(dict.fromkeys(f"{v:g}" for v in longest)) + "\u00a0mm" if not longest.empty else ""
    necrosis = DAGGER if findings["necrosis"].notna().any() else ""
    said = ", ".join(words) or ("" if sizes else "present" if (findings["change"] == "baseline").all() else "described")
    return (said, sizes + necrosis) if sizes else (said + necrosis, "")


def _imaging_table(case: Case, *, axis: Axis, width: int, text_size: float) -> alt.LayerChart:
    """The imaging findings as a printed table: stagings as columns, sites as rows, one short text per cell.

    Laid out in points (Vega draws no table): the headings, the RECIST 1.1
    row and each site's row are as high as their longest cell, with a rule
    between the rows; why each RECIST category was given, and what the
    dagger means, are footnotes under the table, as a journal sets them.
    """
    events, findings, labels = _findings_by_staging(case, axis)
    response = _recist_row(case, events, labels)
    order = list(labels)
    sites = list(dict.fromkeys(findings["site_kind"]))
    rows = [RECIST_ROW, *sites]
    words = [word for row in rows for word in row.split()]

    def label_width(size: float) -> float:
        """The sites' column: as wide as the longest name where the stagings keep room, else its longest word."""
        widest = max(text_width(row, size, bold=True) for row in rows)
        if (width - widest) / max(len(order), 1) < WIDE_COLUMN:
            widest = max(text_width(word, size, bold=True) for word in words)
        return widest + 2 * CELL_PADDING

    # The cells' text a size under the axes' where the columns are wide, two sizes under where narrow.
    size = text_size - 1
    if (width - label_width(size)) / max(len(order), 1) < WIDE_COLUMN:
        size = text_size - 2
    line = size * LINE_HEIGHT
    column = (width - label_width(size)) / max(len(order), 1)
    room = column - CELL_PADDING - 1  # the next column's padding keeps cells apart
    texts: list[dict] = []

    def put(x: float, y: float, lines: list[str], kind: str, key: object = None, **fields: object) -> float:
        texts.extend(
            {"x": x, "y": y + i * line, "text": t, "kind": kind, "key": key, **fields} for i, t in enumerate(lines)
        )
        return len(lines) * line

    def left(n: int) -> float:
        return label_width(size) + n * column + CELL_PADDING

    def slashed(text: str, bold: bool) -> list[str]:
        """``text`` wrapped at spaces and after slashes (non-CR/ non-PD)."""
        return [part.replace("/ ", "/") for part in wrap_to(text.replace("/", "/ "), room, size, bold=bold)]

    top = float(CELL_PADDING)
    heights = [
        put(
            left(n),
            top + line / 2,
            [ln for part in labels[s].split("|") for ln in slashed(part, True)],
            "heading",
            staging_label=labels[s],
        )
        for n, s in enumerate(order)
    ]
    top += max(heights) + CELL_PADDING
    rules = [top]
    categories = response.set_index("staging")
    by_cell = dict(iter(findings.groupby(["site_kind", "staging"], sort=False)))
    for row in rows:
        height = put(
            CELL_PADDING, top + CELL_PADDING + line / 2, wrap_to(row, label_width(size), size, bold=True), "site"
        )
        first_line = top + CELL_PADDING + line / 2
        for n, staging in enumerate(order):
            if row == RECIST_ROW and staging in categories.index:
                category = slashed(str(categories.at[staging, "category"]), True)
                cell = put(left(n), first_line, category, "category", staging, staging=staging)
            elif (row, staging) in by_cell:
                said, sizes = _cell_text(by_cell[(row, staging)])
                lines = [*(slashed(said, False) if said else []), *(slashed(sizes, False) if sizes else [])]
                cell = put(left(n), first_line, lines, "finding", (row, staging), staging=staging, site_kind=row)
            else:
                cell = 0.0
            height = max(height, cell)
        top += height + 2 * CELL_PADDING
        rules.append(top)
    # The notes under the table's closing rule, as a journal sets a table's footnotes, in the cells' size.
    top += CELL_PADDING
    for note in _footnotes(response, short=True):
        top += put(CELL_PADDING, top + line / 2, wrap_to(note, width - CELL_PADDING, size), "note")
    table = pd.DataFrame(texts)
    findings["where"] = list(zip(findings["site_kind"], findings["staging"], strict=True))
    found = findings.groupby("where", sort=False).agg(
        ids=("id", lambda i: ", ".join(i)),
        staging_when=("staging_when", "first"),
        findings=("description", lambda d: "; ".join(d)),
        paper=("source", lambda d: " | ".join(dict.fromkeys(d))),
    )
    why = response.set_index("staging")[["staging_when", "category", "why"]]
    table = table.join(pd.concat([found, why]), on="key").drop(columns=["key"])
    across = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, width], nice=False, zero=True))
    down = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[0, top], nice=False, zero=True, reverse=True))
    layers = [alt.Chart(pd.DataFrame({"y": rules})).mark_rule(color="#bbbbbb", strokeWidth=0.5).encode(y=down)]
    tooltips = {
        "finding": [
            alt.Tooltip("staging_when:N", title="staging"),
            alt.Tooltip("findings:N", title="findings"),
            alt.Tooltip("paper:N", title="paper's words"),
        ],
        "category": [
            alt.Tooltip("staging_when:N", title="staging"),
            alt.Tooltip("category:N", title="RECIST 1.1"),
            alt.Tooltip("why:N", title="why"),
        ],
    }
    for kind, group in table.groupby("kind", sort=False):
        layers.append(
            alt.Chart(group)
            .mark_text(
                align="left",
                baseline="middle",
                fontSize=size,
                fontWeight="normal" if kind in ("finding", "note") else "bold",
            )
            .encode(x=across, y=down, text=alt.Text("text:N"), tooltip=tooltips.get(str(kind), alt.Undefined))
        )
    chart = alt.LayerChart(
        layer=layers,
        width=width,
        height=top,
        title=alt.TitleParams("Imaging findings by staging and site", limit=width),
    )
    return _finish(chart, text_size, view=alt.ViewConfig(stroke=None))
