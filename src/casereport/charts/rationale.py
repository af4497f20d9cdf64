"""The rationale of a combination (the seed paper's Figure 1): drugs, what they act on, what follows."""

from __future__ import annotations

import altair as alt
import pandas as pd

from casereport.charts.style import FONT_SIZE, _finish, _palette_colour, _wrap
from casereport.data.case import Case
from casereport.derive.rationale import COLUMN_TITLES, COLUMNS, rationale_drugs, rationale_graph

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
