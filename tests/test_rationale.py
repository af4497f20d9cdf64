"""The paper's rationale (its Figure 1) as data: the graph, where the drugs meet, and its chart."""

from __future__ import annotations

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
