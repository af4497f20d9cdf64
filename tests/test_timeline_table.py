"""The report's and the dashboard's timeline table marks a date the paper does not give, as every other table does."""

from __future__ import annotations

import casereport
from casereport.derive.tables import timeline_table

from .conftest import CASES, SEED


def test_an_illustrative_date_is_marked_in_the_timeline_table():
    case = casereport.load_case(CASES[SEED])
    table = timeline_table(case).set_index("event")
    end = case.event("end_of_observation")
    assert end["date_provenance"] == "illustrative"
    assert table.loc[end["label"], "when"].endswith("(date illustrative)")
    # A stated date is not marked.
    for _, event in case.events[case.events["date_provenance"] == "reported"].iterrows():
        assert "(date" not in table.loc[event["label"], "when"]
