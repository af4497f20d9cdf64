"""Lab values over time: any analytes, the liver enzymes, a tumour marker, and every lab in small multiples."""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import altair as alt
import pandas as pd

from casereport.charts.placement import LINE_HEIGHT, Box, Segment, first_free, text_box, text_width, wrap_to
from casereport.charts.style import (
    ANALYTE_SHAPES,
    FONT_SIZE,
    LAB_ZOOM,
    OKABE_ITO,
    PROVENANCE_SHORT,
    PROVENANCE_TEXT,
    InsideLegend,
    Scale,
    XPoints,
    _finish,
    _grade_text,
    _independent,
    _legend,
    _palette_colour,
    _positions,
    _provenance_marks,
    _read_only,
    _regimen_periods,
    _source,
    _x,
    check_options,
    provenance_shown,
    x_extent,
)
from casereport.data.case import Case
from casereport.data.catalogue import AFP
from casereport.derive.grading import grade_labs
from casereport.derive.panels import analyte_title, liver_enzymes, liver_enzymes_title, log_scale_note
from casereport.derive.tables import unit_text
from casereport.derive.timeline import Axis, spans_drawn

# The columns a lab chart's marks read (position, tooltips, provenance; style._read_only): of the graded
# records' 37, the seed's figures were built in 0.77 s where they took 0.89, their specs 257 kB where 421.
DRAWN_COLUMNS = (
    "x",
    "value",
    "analyte",
    "loinc",
    "unit",
    "when",
    "flag",
    "grade",
    "grade_note",
    "provenance",
    "date_provenance",
    "source",
)


def _drawn(labs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The lab records cut to the columns their marks read: all of them (the marks), those the line joins, and
    those dated only to a span wider than a month, drawn across it (with its ends): the line does not join them,
    as when in the span, and so in what order, is not given."""
    spanned = spans_drawn(labs).to_numpy()
    drawn = _read_only(labs, DRAWN_COLUMNS)
    return drawn, drawn[~spanned], _read_only(labs[spanned], (*DRAWN_COLUMNS, "x_start", "x_end"))


def lab_chart(
    case: Case,
    loincs: tuple[str, ...] | list[str],
    *,
    axis: Axis = "calendar",
    scale: Scale = "linear",
    title: str | alt.TitleParams | None = None,
    width: int = 320,
    height: int | None = None,
    domain_param: str | None = None,
    standalone: bool = True,
    text_size: float = FONT_SIZE,
) -> alt.LayerChart:
    """Values of the given analytes over time, with their upper limits and the stopped regimens shaded.

    Analytes share one y axis, so give analytes of one unit; each has its
    colour and its shape. ``domain_param`` names an interval selection whose
    range sets the x domain (for linked views); ``standalone=False`` leaves
    configuration to an enclosing chart. A standalone chart with its own
    domain is a figure: its plot is about three quarters as high as wide
    (``height`` by default), its dates are level, its legends are rows under
    it, and each limit is named where no line or point passes.
    """
    check_options(scale=scale, width=width, height=height, text_size=text_size)
    graded = grade_labs(case)
    labs = _positions(case, graded[graded["loinc"].isin(loincs)], axis)
    if labs.empty:
        raise ValueError(f"case '{case.case_id}' has no values for LOINC {', '.join(loincs)}")
    figure = standalone and not domain_param
    height = height or figure_height(width)
    labs["unit"] = labs["unit"].map(unit_text)  # as the reader writes it (10³/µL), on the axis and in tooltips
    units = sorted(set(labs["unit"]))
    labs["source"] = _source(labs)
    labs["grade"] = _grade_text(labs["ctcae_grade"])
    names = list(dict.fromkeys(labs["analyte"]))
    limits = _limits(labs)
    periods = _regimen_periods(case, axis)
    y_geometry = _figure_y(labs, limits, scale, height)
    layout = _FigureLayout(labs, limits, periods, XPoints(case, axis, width), y_geometry, text_size) if figure else None
    # One analyte names itself on the axis; several are named in the legend, by colour and shape.
    legend = None
    if len(names) > 1:
        legend = layout.legend(None, [names], {}) if layout else _legend(None, names, None, text_size)
    colour = _palette_colour("analyte", "Analyte", names).legend(legend)
    shape = alt.Shape("analyte:N", scale=alt.Scale(domain=names, range=ANALYTE_SHAPES[: len(names)]), legend=legend)
    y_scale = alt.Scale(type=scale, zero=False) if scale == "log" else alt.Scale(zero=True)
    if figure:  # a domain of its own, so that labels can be placed where nothing is drawn
        y_scale = alt.Scale(type=scale, domain=list(y_geometry.domain), nice=False, zero=scale != "log")
    # A log scale says so: its ticks (1, 2, 5, 10) alone leave a reader to infer it.
    log = ", log scale" if scale == "log" else ""
    y_title = f"{names[0]} ({units[0]}{log})" if len(names) == 1 else ", ".join(units) + log
    y = alt.Y("value:Q", title=y_title, scale=y_scale)
    if figure:
        extent = _y_axis_extent(y_geometry.domain, scale, text_size)
        y = y.axis(minExtent=extent, maxExtent=extent)
    if figure and scale == "log":  # Vega's log ticks (1, 2, 3, 4, 10, 20, ...) crowd a short axis
        y = y.axis(minExtent=extent, maxExtent=extent, values=y_geometry.log_ticks(text_size))
    # Every layer names the same domain: Vega-Lite drops a linked domain that only some layers give.
    level = (width, text_size) if figure else None
    # A printed figure's calendar dates are untitled, as the timeline's: the months say what they are.
    x_of = functools.partial(
        _x, case, axis, title=not (level and axis == "calendar"), domain_param=domain_param, level=level
    )
    x = x_of("x")
    labs, joined, spans = _drawn(labs)
    lines = (
        alt.Chart(joined)
        .mark_line(strokeDash=[4, 3], strokeWidth=1.2, clip=True)
        .encode(x=x, y=y, color=colour, detail=alt.Detail("analyte:N"))
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
    shown = provenance_shown(labs)
    key_at = layout.values_legend(shown) if layout else None
    points = _provenance_marks(
        labs,
        x=x,
        y=y,
        stroke=colour,
        fill=fill,
        tooltip=tooltip,
        shape=shape,
        legend_width=width if figure else None,
        legend_at=key_at,
        text_size=text_size,
    )
    across = _spans_drawn(spans, x_of, y, tooltip, colour=colour, stroke=1.2)
    limit_rules = (
        alt.Chart(limits)
        .mark_rule(strokeDash=[1, 2], strokeWidth=1)
        .encode(
            y=alt.Y("limit_value:Q"),
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
    if standalone and not domain_param:
        # Drag to pan and scroll to zoom along time in the HTML figure; double-click resets.
        lines = lines.add_params(alt.selection_interval(name=LAB_ZOOM, bind="scales", encodings=["x"]))
    shading = _period_layers(periods, case, axis, domain_param, text_size, level) if not periods.empty else []
    if layout:
        limit_labels = (
            alt.Chart(layout.limit_labels(dict(zip(names, OKABE_ITO, strict=False))))
            .mark_text(baseline="middle", fontSize=text_size - 2, lineBreak="\n", clip=True)
            .encode(
                x=alt.X("x", type="temporal" if axis == "calendar" else "quantitative"),
                y=alt.Y("y:Q"),
                text=alt.Text("limit_text:N"),
                color=alt.Color("label_colour:N", scale=None),
            )
        )
        limit_layers = [limit_labels]
    else:
        # On a page the plot's height follows its container, so labels cannot be placed clear of each other
        # in points: each limit is named once (analytes sharing one together) at the plot's right end, the
        # highest above its rule, the next below its own, and so on, so that two close limits' names part.
        named = _screen_limit_labels(limits, dict(zip(names, OKABE_ITO, strict=False)))
        sides: list[tuple[str, Literal["bottom", "top"], int]] = [("above", "bottom", -1), ("below", "top", 1)]
        limit_layers = [
            alt.Chart(named[named["side"] == side])
            .mark_text(align="right", baseline=baseline, dx=-2, dy=dy, fontSize=text_size - 2)
            .encode(
                y=alt.Y("limit_value:Q"),
                x=alt.XValue("width"),
                color=alt.Color("label_colour:N", scale=None),
                text=alt.Text("limit_text:N"),
            )
            for side, baseline, dy in sides
            if (named["side"] == side).any()
        ]
    chart = alt.LayerChart(
        layer=[*shading, limit_rules, *limit_layers, lines, *across, *points],
        resolve=_independent("fill"),
        width=width,
        height=height,
        title=title or alt.Undefined,
    )
    return _finish(chart, text_size) if standalone else chart


def _panel_x(case: Case, axis: Axis, field: str, *, last_row: bool, extent: list, level: tuple[float, float]) -> alt.X:
    """A small multiple's x encoding of ``field``: its dates named only on the last row."""
    x = _x(case, axis, field, title=last_row and axis != "calendar", extent=extent, level=level)
    return x if last_row else x.axis(labels=False, title=None)


def _spans_drawn(
    spans: pd.DataFrame,
    x_of: Callable[[str], alt.X],
    y: alt.Y,
    tooltip: list,
    *,
    colour: alt.Color | None = None,
    stroke: float,
) -> list[alt.Chart]:
    """Each value dated only to a span wider than a month (a year) drawn across that span at its value, a cap at
    each end as the timeline marks a month's range, under its mark at the span's middle; in the analyte's
    ``colour`` (else the lines' grey). ``x_of`` is the chart's x encoding of a field. No layer where there is none.
    """
    if spans.empty:
        return []
    colours: dict[str, Any] = {"color": colour} if colour else {}
    grey: dict[str, Any] = {} if colour else {"color": LINE_GREY}
    across = (
        alt.Chart(spans)
        .mark_rule(strokeWidth=stroke, clip=True, **grey)
        .encode(x=x_of("x_start"), x2=alt.X2("x_end"), y=y, tooltip=tooltip, **colours)
    )
    ends = pd.concat([spans.assign(x_cap=spans[end]) for end in ("x_start", "x_end")]).drop(
        columns=["x_start", "x_end"]
    )
    caps = (
        alt.Chart(ends)
        .mark_tick(orient="vertical", thickness=stroke, size=SPAN_CAP, opacity=1, clip=True, **grey)
        .encode(x=x_of("x_cap"), y=y, tooltip=tooltip, **colours)
    )
    return [across, caps]


def figure_height(width: float) -> int:
    """A lab figure's plot height for a plot ``width`` points wide: three quarters of it, less on a wide page."""
    return round(min(0.75 * width, 100 + 0.4 * width))


def _limits(labs: pd.DataFrame) -> pd.DataFrame:
    """Each analyte's reference limits, one row each (``limit``: upper limit or lower limit)."""
    limits = labs.drop_duplicates("analyte")[["analyte", "upper_limit", "lower_limit", "unit", "limits_provenance"]]
    limits = limits.melt(
        id_vars=["analyte", "unit", "limits_provenance"],
        value_vars=["upper_limit", "lower_limit"],
        var_name="limit",
        value_name="limit_value",
    ).dropna(subset=["limit_value"])
    limits["limit"] = limits["limit"].str.replace("_limit", " limit")
    return limits


def _period_layers(
    periods: pd.DataFrame,
    case: Case,
    axis: Axis,
    domain_param: str | None,
    text_size: float,
    level: tuple[float, float] | None,
) -> list[alt.Chart]:
    """Each stopped regimen's period shaded, its drug named at the top left of the shade."""
    x_start = _x(
        case, axis, "x_start", title=not (level and axis == "calendar"), domain_param=domain_param, level=level
    )
    shade = (
        alt.Chart(periods)
        .mark_rect(opacity=0.12, color="#777777", clip=True)
        .encode(x=x_start, x2=alt.X2("x_end"), tooltip=[alt.Tooltip("period:N", title="treatment period")])
    )
    label = (
        alt.Chart(periods)
        .mark_text(
            align="left",
            baseline="top",
            dx=PERIOD_LABEL_AT,
            dy=PERIOD_LABEL_AT,
            fontSize=text_size - 1,
            color="#444444",
            clip=True,
        )
        .encode(x=x_start, y=alt.YValue(0), text=alt.Text("regimen:N"))
    )
    return [shade, label]


# Points a marker view's note under its title wraps at, at most: within a view on a tablet's screen (the
# dashboard's views are as wide as the page, which Python does not know).
NOTE_WIDTH = 360
SPAN_CAP = 6  # points: the caps at the ends of a value drawn across the span its date gives
LINE_GREY = "#777777"  # the line joining an analyte's values where its colour says nothing (the small multiples)
PERIOD_LABEL_AT = 3  # points from a shaded period's top left corner to its drug's name
LINE_CLEARANCE = 2  # points a label or legend on a lab figure keeps from the lines (the AFP line ran 0.3 mm by one)


class _NamedLimit(NamedTuple):
    """A limit as a chart names it: its value, which limit, its words and its colour."""

    value: float
    limit: str
    words: tuple[str, str]
    colour: str


def _named_limits(limits: pd.DataFrame, colour_of: dict[str, str]) -> list[_NamedLimit]:
    """Each limit once, analytes sharing it together (``GOT, GPT ULN 50``), in its analyte's colour (grey where
    analytes share it), in the order the analytes give them."""
    named = []
    for value, group in limits.groupby("limit_value", sort=False):
        for limit, rows in group.groupby("limit", sort=False):
            analytes = list(dict.fromkeys(rows["analyte"]))
            at, which = float(str(value)), str(limit)
            colour = "#555555" if len(analytes) > 1 else colour_of[analytes[0]]
            named.append(_NamedLimit(at, which, limit_words(analytes, which, at), colour))
    return named


def _screen_limit_labels(limits: pd.DataFrame, colour_of: dict[str, str]) -> pd.DataFrame:
    """Each limit once (:func:`_named_limits`), from the highest down, written ``above`` its rule and the next
    ``below`` its own, alternately (``side``)."""
    highest_first = sorted(_named_limits(limits, colour_of), key=lambda named: -named.value)
    return pd.DataFrame(
        [
            {
                "limit_value": named.value,
                "limit_text": " ".join(named.words),
                "label_colour": named.colour,
                "side": "above" if n % 2 == 0 else "below",
            }
            for n, named in enumerate(highest_first)
        ],
        columns=["limit_value", "limit_text", "label_colour", "side"],
    )


def limit_words(analytes: list[str], limit: str, value: float) -> tuple[str, str]:
    """A limit's label as clinicians abbreviate it: the analytes whose limit it is, each by its short name (the
    case's, without its parenthesis), and the limit: ``("GOT, GPT", "ULN 50")``, ``("leukocytes", "LLN 4")``."""
    names = ", ".join(dict.fromkeys(re.sub(r"\s*\([^)]*\)", "", name) for name in analytes))
    return names, f"{'ULN' if limit.startswith('upper') else 'LLN'} {value:g}"


class _YPoints:
    """A lab chart's y scale of its own (for a figure): its domain, and a value's height in points from the top.

    Linear scales start at zero and end at a round number above the values
    and limits; log scales run from the power of ten below to the one above.
    """

    def __init__(self, scale: Scale, values: list[float], height: float) -> None:
        self.log, self.height = scale == "log", height
        positive = [v for v in values if v > 0] or [1.0]  # nothing above zero: a decade, or 0 to 1
        high = max(positive)
        if self.log:
            low = min(positive)
            self.domain = (10.0 ** math.floor(math.log10(low)), 10.0 ** math.ceil(math.log10(high)))
            if self.domain[0] == self.domain[1]:
                self.domain = (self.domain[0], self.domain[1] * 10)
        else:
            step = _round_step(high / 5)
            self.domain = (0.0, math.ceil(high / step) * step)

    def log_ticks(self, text_size: float) -> list[float]:
        """A log axis's labelled values: each power of ten, and 2 and 5 times it where a decade has room."""
        low, high = (round(math.log10(v)) for v in self.domain)
        per_decade = self.height / max(high - low, 1)
        steps = (1, 2, 5) if per_decade >= 6 * text_size else (1, 3) if per_decade >= 3 * text_size else (1,)
        ticks = (float(f"{s * 10.0**k:.12g}") for k in range(low, high + 1) for s in steps)
        return [t for t in ticks if t <= self.domain[1]]

    def _unit(self, value: float) -> float:
        return math.log10(value) if self.log else value

    def points(self, value: float) -> float:
        low, high = (self._unit(v) for v in self.domain)
        return self.height * (1 - (self._unit(value) - low) / (high - low))

    def value(self, points: float) -> float:
        low, high = (self._unit(v) for v in self.domain)
        unit = low + (1 - points / self.height) * (high - low)
        return 10.0**unit if self.log else unit


def _round_step(rough: float) -> float:
    """A tick step of 1, 2 or 5 times a power of ten near ``rough`` (as d3 chooses one)."""
    power = 10.0 ** math.floor(math.log10(rough))
    error = rough / power
    return power * (10 if error >= 7.07 else 5 if error >= 3.16 else 2 if error >= 1.41 else 1)


Y_TICKS = 7  # points from a y axis's labels to its plot: the tick (5) and the labels' padding (2)
Y_TITLE = 23  # points a lab figure's y axis title and the figure's padding take beside the axis's labels
PANELS_BESIDE = {1: 12, 2: 20}  # points the small multiples' figure takes beside their axes, by columns


def _figure_y(labs: pd.DataFrame, limits: pd.DataFrame, scale: Scale, height: float) -> _YPoints:
    """A lab figure's y scale: its values and the limits it draws."""
    return _YPoints(scale, [*labs["value"], *limits["limit_value"]], height)


def _y_axis_extent(domain: tuple[float, float], scale: Scale, text_size: float) -> int:
    """Points a figure's y axis takes for its ticks and labels: room for the widest label a tick in its
    ``domain`` can have, set as the axis's least and greatest extent, so that the figure's width is known
    before Vega lays it out (and its plot width guessed right, :func:`lab_figure_margin`).

    Labels are as Vega writes them (``1,000``), with as many decimals as a
    tick five times finer than a fifth of the domain would need.
    """
    if scale == "log":
        texts = [f"{value:,f}".rstrip("0").rstrip(".") for value in domain]
    else:
        decimals = max(0, -math.floor(math.log10(_round_step(domain[1] / 5) / 5)))
        texts = [f"{domain[1]:,.{decimals}f}"]
    return _labels_extent(texts, text_size)


def _labels_extent(texts: list[str], text_size: float) -> int:
    """Points a y axis takes with these labels: the widest, and the tick."""
    return math.ceil(max(text_width(text, text_size) for text in texts) + Y_TICKS)


def lab_figure_margin(
    case: Case, loincs: tuple[str, ...] | list[str], *, scale: Scale = "linear", text_size: float = FONT_SIZE
) -> float:
    """Points a lab figure (:func:`lab_chart`, standalone) takes beside its plot: its y axis and title."""
    graded = grade_labs(case)
    labs = graded[graded["loinc"].isin(loincs)]
    domain = _figure_y(labs, _limits(labs), scale, 1).domain
    return _y_axis_extent(domain, scale, text_size) + Y_TITLE


PANEL_INTERVALS = 5  # at most, between a small multiple's labelled y values


class _PanelTicks(NamedTuple):
    """A small multiple's y axis: its labelled values from zero (the last one its top, so that every axis ends at
    a labelled round value), and the format Vega writes them in."""

    values: list[float]
    format: str

    @classmethod
    def of(cls, values: pd.DataFrame) -> _PanelTicks:
        """From zero to the first round value at or above the values and the upper limit, in the fewest steps of
        1, 2 or 5 times a power of ten that reach it in :data:`PANEL_INTERVALS`."""
        high = max([*values["value"], *values["upper_limit"].dropna()[:1]])
        high = high if high > 0 else 1.0
        power = 10.0 ** math.floor(math.log10(high / PANEL_INTERVALS))
        step = next(m * power for m in (1, 2, 5, 10) if m * power * PANEL_INTERVALS >= high * (1 - 1e-9))
        count = math.ceil(high / step * (1 - 1e-9))
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        return cls([float(f"{n * step:.12g}") for n in range(count + 1)], f",.{decimals}f")

    @property
    def domain(self) -> tuple[float, float]:
        return self.values[0], self.values[-1]

    def extent(self, text_size: float) -> int:
        """Points the axis takes: its widest label, as Vega writes it (``1,000``), and the tick."""
        decimals = int(self.format[2:-1])
        return _labels_extent([f"{v:,.{decimals}f}" for v in self.values], text_size)


def _panels_axis_extent(analytes: list[tuple[Any, pd.DataFrame]], text_size: float) -> int:
    return max(_PanelTicks.of(values).extent(text_size) for _, values in analytes)


def all_labs_margin(case: Case, *, columns: int, text_size: float = FONT_SIZE) -> float:
    """Points the small multiples (:func:`all_labs_chart`) take beside their plots: their axes, and padding."""
    analytes = list(grade_labs(case).groupby("loinc", sort=False))
    return columns * _panels_axis_extent(analytes, text_size) + PANELS_BESIDE[columns]


class _FigureLayout:
    """Where a lab figure writes on its plot: each limit's name, and the legends, clear of what is drawn.

    Everything is in points from the plot's top left corner: the lines
    between values, the values' marks, the limits' rules and the shaded
    periods' names are what a label may not cover; each label or legend
    placed joins them.
    """

    def __init__(
        self, labs: pd.DataFrame, limits: pd.DataFrame, periods: pd.DataFrame, x: XPoints, y: _YPoints, text_size: float
    ) -> None:
        self.x, self.y, self.limits, self.text_size = x, y, limits, text_size
        self.segments: list[Segment] = []
        self.boxes: list[Box] = []
        for _, values in labs.sort_values("x").groupby("analyte"):
            xy = list(zip(x.points(values["x"]), map(y.points, values["value"]), strict=True))
            self.boxes += [Box(px - 4, py - 4, px + 4, py + 4) for px, py in xy]
            spanned = spans_drawn(values).to_numpy()
            joined = [point for point, alone in zip(xy, spanned, strict=True) if not alone]
            self.segments += list(itertools.pairwise(joined))
            # A value drawn across the span its date gives: a rule at its height.
            across = values[spanned]
            heights = list(map(y.points, across["value"]))
            self.segments += [
                ((start, at), (end, at))
                for start, end, at in zip(x.points(across["x_start"]), x.points(across["x_end"]), heights, strict=True)
            ]
        if not periods.empty:
            for start, name in zip(x.points(periods["x_start"]), periods["regimen"], strict=True):
                top = PERIOD_LABEL_AT + text_size * LINE_HEIGHT / 2
                self.boxes.append(text_box(start + PERIOD_LABEL_AT, top, [name], text_size - 1, align="left"))
        self.rules = {value: y.points(value) for value in limits["limit_value"]}
        self.segments += [((0.0, at), (x.width, at)) for at in self.rules.values()]

    def _free(self, candidates: list[Box], *, own_rule: float | None = None) -> int | None:
        """The first candidate covering no mark, label or legend, and clear of every line by
        :data:`LINE_CLEARANCE` (its own limit's rule, ``own_rule``, aside: a label sits beside it)."""
        segments = [s for s in self.segments if own_rule is None or s != ((0.0, own_rule), (self.x.width, own_rule))]
        grown = [
            Box(b.left - LINE_CLEARANCE, b.top - LINE_CLEARANCE, b.right + LINE_CLEARANCE, b.bottom + LINE_CLEARANCE)
            for b in candidates
        ]
        for n, (box, room) in enumerate(zip(candidates, grown, strict=True)):
            if first_free([room], segments=segments) == 0 and first_free([box], boxes=self.boxes) == 0:
                return n
        return None

    def limit_labels(self, colour_of: dict[str, str]) -> pd.DataFrame:
        """Each limit named once beside its rule, with the analytes it is the limit of (``GOT, GPT ULN 50``: in
        greyscale the colour does not say whose it is), in that analyte's colour (grey where analytes share it),
        at the first place where the text covers nothing: from the right end leftwards, above the rule and then
        below it, on one line and then on two. With no such place, at the right end above the rule. The words are
        the same at every width."""
        size = self.text_size - 2
        rows = []
        for named in _named_limits(self.limits, colour_of):
            rule = self.rules[named.value]
            line = size * LINE_HEIGHT
            # On one line beside the rule; or, where that has no room (a one-column figure's crowded
            # limits), the same words on two lines: the analytes over the limit.
            # A plot narrower than the words (the narrowest width asked for) leaves the right end alone.
            right = int(self.x.width) - 2
            placings = [
                (lines, text_box(anchor, first_y, lines, size, align="right"))
                for lines in ([" ".join(named.words)], list(named.words))
                for first_y in (rule - 1 - line * (len(lines) - 0.5), rule + 1 + line / 2)
                for anchor in range(right, int(max(text_width(words, size) for words in lines)), -4) or [right]
            ]
            chosen = self._free([box for _, box in placings], own_rule=rule)
            lines, box = placings[0 if chosen is None else chosen]
            self.boxes.append(box)
            rows.append(
                {
                    "limit_text": "\n".join(lines),
                    "x": self.x.value((box.left + box.right) / 2),
                    "y": self.y.value((box.top + box.bottom) / 2),
                    "label_colour": named.colour,
                }
            )
        return pd.DataFrame(rows, columns=["limit_text", "x", "y", "label_colour"])

    def _inside(self, title: str | None, wordings: list[list[str]]) -> tuple[InsideLegend, Box] | None:
        """The first wording of a legend that has a free place inside the plot, and the place."""
        for labels in wordings:
            legend = InsideLegend.of(title, labels, self.text_size)
            spots = legend.spots(self.x.width, self.y.height)
            chosen = self._free(spots)
            if chosen is not None:
                self.boxes.append(spots[chosen])
                return legend, spots[chosen]
        return None

    def legend(self, title: str | None, wordings: list[list[str]], options: dict[str, Any]) -> alt.Legend:
        """A legend inside the plot where it has room, else a row under it."""
        inside = self._inside(title, wordings)
        if inside:
            return inside[0].at(inside[1], **options)
        return _legend(title, wordings[-1], self.x.width, self.text_size, **options)

    def values_legend(self, shown: list[str]) -> tuple[InsideLegend, Box] | None:
        """Where the legend of what the paper states goes inside the plot, in full words or short; None: under it."""
        return self._inside("Values", [[PROVENANCE_TEXT[k] for k in shown], [PROVENANCE_SHORT[k] for k in shown]])


def liver_enzymes_chart(
    case: Case,
    *,
    axis: Axis = "calendar",
    width: int = 320,
    height: int | None = None,
    domain_param: str | None = None,
    standalone: bool = True,
    text_size: float = FONT_SIZE,
) -> alt.LayerChart:
    """The liver enzymes the case has (the seed paper's Figure 5A: GOT, GPT and gamma-GT) with their upper
    limits, treatment periods shaded, titled as what it draws (one enzyme by its name); ``ValueError`` for a case
    without them."""
    return lab_chart(
        case,
        liver_enzymes(case),
        axis=axis,
        title=liver_enzymes_title(case),
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
    height: int | None = None,
    domain_param: str | None = None,
    standalone: bool = True,
    text_size: float = FONT_SIZE,
) -> alt.LayerChart:
    """One tumour marker with its limit, linear or log scale, treatment periods shaded, titled by its name.

    A marker has a view of its own because its values span orders of
    magnitude (AFP from the hundreds to single digits) where the enzymes span
    one: on a log scale its fall under treatment reads as plainly as a rise.
    A marker with a value a log scale has no place for (zero) is drawn on
    the linear scale, and its title says so, and why under it (in lines no
    wider than the plot, nor than :data:`NOTE_WIDTH`, as the dashboard's
    views take the page's width), rather than leave the value out.
    """
    check_options(scale=scale, width=width, height=height, text_size=text_size)
    title: str | alt.TitleParams = analyte_title(case, loinc)
    note = log_scale_note(case, loinc) if scale == "log" else None
    if note:
        scale = "linear"
        why = f"{note[0].upper()}{note[1:]}."
        title = alt.TitleParams(f"{title}: linear scale", subtitle=wrap_to(why, min(width, NOTE_WIDTH), text_size))
    return lab_chart(
        case,
        [loinc],
        axis=axis,
        scale=scale,
        title=title,
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
    case: Case,
    *,
    axis: Axis = "calendar",
    width: int = 240,
    height: int | None = None,
    columns: int = 2,
    text_size: float = FONT_SIZE,
) -> alt.ConcatChart:
    """Small multiples of every analyte with its reference band and each value's CTCAE grade.

    Each grade has its colour and its shape (so greyscale keeps them apart);
    the legends name only the grades drawn and sit in rows under the panels;
    the dates are level and written under the last row only, as all panels
    share them. Each panel is ``height`` high; by default as high as keeps the
    panels at least half the figure, fewer panels each higher.
    """
    check_options(columns=columns, width=width, height=height, text_size=text_size)
    graded = _positions(case, grade_labs(case), axis)
    graded["unit"] = graded["unit"].map(unit_text)  # as the reader writes it (10³/µL), in titles and tooltips
    graded["source"] = _source(graded)
    graded["grade"] = _grade_text(graded["ctcae_grade"])
    shown = [g for g in GRADES if g in set(graded["grade"])]
    grade_scale = alt.Scale(domain=list(GRADES), range=list(GRADES.values()))
    # Symbols open, as the values' fill says what the paper states (the other legend); outlines as the marks'.
    grade_legend = _legend(
        "CTCAE v5.0",
        shown,
        width * columns,
        text_size,
        values=shown,
        symbolFillColor="white",
        symbolStrokeWidth=GRADE_STROKE,
    )
    grade_colour = alt.Color("grade:N", scale=grade_scale, legend=grade_legend)
    grade_shape = alt.Shape(
        "grade:N", scale=alt.Scale(domain=list(GRADES), range=ANALYTE_SHAPES[: len(GRADES)]), legend=grade_legend
    )
    panels: list[alt.LayerChart] = []
    extent = x_extent(case, axis)
    analytes = list(graded.groupby("loinc", sort=False))
    last_row = (len(analytes) - 1) // columns * columns
    height = height or _panel_height(len(analytes), columns, width)
    # One y axis extent for every panel, so that the columns line up and the figure's width is known.
    axis_extent = _panels_axis_extent(analytes, text_size)
    for n, (_, values) in enumerate(analytes):
        first = values.iloc[0]
        ticks = _PanelTicks.of(values)
        # The reference range: from zero with no lower limit, to the axis's top with no upper one; none with neither.
        lower, upper = first["lower_limit"], first["upper_limit"]
        band = pd.DataFrame(
            [{"low": lower if pd.notna(lower) else 0, "high": upper if pd.notna(upper) else ticks.domain[1]}]
            if pd.notna(lower) or pd.notna(upper)
            else [],
            columns=["low", "high"],
        )
        x_of = functools.partial(_panel_x, case, axis, last_row=n >= last_row, extent=extent, level=(width, text_size))
        x = x_of("x")
        # The unit is in the panel's title, so the plots take the width a y title would.
        # Vega thins given values to every other one beyond tickCount (a short panel's default is 3): all count.
        y = alt.Y(
            "value:Q",
            title=None,
            scale=alt.Scale(domain=list(ticks.domain), nice=False),
            axis=alt.Axis(
                minExtent=axis_extent,
                maxExtent=axis_extent,
                values=ticks.values,
                tickCount=len(ticks.values),
                format=ticks.format,
            ),
        )
        values, joined, spans = _drawn(values)
        reference = (
            alt.Chart(band).mark_rect(color="#009E73", opacity=0.12).encode(y=alt.Y("low:Q"), y2=alt.Y2("high:Q"))
        )
        line = (
            alt.Chart(joined).mark_line(strokeDash=[4, 3], color=LINE_GREY, strokeWidth=1, clip=True).encode(x=x, y=y)
        )
        # The code, off the printed title, stays where a reader who wants it looks; and why a grade is what it is.
        tooltip = [
            alt.Tooltip("analyte:N"),
            alt.Tooltip("loinc:N", title="LOINC"),
            alt.Tooltip("value:Q", format=".4~g"),
            alt.Tooltip("unit:N"),
            alt.Tooltip("when:N", title="date"),
            alt.Tooltip("flag:N"),
            alt.Tooltip("grade:N", title="CTCAE v5.0"),
            alt.Tooltip("grade_note:N", title="grade reading"),
            alt.Tooltip("provenance:N"),
            alt.Tooltip("source:N", title="paper's words or rule"),
        ]
        grade_fill = alt.Fill("grade:N", scale=grade_scale, legend=None)
        points = _provenance_marks(
            values,
            x=x,
            y=y,
            stroke=grade_colour,
            fill=grade_fill,
            tooltip=tooltip,
            size=36,
            stroke_width=GRADE_STROKE,
            shape=grade_shape,
            # The provenance legend under the last row's first panel: at the left, over the grades' (under all the
            # panels), as under the last panel it sat under the right column, apart from the grades'.
            legend=n == last_row,
            legend_width=width,
            text_size=text_size,
            kinds=provenance_shown(graded),
        )
        panels.append(
            alt.LayerChart(
                layer=[reference, line, *_spans_drawn(spans, x_of, y, tooltip, stroke=1), *points],
                resolve=_independent("fill"),
                width=width,
                height=height,
                title=alt.TitleParams(
                    f"{first['analyte']}, {first['unit']}",
                    fontSize=text_size - 1,
                    anchor="start",
                    offset=2,
                ),
            )
        )
    chart = alt.concat(*panels, columns=columns, spacing=6, title="All labs: reference range shaded")
    return _finish(chart, text_size)


# Points a small multiple takes beside its plot (its axis) and above and below it (title, ticks, gap), and the
# figure beyond its panels (its title, the dates, the legends; the calendar is untitled): measured on the bundled
# cases at 85 and 174 mm.
PANEL_OVERHEAD = (35, 28)
FIGURE_OVERHEAD = 77
# Of the figure, the panels' plots at least: a little over the half a journal asks for, and no more, as one
# column of four panels was 193 mm tall at 0.55 (182 mm at 0.52).
PANELS_SHARE = 0.52


def _panel_height(panels: int, columns: int, width: float) -> int:
    """The height of each of ``panels`` plots ``width`` wide, in ``columns``, for which the plots take
    :data:`PANELS_SHARE` of the figure: fewer panels, each higher; never under a third of the width or
    over the width."""
    rows = -(-panels // columns)
    figure_width = columns * (width + PANEL_OVERHEAD[0])
    room = panels * width - PANELS_SHARE * figure_width * rows
    if room <= 0:
        return round(width)
    needed = PANELS_SHARE * figure_width * (rows * PANEL_OVERHEAD[1] + FIGURE_OVERHEAD) / room
    return round(min(width, max(width / 3, needed)))


GRADE_STROKE = 2  # points: a hollow (illustrative) mark is its outline only, and its grade is the outline's colour
# CTCAE grades and their colours; each also has a shape (``ANALYTE_SHAPES``, in this order). From grade 1 on,
# Okabe-Ito colours each darker in greyscale than the grade below (grey 162, 119, 87, 0), so that a grade stays
# visible on white and on the pale reference band, and its rank reads without colour (yellow, grey 213, faded).
GRADES = {
    "not graded": "#999999",
    "grade 0": "#009E73",  # bluish green, as the reference band
    "grade 1": "#E69F00",  # orange
    "grade 2": "#D55E00",  # vermillion
    "grade 3": "#0072B2",  # blue
    "grade 4": "#000000",
}
