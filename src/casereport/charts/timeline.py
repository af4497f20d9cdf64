"""The case timeline: planned dose days per regimen, stagings and events, with the timeline brush."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable
from typing import Any, Literal

import altair as alt
import pandas as pd

from casereport.charts.placement import LINE_HEIGHT, Item, pack_rows, text_width, wrap_to
from casereport.charts.style import (
    BRUSH,
    CYCLE_PARITIES,
    EVENT_SHAPES,
    FONT_SIZE,
    STAGING_PICK,
    XPoints,
    _finish,
    _independent,
    _legend,
    _positions,
    _provenance_marks,
    _source,
    _wrap,
    _x,
    check_options,
)
from casereport.data.case import Case
from casereport.derive.tables import coarse_precisions
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
    labelled: bool | None = None,
) -> alt.LayerChart:
    """The case timeline: one lane per drug, stagings and other events; brush and staging selection named.

    Continuous regimens are bars; cyclic ones their dose days, coloured by
    cycle (consecutive days one bar). Doses that may or may not have been
    given before an uncertain stop are faint. An event known only to the
    month has a line across its month, with a legend entry saying so. ``brush_range``
    (dates on the calendar axis, days on the relative one) is where the brush
    starts, so that a shared view opens as it was sent. A timeline inside
    another chart (``standalone=False``) leaves the case's title to the page.
    ``selections=False`` draws it without the brush and the staging pick (print).

    ``labelled`` (a figure's layout; the default when ``standalone``) writes
    on the plot what its legends and axis would say: each drug's name above
    its lane, each event's short name beside its mark, the events stacked in
    as few rows as keep every mark and name clear of the others, and the
    dates level under the plot (on the calendar, untitled: the months say
    they are dates). Otherwise (the dashboard) the lanes are named
    on the y axis, and marks that would cover each other in a lane are set
    one above the other.
    """
    check_options(width=width, height=height, text_size=text_size)
    labelled = standalone if labelled is None else labelled
    doses = _positions(case, case.administrations, axis)
    doses["lane"] = doses["drug"].str.capitalize()
    doses["dose_text"] = doses["dose"].map("{:g}".format) + " " + doses["dose_unit"]
    doses["cycle_text"] = doses["cycle"].map(lambda c: "" if pd.isna(c) else f"cycle {c}")
    doses["cycle_parity"] = doses["cycle"].map(
        lambda c: "continuous" if pd.isna(c) else ("odd cycle" if c % 2 else "even cycle")
    )
    events = _positions(case, case.events, axis)
    events["short_label"] = [_short_label(case, event) for _, event in events.iterrows()]
    events["lane"] = events["kind"].map(lambda k: "Stagings" if k == "staging" else "Events")
    events["kind"] = events["kind"].str.replace("_", " ")
    kinds = [k for k in EVENT_SHAPES if k in set(events["kind"])]
    events["source"] = _source(events)
    drug_lanes = list(dict.fromkeys(doses["lane"]))
    scale = XPoints(case, axis, width)
    wrapped = {} if labelled else _wrapped_lanes(drug_lanes, text_size)
    if labelled:
        rows = _Rows.labelled(doses, events, scale, text_size)
    else:  # lanes high enough for a name on two lines, and a gap between it and the next lane's
        pitch = max(LANE_PITCH, 2 * _lane_line(text_size) + 4) if wrapped else LANE_PITCH
        rows = _Rows.lanes(drug_lanes, events, scale, pitch=pitch)
    doses["row"] = doses["lane"]
    events["row"], events["offset"] = rows.event_rows, rows.event_offsets
    y = alt.Y(
        "row:N",
        title=None,
        sort=rows.order,
        scale=alt.Scale(domain=rows.order),
        axis=None if labelled else _lane_axis(wrapped, text_size),
    )
    # Marks that would cover each other in a lane sit one above the other (offsets in shares of the lane's height).
    slot: dict[str, Any] = (
        {"yOffset": alt.YOffset("offset:Q", scale=alt.Scale(domain=[-0.5, 0.5]))} if any(rows.event_offsets) else {}
    )
    # A figure's month labels say they are dates: its legend takes the line an axis title would.
    titled = axis != "calendar" or not labelled
    x = _x(case, axis, title=titled, level=(width, text_size) if labelled else None)
    x_type: Literal["temporal", "quantitative"] = "temporal" if axis == "calendar" else "quantitative"
    brush = alt.selection_interval(
        name=BRUSH, encodings=["x"], value=alt.Undefined if brush_range is None else {"x": _brush_value(brush_range)}
    )
    pick = alt.selection_point(name=STAGING_PICK, fields=["id"], on="click", clear="dblclick")
    # The height a mark has, in points: a lane's band (Vega leaves a fifth between lanes), shared by its slots.
    band = rows.pitch * (0.8 * 2 * min((abs(o) for o in rows.event_offsets if o), default=0.5))

    dose_tooltip = [
        alt.Tooltip("drug:N"),
        alt.Tooltip("dose_text:N", title="dose"),
        alt.Tooltip("cycle_text:N", title="cycle"),
        alt.Tooltip("day_in_cycle:N", title="day in cycle"),
        alt.Tooltip("days:Q", title="dose days"),
        alt.Tooltip("when:N", title="date"),
        alt.Tooltip("certainty:N", title="planned dose"),
        alt.Tooltip("rule:N", title="planned by"),
    ]
    parities = [p for p in CYCLE_PARITIES if p in set(doses["cycle_parity"])] if labelled else list(CYCLE_PARITIES)
    uncertain = (doses["certainty"] == "possible").any()
    legend_width = width if labelled else None
    # The swatches as opaque as the marks they stand for (Vega-Lite would draw them at 0.7).
    swatch = {"symbolType": "square", "symbolOpacity": 1, "symbolStrokeWidth": 0}
    marks = (
        alt.Chart(_dose_runs(doses, scale))
        .mark_bar(height=min(14, rows.pitch - 3))
        .encode(
            x=_x(case, axis, "x_start", title=titled, level=(width, text_size) if labelled else None),
            x2=alt.X2("x_end"),
            y=y,
            color=alt.Color(
                "cycle_parity:N",
                scale=alt.Scale(domain=parities, range=[CYCLE_PARITIES[p] for p in parities]),
                # No legend for no doses (a case without a regimen): a title over nothing.
                legend=_legend("Planned dose days", parities, legend_width, text_size, **swatch) if parities else None,
            ),
            opacity=alt.Opacity(
                "certainty:O",
                scale=alt.Scale(domain=["certain", "possible"], range=[1, POSSIBLE_OPACITY]),
                legend=_legend(
                    "Planned dose",
                    ["certain", "possible"],
                    legend_width,
                    text_size,
                    symbolFillColor="#555555",
                    **swatch,
                )
                if uncertain or not labelled
                else None,
            ),
            tooltip=dose_tooltip,
        )
    )
    ranges = _date_ranges(
        events,
        x_type,
        y,
        slot,
        size=min(8.0, band - 2),
        legend_width=legend_width,
        text_size=text_size,
        # The dashboard's page says it under its provenance (its legend row has no room at 1024 px).
        legend=bool(labelled) or not selections,
    )
    event_tooltip = [
        alt.Tooltip("label:N", title="event"),
        alt.Tooltip("when:N", title="date"),
        alt.Tooltip("provenance:N"),
        alt.Tooltip("source:N", title="paper's words or rule"),
    ]
    size = 40 if labelled else 70
    points = _provenance_marks(
        events[list(MARKED_EVENT_COLUMNS)],
        x=x,
        y=y,
        stroke=alt.ColorValue("#000000"),
        fill=alt.FillValue("#000000"),
        tooltip=event_tooltip,
        size=size,
        # Named beside each mark, the events need no legend of shapes or of what the paper states.
        legend=not labelled,
        shape=alt.Shape(
            "kind:N",
            title="Event",
            # Each kind keeps its shape whichever kinds a (revealed) case holds.
            scale=alt.Scale(domain=kinds, range=[EVENT_SHAPES[k] for k in kinds]),
            legend=None if labelled else alt.Legend(orient="bottom"),
        ),
        **slot,
    )
    # Both selections live on one layer: Altair lifts params of several layers
    # of a concatenated chart onto every one of them, declaring the brush twice.
    if selections:
        # Only a picked staging is enlarged (none while nothing is picked).
        enlarged = alt.SizeValue(**alt.condition(pick, alt.value(size * 2), alt.value(size), empty=False))
        points[1] = points[1].encode(size=enlarged).add_params(brush, pick)
    # The legends follow the layers: dose days, then date ranges (drawn under the events they belong to).
    layers = [marks, *ranges, *points]
    if labelled:
        layers += _label_layers(rows.labels, x_type, y, text_size)
    chart = alt.LayerChart(
        layer=layers,
        resolve=_independent("fill", "color", "opacity"),
        width=width,
        height=height or rows.pitch * len(rows.order),
        title=alt.TitleParams(
            "Case timeline",
            # A figure's caption names the case; a notebook's heading does.
            subtitle=_wrap(case.title, width + 60, text_size) if standalone and not labelled else alt.Undefined,
            subtitleFontSize=text_size,
            limit=width + 60,
        ),
    )
    return _finish(chart, text_size) if standalone else chart


# The columns an event's marks read (position, lane, shape, tooltip, provenance, the staging pick), and its
# date range's: Altair converts and writes every column of a layer's data, and the events have 28.
MARKED_EVENT_COLUMNS = ("id", "x", "row", "offset", "kind", "label", "when", "provenance", "date_provenance", "source")
RANGED_EVENT_COLUMNS = ("id", "x_start", "x_end", "row", "offset", "label", "when")  # id: whose range
# Points a lane's name may take beside the dashboard's timeline, and what its lines are measured short of,
# as the browser may set it in a font wider than the one measured.
LANE_LABEL_LIMIT, LANE_LABEL_SLACK = 120, 12
LANE_PITCH = 26  # points from one lane of the dashboard's timeline to the next
POSSIBLE_OPACITY = 0.25  # dose days that may fall after a stop dated only to the month
DOSE_DAY_MIN = 1.5  # points: a lone dose day is drawn at least this wide, where its neighbours leave room
DOSE_DAY_GAP = 0.5  # points left between separate dose days so widened
RANGE_TEXT = "date known only to the month"  # the legend's words, as the seed's dates are (range_text)
# The legend's symbol for a date range: a line between two end ticks (a path in Vega's unit square).
RANGE_SYMBOL = "M-1,-0.6V0.6M-1,0H1M1,-0.6V0.6"


def _dose_runs(doses: pd.DataFrame, scale: XPoints) -> pd.DataFrame:
    """Each run of consecutive planned dose days of a lane, alike in cycle and certainty, as one bar from
    ``x_start`` to ``x_end``, with what its tooltip says (the days, their dates, the rule).

    A bar per day would meet its neighbours in seams that print as stripes
    (unlike in the PDF and the PNG), and pale days squeezed together before a
    stop known only to the month would overlap in a darker tone the legend
    does not name. A run spans half a day either side of its days' places, or
    to the middle between it and a nearer neighbour; a lone day narrower than
    :data:`DOSE_DAY_MIN` points is widened where its neighbours leave room.
    """
    span = scale.high - scale.low
    half_day = scale.width / (span / pd.Timedelta(days=1) if isinstance(span, pd.Timedelta) else float(span)) / 2
    runs = []
    for _, lane in doses.sort_values("x", kind="stable").groupby("lane", sort=False):
        at = scale.points(lane["x"]).tolist()
        kinds = list(zip(lane["cycle_parity"], lane["certainty"], lane["cycle"].astype(str), strict=True))
        days = lane["regimen_day"].tolist()
        starts = [i for i in range(len(at)) if i == 0 or kinds[i] != kinds[i - 1] or days[i] != days[i - 1] + 1]
        for first, end in itertools.pairwise([*starts, len(at)]):
            last = end - 1
            before = (at[first - 1] + at[first]) / 2 if first else -math.inf
            after = (at[last] + at[last + 1]) / 2 if end < len(at) else math.inf
            left, right = max(at[first] - half_day, before), min(at[last] + half_day, after)
            middle = (left + right) / 2
            left = min(left, max(middle - DOSE_DAY_MIN / 2, before + DOSE_DAY_GAP / 2))
            right = max(right, min(middle + DOSE_DAY_MIN / 2, after - DOSE_DAY_GAP / 2))
            run = lane.iloc[first:end]
            head, tail = run.iloc[0], run.iloc[-1]
            runs.append(
                {
                    "x_start": scale.value(left),
                    "x_end": scale.value(right),
                    **{c: head[c] for c in ("lane", "row", "cycle_parity", "certainty", "drug", "dose_text")},
                    **{c: head[c] for c in ("cycle_text", "rule")},
                    "day_in_cycle": _span_text(head["day_in_cycle"], tail["day_in_cycle"]),
                    "days": len(run),
                    "when": head["when"] if len(run) == 1 else f"first {head['when']}; last {tail['when']}",
                }
            )
    return pd.DataFrame(runs)


def _span_text(first: Any, last: Any) -> str:
    """A day in its cycle, or the days a run takes (``1`` or ``1\u201314``); none for a continuous regimen."""
    if pd.isna(first):
        return ""
    return f"{first}" if first == last else f"{first}\u2013{last}"


def _date_ranges(
    events: pd.DataFrame,
    x_type: Literal["temporal", "quantitative"],
    y: alt.Y,
    slot: dict[str, Any],
    *,
    size: float,
    legend_width: float | None,
    text_size: float,
    legend: bool = True,
) -> list[alt.Chart]:
    """The range an event known only to the month may lie in: a line across its month between two end ticks,
    behind its mark, and a legend entry saying so (none where every date is given to the day, or ``legend``
    is false).

    A line, not a grey band: a pale band reads as the pale dose days that were only possibly given. The
    line is not described to screen readers (``aria``): its event's mark says the date as given, and a
    click on the event goes to the mark.
    """
    # Wider than the day a date given to the day takes (on the relative axis, the reference event is exact).
    day = pd.Timedelta(days=1) if x_type == "temporal" else 1
    spans = events["x_end"] - events["x_start"] > day
    words = range_text(events.loc[spans, "precision"])
    ranged = events.loc[spans, list(RANGED_EVENT_COLUMNS)].assign(range=words)
    if ranged.empty:
        return []
    grey, line = "#555555", 1.2
    tooltip = [alt.Tooltip("label:N", title="event"), alt.Tooltip("when:N", title="date as given")]
    across = (
        alt.Chart(ranged)
        .mark_rule(strokeWidth=line, aria=False)
        .encode(
            x=alt.X("x_start", type=x_type),
            x2=alt.X2("x_end"),
            y=y,
            # A colour of one value, for the legend entry (the chart's colours are resolved independently).
            color=alt.Color(
                "range:N",
                scale=alt.Scale(domain=[words], range=[grey]),
                legend=None
                if not legend
                else _legend(
                    None,
                    [words],
                    legend_width,
                    text_size,
                    symbolType=RANGE_SYMBOL,
                    symbolStrokeWidth=line,
                    symbolFillColor="transparent",
                    symbolOpacity=1,
                    labelLimit=0,  # its whole words, where a screen's legend would cut them at 160 px
                ),
            ),
            tooltip=tooltip,
            **slot,
        )
    )
    ends = ranged.melt(
        id_vars=[c for c in ("row", "offset", "label", "when") if c in ranged], value_vars=["x_start", "x_end"]
    )
    ticks = (
        alt.Chart(ends)
        .mark_tick(color=grey, thickness=line, size=size, opacity=1, aria=False)
        .encode(x=alt.X("value", type=x_type), y=y, tooltip=tooltip, **slot)
    )
    return [across, ticks]


def range_text(precisions: Iterable[str]) -> str:
    """The legend's words for dates drawn as the span they may fall in: known only to the month, the year, or
    either (:data:`RANGE_TEXT` for the month)."""
    coarse = coarse_precisions(precisions)
    return f"date known only to the {' or '.join(coarse)}" if coarse else RANGE_TEXT


def _short_label(case: Case, event: pd.Series) -> str:
    """An event as a figure names it beside its mark: ``Sorafenib start``, ``Staging: mixed response``.

    A regimen's start or stop is named by its drug; a staging by what the
    paper found (the words after the colon of its label), the baseline as
    such; other events by their label.
    """
    kind, label = event["kind"], event["label"]
    if kind in ("regimen_start", "regimen_stop"):
        end = "start" if kind == "regimen_start" else "stop"
        drugs = case.regimens.loc[case.regimens[end] == event["id"], "drug"]
        if not drugs.empty:
            return " + ".join(d.capitalize() for d in dict.fromkeys(drugs)) + f" {end}"
    head, colon, found = label.partition(":")
    if kind == "staging" and colon and found.strip():
        return head.strip() if "baseline" in head.lower() else f"Staging: {found.strip()}"
    return label


MIN_PLOT_HEIGHT = 0.4  # a figure's timeline is at least this share of its width high, where rows allow


def _wrapped_lanes(lanes: list[str], text_size: float) -> dict[str, list[str]]:
    """The lanes whose names are longer than the y axis has room for (a drug such as trastuzumab deruxtecan),
    each as the two lines it is set on, where Vega would cut it short."""
    wrapped = {}
    for lane in lanes:
        lines = wrap_to(lane, LANE_LABEL_LIMIT - LANE_LABEL_SLACK, text_size)
        if len(lines) > 1:  # two lines fit a lane; what a third would hold is cut on the second
            wrapped[lane] = [lines[0], " ".join(lines[1:])]
    return wrapped


def _lane_line(text_size: float) -> float:
    """The line height of a lane's name set on two lines."""
    return text_size + 2


def _lane_axis(wrapped: dict[str, list[str]], text_size: float) -> alt.Axis:
    """The lanes named on the y axis, those ``wrapped`` on their two lines."""
    if not wrapped:
        return alt.Axis(labelFontSize=text_size, labelLimit=LANE_LABEL_LIMIT)
    line = _lane_line(text_size)
    return alt.Axis(
        labelFontSize=text_size,
        labelLimit=LANE_LABEL_LIMIT,
        labelExpr=f"{json.dumps(wrapped)}[datum.label] || datum.label",
        labelLineHeight=line,
        # Vega sets a label's first line where one line would be: a name on two is raised half a line, to its lane.
        labelOffset={
            "condition": {"test": f"indexof({json.dumps(list(wrapped))}, datum.label) >= 0", "value": -line / 2},
            "value": 0,
        },
    )


class _Rows:
    """The timeline's rows, top to bottom: ``order`` (the y domain), each event's row and slot, and the labels.

    Every row is ``pitch`` points high; an event's offset sets it above or below its row's middle.
    """

    def __init__(self, order: list[str], pitch: float) -> None:
        self.order, self.pitch = order, pitch
        self.event_rows: list[str] = []
        self.event_offsets: list[float] = []
        self.labels = pd.DataFrame(columns=LABEL_COLUMNS)

    @classmethod
    def lanes(cls, drug_lanes: list[str], events: pd.DataFrame, scale: XPoints, *, pitch: float) -> _Rows:
        """A lane per drug, then the stagings (if the case has any) and the other events, each lane split where its
        marks collide."""
        stagings = ["Stagings"] if events["lane"].eq("Stagings").any() else []  # no empty lane to puzzle over
        rows = cls([*drug_lanes, *stagings, "Events"], pitch=pitch)
        slots = pd.Series(0, index=events.index)
        for _, lane in events.groupby("lane"):
            lane = lane.sort_values("x")
            spots = pack_rows([_mark_item(row, scale, 10) for _, row in lane.iterrows()], scale.width, gap=1)
            slots.loc[lane.index] = pd.Series([spot.row for spot in spots], index=lane.index)
        per_lane = events.assign(slot=slots).groupby("lane")["slot"].transform("max") + 1
        step = 1 / max(int(per_lane.max()), 1)
        rows.event_rows = list(events["lane"])
        rows.event_offsets = list((slots - (per_lane - 1) / 2) * step)
        return rows

    @classmethod
    def labelled(cls, doses: pd.DataFrame, events: pd.DataFrame, scale: XPoints, text_size: float) -> _Rows:
        """Each drug's lane named on a row above its marks, then the events, each named beside its mark, in
        as few rows as keep every mark and name apart."""
        lane_size, event_size = text_size - 1, text_size - 2
        rows = cls([], pitch=round(event_size * 1.6, 1))
        labels = []
        for lane, lane_doses in doses.groupby("lane", sort=False):
            # Above its first dose, at every width (beside the marks, a name would move with the room left).
            name_width = text_width(str(lane), lane_size, bold=True)
            at = max(0.0, min(float(scale.points(lane_doses["x"]).min()) - 2, scale.width - name_width))
            labels.append(
                {"x": scale.value(at), "row": f"{lane} name", "text": lane, "align": "left", "kind": "lane"}
                | _clear_of_grid(scale, at, [str(lane)], lane_size, "left", bold=True)
            )
            rows.order += [f"{lane} name", str(lane)]
        order = events.sort_values(["x", "x_start"]).index
        wrapped = {
            i: wrap_to(
                _with_provenance(str(events.at[i, "short_label"]), events.loc[i]), scale.width * 0.55, event_size
            )
            for i in order
        }
        items = [
            _mark_item(events.loc[i], scale, 7)._replace(
                label_width=max(text_width(line, event_size) for line in wrapped[i]), lines=len(wrapped[i])
            )
            for i in order
        ]
        spots = dict(zip(order, pack_rows(items, scale.width), strict=True))
        event_rows = max(spot.row + len(wrapped[i]) for i, spot in spots.items()) if spots else 0
        rows.order += [f"event row {r + 1}" for r in range(event_rows)]
        for (i, spot), item in zip(spots.items(), items, strict=True):
            at = item.right + 3 if spot.side == "right" else item.left - 3
            # One text of its lines: the first beside the mark, the others below it (the rows they were packed in).
            align = "left" if spot.side == "right" else "right"
            labels.append(
                {
                    "x": scale.value(at),
                    "row": f"event row {spot.row + 1}",
                    "text": "\n".join(wrapped[i]),
                    "align": align,
                    "kind": "event",
                }
                | _clear_of_grid(scale, at, wrapped[i], event_size, align)
            )
        rows.event_rows = [f"event row {spots[i].row + 1}" for i in events.index]
        rows.event_offsets = [0.0] * len(events)
        rows.labels = pd.DataFrame(labels, columns=LABEL_COLUMNS)
        # Few rows are spread a little, so that the plot keeps its share of a figure with few events.
        rows.pitch = max(rows.pitch, min(MIN_PLOT_HEIGHT * scale.width / len(rows.order), 1.6 * rows.pitch))
        return rows


# A label: where it is anchored, its row, text and alignment, and the white box behind it (``clear_*``).
LABEL_COLUMNS = ["x", "row", "text", "align", "kind", "clear_start", "clear_end", "clear_height"]


def _clear_of_grid(
    scale: XPoints, at: float, lines: list[str], size: float, align: str, *, bold: bool = False
) -> dict[str, Any]:
    """The white box a label is written on (as wide as its longest line and a point, as high as its
    lines), so that no gridline runs through its words."""
    width = max(text_width(line, size, bold=bold) for line in lines) + 1
    start = at - 1 if align == "left" else at - width
    return {
        "clear_start": scale.value(start),
        "clear_end": scale.value(start + width + 1),
        "clear_height": size * LINE_HEIGHT * len(lines),
    }


def _mark_item(event: pd.Series, scale: XPoints, mark: float) -> Item:
    """An event's mark as :func:`pack_rows` takes it: its month's span and its symbol, ``mark`` points across."""
    x, start, end = (float(scale.points(pd.Series([event[c]])).iloc[0]) for c in ("x", "x_start", "x_end"))
    return Item(min(start, x - mark / 2), max(end, x + mark / 2), 0)


def _with_provenance(label: str, event: pd.Series) -> str:
    """An event's name, saying so where the paper does not give it or its date (the mark is hollow or pale)."""
    if event["provenance"] == "illustrative":
        return f"{label} (illustrative)"
    if event.get("date_provenance") == "illustrative":
        return f"{label} (date illustrative)"
    return label


def _label_layers(
    labels: pd.DataFrame, x_type: Literal["temporal", "quantitative"], y: alt.Y, text_size: float
) -> list[alt.Chart]:
    """The drugs' names and the events' names, each aligned away from its mark, on white boxes that keep the
    gridlines out of their words."""
    layers = []
    # A box as high as its label's lines, which run down from the row's middle (the first line's).
    for kind, height in labels[["kind", "clear_height"]].drop_duplicates().itertuples(index=False):
        line = (text_size - (1 if kind == "lane" else 2)) * LINE_HEIGHT
        boxes = labels[(labels["kind"] == kind) & (labels["clear_height"] == height)]
        layers.append(
            alt.Chart(boxes[["clear_start", "clear_end", "row"]])
            .mark_bar(color="white", height=height, yOffset=(height - line) / 2)
            .encode(x=alt.X("clear_start", type=x_type), x2=alt.X2("clear_end"), y=y)
        )
    for kind, align in labels[["kind", "align"]].drop_duplicates().itertuples(index=False):
        lane = kind == "lane"
        size = text_size - (1 if lane else 2)
        layers.append(
            alt.Chart(labels[(labels["kind"] == kind) & (labels["align"] == align)])
            .mark_text(
                align=align,
                baseline="middle",
                fontSize=size,
                fontWeight="bold" if lane else "normal",
                color="#222222",
                lineBreak="\n",
                lineHeight=size * LINE_HEIGHT,
            )
            .encode(x=alt.X("x", type=x_type), y=y, text=alt.Text("text:N"))
        )
    return layers


def _brush_value(brush_range: tuple[object, object]) -> list[alt.DateTime] | list[float]:
    """A brush's starting range as Vega-Lite takes it: DateTime objects for dates, numbers for days."""
    low, high = brush_range
    if isinstance(low, int | float) and isinstance(high, int | float):
        return [float(low), float(high)]
    return [
        alt.DateTime(year=t.year, month=t.month, date=t.day, hours=t.hour, minutes=t.minute)
        for t in (pd.Timestamp(str(low)), pd.Timestamp(str(high)))
    ]
