"""The dashboard's view in its address: range, staging, analytes and scales, read from and written to a query.

A clinician sends a colleague "look at January to March" as a link:
``?from=2010-01-01&to=2010-03-31&staging=staging_2010_01``. The tumour
marker's scale is keyed by the case's name for its marker (``afp=log``,
``cea=log``; ``marker=log`` for a case with several). A range is whole
days, both ends included, on the calendar axis; whole days since the
reference event on the relative one. A link is a visitor's input: a value that
does not fit this case is named in a note and left out, never guessed at.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast
from urllib.parse import parse_qs, urlencode

import pandas as pd

from casereport.charts.style import SCALES, Scale
from casereport.data.case import Case
from casereport.derive.panels import analyte_slug, default_lab_view, shared_view_analytes, tumour_markers
from casereport.derive.timeline import AXES, Axis

# The query's keys, in the order a link lists them; the marker's scale comes last (``marker_key``).
KEYS = ("case", "axis", "from", "to", "staging", "analytes")
MARKERS_KEY = "marker"
# A day on the relative axis is a number of days; no course is longer than this many.
MAX_DAYS = 100 * 366

Bound = pd.Timestamp | int
DayRange = tuple[pd.Timestamp, pd.Timestamp] | tuple[int, int]


@dataclass(frozen=True)
class ViewState:
    """What a link restores: the axis, the brushed range, the staging shown, the analytes and the tumour
    markers' scale.

    ``range`` is ``None`` for the whole course; ``analytes`` ``None`` for the
    case's default (the liver enzymes when it has them).
    """

    axis: Axis = "calendar"
    range: DayRange | None = None
    staging: str | None = None
    analytes: tuple[str, ...] | None = None
    marker_scale: Scale = "linear"

    def replace(self, **changes: object) -> ViewState:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def range_bounds(self) -> tuple[object, object] | None:
        """The range as the summaries and the brush take it: the first day's start to the last day's end."""
        if self.range is None:
            return None
        low, high = self.range
        if isinstance(low, pd.Timestamp) and isinstance(high, pd.Timestamp):
            return low, high + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
        return float(low), float(high) + 0.999


def default_analytes(case: Case) -> tuple[str, ...]:
    """The analytes the lab view shows unless asked: the liver enzymes, else the first that is no tumour marker."""
    return default_lab_view(case)


def marker_key(case: Case) -> str:
    """The link's key for the tumour markers' scale: the case's name for its one marker (``afp``, ``cea``), so
    that a link says what it scales; ``marker`` when the case has several, or none."""
    markers = tumour_markers(case)
    key = analyte_slug(case, markers[0]) if len(markers) == 1 else MARKERS_KEY
    return key if key not in KEYS else MARKERS_KEY


def stagings_with_findings(case: Case) -> list[str]:
    """The stagings a clinician can open, in date order: those with findings."""
    stagings = case.events[case.events["kind"] == "staging"].sort_values("date_earliest", kind="stable")
    return [s for s in stagings["id"] if s in set(case.findings["staging"])]


def read_view(query: str | None, case: Case) -> tuple[ViewState, list[str]]:
    """The view a query asks for on ``case``, and a note for each value that does not fit (that value is left out)."""
    asked = {key: values[-1].strip() for key, values in parse_qs(query or "").items() if values}
    notes: list[str] = []
    axis = cast(Axis, _choice(asked, "axis", AXES, "calendar", notes))
    scale = cast(Scale, _choice(asked, marker_key(case), SCALES, "linear", notes))
    state = ViewState(axis=axis, marker_scale=scale, range=_range(asked, axis, notes))
    staging = asked.get("staging")
    if staging:
        if staging in stagings_with_findings(case):
            state = state.replace(staging=staging)
        else:
            notes.append(f"The link's staging '{staging}' is not one of this case's stagings; showing the latest.")
    if "analytes" in asked:
        known = shared_view_analytes(case)
        codes = [code for code in asked["analytes"].split(",") if code]
        unknown = [code for code in codes if code not in known]
        if unknown:
            notes.append(f"The link's analytes {', '.join(unknown)} have no values in this case; left out.")
        state = state.replace(analytes=tuple(code for code in codes if code in known))
    return state, notes


def view_query(state: ViewState, case: Case, *, case_name: str | None = None) -> str:
    """The query string of ``state``, listing only what differs from the case's default view."""
    values: dict[str, str] = {}
    if case_name:
        values["case"] = case_name
    if state.axis != "calendar":
        values["axis"] = state.axis
    if state.range is not None:
        values["from"], values["to"] = (_bound_text(b) for b in state.range)
    if state.staging:
        values["staging"] = state.staging
    if state.analytes is not None and state.analytes != default_analytes(case):
        values["analytes"] = ",".join(state.analytes)
    if state.marker_scale != "linear":
        values[marker_key(case)] = state.marker_scale
    return urlencode([(key, values[key]) for key in (*KEYS, marker_key(case)) if key in values], safe=",")


def range_from_brush(low: object, high: object, axis: Axis) -> DayRange:
    """Whole days covering a brushed range: the days its ends fall on (dates, or days since the reference)."""
    if axis == "calendar":
        first, last = sorted(pd.Timestamp(str(v)).normalize() for v in (low, high))
        return first, last
    start, end = sorted(int(float(str(v)) // 1) for v in (low, high))
    return start, end


def _bound_text(bound: Bound) -> str:
    return bound.strftime("%Y-%m-%d") if isinstance(bound, pd.Timestamp) else str(bound)


def _choice(asked: dict[str, str], key: str, allowed: Iterable[str], default: str, notes: list[str]) -> str:
    value = asked.get(key, default)
    if value not in tuple(allowed):
        notes.append(f"The link's {key} '{value}' is not one of {', '.join(allowed)}; using {default}.")
        return default
    return value


def _range(asked: dict[str, str], axis: Axis, notes: list[str]) -> DayRange | None:
    ends = asked.get("from"), asked.get("to")
    if not any(ends):
        return None
    if not all(ends):
        notes.append(
            "The link gives only one end of its range ('from' and 'to' go together); showing the whole course."
        )
        return None
    try:
        bounds = [_parse_bound(text, axis) for text in ends if text]
    except ValueError as err:
        notes.append(f"The link's range is not readable ({err}); showing the whole course.")
        return None
    low, high = sorted(bounds)
    return (low, high)  # type: ignore[return-value]


def _parse_bound(text: str, axis: Axis) -> Bound:
    if axis == "calendar":
        try:
            day = pd.Timestamp(text)
        except (ValueError, OverflowError) as err:
            raise ValueError(f"'{text}' is not a date as YYYY-MM-DD") from err
        if pd.isna(day) or len(text) != len("YYYY-MM-DD"):
            raise ValueError(f"'{text}' is not a date as YYYY-MM-DD")
        return day.normalize()
    try:
        days = int(text)
    except ValueError as err:
        raise ValueError(f"'{text}' is not a whole number of days") from err
    if abs(days) > MAX_DAYS:
        raise ValueError(f"{days} days is further than any course")
    return days
