"""The paper's rationale (its Figure 1) as data: the graph, where the drugs meet, and its chart."""

from __future__ import annotations

import re

import vl_convert as vlc

import casereport
from casereport.charts import rationale_chart
from casereport.derive.rationale import rationale_graph, shared_targets
from casereport.derive.reveal import reveal_case

from .conftest import CASES, SEED


def test_every_mechanism_is_an_edge_from_its_drug_and_on_to_its_outcome(case_dir):
    case = casereport.load_case(case_dir)
    nodes, edges = rationale_graph(case)
    for _, m in case.mechanisms.iterrows():
        first = edges[(edges["source"] == m["drug"]) & (edges["target_node"] == m["target"])]
        second = edges[
            (edges["source"] == m["target"]) & (edges["target_node"] == m["outcome"]) & (edges["drug"] == m["drug"])
        ]
        assert len(first) == 1
        assert m["id"] in first["mechanisms"].iloc[0]
        assert len(second) == 1
        assert m["id"] in second["mechanisms"].iloc[0]
        assert second["evidence"].iloc[0] == m["evidence"]
    # One node per distinct name in each column, each edge joining neighbouring columns.
    for kind in ("drug", "target", "outcome"):
        assert sorted(nodes.loc[nodes["kind"] == kind, "name"]) == sorted(set(case.mechanisms[kind]))
    assert set(edges["x2"] - edges["x"]) == {1}
    assert nodes["y"].between(0, 1).all()


def test_the_seed_drugs_meet_at_the_kinases():
    case = casereport.load_case(CASES[SEED])
    shared = shared_targets(case).set_index("target")
    kinases = [t for t in shared.index if "MAPK" in t]
    assert kinases, shared
    assert shared.loc[kinases[0], "drugs"] == ["panobinostat", "sorafenib"]
    # Each drug's own rows agree with the table it was derived from.
    for target, row in shared.iterrows():
        acting = case.mechanisms.loc[case.mechanisms["target"] == target, "drug"]
        assert sorted(set(acting)) == row["drugs"]


def test_a_drug_not_yet_started_has_no_rationale_yet():
    case = casereport.load_case(CASES[SEED])
    before = reveal_case(case, "staging_sorafenib_6w")
    assert set(before.mechanisms["drug"]) == {"sorafenib"}
    assert shared_targets(before).empty
    after = reveal_case(case, "panobinostat_start")
    assert set(after.mechanisms["drug"]) == {"sorafenib", "panobinostat"}


def test_the_chart_draws_every_node_and_keeps_each_drugs_colour(case_dir):
    case = casereport.load_case(case_dir)
    spec = rationale_chart(case).to_dict()
    svg = vlc.vegalite_to_svg(spec)
    nodes, _ = rationale_graph(case)
    for name in nodes["name"]:
        assert name.split()[0] in svg, name
    colours = {
        tuple(layer["encoding"]["color"]["scale"]["domain"])
        for layer in spec["layer"]
        if "color" in layer.get("encoding", {})
    }
    assert colours == {tuple(d for d in dict.fromkeys(case.regimens["drug"]) if d in set(case.mechanisms["drug"]))}


def test_established_steps_are_solid_lines(case_dir):
    """A dash pattern of [1, 0] printed as a zipper of 1 pt dashes: an established step has no dash at all."""
    spec = rationale_chart(casereport.load_case(case_dir)).to_dict()
    [dashes] = [
        layer["encoding"]["strokeDash"]["scale"] for layer in spec["layer"] if "strokeDash" in layer["encoding"]
    ]
    assert dict(zip(dashes["domain"], dashes["range"], strict=True))["established"] == []
    svg = vlc.vegalite_to_svg(spec)
    assert 'stroke-dasharray="1,0"' not in svg


def test_each_action_is_written_beside_its_own_edge(case_dir):
    """Each drug's edge ends level into the box it acts on, its action along that stretch, nearer it than any
    other edge's (the seed's fan of panobinostat edges left an "inhibits" between two lines)."""
    case = casereport.load_case(case_dir)
    spec = rationale_chart(case).to_dict()
    rows = [row for rows in spec["datasets"].values() for row in rows]
    actions = [row for row in rows if "text_x" in row]
    assert sorted(a["action"] for a in actions) == sorted(case.mechanisms.groupby(["drug", "target"])["action"].first())
    for action in actions:
        # The text ends just before the box, on the level stretch from the bend to the box.
        assert action["bend"] < action["text_x"] < action["x2"]
        nearest = min(actions, key=lambda other: abs(action["text_y"] - other["y2"]))
        assert nearest is action, (action["drug"], action["target_node"])
    levels = [row for row in rows if row.get("y") == row.get("y2") and row.get("action") != "leads to"]
    assert len(levels) == len(actions)


def test_the_legend_titles_stand_level_with_their_entries():
    svg = vlc.vegalite_to_svg(rationale_chart(casereport.load_case(CASES[SEED])).to_dict())
    for title in ("Rests on", "Drug"):
        legend = svg[svg.find(f"Symbol legend titled '{title}'") :]
        legend = legend[: legend.find('aria-roledescription="legend"', 10)]
        label = re.search(r"role-legend-label.*?translate\([\d.-]+,([\d.-]+)\)", legend)
        heading = re.search(r"role-legend-title.*?translate\([\d.-]+,([\d.-]+)\)", legend)
        assert label
        assert heading
        assert abs(float(label.group(1)) - float(heading.group(1))) <= 1, title
