"""The case as it stood at each of its events: nothing later leaks into tables or charts."""

from __future__ import annotations

import pandas as pd
import pytest
import vl_convert as vlc

import casereport
from casereport import charts
from casereport.derive.reveal import NOT_YET_KNOWN, case_steps, reveal_case
from casereport.exceptions import ParameterError

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


def _said_later(case, shown):
    """What only events after ``shown`` tell: their labels and quotes, and adverse event outcomes and actions known at them.

    Words also said of an adverse event whose outcome is known by now ("none stated") are left out.
    """
    later = case.events.loc[~case.events["id"].isin(shown.events["id"])]
    ae = case.adverse_events
    known_later = ae[ae["outcome_known_at"].isin(later["id"])]
    known_now = ae[ae["id"].isin(shown.adverse_events["id"]) & ~ae["outcome_known_at"].isin(later["id"])]
    said_now = {t.casefold() for t in (*known_now["outcome"].dropna(), *known_now["action"].dropna())}
    texts = [
        *later["label"],
        *later["quote"].dropna(),
        *known_later["outcome"].dropna(),
        *known_later["action"].dropna(),
    ]
    return {t.casefold() for t in texts} - said_now


@pytest.mark.parametrize(
    ("until", "withheld"),
    [
        ("staging_sorafenib_6w", "ae07"),  # "normal after three cycles of the combination", known at staging_2010_01
        ("staging_2010_04", "ae06"),  # "panobinostat stopped at the patient's request", known at panobinostat_stop
    ],
)
def test_an_adverse_event_outcome_known_only_later_is_not_yet_known(until, withheld):
    case = casereport.load_case(CASES[SEED])
    shown = reveal_case(case, until)
    events = shown.adverse_events.set_index("id")
    assert events.loc[withheld, "outcome_known_at"] not in set(shown.events["id"])
    assert list(events.loc[withheld, ["outcome", "action"]]) == [NOT_YET_KNOWN, NOT_YET_KNOWN]
    # The rows stay, kept by date as before.
    by_date = case.adverse_events[case.adverse_events["date_earliest"] <= case.event(until)["date_latest"]]
    assert list(shown.adverse_events["id"]) == list(by_date["id"])
    said_later = _said_later(case, shown)
    assert said_later
    for column in ("outcome", "action"):
        for text in shown.adverse_events[column].dropna():
            assert not [s for s in said_later if s in text.casefold()], (until, withheld, column, text)


def test_an_adverse_event_outcome_shows_from_the_event_it_is_known_at(case_dir):
    case = casereport.load_case(case_dir)
    original = case.adverse_events.set_index("id")
    for _, step in _revealable(case).iterrows():
        shown = reveal_case(case, step["id"])
        seen = set(shown.events["id"])
        for _, ae in shown.adverse_events.iterrows():
            known_at = ae["outcome_known_at"]
            for column in ("outcome", "action"):
                if pd.notna(known_at) and known_at not in seen:
                    assert ae[column] == NOT_YET_KNOWN, (step["id"], ae["id"], column)
                else:
                    before = original.loc[ae["id"], column]
                    assert ae[column] == before or (pd.isna(ae[column]) and pd.isna(before)), (step["id"], ae["id"])
    assert reveal_case(case, _revealable(case)["id"].iloc[-1]).adverse_events.equals(case.adverse_events)


def test_a_revealed_case_names_no_event_it_does_not_have(case_dir):
    case = casereport.load_case(case_dir)
    for _, step in _revealable(case).iterrows():
        shown = reveal_case(case, step["id"])
        ids = set(shown.events["id"])
        assert {shown.reference_event, shown.observation_end} <= ids, step["id"]
        assert set(shown.regimens["start"]) | set(shown.regimens["stop"].dropna()) <= ids, step["id"]
    last = _revealable(case)["id"].iloc[-1]
    assert reveal_case(case, last).observation_end == case.observation_end
