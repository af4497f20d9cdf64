"""Lab values against their reference limits, and CTCAE v5.0 grades.

Thresholds are in ``reference/ctcae.csv`` (from CTCAE v5.0; see
``clinical-standards.md``). For the enzymes graded as multiples of the upper
limit, CTCAE's baseline rule applies: when the baseline value was already
above the limit, multiples are of the baseline, and grade 1 starts at a
term-specific multiple of it (1.5x for AST and ALT, 2.0x for GGT).
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from .case import Case

GRADE_COLUMNS = ["flag", "ctcae_term", "ctcae_grade", "grade_basis", "baseline_value"]

WEIGHT_LOSS_GRADES = ((20.0, 3), (10.0, 2), (5.0, 1))  # percent lost from baseline -> CTCAE grade


@cache
def ctcae_rules() -> dict[str, dict[str, str]]:
    """CTCAE v5.0 grading rules by LOINC code."""
    text = resources.files("casereport").joinpath("reference/ctcae.csv").read_text("utf-8")
    return {row["loinc"]: row for row in csv.DictReader(text.splitlines())}


def _flag(value: float, lower: float, upper: float) -> str:
    if pd.notna(upper) and value > upper:
        return "high"
    if pd.notna(lower) and value < lower:
        return "low"
    return "normal"


def _grade_high(value: float, uln: float, baseline: float | None, rule: dict[str, str]) -> tuple[int, str]:
    if baseline is not None and baseline > uln:
        reference, basis = baseline, "multiple of abnormal baseline"
        grade1 = value >= baseline * float(rule["grade1_abnormal_baseline"])
    else:
        reference, basis = uln, "multiple of ULN"
        grade1 = value > uln
    if not grade1:
        return 0, basis
    higher = [g for g in (2, 3, 4) if value > reference * float(rule[f"grade{g}"])]
    return max(higher, default=1), basis


def _grade_low(value: float, lln: float, unit: str, rule: dict[str, str]) -> tuple[int | None, str]:
    if rule["unit"] != unit:
        return None, f"CTCAE thresholds are in {rule['unit']}, the value is in {unit}"
    if pd.isna(lln) or value >= lln:
        return 0, "absolute"
    grade = 1
    for number in (2, 3, 4):
        threshold = rule[f"grade{number}"]
        if threshold and value < float(threshold):
            grade = number
    return grade, "absolute"


def grade_labs(case: Case) -> pd.DataFrame:
    """``case.labs`` with ``flag`` (low, normal, high) and the CTCAE v5.0 grade where one exists.

    ``ctcae_grade`` is ``<NA>`` for analytes CTCAE does not grade (AFP) and
    ``grade_basis`` says how each grade was reached. The baseline is an
    analyte's first value, when it may fall on or before the reference event.
    """
    labs = case.labs.sort_values(["loinc", "date_earliest", "date_latest"], kind="stable")
    reference = case.event(case.reference_event)
    rules = ctcae_rules()
    rows = []
    for loinc, values in labs.groupby("loinc", sort=False):
        first = values.iloc[0]
        baseline = first["value"] if first["date_earliest"] <= reference["date_latest"] else None
        rule = rules.get(loinc)
        for index, lab in values.iterrows():
            flag = _flag(lab["value"], lab["lower_limit"], lab["upper_limit"])
            grade: int | None
            if rule is None:
                grade, basis, term = None, "no CTCAE term for this analyte", None
            elif rule["direction"] == "high":
                is_baseline = index == first.name and baseline is not None
                grade, basis = _grade_high(lab["value"], lab["upper_limit"], None if is_baseline else baseline, rule)
                term = rule["term"]
            else:
                grade, basis = _grade_low(lab["value"], lab["lower_limit"], lab["unit"], rule)
                term = rule["term"]
            rows.append((index, flag, term, grade, basis, baseline))
    graded = pd.DataFrame(rows, columns=["index", *GRADE_COLUMNS]).set_index("index")
    out = case.labs.join(graded)
    out["ctcae_grade"] = out["ctcae_grade"].astype("Int64")
    out["baseline_value"] = out["baseline_value"].astype("float64")
    return out


def grade_weight_loss(percent_lost: float) -> int:
    """CTCAE v5.0 weight loss grade for a percentage lost from baseline (0 below 5%)."""
    return next((grade for threshold, grade in WEIGHT_LOSS_GRADES if percent_lost >= threshold), 0)


def weight_change(case: Case) -> pd.DataFrame:
    """Each stated weight loss, with its CTCAE grade where the baseline weight allows one.

    The grade needs the loss as a share of baseline body weight; where the
    case gives no body weight, ``reason`` says so and what weight would make
    the loss grade 1.
    """
    losses = case.adverse_events[case.adverse_events["ctcae_term"] == "Weight loss"]
    rows = []
    for _, loss in losses.iterrows():
        kg = loss["value"] if loss["unit"] == "kg" else np.nan
        row = {
            "id": loss["id"],
            "term": loss["term"],
            "loss_kg": kg,
            "baseline_kg": np.nan,
            "percent": np.nan,
            "ctcae_grade": pd.NA,
            "reason": "",
        }
        if pd.isna(kg):
            row["reason"] = "the amount lost is not given in kg"
        else:
            heaviest = kg / (WEIGHT_LOSS_GRADES[-1][0] / 100)
            row["reason"] = (
                f"no body weight is given, so {kg:g} kg cannot be graded; it would be grade 1 or more "
                f"(at least 5% lost) only if the patient weighed {heaviest:g} kg or less"
            )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["id", "term", "loss_kg", "baseline_kg", "percent", "ctcae_grade", "reason"])
    frame["ctcae_grade"] = frame["ctcae_grade"].astype("Int64")
    return frame
