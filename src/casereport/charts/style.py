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

import contextlib
import itertools
import math
import numbers
import textwrap
from collections.abc import Iterable, Iterator
from typing import Any, Literal, NamedTuple, TypeVar

import altair as alt
import pandas as pd
from altair.utils.schemapi import debug_mode

from casereport.charts.placement import LINE_HEIGHT, Box, text_width, wrap_to
from casereport.data.case import Case
from casereport.derive.memo import per_case
from casereport.derive.tables import when_texts
from casereport.derive.timeline import Axis, placed
from casereport.exceptions import ParameterError

Scale = Literal["linear", "log"]
SCALES: tuple[Scale, ...] = ("linear", "log")
# The charts a chart function finishes (and so configures): one view, layers, or views side by side.
TopLevel = TypeVar("TopLevel", alt.Chart, alt.LayerChart, alt.ConcatChart, alt.VConcatChart, alt.HConcatChart)
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
# Planned dose days by cycle: alternate cycles differ in lightness as well as hue, so they stay apart in greyscale.
CYCLE_PARITIES = {"continuous": "#0072B2", "odd cycle": "#E69F00", "even cycle": "#D55E00"}
# Each analyte of a lab chart has its shape as well as its colour, so that greyscale tells them apart.
ANALYTE_SHAPES = ["circle", "square", "triangle-up", "diamond", "triangle-down", "cross"]
BRUSH = "timeline_brush"
STAGING_PICK = "staging_pick"
LAB_ZOOM = "lab_zoom"
PROVENANCE_TEXT = {
    "reported": "stated in the paper",
    "derived": "derived from stated facts",
    "date_illustrative": "stated value, illustrative date",
    "illustrative": "illustrative, not measured",
}
PROVENANCE_SHORT = {  # the same, where a figure's legend has one narrow row
    "reported": "stated",
    "derived": "derived",
    "date_illustrative": "stated, date illustrative",
    "illustrative": "illustrative",
}
# How a mark is drawn: filled (stated), pale (stated value at a date placed for illustration), hollow (illustrative).
PROVENANCE_FILL = {"reported": "#555555", "derived": "#555555", "date_illustrative": "#c8c8c8", "illustrative": "white"}
FONT_SIZE = 9  # points: legible in print at one column and on screen
MAX_MONTH_TICKS = 10  # labels on a calendar axis, at most
SHORT_SPAN_DAYS = 92  # below about three months a calendar axis is labelled by week
X_PADDING = 0.03  # share of the case's span left free at each end, so edge marks are whole
# Points a printed figure (at FONT_SIZE) takes outside its plot, beside it, where that is the same for every
# case (the lab figures compute theirs: labs.lab_figure_margin). A figure's plot width is guessed from it,
# so that the figure is drawn once; measured on the bundled cases at 85 and 174 mm.
PRINT_MARGIN = {
    "timeline": 10,  # the lanes are named on the plot
    "imaging": 12,  # a table: no axis
    "rationale": 10,  # a diagram: no axis
}


def check_options(*, scale: str | None = None, columns: int | None = None, **sizes: float | None) -> None:
    """Raise :class:`ParameterError` naming the first chart option given that no chart can be drawn with: a scale
    but linear or log, a count of ``columns`` but a whole number from 1, a size (``width``, ``height``,
    ``text_size``) but a positive number. ``None`` is an option left to the chart."""
    if scale is not None and scale not in SCALES:
        raise ParameterError("scale", f"{scale!r} is not a scale; choose {' or '.join(SCALES)}")
    if columns is not None and (isinstance(columns, bool) or not isinstance(columns, numbers.Integral) or columns < 1):
        raise ParameterError("columns", f"{columns!r} is not a number of columns: give a whole number from 1")
    for name, size in sizes.items():
        if size is not None and (
            isinstance(size, bool) or not isinstance(size, numbers.Real) or not 0 < size < math.inf
        ):
            raise ParameterError(name, f"{size!r} is not a size: give a positive number of points")


@contextlib.contextmanager
def unchecked() -> Iterator[None]:
    """Charts built without Altair checking each part against the Vega-Lite schema as the part is made.

    Altair's debug mode does that by default, and it takes about a sixth of
    the time to build a figure's spec; where a whole spec is written out
    (the figures, the explorer page), the tests validate the whole spec for
    the bundled cases instead (tests/test_figures.py).
    """
    with debug_mode(False):
        yield


def print_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec for a printed figure: legends stacked under the plot, one column wide.

    (Vega's legend ``layout`` is not in Altair's config schema, so it is set on the spec.) Not validated
    against the Vega-Lite schema as it is written, which took a third of the time to write it: the tests
    validate every figure of the bundled cases (tests/test_figures.py).
    """
    spec = chart.to_dict(validate=False)
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
    low, high = _x_bounds(case, axis)
    if axis == "calendar":
        return [alt.DateTime(year=t.year, month=t.month, date=t.day) for t in (low, high)]
    return [low, high]


def _read_only(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """``frame`` cut to the ``columns`` a layer's marks read, those it has: Altair converts every column of a
    layer's data and writes it into the spec (tests/test_figures.py checks that each field read is there)."""
    return frame[[column for column in dict.fromkeys(columns) if column in frame]]


@per_case
def _x_bounds(case: Case, axis: Axis) -> tuple[Any, Any]:
    """:func:`x_extent` as values: midnights on the calendar axis, whole days on the relative one."""
    frames = [f for f in (case.events, case.administrations, case.labs, case.findings) if not f.empty]
    spans = pd.concat([_positions(case, f, axis)[["x_start", "x_end"]] for f in frames])
    low, high = spans["x_start"].min(), spans["x_end"].max()
    pad = (high - low) * X_PADDING
    low, high = low - pad, high + pad
    if axis == "calendar":
        return pd.Timestamp(year=low.year, month=low.month, day=low.day), pd.Timestamp(
            year=high.year, month=high.month, day=high.day
        )
    return float(round(low)), float(round(high))


class XPoints:
    """The shared x scale of a plot ``width`` points wide: a record's position in points, and back."""

    def __init__(self, case: Case, axis: Axis, width: float) -> None:
        self.low, self.high = _x_bounds(case, axis)
        self.width = width

    def points(self, values: pd.Series) -> pd.Series:
        return ((values - self.low) / (self.high - self.low) * self.width).astype(float)

    def value(self, points: float) -> Any:
        return self.low + (self.high - self.low) * (points / self.width)


def _x(
    case: Case,
    axis: Axis,
    field: str = "x",
    *,
    title: bool = True,
    domain_param: str | None = None,
    extent: list | None = None,
    level: tuple[float, float] | None = None,
) -> alt.X:
    """The x encoding: calendar months or days since the reference event; a linked or the case's own domain.

    ``level`` (a plot's width and its labels' size, in points) writes the
    dates level, as few as fit without touching, the year at the first and
    at each new year: a printed figure's axis, a line high instead of four.
    """
    bounds = extent or x_extent(case, axis)
    if domain_param:
        scale = alt.Scale(domain=alt.ParameterExtent(param=domain_param))
    elif axis == "calendar":
        scale = alt.Scale(domain=bounds, nice=False)
    else:
        # Days written as expressions, as Vega-Lite writes the calendar's dates: with a domain of plain numbers,
        # a window resized made the timeline's brush rescale with no brush drawn, and fail reading its extent
        # (a TypeError in the browser's console).
        scale = alt.Scale(domain=[alt.ExprRef(expr=repr(float(day))) for day in bounds], nice=False)
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
        elif level:
            labels = _level_dates(low, high, *level)
        elif days < SHORT_SPAN_DAYS:  # a course of weeks: weekly ticks, named by day
            weeks = alt.TimeIntervalStep(interval="week", step=max(1, math.ceil(days / 7 / MAX_MONTH_TICKS)))
            labels = alt.Axis(format="%-d %b %Y", labelAngle=-40, tickCount=weeks)
        else:
            labels = alt.Axis(format="%b %Y", labelAngle=-40, tickCount=_month_ticks(days / 30.44 / MAX_MONTH_TICKS))
        return alt.X(f"{field}:T", title="Date" if title else None, scale=scale, axis=labels)
    reference = case.event(case.reference_event)["label"]
    # Wrapped: an event's label can be longer than a one-column figure is wide.
    lines = (
        wrap_to(f"Days since {reference}", *level, bold=True) if level else textwrap.wrap(f"Days since {reference}", 32)
    )
    return alt.X(f"{field}:Q", title=lines if title else None, scale=scale)


def _month_ticks(months: float) -> alt.TimeIntervalStep:
    """Ticks at least ``months`` apart that fall on the same months every year: a step of months that divides
    the year (every 5 months would tick Jan, Jun, Nov, then Apr), or of whole years (each January)."""
    step = next((s for s in (1, 2, 3, 4, 6, 12) if s >= months), None)
    if step is None:
        return alt.TimeIntervalStep(interval="year", step=math.ceil(months / 12))
    return alt.TimeIntervalStep(interval="month", step=step)


def _level_dates(low: pd.Timestamp, high: pd.Timestamp, width: float, size: float) -> alt.Axis:
    """A calendar axis with level labels: every so many months (or weeks), as many as fit, the year where it turns.

    Month ticks every ``step`` months fall on months divisible by ``step``, so
    the first tick of a year has a month number below ``step``. The step is
    the smallest whose labels, laid out as Vega will (a label near an end
    aligned to it), leave a space between each two.
    """
    days = (high - low).days
    weeks = days < SHORT_SPAN_DAYS
    label = "%-d %b" if weeks else "%b"
    first_of_year = "dayofyear(datum.value) <= 7 * step" if weeks else "month(datum.value) < step"
    flush = text_width("Sep 2009", size) / 2
    if weeks:  # week ticks start where d3 counts them from: a step wide enough for the widest label
        widest = text_width("30 Sep 2009", size)
        step = next((s for s in (1, 2, 3, 4, 6, 8) if s * 7 * width / days >= 1.5 * widest + size), 8)
    else:
        step = next((s for s in (1, 2, 3, 4, 6) if _month_labels_fit(low, high, s, width, size, flush)), 12)
    with_year = f"datum.index === 0 || {first_of_year}".replace("step", str(step))
    return alt.Axis(
        labelAngle=0,
        # A label this near an end is aligned to it, so that no date reaches beyond the plot.
        labelFlush=round(flush),
        labelOverlap=True,
        tickCount=alt.TimeIntervalStep(interval="week" if weeks else "month", step=step),
        labelExpr=f"timeFormat(datum.value, {with_year} ? '{label} %Y' : '{label}')",
    )


def _month_labels_fit(
    low: pd.Timestamp, high: pd.Timestamp, step: int, width: float, size: float, flush: float
) -> bool:
    """Whether month labels every ``step`` months (``Sep 2009``, ``Jan 2010``, ``May``) leave a space between
    each two on a plot ``width`` points wide from ``low`` to ``high``: each centred on its tick, or, within
    ``flush`` points of an end, starting (or ending) at its tick, as Vega's ``labelFlush`` aligns it."""
    ticks = [t for t in pd.date_range(low, high, freq="MS") if (t.month - 1) % step == 0]
    boxes = []
    for n, tick in enumerate(ticks):
        words = tick.strftime("%b %Y") if n == 0 or tick.month - 1 < step else tick.strftime("%b")
        at, half = (tick - low).days / (high - low).days * width, text_width(words, size) / 2
        centre = at + half if at < flush else at - half if width - at < flush else at
        boxes.append((centre - half, centre + half))
    return all(right + size / 2 <= left for (_, right), (left, _) in itertools.pairwise(boxes))


def _provenance_marks(
    data: pd.DataFrame,
    *,
    x: alt.X,
    y: alt.Y,
    stroke: alt.Color | alt.ColorValue,
    fill: alt.Fill | alt.FillValue,
    tooltip: list,
    size: int = 40,
    stroke_width: float = 1.5,
    legend: bool = True,
    legend_width: float | None = None,
    legend_at: tuple[InsideLegend, Box] | None = None,
    text_size: float = FONT_SIZE,
    kinds: list[str] | None = None,
    **encodings: object,
) -> list[alt.Chart]:
    """Points filled when the paper gives the value and hollow when it is illustrative, with a legend saying so.

    The legend comes from a grey key layer drawn under the coloured points;
    the enclosing layer must resolve ``fill`` independently. A figure's
    legend (``legend_width``, its plot's width in points) is one row, in
    shorter words where the full ones would need two; or inside the plot
    (``legend_at``: the legend, from :meth:`InsideLegend.of` with the full
    or the short words, and where it goes). ``kinds`` are the provenances the
    legend names, where the figure has more than these records (small multiples).
    ``stroke_width``: the marks' outline, in points (hollow marks are outline only).
    """
    present = kinds or provenance_shown(data)
    words = PROVENANCE_TEXT
    if legend_width and _legend_width("Values", [words[k] for k in present], text_size) > legend_width:
        words = PROVENANCE_SHORT
    if legend_at:
        words = PROVENANCE_TEXT if legend_at[0].labels == [PROVENANCE_TEXT[k] for k in present] else PROVENANCE_SHORT
    label_expr = " : ".join(f"datum.value == '{k}' ? '{words[k]}'" for k in present) + " : datum.label"
    if legend_at:
        key_legend = legend_at[0].at(legend_at[1], labelExpr=label_expr)
    else:
        options: dict[str, Any] = {"columns": 1} if legend_width is None else {}
        key_legend = _legend(
            "Values", [words[k] for k in present], legend_width, text_size, labelExpr=label_expr, **options
        )
    data = data.assign(shown_as=_shown_as(data))
    scale = alt.Scale(domain=present, range=[PROVENANCE_FILL[k] for k in present])
    key = (
        alt.Chart(data)
        .mark_point(size=size, strokeWidth=stroke_width, color="#555555", opacity=1, clip=True)
        .encode(x=x, y=y, fill=alt.Fill("shown_as:N", scale=scale, legend=key_legend if legend else None), **encodings)
    )
    marks = (
        alt.Chart(data)
        .mark_point(size=size, strokeWidth=stroke_width, opacity=1, clip=True)
        .encode(
            x=x,
            y=y,
            color=stroke,
            fill=alt.condition(alt.datum.shown_as == "illustrative", alt.value("white"), fill),
            fillOpacity=alt.FillOpacityValue(
                **alt.condition(alt.datum.shown_as == "date_illustrative", alt.value(0.35), alt.value(1))
            ),
            tooltip=tooltip,
            **encodings,
        )
    )
    return [key, marks]


def provenance_shown(data: pd.DataFrame) -> list[str]:
    """The kinds of provenance the records are drawn as, in the legend's order."""
    shown = set(_shown_as(data))
    return [kind for kind in PROVENANCE_TEXT if kind in shown]


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


def _legend(title: str | None, labels: list[str], width: float | None, text_size: float, **options: Any) -> alt.Legend:
    """A legend under the plot; for a figure (``width``, the plot's, in points) one compact block: its title
    beside its entries, in as many rows as the width needs."""
    if width is None:
        return alt.Legend(title=title, orient="bottom", **options)
    room = width - _legend_width(title, [], text_size)
    # Entries fill rows left to right; each column as wide as its widest entry.
    columns = next(
        (
            n
            for n in range(len(labels), 1, -1)
            if sum(max(_legend_width(None, [label], text_size) for label in labels[c::n]) for c in range(n)) <= room
        ),
        1,
    )
    return alt.Legend(
        title=title, orient="bottom", direction="horizontal", titleOrient="left", columns=columns, **options
    )


def _legend_width(title: str | None, labels: list[str], text_size: float) -> float:
    """The width in points of a figure's legend in one row: its title, and a symbol and words per entry."""
    size = text_size - 1
    title_width = text_width(title, size, bold=True) + LEGEND_GAP if title else 0
    return title_width + sum(text_width(label, size) + size + 2 * LEGEND_GAP for label in labels)


LEGEND_GAP = 6  # points between a legend's title and entries, and between entries
LEGEND_PADDING = 2  # points between an inside legend's frame and its entries


class InsideLegend(NamedTuple):
    """A figure's legend drawn inside its plot, in a free corner: its title, entries and size in points."""

    title: str | None
    labels: list[str]
    width: float
    height: float

    @classmethod
    def of(cls, title: str | None, labels: list[str], text_size: float) -> InsideLegend:
        size = text_size - 1
        symbol = 2 * math.sqrt(text_size * 6 / math.pi)  # the config's symbolSize is an area
        entries = [symbol + 4 + text_width(label, size) for label in labels]
        title_width = text_width(title, size, bold=True) if title else 0
        line = max(size * LINE_HEIGHT, symbol) + 2
        title_height = size * LINE_HEIGHT + LEGEND_GAP / 2 if title else 0
        pad = 2 * LEGEND_PADDING
        return cls(title, labels, max([title_width, *entries]) + pad, title_height + line * len(labels) + pad)

    def at(self, box: Box, **options: Any) -> alt.Legend:
        """The legend placed with its top left corner at ``box``'s, with nothing behind it: a white box took a
        notch out of a shaded treatment period, which read as a gap in treatment."""
        return alt.Legend(
            title=self.title,
            orient="none",
            legendX=round(box.left, 1),
            legendY=round(box.top, 1),
            direction="vertical",
            titleOrient="top",
            titlePadding=LEGEND_GAP / 2,
            columns=1,
            padding=LEGEND_PADDING,
            **options,
        )

    def spots(self, width: float, height: float, step: float = 4) -> list[Box]:
        """Where it could go, nearest the plot's top first and, along each height, its right first."""
        return [
            Box(left, top, left + self.width, top + self.height)
            for top in _steps(2, height - self.height - 2, step)
            for left in reversed(_steps(2, width - self.width - 2, step))
        ]


def _steps(low: float, high: float, step: float) -> list[float]:
    return [low + i * step for i in range(int((high - low) // step) + 1)] if high >= low else []


def _independent(*channels: str) -> alt.Resolve:
    """The scales of ``channels`` resolved independently, for a layered or concatenated chart's constructor.

    Given there with the chart's other properties: Altair's ``resolve_scale`` and ``properties`` each build
    a layered or concatenated chart anew, copying every part of it.
    """
    independent: dict[str, Literal["independent"]] = dict.fromkeys(channels, "independent")
    return alt.Resolve(scale=alt.ScaleResolveMap(**independent))


def _finish(chart: TopLevel, text_size: float = FONT_SIZE, **overrides: Any) -> TopLevel:
    """Type sizes for the whole chart: ``FONT_SIZE`` points in print, larger on screen; legends a size smaller.

    ``overrides`` replace or add parts of the configuration (``view``, ``axisY``, a screen's ``legend``). It is
    set on the chart the caller has just built, in one step: Altair's ``configure_*`` methods each build a
    layered or concatenated chart anew, copying every layer (a tenth of a second each, for the dashboard's).
    """
    config = chart.config if isinstance(chart.config, alt.Config) else alt.Config()
    config.axis = alt.AxisConfig(labelFontSize=text_size, titleFontSize=text_size)
    config.legend = alt.LegendConfig(
        labelFontSize=text_size - 1,
        titleFontSize=text_size - 1,
        columns=2,
        orient="bottom",
        symbolSize=text_size * 6,
        columnPadding=LEGEND_GAP,
        rowPadding=2,
        titlePadding=LEGEND_GAP,
        titleAnchor="start",  # beside its entries, the title level with their first row
        titleBaseline="line-top",
        offset=LEGEND_GAP,
    )
    config.title = alt.TitleConfig(fontSize=text_size + 2, subtitleFontSize=text_size, anchor="start")
    for part, settings in overrides.items():
        config[part] = settings
    chart.config = config
    return chart


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
