"""What a range of the course holds: per-analyte values and grades, and the doses given.

The dashboard asks this of the range a clinician brushes on the timeline.
Records are placed where the charts draw them (``x``: the middle of the
day or month the paper gives), so the summary agrees with what is on screen.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from .case import Case
from .grading import grade_labs
from .tables import format_when
from .timeline import relative_days

Axis = Literal["calendar", "relative"]

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
DOSE_SUMMARY_COLUMNS = ["drug", "doses_certain", "doses_possible", "cycles", "first_when", "last_when"]


def placed(case: Case, frame: pd.DataFrame, axis: Axis) -> pd.DataFrame:
    """``frame`` with its relative days and ``x_start``, ``x_end`` and ``x`` (the middle) on the chosen axis.

    The one place records are put on an axis: the charts draw them there and
    the summary of a brushed range selects them by the same ``x``.
    """
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


def positions(case: Case, frame: pd.DataFrame, axis: Axis) -> pd.Series:
    """Where each record sits on the chosen axis: the middle of its day or month, or of its days since reference."""
    return placed(case, frame, axis)["x"]


def _within(case: Case, frame: pd.DataFrame, start: object, end: object, axis: Axis) -> pd.DataFrame:
    at = positions(case, frame, axis)
    if axis == "calendar":
        start, end = pd.Timestamp(start), pd.Timestamp(end)
    low, high = min(start, end), max(start, end)
    return frame[(at >= low) & (at <= high)]


def lab_summary(case: Case, start: object, end: object, *, axis: Axis = "calendar") -> pd.DataFrame:
    """Per analyte in the range: first, last, lowest and highest value, and the worst CTCAE v5.0 grade."""
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
                "first_when": format_when(first["date_earliest"], first["date_latest"]),
                "last": last["value"],
                "last_when": format_when(last["date_earliest"], last["date_latest"]),
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
    """Per drug in the range: doses surely given, doses possibly given, and the cycles they belong to."""
    doses = _within(case, case.administrations, start, end, axis)
    rows = []
    for drug, given in doses.groupby("drug", sort=False):
        cycles = sorted(int(c) for c in given["cycle"].dropna().unique())
        rows.append(
            {
                "drug": drug,
                "doses_certain": int((given["certainty"] == "certain").sum()),
                "doses_possible": int((given["certainty"] == "possible").sum()),
                "cycles": cycles,
                "first_when": format_when(given["date_earliest"].min(), given["date_earliest"].min()),
                "last_when": format_when(given["date_latest"].max(), given["date_latest"].max()),
            }
        )
    return pd.DataFrame(rows, columns=DOSE_SUMMARY_COLUMNS)


def staging_findings(case: Case, staging: str) -> pd.DataFrame:
    """One staging's findings as the paper gives them; ``KeyError`` naming the staging if it has none."""
    event = case.event(staging)
    if event["kind"] != "staging":
        raise KeyError(f"event '{staging}' is a {event['kind']}, not a staging")
    findings = case.findings[case.findings["staging"] == staging]
    dims = findings[["dim1_mm", "dim2_mm", "dim3_mm"]]
    return pd.DataFrame(
        {
            "modality": findings["modality"],
            "site": findings["site"],
            "dimensions": dims.apply(
                lambda r: " \u00d7 ".join(f"{v:g}" for v in r.dropna()) + " mm" if r.notna().any() else "", axis=1
            ),
            "lesions": findings["lesion_count"].map(lambda n: "" if pd.isna(n) else f"{n:g}"),
            "necrosis": findings["necrosis"].fillna(""),
            "change": findings["change"],
            "finding": findings["description"],
            "provenance": findings["provenance"],
            "paper's words": findings["quote"].fillna(""),
        }
    )
