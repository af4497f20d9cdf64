"""Each lab value and planned dose as a record that a page can summarise a range from, without Python.

The dashboard answers "what does this range hold?" in Python
(:func:`~casereport.derive.summary.lab_summary`, :func:`~casereport.derive.summary.dose_summary`).
A page that must work alone, such as the explorer file, does the same arithmetic in
the browser over these records. So they carry what those summaries read and no
more, placed where the charts draw them (``x``, from :func:`~casereport.derive.timeline.placed`)
and already in a reader's words (a value with its unit, a date as precise as the
paper gives it): the page only selects, counts and compares, and says nothing the
summaries would not.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from casereport.data.case import Case
from casereport.derive.grading import grade_labs
from casereport.derive.summary import ILLUSTRATIVE_END_NOTE, PLANNED_NOTE
from casereport.derive.tables import format_when, quantity_text, when_texts
from casereport.derive.timeline import Axis, placed

# How a date reaches the browser: the text Altair writes a chart's dates as, which the
# browser reads back the same way for the charts' marks and for these records.
ISO_SECONDS = "%Y-%m-%dT%H:%M:%S"
# What the page adds to a value the paper does not state: never shown as a measurement.
ILLUSTRATIVE_MARK = " (illustrative)"


def _x(frame: pd.DataFrame, case: Case, axis: Axis) -> list[str] | list[float]:
    at = placed(case, frame, axis)["x"]
    return list(at.dt.strftime(ISO_SECONDS)) if axis == "calendar" else [float(v) for v in at]


def lab_records(case: Case, *, axis: Axis = "calendar") -> list[dict[str, Any]]:
    """Every lab value in the order :func:`lab_summary` reads them: by date, each with its on-treatment grade.

    ``text`` is the value as a clinician writes it (130 U/L), marked when it is
    illustrative; ``when`` marks a date the paper does not give; ``grade`` is
    ``None`` before the first dose and for analytes CTCAE does not grade.
    """
    graded = grade_labs(case)
    graded = graded.assign(x=_x(graded, case, axis), when=when_texts(graded)).sort_values(
        "date_earliest", kind="stable"
    )
    return [
        {
            "x": x,
            "loinc": loinc,
            "analyte": analyte,
            "unit": unit,
            "value": float(value),
            "text": quantity_text(value, unit) + (ILLUSTRATIVE_MARK if provenance == "illustrative" else ""),
            "when": when,
            "grade": None if pd.isna(grade) else int(grade),
            "provenance": provenance,
        }
        for x, loinc, analyte, unit, value, when, grade, provenance in zip(
            *(graded[c] for c in ("x", "loinc", "analyte", "unit", "value", "when", "ctcae_grade", "provenance")),
            strict=True,
        )
    ]


def dose_records(case: Case, *, axis: Axis = "calendar") -> list[dict[str, Any]]:
    """Every planned dose day, with what :func:`dose_summary` counts and notes about it.

    ``possible``: the dose falls near a stop known only to the month;
    ``illustrative_end``: its count runs to an end of observation whose date is
    illustrative, which matters only when the range holds the drug's last
    planned day (``last_planned_day``). ``first``/``last`` are the dose's
    earliest and latest dates (ISO, so that text order is date order), with
    their words.
    """
    doses = case.administrations
    last_day = doses.groupby("drug")["regimen_day"].transform("max")
    return [
        {
            "x": x,
            "drug": drug,
            "cycle": None if pd.isna(cycle) else int(cycle),
            "possible": certainty == "possible",
            "illustrative_end": end == "illustrative",
            "last_planned_day": bool(day == last),
            "first": earliest.strftime("%Y-%m-%d"),
            "first_when": format_when(earliest, earliest),
            "last": latest.strftime("%Y-%m-%d"),
            "last_when": format_when(latest, latest),
        }
        for x, drug, cycle, certainty, end, day, last, earliest, latest in zip(
            _x(doses, case, axis),
            doses["drug"],
            doses["cycle"],
            doses["certainty"],
            doses["end_date_provenance"],
            doses["regimen_day"],
            last_day,
            doses["date_earliest"],
            doses["date_latest"],
            strict=True,
        )
    ]


def dose_notes() -> dict[str, str]:
    """The words :func:`dose_summary` notes a drug's count with, for a page that notes it itself."""
    return {"planned": PLANNED_NOTE, "illustrative_end": ILLUSTRATIVE_END_NOTE}
