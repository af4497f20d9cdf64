"""What a range of the course holds: per-analyte values and on-treatment grades, and the planned doses.

The dashboard asks this of the range a clinician brushes on the timeline.
Records are placed where the charts draw them (``x``: the middle of the
day or month the paper gives), so the summary agrees with what is on screen.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from casereport.data.case import Case
from casereport.derive.grading import grade_labs
from casereport.derive.tables import dimensions_text, format_when, lesions_text, when_text
from casereport.derive.timeline import Axis, positions

LAB_SUMMARY_COLUMNS = [
    "analyte",
    "unit",
    "values",
    "first",
    "first_when",
    "last",
    "last_when",
    "lowest",
    "highest",
    "worst_grade",
    "illustrative_values",
]
DOSE_SUMMARY_COLUMNS = ["drug", "planned_at_most", "planned_possible", "cycles", "first_when", "last_when", "note"]
PLANNED_NOTE = "planned by the regimen rule, not confirmed as given: the paper reports no holds or reductions"
ILLUSTRATIVE_END_NOTE = "; counted to the end of observation, whose date is illustrative"


def _position(value: object, axis: Axis) -> pd.Timestamp | float:
    """A bound of a range on ``axis``: a date on the calendar axis, a number of days on the relative one."""
    if axis == "calendar" and isinstance(value, date | np.datetime64 | str | int | float):
        return pd.Timestamp(value)
    if axis == "relative" and isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    raise TypeError(f"{value!r} is not a position on the {axis} axis")


def _within(case: Case, frame: pd.DataFrame, start: object, end: object, axis: Axis) -> pd.DataFrame:
    at = positions(case, frame, axis)
    bounds = _position(start, axis), _position(end, axis)
    low, high = min(bounds), max(bounds)
    return frame[(at >= low) & (at <= high)]


def lab_summary(case: Case, start: object, end: object, *, axis: Axis = "calendar") -> pd.DataFrame:
    """Per analyte in the range: first, last, lowest and highest value, and the worst CTCAE v5.0 grade on treatment.

    Values before the first dose are the baseline and are not graded; a date
    the paper does not give is marked (``date illustrative``).
    """
    labs = _within(case, grade_labs(case), start, end, axis).sort_values("date_earliest", kind="stable")
    rows = []
    for _, values in labs.groupby("loinc", sort=False):
        first, last = values.iloc[0], values.iloc[-1]
        grades = values["ctcae_grade"].dropna()
        rows.append(
            {
                "analyte": first["analyte"],
                "unit": first["unit"],
                "values": len(values),
                "first": first["value"],
                "first_when": when_text(first),
                "last": last["value"],
                "last_when": when_text(last),
                "lowest": values["value"].min(),
                "highest": values["value"].max(),
                "worst_grade": int(grades.max()) if not grades.empty else None,
                "illustrative_values": int((values["provenance"] == "illustrative").sum()),
            }
        )
    out = pd.DataFrame(rows, columns=LAB_SUMMARY_COLUMNS)
    out["worst_grade"] = out["worst_grade"].astype("Int64")
    return out


def dose_summary(case: Case, start: object, end: object, *, axis: Axis = "calendar") -> pd.DataFrame:
    """Per drug in the range: planned doses (at most), how many of them only possibly fell before a stop, cycles.

    Doses come from the regimen rule: they are what was planned, not what
    was taken. ``planned_at_most`` counts every dose day that may fall in the
    range; ``planned_possible`` those of them near a stop known only to the
    month; ``note`` says so, and says when the count runs to an end of
    observation whose date is illustrative.
    """
    doses = _within(case, case.administrations, start, end, axis)
    everything = case.administrations
    rows = []
    for drug, planned in doses.groupby("drug", sort=False):
        cycles = sorted(int(c) for c in planned["cycle"].dropna().unique())
        note = PLANNED_NOTE
        last = everything[everything["drug"] == drug]["regimen_day"].max()
        if (planned["end_date_provenance"] == "illustrative").any() and planned["regimen_day"].max() == last:
            note += ILLUSTRATIVE_END_NOTE
        rows.append(
            {
                "drug": drug,
                "planned_at_most": len(planned),
                "planned_possible": int((planned["certainty"] == "possible").sum()),
                "cycles": cycles,
                "first_when": format_when(planned["date_earliest"].min(), planned["date_earliest"].min()),
                "last_when": format_when(planned["date_latest"].max(), planned["date_latest"].max()),
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=DOSE_SUMMARY_COLUMNS)


def staging_findings(case: Case, staging: str) -> pd.DataFrame:
    """One staging's findings as the paper gives them; ``KeyError`` naming the staging if it has none."""
    event = case.event(staging)
    if event["kind"] != "staging":
        raise KeyError(f"event '{staging}' is a {event['kind']}, not a staging")
    findings = case.findings[case.findings["staging"] == staging]
    return pd.DataFrame(
        {
            "modality": findings["modality"],
            "site": findings["site"],
            "dimensions": dimensions_text(findings),
            "lesions": lesions_text(findings),
            "necrosis": findings["necrosis"].fillna(""),
            "change": findings["change"],
            "finding": findings["description"],
            "provenance": findings["provenance"],
            "paper's words": findings["quote"].fillna(""),
        }
    )
