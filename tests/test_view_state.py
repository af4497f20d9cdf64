"""The dashboard's view in its address: what a link asks for, and what a damaged link gets."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casereport import load_case
from casereport.apps.dashboard import _brush_bounds
from casereport.apps.view_state import (
    ViewState,
    default_analytes,
    marker_key,
    range_from_brush,
    read_view,
    stagings_with_findings,
    view_query,
)
from casereport.data.new_case import new_case_folder
from casereport.derive.panels import shared_view_analytes

from .conftest import CASES, SEED, SYNTHETIC

CASE = load_case(CASES[SEED])
ANALYTES = shared_view_analytes(CASE)
days = st.dates(min_value=pd.Timestamp("1990-01-01").date(), max_value=pd.Timestamp("2030-12-31").date())


@st.composite
def views(draw) -> ViewState:
    axis = draw(st.sampled_from(["calendar", "relative"]))
    if draw(st.booleans()):
        bounds = (
            sorted(pd.Timestamp(draw(days)) for _ in range(2))
            if axis == "calendar"
            else sorted(draw(st.integers(-3000, 3000)) for _ in range(2))
        )
        chosen = (bounds[0], bounds[1])
    else:
        chosen = None
    return ViewState(
        axis=axis,
        range=chosen,
        staging=draw(st.none() | st.sampled_from(stagings_with_findings(CASE))),
        analytes=draw(st.none() | st.lists(st.sampled_from(ANALYTES), unique=True).map(tuple)),
        marker_scale=draw(st.sampled_from(["linear", "log"])),
    )


@settings(max_examples=200, deadline=None)
@given(views())
def test_a_view_comes_back_from_its_link(view):
    query = view_query(view, CASE)
    restored, notes = read_view(query, CASE)
    assert notes == []
    expected = view if view.analytes != default_analytes(CASE) else view.replace(analytes=None)
    if restored.analytes is None or expected.analytes is None:
        assert (restored.analytes or default_analytes(CASE)) == (expected.analytes or default_analytes(CASE))
        restored, expected = restored.replace(analytes=None), expected.replace(analytes=None)
    assert restored == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_query_gives_a_view_never_an_error(query):
    view, notes = read_view(query, CASE)
    assert view.axis in ("calendar", "relative")
    assert view.marker_scale in ("linear", "log")
    assert view.staging is None or view.staging in stagings_with_findings(CASE)
    assert all(isinstance(note, str) and note for note in notes)


def test_the_default_view_has_an_empty_query():
    assert view_query(ViewState(), CASE) == ""
    assert view_query(ViewState(), CASE, case_name=SEED) == f"case={SEED}"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("from=2010-13-01&to=2010-03-31", "not a date"),
        ("from=2010-01-01", "only one end"),
        ("from=1.5&to=3&axis=relative", "whole number of days"),
        ("from=1&to=99999999&axis=relative", "further than any course"),
        ("axis=sideways", "not one of calendar, relative"),
        ("afp=cubic", "not one of linear, log"),
        ("staging=baseline_nope", "not one of this case's stagings"),
        ("analytes=1920-8,9999-9", "9999-9"),
    ],
)
def test_a_damaged_link_is_named_and_left_out(query, words):
    view, notes = read_view(query, CASE)
    assert any(words in note for note in notes), notes
    assert view.range is None or "analytes" in query
    if "analytes" in query:
        assert view.analytes == ("1920-8",)


def test_a_brush_covers_the_whole_days_its_ends_fall_on():
    low, high = range_from_brush(pd.Timestamp("2010-01-01 13:00"), pd.Timestamp("2009-12-20 02:00"), "calendar")
    assert (low, high) == (pd.Timestamp("2009-12-20"), pd.Timestamp("2010-01-01"))
    view = ViewState(range=(low, high))
    start, end = view.range_bounds()
    assert start == pd.Timestamp("2009-12-20")
    assert end.date() == pd.Timestamp("2010-01-01").date()
    assert end > pd.Timestamp("2010-01-01 23:00")
    assert range_from_brush(12.7, -3.2, "relative") == (-4, 12)


def test_the_marker_scale_is_keyed_by_the_cases_marker(tmp_path):
    """``afp=log`` for the seed case (links sent before stay good), ``cea=log`` for a colorectal case."""
    new_case_folder(tmp_path / "cea-case")
    cases = {"afp": CASE, "cea": load_case(tmp_path / "cea-case"), "marker": load_case(CASES[SYNTHETIC])}
    for key, case in cases.items():
        assert marker_key(case) == key
        query = view_query(ViewState(marker_scale="log"), case)
        assert query == f"{key}=log"
        assert read_view(query, case) == (ViewState(marker_scale="log"), [])
    # Another case's key scales nothing here: left out, as any key a link may carry.
    assert read_view("afp=log", cases["cea"]) == (ViewState(), [])


@pytest.mark.parametrize(
    ("zone", "hour"), [("Europe/Berlin", 0), ("Pacific/Kiritimati", 6), ("America/Los_Angeles", 23)]
)
def test_a_brushed_date_is_the_date_the_browser_shows(zone, hour):
    """Vega reads the charts' dates in the browser's zone and gives the brush in milliseconds since 1970 UTC:
    each end is the date and time the visitor saw, wherever the browser is (read as UTC, a brush starting at
    midnight in Berlin began the day before, and one at 23:00 in Los Angeles the day after)."""
    seen = [pd.Timestamp(f"2009-11-03 {hour:02}:00"), pd.Timestamp(f"2010-02-11 {hour:02}:30")]
    brushed = {"x": [stamp.tz_localize(zone).value // 10**6 for stamp in seen]}
    assert _brush_bounds(brushed, "calendar", zone) == tuple(seen)
    assert _brush_bounds({"x": [12.5, 40.0]}, "relative", zone) == (12.5, 40.0)


def test_a_zone_the_machine_does_not_know_is_read_as_utc():
    assert _brush_bounds({"x": [0, 86_400_000]}, "calendar", "Nowhere/Atlantis") == (
        pd.Timestamp("1970-01-01"),
        pd.Timestamp("1970-01-02"),
    )
