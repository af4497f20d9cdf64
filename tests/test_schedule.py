"""Property tests of the schedule expansion: what any regimen rule must give."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import casereport
from casereport.data.dates import CaseDate, parse_date
from casereport.data.schedule import expand_regimen

from .conftest import CASES, SEED


@st.composite
def cyclic_rules(draw):
    length = draw(st.integers(min_value=1, max_value=42))
    days = draw(st.lists(st.integers(1, length), min_size=1, max_size=length, unique=True))
    return {
        "id": "r",
        "drug": "drug",
        "dose": 10.0,
        "dose_unit": "mg",
        "route": "oral",
        "schedule_kind": "cyclic",
        "cycle_length_days": length,
        "dose_days": tuple(days),
    }


@st.composite
def case_dates(draw, after: date | None = None):
    day = draw(st.dates(min_value=after or date(2000, 1, 1), max_value=(after or date(2000, 1, 1)) + timedelta(400)))
    precision = draw(st.sampled_from(["day", "month"]))
    return parse_date(day.isoformat() if precision == "day" else day.strftime("%Y-%m"))


@st.composite
def courses(draw):
    start = draw(case_dates())
    stop = draw(case_dates(after=start.earliest))
    return start, stop


def expand(rule, start: CaseDate, stop: CaseDate, *, end_is_stop: bool = True):
    return expand_regimen(rule, start=start, end=stop, end_is_stop=end_is_stop, anchor="start", anchor_offset=0)


@given(cyclic_rules(), courses())
def test_no_dose_after_the_stop(rule, course):
    start, stop = course
    doses = expand(rule, start, stop)
    assert (doses["date_earliest"].dt.date < stop.latest).all()
    # No possible dose reaches past the last day the stop may mean (a May stop: nothing dated June).
    assert (doses["date_latest"].dt.date < stop.latest).all()
    assert (doses["date_earliest"] <= doses["date_latest"]).all()
    certain = doses[doses["certainty"] == "certain"]
    assert (certain["date_latest"].dt.date < stop.earliest).all()


def test_seed_panobinostat_doses_end_in_may():
    doses = casereport.load_case(CASES[SEED]).administrations
    panobinostat = doses[doses["regimen"] == "panobinostat"]
    assert panobinostat["date_latest"].max() <= pd.Timestamp("2010-05-31")
    assert (panobinostat["certainty"] == "possible").any()


@given(cyclic_rules(), courses())
def test_no_dose_on_a_rest_day(rule, course):
    doses = expand(rule, *course)
    assert set(doses["day_in_cycle"]) <= set(rule["dose_days"])
    offset_in_cycle = (doses["regimen_day"] - 1) % rule["cycle_length_days"] + 1
    assert (offset_in_cycle == doses["day_in_cycle"]).all()


@given(cyclic_rules(), courses())
def test_count_per_cycle_is_the_rule(rule, course):
    doses = expand(rule, *course)
    if doses.empty:
        return
    per_cycle = doses.groupby("cycle").size()
    complete = per_cycle.iloc[:-1]
    assert (complete == len(rule["dose_days"])).all()
    assert per_cycle.iloc[-1] <= len(rule["dose_days"])
    assert list(per_cycle.index) == list(range(1, len(per_cycle) + 1))


@given(cyclic_rules(), courses())
def test_every_possible_dose_day_is_listed(rule, course):
    """Nothing is dropped: each dose day that may precede the stop is a row."""
    start, stop = course
    doses = expand(rule, start, stop)
    limit = (stop.latest - start.earliest).days
    expected = sum(
        1
        for cycle in range(limit // rule["cycle_length_days"] + 1)
        for day in rule["dose_days"]
        if cycle * rule["cycle_length_days"] + day - 1 < limit
    )
    assert len(doses) == expected


@given(courses())
def test_continuous_regimen_doses_every_day_to_the_end(course):
    start, end = course
    rule = {
        "id": "c",
        "drug": "drug",
        "dose": 800.0,
        "dose_unit": "mg",
        "route": "oral",
        "schedule_kind": "continuous",
        "cycle_length_days": None,
        "dose_days": None,
    }
    doses = expand(rule, start, end, end_is_stop=False)
    assert list(doses["regimen_day"]) == list(range(1, len(doses) + 1))
    assert doses["cycle"].isna().all()
    # Still running at the end of observation: the last possible day is a dose day.
    assert doses["date_earliest"].iloc[-1].date() == end.latest
