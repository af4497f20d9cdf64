"""Time on the case's own axis: days since a reference event, and cycles.

Two dates that hang from the same event by stated offsets (a staging "6 weeks
after treatment start") are an exact number of days apart even when that
event is known only to the month. Other pairs give a range of days.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from casereport.data.case import Case
from casereport.derive.memo import per_case
from casereport.exceptions import ParameterError

Axis = Literal["calendar", "relative"]
AXES: tuple[Axis, ...] = ("calendar", "relative")


def _reference(case: Case, reference: str | None) -> pd.Series:
    return case.event(reference or case.reference_event)


def relative_days(case: Case, frame: pd.DataFrame, *, reference: str | None = None) -> pd.DataFrame:
    """``frame`` with ``day_earliest`` and ``day_latest``: days since ``reference``.

    ``reference`` is an event id, the case's reference event by default (for
    the seed case, the start of sorafenib). A date that is exactly known
    relative to the reference gives equal bounds.
    """
    ref = _reference(case, reference)
    same_chain = frame["anchor"] == ref["anchor"]
    exact = frame["anchor_offset_days"] - ref["anchor_offset_days"]
    earliest = (frame["date_earliest"] - ref["date_latest"]).dt.days
    latest = (frame["date_latest"] - ref["date_earliest"]).dt.days
    out = frame.copy()
    out["day_earliest"] = np.where(same_chain, exact, earliest).astype(int)
    out["day_latest"] = np.where(same_chain, exact, latest).astype(int)
    return out


def days_since(case: Case, event: str, *, reference: str) -> tuple[int, int]:
    """The days from the event ``reference`` to ``event``: earliest and latest, equal when exactly known.

    ``KeyError`` naming the event when the case has none by that id.
    """
    days = _event_days(case, reference)
    if event not in days:
        raise KeyError(f"case '{case.case_id}' has no event '{event}'")
    return days[event]


@per_case
def _event_days(case: Case, reference: str) -> dict[str, tuple[int, int]]:
    """Every event's days since ``reference``, worked out at once: the audit and the report ask of one event
    after another (fifty times for the seed case), and pandas takes as long for one row as for all."""
    days = relative_days(case, case.events, reference=reference)
    # Event ids are unique in a loaded case (validation refuses a repeated one).
    return {
        event: (int(earliest), int(latest))
        for event, earliest, latest in zip(days["id"], days["day_earliest"], days["day_latest"], strict=True)
    }


def cycle_of(case: Case, frame: pd.DataFrame, *, regimen: str) -> pd.DataFrame:
    """``frame`` with ``cycle_earliest`` and ``cycle_latest`` of a cyclic ``regimen``.

    A date before the regimen's start, or after its last possible cycle, has
    no cycle (``<NA>``); a range of dates may fall in a range of cycles.
    """
    row = case.regimen(regimen)
    if row["schedule_kind"] != "cyclic":
        raise ValueError(f"regimen '{regimen}' has no cycles (it is {row['schedule_kind']})")
    length = int(row["cycle_length_days"])
    last_cycle = case.administrations.loc[case.administrations["regimen"] == regimen, "cycle"].max()
    days = relative_days(case, frame, reference=row["start"])
    out = frame.copy()
    for bound in ("earliest", "latest"):
        elapsed = days[f"day_{bound}"]
        cycle = (elapsed // length + 1).astype("Int64")
        out[f"cycle_{bound}"] = cycle.where((elapsed >= 0) & (cycle <= last_cycle))
    return out


def check_axis(axis: object) -> None:
    """Raise :class:`ParameterError` (``axis``) unless ``axis`` is one of :data:`AXES`."""
    if axis not in AXES:
        raise ParameterError("axis", f"{axis!r} is not an axis; choose {' or '.join(AXES)}")


def placed(case: Case, frame: pd.DataFrame, axis: Axis) -> pd.DataFrame:
    """``frame`` with its relative days and ``x_start``, ``x_end`` and ``x`` (the middle) on the chosen axis.

    The one place records are put on an axis: the charts draw them there and
    the summary of a brushed range selects them by the same ``x``.
    """
    check_axis(axis)  # a misspelt axis would otherwise be drawn as days since the reference, unasked
    out = relative_days(case, frame)
    if axis == "calendar":
        out["x_start"] = out["date_earliest"]
        out["x_end"] = out["date_latest"] + pd.Timedelta(days=1)
        out["x"] = out["date_earliest"] + (out["x_end"] - out["date_earliest"]) / 2
    else:
        out["x_start"] = out["day_earliest"].astype(float)
        out["x_end"] = out["day_latest"].astype(float) + 1
        out["x"] = (out["x_start"] + out["x_end"]) / 2
    return out


# Days a record's date may span and still be drawn at its middle, as a day is: a month. A wider one (a year) is
# drawn across its span, as where in it the paper does not say.
SPAN_DRAWN_DAYS = 31


def spans_drawn(frame: pd.DataFrame) -> pd.Series:
    """Whether each record's date spans more than a month (:data:`SPAN_DRAWN_DAYS`): a year, a season."""
    return (frame["date_latest"] - frame["date_earliest"]).dt.days + 1 > SPAN_DRAWN_DAYS


def positions(case: Case, frame: pd.DataFrame, axis: Axis) -> pd.Series:
    """Where each record sits on the chosen axis: the middle of its day or month, or of its days since reference."""
    return placed(case, frame, axis)["x"]
