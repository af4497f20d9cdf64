"""The case as it stood at each of its events: nothing later leaks into tables or charts."""

from __future__ import annotations

import pytest
import vl_convert as vlc

import casereport
from casereport import charts
from casereport.exceptions import ParameterError
from casereport.reveal import case_steps, reveal_case

from .conftest import CASES, SEED


def _revealable(case):
    steps = case_steps(case)
    first = int(steps.loc[steps["id"] == case.reference_event, "step"].iloc[0])
    return steps[steps["step"] >= first]


def test_steps_are_every_event_in_time_order(case_dir):
    case = casereport.load_case(case_dir)
    steps = case_steps(case)
    assert sorted(steps["id"]) == sorted(case.events["id"])
    dates = case.events.set_index("id").loc[steps["id"], "date_earliest"]
    assert dates.is_monotonic_increasing
    assert list(steps["step"]) == list(range(1, len(steps) + 1))


def test_nothing_after_the_chosen_event_is_revealed(case_dir):
    case = casereport.load_case(case_dir)
    steps = case_steps(case)
    for _, step in _revealable(case).iterrows():
        shown = reveal_case(case, step["id"])
        last_day = case.event(step["id"])["date_latest"]
        later = set(steps.loc[steps["step"] > step["step"], "id"])
        assert not later & set(shown.events["id"]), step["id"]
        for table in ("events", "labs", "administrations", "adverse_events"):
            frame = getattr(shown, table)
            assert (frame["date_earliest"] <= last_day).all(), (step["id"], table)
        assert set(shown.findings["staging"]) <= set(shown.events["id"])
        stops = shown.regimens["stop"].dropna()
        assert set(stops) <= set(shown.events["id"])


def test_the_whole_case_at_its_last_event_is_the_whole_case(case_dir):
    case = casereport.load_case(case_dir)
    last = case_steps(case)["id"].iloc[-1]
    shown = reveal_case(case, last)
    assert len(shown.events) == len(case.events)
    assert len(shown.labs) == len(case.labs)
    assert reveal_case(case, None) is case


@pytest.mark.parametrize("axis", ["calendar", "relative"])
def test_every_step_still_draws(case_dir, axis):
    case = casereport.load_case(case_dir)
    for step in _revealable(case)["id"]:
        shown = reveal_case(case, step)
        spec = charts.timeline_chart(shown, axis=axis).to_dict()
        assert vlc.vegalite_to_vega(spec)["marks"]
        drawn = {row.get("id") for rows in spec["datasets"].values() for row in rows}
        assert drawn & set(case.events["id"]) <= set(shown.events["id"])


def test_a_bad_step_names_the_parameter():
    case = casereport.load_case(CASES[SEED])
    with pytest.raises(ParameterError) as raised:
        reveal_case(case, "no_such_event")
    assert raised.value.parameter == "reveal_until"
    before = case_steps(case)["id"].iloc[0]
    if before != case.reference_event:
        with pytest.raises(ParameterError, match="counted in days from"):
            reveal_case(case, before)


def test_a_statement_is_known_once_every_event_it_names_has_happened(case_dir):
    case = casereport.load_case(case_dir)
    steps = case_steps(case).set_index("id")["step"]
    revealable = _revealable(case)
    for _, step in revealable.iterrows():
        shown = reveal_case(case, step["id"])
        for _, statement in shown.statements.iterrows():
            named = statement[["at", "from", "to"]].dropna()
            assert all(steps[e] <= step["step"] for e in named), (step["id"], statement["id"])
            if named.empty:  # a maximum or a last value speaks of the whole course
                assert step["step"] == steps.max(), (step["id"], statement["id"])
    assert len(reveal_case(case, revealable["id"].iloc[-1]).statements) == len(case.statements)
