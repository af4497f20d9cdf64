"""Reference flags, CTCAE grades, weight loss and RECIST response."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import casereport
from casereport.derive.grading import (
    _grade_high,
    _grade_low,
    ctcae_rules,
    grade_labs,
    grade_weight_loss,
    on_treatment_grades,
    weight_change,
)
from casereport.derive.response import recist_response, response_assessments

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
    wbc = graded[(graded["loinc"] == "6690-2") & (graded["phase"] == "on treatment")]
    assert len(wbc) == 3
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
    assert first["category"] == "baseline"
    assert "sonography" in first["reason"]
    assert "non-target" in first["reason"]
    evaluable = response[response["category"].isin(["CR", "PR", "SD"])]
    assert evaluable.empty
    assert response["mrecist_note"].str.contains("viable").any()
    # Every staging says why it has the category it has.
    assert (response["reason"] != "").all()


# -- CTCAE v5.0 at its boundaries (clinical-standards.md) ------------------------


@pytest.mark.parametrize(
    ("multiple", "grade"),
    [(1.0, 0), (1.01, 1), (3.0, 1), (3.01, 2), (5.0, 2), (5.01, 3), (20.0, 3), (20.01, 4)],
)
def test_ast_grades_at_the_boundaries_against_a_normal_baseline(multiple, grade):
    assert _grade_high(50 * multiple, 50, None, AST)[0] == grade


@pytest.mark.parametrize(("multiple", "grade"), [(1.49, 0), (1.5, 1), (3.0, 1), (3.01, 2), (5.01, 3)])
def test_ast_grades_at_the_boundaries_against_an_abnormal_baseline(multiple, grade):
    baseline = 130  # above the upper limit of 50
    assert _grade_high(baseline * multiple, 50, baseline, AST)[0] == grade


@pytest.mark.parametrize(("multiple", "grade"), [(2.5, 1), (2.51, 2), (5.0, 2), (5.01, 3)])
def test_ggt_grades_at_the_boundaries(multiple, grade):
    assert _grade_high(60 * multiple, 60, None, ctcae_rules()["2324-2"])[0] == grade


@pytest.mark.parametrize(("value", "grade"), [(4.0, 0), (3.99, 1), (3.0, 1), (2.99, 2), (2.0, 2), (1.99, 3), (0.99, 4)])
def test_white_cell_grades_at_the_boundaries(value, grade):
    assert _grade_low(value, 4.0, "10*3/uL", ctcae_rules()["6690-2"])[0] == grade


def test_values_before_the_first_dose_are_the_baseline_not_adverse_events():
    case = casereport.load_case(CASES[SEED])
    graded = grade_labs(case).set_index("id")
    # GPT 178 U/L in September 2009, before sorafenib: 3.6x the limit, but no adverse event.
    assert graded.at["lab012", "phase"] == "pre-treatment"
    assert pd.isna(graded.at["lab012", "ctcae_grade"])
    grades = on_treatment_grades(case)
    assert "lab012" not in set(grades["lab_id"])
    assert set(grades["period"]) == {
        "sorafenib alone",
        "sorafenib + panobinostat",
        "sorafenib alone, after panobinostat stopped",
    }
    # Each period's worst value is the period's own maximum, graded against the stated baseline.
    gpt = grades[grades["loinc"] == "1742-6"].set_index("period")
    on = graded[(graded["loinc"] == "1742-6") & (graded["phase"] == "on treatment")]
    for period, values in on.groupby("period"):
        assert gpt.at[period, "value"] == values["value"].max()
        assert gpt.at[period, "baseline_id"] == "lab012"


def test_the_abnormal_baseline_rule_is_said_next_to_the_grade():
    case = casereport.load_case(CASES[SEED])
    after = on_treatment_grades(case).set_index(["loinc", "period"])
    row = after.loc[("1742-6", "sorafenib alone, after panobinostat stopped")]
    # 121 U/L is 2.4x the upper limit, yet grade 0 against the 178 U/L baseline read literally.
    assert row["value"] == 121
    assert row["worst_grade"] == 0
    assert "read literally" in row["grade_note"]
    assert "grade 1 if graded against a normal baseline" in row["grade_note"]


def test_re_baselining_at_an_added_drug():
    case = casereport.load_case(CASES[SEED])
    literal = on_treatment_grades(case).set_index(["loinc", "period"])
    again = on_treatment_grades(case, baseline="each_added_drug").set_index(["loinc", "period"])
    after = "sorafenib alone, after panobinostat stopped"
    graded = grade_labs(case)
    for loinc in ("1920-8", "1742-6", "2324-2"):
        # The baseline is then the last value up to panobinostat's start, which was normal.
        values = graded[(graded["loinc"] == loinc) & (graded["date_earliest"] <= pd.Timestamp("2009-11-30"))]
        baseline = values.iloc[-1]
        assert baseline["value"] <= baseline["upper_limit"]
        assert again.loc[(loinc, after), "baseline_id"] == baseline["id"]
        assert literal.loc[(loinc, after), "worst_grade"] == 0
        assert again.loc[(loinc, after), "worst_grade"] == 1
        # Sorafenib alone, before anything was added, keeps the first baseline either way.
        assert (
            again.loc[(loinc, "sorafenib alone"), "baseline_id"]
            == literal.loc[(loinc, "sorafenib alone"), "baseline_id"]
        )


# -- RECIST 1.1 categories as the guideline defines them ---------------------------


def _non_target_case(editable_case, new_lesion: str, change: str = "stable"):
    case_dir = editable_case(SEED)
    rows = (case_dir / "findings.csv").read_text(encoding="utf-8").splitlines()
    # Keep the baseline (no measurable target) and one follow-up finding of the January staging.
    header, baseline = rows[0], [r for r in rows[1:] if ",baseline_staging," in r]
    follow = f"f99,staging_2010_01,MRI,liver,liver,,,,,,,{new_lesion},{change},Lesions,reported,MRI scanning showed,"
    (case_dir / "findings.csv").write_text("\n".join([header, *baseline, follow]) + "\n", encoding="utf-8")
    return recist_response(casereport.load_case(case_dir)).set_index("staging")


def test_non_target_disease_without_new_lesion_is_non_cr_non_pd(editable_case):
    response = _non_target_case(editable_case, new_lesion="false")
    assert response.at["staging_2010_01", "category"] == "non-CR/non-PD"
    assert "no new lesion found" in response.at["staging_2010_01", "reason"]


def test_an_unequivocal_new_lesion_is_progression(editable_case):
    response = _non_target_case(editable_case, new_lesion="true", change="new")
    assert response.at["staging_2010_01", "category"] == "PD"
    assert "unequivocal" in response.at["staging_2010_01", "reason"]
    # For HCC the note says what mRECIST would need of a new lesion.
    assert "at least 1 cm" in response.at["staging_2010_01", "mrecist_note"]


def test_a_staging_that_does_not_assess_the_disease_is_not_evaluable(editable_case):
    response = _non_target_case(editable_case, new_lesion="", change="not stated")
    assert response.at["staging_2010_01", "category"] == "NE"
    assert "not evaluable" in response.at["staging_2010_01", "reason"]


def test_seed_response_against_baseline_and_before_panobinostat():
    assessed = response_assessments(casereport.load_case(CASES[SEED]))
    baseline = assessed[assessed["regimen"] == "all treatment"].set_index("staging")
    added = assessed[assessed["regimen"] == "panobinostat added"].set_index("staging")
    assert baseline.at["staging_sorafenib_6w", "category"] == "PD"  # "increasing and novel lesions"
    assert baseline.at["staging_2010_01", "category"] == "non-CR/non-PD"
    # The combination is read from the last scan before panobinostat: the 6-week staging.
    assert set(added["compared_with"]) == {"staging_sorafenib_6w"}
    assert added.at["staging_2010_01", "category"] == "non-CR/non-PD"
    assert "staging_2010_04" in added.index
    assert "NE" not in set(assessed["category"])
