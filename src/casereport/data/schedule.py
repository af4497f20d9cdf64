"""Expanding a regimen rule into its planned administrations, one row per dose day.

These are *planned* doses: the rule says when a dose was due, not that it was
taken (a paper seldom reports holds or reductions). When the start or the end
of a regimen is known only to the month, the dose days are still exact
relative to the start (day 4 of cycle 2 is day 25), but their calendar dates
are ranges, and doses near an uncertain stop may or may not have been due
before it. Those rows say ``certainty == "possible"`` rather than being dropped
or asserted, and no dose's date reaches past the last day the stop may mean.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd

from casereport.data.dates import CaseDate

ADMINISTRATION_COLUMNS = [
    "regimen",
    "drug",
    "dose",
    "dose_unit",
    "route",
    "cycle",
    "day_in_cycle",
    "regimen_day",
    "date_earliest",
    "date_latest",
    "precision",
    "anchor",
    "anchor_offset_days",
    "certainty",
    "end_date_provenance",
    "provenance",
    "rule",
]


def dose_offsets(
    schedule_kind: str, cycle_length_days: int | None, dose_days: tuple[int, ...] | None, limit: int
) -> Iterator[tuple[int, int | None, int | None]]:
    """Yield ``(offset, cycle, day_in_cycle)`` for every dose day with offset < ``limit``.

    The offset counts days from the regimen's start (0 is its first day).
    A continuous regimen has one dose a day and no cycles.
    """
    if schedule_kind == "continuous":
        for offset in range(max(limit, 0)):
            yield offset, None, None
        return
    assert cycle_length_days is not None
    assert dose_days is not None
    days = sorted(dose_days)
    cycle = 1
    while (cycle - 1) * cycle_length_days < limit:
        for day in days:
            offset = (cycle - 1) * cycle_length_days + day - 1
            if offset < limit:
                yield offset, cycle, day
        cycle += 1


def expand_regimen(
    regimen: Mapping[str, Any],
    *,
    start: CaseDate,
    end: CaseDate,
    end_is_stop: bool,
    anchor: str,
    anchor_offset: int,
    end_date_provenance: str = "reported",
) -> pd.DataFrame:
    """The planned administrations of one regimen between its start and its end.

    ``end_is_stop``: the regimen was stopped on ``end`` (no dose that day);
    otherwise it was still running at ``end`` (the end of observation), so
    ``end`` itself is a dose day. ``end_date_provenance`` says how sure the
    end's date is; counts up to an illustrative end are illustrative too.
    """
    inclusive = 0 if end_is_stop else 1
    # The last day a dose may fall on, whatever day the dates mean.
    last_day = pd.Timestamp(end.latest) - pd.Timedelta(days=1 - inclusive)
    # Offsets below `surely` fall before the end whatever day the dates mean;
    # offsets below `possibly` may fall before it.
    surely = (end.earliest - start.latest).days + inclusive
    possibly = (end.latest - start.earliest).days + inclusive
    rule = _describe(regimen)
    rows = []
    for offset, cycle, day in dose_offsets(
        regimen["schedule_kind"], regimen["cycle_length_days"], regimen["dose_days"], possibly
    ):
        date = start.shifted(offset)
        rows.append(
            {
                "regimen": regimen["id"],
                "drug": regimen["drug"],
                "dose": regimen["dose"],
                "dose_unit": regimen["dose_unit"],
                "route": regimen["route"],
                "cycle": cycle,
                "day_in_cycle": day,
                "regimen_day": offset + 1,
                "date_earliest": pd.Timestamp(date.earliest),
                "date_latest": min(pd.Timestamp(date.latest), last_day),
                "precision": date.precision,
                "anchor": anchor,
                "anchor_offset_days": anchor_offset + offset,
                "certainty": "certain" if offset < surely else "possible",
                "end_date_provenance": end_date_provenance,
                "provenance": "derived",
                "rule": rule,
            }
        )
    return administrations_frame(rows)


def administrations_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Planned doses as a frame of :data:`ADMINISTRATION_COLUMNS`, typed alike with rows or without (a case with
    no regimen has none)."""
    frame = pd.DataFrame(rows, columns=ADMINISTRATION_COLUMNS)
    for column in ("cycle", "day_in_cycle"):
        frame[column] = frame[column].astype("Int64")
    for column in ("date_earliest", "date_latest"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def _describe(regimen: Mapping[str, Any]) -> str:
    dose = f"{regimen['drug']} {regimen['dose']:g} {regimen['dose_unit']}"
    if regimen["schedule_kind"] == "continuous":
        return f"Expanded from the regimen rule: {dose} every day"
    days = ", ".join(str(d) for d in regimen["dose_days"])
    return f"Expanded from the regimen rule: {dose} on days {days} of a {regimen['cycle_length_days']}-day cycle"
