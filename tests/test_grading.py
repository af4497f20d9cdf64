"""Reference flags, CTCAE grades, weight loss and RECIST response."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import casereport
from casereport.grading import _grade_high, ctcae_rules, grade_labs, grade_weight_loss, weight_change
from casereport.response import recist_response

from .conftest import CASES, SEED, SYNTHETIC

AST = ctcae_rules()["1920-8"]
values = st.floats(min_value=0, max_value=5000, allow_nan=False)
limits = st.floats(min_value=1, max_value=200, allow_nan=False)


@given(values, values, limits)
def test_grade_never_falls_as_value_rises(a, b, uln):
    low, high = sorted((a, b))
    assert _grade_high(low, uln, None, AST)[0] <= _grade_high(high, uln, None, AST)[0]


@given(values, limits)
def test_normal_baseline_grades_against_uln(value, uln):
    grade, basis = _grade_high(value, uln, None, AST)
    assert basis == "multiple of ULN"
    assert (grade == 0) == (value <= uln)
    assert (grade >= 2) == (value > 3 * uln)


@given(values, limits, st.floats(min_value=1.01, max_value=10))
def test_abnormal_baseline_grades_against_baseline(value, uln, factor):
    baseline = uln * factor
    grade, basis = _grade_high(value, uln, baseline, AST)
    assert basis == "multiple of abnormal baseline"
    assert (grade >= 1) == (value >= 1.5 * baseline)


def test_flags_follow_the_cases_own_limits(case_dir):
    graded = grade_labs(casereport.load_case(case_dir))
    above = graded["value"] > graded["upper_limit"]
    below = graded["value"] < graded["lower_limit"]
    assert (graded.loc[above, "flag"] == "high").all()
    assert (graded.loc[below, "flag"] == "low").all()
    assert (graded.loc[~above & ~below, "flag"] == "normal").all()
    assert len(graded) == len(casereport.load_case(case_dir).labs)


def test_ungraded_analyte_says_so():
    graded = grade_labs(casereport.load_case(CASES[SEED]))
    afp = graded[graded["loinc"] == "1834-1"]
    assert afp["ctcae_grade"].isna().all()
    assert (afp["grade_basis"] == "no CTCAE term for this analyte").all()


def test_low_counts_graded_by_absolute_thresholds():
    graded = grade_labs(casereport.load_case(CASES[SYNTHETIC])).set_index("id")
    wbc = graded[graded["loinc"] == "6690-2"]
    for _, row in wbc.iterrows():
        expected = (
            0 if row["value"] >= row["lower_limit"] else 1 if row["value"] >= 3 else 2 if row["value"] >= 2 else 3
        )
        assert row["ctcae_grade"] == expected


@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_weight_loss_grade(percent):
    grade = grade_weight_loss(percent)
    assert grade == (3 if percent >= 20 else 2 if percent >= 10 else 1 if percent >= 5 else 0)


def test_weight_loss_without_body_weight_is_not_graded():
    change = weight_change(casereport.load_case(CASES[SEED]))
    assert len(change) == 1
    assert change["ctcae_grade"].isna().all()
    assert "no body weight" in change.iloc[0]["reason"]
    assert f"{change.iloc[0]['loss_kg'] / 0.05:g} kg" in change.iloc[0]["reason"]


def test_recist_from_measurements():
    case = casereport.load_case(CASES[SYNTHETIC])
    response = recist_response(case).set_index("staging")
    findings = case.findings
    sums = findings[~findings["new_lesion"].astype(bool)].groupby("staging")["dim1_mm"].sum()
    baseline = sums["baseline_ct"]
    for staging, total in sums.items():
        assert response.at[staging, "sum_mm"] == total
        if staging != "baseline_ct":
            assert response.at[staging, "change_from_baseline_pct"] == 100 * (total - baseline) / baseline
    assert response.at["ct_after_three_cycles", "category"] == (
        "PR" if sums["ct_after_three_cycles"] <= 0.7 * baseline else "SD"
    )
    assert response.at["ct_progression", "category"] == "PD"


def test_recist_refuses_sonography_and_says_why():
    response = recist_response(casereport.load_case(CASES[SEED]))
    first = response.iloc[0]
    assert pd.isna(first["category"])
    assert "sonography" in first["reason"]
    evaluable = response[response["category"].isin(["CR", "PR", "SD"])]
    assert evaluable.empty
    assert response["mrecist_note"].str.contains("viable").any()
