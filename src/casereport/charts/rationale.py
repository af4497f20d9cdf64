"""The rationale of a combination (the seed paper's Figure 1): drugs, what they act on, what follows."""

from __future__ import annotations

import altair as alt
import pandas as pd

from casereport.charts.placement import LINE_HEIGHT, Box, Segment, first_free, text_box, text_width, wrap_to
from casereport.charts.style import FONT_SIZE, OKABE_ITO, _finish, _legend, _palette_colour, _wrap
from casereport.data.case import Case
from casereport.derive.rationale import COLUMN_TITLES, COLUMNS, rationale_drugs, rationale_graph

EVIDENCE = ["established", "preclinical", "proposed"]
EVIDENCE_DASHES = [[1, 0], [6, 3], [2, 2]]
RATIONALE_BOX = 0.32  # half a box's width, in columns
RATIONALE_MARGIN = 0.36  # space beyond the outer columns, in columns
ACTION_AT = 0.5  # where along a drug's edge its action is written when no place is free of other marks
# Where along a drug's edge its action may be written, in order of preference: nearest the target first.
ACTION_ALONG = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2)
# The legends show lines long enough for their dashes to show (a stroke symbol's size is its length squared).
LINE_SYMBOLS = {"symbolType": "stroke", "symbolStrokeWidth": 2, "symbolSize": 400}
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

    nodes = nodes.assign(label=nodes["name"].map(lambda n: wrap_to(n, box_points - 10, FONT_SIZE)))
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
    colour = _palette_colour("drug", "Drug", drugs).legend(_legend("Drug", drugs, width, FONT_SIZE, **LINE_SYMBOLS))
    evidence = [e for e in EVIDENCE if e in set(edges["evidence"])]
    # The actions in a darker shade of their drug's colour: light colours are faint as small text.
    text_colour = alt.Color(
        "drug:N", scale=alt.Scale(domain=drugs, range=[_darker(c) for c in OKABE_ITO[: len(drugs)]]), legend=None
    )
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
            color=colour,
            strokeDash=alt.StrokeDash(
                "evidence:N",
                scale=alt.Scale(domain=evidence, range=[EVIDENCE_DASHES[EVIDENCE.index(e)] for e in evidence]),
                legend=_legend("Rests on", evidence, width, FONT_SIZE, **LINE_SYMBOLS),
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
    first_hop = _placed_actions(nodes, edges, headers, width, height)
    actions = (
        alt.Chart(first_hop)
        .mark_text(fontSize=FONT_SIZE - 1, fontStyle="italic", baseline="middle")
        .encode(x=x("mid_x"), y=y("mid_y"), text="action:N", color=text_colour)
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
    chart = (
        alt.layer(lines, actions, boxes, labels, titles)
        .resolve_scale(color="independent")
        .properties(
            width=width,
            height=height,
            title=alt.Title(
                "The rationale: what each drug acts on, and what follows",
                subtitle=_wrap("Colour: drug. Line: what each step rests on.", width),
            ),
        )
    )
    return _finish(chart).configure_view(stroke=None)


def _placed_actions(
    nodes: pd.DataFrame, edges: pd.DataFrame, headers: pd.DataFrame, width: float, height: float
) -> pd.DataFrame:
    """Each drug's action on its target (``inhibits``), written beside its edge where it covers no other
    text, box or line: nearest the target first, above the edge, then below, then beside it.

    Returns the drug-to-target edges with ``mid_x`` and ``mid_y``, the middle of each action's text, in
    the chart's units. Positions are worked out in points (x across the columns, y down the page).
    """
    span = len(COLUMNS) - 1 + 2 * RATIONALE_MARGIN

    def px(v: float) -> float:
        return (v + RATIONALE_MARGIN) / span * width

    def py(v: float) -> float:
        return (v + RATIONALE_TOP) / (1 + RATIONALE_TOP) * height

    def floats(frame: pd.DataFrame, *columns: str) -> list[list[float]]:
        return [[float(v) for v in row] for row in frame[list(columns)].itertuples(index=False)]

    segments: list[Segment] = [
        ((px(x1), py(y1)), (px(x2), py(y2))) for x1, y1, x2, y2 in floats(edges, "x", "y", "x2", "y2")
    ]
    taken = [
        Box(px(x1), py(top), px(x2), py(bottom)) for x1, top, x2, bottom in floats(nodes, "x", "top", "x2", "bottom")
    ]
    taken += [
        text_box(px(float(mid)), py(-RATIONALE_TOP / 2), [str(label)], FONT_SIZE + 1, align="center", bold=True)
        for mid, label in zip(headers["mid"], headers["label"], strict=True)
    ]
    size, gap = FONT_SIZE - 1, 2.0
    first_hop = edges[edges["action"] != "leads to"].copy()
    middles = []
    for action, (x1, y1, x2, y2) in zip(first_hop["action"], floats(first_hop, "x", "y", "x2", "y2"), strict=True):
        (x1, y1), (x2, y2) = (px(x1), py(y1)), (px(x2), py(y2))
        half = (text_width(str(action), size) / 2, size * LINE_HEIGHT / 2)
        # First at the target's edge, on the side the edge does not come from; then along the edge.
        at_target = [(x2 - gap - half[0], y2 + side * (gap + half[1])) for side in ((-1, 1) if y1 >= y2 else (1, -1))]
        along = [
            (x1 + t * (x2 - x1) + dx * (half[0] + gap), y1 + t * (y2 - y1) + dy * (half[1] + gap))
            for t in ACTION_ALONG
            for dx, dy in ((0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1))
        ]
        candidates = [Box(cx - half[0], cy - half[1], cx + half[0], cy + half[1]) for cx, cy in at_target + along]
        chosen = first_free(candidates, boxes=taken, segments=segments)
        box = candidates[len(at_target) + ACTION_ALONG.index(ACTION_AT) * 6 if chosen is None else chosen]
        taken.append(box)
        middles.append(
            (
                (box.left + box.right) / 2 / width * span - RATIONALE_MARGIN,
                (box.top + box.bottom) / 2 / height * (1 + RATIONALE_TOP) - RATIONALE_TOP,
            )
        )
    first_hop["mid_x"] = [m[0] for m in middles]
    first_hop["mid_y"] = [m[1] for m in middles]
    return first_hop


def _darker(colour: str, keep: float = 0.6) -> str:
    """``colour`` (``#rrggbb``) darkened towards black, ``keep`` of each channel kept."""
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * keep):02x}" for c in channels)
