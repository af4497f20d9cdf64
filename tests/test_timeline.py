"""Relative days and cycles keep the precision of the dates."""

from __future__ import annotations

import pandas as pd
import pytest

import casereport
from casereport.derive.timeline import days_since

from .conftest import CASES, SEED, SYNTHETIC


def test_reference_event_is_day_zero(case_dir):
    case = casereport.load_case(case_dir)
    days = casereport.relative_days(case, case.events).set_index("id")
    assert days.loc[case.reference_event, ["day_earliest", "day_latest"]].tolist() == [0, 0]


def test_offset_from_a_month_precise_event_is_exact():
    case = casereport.load_case(CASES[SEED])
    days = casereport.relative_days(case, case.events).set_index("id")
    offset = case.event("staging_sorafenib_6w")["offset_days"]
    assert days.loc["staging_sorafenib_6w", ["day_earliest", "day_latest"]].tolist() == [offset, offset]


def test_month_precise_dates_give_ranges():
    case = casereport.load_case(CASES[SEED])
    days = casereport.relative_days(case, case.events).set_index("id")
    start, january = case.event("sorafenib_start"), case.event("staging_2010_01")
    assert days.at["staging_2010_01", "day_earliest"] == (january["date_earliest"] - start["date_latest"]).days
    assert days.at["staging_2010_01", "day_latest"] == (january["date_latest"] - start["date_earliest"]).days
    assert days.at["staging_2010_01", "day_earliest"] < days.at["staging_2010_01", "day_latest"]


def test_other_reference_event():
    case = casereport.load_case(CASES[SYNTHETIC])
    days = casereport.relative_days(case, case.events, reference="diagnosis").set_index("id")
    expected = (case.event("baseline_ct")["date_earliest"] - case.event("diagnosis")["date_earliest"]).days
    assert days.at["baseline_ct", "day_earliest"] == days.at["baseline_ct", "day_latest"] == expected


def test_cycle_of_day_precise_events():
    case = casereport.load_case(CASES[SYNTHETIC])
    regimen = case.regimen("gemcitabine")
    cycles = casereport.cycle_of(case, case.events, regimen="gemcitabine").set_index("id")
    start = case.event(regimen["start"])["date_earliest"]
    for event_id, row in cycles.iterrows():
        elapsed = (case.event(event_id)["date_earliest"] - start).days
        last = case.administrations["cycle"].max()
        expected = elapsed // regimen["cycle_length_days"] + 1
        if elapsed < 0 or expected > last:
            assert pd.isna(row["cycle_earliest"]), event_id
        else:
            assert row["cycle_earliest"] == row["cycle_latest"] == expected, event_id


def test_administrations_relative_to_their_own_start_are_exact(case_dir):
    case = casereport.load_case(case_dir)
    for regimen_id, start in case.regimens.set_index("id")["start"].items():
        doses = case.administrations[case.administrations["regimen"] == regimen_id]
        days = casereport.relative_days(case, doses, reference=start)
        assert (days["day_earliest"] == days["regimen_day"] - 1).all()
        assert (days["day_latest"] == days["regimen_day"] - 1).all()


def test_days_since_an_event_are_each_events_own_relative_days(case_dir):
    """days_since answers from every event's days worked out at once: for each pair of events it gives what
    relative_days gives for that one event's row, and an unknown event is a KeyError naming it."""
    case = casereport.load_case(case_dir)
    ids = list(case.events["id"])
    for reference in ids:
        for event in ids:
            row = casereport.relative_days(case, case.events[case.events["id"] == event], reference=reference)
            expected = (int(row["day_earliest"].iloc[0]), int(row["day_latest"].iloc[0]))
            assert days_since(case, event, reference=reference) == expected, (reference, event)
    with pytest.raises(KeyError, match="has no event 'no_such_event'"):
        days_since(case, "no_such_event", reference=ids[0])
