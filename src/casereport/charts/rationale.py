"""The rationale of a combination (the seed paper's Figure 1): drugs, what they act on, what follows."""

from __future__ import annotations

import altair as alt
import pandas as pd

from casereport.charts.placement import LINE_HEIGHT, text_width, wrap_to
from casereport.charts.style import (
    FONT_SIZE,
    OKABE_ITO,
    _finish,
    _independent,
    _legend,
    _palette_colour,
    _wrap,
    check_options,
)
from casereport.data.case import Case
from casereport.derive.rationale import COLUMN_TITLES, COLUMNS, rationale_drugs, rationale_graph

EVIDENCE = ["established", "preclinical", "proposed"]
# Established steps are solid lines: no dash at all (a dash pattern of [1, 0] printed as a zipper of 1 pt dashes).
EVIDENCE_DASHES: list[list[float]] = [[], [6, 3], [2, 2]]
RATIONALE_BOX = 0.32  # half a box's width, in columns (a drug's box is as narrow as its name allows)
RATIONALE_MARGIN = 0.36  # space beyond the outer columns, in columns
BOX_PADDING = 8  # points between a box's edge and its text, each side
ACTION_GAP = 2.0  # points between an action's text and its edge, and between the text and the box it acts on
PORT_GAP = 4.0  # points between a drug's edges where they leave its box (or reach a box two drugs share)
# The legends show lines long enough for their dashes to show (a stroke symbol's size is its length squared).
# A line symbol takes a square as high as it is long, so a title at the top of the row (the figures' default)
# stands above the entries: these titles sit at its foot instead, level with the entries' words.
LINE_SYMBOLS = {
    "symbolType": "stroke",
    "symbolStrokeWidth": 2,
    "symbolSize": 400,
    "titleAnchor": "end",
    "titleBaseline": "bottom",
}
RATIONALE_TOP = 0.1  # room above the first row for the column titles, in shares of the height


def rationale_chart(case: Case, *, width: int = 560, row_height: int = 56) -> alt.LayerChart:
    """The paper's rationale for its regimen (its Figure 1) drawn from data: drug, what it acts on, what follows.

    Three columns of boxes; each drug's edges in its colour, solid or dashed
    by what the step rests on (approved use, laboratory models, a proposal),
    each ending level into the box it acts on with its action written along
    that stretch. A target two drugs share is where the paper argues they
    meet. Hover an edge for the paper's words.
    """
    check_options(width=width, row_height=row_height)
    nodes, edges = rationale_graph(case)
    rows = max(int(nodes.groupby("kind").size().max()) if not nodes.empty else 1, 1)
    height = rows * row_height
    span = len(COLUMNS) - 1 + 2 * RATIONALE_MARGIN
    y_per_point = (1 + RATIONALE_TOP) / height  # data units per point, vertically

    per_column = width / span  # points
    drug = nodes["kind"] == "drug"
    # A drug's box just holds its name, leaving its edges room to fan out and to end in a level stretch.
    widest_drug = max((text_width(str(n), FONT_SIZE) for n in nodes.loc[drug, "name"]), default=0.0)
    drug_half = min(RATIONALE_BOX, (widest_drug + 2 * BOX_PADDING) / 2 / per_column)
    halves = drug.map({True: drug_half, False: RATIONALE_BOX})
    wrapped = [wrap_to(str(n), h * 2 * per_column - 10, FONT_SIZE) for n, h in zip(nodes["name"], halves, strict=True)]
    nodes = nodes.assign(label=pd.Series(wrapped, index=nodes.index, dtype=object))
    lines_of = nodes["label"].map(len)
    half = (lines_of * (FONT_SIZE + 2) + BOX_PADDING) / 2 * y_per_point
    nodes = nodes.assign(
        x=nodes["column"] - halves,
        x2=nodes["column"] + halves,
        top=nodes["y"] - half,
        bottom=nodes["y"] + half,
        mid=nodes["column"].astype(float),
        # Vega sets the first line at y; lift multi-line labels so the block is centred.
        text_y=nodes["y"] - (lines_of - 1) * (FONT_SIZE + 2) / 2 * y_per_point,
    )
    first = edges["action"] != "leads to"
    edges = edges.assign(
        x=edges["x"] + first.map({True: drug_half, False: RATIONALE_BOX}), x2=edges["x2"] - RATIONALE_BOX
    )
    edges, first_hop = _routed(edges, nodes, per_column, y_per_point)
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
            x2=alt.X2("x2:Q"),
            y2=alt.Y2("y2:Q"),
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
    actions = (
        alt.Chart(first_hop)
        .mark_text(fontSize=FONT_SIZE - 1, fontStyle="italic", baseline="middle", align="right")
        .encode(x=x("text_x"), y=y("text_y"), text=alt.Text("action:N"), color=text_colour)
    )
    boxes = (
        alt.Chart(nodes)
        .mark_rect(fill="white", stroke="#555555", strokeWidth=1, cornerRadius=4)
        .encode(
            x=x("x"),
            x2=alt.X2("x2:Q"),
            y=y("top"),
            y2=alt.Y2("bottom:Q"),
            tooltip=[alt.Tooltip("name:N"), alt.Tooltip("kind:N")],
        )
    )
    labels = (
        alt.Chart(nodes)
        .mark_text(fontSize=FONT_SIZE, baseline="middle", lineHeight=FONT_SIZE + 2)
        .encode(x=x("mid"), y=y("text_y"), text=alt.Text("label:N"))
    )
    titles = (
        alt.Chart(headers.assign(y=-RATIONALE_TOP / 2))
        .mark_text(fontSize=FONT_SIZE + 1, fontWeight="bold")
        .encode(x=x("mid"), y=y("y"), text=alt.Text("label:N"))
    )
    chart = alt.LayerChart(
        layer=[lines, actions, boxes, labels, titles],
        resolve=_independent("color"),
        width=width,
        height=height,
        title=alt.Title(
            "The rationale: what each drug acts on, and what follows",
            subtitle=_wrap("Colour: drug. Line: what each step rests on.", width),
        ),
    )
    return _finish(chart, view=alt.ViewConfig(stroke=None))


def _routed(
    edges: pd.DataFrame, nodes: pd.DataFrame, per_column: float, y_per_point: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The edges as drawn, and where each drug's action on its target is written.

    Each drug-to-target edge leaves its drug's box a little apart from the
    drug's other edges (so that they fan out instead of meeting in a knot),
    and ends in a level stretch into its target's box, its action written
    just above that stretch (below, for the lower of two drugs reaching one
    box): so each action is beside its own edge, its long side along the
    line, and nowhere near another drug's or another target's line. Returns
    the edges (each drug-to-target edge as two rules: the slant and the
    level stretch) and the drug-to-target edges with ``text_x`` (the right
    end of the action's text) and ``text_y`` (its middle), in the chart's units.
    """
    # Each box's middle, top and bottom, by its column's kind and its name.
    boxes = {
        (str(kind), str(name)): (float(y), float(top), float(bottom))
        for kind, name, y, top, bottom in nodes[["kind", "name", "y", "top", "bottom"]].itertuples(index=False)
    }
    first = edges[edges["action"] != "leads to"].copy()
    size = FONT_SIZE - 1
    level = (max(text_width(str(a), size) for a in first["action"]) + 3 * ACTION_GAP) / per_column if len(first) else 0
    line = size * LINE_HEIGHT * y_per_point

    def spread(group: pd.DataFrame, box: tuple[float, float, float], by: str) -> pd.Series:
        """Ports for ``group``'s edges on ``box``'s side, in the order of their other ends, at most PORT_GAP
        points apart within the box's middle two thirds."""
        middle, top, bottom = box
        if len(group) < 2:
            return pd.Series(middle, index=group.index)
        step = min(PORT_GAP * y_per_point, (bottom - top) * 2 / 3 / (len(group) - 1))
        order = group.sort_values(by).index
        return middle + (pd.Series(range(len(group)), index=order) - (len(group) - 1) / 2) * step

    for drug, own in first.groupby("drug"):
        first.loc[own.index, "y"] = spread(own, boxes[("drug", str(drug))], "y2")
    for target, reaching in first.groupby("target_node"):
        ports = spread(reaching, boxes[("target", str(target))], "y")
        first.loc[reaching.index, "y2"] = ports
        # The lower of two drugs reaching one box has its action under its line, the others above.
        below = (ports == ports.max()) & (len(reaching) > 1)
        first.loc[reaching.index, "text_y"] = ports + below.map({True: 1, False: -1}) * (
            line / 2 + ACTION_GAP * y_per_point
        )
    first["bend"] = first["x2"] - level
    first["text_x"] = first["x2"] - ACTION_GAP / per_column
    slants = first.assign(x2=first["bend"], y2=first["y2"])
    levels = first.assign(x=first["bend"], y=first["y2"])
    drawn = pd.concat([slants, levels, edges[edges["action"] == "leads to"]], ignore_index=True)
    return drawn[edges.columns], first


def _darker(colour: str, keep: float = 0.6) -> str:
    """``colour`` (``#rrggbb``) darkened towards black, ``keep`` of each channel kept."""
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c * keep):02x}" for c in channels)
